"""The embedded sample park (data/sample) and the synthetic generator (parkanalysis.sample).

The seed figures are computed here directly from the CSV files with pandas, from their
documented definitions, independently of the indicator code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parkanalysis import sample
from parkanalysis.errors import ParameterError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
PUBLIC = ("道路", "绿地", "水域")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False, encoding="utf-8")


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.replace("", np.nan))


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    if not (SAMPLE / "park.yaml").is_file():
        pytest.fail("data/sample is missing: run `python -m parkanalysis.sample data/sample`")
    t = {n: _read(f"{n}.csv") for n in sample.SAMPLE_TABLES}
    m = t["monthly_stats"]
    for col in m.columns[3:]:
        m[col] = _num(m[col])
    t["parcels"]["面积"] = _num(t["parcels"]["面积(亩)"])
    return t


# ---------------------------------------------------------------------------- reproducibility
def test_regenerated_sample_is_byte_identical(tmp_path):
    out = tmp_path / "sample"
    written = sample.write_sample(out)
    assert [p.name for p in written] == list(sample.SAMPLE_FILES)
    committed = sorted(p.name for p in SAMPLE.iterdir() if p.is_file())
    assert committed == sorted(sample.SAMPLE_FILES)
    # the only other entry is the office's hand-written texts folder, which is not generated
    others = sorted(p.name for p in SAMPLE.iterdir() if not p.is_file())
    assert others == [sample.OFFICE_TEXTS]
    assert not (out / sample.OFFICE_TEXTS).exists()
    for name in committed:
        a, b = (SAMPLE / name).read_bytes(), (out / name).read_bytes()
        assert a == b, f"{name} differs from a fresh `python -m parkanalysis.sample` run"
        assert b"\r" not in b and b.decode("utf-8")


def test_regeneration_keeps_the_office_texts(tmp_path):
    """`make sample` over data/sample: generated files replaced, the hand-written texts kept."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    (folder / "monthly_stats.csv").write_text("stale", encoding="utf-8")
    texts = {p.relative_to(folder): p.read_bytes() for p in (folder / "texts").rglob("*.md")}
    assert texts
    sample.write_sample(folder)
    assert (folder / "monthly_stats.csv").read_bytes() == (
        SAMPLE / "monthly_stats.csv"
    ).read_bytes()
    assert {
        p.relative_to(folder): p.read_bytes() for p in (folder / "texts").rglob("*.md")
    } == texts


def test_headers_are_chinese_with_units(tables):
    assert list(tables["monthly_stats"].columns[:9]) == [
        "园区代码", "企业代码", "月份", "工业总产值(万元)", "工业增加值(万元)",
        "主营业务收入(万元)", "税收(万元)", "从业人员(人)", "固定资产投资(万元)",
    ]  # fmt: skip
    assert "面积(亩)" in tables["parcels"].columns


# ---------------------------------------------------------------------------- seed figures
def test_tax_and_employees(tables):
    m = tables["monthly_stats"]
    in_period = m["月份"].between("2016-01", "2016-05") & (m["园区代码"] == "GMY")
    assert round(m.loc[in_period, "税收(万元)"].sum(), 6) == 3126.0
    assert m.loc[m["月份"] == "2016-05", "从业人员(人)"].sum() == 3378


def test_above_size_enterprises(tables):
    e = tables["enterprises"].set_index("企业代码")
    a = tables["above_size"]
    m = tables["monthly_stats"]
    end = "2016-05-31"
    with_rows = set(m.loc[m["月份"].between("2016-01", "2016-05"), "企业代码"])
    members = a.loc[(a["年份"] == "2016") & (a["是否规上"] == "是"), "企业代码"]
    counted = [
        x for x in members
        if e.at[x, "企业类型"] == "工业"
        and e.at[x, "投产日期"] != "" and e.at[x, "投产日期"] <= end
        and not (e.at[x, "退出日期"] != "" and e.at[x, "退出日期"] <= end)
        and x in with_rows
    ]  # fmt: skip
    assert len(counted) == 11
    assert len(members) == 12  # one 规上 furniture maker stopped at the end of 2015 (九州兰天)


