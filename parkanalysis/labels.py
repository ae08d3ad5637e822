"""Presentation: the one table of Chinese labels, and tables rendered for people.

Internal column names carry units in English (``tax_wan_yuan``); what people see is
Chinese (``税收(万元)``). Only this module maps one to the other.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd

#: Internal column name → Chinese header shown to users.
COLUMN_LABELS: dict[str, str] = {
    "id": "指标代码",
    "name": "指标",
    "value": "数值",
    "unit": "单位",
    "yoy_pct": "同比(%)",
    "prev_value": "上年同期",
    "scope": "口径",
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
    "share_pct": "占比(%)",
    "kind": "企业类型",
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
    "date": "填报日期",
    "use": "用途",
    "floors_planned": "设计层数",
    "floors_built": "已建层数",
    "stage": "形象进度",
    "relocation_id": "搬迁编号",
    "short_name": "企业简称",
    "status": "进展",
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


def with_labels(frame: pd.DataFrame, *, extra: dict[str, str] | None = None) -> pd.DataFrame:
    """Return a copy of ``frame`` with Chinese column headers."""
    mapping = {**COLUMN_LABELS, **(extra or {})}
    return frame.rename(columns=lambda c: mapping.get(c, c))


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


def to_excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Return an XLSX workbook with one sheet per frame, Chinese headers, no formulas.

    Text that starts like a formula (``=HYPERLINK(…)``) is stored as text, so opening the
    file never runs anything from the data.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title=str(title)[:31] or "Sheet")
        shown = with_labels(frame)
        sheet.append([_safe_cell(c) for c in shown.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in shown.itertuples(index=False):
            sheet.append([_safe_cell(v) for v in row])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(_FORMULA_START):
                        cell.quotePrefix = True
                elif isinstance(cell.value, float):
                    cell.number_format = "#,##0.0"
        for index, column in enumerate(shown.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in shown.iloc[:200, index - 1]])
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(
                60, 2 + 1.6 * width
            )
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
