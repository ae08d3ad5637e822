"""The 规程 land ratios of a zone total, and the notes a reader sees beside each ratio.

A zone total (:func:`evaluation_ratios_over` over several parks, as ``land_rows`` publishes
it) is Σ numerator ÷ Σ denominator over the parks: recomputed here with plain pandas from the
parks' parcel states and statements. The notes of a ratio not computed, or computed on the
parcels that have the input, are compared word for word with the wording the module states.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parkanalysis.dataset import load_dataset
from parkanalysis.land.ledger import park_parcels, resolve_as_of
from parkanalysis.land.ratios import (
    evaluation_ratios_over,
    land_ratios,
    ratio_frame,
    tax_last_12_months,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


@pytest.fixture(scope="module")
def two_parks(tmp_path_factory):
    from parkanalysis.sample import write_synthetic

    root = tmp_path_factory.mktemp("zone") / "prov"
    write_synthetic(root, parks=2, enterprises=8, years=2)
    return load_dataset(root)


def variant(ds, **frames):
    out = copy.copy(ds)
    for name, frame in frames.items():
        setattr(out, name, frame)
    return out


def window_tax(ds, pid, cutoff):
    m = ds.monthly[ds.monthly["park_id"] == pid]
    month = pd.PeriodIndex.from_fields(year=m["year"], month=m["month"], freq="M")
    last = pd.Period(cutoff, freq="M")
    win = m[(month >= last - 11) & (month <= last)]
    return win.groupby(win["enterprise_id"].astype(str))["tax_wan_yuan"].sum().fillna(0.0)


def firms_on(ds, pid, parcel_ids):
    e = ds.enterprises[ds.enterprises["park_id"] == pid]
    return [
        str(eid)
        for eid, ids in zip(e["enterprise_id"], e["parcel_ids"], strict=True)
        if isinstance(ids, list | tuple | np.ndarray) and parcel_ids & {str(i) for i in ids}
    ]


def zone(ds_by_park, cutoff):
    parts = [(ds, pid, park_parcels(ds, pid, cutoff)) for ds, pid in ds_by_park]
    return parts, ratio_frame(evaluation_ratios_over(parts, cutoff)).set_index("id")


def test_a_zone_total_is_the_sum_of_numerators_over_the_sum_of_denominators(two_parks):
    ds = two_parks
    cutoff = resolve_as_of(ds, None)
    parts, got = zone([(ds, pid) for pid in ds.parks], cutoff)
    p = pd.concat([q for *_, q in parts], ignore_index=True)
    sup, built = p[p["supplied"].astype(bool)], p[p["built"].astype(bool)]
    ind = built[built["industrial"].astype(bool)]
    assert len(ds.parks) == 2 and all(len(q[q["built"]]) for *_, q in parts)
    supplyable = sup["area_mu"].sum() + p.loc[p["remaining"].astype(bool), "area_mu"].sum()
    want = {
        "supply_rate_pct": 100 * sup["area_mu"].sum() / supplyable,
        "built_rate_pct": 100 * built["area_mu"].sum() / sup["area_mu"].sum(),
        "industrial_land_rate_pct": 100 * ind["area_mu"].sum() / built["area_mu"].sum(),
        "idle_rate_pct": 100
        * p.loc[p["idle"].astype(bool), "area_mu"].sum()
        / sup["area_mu"].sum(),
        "tax_per_ha": sum(window_tax(ds, pid, cutoff).sum() for pid in ds.parks)
        / (built["area_mu"].sum() / 15),
    }
    have = built[built["floor_area_m2"].notna()]
    want["plot_ratio"] = have["floor_area_m2"].sum() / (have["area_mu"].sum() * 10000 / 15)
    ind_tax, n_firms = 0.0, 0
    for _, pid, q in parts:
        qi = q[q["built"].astype(bool) & q["industrial"].astype(bool)]
        firms = firms_on(ds, pid, set(qi["parcel_id"].astype(str)))
        n_firms += len(firms)
        ind_tax += window_tax(ds, pid, cutoff).reindex(firms).fillna(0.0).sum()
    assert n_firms > 0
    want["industrial_tax_per_ha"] = ind_tax / (ind["area_mu"].sum() / 15)
    for rid, value in want.items():
        assert got.loc[rid, "value"] == pytest.approx(value, rel=1e-12), rid
    assert (
        f"使用已建成工矿仓储用地的{n_firms}家企业税收" in got.loc["industrial_tax_per_ha", "note"]
    )
    # the total differs from the first park's own figure (both parks count)
    first = land_ratios(ds, park=ds.parks[0]).set_index("id")
    assert got.loc["tax_per_ha", "value"] != pytest.approx(first.loc["tax_per_ha", "value"])


def test_a_zone_whose_last_park_has_no_firm_on_industrial_land(two_parks):
    """The firms of the first park still carry the zone's 工业用地地均税收."""
    ds = two_parks
    cutoff = resolve_as_of(ds, None)
    ent = ds.enterprises.copy()
    last = ent["park_id"] == ds.parks[1]
    ent["parcel_ids"] = [
        [] if hit else ids for hit, ids in zip(last, ent["parcel_ids"], strict=True)
    ]
    ds = variant(ds, enterprises=ent)
    parts, got = zone([(ds, pid) for pid in ds.parks], cutoff)
    _, pid, q = parts[0]
    qi = q[q["built"].astype(bool) & q["industrial"].astype(bool)]
    firms = firms_on(ds, pid, set(qi["parcel_id"].astype(str)))
    assert firms
    ind_mu = sum(
        q.loc[q["built"].astype(bool) & q["industrial"].astype(bool), "area_mu"].sum()
        for *_, q in parts
    )
    want = window_tax(ds, pid, cutoff).reindex(firms).fillna(0.0).sum() / (ind_mu / 15)
    assert got.loc["industrial_tax_per_ha", "value"] == pytest.approx(want, rel=1e-12)
    assert f"的{len(firms)}家企业税收" in got.loc["industrial_tax_per_ha", "note"]


