"""Economic indicators of a reporting period: levels, 同口径 growth, shares, 亩均 figures.

:func:`indicator_table` answers "what were the park's figures for 2016年1-5月": one row per
indicator with its value, its year-on-year growth on a **same-enterprise basis** (同口径) and,
where the statistics bureau published the figure, the published level and growth beside it.
:func:`indicator_table_by_park` does the same for every park of a provincial dataset in one
pass; :func:`trend_table` gives the 1-N月 series of one indicator for charts;
:func:`enterprise_table` gives the per-enterprise values behind them (used by
:mod:`parkanalysis.grading` and the exploration notebook).

The package, each module stating the definitions it owns:

* :mod:`~parkanalysis.indicators.specs` — the catalogue: ids, Chinese names, units, kinds;
* :mod:`~parkanalysis.indicators.enterprises` — per-enterprise values of a period and of the
  same months a year earlier, land per enterprise, the growth scope (no 缺报), the enterprise
  frame;
* :mod:`~parkanalysis.indicators.measures` — per park: levels, 同口径 and 全口径 growth,
  shares, 亩均/地均, 劳动生产率, ``n_enterprises`` (the definitions of the table's columns);
* :mod:`~parkanalysis.indicators.published` — published figures matched on the period's
  months, converted and shown beside the computed ones;
* :mod:`~parkanalysis.indicators.tables` — the public tables and their arguments (period, park).

Everything is vectorised; no Python loop runs over enterprises or parks (see
``benchmarks/indicators_speed.py``).
"""

from parkanalysis.indicators.enterprises import collect as collect
from parkanalysis.indicators.specs import FLOW_COLUMNS as FLOW_COLUMNS
from parkanalysis.indicators.specs import INDICATORS, IndicatorSpec, indicator_ids
from parkanalysis.indicators.specs import PUBLISHED_NAMES as PUBLISHED_NAMES
from parkanalysis.indicators.tables import (
    enterprise_table,
    indicator_table,
    indicator_table_by_park,
    resolve_park,
    resolve_period,
    trend_table,
)

__all__ = [
    "INDICATORS",
    "IndicatorSpec",
    "enterprise_table",
    "indicator_ids",
    "indicator_table",
    "indicator_table_by_park",
    "resolve_park",
    "resolve_period",
    "trend_table",
]
