"""Reading a park dataset: CSV/XLSX files with Chinese headers → validated canonical frames.

Usage: ``ds = load_dataset("data/sample")`` then ``ds.monthly``, ``ds.parcels`` …;
``validate_dataset(path).to_text()`` lists every finding without raising.

The contract (tables, columns, units, rules) is data/README.md.
"""

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
