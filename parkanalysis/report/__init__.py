"""What the report notebooks call: each function returns something to display.

Notebooks stay thin — a ``parameters`` cell, then one call per section. Every function
here takes computed tables from the modules that own them (indicators, land, forecast,
safety, projects, narrative) and turns them into HTML, images or text; text from the data
is always HTML-escaped.

Share mode (``share=True``, ``--share``): a copy for circulation outside the office.

* No enterprise-level rows and no enterprise names or ids anywhere: the D-class list, the
  relocation table, overdue hazards, enterprise-level data-check findings, project names
  (projects are shown by type), the relocation ids in scenario descriptions are left out.
* Every aggregate built from fewer than ``k = ds.config(park)["share"]["min_enterprises"]``
  enterprises (default 3) is replaced by the marker ``—(少于k家,不予公布)`` with a note:
  indicator levels (``n_enterprises`` of :func:`parkanalysis.indicators.indicator_table`),
  同口径 growth (its scope), the points of the trend charts, 规上 levels whose complement
  (all industrial output minus 规上) comes from fewer than ``k`` enterprises (secondary
  suppression: the difference of two published totals would disclose it), land ratios built
  on enterprise tax, hazard categories (small categories are merged into "其他类别(合并)",
  and the smallest others join them until the merged group has ``k`` enterprises, so the
  total cannot be used to recover them), hazard sub-counts (重大, 逾期) and relocation land.
* Counts of enterprises (规上企业数, 新投产企业数, D类企业数, 搬迁企业数) are published: a
  count is not an aggregate of enterprises' values. Figures published by the statistics
  bureau (``published_value``/``published_yoy_pct``) are public already and stay.
* Land-ledger figures (balance table, supply history, forecasts) are about parcels, not
  enterprises' statistics, and are not suppressed.

Layout:

* :mod:`~parkanalysis.report.kernel` — kernel state recorded after warm-up, restored after
  each report;
* :mod:`~parkanalysis.report.display` — HTML escaping, paragraphs, tables, images;
* :mod:`~parkanalysis.report.cache` — the per-process dataset cache;
* :mod:`~parkanalysis.report.base` — what both reports share (dataset, park, share mode);
* :mod:`~parkanalysis.report.period` — :class:`PeriodReport`;
* :mod:`~parkanalysis.report.land` — :class:`LandReport`.
"""

from __future__ import annotations

from parkanalysis.report.cache import load_cached
from parkanalysis.report.display import (
    HIDDEN_COLUMNS,
    HTML,
    esc,
    html_block,
    image_html,
    paragraph,
    table_html,
)
from parkanalysis.report.kernel import remember_clean_state, restore_clean_state
from parkanalysis.report.land import LandReport
from parkanalysis.report.period import (
    BALANCE_SUMMARY_ITEMS,
    RULE_LABELS,
    SHARE_SAFE_RULES,
    PeriodReport,
)

__all__ = [
    "BALANCE_SUMMARY_ITEMS",
    "HIDDEN_COLUMNS",
    "HTML",
    "RULE_LABELS",
    "SHARE_SAFE_RULES",
    "LandReport",
    "PeriodReport",
    "esc",
    "html_block",
    "image_html",
    "load_cached",
    "paragraph",
    "remember_clean_state",
    "restore_clean_state",
    "table_html",
]
