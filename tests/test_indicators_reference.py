"""Indicator tables against a straightforward computation from their definitions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parkanalysis.dataset import load_dataset
from parkanalysis.indicators import INDICATORS, indicator_table_by_park, resolve_period

# -- the fast path against a straightforward computation ---------------------------------------
#
# Synthetic provincial data made irregular: leavers (退出 inside the data, no rows from their
# exit month), entrants (投产 inside the data, no rows before), 缺报 (rows deleted at random),
# blank cells, shared parcels, register land for some enterprises without parcels, and the
# registry in a shuffled order. The reference below recomputes every column from the module
# docstrings' definitions with plain pandas, one park and one enterprise at a time, and derives
# 缺报 and 报送率 from the completeness definitions itself (not from ``ds.completeness``).

FLOWS = (
    "output_wan_yuan",
    "value_added_wan_yuan",
    "revenue_wan_yuan",
    "tax_wan_yuan",
    "fixed_asset_investment_wan_yuan",
)


def irregular_dataset(folder: Path, *, seed: int, parks: int, enterprises: int, years: int,
                      shuffle: bool) -> Path:  # fmt: skip
    from parkanalysis.sample import write_synthetic

    write_synthetic(folder, parks=parks, enterprises=enterprises, years=years, seed=seed)
    rng = np.random.default_rng(seed)
    read = dict(dtype=str, keep_default_na=False)
    ent = pd.read_csv(folder / "enterprises.csv", **read)
    monthly = pd.read_csv(folder / "monthly_stats.csv", **read)
    n = len(ent)
    role = rng.choice(3, n, p=[0.8, 0.1, 0.1])  # 0 stays, 1 leaves, 2 enters
    role[0] = 1
    role[1] = 2
    data_months = sorted(monthly["month"].unique())  # "YYYY-MM"
    inner = data_months[1:-2]  # an exit or a start strictly inside the data
    drop = np.zeros(len(monthly), dtype=bool)
    key = monthly["park_id"] + "|" + monthly["enterprise_id"]
    for i in np.flatnonzero(role):
        month = inner[rng.integers(len(inner))]
        mine = (key == ent.loc[i, "park_id"] + "|" + ent.loc[i, "enterprise_id"]).to_numpy()
        if role[i] == 1:
            ent.loc[i, "exit_date"] = f"{month}-{rng.integers(1, 29):02d}"
            drop |= mine & (monthly["month"] >= month).to_numpy()
        else:
            ent.loc[i, "production_start_date"] = f"{month}-{rng.integers(1, 29):02d}"
            ent.loc[i, "entry_date"] = f"{month}-01"
            drop |= mine & (monthly["month"] < month).to_numpy()
    # 缺报: about 3 % of the rows, none in the last month (it stays complete)
    drop |= (rng.random(len(monthly)) < 0.03) & (monthly["month"] != data_months[-1]).to_numpy()
    monthly = monthly.loc[~drop]
    for col, share in (("tax_wan_yuan", 0.02), ("fixed_asset_investment_wan_yuan", 0.05)):
        monthly.loc[rng.random(len(monthly)) < share, col] = ""
    # shared parcels: a tenth of the enterprises with land also use a neighbour's parcel
    with_land = np.flatnonzero(ent["parcel_ids"].to_numpy() != "")
    for i in with_land[rng.random(len(with_land)) < 0.1]:
        same = with_land[(ent.loc[with_land, "park_id"] == ent.loc[i, "park_id"]).to_numpy()]
        other = ent.loc[same[rng.integers(len(same))], "parcel_ids"]
        if other != ent.loc[i, "parcel_ids"]:
            ent.loc[i, "parcel_ids"] = f"{ent.loc[i, 'parcel_ids']};{other}"
    ent["land_area"] = ""
    bare = np.flatnonzero(ent["parcel_ids"].to_numpy() == "")
    pick = bare[rng.random(len(bare)) < 0.4]
    ent.loc[pick, "land_area"] = np.round(rng.uniform(3, 40, len(pick)), 1).astype(str)
    if shuffle:
        ent = ent.iloc[rng.permutation(n)]
    ent.to_csv(folder / "enterprises.csv", index=False)
    monthly.to_csv(folder / "monthly_stats.csv", index=False)
    return folder


def _month_end(year: int, month: int) -> pd.Timestamp:
    return pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)


def reference_completeness(ds) -> tuple[set, dict]:
    """缺报 (park, enterprise, year, month) and (park, year, month) → (expected, reported)."""
    m = ds.monthly.astype({"park_id": str, "enterprise_id": str})
    filed = set(zip(m["park_id"], m["enterprise_id"], m["year"], m["month"], strict=True))
    missing, counts = set(), {}
    reg = ds.enterprises.set_index(["park_id", "enterprise_id"])
    for park, rows in m.groupby("park_id"):
        months = sorted(set(zip(rows["year"], rows["month"], strict=True)))
        first = rows.sort_values(["year", "month"]).groupby("enterprise_id").first()
        for y, mo in months:
            expected = reported = 0
            starts = zip(first["year"], first["month"], strict=True)
            for eid, started in zip(first.index, starts, strict=True):
                if (park, eid) not in reg.index or started > (y, mo):
                    continue
                start, leave = reg.loc[(park, eid), ["production_start_date", "exit_date"]]
                end = _month_end(y, mo)
                if pd.isna(start) or start > end or (pd.notna(leave) and leave <= end):
                    continue
                expected += 1
                if (park, eid, y, mo) in filed:
                    reported += 1
                else:
                    missing.add((park, eid, y, mo))
            counts[(park, y, mo)] = (expected, reported)
    return missing, counts


def enterprise_land(ds) -> pd.Series:
    """亩 per (park, enterprise): parcels shared out among their users, else register land."""
    area = ds.parcels.set_index(["park_id", "parcel_id"])["area_mu"]
    users: dict = {}
    for park, parcels in zip(ds.enterprises["park_id"], ds.enterprises["parcel_ids"], strict=True):
        for parcel in parcels or ():
            if (park, parcel) in area.index:
                users[(park, parcel)] = users.get((park, parcel), 0) + 1
    land = {}
    for _, e in ds.enterprises.iterrows():
        linked = sum(
            area[(e["park_id"], x)] / users[(e["park_id"], x)]
            for x in (e["parcel_ids"] or ())
            if (e["park_id"], x) in area.index
        )
        own = e.get("land_area_mu", np.nan)
        land[(e["park_id"], e["enterprise_id"])] = (
            linked if linked > 0 else (own if pd.notna(own) and own > 0 else 0.0)
        )
    return pd.Series(land)


def reference_side(ds, park: str, year: int, first: int, last: int) -> pd.DataFrame:
    """Per enterprise of the registry: flows, employees at the end, average employees, rows."""
    m = ds.monthly.astype({"park_id": str, "enterprise_id": str})
    m = m[(m["park_id"] == park) & (m["year"] == year) & m["month"].between(first, last)]
    reg = ds.enterprises[ds.enterprises["park_id"] == park]["enterprise_id"]
    g = m.groupby("enterprise_id")
    out = g[list(FLOWS)].sum(min_count=1).reindex(reg)
    out["employees"] = m[m["month"] == last].set_index("enterprise_id")["employees"].reindex(reg)
    out["avg_employees"] = g["employees"].mean().reindex(reg)
    out["has_rows"] = out.index.isin(m["enterprise_id"])
    return out


def reference_table(ds, park: str, year: int, first: int, last: int, missing, counts):
    """Every computed column of one park's indicator table, from the definitions."""
    reg = ds.enterprises[ds.enterprises["park_id"] == park].set_index("enterprise_id")
    land = enterprise_land(ds)[park].reindex(reg.index).to_numpy()
    cur = reference_side(ds, park, year, first, last)
    prev = reference_side(ds, park, year - 1, first, last)
    months = range(first, last + 1)
    complete = np.array(
        [
            not any((park, e, y, mo) in missing for y in (year, year - 1) for mo in months)
            for e in reg.index
        ]
    )
    industrial = (reg["kind"] == "工业").to_numpy()
    commercial = (reg["kind"] == "商贸").to_numpy()
    a = ds.above_size.astype({"park_id": str, "enterprise_id": str})
    a = a[(a["park_id"] == park) & a["above_size"]]

    def above(y):
        return industrial & reg.index.isin(a.loc[a["year"] == y, "enterprise_id"])

    def dates(y):
        first_day, last_day = pd.Timestamp(y, first, 1), _month_end(y, last)
        start, leave = reg["production_start_date"], reg["exit_date"]
        in_prod = (start <= last_day).to_numpy()
        exited = (leave <= last_day).to_numpy()
        new = ((start >= first_day) & (start <= last_day)).to_numpy()
        return in_prod, exited, new

    prev_any = prev["has_rows"].any()
    k_out = int(((cur["has_rows"] | prev["has_rows"]).to_numpy() & ~complete).sum())
    rows = {}

    def growth(c_num, p_num, n_s, c_den=None, p_den=None):
        if n_s == 0:
            note = "上年同期无同口径企业数据" if prev_any else "上年同期无数据"
            return np.nan, np.nan, note
        pv = p_num if p_den is None else (p_num / p_den if p_den > 0 else np.nan)
        cv = c_num if c_den is None else (c_num / c_den if c_den > 0 else np.nan)
        note = ""
        if pv == 0:
            note = "上年同期为零,不计算增速"
        elif pv < 0:
            note = "上年同期为负,不计算增速"
        yoy = (cv / pv - 1) * 100 if pv > 0 else np.nan
        return pv, yoy, note

    def scope(n_s):
        if n_s == 0:
            return ""
        return f"同口径({n_s}家;另{k_out}家缺报未计入)" if k_out else f"同口径({n_s}家)"

    def summed(c, p, member):
        has_c = c.notna().to_numpy() & member
        both = has_c & p.notna().to_numpy() & complete
        has_p = p.notna().to_numpy() & member
        n_s = int(both.sum())
        c_s, p_s = c[both].sum(), p[both].sum()
        pv, yoy, note = growth(c_s, p_s, n_s)
        value = c[has_c].sum() if has_c.any() else np.nan
        all_prev = p[has_p].sum() if has_p.any() else np.nan
        return dict(
            value=value, prev_value=pv, yoy_pct=yoy, scope=scope(n_s),
            scope_value=c_s if n_s else np.nan, all_prev_value=all_prev,
            all_yoy_pct=(value / all_prev - 1) * 100 if all_prev > 0 else np.nan,
            n_enterprises=float(has_c.sum()), growth_note=note,
        )  # fmt: skip

    everyone = np.ones(len(reg), dtype=bool)
    for ident, col, member in (
        ("industrial_output", "output_wan_yuan", everyone),
        ("industrial_value_added", "value_added_wan_yuan", everyone),
        ("above_size_output", "output_wan_yuan", above(year)),
        ("above_size_value_added", "value_added_wan_yuan", above(year)),
        ("fixed_asset_investment", "fixed_asset_investment_wan_yuan", everyone),
        ("tax_revenue", "tax_wan_yuan", everyone),
        ("revenue", "revenue_wan_yuan", everyone),
        ("employees", "employees", everyone),
    ):
        rows[ident] = summed(cur[col], prev[col], member)
    (ip_c, ex_c, new_c), (ip_p, ex_p, new_p) = dates(year), dates(year - 1)
    counts_of = {
        "above_size_enterprises": (
            above(year) & ip_c & ~ex_c & cur["has_rows"].to_numpy(),
            above(year - 1) & ip_p & ~ex_p & prev["has_rows"].to_numpy(),
        ),
        "new_industrial_enterprises": (new_c & industrial, new_p & industrial),
        "new_commercial_enterprises": (new_c & commercial, new_p & commercial),
    }
    for ident, (c_mask, p_mask) in counts_of.items():
        rows[ident] = dict(
            value=float(c_mask.sum()), prev_value=float(p_mask.sum()), yoy_pct=np.nan,
            scope="", scope_value=np.nan, all_prev_value=np.nan, all_yoy_pct=np.nan,
            n_enterprises=float(c_mask.sum()), growth_note="",
        )  # fmt: skip

    def share(side, flag):
        out = side["output_wan_yuan"]
        total = out[out.notna()].sum()
        part = out[out.notna().to_numpy() & flag].sum()
        return part / total * 100 if out.notna().any() and total > 0 else np.nan

    value = share(cur, above(year))
    has_out = cur["output_wan_yuan"].notna().to_numpy()
    rows["above_size_output_share"] = dict(
        value=value, prev_value=share(prev, above(year - 1)), yoy_pct=np.nan, scope="",
        scope_value=np.nan, all_prev_value=np.nan, all_yoy_pct=np.nan,
        n_enterprises=float(min((has_out & above(year)).sum(), (has_out & ~above(year)).sum()))
        if not np.isnan(value) else np.nan,
        growth_note="",
    )  # fmt: skip
    for ident, col, factor in (
        ("tax_per_mu", "tax_wan_yuan", 1.0),
        ("output_per_mu", "output_wan_yuan", 1.0),
        ("value_added_per_mu", "value_added_wan_yuan", 1.0),
        ("tax_per_ha", "tax_wan_yuan", 15.0),
        ("output_per_ha", "output_wan_yuan", 15.0),
        ("value_added_per_ha", "value_added_wan_yuan", 15.0),
    ):
        c, p = cur[col].to_numpy(), prev[col].to_numpy()
        has_c = ~np.isnan(c) & (land > 0)
        area_c = land[has_c].sum()
        both = has_c & ~np.isnan(p) & complete
        n_s = int(both.sum())
        area_s = land[both].sum()
        pv, yoy, note = growth(c[both].sum(), p[both].sum(), n_s, area_s / factor, area_s / factor)
        rows[ident] = dict(
            value=c[has_c].sum() / area_c * factor if area_c > 0 else np.nan,
            prev_value=pv, yoy_pct=yoy, scope=scope(n_s), scope_value=np.nan,
            all_prev_value=np.nan, all_yoy_pct=np.nan, n_enterprises=float(has_c.sum()),
            growth_note=note if area_c > 0 else "无有用地面积的企业数据",
        )  # fmt: skip

    def usable(side):
        return side["value_added_wan_yuan"].notna().to_numpy() & (
            side["avg_employees"].fillna(0).to_numpy() > 0
        )

    has_c = usable(cur)
    both = has_c & usable(prev) & complete
    va_c, va_p = cur["value_added_wan_yuan"].to_numpy(), prev["value_added_wan_yuan"].to_numpy()
    emp_c, emp_p = cur["avg_employees"].to_numpy(), prev["avg_employees"].to_numpy()
    den = emp_c[has_c].sum()
    pv, yoy, note = growth(
        va_c[both].sum(), va_p[both].sum(), int(both.sum()), emp_c[both].sum(), emp_p[both].sum()
    )
    rows["labour_productivity"] = dict(
        value=va_c[has_c].sum() / den if den > 0 else np.nan, prev_value=pv, yoy_pct=yoy,
        scope=scope(int(both.sum())), scope_value=np.nan, all_prev_value=np.nan,
        all_yoy_pct=np.nan, n_enterprises=float(has_c.sum()), growth_note=note,
    )  # fmt: skip
    table = pd.DataFrame.from_dict(rows, orient="index")
    for name, y in (("reporting_rate_pct", year), ("prev_reporting_rate_pct", year - 1)):
        e, r = (sum(counts.get((park, y, mo), (0, 0))[i] for mo in months) for i in (0, 1))
        table[name] = r / e * 100 if e else np.nan
    return table


