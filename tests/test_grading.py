"""Tests for parkanalysis.grading: classes by cut-offs, scores, population, configuration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parkanalysis.dataset import load_dataset
from parkanalysis.errors import DataError, ParameterError
from parkanalysis.grading import (
    assign_grades,
    grade_enterprises,
    grade_summary,
    grading_config,
    ungraded_enterprises,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

# -- classes from scores ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "cutoffs", "expected"),
    [
        # share r/n ≤ A → A, ≤ B → B, ≤ C → C, else D
        (10, (0.20, 0.60, 0.95), "AABBBBCCCD"),
        (20, (0.20, 0.60, 0.95), "AAAA" + "B" * 8 + "C" * 7 + "D"),
        (5, (0.20, 0.60, 0.95), "ABBCD"),
        (4, (0.20, 0.60, 0.95), "BBCD"),
        (1, (0.20, 0.60, 0.95), "D"),  # the lowest-ranked is always D
        (10, (0.10, 0.50, 0.90), "ABBBBCCCCD"),
        (10, (0.30, 0.31, 0.32), "AAADDDDDDD"),
    ],
)
def test_classes_follow_the_cutoffs(n, cutoffs, expected):
    scores = np.arange(n, 0, -1, dtype=float)  # already best first
    got = assign_grades(scores, cutoffs)
    assert got["grade"].str.cat() == expected
    assert got["rank"].tolist() == list(range(1, n + 1))


def test_ties_share_the_best_rank_and_input_order_is_kept():
    got = assign_grades([1.0, 3.0, 3.0, 2.0, 0.5])
    expected = pd.DataFrame(
        {"rank": [4, 1, 1, 3, 5], "grade": pd.Series(["C", "A", "A", "B", "D"], dtype="str")}
    )
    assert_frame_equal(got, expected)


def test_missing_scores_are_refused():
    with pytest.raises(ParameterError, match="缺失"):
        assign_grades([1.0, float("nan")])


# -- configuration ------------------------------------------------------------------------------


def test_default_configuration():
    cfg = grading_config(None)
    assert cfg.weights == {"tax_per_mu": 0.5, "value_added_per_mu": 0.3, "labour_productivity": 0.2}
    assert cfg.cutoffs == (0.2, 0.6, 0.95) and cfg.benchmarks == {}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"weights": {"tax_per_mu": 0.6, "labour_productivity": 0.6}}, "之和应为 1"),
        ({"weights": {"tax_per_mu": 1.2, "labour_productivity": -0.2}}, "不能为负数"),
        ({"weights": {"tax_per_acre": 1.0}}, "未知"),
        ({"weights": {"tax_per_mu": "half"}}, "应为数值"),
        ({"weights": {}}, "非空"),
        ({"cutoffs": {"A": 0.6, "B": 0.2, "C": 0.95}}, "严格递增"),
        ({"cutoffs": {"A": 0.2, "B": 0.6, "C": 1.0}}, "严格递增"),
        ({"cutoffs": {"A": 0.0, "B": 0.6, "C": 0.9}}, "严格递增"),
        ({"cutoffs": {"A": 0.2, "B": 0.6}}, "A、B、C"),
        ({"cutoffs": {"A": 0.2, "B": 0.6, "C": 0.9, "D": 1.0}}, "A、B、C"),
        ({"benchmarks": {"tax_per_mu": 0}}, "正数"),
        ({"benchmarks": {"tax_per_mu": float("nan")}}, "有限"),
        ({"weight": {"tax_per_mu": 1.0}}, "未知的键"),
        ("A=0.2", "映射"),
    ],
)
def test_invalid_configuration(config, message):
    with pytest.raises(ParameterError, match=message):
        grading_config(config)


def test_weights_summing_to_one_with_rounding_are_accepted():
    cfg = grading_config({"weights": {"tax_per_mu": 0.1, "value_added_per_mu": 0.2,
                                      "labour_productivity": 0.7}})  # fmt: skip
    assert sum(cfg.weights.values()) == pytest.approx(1.0)


# -- a hand-built park ---------------------------------------------------------------------------
#
# Ten industrial enterprises G01..G10, 10 亩 each, tax 10, 9, …, 1 万元 a month in 2016 (Jan-May)
# and 2015; value added 10 and 10 employees each (equal). N01 in production without land,
# N02 with land but no data in 2016, S01 a commercial enterprise with land (never graded),
# X01 exited in 2015 (not graded).


def _write(folder: Path, grading: str = "", tax=lambda i: 11 - i) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "park.yaml").write_text(
        "schema_version: 1\nparks:\n  - park_id: T\n    name: 园区\n    phases:\n"
        "      - {phase_id: P1, name: 一期, unit: 亩, declared: {total: 200}}\n"
        f"config:\n  jan_feb_combined: true\n{grading}",
        encoding="utf-8",
    )
    ents = ["park_id,enterprise_id,name,kind,entry_date,production_start_date,exit_date,parcel_ids"]
    parcels = [
        "park_id,parcel_id,phase_id,area,planned_use,approval_status,supply_status,"
        "supply_method,supply_date"
    ]
    monthly = [
        "park_id,enterprise_id,month,output_wan_yuan,value_added_wan_yuan,revenue_wan_yuan,"
        "tax_wan_yuan,employees"
    ]

    def parcel(pid: str) -> None:
        parcels.append(f"T,{pid},P1,10,工业,已报批,已供,挂牌出让,2009-01-01")

    def rows(eid: str, tax: float, years=(2015, 2016)) -> None:
        for y in years:
            for m in range(1, 6):
                monthly.append(f"T,{eid},{y}-{m:02d},40,10,50,{tax},10")

    for i in range(1, 11):
        eid = f"G{i:02d}"
        ents.append(f"T,{eid},企业{i},工业,2010-01-01,2010-01-01,,L{i}")
        parcel(f"L{i}")
        rows(eid, tax(i))
    ents.append("T,N01,租厂房企业,工业,2010-01-01,2010-01-01,,")
    rows("N01", 5)
    ents.append("T,N02,停报企业,工业,2010-01-01,2010-01-01,,L11")
    parcel("L11")
    rows("N02", 5, years=(2015,))
    ents.append("T,S01,商贸企业,商贸,2010-01-01,2010-01-01,,L12")
    parcel("L12")
    rows("S01", 50)
    ents.append("T,X01,已退出企业,工业,2010-01-01,2010-01-01,2015-12-31,L13")
    parcel("L13")
    rows("X01", 50, years=(2015,))
    for name, lines in (("enterprises", ents), ("parcels", parcels), ("monthly_stats", monthly)):
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    return load_dataset(_write(tmp_path_factory.mktemp("grading")))


def test_hand_example_tax_only(park):
    g = grade_enterprises(park, "2016年1-5月", config={"weights": {"tax_per_mu": 1.0}})
    assert g["enterprise_id"].tolist() == [f"G{i:02d}" for i in range(1, 11)]
    assert g["grade"].str.cat() == "AABBBBCCCD"
    # annualised: G01 pays 10 a month → 120 a year on 10 亩; the median of 12..3 is 6.6
    assert g.loc[0, "tax_per_mu"] == pytest.approx(12.0)
    assert g.loc[0, "score"] == pytest.approx(12.0 / 6.6)
    assert g["rank"].tolist() == list(range(1, 11))
    assert list(g.columns) == [
        "enterprise_id", "name", "area_mu", "tax_per_mu", "value_added_per_mu",
        "labour_productivity", "revenue_per_mu", "output_per_mu", "score", "grade", "rank",
    ]  # fmt: skip


def test_default_weights_and_configured_benchmark(park):
    g = grade_enterprises(park, "2016年1-5月")  # default weights: equal VA and productivity
    assert g["grade"].str.cat() == "AABBBBCCCD"
    # VA per 亩 and productivity are equal for all: they add 0.3 + 0.2 to every score
    assert np.allclose(g["score"] - 0.5 * g["tax_per_mu"] / 6.6, 0.5, atol=1e-6)
    bench = {"weights": {"tax_per_mu": 1.0}, "benchmarks": {"tax_per_mu": 12.0}}
    g = grade_enterprises(park, "2016年1-5月", config=bench)
    assert g.loc[0, "score"] == pytest.approx(1.0)


def test_population_and_ungraded(park):
    g = grade_enterprises(park, "2016年1-5月")
    assert not set(g["enterprise_id"]) & {"N01", "N02", "S01", "X01"}
    u = ungraded_enterprises(park, "2016年1-5月")
    expected = pd.DataFrame(
        {
            "enterprise_id": ["N01", "N02"],
            "name": ["租厂房企业", "停报企业"],
            "reason": ["无用地(未登记用地地块)", "本期无统计数据"],
        }
    ).astype("str")
    assert_frame_equal(u, expected)


def test_summary(park):
    g = grade_enterprises(park, "2016年1-5月")
    expected = pd.DataFrame(
        {
            "grade": pd.Series(list("ABCD"), dtype="str"),
            "count": np.array([2, 4, 3, 1], dtype="int64"),
            "share_pct": [20.0, 40.0, 30.0, 10.0],
            "area_mu": [20.0, 40.0, 30.0, 10.0],
        }
    )
    assert_frame_equal(grade_summary(g), expected)
    empty = grade_summary(g.iloc[0:0])
    assert empty["count"].tolist() == [0, 0, 0, 0] and empty["share_pct"].tolist() == [0.0] * 4
    with pytest.raises(ParameterError):
        grade_summary(pd.DataFrame({"x": [1]}))


def test_configuration_from_the_park_profile(tmp_path):
    # weights written in the profile replace the default weights whole
    grading = "  grading:\n    weights: {tax_per_mu: 1.0}\n    cutoffs: {A: 0.1, B: 0.5, C: 0.9}\n"
    ds = load_dataset(_write(tmp_path / "cfg", grading))
    assert grade_enterprises(ds, "2016年1-5月")["grade"].str.cat() == "ABBBBCCCCD"
    bad = "  grading:\n    weights: {tax_per_mu: 0.7}\n"
    # park.yaml is checked whole on loading (issue 11): the error names the key and its line
    with pytest.raises(DataError, match=r"之和应为 1,现为 0\.7.*整体替换默认权重") as err:
        load_dataset(_write(tmp_path / "bad", bad))
    (f,) = err.value.findings
    assert (f.rule, f.file, f.column) == ("out_of_range", "park.yaml", "config.grading.weights")
    assert f.row is not None
    with pytest.raises(ParameterError, match=r"之和应为 1,现为 0\.7.*整体替换默认权重"):
        grade_enterprises(
            load_dataset(SAMPLE), "2016年1-5月", config={"weights": {"tax_per_mu": 0.7}}
        )


def test_zero_median_benchmark_is_explained(tmp_path):
    ds = load_dataset(_write(tmp_path / "zero", tax=lambda i: 0))
    with pytest.raises(ParameterError, match=r"grading\.benchmarks"):
        grade_enterprises(ds, "2016年1-5月")
    config = {"weights": {"tax_per_mu": 1.0}, "benchmarks": {"tax_per_mu": 1.0}}
    g = grade_enterprises(ds, "2016年1-5月", config=config)
    assert (g["score"] == 0).all() and g["grade"].str.cat() == "AAAAAAAAAA"  # all tied first


def test_sample_year_grades():
    ds = load_dataset(SAMPLE)
    g = grade_enterprises(ds, 2015)
    s = grade_summary(g)
    n = len(g)
    assert s["count"].sum() == n and (s["count"] > 0).all()
    assert s.loc[3, "count"] == n - int(np.floor(0.95 * n + 1e-9))
    assert set(ungraded_enterprises(ds, 2015)["reason"]) == {"无用地(未登记用地地块)"}
