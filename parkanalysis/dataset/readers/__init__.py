"""Reading one table file (CSV or XLSX) into a raw frame with Excel row numbers.

:func:`read_table_file` picks the reader by the file's suffix. Layout::

    limits.py    read limits (ReadLimits, environment variables), ReadFailure, RawTable,
                 opening only regular files
    headers.py   header detection: the header row, header spellings → columns, two-row headers
    csvfile.py   CSV: encoding detection, delimiter, pandas' C parser and its errors
    xlsx.py      XLSX: zip/size/cell checks before openpyxl, the sheet's rows, formulas
    __init__.py  read_table_file; re-exports every name used elsewhere

The re-exported names are imported on first use (:pep:`562`): park.yaml's reader needs
``open_regular`` and ``ReadFailure`` only, not pandas' CSV parser nor openpyxl.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parkanalysis.dataset.readers.limits import (
    RawTable,
    ReadFailure,
    ReadLimits,
    fail,
    open_regular,
)

if TYPE_CHECKING:
    from parkanalysis.dataset.readers.csvfile import detect_encoding, read_csv
    from parkanalysis.dataset.readers.headers import header_lookup, match_header
    from parkanalysis.dataset.readers.xlsx import (
        MAX_XLSX_COLUMNS,
        open_workbook,
        read_sheet,
        read_xlsx,
    )
    from parkanalysis.dataset.schema import TableSpec

#: Re-exported name → the module that owns it (imported on first use).
_OWNERS = {
    "detect_encoding": "csvfile",
    "read_csv": "csvfile",
    "header_lookup": "headers",
    "match_header": "headers",
    "MAX_XLSX_COLUMNS": "xlsx",
    "open_workbook": "xlsx",
    "read_sheet": "xlsx",
    "read_xlsx": "xlsx",
}

__all__ = [
    "MAX_XLSX_COLUMNS",
    "RawTable",
    "ReadFailure",
    "ReadLimits",
    "detect_encoding",
    "header_lookup",
    "match_header",
    "open_regular",
    "open_workbook",
    "read_csv",
    "read_sheet",
    "read_table_file",
    "read_xlsx",
]


def __getattr__(name: str) -> Any:
    if name in _OWNERS:
        value = getattr(importlib.import_module(f"{__name__}.{_OWNERS[name]}"), name)
        globals()[name] = value  # once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_OWNERS])


def read_table_file(path: Path, file: str, spec: TableSpec, limits: ReadLimits) -> RawTable:
    """Read ``path`` as a CSV or XLSX table according to its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from parkanalysis.dataset.readers.csvfile import read_csv

        return read_csv(path, file, spec, limits)
    if suffix in (".xlsx", ".xlsm"):
        from parkanalysis.dataset.readers.xlsx import read_xlsx

        return read_xlsx(path, file, spec, limits)
    raise fail(file, f"不支持的文件格式 {suffix};请另存为 .csv 或 .xlsx")
