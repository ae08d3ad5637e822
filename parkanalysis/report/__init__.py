"""What the report notebooks call: each function returns something to display.

Notebooks stay thin — a ``parameters`` cell, then one call per section. Every function
here takes computed tables from the modules that own them (indicators, land, forecast,
safety, projects, narrative) and turns them into HTML, images or text; text from the data
is always HTML-escaped.

Share mode (``share=True``, ``--share``): a copy for circulation outside the office.

* No enterprise-level rows and no enterprise names or ids anywhere: the D-class list, the
  relocation table, overdue hazards, enterprise-level data-check findings, project names
  (projects are shown by type), the relocation ids in scenario descriptions are left out.
* Every figure built from enterprises' values is taken from the protected park-year table
  of :mod:`parkanalysis.share` (primary suppression by threshold on non-zero contributors
  and p% dominance, secondary suppression over every period, category and total the batch
  prints), so one report alone prints what the whole batch prints: indicator levels and
  the ratios and growth rates built on them, the trend charts' points, hazard totals,
  categories (the chart draws published categories only), 重大/已整改/未整改/逾期, and
  relocation land — also inside the land outlook's scenario text, which drops a scenario
  built on withheld land. A withheld figure is replaced by the marker of
  :class:`~parkanalysis.share.rules.ShareRules`. The 数据核对 section (file names) is left
  out (cells tagged ``office_only``); the footer names no file, folder or hash.
* Counts of enterprises (规上企业数, 新投产企业数, D类企业数, 搬迁企业数) are published: a
  count is not an aggregate of enterprises' values. Figures published by the statistics
  bureau (``published_value``/``published_yoy_pct``) are public already and stay.
* Land-ledger figures (balance table, supply history, forecasts) are about parcels, not
  enterprises' statistics, and are not suppressed.

Layout:

* :mod:`~parkanalysis.report.kernel` — kernel state recorded after warm-up, restored after
  each report;
* :mod:`~parkanalysis.report.model` — the document model: blocks a section returns
  (headings, paragraphs, tables, figures, notes, 资料来源, placeholders);
* :mod:`~parkanalysis.report.display` — what sections build blocks with (tables get
  Chinese headers and formatted numbers);
* :mod:`~parkanalysis.report.writers` — HTML, DOCX and PDF writers of the model;
* :func:`load_cached` — the per-process dataset cache (:mod:`parkanalysis.dataset.cache`);
* :mod:`~parkanalysis.report.base` — what both reports share (dataset, park, share mode);
* :mod:`~parkanalysis.report.period` — :class:`PeriodReport`;
* :mod:`~parkanalysis.report.land` — :class:`LandReport`.
* :mod:`~parkanalysis.report.overview` — :class:`OverviewReport` (a zone's or province's parks
  ranked, with their total).

The names below are imported on first use (:pep:`562`): ``render`` plans a report with
:mod:`~parkanalysis.report.naming` and :mod:`~parkanalysis.report.texts` without importing
the sections, pandas or matplotlib; a notebook's ``from parkanalysis.report import
PeriodReport`` imports what it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.report.base import BALANCE_SUMMARY_ITEMS
    from parkanalysis.report.display import (
        HIDDEN_COLUMNS,
        HTML,
        Section,
        esc,
        html_block,
        image_html,
        paragraph,
        table_html,
    )
    from parkanalysis.report.kernel import remember_clean_state, restore_clean_state
    from parkanalysis.report.land import LandReport
    from parkanalysis.report.model import Document
    from parkanalysis.report.overview import OverviewReport
    from parkanalysis.report.period import (
        RULE_LABELS,
        SHARE_SAFE_RULES,
        PeriodReport,
    )

#: Public name → the module that owns it.
_OWNERS = {
    "load_cached": "parkanalysis.dataset.cache",
    "BALANCE_SUMMARY_ITEMS": "parkanalysis.report.base",
    "HIDDEN_COLUMNS": "parkanalysis.report.display",
    "HTML": "parkanalysis.report.display",
    "Section": "parkanalysis.report.display",
    "esc": "parkanalysis.report.display",
    "html_block": "parkanalysis.report.display",
    "image_html": "parkanalysis.report.display",
    "paragraph": "parkanalysis.report.display",
    "table_html": "parkanalysis.report.display",
    "remember_clean_state": "parkanalysis.report.kernel",
    "restore_clean_state": "parkanalysis.report.kernel",
    "LandReport": "parkanalysis.report.land",
    "Document": "parkanalysis.report.model",
    "OverviewReport": "parkanalysis.report.overview",
    "RULE_LABELS": "parkanalysis.report.period",
    "SHARE_SAFE_RULES": "parkanalysis.report.period",
    "PeriodReport": "parkanalysis.report.period",
}

__all__ = [
    "BALANCE_SUMMARY_ITEMS",
    "HIDDEN_COLUMNS",
    "HTML",
    "RULE_LABELS",
    "SHARE_SAFE_RULES",
    "Document",
    "LandReport",
    "OverviewReport",
    "PeriodReport",
    "Section",
    "esc",
    "html_block",
    "image_html",
    "load_cached",
    "paragraph",
    "remember_clean_state",
    "restore_clean_state",
    "table_html",
]


def __getattr__(name: str) -> Any:
    if name in _OWNERS:
        value = getattr(importlib.import_module(_OWNERS[name]), name)
        globals()[name] = value  # once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_OWNERS])
