"""Reading one table file (CSV or XLSX) into a raw frame with Excel row numbers.

Nothing here interprets values: a :class:`RawTable` holds the header cells as written, the
data cells (str, or numbers the parser already recognised), and the row number Excel shows for
every data row. Problems with the file itself become :class:`ReadFailure` carrying an
``unreadable_file`` finding (never a MemoryError or a library traceback).
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import os
import re
import stat
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from parkanalysis.dataset._parse import normalize_header
from parkanalysis.dataset.schema import FLOAT, INT, TableSpec
from parkanalysis.errors import Finding, ParameterError
from parkanalysis.units import MISSING_TOKENS, split_header_unit

#: How many rows at the top of a sheet may hold titles before the header.
HEADER_SEARCH_ROWS = 50

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: :data:`parkanalysis.units.MISSING_TOKENS` as the CSV parser must be given them: it compares
#: cells to exact strings before any normalisation, so the usual spellings are listed (case
#: variants, ``NaN``, the full-width ``－``). Rarer ones (``ＮＡ``) are found when parsing.
CSV_NA_VALUES = sorted(
    {v for t in MISSING_TOKENS for v in (t, t.upper(), t.capitalize())} | {"NaN", "－"}
)


#: Largest XLSX column read: tables have about twenty columns, so a cell far to the right (a
#: stray value in column XFD) is ignored instead of widening every row to 16384 cells.
MAX_XLSX_COLUMNS = 256

#: Environment variables overriding the defaults of :class:`ReadLimits` (in MiB, or cells).
ENV_MAX_CSV_MB = "PARKANALYSIS_MAX_CSV_MB"
ENV_MAX_XLSX_MB = "PARKANALYSIS_MAX_XLSX_MB"
ENV_MAX_XLSX_CELLS = "PARKANALYSIS_MAX_XLSX_CELLS"

#: Most XML bytes a sheet (plus the shared strings) may hold per cell allowed: a cell with a
#: long text is a few hundred bytes, so this bounds the parsing work of a file in the limits.
XLSX_BYTES_PER_CELL = 256

#: Most cells one sheet row may hold (Excel's own column limit).
XLSX_MAX_ROW_CELLS = 16384


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

    def header_row_of(self, position: int) -> int:
        """The Excel row of the header cell at ``position``."""
        if self.header_cell_rows is not None and position < len(self.header_cell_rows):
            return self.header_cell_rows[position]
        return self.header_row


def _describe(exc: BaseException, path: Path) -> str:
    """An exception as one short line, without the temporary folder of the file."""
    text = " ".join(str(exc).replace(str(path), path.name).split())
    return f"{type(exc).__name__}: {text[:200]}"


def _fail(file: str, message: str, value=None, row: int | None = None) -> ReadFailure:
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
    return _fail(file, f"这不是普通文件(是{kind});请换成导出的 CSV/XLSX 文件,或移出数据文件夹")


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
        raise _fail(file, f"无法读取文件({exc.strerror});请检查文件是否存在、可读") from None
    if not stat.S_ISREG(mode):
        raise _not_regular(mode, file)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise _not_regular(stat.S_IFDIR, file) from None
        raise _fail(file, f"无法读取文件({exc.strerror});请检查文件是否有读权限") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_regular(mode, file)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


# -- header detection -------------------------------------------------------------------------


def header_lookup(spec: TableSpec) -> dict[str, str]:
    """Map every accepted header spelling (normalised, lower case) to its column name."""
    out: dict[str, str] = {}
    for col in spec.columns:
        for name in (col.name, col.zh, *col.aliases):
            out[normalize_header(name).lower()] = col.name
    for name, column in spec.overrides:  # explicit mappings win; "" = deliberately not read
        out[normalize_header(name).lower()] = column
    return out


def match_header(text: object, lookup: dict[str, str]) -> tuple[str, str | None] | None:
    """Return ``(column, unit)`` for a header cell, or None when it names no column."""
    norm = normalize_header(text)
    if not norm:
        return None
    if norm.lower() in lookup:
        return (lookup[norm.lower()], None) if lookup[norm.lower()] else None
    name, unit = split_header_unit(norm)
    # ``税收()`` (no unit in the brackets) names the column as well, with unit None
    if name != norm and name.lower() in lookup:
        return (lookup[name.lower()], unit) if lookup[name.lower()] else None
    return None


def find_header(rows: list[list], spec: TableSpec) -> int | None:
    """Index of the first row naming all key columns of ``spec`` (None if none does).

    Key columns the spec marks optional (园区代码 of a one-park dataset, 企业代码 where the
    name stands in) need not be there; such a row must then name at least two columns.
    """
    lookup = header_lookup(spec)
    keys = {k for k in spec.keys if spec.column(k).required}
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = {m[0] for cell in row if (m := match_header(cell, lookup)) is not None}
        if keys <= named and (len(keys) == len(spec.keys) or len(named) >= 2):
            return i
    return None


def probe_header(rows: list[list], spec: TableSpec) -> tuple[int, list[str], list[str]] | None:
    """For a table whose header row was not found: the row most like a header.

    Returns ``(excel_row, key columns found, key columns not found)`` (Chinese names), or
    None when no row names any column.
    """
    lookup = header_lookup(spec)
    best, best_i = set(), None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = {m[0] for cell in row if (m := match_header(cell, lookup)) is not None}
        if len(named) > len(best):
            best, best_i = named, i
    if best_i is None:
        return None
    found = [spec.column(k).zh for k in spec.keys if k in best]
    missing = [spec.column(k).zh for k in spec.keys if k not in best and spec.column(k).required]
    return best_i + 1, found, missing


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def header_cells(rows: list[list], index: int, spec: TableSpec) -> tuple[list[str], int]:
    """The header cells of the header row ``index`` and how many rows the header spans.

    A two-row header (group headers merged across columns such as 「经济指标」 over 产值, 税收 …,
    the key columns merged down over both rows) is read as one: the second row's cell where it
    has one, else the first row's. The second row counts as part of the header when it is blank
    under every key column and names a column the first row does not.
    """
    top = ["" if v is None else str(v).strip() for v in rows[index]]
    if index + 1 >= len(rows):
        return top, 1
    sub = ["" if v is None else str(v).strip() for v in rows[index + 1]]
    lookup = header_lookup(spec)
    top_named = {m[0] for c in top if (m := match_header(c, lookup)) is not None}
    key_pos = [i for i, c in enumerate(top) if (m := match_header(c, lookup)) and m[0] in spec.keys]
    if any(i < len(sub) and sub[i] for i in key_pos):
        return top, 1
    new = [m[0] for c in sub if (m := match_header(c, lookup)) is not None]
    if not new or any(n in top_named for n in new):
        return top, 1
    width = max(len(top), len(sub))
    top += [""] * (width - len(top))
    sub += [""] * (width - len(sub))
    return [b if b else a for a, b in zip(top, sub, strict=True)], 2


# -- CSV --------------------------------------------------------------------------------------


class _Truncated(Exception):
    """The bytes are text in ``encoding`` except for an incomplete character at the very end."""

    def __init__(self, encoding: str):
        super().__init__(encoding)
        self.encoding = encoding


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether ``data`` is valid ``encoding``; :class:`_Truncated` if only its end is cut."""
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        for i in range(0, len(data), 1 << 23):
            dec.decode(data[i : i + (1 << 23)])
    except UnicodeDecodeError:
        return False
    try:
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _Truncated(encoding) from None
    return True


