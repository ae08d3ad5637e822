"""The indicator catalogue as the indicators package uses it.

:data:`INDICATORS` (stable ids, Chinese names, units and kinds, in table order) fixes the rows
of :func:`~parkanalysis.indicators.indicator_table`; it is stated in
:mod:`parkanalysis.catalogue`, one floor down, so that park.yaml's checks can name indicators
without importing this package. Here: :data:`PUBLISHED_NAMES` names the published-only rows;
:data:`FLOW_COLUMNS` are the monthly columns summed over months.
"""

from __future__ import annotations

from parkanalysis.catalogue import INDICATORS, SPECS, IndicatorSpec, indicator_ids

__all__ = [
    "DECIMALS",
    "FLOW_COLUMNS",
    "INDICATORS",
    "PUBLISHED_NAMES",
    "SPECS",
    "IndicatorSpec",
    "indicator_ids",
]


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
