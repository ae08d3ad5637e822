"""What every reader shares: the read limits, the failure, the raw table, opening a file.

Nothing in the readers interprets values: a :class:`RawTable` holds the header cells as
written, the data cells (str, or numbers the parser already recognised), and the row number
Excel shows for every data row. Problems with the file itself become :class:`ReadFailure`
carrying an ``unreadable_file`` finding (never a MemoryError or a library traceback).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from parkanalysis.errors import Finding, ParameterError

if TYPE_CHECKING:  # pandas is imported by the readers that make frames, not to open a file
    import numpy as np
    import pandas as pd

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: Environment variables overriding the defaults of :class:`ReadLimits` (in MiB, or cells).
ENV_MAX_CSV_MB = "PARKANALYSIS_MAX_CSV_MB"
ENV_MAX_XLSX_MB = "PARKANALYSIS_MAX_XLSX_MB"
ENV_MAX_XLSX_CELLS = "PARKANALYSIS_MAX_XLSX_CELLS"

#: Most XML bytes a sheet (plus the shared strings) may hold per cell allowed: a cell with a
#: long text is a few hundred bytes, so this bounds the parsing work of a file in the limits.
XLSX_BYTES_PER_CELL = 256


def _env_bytes(name: str, default: int) -> int:
    """``default`` bytes, or the MiB given in the environment variable ``name``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        mb = float(text)
    except ValueError:
        mb = float("nan")
    if not mb > 0 or mb == float("inf"):
        raise ParameterError(f"环境变量 {name} 应为正数(单位 MB),得到 {text!r}")
    return int(mb * 2**20)


