"""The economy section as a 管委会 leader reads it: comparisons, targets, industries, judgement.

Definitions (one place; ``tests/test_report_register.py`` recomputes them from the raw CSVs):

* **Figure shown** (本期): the statistics bureau's published level and growth where
  ``published.csv`` has them for the period's months (数据口径 「公布数」), else the figure
  computed from the enterprises' monthly returns (「测算数」). The paragraph and the table use
  the same figure.
* **One basis per row** (what 表「主要经济指标」 and 「企业与从业人员」 print, and the text
  states; :mod:`parkanalysis.report.consistency` checks it on every report):
  **同比** is the 同口径 growth (enterprises with returns in both years) for a 测算数, the
  bureau's growth for a 公布数 (the bureau publishes growth on its comparable basis, not last
  year's level). **上年同期(可比口径)** = 本期 ÷ (1 + 同比), the level last year on the basis of
  the growth, so that 本期 ÷ 上年同期 − 1 = 同比 on the page; **增减额** = 本期 − 上年同期 of
  the printed cells. A row without a 同比 (enterprise counts, a base of zero) shows last year's
  own figure. Last year's totals of every enterprise (全口径) are in the appendix's 「增速口径对照」
  beside the 同口径 ones, each under its own header.
* **增速变化** (百分点): this period's printed 同比 minus the printed 同比 *of the same kind* of
  the previous cumulative period (1-6月 against 1-5月; 1-3月 against 1-2月 when January and
  February are combined; a single month against the month before; none for the first period
  of a year): a 公布数 row compares with the bureau's earlier rate (none when it published
  none), a 测算数 row with the earlier 测算 rate, even where the earlier report printed a
  公布数. Both rates are printed in the row (「1-5月同比(%)」), so the difference is the one a
  reader computes.
* **规模工业占比**: 规模工业总产值 ÷ 工业总产值 of the printed 本期, only when both rows have
  one 数据口径 (a published level over a computed one is not a share).
* **年度目标**: ``config.targets`` of the park in ``park.yaml``: ``{年份: {指标代码: 目标值}}``
  in the indicator's unit (万元, 人, 家), for periods from January only (1-N月, 一季度, 上半年,
  全年; not a single month or a later quarter). **完成全年目标** = 本期 ÷ 目标; the **时间进度** is
  end month ÷ 12; 「时间过半、任务过半」 when a half-year (or later) period's completion is at
  least the time progress — both as printed (one decimal), so a 50.0% beside 50.0% is on time.
* **Overall judgement** over the printed 同比 of the core flows (产值, 增加值, 规上产值, 规上增加值,
  固定资产投资, 税收): the rule and its words are :func:`parkanalysis.narrative.judgement_of`
  (at least two thirds ≥ 0 and median ≥ 6% → 「园区经济呈现出平稳较快发展的良好势头」; median
  ≥ 0 → 「园区经济总体保持平稳运行」; else 「园区主要经济指标有所回落,下行压力较大」; none without
  a rate).
* **亩均/人均** per-period flows are annualised as value × 12 ÷ months of the period (the land
  report uses the last 12 months, so both read as annual figures); the 公顷 variants only in
  the appendix of a park that works in 亩.

>>> previous_cumulative(parse_period("2016H1"), jan_feb_combined=True).label
'2016年1-5月'
>>> previous_cumulative(parse_period("2016年1-3月"), jan_feb_combined=True).label
'2016年1-2月'
>>> previous_cumulative(parse_period("2016年1-2月"), jan_feb_combined=True) is None
True
>>> judgement([8.0, 7.2, 7.7, 7.0, -9.6, 8.9])
'园区经济呈现出平稳较快发展的良好势头'
>>> judgement([3.0, 2.1, -1.0, 4.0]), judgement([-3.0, -2.1, 1.0])
('园区经济总体保持平稳运行', '园区主要经济指标有所回落,下行压力较大')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from parkanalysis.periods import Period, first_cumulative_end, parse_period

#: Amounts always written in 万元, whatever their size (the seed's 「完成税收3126万元」).
WAN_YUAN_IDS = frozenset({"tax_revenue"})


def amount_unit(ident: str, value_wan_yuan: float) -> tuple[str, int, int]:
    """The unit an amount is written in: (unit, divisor from 万元, decimals).

    **Units** (text and tables alike): from 1 亿元 up (10000 万元 after rounding to 0.1 万元,
    as :func:`parkanalysis.narrative.amount_phrase` rounds) 亿元 with two decimals; below,
    万元 with one decimal (the text drops a 「.0」); 税收 (:data:`WAN_YUAN_IDS`) always in 万元.
    A table row takes the unit of its 本期 figure, so its other amounts (上年同期, 增减额,
    年度目标) are in the same unit and the text and the row print the same figure.

    >>> amount_unit("industrial_output", 50774.6), amount_unit("fixed_asset_investment", 2476.5)
    (('亿元', 10000, 2), ('万元', 1, 1))
    >>> amount_unit("fixed_asset_investment", 9999.96), amount_unit("tax_revenue", 123456.0)
    (('亿元', 10000, 2), ('万元', 1, 1))
    """
    if ident in WAN_YUAN_IDS or value_wan_yuan is None or pd.isna(value_wan_yuan):
        return "万元", 1, 1
    exact = Decimal(repr(abs(float(value_wan_yuan))))
    wan = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return ("亿元", 10000, 2) if wan >= 10000 else ("万元", 1, 1)


#: Rows of 表「主要经济指标」 (amounts), in order.
AMOUNT_IDS = (
    "industrial_output",
    "industrial_value_added",
    "above_size_output",
    "above_size_value_added",
    "fixed_asset_investment",
    "revenue",
    "tax_revenue",
)
#: Rows of 表「企业与从业人员」 (counts), in order.
COUNT_IDS = (
    "above_size_enterprises",
    "new_industrial_enterprises",
    "new_commercial_enterprises",
    "employees",
)
#: Per-亩 and per-person figures (annualised in the body).
RATIO_IDS = ("tax_per_mu", "output_per_mu", "value_added_per_mu", "labour_productivity")
#: Per-公顷 duplicates, for the appendix only.
HECTARE_IDS = ("tax_per_ha", "output_per_ha", "value_added_per_ha")
#: Core flows of the overall judgement.
JUDGED_IDS = (
    "industrial_output",
    "industrial_value_added",
    "above_size_output",
    "above_size_value_added",
    "fixed_asset_investment",
    "tax_revenue",
)


def previous_cumulative(period: Period, *, jan_feb_combined: bool) -> Period | None:
    """The period whose growth this one's is compared with (None for a year's first)."""
    if period.kind == "month":
        month = period.end_month - 1
        if month < 1 or (jan_feb_combined and month <= 2 and period.end_month <= 2):
            return None
        if jan_feb_combined and month == 2:
            return parse_period(f"{period.year}年1-2月")
        return parse_period(f"{period.year}-{month:02d}")
    if period.start_month != 1:  # quarters 2-4 and 下半年: the same kind one step back
        span = period.end_month - period.start_month + 1
        return Period(period.year, period.start_month - span, period.start_month - 1, period.kind)
    end = period.end_month - 1
    if end < first_cumulative_end(jan_feb_combined):
        return None
    return Period(period.year, 1, end, "cumulative")


def judgement(growths) -> str:
    """The overall judgement from the core flows' printed growth rates (see the module rules)."""
    from parkanalysis.narrative import TENTH, judgement_of, round_half_up

    return judgement_of(
        float(round_half_up(float(g), TENTH)) for g in growths if g is not None and not _nan(g)
    )


