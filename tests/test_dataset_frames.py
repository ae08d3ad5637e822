"""Canonical frames of a tiny valid dataset, written by hand and compared exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parkanalysis.dataset import (
    cumulative_to_monthly,
    load_dataset,
    validate_dataset,
    write_dataset,
)
from parkanalysis.errors import ParameterError
from tests.malformed import base_files, write_files

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _s(values):
    return pd.Series(values, dtype="str")


def _d(values):
    return pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")


@pytest.fixture
def dataset_tiny(tmp_path):
    """The small valid dataset of tests/malformed, loaded."""
    return load_dataset(write_files(tmp_path / "tiny", base_files()))


def test_monthly_frame(dataset_tiny):
    expected = pd.DataFrame(
        {
            "park_id": pd.Categorical(["GMY"] * 5, categories=pd.Index(["GMY"], dtype="str")),
            "enterprise_id": pd.Categorical(
                ["E01"] * 4 + ["E02"], categories=pd.Index(["E01", "E02"], dtype="str")
            ),
            "year": np.array([2015, 2015, 2016, 2016, 2016], dtype="int64"),
            "month": np.array([2, 3, 2, 3, 2], dtype="int64"),
            "output_wan_yuan": [1000.0, 600.0, 1100.0, 640.0, np.nan],
            "value_added_wan_yuan": [250.0, 150.0, 260.0, 160.0, np.nan],
            "revenue_wan_yuan": [1100.0, 650.0, 1200.0, 700.0, 300.0],
            "tax_wan_yuan": [30.0, 20.0, 33.0, 22.0, 5.0],
            "employees": [120.0, 121.0, 125.0, 126.0, 10.0],
            "fixed_asset_investment_wan_yuan": [0.0, np.nan, 10.0, np.nan, np.nan],
        }
    )
    assert_frame_equal(dataset_tiny.monthly, expected)
    assert dataset_tiny.month_range == ((2015, 2), (2016, 3))
    assert dataset_tiny.jan_feb_combined is True


def test_enterprises_frame(dataset_tiny):
    expected = pd.DataFrame(
        {
            "park_id": _s(["GMY", "GMY"]),
            "enterprise_id": _s(["E01", "E02"]),
            "name": _s(["甲公司", "乙商贸"]),
            "industry_code": _s(["C3311", None]),
            "kind": _s(["工业", "商贸"]),
            "entry_date": _d(["2014-03-01", "2015-06-01"]),
            "production_start_date": _d(["2015-01-01", None]),
            "exit_date": _d([None, None]),
            "parcel_ids": pd.Series([("1号地",), ()], dtype=object),
            "land_area_mu": [np.nan, np.nan],  # the register's 用地面积: not given here
        }
    )
    assert_frame_equal(dataset_tiny.enterprises, expected)


def test_parcels_and_relocations_frames(dataset_tiny):
    p = dataset_tiny.parcels
    assert list(p.columns[:3]) == ["park_id", "parcel_id", "phase_id"]
    assert p.columns[-1] == "area_mu"
    assert "area" not in p.columns and "area_unit" not in p.columns
    assert_frame_equal(
        p[["parcel_id", "area_mu", "supply_status", "supply_date", "footprint_m2"]],
        pd.DataFrame(
            {
                "parcel_id": _s(["1号地", "2号地", "R1", "G1", "W1"]),
                "area_mu": [50.0, 30.0, 10.0, 5.0, 5.0],
                "supply_status": _s(["已供", "未供", "未供", "未供", "未供"]),
                "supply_date": _d(["2014-01-10", None, None, None, None]),
                "footprint_m2": [12000.0, np.nan, np.nan, np.nan, np.nan],
            }
        ),
    )
    r = dataset_tiny.relocations
    assert r["land_freed_mu"].tolist() == [30.0]  # 2 公顷 × 15
    assert r["parcel_ids"].tolist() == [("2号地",)]


def test_published_period_is_canonical(dataset_tiny):
    pub = dataset_tiny.published
    assert pub["period"].tolist() == ["2016-01..2016-05"]
    assert pub["value"].tolist() == [3126.0]


def test_derived_above_size(dataset_tiny):
    # E01: 2015 is its first year, 1-3月 revenue 1750 annualised (Jan-Feb combined) = 7000 ≥ 2000;
    # 2016 looks at 2015's 1750 < 2000. E02 is 商贸, never 规上.
    expected = pd.DataFrame(
        {
            "park_id": _s(["GMY"] * 3),
            "enterprise_id": _s(["E01", "E01", "E02"]),
            "year": np.array([2015, 2016, 2016], dtype="int64"),
            "above_size": [True, False, False],
            "derived": [True, True, True],
        }
    )
    assert_frame_equal(dataset_tiny.above_size, expected)


def test_above_size_table_wins_over_derivation(tmp_path):
    files = base_files()
    files["规上企业名录.csv"] = (
        "园区代码,企业代码,年份,是否规上\nGMY,E01,2016,是\nGMY,E02,2016,否\n"
    )
    ds = load_dataset(write_files(tmp_path, files))
    assert ds.above_size["above_size"].tolist() == [True, False]
    assert ds.above_size["derived"].tolist() == [False, False]
    assert ds.above_size["year"].dtype == np.int64


def test_cumulative_stats_become_monthly_values(tmp_path):
    files = base_files()
    del files["monthly_stats.csv"]
    files["企业累计统计.csv"] = (
        "园区代码,企业代码,月份,主营业务收入(万元),税收(万元),从业人员(人)\n"
        "GMY,E01,2016年2月,1200,33,125\n"  # 1-2月: no January row
        "GMY,E01,2016年3月,1900,55,126\n"
        "GMY,E01,2016年5月,3000,90,130\n"  # April missing: May holds Apr+May
        "GMY,E02,2016年2月,300,5,10\n"
    )
    ds = load_dataset(write_files(tmp_path, files))
    m = ds.monthly
    assert m["month"].tolist() == [2, 3, 5, 2]
    assert m["revenue_wan_yuan"].tolist() == [1200.0, 700.0, 1100.0, 300.0]
    assert m["tax_wan_yuan"].tolist() == [33.0, 22.0, 35.0, 5.0]
    assert m["employees"].tolist() == [125.0, 126.0, 130.0, 10.0]  # a stock, not differenced
    assert ds.jan_feb_combined is True
    # 1-N月 sums give the published cumulative figures back
    assert m[m.enterprise_id == "E01"]["tax_wan_yuan"].sum() == 90.0


def test_cumulative_to_monthly_with_january_row():
    cum = pd.DataFrame(
        {
            "park_id": ["P"] * 3,
            "enterprise_id": ["E"] * 3,
            "year": [2016] * 3,
            "month": [1, 2, 3],
            "tax_wan_yuan": [5.0, 12.0, 20.0],
        }
    )
    assert cumulative_to_monthly(cum)["tax_wan_yuan"].tolist() == [5.0, 7.0, 8.0]


def test_profile_config_subset_fingerprint(dataset_tiny, tmp_path):
    ds = dataset_tiny
    assert ds.parks == ["GMY"]
    info = ds.profile.parks["GMY"]
    assert info.name == "工贸园"
    assert info.phases["P1"].declared_mu == {
        "total": 100.0,
        "road": 10.0,
        "green": 5.0,
        "water": 5.0,
        "usable": 80.0,
    }
    cfg = ds.config("GMY")
    assert cfg["above_size_revenue_threshold_wan_yuan"] == 2000
    assert cfg["land"]["supply_window_years"] == 3
    with pytest.raises(ParameterError):
        ds.config("NOPE")
    sub = ds.subset("GMY")
    assert len(sub.monthly) == 5 and sub.fingerprint != ds.fingerprint
    again = load_dataset(write_files(tmp_path / "again", base_files()))
    assert again.fingerprint == ds.fingerprint and len(ds.fingerprint) == 64


def test_two_parks_and_park_argument(tmp_path):
    files = base_files()
    extra = (
        "  - park_id: XQ\n    name: 新区\n"
        "    config: {above_size_revenue_threshold_wan_yuan: 500}\n"
    )
    files["park.yaml"] = files["park.yaml"].replace("config:", extra + "config:")
    files["enterprises.csv"] += "XQ,E01,新区甲,,工业,2016-01-01,,,\n"
    files["monthly_stats.csv"] += "XQ,E01,2016-02,,,600,1,1,\n"
    folder = write_files(tmp_path, files)
    ds = load_dataset(folder)
    assert ds.parks == ["GMY", "XQ"]
    assert ds.config("XQ")["above_size_revenue_threshold_wan_yuan"] == 500
    xq = load_dataset(folder, park="XQ")
    assert xq.parks == ["XQ"] and xq.monthly["enterprise_id"].tolist() == ["E01"]
    assert xq.above_size["above_size"].tolist() == [True]  # 600 annualised ×6 ≥ 500
    with pytest.raises(ParameterError):
        load_dataset(folder, park="NOPE")


def test_write_dataset_round_trip(dataset_tiny, tmp_path):
    ds = dataset_tiny
    profile = {
        "schema_version": 1,
        "parks": [
            {
                "park_id": "GMY",
                "name": "工贸园",
                "phases": [{"phase_id": "P1", "name": "一期", "declared": {"total": 100}}],
            }
        ],
    }
    frames = {
        n: getattr(ds, n)
        for n in (
            "enterprises",
            "monthly",
            "parcels",
            "projects",
            "buildings",
            "hazards",
            "relocations",
            "published",
        )
    }
    folder = write_dataset(tmp_path / "out", frames, profile=profile)
    again = load_dataset(folder)
    for name in frames:
        assert_frame_equal(getattr(again, name), getattr(ds, name), check_like=False)
    with pytest.raises(ParameterError):
        write_dataset(folder, frames, profile=profile)


def test_sample_park_loads_and_keeps_the_38_mu_residual():
    report = validate_dataset(SAMPLE)
    assert report.ok, report.to_text()
    ds = load_dataset(SAMPLE)
    ledger = [w for w in ds.warnings if w.rule == "ledger_not_closed"]
    assert any("38" in w.message for w in ledger), [str(w) for w in ds.warnings]
    assert ds.monthly["year"].dtype == np.int64
    assert all(ds.monthly[c].dtype == np.float64 for c in ds.monthly.columns[4:])