def _env_cells(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        cells = int(text)
    except ValueError:
        cells = 0
    if cells <= 0:
        raise ParameterError(f"环境变量 {name} 应为正整数(单元格数),得到 {text!r}")
    return cells


def _default_xlsx_cells() -> int:
    return _env_cells(ENV_MAX_XLSX_CELLS, 1_000_000)


def _default_csv_bytes() -> int:
    return _env_bytes(ENV_MAX_CSV_MB, 512 * 2**20)


def _default_xlsx_bytes() -> int:
    return _env_bytes(ENV_MAX_XLSX_MB, 100 * 2**20)


@dataclass(frozen=True)
class ReadLimits:
    """Guards against files too large to read safely (configurable per call).

    Parameters
    ----------
    max_csv_bytes : int, default 512 MiB
        Largest CSV file read (a 3.6M-row monthly table is about 200-250 MB). The environment
        variable ``PARKANALYSIS_MAX_CSV_MB`` changes the default (e.g. ``1024``).
    max_xlsx_bytes : int, default 100 MiB
        Largest XLSX file (compressed size on disk); ``PARKANALYSIS_MAX_XLSX_MB`` changes it.
    max_xlsx_uncompressed_bytes : int, default 1 GiB
        Sum of the uncompressed sizes declared in the zip directory.
    max_xlsx_ratio : float, default 500
        Largest compression ratio of one zip member over 1 MiB (a zip bomb reaches ~1000).
    max_xlsx_cells : int, default 1 000 000
        Most cells a sheet may hold (e.g. 50 000 rows of 20 columns); the variable
        ``PARKANALYSIS_MAX_XLSX_CELLS`` changes it. The sheet XML with the shared strings may
        hold at most :data:`XLSX_BYTES_PER_CELL` bytes per allowed cell (244 MB by default),
        checked before any parsing; cells are counted while reading, so a workbook within the
        limits reads in seconds and bounded memory, whatever its compression ratio.
    """

    max_csv_bytes: int = field(default_factory=_default_csv_bytes)
    max_xlsx_bytes: int = field(default_factory=_default_xlsx_bytes)
    max_xlsx_uncompressed_bytes: int = 2**30
    max_xlsx_ratio: float = 500.0
    max_xlsx_cells: int = field(default_factory=_default_xlsx_cells)


class ReadFailure(Exception):
    """A file cannot be read; carries the finding to report."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


@dataclass
class RawTable:
    """A table as read: header cells, data cells by position, Excel row numbers."""

    table: str
    file: str
    header_row: int
    headers: list[str]
    data: pd.DataFrame
    rows: np.ndarray
    formula_cells: list[tuple[int, int, str]] = field(default_factory=list)
    encoding: str | None = None
    #: Excel row of each header cell when the header spans two rows (merged group headers)
    header_cell_rows: list[int] | None = None
    #: when no header row was found: the row most like one, key columns found, not found
    header_probe: tuple[int, list[str], list[str]] | None = None
    #: positions of columns the package added (e.g. 企业代码 looked up from names)
    derived_positions: set[int] = field(default_factory=set)
    #: cells as written, by position, where the package replaced them (credit codes → ids)
    rewritten: dict[int, np.ndarray] = field(default_factory=dict)
    #: the text cells above the header (title rows), as written
    title_rows: list[str] = field(default_factory=list)
    #: what reading the file's structure inferred, for ``init`` (see :mod:`..layouts`)
    layout_notes: list[str] = field(default_factory=list)
    #: the sheet of each row, when the table was read from several sheets of a workbook
    row_sheets: np.ndarray | None = None
    #: each row is read from the same Excel row of several sheets (months as columns, a sheet
    #: per indicator): ``row_sheets`` names one of them
    rows_span_sheets: bool = False
    #: merged ranges of the body filled as Excel shows them: (range, cells filled, value)
    merged_cells: list[tuple[str, int, object]] = field(default_factory=list)
    #: a two-row header's upper row as Excel shows it (a cell merged across columns fills
    #: them all), by position: the group each column stands under (「1月」 over 产值, 税收 …)
    header_groups: list[str] | None = None

    def append_column(self, header: str, values) -> None:
        """Add a column the package derived (e.g. 企业代码 looked up from names)."""
        import pandas as pd

        pos = len(self.headers)
        self.headers = [*self.headers, header]
        self.derived_positions.add(pos)
        self.data[pos] = pd.Series(values, index=self.data.index, dtype=object)
        if self.header_cell_rows is not None:
            self.header_cell_rows = [*self.header_cell_rows, self.header_row]

    def header_row_of(self, position: int) -> int:
        """The Excel row of the header cell at ``position``."""
        if self.header_cell_rows is not None and position < len(self.header_cell_rows):
            return self.header_cell_rows[position]
        return self.header_row


def describe(exc: BaseException, path: Path) -> str:
    """An exception as one short line, without the temporary folder of the file."""
    text = " ".join(str(exc).replace(str(path), path.name).split())
    return f"{type(exc).__name__}: {text[:200]}"


def fail(file: str, message: str, value=None, row: int | None = None) -> ReadFailure:
    return ReadFailure(
        Finding("error", "unreadable_file", message, file=file, row=row, value=value)
    )


# -- opening files ----------------------------------------------------------------------------

_KINDS = (
    (stat.S_ISDIR, "文件夹"),
    (stat.S_ISFIFO, "命名管道(FIFO)"),
    (stat.S_ISCHR, "字符设备"),
    (stat.S_ISBLK, "块设备"),
    (stat.S_ISSOCK, "套接字"),
)


def _not_regular(mode: int, file: str) -> ReadFailure:
    kind = next((name for test, name in _KINDS if test(mode)), "特殊文件")
    return fail(file, f"这不是普通文件(是{kind});请换成导出的 CSV/XLSX 文件,或移出数据文件夹")


def open_regular(path: Path, file: str):
    """Open ``path`` for reading only if it is a regular file (symlinks to one are fine).

    The file is looked at before it is opened (a FIFO would block the open, a symlink to
    ``/dev/zero`` never ends) and opened with ``O_NONBLOCK`` so that a file swapped for a
    FIFO in between cannot block either; the opened descriptor is checked again.

    Raises :class:`ReadFailure` (``unreadable_file``) for folders, FIFOs, devices, sockets,
    dangling links and files that cannot be opened.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise fail(file, f"无法读取文件({exc.strerror});请检查文件是否存在、可读") from None
    if not stat.S_ISREG(mode):
        raise _not_regular(mode, file)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise _not_regular(stat.S_IFDIR, file) from None
        raise fail(file, f"无法读取文件({exc.strerror});请检查文件是否有读权限") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_regular(mode, file)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def drop_blank_rows(raw: RawTable) -> RawTable:
    import numpy as np

    frame = raw.data
    if frame.shape[1] == 0 or len(frame) == 0:
        return raw
    blank = np.ones(len(frame), dtype=bool)
    for col in frame.columns:  # missing tokens and "" are already NaN/None here
        blank &= frame[col].isna().to_numpy()
        if not blank.any():
            return raw
    if blank.any():
        keep = ~blank
        raw.data = frame.loc[keep].reset_index(drop=True)
        raw.rows = raw.rows[keep]
    return raw
