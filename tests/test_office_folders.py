"""Whole office folders (tests/office_layouts.py) read as the canonical sample.

For every folder of :data:`tests.office_layouts.FOLDERS` — a register, a statistics layout
and a ledger layout as offices keep them, with one or two parks — ``init`` → ``validate``
(no errors) → ``indicators`` for three periods and ``land`` equal the canonical sample's
output (the JSON, value by value; each park of a two-park folder against the sample, since
both parks are the sample). The profile's parks are the draft's (ids and names as ``init``
wrote them) with the sample's phases and config (what an office types into the draft);
``sources:`` is exactly what ``init`` wrote. The two-park folder of the issue's "done when"
renders a period report with no edit at all. The inverse cases inject one defect into a
folder and assert the finding that names it — and, for a row, its file, sheet and Excel row.

Cost: ``validate`` runs once per folder (:func:`validated`), the command line prints one
period's indicators per folder, and the figures of every period, park and the land are taken
from one load of the folder in the test process (:func:`tests.test_layouts.figures`: the
functions the command runs, its own JSON writer), checked equal to what the command printed;
the canonical figures are computed once per process (:func:`tests.test_layouts.reference`).
One report is rendered (the issue's folder); the overview's figures are read from its model.
"""

from __future__ import annotations

import functools
import json
import math
import re
import shutil

import pytest
import yaml

from tests import office_layouts as OL
from tests import test_layouts as TL
from tests.conftest import SAMPLE

cli = TL.cli


