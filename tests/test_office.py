"""A park office's own files, as they are: ``init`` → validate → indicators → land → render.

The fixtures are written here, in the layouts offices keep (not by the sample generator):

- 企业名录: XLSX, merged title row, two-row header (group headers merged over sub-headers),
  no 园区代码, no 企业代码 but 统一社会信用代码, no 入园日期 (only 投产日期), no parcel links,
  ``用地面积(亩)`` and ``规模以上(2016)``;
- statistics: GBK CSV keyed by enterprise **name**, a title and a note row, 统计期 labels
  ``2015年1-2月`` … ``2016年1-5月``, the statistics bureau's headers with units
  (从业人员期末人数(人), 工业总产值(当年价格)(万元), 应交税金(万元)), one unknown column;
- 土地台账: CSV in 公顷 with GB/T 21010 class names and 征迁安置状态, one unknown column.

Every expected figure is computed in the test by a short pandas script on the raw files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tests import corpus as C
from tests.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[1]
RNG_SEED = 20160531
N_ENT = 12


def _names():
    trades = [
        "精密机械",
        "新材料",
        "食品",
        "纺织",
        "电子",
        "家具",
        "包装",
        "塑业",
        "化工",
        "医药",
        "建材",
        "光电",
    ]
    return [f"阜阳新桥{t}有限公司" for t in trades[:N_ENT]]


def _codes():
    return [f"91341200MA2N{i:04d}X{i % 10}" for i in range(1, N_ENT + 1)]


def write_register(path: Path, rng, *, own_codes: bool = False) -> pd.DataFrame:
    """XLSX register with a merged title row and a two-row header; returns the truth.

    ``own_codes``: a last column 企业代码 (the park's own numbers) beside 统一社会信用代码.
    """
    names, codes = _names(), _codes()
    land = np.round(rng.uniform(20, 120, N_ENT), 1)
    land[7] = np.nan  # one enterprise without land
    start = [pd.Timestamp(2008 + i % 7, 1 + i % 12, 1) for i in range(N_ENT)]
    start[11] = pd.Timestamp(2016, 3, 1)  # new in 2016
    above = ["是", "否", "是", "否", "是", "否", "否", "是", "否", "否", "是", "否"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名录"
    ws["A1"] = "新桥工业园区企业名录(2016年)"
    ws.merge_cells("A1:H1")
    top = ["序号", "企业名称", "统一社会信用代码", "基本情况", None, "用地及规模", None, "备注"]
    sub = [None, None, None, "行业代码", "投产日期", "用地面积(亩)", "规模以上(2016)", None]
    ws.append(top)
    ws.append(sub)
    for col in "ABCH":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("D2:E2")
    ws.merge_cells("F2:G2")
    if own_codes:
        ws["I2"] = "企业代码"
        ws.merge_cells("I2:I3")
    for i in range(N_ENT):
        ws.append(
            [
                i + 1,
                names[i],
                codes[i],
                f"C{3400 + i}",
                start[i].to_pydatetime(),
                None if np.isnan(land[i]) else float(land[i]),
                above[i],
                "" if i % 4 else "重点企业",
                *([f"XQ{i + 1:03d}"] if own_codes else []),
            ]
        )
    wb.save(path)
    return pd.DataFrame(
        {"name": names, "code": codes, "land_mu": land, "above": above, "start": start}
    )


def write_stats(path: Path, rng) -> pd.DataFrame:
    """GBK CSV keyed by name, cumulative 统计期 labels; returns the rows written."""
    names = _names()
    rows = []
    scales = rng.uniform(50, 900, N_ENT)
    for year, last in ((2015, 12), (2016, 5)):
        for i, name in enumerate(names):
            if year == 2015 and i == 11:
                continue  # started in 2016
            if year == 2016 and i == 9:
                continue  # no 2016 report
            level = scales[i] * (1.0 + 0.08 * (year - 2015))
            flows = rng.uniform(0.8, 1.2, size=(last, 3)) * level * np.array([1.0, 0.95, 0.04])
            cum = np.round(np.cumsum(flows, axis=0), 1)
            staff = int(rng.integers(20, 400))
            first = 3 if (year == 2016 and i == 11) else 2  # in production from 2016-03-01
            for m in range(first, last + 1):  # 1-2月 first, as the bureau reports
                written = name[:4] + " " + name[4:] if i == 3 else name
                rows.append(
                    {
                        "统计期": f"{year}年1-{m}月",
                        "企业名称": written,
                        "从业人员期末人数(人)": staff + m,
                        "工业总产值(当年价格)(万元)": cum[m - 1, 0],
                        "营业收入(万元)": cum[m - 1, 1],
                        "应交税金(万元)": cum[m - 1, 2],
                        "填报人": "张三",
                    }
                )
    df = pd.DataFrame(rows)
    with open(path, "w", encoding="gbk", newline="") as fh:
        fh.write("新桥工业园区规模以上工业企业主要经济指标(累计)\r\n")
        fh.write("单位:万元、人,,,,,,\r\n")
        df.to_csv(fh, index=False, lineterminator="\r\n")
    return df


def write_ledger(path: Path, rng) -> pd.DataFrame:
    """CSV ledger in 公顷 with GB/T 21010 class names and 征迁安置状态."""
    uses = ["工业用地"] * 9 + [
        "商服用地",
        "住宅用地",
        "道路用地",
        "道路用地",
        "公园与绿地",
        "水域及水利设施用地",
        "工业用地",
        "公共管理与公共服务用地",
    ]
    n = len(uses)
    supplied = [True] * 7 + [False, False, True, False, False, False, False, False, False, True]
    rows = []
    for i in range(n):
        rows.append(
            {
                "地块编号": f"XQ-{i + 1:02d}",
                "期别": "一期" if i < 12 else "二期",
                "面积(公顷)": round(float(rng.uniform(1.5, 9.0)), 2),
                "土地用途": uses[i],
                "报批状态": "已报批" if i < 15 else "未报批",
                "供应状态": "已供" if supplied[i] else "未供",
                "供地方式": ("挂牌出让" if i % 3 else "协议出让") if supplied[i] else "",
                "供地日期": f"{2010 + i % 6}-{1 + i % 12:02d}-15" if supplied[i] else "",
                "征迁安置状态": ["已完成", "进行中", "未启动", "不涉及"][i % 4],
                "经办人": "李四",
            }
        )
    df = pd.DataFrame(rows)
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return df


def cli(*args, check=True):
    """``parkanalysis ARGS`` in a process of its own (data commands warm: tests/corpus/warm.py)."""
    args = [str(a) for a in args]
    if args[0] in C.WARM_COMMANDS:
        proc = C.run_cli(args, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    else:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-m", "parkanalysis.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def write_stats_xlsx(path: Path, stats: pd.DataFrame) -> None:
    """The same statistics as an XLSX: title row, 年份 column and "1-5月" labels, 单位名称,
    output in 千元, and both 从业人员平均人数 and 从业人员期末人数."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "工业企业主要经济指标"
    ws.merge_cells("A1:G1")
    ws.append(["年份", "统计期", "单位名称", "从业人员平均人数", "从业人员期末人数",
               "工业总产值(当年价格)(千元)", "营业收入(万元)", "应交税金(万元)"])  # fmt: skip
    for r in stats.itertuples(index=False):
        year, label = r[0].split("年", 1)
        average = int(r[2]) + 1000  # not the month-end stock: must not be read as 从业人员
        ws.append([int(year), label, r[1], average, int(r[2]), float(r[3]) * 10, float(r[4]),
                   float(r[5])])  # fmt: skip
    wb.save(path)


def _make(folder: Path, layout: str) -> dict:
    rng = np.random.default_rng(RNG_SEED)
    own_codes = layout == "credit_codes"
    truth = {
        "register": write_register(folder / "企业名录(2016年).xlsx", rng, own_codes=own_codes),
        "stats": write_stats(folder / "2016年1-5月工业企业主要指标.csv", rng),
        "ledger": write_ledger(folder / "新桥园区用地台账.csv", rng),
    }
    if layout == "xlsx_year_column":
        os.remove(folder / "2016年1-5月工业企业主要指标.csv")
        write_stats_xlsx(folder / "统计月报.xlsx", truth["stats"])
    if layout == "credit_codes":  # the statistics identify enterprises by credit code only
        os.remove(folder / "2016年1-5月工业企业主要指标.csv")
        code = dict(zip(truth["register"]["name"], truth["register"]["code"], strict=True))
        by_code = truth["stats"].assign(
            统一社会信用代码=truth["stats"]["企业名称"].str.replace(" ", "").map(code)
        )
        by_code = by_code.drop(columns="企业名称")
        by_code.to_csv(folder / "统计报表.csv", index=False, encoding="utf-8")
    pd.DataFrame({"姓名": ["王五"], "电话": ["123"]}).to_csv(folder / "联系人.csv", index=False)
    return truth


def _digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "park.yaml"}


