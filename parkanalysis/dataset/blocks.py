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

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.readers import RawTable, header_lookup, match_header
from parkanalysis.dataset.schema import TableSpec
from parkanalysis.dataset.sources import norm


@dataclass
class Block:
    """One table of a sheet: its rows (positions in the raw table) and title texts."""

    start: int  # first data row (position)
    end: int  # one past the last
    titles: list[str] = field(default_factory=list)
    header: int | None = None  # position of its own header row (None: the sheet's header)
    title_rows: list[int] = field(default_factory=list)  # Excel rows of its titles


_FOOTER = re.compile(
    r"^(?:填表人|填报人|审核人|制表人|单位负责人|统计负责人|填报日期|报出日期)"
    r"|^(?:制表|负责人|备注|注|说明)[::]"
)


def is_footer(text: object) -> bool:
    """Whether a row's first filled cell makes it a footer line (:mod:`.layouts`' docstring).

    >>> [is_footer(t) for t in ("填表人:张三  审核人:李四", "注:单位万元", "注塑厂", "备注")]
    [True, True, False, False]
    """
    return bool(_FOOTER.match(norm(text)))


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


_IDS = {"enterprise_id", "enterprise_name", "park_id", "month", "period"}


def _text_over_number(row, above: list) -> bool:
    """Text in ``row`` where a row of ``above`` (the few rows before it) has a number
    (a header, not data)."""
    return any(
        _filled([v]) and _filled([a]) and _is_number(a) and not _is_number(v)
        for data in above
        for v, a in zip(row, data, strict=False)
    )


def _other_table(row, spec: TableSpec) -> str | None:
    """The Chinese name of the other table whose headers ``row`` names best (two at least)."""
    from parkanalysis.dataset.schema import TABLES

    best, best_n = None, 1
    for other in TABLES.values():
        if other.name == spec.name:
            continue
        lookup = header_lookup(other)
        n = len({m[0] for c in _filled(row) if (m := match_header(c, lookup)) is not None})
        if n > best_n:
            best, best_n = other.zh, n
    return best


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

    # what the sheet's header names besides the keys (a block header must name some of it)
    body = {m[0] for h in raw.headers if (m := match_header(h, lookup)) is not None} - _IDS

    def named_in(row) -> set[str]:
        return {m[0] for c in _filled(row) if (m := match_header(c, lookup)) is not None}

    def is_head(row) -> bool:
        named = named_in(row)
        return bool(keys) and keys <= named and len(named) >= 2 and (not body or named & body)

    heads = [i for i in range(n) if is_head(records[i])]
    # a header naming the keys and nothing else of this table: another table (a register
    # under the statistics); a header-like row after blank rows with text where the data
    # row above it has numbers, or naming another table's columns: one without a title
    foreign = [
        i
        for i in range(n - 1)
        if i + 1 not in heads
        and _is_header_like(records[i + 1])
        and (
            (keys and keys <= named_in(records[i + 1]))
            or (gap[i] and _is_title(records[i]))
            or (gap[i + 1] and not _is_title(records[i + 1])
                and (_text_over_number(records[i + 1], records[max(0, i - 4) : i + 1])
                     or _other_table(records[i + 1], spec)))
        )
    ]  # fmt: skip
    starts = sorted({*heads, *(i + 1 for i in foreign)})
    spans = []  # (kind, titles from, header)
    for s in starts:
        title = s
        while (
            title > 0
            and _is_title(records[title - 1])
            and not is_footer(_filled(records[title - 1])[0])
            and (title - 1) not in starts
        ):
            title -= 1
        spans.append(("own" if s in heads else "foreign", title, s))
    spans = _with_notes(records, gap, spans)
    if not spans:
        return [(Block(0, n), raw)]
    headers = list(raw.headers)
    names = [_name(h, lookup) if str(h).strip() else None for h in headers]
    parts: list[tuple[Block, dict[int, pd.Series], np.ndarray, int]] = []
    if spans[0][1] > 0:  # the first table, down to the first block's titles
        top = spans[0][1]
        cols = {p: data[p].iloc[:top].reset_index(drop=True) for p in range(len(headers))}
        parts.append((Block(0, top), cols, raw.rows[:top], raw.header_row))
    added: dict[int, int] = {}  # position of a column only a later block has → its header row
    for k, (kind, title, head) in enumerate(spans):
        end = spans[k + 1][1] if k + 1 < len(spans) else n
        titles = [str(_filled(records[t])[0]).strip() for t in range(title, head)]
        if kind == "notes":
            _report_notes(raw, findings, sheet, records, title, end)
            continue
        if kind == "foreign":
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
                added[p] = int(raw.rows[head])
            cols.setdefault(p, data[q].iloc[head + 1 : end].reset_index(drop=True))
        block = Block(head + 1, end, titles, head, [int(r) for r in raw.rows[title:head]])
        parts.append((block, cols, raw.rows[head + 1 : end], int(raw.rows[head])))
    out = []
    for block, cols, rows, header_row in parts:
        blank = pd.Series([None] * len(rows), dtype=object)
        frame = pd.DataFrame({p: cols.get(p, blank) for p in range(len(headers))}, dtype=object)
        part = RawTable(raw.table, raw.file, header_row, list(headers), frame, rows)
        if block.header is None and (raw.header_cell_rows is not None or added):
            own = [raw.header_row_of(i) for i in range(len(raw.headers))]
            extra = [added.get(p, raw.header_row) for p in range(len(raw.headers), len(headers))]
            part.header_cell_rows = [*own, *extra]
        out.append((block, part))
    return out