NUMERIC = [
    "value", "prev_value", "yoy_pct", "scope_value", "all_prev_value", "all_yoy_pct",
    "n_enterprises", "reporting_rate_pct", "prev_reporting_rate_pct",
]  # fmt: skip


@pytest.mark.parametrize(
    ("seed", "parks", "enterprises", "years", "shuffle"),
    [(1, 3, 25, 2, False), (2, 2, 40, 3, True), (3, 4, 12, 2, True)],
)
def test_table_matches_a_straightforward_computation(tmp_path, seed, parks, enterprises, years,
                                                     shuffle):  # fmt: skip
    ds = load_dataset(
        irregular_dataset(
            tmp_path, seed=seed, parks=parks, enterprises=enterprises, years=years,
            shuffle=shuffle,
        )
    )  # fmt: skip
    missing, counts = reference_completeness(ds)
    # the data hold what the comparison is about
    assert missing and (ds.enterprises["exit_date"].notna()).any()
    ours = {
        (r.park_id, r.enterprise_id, r.year, r.month) for r in ds.completeness.missing.itertuples()
    }
    assert ours == missing
    rng = np.random.default_rng(seed)
    periods = ["2016-01..2016-05", "2016-03", "2016-01..2016-06", "2015-07..2015-09"]
    scopes = []
    for period in periods:
        p = resolve_period(ds, period)
        table = indicator_table_by_park(ds, p)
        scopes += table["scope"].tolist()
        for park in ds.parks:
            got = table[table["park_id"] == park].set_index("id")
            want = reference_table(ds, park, p.year, p.start_month, p.end_month, missing, counts)
            want = want.loc[got.index.intersection(want.index)]
            assert len(want) == len(INDICATORS)
            g = got.loc[want.index]
            for col in NUMERIC:
                ok = np.isclose(g[col].to_numpy(float), want[col].to_numpy(float),
                                rtol=1e-9, atol=2e-6, equal_nan=True)  # fmt: skip
                assert ok.all(), (period, park, col, g[col][~ok], want[col][~ok])
            assert g["scope"].tolist() == want["scope"].tolist(), (period, park)
            for ident, note in want["growth_note"].items():
                growth_notes = ("上年同期", "无有用地面积的企业数据")
                text = g.loc[ident, "note"]
                if note:
                    assert note in text, (period, park, ident, text)
                else:
                    assert not any(w in text for w in growth_notes), (period, park, ident, text)
        # a subset of parks, in another order, is the same rows
        chosen = list(rng.permutation(ds.parks)[: max(1, parks - 1)])
        part = indicator_table_by_park(ds, p, parks=chosen)
        expected = pd.concat([table[table["park_id"] == x] for x in chosen], ignore_index=True)
        assert_frame_equal(part, expected)
    assert any("缺报未计入" in s for s in scopes)


