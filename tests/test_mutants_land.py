"""土地集约利用评价 ratios and the supply history against their definitions, recomputed.

:func:`land_ratios` and :func:`supply_history` print published figures (土地供应率, 容积率, 地均
税收 …, 尚可供地年数). Each is recomputed here with plain pandas from the parcel states of the
ledger (:func:`park_parcels`: which parcels are supplied, built, idle, industrial, remaining)
and the monthly statements, on the sample park at several cut-offs and on variants with
inputs taken away (blank 建筑面积 on some or all built parcels, no tax, no parcel links, no
monthly data before the window), and compared figure by figure.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parkanalysis.dataset import load_dataset
from parkanalysis.land.history import supply_history, supply_transactions
from parkanalysis.land.ledger import park_parcels, resolve_as_of
from parkanalysis.land.ratios import land_ratios

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
M2_PER_MU = 10000 / 15


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


def variant(ds, **frames):
    """The dataset with some frames replaced (the loaded one is left as it was)."""
    out = copy.copy(ds)
    for name, frame in frames.items():
        setattr(out, name, frame)
    return out


def tax_window(ds, pid, cutoff):
    """Tax per enterprise over the 12 months ending with the cut-off's month, or None when
    the statements do not cover those 12 months or hold no tax at all."""
    m = ds.monthly[ds.monthly["park_id"] == pid]
    if m.empty or m["tax_wan_yuan"].notna().sum() == 0:
        return None
    month = pd.PeriodIndex.from_fields(year=m["year"], month=m["month"], freq="M")
    last = pd.Period(cutoff, freq="M")
    first = last - 11
    if month.min() > first or month.max() < last:
        return None
    win = m[(month >= first) & (month <= last)]
    return win.groupby(win["enterprise_id"].astype(str))["tax_wan_yuan"].sum().fillna(0.0)


def reference_ratios(ds, as_of, pid=None) -> dict[str, float]:
    pid = pid or ds.parks[0]
    cutoff = resolve_as_of(ds, as_of)
    p = park_parcels(ds, pid, cutoff)
    sup = p[p["supplied"].astype(bool)]
    built = p[p["built"].astype(bool)]
    ind = built[built["industrial"].astype(bool)]
    sup_mu, built_mu, ind_mu = sup["area_mu"].sum(), built["area_mu"].sum(), ind["area_mu"].sum()
    supplyable = sup_mu + p.loc[p["remaining"].astype(bool), "area_mu"].sum()
    status_known = sup_mu > 0 and sup["construction_status"].notna().any()
    idle_mu = p.loc[p["idle"].astype(bool), "area_mu"].sum()
    nan = math.nan
    out = {
        "supply_rate_pct": 100 * sup_mu / supplyable if supplyable > 0 else nan,
        "built_rate_pct": 100 * built_mu / sup_mu if status_known else nan,
        "industrial_land_rate_pct": 100 * ind_mu / built_mu if built_mu > 0 else nan,
        "idle_rate_pct": 100 * idle_mu / sup_mu if status_known else nan,
    }
    for rid, col, factor in (("plot_ratio", "floor_area_m2", 1), ("building_density_pct",
                             "footprint_m2", 100)):  # fmt: skip
        have = built[built[col].notna()]
        land_m2 = have["area_mu"].sum() * M2_PER_MU
        out[rid] = factor * have[col].sum() / land_m2 if len(have) else nan
    have = ind[ind["investment_wan_yuan"].notna()]
    out["industrial_investment_intensity_wan_yuan_per_ha"] = (
        have["investment_wan_yuan"].sum() / (have["area_mu"].sum() / 15) if len(have) else nan
    )
    tax = tax_window(ds, pid, cutoff)
    ind_ids = set(ind["parcel_id"].astype(str))
    e = ds.enterprises[ds.enterprises["park_id"] == pid]
    on_ind = [
        str(eid)
        for eid, ids in zip(e["enterprise_id"], e["parcel_ids"], strict=True)
        if isinstance(ids, list | tuple | np.ndarray) and ind_ids & {str(i) for i in ids}
    ]
    out["industrial_tax_per_ha"] = (
        tax.reindex(on_ind).fillna(0.0).sum() / (ind_mu / 15)
        if tax is not None and len(ind) and on_ind
        else nan
    )
    out["tax_per_ha"] = tax.sum() / (built_mu / 15) if tax is not None and built_mu > 0 else nan
    return out


#: The ratios of 开发区土地集约利用评价规程 the ledger allows: id → (name, unit).
SPEC = {
    "supply_rate_pct": ("土地供应率", "%"),
    "built_rate_pct": ("土地建成率", "%"),
    "industrial_land_rate_pct": ("工业用地率", "%"),
    "plot_ratio": ("综合容积率", ""),
    "building_density_pct": ("建筑密度", "%"),
    "industrial_investment_intensity_wan_yuan_per_ha": ("工业用地固定资产投入强度", "万元/公顷"),
    "industrial_tax_per_ha": ("工业用地地均税收", "万元/公顷"),
    "tax_per_ha": ("综合地均税收", "万元/公顷"),
    "idle_rate_pct": ("土地闲置率", "%"),
}


def assert_ratios(ds, as_of, park=None):
    got = land_ratios(ds, as_of=as_of, park=park).set_index("id")
    want = reference_ratios(ds, as_of, park)
    assert list(got.index) == list(SPEC)
    assert got[["name", "unit"]].apply(tuple, axis=1).to_dict() == SPEC
    for rid, value in want.items():
        v = got.loc[rid, "value"]
        assert (math.isnan(v) and math.isnan(value)) or v == pytest.approx(value, rel=1e-12), (
            rid,
            v,
            value,
        )
        # a figure not computed says why; a computed one says what it divided
        note = got.loc[rid, "note"]
        assert isinstance(note, str) and note, (rid, note)
    return got


@pytest.mark.parametrize(
    "as_of", ["2005-06", "2011-06", "2013-12", "2014-09-30", "2015-06", "2016-06"]
)
def test_ratios_of_the_sample_at_each_cut_off(sample, as_of):
    got = assert_ratios(sample, as_of)
    if as_of == "2005-06":  # nothing approved or supplied yet: no rate, and why
        assert got.loc["supply_rate_pct", "note"] == (
            "缺少已达供地条件的土地(已报批的可利用土地),无法计算"
        )
    if as_of == "2016-06":  # every built parcel has its 建筑面积: the plain note
        assert got.loc["plot_ratio", "note"] == "建筑面积 ÷ 已建成土地面积"


def test_a_supply_rate_over_less_than_one_mu(sample):
    """Half a 亩 approved and not supplied, nothing supplied: the rate is 0 %, not missing."""
    parcels = sample.parcels.copy()
    p = park_parcels(sample, "GMY", resolve_as_of(sample, "2016-06"))
    keep = p.loc[p["remaining"].astype(bool), "parcel_id"].iloc[:1]
    parcels = parcels[parcels["parcel_id"].isin(keep)].copy()
    parcels["area_mu"] = 0.5
    got = assert_ratios(variant(sample, parcels=parcels), "2016-06")
    assert got.loc["supply_rate_pct", "value"] == 0.0


def test_ratios_of_each_park_of_several(tmp_path):
    from parkanalysis.sample import write_synthetic

    write_synthetic(tmp_path / "prov", parks=2, enterprises=8, years=2)
    ds = load_dataset(tmp_path / "prov")
    values = []
    for park in ds.parks:
        values.append(assert_ratios(ds, None, park)["value"].tolist())
    assert values[0] != values[1]  # each park's own ledger


@pytest.mark.parametrize("blank", [1, 5, 6, 7, "all"])
def test_ratios_on_the_built_parcels_that_have_the_input(sample, blank):
    """Blank 建筑面积 / 基底面积 / 投资 on some built parcels: the ratio over the others, the
    note says how many lack it (five named, then 等); on all of them: no figure."""
    p = park_parcels(sample, "GMY", resolve_as_of(sample, "2016-06"))
    built = p.loc[p["built"].astype(bool) & p["industrial"].astype(bool), "parcel_id"]
    chosen = list(built) if blank == "all" else list(built[:blank])
    parcels = sample.parcels.copy()
    hit = parcels["parcel_id"].isin(chosen)
    parcels.loc[hit, ["floor_area_m2", "footprint_m2", "investment_wan_yuan"]] = np.nan
    got = assert_ratios(variant(sample, parcels=parcels), "2016-06")
    note = got.loc["industrial_investment_intensity_wan_yuan_per_ha", "note"]
    if blank == "all":
        assert math.isnan(got.loc["industrial_investment_intensity_wan_yuan_per_ha", "value"])
        assert "无法计算" in note
    else:
        rest = len(built) - len(chosen)
        assert f"{len(chosen)}宗" in note and f"按其余{rest}宗计算" in note, note
        shown = "、".join(chosen[:5]) + ("等" if len(chosen) > 5 else "")
        assert f"(investment_wan_yuan:{shown}),按其余" in note, note


def test_ratios_without_tax_links_or_a_full_tax_year(sample):
    no_tax = sample.monthly.copy()
    no_tax["tax_wan_yuan"] = np.nan
    got = assert_ratios(variant(sample, monthly=no_tax), "2016-06")
    assert "缺少企业月度税收" in got.loc["tax_per_ha", "note"]
    unlinked = sample.enterprises.copy()
    unlinked["parcel_ids"] = [[] for _ in range(len(unlinked))]
    got = assert_ratios(variant(sample, enterprises=unlinked), "2016-06")
    assert "parcel_ids" in got.loc["industrial_tax_per_ha", "note"]
    # the data start in 2012-01: a window ending 2012-11 is not covered, one ending 2012-12 is
    for as_of, computed in (("2012-11", False), ("2012-12", True)):
        got = assert_ratios(sample, as_of)
        assert (not math.isnan(got.loc["tax_per_ha", "value"])) is computed, as_of
    # statements from 2013-01 only: the window ending 2013-12 is the first one covered
    late = sample.monthly[sample.monthly["year"] >= 2013]
    for as_of, computed in (("2013-11", False), ("2013-12", True)):
        got = assert_ratios(variant(sample, monthly=late), as_of)
        assert (not math.isnan(got.loc["tax_per_ha", "value"])) is computed, as_of
        assert ("不全" in got.loc["tax_per_ha", "note"]) is not computed


def test_the_tax_window_is_named_by_its_months(sample):
    got = land_ratios(sample, as_of="2016-01").set_index("id")
    assert got.loc["tax_per_ha", "note"].startswith("近12个月(2015年2月至2016年1月)")
    got = land_ratios(sample, as_of="2015-12").set_index("id")
    assert got.loc["tax_per_ha", "note"].startswith("近12个月(2015年1月至2015年12月)")
    got = land_ratios(sample, as_of="2015-01").set_index("id")
    assert got.loc["tax_per_ha", "note"].startswith("近12个月(2014年2月至2015年1月)")


def test_ratios_without_construction_status_on_a_tiny_park_and_firms_without_statements(sample):
    """No 建设状态 on the supplied parcels: no 建成率 or 闲置率 (not 0 %); a park of under one
    亩 built and supplied still has its ratios; a firm on industrial land without statements
    in the window adds 0 tax, not a missing sum."""
    parcels = sample.parcels.copy()
    parcels["construction_status"] = None
    got = assert_ratios(variant(sample, parcels=parcels), "2016-06")
    assert got.loc[["built_rate_pct", "idle_rate_pct"], "value"].isna().all()
    tiny = sample.parcels.copy()
    tiny["area_mu"] = tiny["area_mu"] / 10000
    got = assert_ratios(variant(sample, parcels=tiny), "2016-06")
    assert got["value"].notna().all()
    ent = sample.enterprises
    on_land = ent.loc[ent["parcel_ids"].map(lambda ids: len(ids) > 0), "enterprise_id"]
    quiet = sample.monthly[sample.monthly["enterprise_id"] != on_land.iloc[0]]
    got = assert_ratios(variant(sample, monthly=quiet), "2016-06")
    assert got.loc["industrial_tax_per_ha", "value"] > 0
    # a firm whose tax cells are all blank in the window adds 0, not a guess
    blank = sample.monthly.copy()
    blank.loc[blank["enterprise_id"] == on_land.iloc[0], "tax_wan_yuan"] = np.nan
    got = assert_ratios(variant(sample, monthly=blank), "2016-06")
    assert (
        got.loc["tax_per_ha", "value"] < assert_ratios(sample, "2016-06").loc["tax_per_ha", "value"]
    )


@pytest.mark.parametrize("as_of", ["2010-06", "2013-12", "2014-12-30", "2014-12-31", "2016-06"])
def test_supply_history_is_the_sum_of_its_transactions(sample, as_of):
    cutoff = resolve_as_of(sample, as_of)
    tx = supply_transactions(sample, as_of=as_of)
    p = park_parcels(sample, "GMY", cutoff)
    supplied = p[p["supplied"].astype(bool)]
    assert sorted(tx["parcel_id"]) == sorted(supplied["parcel_id"].astype(str))
    assert (tx["supply_date"] <= cutoff).all() and tx["supply_date"].is_monotonic_increasing
    # the year is an integer year (it labels the history and the forecast's transactions)
    assert str(tx["year"].dtype) == "int64"
    assert tx["year"].tolist() == tx["supply_date"].dt.year.tolist()
    h = supply_history(sample, as_of=as_of)
    years = range(int(tx["year"].min()), cutoff.year + 1)
    assert h["year"].tolist() == list(years)
    for _, row in h.iterrows():
        mine = tx[tx["year"] == row["year"]]
        assert row["supplied_mu"] == pytest.approx(mine["area_mu"].sum())
        assert row["transactions"] == len(mine)
        assert row["supplied_ha"] == pytest.approx(mine["area_mu"].sum() / 15)
        assert row["cumulative_mu"] == pytest.approx(tx[tx["year"] <= row["year"]]["area_mu"].sum())
        for method, area in mine.groupby("supply_method")["area_mu"].sum().items():
            assert row[method] == pytest.approx(area)
        year_end = pd.Timestamp(int(row["year"]), 12, 31)
        assert bool(row["complete"]) is (year_end <= cutoff)
    methods = set(tx["supply_method"])
    assert set(h.columns) == {
        "year", "supplied_mu", "transactions", "supplied_ha", "cumulative_mu", "complete",
        *methods,
    }  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("window", [1, 3, 5])
def test_years_of_supply_left_is_the_remainder_over_the_recent_mean(seed, window):
    from parkanalysis.land.history import years_of_supply_left

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 8))
    supply = rng.choice([0.0, 0.0, 12.5, 40.0, 300.0], n)
    if seed == 0:
        supply[:] = 0.0  # nothing supplied in the window: no figure, and why
    years = list(range(2016 - n, 2016))
    order = rng.permutation(n)  # given in any order: the most recent years count
    s = pd.Series(supply[order], index=[years[i] for i in order])
    remaining = float(rng.choice([0.0, 55.5, 1000.0]))
    got = years_of_supply_left(s, remaining, window=window)
    recent = pd.Series(supply, index=years).iloc[-window:]
    assert got.window == tuple(recent.index)
    assert got.average_mu == pytest.approx(recent.mean())
    if recent.mean() > 0:
        assert got.years == pytest.approx(remaining / recent.mean())
        assert (got.reason == "") is (len(recent) == window)
        if len(recent) < window:
            assert f"完整年度仅{len(recent)}年" in got.reason
    else:
        assert got.years is None and "年均供地为0" in got.reason
    span = f"{recent.index[0]}-{recent.index[-1]}年" if len(recent) > 1 else f"{recent.index[0]}年"
    if recent.mean() <= 0:
        assert got.reason == f"{span}未供地,年均供地为0,尚可供地年数无法计算(不设上限)"
    elif len(recent) < window:
        assert got.reason == f"完整年度仅{len(recent)}年,按{span}平均"
    if window == 3:  # the documented default
        assert years_of_supply_left(s, remaining) == got


def test_years_of_supply_left_without_years_or_with_bad_arguments():
    from parkanalysis.errors import ParameterError
    from parkanalysis.land.history import years_of_supply_left

    got = years_of_supply_left(pd.Series([], dtype=float), 10.0)
    assert got.years is None and np.isnan(got.average_mu) and got.window == ()
    assert got.reason == "没有完整年度的供地记录,尚可供地年数无法计算"
    s = pd.Series([10.0, 20.0], index=[2014, 2015])
    for window in (0, -1, True, 2.0, "3"):
        with pytest.raises(ParameterError, match=re.escape(f"window 应为正整数,得到 {window!r}")):
            years_of_supply_left(s, 5.0, window=window)
    assert years_of_supply_left(s, 5.0, window=1).years == pytest.approx(5.0 / 20.0)
    assert years_of_supply_left(s, 5.0).reason == "完整年度仅2年,按2014-2015年平均"
    assert years_of_supply_left(s.iloc[1:], 5.0).reason == "完整年度仅1年,按2015年平均"
    for remaining in (-0.1, math.inf, math.nan):
        with pytest.raises(ParameterError, match=r"^remaining_mu 应为非负数"):
            years_of_supply_left(s, remaining)
    assert years_of_supply_left(s, 0.0).years == 0.0


def test_complete_series_keeps_the_complete_years_only(sample):
    from parkanalysis.land.history import complete_series

    h = supply_history(sample, as_of="2015-06")
    s = complete_series(h)
    assert list(s.index) == [y for y in h["year"] if y < 2015]
    assert s.tolist() == h.loc[h["year"] < 2015, "supplied_mu"].tolist()
    assert complete_series(h.iloc[0:0]).empty


@pytest.mark.parametrize("value", [0, -2, True, "3", 2.5])
def test_the_loader_refuses_a_supply_window_that_is_not_a_positive_integer(tmp_path, value):
    """land.supply_window_years is checked once, by the loader's settings (dataset/settings.py),
    before history.window_years reads it; a park.yaml without it gets 3."""
    import yaml

    from parkanalysis.errors import DataError
    from parkanalysis.land.history import window_years
    from tests.boundary_park import write_park

    folder = write_park(tmp_path / "p", comparable=3)
    assert window_years(load_dataset(folder), "TP") == 3
    profile = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    profile["config"]["land"] = {"supply_window_years": value}
    (folder / "park.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), "utf-8")
    with pytest.raises(DataError, match="supply_window_years"):
        load_dataset(folder)
    profile["config"]["land"] = {"supply_window_years": 1}
    (folder / "park.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), "utf-8")
    assert window_years(load_dataset(folder), "TP") == 1


# --------------------------------------------------------------------------- the survivors of
# the 2026-12-06 run (68 of 312): the zone total, the empty history, a window set per park and
# an average supply between 0 and 1 亩
HISTORY_COLUMNS = [
    "year",
    "supplied_mu",
    "transactions",
    "supplied_ha",
    "cumulative_mu",
    "complete",
]


def _supplied_per_year(parcels: list[pd.DataFrame], cutoff: pd.Timestamp) -> pd.DataFrame:
    """The zone's supply per year recomputed from the parcels' states: supplied parcels counted
    in the year of their 供地日期, years without supply filled with 0 up to the cut-off's."""
    s = pd.concat([p.loc[p["supplied"].astype(bool)] for p in parcels], ignore_index=True)
    year = s["supply_date"].dt.year
    years = range(int(year.min()), cutoff.year + 1)
    return pd.DataFrame(
        {
            "supplied_mu": s.groupby(year)["area_mu"].sum().reindex(years, fill_value=0.0),
            "transactions": s.groupby(year).size().reindex(years, fill_value=0),
        }
    )


