"""The derived frames (dataset/frames.py) against their definitions, recomputed row by row.

:func:`cumulative_to_monthly` (1-N月累计 → 当月值) and :func:`derive_above_size` (规上 from last
year's 主营业务收入, or the first year's annualised revenue) feed every published flow and
every 规上 figure. Each is recomputed here from its docstring with a plain loop over
enterprises and years, on generated statements with irregular months (1-2月 rows, gaps, blank
cells, unsorted rows, several parks), and compared cell by cell.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from parkanalysis.dataset import cumulative_to_monthly
from parkanalysis.dataset.frames import STOCK_COLUMNS, derive_above_size
from parkanalysis.dataset.schema import MONTHLY_VALUE_COLUMNS

FLOWS = [c for c in MONTHLY_VALUE_COLUMNS if c not in STOCK_COLUMNS]


def statements(seed: int, *, parks=2, firms=4, years=(2015, 2016, 2017), blanks=0.1):
    """Rows of several parks, firms and years; each firm-year a random subset of months
    (sometimes starting in February, the 1-2月 row), values growing within the year (as
    cumulative figures do) with some blank cells; rows shuffled."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(parks):
        for f in range(firms):
            for y in years:
                if rng.random() < 0.2:
                    continue  # a year without rows
                months = np.sort(rng.choice(np.arange(1, 13), rng.integers(1, 8), replace=False))
                level = {c: 0.0 for c in FLOWS}
                for m in months:
                    row = {"park_id": f"P{p}", "enterprise_id": f"E{f}", "year": y, "month": m}
                    for c in FLOWS:
                        level[c] += float(rng.integers(0, 50))
                        row[c] = np.nan if rng.random() < blanks else level[c]
                    row["employees"] = float(rng.integers(5, 60))
                    rows.append(row)
    df = pd.DataFrame(rows)
    return df.iloc[rng.permutation(len(df))].reset_index(drop=True)


def monthly_by_definition(cum: pd.DataFrame) -> pd.DataFrame:
    """Within each enterprise and year: value − value of the previous reported month of the
    same year; the first month keeps its value; a blank on either side gives a blank."""
    out = []
    for _, g in cum.groupby(["park_id", "enterprise_id", "year"], sort=True):
        g = g.sort_values("month")
        prev = None
        for _, row in g.iterrows():
            new = row.copy()
            if prev is not None:
                for c in FLOWS:
                    new[c] = row[c] - prev[c]
            out.append(new)
            prev = row
    return pd.DataFrame(out).reset_index(drop=True)


@pytest.mark.parametrize("seed", range(4))
def test_cumulative_to_monthly_is_the_difference_within_each_firm_and_year(seed):
    cum = statements(seed)
    before = cum.copy()
    got = cumulative_to_monthly(cum)
    want = monthly_by_definition(cum)
    assert list(got.columns) == list(cum.columns)
    keys = ["park_id", "enterprise_id", "year", "month"]
    assert got[keys].to_numpy().tolist() == want[keys].to_numpy().tolist()  # sorted by the keys
    for c in [*FLOWS, "employees"]:
        np.testing.assert_allclose(
            got[c].to_numpy(float), want[c].to_numpy(float), rtol=0, atol=1e-9, err_msg=c
        )
    # summing a year's months gives its last cumulative figure back (where nothing is blank)
    full = cum.groupby(["park_id", "enterprise_id", "year"])[FLOWS].transform(
        lambda s: s.notna().all()
    )
    ok = full.all(axis=1).to_numpy()
    last = cum.loc[ok].sort_values("month").groupby(["park_id", "enterprise_id", "year"])
    summed = got.merge(cum.loc[ok, keys], on=keys).groupby(["park_id", "enterprise_id", "year"])
    pd.testing.assert_frame_equal(
        summed[FLOWS].sum(), last[FLOWS].last(), check_exact=False, atol=1e-9
    )
    pd.testing.assert_frame_equal(cum, before)  # the input is not changed


def test_cumulative_without_flows_or_rows_is_only_sorted():
    df = pd.DataFrame(
        {"park_id": ["P", "P"], "enterprise_id": ["B", "A"], "year": [2016, 2016],
         "month": [3, 2], "employees": [5.0, 6.0]}
    )  # fmt: skip
    got = cumulative_to_monthly(df)
    assert got["enterprise_id"].tolist() == ["A", "B"] and got["employees"].tolist() == [6.0, 5.0]
    assert got.index.tolist() == [0, 1]
    empty = cumulative_to_monthly(statements(0).iloc[0:0])
    assert empty.empty and list(empty.columns) == list(statements(0).columns)


def above_by_definition(monthly, kinds, thresholds, jan_feb_combined):
    """规上 in year Y: revenue of Y−1 ≥ threshold; in the first year with rows, revenue × 12 ÷
    months covered (February standing for 1-2月 when combined) ≥ threshold; industrial only."""
    out = {}
    for (park, firm), g in monthly.groupby(["park_id", "enterprise_id"]):
        years = sorted(g["year"].unique())
        revenue = {}
        for y in years:
            r = g.loc[g["year"] == y, "revenue_wan_yuan"]
            revenue[y] = r.sum() if r.notna().any() else math.nan
        for y in years:
            thr = thresholds.get(park, math.nan)
            months = g.loc[g["year"] == y, "month"]
            if y - 1 in revenue and not math.isnan(revenue[y - 1]):
                above = revenue[y - 1] >= thr
            elif y == years[0]:
                start = months.min()
                if jan_feb_combined and start == 2:
                    start = 1
                covered = max(months.max() - start + 1, 1)
                annual = revenue[y] * 12 / covered if not math.isnan(revenue[y]) else 0.0
                above = annual >= thr
            else:
                above = False
            out[(park, firm, y)] = bool(above) and kinds.get((park, firm)) == "工业"
    return out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("combined", [True, False])
