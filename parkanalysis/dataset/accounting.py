"""Nothing left out in silence: every filled cell of a table file is read or has a finding.

After a folder has been read (:func:`.core.validate_dataset`), :func:`unread_content` reads
each table file again, as cells only (every visible sheet of a workbook — hidden sheets are
never read, as data/README.md says, and a hidden month sheet is reported; a CSV as text),
and accounts for every filled cell. Definitions (one place):

- A cell is **used** when its row became a row of the dataset (the file, sheet and Excel row
  of a parsed table's row) and its column's header — the nearest filled cell above it in the
  header rows over its table — is read: it names a field of the table (as ``sources:`` maps
  it), or is a row number (序号), a register's 企业状态 or 规上 flag, a month (a table with the
  months as columns), or is listed in ``sources.ignored``.
- A cell is **named** when a finding points at it: the finding's file and Excel row (a range
  ``第a-b行`` for ``table_not_read`` and ``notes_ignored``), its column (the header as written,
  or ``K列(空表头)``), its sheet (``sheet_not_read``), or the whole file
  (``unrecognised_file`` and the other findings about a file as a whole).
- A row that is not in the dataset and whose filled cells only say which row it is (企业代码 or
  企业名称, 序号: an enterprise with nothing reported on an indicator's sheet) holds no data.
- A cell is **structure** when its row is a title or header row — above the sheet's first
  dataset row, or the rows just above a later table's first row without a blank row between
  — a 合计/小计/总计 row (left out and checked against the rows above, :mod:`.layouts`) or a
  footer line (填表人 …, listed as ``footer_ignored``).

Every other filled cell is **unread content**: one ``content_not_read`` warning per sheet
names the sheet, the cells (``K3:K9``, up to ten ranges) and the first value.
``tests/test_accounting.py`` holds the definition on the layout writer's folders with random
extra material.

A file larger than :data:`MAX_ACCOUNTED_BYTES` is not accounted cell by cell (its cells would
cost gigabytes as Python objects); it gets one ``content_not_checked`` note instead, so the
check's absence is said, never silent.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from pathlib import Path

from parkanalysis.dataset.blocks import is_footer
from parkanalysis.dataset.office import column_letter
from parkanalysis.dataset.readers import header_lookup, match_header
from parkanalysis.dataset.schema import TableSpec
from parkanalysis.dataset.sources import Source, norm
from parkanalysis.errors import Finding

#: findings about a file as a whole (no row): every cell of the file is named by them
_WHOLE_FILE = ("unrecognised_file", "unreadable_file", "read_failure", "duplicate_table")
_RANGE = re.compile(r"第(\d+)-(\d+)行")
_TOTAL = re.compile(r"^[\u4e00-\u9fff]{0,8}(合计|小计|总计)$")
_LETTER = re.compile(r"^([A-Z]{1,3})列")
_MAX_RANGES = 10
#: a table file above this size is not accounted cell by cell (a ``content_not_checked`` note)
MAX_ACCOUNTED_BYTES = 8 * 2**20


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def sheet_cells(path: Path) -> dict[str | None, dict[int, dict[int, object]]]:
    """Every filled cell of ``path``: visible sheet (None for a CSV) → Excel row → column →
    value."""
    if path.suffix.lower() == ".csv":
        from parkanalysis.dataset.readers import detect_encoding

        data = path.read_bytes()
        encoding = detect_encoding(data) or "utf-8"
        text = data.decode(encoding, errors="replace").lstrip("\ufeff")
        head = text[:65536]
        delimiter = max((",", "\t", ";"), key=head.count)
        rows: dict[int, dict[int, object]] = {}
        for r, record in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            cells = {c: v for c, v in enumerate(record) if not _blank(v)}
            if cells:
                rows[r] = cells
        return {None: rows}
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out: dict[str | None, dict[int, dict[int, object]]] = {}
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue  # never read (data/README.md); a hidden month sheet is reported
            rows = {}
            for r, row in enumerate(ws.iter_rows(values_only=True), 1):
                cells = {c: v for c, v in enumerate(row) if not _blank(v)}
                if cells:
                    rows[r] = cells
            out[str(ws.title)] = rows
        return out
    finally:
        wb.close()


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _header_read(h: object, spec: TableSpec, lookup, source: Source | None) -> bool:
    from parkanalysis.dataset import words
    from parkanalysis.dataset.layouts import sheet_period, text_period
    from parkanalysis.dataset.office import ROW_NUMBER_HEADERS, above_size_year, is_flag_header

    if isinstance(h, dt.datetime | dt.date):
        return True  # a month as a column (a date cell)
    if not isinstance(h, str) or _numeric(h):
        return False  # a number (a CSV's too) is data, never a header
    text = norm(h)
    if match_header(h, lookup) is not None or text in ROW_NUMBER_HEADERS:
        return True
    if source is not None and (source.is_ignored(str(h)) or source.field_of(str(h))):
        return True
    if spec.name == "enterprises" and (
        text in words.STATUS_HEADERS or is_flag_header(text) or above_size_year(text)
    ):
        return True
    return sheet_period(h) is not None or text_period(h) is not None


def unread_content(
    files: Iterable[tuple[Path, TableSpec, Source | None]],
    used: dict[str, set[tuple[str | None, int]]],
    findings: Iterable[Finding],
    max_bytes: int | None = None,
) -> list[Finding]:
    """``content_not_read`` findings for the filled cells of ``files`` that are neither used,
    named nor structure (module docstring).

    ``used``: file name → ``(sheet, Excel row)`` of every row of the dataset read from it
    (sheet None: the file's one sheet, or not known). ``findings``: what the read reported.
    """
    findings = list(findings)
    max_bytes = MAX_ACCOUNTED_BYTES if max_bytes is None else max_bytes
    out = []
    for path, spec, source in files:
        about = [f for f in findings if f.file == path.name]
        if any(f.rule in _WHOLE_FILE and f.row is None for f in about):
            continue
        size = path.stat().st_size
        if size > max_bytes:
            out.append(
                Finding(
                    "info",
                    "content_not_checked",
                    f"文件较大({size / 2**20:.0f} MB,超过 {max_bytes / 2**20:.0f} MB),"
                    "未逐格核对是否有未读取的内容",
                    file=path.name,
                )
            )
            continue
        rows_used = used.get(path.name, set())
        lookup = header_lookup(spec)
        try:
            sheets = sheet_cells(path)
        except Exception:  # the reader has reported a file it cannot open
            continue
        for sheet, rows in sheets.items():
            cells = _unread_on_sheet(sheet, rows, rows_used, about, spec, lookup, source)
            if cells:
                out.append(_finding(path.name, sheet, cells))
    return out


def _named(sheet, about: list[Finding]) -> tuple[bool, set[int], set[str], set[str]]:
    """What findings name on ``sheet``: the whole sheet, rows, headers, column letters."""
    whole, rows, headers, letters = False, set(), set(), set()
    for f in about:
        other_sheet = sheet is not None and "工作表「" in f.message
        mine = sheet is None or f"工作表「{sheet}」" in f.message or not other_sheet
        if f.rule == "sheet_not_read" and f.column == sheet:
            whole = True
            continue
        if not mine and f.column != sheet:
            continue
        if f.rule in ("table_not_read", "notes_ignored") and (m := _RANGE.search(f.message)):
            rows.update(range(int(m.group(1)), int(m.group(2)) + 1))
        elif f.row is not None:
            rows.add(int(f.row))
        if f.column:
            headers.add(norm(f.column))
            if m := _LETTER.match(f.column):
                letters.add(m.group(1))
    return whole, rows, headers, letters


def _unread_on_sheet(sheet, rows, rows_used, about, spec, lookup, source) -> list:
    whole, named_rows, named_headers, letters = _named(sheet, about)
    if whole or not rows:
        return []
    # a CSV is one sheet (its rows may name the file as their sheet)
    used = {r for s, r in rows_used if s == sheet or s is None or sheet is None}
    order = sorted(rows)
    first_used = min((r for r in order if r in used), default=None)
    # header rows: above the first used row, and the rows just above each later run of used
    # rows (no blank row between)
    structure: set[int] = set()
    if first_used is not None:
        structure.update(r for r in order if r < first_used)
        for r in sorted(used):
            k = r - 1  # a later table's header: it names two columns at least, titles above it
            if k in used or k not in rows or k < first_used:
                continue
            heads = [v for v in rows[k].values() if _header_read(v, spec, lookup, source)]
            if len(heads) < 2 or any(
                not isinstance(v, str) or _numeric(v) for v in rows[k].values()
            ):
                continue
            structure.add(k)
            k -= 1
            while k in rows and k not in used and len({str(v) for v in rows[k].values()}) == 1:
                structure.add(k)
                k -= 1
    heads_of = sorted(structure)
    unread = []
    for r in order:
        cells = rows[r]
        if r in named_rows:
            continue
        texts = [v for v in cells.values() if isinstance(v, str)]
        first = cells[min(cells)]
        if is_footer(first) or any(_TOTAL.match(norm(t)) for t in texts):
            continue
        if r in structure:
            continue
        if r not in used:
            heads = [_header_above(rows, r, c, heads_of, structure) for c in cells]
            if not all(_names_row(h, lookup) for h in heads):  # else a row without data
                unread.extend((r, c, v) for c, v in cells.items())
            continue
        for c, v in cells.items():
            head = _header_above(rows, r, c, heads_of, structure)
            if head is not None and (
                _header_read(head, spec, lookup, source) or norm(head) in named_headers
            ):
                continue
            if column_letter(c) in letters:
                continue
            unread.append((r, c, v))
    return unread


def _names_row(h, lookup) -> bool:
    """A header of the columns that only say which row it is (企业代码/名称, 序号)."""
    from parkanalysis.dataset.office import ROW_NUMBER_HEADERS

    m = match_header(h, lookup) if h is not None else None
    return (m is not None and m[0] in ("enterprise_id", "enterprise_name")) or (
        h is not None and norm(h) in ROW_NUMBER_HEADERS
    )


def _header_above(rows, r: int, c: int, heads_of: list[int], structure: set[int]):
    """The nearest filled cell of column ``c`` in the header rows above row ``r``
    (``heads_of``: the structure rows, sorted)."""
    i = bisect.bisect_left(heads_of, r)
    if i == 0:
        return None
    k = heads_of[i - 1]
    while k > 0 and k in structure:
        if c in rows.get(k, {}):
            return rows[k][c]
        k -= 1
    return None


def _finding(file: str, sheet: str | None, cells: list) -> Finding:
    """One warning for the unread cells of a sheet, as ranges down each column."""
    by_column: dict[int, list[int]] = {}
    for r, c, _ in cells:
        by_column.setdefault(c, []).append(r)
    ranges = []
    for c in sorted(by_column):
        rs = sorted(by_column[c])
        start = prev = rs[0]
        for r in [*rs[1:], None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            letter = column_letter(c)
            ranges.append(f"{letter}{start}" + (f":{letter}{prev}" if prev != start else ""))
            if r is not None:
                start = prev = r
    r0, c0, v0 = min(cells, key=lambda t: (t[0], t[1]))
    where = f"工作表「{sheet}」" if sheet is not None else ""
    more = f" 等 {len(ranges)} 处" if len(ranges) > _MAX_RANGES else ""
    return Finding(
        "warning",
        "content_not_read",
        f"未读取的内容:{where}{'、'.join(ranges[:_MAX_RANGES])}{more},共 {len(cells)} 个单元格"
        f"(如 {column_letter(c0)}{r0}「{str(v0)[:30]}」)既没有读入数据,也没有其他提示说明原因;"
        "请检查它们是不是数据(必要时移到表格中或单独的工作表)",
        file=file,
        row=r0,
        column=column_letter(c0),
        value=str(v0)[:60],
    )