@pytest.mark.parametrize("cutoff", ["2014-11-30", "2015-06-30", "2015-12-31"])
def test_zone_supply_history_is_the_sum_of_its_parks(sample, cutoff):
    """A zone of two different parks (the sample and the sample with every other parcel): its
    supply per year, count, cumulative area and complete years, recomputed from the parcels."""
    from parkanalysis.land.history import zone_supply_history

    cut = pd.Timestamp(cutoff)
    half = variant(sample, parcels=sample.parcels.iloc[::2].reset_index(drop=True))
    got = zone_supply_history([(sample, "GMY"), (half, "GMY")], cut)
    want = _supplied_per_year(
        [park_parcels(sample, "GMY", cut), park_parcels(half, "GMY", cut)], cut
    )
    assert list(got.columns[:6]) == HISTORY_COLUMNS
    assert got["year"].tolist() == list(want.index)
    np.testing.assert_allclose(got["supplied_mu"], want["supplied_mu"], rtol=0, atol=1e-9)
    assert got["transactions"].tolist() == want["transactions"].tolist()
    np.testing.assert_allclose(got["cumulative_mu"], want["supplied_mu"].cumsum(), atol=1e-9)
    last_complete = cut.year if (cut.month, cut.day) == (12, 31) else cut.year - 1
    assert got["complete"].tolist() == [y <= last_complete for y in want.index]
    one = zone_supply_history([(sample, "GMY")], cut)
    assert one["supplied_mu"].sum() < got["supplied_mu"].sum()  # the second park counted