def _nan(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def shown_figures(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``shown_value``, ``shown_yoy`` and ``basis`` (公布数/测算数) to an indicator table."""
    out = table.copy()
    has_pub = out["published_value"].notna() if "published_value" in out else False
    out["basis"] = ["公布数" if p else "测算数" for p in has_pub]
    out["shown_value"] = out["published_value"].where(has_pub, out["value"])
    pub_yoy = out["published_yoy_pct"] if "published_yoy_pct" in out else out["yoy_pct"]
    out["shown_yoy"] = pub_yoy.where(has_pub, out["yoy_pct"])
    return out


def targets_of(ds, park: str, year: int) -> dict[str, float]:
    """``config.targets[year]`` of the park (indicator id → target), {} when none."""
    targets = ds.config(park).get("targets") or {}
    raw = targets.get(year, targets.get(str(year))) or {}
    return {str(k): float(v) for k, v in raw.items() if not _nan(v)}


def comparison(
    current: pd.DataFrame,
    last_year: pd.DataFrame | None,
    previous: pd.DataFrame | None,
    targets: dict[str, float],
) -> pd.DataFrame:
    """One row per indicator: 本期, 上年同期, 增减额, 同比, 上期同比, 增速变化, 目标, 完成率.

    ``current``/``last_year``/``previous`` are :func:`parkanalysis.indicators.indicator_table`
    frames of this period, the same months a year earlier and the previous cumulative period.
    """
    from parkanalysis.narrative import TENTH, round_half_up

    cur = shown_figures(current).set_index("id")
    ly = last_year.set_index("id") if last_year is not None else None
    prev = previous.set_index("id") if previous is not None else None
    rows = []
    for ident, row in cur.iterrows():
        value, yoy = row["shown_value"], row["shown_yoy"]
        finite = not _nan(yoy) and not math.isinf(float(yoy))
        if finite and not _nan(value):
            base = value / (1 + float(yoy) / 100)  # 上年同期(可比口径): the growth's basis
        elif not _nan(row.get("prev_value")) and float(row["prev_value"]) == 0:
            base = 0.0  # a base of zero: 「上年同期为零」
        elif not finite and ly is not None and ident in ly.index and _nan(yoy):
            base = ly.loc[ident, "value"] if _no_growth(row) else math.nan
        else:
            base = math.nan
        prev_yoy = math.nan
        if prev is not None and ident in prev.index:  # the earlier rate of the same kind
            p = prev.loc[ident]
            if row["basis"] == "公布数":
                prev_yoy = p.get("published_yoy_pct", math.nan)
            else:
                prev_yoy = p.get("yoy_pct", math.nan)
        prev_yoy = math.nan if _nan(prev_yoy) or math.isinf(float(prev_yoy)) else float(prev_yoy)
        target = targets.get(str(ident), math.nan)
        rows.append(
            {
                "id": ident,
                "name": row["name"],
                "unit": row["unit"],
                "value": value,
                "basis": row["basis"],
                "last_year": base,
                "change": value - base if not _nan(base) and not _nan(value) else math.nan,
                "yoy_pct": yoy,
                "prev_yoy_pct": prev_yoy,
                "yoy_change_pp": (  # of the printed rates: the difference a reader computes
                    float(round_half_up(float(yoy), TENTH) - round_half_up(prev_yoy, TENTH))
                    if finite and not _nan(prev_yoy)
                    else math.nan
                ),
                "target": target,
                "completion_pct": (
                    value / target * 100
                    if not _nan(target) and target and not _nan(value)
                    else math.nan
                ),
                "scope": row.get("scope"),
                "n_enterprises": row.get("n_enterprises"),
            }
        )
    return pd.DataFrame(rows)


def _no_growth(row) -> bool:
    """An indicator stated without a growth rate (enterprise counts): last year's own figure."""
    return row.get("unit") == "家"


def speed_phrase(diff_pp: float, prev_label: str) -> str:
    """「增速比1-4月加快0.3个百分点」 / 「回落…」 / 「与1-4月持平」.

    >>> speed_phrase(0.26, "1-4月"), speed_phrase(-1.04, "1-4月"), speed_phrase(0.01, "1-4月")
    ('增速比1-4月加快0.3个百分点', '增速比1-4月回落1.0个百分点', '增速与1-4月持平')
    """
    from parkanalysis.narrative import TENTH, round_half_up

    r = round_half_up(float(diff_pp), TENTH)
    if r == 0:
        return f"增速与{prev_label}持平"
    return f"增速比{prev_label}{'加快' if r > 0 else '回落'}{abs(r):f}个百分点"


def target_sentence(comp: pd.DataFrame, period: Period) -> str:
    """Completion of the annual targets and the 时间过半任务过半 judgement ("" without targets)."""
    from parkanalysis.narrative import TENTH, round_half_up

    rows = comp[comp["completion_pct"].notna()]
    if rows.empty:
        return ""
    rows = rows.assign(  # judged on the printed figures
        completion_pct=[round_half_up(c, TENTH) for c in rows["completion_pct"]]
    )
    time_pct = round_half_up(period.end_month / 12 * 100, TENTH)
    parts = [f"{r['name']}完成全年目标的{r['completion_pct']:f}%" for _, r in rows.iterrows()]
    behind = rows[rows["completion_pct"] < time_pct]
    text = f"按年度目标,{'、'.join(parts)}(时间进度{time_pct:f}%)"
    if period.end_month >= 6 and period.start_month == 1:
        words = "“时间过半、任务过半”" if period.end_month == 6 else "时间进度"
        if behind.empty:
            text += f",均实现了{words}"
        elif len(behind) * 3 <= len(rows):
            text += f",多数指标实现了{words},其中{'、'.join(behind['name'])}未达到时间进度"
        else:
            text += f",其中{'、'.join(behind['name'])}未达到时间进度"
    elif behind.empty:
        text += ",均达到时间进度"
    elif len(behind) * 2 > len(rows):
        ahead = rows[rows["completion_pct"] >= time_pct]
        text += f",仅{'、'.join(ahead['name'])}快于时间进度" if len(ahead) else ",均慢于时间进度"
    else:
        text += f",其中{'、'.join(behind['name'])}慢于时间进度"
    return text + "。"


def industry_table(ents: pd.DataFrame) -> pd.DataFrame:
    """工业总产值 by GB/T 4754-2017 门类 and 大类 from an enterprise table.

    Columns: 门类, 大类, 企业数, 产值 (万元), 占比 (%), 占比变化 (百分点, against the same
    months a year earlier) and 同比 (%, enterprises with output in both years).
    """
    from parkanalysis.industry import industry_of

    frame = ents[ents["output_wan_yuan"].notna() | ents["prev_output_wan_yuan"].notna()].copy()
    info = [industry_of(c) for c in frame["industry_code"]]
    frame["section_name"] = [i.section_name for i in info]
    frame["division_name"] = [i.division_name for i in info]
    total = frame["output_wan_yuan"].sum()
    total_prev = frame["prev_output_wan_yuan"].sum()
    rows = []
    for (sec, div), g in frame.groupby(["section_name", "division_name"], sort=False):
        both = g["output_wan_yuan"].notna() & g["prev_output_wan_yuan"].notna()
        cur_b, prev_b = (
            g.loc[both, "output_wan_yuan"].sum(),
            g.loc[both, "prev_output_wan_yuan"].sum(),
        )
        value = g["output_wan_yuan"].sum()
        share = value / total * 100 if total else math.nan
        prev_share = g["prev_output_wan_yuan"].sum() / total_prev * 100 if total_prev else math.nan
        rows.append(
            {
                "门类": sec,
                "大类": div,
                "企业数(家)": int(g["output_wan_yuan"].notna().sum()),
                "工业总产值(万元)": value,
                "占比(%)": share,
                "占比变化(百分点)": share - prev_share,
                "同比(%)": (cur_b / prev_b - 1) * 100 if prev_b else math.nan,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("工业总产值(万元)", ascending=False, kind="stable").reset_index(
        drop=True
    )


def key_enterprises(ents: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` enterprises with the largest 工业总产值 of the period (internal copy only)."""
    from parkanalysis.industry import industry_of

    frame = ents[ents["output_wan_yuan"].notna()].nlargest(n, "output_wan_yuan")
    prev = frame["prev_output_wan_yuan"]
    return pd.DataFrame(
        {
            "企业名称": frame["name"].astype(str),
            "行业": [industry_of(c).division_name for c in frame["industry_code"]],
            "工业总产值(万元)": frame["output_wan_yuan"],
            "同比(%)": (frame["output_wan_yuan"] / prev - 1) * 100,
            "税收(万元)": frame["tax_wan_yuan"],
            "从业人员(人)": frame["employees"],
        }
    ).reset_index(drop=True)


def annualised(value: float, period: Period) -> float:
    """A flow-based ratio of ``period`` scaled to a year (× 12 ÷ months).

    >>> annualised(2.0, parse_period("2016H1"))
    4.0
    """
    months = period.end_month - period.start_month + 1
    return value * 12 / months


def fixed(x, decimals: int) -> str:
    """One number format per column: fixed decimals, half up, never 「-0.0」.

    >>> fixed(-0.04, 1), fixed(2476.45, 1), fixed(None, 1)
    ('0.0', '2,476.5', '—')
    """
    if x is None or pd.isna(x):
        return "—"
    d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)
    return f"{d:,}"


def printed_difference(a: str, b: str) -> str:
    """本期 − 上年同期 of two printed cells, with their decimals (so the page adds up).

    >>> printed_difference("2,476.5", "2,740.4*"), printed_difference("11", "—")
    ('-263.9', '—')
    """
    if "—" in (a, b) or not a or not b:
        return "—"
    x, y = (Decimal(v.rstrip("*").replace(",", "")) for v in (a, b))
    places = max(-x.as_tuple().exponent, -y.as_tuple().exponent, 0)
    return fixed(float(x - y), places)


def share_sentence(by_id, printed) -> str:
    """规模工业总产值占全部工业总产值的x%: of the printed 本期, both rows of one 数据口径."""
    ids = ("above_size_output", "industrial_output")
    if not all(i in by_id.index and i in printed and printed[i]["value"] for i in ids):
        return ""
    part, whole = (by_id.loc[i] for i in ids)
    if part["basis"] != whole["basis"] or pd.isna(part["value"]) or not whole["value"]:
        return ""
    share = float(part["value"]) / float(whole["value"]) * 100
    return f"规模工业总产值占全部工业总产值的{fixed(share, 1)}%。"
