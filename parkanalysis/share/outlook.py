"""The land outlook as a share copy may show it: scenarios built on withheld land dropped.

The relocation scenario adds the land of unfinished relocations (「若搬迁置换腾退土地(27.6亩)
如期实现」); when that land is withheld by the protected table, the scenario — its land, its
exhaustion year and its expansion need, from which the land could be recovered — is left out
of every table of the outlook (each frame with a ``scenario`` column).
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["without_scenarios"]


def _filtered(obj: Any, drop: set[str]) -> dict[str, Any]:
    import pandas as pd

    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, pd.DataFrame) and "scenario" in value.columns:
            keep = ~value["scenario"].isin(drop).to_numpy()
            changes[f.name] = value.loc[keep].reset_index(drop=True)
    return changes


def without_scenarios(report: Any, drop: set[str]) -> Any:
    """A copy of a :class:`~parkanalysis.land.LandOutlookReport` without the ``drop`` scenarios."""
    if not drop:
        return report
    outlook = dataclasses.replace(report.outlook, **_filtered(report.outlook, drop))
    return dataclasses.replace(report, outlook=outlook, **_filtered(report, drop))