def _detect_encoding(data: bytes) -> str | None:
    """The encoding of ``data``; raises :class:`_Truncated` for text cut inside a character."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _decodes(data[3:], "utf-8") else None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16" if _decodes(data, "utf-16") else None
    truncated = None
    for enc in ("utf-8", "gb18030"):
        try:
            if _decodes(data, enc):
                return enc
        except _Truncated as exc:
            truncated = truncated or exc
    if truncated is not None:
        raise truncated
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 20]).best()
    except Exception:  # pragma: no cover - detector failure is just "unknown"
        best = None
    if best is None:
        return None
    try:
        return best.encoding if _decodes(data, best.encoding) else None
    except (_Truncated, LookupError):
        return None


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    # newline="": records end at \n, \r\n or a lone \r (old Mac files), as in pandas
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return out


def _line_count(data: bytes, encoding: str) -> int:
    """Number of line breaks in ``data`` (``\n``, else ``\r``), in any supported encoding."""
    if encoding.startswith("utf-16"):
        text = data.decode(encoding, errors="replace")
        return text.count("\n") or text.count("\r")
    return data.count(b"\n") or data.count(b"\r")


_PANDAS_LINE = re.compile(r"in line (\d+)")
_PANDAS_ROW = re.compile(r"starting at row (\d+)")


def _parser_error_row(message: str) -> int | None:
    """The Excel row named by a pandas tokenizer error (lines 1-based, rows 0-based)."""
    if m := _PANDAS_LINE.search(message):
        return int(m.group(1))
    if m := _PANDAS_ROW.search(message):
        return int(m.group(1)) + 1
    return None


def _check_last_record(data: bytes, encoding: str, delimiter: str, width: int, file: str):
    """A file not ending with a line break whose last row is short was cut off mid-row."""
    if encoding.startswith("utf-16"):
        text = data[-(1 << 16) :].decode(encoding, errors="ignore")
        if text.endswith(("\n", "\r")):
            return
        tail = text.replace("\r", "\n").rsplit("\n", 1)[-1]
    else:
        if data.endswith((b"\n", b"\r")):
            return
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        tail = data[cut + 1 :].decode(encoding, errors="replace")
    if not tail.strip() or tail.count('"') % 2:
        return  # blank, or inside a quoted field (the parser reports that)
    fields = next(csv.reader([tail], delimiter=delimiter), [])
    if 0 < len(fields) < width:
        raise _fail(
            file,
            f"最后一行只有 {len(fields)} 列(表头有 {width} 列)且没有换行结尾,文件可能被截断;"
            "请重新导出完整的文件",
            row=_line_count(data, encoding) + 1,
        )


def read_csv(path: Path, file: str, spec: TableSpec, limits: ReadLimits) -> RawTable:
    """Read a CSV table (UTF-8, UTF-8-BOM, GBK/GB18030, UTF-16) with the pandas C engine."""
    with open_regular(path, file) as fh:  # read-only: raw files are never modified
        size = os.fstat(fh.fileno()).st_size
        if size > limits.max_csv_bytes:
            raise _fail(
                file,
                f"文件过大({size / 2**20:.0f} MB,上限 {limits.max_csv_bytes / 2**20:.0f} MB);"
                "请按年份拆分文件,或调高读取上限(ReadLimits.max_csv_bytes,"
                f"或环境变量 {ENV_MAX_CSV_MB},单位 MB)",
            )
        data = fh.read(limits.max_csv_bytes + 1)
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise _fail(file, "文件为空;请填入表头和数据,或删除该文件")
    if data.startswith(b"PK\x03\x04") or data.startswith(_OLE_MAGIC):
        raise _fail(file, "文件内容是 Excel 工作簿而不是 CSV;请把扩展名改为 .xlsx 或另存为 CSV")
    try:
        encoding = _detect_encoding(data)
    except _Truncated as exc:
        raise _fail(
            file,
            f"文件末尾的字符不完整({exc.encoding} 编码的汉字被截断),文件可能没有完整保存或传输;"
            "请重新导出完整的文件",
            row=data.count(b"\n") + 1,
        ) from None
    if encoding is None or (b"\x00" in data and not encoding.startswith("utf-16")):
        raise _fail(file, "无法识别文件编码(不是文本文件?);请另存为 UTF-8 或 GBK 编码的 CSV")
    head_text = data[: 1 << 16].decode(encoding, errors="ignore")
    records = delimiter = header_index = None
    for delim in (",", "\t", ";"):
        recs = _head_records(head_text, delim)
        idx = find_header(recs, spec)
        if idx is not None:
            records, delimiter, header_index = recs, delim, idx
            break
    if records is None:
        records, delimiter, header_index = _head_records(head_text, ","), ",", None
    if header_index is None:
        raw = RawTable(
            spec.name, file, 0, [], pd.DataFrame(), np.array([], dtype="int64"), encoding=encoding
        )
        raw.header_probe = max(
            (probe_header(_head_records(head_text, d), spec) for d in (",", "\t", ";")),
            key=lambda p: -1 if p is None else len(p[1]),
        )
        return raw
    headers, span = header_cells(records, header_index, spec)
    _check_last_record(data, encoding, delimiter, len(headers), file)
    lookup = header_lookup(spec)
    dtype = {}
    for i, h in enumerate(headers):
        m = match_header(h, lookup)
        numeric = m is not None and spec.column(m[0]).kind in (FLOAT, INT)
        if not numeric:
            dtype[i] = "category"  # ids and months repeat: one string per distinct value
    try:
        with warnings.catch_warnings():
            # mixed numbers and text in a numeric column are parsed (and reported) later
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(
                io.BytesIO(data),
                encoding=encoding,
                sep=delimiter,
                header=None,
                skiprows=header_index + span,
                names=list(range(len(headers))),
                index_col=False,
                dtype=dtype,
                keep_default_na=False,
                na_values={i: CSV_NA_VALUES for i in range(len(headers))},
                skip_blank_lines=False,
                engine="c",
            )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        text = str(exc).strip()
        raise _fail(
            file,
            f"CSV 格式错误({text});请检查引号是否成对、每行的列数是否与表头一致",
            row=_parser_error_row(text),
        ) from None
    except MemoryError:  # pragma: no cover
        raise _fail(file, "内存不足,无法读取该文件;请拆分文件") from None
    del data
    first = header_index + span + 1  # Excel row of the first data row
    rows = np.arange(len(frame), dtype="int64") + first
    raw = RawTable(spec.name, file, header_index + 1, headers, frame, rows, encoding=encoding)
    if span == 2:
        raw.header_cell_rows = _header_cell_rows(records, header_index, len(headers))
    return _drop_blank_rows(raw)


def _header_cell_rows(records: list[list], index: int, width: int) -> list[int]:
    """Excel rows of the header cells of a two-row header (the lower row where it is filled)."""
    sub = records[index + 1] if index + 1 < len(records) else []
    return [index + 2 if i < len(sub) and not _blank(sub[i]) else index + 1 for i in range(width)]


def _drop_blank_rows(raw: RawTable) -> RawTable:
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


# -- XLSX -------------------------------------------------------------------------------------


def check_zip(path: Path, file: str, limits: ReadLimits) -> None:
    """Refuse XLSX files that are not zips, truncated, or would inflate beyond the limits."""
    with open_regular(path, file) as fh:
        size = os.fstat(fh.fileno()).st_size
        magic = fh.read(8)
    if size == 0:
        raise _fail(file, "文件为空;请填入表头和数据,或删除该文件")
    if size > limits.max_xlsx_bytes:
        raise _fail(
            file,
            f"文件过大({size / 2**20:.0f} MB,上限 {limits.max_xlsx_bytes / 2**20:.0f} MB);"
            "请拆分工作簿或另存为 CSV",
        )
    if magic == _OLE_MAGIC:
        raise _fail(
            file,
            "文件已加密(设置了打开密码)或是旧版 .xls 格式;请取消密码并另存为 .xlsx",
        )
    if not magic.startswith(b"PK"):
        raise _fail(
            file,
            "文件不是 XLSX 工作簿(内容不是 Excel 格式,可能是改了扩展名的 CSV 或文本);"
            "请用 Excel 另存为 .xlsx,或把扩展名改回 .csv",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(
            file, f"不是完整的 XLSX 文件(可能已损坏或被截断:{_describe(exc, path)});请重新导出"
        ) from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise _fail(
            file,
            f"工作簿解压后过大({total / 2**20:.0f} MB,上限 "
            f"{limits.max_xlsx_uncompressed_bytes / 2**20:.0f} MB),疑似压缩炸弹;请检查文件来源",
        )
    for info in infos:
        if info.file_size > 2**20 and info.file_size > limits.max_xlsx_ratio * max(
            info.compress_size, 1
        ):
            raise _fail(
                file,
                f"工作簿成员 {info.filename} 压缩比异常({info.file_size}/{info.compress_size}),"
                "疑似压缩炸弹;请检查文件来源",
            )
    xml = sum(
        i.file_size
        for i in infos
        if i.filename.startswith("xl/worksheets/") or i.filename == "xl/sharedStrings.xml"
    )
    if xml > limits.max_xlsx_cells * XLSX_BYTES_PER_CELL:
        raise _fail(file, _too_many_cells(limits, f"工作表内容解压后 {xml / 2**20:.0f} MB,"))
    _count_cells(path, file, limits)


def _too_many_cells(limits: ReadLimits, what: str) -> str:
    cap = limits.max_xlsx_cells
    return (
        f"工作簿过大({what}上限 {cap} 个单元格、"
        f"{cap * XLSX_BYTES_PER_CELL / 2**20:.0f} MB 表格内容);请按年份拆分工作簿或另存为 CSV,"
        f"或调高上限(ReadLimits.max_xlsx_cells,或环境变量 {ENV_MAX_XLSX_CELLS})"
    )


_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")


def _count_cells(path: Path, file: str, limits: ReadLimits) -> None:
    """Count the cells of every sheet's XML without parsing it (chunked, C-speed counting).

    openpyxl walks a whole sheet to size it when the sheet does not declare its dimension,
    and its parser costs work per cell, not per byte: a highly compressible sheet under the
    ratio guard can hold millions of tiny cells. So a sheet with more than
    ``limits.max_xlsx_cells`` cells, or a row with more than :data:`XLSX_MAX_ROW_CELLS`
    (the parser holds one row in memory), is refused before openpyxl opens the workbook.
    """

    def count(zf: zipfile.ZipFile, member: str) -> None:
        total = 0
        in_row = 0
        with zf.open(member) as fh:
            first = fh.read(1 << 22)
            m = _ROOT_TAG.search(first[: 1 << 16])
            prefix = m.group(1) or b"" if m else b""
            cells = [b"<" + prefix + b"c" + end for end in (b" ", b">", b"/")]
            row = b"<" + prefix + b"row"
            tail, chunk = b"", first
            while chunk:
                text = tail + chunk
                cut = text.rfind(b"<", max(0, len(text) - 64))  # keep a tag cut by the chunk
                body, tail = (text, b"") if cut < 0 else (text[:cut], text[cut:])
                for i, part in enumerate(body.split(row)):
                    n = sum(part.count(c) for c in cells)
                    in_row = n if i else in_row + n
                    total += n
                    if in_row > XLSX_MAX_ROW_CELLS:
                        raise _fail(
                            file,
                            f"工作表一行超过 {XLSX_MAX_ROW_CELLS} 个单元格(超出 Excel 的列数上限),"
                            "文件可能已损坏;请用 Excel 另存为 .xlsx",
                        )
                if total > limits.max_xlsx_cells:
                    raise _fail(file, _too_many_cells(limits, "单元格超过上限;"))
                chunk = fh.read(1 << 22)
            if tail:
                total += sum(tail.count(c) for c in cells)
                if total > limits.max_xlsx_cells:
                    raise _fail(file, _too_many_cells(limits, "单元格超过上限;"))

    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                    count(zf, member)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError) as exc:
        raise _fail(
            file, f"不是完整的 XLSX 文件(可能已损坏或被截断:{_describe(exc, path)});请重新导出"
        ) from None


def _sheet_has_formulas(path: Path, member: str | None) -> bool:
    """Whether the sheet XML ``member`` holds a formula (every sheet's XML when unknown)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            targets = (
                [member]
                if member in names
                else [n for n in names if n.startswith("xl/worksheets/")]
            )
            for n in targets:
                tail = b""
                with zf.open(n) as fh:
                    while chunk := fh.read(1 << 20):
                        text = tail + chunk  # a tag may straddle two chunks
                        if b"<f>" in text or b"<f " in text or b":f>" in text or b":f " in text:
                            return True
                        tail = chunk[-8:]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return True
    return False


