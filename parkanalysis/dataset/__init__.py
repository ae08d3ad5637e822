"""Reading a park dataset: CSV/XLSX files with Chinese headers → validated canonical frames.

Usage: ``ds = load_dataset("data/sample")`` then ``ds.monthly``, ``ds.parcels`` …;
``validate_dataset(path).to_text()`` lists every finding without raising.

The contract (tables, columns, units, rules) is data/README.md.

The names below are imported on first use (:pep:`562`): reading park.yaml alone
(:mod:`~parkanalysis.dataset.description`, as ``render`` does to name a report) does not
import pandas; ``load_dataset`` does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parkanalysis.dataset.core import (
        Dataset,
        ValidationReport,
        find_table_files,
        load_dataset,
        validate_dataset,
    )
    from parkanalysis.dataset.description import Description, describe_dataset
    from parkanalysis.dataset.frames import cumulative_to_monthly, derive_above_size
    from parkanalysis.dataset.importers import import_landchina, import_tbhb, write_dataset
    from parkanalysis.dataset.profile import DEFAULT_CONFIG, ParkInfo, PhaseInfo, Profile
    from parkanalysis.dataset.readers import ReadLimits
    from parkanalysis.dataset.schema import TABLES, ColumnSpec, TableSpec

#: Public name → the submodule that owns it.
_OWNERS = {
    "Dataset": "core",
    "ValidationReport": "core",
    "find_table_files": "core",
    "load_dataset": "core",
    "validate_dataset": "core",
    "Description": "description",
    "describe_dataset": "description",
    "cumulative_to_monthly": "frames",
    "derive_above_size": "frames",
    "import_landchina": "importers",
    "import_tbhb": "importers",
    "write_dataset": "importers",
    "DEFAULT_CONFIG": "profile",
    "ParkInfo": "profile",
    "PhaseInfo": "profile",
    "Profile": "profile",
    "ReadLimits": "readers",
    "TABLES": "schema",
    "ColumnSpec": "schema",
    "TableSpec": "schema",
}

__all__ = [
    "DEFAULT_CONFIG",
    "TABLES",
    "ColumnSpec",
    "Dataset",
    "Description",
    "ParkInfo",
    "PhaseInfo",
    "Profile",
    "ReadLimits",
    "TableSpec",
    "ValidationReport",
    "cumulative_to_monthly",
    "derive_above_size",
    "describe_dataset",
    "find_table_files",
    "import_landchina",
    "import_tbhb",
    "load_dataset",
    "validate_dataset",
    "write_dataset",
]


def __getattr__(name: str) -> Any:
    if name in _OWNERS:
        value = getattr(importlib.import_module(f"{__name__}.{_OWNERS[name]}"), name)
        globals()[name] = value  # once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_OWNERS])
