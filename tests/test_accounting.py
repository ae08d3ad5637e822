"""Nothing lost in silence, on a class of folders: the layout writer's layouts with random
extra material, every filled cell used or named (:mod:`parkanalysis.dataset.accounting`).

For every layout whose statistics are a workbook (tests/test_layouts.py and
tests/office_layouts.py), a seeded generator adds to a copy of the folder a random choice of:
an unknown column, an extra sheet, a notes block under a table, a 合计 row, a row with
numbers and no enterprise, one more month sheet, text in a number cell. ``validate`` must
then (1) report no ``content_not_read`` — every filled cell of every sheet is used in the
dataset or named by a finding that says why (file, sheet, Excel row or column) — and (2)
name each addition with its own finding at its own place, or read it (the extra month's
rows are in the dataset; the 合计 row is not). The accounting itself is checked to fail
where the reader drops a cell without a word (a cell far right of the table).
"""

from __future__ import annotations

import functools
import random
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests import office_layouts as OL
from tests import test_layouts as TL

PERTURBATIONS = (
    "unknown_column",
    "extra_sheet",
    "notes_block",
    "total_row",
    "blank_name_row",
    "extra_month",
    "text_in_number",
)
#: layout → (writer, statistics workbooks are named …)
LAYOUTS = {
    **{name: "TL" for name, (file, _) in TL.LAYOUTS.items() if file.endswith(".xlsx")},
    **{
        name: "OL"
        for name, (_, stats, _, _) in OL.FOLDERS.items()
        if stats not in TL.LAYOUTS or TL.LAYOUTS[stats][0].endswith(".xlsx")
        if stats not in ("files_per_month", "cumulative_credit")  # CSV statistics
    },
}
SEEDS = (1,)
#: what a layout's reader leaves out without its own finding (the accounting lists it):
#: an unknown column beside the months of a table with the months as columns
KNOWN_GAPS = {("wide_months", "unknown_column"), ("wide_months_grouped", "unknown_column")}
MARK = 4321.5  # the numbers of added rows (found again by value)


def _validate(folder: Path):
    from parkanalysis.dataset.core import validate_dataset

    return validate_dataset(folder)


@functools.cache
def clean(layout: str, root: Path) -> tuple[Path, int]:
    """The layout written and drafted once (init's sources, the sample's parks/config);
    its statistics row count."""
    folder = root / f"clean_{layout}"
    if LAYOUTS[layout] == "TL":
        TL.write_layout(folder, layout)
        TL.init_and_profile(folder)
    else:
        from tests.test_office_folders import profile_from_draft

        OL.write_folder(folder, layout)
        TL.cli("init", folder)
        profile_from_draft(folder)
    report = _validate(folder)
    assert report.ok, report.errors[:3]
    assert not [w for w in report.warnings if w.rule == "content_not_read"], layout
    stats = "cumulative_stats" if "cumulative_stats" in report.tables else "monthly_stats"
    return folder, report.tables[stats]


def _stats_workbooks(folder: Path) -> list[Path]:
    import yaml

    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    return [
        folder / f
        for f, s in doc["sources"].items()
        if s["table"] in ("monthly_stats", "cumulative_stats") and f.endswith(".xlsx")
    ]


def _data_sheets(wb) -> list:
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.max_row > 3]


def _footer_row(ws) -> int:
    """The row before which material is added: the footer's blank row, else past the end."""
    for r in range(ws.max_row, 0, -1):
        v = ws.cell(r, 1).value
        if isinstance(v, str) and v.startswith("填表人"):
            return r - 1 if ws.cell(r - 1, 1).value is None else r
    return ws.max_row + 1


def _header_row(ws) -> int:
    for r in range(1, 6):
        values = [c.value for c in ws[r]]
        if any(v in ("企业代码", "企业名称", "单位名称", "统一社会信用代码") for v in values):
            return r
    raise AssertionError(ws.title)


