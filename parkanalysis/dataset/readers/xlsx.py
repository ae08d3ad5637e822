"""Reading an XLSX table: zip and size checks before openpyxl, the sheet's rows, formulas."""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from parkanalysis.dataset.readers.headers import (
    HEADER_SEARCH_ROWS,
    find_header,
    header_cell_excel_rows,
    header_cells,
    probe_header,
)
from parkanalysis.dataset.readers.limits import (
    ENV_MAX_XLSX_CELLS,
    OLE_MAGIC,
    XLSX_BYTES_PER_CELL,
    RawTable,
    ReadFailure,
    ReadLimits,
    describe,
    drop_blank_rows,
    fail,
    open_regular,
)
from parkanalysis.dataset.schema import TableSpec

#: Largest XLSX column read: tables have about twenty columns, so a cell far to the right (a
#: stray value in column XFD) is ignored instead of widening every row to 16384 cells.
MAX_XLSX_COLUMNS = 256

#: Most cells one sheet row may hold (Excel's own column limit).
XLSX_MAX_ROW_CELLS = 16384


def check_zip(path: Path, file: str, limits: ReadLimits) -> None:
    """Refuse XLSX files that are not zips, truncated, or would inflate beyond the limits."""
    with open_regular(path, file) as fh:
        size = os.fstat(fh.fileno()).st_size
        magic = fh.read(8)
    if size == 0:
        raise fail(file, "文件为空;请填入表头和数据,或删除该文件")
    if size > limits.max_xlsx_bytes:
        raise fail(
            file,
            f"文件过大({size / 2**20:.0f} MB,上限 {limits.max_xlsx_bytes / 2**20:.0f} MB);"
            "请拆分工作簿或另存为 CSV",
        )
    if magic == OLE_MAGIC:
        raise fail(
            file,
            "文件已加密(设置了打开密码)或是旧版 .xls 格式;请取消密码并另存为 .xlsx",
        )
    if not magic.startswith(b"PK"):
        raise fail(
            file,
            "文件不是 XLSX 工作簿(内容不是 Excel 格式,可能是改了扩展名的 CSV 或文本);"
            "请用 Excel 另存为 .xlsx,或把扩展名改回 .csv",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise fail(
            file, f"不是完整的 XLSX 文件(可能已损坏或被截断:{describe(exc, path)});请重新导出"
        ) from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise fail(
            file,
            f"工作簿解压后过大({total / 2**20:.0f} MB,上限 "
            f"{limits.max_xlsx_uncompressed_bytes / 2**20:.0f} MB),疑似压缩炸弹;请检查文件来源",
        )
    for info in infos:
        if info.file_size > 2**20 and info.file_size > limits.max_xlsx_ratio * max(
            info.compress_size, 1
        ):
            raise fail(
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
        raise fail(file, _too_many_cells(limits, f"工作表内容解压后 {xml / 2**20:.0f} MB,"))
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
                        raise fail(
                            file,
                            f"工作表一行超过 {XLSX_MAX_ROW_CELLS} 个单元格(超出 Excel 的列数上限),"
                            "文件可能已损坏;请用 Excel 另存为 .xlsx",
                        )
                if total > limits.max_xlsx_cells:
                    raise fail(file, _too_many_cells(limits, "单元格超过上限;"))
                chunk = fh.read(1 << 22)
            if tail:
                total += sum(tail.count(c) for c in cells)
                if total > limits.max_xlsx_cells:
                    raise fail(file, _too_many_cells(limits, "单元格超过上限;"))

    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                    count(zf, member)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError) as exc:
        raise fail(
            file, f"不是完整的 XLSX 文件(可能已损坏或被截断:{describe(exc, path)});请重新导出"
        ) from None


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell [^>]*ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_ranges(path: Path, member: str | None) -> list[tuple[int, int, int, int]]:
    """Merged ranges of the sheet XML ``member``: ``(first row, first col, last row, last col)``
    (1-based). They are listed after the cells, so the XML is read to its end."""
    if member is None:
        return []
    out = []
    try:
        with zipfile.ZipFile(path) as zf:
            if member not in zf.namelist():
                return []
            tail = b""
            with zf.open(member) as fh:
                while chunk := fh.read(1 << 20):
                    text = tail + chunk
                    if b"mergeCell" in text:
                        for m in _MERGE.finditer(text):
                            out.append(
                                (
                                    int(m.group(2)),
                                    _col(m.group(1)),
                                    int(m.group(4)),
                                    _col(m.group(3)),
                                )
                            )
                        cut = text.rfind(b"<")
                        tail = text[cut:] if cut >= 0 else b""
                    else:
                        tail = chunk[-64:]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return []
    return sorted(set(out))


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _fill_merged(body: list, merges, width: int) -> list[tuple[str, int, object]]:
    """Cells inside a merged range of the body take the range's top-left value, as Excel
    shows them; returns ``(range as written, how many cells were filled, the value)``."""
    at = {r: i for i, (r, _) in enumerate(body)}
    notes = []
    for r1, c1, r2, c2 in merges:
        if r1 not in at or (r1 == r2 and c1 == c2) or c1 > width:
            continue
        top = body[at[r1]][1][c1 - 1]
        if top is None:
            continue
        filled = 0
        for r in range(r1, r2 + 1):
            if r not in at:
                continue
            row = body[at[r]][1]
            for c in range(c1, min(c2, width) + 1):
                if (r, c) != (r1, c1) and row[c - 1] is None:
                    row[c - 1] = top
                    filled += 1
        if filled:
            ref = f"{_letters(c1)}{r1}:{_letters(c2)}{r2}"
            notes.append((ref, filled, top))
    return notes


def _header_groups(top: list, excel_row: int, merges, width: int) -> list[str]:
    """The header row ``top`` (Excel row ``excel_row``) as Excel shows it: a cell merged
    across columns stands over each of them.

    >>> _header_groups(["企业", "1月", None, None, "2月"], 1, [(1, 2, 1, 4)], 6)
    ['企业', '1月', '1月', '1月', '2月', '']
    """
    out = [("" if v is None else str(v).strip()) for v in (list(top) + [None] * width)[:width]]
    for r1, c1, r2, c2 in merges:
        if r1 <= excel_row <= r2 and c1 <= width and c2 > c1:
            top_left = out[c1 - 1] if r1 == excel_row else ""
            for c in range(c1, min(c2, width) + 1):
                if not out[c - 1]:
                    out[c - 1] = top_left
    return out


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _letters(col: int) -> str:
    out = ""
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


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


def _sheet_rows(
    ws, first_row: int, width: int | None, max_row: int | None = None, *, trim: bool = False
):
    """``(excel_row, values)`` of the non-blank rows of ``ws`` from ``first_row`` (1-based).

    ``width`` caps the columns read (at most :data:`MAX_XLSX_COLUMNS`): a stray cell in column
    XFD must not make every row 16384 cells wide. ``trim``: each row only as wide as its last
    filled cell (within ``width``), so that a caller sees how far the rows reach. Rows are
    taken as the sheet XML lists them (openpyxl's row parser, without its padding of missing
    rows), so the work is bounded by the cells in the file (counted by :func:`_count_cells`),
    not by the row numbers it names.
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
            if trim:
                filled = [c["column"] for c in cells if 1 <= c["column"] <= width
                          and not _blank(c["value"])]  # fmt: skip
                values = [None] * max(filled, default=0)
            else:
                values = [None] * width
            for cell in cells:
                column = cell["column"]
                if 1 <= column <= len(values):
                    values[column - 1] = cell["value"]
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
                yield row, values


def read_xlsx(path: Path, file: str, spec: TableSpec, limits: ReadLimits) -> RawTable:
    """Read the first visible sheet (or the sheet named after the table) with openpyxl."""
    wb = open_workbook(path, file, limits)
    try:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        if not visible:
            raise fail(file, "工作簿没有可见的工作表;请取消隐藏数据所在的工作表")
        names = {spec.name, spec.zh}
        ws = next((w for w in visible if str(w.title).strip() in names), visible[0])
        return read_sheet(path, file, wb, ws, spec)
    finally:
        wb.close()


def open_workbook(path: Path, file: str, limits: ReadLimits):
    """The checked workbook (:func:`check_zip`), opened read-only with cached values."""
    import openpyxl

    check_zip(path, file, limits)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise fail(file, f"无法打开工作簿({describe(exc, path)});请用 Excel 另存为 .xlsx") from None


def read_sheet(path: Path, file: str, wb, ws, spec: TableSpec) -> RawTable:
    """One sheet ``ws`` of the open workbook ``wb`` as a raw table (no header: no headers)."""
    sheet_index = wb.worksheets.index(ws)
    member = getattr(ws, "_worksheet_path", None)
    try:
        head = dict(_sheet_rows(ws, 1, None, HEADER_SEARCH_ROWS + 1))
        if not head:
            raise fail(
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
        first = header_index + span + 1
        # cells right of the header (a wider table stacked below, a note) are read as columns
        # with an empty header, and so reported, never cut off (up to MAX_XLSX_COLUMNS)
        body = list(_sheet_rows(ws, first, MAX_XLSX_COLUMNS, trim=True))
        width = max([len(headers), *(len(r) for _, r in body)])
        headers += [""] * (width - len(headers))
        body = [(r, values + [None] * (width - len(values))) for r, values in body]
        merges = _merged_ranges(path, member)
        merged = _fill_merged(body, merges, width)
        groups = _header_groups(grid[header_index], header_index + 1, merges, width)
    except ReadFailure:
        raise
    except Exception as exc:
        raise fail(file, f"工作表读取失败({describe(exc, path)});请重新导出") from None
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
    raw.title_rows = [
        str(c) for row in grid[:header_index] for c in row if c is not None and str(c).strip()
    ]
    raw.merged_cells = merged
    if span == 2:
        raw.header_cell_rows = header_cell_excel_rows(grid, header_index, width)
        raw.header_groups = groups
    if _sheet_has_formulas(path, member):
        cached = {r: v for r, v in body}
        raw.formula_cells = _uncached_formulas(path, file, sheet_index, cached, first, width)
    return drop_blank_rows(raw)


def _uncached_formulas(path: Path, file: str, sheet_index: int, cached: dict, first: int, width):
    """Cells holding a formula whose cached value is missing (never calculated by Excel)."""
    import openpyxl

    out = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise fail(file, f"无法打开工作簿({describe(exc, path)});请重新导出") from None
    try:
        ws = wb.worksheets[sheet_index]
        for r, row in _sheet_rows(ws, first, width):
            for c, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    values = cached.get(r)
                    if values is None or c >= len(values) or values[c] is None:
                        out.append((r, c, v))
    except Exception as exc:
        raise fail(file, f"工作表读取失败({describe(exc, path)});请重新导出") from None
    finally:
        wb.close()
    return out
