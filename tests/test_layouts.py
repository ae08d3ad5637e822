"""The sample park's statistics written as offices write them, read back to the same figures.

A **layout writer** (:func:`write_layout`) takes the canonical tables of ``data/sample`` and
writes the enterprise statistics in one of the layouts of :data:`LAYOUTS` — one sheet per
month (当月数, 1-2月 combined, 1-N月 cumulative), a workbook with title rows, a two-row
header, 合计 rows and footer lines, a GBK CSV keyed by enterprise name with 小计/总计 rows,
values as text with thousands separators and full-width digits — beside the other canonical
tables. For every layout: ``init`` → ``validate`` (no errors) → ``indicators`` for three
periods equal the canonical sample's output (the JSON, compared value by value). The profile's
parks and config are the sample's (what an office types into the draft); ``sources:`` is
exactly what ``init`` wrote.

``validate`` runs once per layout; the figures come from one load of the layout in the test
process (:func:`figures`), checked equal to what the command line prints for one period; the
canonical figures are computed once per process (:func:`reference`).

The inverse cases inject one defect into a layout (a month sheet without a readable header, a
month gone, a 合计 row that does not add up, running totals filed as 当月数, a register
without 投产日期) and assert the finding that names it.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from tests import corpus as C
from tests.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[1]
PERIODS = ("2016-05", "2016年1-5月", "2016H1")
VALUES = ["工业总产值(万元)", "工业增加值(万元)", "主营业务收入(万元)", "税收(万元)",
          "从业人员(人)", "固定资产投资(万元)"]  # fmt: skip
STOCKS = ("从业人员(人)",)
FOOTER = "填表人:张三    审核人:李四    填报日期:2016年6月5日"
#: layout → (statistics file, is cumulative)
LAYOUTS = {
    "sheets_by_code": ("统计月报.xlsx", False),
    "sheets_month_only": ("工业企业月报.xlsx", False),
    "sheets_jan_feb_by_name": ("2012-2016年工业企业月报.xlsx", False),
    "sheets_yyyymm_text": ("月度统计.xlsx", False),
    "csv_gbk_by_name": ("工业企业主要指标.csv", False),
    "xlsx_single_sheet": ("企业月度统计表.xlsx", False),
    "sheets_cumulative_by_name": ("累计统计.xlsx", True),
}
#: layouts that report January and February together (one 1-2月 sheet a year)
COMBINED = ("sheets_jan_feb_by_name", "sheets_cumulative_by_name")
OTHER_TABLES = ("enterprises", "parcels", "projects", "buildings", "hazards", "relocations",
                "published", "above_size")  # fmt: skip


def cli(*args, check=True):
    """``parkanalysis ARGS`` as its own process (the warm CLI of tests/corpus/warm.py)."""
    proc = C.run_cli([str(a) for a in args], cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


# -- the layout writer ------------------------------------------------------------------------


def canonical_stats() -> pd.DataFrame:
    s = pd.read_csv(SAMPLE / "monthly_stats.csv", dtype={"月份": str})
    names = pd.read_csv(SAMPLE / "enterprises.csv", dtype=str).set_index("企业代码")["企业名称"]
    s["企业名称"] = s["企业代码"].map(names)
    s["year"] = s["月份"].str[:4].astype(int)
    s["month"] = s["月份"].str[5:].astype(int)
    return s


def jan_feb_combined(s: pd.DataFrame) -> pd.DataFrame:
    """January and February as one 1-2月 row per enterprise (flows summed, stocks of Feb)."""
    early = s[s["month"] <= 2]
    keys = ["企业代码", "企业名称", "year"]
    agg = {c: ("last" if c in STOCKS else lambda v: v.sum(min_count=1)) for c in VALUES}
    both = early.sort_values("month").groupby(keys, as_index=False).agg(agg)
    both["month"] = 2
    return pd.concat([s[s["month"] > 2], both], ignore_index=True)


def running_totals(s: pd.DataFrame) -> pd.DataFrame:
    """The within-year running totals (1-N月) of the flows; stocks as they are."""
    s = s.sort_values(["企业代码", "year", "month"]).copy()
    for c in VALUES:
        if c not in STOCKS:
            s[c] = s.groupby(["企业代码", "year"])[c].cumsum().round(6)
    return s


def as_text(v, i: int) -> object:
    """A number as offices type it: thousands separators, every third with full-width digits."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    text = f"{v:,.1f}" if float(v) != int(v) else f"{int(v):,}"
    if i % 3 == 0:
        text = text.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    return text


