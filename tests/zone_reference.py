"""The independent calculation of zone and province totals, with plain pandas and yaml over
the raw CSV files (never the package), and the edits an office makes to generated datasets.

Shared by tests/test_zone.py and tests/test_overview.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

PERIOD = "2016年1-5月"
CUR = [f"2016-{m:02d}" for m in range(1, 6)]
PREV = [f"2015-{m:02d}" for m in range(1, 6)]
PUBLIC = ("道路", "绿地", "水域")


# -- the datasets, as an office would edit them ----------------------------------------------


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, name: str) -> None:
    frame.to_csv(folder / name, index=False)


def to_hectares(folder: Path, park: str) -> None:
    """The park's ledger and declared areas in 公顷 (the others stay in 亩)."""
    parcels = _read(folder, "parcels.csv")
    mine = parcels["park_id"] == park
    area = parcels["area"].astype(float)
    parcels["area"] = np.where(mine, (area / 15).round(6), area).astype(str)
    parcels["area_unit"] = np.where(mine, "公顷", "亩")
    _write(parcels, folder, "parcels.csv")
    text = (folder / "park.yaml").read_text(encoding="utf-8")
    marker = text.split("\n", 1)[0] if text.startswith("#") else ""
    doc = yaml.safe_load(text)
    for p in doc["parks"]:
        if p["park_id"] == park:
            for ph in p["phases"]:
                ph["unit"] = "公顷"
                ph["declared"] = {k: round(v / 15, 6) for k, v in ph["declared"].items()}
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    (folder / "park.yaml").write_text((marker + "\n" if marker else "") + body, encoding="utf-8")


def entrants(folder: Path, park: str, n: int) -> None:
    """The park's first ``n`` industrial enterprises report only from 2016 (new this year)."""
    ent = _read(folder, "enterprises.csv")
    ids = ent.loc[(ent["park_id"] == park) & (ent["kind"] == "工业"), "enterprise_id"][:n]
    m = _read(folder, "monthly_stats.csv")
    drop = (m["park_id"] == park) & m["enterprise_id"].isin(ids) & (m["month"] < "2016-01")
    _write(m.loc[~drop], folder, "monthly_stats.csv")


def stop_after(folder: Path, park: str, last: str) -> None:
    """The park's returns stop after month ``last`` (its data do not cover later periods)."""
    m = _read(folder, "monthly_stats.csv")
    _write(m.loc[~((m["park_id"] == park) & (m["month"] > last))], folder, "monthly_stats.csv")


# -- the independent calculation -------------------------------------------------------------


def raw(folder: Path) -> dict[str, pd.DataFrame]:
    """The raw files of one dataset, keyed as (dataset, park, enterprise)."""
    num = ["output_wan_yuan", "value_added_wan_yuan", "revenue_wan_yuan", "tax_wan_yuan",
           "employees", "fixed_asset_investment_wan_yuan"]  # fmt: skip
    m = pd.read_csv(folder / "monthly_stats.csv", dtype={"park_id": str, "enterprise_id": str})
    m[num] = m[num].astype(float)
    ent = pd.read_csv(folder / "enterprises.csv", dtype=str, keep_default_na=False)
    above = pd.read_csv(folder / "above_size.csv", dtype=str)
    parcels = pd.read_csv(folder / "parcels.csv", dtype=str, keep_default_na=False)
    unit = parcels["area_unit"] if "area_unit" in parcels else pd.Series("亩", parcels.index)
    parcels["area_mu"] = parcels["area"].astype(float) * np.where(unit == "公顷", 15.0, 1.0)
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    for frame in (m, ent, above, parcels):
        frame.insert(0, "dataset", folder.name)
    return {"monthly": m, "enterprises": ent, "above": above, "parcels": parcels, "doc": doc}


def union(folders: list[Path], parks: list[tuple[str, str]]) -> dict[str, pd.DataFrame]:
    """The raw frames of the (dataset folder name, park id) pairs taken in."""
    frames = [raw(f) for f in folders]
    keep = pd.MultiIndex.from_tuples(parks)
    out = {}
    for name in ("monthly", "enterprises", "above", "parcels"):
        frame = pd.concat([f[name] for f in frames], ignore_index=True)
        at = pd.MultiIndex.from_arrays([frame["dataset"], frame["park_id"]])
        out[name] = frame.loc[at.isin(keep)].reset_index(drop=True)
    out["declared"] = sum(
        float(ph["declared"]["total"]) * (15.0 if ph["unit"] == "公顷" else 1.0)
        for f in frames
        for p in f["doc"]["parks"]
        if (f["monthly"]["dataset"].iloc[0], p["park_id"]) in parks
        for ph in p["phases"]
    )
    return out


KEY = ["dataset", "park_id", "enterprise_id"]


