"""Reading one table file (CSV or XLSX) into a raw frame with Excel row numbers.

Nothing here interprets values: a :class:`RawTable` holds the header cells as written, the
data cells (str, or numbers the parser already recognised), and the row number Excel shows for
every data row. Problems with the file itself become :class:`ReadFailure` carrying an
``unreadable_file`` finding (never a MemoryError or a library traceback).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from parkanalysis.dataset._parse import normalize_header
from parkanalysis.dataset.schema import FLOAT, INT, TableSpec
from parkanalysis.errors import Finding
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


@dataclass(frozen=True)
class ReadLimits:
    """Guards against files too large to read safely (configurable per call).

    Parameters
    ----------
    max_csv_bytes : int, default 512 MiB
        Largest CSV file read (a 3.6M-row monthly table is about 200-250 MB).
    max_xlsx_bytes : int, default 100 MiB
        Largest XLSX file (compressed size on disk).
    max_xlsx_uncompressed_bytes : int, default 1 GiB
        Sum of the uncompressed sizes declared in the zip directory.
    max_xlsx_ratio : float, default 500
        Largest compression ratio of one zip member over 1 MiB (a zip bomb reaches ~1000).
    """

    max_csv_bytes: int = 512 * 2**20
    max_xlsx_bytes: int = 100 * 2**20
    max_xlsx_uncompressed_bytes: int = 2**30
    max_xlsx_ratio: float = 500.0


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


def _fail(file: str, message: str, value=None) -> ReadFailure:
    return ReadFailure(Finding("error", "unreadable_file", message, file=file, value=value))


# -- header detection -------------------------------------------------------------------------


def header_lookup(spec: TableSpec) -> dict[str, str]:
    """Map every accepted header spelling (normalised, lower case) to its column name."""
    out: dict[str, str] = {}
    for col in spec.columns:
        for name in (col.name, col.zh, *col.aliases):
            out[normalize_header(name).lower()] = col.name
    return out


def match_header(text: object, lookup: dict[str, str]) -> tuple[str, str | None] | None:
    """Return ``(column, unit)`` for a header cell, or None when it names no column."""
    norm = normalize_header(text)
    if not norm:
        return None
    if norm.lower() in lookup:
        return lookup[norm.lower()], None
    name, unit = split_header_unit(norm)
    # ``税收()`` (no unit in the brackets) names the column as well, with unit None
    if name != norm and name.lower() in lookup:
        return lookup[name.lower()], unit
    return None


def find_header(rows: list[list], spec: TableSpec) -> int | None:
    """Index of the first row naming all key columns of ``spec`` (None if none does)."""
    lookup = header_lookup(spec)
    keys = set(spec.keys)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        named = {m[0] for cell in row if (m := match_header(cell, lookup)) is not None}
        if keys <= named:
            return i
    return None


# -- CSV --------------------------------------------------------------------------------------


def _detect_encoding(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in ("utf-8", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)()
        try:
            for i in range(0, len(data), 1 << 23):
                dec.decode(data[i : i + (1 << 23)])
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return enc
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 1 << 20]).best()
    except Exception:  # pragma: no cover - detector failure is just "unknown"
        best = None
    return best.encoding if best is not None else None


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return out


def read_csv(path: Path, file: str, spec: TableSpec, limits: ReadLimits) -> RawTable:
    """Read a CSV table (UTF-8, UTF-8-BOM, GBK/GB18030, UTF-16) with the pandas C engine."""
    size = path.stat().st_size
    if size > limits.max_csv_bytes:
        raise _fail(
            file,
            f"文件过大({size / 2**20:.0f} MB,上限 {limits.max_csv_bytes / 2**20:.0f} MB);"
            "请按年份拆分文件,或调高读取上限(ReadLimits.max_csv_bytes)",
        )
    with path.open("rb") as fh:  # read-only: raw files are never modified
        data = fh.read()
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise _fail(file, "文件为空;请填入表头和数据,或删除该文件")
    if data.startswith(b"PK\x03\x04") or data.startswith(_OLE_MAGIC):
        raise _fail(file, "文件内容是 Excel 工作簿而不是 CSV;请把扩展名改为 .xlsx 或另存为 CSV")
    encoding = _detect_encoding(data)
    if encoding is None or (b"\x00" in data[:4096] and not encoding.startswith("utf-16")):
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
        return RawTable(
            spec.name, file, 0, [], pd.DataFrame(), np.array([], dtype="int64"), encoding=encoding
        )
    headers = [h.strip() for h in records[header_index]]
    lookup = header_lookup(spec)
    dtype = {}
    for i, h in enumerate(headers):
        m = match_header(h, lookup)
        numeric = m is not None and spec.column(m[0]).kind in (FLOAT, INT)
        if not numeric:
            dtype[i] = str
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            sep=delimiter,
            header=None,
            skiprows=header_index + 1,
            names=list(range(len(headers))),
            index_col=False,
            dtype=dtype,
            keep_default_na=False,
            na_values={i: CSV_NA_VALUES for i in range(len(headers))},
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(file, f"CSV 格式错误({exc});请检查引号和每行的列数是否与表头一致") from None
    except MemoryError:  # pragma: no cover
        raise _fail(file, "内存不足,无法读取该文件;请拆分文件") from None
    rows = np.arange(len(frame), dtype="int64") + header_index + 2
    return _drop_blank_rows(
        RawTable(spec.name, file, header_index + 1, headers, frame, rows, encoding=encoding)
    )


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
    size = path.stat().st_size
    if size == 0:
        raise _fail(file, "文件为空;请填入表头和数据,或删除该文件")
    if size > limits.max_xlsx_bytes:
        raise _fail(
            file,
            f"文件过大({size / 2**20:.0f} MB,上限 {limits.max_xlsx_bytes / 2**20:.0f} MB);"
            "请拆分工作簿或另存为 CSV",
        )
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic == _OLE_MAGIC:
        raise _fail(
            file,
            "文件已加密(设置了打开密码)或是旧版 .xls 格式;请取消密码并另存为 .xlsx",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(file, f"不是完整的 XLSX 文件(可能已损坏或被截断:{exc});请重新导出") from None
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


def _sheet_has_formulas(path: Path, sheet_index: int) -> bool:
    name = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            targets = (
                [name] if name in names else [n for n in names if n.startswith("xl/worksheets/")]
            )
            for n in targets:
                with zf.open(n) as fh:
                    while chunk := fh.read(1 << 20):
                        if b"<f>" in chunk or b"<f " in chunk or b":f>" in chunk:
                            return True
    except (zipfile.BadZipFile, OSError):
        return True
    return False


def read_xlsx(path: Path, file: str, spec: TableSpec, limits: ReadLimits) -> RawTable:
    """Read the first visible sheet (or the sheet named after the table) with openpyxl."""
    import openpyxl

    check_zip(path, file, limits)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _fail(
            file, f"无法打开工作簿({type(exc).__name__}: {exc});请用 Excel 另存为 .xlsx"
        ) from None
    try:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        if not visible:
            raise _fail(file, "工作簿没有可见的工作表;请取消隐藏数据所在的工作表")
        names = {spec.name, spec.zh}
        ws = next((w for w in visible if w.title.strip() in names), visible[0])
        sheet_index = wb.worksheets.index(ws)
        try:
            ws.reset_dimensions()
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        except Exception as exc:
            raise _fail(file, f"工作表读取失败({type(exc).__name__}: {exc});请重新导出") from None
    finally:
        wb.close()
    header_index = find_header(rows, spec)
    if header_index is None:
        return RawTable(spec.name, file, 0, [], pd.DataFrame(), np.array([], dtype="int64"))
    headers = ["" if v is None else str(v).strip() for v in rows[header_index]]
    width = len(headers)
    body = rows[header_index + 1 :]
    cells = [(r + [None] * width)[:width] for r in body]
    frame = pd.DataFrame(cells, columns=list(range(width)), dtype=object)
    raw = RawTable(
        spec.name,
        file,
        header_index + 1,
        headers,
        frame,
        np.arange(len(frame), dtype="int64") + header_index + 2,
    )
    if _sheet_has_formulas(path, sheet_index):
        raw.formula_cells = _uncached_formulas(path, sheet_index, rows, header_index + 1)
    return _drop_blank_rows(raw)


def _uncached_formulas(path: Path, sheet_index: int, values: list[list], start: int):
    """Cells holding a formula whose cached value is missing (never calculated by Excel)."""
    import openpyxl

    out = []
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = wb.worksheets[sheet_index]
        ws.reset_dimensions()
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            if r < start:
                continue
            for c, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    cached = values[r][c] if r < len(values) and c < len(values[r]) else None
                    if cached is None:
                        out.append((r + 1, c, v))
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
