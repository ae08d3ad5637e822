"""The land outlook as a share copy may show it: scenarios built on withheld land dropped.

The relocation scenario adds the land of unfinished relocations (「若搬迁置换腾退土地(27.6亩)
如期实现」); when that land is withheld by the protected table, the scenario — its land, its
exhaustion year and its expansion need, from which the land could be recovered — is left out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["without_scenarios"]


def without_scenarios(report: Any, drop: set[str]) -> Any:
    """A copy of a :class:`~parkanalysis.land.LandOutlookReport` without the ``drop`` scenarios."""
    if not drop:
        return report

    def keep(frame):
        return frame.loc[~frame["scenario"].isin(drop).to_numpy()].reset_index(drop=True)

    outlook = dataclasses.replace(
        report.outlook,
        exhaustion=keep(report.outlook.exhaustion),
        expansion_need=keep(report.outlook.expansion_need),
    )
    return dataclasses.replace(
        report,
        outlook=outlook,
        scenarios=keep(report.scenarios),
        exhaustion_probability=keep(report.exhaustion_probability),
    )
