"""Share mode: what a copy for circulation outside the office may print.

Layout (the model, read top-down):

* :mod:`~parkanalysis.share.rules` — primary suppression (threshold on non-zero
  contributors, p% and optional (n,k) dominance) and the ``share:`` settings of park.yaml.
* :mod:`~parkanalysis.share.cells` — the vocabulary: cell ids, cells, gates (a printed
  growth rate and the linear relation it declares).
* :mod:`~parkanalysis.share.table` — the linked table of one park and year (every period,
  category and total a batch prints, with their arithmetic relations; every earlier year's
  linked cells frozen inside it) and its secondary suppression, computed once from the data.
* :mod:`~parkanalysis.share.links` — the declared linear relations beyond sums: growth rates
  with entrants and leavers as cells, 近12个月 tax across the year boundary, 亩均税收 beside
  its area.
* :mod:`~parkanalysis.share.audit` — the attacker: linear programmes giving the tightest
  interval an outsider can derive for each withheld cell.
* :mod:`~parkanalysis.share.sidecar` — the machine-readable record written next to each share
  HTML and the ``share-audit`` of a folder of them.

Reports ask this package for protected figures; they never print a raw aggregate in share
mode. The rules for an office are in docs/SHARE.md.
"""

from parkanalysis.share.audit import Cell, Exposure, Relation, bounds, exposed
from parkanalysis.share.rules import SHARE_KEYS, ShareRules, share_rules
from parkanalysis.share.table import ProtectedYear, cell_id, protect_park_year

__all__ = [
    "SHARE_KEYS",
    "Cell",
    "Exposure",
    "ProtectedYear",
    "Relation",
    "ShareRules",
    "bounds",
    "cell_id",
    "exposed",
    "protect_park_year",
    "share_rules",
]