def _next_sheet_name(title: str) -> str | None:
    if m := re.fullmatch(r"(\d{4})年1-(\d+)月", title):
        return f"{m.group(1)}年1-{int(m.group(2)) + 1}月"
    if m := re.fullmatch(r"(\d{4})年(\d+)月", title):
        return f"{m.group(1)}年{int(m.group(2)) + 1}月"
    if m := re.fullmatch(r"(\d+)月", title):
        return f"{int(m.group(1)) + 1}月"
    if m := re.fullmatch(r"(\d{4})(\d{2})", title):
        return f"{m.group(1)}{int(m.group(2)) + 1:02d}"
    return None


def perturb(folder: Path, rng: random.Random, chosen: list[str]) -> dict:
    """Add ``chosen`` to the folder's statistics workbook(s); what was added, where."""
    path = rng.choice(_stats_workbooks(folder))
    wb = openpyxl.load_workbook(path)
    placed: dict = {"file": path.name}
    sheets = _data_sheets(wb)
    width = max(ws.max_column for ws in sheets)
    for what in chosen:
        ws = rng.choice(sheets)
        head = _header_row(ws)
        if what == "unknown_column":
            col = ws.max_column + 1
            ws.cell(head, col).value = "联系电话"
            for r in range(head + 1, min(ws.max_row, head + 4)):
                ws.cell(r, col).value = f"0558-{rng.randint(1000000, 9999999)}"
            placed[what] = (ws.title, "联系电话")
        elif what == "extra_sheet":
            extra = wb.create_sheet("汇总(手工)")
            extra.append(["项目", "数值"])
            extra.append(["企业数", 36])
            placed[what] = ("汇总(手工)", None)
        elif what == "notes_block":
            ws.append([])
            ws.append([])
            ws.append(["说明(随机)"])
            ws.append(["1. 本表数据由各企业报送,经发局汇总"])
            placed[what] = (ws.title, ws.max_row - 1)
        elif what in ("total_row", "blank_name_row"):
            at = _footer_row(ws)
            ws.insert_rows(at)
            first = "合计" if what == "total_row" else None
            for c in range(1, width + 1):
                ws.cell(at, c).value = None
            ws.cell(at, 1).value = first
            for c in range(3, min(width, 5) + 1):
                ws.cell(at, c).value = MARK
            placed[what] = (ws.title, at)
        elif what == "extra_month":
            periods = [w for w in wb.worksheets if _next_sheet_name(w.title)]
            last = periods[-1] if periods else None
            name = _next_sheet_name(last.title) if last is not None else None
            if name is None or name in wb.sheetnames or last.title.startswith("12"):
                continue
            copy = wb.copy_worksheet(last)
            copy.title = name
            rows = sum(
                1
                for r in range(_header_row(last) + 1, last.max_row + 1)
                if isinstance(last.cell(r, 2).value, str)
                and not str(last.cell(r, 1).value or "").startswith(("合计", "填表人"))
            )
            placed[what] = (name, rows)
        elif what == "text_in_number":
            for _ in range(50):
                r = rng.randint(head + 1, ws.max_row)
                c = rng.randint(3, ws.max_column)
                if isinstance(ws.cell(r, c).value, int | float) and isinstance(
                    ws.cell(r, 2).value, str
                ):
                    ws.cell(r, c).value = "不详"
                    placed[what] = (ws.title, r)
                    break
    if "notes_block" in placed:  # rows added above it later moved it down
        ws = wb[placed["notes_block"][0]]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "说明(随机)")
        placed["notes_block"] = (ws.title, row)
    wb.save(path)
    return placed


CASES = [(layout, seed) for layout in LAYOUTS for seed in SEEDS]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("accounting")


