"""Tests for parkanalysis.indicators: levels, 同口径 growth, published figures, trends, CLI."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parkanalysis.dataset import import_tbhb, load_dataset
from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.indicators import (
    INDICATORS,
    enterprise_table,
    indicator_ids,
    indicator_table,
    indicator_table_by_park,
    trend_table,
)
from parkanalysis.narrative import economic_paragraph
from tests.helpers import DATA

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TBHB = DATA / "tbhb_profit_2012_2019.csv"  # vendored public records (tests/data/README.md)
NAN = float("nan")

# -- a hand-built park ---------------------------------------------------------------------------
#
# Park T, months 1-5 of 2015 and 2016 (per month values):
#   A 工业, in production since 2010, 20 亩, 规上 2015 and 2016, in both years:
#       2015 output 100 VA 30 revenue 110 tax 10 employees 50 FAI 0
#       2016 output 120 VA 33 revenue 130 tax 12 employees 55 FAI 0
#   B 工业, production from 2016-03-01 (enters this year), 10 亩, months 3-5 of 2016:
#       output 50 VA 10 revenue 60 tax 5 employees 20
#   C 工业, exited 2015-12-31, 10 亩, 规上 2015, 2015 only: output 80 VA 20 revenue 90 tax 20
#       employees 40
#   D 商贸, no land, both years: 2015 revenue 500 tax 4 employees 10; 2016 revenue 450 tax 3
#       employees 9 (falls)
#   E 商贸, production from 2016-02-15 (a new commercial enterprise), months 2-5 of 2016:
#       revenue 100 tax 1 employees 5

PARK_YAML = """\
schema_version: 1
parks:
{parks}
config:
  jan_feb_combined: true
"""
PARK_ENTRY = """\
  - park_id: {pid}
    name: 园区{pid}
    phases:
      - phase_id: P1
        name: 一期
        unit: 亩
        declared: {{total: 100, usable: 100}}
