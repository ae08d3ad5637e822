"""The land outlook of one park as the reports use it: :class:`LandOutlookReport` and its words.

:class:`LandOutlookReport` holds what :func:`land_outlook_for` computed
(:mod:`~parkanalysis.land.projection`: one clock, supply model, blocked land, expansion need —
the definitions are there; scenarios in :mod:`~parkanalysis.land.scenarios`), the pieces the
reports chart, its JSON (``to_dict``) and its Chinese text: :attr:`LandOutlookReport.summary`
(the analyst's paragraph, with percentiles, the model and the backtest) and
:attr:`LandOutlookReport.plain_summary` (the work report's words, for leaders).

:mod:`~parkanalysis.land.projection` builds a :class:`LandOutlookReport`; this module
imports nothing from it (the report and its words are the lower room).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis import forecast as _fc
from parkanalysis.errors import ParameterError
from parkanalysis.land.history import SupplyYears
from parkanalysis.land.ledger import fmt
from parkanalysis.land.scenarios import SCENARIO_LABELS


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
        ex.insert(1, "label", ex["scenario"].map(lambda s: SCENARIO_LABELS.get(s, s)))
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
            ``year, mean, lo80, hi80, lo95, hi95, median, p80, point, exposure`` (supply of
            the year's remaining part, 亩; ``p80`` the 80th percentile), ``exhausted_prob``
            and ``shortage_prob`` (baseline, cumulative), ``need_net_mu`` and
            ``need_gross_mu`` (baseline expansion need at the chosen confidence if planning
            up to that year).
        """
        t = self.outlook.supply_forecast.copy()
        cols = ["year", "mean", "lo80", "hi80", "lo95", "hi95", "median", "p80", "point"]
        t = t[[*cols, "exposure"]]
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
            ("尚可供应土地", f"{fmt(self.remaining_mu)}亩"),
            ("其中待征迁", f"{fmt(self.blocked_mu)}亩"),
            ("尚可供地年数", "—" if self.supply_years.years is None
             else f"{fmt(self.supply_years.years)}年"),
            ("用尽年份 P10/P50/P90", "/".join(
                "—" if pd.isna(base[c]) else str(base[c]) for c in ("p10", "p50", "p90"))),
            (f"{k}年扩园需求({fmt(100 * self.confidence, 0)}%置信)",
             f"{fmt(net, 0)}亩(规划面积{fmt(gross, 0)}亩)"),
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
        the official 尚可供地年数 with one sentence on how it differs from the simulation,
        the two named exhaustion figures (the land that can be supplied now; all approved
        land, never before its 征迁 release), the need.  Every word means one quantity
        (:data:`WORDS`): 中位 the median, 最可能 the mode, N成把握 the N0th percentile.  The
        method and its checks stay in :attr:`summary` and the land report's appendix.
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
                "exhaustion": _records(_exhaustion_checks(self)),
                "release": _records(self.backtest.attrs.get("release", pd.DataFrame())),
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
                "trend_weight": _num(m.trend_weight),
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
    if isinstance(x, pd.Timestamp):
        return f"{x:%Y-%m-%d}"
    if x is pd.NaT:
        return None
    return x


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _num(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _exhaustion_checks(r: LandOutlookReport) -> pd.DataFrame:
    """The exhaustion backtest (:func:`forecast.backtest_exhaustion`), empty without one."""
    if r.backtest is None:
        return pd.DataFrame(columns=["origin", "stock_years", "actual_year", "outcome"])
    return r.backtest.attrs.get("exhaustion", pd.DataFrame(columns=["outcome"]))


def _backtest_sentence(r: LandOutlookReport) -> str:
    """What the backtest checked: coverage beside width and bias, exhaustion with the
    cases not yet run out counted as such, and what it cannot show."""
    if r.backtest is None or r.backtest_summary is None or r.backtest.empty:
        return ""
    bt = r.backtest
    s = r.backtest_summary
    origins = sorted(int(x) for x in bt["origin"].unique())
    span = f"{origins[0]}-{origins[-1]}年" if len(origins) > 1 else f"{origins[0]}年"
    k = int(s.index.max())
    one = s.loc[int(s.index.min())]
    avg = r.supply_years.average_mu
    text = (
        f"回测:以{span}各年为起点(共{len(origins)}个起点),用当时已有的历史重新拟合模型,"
        f"检验此后1-{k}年累计供地:80%区间覆盖实际值{len(bt)}次中的"
        f"{int(bt['covered80'].sum())}次,95%区间{int(bt['covered95'].sum())}次;"
        f"下一年的80%区间平均宽{fmt(one['width80'], 0)}亩"
    )
    if avg and avg > 0 and not math.isnan(avg):
        text += f"(约为近年年均供地的{fmt(one['width80'] / avg)}倍)"
    bias = float(one["bias"])
    text += (
        f",中位数平均{'偏低' if bias > 0 else '偏高'}{fmt(abs(bias), 0)}亩"
        if round(abs(bias)) > 0
        else ",中位数平均无偏"
    )
    ex = _exhaustion_checks(r)
    if len(ex):
        later = ex["actual_year"].isna().to_numpy()
        seen = ex.loc[~later, "outcome"].value_counts()
        cens = ex.loc[later, "outcome"].value_counts()
        text += (
            f";用尽检验(以起点当时年均供地的1-3倍为存量,看此后实际何时用完):{len(ex)}次中"
            f"{int((~later).sum())}次已用完,区间含实际年份{int(seen.get('held', 0))}次、"
            f"不含{int(seen.get('failed', 0))}次"
        )
        if later.any():
            text += (
                f";{int(later.sum())}次到{r.last_year}年仍未用完,其中区间也在此后的"
                f"{int(cens.get('held', 0))}次、区间认为早该用完的{int(cens.get('failed', 0))}次、"
                f"尚无定论{int(cens.get('open', 0))}次"
            )
    text += (
        "。各起点的检验期相互重叠,次数少,只能发现明显偏差(如区间系统性过窄或过宽),"
        "不能证明区间在未来同样可靠,也检验不了历史上没有出现过的变化(如政策收紧、招商放缓)"
    )
    rel = r.backtest.attrs.get("release")
    if rel is None or rel.empty:
        text += ";征迁完成时间的假设:台账征迁状态没有完成日期,无历史可检验。"
    else:
        n = rel["outcome"].value_counts()
        late = rel["finished_late_days"].dropna()
        text += (
            f";征迁土地不早于预计可供时间供应的假设(按征迁完成日期回看各年末):检验{len(rel)}次,"
            f"成立{int(n.get('held', 0))}次、提前供应{int(n.get('failed', 0))}次、"
            f"尚未到期{int(n.get('open', 0))}次"
        )
        if len(late):
            word = "晚" if late.mean() > 0 else "早"
            text += f",实际征迁完成比预计平均{word}{fmt(abs(late.mean()) / 30.4, 0)}个月"
        text += "。"
    return text


def _pct(x: float) -> str:
    return f"{fmt(100 * x, 0)}%"


def _month_text(ts: pd.Timestamp) -> str:
    return f"{ts.year}年{ts.month}月"


def until_text(ts: pd.Timestamp) -> str:
    """The end of a planning window: 「2020年底」 on 31 December, else 「2021年1月」."""
    ts = pd.Timestamp(ts)
    return f"{ts.year}年底" if (ts.month, ts.day) == (12, 31) else _month_text(ts)


#: The words of the outlook and what each means (the appendix prints this table; every
#: sentence uses a word only for its quantity).
WORDS: tuple[tuple[str, str], ...] = (
    ("中位(P50)", "模拟情形的中位数:一半情形早于(少于)它,一半晚于(多于)它"),
    ("最可能", "概率最大的那一年(众数),只用于用尽年份"),
    ("N成把握", "第N×10百分位数:如“八成把握不超过X亩”指80%的情形不超过X亩"),
    ("约N成可能", "概率按十分之一取整:如0.23说成“约二成可能”"),
    ("可能性很小/几乎肯定", "概率低于5%/高于95%"),
    ("P10-P90", "第10至第90百分位数,即80%的情形所在范围(“八成可能在A-B之间”)"),
    ("较早情形/较晚情形", "第10/第90百分位数:只有一成情形更早/更晚"),
    ("现可供土地", "尚可供应土地中征迁安置已完成或不涉及征迁、现在即可供应的部分"),
    ("尚可供地年数", "规程口径:尚可供应土地÷近N年年均供地,按匀速供应计,不考虑征迁进度"),
)


def tenths_word(q: float) -> str:
    """N成把握 for the N0th percentile (85% → 「85%把握」 when not a whole tenth).

    >>> tenths_word(0.8), tenths_word(0.85)
    ('八成把握', '85%把握')
    """
    n = round(q * 10)
    if abs(q * 10 - n) > 1e-9 or not 1 <= n <= 9:
        return f"{fmt(100 * q, 0)}%把握"
    return f"{'一二三四五六七八九'[n - 1]}成把握"


def chance_of(event: str, p: float) -> str:
    """「<event>的可能性约N成」 / 「…可能性很小」 / 「…几乎肯定」 (p rounded to tenths).

    >>> chance_of("2016年内用尽", 0.23), chance_of("2014年内用尽", 0.01)
    ('2016年内用尽的可能性约二成', '2014年内用尽的可能性很小')
    """
    if pd.isna(p):
        return ""
    if p < 0.05:
        return f"{event}的可能性很小"
    if p > 0.95:
        return f"{event}几乎肯定"
    tenths = "一二三四五六七八九"[min(8, max(0, round(p * 10) - 1))]
    return f"{event}的可能性约{tenths}成"


def forecast_sentence(r: LandOutlookReport, row: pd.Series) -> str:
    """The next year's supply in words, from its row of :meth:`forecast_table`: the mean and
    the central 80 % range (P10-P90), or 「八成把握不超过」 the 80th percentile when the
    range starts at 0."""
    lo, hi = round(float(row["lo80"])), round(float(row["hi80"]))
    mean = round(float(row["mean"]))
    head = f"按本园区历年供地情况测算,{int(row['year'])}年"
    head += f"预计供地约{mean}亩" if mean > 0 else "预计基本没有供地"
    if hi <= 0:
        return f"{head}。"
    if lo > 0:
        return f"{head},有八成可能在{lo}-{hi}亩之间。"
    return f"{head},有八成把握不超过{round(float(row['p80']))}亩。"


def _need_text(r: LandOutlookReport, row: pd.Series) -> str:
    until = until_text(row["until"])
    sure = tenths_word(r.outlook.confidence)
    net, med = round(float(row["net_mu"])), round(float(row["median_net_mu"]))
    head = f"保障未来{int(row['horizon_years'])}年(至{until})的供地"
    if net <= 0:
        return f"{head},按{sure}无需新增可供土地"
    if med <= 0:
        return f"{head},中位情形无需新增可供土地,按{sure}需新增约{net}亩"
    return f"{head},需新增可供土地中位约{med}亩、按{sure}约{net}亩"


def _exhaustion_text(r: LandOutlookReport, analyst: bool = False) -> list[str]:
    """The two named exhaustion figures, the chance within the current year and the mode."""
    o = r.outlook
    base = o.exhaustion.iloc[0]
    e = r.exhaustion_probability
    e = e.loc[e["scenario"] == "baseline"].set_index("year")
    first = int(e.index[0])
    last = int(e.index[-1])
    out = []
    when = f"{first}年内" + (f"(余下{12 - r.as_of.month}个月)" if analyst and r.elapsed > 0 else "")
    blocked = r.blocked_mu > 0
    if blocked:
        free = r.remaining_mu - r.blocked_mu
        if pd.isna(base["free_p50"]):
            out.append(f"现可供的{fmt(free)}亩中位情形到{last}年仍未用尽")
        else:
            text = f"现可供的{fmt(free)}亩中位在{int(base['free_p50'])}年用尽"
            chance = chance_of(f"{first}年内用尽", float(e["free_prob"].iloc[0]))
            out.append(f"{text}({chance})" if chance else text)
    subject = "全部尚可供应土地" if blocked else "尚可供应土地"
    if pd.isna(base["p50"]):
        out.append(f"{subject}中位情形到{last}年仍未用尽")
    else:
        text = f"{subject}中位在{int(base['p50'])}年用尽"
        release = None if o.release_time is None else fc_date(o.release_time)
        binds = (
            release is not None
            and base["p10_date"] is not None
            and not pd.isna(base["p10_date"])
            and (base["p10_date"] - release).days <= 31
        )
        if blocked and binds:
            text += f"(征迁土地{_month_text(release)}前后才能供应,此前不会全部用尽)"
        elif not blocked:
            text += "(" + chance_of(when + "用尽", float(e["prob"].iloc[0])) + ")"
        if not pd.isna(base["mode"]) and (int(base["mode"]) != int(base["p50"]) or analyst):
            text += f",最可能在{int(base['mode'])}年用尽(概率约{_pct(base['mode_prob'])})"
        out.append(text)
    return out


def fc_date(t: float) -> pd.Timestamp:
    return _fc.date_of(t)


def _years_left_text(r: LandOutlookReport) -> list[str]:
    sy = r.supply_years
    if sy.years is None:
        return [sy.reason]
    n = len(sy.window)
    return [
        f"按近{n}年年均供地{fmt(sy.average_mu, 0)}亩测算,尚可供地年数约{fmt(sy.years)}年,"
        f"可供至{_month_text(r.supply_until)}前后(规程口径:尚可供应土地按近{n}年平均速度匀速"
        "供应,不考虑征迁进度和各年供地多少的波动,下面的模拟年份考虑了这两点,故两者不同)"
    ]


def _plain_summary(r: LandOutlookReport) -> str:
    parts = _years_left_text(r)
    if r.blocked_mu > 0:
        parts.append(f"其中{fmt(r.blocked_mu)}亩征迁安置尚未完成,暂不能供应")
    parts.extend(_exhaustion_text(r))
    parts.append(_need_text(r, r.need_row()))
    return ";".join(p for p in parts if p) + "。"


def _summary(r: LandOutlookReport) -> str:
    o = r.outlook
    parts = []
    head = (
        f"截至{r.as_of.year}年{r.as_of.month}月,{r.park_name}尚可供应土地(已批未供)"
        f"{fmt(r.remaining_mu)}亩"
    )
    if r.blocked_mu > 0:
        groups = r.blocked.groupby("resettlement_status", sort=False)
        pieces = [
            f"{st}{fmt(g['area_mu'].sum())}亩,预计{_month_text(g['release_date'].max())}前后可供"
            for st, g in groups
        ]
        head += f",其中{fmt(r.blocked_mu)}亩征迁安置尚未完成({';'.join(pieces)})"
    parts.append(head + ";" + _years_left_text(r)[0])
    m = o.model
    t = r.forecast_table()
    nxt = t.iloc[min(1, len(t) - 1)] if r.elapsed > 0 else t.iloc[0]
    trend = ""
    if m.trend_weight > 0:
        direction = "下降" if m.slope < 0 else "上升"
        trend = f"、供地面积{direction}趋势模型的权重{_pct(m.trend_weight)}"
    model = (
        f"按本园区历年供地宗数与单宗地块面积模拟(当前每年约{fmt(m.rate)}宗{trend},"
        f"平均每宗{fmt(m.mean_size)}亩,{int(nxt['year'])}年预计供地约{fmt(nxt['mean'], 0)}亩)"
    )
    base = o.exhaustion.iloc[0]
    ex = ";".join(_exhaustion_text(r, analyst=True))
    if not pd.isna(base["p10"]) and not pd.isna(base["p90"]) and base["p10"] != base["p90"]:
        ex += f";全部用尽的P10-P90为{base['p10']}-{base['p90']}年"
    elif pd.isna(base["p90"]) and not pd.isna(base["p50"]):
        never = 1 - float(base["prob_within_horizon"])
        last = int(r.exhaustion_probability["year"].max())
        ex += f";另有{_pct(never)}的模拟情形到{last}年仍未用尽"
    parts.append(f"{model},{ex}")
    if r.blocked_mu > 0:
        e = r.exhaustion_probability
        e = e.loc[e["scenario"] == "baseline"].set_index("year")
        release = r.blocked["release_date"].max()
        first = int(e.index[0])
        parts.append(
            f"征迁完成前实际可供的只有{fmt(r.remaining_mu - r.blocked_mu)}亩,"
            + chance_of(f"{first}年内出现无地可供", float(e["shortage_prob"].iloc[0]))
            + f";征迁若晚于{_month_text(release)},缺地会提前出现"
        )
    k = r.planning_horizon
    row = r.need_row()
    ctx = r.need_context.set_index("horizon_years").loc[k]
    text = _need_text(r, row)
    if row["net_mu"] > 0:
        text += (
            f",折合规划面积约{fmt(row['gross_mu'], 0)}亩"
            f"(按总面积与可利用土地之比{o.gross_to_net:.2f}折算)"
        )
        total = float(ctx["declared_total_mu"])
        if total > 0:
            text += f",相当于{r.phase_label}的{_pct(row['gross_mu'] / total)}"
        span = float(ctx["span_years"])
        most = float(ctx["history_max_mu"])
        demand = float(row["demand_mu"])
        text += (
            f";对应{tenths_word(o.confidence)}的供地需求约{fmt(demand, 0)}亩,本园区历史上任意"
            f"{fmt(span)}年内供地最多为{fmt(most, 0)}亩"
        )
        if demand > most:
            text += ",该需求高于历史最高水平,宜视为偏高情形"
    parts.append(text)
    for _, erow in o.exhaustion.iloc[1:].iterrows():
        label = SCENARIO_LABELS.get(erow["scenario"], erow["scenario"])
        srow = r.scenarios.loc[r.scenarios["scenario"] == erow["scenario"]]
        added = sum((srow["added_mu"].iloc[0] or {}).values()) if len(srow) else 0.0
        head = f"若{label}({fmt(added)}亩)如期实现" if added else f"若{label}"
        when = (
            f"全部用尽年份中位为{erow['p50']}年"
            if not pd.isna(erow["p50"])
            else "预测期内多半不会用尽"
        )
        gross_s = r.headline_need(erow["scenario"])[2]
        parts.append(f"{head},{when},{k}年需新增规划面积约{fmt(gross_s, 0)}亩")
    sy = r.supply_years
    if sy.years is not None and sy.years < 2 and row["net_mu"] > 0:
        parts.append("结论:按年均供地速度,可供土地已无法满足正常供地需要,园区急需扩园升级")
    return "。".join(parts) + "。"