@pytest.fixture(scope="module", params=["gbk_csv", "xlsx_year_column", "credit_codes"])
def office_folder(request, tmp_path_factory):
    """An office folder after ``parkanalysis init`` (raw files as written, and their truth)."""
    folder = tmp_path_factory.mktemp(request.param)
    truth = _make(folder, request.param)
    before = _digest(folder)
    proc = cli("init", folder)
    truth["init_stdout"] = proc.stdout
    truth["untouched"] = before == _digest(folder)
    truth["layout"] = request.param
    return folder, truth


def expected_indicators(truth: dict) -> dict:
    """The 2016年1-5月 figures by an independent pandas script on the raw data."""
    s = truth["stats"].copy()
    s["key"] = s["企业名称"].str.replace(" ", "")
    reg = truth["register"]
    cur = s[s["统计期"] == "2016年1-5月"].set_index("key")
    prev = s[s["统计期"] == "2015年1-5月"].set_index("key")
    both = cur.index.intersection(prev.index)
    # an enterprise that reported in 2015 but files nothing in 2016 (no exit recorded) is a
    # 缺报: left out of the 同口径 scope, and the scope says so
    lapsed = len(
        set(s.loc[s["统计期"].str.startswith("2015"), "key"])
        - set(s.loc[s["统计期"].str.startswith("2016"), "key"])
    )
    scope = f"同口径({len(both)}家" + (f";另{lapsed}家缺报未计入)" if lapsed else ")")
    out = {}
    for ind, col in (
        ("industrial_output", "工业总产值(当年价格)(万元)"),
        ("revenue", "营业收入(万元)"),
        ("tax_revenue", "应交税金(万元)"),
        ("employees", "从业人员期末人数(人)"),
    ):
        out[ind] = {
            "value": cur[col].sum(),
            "scope_value": cur.loc[both, col].sum(),
            "prev_value": prev.loc[both, col].sum(),
            "yoy_pct": (cur.loc[both, col].sum() / prev.loc[both, col].sum() - 1) * 100,
            "all_prev_value": prev[col].sum(),
            "all_yoy_pct": (cur[col].sum() / prev[col].sum() - 1) * 100,
            "scope": scope,
        }
    above = set(reg.loc[reg["above"] == "是", "name"])
    in_prod = set(reg.loc[reg["start"] <= pd.Timestamp("2016-05-31"), "name"])
    out["above_size_enterprises"] = len(above & in_prod & set(cur.index))
    out["above_size_output"] = cur.loc[cur.index.isin(above), "工业总产值(当年价格)(万元)"].sum()
    land = reg.set_index("name")["land_mu"].dropna()
    with_land = cur.index.intersection(land[land > 0].index)
    out["tax_per_mu"] = cur.loc[with_land, "应交税金(万元)"].sum() / land[with_land].sum()
    new = reg["start"].between(pd.Timestamp("2016-01-01"), pd.Timestamp("2016-05-31"))
    out["new_industrial_enterprises"] = int(new.sum())
    return out


