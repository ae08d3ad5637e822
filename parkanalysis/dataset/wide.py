"""Statistics with the months as columns (wide tables), brought to one row per enterprise-month.

Offices keep 逐月 tables: a sheet per indicator (「工业总产值(万元)」), one row per enterprise,
one column per month (``2016年3月``, ``2016-03``, a date cell, or ``3月`` with the year in the
sheet name, title rows or file name). :func:`header_months` finds the month columns of a
header; :func:`indicator_header` names the indicator a sheet holds (its name, else the title
rows: the first statistics field whose name they contain, with the unit written in brackets);
:func:`melt` turns the sheets into one long raw table: the key columns (企业代码 / 企业名称,
园区) of the first sheet, a 月份 column (derived), one column per indicator sheet. A blank
cell is no report (no row), never a zero; a row whose indicators are all blank is dropped.
Each row keeps the Excel row of the enterprise in the first sheet holding it.
:mod:`.layouts` decides when a workbook is read this way (at least two month columns beside
an enterprise column, on sheets that name an indicator).

**Months over indicators.** A sheet may hold every indicator itself, under a two-row header:
the months in the upper row (「1月」 merged across the columns of 产值, 税收 … below it, as
Excel shows it; a month written over the first of its columns only counts for the blank
cells after it), the indicators in the lower row. :func:`grouped_months` reads which
columns are which indicator of which month; :func:`melt` takes them as one entry per
indicator.
"""

from __future__ import annotations

import datetime as _dt
import re

import pandas as pd

from parkanalysis.dataset.readers import RawTable, header_lookup, match_header
from parkanalysis.dataset.schema import FLOAT, INT, TableSpec
from parkanalysis.dataset.sources import norm

_MONTH_HEADER = re.compile(r"^(?:(\d{4})(?:年|[-./]))?(\d{1,2})月?份?$|^(\d{4})(\d{2})$")
_DATE_TEXT = re.compile(r"^(\d{4})-(\d{2})-01(?:00:00:00)?$")
_KEYS = ("enterprise_id", "enterprise_name", "park_id")


def header_month(text: object, year: int | None) -> str | None:
    """``YYYY-MM`` a header cell names (``year`` for a cell without one), else None.

    >>> header_month("2016年3月", None), header_month("3月", 2016), header_month("201603", None)
    ('2016-03', '2016-03', '2016-03')
    >>> header_month("2016-03-01 00:00:00", None), header_month("3月", None)
    ('2016-03', None)
    >>> header_month("税收", 2016) is None
    True
    """
    if isinstance(text, _dt.date):
        return f"{text.year:04d}-{text.month:02d}"
    s = norm(text)
    d = _DATE_TEXT.match(s)
    if d:
        return f"{d.group(1)}-{d.group(2)}"
    m = _MONTH_HEADER.match(s)
    if not m:
        return None
    if m.group(2) is not None:
        y, month = m.group(1), int(m.group(2))
        if y is None and not s.endswith(("月", "月份")):
            return None
    else:
        y, month = m.group(3), int(m.group(4))
    y = int(y) if y else year
    if y is None or not 1 <= month <= 12:
        return None
    return f"{y:04d}-{month:02d}"


def header_months(headers: list[str], year: int | None) -> dict[int, str]:
    """Positions of the month columns of a header → their month."""
    out = {}
    for i, h in enumerate(headers):
        m = header_month(h, year)
        if m is not None:
            out[i] = m
    return out


def indicator_header(title: str, title_rows: list[str], spec: TableSpec) -> str | None:
    """The header text of the indicator a sheet holds: the sheet's name when it names a
    statistics field (``工业总产值(万元)``), else the first title row containing a field's name
    (its unit in brackets kept); None when neither names one.

    >>> from parkanalysis.dataset.schema import TABLES
    >>> spec = TABLES["monthly_stats"]
    >>> indicator_header("工业总产值(万元)", [], spec)
    '工业总产值(万元)'
    >>> indicator_header("Sheet1", ["各企业逐月税收(万元)"], spec)
    '税收(万元)'
    """
    lookup = header_lookup(spec)
    values = [c for c in spec.columns if c.kind in (FLOAT, INT) and not c.key]
    m = match_header(title, lookup)
    if m is not None and any(c.name == m[0] for c in values):
        return str(title).strip()
    for text in [title, *title_rows]:
        s = norm(text)
        for c in sorted(values, key=lambda c: -len(c.zh)):
            for name in (c.zh, *c.aliases):
                at = s.find(norm(name))
                if at >= 0:
                    unit = re.match(r"\(([^()]{1,6})\)", s[at + len(norm(name)) :])
                    return name + (f"({unit.group(1)})" if unit else "")
    return None