def test_a_zone_that_supplied_nothing_has_the_empty_history(sample):
    """Before any parcel was supplied, or without parks, the zone's history is the empty frame
    with the documented columns (no error from joining no transactions)."""
    from parkanalysis.land.history import (
        complete_series,
        history_from_parcels,
        history_of,
        supply_transactions_empty,
        zone_supply_history,
    )

    cut = pd.Timestamp("1990-12-31")
    assert not park_parcels(sample, "GMY", cut)["supplied"].any()
    for got in (
        zone_supply_history([(sample, "GMY"), (sample, "GMY")], cut),
        history_from_parcels([], cut),
        history_of(supply_transactions_empty(), cut),
    ):
        assert got.empty and list(got.columns) == HISTORY_COLUMNS
        assert complete_series(got).empty


def test_the_supply_window_is_read_from_the_park_not_the_dataset(tmp_path):
    """Two parks in one dataset, the second averaging 2 years (its own park.yaml config), the
    first the dataset's default 3: each gets its own window."""
    import yaml

    from parkanalysis.land.history import window_years
    from tests.boundary_park import write_park

    folder = write_park(tmp_path / "p", comparable=3)
    profile = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    second = copy.deepcopy(profile["parks"][0])
    second.update(park_id="TQ", name="乙园", config={"land": {"supply_window_years": 2}})
    profile["parks"].append(second)
    (folder / "park.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), "utf-8")
    ds = load_dataset(folder)
    assert window_years(ds, "TQ") == 2
    assert window_years(ds, "TP") == 3


@pytest.mark.parametrize(
    ("supply", "remaining", "years"),
    [([0.0, 0.0, 1.5], 2.0, 4.0), ([1.0, 1.0, 1.0], 3.0, 3.0), ([0.2, 0.3, 0.1], 0.4, 2.0)],
)
def test_an_average_supply_under_one_mu_still_gives_years(supply, remaining, years):
    """尚可供地年数 = remaining ÷ average, for any average above 0 (here 0.5, 1 and 0.2 亩 a
    year): only an average of 0 leaves it uncomputed."""
    from parkanalysis.land.history import years_of_supply_left

    got = years_of_supply_left(pd.Series(supply, index=[2013, 2014, 2015]), remaining)
    assert got.years == pytest.approx(years)
    assert got.average_mu == pytest.approx(sum(supply) / 3)
    assert got.reason == ""