def test_above_size_follows_the_2000_rule(tables):
    m = tables["monthly_stats"].copy()
    m["year"] = m["月份"].str[:4].astype(int)
    rev = m.groupby(["企业代码", "year"])["主营业务收入(万元)"].agg(["sum", "count"])
    kinds = tables["enterprises"].set_index("企业代码")["企业类型"]
    for _, row in tables["above_size"].iterrows():
        eid, y = row["企业代码"], int(row["年份"])
        assert kinds[eid] == "工业"
        if (eid, y - 1) in rev.index:
            expected = rev.at[(eid, y - 1), "sum"] >= 2000
        else:  # first year: annualised revenue
            s, n = rev.loc[(eid, y)]
            expected = s * 12 / n >= 2000
        assert (row["是否规上"] == "是") == expected, (eid, y)
    # a threshold crossing is in the data: 宏达新型建材 becomes 规上 in 2016
    hd = kinds.index[
        tables["enterprises"].set_index("企业代码")["企业名称"] == "阜阳市宏达新型建材有限公司"
    ]
    flags = tables["above_size"].set_index(["企业代码", "年份"])["是否规上"]
    assert flags[(hd[0], "2015")] == "否" and flags[(hd[0], "2016")] == "是"


def test_new_enterprises_2016(tables):
    e = tables["enterprises"]
    new = e["投产日期"].between("2016-01-01", "2016-05-31")
    assert (new & (e["企业类型"] == "商贸")).sum() == 3
    assert 1 <= (new & (e["企业类型"] == "工业")).sum() <= 2


def test_hazards(tables):
    h = tables["hazards"]
    h1 = h[h["排查日期"].between("2016-01-01", "2016-06-30")]
    assert len(h1) == 115 and h1["企业代码"].nunique() == 23
    for y in ("2013", "2014", "2015"):
        assert 40 <= h["排查日期"].str.startswith(y).sum() <= 150
    assert (h["整改期限"] >= h["排查日期"]).all()
    done = h["整改完成日期"] != ""
    assert (h.loc[done, "整改完成日期"] >= h.loc[done, "排查日期"]).all()
    overdue = done & (h["整改完成日期"] > h["整改期限"])
    assert 0 < overdue.sum() < 0.15 * done.sum()
    assert (h["复查日期"] != "").sum() > len(h) / 2
    assert h["企业代码"].isin(tables["enterprises"]["企业代码"]).all()


def test_land_ledger(tables):
    p = tables["parcels"]
    by_use = p.groupby("规划用途")["面积"].sum().round(6)
    assert (by_use["道路"], by_use["绿地"], by_use["水域"]) == (450, 414, 175)
    public = p["规划用途"].isin(PUBLIC)
    assert (p.loc[public, "供应状态"] == "未供").all()
    usable = p[~public]
    assert round(usable["面积"].sum(), 6) == 2508
    assert (usable["报批状态"] == "已报批").all()
    assert usable["报批日期"].between("2006-01-01", "2010-12-31").all()
    supplied = usable[usable["供应状态"] == "已供"]
    assert (supplied["供地日期"] >= supplied["报批日期"]).all()
    # declared 3585 − (450 + 414 + 175) − 2508 = 38 亩 stays unexplained
    assert 3585 - (450 + 414 + 175) - round(usable["面积"].sum(), 6) == 38
    ledger_total = round(p["面积"].sum(), 6)
    assert ledger_total == 3547


def test_hanwo_parcels(tables):
    p = tables["parcels"].set_index("地块编号")
    hw = p.loc[["1号地", "4号地"]]
    assert round(hw["面积"].sum(), 6) == 432
    assert (hw["供应状态"] == "已供").all() and (hw["供地方式"] == "挂牌出让").all()
    assert (hw["受让人/项目"] == "安徽翰沃婚庆文化产业有限公司").all()
    assert (hw["规划用途"] == "工业").all() and set(hw["现状用途"]) <= {"商业", "商住"}
    assert set(hw["项目代码"]) == {"WSGG", "HLGC"}


def test_remaining_land_is_short_against_recent_supply(tables):
    p = tables["parcels"]
    usable = p[~p["规划用途"].isin(PUBLIC)]
    remaining = usable.loc[
        (usable["供应状态"] == "未供") & (usable["报批状态"] == "已报批"), "面积"
    ].sum()
    supplied = usable[usable["供应状态"] == "已供"]
    by_year = supplied.groupby(supplied["供地日期"].str[:4])["面积"].sum()
    avg = by_year.reindex(["2013", "2014", "2015"], fill_value=0).sum() / 3
    assert 120 <= remaining <= 180 and 150 <= avg <= 250
    assert remaining < 1.5 * avg
    assert min(by_year.index) == "2006"
    rest = usable[usable["供应状态"] == "未供"]
    assert set(rest["征迁安置"]) & {"进行中", "未启动"}
    # supplied parcels: mostly 出让, a few 划拨; one or two idle
    assert (supplied["供地方式"] == "划拨").sum() in range(1, 6)
    assert (supplied["建设状态"] == "闲置").sum() in (1, 2)
    built = supplied[(supplied["建设状态"] == "已建成") & (supplied["规划用途"] == "工业")]
    m2 = built["面积"] * 10000 / 15
    ratio = _num(built["建筑面积(平方米)"]) / m2
    density = _num(built["建筑基底面积(平方米)"]) / m2
    assert ratio.between(0.75, 1.55).all() and density.between(0.33, 0.57).all()


