"""The land outlook of one park from its ledger: one clock, lumpy supply, blocked land.

One clock
    Everything is "as of" the data's date (:func:`~parkanalysis.land.ledger.resolve_as_of`,
    never past the end of the data). The years before ``as_of``'s year are the complete
    history; the parcels already supplied in ``as_of``'s year are history too (they are out
    of the remaining land and enter the fit with the share of the year they cover), and the
    first forecast year is only the rest of that year. The share is the historical share of
    parcels supplied by the same day of the year, shrunk toward the calendar share with
    :data:`SEASON_PSEUDO_PARCELS` pseudo-parcels. The official 尚可供地年数 (remaining ÷ the
    recent complete years' average) is turned into a date (``as_of`` + years) so the headline,
    the years left and the exhaustion distribution speak of the same clock.

Supply model
    :mod:`parkanalysis.forecast.supply` — parcels per year × parcel size, pooled across the
    dataset's other parks where there are any.

Blocked land
    Remaining parcels whose 征迁安置 is 未启动 or 进行中 count toward the remaining land but
    only become suppliable at an expected date: ``as_of`` + ``land.resettlement_months``
    (park.yaml, per status; defaults :data:`RESETTLEMENT_MONTHS`).

Expansion need
    For ``k`` planning years: the land to add so that the supply up to the end of
    ``as_of.year + k`` is met, at the median and at ``expansion.confidence`` (one setting for
    every report and the CLI); compared with the park's declared total area and with the most
    the park ever supplied in a span of the same length.
"""

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
    _fmt,
    _one_park,
    _park_parcels,
    resolve_as_of,
)

#: Years from the latest relocation status (as of) to the year the land is freed.
RELOCATION_LAG_YEARS: Mapping[str, int] = {"洽谈中": 2, "已签协议": 1, "拆除中": 1}
_SCENARIO_LABELS = {
    "baseline": "基准情景(按历史供地规律)",
    "relocations": "搬迁置换腾退土地",
    "planned_target": "按年度供地计划",
}
#: Months from ``as_of`` until land whose 征迁安置 is not finished can be supplied, per status
#: (park.yaml ``land.resettlement_months`` overrides single statuses).
RESETTLEMENT_MONTHS: Mapping[str, int] = {"进行中": 12, "未启动": 24}
#: Pseudo-parcels of the calendar share when estimating the share of a year already past.
SEASON_PSEUDO_PARCELS = 12


