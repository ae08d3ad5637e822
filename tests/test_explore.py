"""The analyst's toolkit (parkanalysis.explore) against independent pandas on the raw files.

Every expected figure is computed here from the CSV files as written (Chinese or English
headers), with plain pandas — never by the package.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, SAMPLE

import parkanalysis as pa
from parkanalysis import industry, labels
from parkanalysis.errors import ParameterError
from parkanalysis.explore import display
from parkanalysis.indicators import enterprise_table

PERIOD = "2016年1-5月"
CUR = [f"2016-{m:02d}" for m in range(1, 6)]
PREV = [f"2015-{m:02d}" for m in range(1, 6)]

#: Chinese headers of the sample's CSVs → internal names (written out here, not imported).
RAW_NAMES = {
    "园区代码": "park_id",
    "企业代码": "enterprise_id",
    "企业名称": "name",
    "行业代码": "industry_code",
    "企业类型": "kind",
    "用地地块": "parcel_ids",
    "月份": "month",
    "工业总产值(万元)": "output_wan_yuan",
    "税收(万元)": "tax_wan_yuan",
    "从业人员(人)": "employees",
    "地块编号": "parcel_id",
    "面积(亩)": "area",
    "规划用途": "planned_use",
    "供应状态": "supply_status",
    "供地日期": "supply_date",
}


def raw(folder: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
    frame = frame.rename(columns=RAW_NAMES).replace("", np.nan)
    for c in ("output_wan_yuan", "tax_wan_yuan", "employees", "area"):
        if c in frame:
            frame[c] = frame[c].astype(float)
    return frame


@pytest.fixture(scope="module")
def ds():
    return pa.load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def sums():
    """Per enterprise: Σ over 2016年1-5月 and over 2015年1-5月 (NaN when nothing reported)."""
    m = raw(SAMPLE, "monthly_stats")

    def total(months, column):
        part = m.loc[m["month"].isin(months)]
        return part.groupby("enterprise_id")[column].sum(min_count=1)

    return {c: (total(CUR, c), total(PREV, c)) for c in ("tax_wan_yuan", "output_wan_yuan")}


# -- contribution ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "column"), [("税收", "tax_wan_yuan"), ("industrial_output", "output_wan_yuan")]
)
def test_contribution_by_enterprise_matches_pandas(ds, sums, indicator, column):
    cur, prev = sums[column]
    both = pd.concat([cur.rename("cur"), prev.rename("prev")], axis=1).dropna()
    s0, s1 = both["prev"].sum(), both["cur"].sum()
    expected_pull = (both["cur"] - both["prev"]) / s0 * 100
    expected_share = (both["cur"] - both["prev"]) / (s1 - s0) * 100

    got = pa.contribution(ds, PERIOD, indicator=indicator).set_index("enterprise_id")
    inside = got.loc[got["in_scope"]]
    assert set(inside.index) == set(both.index)
    assert np.allclose(inside["pull_pp"], expected_pull.reindex(inside.index))
    assert np.allclose(inside["contribution_pct"], expected_share.reindex(inside.index))
    assert math.isclose(got["pull_pp"].sum(), (s1 / s0 - 1) * 100, rel_tol=1e-9)
    # enterprises outside the scope are listed, with no 拉动
    outside = got.loc[~got["in_scope"]]
    assert outside["pull_pp"].isna().all()
    reported = set(cur.dropna().index) | set(prev.dropna().index)
    assert reported <= set(got.index)
    # sorted by 拉动, largest first
    pulls = got["pull_pp"].dropna().to_numpy()
    assert (np.diff(pulls) <= 1e-12).all()


def test_contribution_by_industry_matches_pandas(ds, sums):
    cur, prev = sums["tax_wan_yuan"]
    reg = raw(SAMPLE, "enterprises").set_index("enterprise_id")
    both = pd.concat([cur.rename("cur"), prev.rename("prev")], axis=1).dropna()
    both["division"] = reg["industry_code"].reindex(both.index).str[1:3]
    s0 = both["prev"].sum()
    g = both.groupby("division")[["cur", "prev"]].sum()
    expected = (g["cur"] - g["prev"]) / s0 * 100

    got = pa.contribution(ds, PERIOD, indicator="tax_revenue", by="industry")
    got = got.set_index("division")
    assert set(got.index) == set(expected.index)
    assert np.allclose(got["pull_pp"], expected.reindex(got.index))
    assert (got["n_enterprises"] == both.groupby("division").size().reindex(got.index)).all()
    assert got["division_name"].ne(industry.UNCLASSIFIED).all()


def test_contribution_rejects_an_indicator_without_enterprise_values(ds):
    with pytest.raises(ParameterError, match="不支持"):
        pa.contribution(ds, PERIOD, indicator="tax_per_mu")


# -- by industry -------------------------------------------------------------------------------


def _enterprise_land(folder: Path) -> pd.Series:
    """Land of each enterprise in 亩: a parcel listed by k enterprises gives each 1/k."""
    reg = raw(folder, "enterprises")
    parcels = raw(folder, "parcels").set_index("parcel_id")["area"]
    lists = reg.set_index("enterprise_id")["parcel_ids"].dropna()
    pairs = [(e, p.strip()) for e, text in lists.items() for p in re.split("[;；、,，]", text)]
    pairs = pd.DataFrame(pairs, columns=["enterprise_id", "parcel_id"])
    users = pairs.groupby("parcel_id").size()
    pairs["mu"] = pairs["parcel_id"].map(parcels) / pairs["parcel_id"].map(users)
    return pairs.groupby("enterprise_id")["mu"].sum()


def test_by_industry_matches_pandas_and_never_divides_by_zero_land(ds, sums):
    cur, _ = sums["tax_wan_yuan"]
    out_cur, _ = sums["output_wan_yuan"]
    reg = raw(SAMPLE, "enterprises").set_index("enterprise_id")
    m = raw(SAMPLE, "monthly_stats")
    with_rows = set(m.loc[m["month"].isin(CUR), "enterprise_id"])
    land = _enterprise_land(SAMPLE)
    frame = pd.DataFrame({"tax": cur, "output": out_cur}).reindex(reg.index)
    frame["division"] = reg["industry_code"].str[1:3]
    frame["land"] = land.reindex(reg.index)  # NaN: no land
    frame["active"] = frame.index.isin(with_rows)
    g = frame.groupby("division")
    has = frame.loc[frame["land"].notna() & frame["tax"].notna()].groupby("division")
    tax_per_mu = has["tax"].sum() / has["land"].sum()

    got = pa.by_industry(ds, PERIOD).set_index("division")
    assert np.allclose(got["tax_wan_yuan"], g["tax"].sum(min_count=1).reindex(got.index),
                       equal_nan=True)  # fmt: skip
    assert (got["n_enterprises"] == g["active"].sum().reindex(got.index)).all()
    assert np.allclose(got["tax_per_mu"], tax_per_mu.reindex(got.index), equal_nan=True)
    # an industry whose enterprises have no land: land missing, 亩均 missing, never 0 or inf
    no_land = g["land"].count().loc[lambda s: s == 0].index
    assert len(no_land) > 0, "the sample should hold industries without land"
    assert got.loc[no_land, "area_mu"].isna().all()
    e = enterprise_table(ds, PERIOD).set_index("enterprise_id")
    landless = e.index.difference(land.index)
    assert len(landless) > 0 and e.loc[landless, "area_mu"].isna().all()
    assert got.loc[no_land, "tax_per_mu"].isna().all()
    figures = got.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(figures).any()
    # every sample code has its 大类 name from the shipped GB/T 4754 table
    assert got["division_name"].ne(industry.UNCLASSIFIED).all()
    sections = pa.by_industry(ds, PERIOD, level="section").set_index("section")
    assert math.isclose(sections["tax_wan_yuan"].sum(), cur.sum())


def test_industry_table_covers_gbt4754_2017():
    sections = industry.sections()
    divisions = industry.divisions()
    assert sections["section"].tolist() == list("ABCDEFGHIJKLMNOPQRST")
    assert divisions["division"].tolist() == [f"{i:02d}" for i in range(1, 98)]
    assert set(divisions["section"]) == set(sections["section"])
    manufacturing = divisions.loc[divisions["section"] == "C", "division"]
    assert manufacturing.tolist() == [str(i) for i in range(13, 44)]
    for code in raw(SAMPLE, "enterprises")["industry_code"]:
        found = industry.industry_of(code)
        assert found.division == code[1:3] and found.section == code[0], code


# -- month by month ----------------------------------------------------------------------------


def test_monthly_matches_pandas_with_january_on_its_own(ds):
    m = raw(SAMPLE, "monthly_stats")
    per = m.groupby("month")["tax_wan_yuan"].sum(min_count=1)
    got = pa.monthly(ds, "税收", year=2016).set_index("label")
    assert got.index[0] == "2016年1月"
    for month in range(1, 7):
        assert math.isclose(got.loc[f"2016年{month}月", "value"], per[f"2016-{month:02d}"])
    # 同口径 growth against the same month a year earlier
    cur = m.loc[m["month"] == "2016-03"].set_index("enterprise_id")["tax_wan_yuan"].dropna()
    prev = m.loc[m["month"] == "2015-03"].set_index("enterprise_id")["tax_wan_yuan"].dropna()
    scope = cur.index.intersection(prev.index)
    expected = (cur[scope].sum() / prev[scope].sum() - 1) * 100
    assert math.isclose(got.loc["2016年3月", "yoy_pct"], expected)
    assert not got["split"].any()
    assert "分月" in pa.monthly(ds, "税收").attrs["parkanalysis"]["note"]


def test_monthly_splits_a_combined_january_february_and_says_so(tmp_path):
    folder = tmp_path / "data"
    import shutil

    shutil.copytree(SAMPLE, folder)
    path = folder / "monthly_stats.csv"
    m = pd.read_csv(path, dtype=str)
    month, tax = m["月份"], m["税收(万元)"].astype(float)
    jan = m.loc[month.str.endswith("-01")]
    jan = jan.set_index([jan["企业代码"], jan["月份"].str[:4]])
    feb_mask = month.str.endswith("-02")
    key = list(zip(m.loc[feb_mask, "企业代码"], month[feb_mask].str[:4], strict=True))
    jan_tax = jan["税收(万元)"].astype(float).reindex(key).to_numpy()
    combined_feb = tax[feb_mask].to_numpy() + np.nan_to_num(jan_tax)
    m.loc[feb_mask, "税收(万元)"] = [f"{v:.4f}" for v in combined_feb]
    m.loc[~month.str.endswith("-01")].to_csv(path, index=False)

    got = pa.monthly(pa.load_dataset(folder), "税收", year=2016).set_index("month")
    combined = tax[month == "2016-01"].sum() + tax[month == "2016-02"].sum()
    share = 31 / (31 + 29)  # 2016 is a leap year
    assert math.isclose(got.loc[1, "value"], combined * share)
    assert math.isclose(got.loc[2, "value"], combined * (1 - share))
    assert got.loc[[1, 2], "split"].all() and not got.loc[3:, "split"].any()
    note = pa.monthly(pa.load_dataset(folder), "税收").attrs["parkanalysis"]["note"]
    assert "按天数拆分" in note
    stock = pa.monthly(pa.load_dataset(folder), "employees", year=2016).set_index("month")
    assert math.isnan(stock.loc[1, "value"])  # a stock is not invented for January


def test_monthly_for_an_enterprise_and_an_industry(ds):
    m = raw(SAMPLE, "monthly_stats")
    reg = raw(SAMPLE, "enterprises")
    name = reg["name"].iloc[0]
    one = pa.monthly(ds, "税收", enterprise=name, year=2016)
    own = m.loc[m["enterprise_id"] == reg["enterprise_id"].iloc[0]]
    expected = own.loc[own["month"].str.startswith("2016"), "tax_wan_yuan"].to_numpy()
    assert np.allclose(one["value"].to_numpy()[: len(expected)], expected)
    furniture = reg.loc[reg["industry_code"].str[1:3] == "21", "enterprise_id"]
    part = m.loc[m["enterprise_id"].isin(furniture) & (m["month"] == "2016-04"), "tax_wan_yuan"]
    for spelled in ("21", "家具制造业", "C21"):
        got = pa.monthly(ds, "税收", industry=spelled, year=2016).set_index("month")
        assert math.isclose(got.loc[4, "value"], part.sum()), spelled


# -- parks and periods -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_parks(tmp_path_factory):
    """A small 2-park synthetic dataset from the real CLI."""
    out = tmp_path_factory.mktemp("two") / "data"
    cmd = [sys.executable, "-m", "parkanalysis.cli", "sample", "--out", str(out),
           "--parks", "2", "--enterprises", "12", "--years", "3", "--seed", "3"]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
    return out


def test_compare_parks_matches_pandas_on_two_parks(two_parks):
    ds = pa.load_dataset(two_parks)
    m = raw(two_parks, "monthly_stats")
    last = m["month"].max()
    year, end = int(last[:4]), int(last[5:])
    months = [f"{year}-{i:02d}" for i in range(1, end + 1)]
    expected = m.loc[m["month"].isin(months)].groupby("park_id")["tax_wan_yuan"].sum()
    names = {p["park_id"]: p["name"] for p in yaml.safe_load(
        (two_parks / "park.yaml").read_text(encoding="utf-8"))["parks"]}  # fmt: skip
    assert len(names) == 2

    got = pa.compare_parks(ds, f"{year}年1-{end}月").set_index("id")
    for pid, value in expected.items():
        assert math.isclose(got.loc["tax_revenue", pid], value, rel_tol=1e-9)
    shown = display.zh(got.reset_index()).formatted()
    assert set(names.values()) <= set(shown.columns)
    assert {f"{n}同比(%)" for n in names.values()} <= set(shown.columns)
    # park names work wherever ids do
    first_id, first_name = next(iter(names.items()))
    by_name = pa.compare_parks(ds, f"{year}年1-{end}月", parks=[first_name])
    assert first_id in by_name.columns
    a = pa.indicator_table(ds, f"{year}年1-{end}月", park=first_name)
    b = pa.indicator_table(ds, f"{year}年1-{end}月", park=first_id)
    pd.testing.assert_frame_equal(a, b)


def test_compare_parks_and_periods_on_the_sample(ds, sums):
    cur, prev = sums["tax_wan_yuan"]
    t = pa.compare_parks(ds, PERIOD, indicators=["税收"]).set_index("id")
    assert math.isclose(t.loc["tax_revenue", "GMY"], cur.sum())
    p = pa.compare_periods(ds, ["2015年1-5月", PERIOD], indicators=["tax_revenue"])
    p = p.set_index("id")
    assert math.isclose(p.loc["tax_revenue", "2015-01..2015-05"], prev.sum())
    assert math.isclose(p.loc["tax_revenue", "2016-01..2016-05"], cur.sum())
    shown = display.zh(p.reset_index()).formatted()
    assert {"2015年1-5月", "2016年1-5月", "2016年1-5月同比(%)"} <= set(shown.columns)


# -- land, drill-down, what-if ------------------------------------------------------------------


def test_supply_by_use_matches_pandas(ds):
    parcels = raw(SAMPLE, "parcels")
    supplied = parcels.loc[(parcels["supply_status"] == "已供") & parcels["supply_date"].notna()]
    supplied = supplied.loc[supplied["supply_date"] <= "2016-06-30"]
    expected = supplied.groupby([supplied["supply_date"].str[:4].astype(int), "planned_use"])[
        "area"
    ].sum()
    got = pa.supply_by_use(ds).set_index("year")
    for (year, use), area in expected.items():
        assert math.isclose(got.loc[year, use], area, abs_tol=1e-6), (year, use)
    assert math.isclose(got["total_mu"].sum(), supplied["area"].sum(), abs_tol=1e-6)
    assert (got["transactions"].sum()) == len(supplied)


@pytest.mark.parametrize(
    "indicator",
    [
        "tax_revenue",
        "industrial_output",
        "employees",
        "above_size_output",
        "above_size_enterprises",
        "tax_per_mu",
    ],
)
def test_drill_down_adds_up_to_the_park_figure(ds, indicator):
    park = pa.indicator_table(ds, PERIOD).set_index("id").loc[indicator, "value"]
    d = pa.drill_down(ds, PERIOD, indicator, park="工贸园")
    total = d.attrs["parkanalysis"]["total"]
    assert math.isclose(total, park, rel_tol=1e-6)
    if indicator == "tax_per_mu":
        assert math.isclose(d["flow"].sum() / d["area_mu"].sum(), park, rel_tol=1e-6)
        assert d["area_mu"].gt(0).all()
    elif indicator == "above_size_enterprises":
        assert len(d) == park
    else:
        assert math.isclose(d["value"].sum(), park, rel_tol=1e-6)


def test_land_outlook_what_if_adds_to_the_default_scenarios(ds):
    from parkanalysis.land import land_outlook_for

    before = ds.config("GMY")
    default = land_outlook_for(ds, n_sims=300, horizon=5)
    v = pa.land_outlook(ds, park="工贸园", supply_window=5, annual_target=150.0,
                        scenarios={"新增报批": {"conversions": {2018: 60.0}}},
                        n_sims=300, horizon=5)  # fmt: skip
    names = v.report.scenarios["scenario"].tolist()
    assert set(default.scenarios["scenario"]) <= set(names)
    assert {"planned_target", "新增报批"} <= set(names)
    assert len(v.supply_years.window) == 5 and len(default.supply_years.window) == 3
    assert ds.config("GMY") == before, "the dataset's configuration must not change"
    html = v._repr_html_()
    assert "尚可供应土地" in html and "新增报批" in html and "年度供地计划150亩" in html
    assert len(html) < 6000  # a summary, not screens of dataclass text


# -- tables in Chinese -------------------------------------------------------------------------


def test_labels_come_from_the_table_each_frame_came_from(ds):
    assert labels.with_labels(ds.enterprises).columns[2] == "企业名称"
    projects = labels.with_labels(ds.projects)
    assert {"项目名称", "项目类型", "项目状态"} <= set(projects.columns)
    assert "进展" in labels.with_labels(ds.relocations).columns
    parcels = labels.with_labels(ds.parcels)
    english = [c for c in parcels.columns if re.fullmatch(r"[a-z_0-9]+", str(c))]
    assert not english, english
    e = labels.with_labels(pa.indicator_table(ds, PERIOD))
    assert {"指标", "企业数(家)"} <= set(e.columns)
    ent = labels.with_labels(pa.contribution(ds, PERIOD))
    assert "企业名称" in ent.columns and "指标" not in ent.columns


def test_indicator_table_shows_chinese_headers_and_numbers_by_unit(ds):
    t = pa.indicator_table(ds, PERIOD)
    shown = display.zh(t).formatted().set_index("指标代码")
    row = t.set_index("id")
    assert shown.loc["tax_revenue", "数值"] == f"{row.loc['tax_revenue', 'value']:,.1f}"
    assert shown.loc["tax_per_mu", "数值"] == f"{row.loc['tax_per_mu', 'value']:,.2f}"
    assert shown.loc["above_size_enterprises", "数值"] == str(
        int(row.loc["above_size_enterprises", "value"])
    )
    assert shown.loc["tax_revenue", "同比(%)"] == f"{row.loc['tax_revenue', 'yoy_pct']:.1f}"
    missing = row["published_value"].isna()
    assert (shown.loc[missing[missing].index, "公布数"] == "—").all()
    assert list(t.columns[:2]) == ["id", "name"]  # the frame keeps its internal names


def test_package_charts_leave_global_rcparams_alone():
    code = (
        "import io, matplotlib as mpl\n"
        "import parkanalysis as pa\n"
        "before = dict(mpl.rcParams)\n"
        "from parkanalysis import plots\n"
        f"ds = pa.load_dataset({str(SAMPLE)!r})\n"
        "fig, ax = plots.new_figure()\n"
        "plots.plot_monthly(ax, pa.monthly(ds, '税收', year=2016), title='税收')\n"
        "fig.savefig(io.BytesIO(), format='png')\n"
        "changed = [k for k, v in mpl.rcParams.items() if before[k] != v]\n"
        "assert not changed, changed\n"
        "import matplotlib.pyplot as plt, warnings\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    f2, a2 = plt.subplots(); a2.set_title('工业'); f2.savefig(io.BytesIO())\n"
        "print('glyph' if any('Glyph' in str(x.message) for x in w) else 'no glyph')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert run.returncode == 0, run.stderr
    # the user's own chart is untouched by the package chart before it (no hidden global fix)
    assert run.stdout.strip() == "glyph"


# -- %load_ext parkanalysis in a real kernel ------------------------------------------------------


def _run_cells(folder: Path, name: str, *cells: str):
    """Execute ``cells`` in a fresh kernel (nbclient); return the executed notebook."""
    import nbformat
    from helpers import make_notebook
    from nbclient import NotebookClient

    path = make_notebook(folder, name, *cells, params="")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()  # fmt: skip
    return nb.cells[1:]


def _stderr(cells) -> str:
    return "".join(o.get("text", "") for c in cells for o in c.outputs if o.get("name") == "stderr")


@pytest.mark.slow
def test_load_ext_makes_a_fresh_kernel_chinese_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    bar = "import pandas as pd\npd.Series([1, 2], index=['工业', '商贸']).plot.bar()"
    # without the extension a fresh kernel draws boxes: the check below can fail
    plain = _run_cells(
        tmp_path,
        "plain",
        "%matplotlib inline",
        bar + "\nimport matplotlib.pyplot as plt\nplt.gcf().canvas.draw()",
    )
    assert "Glyph" in _stderr(plain)

    cells = _run_cells(
        tmp_path,
        "ext",
        "%load_ext parkanalysis",
        bar,
        "import parkanalysis as pa\nds = pa.load_dataset('data/sample')\n"
        "pa.indicator_table(ds, '2016年1-5月')",
        "from parkanalysis import plots\nfig, ax = plots.new_figure()\n"
        "plots.plot_monthly(ax, pa.monthly(ds, '税收', year=2016), title='税收')",
        "s = pd.Series(range(12), index=pd.date_range('2016-01-01', periods=12, freq='MS'))\n"
        "ax = s.plot()\nax.figure.canvas.draw()\n[t.get_text() for t in ax.get_xticklabels()]",
        "pa.indicator_table(ds, '2016年1-5月').columns.tolist()[:2]",
    )
    assert "Glyph" not in _stderr(cells), _stderr(cells)
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    # the bar chart is shown (by the inline backend) as a PNG
    assert any("image/png" in o.get("data", {}) for o in cells[1].outputs)
    # the indicator table displays with Chinese headers and numbers by unit
    t = pa.indicator_table(pa.load_dataset(SAMPLE), PERIOD).set_index("id")
    page = next(o["data"]["text/html"] for o in cells[2].outputs if "data" in o)
    assert "<th" in page and "指标" in page and "同比(%)" in page and "企业数(家)" in page
    assert f"{t.loc['tax_revenue', 'value']:,.1f}" in page
    assert f">{t.loc['tax_per_mu', 'value']:,.2f}<" in page
    assert "onclick" in page and "pa-filter" in page  # sortable, filterable
    # a cell ending in a package chart call shows the figure, not only "<Axes …>"
    assert any("image/png" in o.get("data", {}) for o in cells[3].outputs)
    # month ticks read in Chinese
    ticks = next(o["data"]["text/plain"] for o in cells[4].outputs if "data" in o)
    assert "2016年1月" in ticks and "Jan" not in ticks and "3月" in ticks
    # the DataFrame itself keeps its internal names
    assert "['id', 'name']" in next(o["data"]["text/plain"] for o in cells[5].outputs)
