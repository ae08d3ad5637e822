"""Reading a file by its structure: every sheet of a workbook, total rows, footers, months.

Between the readers (:mod:`.readers`, one sheet or CSV as cells) and the office adaptation
(:mod:`.office`), :func:`read_file` reads a file the way the office laid it out. Definitions
(one place; ``tests/test_layouts.py`` holds them on generated layouts):

- A **period sheet** is a visible sheet whose name is a month — ``2015年3月``, ``2015.3``,
  ``2015-03``, ``201503``, ``3月`` (the year then comes from the sheet's title rows, else the
  file name) — or a statistics period ``2016年1-2月`` / ``2016年1-5月``.
- A statistics workbook with period sheets is read as **one sheet per period**: each period
  sheet is read (its header found as usual; no 月份 column needed) with the month taken from
  its name, and the sheets are concatenated as one table. Row numbers stay those of each
  sheet (the month, from the sheet name, tells the sheets apart). In a workbook of 当月数 a
  ``1-2月`` sheet holds January and February together and stands for February (as a 1-2月
  report does; ``jan_feb_combined``); a workbook whose sheets include ``1-N月`` with N > 2 is
  a 1-N月 cumulative table and the labels are kept for :mod:`.office` to read.
- A statistics file whose table has no 月份 column but whose **file name** gives a month
  (``2016年3月工业企业月报.xlsx``, ``月报201603.csv``, ``2016年1-5月….xlsx``; :func:`file_period`)
  is read as one period sheet of that month; several such files of one table are listed in
  ``sources:`` and stacked by :mod:`.core` (:func:`.tables.merge_tables`).
- A statistics workbook whose sheets have the **months as columns** (a row of at least two
  month headers beside an enterprise column, the sheet naming an indicator) is melted by
  :mod:`.wide`; its 合计 rows are checked month by month as the indicator's. So is a sheet
  holding every indicator under a two-row header whose upper row has the months merged over
  the indicators below (:func:`.wide.grouped_months`; one such sheet per year, say).
- A statistics table whose month is in no column, sheet name or file name takes it from its
  title rows (「工贸园2016年3月企业主要经济指标」); several tables stacked on one sheet are read
  one by one, each with the month of its own title (:mod:`.blocks`; a table that cannot be
  read is ``table_not_read``). A workbook read from one of several sheets names that sheet in
  the findings about its rows.
- A statistics workbook whose visible sheets (at least two) each hold the table's header
  with an enterprise column and no park column is read as **one sheet per park**: the
  sheet's name is the park (as 所属园区; park.yaml's park names are read as their ids).
- Every other visible sheet with content is reported as ``sheet_not_read``: an error for a
  period sheet that cannot be read (its month would be lost), a warning for any other sheet
  (only the first visible sheet, or the sheet named after the table, is read otherwise).
  Hidden sheets are never read (data/README.md); a hidden period sheet of a workbook read by
  period is reported (warning).
- A **total row** has a text cell reading 合计 / 小计 / 总计 (a few characters may precede it:
  全园合计, 工业小计). It is excluded from the data and checked: every numeric column's total is
  compared with the sum of the detail rows above it — since the previous total row for 小计,
  since the previous 合计/总计 for 合计/总计 — and a difference above
  ``0.1 + 1e-6 × |sum|`` is ``total_mismatch`` (warning: the detail rows are what is read).
- A **merged range** in the body (a 月份 or 园区 cell merged down over its rows) is read as
  Excel shows it: every cell of the range takes the top-left value, and the range is listed
  as ``merged_cells`` (info: 「F525:F558 是合并单元格…」).
- A **footer line** is a row under the table whose first filled cell begins with 填表人,
  填报人, 审核人, 制表人, 单位负责人, 统计负责人, 填报日期 or 报出日期, or with 制表, 负责人,
  备注, 注 or 说明 and a colon (an enterprise named 注塑… is data).
  Footer lines are dropped and listed as ``footer_ignored`` (severity ``info``), one finding
  per distinct text.

Checks on the parsed statistics (``month_missing``, ``monthly_looks_cumulative``,
``count_unavailable``) are in :mod:`.stats_checks`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from parkanalysis.dataset.blocks import is_footer, split_blocks
from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.office import column_letter
from parkanalysis.dataset.readers import (
    RawTable,
    ReadFailure,
    ReadLimits,
    header_lookup,
    match_header,
    open_workbook,
    read_sheet,
    read_table_file,
)
from parkanalysis.dataset.schema import FLOAT, INT, TableSpec
from parkanalysis.dataset.sources import norm
from parkanalysis.errors import Finding
from parkanalysis.units import parse_numbers

STATS = ("monthly_stats", "cumulative_stats")

_DASH = "-－—~～至"
_MONTH_SHEET = re.compile(
    r"^(?:(\d{4})(?:年|[-./]))?(\d{1,2})月?份?$"
    r"|^(\d{4})(\d{2})$"
    r"|^(?:(\d{4})年)?1[" + _DASH + r"](\d{1,2})月$"
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_TOTAL = re.compile(r"^[\u4e00-\u9fff]{0,8}(合计|小计|总计)$")


def sheet_period(name: object, year: int | None = None) -> tuple[int | None, int, int] | None:
    """``(year, first month, last month)`` a sheet name stands for, else None.

    ``year`` is used when the name has none (and stays None when neither has one).

    >>> sheet_period("2015年3月"), sheet_period("3月", 2016), sheet_period("2016年1-2月")
    ((2015, 3, 3), (2016, 3, 3), (2016, 1, 2))
    >>> sheet_period("201603"), sheet_period("2016.3"), sheet_period("3月"), sheet_period("说明")
    ((2016, 3, 3), (2016, 3, 3), (None, 3, 3), None)
    """
    m = _MONTH_SHEET.match(norm(name))
    if not m:
        return None
    if m.group(2) is not None:
        y, first, last = m.group(1), int(m.group(2)), int(m.group(2))
        if m.group(1) is None and not norm(name).endswith(("月", "月份")):
            return None  # a bare number is not a month
    elif m.group(4) is not None:
        y, first, last = m.group(3), int(m.group(4)), int(m.group(4))
    else:
        y, first, last = m.group(5), 1, int(m.group(6))
    if not 1 <= last <= 12:
        return None
    return (int(y) if y else year), first, last


def year_in(texts) -> int | None:
    """The year (1950-2099) ``texts`` name, when they name exactly one.

    >>> year_in(["工贸园2016年3月企业统计表"]), year_in(["统计表"]), year_in(["2012-2016年月报"])
    (2016, None, None)
    """
    years = {int(m.group(1)) for t in texts for m in _YEAR.finditer(norm(t))}
    return years.pop() if len(years) == 1 else None


def read_file(
    path: Path, file: str, spec: TableSpec, limits: ReadLimits, findings: Findings | None
) -> RawTable:
    """Read ``path`` by its structure (module docstring); structure findings to ``findings``
    (None: not wanted, e.g. while ``init`` tries which table a file is; the other sheets are
    then not looked at).

    Raises :class:`~.readers.ReadFailure` when the file itself cannot be read.
    """
    quiet = findings is None
    findings = Findings() if findings is None else findings
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raw = read_table_file(path, file, spec, limits)
        span = file_period(file) if spec.name in STATS and not raw.headers else None
        if span is not None:  # one file of a month, the month in its name

            def read_csv(_sheet, one):
                return read_table_file(path, file, one, limits)

            return _read_period_sheets(
                path, file, None, [_FileSheet(Path(file).stem)], spec, findings, [span], read_csv
            )
        return tidy(raw, spec, findings)
    wb = open_workbook(path, file, limits)
    try:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
        if not visible:
            raise ReadFailure(
                Finding(
                    "error",
                    "unreadable_file",
                    "工作簿没有可见的工作表;请取消隐藏数据所在的工作表",
                    file=file,
                )
            )
        if spec.name in STATS and any(sheet_period(ws.title) for ws in visible):
            for ws in wb.worksheets:  # a hidden month is not read: say so
                if ws.sheet_state != "visible" and sheet_period(ws.title):
                    findings.add(
                        "sheet_not_read",
                        f"工作表「{ws.title}」是隐藏的工作表,未读取;如它是该月的数据,"
                        "请在 Excel 中取消隐藏",
                        file=file,
                        column=str(ws.title),
                        severity="warning",
                    )
            return _read_period_sheets(path, file, wb, visible, spec, findings)
        if spec.name in STATS:
            months_as_columns = _read_wide_sheets(path, file, wb, visible, spec, findings)
            if months_as_columns is not None:
                return months_as_columns
        if spec.name in STATS and len(visible) > 1:
            by_park = _read_park_sheets(path, file, wb, visible, spec, findings)
            if by_park is not None:
                return by_park
        names = {spec.name, spec.zh}
        main = next((w for w in visible if str(w.title).strip() in names), visible[0])
        raw = read_sheet(path, file, wb, main, spec)
        if spec.name in STATS and not raw.headers:  # the month in the title rows?
            for one in _keyed_specs(spec):
                titled = read_sheet(path, file, wb, main, one)
                if titled.headers and text_period(" ".join(titled.title_rows)):
                    raw = titled
                    break
        span = file_period(file) if spec.name in STATS and not raw.headers else None
        if span is not None:  # one file of a month, the month in its name
            return _read_period_sheets(path, file, wb, [main], spec, findings, [span])
        raw = tidy(raw, spec, findings, sheet=f"工作表「{main.title}」")
        if spec.name in STATS and raw.headers and not _names_month(raw, spec):
            span = text_period(" ".join(raw.title_rows))
            if span is not None:  # one table, its month in the title
                raw.append_column("月份", [period_label(span)] * len(raw.data))
                raw.layout_notes.append(f"统计期取自标题行:{period_label(span)}")
        if len(visible) > 1:  # a finding about a row names the sheet read
            raw.row_sheets = np.full(len(raw.data), str(main.title), dtype=object)
        for ws in visible:
            if not quiet and ws is not main and _has_content(ws):
                findings.add(
                    "sheet_not_read",
                    f"工作表「{ws.title}」有内容,未读取(只读取了「{main.title}」);"
                    "如它也是数据,请把它另存为单独的文件,或把工作表名改成月份(如 2016年3月)",
                    file=file,
                    column=str(ws.title),
                    severity="warning",
                )
        return raw
    finally:
        wb.close()


def _has_content(ws) -> bool:
    rows = ws.iter_rows(max_row=50, max_col=50, values_only=True)
    return any(any(v is not None and str(v).strip() for v in row) for row in rows)


def _keyed_specs(spec: TableSpec) -> list[TableSpec]:
    """``spec`` with the enterprise (code, else name) as its one required key: how a sheet
    whose period is not in a column is searched for its header."""
    import dataclasses

    def keyed_by(name: str) -> TableSpec:
        cols = tuple(
            dataclasses.replace(c, key=c.name == name, optional=c.name != name and c.optional)
            for c in spec.columns
        )
        return dataclasses.replace(spec, columns=cols)

    out = [keyed_by("enterprise_id")]
    if any(c.name == "enterprise_name" for c in spec.columns):
        out.append(keyed_by("enterprise_name"))
    return out


def _read_wide_sheets(path, file, wb, visible, spec, findings) -> RawTable | None:
    """Sheets with the months as columns (:mod:`.wide`), else None."""
    from parkanalysis.dataset import wide

    sheets, others, grouped_notes = [], [], []
    tally: dict = {"totals": 0, "footers": []}
    for ws in visible:
        head = ws.iter_rows(max_row=20, max_col=200, values_only=True)
        year = year_in([ws.title, Path(file).stem])
        if not any(len(wide.header_months(list(r), year or 2000)) >= 2 for r in head):
            others.append(ws)  # no row of month headers: not a wide sheet (cheap look)
            continue
        raw = None
        for one in _keyed_specs(spec):
            raw = read_sheet(path, file, wb, ws, one)
            if raw.headers:
                break
        year = year_in([ws.title, *raw.title_rows]) or year_in([Path(file).stem])
        grouped, repeated = wide.grouped_months(raw, year, spec) if raw.headers else ({}, [])
        if grouped:  # months over indicators: the sheet holds every indicator
            where = f"工作表「{ws.title}」"
            for i, h, month in repeated:
                findings.add(
                    "duplicate_column",
                    f"{where}{month[:4]}年{int(month[5:])}月下有两列「{h}」;"
                    f"只读取了第一列,第 {column_letter(i)} 列未读取,请删除重复的列",
                    file=file,
                    row=raw.header_row_of(i),
                    column=h,
                )
            raw = tidy(raw, spec, findings, where, tally)
            sheets += [(str(ws.title), h, cols, raw) for h, cols in grouped.items()]
            grouped_notes.append(str(ws.title))
            continue
        months = wide.header_months(raw.headers, year) if raw.headers else {}
        if len(months) < 2:
            others.append(ws)
            continue
        header = wide.indicator_header(str(ws.title), raw.title_rows, spec)
        if header is None:
            findings.add(
                "sheet_not_read",
                f"工作表「{ws.title}」的月份在列上,但工作表名和标题行都看不出是哪个指标,未读取;"
                "请把工作表名改成指标名(如 工业总产值(万元))",
                file=file,
                column=str(ws.title),
            )
            continue
        written = raw.headers  # the months' total rows are checked as the indicator's
        raw.headers = [header if i in months else h for i, h in enumerate(written)]
        raw = tidy(raw, spec, findings, f"工作表「{ws.title}」", tally)
        raw.headers = written
        sheets.append((str(ws.title), header, months, raw))
    if not sheets:
        return None
    for ws in others:
        if _has_content(ws):
            findings.add(
                "sheet_not_read",
                f"工作表「{ws.title}」不是按月份列排的指标表,未读取(其他工作表按月份列读取)",
                file=file,
                column=str(ws.title),
                severity="warning",
            )
    note = None
    if grouped_notes:
        note = (
            f"月份作为列(宽表):月份在第一行表头(合并单元格按 Excel 显示,跨其下各指标),"
            f"指标在第二行;工作表 {'、'.join(grouped_notes)}"
        )
    out = wide.melt(sheets, spec, note)
    report_tally(out, tally, findings)
    return out


def _read_park_sheets(path, file, wb, visible, spec, findings) -> RawTable | None:
    """A workbook of statistics with one sheet per park (module docstring), else None."""
    lookup = header_lookup(spec)
    parts: list[tuple[str, str, RawTable]] = []
    tally: dict = {"totals": 0, "footers": []}
    others = []
    for ws in visible:
        raw = read_sheet(path, file, wb, ws, spec)
        named = {m[0] for h in raw.headers if (m := match_header(h, lookup)) is not None}
        if raw.headers and named & {"enterprise_id", "enterprise_name"} and "park_id" not in named:
            parts.append((str(ws.title), str(ws.title).strip(), raw))
        else:
            others.append(ws)
    if len(parts) < 2:
        return None
    parts = [
        (t, label, tidy(raw, spec, findings, f"工作表「{t}」", tally)) for t, label, raw in parts
    ]
    for ws in others:
        if _has_content(ws):
            findings.add(
                "sheet_not_read",
                f"工作表「{ws.title}」没有企业统计的表头,未读取(其他工作表按园区读取)",
                file=file,
                column=str(ws.title),
                severity="warning",
            )
    out = _concat(parts, spec, file, False, derive=("park_id", "所属园区"))
    report_tally(out, tally, findings)
    return out


class _FileSheet:
    """A CSV file standing in for a sheet (its title: the file's name)."""

    def __init__(self, title: str) -> None:
        self.title = title


_FILE_PERIODS = (
    re.compile(r"(?<!\d)(\d{4})年?(1)[" + _DASH + r"](\d{1,2})月"),
    re.compile(r"(?<!\d)(\d{4})年(\d{1,2})()月"),
    re.compile(r"(?<!\d)(\d{4})[-._](\d{1,2})()(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})()(?!\d)"),
)


def file_period(name: object) -> tuple[int, int, int] | None:
    """``(year, first month, last month)`` a file's name gives (a file of one month or of a
    1-N月 statement), else None.

    >>> file_period("2016年3月工业企业月报.xlsx"), file_period("月报201603.csv")
    ((2016, 3, 3), (2016, 3, 3))
    >>> file_period("2016年1-5月主要指标.xlsx"), file_period("2012-2016年月报.xlsx")
    ((2016, 1, 5), None)
    """
    return text_period(Path(str(name)).stem)


def text_period(text: object) -> tuple[int, int, int] | None:
    """``(year, first month, last month)`` a text (a title row, a file's stem) names.

    >>> text_period("工贸园2016年3月企业主要经济指标"), text_period("在营企业")
    ((2016, 3, 3), None)
    """
    stem = norm(text)
    for pattern in _FILE_PERIODS:
        m = pattern.search(stem)
        if m:
            y, first, last = int(m.group(1)), int(m.group(2)), int(m.group(3) or m.group(2))
            if 1950 <= y <= 2099 and 1 <= first <= last <= 12:
                return y, first, last
    return None


def _read_period_sheets(path, file, wb, visible, spec, findings, spans=None, read=None) -> RawTable:
    """Sheets (``visible``) each standing for the period of its name (``spans``: given, for
    a file whose name gives it), read with ``read(sheet, spec)`` (default: the sheet of
    ``wb``), as one table."""
    import dataclasses

    if read is None:

        def read(ws, one):
            return read_sheet(path, file, wb, ws, one)

    def keyed_by(name: str) -> TableSpec:  # the sheet's header: the one key it must name
        cols = tuple(
            dataclasses.replace(c, key=c.name == name, optional=c.name != name and c.optional)
            for c in spec.columns
        )
        return dataclasses.replace(spec, columns=cols)

    specs = [keyed_by("enterprise_id")]
    if any(c.name == "enterprise_name" for c in spec.columns):
        specs.append(keyed_by("enterprise_name"))
    file_year = year_in([Path(file).stem])
    parts: list[tuple[str, str, RawTable]] = []
    by_file = spans is not None
    spans = spans or [sheet_period(ws.title) for ws in visible]
    cumulative = any(p is not None and p[1] == 1 and p[2] > 2 for p in spans)
    tally: dict = {"totals": 0, "footers": []}
    for ws, period in zip(visible, spans, strict=True):
        if period is None:
            if _has_content(ws):
                findings.add(
                    "sheet_not_read",
                    f"工作表「{ws.title}」的名称不是月份,未读取(其他工作表按月份读取);"
                    "如它是某月的数据,请把工作表名改成月份(如 2016年3月)",
                    file=file,
                    column=str(ws.title),
                    severity="warning",
                )
            continue
        for one in specs:
            raw = read(ws, one)
            if raw.headers:
                break
        if not raw.headers:
            probe = raw.header_probe
            seen = f"(第{probe[0]}行最像表头,缺少{'、'.join(probe[2])})" if probe else ""
            findings.add(
                "sheet_not_read",
                f"工作表「{ws.title}」找不到表头{seen},该月数据未读取;"
                "请让这张工作表的表头与其他月份的一致",
                file=file,
                column=str(ws.title),
                value=str(ws.title),
            )
            continue
        year = period[0] or year_in(raw.title_rows) or file_year
        if year is None:
            findings.add(
                "sheet_not_read",
                f"工作表「{ws.title}」没有年份(表名、标题行和文件名中都没有);该月数据未读取;"
                "请把工作表名写成 2016年3月 的样子",
                file=file,
                column=str(ws.title),
                value=str(ws.title),
            )
            continue
        first, last = period[1], period[2]
        if cumulative:
            label = f"{year}年{first}-{last}月" if first != last else f"{year}年1-{last}月"
        else:
            label = f"{year:04d}-{last:02d}"
        raw = tidy(raw, spec, findings, f"工作表「{ws.title}」", tally)
        parts.append((str(ws.title), label, raw))
    if not parts:
        return RawTable(spec.name, file, 0, [], pd.DataFrame(), np.array([], dtype="int64"))
    out = _concat(parts, spec, file, cumulative, by_file=by_file)
    report_tally(out, tally, findings)
    return out


def _concat(
    parts, spec: TableSpec, file: str, cumulative: bool, derive=("month", "月份"), by_file=False
) -> RawTable:
    """The sheets as one table: columns matched by the field their header names (headers that
    name none, by their text), a column only some sheets have kept (blank elsewhere); the
    month (``derive``: or the park) from the sheet's name where the sheet has no such column."""
    field, header = derive
    lookup = header_lookup(spec)
    keys: list[str] = []
    headers: list[str] = []
    header_rows: list[int] = []
    frames, rows, formulas = [], [], []
    for _sheet, label, raw in parts:
        seen: dict[str, int] = {}
        cols: dict[str, pd.Series] = {}
        at: dict[int, str] = {}
        for i, h in enumerate(raw.headers):
            m = match_header(h, lookup)
            k = m[0] if m is not None else "?" + norm(h)
            seen[k] = seen.get(k, 0) + 1
            k = f"{k}#{seen[k]}"
            if k not in keys:
                keys.append(k)
                headers.append(h)
                header_rows.append(raw.header_row_of(i))
            cols[k] = raw.data[i].reset_index(drop=True)
            at[i] = k
        if f"{field}#1" not in cols:
            cols[f"{field}#derived"] = pd.Series([label] * len(raw.data), dtype=object)
        frames.append(pd.DataFrame(cols, dtype=object))
        rows.append(raw.rows)
        formulas.append([(r, at[c], v) for r, c, v in raw.formula_cells if c in at])
    derived = any(f"{field}#derived" in f.columns for f in frames)
    if derived:
        keys.append(f"{field}#derived")
        headers.append(header)
        header_rows.append(parts[0][2].header_row)
    data = pd.concat(frames, ignore_index=True).reindex(columns=keys)
    data.columns = range(len(keys))
    base = parts[0][2]
    out = RawTable(spec.name, file, base.header_row, headers, data, np.concatenate(rows))
    out.row_sheets = np.concatenate(
        [np.full(len(raw.data), sheet, dtype=object) for sheet, _label, raw in parts]
    )
    out.header_cell_rows = header_rows
    out.formula_cells = [(r, keys.index(k), v) for one in formulas for r, k, v in one]
    if derived:
        out.derived_positions.add(len(keys) - 1)
    kind = "1-N月累计" if cumulative else "当月数"
    if field == "park_id":
        out.layout_notes.append(
            f"每个工作表一个园区(园区取自工作表名):{'、'.join(p[0] for p in parts)}"
        )
        return out
    if by_file:
        out.layout_notes.append(f"统计期取自文件名({kind}):{parts[0][1]}")
        return out
    out.layout_notes.append(
        f"每个工作表一个月({kind},统计期取自工作表名):"
        f"{parts[0][0]} … {parts[-1][0]},共 {len(parts)} 个工作表"
        f"(统计期 {parts[0][1]} … {parts[-1][1]})"
    )
    return out


# -- totals and footers -----------------------------------------------------------------------


def tidy(
    raw: RawTable,
    spec: TableSpec,
    findings: Findings,
    where: str = "",
    tally: dict | None = None,
    sheet: str = "",
) -> RawTable:
    """Drop footer lines and total rows of ``raw`` (checking the totals); see the docstring.
    Several tables stacked on the sheet are read one by one (:mod:`.blocks`).

    ``tally`` (several sheets of one table) collects the footers and the count of total rows
    for :func:`report_tally`; without it they are reported at once. ``sheet``: how a finding
    names the sheet where ``where`` does not (a workbook's one sheet).
    """
    own = tally is None
    tally = {"totals": 0, "footers": []} if own else tally
    blocks = split_blocks(raw, spec, findings, where or sheet) if raw.headers else []
    # a stacked table's title merged across the row is its title, not data filled in
    titles = {int(r) for block, _ in blocks for r in block.title_rows}
    by_column: dict[str, list] = {}
    for ref, filled, value in raw.merged_cells:  # one finding per column of merged ranges
        if int(ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) in titles:
            continue
        columns = re.sub(r"\d", "", ref)  # A2:A30 → A:A
        by_column.setdefault(columns, []).append((ref, filled, value))
    for ranges in by_column.values():
        ref, _, value = ranges[0]
        more = f"等 {len(ranges)} 处合并单元格" if len(ranges) > 1 else " 是合并单元格"
        findings.add(
            "merged_cells",
            f"{where}{'、'.join(r[0] for r in ranges[:3])}{more},按 Excel 显示的值"
            f"(如「{value}」)填入其余 {sum(r[1] for r in ranges)} 个单元格;"
            "如不是这个意思,请在 Excel 中取消合并后逐格填写",
            file=raw.file,
            row=int(ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
            column=ref,
            value=value,
            severity="info",
        )
    if raw.headers and not raw.data.empty:
        if len(blocks) == 1 and blocks[0][1] is raw:
            _tidy(raw, spec, findings, where, tally)
        else:
            _stacked(raw, blocks, spec, findings, where, tally)
    if own:
        report_tally(raw, tally, findings)
    return raw


def _stacked(raw: RawTable, blocks, spec: TableSpec, findings, where: str, tally) -> None:
    """``raw`` as the tables of its sheet read one by one: each tidied, the month of each
    taken from its title where the table has no 月份 column, stacked (:mod:`.blocks`)."""
    for _block, part in blocks:
        _tidy(part, spec, findings, where, tally)
    parts = [part for _, part in blocks]
    headers = parts[0].headers if parts else list(raw.headers)
    raw.headers = list(headers)
    raw.header_cell_rows = parts[0].header_cell_rows if parts else raw.header_cell_rows
    raw.data = pd.concat([p.data for p in parts], ignore_index=True) if parts else raw.data.iloc[:0]
    raw.rows = np.concatenate([p.rows for p in parts]) if parts else raw.rows[:0]
    titles = [" ".join(raw.title_rows if b.header is None else b.titles) for b, _ in blocks]
    spans = [text_period(t) for t in titles]
    place = "工作表" if raw.file.lower().endswith((".xlsx", ".xlsm")) else "文件"
    if spec.name in STATS and not _names_month(raw, spec) and parts and all(spans):
        labels = [period_label(span) for span in spans]
        raw.append_column("月份", np.repeat(labels, [len(p.data) for p in parts]))
        shown = "、".join(labels) if len(labels) <= 4 else f"{labels[0]} … {labels[-1]}"
        raw.layout_notes.append(
            f"一个{place}上下排着 {len(parts)} 张表,逐一读取,统计期取自各表的标题:{shown}"
        )
    elif len(parts) > 1:
        shown = [t or "(无标题)" for t in titles]
        shown = "、".join(shown) if len(shown) <= 4 else f"{shown[0]} … {shown[-1]}"
        raw.layout_notes.append(f"一个{place}上下排着 {len(parts)} 张表,逐一读取({shown})")


def _names_month(raw: RawTable, spec: TableSpec) -> bool:
    lookup = header_lookup(spec)
    return any((m := match_header(h, lookup)) and m[0] == "month" for h in raw.headers)


def period_label(span: tuple[int, int, int]) -> str:
    """The 月份 / 统计期 cell of a ``(year, first, last)`` span.

    >>> period_label((2016, 3, 3)), period_label((2016, 1, 5))
    ('2016-03', '2016年1-5月')
    """
    y, first, last = span
    return f"{y:04d}-{last:02d}" if first == last else f"{y}年{first}-{last}月"


def report_tally(raw: RawTable, tally: dict, findings: Findings) -> None:
    """One ``footer_ignored`` per distinct footer text; the total rows in ``layout_notes``."""
    seen: dict[str, list[tuple[str, int]]] = {}
    for where, row, text in tally["footers"]:
        seen.setdefault(text, []).append((where, row))
    for text, places in seen.items():
        where, row = places[0]
        more = f"(共 {len(places)} 处,各工作表同样)" if len(places) > 1 else ""
        findings.add(
            "footer_ignored",
            f"{where}第{row}行是表尾的说明行(填表人、审核人、填报日期、备注等),已忽略{more}:"
            f"{text[:40]}",
            file=raw.file,
            row=row,
            value=text[:60],
            severity="info",
        )
    if tally["totals"]:
        raw.layout_notes.append(f"合计/小计/总计行 {tally['totals']} 行已排除,并与明细之和核对")
    if tally["footers"]:
        raw.layout_notes.append(f"表尾说明行(填表人、审核人等){len(tally['footers'])} 行已忽略")


def total_kinds(data: pd.DataFrame) -> np.ndarray:
    """Per row, the kind (合计, 小计 or 总计) named by its first text cell that matches
    :data:`_TOTAL`, else ``""``. Every kind contains 计, so only rows with a 计 in some text
    cell are read cell by cell (a statement of a million rows is one vectorised pass).

    >>> total_kinds(pd.DataFrame({0: ["甲", "小计", None, 3], 1: ["合计", "x", "总计", "计数"]}))
    array(['合计', '小计', '总计', ''], dtype=object)
    """
    n = len(data)
    kinds = np.full(n, "", dtype=object)
    candidates = np.zeros(n, dtype=bool)
    for c in data.columns:
        col = data[c]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        try:
            has = col.str.contains("计", regex=False, na=False)
        except AttributeError:  # no text in the column
            continue
        candidates |= has.to_numpy(dtype=bool, na_value=False)
    for i in np.flatnonzero(candidates):
        for v in data.iloc[i]:
            if isinstance(v, str) and (m := _TOTAL.match(norm(v))):
                kinds[i] = m.group(1)
                break
    return kinds


def _tidy(raw: RawTable, spec: TableSpec, findings: Findings, where: str, tally: dict) -> None:
    data = raw.data
    n = len(data)
    keep = np.ones(n, dtype=bool)
    end = n  # footers: from the bottom up
    while end > 0:
        first = next((v for v in data.iloc[end - 1] if v is not None and str(v).strip()), None)
        if first is None or not is_footer(first):
            break
        end -= 1
        tally["footers"].append((where, int(raw.rows[end]), str(first).strip()))
    keep[end:] = False
    kinds = total_kinds(data)
    is_total = (kinds != "") & keep
    if is_total.any():
        _check_totals(raw, spec, data, kinds, keep, findings, where)
        keep &= ~is_total
        tally["totals"] += int(is_total.sum())
    if not keep.all():
        raw.data = data.loc[keep].reset_index(drop=True)
        raw.rows = raw.rows[keep]


def _check_totals(raw, spec, data, kinds, keep, findings, where) -> None:
    lookup = header_lookup(spec)
    positions = []
    for i, h in enumerate(raw.headers):
        m = match_header(h, lookup)
        col = spec.column(m[0]) if m is not None else None
        if col is not None and col.kind in (FLOAT, INT) and not col.key and "year" not in col.name:
            positions.append(i)
    values = {
        i: np.asarray(parse_numbers(data[i].astype(object))[0], dtype="float64") for i in positions
    }
    detail = (kinds == "") & keep
    for t in np.flatnonzero((kinds != "") & keep):
        kind = kinds[t]
        stops = (kinds[:t] != "") if kind == "小计" else np.isin(kinds[:t], ("合计", "总计"))
        start = int(np.flatnonzero(stops)[-1]) + 1 if stops.any() else 0
        span = detail[start:t].copy()
        for i in positions:
            total = values[i][t]
            if not np.isfinite(total):
                continue
            s = float(np.nansum(values[i][start:t][span]))
            if abs(total - s) > 0.1 + 1e-6 * abs(s):
                findings.add(
                    "total_mismatch",
                    f"{where}第{int(raw.rows[t])}行{kind} {total:g} ≠ 上方 {int(span.sum())} 行"
                    f"之和 {s:g}(差 {total - s:g});合计行未读取,数据按明细行计算,请核对明细或合计",
                    file=raw.file,
                    row=int(raw.rows[t]),
                    column=raw.headers[i],
                    value=data[i].iat[t],
                    severity="warning",
                )
