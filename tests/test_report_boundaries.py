"""Rules at their boundaries as the reports, the land figures and the loader apply them.

The companion of ``test_rules_boundaries.py`` (the rules as functions): here each rule is seen
where a reader meets it — a share report's table, the indicator table, the land indicators,
a dataset loaded from the office's files — at, just below and just above its boundary. Every
expected figure is recomputed here from the files the test wrote (pandas on the generated
rows, the sample's CSV), never by calling the code under test.
"""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import pytest
from boundary_park import YEARS, groups, monthly_rows, write_park
from conftest import SAMPLE

from parkanalysis.dataset import load_dataset
from parkanalysis.errors import PeriodError
from parkanalysis.indicators import indicator_table
from parkanalysis.land import land_indicators
from tests.malformed import base_files, write_files

MARKER = "—(少于{k}家或由个别企业主导,不予公布)"


def _row(html: str, first_cell: str) -> list[str]:
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [  # the words, not the form: full-width punctuation read as half-width
            unescape(c).strip().translate(str.maketrans("，；：（）", ",;:()"))
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r}")


def _same_scope_growth(rows: pd.DataFrame, column: str, ids) -> float:
    """Σ this year ÷ Σ last year − 1 (percent) over ``ids``, from the generated rows."""
    sub = rows[rows["enterprise_id"].isin(ids)]
    year = sub["month"].str[:4].astype(int)
    return (
        sub.loc[year == YEARS[1], column].sum() / sub.loc[year == YEARS[0], column].sum() - 1
    ) * 100


# --------------------------------------------------------------------------- threshold
@pytest.mark.parametrize("k", [3, 4, 5, 8])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_share_report_growth_at_the_threshold(tmp_path, k, offset):
    """同口径(n家) with n = k − 1 is withheld, n = k and k + 1 are printed (k = 3, 4, 5, 8).

    Two entrants (this year only) and two leavers (last year only) keep each year's level at
    n + 2 ≥ k + 1 firms, so this year's figure is printed in all three cases and only the
    growth's scope decides the growth and the 上年同期 on its basis.
    """
    from parkanalysis.report import PeriodReport

    n = k + offset
    folder = write_park(tmp_path / "park", comparable=n, entrants=2, leavers=2, k=k)
    html = PeriodReport(data=str(folder), period="2016年1-5月", share=True).economy()._repr_html_()
    row = _row(html, "工业总产值(万元)")
    g = groups(n, entrants=2, leavers=2)
    rows = monthly_rows(g)
    level = rows.loc[rows["month"].str.startswith(str(YEARS[1])), "output"].sum()
    assert row[1].rstrip("*") == f"{level:,.1f}"  # the level: n + 2 firms, always printed
    if n < k:
        assert row[2] == MARKER.format(k=k)
        assert row[3] == MARKER.format(k=k)  # 上年同期(可比口径) = 本期 ÷ (1 + 同比): withheld
    else:
        expected = _same_scope_growth(rows, "output", [e for e, _ in g["C"]])
        assert row[2] == f"{expected:.1f}"
        # 上年同期 on the growth's basis (issue 25): 本期 ÷ (1 + 同比), as printed
        assert row[3] == f"{level / (1 + expected / 100):,.1f}"


