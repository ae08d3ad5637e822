"""The vocabulary of the protected table: cell ids, cells, gates (published non-linear figures).

* A **cell** (:class:`ProtectedCell`) is one aggregate of enterprise contributions — a flow
  over a span of months, a count, land at a month end, a 近12个月 tax. It is printed, withheld,
  or **derived** (never printed, but the difference of printed cells an outsider can form:
  非规上, entrants and leavers of a growth rate, the 近12个月 tax behind a 亩均 ratio).
  Cells of the earlier years' tables are **frozen** in a year's table (every earlier year
  back to the data's first, as far as relations link them to this year): they were
  published first, so the year's suppression treats the published ones as known to their
  printed digit and the withheld ones as targets, and never withholds any of them.
* A **gate** (:class:`Gate`) is a published figure that is not a cell but fixes linear
  relations between cells once printed — a 同口径 growth rate, whose factor ``f`` is known to
  lie in ``[f_lo, f_hi]`` (its rounding), with the two inequalities
  ``V − E − f_lo·(L − X) ≥ 0`` and ``V − E − f_hi·(L − X) ≤ 0``. Withholding the gate removes
  them.

>>> cell_id("tax_revenue", 2016, 4, 6)
'tax_revenue|2016-04..2016-06'
>>> growth_id("tax_revenue", 2016, 1, 3)
'growth|tax_revenue|2016-01..2016-03'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parkanalysis.share.audit import Relation

__all__ = [
    "FLOW_MEASURES",
    "MEASURE_NAMES",
    "Gate",
    "ProtectedCell",
    "cell_id",
    "growth_id",
    "measure_name",
    "months_label",
]

#: Flow indicators (id → monthly column) in the linked table.
FLOW_MEASURES = {
    "industrial_output": "output_wan_yuan",
    "industrial_value_added": "value_added_wan_yuan",
    "above_size_output": "output_wan_yuan",
    "above_size_value_added": "value_added_wan_yuan",
    "fixed_asset_investment": "fixed_asset_investment_wan_yuan",
    "tax_revenue": "tax_wan_yuan",
    "revenue": "revenue_wan_yuan",
}
#: Chinese names of the measures that are not indicators.
MEASURE_NAMES = {
    "other_output": "非规上工业总产值",
    "other_value_added": "非规上工业增加值",
    "employees": "从业人员",
    "hazards_found": "排查隐患合计",
    "hazards_major": "重大隐患",
    "hazards_minor": "一般隐患",
    "hazards_rectified": "已整改隐患",
    "hazards_open": "未整改隐患",
    "hazards_overdue": "逾期未整改隐患",
    "hazards_pending": "期限内未整改隐患",
    "relocation_land": "搬迁置换腾退土地",
    "relocation_pending_land": "未完成搬迁置换的腾退土地",
    "relocation_land_change": "新增搬迁置换的腾退土地",
    "relocation_pending_land_change": "新增未完成搬迁置换的腾退土地",
    "tax_12m": "近12个月税收",
    "tax_12m_industrial": "近12个月工矿仓储用地上企业税收",
    "tax_12m_other": "近12个月其他企业税收",
    "tax_per_mu_12m": "综合亩均税收(近12个月)",
    "industrial_tax_per_mu_12m": "工业用地亩均税收(近12个月)",
}


def cell_id(measure: str, year: int, start: int, end: int) -> str:
    """Stable id of a cell: ``tax_revenue|2016-01..2016-03``."""
    return f"{measure}|{year}-{start:02d}..{year}-{end:02d}"


def growth_id(measure: str, year: int, start: int, end: int) -> str:
    """Stable id of the 同口径 growth rate of a measure over a span (a gate)."""
    return "growth|" + cell_id(measure, year, start, end)


def months_label(year: int, start: int, end: int) -> str:
    """``2016年1-3月`` / ``2016年5月`` for audit messages."""
    return f"{year}年{start}月" if start == end else f"{year}年{start}-{end}月"


def measure_name(measure: str) -> str:
    """Chinese name of a measure (indicator name, or the table's own measures).

    >>> measure_name("entrants:tax_revenue"), measure_name("hazards_found:化学品")
    ('税收(新进企业)', '化学品类隐患')
    """
    from parkanalysis.indicators import INDICATORS

    names = {s.id: s.name for s in INDICATORS}
    if measure.startswith("hazards_found:"):
        return f"{measure.split(':', 1)[1]}类隐患"
    for prefix, word in _GROUP_WORDS.items():
        if measure.startswith(prefix):
            return f"{measure_name(measure.split(':', 1)[1])}({word})"
    return names.get(measure) or MEASURE_NAMES.get(measure, measure)


_GROUP_WORDS = {
    "entrants:": "新进企业",
    "leavers:": "退出企业",
    "entrants_rest:": "新进企业跨期差额",
    "leavers_rest:": "退出企业跨期差额",
}


@dataclass
class ProtectedCell:
    """One cell of the park-year: true value, contributions and what is published."""

    id: str
    measure: str
    year: int
    start: int
    end: int
    value: float
    step: float
    contributions: dict[str, float] = field(repr=False, default_factory=dict)
    derived: bool = False
    sensitive: bool = False
    withheld: bool = False
    secondary: bool = False
    #: a cell of an earlier year's table: known as published there, never withheld here
    frozen: bool = False
    #: may be negative (cross-span residuals, 规上 leavers): not bounded below by 0
    signed: bool = False

    @property
    def label(self) -> str:
        return f"{measure_name(self.measure)}({months_label(self.year, self.start, self.end)})"

    @property
    def printed(self) -> float:
        """The value as printed (one decimal for amounts, two for 亩均 ratios, integers for
        counts)."""
        if self.step >= 1:
            return round(self.value)
        return round(self.value, 2 if self.step < 0.1 else 1)


@dataclass
class Gate:
    """A published non-linear figure and the linear relations it declares (module docstring).

    ``needs``: the cells that must be published for the figure to be printed (a growth rate
    needs its 本期 and 上年同期); ``printed`` the figure as printed (a growth rate in %).
    """

    id: str
    measure: str
    year: int
    start: int
    end: int
    printed: float
    relations: tuple[Relation, ...]
    needs: tuple[str, ...]
    withheld: bool = False
    secondary: bool = False

    @property
    def label(self) -> str:
        return (
            f"{measure_name(self.measure)}同比增速({months_label(self.year, self.start, self.end)})"
        )