NO_TAX = "缺少企业月度税收(monthly_stats.tax_wan_yuan),无法计算"
NO_STATUS = "缺少已供应土地或其建设状态(construction_status),无法计算"


def test_the_notes_of_ratios_not_computed_word_for_word(sample, two_parks):
    no_tax = sample.monthly.copy()
    no_tax["tax_wan_yuan"] = np.nan
    got = land_ratios(variant(sample, monthly=no_tax), as_of="2016-06").set_index("id")
    # one park: the reason alone, not prefixed by the park
    assert got.loc["tax_per_ha", "note"] == NO_TAX
    assert got.loc["industrial_tax_per_ha", "note"] == NO_TAX
    # several parks: each lacking park named before its reason, ";" between
    m = two_parks.monthly.copy()
    m["tax_wan_yuan"] = np.nan
    ds = variant(two_parks, monthly=m)
    _, got = zone([(ds, pid) for pid in ds.parks], resolve_as_of(ds, None))
    both = ";".join(f"{pid}:{NO_TAX}" for pid in ds.parks)
    assert got.loc["tax_per_ha", "note"] == both
    assert got.loc["industrial_tax_per_ha", "note"] == both

    parcels = sample.parcels.copy()
    parcels["construction_status"] = None
    got = land_ratios(variant(sample, parcels=parcels), as_of="2016-06").set_index("id")
    assert got.loc["built_rate_pct", "note"] == NO_STATUS
    assert got.loc["idle_rate_pct", "note"] == NO_STATUS
    # nothing built (every 建设状态 in construction): the ratios over built land say so
    parcels = sample.parcels.copy()
    parcels.loc[parcels["construction_status"].notna(), "construction_status"] = "在建"
    got = land_ratios(variant(sample, parcels=parcels), as_of="2016-06").set_index("id")
    assert got.loc["industrial_land_rate_pct", "note"] == (
        "缺少已建成土地(construction_status=已建成),无法计算"
    )
    assert got.loc["industrial_tax_per_ha", "note"] == "缺少已建成工矿仓储用地,无法计算"
    assert got.loc["tax_per_ha", "note"] == "缺少已建成土地,无法计算"

    unlinked = sample.enterprises.copy()
    unlinked["parcel_ids"] = [[] for _ in range(len(unlinked))]
    got = land_ratios(variant(sample, enterprises=unlinked), as_of="2016-06").set_index("id")
    assert got.loc["industrial_tax_per_ha", "note"] == (
        "企业名录未登记用地地块(parcel_ids),无法把税收对应到工矿仓储用地"
    )
    blank = sample.parcels.copy()
    blank["investment_wan_yuan"] = np.nan
    got = land_ratios(variant(sample, parcels=blank), as_of="2016-06").set_index("id")
    assert got.loc["industrial_investment_intensity_wan_yuan_per_ha", "note"] == (
        "已建成工矿仓储地块缺少固定资产投资(investment_wan_yuan),无法计算"
    )


