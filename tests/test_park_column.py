"""Blank park cells (a 园区代码 or 所属园区 cell left empty) read as the office means them.

A property over a class of folders, each compared with itself before the cells were blanked
(not with numbers written here): every third filled park cell of every file that has a park
column is blanked —

- in the sample and in office folders of one park (:data:`tests.office_layouts.FOLDERS`: a
  titled XLSX register with a 合计 row, GBK CSVs one per month, months as columns …), the
  dataset reads without error, every figure of three periods and of the land is unchanged,
  and each file says once which rows it read as the park (``filled_park``, naming each
  blanked row as Excel shows it, with the sheet where there are several);
- in generated datasets of three parks whose enterprise ids are unique to a park, the
  statistics' blanks are placed by the register: figures unchanged, the rows named;
- where the register cannot tell (the same enterprise id in three parks), each blanked
  statistics row is a ``missing_value`` error on its 园区代码 cell — never the misleading
  「企业代码不在企业名录中」 it gave before.
"""

from __future__ import annotations

import csv
import io
import re
import shutil

import openpyxl
import pandas as pd
import pytest

from tests import office_layouts as OL
from tests import test_layouts as TL
from tests.conftest import SAMPLE
from tests.test_office_folders import profile_from_draft

PARK_HEADERS = {"park_id", "园区代码", "园区编号", "开发区代码", "所属园区", "园区", "园区名称"}


def _header_at(rows: list[list]) -> tuple[int, int] | None:
    """(row index, column index) of the park header in the first ten rows."""
    for r, row in enumerate(rows[:10]):
        for c, v in enumerate(row):
            if isinstance(v, str) and v.strip() in PARK_HEADERS:
                return r, c
    return None


def blank_park_cells(folder, parks, only=None, every=3) -> dict[str, list[tuple]]:
    """Blank every ``every``-th cell naming one of ``parks`` (ids or names) under a park
    header, in each CSV and XLSX of ``folder`` (``only``: these file names); return file →
    the ``(sheet or None, Excel row)`` blanked."""
    blanked: dict[str, list[tuple]] = {}
    for path in sorted(folder.iterdir()):
        if only is not None and path.name not in only:
            continue
        places = []
        if path.suffix == ".csv":
            raw = path.read_bytes()
            encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                encoding, text = "gbk", raw.decode("gbk")
            rows = list(csv.reader(io.StringIO(text)))
            at = _header_at(rows)
            if at is None:
                continue
            n = 0
            for r in range(at[0] + 1, len(rows)):
                row = rows[r]
                if at[1] < len(row) and row[at[1]].strip() in parks:
                    n += 1
                    if n % every == 0:
                        row[at[1]] = ""
                        places.append((None, r + 1))
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            path.write_bytes(out.getvalue().encode(encoding))
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            several = len(wb.worksheets) > 1
            for ws in wb.worksheets:
                cells = [list(r) for r in ws.iter_rows(max_row=10)]
                at = _header_at([[c.value for c in r] for r in cells])
                if at is None:
                    continue
                n = 0
                for row in ws.iter_rows(min_row=at[0] + 2):
                    cell = row[at[1]] if at[1] < len(row) else None
                    if cell is None or type(cell).__name__ == "MergedCell":
                        continue
                    if isinstance(cell.value, str) and cell.value.strip() in parks:
                        n += 1
                        if n % every == 0:
                            cell.value = None
                            places.append((ws.title if several else None, cell.row))
            wb.save(path)
        if places:
            blanked[path.name] = places
    return blanked


def said(report, blanked: dict[str, list[tuple]]) -> None:
    """One ``filled_park`` per file blanked, naming its blanked rows (the first five)."""
    infos = [w for w in report.warnings if w.rule == "filled_park"]
    assert sorted(f.file for f in infos) == sorted(blanked), [f.message for f in infos]
    for f in infos:
        places = sorted(blanked[f.file], key=lambda p: (p[0] or "", p[1]))
        named = re.findall(r"(?:「([^」]*)」)?第(\d+)行", f.message.split(":")[0])
        assert len(named) == min(5, len(places)), f.message
        for sheet, row in named:
            assert (sheet or None, int(row)) in places, (f.message, places[:5])
        if len(places) > 5:
            assert f"等 {len(places)} 行" in f.message
        assert f.severity == "info" and f.row == min(r for _s, r in places)