def _cell(v):
    return None if pd.isna(v) else (int(v) if float(v) == int(v) else float(v))


def write_block(
    ws, title, key, block, *, text=False, two_row=False, total="合计", bad=0.0, footer=True
):
    """One table on ``ws``: title row, header (two rows if asked), rows, total row, footer."""
    width = 2 + len(VALUES)
    ws.append([title])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    if two_row:
        ws.append(["序号", key, "主要经济指标", *[None] * (len(VALUES) - 1)])
        ws.append([None, None, *VALUES])
        top = ws.max_row - 1
        ws.merge_cells(start_row=top, start_column=3, end_row=top, end_column=width)
        for col in (1, 2):
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    else:
        ws.append(["序号", key, *VALUES])
    for i in range(len(block)):
        row = [block[c].iat[i] for c in VALUES]
        cells = [as_text(v, i) if text else _cell(v) for v in row]
        ws.append([i + 1, block[key].iat[i], *cells])
    if total:
        sums = [block[c].sum(min_count=1) for c in VALUES]
        sums[3] = None if pd.isna(sums[3]) else float(sums[3]) + bad
        ws.append([total, None, *[_cell(v) if v is not None else None for v in sums]])
    if footer:
        ws.append([])
        ws.append([FOOTER])


def write_layout(folder: Path, layout: str, defect: str | None = None) -> Path:
    """Write the sample's tables into ``folder`` with the statistics in ``layout``."""
    folder.mkdir(parents=True, exist_ok=True)
    for t in OTHER_TABLES:
        shutil.copyfile(SAMPLE / f"{t}.csv", folder / f"{t}.csv")
    if defect == "no_production_date":
        e = pd.read_csv(folder / "enterprises.csv", dtype=str)
        e.drop(columns="投产日期").to_csv(folder / "enterprises.csv", index=False)
    s = canonical_stats()
    if defect == "month_gone":
        s = s[s["月份"] != "2016-04"]
    if defect == "year_end_gone":
        s = s[~s["月份"].isin(["2015-11", "2015-12"])]
    if layout == "sheets_cumulative_by_name":
        s = running_totals(jan_feb_combined(s))
    elif layout == "sheets_jan_feb_by_name":
        s = jan_feb_combined(s)
    if defect == "cumulative_as_monthly":
        s = running_totals(s)
    s = s.sort_values(["year", "month", "企业代码"]).reset_index(drop=True)
    name, _ = LAYOUTS[layout]
    path = folder / name
    months = list(s.groupby(["year", "month"], sort=True))
    bad_at = (2016, 3)
    if layout.startswith("sheets_"):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        if layout == "sheets_by_code":
            note = wb.create_sheet("说明")
            note["A1"] = "本工作簿每月一张表,由园区经发局填报"
        for (y, m), block in months:
            combined = layout in ("sheets_jan_feb_by_name", "sheets_cumulative_by_name")
            if layout == "sheets_yyyymm_text":
                sheet = f"{y}{m:02d}"
            elif layout == "sheets_month_only" and y == 2016:
                sheet = f"{m}月"  # the year is in the title row only
            elif layout == "sheets_cumulative_by_name" or (combined and m == 2):
                sheet = f"{y}年1-{m}月"
            else:
                sheet = f"{y}年{m}月"
            ws = wb.create_sheet(sheet)
            key = "企业代码" if layout in ("sheets_by_code", "sheets_yyyymm_text") else "企业名称"
            if defect == "hidden_month" and (y, m) == (2016, 4):
                ws.sheet_state = "hidden"
            if defect == "sheet_unreadable" and (y, m) == (2016, 4):
                ws.append(["工贸园企业月度统计"])
                ws.append(["甲", "乙", "丙"])
                ws.append([1, "x", 2.0])
                continue
            write_block(
                ws,
                "工贸园企业主要经济指标"
                if defect == "no_year"
                else f"工贸园{y}年度企业主要经济指标({sheet})",
                key,
                block,
                text=layout == "sheets_yyyymm_text",
                two_row=layout == "sheets_yyyymm_text",
                bad=100.0 if defect == "total_wrong" and (y, m) == bad_at else 0.0,
            )
        wb.save(path)
    elif layout == "xlsx_single_sheet":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "月报"
        s = s.assign(月份=[f"{y}年{m}月" for y, m in zip(s["year"], s["month"], strict=True)])
        block = s.assign(企业代码=s["企业代码"])
        ws.append(["工贸园企业月度统计表(2012-2016年)"])
        ws.append(["月份", "序号", "企业代码", *VALUES])
        for i in range(len(block)):
            ws.append([block["月份"].iat[i], i + 1, block["企业代码"].iat[i],
                       *[_cell(block[c].iat[i]) for c in VALUES]])  # fmt: skip
        sums = [block[c].sum(min_count=1) for c in VALUES]
        sums[3] += 100.0 if defect == "total_wrong" else 0.0
        ws.append(["合计", None, None, *[_cell(v) for v in sums]])
        ws.append([FOOTER])
        other = wb.create_sheet("汇总")
        other.append(["月份", "工业总产值(万元)"])
        other.append(["2016年5月", 1.0])
        wb.save(path)
    elif layout == "csv_gbk_by_name":
        lines = ["工贸园工业企业主要经济指标(当月数)", ",".join(["统计年月", "单位名称", *VALUES])]
        for (y, m), block in months:
            for i in range(len(block)):
                vals = ["" if pd.isna(block[c].iat[i]) else f"{block[c].iat[i]:g}" for c in VALUES]
                lines.append(",".join([f"{y}年{m}月", block["企业名称"].iat[i], *vals]))
            sums = [block[c].sum() for c in VALUES]
            if defect == "total_wrong" and (y, m) == bad_at:
                sums[3] += 100.0
            lines.append(",".join(["", "小计", *[repr(round(float(v), 4)) for v in sums]]))
        lines.append(",".join(["", "总计", *[repr(round(float(s[c].sum()), 4)) for c in VALUES]]))
        lines.append(FOOTER)
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def as_json(table) -> list:
    """A table as ``--format json`` prints it (the command line's own ``emit``)."""
    import contextlib
    import io

    from parkanalysis.cli import emit

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        emit(table, fmt="json", output=None)
    return json.loads(out.getvalue())