"""
ENTERPRISES = """\
park_id,enterprise_id,name,kind,entry_date,production_start_date,exit_date,parcel_ids
T,A,甲厂,工业,2010-01-01,2010-01-01,,L1
T,B,乙厂,工业,2016-01-10,2016-03-01,,L2
T,C,丙厂,工业,2012-01-01,2012-01-01,2015-12-31,L3
T,D,丁商贸,商贸,2014-01-01,2014-01-01,,
T,E,戊商贸,商贸,2016-01-05,2016-02-15,,
"""
PARCELS = """\
park_id,parcel_id,phase_id,area,planned_use,approval_status,supply_status,supply_method,supply_date
T,L1,P1,20,工业,已报批,已供,挂牌出让,2009-06-01
T,L2,P1,10,工业,已报批,已供,挂牌出让,2015-06-01
T,L3,P1,10,工业,已报批,已供,挂牌出让,2011-06-01
"""
ABOVE = """\
park_id,enterprise_id,year,above_size
T,A,2015,是
T,A,2016,是
T,B,2016,否
T,C,2015,是
"""
MONTHLY_HEADER = (
    "park_id,enterprise_id,month,output_wan_yuan,value_added_wan_yuan,revenue_wan_yuan,"
    "tax_wan_yuan,employees,fixed_asset_investment_wan_yuan\n"
)
# enterprise -> year -> (months, output, VA, revenue, tax, employees, FAI)
JAN_MAY = range(1, 6)
ROWS = {
    "A": {2015: (JAN_MAY, 100, 30, 110, 10, 50, 0), 2016: (JAN_MAY, 120, 33, 130, 12, 55, 0)},
    "B": {2016: (range(3, 6), 50, 10, 60, 5, 20, None)},
    "C": {2015: (JAN_MAY, 80, 20, 90, 20, 40, None)},
    "D": {2015: (JAN_MAY, None, None, 500, 4, 10, None),
          2016: (JAN_MAY, None, None, 450, 3, 9, None)},
    "E": {2016: (range(2, 6), None, None, 100, 1, 5, None)},
}  # fmt: skip


def _cell(x) -> str:
    return "" if x is None else str(x)


def monthly_csv(rows: dict, park: str = "T") -> str:
    lines = []
    for ent, years in rows.items():
        for year, (months, *values) in years.items():
            for m in months:
                lines.append(",".join([park, ent, f"{year}-{m:02d}", *map(_cell, values)]))
    return "\n".join(lines) + "\n"


def write_park(folder: Path, *, extra: dict[str, str] | None = None, parks=("T",)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "park.yaml": PARK_YAML.format(parks="".join(PARK_ENTRY.format(pid=p) for p in parks)),
        "enterprises.csv": ENTERPRISES,
        "parcels.csv": PARCELS,
        "above_size.csv": ABOVE,
        "monthly_stats.csv": MONTHLY_HEADER + monthly_csv(ROWS),
    }
    for name, text in (extra or {}).items():
        files[name] = files.get(name, "") + text if name in files and name != "park.yaml" else text
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def park(tmp_path_factory) -> object:
    return load_dataset(write_park(tmp_path_factory.mktemp("park")))


def rows(table: pd.DataFrame, ids: list[str], columns: list[str]) -> pd.DataFrame:
    return table.set_index("id").loc[ids, columns].reset_index()[["id", *columns]]


# -- levels and same-enterprise growth ---------------------------------------------------------


def test_hand_built_park_levels_and_same_scope_growth(park):
    t = indicator_table(park, "2016年1-5月")
    assert list(t.columns) == [
        "id", "name", "value", "unit", "yoy_pct", "prev_value", "scope", "scope_value",
        "all_yoy_pct", "all_prev_value", "published_value", "published_yoy_pct", "difference",
        "note", "n_enterprises", "reporting_rate_pct", "prev_reporting_rate_pct",
    ]  # fmt: skip
    assert t["id"].tolist() == indicator_ids()
    got = rows(
        t,
        ["industrial_output", "tax_revenue", "revenue", "employees", "above_size_output"],
        ["value", "yoy_pct", "prev_value", "scope"],
    )
    expected = pd.DataFrame(
        {
            # B (entered this year) adds to the level, not to the growth; C (exited) is on
            # neither side; D has no output, so the output scope is A alone.
            "id": ["industrial_output", "tax_revenue", "revenue", "employees", "above_size_output"],
            "value": [750.0, 94.0, 3480.0, 89.0, 600.0],
            "yoy_pct": [20.0, round(75 / 70 * 100 - 100, 6), round(2900 / 3050 * 100 - 100, 6),
                        round(64 / 60 * 100 - 100, 6), 20.0],
            "prev_value": [500.0, 70.0, 3050.0, 60.0, 500.0],
            "scope": ["同口径(1家)", "同口径(2家)", "同口径(2家)", "同口径(2家)", "同口径(1家)"],
        }
    )  # fmt: skip
    assert_frame_equal(got, expected)


def test_growth_reconciles_same_scope_and_all_enterprises(park):
    t = indicator_table(park, "2016年1-5月").set_index("id")
    # output: scope A (600 now, 500 then); all: 750 now (A, B) against 900 then (A, C)
    # tax: scope A, D (60 + 15 against 50 + 20); all: 94 against A 50 + C 100 + D 20
    for ident, scope_value, prev, all_prev in (
        ("industrial_output", 600.0, 500.0, 900.0),
        ("tax_revenue", 75.0, 70.0, 170.0),
    ):
        row = t.loc[ident]
        assert (row["scope_value"], row["prev_value"], row["all_prev_value"]) == (
            scope_value,
            prev,
            all_prev,
        )
        assert row["yoy_pct"] == pytest.approx((scope_value / prev - 1) * 100)
        assert row["all_yoy_pct"] == pytest.approx((row["value"] / all_prev - 1) * 100)
    assert math.isnan(t.loc["above_size_enterprises", "all_yoy_pct"])


@pytest.mark.parametrize(
    ("ident", "value", "prev_value"),
    [
        ("above_size_enterprises", 1.0, 2.0),  # 2016: A; 2015: A and C (C exits in December)
        ("new_industrial_enterprises", 1.0, 0.0),  # B
        ("new_commercial_enterprises", 1.0, 0.0),  # E
    ],
)
def test_counts_have_no_growth(park, ident, value, prev_value):
    row = indicator_table(park, "2016年1-5月").set_index("id").loc[ident]
    assert (row["value"], row["prev_value"], row["unit"], row["scope"]) == (
        value,
        prev_value,
        "家",
        "",
    )
    assert math.isnan(row["yoy_pct"])


@pytest.mark.parametrize(
    ("ident", "value", "yoy_pct", "prev_value", "note_part"),
    [
        # land-holding enterprises with tax: A 60 + B 15 over 20 + 10 亩; growth on A alone
        ("tax_per_mu", 2.5, 20.0, 2.5, "未年化"),
        ("tax_per_ha", 37.5, 20.0, 37.5, "未年化"),
        ("output_per_mu", 25.0, 20.0, 25.0, "共用地块按企业数均摊"),
        ("value_added_per_mu", 6.5, 10.0, 7.5, "未年化"),
        # (165 + 30) / (55 + 20) against 150 / 50 on A
        ("labour_productivity", 2.6, 0.0, 3.0, "工业增加值÷平均从业人员"),
        ("above_size_output_share", 80.0, NAN, 100.0, "不计同比"),
    ],
)
def test_ratios(park, ident, value, yoy_pct, prev_value, note_part):
    row = indicator_table(park, "2016年1-5月").set_index("id").loc[ident]
    assert row["value"] == pytest.approx(value)
    assert row["prev_value"] == pytest.approx(prev_value)
    assert row["yoy_pct"] == pytest.approx(yoy_pct, nan_ok=True)
    assert note_part in row["note"]


def test_growth_edge_cases(park):
    t = indicator_table(park, "2016年1-5月").set_index("id")
    # zero base: FAI was 0 in 2015 for A
    fai = t.loc["fixed_asset_investment"]
    assert fai["value"] == 0.0 and fai["prev_value"] == 0.0 and math.isnan(fai["yoy_pct"])
    assert "上年同期为零" in fai["note"]
    # negative growth: revenue of the same enterprises fell
    assert t.loc["revenue", "yoy_pct"] < 0
    # the narrative reads the table as it is
    text = economic_paragraph(t.reset_index(), period="2016年1-5月")
    assert "完成税收94万元,同比增长7.1%" in text
    assert "完成固定资产投资0万元,同比持平" in text  # 0 against 0: the narrative's wording


def test_missing_previous_year(park):
    t = indicator_table(park, "2015年1-5月").set_index("id")
    flows = [s.id for s in INDICATORS if s.kind in ("flow", "stock")]
    assert t.loc[flows, "yoy_pct"].isna().all()
    assert t.loc[flows, "prev_value"].isna().all()
    assert (t.loc[flows, "note"].str.contains("上年同期无数据")).all()
    assert t.loc["tax_revenue", "value"] == 170.0  # A 50 + C 100 + D 20
    text = economic_paragraph(t.reset_index(), period="2015年1-5月")
    assert "完成税收170万元,上年同期无数据" in text


def test_empty_period_inside_the_data(park):
    # 2015年三季度 lies between the first and the last month but has no rows
    t = indicator_table(park, "2015Q3").set_index("id")
    assert t.loc["tax_revenue", "value"] != t.loc["tax_revenue", "value"]  # NaN, not 0
    assert "本期无企业统计数据" in t.loc["tax_revenue", "note"]
    assert t.loc["above_size_enterprises", "value"] == 0.0
    assert economic_paragraph(t.reset_index(), period="2015Q3").startswith("2015年第三季度,园区")


@pytest.mark.parametrize(
    ("period", "error", "message"),
    [
        ("2016-01", PeriodError, "1月和2月数据合并发布"),  # the 1-2月 convention
        ("2016年2月", PeriodError, "1月和2月数据合并发布"),
        ("2016-06", PeriodError, "超出数据范围"),
        ("2016", PeriodError, "超出数据范围"),
        ("2014年1-5月", PeriodError, "数据覆盖 2015年1月至2016年5月"),
        ("2016年13月", PeriodError, "无法识别的期间"),
        ("soon", PeriodError, "可用写法"),
    ],
)
def test_periods_rejected(park, period, error, message):
    with pytest.raises(error, match=message):
        indicator_table(park, period)


@pytest.mark.parametrize("period", ["2016年1-2月", "2016-01..2016-02", "2016Q1", "2016-03"])
def test_periods_accepted(park, period):
    assert indicator_table(park, period)["id"].tolist() == indicator_ids()


def test_quarter_and_cumulative_spellings_agree(park):
    a = indicator_table(park, "2016Q1")
    b = indicator_table(park, "2016年1-3月")
    assert_frame_equal(a.drop(columns="note"), b.drop(columns="note"))  # notes name the period
    assert "一季度累计值" in a.set_index("id").loc["tax_per_mu", "note"]


# -- trend -------------------------------------------------------------------------------------


def test_trend_starts_at_jan_feb(park):
    t = trend_table(park, "tax_revenue", year=2016)
    expected = pd.DataFrame(
        {
            "label": pd.Series(["1-2月", "1-3月", "1-4月", "1-5月"], dtype="str"),
            "period": pd.Series(
                [f"2016-01..2016-{m:02d}" for m in (2, 3, 4, 5)], dtype="str"
            ),
            "value": [31.0, 52.0, 73.0, 94.0],
            "yoy_pct": [round((30 / 28 - 1) * 100, 6), round((45 / 42 - 1) * 100, 6),
                        round((60 / 56 - 1) * 100, 6), round((75 / 70 - 1) * 100, 6)],
            "monthly_value": [31.0, 21.0, 21.0, 21.0],
        }
    )  # fmt: skip
    assert_frame_equal(t, expected)


def test_trend_of_a_stock_and_errors(park):
    t = trend_table(park, "employees", year=2016)
    assert t["value"].tolist() == [55 + 9 + 5, 55 + 20 + 9 + 5, 89.0, 89.0]
    assert t["monthly_value"].tolist() == t["value"].tolist()
    with pytest.raises(ParameterError, match="未知的指标"):
        trend_table(park, "profit", year=2016)
    with pytest.raises(PeriodError):
        trend_table(park, "tax_revenue", year=2014)


# -- enterprises ---------------------------------------------------------------------------------


def test_enterprise_table(park):
    e = enterprise_table(park, "2016年1-5月").set_index("enterprise_id")
    assert list(e.index) == ["A", "B", "C", "D", "E"]  # C: rows in the previous year
    assert e.loc["A", "tax_wan_yuan"] == 60.0 and e.loc["A", "prev_tax_wan_yuan"] == 50.0
    assert math.isnan(e.loc["C", "tax_wan_yuan"]) and bool(e.loc["C", "exited"])
    assert e.loc["B", "avg_employees"] == 20.0 and e.loc["B", "labour_productivity"] == 1.5
    assert e.loc["A", "area_mu"] == 20.0 and math.isnan(e.loc["D", "tax_per_mu"])
    assert e["above_size"].tolist() == [True, False, False, False, False]


# -- several parks -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_parks(tmp_path_factory):
    folder = write_park(
        tmp_path_factory.mktemp("two"),
        parks=("T", "U"),
        extra={
            "enterprises.csv": "U,A,庚厂,工业,2010-01-01,2010-01-01,,\n",
            "monthly_stats.csv": monthly_csv(
                {"A": {2016: (range(1, 6), 7, 2, 8, 1, 3, None)}}, "U"
            ),
        },
    )
    return load_dataset(folder)


def test_multiple_parks(two_parks):
    with pytest.raises(ParameterError, match="T、U"):
        indicator_table(two_parks, "2016年1-5月")
    with pytest.raises(ParameterError, match="不在数据集中"):
        indicator_table(two_parks, "2016年1-5月", park="V")
    by = indicator_table_by_park(two_parks, "2016年1-5月")
    assert by.columns[0] == "park_id" and len(by) == 2 * len(INDICATORS)
    assert by["park_id"].tolist() == ["T"] * len(INDICATORS) + ["U"] * len(INDICATORS)
    for pid in ("T", "U"):
        one = indicator_table(two_parks, "2016年1-5月", park=pid)
        part = by[by["park_id"] == pid].drop(columns="park_id").reset_index(drop=True)
        assert_frame_equal(one, part)
    u = indicator_table(two_parks, "2016年1-5月", park="U").set_index("id")
    # the same enterprise id in another park is another enterprise
    assert u.loc["tax_revenue", "value"] == 5.0 and math.isnan(u.loc["tax_revenue", "yoy_pct"])
    only_u = indicator_table_by_park(two_parks, "2016年1-5月", parks=["U"])
    assert_frame_equal(only_u, by[by["park_id"] == "U"].reset_index(drop=True))


# -- published figures ---------------------------------------------------------------------------


def test_published_figures_are_kept_as_given(tmp_path):
    published = (
        "park_id,indicator_id,period,value,unit,yoy_pct,source\n"
        "T,tax_revenue,2016Q1,0.0045,亿元,50,税务局\n"  # same months as 2016年1-3月
        "T,employees,2016-01..2016-05,90,人,-3.5,统计局\n"
        "T,retail_sales,2016年1-3月,1.2,亿元,9.9,商务局\n"
    )
    ds = load_dataset(write_park(tmp_path, extra={"published.csv": published}))
    q1 = indicator_table(ds, "2016年1-3月").set_index("id")
    tax = q1.loc["tax_revenue"]
    assert tax["value"] == 52.0  # computed stays in value
    assert tax["published_value"] == 45.0  # 0.0045 亿元 in the row's unit
    assert tax["published_yoy_pct"] == 50.0  # as published, although the levels say otherwise
    assert tax["difference"] == 7.0
    assert "税务局" in tax["note"] and "已换算" in tax["note"]
    assert q1.index[-1] == "retail_sales"  # published-only indicator: an extra row
    assert math.isnan(q1.loc["retail_sales", "value"])
    assert q1.loc["retail_sales", "name"] == "社会消费品零售总额"
    may = indicator_table(ds, "2016年1-5月").set_index("id").loc["employees"]
    assert (may["published_value"], may["published_yoy_pct"], may["difference"]) == (90, -3.5, -1)
    assert math.isnan(
        indicator_table(ds, "2016年1-4月").set_index("id").loc["employees", "published_value"]
    )


def test_official_tbhb_growth_is_not_recomputed(tmp_path):
    pub = import_tbhb(TBHB)
    cn = pub[pub["park_id"] == "CN"]
    yaml = PARK_YAML.format(parks=PARK_ENTRY.format(pid="CN"))
    folder = tmp_path / "cn"
    folder.mkdir()
    (folder / "park.yaml").write_text(yaml, encoding="utf-8")
    (folder / "enterprises.csv").write_text(
        "park_id,enterprise_id,name,kind,entry_date,production_start_date\n"
        "CN,X,某厂,工业,2010-01-01,2010-01-01\n",
        encoding="utf-8",
    )
    (folder / "parcels.csv").write_text(PARCELS.replace("T,", "CN,"), encoding="utf-8")
    months = {"X": {y: (range(1, 13), 1, 1, 1, 1, 1, None) for y in (2017, 2018)}}
    (folder / "monthly_stats.csv").write_text(
        MONTHLY_HEADER + monthly_csv(months, "CN"), encoding="utf-8"
    )
    cn.to_csv(folder / "published.csv", index=False)
    ds = load_dataset(folder)
    row = indicator_table(ds, "2018年1-12月").set_index("id").loc["above_size_profit"]
    levels = pub.set_index("period")["value"]
    naive = (levels["2018-01..2018-12"] / levels["2017-01..2017-12"] - 1) * 100
    assert row["published_value"] == levels["2018-01..2018-12"]
    assert row["published_yoy_pct"] == 10.3  # official, 同口径
    assert naive == pytest.approx(-11.75, abs=0.01)  # what recomputing would wrongly give
    assert row["unit"] == "亿元" and math.isnan(row["value"])


# -- the sample park (the seed's figures) --------------------------------------------------------


def test_seed_figures_from_the_sample():
    t = indicator_table(load_dataset(SAMPLE), "2016年1-5月").set_index("id")
    assert t.loc["tax_revenue", "value"] == 3126.0
    assert t.loc["employees", "value"] == 3378.0
    assert t.loc["above_size_enterprises", "value"] == 11.0
    assert t.loc["new_commercial_enterprises", "value"] == 3.0
    # 同口径 growth recomputed from the CSV: Σ 2016 ÷ Σ 2015 over the enterprises with figures
    # in both years' 1-5月 (the sample has no 缺报); 从业人员 is the May stock
    m = pd.read_csv(SAMPLE / "monthly_stats.csv", dtype={"月份": str})
    for ident, column, n in (
        ("industrial_output", "工业总产值(万元)", 34),
        ("tax_revenue", "税收(万元)", 50),
        ("employees", "从业人员(人)", 50),
        ("revenue", "主营业务收入(万元)", 50),
    ):
        if ident == "employees":
            cur = m[m["月份"] == "2016-05"].set_index("企业代码")[column]
            prev = m[m["月份"] == "2015-05"].set_index("企业代码")[column]
        else:
            cur = (
                m[m["月份"].between("2016-01", "2016-05")]
                .groupby("企业代码")[column]
                .sum(min_count=1)
            )
            prev = (
                m[m["月份"].between("2015-01", "2015-05")]
                .groupby("企业代码")[column]
                .sum(min_count=1)
            )
        both = cur.dropna().index.intersection(prev.dropna().index)
        expected = (cur[both].sum() / prev[both].sum() - 1) * 100
        assert t.loc[ident, "yoy_pct"] == pytest.approx(expected, abs=1e-5), ident
        assert t.loc[ident, "scope"] == f"同口径({n}家)" and len(both) == n
    # the sample's published 规上 figures stand beside the computed ones
    assert t.loc["above_size_output", "published_yoy_pct"] == 8.6


# -- command line --------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", *args],
        capture_output=True,
        cwd=ROOT,
        timeout=600,
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
    )


def test_cli_json_and_xlsx(tmp_path):
    out = run_cli("indicators", "data/sample", "--period", "2016年1-5月", "--format", "json")
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode("utf-8")
    assert "工业总产值" in text and "\\u" not in text  # Chinese unescaped
    records = {r["id"]: r for r in json.loads(text)}
    for r in records.values():
        assert {"id", "name", "value", "unit", "yoy_pct", "scope"} <= set(r)
    assert records["tax_revenue"]["value"] == 3126.0
    assert records["tax_revenue"]["unit"] == "万元"
    assert records["above_size_enterprises"]["yoy_pct"] is None

    book = tmp_path / "指标.xlsx"
    out = run_cli(
        "indicators", "data/sample", "--period", "2016年1-5月", "--format", "xlsx", "-o", str(book)
    )
    assert out.returncode == 0, out.stderr.decode()
    from openpyxl import load_workbook

    sheet = load_workbook(book).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["指标代码", "指标", "数值", "单位", "同比(%)", "上年同期", "口径"]
    assert "报送率(%)" in header  # every header is the reader's, none a code name
    assert not [h for h in header if re.fullmatch(r"[A-Za-z_]+", str(h))], header
    assert [c.value for c in sheet[7]][:3] == ["tax_revenue", "税收", 3126]


@pytest.mark.parametrize("period", ["2016年13月", "2016-01", "next year"])
def test_cli_bad_period_exits_2(period):
    out = run_cli("indicators", "data/sample", "--period", period)
    err = out.stderr.decode("utf-8")
    assert out.returncode == 2
    assert "Traceback" not in err and ("期间" in err or "1月" in err)


def test_by_park_matches_park_by_park_on_synthetic_data(tmp_path):
    """Synthetic provincial data (4 parks sharing enterprise ids): one pass equals one park."""
    from parkanalysis.sample import write_synthetic

    write_synthetic(tmp_path, parks=4, enterprises=15, years=2)
    ds = load_dataset(tmp_path)
    by = indicator_table_by_park(ds, "2016年1-5月")
    assert by["park_id"].unique().tolist() == ds.parks
    one = indicator_table(ds, "2016年1-5月", park=ds.parks[2])
    part = by[by["park_id"] == ds.parks[2]].drop(columns="park_id").reset_index(drop=True)
    assert_frame_equal(one, part)
    e = enterprise_table(ds, "2016年1-5月", park=ds.parks[2])
    level = one.set_index("id").loc["tax_revenue", "value"]
    assert np.isclose(e["tax_wan_yuan"].sum(), level)


def test_a_replaced_frame_is_not_served_from_the_cache(tmp_path):
    """The once-per-dataset preparation (and 缺报) follow a frame replaced on the dataset."""
    ds = load_dataset(write_park(tmp_path / "a"))
    before = indicator_table(ds, "2016年1-5月")  # fills the caches
    gone = (ds.monthly["enterprise_id"] == "A") & (ds.monthly["year"] == 2016)
    gone &= ds.monthly["month"] == 3
    ds.monthly = ds.monthly.loc[~gone].reset_index(drop=True)
    folder = write_park(tmp_path / "b")
    csv = folder / "monthly_stats.csv"
    csv.write_text(
        "".join(x for x in csv.read_text("utf-8").splitlines(True) if ",A,2016-03," not in x),
        encoding="utf-8",
    )
    after = indicator_table(ds, "2016年1-5月")
    assert_frame_equal(after, indicator_table(load_dataset(folder), "2016年1-5月"))
    # A's 缺报 in 3月 takes it out of the output scope, which was A alone
    assert before.set_index("id").loc["industrial_output", "scope"] == "同口径(1家)"
    assert after.set_index("id").loc["industrial_output", "scope"] == ""


def test_monthly_rows_in_another_order_give_the_same_tables(tmp_path):
    """The loader sorts the monthly rows; a frame in another order is grouped all the same."""
    from parkanalysis.sample import write_synthetic

    write_synthetic(tmp_path, parks=3, enterprises=12, years=2, seed=5)
    ds = load_dataset(tmp_path)
    before = [indicator_table_by_park(ds, p) for p in ("2016年1-5月", "2015Q3")]
    ent = enterprise_table(ds, "2016年1-5月", park=ds.parks[1])
    ds.monthly = ds.monthly.sample(frac=1, random_state=1).reset_index(drop=True)
    after = [indicator_table_by_park(ds, p) for p in ("2016年1-5月", "2015Q3")]
    for a, b in zip(before, after, strict=True):
        assert_frame_equal(a, b)
    assert_frame_equal(ent, enterprise_table(ds, "2016年1-5月", park=ds.parks[1]))