def _one_park_folder(tmp_path, layout):
    folder = tmp_path / layout
    if layout == "sample":
        shutil.copytree(SAMPLE, folder)
        return folder, ["GMY"], {"GMY", "工贸园"}
    OL.write_folder(folder, layout)
    TL.cli("init", folder)
    draft = profile_from_draft(folder)
    parks = [p["park_id"] for p in draft["parks"]]
    return folder, parks, {*parks, *(p["name"] for p in draft["parks"]), "工贸园"}


ONE_PARK = ["sample", *(k for k, v in OL.FOLDERS.items() if v[3] == 1)]


@pytest.mark.parametrize("layout", ONE_PARK)
def test_blank_park_cells_of_a_one_park_folder_are_the_park(tmp_path, layout):
    from parkanalysis.dataset import validate_dataset

    folder, parks, words = _one_park_folder(tmp_path, layout)
    before = TL.figures(folder, parks, land=True)
    blanked = blank_park_cells(folder, words)
    if layout == "sample":  # every table of the canonical folder has 园区代码
        assert len(blanked) >= 8, blanked.keys()
    else:
        assert blanked, "the layout has a park column somewhere"
    report = validate_dataset(folder)
    assert report.ok, [e.message for e in report.errors[:5]]
    said(report, blanked)
    assert TL.figures(folder, parks, land=True) == before


def _three_parks(tmp_path, unique_ids: bool):
    from parkanalysis.cli import main

    folder = tmp_path / "parks"
    assert main(["sample", "--out", str(folder), "--parks", "3", "--enterprises", "12",
                 "--years", "2", "--seed", "5"]) == 0  # fmt: skip
    if unique_ids:  # E0001 of P002 becomes P002E0001: the register places every id
        for path in folder.glob("*.csv"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            if "enterprise_id" in frame:
                filled = frame["enterprise_id"] != ""
                frame.loc[filled, "enterprise_id"] = frame["park_id"] + frame["enterprise_id"]
                frame.to_csv(path, index=False)
    parks = sorted(pd.read_csv(folder / "enterprises.csv", dtype=str)["park_id"].unique())
    last = max(pd.read_csv(folder / "monthly_stats.csv", dtype=str)["month"])
    year, month = int(last[:4]), int(last[5:])
    return folder, parks, (last, f"{year}年1-{month}月")


def test_blank_park_cells_of_statistics_are_placed_by_the_register(tmp_path):
    from parkanalysis.dataset import validate_dataset

    folder, parks, periods = _three_parks(tmp_path, unique_ids=True)
    before = TL.figures(folder, parks, periods=periods, land=True)
    blanked = blank_park_cells(folder, set(parks), only={"monthly_stats.csv"})
    assert len(blanked["monthly_stats.csv"]) > 5
    report = validate_dataset(folder)
    assert report.ok, [e.message for e in report.errors[:5]]
    said(report, blanked)
    assert all("按企业名录中该企业所属园区读入" in w.message
               for w in report.warnings if w.rule == "filled_park")  # fmt: skip
    assert TL.figures(folder, parks, periods=periods, land=True) == before


def test_a_blank_park_the_register_cannot_place_is_an_error_on_that_cell(tmp_path):
    from parkanalysis.dataset import validate_dataset

    # E0001 is in all three parks
    folder, parks, _periods = _three_parks(tmp_path, unique_ids=False)
    blanked = blank_park_cells(folder, set(parks), only={"monthly_stats.csv"}, every=500)
    rows = sorted(r for _s, r in blanked["monthly_stats.csv"])
    assert rows
    report = validate_dataset(folder)
    errors = [(e.rule, e.file, e.row, e.column) for e in report.errors]
    assert sorted(errors) == [("missing_value", "monthly_stats.csv", r, "park_id") for r in rows]
    assert all("园区代码」为空" in e.message for e in report.errors)
    assert not [w for w in report.warnings if w.rule == "filled_park"]
