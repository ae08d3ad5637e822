"""Totals above the park (issue 28, items 1-2): a two-park zone and a three-dataset province
against an independent calculation with plain pandas over the raw CSV files.

The datasets are generated (``parkanalysis.sample.write_synthetic``) and then edited as an
office's would be: one park's ledger and declared areas in 公顷 (the rest in 亩), a dataset
entirely in 公顷 whose data end a month earlier (its own reporting calendar), enterprises
that entered this year (in the level, not in the 同口径 scope), and one park whose returns
stop in March (未报 for 1-5月). Enterprise and park ids repeat across datasets (P001/E0001 in
each): the province keys by (dataset, park, enterprise).

The reference below reads the CSVs and park.yaml with pandas and yaml only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from parkanalysis.cli import main
from parkanalysis.sample import write_synthetic

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


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("province")
    a, b, c = root / "province" / "a_east", root / "province" / "b_north", root / "c_south"
    write_synthetic(a, parks=2, enterprises=30, years=3, seed=11)
    to_hectares(a, "P002")  # a zone of mixed units
    entrants(a, "P001", 4)
    entrants(a, "P002", 2)
    write_synthetic(b, parks=1, enterprises=25, years=3, seed=12, end="2016-05")
    to_hectares(b, "P001")  # a dataset wholly in 公顷, its data ending in May
    write_synthetic(c, parks=2, enterprises=30, years=3, seed=13)
    entrants(c, "P001", 3)
    stop_after(c, "P002", "2016-03")  # 未报 for 1-5月
    return {"a": a, "b": b, "c": c, "root": root / "province"}


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


PARKS_A = [("a_east", "P001"), ("a_east", "P002")]
PROVINCE = [*PARKS_A, ("b_north", "P001"), ("c_south", "P001")]  # c_south/P002: 未报


def test_two_park_zone_equals_pandas_over_the_raw_files(folders):
    import parkanalysis as pa

    ds = pa.load_dataset(folders["a"])
    table = pa.zone_table(ds, PERIOD)
    assert (table["park_id"] == "全区").all() and table["parks_not_reported"].eq("").all()
    ref = expected_indicators(union([folders["a"]], PARKS_A))
    assert_indicators(table, ref)
    # the union's growth is not the average of the parks' growth (the test can tell them apart)
    parks = pa.zone_by_park(ds, PERIOD)
    rates = parks.loc[parks["id"] == "industrial_output"].set_index("park")["yoy_pct"]
    assert abs(rates.iloc[:2].mean() - rates["全区"]) > 0.01
    # land in mixed units (P002 in 公顷): summed in 亩
    land = pa.zone_land(ds).set_index("id")
    assert_land(land["全区"], expected_land(union([folders["a"]], PARKS_A), "2016-06-30"))


def test_a_park_not_covering_the_period_is_listed_not_dropped(folders):
    import parkanalysis as pa

    ds = pa.load_dataset(folders["c"])
    table = pa.zone_table(ds, PERIOD)
    (missing,) = table["parks_not_reported"].unique()
    name_p2 = ds.profile.parks["P002"].name
    assert missing.startswith(name_p2) and "2016年3月" in missing, missing
    assert "未报" in table.attrs["note"] and name_p2 in table.attrs["note"]
    assert_indicators(table, expected_indicators(union([folders["c"]], [("c_south", "P001")])))
    status = pa.park_status(ds, PERIOD).set_index("park_id")["status"]
    assert status.to_dict() == {"P001": "已报", "P002": "未报"}
    # 1-3月: both parks cover it, both are taken in
    assert pa.zone_table(ds, "2016年1-3月")["parks_not_reported"].eq("").all()


def test_three_dataset_province_equals_pandas_over_the_raw_files(folders):
    import parkanalysis as pa

    zone = pa.load_province([folders["a"], folders["b"], folders["c"]])
    assert zone.name == "合计" and len(zone.parks) == 5
    table = pa.zone_table(zone, PERIOD)
    ref = expected_indicators(union([folders[k] for k in "abc"], PROVINCE))
    assert_indicators(table, ref)
    assert "未报" in table.attrs["note"]
    # land: one cut-off for all (b_north ends in May: the latest date every dataset reaches)
    land = pa.zone_land(zone).set_index("id")
    assert land.attrs["as_of"] == pd.Timestamp("2016-05-31")
    all_parks = [*PROVINCE, ("c_south", "P002")]  # land is a stock: every park has its ledger
    want = expected_land(union([folders[k] for k in "abc"], all_parks), "2016-05-31")
    # c_south/P002's returns stop in March: no 近12个月 tax, so no total 地均税收 (and why)
    del want["tax_per_ha"]
    assert math.isnan(land.loc["tax_per_ha", "合计"])
    assert "P002" in land.loc["tax_per_ha", "note"] and "不全" in land.loc["tax_per_ha", "note"]
    assert_land(land["合计"], want)
    history = pa.zone_supply_table(zone).set_index("year")["合计"]
    annual = want["_annual"].reindex(history.index, fill_value=0.0)
    np.testing.assert_allclose(history.to_numpy(), annual.to_numpy(), rtol=1e-9, atol=1e-6)


def test_a_dataset_whose_calendar_ends_earlier_is_not_reported(folders):
    import parkanalysis as pa

    zone = pa.load_province([folders["a"], folders["b"]])
    table = pa.zone_table(zone, "2016年1-6月")
    (missing,) = table["parks_not_reported"].unique()
    assert "2016年5月" in missing, missing  # b_north's data end, in its own words
    ref_parks = PARKS_A
    months = [f"2016-{m:02d}" for m in range(1, 7)]
    cur = union([folders["a"]], ref_parks)["monthly"]
    want = cur.loc[cur["month"].isin(months), "tax_wan_yuan"].sum()
    got = float(table.set_index("id").loc["tax_revenue", "value"])
    assert got == pytest.approx(want, rel=1e-9)


def test_folder_of_office_folders_is_the_province(folders):
    import parkanalysis as pa

    zone = pa.load_province([folders["root"]])
    assert [Path(ds.path).name for ds in zone.datasets] == ["a_east", "b_north"]
    same = pa.load_province([folders["a"], folders["b"]])
    pd.testing.assert_frame_equal(pa.zone_table(zone, PERIOD), pa.zone_table(same, PERIOD))


# -- the command line ------------------------------------------------------------------------


def _json(capsys, argv: list[str]) -> tuple[int, list[dict], str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else []), captured.err


def test_cli_province_with_repeated_data(folders, capsys):
    args = ["indicators", "--period", PERIOD, "--zone", "--format", "json"]
    code, rows, err = _json(
        capsys, [*args, "--data", str(folders["a"]), "--data", str(folders["b"]),
                 "--data", str(folders["c"])],
    )  # fmt: skip
    assert code == 0, err
    assert "未报" in err
    table = pd.DataFrame(rows).replace({None: np.nan})
    assert_indicators(table, expected_indicators(union([folders[k] for k in "abc"], PROVINCE)))
    assert {r["parks_not_reported"] for r in rows} != {""}


def test_cli_zone_by_name_and_land_without_park(folders, capsys):
    code, rows, err = _json(
        capsys, ["indicators", str(folders["a"]), "--period", PERIOD, "--park", "全区",
                 "--format", "json"],
    )  # fmt: skip
    assert code == 0, err
    table = pd.DataFrame(rows).replace({None: np.nan})
    assert_indicators(table, expected_indicators(union([folders["a"]], PARKS_A)))
    # land of a multi-park dataset without --park: the total and each park, never exit 2
    code, rows, err = _json(capsys, ["land", str(folders["a"]), "--format", "json"])
    assert code == 0, err
    land = pd.DataFrame(rows).set_index("id")
    names = [c for c in land.columns if c not in ("name", "unit", "全区", "note")]
    assert len(names) == 2
    ref = expected_land(union([folders["a"]], PARKS_A), "2016-06-30")
    assert_land(land["全区"].astype(float), ref)
    parts = land.loc["supplied_mu", names].astype(float).sum()
    assert parts == pytest.approx(float(land.loc["supplied_mu", "全区"]), rel=1e-9)
    # a dataset wholly in 公顷 sees 公顷
    code, rows, err = _json(capsys, ["land", str(folders["b"]), "--format", "json"])
    assert code == 0, err
    land_b = pd.DataFrame(rows).set_index("id")
    assert land_b.loc["supplied_mu", "unit"] == "公顷"
    ref_b = expected_land(union([folders["b"]], [("b_north", "P001")]), "2016-05-31")
    assert_land(land_b["value"].astype(float), ref_b, factor=15.0)


def test_cli_lists_every_park_then_the_total(folders, capsys):
    code, rows, err = _json(
        capsys, ["indicators", str(folders["c"]), "--period", PERIOD, "--format", "json"]
    )
    assert code == 0, err
    table = pd.DataFrame(rows)
    assert list(dict.fromkeys(table["park"])) == [
        table["park"].iloc[0],
        "全区",
    ]  # P002 未报: no rows of its own, named in the total's note
    assert "未报" in err


def test_cli_bad_data_folder_exits_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["indicators", str(tmp_path / "empty"), "--period", PERIOD]) == 2
    err = capsys.readouterr().err
    assert "park.yaml" in err and "Traceback" not in err


def test_zone_name_comes_from_park_yaml(folders, tmp_path):
    import shutil

    import parkanalysis as pa

    folder = Path(shutil.copytree(folders["a"], tmp_path / "named"))
    text = (folder / "park.yaml").read_text(encoding="utf-8")
    (folder / "park.yaml").write_text(text + "config:\n  zone:\n    name: 东部开发区\n", "utf-8")
    table = pa.zone_table(pa.load_dataset(folder), PERIOD)
    assert set(table["park_id"]) == {"东部开发区"}
    assert not math.isnan(float(table.set_index("id").loc["tax_revenue", "value"]))


@pytest.mark.parametrize("seed", [31, 32, 33, 34])
def test_zone_equals_pandas_on_generated_zones(tmp_path, seed):
    """A class of zones: 2-4 parks, entrants in random parks, one park's returns stopping at
    a random month (未报 when before May); the total always equals pandas over the files."""
    import parkanalysis as pa

    rng = np.random.default_rng(seed)
    n_parks = int(rng.integers(2, 5))
    folder = tmp_path / f"zone{seed}"
    write_synthetic(folder, parks=n_parks, enterprises=int(rng.integers(12, 30)), years=2,
                    seed=seed)  # fmt: skip
    parks = [f"P{i + 1:03d}" for i in range(n_parks)]
    for park in rng.choice(parks, size=2, replace=False):
        entrants(folder, str(park), int(rng.integers(1, 4)))
    to_hectares(folder, str(rng.choice(parks)))
    stopped, last = str(rng.choice(parks)), f"2016-{int(rng.integers(2, 7)):02d}"
    stop_after(folder, stopped, last)
    ds = pa.load_dataset(folder)
    table = pa.zone_table(ds, PERIOD)
    taken = [p for p in parks if p != stopped or last >= "2016-05"]
    assert_indicators(
        table, expected_indicators(union([folder], [(folder.name, p) for p in taken]))
    )
    assert (table["parks_not_reported"] != "").all() == (len(taken) < n_parks)