def test_derived_above_size_follows_its_definition(seed, combined):
    rng = np.random.default_rng(100 + seed)
    m = statements(seed, blanks=0.3)
    firms = m[["park_id", "enterprise_id"]].drop_duplicates()
    kinds = {(p, f): rng.choice(["工业", "商贸", "工业"]) for p, f in firms.itertuples(index=False)}
    ent = pd.DataFrame(
        [{"park_id": p, "enterprise_id": f, "kind": k} for (p, f), k in kinds.items()]
    )
    # thresholds near the revenues, so that both answers occur; one park has none
    yearly = m.groupby(["park_id", "enterprise_id", "year"])["revenue_wan_yuan"].sum()
    thresholds = {"P0": float(yearly.median())}
    got = derive_above_size(m, ent, thresholds, jan_feb_combined=combined)
    want = above_by_definition(m, kinds, thresholds, combined)
    assert list(got.columns) == ["park_id", "enterprise_id", "year", "above_size", "derived"]
    assert str(got["year"].dtype) == "int64" and got["derived"].all()
    keys = list(zip(got["park_id"], got["enterprise_id"], got["year"], strict=True))
    assert keys == sorted(want)  # one row per firm-year, sorted
    assert dict(zip(keys, got["above_size"].tolist(), strict=True)) == want
    assert 0 < got["above_size"].sum() < len(got)


@pytest.mark.parametrize(
    ("months", "revenue", "combined", "above"),
    [
        # the first year's revenue annualised over the months covered, at the threshold
        ([2, 3], [200.0, 100.0], True, True),  # 300 × 12 / 3 = 1200
        ([2, 3], [200.0, 99.9], True, False),
        ([2, 3], [200.0, 100.0], False, True),  # 300 × 12 / 2 = 1800
        ([2, 3], [100.0, 99.9], False, False),  # 199.9 × 6 = 1199.4
        ([1, 2, 3], [100.0, 100.0, 100.0], True, True),  # 300 × 4
        ([3, 5], [150.0, 100.0], True, False),  # 250 × 12 / 3 = 1000
        ([6], [100.0], True, True),  # one month: 100 × 12
        ([6], [99.99], True, False),
    ],
)
def test_first_year_annualised_at_the_threshold(months, revenue, combined, above):
    m = pd.DataFrame(
        {"park_id": "P", "enterprise_id": "E", "year": 2016, "month": months,
         "revenue_wan_yuan": revenue}
    )  # fmt: skip
    ent = pd.DataFrame({"park_id": ["P"], "enterprise_id": ["E"], "kind": ["工业"]})
    got = derive_above_size(m, ent, {"P": 1200.0}, jan_feb_combined=combined)
    assert got["above_size"].tolist() == [above]


@pytest.mark.parametrize(("last_year", "above"), [(1999.9, False), (2000.0, True)])
def test_last_years_revenue_at_the_threshold(last_year, above):
    m = pd.DataFrame(
        {"park_id": "P", "enterprise_id": "E", "year": [2015, 2016], "month": [12, 12],
         "revenue_wan_yuan": [last_year, 99999.0]}
    )  # fmt: skip
    ent = pd.DataFrame({"park_id": ["P"], "enterprise_id": ["E"], "kind": ["工业"]})
    got = derive_above_size(m, ent, {"P": 2000.0})
    # 2015 is the first year: one December row stands for 12 months of that revenue
    assert got["above_size"].tolist() == [True, above]


def test_derivation_from_no_statements_is_an_empty_frame_of_its_columns():
    empty = statements(0).iloc[0:0]
    ent = pd.DataFrame({"park_id": ["P0"], "enterprise_id": ["E0"], "kind": ["工业"]})
    got = derive_above_size(empty, ent, {"P0": 100.0})
    assert got.empty
    assert list(got.columns) == ["park_id", "enterprise_id", "year", "above_size", "derived"]
    assert [str(t) for t in got.dtypes] == ["str", "str", "int64", "bool", "bool"]
    full = derive_above_size(statements(1), ent, {"P0": 100.0})
    assert [str(t) for t in full.dtypes] == [str(t) for t in got.dtypes]  # the same types


def test_the_1_2_convention_is_the_default():
    """A first year starting with the February row covers January too unless told otherwise."""
    m = pd.DataFrame(
        {"park_id": "P", "enterprise_id": "E", "year": 2016, "month": [2, 3],
         "revenue_wan_yuan": [200.0, 100.0]}
    )  # fmt: skip
    ent = pd.DataFrame({"park_id": ["P"], "enterprise_id": ["E"], "kind": ["工业"]})
    by_default = derive_above_size(m, ent, {"P": 1500.0})  # 300 × 12 / 3 = 1200 < 1500
    pd.testing.assert_frame_equal(by_default, derive_above_size(m, ent, {"P": 1500.0},
                                                               jan_feb_combined=True))  # fmt: skip
    assert by_default["above_size"].tolist() == [False]
    assert derive_above_size(m, ent, {"P": 1500.0}, jan_feb_combined=False)[
        "above_size"
    ].tolist() == [
        True  # 300 × 12 / 2 = 1800
    ]
