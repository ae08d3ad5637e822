"""Reading a CSV table: encoding detection, the delimiter, pandas' C parser, its errors."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from parkanalysis.dataset.readers.headers import (
    HEADER_SEARCH_ROWS,
    find_header,
    header_cell_excel_rows,
    header_cells,
    header_lookup,
    match_header,
    probe_header,
)
from parkanalysis.dataset.readers.limits import (
    ENV_MAX_CSV_MB,
    OLE_MAGIC,
    RawTable,
    ReadLimits,
    drop_blank_rows,
    fail,
    open_regular,
)
from parkanalysis.dataset.schema import FLOAT, INT, TableSpec
from parkanalysis.units import MISSING_TOKENS

#: :data:`parkanalysis.units.MISSING_TOKENS` as the CSV parser must be given them: it compares
#: cells to exact strings before any normalisation, so the usual spellings are listed (case
#: variants, ``NaN``, the full-width ``－``). Rarer ones (``ＮＡ``) are found when parsing.
CSV_NA_VALUES = sorted(
    {v for t in MISSING_TOKENS for v in (t, t.upper(), t.capitalize())} | {"NaN", "－"}
)


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


def detect_encoding(data: bytes) -> str | None:
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
        raise fail(
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
            raise fail(
                file,
                f"文件过大({size / 2**20:.0f} MB,上限 {limits.max_csv_bytes / 2**20:.0f} MB);"
                "请按年份拆分文件,或调高读取上限(ReadLimits.max_csv_bytes,"
                f"或环境变量 {ENV_MAX_CSV_MB},单位 MB)",
            )
        data = fh.read(limits.max_csv_bytes + 1)
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise fail(file, "文件为空;请填入表头和数据,或删除该文件")
    if data.startswith(b"PK\x03\x04") or data.startswith(OLE_MAGIC):
        raise fail(file, "文件内容是 Excel 工作簿而不是 CSV;请把扩展名改为 .xlsx 或另存为 CSV")
    try:
        encoding = detect_encoding(data)
    except _Truncated as exc:
        raise fail(
            file,
            f"文件末尾的字符不完整({exc.encoding} 编码的汉字被截断),文件可能没有完整保存或传输;"
            "请重新导出完整的文件",
            row=data.count(b"\n") + 1,
        ) from None
    if encoding is None or (b"\x00" in data and not encoding.startswith("utf-16")):
        raise fail(file, "无法识别文件编码(不是文本文件?);请另存为 UTF-8 或 GBK 编码的 CSV")
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
                na_values=CSV_NA_VALUES,  # every column (one set, not one per column)
                skip_blank_lines=False,
                engine="c",
            )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        text = str(exc).strip()
        raise fail(
            file,
            f"CSV 格式错误({text});请检查引号是否成对、每行的列数是否与表头一致",
            row=_parser_error_row(text),
        ) from None
    except MemoryError:  # pragma: no cover
        raise fail(file, "内存不足,无法读取该文件;请拆分文件") from None
    del data
    first = header_index + span + 1  # Excel row of the first data row
    rows = np.arange(len(frame), dtype="int64") + first
    raw = RawTable(spec.name, file, header_index + 1, headers, frame, rows, encoding=encoding)
    if span == 2:
        raw.header_cell_rows = header_cell_excel_rows(records, header_index, len(headers))
    return drop_blank_rows(raw)
