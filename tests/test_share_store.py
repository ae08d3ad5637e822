"""The store of protected share tables (:mod:`parkanalysis.share.store`) changes nothing published.

A share render builds each park-year's protected table once — in the report's kernel — and
the sidecar written after it reads that table from the store instead of building it again.
Here a synthetic park's share land report (three calendar years of data) is rendered with the
store off (kernel and sidecar each build the table) and with a fresh store (the kernel builds,
the sidecar reads): the sidecars' tables — every published and withheld cell, growth rate and
relation — are byte-identical. And a key names everything a table is computed from: a changed
figure, a changed share setting, another park or year or a changed source file gives another
key, so no entry built from other inputs is ever read; the same content in another folder is the
same key.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from parkanalysis.dataset import load_dataset
from parkanalysis.share import protect_park_year
from parkanalysis.share.store import OFF, STORE_ENV, code_digest, table_key

ROOT = Path(__file__).resolve().parents[1]


def _sidecar(folder: Path) -> bytes:
    """The record's table part, byte for byte: everything but the numbers of its pages (they
    come from the kernel's table either way, and the page prints the time it was made)."""
    (path,) = folder.glob("*.cells.json")
    record = json.loads(path.read_bytes())
    assert [p["file"] for p in record.pop("pages")] == [path.name.replace(".cells.json", ".html")]
    return json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    from parkanalysis.sample import write_synthetic

    folder = tmp_path_factory.mktemp("store") / "syn"
    write_synthetic(folder, parks=1, enterprises=8, years=2, seed=5)
    return folder


def test_a_render_with_the_store_publishes_what_one_without_it_does(small, tmp_path, monkeypatch):
    from parkanalysis.render import render_report

    data = shutil.copytree(small, tmp_path / "data")
    params = {"data": str(data), "share": True, "date": "2016-07-05", "force": True}
    monkeypatch.setenv(STORE_ENV, OFF)  # kernel and sidecar each build the chain
    without = render_report("land", out_dir=tmp_path / "without", **params)
    assert without.status == "rendered", without.error
    store = tmp_path / "store"
    store.mkdir()
    monkeypatch.setenv(STORE_ENV, str(store))  # the kernel builds; the sidecar reads
    with_store = render_report("land", out_dir=tmp_path / "with", **params)
    assert with_store.status == "rendered", with_store.error
    # the kernel stored the chain it built: one entry per year of data
    ds = load_dataset(data)
    (first, _), (last, _) = ds.month_range
    assert last > first  # a chain of years, not one table
    (park,) = ds.parks
    keys = {table_key(ds, park, y) for y in range(first, last + 1)}
    assert {p.stem for p in store.glob("*.pickle")} == keys
    assert _sidecar(tmp_path / "with") == _sidecar(tmp_path / "without")
    record = json.loads(_sidecar(tmp_path / "with"))
    assert record["cells"] and record["relations"]  # a table was compared, not two empties
    # nothing of the store in the output folder
    assert not list((tmp_path / "with").rglob("*.pickle"))


def _edit_first_value(folder: Path, column: str, delta: float) -> None:
    path = folder / "monthly_stats.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, column] = str(round(float(frame.loc[0, column]) + delta, 1))
    frame.to_csv(path, index=False)


def test_a_key_names_everything_a_table_is_computed_from(small, tmp_path):
    ds = load_dataset(small)
    park = ds.parks[0]
    (first, _), (last, _) = ds.month_range
    key = table_key(ds, park, last)
    assert key == table_key(load_dataset(small), park, last)  # the same data read again
    moved = shutil.copytree(small, tmp_path / "elsewhere")
    assert table_key(load_dataset(moved), park, last) == key  # content, not the folder
    assert table_key(ds, park, first) != key  # another year
    # a figure changed by 0.1 万元
    figure = shutil.copytree(small, tmp_path / "figure")
    _edit_first_value(figure, "tax_wan_yuan", 0.1)
    assert table_key(load_dataset(figure), park, last) != key
    # a share setting changed (a stricter threshold)
    setting = shutil.copytree(small, tmp_path / "setting")
    _set_threshold(setting, 4)
    stricter = load_dataset(setting)
    assert stricter.config(park)["share"]["min_enterprises"] == 4
    assert table_key(stricter, park, last) != key
    # a source file of the package changed by one byte
    source = shutil.copytree(ROOT / "parkanalysis", tmp_path / "src", ignore=_no_cache)
    assert code_digest(source) == code_digest()
    links = source / "share" / "links.py"
    links.write_text(links.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert code_digest(source) != code_digest()


def _set_threshold(folder: Path, k: int) -> None:
    """park.yaml's ``share.min_enterprises`` of the (one) park set to ``k``."""
    text = (folder / "park.yaml").read_text(encoding="utf-8")
    assert text.count("config: {}") == 1
    text = text.replace("config: {}", f"config: {{share: {{min_enterprises: {k}}}}}")
    (folder / "park.yaml").write_text(text, encoding="utf-8")


def _no_cache(_folder, names):
    return [n for n in names if n == "__pycache__"]


def test_a_changed_setting_builds_its_own_table_from_a_shared_store(small, tmp_path, monkeypatch):
    """Two datasets through one store: the stricter one gets its own table, the one that
    would be built without a store, never the entry of the other."""
    store = tmp_path / "store"
    store.mkdir()
    monkeypatch.setenv(STORE_ENV, str(store))
    ds = load_dataset(small)
    park = ds.parks[0]
    year = ds.month_range[1][0]
    loose = protect_park_year(ds, park, year)
    entries = set(store.glob("*.pickle"))
    assert len(entries) == year - ds.month_range[0][0] + 1  # the year and the ones before
    setting = shutil.copytree(small, tmp_path / "setting")
    _set_threshold(setting, 6)
    stricter = load_dataset(setting)
    strict = protect_park_year(stricter, park, year)
    assert strict.rules.k == 6 and loose.rules.k == 3
    assert set(store.glob("*.pickle")) > entries  # new entries, the old ones untouched
    monkeypatch.setenv(STORE_ENV, OFF)
    built = protect_park_year(load_dataset(setting), park, year)
    assert [(c.id, c.value, c.withheld) for c in strict.cells.values()] == [
        (c.id, c.value, c.withheld) for c in built.cells.values()
    ]
    assert {c.id for c in strict.cells.values() if c.withheld} != {
        c.id for c in loose.cells.values() if c.withheld
    }