# --------------------------------------------------------------------------- relocations
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
        The data's date (the one clock).
    history : pandas.DataFrame
        :func:`supply_history` (all years up to ``as_of``; the last may be incomplete).
    outlook : parkanalysis.forecast.LandOutlook
        Simulated supply, exhaustion, need of every scenario and the fitted model.
    first_year, last_year : int
        Complete history years; the forecast starts with ``last_year + 1``.
    elapsed : float
        Share of ``last_year + 1`` already past at ``as_of`` (0 when ``as_of`` ends a year).
    remaining_mu : float
        尚可供应土地 as of ``as_of`` (blocked land included).
    start_remaining_mu : float
        Same as ``remaining_mu`` (kept for callers of earlier versions).
    supply_years : SupplyYears
        The official 尚可供地年数.
    supply_until : pandas.Timestamp or None
        ``as_of`` + 尚可供地年数: the date the official figure points to.
    blocked : pandas.DataFrame
        ``parcel_id, area_mu, resettlement_status, release_date`` of blocked parcels.
    gross_to_net_basis : str
    planning_horizon : int
        Years of the headline need (``expansion.planning_horizon_years``).
    need_context : pandas.DataFrame
        Per planning year ``k``: ``horizon_years, year, span_years, history_max_mu,
        history_max_start, declared_total_mu``.
    scenarios : pandas.DataFrame
        ``scenario, label, description, added_mu, annual_target_mu``.
    exhaustion_probability : pandas.DataFrame
        ``scenario, year, prob, shortage_prob`` (cumulative, by the end of ``year``).
    backtest, backtest_summary : pandas.DataFrame or None
        :func:`forecast.backtest_supply` and its summary per years ahead.
    notes : list of str
    """

    park_id: str
    park_name: str
    as_of: pd.Timestamp
    history: pd.DataFrame
    outlook: _fc.LandOutlook
    first_year: int
    last_year: int
    elapsed: float
    remaining_mu: float
    start_remaining_mu: float
    supply_years: SupplyYears
    supply_until: pd.Timestamp | None
    blocked: pd.DataFrame
    gross_to_net_basis: str
    planning_horizon: int
    need_context: pd.DataFrame
    scenarios: pd.DataFrame
    exhaustion_probability: pd.DataFrame
    backtest: pd.DataFrame | None
    backtest_summary: pd.DataFrame | None
    phase_label: str = "规划总面积"
    notes: list[str] = field(default_factory=list)

    # -- pieces the reports chart ---------------------------------------------------------
    @property
    def horizon(self) -> int:
        """Number of full forecast years after ``as_of``'s year (its rest comes first)."""
        return len(self.outlook.supply_forecast) - (1 if self.elapsed > 0 else 0)

    @property
    def confidence(self) -> float:
        """Confidence of the expansion need (0..1)."""
        return self.outlook.confidence

    @property
    def blocked_mu(self) -> float:
        """Remaining land still waiting for 征迁安置 (亩)."""
        return float(self.blocked["area_mu"].sum()) if len(self.blocked) else 0.0

    @property
    def exhaustion(self) -> pd.DataFrame:
        """P10/P50/P90 exhaustion year and probability within the horizon, per scenario."""
        ex = self.outlook.exhaustion.copy()
        ex.insert(1, "label", ex["scenario"].map(lambda s: _SCENARIO_LABELS.get(s, s)))
        return ex

    @property
    def expansion_need(self) -> pd.DataFrame:
        """Net and gross land to add per scenario and planning year (亩), median and at
        the chosen confidence; ``horizon_years`` counts full years after ``as_of``'s year."""
        need = self.outlook.expansion_need.copy()
        need["horizon_years"] = need["year"] - self.as_of.year
        return need.loc[need["horizon_years"] >= 1].reset_index(drop=True)

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
            ``year, mean, lo80, hi80, lo95, hi95, median, point, exposure`` (supply of the
            year's remaining part, 亩), ``exhausted_prob`` and ``shortage_prob`` (baseline,
            cumulative), ``need_net_mu`` and ``need_gross_mu`` (baseline expansion need at
            the chosen confidence if planning up to that year).
        """
        t = self.outlook.supply_forecast.copy()
        t = t[["year", "mean", "lo80", "hi80", "lo95", "hi95", "median", "point", "exposure"]]
        e = self.exhaustion_probability
        e = e.loc[e["scenario"] == "baseline"].set_index("year")
        t["exhausted_prob"] = e["prob"].reindex(t["year"].to_numpy()).to_numpy()
        t["shortage_prob"] = e["shortage_prob"].reindex(t["year"].to_numpy()).to_numpy()
        need = self.outlook.expansion_need
        need = need.loc[need["scenario"] == "baseline"].set_index("year")
        t["need_net_mu"] = need["net_mu"].reindex(t["year"].to_numpy()).to_numpy()
        t["need_gross_mu"] = need["gross_mu"].reindex(t["year"].to_numpy()).to_numpy()
        return t.reset_index(drop=True)

    def need_row(self, scenario: str = "baseline", years: int | None = None) -> pd.Series:
        """The expansion-need row of ``scenario`` for ``years`` planning years."""
        k = self.planning_horizon if years is None else years
        need = self.expansion_need
        row = need.loc[(need["scenario"] == scenario) & (need["horizon_years"] == k)]
        if row.empty:
            raise ParameterError(f"没有情景 {scenario!r} 的{k}年扩园需求")
        return row.iloc[0]

    def headline_need(self, scenario: str = "baseline") -> tuple[int, float, float]:
        """``(horizon_years, net_mu, gross_mu)`` at the planning horizon and confidence."""
        row = self.need_row(scenario)
        return self.planning_horizon, float(row["net_mu"]), float(row["gross_mu"])

    # -- text and JSON --------------------------------------------------------------------
    def _repr_html_(self) -> str:
        """A compact view for notebooks: the summary and the baseline's key figures."""
        from html import escape

        base = self.outlook.exhaustion.iloc[0]
        k, net, gross = self.headline_need()
        cells = [
            ("尚可供应土地", f"{_fmt(self.remaining_mu)}亩"),
            ("其中待征迁", f"{_fmt(self.blocked_mu)}亩"),
            ("尚可供地年数", "—" if self.supply_years.years is None
             else f"{_fmt(self.supply_years.years)}年"),
            ("用尽年份 P10/P50/P90", "/".join(
                "—" if pd.isna(base[c]) else str(base[c]) for c in ("p10", "p50", "p90"))),
            (f"{k}年扩园需求({_fmt(100 * self.confidence, 0)}%置信)",
             f"{_fmt(net, 0)}亩(规划面积{_fmt(gross, 0)}亩)"),
        ]  # fmt: skip
        rows = "".join(f"<tr><th>{escape(a)}</th><td>{escape(b)}</td></tr>" for a, b in cells)
        return f"<div><p>{escape(self.summary)}</p><table>{rows}</table></div>"

    @property
    def summary(self) -> str:
        """Chinese summary: one clock, blocked land, exhaustion, need with its context."""
        return _summary(self)

    @property
    def plain_summary(self) -> str:
        """The outlook in the words of a work report, for leaders: no percentiles, no model.

        The same numbers as :attr:`summary` (one clock), with probabilities in 成 (tenths):
        「按近3年年均供地226亩测算,尚可供地约0.7年,可供至2017年2月前后;约二成可能在年内
        用尽,最可能在2017年用尽。」 The method and its checks stay in :attr:`summary` and the
        land report's appendix.
        """
        return _plain_summary(self)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with stable keys (NaN → None, years as int)."""
        o = self.outlook
        h = self.history
        sy = self.supply_years
        k = self.planning_horizon
        row = self.need_row()
        ctx = self.need_context.set_index("horizon_years").loc[k]
        bt = None
        if self.backtest_summary is not None and self.backtest is not None:
            s = self.backtest_summary.reset_index()
            bt = {
                "origins": [int(x) for x in sorted(self.backtest["origin"].unique())],
                "by_horizon": _records(s),
                "exhaustion_checks": int(self.backtest["exhaust_covered"].notna().sum()),
                "exhaustion_covered": int(self.backtest["exhaust_covered"].fillna(False).sum()),
                "note": _backtest_sentence(self),
            }
        m = o.model
        return {
            "park_id": self.park_id,
            "park_name": self.park_name,
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "history_years": [self.first_year, self.last_year],
            "elapsed_share_of_year": _num(self.elapsed),
            "forecast_years": [
                int(o.supply_forecast["year"].iloc[0]),
                int(o.supply_forecast["year"].iloc[-1]),
            ],
            "remaining_supplyable_mu": _num(self.remaining_mu),
            "start_remaining_mu": _num(self.start_remaining_mu),
            "blocked_mu": _num(self.blocked_mu),
            "blocked": _records(
                self.blocked.assign(release_date=self.blocked["release_date"].dt.strftime("%Y-%m"))
            ),
            "avg_annual_supply_mu": _num(sy.average_mu),
            "supply_window_years": list(sy.window),
            "years_of_supply_left": _num(sy.years),
            "years_of_supply_left_note": sy.reason,
            "supply_until": None if self.supply_until is None else f"{self.supply_until:%Y-%m}",
            "model": {
                "parcels_per_year": _num(m.rate),
                "trend_per_year": _num(m.slope),
                "trend_pvalue": _num(m.trend_pvalue),
                "dispersion": _num(m.dispersion),
                "mean_parcel_mu": _num(m.mean_size),
                "parcels": int(m.sizes.size),
            },
            "gross_to_net": _num(o.gross_to_net),
            "gross_to_net_basis": self.gross_to_net_basis,
            "horizon": self.horizon,
            "planning_horizon_years": k,
            "confidence": _num(o.confidence),
            "expansion_need_net_mu": _num(float(row["net_mu"])),
            "expansion_need_gross_mu": _num(float(row["gross_mu"])),
            "expansion_need_median_net_mu": _num(float(row["median_net_mu"])),
            "expansion_need_median_gross_mu": _num(float(row["median_gross_mu"])),
            "history_max_same_span_mu": _num(float(ctx["history_max_mu"])),
            "declared_total_mu": _num(float(ctx["declared_total_mu"])),
            "supply_history": _records(h[["year", "supplied_mu", "transactions", "complete"]]),
            "forecast": _records(self.forecast_table()),
            "exhaustion": _records(self.exhaustion),
            "exhaustion_probability": _records(self.exhaustion_probability),
            "expansion_need": _records(self.expansion_need),
            "need_context": _records(self.need_context),
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


def _elapsed_share(tx: pd.DataFrame, cutoff: pd.Timestamp, last_complete: int) -> float:
    """Share of ``cutoff``'s year already past, by the park's own seasonal pattern."""
    if cutoff.month == 12 and cutoff.day == 31:
        return 0.0
    start = pd.Timestamp(cutoff.year, 1, 1)
    calendar = ((cutoff - start).days + 1) / (365 + int(cutoff.is_leap_year))
    past = tx.loc[tx["year"] <= last_complete, "supply_date"]
    n = len(past)
    by_day = int((past.dt.day_of_year <= cutoff.day_of_year).sum()) if n else 0
    share = (by_day + SEASON_PSEUDO_PARCELS * calendar) / (n + SEASON_PSEUDO_PARCELS)
    return float(min(max(share, 1e-6), 1 - 1e-6))


def _resettlement_months(cfg: Mapping[str, Any]) -> dict[str, int]:
    months = dict(RESETTLEMENT_MONTHS)
    given = (cfg.get("land", {}) or {}).get("resettlement_months") or {}
    if not isinstance(given, Mapping):
        raise ParameterError(
            "park.yaml 中 land.resettlement_months 应写成 征迁状态: 月数,"
            "如 {进行中: 12, 未启动: 24}"
        )
    for status, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ParameterError(
                f"park.yaml 中 land.resettlement_months.{status} 应为非负整数(月),得到 {value!r}"
            )
        months[str(status)] = value
    return months


def _blocked_parcels(p: pd.DataFrame, cutoff: pd.Timestamp, cfg) -> pd.DataFrame:
    months = _resettlement_months(cfg)
    rem = p.loc[p["remaining"].to_numpy(dtype=bool)]
    status = rem["resettlement_status"].astype("string")
    mask = status.isin(list(months)).fillna(False).to_numpy(dtype=bool)
    b = rem.loc[mask]
    release = [
        (cutoff + pd.DateOffset(months=months[str(s)])).normalize()
        for s in b["resettlement_status"].astype(str)
    ]
    return pd.DataFrame(
        {
            "parcel_id": b["parcel_id"].astype(str).to_numpy(),
            "area_mu": b["area_mu"].astype(float).to_numpy(),
            "resettlement_status": b["resettlement_status"].astype(str).to_numpy(),
            "release_date": pd.to_datetime(pd.Series(release, dtype="datetime64[ns]")),
        }
    )


def _max_over_span(tx: pd.DataFrame, span_years: float) -> tuple[float, Any]:
    """The most supplied within any ``span_years`` of the history, and where it starts."""
    if tx.empty:
        return 0.0, None
    dates = tx["supply_date"].to_numpy(dtype="datetime64[D]")
    area = tx["area_mu"].to_numpy(dtype=float)
    order = np.argsort(dates, kind="stable")
    dates, area = dates[order], area[order]
    width = np.timedelta64(round(span_years * 365.25), "D")
    cum = np.concatenate([[0.0], np.cumsum(area)])
    end = np.searchsorted(dates, dates + width, side="left")
    sums = cum[end] - cum[np.arange(dates.size)]
    i = int(np.argmax(sums))
    return float(sums[i]), pd.Timestamp(dates[i])


def _peers(ds: Any, pid: str, cutoff: pd.Timestamp) -> list[tuple[pd.DataFrame, int, int]]:
    out = []
    for other in ds.profile.parks:
        if other == pid:
            continue
        tx = supply_transactions(ds, park=other, as_of=cutoff)
        complete = tx.loc[tx["year"] < cutoff.year]
        if complete.empty:
            continue
        out.append((complete[["year", "area_mu"]], int(complete["year"].min()), cutoff.year - 1))
    return out


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
    window: int | None = None,
    annual_target_mu: float | None = None,
) -> LandOutlookReport:
    """When does the park's supplyable land run out, and how much expansion is needed?

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id (required when the dataset holds several parks).
    as_of : str, Period, date or None
        The data's date (see :func:`resolve_as_of`); default the end of the data; a date
        past the end is refused.
    horizon : int, optional
        Full forecast years after ``as_of``'s year; default
        ``max(10, expansion.planning_horizon_years)``.
    confidence : float, optional
        Confidence of the expansion need (0..1); default ``expansion.confidence``.
    scenarios : dict or list of dict, optional
        Scenario specs of :func:`parkanalysis.forecast.land_outlook`, *added* to the
        defaults from the data (``relocations`` — land of relocations not done by ``as_of``
        freed in :func:`relocation_release_year`; ``planned_target`` when
        ``land.annual_supply_target_mu`` is set). A spec named like a default replaces it;
        ``{}`` (or ``False``) gives the baseline only.
    seed : int or None, default 0
    n_sims : int, default 4000
    window : int, optional
        Years averaged by the official 尚可供地年数; default ``land.supply_window_years``.
    annual_target_mu : float, optional
        A planned supply per year (亩) for the ``planned_target`` scenario; default
        ``land.annual_supply_target_mu`` (no such scenario when neither is set).

    Returns
    -------
    LandOutlookReport

    Raises
    ------
    ParameterError
        For bad arguments, an ``as_of`` past the data, or a ledger without any supplied
        parcel before ``as_of``'s year.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> out = land_outlook_for(load_dataset("data/sample"), horizon=5, n_sims=500)
    >>> out.remaining_mu, round(out.supply_years.average_mu, 1), out.blocked_mu
    (150.4, 225.7, 111.0)
    >>> f"{out.supply_until:%Y-%m}", out.last_year
    ('2017-02', 2015)
    """
    pid = _one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    cfg = ds.config(pid)
    exp_cfg = cfg.get("expansion", {}) or {}
    planning = int(exp_cfg.get("planning_horizon_years", 5))
    if horizon is None:
        horizon = max(10, planning)
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
    elapsed = _elapsed_share(tx, cutoff, last_year)
    p = _park_parcels(ds, pid, cutoff)
    remaining = round(float(p.loc[p["remaining"].to_numpy(dtype=bool), "area_mu"].sum()), 6)
    since = float(tx.loc[tx["year"] > last_year, "area_mu"].sum())
    if window is None:
        window = _window_years(ds, pid)
    elif isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ParameterError(f"window(平均年数)应为正整数,得到 {window!r}")
    if annual_target_mu is not None:
        cfg = {**cfg, "land": {**(cfg.get("land", {}) or {}),
                               "annual_supply_target_mu": annual_target_mu}}  # fmt: skip
    sy = years_of_supply_left(_complete_series(history), remaining, window=window)
    supply_until = (
        None
        if sy.years is None
        else (cutoff + pd.Timedelta(days=round(sy.years * 365.25))).normalize()
    )
    gross, basis = _gross_to_net(info.declared_mu, p)
    blocked = _blocked_parcels(p, cutoff, cfg)
    notes: list[str] = []
    if since > 0:
        notes.append(
            f"{last_year + 1}年截至{cutoff:%Y-%m-%d}已供地{_fmt(since)}亩,已计入历史、"
            "不再占用尚可供应土地;预测只模拟当年余下的时间"
        )
    n_cells = horizon + (1 if elapsed > 0 else 0)
    years = list(range(last_year + 1, last_year + 1 + n_cells))
    spec_rows: list[dict[str, Any]] = []
    if scenarios is False or (scenarios is not None and len(scenarios) == 0):
        scenarios, spec_rows = {}, []
    else:
        defaults, spec_rows, more = _default_scenarios(ds, pid, cutoff, years, cfg)
        notes.extend(more)
        if scenarios:
            given = _as_mapping(scenarios)
            spec_rows = [r for r in spec_rows if r["scenario"] not in given]
            spec_rows += _describe_scenarios(given)
            scenarios = {**{k: v for k, v in defaults.items() if k not in given}, **given}
        else:
            scenarios = defaults
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
    n_years = last_year - first_year + 1
    recent = min(window, n_years)
    fit_tx = tx.loc[tx["year"] <= last_year + 1, ["year", "area_mu"]]
    out = _fc.land_outlook(
        fit_tx,
        remaining,
        first_year=first_year,
        last_year=last_year,
        horizon=n_cells,
        confidence=confidence,
        gross_to_net=gross,
        scenarios=scenarios,
        recent_years=recent,
        n_sims=n_sims,
        seed=seed,
        elapsed=elapsed,
        blocked=list(zip(blocked["area_mu"], blocked["release_date"].dt.year, strict=True)),
        peers=_peers(ds, pid, cutoff),
    )
    if out.note:
        notes.append(out.note)
    ctx_rows = []
    declared_total = float(info.declared_mu.get("total", math.nan))
    if math.isnan(declared_total):
        declared_total = float(p["area_mu"].sum())
    for k in range(1, horizon + 1):
        end = pd.Timestamp(cutoff.year + k, 12, 31)
        span = (end - cutoff).days / 365.25
        most, start = _max_over_span(tx, span)
        ctx_rows.append(
            {
                "horizon_years": k,
                "year": cutoff.year + k,
                "span_years": span,
                "history_max_mu": most,
                "history_max_start": None if start is None else f"{start:%Y-%m}",
                "declared_total_mu": declared_total,
            }
        )
    bt, bts, bt_note = _backtest(tx, first_year, last_year, planning)
    if bt_note:
        notes.append(bt_note)
    scen = pd.DataFrame(
        [
            {
                "scenario": "baseline",
                "label": _SCENARIO_LABELS["baseline"],
                "description": "按本园区历年供地宗数(计数过程)与单宗面积(本园区成交地块)模拟",
                "added_mu": {},
                "annual_target_mu": None,
            },
            *spec_rows,
        ]
    )
    phases = list(info.phases.values())
    phase_label = f"{phases[0].name}规划面积" if len(phases) == 1 else "园区规划总面积"
    return LandOutlookReport(
        park_id=pid,
        park_name=info.name,
        as_of=cutoff,
        history=history,
        outlook=out,
        first_year=first_year,
        last_year=last_year,
        elapsed=elapsed,
        remaining_mu=remaining,
        start_remaining_mu=remaining,
        supply_years=sy,
        supply_until=supply_until,
        blocked=blocked,
        gross_to_net_basis=basis,
        planning_horizon=max(1, min(planning, horizon)),
        need_context=pd.DataFrame(ctx_rows),
        scenarios=scen,
        exhaustion_probability=out.exhaustion_probability,
        backtest=bt,
        backtest_summary=bts,
        phase_label=phase_label,
        notes=notes,
    )


def _as_mapping(scenarios) -> dict[str, dict[str, Any]]:
    if isinstance(scenarios, Mapping):
        return {str(k): dict(v) if isinstance(v, Mapping) else v for k, v in scenarios.items()}
    out = {}
    for i, s in enumerate(scenarios):
        if not isinstance(s, Mapping) or not isinstance(s.get("name"), str):
            raise ParameterError(f"情景 #{i + 1} 应为带 name 的字典")
        out[s["name"]] = {k: v for k, v in s.items() if k != "name"}
    return out


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


def _backtest(tx: pd.DataFrame, first_year: int, last_year: int, planning: int):
    n = last_year - first_year + 1
    min_train = _fc.MIN_OBSERVATIONS
    if n <= min_train:
        return None, None, f"完整年度仅{n}年,不足{min_train + 1}年,未做供地回测"
    bt = _fc.backtest_supply(
        tx[["year", "area_mu"]],
        first_year=first_year,
        last_year=last_year,
        horizon=planning,
        min_train=min_train,
        n_sims=1000,
    )
    return bt, _fc.summarize_supply_backtest(bt), ""


def _backtest_sentence(r: LandOutlookReport) -> str:
    """What the backtest checked, how often the interval held, and what it cannot show."""
    if r.backtest is None or r.backtest_summary is None or r.backtest.empty:
        return ""
    bt = r.backtest
    s = r.backtest_summary
    origins = sorted(int(x) for x in bt["origin"].unique())
    span = f"{origins[0]}-{origins[-1]}年" if len(origins) > 1 else f"{origins[0]}年"
    k = int(s.index.max())
    last = s.loc[k]
    checks = bt["exhaust_covered"].dropna()
    text = (
        f"回测:以{span}各年为起点(共{len(origins)}个起点),用当时已有的历史重新拟合模型,"
        f"检验此后1-{k}年累计供地:80%区间覆盖实际值{len(bt)}次中的"
        f"{int(bt['covered80'].sum())}次,95%区间{int(bt['covered95'].sum())}次"
        f"({k}年累计仅{int(last['n'])}次)"
    )
    if len(checks):
        text += (
            f";按同期实际供地设定存量检验用尽年份,80%区间含实际年份{len(checks)}次中的"
            f"{int(checks.sum())}次"
        )
    text += (
        "。各起点的检验期相互重叠,次数少,只能发现明显偏差(如区间系统性过窄或过宽),"
        "不能证明区间在未来同样可靠,也检验不了历史上没有出现过的变化(如政策收紧、招商放缓)。"
    )
    return text


def _pct(x: float) -> str:
    return f"{_fmt(100 * x, 0)}%"


def _month_text(ts: pd.Timestamp) -> str:
    return f"{ts.year}年{ts.month}月"


def _chance(p: float) -> str:
    """A probability as a leader says it: 约四成, 可能性很小, 几乎肯定."""
    if pd.isna(p):
        return ""
    if p < 0.05:
        return "可能性很小"
    if p > 0.95:
        return "几乎肯定"
    tenths = "一二三四五六七八九"[min(8, max(0, round(p * 10) - 1))]
    return f"约{tenths}成可能"


def _plain_summary(r: LandOutlookReport) -> str:
    sy = r.supply_years
    o = r.outlook
    parts = []
    if sy.years is not None:
        n = len(sy.window)
        parts.append(
            f"按近{n}年年均供地{_fmt(sy.average_mu, 0)}亩测算,尚可供地约{_fmt(sy.years)}年,"
            f"可供至{_month_text(r.supply_until)}前后"
        )
    if r.blocked_mu > 0:
        parts.append(f"其中{_fmt(r.blocked_mu)}亩征迁安置尚未完成,暂不能供应")
    base = o.exhaustion.iloc[0]
    curve = r.exhaustion_curve("baseline")
    first = int(curve.index[0])
    chance = _chance(float(curve.iloc[0]))
    if chance:
        when = "年内" if r.elapsed > 0 else f"{first}年内"
        text = f"{chance}在{when}用尽" if "可能" in chance else f"{when}{chance}用尽"
        if not pd.isna(base["p50"]):
            text += f",最可能在{int(base['p50'])}年用尽"
        parts.append(text)
    k = r.planning_horizon
    row = r.need_row()
    if row["net_mu"] > 0:
        conf = _fmt(100 * o.confidence, 0)
        parts.append(
            f"保障至{r.as_of.year + k}年底的供地,需新增可供土地约"
            f"{_fmt(row['median_net_mu'], 0)}亩(按{conf}%把握约{_fmt(row['net_mu'], 0)}亩)"
        )
    return ";".join(parts) + "。" if parts else ""


def _summary(r: LandOutlookReport) -> str:
    sy = r.supply_years
    o = r.outlook
    parts = []
    head = (
        f"截至{r.as_of.year}年{r.as_of.month}月,{r.park_name}尚可供应土地(已批未供)"
        f"{_fmt(r.remaining_mu)}亩"
    )
    if r.blocked_mu > 0:
        groups = r.blocked.groupby("resettlement_status", sort=False)
        pieces = [
            f"{st}{_fmt(g['area_mu'].sum())}亩,预计{_month_text(g['release_date'].max())}前后可供"
            for st, g in groups
        ]
        head += f",其中{_fmt(r.blocked_mu)}亩征迁安置尚未完成({';'.join(pieces)})"
    if sy.years is not None:
        n = len(sy.window)
        head += (
            f";按近{n}年({sy.window[0]}-{sy.window[-1]}年)年均供地{_fmt(sy.average_mu)}亩测算,"
            f"尚可供地{_fmt(sy.years)}年,可供至{_month_text(r.supply_until)}前后"
        )
    else:
        head += f";{sy.reason}"
    parts.append(head)
    base = o.exhaustion.iloc[0]
    curve = r.exhaustion_curve("baseline")
    first = int(curve.index[0])
    partial = r.elapsed > 0
    rest = f"{first}年内(余下{12 - r.as_of.month}个月)" if partial else f"{first}年内"
    m = o.model
    model = (
        f"按本园区历年供地宗数与单宗地块面积模拟(每年约{_fmt(m.rate)}宗"
        + ("、宗数呈下降趋势" if m.slope < 0 else "、宗数呈上升趋势" if m.slope > 0 else "")
        + f",平均每宗{_fmt(m.mean_size)}亩,"
        f"{first + int(partial)}年预计供地约"
        f"{_fmt(o.supply_forecast['point'].iloc[int(partial)], 0)}亩)"
    )
    if pd.isna(base["p50"]):
        parts.append(
            f"{model},至{int(curve.index[-1])}年用尽的概率为{_pct(base['prob_within_horizon'])},"
            "中位情形在预测期内不会用尽"
        )
    else:
        p10, p50, p90 = base["p10"], base["p50"], base["p90"]
        text = f"{model},{rest}用尽的概率约为{_pct(curve.iloc[0])},最可能在{p50}年用尽(P50"
        if pd.isna(p90):
            never = 1 - float(base["prob_within_horizon"])
            text += f";另有{_pct(never)}的模拟情形到{int(curve.index[-1])}年仍未用尽)"
        elif p10 == p90:
            text += ")"
        else:
            text += f";P10-P90为{p10}-{p90}年)"
        parts.append(text)
    if r.blocked_mu > 0:
        e = r.exhaustion_probability
        e = e.loc[e["scenario"] == "baseline"].set_index("year")
        free = r.remaining_mu - r.blocked_mu
        release = r.blocked["release_date"].max()
        short = float(e["shortage_prob"].iloc[0])
        parts.append(
            f"征迁完成前实际可供的只有{_fmt(free)}亩,{first}年内供地需求超过该数的概率约为"
            f"{_pct(short)};征迁若晚于{_month_text(release)},缺地会提前出现"
        )
    k = r.planning_horizon
    row = r.need_row()
    ctx = r.need_context.set_index("horizon_years").loc[k]
    conf = _fmt(100 * o.confidence, 0)
    until = f"至{r.as_of.year + k}年底"
    if row["net_mu"] > 0:
        text = (
            f"为保障{until}的供地,需新增可供土地中位约{_fmt(row['median_net_mu'], 0)}亩、"
            f"{conf}%置信约{_fmt(row['net_mu'], 0)}亩,折合规划面积约"
            f"{_fmt(row['gross_mu'], 0)}亩(按总面积与可利用土地之比{o.gross_to_net:.2f}折算)"
        )
        total = float(ctx["declared_total_mu"])
        if total > 0:
            text += f",相当于{r.phase_label}的{_pct(row['gross_mu'] / total)}"
        span = float(ctx["span_years"])
        most = float(ctx["history_max_mu"])
        demand = float(row["demand_mu"])
        text += (
            f";对应{conf}%置信的供地需求约{_fmt(demand, 0)}亩,本园区历史上任意"
            f"{_fmt(span)}年内供地最多为{_fmt(most, 0)}亩"
        )
        if demand > most:
            text += ",该需求高于历史最高水平,宜视为偏高情形"
    else:
        text = f"{until}的供地在{conf}%置信下无需新增可供土地"
    parts.append(text)
    for _, erow in o.exhaustion.iloc[1:].iterrows():
        label = _SCENARIO_LABELS.get(erow["scenario"], erow["scenario"])
        srow = r.scenarios.loc[r.scenarios["scenario"] == erow["scenario"]]
        added = sum((srow["added_mu"].iloc[0] or {}).values()) if len(srow) else 0.0
        head = f"若{label}({_fmt(added)}亩)如期实现" if added else f"若{label}"
        when = (
            f"P50用尽年份为{erow['p50']}年" if not pd.isna(erow["p50"]) else "预测期内多半不会用尽"
        )
        gross_s = r.headline_need(erow["scenario"])[2]
        parts.append(f"{head},{when},{k}年需新增规划面积约{_fmt(gross_s, 0)}亩")
    if sy.years is not None and sy.years < 2 and row["net_mu"] > 0:
        parts.append("结论:按年均供地速度,可供土地已无法满足正常供地需要,园区急需扩园升级")
    return "。".join(parts) + "。"
