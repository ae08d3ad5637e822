"""The analyst's second round (issue 28, item 5), each against independent pandas.

Expected figures are computed here from the sample's CSV files as written, with plain
pandas (:func:`test_explore.raw`), never by the package: derived tables keep their index in
``pa.zh``, counts show as integers, 拉动 of two periods in one call, one monthly line per
enterprise, Excel export by unit (Python and CLI), 亩均 by industry over the same
enterprises on both sides, annualised grading values labelled, 缺报 with names, the what-if
chart and "need to year Y".
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import ROOT, SAMPLE, copy_sample
from test_explore import CUR, PERIOD, PREV, _enterprise_land, raw

import parkanalysis as pa
from parkanalysis.errors import ParameterError

BASE = "2016年1-3月"
BASE_CUR = [f"2016-{m:02d}" for m in range(1, 4)]
BASE_PREV = [f"2015-{m:02d}" for m in range(1, 4)]


@pytest.fixture(scope="module")
def ds():
    return pa.load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def monthly_raw():
    return raw(SAMPLE, "monthly_stats")


def _period_sum(m: pd.DataFrame, months: list[str], column: str) -> pd.Series:
    part = m.loc[m["month"].isin(months)]
    return part.groupby("enterprise_id")[column].sum(min_count=1)


# -- pa.zh: a derived table keeps its index; counts are integers -------------------------------


def test_zh_shows_a_derived_tables_index_and_whole_counts(ds, monthly_raw):
    reg = raw(SAMPLE, "enterprises").set_index("enterprise_id")
    with_rows = monthly_raw.loc[monthly_raw["month"].isin(CUR), "enterprise_id"].unique()
    expected = reg.loc[with_rows, "industry_code"].str[1:3].value_counts().sort_index()

    table = pa.by_industry(ds, PERIOD)
    derived = table.groupby("division")["n_enterprises"].sum().astype(float)  # 3.0, 13.0 …
    shown = pa.zh(derived).formatted()
    assert shown.columns.tolist()[0] == "大类代码"  # the index is a column, not dropped
    assert shown.iloc[:, 0].tolist() == expected.index.tolist()
    assert shown.iloc[:, 1].tolist() == [f"{n:,}" for n in expected.tolist()]
    html = pa.zh(derived).to_html()
    assert all(f">{code}<" in html for code in expected.index)

    # a count of unknown unit from plain pandas: 232.0 shows as 232, 3378.0 as 3,378
    may = monthly_raw.loc[monthly_raw["month"] == "2016-05"]
    people = may.assign(section=may["enterprise_id"].map(reg["industry_code"]).str[0])
    per = people.groupby("section")[["employees"]].sum().rename(columns={"employees": "人数"})
    per.loc["合计"] = per["人数"].sum()
    text = pa.zh(per).formatted()
    assert text.iloc[:, 0].tolist() == per.index.tolist()  # the index, first
    assert text["人数"].tolist() == [f"{int(v):,}" for v in per["人数"]]
    assert text["人数"].iloc[-1] == f"{int(may['employees'].sum()):,}" and ".0" not in "".join(
        text["人数"]
    )
    # row numbers left by filtering are not an index worth showing
    assert pa.zh(table[table["n_enterprises"] > 1]).formatted().columns[0] == "门类代码"


# -- two periods in one call -----------------------------------------------------------------------


def _pulls(m: pd.DataFrame, cur_months, prev_months) -> tuple[pd.Series, float]:
    cur = _period_sum(m, cur_months, "tax_wan_yuan")
    prev = _period_sum(m, prev_months, "tax_wan_yuan")
    both = pd.concat([cur.rename("cur"), prev.rename("prev")], axis=1).dropna()
    s0 = both["prev"].sum()
    return (both["cur"] - both["prev"]) / s0 * 100, (both["cur"].sum() / s0 - 1) * 100


def test_contribution_against_a_base_period_matches_pandas(ds, monthly_raw):
    now, g1 = _pulls(monthly_raw, CUR, PREV)
    then, g0 = _pulls(monthly_raw, BASE_CUR, BASE_PREV)

    got = pa.contribution(ds, PERIOD, indicator="税收", base=BASE).set_index("enterprise_id")
    assert np.allclose(got["pull_pp"].dropna(), now.reindex(got["pull_pp"].dropna().index))
    assert np.allclose(
        got["base_pull_pp"].dropna(), then.reindex(got["base_pull_pp"].dropna().index)
    )
    change = now.reindex(got.index).fillna(0) - then.reindex(got.index).fillna(0)
    assert np.allclose(got["pull_change_pp"], change)
    meta = got.attrs["parkanalysis"]
    assert math.isclose(meta["growth_change_pp"], g1 - g0, rel_tol=1e-9)
    assert math.isclose(got["pull_change_pp"].sum(), g1 - g0, rel_tol=1e-9)
    assert (np.diff(got["pull_change_pp"].to_numpy()) <= 1e-12).all()  # largest change first
    shown = pa.zh(got.reset_index()).formatted()
    assert {"2016年1-5月拉动(百分点)", "2016年1-3月拉动(百分点)", "拉动变化(百分点)"} <= set(
        shown.columns
    )
    # by industry: the same identity over the groups
    groups = pa.contribution(ds, PERIOD, indicator="税收", by="industry", base=BASE)
    assert math.isclose(groups["pull_change_pp"].sum(), g1 - g0, rel_tol=1e-9)


# -- monthly: one line per enterprise --------------------------------------------------------------


def test_monthly_gives_one_line_per_enterprise(ds, monthly_raw):
    ids = ["GMY001", "GMY002", "GMY003"]
    got = pa.monthly(ds, "税收", enterprise=ids, year=2016, by="enterprise")
    assert got["enterprise_id"].unique().tolist() == ids
    names = raw(SAMPLE, "enterprises").set_index("enterprise_id")["name"]
    assert (got["name"] == got["enterprise_id"].map(names)).all()
    m = monthly_raw.set_index(["enterprise_id", "month"])["tax_wan_yuan"]
    for row in got.itertuples():
        key = f"{row.year}-{row.month:02d}"
        assert math.isclose(row.value, m[(row.enterprise_id, key)])
        prev = m[(row.enterprise_id, f"{row.year - 1}-{row.month:02d}")]
        assert math.isclose(row.prev_value, prev)
        assert math.isclose(row.yoy_pct, (row.value / prev - 1) * 100)
    # the lines add up to the enterprises' single line, month by month
    total = pa.monthly(ds, "税收", enterprise=ids, year=2016).set_index("label")["value"]
    summed = got.groupby("label", sort=False)["value"].sum()
    assert np.allclose(summed.reindex(total.index), total)
    with pytest.raises(ParameterError, match="by 应为"):
        pa.monthly(ds, "税收", by="industry")


# -- Excel: Python and CLI, numbers by unit, never a formula --------------------------------------


def _xlsx_cells(path) -> dict[str, list]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    return {h: [r[i] for r in rows[1:]] for i, h in enumerate(header)}


def _check_indicator_sheet(cells, monthly_raw):
    ids = [c.value for c in cells["指标代码"]]
    values = dict(zip(ids, cells["数值"], strict=True))
    tax = monthly_raw.loc[monthly_raw["month"].isin(CUR), "tax_wan_yuan"].sum()
    assert math.isclose(values["tax_revenue"].value, tax, rel_tol=1e-9)
    assert values["tax_revenue"].number_format == "#,##0.0"  # 万元: 1 decimal
    assert values["tax_per_mu"].number_format == "#,##0.00"  # 万元/亩: 2 decimals
    assert values["above_size_enterprises"].number_format == "#,##0"  # 家: an integer
    may = monthly_raw.loc[monthly_raw["month"] == "2016-05", "employees"].sum()
    assert values["employees"].value == may and values["employees"].number_format == "#,##0"
    every = [c for column in cells.values() for c in column]
    assert not any(c.data_type == "f" for c in every)


def test_to_excel_writes_numbers_with_the_units_decimals(ds, monthly_raw, tmp_path):
    path = pa.to_excel(pa.indicator_table(ds, PERIOD), tmp_path / "指标.xlsx")
    _check_indicator_sheet(_xlsx_cells(path), monthly_raw)
    # a derived table keeps its index; several sheets at once; text that looks like a formula
    derived = pa.by_industry(ds, PERIOD).groupby("division_name")[["n_enterprises"]].sum()
    odd = pd.DataFrame({"name": ["=1+1", "正常"], "value": [1.5, 2.0]})
    two = pa.to_excel({"行业": pa.zh(derived), "文字": odd}, tmp_path / "两表.xlsx")
    book = openpyxl.load_workbook(two)
    assert book.sheetnames == ["行业", "文字"]
    first = [[c.value for c in r] for r in book["行业"].iter_rows()]
    assert first[0][0] == "行业大类" and [r[0] for r in first[1:]] == derived.index.tolist()
    assert [r[1] for r in first[1:]] == derived["n_enterprises"].tolist()
    cell = book["文字"]["A2"]
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_the_cli_xlsx_formats_numbers_by_unit(monthly_raw, tmp_path):
    out = tmp_path / "指标.xlsx"
    cmd = [sys.executable, "-m", "parkanalysis.cli", "indicators", str(SAMPLE)]
    cmd += ["--period", PERIOD, "--format", "xlsx", "--output", str(out)]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    _check_indicator_sheet(_xlsx_cells(out), monthly_raw)


# -- 亩均 by industry: the land of the enterprises in the numerator --------------------------------


def test_per_mu_by_industry_divides_by_the_land_of_its_own_enterprises(ds, monthly_raw):
    reg = raw(SAMPLE, "enterprises").set_index("enterprise_id")
    land = _enterprise_land(SAMPLE)
    tax = _period_sum(monthly_raw, CUR, "tax_wan_yuan")
    active = monthly_raw.loc[monthly_raw["month"].isin(CUR), "enterprise_id"].unique()
    frame = pd.DataFrame({"tax": tax, "land": land}).reindex(reg.index)
    frame["division"] = reg["industry_code"].str[1:3]
    on_land = frame.loc[frame.index.isin(active) & frame["land"].notna()]
    g = on_land.groupby("division")
    expected = g["tax"].sum() / g["land"].sum()

    got = pa.by_industry(ds, PERIOD).set_index("division")
    assert np.allclose(
        got["area_mu"].dropna(), g["land"].sum().reindex(got["area_mu"].dropna().index)
    )
    assert np.allclose(
        got["tax_per_mu"].dropna(), expected.reindex(got["tax_per_mu"].dropna().index)
    )
    # on the page: 有用地企业税收 ÷ 用地面积 = 亩均税收 in every row
    page = got.dropna(subset=["tax_per_mu"])
    assert np.allclose(page["land_tax_wan_yuan"] / page["area_mu"], page["tax_per_mu"])
    # an enterprise that left in 2015 keeps land on the register, but not in 2016's 亩均
    gone = reg.loc[reg["exit_date" if "exit_date" in reg else "退出日期"].notna()].index
    left_2015 = [e for e in gone if e in land.index and e not in active]
    assert left_2015, "the sample should hold an exited enterprise with land"
    for e in left_2015:
        division = reg.loc[e, "industry_code"][1:3]
        assert math.isclose(got.loc[division, "area_mu"], g["land"].sum()[division])


# -- grading values are annualised, and say so -----------------------------------------------------


def test_grading_values_are_annualised_and_labelled(ds, monthly_raw):
    from parkanalysis.grading import grade_enterprises

    grades = grade_enterprises(ds, PERIOD)
    land = _enterprise_land(SAMPLE)
    tax = _period_sum(monthly_raw, CUR, "tax_wan_yuan")
    expected = (tax * 12 / 5 / land).reindex(grades["enterprise_id"]).to_numpy()
    assert np.allclose(grades["tax_per_mu"].to_numpy(), expected)
    headers = pa.zh(grades).formatted().columns.tolist()
    assert "年化亩均税收(万元/亩)" in headers and "年化全员劳动生产率(万元/人)" in headers


# -- 缺报 with names ----------------------------------------------------------------------


def test_missing_in_names_the_enterprises_with_their_codes(tmp_path):
    folder = copy_sample(tmp_path / "data")
    text = (folder / "monthly_stats.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [
        line for line in text if line.startswith(("GMY,GMY001,2016-03", "GMY,GMY002,2016-04"))
    ]
    assert len(dropped) == 2
    (folder / "monthly_stats.csv").write_text(
        "".join(line for line in text if line not in dropped), encoding="utf-8"
    )
    names = raw(folder, "enterprises").set_index("enterprise_id")["name"]
    got = pa.load_dataset(folder).completeness.missing_in("GMY", 2016, 1, 6)
    assert got[["enterprise_id", "month"]].values.tolist() == [["GMY001", 3], ["GMY002", 4]]
    assert got["name"].tolist() == [names["GMY001"], names["GMY002"]]


# -- the what-if chart and "need to year Y" --------------------------------------------------------


def test_whatif_chart_shows_every_scenario_beside_the_default(ds):
    view = pa.land_outlook(ds, annual_target=120, scenarios={"新增报批": {"conversions":
                           {2017: 80.0}}}, n_sims=400, seed=3)  # fmt: skip
    ax = view.plot()
    r = view.report
    lines = {x.get_label(): x for x in ax.get_lines() if not x.get_label().startswith("_")}
    assert list(lines) == r.scenarios["label"].tolist()
    assert lines[r.scenarios["label"].iloc[0]].get_linewidth() > 2  # the default, bold
    ex = r.exhaustion.set_index("scenario")
    for name, label in zip(r.scenarios["scenario"], r.scenarios["label"], strict=True):
        curve = r.exhaustion_curve(name)
        assert np.allclose(lines[label].get_ydata(), curve.to_numpy() * 100)
        crossed = curve.index[curve.to_numpy() >= 0.5]
        if len(crossed) and not pd.isna(ex.loc[name, "p50"]):
            assert int(crossed[0]) == int(ex.loc[name, "p50"])  # P50: where it crosses 50 %


def test_need_to_a_year_uses_the_horizon(ds):
    view = pa.land_outlook(ds, horizon=12, n_sims=300, seed=1)
    year = view.report.as_of.year + 12
    row = view.need_to(year)
    need = view.report.expansion_need
    expected = need.loc[(need["scenario"] == "baseline") & (need["year"] == year)].iloc[0]
    assert row["net_mu"] == expected["net_mu"] and int(row["horizon_years"]) == 12
    with pytest.raises(ParameterError, match="horizon=13"):
        view.need_to(year + 1)