def grouped_months(
    raw: RawTable, year: int | None, spec: TableSpec
) -> tuple[dict[str, dict[int, str]], list[tuple[int, str, str]]]:
    """Months over indicators (module docstring): indicator header → ``{position: month}``
    (empty when the sheet is not laid out so: fewer than two months), and the columns that
    repeat an indicator of a month already read ``(position, header, month)``.

    >>> from parkanalysis.dataset.schema import TABLES
    >>> heads = ["企业名称", "工业总产值", "税收", "工业总产值", "税收", "税收"]
    >>> raw = RawTable("monthly_stats", "f.xlsx", 2, heads, None, None)
    >>> raw.header_groups = ["企业名称", "1月", "1月", "2月", "", ""]
    >>> columns, repeated = grouped_months(raw, 2016, TABLES["monthly_stats"])
    >>> columns
    {'工业总产值': {1: '2016-01', 3: '2016-02'}, '税收': {2: '2016-01', 4: '2016-02'}}
    >>> repeated
    [(5, '税收', '2016-02')]
    """
    groups = raw.header_groups
    if not groups:
        return {}, []
    lookup = header_lookup(spec)
    values = {c.name for c in spec.columns if c.kind in (FLOAT, INT) and not c.key}
    by_field: dict[str, str] = {}
    out: dict[str, dict[int, str]] = {}
    repeated: list[tuple[int, str, str]] = []
    month = None
    for i, h in enumerate(raw.headers):
        g = groups[i] if i < len(groups) else ""
        if g:
            month = header_month(g, year)
        m = match_header(h, lookup)
        if month is None or m is None or m[0] not in values:
            continue
        header = by_field.setdefault(m[0], h)
        cols = out.setdefault(header, {})
        if month in cols.values():
            repeated.append((i, h, month))
            continue
        cols[i] = month
    if len({mo for cols in out.values() for mo in cols.values()}) < 2:
        return {}, []
    return out, repeated


def melt(
    sheets: list[tuple[str, str, dict[int, str], RawTable]],
    spec: TableSpec,
    note: str | None = None,
) -> RawTable:
    """``sheets`` — ``(sheet name, indicator header, month columns, raw)`` — as one long raw
    table (module docstring); ``note`` replaces the layout note."""
    lookup = header_lookup(spec)
    first = sheets[0][3]
    key_pos = {}
    for i, h in enumerate(first.headers):
        m = match_header(h, lookup)
        if m is not None and m[0] in _KEYS and m[0] not in key_pos:
            key_pos[m[0]] = i
    fields = list(key_pos)
    longs: dict[str, list[pd.DataFrame]] = {}  # indicator (its field) → its rows, sheet by sheet
    values: dict[str, str] = {}  # indicator → its header (the first sheet's)
    for name, header, months, raw in sheets:
        own = {}
        for i, h in enumerate(raw.headers):
            m = match_header(h, lookup)
            if m is not None and m[0] in fields and m[0] not in own:
                own[m[0]] = i
        if set(own) != set(fields):
            continue  # reported by the caller: a sheet keyed differently
        named = match_header(header, lookup)
        key = named[0] if named is not None else header
        header = values.setdefault(key, header)
        parts = []
        for pos, month in months.items():
            part = pd.DataFrame({f: raw.data[own[f]].to_numpy(dtype=object) for f in fields})
            part["_month"] = month
            part[header] = raw.data[pos].to_numpy(dtype=object)
            part["_row"] = raw.rows
            part["_sheet"] = name
            parts.append(part)
        long = pd.concat(parts, ignore_index=True)
        blank = long[header].map(lambda v: v is None or (isinstance(v, str) and not v.strip()))
        long = long[~blank.to_numpy(dtype=bool)]
        long[fields] = long[fields].astype(str)
        longs.setdefault(key, []).append(long)
    merged: pd.DataFrame | None = None
    for parts in longs.values():
        long = pd.concat(parts, ignore_index=True)
        if merged is None:
            merged = long
        else:
            merged = merged.merge(long, on=[*fields, "_month"], how="outer", suffixes=("", "_b"))
            for c in ("_row", "_sheet"):
                merged[c] = merged[c].fillna(merged.pop(f"{c}_b"))
    assert merged is not None
    merged = merged.sort_values(["_month", "_row"], kind="stable").reset_index(drop=True)
    values = list(values.values())
    headers = [first.headers[key_pos[f]] for f in fields] + ["月份"] + values
    data = pd.DataFrame(
        {i: merged[c].to_numpy(dtype=object) for i, c in enumerate([*fields, "_month", *values])}
    )
    data = data.where(pd.notna(data), None)
    out = RawTable(
        spec.name,
        first.file,
        first.header_row,
        headers,
        data,
        merged["_row"].to_numpy(dtype="int64"),
    )
    if len({sheet[0] for sheet in sheets}) > 1:  # rows of several sheets: name each row's
        out.row_sheets = merged["_sheet"].to_numpy(dtype=object)
        out.rows_span_sheets = True
    out.derived_positions.add(len(fields))
    months = sorted({m for sheet in sheets for m in sheet[2].values()})
    span = f"统计期 {months[0]} … {months[-1]},共 {len(months)} 个月;空单元格按未填报计"
    if note is not None:
        out.layout_notes.append(f"{note},{span}")
    else:
        out.layout_notes.append(f"月份作为列(宽表):每个工作表一个指标({'、'.join(values)}),{span}")
    return out
