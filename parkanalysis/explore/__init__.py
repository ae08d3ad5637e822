"""Exploring a park in JupyterLab: the analyst's questions as functions, tables and charts.

The layout shows the model:

* :mod:`.questions` — the questions (contribution to growth, figures by industry, parks and
  periods side by side, land supplied by use, drill-down), each returning a DataFrame with
  internal column names and its table recorded in ``attrs``; :mod:`.monthly` — month by
  month, for the park or one line per enterprise; :mod:`.common` — what they share;
* :mod:`.whatif` — the land outlook with what-if arguments;
* :mod:`.display` — any package table shown in Chinese (:func:`zh`), sortable and filterable;
* :mod:`.widgets` — pickers for park, period and indicator over a table and a chart
  (:func:`dashboard`, needs ipywidgets);
* :mod:`.ipython` — ``%load_ext parkanalysis``: CJK charts, Chinese date ticks, figures and
  tables that display.

Definitions are stated in the module that computes them. The most used names are also on
the package itself (``pa.contribution``, ``pa.zh`` …)::

    %load_ext parkanalysis
    import parkanalysis as pa
    ds = pa.load_dataset("data/sample")
    pa.contribution(ds, "2016年1-5月", indicator="税收")
"""

from __future__ import annotations

from parkanalysis.explore.common import ENTERPRISE_INDICATORS
from parkanalysis.explore.display import ZhTable, format_frame, to_excel, zh
from parkanalysis.explore.monthly import monthly
from parkanalysis.explore.questions import (
    by_industry,
    compare_parks,
    compare_periods,
    contribution,
    drill_down,
    supply_by_use,
)
from parkanalysis.explore.whatif import OutlookView, land_outlook
from parkanalysis.explore.widgets import dashboard, period_choices

__all__ = [
    "ENTERPRISE_INDICATORS",
    "OutlookView",
    "ZhTable",
    "by_industry",
    "compare_parks",
    "compare_periods",
    "contribution",
    "dashboard",
    "drill_down",
    "format_frame",
    "land_outlook",
    "monthly",
    "period_choices",
    "supply_by_use",
    "to_excel",
    "zh",
]
