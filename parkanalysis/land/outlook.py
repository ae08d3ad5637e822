"""The land outlook of one park from its ledger: exhaustion, expansion need, backtest."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis import forecast as _fc
from parkanalysis.errors import ParameterError
from parkanalysis.land.history import (
    SupplyYears,
    _complete_series,
    _window_years,
    supply_history,
    supply_transactions,
    years_of_supply_left,
)
from parkanalysis.land.ledger import (
    _SCENARIO_LABELS,
    RELOCATION_LAG_YEARS,
    _fmt,
    _one_park,
    _park_parcels,
    resolve_as_of,
)


# --------------------------------------------------------------------------- outlook
def relocation_release_year(status: str, status_date: Any, as_of: Any) -> int | None:
    """The year land of a relocation is assumed freed for supply (None once done).

    洽谈中 → ``as_of`` year + 2; 已签协议 and 拆除中 → ``as_of`` year + 1 (demolition,
    then 收储 and 出让 procedures); 已完成 → None (already back in the ledger).

    Examples
    --------
    >>> relocation_release_year("洽谈中", "2016-05-20", "2016-06-30")
    2018
    >>> relocation_release_year("拆除中", "2016-06-15", "2016-06-30")
    2017
    >>> relocation_release_year("已完成", "2016-06-15", "2016-06-30") is None
    True
    """
    lag = RELOCATION_LAG_YEARS.get(str(status))
    if lag is None:
        return None
    return pd.Timestamp(as_of).year + lag


def _open_relocations(ds: Any, pid: str, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Latest status ≤ cutoff per (enterprise, parcels) of relocations not yet done."""
    r = ds.relocations
    r = r.loc[(r["park_id"] == pid).to_numpy() & (r["status_date"] <= cutoff).to_numpy()].copy()
    if r.empty:
        return r
    r["_key"] = [
        f"{e}|{';'.join(sorted(ids)) if isinstance(ids, tuple | list) else ''}"
        for e, ids in zip(r["enterprise_id"], r["parcel_ids"], strict=True)
    ]
    r = r.sort_values(["_key", "status_date", "relocation_id"]).groupby("_key").tail(1)
    return r.loc[r["status"].ne("已完成").to_numpy()].drop(columns="_key")