def _sheet_rows(ws, first_row: int, width: int | None, max_row: int | None = None):
    """``(excel_row, values)`` of the non-blank rows of ``ws`` from ``first_row`` (1-based).

    ``width`` caps the columns read (at most :data:`MAX_XLSX_COLUMNS`): a stray cell in column
    XFD must not make every row 16384 cells wide. Rows are taken as the sheet XML lists them
    (openpyxl's row parser, without its padding of missing rows), so the work is bounded by
    the cells in the file (counted by :func:`_count_cells`), not by the row numbers it names.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    width = min(width or MAX_XLSX_COLUMNS, MAX_XLSX_COLUMNS)
    wb = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=wb.data_only,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for row, cells in parser.parse():
            if max_row is not None and row > max_row:
                break
            if row < first_row:
                continue
            values = [None] * width
            for cell in cells:
                column = cell["column"]
                if 1 <= column <= width:
                    values[column - 1] = cell["value"]
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
                yield row, values


def read_xlsx(path: Path, file: str, spec: TableSpec, limits: ReadLimits) -> RawTable:
    """Read the first visible sheet (or the sheet named after the table) with openpyxl."""
    import openpyxl

    check_zip(path, file, limits)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _fail(
            file, f"无法打开工作簿({_describe(exc, path)});请用 Excel 另存为 .xlsx"
        ) from None
    try:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        if not visible:
            raise _fail(file, "工作簿没有可见的工作表;请取消隐藏数据所在的工作表")
        names = {spec.name, spec.zh}
        ws = next((w for w in visible if str(w.title).strip() in names), visible[0])
        sheet_index = wb.worksheets.index(ws)
        member = getattr(ws, "_worksheet_path", None)
        try:
            head = dict(_sheet_rows(ws, 1, None, HEADER_SEARCH_ROWS + 1))
            if not head:
                raise _fail(
                    file,
                    f"工作表「{ws.title}」为空(前 {HEADER_SEARCH_ROWS} 行没有任何内容);"
                    "请把数据放在第一个可见的工作表,或删除该文件",
                )
            grid = [head.get(r, []) for r in range(1, max(head) + 1)]
            header_index = find_header(grid, spec)
            if header_index is None:
                raw = RawTable(spec.name, file, 0, [], pd.DataFrame(), np.array([], dtype="int64"))
                raw.header_probe = probe_header(grid, spec)
                return raw
            headers, span = header_cells(grid, header_index, spec)
            while headers and not headers[-1]:
                headers.pop()
            width = len(headers)
            first = header_index + span + 1
            body = list(_sheet_rows(ws, first, width))
        except ReadFailure:
            raise
        except Exception as exc:
            raise _fail(file, f"工作表读取失败({_describe(exc, path)});请重新导出") from None
    finally:
        wb.close()
    cells = [(r + [None] * width)[:width] for _, r in body]
    frame = pd.DataFrame(cells, columns=list(range(width)), dtype=object)
    raw = RawTable(
        spec.name,
        file,
        header_index + 1,
        headers,
        frame,
        np.array([r for r, _ in body], dtype="int64"),
    )
    if span == 2:
        raw.header_cell_rows = _header_cell_rows(grid, header_index, width)
    if _sheet_has_formulas(path, member):
        cached = {r: v for r, v in body}
        raw.formula_cells = _uncached_formulas(path, file, sheet_index, cached, first, width)
    return _drop_blank_rows(raw)


def _uncached_formulas(path: Path, file: str, sheet_index: int, cached: dict, first: int, width):
    """Cells holding a formula whose cached value is missing (never calculated by Excel)."""
    import openpyxl

    out = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise _fail(file, f"无法打开工作簿({_describe(exc, path)});请重新导出") from None
    try:
        ws = wb.worksheets[sheet_index]
        for r, row in _sheet_rows(ws, first, width):
            for c, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    values = cached.get(r)
                    if values is None or c >= len(values) or values[c] is None:
                        out.append((r, c, v))
    except Exception as exc:
        raise _fail(file, f"工作表读取失败({_describe(exc, path)});请重新导出") from None
    finally:
        wb.close()
    return out


def read_table_file(path: Path, file: str, spec: TableSpec, limits: ReadLimits) -> RawTable:
    """Read ``path`` as a CSV or XLSX table according to its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path, file, spec, limits)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, file, spec, limits)
    raise _fail(file, f"不支持的文件格式 {suffix};请另存为 .csv 或 .xlsx")
