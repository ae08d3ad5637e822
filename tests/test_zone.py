"""Totals above the park (issue 28, items 1-2): a two-park zone and a three-dataset province
against an independent calculation with plain pandas over the raw CSV files.

The datasets are generated (``parkanalysis.sample.write_synthetic``) and then edited as an
office's would be: one park's ledger and declared areas in 公顷 (the rest in 亩), a dataset
entirely in 公顷 whose data end a month earlier (its own reporting calendar), enterprises
that entered this year (in the level, not in the 同口径 scope), and one park whose returns
stop in March (未报 for 1-5月). Enterprise and park ids repeat across datasets (P001/E0001 in
each): the province keys by (dataset, park, enterprise).

The reference (tests/zone_reference.py) reads the CSVs and park.yaml with pandas and yaml only.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parkanalysis.cli import main
from parkanalysis.sample import write_synthetic
from tests.zone_reference import (
    PERIOD,
    assert_indicators,
    assert_land,
    entrants,
    expected_indicators,
    expected_land,
    stop_after,
    to_hectares,
    union,
)


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


def test_indicator_table_points_from_the_zone_name_to_zone_table(folders):
    import parkanalysis as pa

    ds = pa.load_dataset(folders["a"])
    with pytest.raises(pa.ParameterError, match="zone_table"):
        pa.indicator_table(ds, PERIOD, park="全区")


def test_cli_land_and_overview_of_the_three_dataset_province(folders, capsys):
    """Done-when item 1 for the province's land in the CLI and for the overview report's
    figures (the report object the notebook displays): levels, 同口径 growth over the union,
    亩均 ratios from sums, and land, each equal to pandas over the raw files."""
    from parkanalysis.report import OverviewReport

    data = [str(folders[k]) for k in "abc"]
    code, rows, err = _json(
        capsys, ["land", *data, "--as-of", "2016-05", "--format", "json"]
    )  # fmt: skip
    assert code == 0, err
    land = pd.DataFrame(rows).set_index("id")
    all_parks = [*PROVINCE, ("c_south", "P002")]  # land is a stock: every park's ledger
    want = expected_land(union([folders[k] for k in "abc"], all_parks), "2016-05-31")
    del want["tax_per_ha"]  # c_south/P002's returns stop in March (test above)
    assert_land(land["合计"].astype(float), want)

    report = OverviewReport(data=data, period=PERIOD, outlook=False)
    ref = expected_indicators(union([folders[k] for k in "abc"], PROVINCE))
    assert {"tax_per_mu", "output_per_mu"} <= set(ref)  # ratios of sums (tests/zone_reference)
    assert_indicators(report.total, ref)
    assert_land(report.land.set_index("id")["合计"], want)
    html = report.totals().html()
    assert f"{want['supplied_mu']:,.1f}" in html
    assert f"{ref['industrial_output']['value']:,.1f}" in html


def test_each_park_column_of_the_land_overview_uses_the_park_s_own_supply_window(tmp_path):
    """A park's column of the land overview is its own land table's, on its own supply window
    (park.yaml ``land.supply_window_years`` in the park's section): one definition of the
    window (``land.history.window_years``), read for the park, not the dataset's default."""
    import yaml

    from parkanalysis.dataset import load_dataset
    from parkanalysis.land.indicators import land_indicators
    from parkanalysis.province import zone_land

    folder = tmp_path / "two"
    write_synthetic(folder, parks=2, enterprises=20, years=3, seed=5)
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    doc["parks"][1]["config"] = {"land": {"supply_window_years": 5}}
    (folder / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    ds = load_dataset(folder)
    as_of = "2012-06-30"  # the generated parcels are supplied up to 2011
    overview = zone_land(ds, as_of=as_of).set_index("id")
    rows = ["avg_annual_supply_mu", "years_of_supply_left"]
    own = {}
    for park, label in zip(("P001", "P002"), overview.columns[3:5], strict=True):
        own[park] = land_indicators(ds, park=park, as_of=as_of).set_index("id")
        np.testing.assert_allclose(
            overview.loc[rows, label].to_numpy(float), own[park].loc[rows, "value"].to_numpy(float)
        )
    # the park's five years give another average than the default three (so the comparison
    # above tells the windows apart): the mean of its 2007-2011 supply against 2009-2011's
    parcels = pd.read_csv(folder / "parcels.csv")
    parcels = parcels[(parcels["park_id"] == "P002") & (parcels["supply_status"] == "已供")]
    year = pd.to_datetime(parcels["supply_date"]).dt.year
    five = parcels.loc[year.between(2007, 2011), "area"].sum() / 5
    three = parcels.loc[year.between(2009, 2011), "area"].sum() / 3
    assert abs(five - three) > 1
    assert own["P002"].loc["avg_annual_supply_mu", "value"] == pytest.approx(five, abs=0.05)
