"""Tests of parkanalysis.land: balance table, ratios, supply history, outlook, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from parkanalysis.cli import main
from parkanalysis.dataset import load_dataset, write_dataset
from parkanalysis.errors import ParameterError
from parkanalysis.land import (
    balance_table,
    land_indicators,
    land_outlook_for,
    land_ratios,
    relocation_release_year,
    resolve_as_of,
    supply_history,
    supply_transactions,
    years_of_supply_left,
)

SAMPLE = Path(__file__).parents[1] / "data" / "sample"
NAN = math.nan


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def sample_outlook(sample):
    return land_outlook_for(sample, horizon=10, confidence=0.8, n_sims=2000)


# --------------------------------------------------------------------------- tiny park
# usable 800 = A 60 + B 50 + C 50 + D 100 + E 15 + F 525; declared total 1000 leaves 20 亩
# unreconciled. Supply: 2012 A+E = 75, 2013 B = 50, 2014 C = 50.
# fmt: off
PARCEL_ROWS = [
    # id, use, current, approved, approval, supplied, method, supply date, who, resettle,
    # construction, area, floor m2, footprint m2, investment
    ("R1", "道路", None, "已报批", "2010-01-01", "未供", None, None, None, None, None, 100.0),
    ("G1", "绿地", None, "已报批", "2010-01-01", "未供", None, None, None, None, None, 50.0),
    ("W1", "水域", None, "已报批", "2010-01-01", "未供", None, None, None, None, None, 30.0),
    ("A", "工业", "工业", "已报批", "2010-01-01", "已供", "挂牌出让", "2012-03-01", "X公司",
     "已完成", "已建成", 60.0, 40000.0, 20000.0, 3000.0),
    ("B", "工业", "商业", "已报批", "2010-01-01", "已供", "协议出让", "2013-05-01", "Y公司",
     "已完成", "闲置", 50.0),
    ("C", "工业", "工业", "已报批", "2010-01-01", "已供", "挂牌出让", "2014-07-01", "X公司",
     "已完成", "在建", 50.0),
    ("D", "工业", None, "已报批", "2010-01-01", "未供", None, None, None, "进行中", "未建", 100.0),
    ("E", "公共设施", "公共设施", "已报批", "2010-01-01", "已供", "划拨", "2012-08-01", "管委会",
     "已完成", "已建成", 15.0, 3000.0, 1500.0, 500.0),
    ("F", "工业", None, "未报批", None, "未供", None, None, None, "未启动", "未建", 525.0),
]
# fmt: on
PARCEL_COLUMNS = [
    "parcel_id",
    "planned_use",
    "current_use",
    "approval_status",
    "approval_date",
    "supply_status",
    "supply_method",
    "supply_date",
    "transferee",
    "resettlement_status",
    "construction_status",
    "area_mu",
    "floor_area_m2",
    "footprint_m2",
    "investment_wan_yuan",
]  # fmt: skip


def _parcels(rows=PARCEL_ROWS) -> pd.DataFrame:
    full = [tuple(r) + (None,) * (len(PARCEL_COLUMNS) - len(r)) for r in rows]
    df = pd.DataFrame(full, columns=PARCEL_COLUMNS)
    for c in ("approval_date", "supply_date"):
        df[c] = pd.to_datetime(df[c])
    for c in ("area_mu", "floor_area_m2", "footprint_m2", "investment_wan_yuan"):
        df[c] = df[c].astype(float)
    df.insert(0, "park_id", "TP")
    df.insert(2, "phase_id", "P1")
    return df


def _profile(declared=None, config=None) -> dict:
    declared = declared or {"total": 1000, "road": 100, "green": 50, "water": 30, "usable": 800}
    return {
        "schema_version": 1,
        "parks": [
            {
                "park_id": "TP",
                "name": "测试园",
                "phases": [{"phase_id": "P1", "name": "一期", "unit": "亩", "declared": declared}],
                "config": config or {},
            }
        ],
    }


def _enterprises() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "park_id": "TP",
            "enterprise_id": ["X", "Y", "Z"],
            "name": ["X公司", "Y公司", "Z公司"],
            "kind": ["工业", "商贸", "服务业"],
            "entry_date": pd.to_datetime(["2012-03-01", "2013-05-01", "2012-01-01"]),
            "production_start_date": pd.to_datetime(["2013-01-01", "2014-01-01", "2012-01-01"]),
            "parcel_ids": [("A", "C"), ("B",), ()],
        }
    )


def _monthly(tax=1.0, end="2015-06") -> pd.DataFrame:
    months = pd.period_range("2014-07", end, freq="M")
    rows = [
        {"park_id": "TP", "enterprise_id": e, "year": m.year, "month": m.month, "tax_wan_yuan": tax}
        for e in ("X", "Y", "Z")
        for m in months
    ]
    return pd.DataFrame(rows)


def tiny_park(tmp_path, *, parcels=None, monthly=None, declared=None, config=None):
    folder = write_dataset(
        tmp_path / "park",
        {
            "enterprises": _enterprises(),
            "monthly_stats": _monthly() if monthly is None else monthly,
            "parcels": _parcels() if parcels is None else parcels,
        },
        profile=_profile(declared, config),
    )
    return load_dataset(folder)


# --------------------------------------------------------------------------- as_of
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-06", "2016-06-30"),
        ("2016年2月", "2016-02-29"),
        ("2016H1", "2016-06-30"),
        ("2015", "2015-12-31"),
        ("2016-06-15", "2016-06-15"),
        (pd.Timestamp("2014-03-09 13:00"), "2014-03-09"),
    ],
)
def test_resolve_as_of(text, expected):
    assert resolve_as_of(None, text) == pd.Timestamp(expected)


@pytest.mark.parametrize("bad", ["2016-13", "yesterday", "2016-02-30", "", 3.5])
def test_resolve_as_of_rejects_malformed(bad):
    with pytest.raises(ParameterError, match="截至日期"):
        resolve_as_of(None, bad)


def test_default_as_of_is_end_of_monthly_data(sample):
    assert resolve_as_of(sample) == pd.Timestamp("2016-06-30")


# --------------------------------------------------------------------------- balance table
def test_sample_balance_declared_vs_ledger(sample):
    bt = balance_table(sample).set_index("item")
    got = bt.loc[
        ["total", "road", "green", "water", "public", "usable", "unreconciled"],
        ["label", "declared_mu", "ledger_mu", "residual_mu", "declared_ha"],
    ]
    expected = pd.DataFrame(
        {
            "label": ["规划总面积", "道路用地", "绿地", "水域", "道路绿地水域小计", "可利用土地",
                      "未核对面积(总面积−道路−绿地−水域−可利用)"],
            "declared_mu": [3585.0, 450.0, 414.0, 175.0, 1039.0, 2508.0, 38.0],
            "ledger_mu": [3547.0, 450.0, 414.0, 175.0, 1039.0, 2508.0, 0.0],
            "residual_mu": [38.0, 0.0, 0.0, 0.0, 0.0, 0.0, 38.0],
            "declared_ha": [239.0, 30.0, 27.6, 175 / 15, 1039 / 15, 2508 / 15, 38 / 15],
        },
        index=pd.Index(got.index, name="item"),
    )  # fmt: skip
    assert_frame_equal(got, expected, check_exact=False, atol=1e-9)


def test_sample_balance_supply_split(sample):
    bt = balance_table(sample).set_index("item")["ledger_mu"]
    assert bt["approved"] == pytest.approx(2508.0)  # 可利用土地已全部报批
    assert bt["supplied"] + bt["remaining_supplyable"] == pytest.approx(bt["approved"])
    methods = bt[bt.index.str.startswith("supplied_method:")]
    assert methods.sum() == pytest.approx(bt["supplied"])
    years = bt[bt.index.str.startswith("supplied_year:")]
    assert years.sum() == pytest.approx(bt["supplied"])
    resettle = bt[bt.index.str.startswith("resettlement:")]
    assert resettle.sum() == pytest.approx(bt["remaining_supplyable"]) == pytest.approx(150.4)
    assert bt["converted:工业→商住"] == pytest.approx(248.6)
    assert bt["converted:工业→商业"] == pytest.approx(183.4)


def test_sample_1_and_4_go_to_one_transferee(sample):
    tx = supply_transactions(sample)
    hanwo = tx.loc[tx.transferee == "安徽翰沃婚庆文化产业有限公司"]
    assert sorted(hanwo.parcel_id) == ["1号地", "4号地"]
    assert hanwo.area_mu.sum() == pytest.approx(432.0)
    assert set(hanwo.supply_method) == {"挂牌出让"}


def test_balance_on_tiny_park(tmp_path):
    ds = tiny_park(tmp_path)
    bt = balance_table(ds, as_of="2015-06").set_index("item")
    got = bt.loc[
        ["total", "usable", "unreconciled", "approved", "not_approved", "supplied",
         "supplied_method:划拨", "supplied_method:协议出让", "supplied_method:挂牌出让",
         "supplied_year:2012", "supplied_year:2013", "supplied_year:2014",
         "remaining_supplyable", "resettlement:进行中", "converted", "converted:工业→商业",
         "built", "under_construction", "idle", "public_facilities"],
        ["declared_mu", "ledger_mu"],
    ]  # fmt: skip
    expected = pd.DataFrame(
        {
            "declared_mu": [1000.0, 800.0, 20.0] + [NAN] * 17,
            "ledger_mu": [980.0, 800.0, 0.0, 275.0, 525.0, 175.0, 15.0, 50.0, 110.0, 75.0,
                          50.0, 50.0, 100.0, 100.0, 50.0, 50.0, 75.0, 50.0, 50.0, 15.0],
        },
        index=got.index,
    )  # fmt: skip
    assert_frame_equal(got, expected)


@pytest.mark.parametrize(
    ("as_of", "supplied", "remaining", "approved"),
    [
        ("2015-06", 175.0, 100.0, 275.0),
        ("2014-06", 125.0, 150.0, 275.0),  # C (supplied 2014-07) is back to 已批未供
        ("2012-12", 75.0, 200.0, 275.0),
        ("2012-05", 60.0, 215.0, 275.0),  # E (2012-08) not yet supplied
        ("2009-12", 0.0, 0.0, 0.0),  # approvals of 2010 not yet made
    ],
)
def test_as_of_moves_parcels_between_states(tmp_path, as_of, supplied, remaining, approved):
    ds = tiny_park(tmp_path)
    bt = balance_table(ds, as_of=as_of).set_index("item")["ledger_mu"]
    assert (bt["supplied"], bt["remaining_supplyable"], bt["approved"]) == pytest.approx(
        (supplied, remaining, approved)
    )


# --------------------------------------------------------------------------- ratios
def test_ratios_by_hand(tmp_path):
    ds = tiny_park(tmp_path)
    r = land_ratios(ds, as_of="2015-06").set_index("id")["value"]
    expected = {
        "supply_rate_pct": 100 * 175 / 275,
        "built_rate_pct": 100 * 75 / 175,
        "industrial_land_rate_pct": 100 * 60 / 75,  # 已建成 A (工业) + E (公共设施)
        "plot_ratio": 43000 / 50000,  # 75 亩 = 5 公顷 = 50000 m²
        "building_density_pct": 100 * 21500 / 50000,
        "industrial_investment_intensity_wan_yuan_per_ha": 3000 / 4,
        "industrial_tax_per_ha": 12 / 4,  # X holds A; 12 months × 1 万元
        "tax_per_ha": 36 / 5,
        "idle_rate_pct": 100 * 50 / 175,
    }
    assert r.to_dict() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("drop", "ratio", "words"),
    [
        ("floor_area_m2", "plot_ratio", ["floor_area_m2", "建筑面积"]),
        ("footprint_m2", "building_density_pct", ["footprint_m2", "建筑基底面积"]),
        ("investment_wan_yuan", "industrial_investment_intensity_wan_yuan_per_ha",
         ["investment_wan_yuan", "固定资产投资"]),
    ],
)  # fmt: skip
def test_ratio_with_missing_inputs_is_nan_with_note(tmp_path, drop, ratio, words):
    parcels = _parcels()
    parcels[drop] = np.nan
    ds = tiny_park(tmp_path, parcels=parcels)
    row = land_ratios(ds, as_of="2015-06").set_index("id").loc[ratio]
    assert math.isnan(row["value"])
    for w in words:
        assert w in row["note"]


def test_tax_ratios_without_tax_are_nan(tmp_path):
    monthly = _monthly(tax=np.nan)
    ds = tiny_park(tmp_path, monthly=monthly)
    r = land_ratios(ds, as_of="2015-06").set_index("id")
    for rid in ("industrial_tax_per_ha", "tax_per_ha"):
        assert math.isnan(r.loc[rid, "value"])
        assert "tax_wan_yuan" in r.loc[rid, "note"]


def test_tax_ratios_need_twelve_months(tmp_path):
    ds = tiny_park(tmp_path)
    r = land_ratios(ds, as_of="2015-03").set_index("id")  # window 2014-04..2015-03
    assert math.isnan(r.loc["tax_per_ha", "value"])
    assert "不全" in r.loc["tax_per_ha", "note"]


def test_partial_coverage_is_stated(tmp_path):
    parcels = _parcels()
    parcels.loc[parcels.parcel_id == "E", "floor_area_m2"] = np.nan
    ds = tiny_park(tmp_path, parcels=parcels)
    row = land_ratios(ds, as_of="2015-06").set_index("id").loc["plot_ratio"]
    assert row["value"] == pytest.approx(40000 / 40000)  # A only: 60 亩 = 40000 m²
    assert "1宗" in row["note"] and "E" in row["note"]


# --------------------------------------------------------------------------- supply history
def test_supply_history_fills_zero_years(tmp_path):
    ds = tiny_park(tmp_path, monthly=_monthly(end="2016-03"))
    h = supply_history(ds, as_of="2016-03")
    expected = pd.DataFrame(
        {
            "year": [2012, 2013, 2014, 2015, 2016],
            "supplied_mu": [75.0, 50.0, 50.0, 0.0, 0.0],
            "transactions": np.array([2, 1, 1, 0, 0], dtype="int64"),
            "complete": [True, True, True, True, False],
            "划拨": [15.0, 0.0, 0.0, 0.0, 0.0],
            "协议出让": [0.0, 50.0, 0.0, 0.0, 0.0],
            "挂牌出让": [60.0, 0.0, 50.0, 0.0, 0.0],
        }
    )
    assert_frame_equal(h[expected.columns.tolist()], expected)
    assert h["cumulative_mu"].iloc[-1] == pytest.approx(175.0)


def test_sample_supply_window_is_last_three_complete_years(sample):
    t = land_indicators(sample).set_index("id")
    assert t.loc["avg_annual_supply_mu", "value"] == pytest.approx(677 / 3)
    assert "2013-2015" in t.loc["avg_annual_supply_mu", "note"]
    assert t.loc["years_of_supply_left", "value"] == pytest.approx(150.4 / (677 / 3))


@pytest.mark.parametrize(
    ("supply", "remaining", "window", "years", "average", "reason_has"),
    [
        ([50, 50, 50], 100, 3, 2.0, 50.0, ""),
        ([10, 20, 50, 50, 50], 100, 3, 2.0, 50.0, ""),
        ([0, 0, 0], 100, 3, None, 0.0, "年均供地为0"),
        ([80, 0, 0, 0], 100, 3, None, 0.0, "未供地"),
        ([40, 80], 120, 3, 2.0, 60.0, "仅2年"),
        ([30, 60, 90], 0, 3, 0.0, 60.0, ""),
        ([100, 10], 50, 1, 5.0, 10.0, ""),
        ([], 50, 3, None, NAN, "没有完整年度"),
    ],
)
def test_years_of_supply_left_table(supply, remaining, window, years, average, reason_has):
    s = pd.Series(supply, index=range(2010, 2010 + len(supply)), dtype=float)
    out = years_of_supply_left(s, remaining, window=window)
    if years is None:
        assert out.years is None and out.reason
    else:
        assert out.years == pytest.approx(years)
    assert out.average_mu == pytest.approx(average, nan_ok=True)
    assert reason_has in out.reason


def test_years_left_config_window(tmp_path):
    ds = tiny_park(tmp_path, config={"land": {"supply_window_years": 2}})
    t = land_indicators(ds, as_of="2015-06").set_index("id")["value"]
    assert t["avg_annual_supply_mu"] == pytest.approx(50.0)  # 2013, 2014
    assert t["years_of_supply_left"] == pytest.approx(2.0)


def test_years_left_zero_supply_gives_nan_and_reason(tmp_path):
    ds = tiny_park(tmp_path, monthly=_monthly(end="2018-06"))
    t = land_indicators(ds, as_of="2018-06").set_index("id")
    assert math.isnan(t.loc["years_of_supply_left", "value"])
    assert "年均供地为0" in t.loc["years_of_supply_left", "note"]


# --------------------------------------------------------------------------- indicators
REQUIRED_IDS = [
    "total_area_mu", "road_mu", "green_mu", "water_mu", "public_other_mu", "usable_mu",
    "approved_mu", "unreconciled_mu", "supplied_mu", "remaining_supplyable_mu",
    "resettlement_pending_mu", "converted_use_mu", "idle_mu", "avg_annual_supply_mu",
    "years_of_supply_left", "supply_rate_pct", "built_rate_pct", "industrial_land_rate_pct",
    "plot_ratio", "building_density_pct", "industrial_investment_intensity_wan_yuan_per_ha",
    "industrial_tax_per_ha", "tax_per_ha", "idle_rate_pct",
]  # fmt: skip


def test_sample_indicators_say_what_the_seed_says(sample):
    t = land_indicators(sample)
    assert list(t.columns) == ["id", "name", "value", "unit", "note"]
    assert t["id"].is_unique and set(REQUIRED_IDS) <= set(t["id"])
    v = t.set_index("id")["value"]
    assert v[["total_area_mu", "road_mu", "green_mu", "water_mu", "usable_mu"]].tolist() == [
        3585.0, 450.0, 414.0, 175.0, 2508.0,
    ]  # fmt: skip
    assert v["unreconciled_mu"] == 38.0
    assert v["approved_mu"] == 2508.0  # 可利用土地共2508亩已全部报批
    assert v["remaining_supplyable_mu"] == pytest.approx(150.4)
    assert 220 < v["avg_annual_supply_mu"] < 230
    assert v["years_of_supply_left"] < 1  # under a year of supply
    assert v["converted_use_mu"] == pytest.approx(432.0)


def test_indicators_without_declared_figures(tmp_path):
    ds = tiny_park(tmp_path, declared={"total": 1000})
    t = land_indicators(ds, as_of="2015-06").set_index("id")
    assert t.loc["usable_mu", "value"] == 800.0 and "台账" in t.loc["usable_mu", "note"]
    assert math.isnan(t.loc["unreconciled_mu", "value"])
    assert "道路" in t.loc["unreconciled_mu", "note"]


# --------------------------------------------------------------------------- outlook
def test_sample_outlook_exhaustion_and_need(sample_outlook):
    o = sample_outlook
    assert o.remaining_mu == pytest.approx(150.4)
    assert o.outlook.gross_to_net == pytest.approx(3585 / 2508)
    base = o.exhaustion.set_index("scenario").loc["baseline"]
    assert 2016 <= base["p50"] <= 2018  # the data end in 2016-06
    need = o.expansion_need.query("scenario == 'baseline'")
    assert (need["net_mu"].diff().dropna() >= 0).all()
    assert need["net_mu"].iloc[-1] > need["net_mu"].iloc[0] > 0
    assert need["gross_mu"].to_numpy() == pytest.approx(need["net_mu"].to_numpy() * 3585 / 2508)
    assert (need["gross_mu"] > need["net_mu"]).all()


def test_exhaustion_curve_matches_percentiles(sample_outlook):
    o = sample_outlook
    for _, row in o.outlook.exhaustion.iterrows():
        curve = o.exhaustion_curve(row["scenario"])
        assert (np.diff(curve.to_numpy()) >= 0).all()
        assert curve.iloc[-1] == pytest.approx(row["prob_within_horizon"])
        if not pd.isna(row["p50"]):
            assert curve.loc[row["p50"]] >= 0.5
            if row["p50"] > curve.index[0]:
                assert curve.loc[row["p50"] - 1] < 0.5


def test_sample_relocation_scenario(sample_outlook):
    sc = sample_outlook.scenarios.set_index("scenario")
    # 九州兰天 (已签协议 2015-11, 拆除中 2016-06) counted once, freed 2017;
    # 九州华隆 + 九州方圆 (洽谈中) freed 2018.
    assert sc.loc["relocations", "added_mu"] == pytest.approx({2017: 27.6, 2018: 93.0})
    ex = sample_outlook.exhaustion.set_index("scenario")
    assert ex.loc["relocations", "p50"] >= ex.loc["baseline", "p50"]


@pytest.mark.parametrize(
    ("status", "year"), [("洽谈中", 2018), ("已签协议", 2017), ("拆除中", 2017), ("已完成", None)]
)
def test_relocation_release_year(status, year):
    assert relocation_release_year(status, "2016-05-01", "2016-06-30") == year


def test_planned_target_scenario_from_config(tmp_path):
    ds = tiny_park(tmp_path, config={"land": {"annual_supply_target_mu": 50}})
    o = land_outlook_for(ds, as_of="2015-06", horizon=4, n_sims=300)
    ex = o.exhaustion.set_index("scenario")
    # one clock: from 2015-06-30, 100 亩 at 50 亩/year last into 2017 (the rest of 2015
    # is simulated as the rest of the year, not as a whole year)
    assert o.forecast_table()["exposure"].iloc[0] < 1
    assert ex.loc["planned_target", "p50"] == 2017
    assert ex.loc["planned_target", "prob_within_horizon"] == 1.0


def test_sample_summary_and_dict(sample_outlook):
    d = sample_outlook.to_dict()
    text = json.dumps(d, ensure_ascii=False, allow_nan=False)
    assert "可供土地" in text
    for key in ("summary", "forecast", "exhaustion", "exhaustion_probability",
                "expansion_need", "scenarios", "backtest", "supply_history",
                "years_of_supply_left", "remaining_supplyable_mu", "gross_to_net"):  # fmt: skip
        assert key in d
    s = d["summary"]
    assert "226亩" in s and "尚可供地年数约0.7年" in s and "150.4亩" in s
    assert "八成把握" in s and "P10-P90" in s and "中位" in s and "扩园" in s
    assert "回测" not in s  # the backtest belongs in the appendix, not the headline
    assert "回测" in d["backtest"]["note"]
    assert d["backtest"]["by_horizon"][0]["h"] == 1
    assert len(d["forecast"]) == 11  # the rest of 2016, then 10 full years
    ft = sample_outlook.forecast_table()
    assert list(ft.columns[:6]) == ["year", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert ft["year"].tolist() == list(range(2016, 2027))


def test_outlook_is_reproducible(sample):
    a = land_outlook_for(sample, horizon=3, n_sims=300, seed=5).to_dict()
    b = land_outlook_for(sample, horizon=3, n_sims=300, seed=5).to_dict()
    assert a == b


def test_outlook_without_supply_raises(sample):
    with pytest.raises(ParameterError, match="没有已供应地块"):
        land_outlook_for(sample, as_of="2005-12")


# --------------------------------------------------------------------------- CLI
def test_cli_land_json(capsys):
    assert main(["land", str(SAMPLE), "--format", "json"]) == 0
    raw = capsys.readouterr().out
    assert "规划总面积" in raw  # Chinese unescaped
    rows = {r["id"]: r for r in json.loads(raw)}
    assert set(REQUIRED_IDS) <= set(rows)
    assert rows["unreconciled_mu"]["value"] == 38.0
    assert rows["remaining_supplyable_mu"]["unit"] == "亩"


def test_cli_forecast_json(capsys):
    code = main(["forecast", str(SAMPLE), "--horizon", "10", "--confidence", "0.8",
                 "--format", "json"])  # fmt: skip
    assert code == 0
    raw = capsys.readouterr().out
    d = json.loads(raw)
    assert d["horizon"] == 10 and d["confidence"] == 0.8
    assert "尚可供地" in raw and d["remaining_supplyable_mu"] == pytest.approx(150.4)


@pytest.mark.parametrize("command", ["land", "forecast"])
def test_cli_bad_as_of_exits_2(capsys, command):
    assert main([command, str(SAMPLE), "--as-of", "2016-13"]) == 2
    err = capsys.readouterr().err
    assert "截至日期" in err and "Traceback" not in err


# --------------------------------------------------------------------------- one clock
def _raw_parcels() -> pd.DataFrame:
    raw = pd.read_csv(SAMPLE / "parcels.csv")
    raw["date"] = pd.to_datetime(raw["供地日期"])
    return raw


def test_sample_one_clock(sample_outlook):
    o = sample_outlook
    curve = o.exhaustion_curve("baseline")
    # the data end in 2016-06: only the rest of 2016 is simulated, and 0.67 years of supply
    # from 2016-06 point to early 2017, so running out within 2016 is the minority case
    assert curve.index[0] == 2016 and curve.loc[2016] < 0.5
    assert o.exhaustion.set_index("scenario").loc["baseline", "p50"] >= 2017
    assert o.forecast_table()["exposure"].iloc[0] < 1
    assert f"{o.supply_until:%Y-%m}" == "2017-02"  # 2016-06-30 + 0.666 years
    assert "可供至2017年2月前后" in o.summary and "2016年内用尽的可能性" in o.summary


def test_sample_blocked_land_from_the_ledger(sample_outlook):
    raw = _raw_parcels()
    pending = raw.loc[(raw["供应状态"] == "未供") & raw["征迁安置"].isin(["进行中", "未启动"])]
    pending = pending.loc[~pending["规划用途"].isin(["道路", "绿地", "水域"])]
    o = sample_outlook
    assert o.blocked_mu == pytest.approx(pending["面积(亩)"].sum())  # 111 亩
    release = dict(zip(o.blocked["resettlement_status"], o.blocked["release_date"], strict=True))
    assert release["进行中"] == pd.Timestamp("2017-06-30")  # default 12 months
    assert release["未启动"] == pd.Timestamp("2018-06-30")  # default 24 months
    assert f"其中{_fmt_mu(o.blocked_mu)}亩征迁安置尚未完成" in o.summary
    ep = o.exhaustion_probability.query("scenario == 'baseline'")
    assert (ep["shortage_prob"] >= ep["prob"]).all()


def _fmt_mu(x):
    return f"{x:.0f}" if round(x, 1) == int(x) else f"{x:.1f}"


def test_resettlement_months_from_park_yaml(tmp_path):
    ds = tiny_park(tmp_path, config={"land": {"resettlement_months": {"进行中": 3}}})
    o = land_outlook_for(ds, as_of="2015-06", horizon=3, n_sims=200)
    assert o.blocked["parcel_id"].tolist() == ["D"]
    assert o.blocked["release_date"].iloc[0] == pd.Timestamp("2015-09-30")


def test_sample_need_within_history(sample_outlook):
    o = sample_outlook
    k = o.planning_horizon
    row = o.need_row()
    span_days = (pd.Timestamp(2016 + k, 12, 31) - pd.Timestamp("2016-06-30")).days
    raw = _raw_parcels().dropna(subset=["date"]).sort_values("date")
    raw = raw.loc[raw["date"] <= "2016-06-30"]
    most = max(
        raw.loc[
            (raw["date"] >= d) & (raw["date"] < d + pd.Timedelta(days=span_days)), "面积(亩)"
        ].sum()
        for d in raw["date"]
    )
    ctx = o.need_context.set_index("horizon_years").loc[k]
    assert ctx["history_max_mu"] == pytest.approx(most, abs=0.05)
    assert row["median_net_mu"] <= row["net_mu"]
    # the demand behind the 80% need is one the park's own history has reached
    assert row["demand_mu"] <= most
    assert row["net_mu"] == pytest.approx(row["demand_mu"] - o.remaining_mu)
    assert "相当于一期规划面积的" in o.summary and "中位约" in o.summary


def test_confidence_comes_from_park_yaml(tmp_path, capsys):
    ds = tiny_park(tmp_path, config={"expansion": {"confidence": 0.9}})
    assert land_outlook_for(ds, as_of="2015-06", horizon=3, n_sims=200).confidence == 0.9
    code = main(["forecast", str(tmp_path / "park"), "--horizon", "3", "--format", "json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["confidence"] == 0.9


@pytest.mark.parametrize("command", ["land", "forecast"])
def test_cli_as_of_past_the_data_exits_2(capsys, command):
    assert main([command, str(SAMPLE), "--as-of", "2030-01"]) == 2
    err = capsys.readouterr().err
    assert "2016-06" in err and "Traceback" not in err


def test_backtest_is_in_the_appendix_with_its_limits(sample_outlook):
    d = sample_outlook.to_dict()["backtest"]
    bt = sample_outlook.backtest
    assert d["origins"] == sorted(bt["origin"].unique().tolist())
    note = d["note"]
    assert f"{len(bt)}次中的{int(bt['covered80'].sum())}次" in note
    assert "不能证明" in note


def test_outlook_keywords_add_to_the_defaults(sample):
    o = land_outlook_for(
        sample,
        horizon=3,
        n_sims=300,
        window=2,
        annual_target_mu=100.0,
        scenarios={"extra": {"annual_target": 50.0}},
    )
    assert o.supply_years.window == (2014, 2015)
    names = o.scenarios["scenario"].tolist()
    # the data's relocations stay, the target and the caller's scenario are added
    assert names == ["baseline", "relocations", "planned_target", "extra"]
    html = o._repr_html_()
    assert "150.4亩" in html and "<table>" in html and "<script" not in html


def test_several_parks_pool_the_count_dispersion(tmp_path):
    from parkanalysis.sample import write_synthetic

    write_synthetic(tmp_path / "prov", parks=3, enterprises=10, years=6)
    ds = load_dataset(tmp_path / "prov")
    o = land_outlook_for(ds, park="P001", horizon=3, n_sims=300)
    m = o.outlook.model
    own_df = len(m.counts) - 1
    assert m.dispersion_df > own_df  # peers' evidence was added
    assert o.exhaustion.iloc[0]["prob_within_horizon"] >= 0


# -- the land report's period: one way for every kind ---------------------------------------


def test_cli_land_report_takes_period_like_every_kind(tmp_path, capsys):
    """``render land --period 2016-06`` renders as of June 2016; papermill's ``as_of`` and a
    period ending that month (2016H1) name the same report, so they find it unchanged."""
    out = tmp_path / "out"
    common = ["render", "land", "--data", str(SAMPLE), "--out", str(out)]
    assert main([*common, "--period", "2016-06"]) == 0
    first = capsys.readouterr().out
    html = next(out.glob("*.html"))
    assert "截至2016年6月" in html.name and "(已生成)" in first
    assert "数据截至2016年6月" in html.read_text(encoding="utf-8")
    for other in (["-p", "as_of=2016-06"], ["--period", "2016H1"], ["--period", "2016年6月"]):
        assert main([*common, *other]) == 0, other
        assert capsys.readouterr().out.strip() == f"{html} (未变化,沿用)", other
    assert [p.name for p in out.glob("*.html")] == [html.name]


def test_cli_land_period_refusals(tmp_path, capsys):
    common = ["render", "land", "--data", str(SAMPLE), "--out", str(tmp_path / "out")]
    assert main([*common, "--period", "2016Q1", "-p", "as_of=2016-06"]) == 2
    assert "period='2016Q1'(截至2016-03)与 as_of='2016-06' 不一致" in capsys.readouterr().err
    assert main([*common, "--period", "2016"]) == 2  # as of 2016-12: past the data
    assert "2016-12-31 晚于数据的最后日期 2016-06-30" in capsys.readouterr().err
    assert main([*common, "--period", "2016年13月"]) == 2
    assert "月份 13 超出范围" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.html"))


def test_cli_params_land_says_how_its_period_is_given(capsys):
    assert main(["params", "land"]) == 0
    listing = capsys.readouterr().out
    period = next(line for line in listing.splitlines() if line.strip().startswith("period "))
    assert "2016-06 即截至2016年6月" in period and "截至其最后一个月" in period
    assert any(line.strip().startswith("as_of ") for line in listing.splitlines())
    for kind in ("period", "explore"):  # every kind takes ``period``
        assert main(["params", kind]) == 0
        assert "\n  period (" in capsys.readouterr().out


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["month", "cumulative", "quarter", "half"]),
    st.integers(1, 18),
    st.booleans(),
)
def test_land_period_is_as_of_its_last_month(kind, last, chinese):
    """Any period ending within the data (2015-01 … 2016-06), in either spelling, plans the
    same land report — file, parameters and cache key — as ``as_of`` its last month."""
    from parkanalysis.periods import Period
    from parkanalysis.render import plan_report

    year, month = 2015 + (last - 1) // 12, (last - 1) % 12 + 1
    if kind == "quarter" and month % 3:
        month -= month % 3
    if kind == "half" and month % 6:
        month -= month % 6
    if month == 0:
        year, month = year - 1, 12
    period = {
        "month": Period.of_month(year, month),
        "cumulative": Period.of_cumulative(year, month),
        "quarter": Period.of_quarter(year, (month + 2) // 3),
        "half": Period.of_half(year, (month + 5) // 6),
    }[kind]
    text = period.label if chinese else str(period)
    by_period = plan_report("land", out_dir="unused", data=str(SAMPLE), period=text)
    by_as_of = plan_report("land", out_dir="unused", data=str(SAMPLE), as_of=f"{year}-{month:02d}")
    assert by_period.params == by_as_of.params
    assert (by_period.html_path, by_period.key) == (by_as_of.html_path, by_as_of.key)
    assert f"截至{year}年{month}月" in by_period.html_path.name


def test_dated_resettlement_is_read_as_of_its_date(tmp_path):
    """A 征迁完成日期 in the ledger: before it the parcel was still in 征迁 (blocked, released
    at as_of + the 进行中 months), from it on suppliable; without a date the current status
    stands for every as_of and the notes say so."""
    p = _parcels()
    p["resettlement_date"] = pd.NaT
    d = p["parcel_id"] == "D"
    p.loc[d, "resettlement_status"] = "已完成"
    p.loc[d, "resettlement_date"] = pd.Timestamp("2014-03-01")
    ds = tiny_park(tmp_path, parcels=p, monthly=_monthly(end="2015-06"))
    kw = {"horizon": 3, "n_sims": 200, "backtest": False, "scenarios": {}}
    before = land_outlook_for(ds, as_of="2013-12", **kw)
    assert before.blocked["parcel_id"].tolist() == ["D"]
    assert before.blocked["resettlement_status"].tolist() == ["进行中"]
    assert f"{before.blocked['release_date'].iloc[0]:%Y-%m}" == "2014-12"
    assert not any("没有完成日期" in n for n in before.notes)
    after = land_outlook_for(ds, as_of="2014-06", **kw)
    assert after.blocked_mu == 0
    # the same ledger without the date: 已完成 counts at every as_of, nothing blocked
    p.loc[d, "resettlement_date"] = pd.NaT
    undated = tiny_park(tmp_path / "u", parcels=p, monthly=_monthly(end="2015-06"))
    assert land_outlook_for(undated, as_of="2013-12", **kw).blocked_mu == 0
    p.loc[d, "resettlement_status"] = "进行中"
    pending = tiny_park(tmp_path / "p", parcels=p, monthly=_monthly(end="2015-06"))
    out = land_outlook_for(pending, as_of="2013-12", **kw)
    assert out.blocked_mu == 100.0 and any("没有完成日期" in n for n in out.notes)
