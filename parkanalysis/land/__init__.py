"""Land accounting: the ledger → 用地平衡表, 土地集约利用 ratios, supply history, 尚可供地年数.

What a park *declares* (park.yaml, 亩) and what its ledger *records* (parcels) are shown side
by side and never forced to close: the residual is reported (the sample keeps the seed's
3585 − 450 − 414 − 175 − 2508 = 38 亩).

Conventions used throughout
---------------------------
* **as_of** – every figure is "as of" a date. A parcel whose approval or supply date falls
  after ``as_of`` counts as not yet approved / not yet supplied. Construction status,
  building areas, investment and current use are the ledger's *current* record (the ledger
  keeps no dates for them); they only count on parcels supplied by ``as_of``.
* **Public land** is planned use 道路 / 绿地 / 水域 (never supplied). Everything else — also
  公共设施 supplied by 划拨 — is usable (可利用) land; 公共设施 is shown as a 其中 line.
* **Remaining supplyable** (尚可供应土地) = usable, approved (已报批) and not supplied by
  ``as_of`` (已批未供). Unapproved usable land is reported separately, not counted.
* **Industrial land** (工矿仓储用地) = current use (planned use where blank) 工业 or 仓储物流.
* **尚可供地年数** = remaining supplyable ÷ average annual supply of the last N *complete*
  calendar years before ``as_of`` (N = ``config.land.supply_window_years``, default 3).

The planning question — when does the land run out, how much expansion is needed — is
answered by :func:`land_outlook_for`, which feeds the ledger into
:func:`parkanalysis.forecast.land_outlook`.

Layout: :mod:`~parkanalysis.land.ledger` (as-of date, parcel states, 用地平衡表) →
:mod:`~parkanalysis.land.ratios` (evaluation ratios) and :mod:`~parkanalysis.land.history`
(supply transactions, annual supply, 尚可供地年数) → :mod:`~parkanalysis.land.indicators`
(the indicator rows) and :mod:`~parkanalysis.land.projection` (the outlook computed, with the
scenarios of :mod:`~parkanalysis.land.scenarios`) → :mod:`~parkanalysis.land.outlook` (the
outlook report and its text).
"""

from parkanalysis.land.history import (
    SupplyYears,
    supply_history,
    supply_transactions,
    years_of_supply_left,
)
from parkanalysis.land.indicators import land_indicators
from parkanalysis.land.ledger import (
    INDUSTRIAL_USES,
    PUBLIC_USES,
    balance_table,
    data_end,
    resolve_as_of,
)
from parkanalysis.land.outlook import LandOutlookReport
from parkanalysis.land.projection import land_outlook_for, release_backtest
from parkanalysis.land.ratios import land_ratios
from parkanalysis.land.ratios import tax_last_12_months as tax_last_12_months
from parkanalysis.land.scenarios import relocation_release_year

__all__ = [
    "INDUSTRIAL_USES",
    "PUBLIC_USES",
    "LandOutlookReport",
    "SupplyYears",
    "balance_table",
    "data_end",
    "land_indicators",
    "land_outlook_for",
    "land_ratios",
    "release_backtest",
    "relocation_release_year",
    "resolve_as_of",
    "supply_history",
    "supply_transactions",
    "years_of_supply_left",
]
