"""What the analyst's questions share: indicators by id or name, the table tag, industries.

The lower room of :mod:`.questions` and :mod:`.monthly`: :func:`indicator_spec` finds an
indicator by id, Chinese name or monthly column; :func:`tag` records a result's table,
Chinese headers, units and note in ``frame.attrs["parkanalysis"]`` (what
:mod:`parkanalysis.explore.display` shows); :func:`with_industry` adds the GB/T 4754-2017
门类/大类 of each enterprise; :func:`land_of` is an enterprise's apportioned land, NaN without
land (never 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.labels import TABLE_ATTR

__all__ = [
    "ENTERPRISE_INDICATORS",
    "TABLE_ATTR",
    "indicator_spec",
    "land_of",
    "park_name",
    "tag",
    "with_industry",
]

#: Indicators with a per-enterprise value (flows and the employees stock).
ENTERPRISE_INDICATORS = (
    "industrial_output",
    "industrial_value_added",
    "fixed_asset_investment",
    "tax_revenue",
    "revenue",
    "employees",
)


def indicator_spec(indicator: str, allowed: Sequence[str] | None = None):
    """The IndicatorSpec named by an id, a Chinese name or a monthly column."""
    from parkanalysis.indicators import INDICATORS

    for s in INDICATORS:
        if indicator in (s.id, s.name) or (s.column == indicator and s.id in (allowed or ())):
            if allowed is not None and s.id not in allowed:
                break
            return s
    choices = allowed or [s.id for s in INDICATORS]
    names = {s.id: s.name for s in INDICATORS}
    raise ParameterError(
        f"指标 {indicator!r} 不支持;可选:" + "、".join(f"{i}({names[i]})" for i in choices)
    )


def tag(frame: pd.DataFrame, table: str, **meta: Any) -> pd.DataFrame:
    """Record ``table`` and ``meta`` (labels, units, note, caption, figures) in ``attrs``.

    None and empty texts or mappings are left out; a figure of 0 is kept.

    >>> tag(pd.DataFrame(), "monthly", note="", growth_pct=0.0).attrs["parkanalysis"]
    {'table': 'monthly', 'growth_pct': 0.0}
    """
    empty = (str, dict, list, tuple)
    kept = {k: v for k, v in meta.items() if v is not None and not (isinstance(v, empty) and not v)}
    frame.attrs[TABLE_ATTR] = {"table": table, **kept}
    return frame


def park_name(ds: Any, pid: str) -> str:
    """The park's name as park.yaml gives it."""
    return ds.profile.parks[pid].name


def with_industry(e: pd.DataFrame) -> pd.DataFrame:
    """``e`` (reindexed 0..n-1) with the 门类/大类 codes and names of its ``industry_code``."""
    from parkanalysis.industry import classify

    ind = classify(e["industry_code"].where(e["industry_code"].ne("nan")))
    return pd.concat([e.reset_index(drop=True), ind], axis=1)


def land_of(e: pd.DataFrame) -> pd.Series:
    """Apportioned land of each enterprise, NaN without land (never 0)."""
    area = e["area_mu"].astype("float64")
    return area.where(area > 0)