def test_enterprise_references(tables):
    e = tables["enterprises"]
    parcels = set(tables["parcels"]["地块编号"])
    for ids in e["用地地块"]:
        assert all(x in parcels for x in ids.split(";") if x)
    producing = (e["企业类型"] == "工业") & (e["投产日期"] != "") & (e["退出日期"] == "")
    assert (producing & (e["用地地块"] == "")).sum() in (1, 2)
    assert set(tables["projects"]["项目代码"]) >= set(tables["buildings"]["项目代码"])
    assert set(tables["relocations"]["企业代码"]) <= set(e["企业代码"])


def test_monthly_plausibility(tables):
    m = tables["monthly_stats"]
    amounts = m.columns[3:]
    assert (m[amounts].fillna(0) >= 0).all().all()
    ind = m["工业总产值(万元)"].notna()
    assert (m.loc[ind, "工业增加值(万元)"] <= m.loc[ind, "工业总产值(万元)"]).all()
    share = m.loc[ind, "工业增加值(万元)"].sum() / m.loc[ind, "工业总产值(万元)"].sum()
    assert 0.25 <= share <= 0.35
    assert (m["从业人员(人)"] == m["从业人员(人)"].round()).all()
    assert m["月份"].min() == "2012-01" and m["月份"].max() == "2016-06"
    by_month = m.groupby(m["月份"].str[5:])["工业总产值(万元)"].sum()
    assert by_month["02"] < 0.85 * by_month["03"]  # Spring Festival


def test_same_enterprise_growth_is_plausible(tables):
    m = tables["monthly_stats"]
    cur, prev = m["月份"].between("2016-01", "2016-05"), m["月份"].between("2015-01", "2015-05")
    common = set(m.loc[cur, "企业代码"]) & set(m.loc[prev, "企业代码"])
    c = m["企业代码"].isin(common)

    def yoy(col, cur_mask=cur, prev_mask=prev):
        return 100 * (m.loc[c & cur_mask, col].sum() / m.loc[c & prev_mask, col].sum() - 1)

    assert 6 <= yoy("工业总产值(万元)") <= 10
    assert 6 <= yoy("工业增加值(万元)") <= 10
    assert 5 <= yoy("税收(万元)") <= 12
    assert 3 <= yoy("从业人员(人)", m["月份"] == "2016-05", m["月份"] == "2015-05") <= 6
    assert yoy("固定资产投资(万元)") < 0


def test_buildings_match_the_seed(tables):
    b = tables["buildings"].copy()
    b["已建层数"] = b["已建层数"].astype(int)
    b["设计层数"] = b["设计层数"].astype(int)
    assert (b["已建层数"] <= b["设计层数"]).all()
    b = b.sort_values(["项目代码", "楼栋号", "填报日期"])
    assert (b.groupby(["项目代码", "楼栋号"])["已建层数"].diff().fillna(0) >= 0).all()
    last = b[b["填报日期"] == b["填报日期"].max()].set_index(["项目代码", "楼栋号"])
    ws = last.loc["WSGG"]
    done = ws["形象进度"].isin(["主体完工", "二次结构", "装饰装修", "竣工"])
    assert done.sum() == 13
    for no, floors in {"5#": 6, "6#": 6, "7#": 6, "8#": 6, "9#": 1, "10#": 1, "11#": 1,
                       "12#": 1, "39#": 13}.items():  # fmt: skip
        assert ws.at[no, "已建层数"] == floors and ws.at[no, "设计层数"] > floors
    hl = last.loc["HLGC"]
    assert len(hl) == 5 and "教堂" in hl.index and (hl["形象进度"] == "二次结构").all()


def test_relocations_and_published(tables):
    r = tables["relocations"]
    names = tables["enterprises"].set_index("企业代码")["企业名称"]
    status = {names[e]: s for e, s in zip(r["企业代码"], r["进展"], strict=True)}
    assert status["阜阳市九州华隆家具有限公司"] == "洽谈中"
    assert status["阜阳市九州方圆文仪家具有限公司"] == "洽谈中"
    assert status["阜阳市九州兰天家具有限公司"] == "拆除中"  # the later row wins
    pub = tables["published"]
    row = pub[(pub["指标代码"] == "above_size_output") & (pub["时期"] == "2016-01..2016-05")]
    assert len(row) == 1
    m = tables["monthly_stats"]
    a = tables["above_size"]
    members = set(a.loc[(a["年份"] == "2016") & (a["是否规上"] == "是"), "企业代码"])
    summed = m.loc[m["企业代码"].isin(members) & m["月份"].between("2016-01", "2016-05"),
                   "工业总产值(万元)"].sum()  # fmt: skip
    published = float(row["数值"].iloc[0])
    assert published != summed and abs(published / summed - 1) < 0.03