def profile_from_draft(folder) -> dict:
    """The draft's parks (ids, names) with the sample's phases and config; sources as drafted."""
    draft = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    sample = yaml.safe_load((SAMPLE / "park.yaml").read_text(encoding="utf-8"))
    parks = [
        {**sample["parks"][0], "park_id": p["park_id"], "name": p["name"]} for p in draft["parks"]
    ]
    doc = {**sample, "parks": parks, "sources": draft["sources"]}
    (folder / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return draft


@pytest.fixture(scope="module")
def reference():
    """The sample's indicators (and with 1-2月 combined) and land, as JSON: computed once per
    test process (:func:`tests.test_layouts.reference`, shared with tests/test_layouts.py)."""
    return TL.reference()


def expected(rows: list, register: str) -> list:
    """The canonical rows as a folder whose register is ``register`` must print them: a
    register without 投产日期 (:data:`OL.NO_START`) cannot count 新投产企业 — those counts
    are absent (never 0) and say why; every other figure, 规上企业数 included, is the sample's."""
    if register not in OL.NO_START:
        return rows
    out = []
    for r in rows:
        if r["id"] in ("new_industrial_enterprises", "new_commercial_enterprises"):
            r = {**r, "value": None, "prev_value": None, "n_enterprises": None,
                 "note": f"{r['note']};企业名录没有投产日期,无法计数"}  # fmt: skip
        out.append(r)
    return out


@pytest.fixture(scope="module", params=list(OL.FOLDERS))
def office_folder(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    OL.write_folder(folder, request.param)
    out = cli("init", folder).stdout
    draft = profile_from_draft(folder)
    return request.param, folder, out, draft


def test_folder_reads_as_the_canonical_sample(office_folder, reference):
    layout, folder, _, draft = office_folder
    report = validated(folder)
    assert report["ok"], report["errors"][:5]
    rules = {w["rule"] for w in report["warnings"]}
    never = {
        "total_mismatch",
        "month_missing",
        "unknown_column",
        "sheet_not_read",
        "table_not_read",
    }
    register, stats, _, n_parks = OL.FOLDERS[layout]
    if stats == "sheets_by_code":
        never.discard("sheet_not_read")  # its 说明 sheet
    assert not rules & never, rules
    if register in OL.NO_START:  # said once, naming what cannot be counted
        (f,) = [w for w in report["warnings"] if w["rule"] == "count_unavailable"]
        assert "新投产企业数无法计算" in f["message"] and "规上企业数按规上标志计" in f["message"]
    parks = [p["park_id"] for p in draft["parks"]]
    assert len(parks) == n_parks
    combined = stats in OL.COMBINED
    got_all = TL.figures(folder, parks, land=True)
    # the command line prints what the functions give (one period, one park; the rest in-process)
    args = (
        "indicators",
        folder,
        "--period",
        TL.PERIODS[1],
        "--park",
        parks[-1],
        "--format",
        "json",
    )
    assert json.loads(cli(*args).stdout) == got_all[(parks[-1], TL.PERIODS[1])]
    for park in parks:
        for period in TL.PERIODS:
            got = got_all[(park, period)]
            want = expected(reference[(combined, period)], register)
            assert [r["id"] for r in got] == [r["id"] for r in want]
            for a, b in zip(got, want, strict=True):
                assert a == b, (
                    park,
                    period,
                    {k: (a.get(k), v) for k, v in b.items() if a.get(k) != v},
                )
        got = got_all[(park, "land")]
        assert same(got, reference["land"]), (park, got, reference["land"])


@functools.cache
def validated(folder) -> dict:
    """``validate --format json`` of a layout folder, run once (the folder is not changed)."""
    return json.loads(cli("validate", folder, "--format", "json").stdout)


def same(a, b) -> bool:
    """Equal JSON, floats to 1e-12 relative (a ledger in 公顷 converted to 亩 and back differs
    from the 亩 the sample wrote in the last bit: 248.6 / 15 × 15 ≠ 248.6 in binary)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and type(a) is type(b)


def test_init_says_what_it_inferred(office_folder):
    layout, folder, out, draft = office_folder
    register, stats, ledger, parks = OL.FOLDERS[layout]
    assert "没有土地台账" not in out
    if parks == 2:
        names = [p["name"] for p in draft["parks"]]
        assert names == sorted(OL.PARK_NAMES)
        assert "共 2 个园区" in out and all(n in out for n in OL.PARK_NAMES)
    if ledger != "canonical":
        assert "征迁完成 → 已完成、征迁中 → 进行中、未征迁 → 未启动" in out
        values = next(s["values"] for s in draft["sources"].values() if s["table"] == "parcels")
        assert values["征迁安置状态"] == {
            "征迁完成": "已完成",
            "征迁中": "进行中",
            "未征迁": "未启动",
        }
    if register in OL.NO_START:
        assert "是否规上 → above_size" in out and "「是否规上」没有写年份" in out
    if stats == "wide_months_grouped":  # months merged over the indicators of a second row
        assert "月份在第一行表头(合并单元格按 Excel 显示,跨其下各指标),指标在第二行" in out
        assert "统计期 2012-01 … 2016-06,共 54 个月" in out
    if stats == "stacked_months":
        assert "一个工作表上下排着 54 张表,逐一读取,统计期取自各表的标题:2012-01 … 2016-06" in out
    if register == "stacked":
        assert "一个工作表上下排着 2 张表,逐一读取(工贸园入园企业名录(在营)、已迁出企业名单)" in out
    if register in ("office", "two_parks", "two_parks_flag", "stacked", "flag_no_start"):
        assert "工业企业 → 工业" in out
        assert "「所属行业」写的是行业名称,按 GB/T 4754 读作行业代码" in out
        n = len(OL.PARK_NAMES[: OL.FOLDERS[layout][3]]) * 62  # every enterprise, to the month
        assert f"「入驻时间」有 {n} 个只写到月的日期" in out
    if stats in ("files_per_month", "files_per_year"):
        files = [f for f, s in draft["sources"].items() if s["table"] == "monthly_stats"]
        assert len(files) == len(list(folder.glob("*工业企业月报.*"))) > 1


def test_two_park_folder_renders_without_edits(tmp_path):
    """The issue's folder: a sheet-per-month workbook, a two-park register, a ledger without
    status columns — init → validate → render, park.yaml as init wrote it."""
    folder = tmp_path / "开发区"
    OL.write_folder(folder, "two_parks")
    cli("init", folder)
    draft = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    assert cli("validate", folder).returncode == 0
    park = draft["parks"][1]["park_id"]
    out = tmp_path / "out"
    cli("render", "period", "--data", folder, "--period", "2016年1-5月", "--park", park,
        "--out", out)  # fmt: skip
    html = next(out.rglob("*.html")).read_text(encoding="utf-8")
    assert draft["parks"][1]["name"] in html and "工业总产值" in html
    # its register has 是否规上 but no 投产日期: 规上企业数 from the flag, 新投产 absent, not 0
    want = {r["id"]: r for r in TL.reference()[(False, "2016年1-5月")]}
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    above = int(want["above_size_enterprises"]["value"])
    assert f"规上工业企业数（家） {above} — {above} 0" in text
    assert "新投产工业企业数（家） — — — —" in text
    assert "新投产工业企业数（家） 0" not in text
    # the overview of the two parks: the same count for each park and their sum for the total
    from parkanalysis.report.overview import OverviewReport

    overview = OverviewReport(data=folder, period="2016年1-5月", outlook=False)
    assert overview.ranking["above_size_enterprises"].tolist() == [above, above]
    total = overview.total.set_index("id")
    assert total.loc["above_size_enterprises", "value"] == 2 * above
    assert math.isnan(total.loc["new_industrial_enterprises", "value"])


# -- inverse cases ----------------------------------------------------------------------------

DEFECTS = [
    ("files_per_month", "month_gone"),
    ("files_per_year", "total_wrong"),
    ("files_per_month", "sheet_unreadable"),
    ("files_per_year", "sheet_unreadable"),
    ("files_per_year", "cumulative_as_monthly"),
    ("two_parks", "month_gone"),
    ("two_parks_sheet_per_park", "month_gone"),
    ("office_register_sheets", "total_wrong"),
    ("wide_months_grouped", "total_wrong"),
    ("stacked_register_months", "total_wrong"),
    ("stacked_register_months", "sheet_unreadable"),
    ("stacked_register_months", "foreign_table"),
    ("two_parks", "unknown_name"),
    ("files_per_year", "unknown_id"),
]
#: where a defect's finding must point: (file, the message's start: sheet and Excel row)
PLACES = {
    ("wide_months_grouped", "total_wrong"): ("各企业逐月主要指标(分年).xlsx", "工作表「2016年」第"),
    ("two_parks", "unknown_name"): ("开发区工业企业月报.xlsx", "工作表「2016年3月」第3行:"),
    ("files_per_year", "unknown_id"): ("2016年工业企业月报.xlsx", "工作表「3月」第3行:"),
}


@pytest.mark.parametrize(("layout", "defect"), DEFECTS)
def test_injected_defect_is_found(tmp_path, layout, defect):
    folder = tmp_path / layout
    paths = OL.write_folder(folder, layout, defect)
    cli("init", folder)
    profile_from_draft(folder)
    proc = cli("validate", folder, "--format", "json", check=False)
    report = json.loads(proc.stdout)
    found = [*report["errors"], *report["warnings"]]
    if defect == "month_gone":
        f = [f for f in report["errors"] if f["rule"] == "month_missing"]
        assert f and all(x["value"] == "2016-04" for x in f), found[:5]
        assert proc.returncode == 2
    elif defect == "total_wrong":
        (f,) = [f for f in found if f["rule"] == "total_mismatch"]
        assert f["column"] == "税收(万元)" and "差 100" in f["message"]
        assert f["file"] in {p.name for p in paths}
    elif defect in ("unknown_name", "unknown_id"):  # a cell outside the table's own checks
        rule = "unknown_enterprise" if defect == "unknown_name" else "unknown_reference"
        (f,) = [f for f in report["errors"] if f["rule"] == rule]
        assert f["row"] == 3 and proc.returncode == 2
        # the enterprise whose row it replaced misses March: said at its latest row (June's),
        # in the file and on the sheet holding that row
        (gap,) = [w for w in report["warnings"] if w["rule"] == "missing_report"]
        assert "缺报 1 个月:2016年3月" in gap["message"]
        sheet = "2016年6月" if defect == "unknown_name" else "6月"
        assert gap["file"] == paths[-1].name
        assert gap["message"].startswith(f"工作表「{sheet}」第{gap['row']}行:")
    elif defect == "foreign_table":  # another table under the statistics: named, not read
        (f,) = [f for f in report["warnings"] if f["rule"] == "table_not_read"]
        assert f["file"] == paths[0].name and f["value"] == "分行业汇总(2016年6月)"
        assert f["message"].startswith(f"工作表「月报」第{f['row']}-") and report["ok"]
    elif defect == "sheet_unreadable":  # the month is an error; the sheet or file is named
        (hole,) = [f for f in report["errors"] if f["rule"] == "month_missing"]
        assert hole["value"] == "2016-04"
        if layout == "files_per_month":  # no header: not recognised as the table, and said so
            (f,) = [f for f in found if f["rule"] == "unrecognised_file"]
            assert f["file"] == "2016年4月工业企业月报.csv"
        elif layout == "stacked_register_months":  # April's table has no key column: its rows
            (f,) = [f for f in report["errors"] if f["rule"] == "table_not_read"]
            assert f["message"].startswith(f"工作表「月报」第{f['row']}-")
            assert f["value"] == "工贸园2016年4月企业主要经济指标"
        else:
            (f,) = [f for f in report["errors"] if f["rule"] == "sheet_not_read"]
            assert (f["file"], f["column"]) == ("2016年工业企业月报.xlsx", "4月")
        assert proc.returncode == 2
    elif defect == "cumulative_as_monthly":
        (f,) = [f for f in report["errors"] if f["rule"] == "monthly_looks_cumulative"]
        assert f["column"] == "工业总产值(万元)"
    else:  # pragma: no cover
        raise AssertionError(defect)
    if (layout, defect) in PLACES:
        file, start = PLACES[(layout, defect)]
        assert (f["file"], f["message"][: len(start)]) == (file, start), f


# -- reading rules on classes of cells ---------------------------------------------------------


def test_month_precision_dates_read_as_the_month(tmp_path):
    """Every spelling of a month-precision date, for random months, is the month's first day."""
    import numpy as np
    import pandas as pd

    from parkanalysis.dataset._parse import month_only, parse_date

    rng = np.random.default_rng(2014)
    cells, want = [], []
    for _ in range(400):
        y, m = int(rng.integers(1950, 2100)), int(rng.integers(1, 13))
        kind = int(rng.integers(5))
        cell = [f"{y}.{m:02d}", f"{y}年{m}月", f"{y}-{m:02d}", f"{y}/{m}", f"{y}{m:02d}"][kind]
        if kind == 0 and m < 10 and rng.random() < 0.5:
            cell = y + m / 10  # the number an office types: 2013.1
        cells.append(cell)
        want.append(f"{y:04d}-{m:02d}-01")
    dates, bad = parse_date(pd.Series(cells, dtype=object))
    assert not bad.any()
    assert [str(d)[:10] for d in dates] == want
    assert month_only(pd.Series(cells, dtype=object)).all()
    days = pd.Series(["2014-03-05", "2014年3月5日", 41703], dtype=object)
    assert not month_only(days).any()


def _sample_copy(folder):
    shutil.copytree(SAMPLE, folder)
    return folder


def test_merged_cells_and_an_empty_header_are_named_as_excel_shows_them(tmp_path):
    """A 月份 cell merged down over each month's rows is read as Excel shows it (and listed
    with its range); a column with data under an empty header names its letter and neighbours."""
    import openpyxl
    import pandas as pd

    folder = _sample_copy(tmp_path / "merged")
    (folder / "monthly_stats.csv").unlink()
    s = pd.read_csv(SAMPLE / "monthly_stats.csv", dtype={"月份": str})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["月份", "企业代码", *TL.VALUES[:2], None, *TL.VALUES[2:]])
    ranges = []
    for month, g in s.groupby("月份"):
        start = ws.max_row + 1
        for i, (_, r) in enumerate(g.iterrows()):
            vals = [None if pd.isna(r[c]) else r[c] for c in TL.VALUES]
            ws.append([month if i == 0 else None, r["企业代码"], *vals[:2], 1, *vals[2:]])
        ws.merge_cells(f"A{start}:A{ws.max_row}")
        ranges.append(f"A{start}:A{ws.max_row}")
    wb.save(folder / "monthly_stats.xlsx")
    report = json.loads(cli("validate", folder, "--format", "json").stdout)
    assert report["ok"], report["errors"][:3]
    assert report["tables"]["monthly_stats"] == len(s)
    (merged,) = [w for w in report["warnings"] if w["rule"] == "merged_cells"]
    assert merged["column"] == ranges[0] and f"等 {len(ranges)} 处合并单元格" in merged["message"]
    assert f"填入其余 {len(s) - len(ranges)} 个单元格" in merged["message"]
    (empty,) = [w for w in report["warnings"] if w["rule"] == "unknown_column"]
    assert empty["column"] == "E列(空表头)"
    assert f"左边是「{TL.VALUES[1]}」、右边是「{TL.VALUES[2]}」" in empty["message"]
    for period in TL.PERIODS:  # read as the canonical table
        got = cli("indicators", folder, "--period", period, "--format", "json").stdout
        want = cli("indicators", SAMPLE, "--period", period, "--format", "json").stdout
        assert json.loads(got) == json.loads(want)


def test_a_cell_finding_of_a_month_sheet_names_the_sheet(tmp_path):
    import openpyxl

    folder = tmp_path / "office"
    path = TL.write_layout(folder, "sheets_by_code")
    wb = openpyxl.load_workbook(path)
    wb["2016年3月"]["D5"] = "不详"
    wb.save(path)
    TL.init_and_profile(folder)
    report = json.loads(cli("validate", folder, "--format", "json", check=False).stdout)
    (f,) = [f for f in report["errors"] if f["value"] == "不详"]
    assert f["row"] == 5 and f["message"].startswith("工作表「2016年3月」第5行:")


def test_value_maps_are_what_the_park_yaml_says(tmp_path):
    """The drafted value map is applied from park.yaml: removed, the office words are refused
    cell by cell; edited, the edit is what is read."""
    folder = tmp_path / "office"
    OL.write_folder(folder, "hectare_ledger_csv_by_name")
    cli("init", folder)
    profile_from_draft(folder)
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    ledger = next(k for k, v in doc["sources"].items() if v["table"] == "parcels")
    del doc["sources"][ledger]["values"]
    (folder / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    report = json.loads(cli("validate", folder, "--format", "json", check=False).stdout)
    refused = {f["value"] for f in report["errors"] if f["rule"] == "bad_choice" and f["value"]}
    assert refused == {"征迁完成", "征迁中", "未征迁"}
    doc["sources"][ledger]["values"] = {"征迁安置状态": {"征迁完成": "已完成", "征迁中": "已完成",
                                                     "未征迁": "未启动"}}  # fmt: skip
    (folder / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert json.loads(cli("validate", folder, "--format", "json").stdout)["ok"]


def test_register_words_unknown_industry_and_exit_without_date(tmp_path):
    import openpyxl

    folder = tmp_path / "office"
    OL.write_folder(folder, "office_register_sheets")
    path = folder / "入园企业名录.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    head = [c.value for c in ws[2]]
    ws.cell(3, head.index("所属行业") + 1).value = "家具制作"
    ws.cell(4, head.index("企业状态") + 1).value = "迁出"
    wb.save(path)
    cli("init", folder)
    profile_from_draft(folder)
    report = json.loads(cli("validate", folder, "--format", "json").stdout)
    (ind,) = [w for w in report["warnings"] if w["value"] == "家具制作"]
    assert ind["row"] == 3 and "最接近的行业名称:家具制造业" in ind["message"]
    (gone,) = [w for w in report["warnings"] if w["rule"] == "missing_value" and w["row"] == 4]
    assert "没有退出日期" in gone["message"]


def test_public_land_may_be_supplied_and_stays_out_of_the_ratios(tmp_path):
    """Roads given by 划拨 recorded as 已供: a warning, and every land figure unchanged (they
    were never usable land)."""
    import pandas as pd

    folder = _sample_copy(tmp_path / "roads")
    p = pd.read_csv(folder / "parcels.csv", dtype=str)
    roads = p["规划用途"].isin(["道路", "绿地", "水域"])
    p.loc[roads, ["供应状态", "供地方式", "供地日期"]] = ["已供", "划拨", "2012-03-01"]
    p.to_csv(folder / "parcels.csv", index=False)
    report = json.loads(cli("validate", folder, "--format", "json").stdout)
    assert report["ok"]
    flagged = [w for w in report["warnings"] if w["rule"] == "public_land_supplied"]
    assert len(flagged) == int(roads.sum())
    got = json.loads(cli("land", folder, "--format", "json").stdout)
    want = json.loads(cli("land", SAMPLE, "--format", "json").stdout)
    assert got == want


def test_tables_stacked_in_a_csv_are_read_by_their_own_headers(tmp_path):
    """A register CSV holding 在营 enterprises, a blank line, a title and the 迁出 ones under a
    header of their own (columns in another order): every enterprise read, each cell under
    its field; a summary table after it is named with its rows, not read."""
    import pandas as pd

    from parkanalysis.dataset import layouts
    from parkanalysis.dataset.findings import Findings
    from parkanalysis.dataset.readers import ReadLimits
    from parkanalysis.dataset.schema import TABLES

    e = pd.read_csv(SAMPLE / "enterprises.csv", dtype=str)
    gone = e["退出日期"].notna()
    text = (
        e[~gone].to_csv(index=False)
        + "\n已迁出企业\n"
        + e.loc[gone, e.columns[::-1]].to_csv(index=False)
        + "\n分行业汇总\n行业,企业数\n制造业,36\n"
    )
    path = tmp_path / "enterprises.csv"
    path.write_text(text, encoding="utf-8")
    findings = Findings()
    raw = layouts.read_file(path, path.name, TABLES["enterprises"], ReadLimits(), findings)
    got = pd.DataFrame({h: raw.data[i] for i, h in enumerate(raw.headers)}).astype(object)
    want = pd.concat([e[~gone], e[gone]], ignore_index=True).astype(object)
    assert (
        got[list(e.columns)].where(got.notna(), None).values.tolist()
        == want.where(want.notna(), None).values.tolist()
    )
    assert "一个文件上下排着 2 张表,逐一读取((无标题)、已迁出企业)" in raw.layout_notes
    (f,) = [f for f in findings.items if f.rule == "table_not_read"]
    lines = text.splitlines()
    first = lines.index("分行业汇总") + 1
    assert (f.severity, f.row, f.value) == ("warning", first, "分行业汇总")
    assert f.message.startswith(f"第{first}-{len(lines)}行是另一张表「分行业汇总」")
