"""parkanalysis: an industrial park's records → the figures, charts, Chinese text and
forecasts of its work reports, shared as self-contained HTML.

The public face is small; everything else lives in the module that owns it::

    %load_ext parkanalysis          # in a notebook: Chinese charts and tables
    import parkanalysis as pa
    ds = pa.load_dataset("data/sample")
    pa.indicator_table(ds, "2016年1-5月")

Index (one example each in docs/API.md; importing the package changes no global state):

* data: ``load_dataset``, ``validate_dataset``, ``parse_period``, ``Period``
* figures: ``indicator_table``, ``land_indicators``, ``land_outlook_for``, ``forecast_annual``
* totals above the park: ``zone_table``, ``zone_by_park``, ``zone_land``,
  ``zone_supply_table``, ``park_status``, ``load_province`` — :mod:`parkanalysis.province`
* questions: ``contribution`` (拉动/贡献率), ``by_industry`` (GB/T 4754), ``monthly``,
  ``compare_parks``, ``compare_periods``, ``drill_down``, ``supply_by_use``,
  ``land_outlook`` (what-if arguments) — :mod:`parkanalysis.explore`
* display: ``zh`` (any package table in Chinese, sortable and filterable), ``to_excel``
* reports: ``render_report``, ``run_batch``

Park ids and park names (``park="工贸园"``) are accepted wherever a park is asked for.
"""

from __future__ import annotations

import importlib
from typing import Any

from parkanalysis.errors import (
    DataError,
    Finding,
    ParameterError,
    ParkAnalysisError,
    PeriodError,
    RenderError,
)

__version__ = "0.1.0"

#: Public name → module that owns it (imported on first use, so ``import parkanalysis``
#: stays cheap and has no side effects).
_PUBLIC = {
    "load_dataset": "parkanalysis.dataset",
    "validate_dataset": "parkanalysis.dataset",
    "Period": "parkanalysis.periods",
    "parse_period": "parkanalysis.periods",
    "indicator_table": "parkanalysis.indicators",
    "land_indicators": "parkanalysis.land",
    "land_outlook_for": "parkanalysis.land",
    "forecast_annual": "parkanalysis.forecast",
    # totals above the park: a zone (「全区」) or a province over several datasets
    "load_province": "parkanalysis.province",
    "zone_table": "parkanalysis.province",
    "zone_by_park": "parkanalysis.province",
    "zone_land": "parkanalysis.province",
    "zone_supply_table": "parkanalysis.province",
    "park_status": "parkanalysis.province",
    "render_report": "parkanalysis.render",
    "run_batch": "parkanalysis.batch",
    # exploration (parkanalysis.explore): the analyst's questions and tables in Chinese
    "zh": "parkanalysis.explore",
    "to_excel": "parkanalysis.explore",
    "contribution": "parkanalysis.explore",
    "by_industry": "parkanalysis.explore",
    "monthly": "parkanalysis.explore",
    "compare_parks": "parkanalysis.explore",
    "compare_periods": "parkanalysis.explore",
    "supply_by_use": "parkanalysis.explore",
    "drill_down": "parkanalysis.explore",
    "land_outlook": "parkanalysis.explore",
}


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext parkanalysis`` (see :mod:`parkanalysis.explore.ipython`)."""
    from parkanalysis.explore.ipython import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'parkanalysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


__all__ = [
    "DataError",
    "Finding",
    "ParameterError",
    "ParkAnalysisError",
    "PeriodError",
    "RenderError",
    "__version__",
    "load_ipython_extension",
    *_PUBLIC,
]