# ---------------------------------------------------------------------------- writing safety
def test_refuses_foreign_folder_and_rewrites_own(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ParameterError):
        sample.write_sample(foreign)
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    sample.write_sample(foreign, overwrite=True)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"

    own = tmp_path / "own"
    sample.write_sample(own)
    sample.write_sample(own)  # an earlier sample may be replaced without overwrite
    assert sorted(p.name for p in own.iterdir()) == sorted(sample.SAMPLE_FILES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
    (own / "park.yaml").write_text("schema_version: 1\n", encoding="utf-8")  # edited by hand
    with pytest.raises(ParameterError):
        sample.write_sample(own)


def test_command_line(tmp_path, capsys):
    assert sample.main([str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "monthly_stats.csv").is_file()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.csv").write_text("a\n", encoding="utf-8")
    assert sample.main([str(tmp_path / "x")]) == 2


# ---------------------------------------------------------------------------- synthetic
def test_synthetic_shape_and_determinism(tmp_path):
    kw = {"parks": 2, "enterprises": 7, "years": 2}
    a = sample.write_synthetic(tmp_path / "a", seed=3, **kw)
    b = sample.write_synthetic(tmp_path / "b", seed=3, **kw)
    sample.write_synthetic(tmp_path / "c", seed=4, **kw)
    assert [p.name for p in a] == [p.name for p in b] == list(sample.SAMPLE_FILES)
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert (tmp_path / "a" / "monthly_stats.csv").read_bytes() != (
        tmp_path / "c" / "monthly_stats.csv"
    ).read_bytes()
    m = pd.read_csv(tmp_path / "a" / "monthly_stats.csv")
    assert len(m) == 2 * 7 * 24
    assert sorted(m["park_id"].unique()) == ["P001", "P002"]
    assert m["month"].min() == "2014-07" and m["month"].max() == "2016-06"
    assert not m.duplicated(["park_id", "enterprise_id", "month"]).any()
    ind = m["output_wan_yuan"].notna()
    assert (m.loc[ind, "value_added_wan_yuan"] <= m.loc[ind, "output_wan_yuan"]).all()
    assert (m[["revenue_wan_yuan", "tax_wan_yuan", "employees"]] >= 0).all().all()
    e = pd.read_csv(tmp_path / "a" / "enterprises.csv")
    assert len(e) == 2 * 7 and e.groupby("park_id")["name"].nunique().eq(7).all()


@pytest.mark.parametrize("seed", [0, 7, 11])
def test_synthetic_buildings_fit_their_parcels_in_square_metres(tmp_path, seed):
    """The generator draws 容积率 0.8-1.5 and 建筑密度 0.35-0.55 over a parcel's area in
    平方米 (1 亩 = 10000/15 平方米, via ``units``); figures rounded to 10 平方米."""
    sample.write_synthetic(tmp_path, parks=2, enterprises=25, years=1, seed=seed)
    p = pd.read_csv(tmp_path / "parcels.csv")
    built = p[p["floor_area_m2"].notna()]
    assert len(built) >= 10
    m2 = built["area"] * 10000 / 15
    slack = 5 / m2  # the 10 平方米 rounding
    ratio, density = built["floor_area_m2"] / m2, built["footprint_m2"] / m2
    assert ratio.between(0.8 - slack, 1.5 + slack).all(), ratio.describe()
    assert density.between(0.35 - slack, 0.55 + slack).all(), density.describe()


def test_synthetic_rejects_bad_arguments(tmp_path):
    with pytest.raises(ParameterError):
        sample.write_synthetic(tmp_path / "x", parks=0)
    with pytest.raises(ParameterError):
        sample.write_synthetic(tmp_path / "x", end="2016/06")


# ---------------------------------------------------------------------------- loader
def _loader():
    from parkanalysis.dataset import load_dataset

    return load_dataset


def test_sample_loads_without_errors():
    ds = _loader()(SAMPLE)
    assert len(ds.monthly) == len(_read("monthly_stats.csv"))
    rules = {f.rule for f in ds.warnings}
    assert "ledger_not_closed" in rules  # the seed's 38 亩
    assert "enterprise_without_land" in rules  # the two renting workshops


def test_synthetic_loads_without_errors(tmp_path):
    load = _loader()
    sample.write_synthetic(tmp_path / "syn", parks=2, enterprises=12, years=2, seed=5)
    ds = load(tmp_path / "syn")
    assert len(ds.monthly) == 2 * 12 * 24
