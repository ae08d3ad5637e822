"""Indicator definitions (indicators/measures.py) at the edges the generated data do not reach.

tests/test_indicators_reference.py recomputes every column of the indicator table from the
definitions on irregular generated data; these cases add the edges it cannot produce:

* the first year a period can have (1949, ``periods.MIN_YEAR``): there is no previous year at
  all, and the table must be the one of a first year of data whose previous year merely has
  no rows — levels, 亩均 on shared parcels, productivity, and no growth, said why;
* shares and counts at the boundaries of their groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parkanalysis.dataset import load_dataset
from parkanalysis.indicators import indicator_table
from tests.boundary_park import groups, monthly_rows, write_park

SHIFT = {"2015-": "1949-", "2016-": "1950-", "2010-01-": "1948-12-", "2009-05-01": "1948-05-01"}


def linked_park(folder, *, first_year: int):
    """The boundary park with C01 and C02 sharing 1号地 (500 亩; the entrant N03 and the leaver
    X04 have no land), its years moved to start in ``first_year`` (2015 or 1949)."""
    write_park(folder, comparable=2, entrants=1, leavers=1)
    lines = (folder / "enterprises.csv").read_text(encoding="utf-8").splitlines()
    links = {"C01": "1号地", "C02": "1号地"}
    for i, line in enumerate(lines[1:], start=1):
        eid = line.split(",")[1]
        if eid in links:
            lines[i] = line + links[eid]
    (folder / "enterprises.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if first_year != 2015:
        for name in ("enterprises.csv", "monthly_stats.csv", "parcels.csv"):
            text = (folder / name).read_text(encoding="utf-8")
            for old, new in SHIFT.items():
                text = text.replace(old, new)
            (folder / name).write_text(text, encoding="utf-8")
    return folder


COLUMNS = ["value", "prev_value", "yoy_pct", "scope", "scope_value", "all_prev_value",
           "all_yoy_pct", "note", "n_enterprises"]  # fmt: skip


def test_a_first_year_without_any_year_before_is_a_first_year_of_data(tmp_path):
    ours = indicator_table(
        load_dataset(linked_park(tmp_path / "a", first_year=1949)), "1949年1-5月"
    ).set_index("id")
    usual = indicator_table(
        load_dataset(linked_park(tmp_path / "b", first_year=2015)), "2015年1-5月"
    ).set_index("id")
    counts = ["above_size_enterprises", "new_industrial_enterprises", "new_commercial_enterprises"]
    # counts of a year that cannot exist are unknown, not 0
    assert ours.loc[counts, "prev_value"].isna().all()
    assert (usual.loc[counts, "prev_value"] == 0).all()
    ours.loc[counts, "prev_value"] = 0.0
    pd.testing.assert_frame_equal(ours[COLUMNS], usual[COLUMNS])
    # and that table is the first year's levels, recomputed from the rows
    rows = monthly_rows(groups(2, 1, 1))
    first = rows[rows["month"].str.startswith("2015")]
    assert ours.loc["industrial_output", "value"] == pytest.approx(first["output"].sum())
    assert ours.loc["industrial_output", "n_enterprises"] == first["enterprise_id"].nunique()
    # 亩均: C01 and C02 share 1号地 (250 亩 each); the leaver X04 has rows but no land
    land = first[first["enterprise_id"].isin(["C01", "C02"])]
    assert ours.loc["tax_per_mu", "value"] == pytest.approx(land["tax"].sum() / 500)
    assert ours.loc["tax_per_ha", "value"] == pytest.approx(land["tax"].sum() / 500 * 15)
    assert ours.loc["tax_per_mu", "n_enterprises"] == 2
    may = first[first["month"] == "2015-05"]
    avg = first.groupby("enterprise_id")["employees"].mean()
    assert ours.loc["employees", "value"] == pytest.approx(may["employees"].sum())
    assert ours.loc["labour_productivity", "value"] == pytest.approx(
        first["value_added"].sum() / avg.sum()
    )
    growth = [i for i in ours.index if i not in counts and i != "above_size_output_share"]
    assert ours.loc[growth, "yoy_pct"].isna().all() and ours.loc[growth, "prev_value"].isna().all()
    assert (ours.loc[growth, "scope"] == "").all()
    assert ours.loc[growth, "note"].str.contains("上年同期无数据").all()


def test_growth_of_the_year_after_uses_the_shared_land_on_both_sides(tmp_path):
    """1950 against 1949 (the no-previous-year edge one year on): 亩均 growth is the growth
    of the flow over the firms with land in both years, the land the same on both sides."""
    t = indicator_table(
        load_dataset(linked_park(tmp_path / "a", first_year=1949)), "1950年1-5月"
    ).set_index("id")
    rows = monthly_rows(groups(2, 1, 1))
    both = rows[rows["enterprise_id"].isin(["C01", "C02"])]
    cur = both[both["month"].str.startswith("2016")]["tax"].sum()
    prev = both[both["month"].str.startswith("2015")]["tax"].sum()
    for ident, factor in (("tax_per_mu", 1.0), ("tax_per_ha", 15.0)):
        assert t.loc[ident, "yoy_pct"] == pytest.approx((cur / prev - 1) * 100)
        assert t.loc[ident, "prev_value"] == pytest.approx(prev / 500 * factor)
        assert t.loc[ident, "scope"] == "同口径(2家)"
    assert t.loc["tax_per_mu", "value"] == pytest.approx(cur / 500)
    assert t.loc["tax_per_mu", "n_enterprises"] == 2  # the entrant has no land
    assert np.isfinite(t.loc["labour_productivity", "yoy_pct"])


def test_growth_per_hectare_of_less_than_one_hectare(tmp_path):
    """亩均 / 地均 growth where the same-scope firms hold less than 1 公顷 (1号地 of 12 亩 =
    0.8 公顷 shared by C01 and C02): the land divides both sides, so the growth is the tax's
    growth and last year's figure the tax over that land — a denominator below 1 is land all
    the same."""
    folder = linked_park(tmp_path / "a", first_year=2015)
    text = (folder / "parcels.csv").read_text(encoding="utf-8")
    text = text.replace(",P1,500,", ",P1,12,").replace("已建成,12000", "已建成,5000")  # 8000 m²
    (folder / "parcels.csv").write_text(text, encoding="utf-8")
    t = indicator_table(load_dataset(folder), "2016年1-5月").set_index("id")
    rows = monthly_rows(groups(2, 1, 1))
    both = rows[rows["enterprise_id"].isin(["C01", "C02"])]
    cur = both[both["month"].str.startswith("2016")]["tax"].sum()
    prev = both[both["month"].str.startswith("2015")]["tax"].sum()
    for ident, factor in (("tax_per_mu", 1.0), ("tax_per_ha", 15.0)):
        assert t.loc[ident, "value"] == pytest.approx(cur / 12 * factor)
        assert t.loc[ident, "prev_value"] == pytest.approx(prev / 12 * factor)
        assert t.loc[ident, "yoy_pct"] == pytest.approx((cur / prev - 1) * 100)
