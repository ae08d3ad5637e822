"""Presentation: Chinese headers and unit-aware numbers for the package's tables.

Internal column names carry units in English (``tax_wan_yuan``); what people see is
Chinese (``税收(万元)``). Only this module maps one to the other.

A header depends on the table a column came from: ``name`` is 企业名称 in the enterprise
register, 项目名称 in projects and 指标 in an indicator table. :func:`with_labels` therefore
labels a frame by its **table** — given by the caller, recorded in ``frame.attrs`` by the
exploration functions (:data:`TABLE_ATTR`), or recognised from its columns
(:func:`infer_table`) — using the data schema (:mod:`parkanalysis.dataset.schema`) for the
dataset's own tables, :data:`TABLE_LABELS` for computed ones, then :data:`COLUMN_LABELS`.

Precision follows the unit (:func:`decimals_for_unit`): 万元 and 亩 1 decimal, 万元/亩 and
other per-unit ratios 2, % 1, counts (人, 家, 宗, 处) 0; missing values print as 「—」.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd

#: Internal column name → Chinese header shown to users.
COLUMN_LABELS: dict[str, str] = {
    "id": "代码",
    "name": "名称",
    "value": "数值",
    "unit": "单位",
    "yoy_pct": "同比(%)",
    "prev_value": "上年同期",
    "scope": "口径",
    "scope_value": "同口径本期",
    "all_yoy_pct": "全口径同比(%)",
    "all_prev_value": "全口径上年同期",
    "published_value": "公布数",
    "published_yoy_pct": "公布同比(%)",
    "difference": "差额",
    "note": "说明",
    "park_id": "园区代码",
    "park_name": "园区",
    "enterprise_id": "企业代码",
    "enterprise_name": "企业名称",
    "name_zh": "名称",
    "year": "年份",
    "month": "月份",
    "period": "时期",
    "output_wan_yuan": "工业总产值(万元)",
    "value_added_wan_yuan": "工业增加值(万元)",
    "revenue_wan_yuan": "主营业务收入(万元)",
    "tax_wan_yuan": "税收(万元)",
    "employees": "从业人员(人)",
    "fixed_asset_investment_wan_yuan": "固定资产投资(万元)",
    "area_mu": "面积(亩)",
    "area_ha": "面积(公顷)",
    "value_mu": "折合(亩)",
    "supplied_mu": "供地面积(亩)",
    "transactions": "宗数",
    "grade": "评价等级",
    "score": "综合得分",
    "tax_per_mu": "亩均税收(万元/亩)",
    "value_added_per_mu": "亩均增加值(万元/亩)",
    "labour_productivity": "全员劳动生产率(万元/人)",
    "output_per_mu": "亩均产值(万元/亩)",
    "revenue_per_mu": "亩均营业收入(万元/亩)",
    "rank": "排名",
    "reason": "原因",
    "count": "企业数",
    "n_enterprises": "企业数(家)",
    "reporting_rate_pct": "报送率(%)",
    "prev_reporting_rate_pct": "上年同期报送率(%)",
    "park_names": "园区",
    "park": "园区",
    "dataset": "数据集",
    "parks_included": "合计所含园区",
    "parks_not_reported": "未报园区(未计入合计)",
    "industry_name": "行业",
    "section": "门类代码",
    "section_name": "门类",
    "division": "大类代码",
    "division_name": "行业大类",
    "change": "增减额",
    "pull_pp": "拉动(百分点)",
    "contribution_pct": "贡献率(%)",
    "in_scope": "同口径",
    "label_zh": "月份",
    "split": "由1-2月合计拆分",
    "planned_use": "规划用途",
    "total_mu": "合计(亩)",
    "park_total": "园区合计",
    "output_share_pct": "产值占比(%)",
    "flow": "流量合计",
    "share_pct": "占比(%)",
    "kind": "类型",
    "industry_code": "行业代码",
    "above_size": "规上",
    "in_production": "在产",
    "exited": "已退出",
    "has_data": "本期有数据",
    "avg_employees": "平均从业人员(人)",
    "prev_output_wan_yuan": "上年同期工业总产值(万元)",
    "prev_value_added_wan_yuan": "上年同期工业增加值(万元)",
    "prev_revenue_wan_yuan": "上年同期主营业务收入(万元)",
    "prev_tax_wan_yuan": "上年同期税收(万元)",
    "prev_fixed_asset_investment_wan_yuan": "上年同期固定资产投资(万元)",
    "prev_employees": "上年同期从业人员(人)",
    "monthly_value": "当月值",
    "mean": "预测值",
    "lo80": "80%区间下限",
    "hi80": "80%区间上限",
    "lo95": "95%区间下限",
    "hi95": "95%区间上限",
    # land (parkanalysis.land)
    "phase_id": "期别代码",
    "phase_name": "期别",
    "item": "行代码",
    "label": "项目",
    "declared_mu": "申报数(亩)",
    "ledger_mu": "台账数(亩)",
    "residual_mu": "差额(亩)",
    "declared_ha": "申报数(公顷)",
    "ledger_ha": "台账数(公顷)",
    "supplied_ha": "供地面积(公顷)",
    "cumulative_mu": "累计供地(亩)",
    "complete": "完整年度",
    "parcel_id": "地块编号",
    "supply_date": "供地日期",
    "supply_method": "供地方式",
    "transferee": "受让人/项目",
    "exhausted_prob": "累计用尽概率",
    "need_net_mu": "需新增可供土地(亩)",
    "need_gross_mu": "折合规划面积(亩)",
    "scenario": "情景",
    "p10": "用尽年份P10",
    "p50": "用尽年份P50",
    "p90": "用尽年份P90",
    "prob_within_horizon": "预测期内用尽概率",
    "horizon_years": "规划年数",
    "net_mu": "需新增可供土地(亩)",
    "gross_mu": "折合规划面积(亩)",
    # safety (parkanalysis.safety)
    "hazard_id": "隐患编号",
    "category": "隐患类别",
    "severity": "隐患等级",
    "inspection_date": "排查日期",
    "deadline": "整改期限",
    "days_overdue": "逾期天数",
    "found": "排查隐患(处)",
    "rectified": "已整改(处)",
    "overdue": "逾期未整改(处)",
    # projects and relocations (parkanalysis.projects)
    "project_id": "项目代码",
    "project_name": "项目名称",
    "building_no": "楼栋号",
    "date": "日期",
    "use": "用途",
    "floors_planned": "设计层数",
    "floors_built": "已建层数",
    "stage": "形象进度",
    "relocation_id": "搬迁编号",
    "short_name": "企业简称",
    "status": "状态",
    "status_date": "进展日期",
    "land_freed_mu": "腾退土地(亩)",
    "parcel_ids": "涉及地块",
    "done": "已完成",
}

#: Characters that make a spreadsheet treat a text cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def label(column: str) -> str:
    """Return the Chinese header for an internal column name (the name itself if unknown).

    Examples
    --------
    >>> label("tax_wan_yuan")
    '税收(万元)'
    >>> label("something_else")
    'something_else'
    """
    return COLUMN_LABELS.get(column, column)


#: Key of ``DataFrame.attrs`` naming the table a frame came from (and optional labels/units).
TABLE_ATTR = "parkanalysis"

#: Headers of computed tables that differ from :data:`COLUMN_LABELS` (table → column → header).
TABLE_LABELS: dict[str, dict[str, str]] = {
    "indicators": {"id": "指标代码", "name": "指标"},
    "enterprise_table": {"name": "企业名称", "kind": "企业类型", "area_mu": "用地面积(亩)"},
    "trend": {"label": "时期"},
    "land_indicators": {"id": "指标代码", "name": "指标"},
    "balance": {"label": "项目"},
    "scenarios": {"label": "情景", "description": "说明"},
    # grading annualises a period's flows (× 12 ÷ months): its per-亩/per-person values say so
    "grading": {
        "name": "企业名称",
        "kind": "企业类型",
        "area_mu": "用地面积(亩)",
        "tax_per_mu": "年化亩均税收(万元/亩)",
        "value_added_per_mu": "年化亩均增加值(万元/亩)",
        "labour_productivity": "年化全员劳动生产率(万元/人)",
        "revenue_per_mu": "年化亩均营业收入(万元/亩)",
        "output_per_mu": "年化亩均产值(万元/亩)",
    },
    "contribution": {"name": "企业名称", "value": "本期", "prev_value": "上年同期"},
    "by_industry": {"area_mu": "用地面积(亩)"},
    "monthly": {"month": "月", "label": "月份", "value": "当月值", "prev_value": "上年同月"},
    "drill_down": {
        "name": "企业名称",
        "value": "数值",
        "share_pct": "占园区比重(%)",
        "area_mu": "用地面积(亩)",
    },
    "compare": {"id": "指标代码", "name": "指标"},
    "supply_by_use": {},
}

_UNIT_SUFFIX = {"money": "万元", "area": "亩", "area_m2": "平方米", "people": "人", "percent": "%"}


def _schema_labels(table: str) -> dict[str, str]:
    """Headers of a dataset table from its schema (Chinese name with the unit)."""
    from parkanalysis.dataset.schema import FRAME_NAMES, TABLES

    names = [t for t, frame in FRAME_NAMES.items() if table in (t, frame)]
    out: dict[str, str] = {}
    for spec in (TABLES[n] for n in names):
        for c in spec.columns:
            unit = _UNIT_SUFFIX.get(c.unit or "")
            zh = c.zh if (not unit or unit in c.zh) else f"{c.zh}({unit})"
            out.setdefault(c.name, zh)
            if c.unit == "area":  # read as ``area`` + unit, kept as ``area_mu``
                out.setdefault(f"{c.name}_mu", f"{c.zh}(亩)")
    return out


def table_labels(table: str | None) -> dict[str, str]:
    """Return the headers of ``table``: schema or computed-table labels over the defaults.

    Examples
    --------
    >>> table_labels("enterprises")["name"], table_labels("projects")["name"]
    ('企业名称', '项目名称')
    >>> table_labels("projects")["kind"], table_labels("relocations")["status"]
    ('项目类型', '进展')
    >>> table_labels("parcels")["planned_use"], table_labels("indicators")["name"]
    ('规划用途', '指标')
    """
    out = dict(COLUMN_LABELS)
    if table:
        out.update(_schema_labels(table))
        out.update(TABLE_LABELS.get(table, {}))
    return out


#: Columns that identify a frame's table when ``attrs`` does not say (first match wins).
_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("indicators", frozenset({"id", "name", "value", "unit", "yoy_pct"})),
    ("land_indicators", frozenset({"id", "name", "value", "unit"})),
    ("trend", frozenset({"label", "period", "value", "monthly_value"})),
    ("grading", frozenset({"enterprise_id", "name", "grade"})),
    ("enterprise_table", frozenset({"enterprise_id", "name", "has_data"})),
    ("enterprises", frozenset({"enterprise_id", "name", "entry_date"})),
    ("projects", frozenset({"project_id", "name", "kind", "status"})),
    ("relocations", frozenset({"relocation_id", "status", "status_date"})),
    ("parcels", frozenset({"parcel_id", "planned_use", "supply_status"})),
    ("buildings", frozenset({"project_id", "building_no", "floors_built"})),
    ("hazards", frozenset({"hazard_id", "category", "severity"})),
    ("monthly_stats", frozenset({"enterprise_id", "year", "month", "output_wan_yuan"})),
    ("balance", frozenset({"item", "label", "declared_mu", "ledger_mu"})),
    ("scenarios", frozenset({"scenario", "label", "description"})),
)


def infer_table(frame: pd.DataFrame) -> str | None:
    """Return the table ``frame`` came from: ``attrs`` first, then its columns (or None).

    Examples
    --------
    >>> infer_table(pd.DataFrame(columns=["id", "name", "value", "unit", "yoy_pct"]))
    'indicators'
    >>> infer_table(pd.DataFrame(columns=["project_id", "name", "kind", "status"]))
    'projects'
    >>> infer_table(pd.DataFrame(columns=["a", "b"])) is None
    True
    """
    meta = frame.attrs.get(TABLE_ATTR) if hasattr(frame, "attrs") else None
    if isinstance(meta, dict) and meta.get("table"):
        return str(meta["table"])
    columns = {c for c in frame.columns if isinstance(c, str)}
    for table, signature in _SIGNATURES:
        if signature <= columns:
            return table
    return None


def labels_for(frame: pd.DataFrame, *, table: str | None = None) -> dict[str, str]:
    """Column → header for ``frame`` (its table's labels plus any recorded in ``attrs``)."""
    out = table_labels(table or infer_table(frame))
    meta = frame.attrs.get(TABLE_ATTR) if hasattr(frame, "attrs") else None
    if isinstance(meta, dict):
        out.update(meta.get("labels") or {})
    return out


def with_labels(
    frame: pd.DataFrame, *, table: str | None = None, extra: dict[str, str] | None = None
) -> pd.DataFrame:
    """Return a copy of ``frame`` with Chinese column headers.

    ``table`` names the table the frame came from (a schema table such as ``"projects"``
    or a computed one of :data:`TABLE_LABELS`); by default :func:`infer_table` decides.

    Examples
    --------
    >>> e = pd.DataFrame({"enterprise_id": ["E1"], "name": ["甲"], "entry_date": [None]})
    >>> list(with_labels(e).columns)
    ['企业代码', '企业名称', '入园日期']
    >>> list(with_labels(e, table="projects").columns)
    ['企业代码', '项目名称', 'entry_date']
    """
    mapping = {**labels_for(frame, table=table), **(extra or {})}
    return frame.rename(columns=lambda c: mapping.get(c, c))


#: Units whose values are counted (no decimals).
COUNT_UNITS = ("人", "家", "宗", "处", "个", "项", "次", "年", "层")

#: Unit → decimals shown.
UNIT_DECIMALS: dict[str, int] = {
    "万元": 1,
    "亿元": 2,
    "元": 0,
    "亩": 1,
    "公顷": 2,
    "平方米": 0,
    "%": 1,
    "百分点": 2,
    "万元/亩": 2,
    "万元/公顷": 2,
    "万元/人": 2,
}

_NAME_UNITS = (  # internal column name pattern → unit
    ("_per_mu", "万元/亩"),
    ("_per_ha", "万元/公顷"),
    ("_wan_yuan", "万元"),
    ("_pct", "%"),
    ("_pp", "百分点"),
    ("_mu", "亩"),
    ("_ha", "公顷"),
    ("_m2", "平方米"),
)
_COUNT_COLUMNS = (
    "employees",
    "avg_employees",
    "prev_employees",
    "n_enterprises",
    "count",
    "transactions",
    "found",
    "rectified",
    "overdue",
    "days_overdue",
    "floors_planned",
    "floors_built",
    "rank",
    "year",
    "month",
)


def column_unit(column: Any, *, labels: dict[str, str] | None = None) -> str | None:
    """Unit of an internal column, from its name or its header's "(单位)" (None if unknown).

    Examples
    --------
    >>> column_unit("tax_per_mu"), column_unit("tax_wan_yuan"), column_unit("yoy_pct")
    ('万元/亩', '万元', '%')
    >>> column_unit("employees"), column_unit("labour_productivity"), column_unit("name")
    ('人', '万元/人', None)
    """
    name = str(column)
    if name == "labour_productivity":
        return "万元/人"
    if name in _COUNT_COLUMNS:
        return "人" if "employees" in name else "家" if name in ("n_enterprises", "count") else "个"
    for suffix, unit in _NAME_UNITS:
        if name.endswith(suffix):
            return unit
    header = (labels or {}).get(name, "")
    if header.endswith(")") and "(" in header:
        return header[header.rindex("(") + 1 : -1]
    return None


def decimals_for_unit(unit: Any, default: int = 1) -> int:
    """Decimals shown for a unit: 万元 1, 万元/亩 2, % 1, counts 0.

    Examples
    --------
    >>> [decimals_for_unit(u) for u in ("万元", "万元/亩", "%", "家", "人", None)]
    [1, 2, 1, 0, 0, 1]
    """
    if not isinstance(unit, str) or not unit:
        return default
    if unit in UNIT_DECIMALS:
        return UNIT_DECIMALS[unit]
    if unit in COUNT_UNITS:
        return 0
    if "/" in unit:  # any other ratio per unit of land or person
        return 2
    return default


#: Columns whose numbers follow the row's ``unit`` in tables that have one (indicator tables).
ROW_UNIT_COLUMNS = ("value", "prev_value", "published_value", "difference", "change")


def cell_units(
    frame: pd.DataFrame, column: Any, *, labels: dict[str, str] | None = None
) -> list[str | None]:
    """The unit of each cell of ``column``: the row's ``unit`` or the column's own.

    Examples
    --------
    >>> t = pd.DataFrame({"value": [1.0, 2.0], "unit": ["万元", "家"], "yoy_pct": [1.0, 2.0]})
    >>> cell_units(t, "value"), cell_units(t, "yoy_pct")
    (['万元', '家'], ['%', '%'])
    """
    meta = frame.attrs.get(TABLE_ATTR) if hasattr(frame, "attrs") else None
    meta = meta if isinstance(meta, dict) else {}
    if "unit" in frame.columns and (
        column in ROW_UNIT_COLUMNS or column in (meta.get("row_unit") or ())
    ):
        return [u if isinstance(u, str) else None for u in frame["unit"].tolist()]
    unit = (meta.get("units") or {}).get(column) or column_unit(column, labels=labels)
    return [unit] * len(frame)


def format_value(value: Any, unit: Any = None) -> str:
    """Format one number by its unit: separators, the unit's decimals, 「—」 for missing.

    Examples
    --------
    >>> format_value(0.4024, "万元/亩"), format_value(3126.04, "万元"), format_value(11.0, "家")
    ('0.40', '3,126.0', '11')
    >>> format_value(float("nan"), "万元"), format_value(-3.25, "%")
    ('—', '-3.2')
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if not math.isfinite(float(value)):
            return "—"
        return f"{float(value):,.{decimals_for_unit(unit)}f}"
    return str(value)


def format_number(value: Any, *, decimals: int = 1) -> str:
    """Format a number for a table: thousands separators, fixed decimals, '—' for missing.

    Examples
    --------
    >>> format_number(3126)
    '3,126'
    >>> format_number(8.456)
    '8.5'
    >>> format_number(float("nan"))
    '—'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and abs(value) >= 100
    ):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return str(value)