def industrial_taxpayers_12m(folder, as_of: str = "2016-06") -> int:
    """Enterprises with non-zero 近12个月 tax on built 工矿仓储用地 as of ``as_of``, counted
    from the sample's CSVs (pandas only): the contributors of 工业用地亩均税收's numerator.

    Built industrial land: supplied (已供, by ``as_of``), 已建成, its use (现状用途, else
    规划用途) 工业 or 仓储物流; an enterprise is on it when its 用地地块 names such a parcel.
    Enterprises reporting 0 do not count towards k (docs/SHARE.md 一).
    """
    end = pd.Period(as_of, "M")
    parcels = pd.read_csv(folder / "parcels.csv", dtype=str)
    use = parcels["现状用途"].fillna(parcels["规划用途"])
    supplied = parcels["供应状态"].eq("已供") & (
        pd.to_datetime(parcels["供地日期"]).dt.to_period("M") <= end
    )
    built = supplied & parcels["建设状态"].eq("已建成") & use.isin(["工业", "仓储物流"])
    on = set(parcels.loc[built, "地块编号"])
    ents = pd.read_csv(folder / "enterprises.csv", dtype=str)
    ids = {
        e
        for e, plots in zip(ents["企业代码"], ents["用地地块"].fillna(""), strict=True)
        if on & set(plots.split(";"))
    }
    m = pd.read_csv(folder / "monthly_stats.csv", dtype=str)
    month = pd.PeriodIndex(m["月份"], freq="M")
    window = m.loc[(month > end - 12) & (month <= end) & m["企业代码"].isin(ids)]
    tax = pd.to_numeric(window["税收(万元)"], errors="coerce").fillna(0.0)
    per = tax.groupby(window["企业代码"]).sum()
    return int((per != 0).sum())


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_land_ratio_at_the_threshold(tmp_path, offset):
    """工业用地亩均税收(近12个月) at k = n, n + 1, n + 2, with n its numerator's non-zero
    contributors counted independently (37 in the sample; the land note's 38 enterprises on
    the land include one without tax): printed at k = n, withheld from k = n + 1."""
    import shutil

    from parkanalysis.report import LandReport

    n = industrial_taxpayers_12m(SAMPLE)
    assert n >= 3
    k = n + offset
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    _with_k(folder, k)
    html = LandReport(data=str(folder), share=True).balance()._repr_html_()
    row = _row(html, "工业用地亩均税收(近12个月)")
    assert (row[1] == MARKER.format(k=k)) is (offset > 0), row


def industrial_investors(folder, as_of: str = "2016-06") -> pd.Series:
    """Cumulative fixed investment per transferee (受让人; a parcel without one stands alone)
    of the built 工矿仓储用地 parcels that record one, from the CSV (pandas only): the
    contributors of 工业用地固定资产投入强度's numerator, zeros left out."""
    end = pd.Period(as_of, "M")
    parcels = pd.read_csv(folder / "parcels.csv", dtype=str)
    use = parcels["现状用途"].fillna(parcels["规划用途"])
    supplied = parcels["供应状态"].eq("已供") & (
        pd.to_datetime(parcels["供地日期"]).dt.to_period("M") <= end
    )
    industrial = use.isin(["工业", "仓储物流"])
    built = parcels.loc[supplied & parcels["建设状态"].eq("已建成") & industrial]
    invested = pd.to_numeric(built["固定资产投资(万元)"], errors="coerce")
    who = built["受让人/项目"].fillna(built["地块编号"])
    by = invested.groupby(who).sum(min_count=1).dropna()
    return by[by != 0]


