"""Header detection: which row is the header, which column each header cell names."""

from __future__ import annotations

from parkanalysis.dataset._parse import normalize_header
from parkanalysis.dataset.schema import TableSpec
from parkanalysis.units import split_header_unit

#: How many rows at the top of a sheet may hold titles before the header.
HEADER_SEARCH_ROWS = 50


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


def header_cell_excel_rows(records: list[list], index: int, width: int) -> list[int]:
    """Excel rows of the header cells of a two-row header (the lower row where it is filled)."""
    sub = records[index + 1] if index + 1 < len(records) else []
    return [index + 2 if i < len(sub) and not _blank(sub[i]) else index + 1 for i in range(width)]
