"""Several tables stacked on one sheet: each read when it is the table, else reported.

An office sheet may hold a second table under the first — the register of 在营企业, blank
rows, then a titled 迁出企业 list; March's statistics, then April's — and a reader that
takes the first header finds the second one's title and header among its data rows. Here
the rows under a table's header are split into **blocks** (definitions, one place):

- A **block header** is a row under the table's header that names again the key columns
  the sheet's header names (企业代码 or 企业名称 …) and two columns at least (a header
  repeated on every printed page is one too). A block starts there; the rows of one text
  just above it (after the previous block's data) are its **title** rows.
- A **foreign table** starts at a title row (one text, or a title merged across columns)
  that follows blank rows and is
  followed by a row of at least two text cells and no number that does not name the table's
  keys (another table's header). It runs to the next block header or the end of the sheet.
  Its rows are not read and are listed as ``table_not_read`` — an error when its header names
  at least two of the table's columns (it looks like this table, and its rows would be lost),
  else a warning — naming the sheet, the rows and the title.
- Each block's cells are placed by the field its own header names (a column the first
  header lacks is added); the blocks are then one table, their title and header rows left out,
  and ``layout_notes`` says how many tables were read from the sheet.

:func:`split_blocks` returns the blocks; :mod:`.layouts` tidies each (totals, footers) and
takes a month from each block's title where the table has no 月份 column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.readers import RawTable, header_lookup, match_header
from parkanalysis.dataset.schema import TableSpec


@dataclass
class Block:
    """One table of a sheet: its rows (positions in the raw table) and title texts."""

    start: int  # first data row (position)
    end: int  # one past the last
    titles: list[str] = field(default_factory=list)
    header: int | None = None  # position of its own header row (None: the sheet's header)
    title_rows: list[int] = field(default_factory=list)  # Excel rows of its titles


def _filled(row) -> list:
    """The filled cells of a row (None, NaN and blank text are empty: CSV and XLSX alike)."""
    return [
        v
        for v in row
        if v is not None
        and not (isinstance(v, float) and v != v)
        and not (isinstance(v, str) and not v.strip())
    ]


def _is_number(v) -> bool:
    if isinstance(v, int | float | np.integer | np.floating):
        return True
    try:
        float(str(v).replace(",", ""))
    except ValueError:
        return False
    return True


def _is_title(row) -> bool:
    """One text in the row (a title merged across columns shows it in each: one text)."""
    cells = _filled(row)
    return (
        len(cells) >= 1
        and len({str(v).strip() for v in cells}) == 1
        and isinstance(cells[0], str)
        and not _is_number(cells[0])
    )


def _is_header_like(row) -> bool:
    cells = _filled(row)
    return len(cells) >= 2 and all(isinstance(v, str) and not _is_number(v) for v in cells)


def split_blocks(
    raw: RawTable, spec: TableSpec, findings: Findings, sheet: str
) -> list[tuple[Block, RawTable]]:
    """The tables of ``raw``'s sheet (module docstring), each as a raw table under the same
    headers (the first header's, extended by columns only a later block has); one block when
    the sheet holds one table. Foreign tables are reported to ``findings`` and left out."""
    data = raw.data
    n = len(data)
    if n < 2 or not raw.headers:
        return [(Block(0, n), raw)]
    records = data.to_numpy(dtype=object).tolist()
    gap = np.r_[False, np.diff(raw.rows) > 1]
    lookup = header_lookup(spec)
    # a block header names the key columns the sheet's header names (and two columns at least)
    keys = {m[0] for h in raw.headers if (m := match_header(h, lookup)) is not None}
    keys &= {*spec.keys, "enterprise_name"}

    def is_head(row) -> bool:
        named = {m[0] for c in _filled(row) if (m := match_header(c, lookup)) is not None}
        return bool(keys) and keys <= named and len(named) >= 2

    heads = [i for i in range(n) if is_head(records[i])]
    foreign = [
        i
        for i in range(n - 1)
        if gap[i] and i + 1 not in heads and _is_title(records[i])
        and _is_header_like(records[i + 1])
    ]  # fmt: skip
    if not heads and not foreign:
        return [(Block(0, n), raw)]
    starts = sorted({*heads, *(i + 1 for i in foreign)})
    spans = []  # (own, titles from, header, end)
    for s in starts:
        title = s
        while title > 0 and _is_title(records[title - 1]) and (title - 1) not in starts:
            title -= 1
        spans.append((s in heads, title, s))
    headers = list(raw.headers)
    names = [_name(h, lookup) if str(h).strip() else None for h in headers]
    parts: list[tuple[Block, dict[int, pd.Series], np.ndarray, int]] = []
    if spans[0][1] > 0:  # the first table, down to the first block's titles
        top = spans[0][1]
        cols = {p: data[p].iloc[:top].reset_index(drop=True) for p in range(len(headers))}
        parts.append((Block(0, top), cols, raw.rows[:top], raw.header_row))
    for k, (own, title, head) in enumerate(spans):
        end = spans[k + 1][1] if k + 1 < len(spans) else n
        titles = [str(_filled(records[t])[0]).strip() for t in range(title, head)]
        if not own:
            _report_foreign(raw, spec, findings, sheet, records, title, head, end, titles, lookup)
            continue
        cols = {}
        for q, cell in enumerate(records[head]):
            if cell is None or not str(cell).strip():
                continue
            name = _name(cell, lookup)
            if name in names:
                p = names.index(name)
            else:  # a column only this block has
                p = len(headers)
                headers.append(str(cell).strip())
                names.append(name)
            cols.setdefault(p, data[q].iloc[head + 1 : end].reset_index(drop=True))
        block = Block(head + 1, end, titles, head, [int(r) for r in raw.rows[title:head]])
        parts.append((block, cols, raw.rows[head + 1 : end], int(raw.rows[head])))
    out = []
    for block, cols, rows, header_row in parts:
        blank = pd.Series([None] * len(rows), dtype=object)
        frame = pd.DataFrame({p: cols.get(p, blank) for p in range(len(headers))}, dtype=object)
        part = RawTable(raw.table, raw.file, header_row, list(headers), frame, rows)
        if block.header is None and raw.header_cell_rows is not None:
            extra = [raw.header_row] * (len(headers) - len(raw.headers))
            part.header_cell_rows = [*raw.header_cell_rows, *extra]
        out.append((block, part))
    return out


def _name(cell, lookup) -> str:
    m = match_header(cell, lookup)
    return m[0] if m is not None else "?" + "".join(str(cell).split())


def _report_foreign(raw, spec, findings, sheet, records, title, head, end, titles, lookup):
    named = {m[0] for c in _filled(records[head]) if (m := match_header(c, lookup)) is not None}
    same = len(named) >= 2
    first, last = int(raw.rows[title]), int(raw.rows[end - 1])
    what = f"「{titles[0]}」" if titles else ""
    findings.add(
        "table_not_read",
        f"{sheet}第{first}-{last}行是另一张表{what},表头与「{spec.zh}」的不同,未读取;"
        + (
            f"它的表头有{'、'.join(sorted(spec.column(f).zh for f in named))},像是同一张表:"
            "请让它的表头写出与上面相同的关键列(如企业代码或企业名称),或移到单独的工作表"
            if same
            else "如它也是数据,请把它移到单独的工作表或文件,并运行 parkanalysis init"
        ),
        file=raw.file,
        row=first,
        column=sheet or None,
        value=titles[0] if titles else None,
        severity="error" if same else "warning",
    )