def _with_k(folder, k: int) -> None:
    import yaml

    profile = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    profile["config"]["share"]["min_enterprises"] = k
    (folder / "park.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), "utf-8")


def _statistics_from_2015(folder) -> None:
    """Keep the copy's monthly statistics from January 2015 on.

    The land report's 固定资产投入强度 is computed from the parcels alone; its share copy's
    protected table of 2016 (the other rows of the page) holds 2015's. The sample's 2012-2014
    were three more tables of the chain to build and suppress for a copy whose data differ
    from the sample (a changed parcel list is another entry of the run's store). Not for the
    近12个月 ratios: whether the k = n case is printed depends on the whole history (from
    2015 on, secondary suppression withholds 工业用地亩均税收(近12个月) at k = n).
    """
    path = folder / "monthly_stats.csv"
    m = pd.read_csv(path, dtype=str, keep_default_na=False)
    m[m["月份"] >= "2015-01"].to_csv(path, index=False)


INTENSITY = "工业用地固定资产投入强度"


@pytest.mark.parametrize("offset", [0, 1])
def test_investment_intensity_at_the_threshold(tmp_path, offset):
    """工业用地固定资产投入强度 × the 工矿仓储用地 area on the same page gives its numerator:
    printed at k = n transferees (counted independently), withheld from k = n + 1 with its
    note; the internal copy prints it either way."""
    import shutil

    from parkanalysis.report import LandReport

    n = len(industrial_investors(SAMPLE))
    assert n >= 3
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    _with_k(folder, n + offset)
    html = LandReport(data=str(folder), share=True).balance()._repr_html_()
    row = _row(html, INTENSITY)
    assert (row[1] == MARKER.format(k=n + offset)) is (offset > 0), row
    assert ("的累计固定资产投资由少于" in unescape(html)) is (offset > 0)


def test_investment_intensity_of_one_dominant_transferee_is_withheld(tmp_path):
    """The largest transferee's investment made 100 times the rest (p % rule at the default
    k): the share copy withholds the ratio; the internal copy prints the ratio pandas gives."""
    import shutil

    from parkanalysis.report import LandReport

    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    _statistics_from_2015(folder)
    parcels = pd.read_csv(folder / "parcels.csv", dtype=str, keep_default_na=False)
    top = industrial_investors(SAMPLE).idxmax()
    rest = industrial_investors(SAMPLE).drop(top).sum()
    mine = parcels["受让人/项目"].eq(top)
    column = "固定资产投资(万元)"
    values = pd.to_numeric(parcels.loc[mine, column], errors="coerce").fillna(0.0)
    scale = 100 * rest / values.sum()
    parcels.loc[mine, column] = [f"{v * scale:.1f}" if v else "" for v in values]
    parcels.to_csv(folder / "parcels.csv", index=False)
    after = industrial_investors(folder)
    assert after.max() > 50 * (after.sum() - after.max())  # dominated, by construction
    share = LandReport(data=str(folder), share=True).balance()._repr_html_()
    assert _row(share, INTENSITY)[1].startswith("—"), _row(share, INTENSITY)
    internal = LandReport(data=str(folder)).balance()._repr_html_()
    printed = float(_row(internal, INTENSITY)[1].replace(",", ""))
    assert printed > 0


# --------------------------------------------------------------------------- 同口径 scope
def test_growth_scope_leaves_out_entrants_leavers_and_missing_returns(tmp_path):
    """同口径: only the firms with every month of both years; the level counts everyone who
    reported this year; 全口径 compares with every firm of last year."""
    folder = write_park(tmp_path / "park", comparable=4, entrants=1, leavers=1, missing=1)
    t = indicator_table(load_dataset(folder), "2016年1-5月").set_index("id")
    g = groups(4, entrants=1, leavers=1, missing=1)
    rows = monthly_rows(g)
    year = rows["month"].str[:4].astype(int)
    comparable = [e for e, _ in g["C"]]
    for ident, column in (("industrial_output", "output"), ("tax_revenue", "tax")):
        row = t.loc[ident]
        assert row["scope"] == "同口径(4家;另1家缺报未计入)"
        assert row["yoy_pct"] == pytest.approx(_same_scope_growth(rows, column, comparable))
        cur = rows.loc[year == YEARS[1], column].sum()
        assert row["value"] == pytest.approx(cur)
        in_scope = rows["enterprise_id"].isin(comparable)
        assert row["scope_value"] == pytest.approx(
            rows.loc[in_scope & (year == YEARS[1]), column].sum()
        )
        assert row["all_yoy_pct"] == pytest.approx(
            (cur / rows.loc[year == YEARS[0], column].sum() - 1) * 100
        )


def test_growth_scope_in_the_internal_report(tmp_path):
    """The internal report's 同比 is the 同口径 growth of the four comparable firms."""
    from parkanalysis.report import PeriodReport

    folder = write_park(tmp_path / "park", comparable=4, entrants=2, leavers=1)
    html = PeriodReport(data=str(folder), period="2016年1-5月").economy()._repr_html_()
    g = groups(4, entrants=2, leavers=1)
    expected = _same_scope_growth(monthly_rows(g), "output", [e for e, _ in g["C"]])
    assert _row(html, "工业总产值(万元)")[2] == f"{expected:.1f}"


# --------------------------------------------------------------------------- 1-2月
@pytest.mark.parametrize(
    ("period", "refused"),
    [
        ("2016-02", True),  # February alone
        ("2016年1-2月", False),
        ("2016-03", False),  # March alone is a month like any other
        ("2016年1-3月", False),
    ],
)
def test_period_report_under_the_1_2_convention(tmp_path, period, refused):
    from parkanalysis.report import PeriodReport

    folder = write_park(tmp_path / "park", comparable=3)
    if refused:
        with pytest.raises(PeriodError, match="1月和2月数据合并发布"):
            PeriodReport(data=str(folder), period=period)
    else:
        assert PeriodReport(data=str(folder), period=period).period.end_month in (2, 3)


def test_cli_refuses_february_alone_with_exit_2(tmp_path):
    import subprocess
    import sys

    folder = write_park(tmp_path / "park", comparable=3)
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "indicators", str(folder),
         "--period", "2016-02"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "1月和2月数据合并发布" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- cumulative
def test_cumulative_statements_are_differenced_within_each_year_only(tmp_path):
    """A 1-N月 statement from November to March: 1-2月 of the new year is its own figure."""
    files = base_files()
    del files["monthly_stats.csv"]
    files["企业累计统计.csv"] = (
        "园区代码,企业代码,月份,主营业务收入(万元),税收(万元),从业人员(人)\n"
        "GMY,E01,2015年11月,11000,300,120\n"
        "GMY,E01,2015年12月,12100,340,121\n"
        "GMY,E01,2016年2月,1200,33,125\n"
        "GMY,E01,2016年3月,1900,55,126\n"
    )
    ds = load_dataset(write_files(tmp_path, files))
    m = ds.monthly.set_index(["year", "month"])
    # December = 1-12月 − 1-11月; 1-2月 = the 1-2月 figure itself, never minus December
    assert m.loc[(2015, 12), "tax_wan_yuan"] == 340 - 300
    assert m.loc[(2016, 2), "tax_wan_yuan"] == 33
    assert m.loc[(2016, 3), "revenue_wan_yuan"] == 1900 - 1200
    t = indicator_table(ds, "2016年1-3月").set_index("id")
    assert t.loc["tax_revenue", "value"] == 55  # the statement's 1-3月 figure
    assert t.loc["revenue", "value"] == 1900


# --------------------------------------------------------------------------- 公顷
def test_a_ledger_in_hectares_is_read_as_15_mu_each(tmp_path):
    """The same ledger written in 公顷: every 亩 figure is 15 times the 公顷 written."""
    folder = write_park(tmp_path / "park", comparable=3)
    parcels = pd.read_csv(folder / "parcels.csv", dtype=str, keep_default_na=False)
    ha = parcels["面积(亩)"].astype(float) / 15
    parcels["面积(亩)"] = [f"{x:.6f}" for x in ha]
    parcels.rename(columns={"面积(亩)": "面积(公顷)"}).to_csv(folder / "parcels.csv", index=False)
    ds = load_dataset(folder)
    assert ds.parcels["area_mu"].sum() == pytest.approx(1000.0)  # 1000 亩 written as 66.67 公顷
    rows = land_indicators(ds).set_index("id")
    unsupplied = (parcels["供应状态"] == "未供") & (parcels["规划用途"] == "工业")
    assert rows.loc["remaining_supplyable_mu", "value"] == pytest.approx(ha[unsupplied].sum() * 15)


# --------------------------------------------------------------------------- 尚可供地年数
def _supply_by_year() -> pd.Series:
    p = pd.read_csv(SAMPLE / "parcels.csv", dtype=str, keep_default_na=False)
    p = p[(p["供应状态"] == "已供") & (p["供地日期"] != "")]
    years = p["供地日期"].str[:4].astype(int)
    return p["面积(亩)"].astype(float).groupby(years).sum()


@pytest.mark.parametrize(
    ("as_of", "window"),
    [
        ("2015-11", (2012, 2013, 2014)),  # 2015 is not over: not a complete year
        ("2015-12", (2013, 2014, 2015)),  # 31 December: 2015 is complete
        ("2016-06", (2013, 2014, 2015)),
    ],
)
def test_years_of_supply_left_averages_complete_years_only(as_of, window):
    rows = land_indicators(load_dataset(SAMPLE), as_of=as_of).set_index("id")
    by_year = _supply_by_year()
    avg = sum(by_year.get(y, 0.0) for y in window) / len(window)
    assert rows.loc["avg_annual_supply_mu", "value"] == pytest.approx(avg)
    assert rows.loc["avg_annual_supply_mu", "note"] == f"{window[0]}-{window[-1]}年平均"
    left = rows.loc["remaining_supplyable_mu", "value"] / avg
    assert rows.loc["years_of_supply_left", "value"] == pytest.approx(left)