def _with_notes(records, gap, spans: list) -> list:
    """``spans`` and the **notes** (module docstring): after blank rows, rows of one text each
    (说明, 1. 本表…) that run to the end of the sheet (footer lines may follow) or to the next
    table's title; ``("notes", first, first)``."""
    n = len(records)
    titles_at = {title for _, title, _ in spans}
    taken = {i for _, title, head in spans for i in range(title, head + 1)}
    out = list(spans)
    i = 1
    while i < n:
        if not gap[i] or i in taken or not _is_note(records[i]):
            i += 1
            continue
        j = i
        while (
            j < n and j not in titles_at and _is_title(records[j]) and not _footer_row(records[j])
        ):
            j += 1
        rest_footers = all(_footer_row(records[r]) for r in range(j, n))
        if j == n or j in titles_at or rest_footers:
            out.append(("notes", i, i))
        i = j + 1
    return sorted(out, key=lambda s: s[1])


def _is_note(row) -> bool:
    return _is_title(row) and not _footer_row(row)


def _footer_row(row) -> bool:
    cells = _filled(row)
    return bool(cells) and is_footer(cells[0])


def _report_notes(raw, findings, sheet, records, first, end) -> None:
    texts = [str(_filled(records[r])[0]).strip() for r in range(first, end) if _filled(records[r])]
    a, b = int(raw.rows[first]), int(raw.rows[end - 1])
    rows = f"第{a}行" if a == b else f"第{a}-{b}行"
    findings.add(
        "notes_ignored",
        f"{sheet}{rows}是表下的说明文字(「{texts[0][:30]}」等 {len(texts)} 行),不是数据,未读取;"
        "如其中有数据,请把它放进表格或单独的工作表",
        file=raw.file,
        row=a,
        column=sheet or None,
        value=texts[0][:60],
        severity="info",
    )


def _name(cell, lookup) -> str:
    m = match_header(cell, lookup)
    return m[0] if m is not None else "?" + "".join(str(cell).split())


def _report_foreign(raw, spec, findings, sheet, records, title, head, end, titles, lookup):
    named = {m[0] for c in _filled(records[head]) if (m := match_header(c, lookup)) is not None}
    same = len(named - _IDS) >= 2
    other = None if same else _other_table(records[head], spec)
    first, last = int(raw.rows[title]), int(raw.rows[end - 1])
    what = (
        f"「{titles[0]}」"
        if titles
        else f"(表头「{'、'.join(map(str, _filled(records[head])[:4]))}」)"
    )
    findings.add(
        "table_not_read",
        f"{sheet}第{first}-{last}行是另一张表{what},表头与「{spec.zh}」的不同,未读取;"
        + (
            f"它的表头有{'、'.join(sorted(spec.column(f).zh for f in named))},像是同一张表:"
            "请让它的表头写出与上面相同的关键列(如企业代码或企业名称),或移到单独的工作表"
            if same
            else (f"它像是「{other}」;" if other else "")
            + "如它也是数据,请把它移到单独的工作表或文件,并运行 parkanalysis init"
        ),
        file=raw.file,
        row=first,
        column=sheet or None,
        value=titles[0] if titles else None,
        severity="error" if same else "warning",
    )