def test_init_writes_a_draft_profile_and_never_touches_the_files(office_folder):
    folder, truth = office_folder
    assert truth["untouched"]
    text = (folder / "park.yaml").read_text(encoding="utf-8")
    import yaml

    doc = yaml.safe_load(text)
    sources = doc["sources"]
    tables = {v["table"] for v in sources.values()}
    assert tables == {"enterprises", "cumulative_stats", "parcels"}
    reg = sources["企业名录(2016年).xlsx"]["columns"]
    assert reg["规模以上(2016)"] == "above_size_2016"
    assert reg["用地面积(亩)"] == "land_area"
    assert "序号" in sources["企业名录(2016年).xlsx"]["ignored"]
    if truth["layout"] == "credit_codes":
        assert (reg["企业代码"], reg["统一社会信用代码"]) == ("enterprise_id", "credit_code")
    # phases and declared areas from the ledger's sums, in its unit, with a comment
    ledger = truth["ledger"]
    phases = {p["phase_id"]: p for p in doc["parks"][0]["phases"]}
    for phase, rows in ledger.groupby("期别"):
        assert phases[phase]["unit"] == "公顷"
        assert phases[phase]["declared"]["total"] == pytest.approx(rows["面积(公顷)"].sum())
    assert "取自土地台账合计" in text
    park = doc["parks"][0]
    assert park["name"] == "新桥工业园区"  # from the register's title row
    assert park["park_id"].isascii() and park["park_id"].isalnum()
    out = truth["init_stdout"]
    assert "联系人.csv" in out and "未识别的文件" in out
    assert "企业名录(2016年).xlsx → 企业名录(enterprises),表头在第2-3行" in out
    assert "填报人" in out or truth["layout"] != "gbk_csv"