def to_display_text(frame: pd.DataFrame) -> str:
    """Return a plain-text table with Chinese headers for the terminal."""
    shown = with_labels(frame).map(lambda v: format_number(v) if not isinstance(v, str) else v)
    return shown.to_string(index=False)


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str):  # control characters XML cannot hold are shown as \xNN
        from parkanalysis.escape import xlsx_text

        return xlsx_text(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def excel_number_format(unit: Any, value: Any = None) -> str:
    """The XLSX number format of a number in ``unit``: the decimals the display shows.

    >>> [excel_number_format(u) for u in ("万元", "万元/亩", "家", "%")]
    ['#,##0.0', '#,##0.00', '#,##0', '#,##0.0']
    >>> excel_number_format(None, 3378), excel_number_format(None, 3378.0)
    ('#,##0', '#,##0.0')
    """
    if unit is None and isinstance(value, int | np.integer) and not isinstance(value, bool):
        return "#,##0"
    decimals = decimals_for_unit(unit)
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def to_excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Return an XLSX workbook with one sheet per frame, Chinese headers, no formulas.

    Text that starts like a formula (``=HYPERLINK(…)``) is stored as text, so opening the
    file never runs anything from the data. Numbers are stored as numbers, shown with the
    decimals of their unit as the display shows them (:func:`decimals_for_unit`: 万元 1,
    万元/亩 2, % 1, counts 0; a row's own ``unit`` in indicator tables); a column without a
    unit whose numbers are all whole (integers, or counts a ``groupby`` made floats) shows
    no decimals.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        name = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title))[:31]
        sheet = book.create_sheet(title=name or "Sheet")
        labels = labels_for(frame)
        shown = with_labels(frame)
        units = [cell_units(frame, c, labels=labels) for c in frame.columns]
        for i in range(frame.shape[1]):  # whole numbers of no unit: shown as the display does
            values = frame.iloc[:, i]
            if units[i][:1] == [None] and pd.api.types.is_float_dtype(values):
                finite = values[np.isfinite(values.to_numpy(dtype="float64"))]
                if len(finite) and bool((finite == finite.round()).all()):
                    units[i] = ["个"] * len(frame)
        sheet.append([_safe_cell(c) for c in shown.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in shown.itertuples(index=False):
            sheet.append([_safe_cell(v) for v in row])
        for r, row in enumerate(sheet.iter_rows(min_row=2)):
            for c, cell in enumerate(row):
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(_FORMULA_START):
                        cell.quotePrefix = True
                elif isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.number_format = excel_number_format(units[c][r], cell.value)
        for index, column in enumerate(shown.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in shown.iloc[:200, index - 1]])
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(
                60, 2 + 1.6 * width
            )
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