@pytest.mark.parametrize("seed", range(5))
def test_period_rates_match_a_filter_of_the_rates(seed):
    """报送率 of any parks and months (outside the data, unknown parks too) against a filter."""
    from parkanalysis.dataset.completeness import Completeness

    rng = np.random.default_rng(seed)
    parks = [f"P{i}" for i in range(rng.integers(1, 6))]
    months = [(y, m) for y in range(2013, 2017) for m in range(1, 13)]
    rows = [
        (p, y, m, e, int(rng.integers(0, e + 1)))
        for p in parks
        for (y, m) in months
        if rng.random() < 0.7
        for e in [int(rng.integers(0, 30))]
    ]
    rates = pd.DataFrame(rows, columns=["park_id", "year", "month", "expected", "reported"])
    rates = rates.sample(frac=1, random_state=seed)  # any row order
    c = Completeness(rates.assign(rate=np.nan), pd.DataFrame())
    asked = [*parks, "unknown", parks[0]]
    for _ in range(40):
        year = int(rng.integers(2011, 2019))
        first = int(rng.integers(1, 13))
        last = int(rng.integers(first, 13))
        rate, expected, reported = c.period_rates(asked, year, first, last)
        for i, park in enumerate(asked):
            sel = rates[
                (rates["park_id"] == park)
                & (rates["year"] == year)
                & rates["month"].between(first, last)
            ]
            e, r = int(sel["expected"].sum()), int(sel["reported"].sum())
            assert (expected[i], reported[i]) == (e, r)
            assert (rate[i] == r / e) if e else np.isnan(rate[i])
            assert c.period_rate(park, year, first, last)[1:] == (e, r)
