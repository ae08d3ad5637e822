"""From a raw table (cells as read) to a typed frame with the internal column names.

Per-cell rules live here: header mapping (``missing_column``, ``duplicate_column``,
``bad_unit``), parsing (``bad_value``, ``bad_choice``, ``missing_value``), units, signs
(``negative_value``) and keys (``duplicate_key``). Rules across rows and tables are in
:mod:`parkanalysis.dataset.validate`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkanalysis.dataset import _parse as P
from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.readers import RawTable, header_lookup, match_header
from parkanalysis.dataset.schema import (
    AREA,
    AREA_COLUMNS,
    BOOL,
    CHOICE,
    DATE,
    FLOAT,
    INT,
    LIST,
    MONTH,
    PERCENT,
    ColumnSpec,
    TableSpec,
)
from parkanalysis.units import to_mu

_KIND_ZH = {
    FLOAT: "数字",
    INT: "整数",
    DATE: "日期(如 2016-05-31、2016年5月31日;年份 1900-2100)",
    MONTH: "月份(如 2016-05、2016年5月、201605;年份 1949-2100)",
    BOOL: "是/否",
}


@dataclass
class TableData:
    """A parsed table: typed frame (plus ``_row``), its file and the headers as written."""

    spec: TableSpec
    file: str
    frame: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)
    #: the register's own 规上 flags by year (see :func:`.office.register_flags`)
    above_size_flags: pd.DataFrame | None = None
    #: columns the package derived (not cells of the file), e.g. enterprise_id from names
    derived: frozenset[str] = frozenset()
    #: cells as written (by Excel row) of columns whose values the package replaced
    written_values: dict[str, pd.Series] = field(default_factory=dict)

    def header(self, column: str) -> str:
        """The header as written in the file for ``column`` (its Chinese name if absent)."""
        return self.headers.get(column) or self.spec.column(column).zh

    def id_column(self) -> str:
        """The column that identifies an enterprise in the file as the user wrote it: the
        name when the package looked the code up from names, else ``enterprise_id``."""
        if "enterprise_id" in self.derived and "enterprise_name" in self.frame.columns:
            return "enterprise_name"
        return "enterprise_id"

    def as_written(self, row: int | None, column: str, at: int | None = None):
        """The cell at Excel ``row`` of ``column`` as the file has it (before the package
        replaced it, e.g. a credit code by the register's id); None when blank or absent.
        ``at``: the row's position in the frame (Excel rows repeat across sheets)."""
        if row is None or column not in self.frame.columns:
            return None
        if column in self.written_values:
            value = self.written_values[column].get(row)
        else:
            at = self._row_positions.get(row) if at is None else at
            value = None if at is None else self.frame[column].iat[at]
        return None if value is None or pd.isna(value) else value

    @functools.cached_property
    def _row_positions(self) -> dict[int, int]:
        return {int(r): i for i, r in enumerate(self.frame["_row"].to_numpy())}


def accepted_headers(col: ColumnSpec) -> str:
    """List the header spellings accepted for ``col`` (for messages)."""
    names = [col.zh, col.name, *col.aliases]
    return "、".join(f"「{n}」" for n in names)


def parse_table(
    raw: RawTable, findings: Findings, spec: TableSpec | None = None
) -> TableData | None:
    """Map headers, parse every column, report per-cell findings; None if unusable.

    ``spec`` is the table's spec as this file is read (see :func:`.office.spec_for`);
    by default the table's own.
    """
    spec = spec or _spec(raw.table)
    file = raw.file
    if not raw.headers:
        _report_no_header(raw, spec, findings)
        return None

    lookup = header_lookup(spec)
    positions: dict[str, int] = {}
    units: dict[str, str | None] = {}
    written: dict[str, str] = {}
    for i, h in enumerate(raw.headers):
        m = match_header(h, lookup)
        if m is None:
            continue
        name, unit = m
        if name in positions:
            findings.add(
                "duplicate_column",
                f"列「{h}」与列「{written[name]}」都表示「{spec.column(name).zh}」;请删除或改名其中一列",
                file=file,
                row=raw.header_row_of(i),
                column=h,
            )
            continue
        positions[name], units[name], written[name] = i, unit, h

    ok = True
    for col in spec.columns:
        if col.required and col.name not in positions:
            ok = False
            findings.add(
                "missing_column",
                f"缺少必填列「{col.zh}」;请添加该列,可用表头:{accepted_headers(col)}",
                file=file,
                row=raw.header_row,
                column=col.zh,
            )
    for row, c, formula in raw.formula_cells:
        findings.add(
            "bad_value",
            "公式没有计算结果(文件未在 Excel 中保存过计算值);请在 Excel 中打开、重新计算并保存,"
            "或把公式粘贴为数值",
            file=file,
            row=row,
            column=raw.headers[c] if c < len(raw.headers) else None,
            value=formula,
        )

    rows = raw.rows
    out: dict[str, object] = {"_row": rows}
    blank_cells: dict[str, np.ndarray] = {}
    for col in spec.columns:
        if col.name not in positions:
            out.update(_empty_column(col, len(rows)))
            continue
        series = raw.data[positions[col.name]]
        header = written[col.name]
        parsed, blank = _parse_column(
            col,
            series,
            units[col.name],
            header,
            file,
            rows,
            findings,
            raw.header_row_of(positions[col.name]),
        )
        if parsed is None:
            ok = False
            out.update(_empty_column(col, len(rows)))
            continue
        out.update(parsed)
        blank_cells[col.name] = blank
        if col.required:
            findings.add_mask(
                "missing_value",
                blank,
                file=file,
                rows=rows,
                column=header,
                values=None,
                message=f"必填项「{col.zh}」为空;请填写",
            )
    frame = pd.DataFrame(out)
    area_rows = {c: raw.header_row_of(i) for c, i in positions.items()}
    frame = _convert_areas(spec, frame, units, written, file, findings, area_rows)
    _check_negative(spec, frame, written, file, findings)
    if ok:
        _check_keys(spec, frame, written, file, findings, blank_cells)
    _check_no_enterprise(spec, raw, frame, written, findings)
    derived = frozenset(c for c, i in positions.items() if i in raw.derived_positions)
    as_written = {
        c: pd.Series(raw.rewritten[i], index=raw.rows)
        for c, i in positions.items()
        if i in raw.rewritten
    }
    return TableData(spec, file, frame, written, derived=derived, written_values=as_written)


def merge_tables(parts: list[TableData], findings: Findings) -> TableData:
    """One table kept in several files (a file per month or per year) as one :class:`TableData`.

    Each file was parsed (and its cells reported) on its own; here the frames are stacked in
    the order of the files, a key (企业-月份) given by two files is a ``duplicate_key`` error
    naming both, and the table's ``file`` reads 「first … last(共 N 个文件)」 for the checks
    that follow (their rows are those of each file).
    """
    first = parts[0]
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    keys = _key_columns(first.spec)
    owner = np.concatenate([np.full(len(p.frame), i) for i, p in enumerate(parts)])
    dup = frame.duplicated(keys, keep=False).to_numpy() & (frame[keys].notna().all(axis=1))
    if dup.any():
        seen: dict[tuple, int] = {}
        for i in np.flatnonzero(dup):
            k = tuple(frame[keys].iloc[i])
            if k in seen and owner[seen[k]] != owner[i]:
                a, b = parts[owner[seen[k]]], parts[owner[i]]
                findings.add(
                    "duplicate_key",
                    f"与 {a.file} 第{int(frame['_row'].iat[seen[k]])}行重复"
                    f"(同一企业、同一月份在两个文件中都有);请删除其中一行",
                    file=b.file,
                    row=int(frame["_row"].iat[i]),
                    value=" / ".join(map(str, k)),
                )
            seen.setdefault(k, i)
    label = f"{first.file} … {parts[-1].file}(共 {len(parts)} 个文件)"
    written: dict[str, pd.Series] = {}
    return TableData(
        first.spec,
        label,
        frame,
        dict(first.headers),
        derived=frozenset().union(*(p.derived for p in parts)),
        written_values=written,
    )


def _report_no_header(raw: RawTable, spec: TableSpec, findings: Findings) -> None:
    """No header row found: name the row looked at, the key columns found there and not."""
    # the key columns this read requires; where an office layout makes them optional (one
    # park, names instead of codes), the table's other required columns, else its keys: a
    # file without a header row is never read as an empty table without a word
    keys = [spec.column(k) for k in spec.keys if spec.column(k).required]
    keys = keys or [c for c in spec.columns if c.required] or [spec.column(k) for k in spec.keys]
    probe = raw.header_probe
    if probe is None:
        for col in keys:
            findings.add(
                "missing_column",
                f"在前 50 行中没有找到表头行(没有一行含有本表的列名);缺少列「{col.zh}」,"
                f"可用表头:{accepted_headers(col)}",
                file=raw.file,
                column=col.zh,
            )
        return
    row, found, missing = probe
    if not missing:
        findings.add(
            "missing_column",
            f"第{row}行含有关键列{'、'.join(f'「{k}」' for k in found)},但可识别的列太少,"
            "不像表头行;请检查表头是否完整",
            file=raw.file,
            row=row,
        )
        return
    have = f"找到了{'、'.join(f'「{k}」' for k in found)}," if found else ""
    if not any(col.zh in missing for col in keys):
        missing = [col.zh for col in keys]
    for col in keys:
        if col.zh not in missing:
            continue
        findings.add(
            "missing_column",
            f"第{row}行最像表头行:{have}没有找到关键列「{col.zh}」;"
            f"请添加该列,可用表头:{accepted_headers(col)}",
            file=raw.file,
            row=row,
            column=col.zh,
        )


def _spec(name: str) -> TableSpec:
    from parkanalysis.dataset.schema import TABLES

    return TABLES[name]


def _empty_column(col: ColumnSpec, n: int) -> dict[str, object]:
    if col.kind == MONTH:
        return {"year": np.zeros(n, dtype="int64"), "month": np.zeros(n, dtype="int64")}
    return {col.name: _empty(col.kind, n)}


def _empty(kind: str, n: int):
    if kind == FLOAT:
        return np.full(n, np.nan)
    if kind == INT:
        return pd.array([pd.NA] * n, dtype="Int64")
    if kind == DATE:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if kind == BOOL:
        return pd.array([pd.NA] * n, dtype="boolean")
    if kind == LIST:
        arr = np.empty(n, dtype=object)
        arr[:] = [()] * n
        return arr
    return pd.Series([pd.NA] * n, dtype="str")


def _parse_column(col, series, unit, header, file, rows, findings, header_row=None):
    """Parse one column; return ``({name: values}, blank mask)`` or ``(None, None)``."""
    if col.kind in (FLOAT, INT):
        # areas are converted later, with the unit of each row (_convert_areas)
        to_stored = P.unit_converter(None if col.unit == AREA else col.unit, unit)
        if to_stored is None:
            findings.add(
                "bad_unit",
                f"无法识别的单位「{unit}」;「{col.zh}」的单位可写 {P.units_for(col.unit)}",
                file=file,
                row=header_row,
                column=header,
                value=unit,
            )
            return None, None
        values, bad = P.parse_finite(series, allow_percent=col.unit == PERCENT)
        blank = np.isnan(values) & ~bad
        _report_bad(findings, bad, col, series, header, file, rows)
        if col.kind == INT:
            frac = ~np.isnan(values) & (np.floor(values) != values)
            _report_bad(findings, frac & ~bad, col, series, header, file, rows)
            values[frac] = np.nan
            values = to_stored(values)
            return {
                col.name: pd.array(np.where(np.isnan(values), None, values), dtype="Int64")
                if col.name != "employees"
                else values
            }, blank
        return {col.name: to_stored(values)}, blank
    if col.kind in (DATE, BOOL):
        values, bad = (P.parse_date if col.kind == DATE else P.parse_bool)(series)
        blank = values.isna().to_numpy() & ~bad
        _report_bad(findings, bad, col, series, header, file, rows)
        if col.kind == DATE and series.dtype == object:
            monthly = P.month_only(series)
            if monthly.any():
                first = int(np.flatnonzero(monthly)[0])
                findings.add(
                    "date_month_precision",
                    f"「{header}」有 {int(monthly.sum())} 个单元格只写到月(如 {series.iat[first]}),"
                    "按该月 1 日计;按月统计的结果不受影响,需要精确到日的(如整改期限)请写全日期",
                    file=file,
                    row=int(rows[first]),
                    column=header,
                    value=str(series.iat[first]),
                    severity="info",
                )
        return {col.name: values.reset_index(drop=True)}, blank
    if col.kind == MONTH:
        ym, bad = P.parse_month(series)
        blank = (ym == 0) & ~bad
        _report_bad(findings, bad, col, series, header, file, rows)
        return {"year": ym // 100, "month": ym % 100}, blank
    if col.kind == LIST:
        values = P.parse_list(series).reset_index(drop=True).to_numpy()
        return {col.name: values}, np.array([len(v) == 0 for v in values], dtype=bool)
    text = P.parse_str(series).reset_index(drop=True)
    blank = text.isna().to_numpy()
    if col.kind == CHOICE:
        codes, uniques = pd.factorize(text, use_na_sentinel=True)
        mapped = np.array(
            [P.normalize_choice(str(u), col.choices) for u in uniques] + [None], dtype=object
        )
        canon = mapped[codes]  # code -1 picks the trailing None
        bad = (codes >= 0) & pd.isna(canon)
        rule = "bad_unit" if col.name.endswith("_unit") else "bad_choice"
        findings.add_mask(
            rule,
            bad,
            file=file,
            rows=rows,
            column=header,
            values=text.to_numpy(dtype=object),
            message=f"「{col.zh}」只能填 {'、'.join(col.choices)};请改为其中之一",
        )
        text = pd.Series(canon, dtype="str")
    return {col.name: text}, blank


def _report_bad(findings, bad, col, series, header, file, rows):
    if not bad.any():
        return
    findings.add_mask(
        "bad_value",
        bad,
        file=file,
        rows=rows,
        column=header,
        values=series.to_numpy(dtype=object),
        message=f"「{col.zh}」应为{_KIND_ZH.get(col.kind, '文字')};请改正该单元格(缺失请留空)",
    )


def _convert_areas(spec, frame, units, written, file, findings, header_rows) -> pd.DataFrame:
    """``area`` + ``area_unit`` (or the header unit, else 亩) → ``area_mu``; same for land_freed."""
    for col, (unit_col, out_col) in AREA_COLUMNS.items():
        if col not in frame.columns:
            continue
        header_unit = units.get(col) or P.STORED_UNITS[AREA]
        if P.unit_converter(AREA, header_unit) is None:
            findings.add(
                "bad_unit",
                f"无法识别的面积单位「{header_unit}」;可写 {P.units_for(AREA)}",
                file=file,
                row=header_rows.get(col),
                column=written.get(col),
                value=header_unit,
            )
            header_unit = None  # rows without their own unit get no area
        # the unit of each row: its own (a choice of AREA_UNIT_CHOICES), else the header's
        row_units = np.array(frame[unit_col], dtype=object)
        row_units[pd.isna(row_units)] = header_unit
        values = frame[col].to_numpy(dtype="float64")
        area_mu = np.full(len(frame), np.nan)
        codes, uniques = pd.factorize(row_units, use_na_sentinel=True)
        for code, unit in enumerate(uniques):
            rows_in_unit = codes == code
            area_mu[rows_in_unit] = to_mu(values[rows_in_unit], unit)
        frame[out_col] = area_mu
        frame = frame.drop(columns=[col, unit_col])
    return frame


def _check_negative(spec, frame, written, file, findings):
    for col in spec.columns:
        if col.kind not in (FLOAT, INT) or (col.unit in (None, PERCENT) and col.kind == FLOAT):
            continue
        name = AREA_COLUMNS.get(col.name, (None, col.name))[1]
        if name not in frame.columns:
            continue
        values = frame[name].to_numpy(dtype="float64", na_value=np.nan)
        findings.add_mask(
            "negative_value",
            values < 0,
            file=file,
            rows=frame["_row"].to_numpy(),
            column=written.get(col.name),
            values=values,
            message=f"「{col.zh}」不能为负数;请核对(退税等冲减请在备注中说明,不要填负数)",
        )


def _check_keys(spec, frame, written, file, findings, blank_cells):
    keys = _key_columns(spec)
    sub = frame[keys]
    filled = np.ones(len(frame), dtype=bool)
    for k in spec.keys:
        if k in blank_cells:
            filled &= ~blank_cells[k]
    if spec.name in ("monthly_stats", "cumulative_stats"):
        filled &= frame["year"].to_numpy() > 0
    codes = np.zeros(len(frame), dtype="int64")
    span = 1
    for k in keys:
        c, u = pd.factorize(sub[k], use_na_sentinel=True)
        span *= len(u) + 1
        if span > 2**62:  # too many combinations for one int64: let pandas number them
            codes = sub.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
            break
        codes = codes * (len(u) + 1) + (c + 1)
    dup = pd.Series(codes).duplicated(keep="first").to_numpy() & filled
    if not dup.any():
        return
    first_row = pd.Series(frame["_row"].to_numpy()).groupby(codes).transform("first").to_numpy()
    rows = frame["_row"].to_numpy()
    shown = "、".join(written.get(k) or spec.column(k).zh for k in spec.keys)
    key_text = sub.astype("str").agg(" / ".join, axis=1).to_numpy() if dup.sum() < 5000 else None
    findings.add_mask(
        "duplicate_key",
        dup,
        file=file,
        rows=rows,
        column=written.get(spec.keys[-1]),
        values=key_text,
        message=lambda i: f"与第{first_row[i]}行重复(关键列:{shown});请删除重复行或改正编号",
    )


def _check_no_enterprise(spec, raw, frame, written, findings) -> None:
    """A row with numbers but neither 企业代码 nor 企业名称 (the name standing in for the code
    makes the code optional): ``missing_value``, never a row quietly belonging to no one."""
    if "enterprise_id" not in spec.keys or not spec.column("enterprise_id").optional:
        return
    nobody = frame["enterprise_id"].isna().to_numpy().copy()
    if "enterprise_name" in frame:
        nobody &= frame["enterprise_name"].isna().to_numpy()
    if not nobody.any():
        return
    lookup = header_lookup(spec)
    own = [
        i
        for i, h in enumerate(raw.headers)
        if i not in raw.derived_positions
        and (m := match_header(h, lookup)) is not None
        and m[0] not in ("park_id", "month", "period")
    ]
    filled = np.zeros(len(frame), dtype=bool)
    for i in own:
        col = raw.data[i]
        filled |= (col.notna() & (col.astype(str).str.strip() != "")).to_numpy(dtype=bool)
    bad = nobody & filled
    if bad.any():
        findings.add_mask(
            "missing_value",
            bad,
            file=raw.file,
            rows=frame["_row"].to_numpy(),
            column=written.get("enterprise_id") or written.get("enterprise_name") or "企业代码",
            values=None,
            message="这一行有数据,但企业代码和企业名称都为空,不属于任何企业,未计入;"
            "请填写企业代码或名称(合计行请在首列写明「合计」)",
        )


def _key_columns(spec: TableSpec) -> list[str]:
    out = []
    for k in spec.keys:
        out.extend(["year", "month"] if k == "month" else [k])
    return out