def test_init_refuses_to_overwrite_without_force(office_folder):
    folder, _ = office_folder
    before = (folder / "park.yaml").read_bytes()
    proc = cli("init", folder, check=False)
    assert proc.returncode == 2
    assert "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert (folder / "park.yaml").read_bytes() == before


def test_validate_names_every_unread_column_and_file(office_folder):
    folder, truth = office_folder
    proc = cli("validate", folder, "--format", "json")
    report = json.loads(proc.stdout)
    assert report["ok"]
    unknown = {
        (w["file"], w["column"]) for w in report["warnings"] if w["rule"] == "unknown_column"
    }
    assert ("新桥园区用地台账.csv", "经办人") in unknown
    assert ("企业名录(2016年).xlsx", "备注") in unknown
    if truth["layout"] == "gbk_csv":
        assert ("2016年1-5月工业企业主要指标.csv", "填报人") in unknown
    files = {w["file"] for w in report["warnings"] if w["rule"] == "unrecognised_file"}
    assert files == {"联系人.csv"}
    text = cli("validate", folder).stdout
    assert "未识别的列『经办人』,已忽略" in text
    strict = cli("validate", folder, "--strict", check=False)
    assert strict.returncode == 2 and "unknown_column" in strict.stdout


def _cells_as_seen(path: Path) -> list[list[str]]:
    """Every row of a statement as the user sees it in Excel (row 1 first), cells as text."""
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).active
        return [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
    import csv

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    return list(csv.reader(text.splitlines()))


def test_missing_report_points_at_the_cell_the_user_wrote(office_folder):
    """The statement keys enterprises by name (or credit code): the 缺报 warning names that
    cell, and the row's cell in that column holds the value shown, not a derived 企业代码."""
    folder, _ = office_folder
    report = json.loads(cli("validate", folder, "--format", "json").stdout)
    missing = [w for w in report["warnings"] if w["rule"] == "missing_report"]
    assert missing
    for w in missing:
        rows = _cells_as_seen(folder / w["file"])
        header = next(r for r in rows if w["column"] in r)
        cell = rows[w["row"] - 1][header.index(w["column"])]
        assert cell.replace(" ", "") == str(w["value"]).replace(" ", ""), w
        assert w["column"] != "企业代码"  # no such column in these files
        assert str(w["value"]) in w["message"]


def test_indicators_equal_an_independent_calculation(office_folder):
    folder, truth = office_folder
    proc = cli("indicators", folder, "--period", "2016年1-5月", "--format", "json")
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    exp = expected_indicators(truth)
    for ind in ("industrial_output", "revenue", "tax_revenue", "employees"):
        for key in ("value", "scope_value", "prev_value", "yoy_pct", "all_prev_value"):
            assert rows[ind][key] == pytest.approx(exp[ind][key], abs=1e-3), (ind, key)
        assert rows[ind]["all_yoy_pct"] == pytest.approx(exp[ind]["all_yoy_pct"], abs=1e-4)
        assert rows[ind]["scope"] == exp[ind]["scope"]
        # the page reconciles: same-scope value ÷ previous − 1 is the growth shown
        r = rows[ind]
        assert (r["scope_value"] / r["prev_value"] - 1) * 100 == pytest.approx(r["yoy_pct"])
    # the register's own 规上 flags, not the revenue threshold
    assert rows["above_size_enterprises"]["value"] == exp["above_size_enterprises"]
    assert rows["above_size_output"]["value"] == pytest.approx(exp["above_size_output"], abs=1e-3)
    # 亩均 from the register's 用地面积 (no parcel is linked)
    assert rows["tax_per_mu"]["value"] == pytest.approx(exp["tax_per_mu"], rel=1e-6)
    assert "企业名录的用地面积" in rows["tax_per_mu"]["note"]
    assert rows["new_industrial_enterprises"]["value"] == exp["new_industrial_enterprises"]


def test_land_follows_the_park_unit(office_folder):
    folder, truth = office_folder
    proc = cli("land", folder, "--format", "json", "--as-of", "2016-05")
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    ledger = truth["ledger"]
    ha = ledger["面积(公顷)"]
    supplied = ledger["供应状态"] == "已供"
    assert rows["total_area_mu"]["unit"] == "公顷"
    assert rows["total_area_mu"]["value"] == pytest.approx(ha.sum(), abs=1e-3)
    assert rows["total_area_mu"]["value_mu"] == pytest.approx(ha.sum() * 15, abs=1e-3)
    assert rows["supplied_mu"]["value"] == pytest.approx(ha[supplied].sum(), abs=1e-3)
    pending = (
        (~supplied)
        & (ledger["报批状态"] == "已报批")
        & (~ledger["土地用途"].isin(["道路用地", "公园与绿地", "水域及水利设施用地"]))
    )
    assert rows["remaining_supplyable_mu"]["value"] == pytest.approx(ha[pending].sum(), abs=1e-3)
    not_done = pending & ledger["征迁安置状态"].isin(["未启动", "进行中"])
    assert rows["resettlement_pending_mu"]["value"] == pytest.approx(ha[not_done].sum(), abs=1e-3)


def test_period_report_renders_without_parcel_links(tmp_path):
    """One papermill render (the GBK layout): no parcel is linked, 增加值 is not reported."""
    folder = tmp_path / "office"
    folder.mkdir()
    truth = _make(folder, "gbk_csv")
    cli("init", folder)
    out = tmp_path / "reports"
    # the 工作稿: its appendix 增速口径对照 prints the 同口径 level beside the 全口径 one
    cli("render", "period", "--data", folder, "--period", "2016年1-5月", "--out", out,
        "--copy", "work")  # fmt: skip
    (page,) = out.glob("*.html")
    text = page.read_text(encoding="utf-8")
    exp = expected_indicators(truth)
    assert f"{exp['tax_revenue']['value']:,.1f}" in text
    assert f"{exp['tax_revenue']['scope_value']:,.1f}" in text
    assert f"规模企业投产{exp['above_size_enterprises']}家" in text
    # the 亩均 evaluation says why it is not shown; the rest of the report is there
    assert "本期未开展亩均效益评价" in text and "工业增加值" in text
    assert "用地平衡表" in text


def test_unmatched_name_suggests_the_nearest_register_names(tmp_path):
    folder = tmp_path / "office"
    folder.mkdir()
    truth = _make(folder, "gbk_csv")
    cli("init", folder)
    path = folder / "2016年1-5月工业企业主要指标.csv"
    text = path.read_text(encoding="gbk")
    wrong = truth["register"]["name"][0].replace("有限公司", "股份公司")
    path.write_text(text.replace(truth["register"]["name"][0], wrong), encoding="gbk")
    proc = cli("validate", folder, "--format", "json", check=False)
    assert proc.returncode == 2
    (err,) = [e for e in json.loads(proc.stdout)["errors"] if e["rule"] == "unknown_enterprise"]
    assert err["value"] == wrong and truth["register"]["name"][0] in err["message"]
    rows = truth["stats"].index[truth["stats"]["企业名称"] == truth["register"]["name"][0]]
    assert err["row"] == int(rows[0]) + 4  # title, note and header rows above the data


def test_header_row_not_found_names_what_it_found(tmp_path):
    import shutil

    folder = tmp_path / "ds"
    shutil.copytree(ROOT / "data" / "sample", folder)
    path = folder / "parcels.csv"
    raw = path.read_bytes()
    head, _, rest = raw.partition(b"\n")
    path.write_bytes(head.replace("地块编号".encode(), "宗地".encode()) + b"\n" + rest)
    proc = cli("validate", folder, "--format", "json", check=False)
    assert proc.returncode == 2
    (err,) = [e for e in json.loads(proc.stdout)["errors"] if e["file"] == "parcels.csv"]
    assert err["rule"] == "missing_column" and err["row"] == 1
    assert "找到了「园区代码」" in err["message"] and "「地块编号」" in err["message"]


def test_period_label_without_year_is_named(tmp_path):
    folder = tmp_path / "office"
    folder.mkdir()
    _make(folder, "gbk_csv")
    cli("init", folder)
    path = folder / "2016年1-5月工业企业主要指标.csv"
    path.write_text(path.read_text(encoding="gbk").replace("2016年1-", "1-"), encoding="gbk")
    proc = cli("validate", folder, "--format", "json", check=False)
    assert proc.returncode == 2
    errors = json.loads(proc.stdout)["errors"]
    assert any("统计期「1-5月」没有年份" in e["message"] for e in errors)


def test_grading_without_any_land_says_why(tmp_path):
    from parkanalysis.dataset import load_dataset
    from parkanalysis.errors import ParameterError
    from parkanalysis.grading import grade_enterprises

    folder = tmp_path / "office"
    folder.mkdir()
    _make(folder, "gbk_csv")
    wb = openpyxl.load_workbook(folder / "企业名录(2016年).xlsx")
    ws = wb.active
    for row in range(4, ws.max_row + 1):
        ws.cell(row=row, column=6).value = None  # no 用地面积, and no parcel links
    wb.save(folder / "企业名录(2016年).xlsx")
    cli("init", folder)
    ds = load_dataset(folder)
    with pytest.raises(ParameterError, match="没有企业登记用地"):
        grade_enterprises(ds, "2016年1-5月")


def test_ambiguous_name_names_the_enterprises(tmp_path):
    folder = tmp_path / "office"
    folder.mkdir()
    truth = _make(folder, "gbk_csv")
    reg = truth["register"]
    wb = openpyxl.load_workbook(folder / "企业名录(2016年).xlsx")
    wb.active.cell(row=5, column=2).value = reg["name"][0]  # the second enterprise, renamed
    wb.save(folder / "企业名录(2016年).xlsx")
    cli("init", folder)
    proc = cli("validate", folder, "--format", "json", check=False)
    assert proc.returncode == 2
    errors = [e for e in json.loads(proc.stdout)["errors"] if e["rule"] == "unknown_enterprise"]
    by_value = {e["value"]: e["message"] for e in errors}
    assert f"对应 2 家企业({reg['code'][0]}、{reg['code'][1]})" in by_value[reg["name"][0]]
    assert "不在企业名录中" in by_value[reg["name"][1]]  # its own name is gone from the register


def test_sources_mapping_is_what_is_read(tmp_path):
    """Edited sources: an unknown header mapped to a field, a header re-mapped, one ignored."""
    import yaml

    from parkanalysis.dataset import load_dataset
    from parkanalysis.indicators import indicator_table

    folder = tmp_path / "office"
    folder.mkdir()
    truth = _make(folder, "gbk_csv")
    cli("init", folder)
    path = folder / "park.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    ledger = doc["sources"]["新桥园区用地台账.csv"]
    ledger["columns"]["经办人"] = "transferee"
    stats = doc["sources"]["2016年1-5月工业企业主要指标.csv"]
    stats["columns"]["应交税金(万元)"] = "revenue_wan_yuan"  # usually 税收
    del stats["columns"]["营业收入(万元)"]
    stats["ignored"] = ["营业收入(万元)", "填报人"]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    ds = load_dataset(folder)
    unknown = {w.column for w in ds.warnings if w.rule == "unknown_column"}
    assert unknown == {"备注"}
    assert set(ds.parcels["transferee"]) == {"李四"}
    t = indicator_table(ds, "2016年1-5月").set_index("id")
    s = truth["stats"]
    cur = s[s["统计期"] == "2016年1-5月"]
    assert t.loc["revenue", "value"] == pytest.approx(cur["应交税金(万元)"].sum(), abs=1e-3)
    assert np.isnan(t.loc["tax_revenue", "value"])


def test_batch_renders_every_report_of_the_year(tmp_path):
    """No parcel is linked: every 1-N月 report of 2016 and the land report render."""
    from parkanalysis.render import report_filename

    folder = tmp_path / "office"
    folder.mkdir()
    truth = _make(folder, "gbk_csv")
    cli("init", folder)
    out = tmp_path / "batch"
    cli("batch", "--data", folder, "--year", 2016, "--out", out, "--workers", 1, "--quiet")
    s = truth["stats"]
    for month in range(2, 6):
        name = report_filename("period", {"data": str(folder), "period": f"2016年1-{month}月"})
        page = (out / name).read_text(encoding="utf-8")
        tax = s.loc[s["统计期"] == f"2016年1-{month}月", "应交税金(万元)"].sum()
        assert f"完成税收{tax:.1f}万元" in page
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    land = [name for name, r in manifest.items() if r["kind"] == "land"]
    assert len(land) == 1 and (out / land[0]).is_file()


def test_init_keeps_the_offices_own_park_code(tmp_path):
    """Files that carry one 园区代码 keep it: the draft must match the data, not invent one."""
    from parkanalysis.dataset.init import init_folder

    folder = tmp_path / "office"
    folder.mkdir()
    for name in ("enterprises.csv", "monthly_stats.csv", "parcels.csv"):
        (folder / name).write_bytes((SAMPLE / name).read_bytes())
    codes = set(pd.read_csv(folder / "enterprises.csv")["园区代码"].astype(str))
    assert len(codes) == 1
    result = init_folder(folder)
    assert result.park_id == codes.pop()
    assert cli("validate", folder).returncode == 0


def test_init_reads_a_statement_with_the_bureaus_other_headers(tmp_path):
    """统计年月 / 单位详细名称 / 本月税金总额 / 期末从业人员 under two title rows, GBK."""
    from parkanalysis.dataset.init import init_folder

    folder = tmp_path / "office"
    folder.mkdir()
    for name in ("enterprises.csv", "parcels.csv"):
        (folder / name).write_bytes((SAMPLE / name).read_bytes())
    names = dict(
        pd.read_csv(SAMPLE / "enterprises.csv", dtype=str)[["企业代码", "企业名称"]].values
    )
    m = pd.read_csv(SAMPLE / "monthly_stats.csv", dtype=str).head(40)
    out = pd.DataFrame(
        {
            "统计年月": m["月份"].str.replace("-", "年") + "月",
            "单位详细名称": m["企业代码"].map(names),
            "本月税金总额(万元)": m["税收(万元)"],
            "期末从业人员(人)": m["从业人员(人)"],
        }
    )
    text = "工贸园企业月度统计台账\n填报单位:园区经发局,,,\n" + out.to_csv(index=False)
    (folder / "月度统计.csv").write_bytes(text.encode("gbk"))
    result = init_folder(folder)
    (report,) = [f for f in result.files if f.file == "月度统计.csv"]
    assert report.table == "monthly_stats" and report.header_row == 3, report
    assert report.columns == {
        "统计年月": "month",
        "单位详细名称": "enterprise_name",
        "本月税金总额(万元)": "tax_wan_yuan",
        "期末从业人员(人)": "employees",
    }
