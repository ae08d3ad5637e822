"""Tests of parkanalysis.safety on the sample and on a hand-made hazard log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parkanalysis.dataset import load_dataset, write_dataset
from parkanalysis.safety import (
    NO_RECORDS_SENTENCE,
    hazard_sentence,
    hazard_summary,
    overdue_hazards,
)

SAMPLE = Path(__file__).parents[1] / "data" / "sample"

# hazard, enterprise, inspected, deadline, rectified, rechecked, recheck passed, category
# Status at the end of 2016H1 (2016-06-30):
HAZARDS = [
    ("H1", "E1", "2016-01-10", "2016-01-20", "2016-01-15", "2016-01-25", True, "消防"),  # on time
    ("H2", "E1", "2016-02-01", "2016-02-10", "2016-03-01", "2016-03-05", False, "用电"),  # late
    ("H3", "E2", "2016-03-01", "2016-03-15", None, None, None, "消防"),  # overdue
    ("H4", "E2", "2016-06-25", "2016-07-10", None, None, None, "用电"),  # pending
    ("H5", "E3", "2016-05-01", "2016-05-10", "2016-07-05", None, None, "消防"),  # overdue at end
    ("H6", "E3", "2015-12-20", "2016-01-05", None, None, None, "其他"),  # found before, overdue
    ("H7", "E1", "2016-06-30", "2016-06-30", None, None, None, "其他"),  # due today: pending
    ("H8", "E2", "2016-07-02", "2016-07-09", None, None, None, "消防"),  # after the period
]


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = tmp_path_factory.mktemp("safety") / "park"
    hz = pd.DataFrame(
        HAZARDS,
        columns=[
            "hazard_id", "enterprise_id", "inspection_date", "deadline", "rectified_date",
            "recheck_date", "recheck_passed", "category",
        ],
    )  # fmt: skip
    for c in ("inspection_date", "deadline", "rectified_date", "recheck_date"):
        hz[c] = pd.to_datetime(hz[c])
    hz["recheck_passed"] = hz["recheck_passed"].astype("boolean")
    hz["severity"] = ["一般", "一般", "重大", "一般", "一般", "一般", "一般", "一般"]
    hz.insert(0, "park_id", "TP")
    ents = pd.DataFrame(
        {
            "park_id": "TP",
            "enterprise_id": ["E1", "E2", "E3"],
            "name": ["甲公司", "乙公司", "丙公司"],
            "kind": "商贸",
            "entry_date": pd.to_datetime("2010-01-01"),
        }
    )
    monthly = pd.DataFrame(
        {"park_id": "TP", "enterprise_id": "E1", "year": [2016], "month": [1], "tax_wan_yuan": 1.0}
    )
    parcels = pd.DataFrame(
        {
            "park_id": ["TP"],
            "parcel_id": ["A"],
            "phase_id": ["P1"],
            "area_mu": [10.0],
            "planned_use": ["商业"],
            "approval_status": ["未报批"],
            "supply_status": ["未供"],
        }
    )
    profile = {
        "schema_version": 1,
        "parks": [
            {
                "park_id": "TP",
                "name": "测试园",
                "phases": [{"phase_id": "P1", "name": "一期", "declared": {"total": 10}}],
            }
        ],
    }
    write_dataset(
        folder,
        {"enterprises": ents, "monthly_stats": monthly, "parcels": parcels, "hazards": hz},
        profile=profile,
    )
    return load_dataset(folder)


def test_sample_2016h1_matches_the_seed():
    s = hazard_summary(load_dataset(SAMPLE), "2016H1")
    assert (s.found, s.enterprises) == (115, 23)
    assert s.by_category["found"].sum() == 115 and s.by_severity["found"].sum() == 115
    assert s.previous is not None and s.previous.period.label == "2015年上半年"
    text = hazard_sentence(s)
    assert text.startswith("排查出各类安全隐患115处,涉及企业23家")
    assert f"已整改{s.rectified}处" in text and f"逾期未整改{s.overdue}处" in text


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("found", 6),  # H1-H5, H7
        ("enterprises", 3),
        ("rectified", 2),  # H1, H2 (H5 only after the period end)
        ("rectified_on_time", 1),  # H1
        ("overdue", 2),  # H3, H5
        ("pending", 2),  # H4, H7
        ("rechecked", 2),
        ("recheck_failed", 1),
        ("major", 1),
    ],
)
def test_hand_counts(hand, key, value):
    assert hazard_summary(hand, "2016H1").counts[key] == value


def test_hand_breakdown_and_rate(hand):
    s = hazard_summary(hand, "2016H1")
    assert s.rectification_rate_pct == pytest.approx(100 * 2 / 6)
    expected = pd.DataFrame(
        {
            "category": ["消防", "用电", "其他"],
            "found": [3, 2, 1],
            "rectified": [1, 1, 0],
            "overdue": [2, 0, 0],
        }
    )
    assert_frame_equal(s.by_category, expected, check_dtype=False)


def test_no_previous_year_when_records_start_later(hand):
    s = hazard_summary(hand, "2016H1")
    assert s.previous is None and "无上年同期" in s.notes[0]
    assert "上年同期" not in hazard_sentence(s)


@pytest.mark.parametrize(
    ("period", "found", "overdue"),
    [
        ("2016-01", 1, 0),  # H1 rectified on time
        ("2016Q1", 3, 1),  # H3 overdue at 03-31; H2 rectified 03-01
        ("2016-05", 1, 1),  # H5 deadline 05-10, rectified only in July
        ("2016-07", 1, 1),  # H8 due 07-09 and still open at 07-31
    ],
)
def test_period_end_decides(hand, period, found, overdue):
    s = hazard_summary(hand, period)
    assert (s.found, s.overdue) == (found, overdue)


def test_overdue_list_names_enterprises(hand):
    od = overdue_hazards(hand, "2016H1")
    assert od["hazard_id"].tolist() == ["H3", "H5"]  # longest overdue first
    assert od["enterprise_name"].tolist() == ["乙公司", "丙公司"]
    assert od["days_overdue"].tolist() == [107, 51]
    earlier = overdue_hazards(hand, "2016H1", include_earlier=True)
    assert earlier["hazard_id"].tolist() == ["H6", "H3", "H5"]


def test_sentence_wording(hand):
    text = hazard_sentence(hazard_summary(hand, "2016H1"))
    assert text == (
        "排查出各类安全隐患6处,涉及企业3家,其中重大隐患1处,已整改2处(其中按期整改1处),"
        "整改率33.3%;逾期未整改2处;尚在整改期限内2处;已复查2处,复查未通过1处。"
    )


def test_nothing_found(hand):
    s = hazard_summary(hand, "2014")
    assert s.found == 0 and hazard_sentence(s) == NO_RECORDS_SENTENCE