@dataclass
class LandOutlookReport:
    """The land outlook of one park from its ledger (wraps :class:`forecast.LandOutlook`).

    Attributes
    ----------
    park_id, park_name : str
    as_of : pandas.Timestamp
        Cut-off of the ledger figures.
    history : pandas.DataFrame
        :func:`supply_history` (all years up to ``as_of``).
    outlook : parkanalysis.forecast.LandOutlook
        Forecast, exhaustion and expansion need of every scenario.
    first_year, last_year : int
        History window of the forecast (last complete year); forecast years follow.
    remaining_mu : float
        尚可供应土地 as of ``as_of``.
    start_remaining_mu : float
        Land available at the start of the first forecast year (``remaining_mu`` plus what
        was supplied between that start and ``as_of``).
    supply_years : SupplyYears
        The official 尚可供地年数 (ledger as of ``as_of``).
    gross_to_net_basis : str
        Where the gross/net factor comes from.
    planning_horizon : int
        Years of the headline expansion need (``config.expansion.planning_horizon_years``,
        at most the forecast horizon).
    scenarios : pandas.DataFrame
        ``scenario, label, description, added_mu, annual_target_mu``.
    exhaustion_probability : pandas.DataFrame
        ``scenario, year, prob`` — cumulative probability that the land is used up by the
        end of ``year``.
    backtest : pandas.DataFrame or None
        :func:`forecast.backtest_annual` on the park's annual supply.
    backtest_summary : pandas.DataFrame or None
        :func:`forecast.summarize_backtest` of it.
    notes : list of str
    """

    park_id: str
    park_name: str
    as_of: pd.Timestamp
    history: pd.DataFrame
    outlook: _fc.LandOutlook
    first_year: int
    last_year: int
    remaining_mu: float
    start_remaining_mu: float
    supply_years: SupplyYears
    gross_to_net_basis: str
    planning_horizon: int
    scenarios: pd.DataFrame
    exhaustion_probability: pd.DataFrame
    backtest: pd.DataFrame | None
    backtest_summary: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

    # -- pieces the reports chart ---------------------------------------------------------
    @property
    def horizon(self) -> int:
        """Number of forecast years."""
        return len(self.outlook.supply_forecast)

    @property
    def confidence(self) -> float:
        """Confidence of the expansion need (0..1)."""
        return self.outlook.confidence

    @property
    def exhaustion(self) -> pd.DataFrame:
        """P10/P50/P90 exhaustion year and probability within the horizon, per scenario."""
        ex = self.outlook.exhaustion.copy()
        ex.insert(1, "label", ex["scenario"].map(lambda s: _SCENARIO_LABELS.get(s, s)))
        return ex

    @property
    def expansion_need(self) -> pd.DataFrame:
        """Net and gross land to add per scenario and planning year (亩)."""
        return self.outlook.expansion_need

    def history_series(self, *, complete_only: bool = True) -> pd.Series:
        """Annual supply (亩) indexed by year, for the fan chart."""
        h = self.history
        if complete_only:
            h = h.loc[h["complete"].to_numpy(dtype=bool)]
        return pd.Series(
            h["supplied_mu"].to_numpy(dtype=float), index=h["year"].to_numpy(), name="supplied_mu"
        )

    def exhaustion_curve(self, scenario: str = "baseline") -> pd.Series:
        """Cumulative probability (0..1) that the land is used up, indexed by year."""
        e = self.exhaustion_probability
        e = e.loc[e["scenario"] == scenario]
        if e.empty:
            raise ParameterError(
                f"没有情景 {scenario!r};可选:{'、'.join(self.scenarios['scenario'])}"
            )
        return pd.Series(e["prob"].to_numpy(), index=e["year"].to_numpy(), name=scenario)

    def forecast_table(self) -> pd.DataFrame:
        """One row per forecast year: supply forecast, exhaustion probability, need.

        Returns
        -------
        pandas.DataFrame
            ``year, mean, lo80, hi80, lo95, hi95`` (annual supply, 亩),
            ``exhausted_prob`` (baseline, cumulative), ``need_net_mu`` and ``need_gross_mu``
            (baseline expansion need if planning up to that year).
        """
        t = self.outlook.supply_forecast.copy()
        prob = self.exhaustion_curve("baseline")
        t["exhausted_prob"] = prob.reindex(t["year"].to_numpy()).to_numpy()
        need = self.outlook.expansion_need
        need = need.loc[need["scenario"] == "baseline"].set_index("year")
        t["need_net_mu"] = need["net_mu"].reindex(t["year"].to_numpy()).to_numpy()
        t["need_gross_mu"] = need["gross_mu"].reindex(t["year"].to_numpy()).to_numpy()
        return t.reset_index(drop=True)

    def headline_need(self, scenario: str = "baseline") -> tuple[int, float, float]:
        """``(horizon_years, net_mu, gross_mu)`` at the planning horizon."""
        need = self.outlook.expansion_need
        row = need.loc[
            (need["scenario"] == scenario) & (need["horizon_years"] == self.planning_horizon)
        ]
        return self.planning_horizon, float(row["net_mu"].iloc[0]), float(row["gross_mu"].iloc[0])

    # -- text and JSON --------------------------------------------------------------------
    @property
    def summary(self) -> str:
        """Chinese summary with ranges, probabilities and the backtest's coverage."""
        return _summary(self)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with stable keys (NaN → None, years as int)."""
        o = self.outlook
        h = self.history
        sy = self.supply_years
        horizon_years, net, gross = self.headline_need()
        bt = None
        if self.backtest_summary is not None and self.backtest is not None:
            s = self.backtest_summary.reset_index()
            bt = {
                "origins": [int(x) for x in sorted(self.backtest["origin"].unique())],
                "by_horizon": _records(s),
                "note": _backtest_sentence(self),
            }
        return {
            "park_id": self.park_id,
            "park_name": self.park_name,
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "history_years": [self.first_year, self.last_year],
            "forecast_years": [
                int(o.supply_forecast["year"].iloc[0]),
                int(o.supply_forecast["year"].iloc[-1]),
            ],
            "remaining_supplyable_mu": _num(self.remaining_mu),
            "start_remaining_mu": _num(self.start_remaining_mu),
            "avg_annual_supply_mu": _num(sy.average_mu),
            "supply_window_years": list(sy.window),
            "years_of_supply_left": _num(sy.years),
            "years_of_supply_left_note": sy.reason,
            "gross_to_net": _num(o.gross_to_net),
            "gross_to_net_basis": self.gross_to_net_basis,
            "horizon": self.horizon,
            "planning_horizon_years": horizon_years,
            "confidence": _num(o.confidence),
            "expansion_need_net_mu": _num(net),
            "expansion_need_gross_mu": _num(gross),
            "supply_history": _records(h[["year", "supplied_mu", "transactions", "complete"]]),
            "forecast": _records(self.forecast_table()),
            "exhaustion": _records(self.exhaustion),
            "exhaustion_probability": _records(self.exhaustion_probability),
            "expansion_need": _records(o.expansion_need),
            "scenarios": _records(self.scenarios),
            "backtest": bt,
            "notes": list(self.notes),
            "summary": self.summary,
        }


def _num(x: Any) -> Any:
    if x is None or x is pd.NA:
        return None
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return None if math.isnan(x) else round(float(x), 4)
    if isinstance(x, dict):
        return {str(k): _num(v) for k, v in x.items()}
    return x


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _num(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def land_outlook_for(
    ds: Any,
    *,
    park: str | None = None,
    as_of: Any = None,
    horizon: int | None = None,
    confidence: float | None = None,
    scenarios: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None = None,
    seed: int | None = 0,
    n_sims: int = 4000,
) -> LandOutlookReport:
    """When does the park's supplyable land run out, and how much expansion is needed?

    The history is the ledger's supplied parcels (one transaction per parcel, year of
    ``supply_date``) from the first supply year to the last *complete* year before
    ``as_of``; the forecast starts with the year after it. The land available at that
    start is the remaining supplyable land as of ``as_of`` plus anything supplied since
    (so a half-year already passed is part of the first forecast year).

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id (required when the dataset holds several parks).
    as_of : str, Period, date or None
        Cut-off (see :func:`resolve_as_of`); default the end of the data.
    horizon : int, optional
        Forecast years; default ``max(10, config.expansion.planning_horizon_years)``.
    confidence : float, optional
        Confidence of the expansion need (0..1); default ``config.expansion.confidence``.
    scenarios : dict or list of dict, optional
        Scenario specs of :func:`parkanalysis.forecast.land_outlook`. Default, from the
        data: ``relocations`` — land of relocations not done by ``as_of`` is freed in the
        year of :func:`relocation_release_year` (洽谈中 +2 years, 已签协议/拆除中 +1) — and,
        when ``config.land.annual_supply_target_mu`` is set, ``planned_target``. Pass ``{}``
        for the baseline only.
    seed : int or None, default 0
        Random seed (equal seeds, equal results).
    n_sims : int, default 4000
        Simulated paths.

    Returns
    -------
    LandOutlookReport
        With ``.to_dict()``, ``.forecast_table()``, ``.summary`` and the chart pieces.

    Raises
    ------
    ParameterError
        For bad arguments, or a ledger without any supplied parcel before ``as_of``'s year.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> out = land_outlook_for(load_dataset("data/sample"), horizon=5, n_sims=500)
    >>> out.remaining_mu, round(out.supply_years.average_mu, 1), out.outlook.gross_to_net
    (150.4, 225.7, 1.4294258373205742)
    """
    pid = _one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    cfg = ds.config(pid)
    exp_cfg = cfg.get("expansion", {}) or {}
    planning = exp_cfg.get("planning_horizon_years", 5)
    if horizon is None:
        horizon = max(10, int(planning))
    if confidence is None:
        confidence = float(exp_cfg.get("confidence", 0.8))
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ParameterError(f"horizon(预测年数)应为正整数,得到 {horizon!r}")
    info = ds.profile.parks[pid]
    history = supply_history(ds, park=pid, as_of=cutoff)
    tx = supply_transactions(ds, park=pid, as_of=cutoff)
    if history.empty:
        raise ParameterError(f"{info.name}截至{cutoff:%Y-%m-%d}没有已供应地块,无法预测供地")
    complete = history.loc[history["complete"].to_numpy(dtype=bool)]
    if complete.empty:
        raise ParameterError(
            f"{info.name}截至{cutoff:%Y-%m-%d}还没有完整年度的供地记录,无法预测供地"
        )
    first_year, last_year = int(complete["year"].min()), int(complete["year"].max())
    p = _park_parcels(ds, pid, cutoff)
    remaining = round(float(p.loc[p["remaining"].to_numpy(dtype=bool), "area_mu"].sum()), 6)
    since = float(tx.loc[tx["year"] > last_year, "area_mu"].sum())
    start_remaining = remaining + since
    window = _window_years(ds, pid)
    sy = years_of_supply_left(_complete_series(history), remaining, window=window)
    gross, basis = _gross_to_net(info.declared_mu, p)
    notes: list[str] = []
    if since > 0:
        notes.append(
            f"{last_year + 1}年截至{cutoff:%Y-%m-%d}已供地{_fmt(since)}亩,"
            f"计入{last_year + 1}年的预测供地;预测起点可供土地为{_fmt(start_remaining)}亩"
        )
    years = list(range(last_year + 1, last_year + 1 + horizon))
    spec_rows: list[dict[str, Any]] = []
    if scenarios is None:
        scenarios, spec_rows, more = _default_scenarios(ds, pid, cutoff, years, cfg)
        notes.extend(more)
    else:
        spec_rows = _describe_scenarios(scenarios)
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
    n_years = last_year - first_year + 1
    recent = min(window, n_years)
    out = _fc.land_outlook(
        tx[["year", "area_mu"]],
        start_remaining,
        first_year=first_year,
        last_year=last_year,
        horizon=horizon,
        confidence=confidence,
        gross_to_net=gross,
        scenarios=scenarios,
        recent_years=recent,
        n_sims=n_sims,
        seed=seed,
    )
    if out.note:
        notes.append(out.note)
    paths = _fc.supply_paths(
        tx[["year", "area_mu"]],
        first_year=first_year,
        last_year=last_year,
        horizon=horizon,
        n_sims=n_sims,
        seed=seed,
    )
    prob = _exhaustion_probability(paths, start_remaining, scenarios, np.array(years))
    bt, bts, bt_note = _backtest(complete)
    if bt_note:
        notes.append(bt_note)
    scen = pd.DataFrame(
        [
            {
                "scenario": "baseline",
                "label": _SCENARIO_LABELS["baseline"],
                "description": "按本园区历年供地宗数与面积的重抽样及趋势预测",
                "added_mu": {},
                "annual_target_mu": None,
            },
            *spec_rows,
        ]
    )
    return LandOutlookReport(
        park_id=pid,
        park_name=info.name,
        as_of=cutoff,
        history=history,
        outlook=out,
        first_year=first_year,
        last_year=last_year,
        remaining_mu=remaining,
        start_remaining_mu=start_remaining,
        supply_years=sy,
        gross_to_net_basis=basis,
        planning_horizon=max(1, min(int(planning), horizon)),
        scenarios=scen,
        exhaustion_probability=prob,
        backtest=bt,
        backtest_summary=bts,
        notes=notes,
    )


def _gross_to_net(declared: Mapping[str, float], p: pd.DataFrame) -> tuple[float, str]:
    if declared.get("total") and declared.get("usable"):
        t, u = float(declared["total"]), float(declared["usable"])
        return t / u, f"申报总面积{_fmt(t)}亩 ÷ 可利用土地{_fmt(u)}亩"
    total = float(p["area_mu"].sum())
    usable = float(p.loc[p["usable"].to_numpy(dtype=bool), "area_mu"].sum())
    if total > 0 and usable > 0:
        return total / usable, f"台账总面积{_fmt(total)}亩 ÷ 台账可利用土地{_fmt(usable)}亩"
    return 1.0, "缺少总面积与可利用土地,按1:1折算"


def _default_scenarios(ds, pid, cutoff, years, cfg):
    specs: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    rel = _open_relocations(ds, pid, cutoff)
    freed: dict[int, float] = {}
    parts = []
    for _, r in rel.iterrows():
        area = r["land_freed_mu"]
        if pd.isna(area) or area <= 0:
            notes.append(f"搬迁置换 {r['relocation_id']} 未填腾退土地面积,未计入情景")
            continue
        y = relocation_release_year(r["status"], r["status_date"], cutoff)
        if y is None:
            continue
        if y > years[-1]:
            notes.append(f"搬迁置换 {r['relocation_id']} 预计{y}年腾退,超出预测期,未计入")
            continue
        y = max(y, years[0])
        freed[y] = freed.get(y, 0.0) + float(area)
        parts.append(f"{r['relocation_id']}({r['status']},{_fmt(area)}亩,{y}年)")
    if freed:
        specs["relocations"] = {"relocations": freed}
        rows.append(
            {
                "scenario": "relocations",
                "label": _SCENARIO_LABELS["relocations"],
                "description": "未完成的搬迁置换腾退土地计入可供土地:洽谈中按两年后、"
                "已签协议或拆除中按次年腾退;" + "、".join(parts),
                "added_mu": {int(k): v for k, v in sorted(freed.items())},
                "annual_target_mu": None,
            }
        )
    target = (cfg.get("land", {}) or {}).get("annual_supply_target_mu")
    if target is not None:
        specs["planned_target"] = {"annual_target": target}
        rows.append(
            {
                "scenario": "planned_target",
                "label": _SCENARIO_LABELS["planned_target"],
                "description": f"按年度供地计划每年供地{_fmt(float(target))}亩",
                "added_mu": {},
                "annual_target_mu": float(target),
            }
        )
    return specs, rows, notes


def _describe_scenarios(scenarios) -> list[dict[str, Any]]:
    items = (
        [{"name": k, **v} for k, v in scenarios.items()]
        if isinstance(scenarios, Mapping)
        else list(scenarios)
    )
    rows = []
    for s in items:
        if not isinstance(s, Mapping):
            continue  # land_outlook reports the error
        added: dict[int, float] = {}
        for key in ("relocations", "conversions"):
            for y, a in (s.get(key) or {}).items():
                added[int(y)] = added.get(int(y), 0.0) + float(a)
        name = s.get("name")
        rows.append(
            {
                "scenario": name,
                "label": _SCENARIO_LABELS.get(name, name),
                "description": "调用方给定的情景",
                "added_mu": dict(sorted(added.items())),
                "annual_target_mu": s.get("annual_target"),
            }
        )
    return rows


def _exhaustion_probability(paths, remaining, scenarios, years) -> pd.DataFrame:
    """Cumulative P(exhausted by year) per scenario, the rule of forecast.land_outlook."""
    specs = [("baseline", np.zeros(years.size), None)]
    specs += _fc._parse_scenarios(scenarios, years)
    rows = []
    for name, added, target in specs:
        sc = paths if target is None else np.full((1, years.size), float(target))
        cum = np.cumsum(sc, axis=1)
        available = remaining + np.cumsum(added)
        out = (cum >= available - 1e-9 * max(1.0, remaining)) & (cum > 0)
        ever = np.maximum.accumulate(out, axis=1).mean(axis=0)
        rows += [
            {"scenario": name, "year": int(y), "prob": float(v)}
            for y, v in zip(years, ever, strict=True)
        ]
    return pd.DataFrame(rows)


def _backtest(complete: pd.DataFrame):
    y = pd.Series(complete["supplied_mu"].to_numpy(dtype=float), index=complete["year"].to_numpy())
    if len(y) <= _fc.MIN_OBSERVATIONS:
        return (
            None,
            None,
            (f"完整年度仅{len(y)}年,不足{_fc.MIN_OBSERVATIONS + 1}年,未做供地预测回测"),
        )
    bt = _fc.backtest_annual(y, horizon=min(3, len(y) - _fc.MIN_OBSERVATIONS))
    return bt, _fc.summarize_backtest(bt), ""


def _backtest_sentence(r: LandOutlookReport) -> str:
    if r.backtest is None or r.backtest_summary is None:
        return ""
    s = r.backtest_summary
    one = s.loc[1]
    bt1 = r.backtest.loc[r.backtest["h"] == 1]
    hits = int(bt1["covered80"].sum())
    n = len(bt1)
    origins = sorted(int(x) for x in bt1["origin"])
    span = f"{origins[0]}-{origins[-1]}年" if len(origins) > 1 else f"{origins[0]}年"
    mean_level = float(r.history_series().mean())
    return (
        f"回测:以{span}各年为起点预测次年供地,平均绝对误差{_fmt(one['mae'])}亩"
        f"(历年平均供地{_fmt(mean_level)}亩),80%预测区间覆盖实际值{n}次中的{hits}次"
    )


def _pct(x: float) -> str:
    return f"{_fmt(100 * x, 0)}%"


def _summary(r: LandOutlookReport) -> str:
    sy = r.supply_years
    o = r.outlook
    parts = []
    head = (
        f"截至{r.as_of.year}年{r.as_of.month}月,{r.park_name}尚可供应土地(已批未供)"
        f"{_fmt(r.remaining_mu)}亩"
    )
    if sy.years is not None:
        n = len(sy.window)
        head += (
            f";按近{n}年({sy.window[0]}-{sy.window[-1]}年)年均供地{_fmt(sy.average_mu)}亩测算,"
            f"尚可供地{_fmt(sy.years)}年"
        )
    else:
        head += f";{sy.reason}"
    parts.append(head)
    base = o.exhaustion.iloc[0]
    curve = r.exhaustion_curve("baseline")
    first = int(curve.index[0])
    if pd.isna(base["p50"]):
        parts.append(
            f"模拟{r.horizon}年内可供土地用尽的概率为{_pct(base['prob_within_horizon'])},"
            f"中位情形在预测期({first}-{int(curve.index[-1])}年)内不会用尽"
        )
    else:
        p10, p50, p90 = base["p10"], base["p50"], base["p90"]
        by_p50 = float(curve.loc[int(p50)])
        text = f"模拟显示,可供土地最可能在{p50}年用尽(P50"
        if pd.isna(p90):
            never = 1 - float(base["prob_within_horizon"])
            text += (
                f";P10{'亦' if p10 == p50 else ''}为{p10}年;另有{_pct(never)}的模拟情形"
                f"到{int(curve.index[-1])}年仍未用尽),"
            )
        else:
            text += f";P10-P90为{p10}-{p90}年),"
        text += f"{first}年内用尽的概率为{_pct(curve.iloc[0])}"
        if first <= r.as_of.year:
            text += f"({first}年按全年计,含已过去的月份)"
        if int(p50) != first:
            text += f",{p50}年底前为{_pct(by_p50)}"
        parts.append(text)
    k, net, gross = r.headline_need()
    conf = _fmt(100 * o.confidence, 0)
    if net > 0:
        text = (
            f"为保障未来{k}年供地({conf}%置信),需新增可供土地约{_fmt(net, 0)}亩,"
            f"折合规划面积约{_fmt(gross, 0)}亩(按总面积与可利用土地之比{o.gross_to_net:.2f}折算)"
        )
    else:
        text = f"未来{k}年供地在{conf}%置信下无需新增可供土地"
    if r.horizon > k:
        need = o.expansion_need
        last = need.loc[(need["scenario"] == "baseline") & (need["horizon_years"] == r.horizon)]
        text += f";保障{r.horizon}年约需{_fmt(float(last['gross_mu'].iloc[0]), 0)}亩规划面积"
    parts.append(text)
    for _, row in o.exhaustion.iloc[1:].iterrows():
        label = _SCENARIO_LABELS.get(row["scenario"], row["scenario"])
        srow = r.scenarios.loc[r.scenarios["scenario"] == row["scenario"]]
        added = sum((srow["added_mu"].iloc[0] or {}).values()) if len(srow) else 0.0
        head = f"若{label}({_fmt(added)}亩)如期实现" if added else f"若{label}"
        when = f"P50用尽年份为{row['p50']}年" if not pd.isna(row["p50"]) else "预测期内多半不会用尽"
        gross_s = r.headline_need(row["scenario"])[2]
        parts.append(f"{head},{when},{k}年需新增规划面积约{_fmt(gross_s, 0)}亩")
    bt = _backtest_sentence(r)
    if bt:
        parts.append(bt + ";历年供地起伏很大,单年预测误差大,宜以区间和概率而非单一数值判断")
    verdict = (
        "结论:按年均供地速度,可供土地已无法满足正常供地需要,园区急需扩园升级"
        if sy.years is not None and sy.years < 2 and net > 0
        else ""
    )
    if verdict:
        parts.append(verdict)
    return "。".join(parts) + "。"