def figures(folder: Path, parks=(None,), periods=PERIODS, land=False) -> dict:
    """What ``indicators --period P --park X --format json`` (and ``land``) print for every
    period and park, from one load of ``folder`` in this process — the functions the command
    runs after reading its arguments. Keys ``(park, period)`` and ``(park, "land")``."""
    from parkanalysis import load_dataset
    from parkanalysis.indicators import indicator_table
    from parkanalysis.land import land_indicators
    from parkanalysis.periods import parse_period
    from parkanalysis.units import in_area_unit

    ds = load_dataset(folder)
    out = {}
    for park in parks:
        pid = ds.resolve_park(park)
        for period in periods:
            out[(park, period)] = as_json(indicator_table(ds, parse_period(period), park=pid))
        if land:
            table = land_indicators(ds, park=pid)
            units = {ph.unit for ph in ds.profile.parks[pid].phases.values()}
            out[(park, "land")] = as_json(
                in_area_unit(table, units.pop()) if len(units) == 1 else table
            )
    return out


@functools.cache
def reference() -> dict:
    """The canonical figures, computed once per test process and shared by the modules that
    compare a layout with them: ``(False, period)`` the sample's indicators, ``(True, period)``
    those of the sample with January and February combined in its canonical
    ``monthly_stats.csv`` (the reference of the layouts that report 1-2月 together: January's
    从业人员 is then unknown, as in the office's file), ``"land"`` the sample's land figures.
    The command line prints them once each (:func:`figures` is checked against it)."""
    combined = Path(tempfile.mkdtemp(prefix="canonical_jan_feb_"))
    atexit.register(shutil.rmtree, combined, True)
    shutil.copytree(SAMPLE, combined, dirs_exist_ok=True)
    s = jan_feb_combined(canonical_stats())
    s["园区代码"] = "GMY"
    s["月份"] = [f"{y}-{m:02d}" for y, m in zip(s["year"], s["month"], strict=True)]
    s = s.sort_values(["企业代码", "月份"])
    s[["园区代码", "企业代码", "月份", *VALUES]].to_csv(combined / "monthly_stats.csv", index=False)
    sample = figures(SAMPLE, land=True)
    out = {(False, p): sample[(None, p)] for p in PERIODS}
    out.update({(True, p): rows for (_, p), rows in figures(combined).items()})
    out["land"] = sample[(None, "land")]
    printed = cli("indicators", combined, "--period", PERIODS[1], "--format", "json").stdout
    assert json.loads(printed) == out[(True, PERIODS[1])]
    assert json.loads(cli("land", SAMPLE, "--format", "json").stdout) == out["land"]
    return out