@pytest.mark.parametrize(("layout", "seed"), CASES)
def test_every_cell_is_used_or_named(root, layout, seed):
    base, rows = clean(layout, root)
    rng = random.Random(f"{layout}-{seed}")
    chosen = rng.sample(PERTURBATIONS, rng.randint(4, 6))
    folder = root / f"{layout}_{seed}"
    shutil.copytree(base, folder)
    placed = perturb(folder, rng, chosen)
    report = _validate(folder)
    found = [*report.errors, *report.warnings]
    unread = [f for f in found if f.rule == "content_not_read"]
    if (layout, "unknown_column") in KNOWN_GAPS and "unknown_column" in placed:
        # not read by the layout's reader, and said so by the accounting (sheet and cells)
        sheet = placed["unknown_column"][0]
        assert [f.message.startswith(f"未读取的内容:工作表「{sheet}」") for f in unread] == [True]
        unread, placed = [], {k: v for k, v in placed.items() if k != "unknown_column"}
    assert not unread, (chosen, [f.message for f in unread])
    mine = [f for f in found if f.file == placed["file"]]

    def on_sheet(f, sheet) -> bool:  # a finding about a row names the sheet it is on
        return f"工作表「{sheet}」" in f.message or f.column == sheet

    if "unknown_column" in placed:
        assert any(f.rule == "unknown_column" and f.column == "联系电话" for f in mine)
    if "extra_sheet" in placed:
        assert any(f.rule == "sheet_not_read" and f.column == "汇总(手工)" for f in mine)
    if "notes_block" in placed:
        sheet, row = placed["notes_block"]
        assert any(f.rule == "notes_ignored" and f.row == row and on_sheet(f, sheet) for f in mine)
    if "blank_name_row" in placed:
        sheet, row = placed["blank_name_row"]
        assert any(f.severity == "error" and f.row == row and on_sheet(f, sheet) for f in mine), [
            (f.rule, f.row, f.message[:60]) for f in mine
        ]
    if "text_in_number" in placed:
        sheet, row = placed["text_in_number"]
        assert any(f.value == "不详" and f.row == row and on_sheet(f, sheet) for f in mine)
    stats = "cumulative_stats" if "cumulative_stats" in report.tables else "monthly_stats"
    if "extra_month" in placed and not {"blank_name_row"} & set(placed):
        # the month is read (its rows are in the dataset); a 合计 row never is
        assert report.tables[stats] == rows + placed["extra_month"][1]
    elif not {"extra_month", "blank_name_row"} & set(placed):
        assert report.tables[stats] == rows  # 合计 rows, notes and the rest are not data


def test_a_cell_dropped_without_a_word_is_listed(root):
    """The accounting fails where it should: a cell past the columns the reader takes is
    listed with its sheet and cell; a hidden sheet is not (never read, as documented)."""
    base, _ = clean("sheets_by_code", root)
    folder = root / "dropped"
    shutil.copytree(base, folder)
    path = folder / TL.LAYOUTS["sheets_by_code"][0]
    wb = openpyxl.load_workbook(path)
    wb["2016年3月"].cell(7, 300).value = "远处的备注"
    hidden = wb.create_sheet("底稿")
    hidden["B2"] = "另一份数据"
    hidden.sheet_state = "hidden"
    wb.save(path)
    report = _validate(folder)
    unread = {(f.file, f.row, f.column, f.value) for f in report.warnings
              if f.rule == "content_not_read"}  # fmt: skip
    assert unread == {(path.name, 7, "KN", "远处的备注")}
    messages = [f.message for f in report.warnings if f.rule == "content_not_read"]
    assert any(m.startswith("未读取的内容:工作表「2016年3月」KN7") for m in messages)


def test_a_file_too_large_to_account_says_so(root, monkeypatch):
    """Above the size bound a file is not accounted cell by cell, and the report says so: the
    unread cell of the test above is then not listed, and a note names the file instead."""
    from parkanalysis.dataset import accounting

    base, _ = clean("sheets_by_code", root)
    folder = root / "too_large"
    shutil.copytree(base, folder)
    path = folder / TL.LAYOUTS["sheets_by_code"][0]
    wb = openpyxl.load_workbook(path)
    wb["2016年3月"].cell(7, 300).value = "远处的备注"
    wb.save(path)
    size = path.stat().st_size
    monkeypatch.setattr(accounting, "MAX_ACCOUNTED_BYTES", size - 1)
    report = _validate(folder)
    assert not [f for f in report.warnings if f.rule == "content_not_read"]
    notes = [f for f in report.warnings if f.rule == "content_not_checked"]
    assert [f.file for f in notes] == [path.name]
    monkeypatch.setattr(accounting, "MAX_ACCOUNTED_BYTES", size)  # at the bound: accounted
    report = _validate(folder)
    assert [f.file for f in report.warnings if f.rule == "content_not_read"] == [path.name]
    assert not [f for f in report.warnings if f.rule == "content_not_checked"]