def per_enterprise(m: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    g = m.loc[m["month"].isin(months)].groupby(KEY)
    out = g[["output_wan_yuan", "value_added_wan_yuan", "revenue_wan_yuan", "tax_wan_yuan"]].sum(
        min_count=1
    )
    out["avg_employees"] = g["employees"].mean()
    last = m.loc[m["month"] == months[-1]].set_index(KEY)["employees"]
    out["employees"] = last.reindex(out.index)
    return out


def land_per_enterprise(u: dict[str, pd.DataFrame]) -> pd.Series:
    ent, parcels = u["enterprises"], u["parcels"]
    links = ent.loc[ent["parcel_ids"] != "", [*KEY, "parcel_ids"]]
    links = links.assign(parcel_id=links["parcel_ids"].str.split(r"[;,、]")).explode("parcel_id")
    area = parcels.set_index(["dataset", "park_id", "parcel_id"])["area_mu"]
    links["area"] = area.reindex(
        pd.MultiIndex.from_frame(links[["dataset", "park_id", "parcel_id"]])
    ).to_numpy()
    users = links.groupby(["dataset", "park_id", "parcel_id"])["enterprise_id"].transform("size")
    links["share"] = links["area"] / users
    return links.groupby(KEY)["share"].sum()


def expected_indicators(u: dict[str, pd.DataFrame]) -> dict[str, dict[str, float]]:
    """Levels, 同口径 growth over the union and ratios from sums, by pandas alone."""
    cur, prev = per_enterprise(u["monthly"], CUR), per_enterprise(u["monthly"], PREV)
    prev = prev.reindex(cur.index)
    out: dict[str, dict[str, float]] = {}

    def flow(rid: str, col: str, members=None) -> None:
        c, p = cur[col], prev[col]
        if members is not None:
            c, p = c[members], p[members]
        scope = c.notna() & p.notna()
        out[rid] = {
            "value": c.sum(),
            "yoy_pct": (c[scope].sum() / p[scope].sum() - 1) * 100,
            "scope_n": int(scope.sum()),
        }

    above = u["above"]
    above_ids = above.loc[(above["year"] == "2016") & (above["above_size"] == "true")]
    kind = u["enterprises"].set_index(KEY)["kind"].reindex(cur.index)
    is_above = cur.index.isin(pd.MultiIndex.from_frame(above_ids[KEY])) & (kind == "工业")
    flow("industrial_output", "output_wan_yuan")
    flow("tax_revenue", "tax_wan_yuan")
    flow("revenue", "revenue_wan_yuan")
    flow("employees", "employees")
    flow("above_size_output", "output_wan_yuan", is_above.to_numpy())
    land = land_per_enterprise(u).reindex(cur.index).fillna(0.0)
    for rid, col in (("tax_per_mu", "tax_wan_yuan"), ("output_per_mu", "output_wan_yuan")):
        has = (land > 0) & cur[col].notna()
        scope = has & prev[col].notna()
        out[rid] = {
            "value": cur.loc[has, col].sum() / land[has].sum(),
            # the same land on both sides: the growth of the flow over the scope
            "yoy_pct": (cur.loc[scope, col].sum() / prev.loc[scope, col].sum() - 1) * 100,
            "scope_n": int(scope.sum()),
        }
    ok = cur["value_added_wan_yuan"].notna() & (cur["avg_employees"] > 0)
    out["labour_productivity"] = {
        "value": cur.loc[ok, "value_added_wan_yuan"].sum() / cur.loc[ok, "avg_employees"].sum()
    }
    total = cur["output_wan_yuan"].sum()
    out["above_size_output_share"] = {
        "value": cur.loc[is_above.to_numpy(), "output_wan_yuan"].sum() / total * 100
    }
    return out


def expected_land(u: dict[str, pd.DataFrame], cutoff: str) -> dict[str, float]:
    p = u["parcels"].copy()
    when = pd.Timestamp(cutoff)
    sdate = pd.to_datetime(p["supply_date"].replace("", None))
    adate = pd.to_datetime(p["approval_date"].replace("", None))
    supplied = (p["supply_status"] == "已供") & (sdate <= when)
    usable = ~p["planned_use"].isin(PUBLIC)
    approved = (p["approval_status"] == "已报批") & ((adate <= when) | adate.isna())
    remaining = usable & approved & ~supplied
    built = supplied & (p["construction_status"] == "已建成")
    years = sdate[supplied].dt.year
    annual = p.loc[supplied, "area_mu"].groupby(years).sum()
    full = annual.reindex(range(int(years.min()), when.year), fill_value=0.0)  # complete years
    avg = full.iloc[-3:].mean()
    m = u["monthly"]
    last12 = pd.period_range(end=when.to_period("M"), periods=12).strftime("%Y-%m")
    tax12 = m.loc[m["month"].isin(last12), "tax_wan_yuan"].sum()
    return {
        "total_area_mu": u["declared"],
        "supplied_mu": p.loc[supplied, "area_mu"].sum(),
        "remaining_supplyable_mu": p.loc[remaining, "area_mu"].sum(),
        "built_mu": p.loc[built, "area_mu"].sum(),
        "avg_annual_supply_mu": avg,
        # no supply in the window: no 尚可供地年数 (not infinity)
        "years_of_supply_left": p.loc[remaining, "area_mu"].sum() / avg if avg > 0 else math.nan,
        "supply_rate_pct": 100
        * p.loc[supplied, "area_mu"].sum()
        / p.loc[supplied | remaining, "area_mu"].sum(),
        "tax_per_ha": tax12 / (p.loc[built, "area_mu"].sum() / 15),
        "_annual": annual,
    }


# -- the comparisons -------------------------------------------------------------------------


def assert_indicators(table: pd.DataFrame, ref: dict[str, dict[str, float]]) -> None:
    t = table.set_index("id")
    for rid, want in ref.items():
        for col, value in want.items():
            if col == "scope_n":
                assert t.loc[rid, "scope"].startswith(f"同口径({value}家)"), (rid, t.loc[rid])
                continue
            got = float(t.loc[rid, col])
            assert got == pytest.approx(value, rel=1e-6, abs=1e-5), (rid, col, got, value)


def assert_land(values: pd.Series, ref: dict[str, float], factor: float = 1.0) -> None:
    """``values`` indexed by id; area rows divided by ``factor`` (15: shown in 公顷)."""
    for rid, want in ref.items():
        if rid.startswith("_"):
            continue
        scale = factor if rid.endswith("_mu") else 1.0
        got = float(values[rid])
        assert got == pytest.approx(want / scale, rel=1e-6, abs=1e-3, nan_ok=True), (rid, want)