def init_and_profile(folder: Path) -> str:
    """``parkanalysis init``, then the sample's parks and config put into the draft."""
    out = cli("init", folder).stdout
    draft = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    sample = yaml.safe_load((SAMPLE / "park.yaml").read_text(encoding="utf-8"))
    doc = {**sample, "sources": draft["sources"]}
    (folder / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return out


# -- the layouts read as the canonical sample -------------------------------------------------


@pytest.fixture(scope="module")
def canonical():
    """The canonical figures (:func:`reference`, shared with tests/test_office_folders.py)."""
    return reference()


@functools.cache
def validated(folder: Path) -> dict:
    """``validate --format json`` of a layout folder, run once (the folder is not changed)."""
    return json.loads(cli("validate", folder, "--format", "json").stdout)


@pytest.fixture(scope="module", params=list(LAYOUTS))
def layout_folder(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    write_layout(folder, request.param)
    return request.param, folder, init_and_profile(folder)


def test_layout_reads_as_the_canonical_sample(layout_folder, canonical):
    layout, folder, _ = layout_folder
    report = validated(folder)
    assert report["ok"], report["errors"][:5]
    rules = {w["rule"] for w in report["warnings"]}
    assert "total_mismatch" not in rules and "month_missing" not in rules
    combined = layout in COMBINED
    got_all = figures(folder)
    printed = cli("indicators", folder, "--period", PERIODS[0], "--format", "json").stdout
    assert json.loads(printed) == got_all[(None, PERIODS[0])]  # the command prints the same
    for period in PERIODS:
        got = got_all[(None, period)]
        want = canonical[(combined, period)]
        assert [r["id"] for r in got] == [r["id"] for r in want]
        for a, b in zip(got, want, strict=True):
            assert a == b, (period, {k: (a.get(k), v) for k, v in b.items() if a.get(k) != v})


def test_init_says_what_it_inferred(layout_folder):
    layout, folder, out = layout_folder
    name, cumulative = LAYOUTS[layout]
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    assert doc["sources"][name]["table"] == ("cumulative_stats" if cumulative else "monthly_stats")
    if layout.startswith("sheets_"):
        sheets = len(openpyxl.load_workbook(folder / name, read_only=True).sheetnames)
        periods = sheets - (layout == "sheets_by_code")  # 说明 is not a month
        assert f"每个工作表一个月({'1-N月累计' if cumulative else '当月数'}" in out
        assert f"共 {periods} 个工作表" in out
        assert f"合计/小计/总计行 {periods} 行已排除,并与明细之和核对" in out
        assert f"表尾说明行(填表人、审核人等){periods} 行已忽略" in out
    report = validated(folder)
    footers = [w for w in report["warnings"] if w["rule"] == "footer_ignored"]
    assert footers and all(w["severity"] == "info" for w in footers)
    assert footers[0]["value"].startswith("填表人")
    unread = {w["column"] for w in report["warnings"] if w["rule"] == "sheet_not_read"}
    expected = {"sheets_by_code": {"说明"}, "xlsx_single_sheet": {"汇总"}}.get(layout, set())
    assert unread == expected


# -- inverse cases: one defect, its finding ---------------------------------------------------

DEFECTS = [
    ("sheets_by_code", "sheet_unreadable"),
    ("sheets_yyyymm_text", "hidden_month"),
    ("sheets_by_code", "month_gone"),
    ("csv_gbk_by_name", "month_gone"),
    ("sheets_month_only", "year_end_gone"),
    ("sheets_month_only", "no_year"),
    ("sheets_jan_feb_by_name", "month_gone"),
    ("sheets_by_code", "total_wrong"),
    ("csv_gbk_by_name", "total_wrong"),
    ("xlsx_single_sheet", "total_wrong"),
    ("sheets_by_code", "cumulative_as_monthly"),
    ("xlsx_single_sheet", "cumulative_as_monthly"),
    ("csv_gbk_by_name", "no_production_date"),
]


@pytest.mark.parametrize(("layout", "defect"), DEFECTS)
def test_injected_defect_is_found(tmp_path, layout, defect):
    folder = tmp_path / layout
    path = write_layout(folder, layout, defect)
    init_and_profile(folder)
    proc = cli("validate", folder, "--format", "json", check=False)
    report = json.loads(proc.stdout)
    found = [*report["errors"], *report["warnings"]]
    if defect == "sheet_unreadable":
        (f,) = [f for f in report["errors"] if f["rule"] == "sheet_not_read"]
        assert f["column"] == "2016年4月" and f["file"] == path.name
        assert proc.returncode == 2
    elif defect == "hidden_month":  # a hole as well: the month is an error, the sheet named
        (f,) = [f for f in report["warnings"] if f["rule"] == "sheet_not_read"]
        assert f["column"] == "201604" and "隐藏" in f["message"]
        (f,) = [f for f in report["errors"] if f["rule"] == "month_missing"]
        assert f["value"] == "2016-04"
    elif defect == "month_gone":
        (f,) = [f for f in report["errors"] if f["rule"] == "month_missing"]
        assert f["value"] == "2016-04" and "2016年4月" in f["message"]
        ind = cli("indicators", folder, "--period", "2016年1-5月", check=False)
        assert ind.returncode == 2 and "2016年4月" in ind.stdout + ind.stderr
        assert "Traceback" not in ind.stderr
    elif defect == "no_year":  # 「3月」 with no year in the title or the file name
        unread = [f for f in report["errors"] if f["rule"] == "sheet_not_read"]
        assert sorted(f["column"] for f in unread) == sorted(f"{m}月" for m in range(1, 7))
        assert all("没有年份" in f["message"] for f in unread)
    elif defect == "year_end_gone":  # not a hole of the table, but a period's months missing
        assert report["ok"]
        ind = cli("indicators", folder, "--period", "2015", check=False)
        assert ind.returncode == 2 and "Traceback" not in ind.stderr
        assert "2015年11月、2015年12月没有任何企业的统计数据" in ind.stdout + ind.stderr
        assert cli("indicators", folder, "--period", "2015年1-10月").returncode == 0
    elif defect == "total_wrong":
        (f,) = [f for f in found if f["rule"] == "total_mismatch"]
        assert f["column"] == "税收(万元)" and f["file"] == path.name
        assert "差 100" in f["message"]
        assert proc.returncode == 0  # the detail rows are read; the total is only checked
    elif defect == "cumulative_as_monthly":
        (f,) = [f for f in report["errors"] if f["rule"] == "monthly_looks_cumulative"]
        assert f["column"] == "工业总产值(万元)" and "cumulative_stats" in f["message"]
    elif defect == "no_production_date":
        (f,) = [f for f in found if f["rule"] == "count_unavailable"]
        assert f["file"] == "enterprises.csv" and "规上企业数" in f["message"]
    else:  # pragma: no cover
        raise AssertionError(defect)


# -- the sheet names read as months (a class of spellings, not one example) -------------------


def test_sheet_names_read_as_their_month():
    from parkanalysis.dataset.layouts import sheet_period

    rng = np.random.default_rng(20160531)
    spellings = [
        lambda y, m: (f"{y}年{m}月", (y, m, m)),
        lambda y, m: (f"{y}年{m:02d}月", (y, m, m)),
        lambda y, m: (f" {y} 年 {m} 月 ", (y, m, m)),
        lambda y, m: (f"{y}.{m}", (y, m, m)),
        lambda y, m: (f"{y}-{m:02d}", (y, m, m)),
        lambda y, m: (f"{y}{m:02d}", (y, m, m)),
        lambda y, m: (f"{m}月", (None, m, m)),
        lambda y, m: (f"{m}月份", (None, m, m)),
        lambda y, m: (f"{y}年1-{m}月", (y, 1, m)),
        lambda y, m: (f"{y}年1－{m}月", (y, 1, m)),
        lambda y, m: (f"１-{m}月", (None, 1, m)),
    ]
    for _ in range(300):
        y, m = int(rng.integers(1990, 2100)), int(rng.integers(2, 13))
        name, want = spellings[int(rng.integers(len(spellings)))](y, m)
        assert sheet_period(name) == want, name
        assert sheet_period(name, 2016) == ((want[0] or 2016), *want[1:]), name
    for name in ("说明", "汇总", "Sheet1", "13月", "2016年13月", "2016", "12", "1-5"):
        assert sheet_period(name) is None, name


def test_init_does_not_deny_the_ledger_it_recognised(tmp_path):
    """A ledger without 期别: init lists it as 土地台账 and drafts one phase with its sums
    (saying so), never 「没有土地台账」."""
    folder = tmp_path / "office"
    write_layout(folder, "csv_gbk_by_name")
    ledger = pd.read_csv(folder / "parcels.csv", dtype=str)
    ledger.drop(columns="期别").to_csv(folder / "parcels.csv", index=False)
    out = cli("init", folder).stdout
    assert "parcels.csv → 土地台账(parcels)" in out
    assert "没有土地台账" not in out
    assert "推断:台账没有期别列:全部地块计入一期「一期」" in out
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    (phase,) = doc["parks"][0]["phases"]
    area = pd.to_numeric(ledger["面积(亩)"]).sum()
    assert phase["phase_id"] == "一期" and phase["declared"]["total"] == pytest.approx(area)
