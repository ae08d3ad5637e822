"""The indicator catalogue: stable ids, Chinese names, units and kinds, in table order.

:data:`INDICATORS` fixes the rows of :func:`~parkanalysis.indicators.indicator_table` and
their order; :data:`PUBLISHED_NAMES` names the published-only rows; :data:`FLOW_COLUMNS` are
the monthly columns summed over months.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: stable id, Chinese name, unit and how it is computed.

    ``kind`` is one of ``"flow"`` (summed over months), ``"stock"`` (period-end level),
    ``"count"`` (enterprises at period end), ``"new"`` (enterprises that started production
    in the period) and ``"ratio"``; ``column`` is the monthly column it is built on.
    """

    id: str
    name: str
    unit: str
    kind: str
    column: str | None = None


#: The indicators of :func:`indicator_table`, in the order of the table.
INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("industrial_output", "工业总产值", "万元", "flow", "output_wan_yuan"),
    IndicatorSpec("industrial_value_added", "工业增加值", "万元", "flow", "value_added_wan_yuan"),
    IndicatorSpec("above_size_output", "规模工业总产值", "万元", "flow", "output_wan_yuan"),
    IndicatorSpec(
        "above_size_value_added", "规模工业增加值", "万元", "flow", "value_added_wan_yuan"
    ),
    IndicatorSpec(
        "fixed_asset_investment",
        "固定资产投资",
        "万元",
        "flow",
        "fixed_asset_investment_wan_yuan",
    ),
    IndicatorSpec("tax_revenue", "税收", "万元", "flow", "tax_wan_yuan"),
    IndicatorSpec("revenue", "主营业务收入", "万元", "flow", "revenue_wan_yuan"),
    IndicatorSpec("employees", "从业人员", "人", "stock", "employees"),
    IndicatorSpec("above_size_enterprises", "规上工业企业数", "家", "count"),
    IndicatorSpec("new_industrial_enterprises", "新投产工业企业数", "家", "new"),
    IndicatorSpec("new_commercial_enterprises", "新投产商贸企业数", "家", "new"),
    IndicatorSpec("above_size_output_share", "规上产值占比", "%", "ratio", "output_wan_yuan"),
    IndicatorSpec("tax_per_mu", "亩均税收", "万元/亩", "ratio", "tax_wan_yuan"),
    IndicatorSpec("output_per_mu", "亩均产值", "万元/亩", "ratio", "output_wan_yuan"),
    IndicatorSpec("value_added_per_mu", "亩均增加值", "万元/亩", "ratio", "value_added_wan_yuan"),
    IndicatorSpec("tax_per_ha", "地均税收", "万元/公顷", "ratio", "tax_wan_yuan"),
    IndicatorSpec("output_per_ha", "地均产值", "万元/公顷", "ratio", "output_wan_yuan"),
    IndicatorSpec("value_added_per_ha", "地均增加值", "万元/公顷", "ratio", "value_added_wan_yuan"),
    IndicatorSpec(
        "labour_productivity", "全员劳动生产率", "万元/人", "ratio", "value_added_wan_yuan"
    ),
)


SPECS = {s.id: s for s in INDICATORS}


#: Names of published-only indicators (rows of ``ds.published`` not computed here).
PUBLISHED_NAMES = {
    "above_size_profit": "规模以上工业利润总额",
    "above_size_revenue": "规模以上工业营业收入",
    "retail_sales": "社会消费品零售总额",
}


#: Flow columns of the monthly frame (summed over months).
FLOW_COLUMNS = (
    "output_wan_yuan",
    "value_added_wan_yuan",
    "revenue_wan_yuan",
    "tax_wan_yuan",
    "fixed_asset_investment_wan_yuan",
)


DECIMALS = 6


_COLUMNS = (
    "id",
    "name",
    "value",
    "unit",
    "yoy_pct",
    "prev_value",
    "scope",
    "published_value",
    "published_yoy_pct",
    "difference",
    "note",
    "n_enterprises",
)


def indicator_ids() -> list[str]:
    """Return the ids of :data:`INDICATORS`, in table order.

    Examples
    --------
    >>> indicator_ids()[:3]
    ['industrial_output', 'industrial_value_added', 'above_size_output']
    """
    return [s.id for s in INDICATORS]