def test_the_notes_of_ratios_on_the_parcels_that_have_the_input(sample):
    cutoff = resolve_as_of(sample, "2016-06")
    got = land_ratios(sample, as_of="2016-06").set_index("id")
    note = got.loc["industrial_investment_intensity_wan_yuan_per_ha", "note"]
    assert note == "累计固定资产投资 ÷ 已建成工矿仓储用地面积"
    p = park_parcels(sample, "GMY", cutoff)
    built = p.loc[p["built"].astype(bool)]
    ind = built.loc[built["industrial"].astype(bool), "parcel_id"]
    one = ind.iloc[0]
    parcels = sample.parcels.copy()
    parcels.loc[parcels["parcel_id"] == one, ["footprint_m2", "investment_wan_yuan"]] = np.nan
    got = land_ratios(variant(sample, parcels=parcels), as_of="2016-06").set_index("id")
    assert got.loc["building_density_pct", "note"] == (
        f"建筑基底面积 ÷ 已建成土地面积;1宗已建成地块缺少建筑基底面积(footprint_m2:{one}),"
        f"按其余{len(built) - 1}宗计算"
    )
    assert got.loc["industrial_investment_intensity_wan_yuan_per_ha", "note"] == (
        "累计固定资产投资 ÷ 已建成工矿仓储用地面积;1宗已建成工矿仓储地块缺少固定资产投资"
        f"(investment_wan_yuan:{one}),按其余{len(ind) - 1}宗计算"
    )


@pytest.mark.parametrize(
    ("first", "end", "as_of"), [(2013, 2016, "2013-11"), (2012, 2014, "2015-09")]
)
def test_the_note_of_statements_not_covering_the_window_names_their_months(
    sample, first, end, as_of
):
    """Statements starting after the window's first month, or ending (2014年9月) before its
    last: the note names the months the statements do cover."""
    ym = sample.monthly["year"] * 100 + sample.monthly["month"]
    m = sample.monthly[(ym >= first * 100 + 1) & (ym <= end * 100 + 9)]
    got = land_ratios(variant(sample, monthly=m), as_of=as_of).set_index("id")
    month = pd.PeriodIndex.from_fields(year=m["year"], month=m["month"], freq="M")
    last = pd.Period(resolve_as_of(sample, as_of), freq="M")

    def zh(period):
        return f"{period.year}年{period.month}月"

    assert got.loc["tax_per_ha", "note"] == (
        f"近12个月({zh(last - 11)}至{zh(last)})的企业月度税收不全"
        f"(数据为{zh(month.min())}至{zh(month.max())}),无法计算"
    )
    assert math.isnan(got.loc["tax_per_ha", "value"])


def test_the_tax_of_the_window_is_zero_for_a_firm_with_blank_cells(sample):
    """A firm whose tax cells are all blank in the window has 0 tax there, not NaN: the share
    audit sums the firms' values with Python's ``sum`` and the report counts the firms."""
    cutoff = resolve_as_of(sample, "2016-06")
    firm = str(sample.monthly["enterprise_id"].iloc[0])
    m = sample.monthly.copy()
    m.loc[m["enterprise_id"].astype(str) == firm, "tax_wan_yuan"] = np.nan
    ds = variant(sample, monthly=m)
    tax, note = tax_last_12_months(ds, "GMY", cutoff)
    want = window_tax(ds, "GMY", cutoff)
    assert want[firm] == 0.0
    pd.testing.assert_series_equal(
        tax.sort_index(), want.sort_index(), check_names=False, check_index_type=False
    )
    assert sum(tax.to_dict().values()) == pytest.approx(want.sum())
    assert note == "近12个月(2015年7月至2016年6月)"
