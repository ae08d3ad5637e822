"""Chinese report sentences for economic indicators, in the register of park work reports.

The model is the opening paragraph of a park's half-year summary::

    2016年1-5月份,园区完成工业总产值1.25亿元,同比增长8.5%;……;完成税收3126万元,同比增长
    4.2%;规模企业投产11家,商贸企业投产3家;园区企业累计从业人员人数达到3378人,同比增长2.1%。

Rules: one decimal, rounded half up on the decimal value (四舍五入: 8.25 → 8.3); "同比增长 x%" /
"同比下降 x%" / "同比持平" when the rounded value is 0.0; differences of rates in "个百分点";
amounts in 万元, or in 亿元 with two decimals from 1 亿元 up; counts as integers. A missing
previous year reads "上年同期无数据" and a zero base "上年同期为零": no number is ever invented,
and a missing indicator is left out rather than written as "同比增长-%".

**Words from numbers** (one table; :mod:`parkanalysis.report.consistency` checks the rendered
text against it). A word is chosen from the *printed* figures — the rounded rates and levels
the reader sees — never from unrounded ones, so that the words and the figures beside them
agree:

======================================  =====================================================
word (:data:`DIRECTION_WORDS`)          printed change it needs
======================================  =====================================================
增长, 增加, 提高, 上升, 加快, 稳中有增,  > 0 (a rate > 0.0, or 本期 > 上年同期)
稳步增长, 较快增长
下降, 减少, 降低, 回落, 放缓, 稳中有降   < 0
持平, 保持稳定, 基本稳定                 = 0 (the rate printed 0.0, or 本期 = 上年同期)
======================================  =====================================================

百分点 differences (「增速比1-5月回落0.3个百分点」, 「比上年同期提高1.4个百分点」) are the
difference of the two printed rates, and only of two rates of one kind (both published by the
statistics bureau, or both computed from the returns). The **overall judgement**
(:data:`JUDGEMENTS`, :func:`judgement_of`) over the printed 同比 of the core flows
(:data:`JUDGED_NAMES`): at least two thirds of them ≥ 0 and their median ≥ 6 → 「园区经济呈现
出平稳较快发展的良好势头」; median ≥ 0 → 「园区经济总体保持平稳运行」; else 「园区主要经济指标有
所回落,下行压力较大」; no rate → no judgement.

All functions are pure. Punctuation follows the seed report (ASCII "," and ";" between clauses,
full-width "。"); pass ``fullwidth=True`` for "，", "；" and "（）".
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.periods import Period, parse_period
from parkanalysis.units import MONEY_UNITS, to_wan_yuan

__all__ = [
    "PARAGRAPH_INDICATORS",
    "amount_phrase",
    "count_phrase",
    "economic_paragraph",
    "growth_phrase",
    "indicator_sentence",
    "join_clauses",
    "period_phrase",
    "pp_phrase",
]

#: Indicator ids of the opening paragraph, in the seed report's order.
PARAGRAPH_INDICATORS: tuple[str, ...] = (
    "industrial_output",
    "industrial_value_added",
    "above_size_output",
    "above_size_value_added",
    "fixed_asset_investment",
    "tax_revenue",
    "above_size_enterprises",
    "new_industrial_enterprises",
    "new_commercial_enterprises",
    "employees",
)

# id -> (words before the figure, how the figure is written, whether growth is stated).
# "amount": money in 万元/亿元; "count": integer with its unit; "ratio": one decimal + unit.
_WORDING: Mapping[str, tuple[str, str, bool]] = {
    "industrial_output": ("完成工业总产值", "amount", True),
    "industrial_value_added": ("完成工业增加值", "amount", True),
    "above_size_output": ("完成规模工业总产值", "amount", True),
    "above_size_value_added": ("完成规模工业增加值", "amount", True),
    "fixed_asset_investment": ("完成固定资产投资", "amount", True),
    "tax_revenue": ("完成税收", "amount", True),
    "employees": ("园区企业累计从业人员人数达到", "count", True),
    "above_size_enterprises": ("规模企业投产", "count", False),
    "new_industrial_enterprises": ("新投产工业企业", "count", False),
    "new_commercial_enterprises": ("商贸企业投产", "count", False),
    "tax_per_mu": ("亩均税收", "ratio", True),
    "output_per_mu": ("亩均产值", "ratio", True),
}
_DEFAULT_UNITS = {"employees": "人", "tax_per_mu": "万元/亩", "output_per_mu": "万元/亩"}
_COUNT_UNITS = frozenset({"人", "家", "个", "项", "户", "名"})
_ENTERPRISE_COUNTS = frozenset(
    {"above_size_enterprises", "new_industrial_enterprises", "new_commercial_enterprises"}
)

PUBLISHED_NOTE = "统计部门公布数"
_SAME_SCOPE = "同口径"

_ONE = Decimal("1")
TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")


#: Direction words and the sign of the printed change each needs (+1 rise, -1 fall, 0 flat).
DIRECTION_WORDS: Mapping[str, int] = {
    "稳中有增": 1,
    "稳步增长": 1,
    "较快增长": 1,
    "增长": 1,
    "增加": 1,
    "提高": 1,
    "上升": 1,
    "加快": 1,
    "稳中有降": -1,
    "下降": -1,
    "减少": -1,
    "降低": -1,
    "回落": -1,
    "放缓": -1,
    "持平": 0,
    "保持稳定": 0,
    "基本稳定": 0,
}
#: Names of the core flows the overall judgement reads (rows of 表「主要经济指标」).
JUDGED_NAMES: tuple[str, ...] = (
    "工业总产值",
    "工业增加值",
    "规模工业总产值",
    "规模工业增加值",
    "固定资产投资",
    "税收",
)
JUDGEMENT_GOOD = "园区经济呈现出平稳较快发展的良好势头"
JUDGEMENT_STEADY = "园区经济总体保持平稳运行"
JUDGEMENT_WEAK = "园区主要经济指标有所回落,下行压力较大"
#: The overall judgements, best first.
JUDGEMENTS: tuple[str, ...] = (JUDGEMENT_GOOD, JUDGEMENT_STEADY, JUDGEMENT_WEAK)


def judgement_of(printed_rates: Iterable[float]) -> str:
    """The overall judgement from the printed growth rates (see the module docstring).

    >>> judgement_of([8.0, 7.2, 7.7, 7.0, -9.6, 8.9]) == JUDGEMENT_GOOD
    True
    >>> judgement_of([3.0, 2.1, -1.0, 4.0]) == JUDGEMENT_STEADY, judgement_of([])
    (True, '')
    """
    values = sorted(float(g) for g in printed_rates if _is_number(g))
    if not values:
        return ""
    n = len(values)
    median = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    if sum(v >= 0 for v in values) * 3 >= 2 * n and median >= 6:
        return JUDGEMENT_GOOD
    if median >= 0:
        return JUDGEMENT_STEADY
    return JUDGEMENT_WEAK


def direction_word(change: float | Decimal, *, up: str, down: str, flat: str) -> str:
    """``up``/``down``/``flat`` by the sign of a printed change (0 → ``flat``).

    >>> direction_word(Decimal("-0.0"), up="提高", down="下降", flat="持平")
    '持平'
    """
    c = Decimal(str(change))
    return flat if c == 0 else (up if c > 0 else down)


# -- numbers -------------------------------------------------------------------------------


def _is_number(x: Any) -> bool:
    if x is None or isinstance(x, bool):
        return False
    try:
        return not math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _decimal(x: float) -> Decimal:
    # repr gives the shortest string that reads back as x, so 8.25 rounds like the digits show.
    return Decimal(repr(float(x)))


def round_half_up(x: float | Decimal, step: Decimal) -> Decimal:
    d = x if isinstance(x, Decimal) else _decimal(x)
    r = d.quantize(step, rounding=ROUND_HALF_UP)
    return r if r != 0 else abs(r)  # no "-0.0"


def _plain(d: Decimal) -> str:
    """Integer digits when whole, else the digits as rounded."""
    return f"{d.to_integral_value():f}" if d == d.to_integral_value() else f"{d:f}"


def _require_number(x: Any, what: str) -> float:
    if not _is_number(x):
        raise ParameterError(f"{what} 需要一个数值,得到 {x!r};缺失的指标请在句子中省略")
    return float(x)


# -- phrases -------------------------------------------------------------------------------


def growth_phrase(
    yoy_pct: float | None, *, prev_missing: bool = False, prev_zero: bool = False
) -> str:
    """Phrase a year-on-year growth rate.

    Parameters
    ----------
    yoy_pct : float or None
        Growth in percent (8.5 means 8.5%); ±inf is read as a zero base.
    prev_missing : bool, default False
        The previous year has no figure: "上年同期无数据" whatever ``yoy_pct`` says.
    prev_zero : bool, default False
        The previous year's figure is zero (and this year's is not): "上年同期为零".

    Returns
    -------
    str
        "同比增长8.5%", "同比下降3.2%", "同比持平" when the rounded value is 0.0, or
        "同比无可比数据" for a missing rate without either flag.

    Examples
    --------
    >>> growth_phrase(8.46), growth_phrase(-3.25), growth_phrase(-0.04)
    ('同比增长8.5%', '同比下降3.3%', '同比持平')
    >>> growth_phrase(None, prev_missing=True), growth_phrase(float("inf"))
    ('上年同期无数据', '上年同期为零')
    """
    if prev_missing:
        return "上年同期无数据"
    if prev_zero:
        return "上年同期为零"
    if not _is_number(yoy_pct):
        return "同比无可比数据"
    if math.isinf(float(yoy_pct)):
        return "上年同期为零"
    r = round_half_up(float(yoy_pct), TENTH)
    if r == 0:
        return "同比持平"
    return f"同比{'增长' if r > 0 else '下降'}{abs(r):f}%"


def pp_phrase(diff_pp: float | None) -> str:
    """Phrase a difference of two rates in percentage points.

    Parameters
    ----------
    diff_pp : float or None
        This rate minus the compared rate, in percentage points.

    Returns
    -------
    str
        "提高1.2个百分点", "下降0.4个百分点", "持平" (rounded 0.0) or "无可比数据".

    Examples
    --------
    >>> pp_phrase(1.23), pp_phrase(-0.35), pp_phrase(0.04), pp_phrase(float("nan"))
    ('提高1.2个百分点', '下降0.4个百分点', '持平', '无可比数据')
    """
    if not _is_number(diff_pp) or math.isinf(float(diff_pp)):
        return "无可比数据"
    r = round_half_up(float(diff_pp), TENTH)
    if r == 0:
        return "持平"
    return f"{'提高' if r > 0 else '下降'}{abs(r):f}个百分点"


def amount_phrase(value_wan_yuan: float) -> str:
    """Write an amount of money given in 万元, in 万元 or 亿元 as its size suits.

    Parameters
    ----------
    value_wan_yuan : float
        Amount in 万元.

    Returns
    -------
    str
        From 1 亿元 (10000 万元, after rounding) up: 亿元 with two decimals ("1.25亿元");
        below: 万元, an integer when the one-decimal value is whole ("3126万元"), else one
        decimal ("3126.5万元").

    Raises
    ------
    ParameterError
        For a missing value: leave the indicator out instead.

    Examples
    --------
    >>> amount_phrase(3126), amount_phrase(3126.46), amount_phrase(12500), amount_phrase(9999.97)
    ('3126万元', '3126.5万元', '1.25亿元', '1.00亿元')
    """
    x = _require_number(value_wan_yuan, "amount_phrase")
    wan = round_half_up(x, TENTH)
    if abs(wan) >= 10000:
        return f"{round_half_up(_decimal(x) / 10000, _HUNDREDTH):f}亿元"
    return f"{_plain(wan)}万元"


def count_phrase(n: float, unit: str) -> str:
    """Write a count as an integer with its unit.

    Parameters
    ----------
    n : float
        The count (rounded half up if not whole).
    unit : str
        "家", "人", "个" …

    Returns
    -------
    str

    Examples
    --------
    >>> count_phrase(11, "家"), count_phrase(3378.0, "人")
    ('11家', '3378人')
    """
    x = _require_number(n, "count_phrase")
    return f"{round_half_up(x, _ONE):f}{unit}"


def _ratio_phrase(x: float, unit: str) -> str:
    return f"{_plain(round_half_up(x, TENTH))}{unit}"


def period_phrase(period: str | Period) -> str:
    """The words that open a report sentence for ``period``.

    Parameters
    ----------
    period : str or Period

    Returns
    -------
    str
        "2016年5月份", "2016年1-5月份", "2016年第二季度", "2016年上半年", "2016年".

    Examples
    --------
    >>> period_phrase("2016年1-5月"), period_phrase("2016-05"), period_phrase("2016H1")
    ('2016年1-5月份', '2016年5月份', '2016年上半年')
    """
    p = parse_period(period)
    if p.kind in ("month", "cumulative"):
        return f"{p.label}份"
    return p.label


def join_clauses(
    clauses: Iterable[str], *, sep: str = ";", end: str = "。", fullwidth: bool = False
) -> str:
    """Join clauses into one sentence, skipping empty ones.

    Parameters
    ----------
    clauses : iterable of str
    sep : str, default ";"
        Between clauses; "," and ";" become "，" and "；" with ``fullwidth``.
    end : str, default "。"
        Appended once, unless there is nothing to join.
    fullwidth : bool, default False

    Returns
    -------
    str

    Examples
    --------
    >>> join_clauses(["规模企业投产11家", "", "商贸企业投产3家"], sep=",")
    '规模企业投产11家,商贸企业投产3家。'
    >>> join_clauses([])
    ''
    """
    parts = [c for c in clauses if c]
    if not parts:
        return ""
    return _punct(sep, fullwidth).join(parts) + end


def _punct(text: str, fullwidth: bool) -> str:
    if not fullwidth:
        return text
    return text.translate(str.maketrans({",": "，", ";": "；", "(": "（", ")": "）", ":": "："}))


# -- indicator rows --------------------------------------------------------------------------


def _get(row: Any, key: str) -> Any:
    try:
        value = row[key]
    except (KeyError, IndexError, TypeError):
        return None
    return None if value is pd.NA else value


def _has(row: Any, key: str) -> bool:
    try:
        return key in row.index if isinstance(row, pd.Series) else key in row
    except TypeError:
        return False


def _clause(row: Any, *, in_wan: bool = False) -> tuple[str, bool, str | None]:
    """Return (clause without note, uses published figures, scope of a computed growth).

    ``in_wan``: an amount always written in 万元, whatever its size (as the seed writes 税收).
    """
    ident = _get(row, "id")
    ident = ident if isinstance(ident, str) else ""
    words, style, with_growth = _WORDING.get(ident, ("", "", True))
    unit = _get(row, "unit")
    unit = unit if isinstance(unit, str) and unit.strip() else _DEFAULT_UNITS.get(ident, "")
    if not words:
        name = _get(row, "name")
        words = name if isinstance(name, str) and name else ident
        in_money = unit.strip() in MONEY_UNITS or not unit
        style = "amount" if in_money else "count" if unit in _COUNT_UNITS else "ratio"
    if style == "count" and not unit:
        unit = "家"

    pub_value, pub_yoy = _get(row, "published_value"), _get(row, "published_yoy_pct")
    published = _is_number(pub_value) or _is_number(pub_yoy)
    value = pub_value if _is_number(pub_value) else _get(row, "value")
    if not _is_number(value):
        return "", False, None
    value = float(value)

    if style == "amount":
        if unit and unit.strip() not in ("万元", "万"):
            value = to_wan_yuan(value, unit)
        figure = f"{_plain(round_half_up(value, TENTH))}万元" if in_wan else amount_phrase(value)
    elif style == "count":
        figure = count_phrase(value, unit)
    else:
        figure = _ratio_phrase(value, unit)

    growth, scope = None, None
    if with_growth and published:
        # Official growth is data: used as published, never recomputed from levels, and a
        # published level is not paired with a growth rate computed on another basis.
        growth = growth_phrase(float(pub_yoy)) if _is_number(pub_yoy) else None
    elif with_growth:
        yoy, prev = _get(row, "yoy_pct"), _get(row, "prev_value")
        if _has(row, "prev_value") and not _is_number(prev):
            # NaN prev_value means the previous year is missing: no rate, whatever yoy_pct says.
            growth = growth_phrase(None, prev_missing=True)
        elif _is_number(prev) and float(prev) == 0:
            growth = "同比持平" if value == 0 else growth_phrase(None, prev_zero=True)
        elif _is_number(yoy):
            growth = growth_phrase(float(yoy))  # ±inf reads as a zero base
            scope_text = _get(row, "scope")
            if isinstance(scope_text, str) and not math.isinf(float(yoy)):
                scope = scope_text
        else:
            growth = growth_phrase(None)
    clause = f"{words}{figure}" + (f",{growth}" if growth else "")
    return clause, published, scope


def indicator_sentence(row: Mapping[str, Any] | pd.Series, *, fullwidth: bool = False) -> str:
    """Write the clause for one indicator row.

    Parameters
    ----------
    row : pandas.Series or mapping
        One row of an indicator table: ``id``, ``name``, ``value``, ``unit``, ``yoy_pct``,
        ``prev_value``, ``scope``, ``published_value``, ``published_yoy_pct`` (absent keys and
        NaN mean missing).
    fullwidth : bool, default False
        Full-width punctuation.

    Returns
    -------
    str
        E.g. "完成税收3126万元,同比增长4.2%"; with published figures the published level and
        growth followed by "(统计部门公布数)"; "" when the indicator has no value. Enterprise
        counts ("规模企业投产11家") carry no growth, as in the seed report. Known ids use the
        report's wording; other ids use their ``name`` and ``unit``.

    Examples
    --------
    >>> indicator_sentence({"id": "tax_revenue", "value": 3126.0, "unit": "万元",
    ...                     "yoy_pct": 4.25, "prev_value": 2998.6})
    '完成税收3126万元,同比增长4.3%'
    >>> indicator_sentence({"id": "industrial_output", "value": 11800.0, "unit": "万元",
    ...                     "yoy_pct": 9.9, "prev_value": 10737.0,
    ...                     "published_value": 12500.0, "published_yoy_pct": 8.5})
    '完成工业总产值1.25亿元,同比增长8.5%(统计部门公布数)'
    """
    clause, published, _ = _clause(row)
    if clause and published:
        clause += f"({PUBLISHED_NOTE})"
    return _punct(clause, fullwidth)


# -- the paragraph ---------------------------------------------------------------------------

_REQUIRED_COLUMNS = ("id", "value")


def economic_paragraph(
    table: pd.DataFrame,
    *,
    period: str | Period,
    park_name: str | None = None,
    indicators: Sequence[str] = PARAGRAPH_INDICATORS,
    fullwidth: bool = False,
    wan_yuan: Collection[str] = (),
    published_note: str = PUBLISHED_NOTE,
    omit_zero_counts: bool = False,
) -> str:
    """Write the opening economic paragraph of a period report.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per indicator (see :func:`indicator_sentence` for the columns; ``id`` and
        ``value`` are required, ids unique).
    period : str or Period
        Sets the opening words: "2016年1-5月份", "2016年5月份", "2016年上半年" …
    park_name : str, optional
        Subject of the first clause; default "园区".
    indicators : sequence of str, default :data:`PARAGRAPH_INDICATORS`
        Ids to write, in order; ids absent from the table or without a value are left out.
        Consecutive enterprise counts are joined with "," as in the seed report, other
        clauses with ";".
    fullwidth : bool, default False
        Full-width punctuation ("，", "；", "（）").
    wan_yuan : collection of str, default ()
        Ids of amounts always written in 万元, whatever their size (税收: "12345.6万元");
        other amounts follow :func:`amount_phrase` (亿元 from 1 亿元 up, else 万元).
    published_note : str, default "统计部门公布数"
        The note after a clause that uses published figures (e.g. "颍州区统计局公布数").
    omit_zero_counts : bool, default False
        Leave out enterprise counts that are zero (no "新投产工业企业0家").

    Returns
    -------
    str
        The paragraph. Clauses that use published figures end with "(统计部门公布数)"; when
        growth rates computed on a same-enterprise scope (``scope`` starting "同口径") are
        stated, one closing note says so, with the enterprise count if all agree.

    Raises
    ------
    ParameterError
        If ``table`` is not a DataFrame, lacks ``id``/``value`` or repeats an id.
    PeriodError
        If ``period`` cannot be read.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "id": ["tax_revenue", "above_size_enterprises", "employees"],
    ...     "value": [3126.0, 11.0, 3378.0],
    ...     "unit": ["万元", "家", "人"],
    ...     "yoy_pct": [12.34, float("nan"), -2.0],
    ...     "prev_value": [2783.0, 10.0, 3447.0],
    ...     "scope": ["同口径(32家)", "", "同口径(32家)"],
    ... })
    >>> economic_paragraph(table, period="2016年1-5月")
    '2016年1-5月份,园区完成税收3126万元,同比增长12.3%;规模企业投产11家;园区企业累计从业人员人数达到3378人,同比下降2.0%。注:同比增速按同口径企业(32家)计算。'
    """
    rows = _indexed(table)
    opening = period_phrase(period)
    subject = park_name or "园区"

    groups: list[list[str]] = []
    scopes: list[str] = []
    previous_was_count = False
    for ident in indicators:
        if ident not in rows:
            continue
        if omit_zero_counts and ident in _ENTERPRISE_COUNTS and _get(rows[ident], "value") == 0:
            continue
        clause, published, scope = _clause(rows[ident], in_wan=ident in wan_yuan)
        if not clause:
            continue
        if published:
            clause += f"({published_note})"
        if scope is not None:
            scopes.append(scope)
        is_count = ident in _ENTERPRISE_COUNTS
        if is_count and previous_was_count:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        previous_was_count = is_count

    if not groups:
        return _punct(f"{opening},{subject}暂无可报告的经济指标数据。", fullwidth)
    first = groups[0][0]
    groups[0][0] = (
        subject + first.removeprefix("园区") if first.startswith("园区") else subject + first
    )
    body = join_clauses((",".join(g) for g in groups), sep=";", end="。")
    text = f"{opening},{body}{_scope_note(scopes)}"
    return _punct(text, fullwidth)


def _indexed(table: pd.DataFrame) -> dict[str, pd.Series]:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"指标表应为 pandas.DataFrame,得到 {type(table).__name__}")
    missing = [c for c in _REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ParameterError(f"指标表缺少列 {missing};需要 id、value 等列")
    ids = table["id"]
    duplicated = sorted(set(ids[ids.duplicated()].astype(str)))
    if duplicated:
        raise ParameterError(f"指标表中 id 重复:{'、'.join(duplicated)}")
    return {str(row["id"]): row for _, row in table.iterrows()}


def _scope_note(scopes: list[str]) -> str:
    same = [s for s in scopes if s.strip().startswith(_SAME_SCOPE)]
    if not same:
        return ""
    detail = ""
    if len(set(same)) == 1 and (m := re.search(r"(\d+)\s*家", same[0])):
        detail = f"({m.group(1)}家)"
    return f"注:同比增速按同口径企业{detail}计算。"
