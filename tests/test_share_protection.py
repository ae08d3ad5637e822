"""Share protection against an attacker: primary and secondary suppression, and the audit.

Adversarial datasets are built from copies of the sample (the monthly statistics rewritten
with pandas); every expected figure is computed here from the raw CSV. The attacker is the
audit of ``parkanalysis share-audit`` run on the sidecars a share batch would write for
every report of the park-year (cells and relations; no HTML needed for the arithmetic).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import SAMPLE

from parkanalysis.dataset import load_dataset
from parkanalysis.errors import DataError
from parkanalysis.periods import report_periods
from parkanalysis.share import cell_id, protect_park_year, share_rules
from parkanalysis.share.sidecar import (
    FORMAT,
    audit_folder,
    audit_text,
    report_cells,
    report_gates,
)

MONTHLY = "monthly_stats.csv"


def _copy(tmp_path, name="data"):
    folder = tmp_path / name
    shutil.copytree(SAMPLE, folder)
    return folder


def _monthly(folder) -> pd.DataFrame:
    return pd.read_csv(folder / MONTHLY, dtype={"月份": str})


def _write_monthly(folder, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / MONTHLY, index=False)


def _from_2015(frame: pd.DataFrame) -> pd.DataFrame:
    """The monthly statistics from January 2015 on (the sample's start in 2012 otherwise).

    A test about 2016's cells needs 2016 and the year before it (growth, 近12个月, 2015's
    cells frozen in 2016's table): each earlier year is one more table of the chain, built
    and suppressed first (2012-2014: about half of the sample chain's CPU), which a modified
    copy of the sample cannot take from the run's store.
    """
    return frame[frame["月份"] >= "2015-01"]


def _write_batch_sidecars(table, out, *, protect=True) -> None:
    """The sidecars a share batch writes for every report of the park-year."""
    out.mkdir(parents=True, exist_ok=True)
    periods = report_periods(table.year, last_month=table.last_month)
    reports = [("period", p.start_month, p.end_month, str(p).replace("/", "-")) for p in periods]
    reports.append(("land", table.last_month, table.last_month, "land"))
    for kind, s, e, name in reports:
        record = {
            "format": FORMAT,
            "park": table.park,
            "year": table.year,
            "report": kind,
            "rules": table.rules.to_dict(),
            **table.sidecar_cells(
                report_cells(table, kind, s, e),
                report_gates(table, kind, s, e),
            ),
            "pages": [],  # the arithmetic only: no page is written
        }
        if not protect:  # the unprotected set: only primary suppression, nothing more
            for c in record["cells"]:
                cell = table.cells[c["id"]]
                if c["status"] == "withheld" and cell.secondary:
                    c["status"], c["value"] = "published", cell.printed
        (out / f"{table.park}_{kind}_{s}_{e}_{name}.cells.json").write_text(
            json.dumps(record, ensure_ascii=False), encoding="utf-8"
        )


# --------------------------------------------------------------------------- rules
@pytest.mark.parametrize(
    "section",
    [
        {"min_enterprises": 0},
        {"min_enterprises": -3},
        {"min_enterprises": 2.5},
        {"min_enterprises": 2},
        {"min_enterprise": 5},  # misspelt: never silently k = 3
        {"p_percent": 5},
        {"nk_rule": [0, 80]},
    ],
)
def test_share_settings_only_towards_more_protection(section):
    with pytest.raises(DataError) as info:
        share_rules({"share": section})
    assert "park.yaml" in str(info.value) and "share." in str(info.value)


def test_zero_contributions_do_not_count_towards_k():
    rules = share_rules({"share": {"min_enterprises": 3}})
    assert rules.sensitive([740.4] + [0.0] * 49)
    assert not rules.sensitive([300.0, 250.0, 190.4])


def test_bad_share_setting_is_exit_2_from_the_cli(tmp_path):
    folder = _copy(tmp_path)
    profile = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    profile["config"]["share"]["min_enterprises"] = 0
    (folder / "park.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "render", "period", "--data", str(folder),
         "--period", "2016-05", "--share", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "share.min_enterprises" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.html"))


# --------------------------------------------------------------------------- temporal
@pytest.fixture(scope="module")
def three_firms(tmp_path_factory):
    """Three enterprises report in 2016; the third leaves the park at the end of March.

    Its exit is recorded in the register (退出日期), so the data stay complete: an enterprise
    that merely stops reporting is a 缺报 and the period would be refused as incomplete.
    The statistics start in 2015 (:func:`_from_2015`): 2016's table holds 2015's frozen, as
    a longer history would.
    """
    folder = _copy(tmp_path_factory.mktemp("three"))
    m = _monthly(folder)
    firms = sorted(m["企业代码"].unique())[:3]
    m = _from_2015(m[m["企业代码"].isin(firms)])
    stop = (m["企业代码"] == firms[2]) & (m["月份"] > "2016-03")
    _write_monthly(folder, m[~stop])
    ents = pd.read_csv(folder / "enterprises.csv", dtype=str, keep_default_na=False)
    ents.loc[ents["企业代码"] == firms[2], "退出日期"] = "2016-03-31"
    ents.to_csv(folder / "enterprises.csv", index=False)
    return folder, m[~stop]


def test_temporal_differencing_does_not_recover_q2(three_firms, tmp_path):
    folder, raw = three_firms
    table = protect_park_year(load_dataset(folder), "GMY", 2016)
    y16 = raw[raw["月份"].str.startswith("2016")]
    month = y16["月份"].str[5:7].astype(int)
    pairs = (("industrial_output", "工业总产值(万元)"), ("tax_revenue", "税收(万元)"))
    for measure, column in pairs:
        q2 = table.cells[cell_id(measure, 2016, 4, 6)]
        assert q2.withheld  # two enterprises
        assert q2.value == pytest.approx(y16.loc[month.between(4, 6), column].sum())
        h1 = table.cells[cell_id(measure, 2016, 1, 6)]
        q1 = table.cells[cell_id(measure, 2016, 1, 3)]
        assert h1.withheld or q1.withheld  # H1 − 1-3月 would give Q2 back
    _write_batch_sidecars(table, tmp_path / "ok")
    result = audit_folder(tmp_path / "ok")
    assert result.ok, audit_text(result)
    assert not table.exposures()  # office side, with the true values
    # the same cells with only primary suppression: the attacker recovers Q2
    _write_batch_sidecars(table, tmp_path / "bad", protect=False)
    bad = audit_folder(tmp_path / "bad")
    exposed = {e.id for found in bad.exposures.values() for e in found}
    assert cell_id("tax_revenue", 2016, 4, 6) in exposed
    assert "可被推算" in audit_text(bad)


def test_share_audit_cli_exit_codes(three_firms, tmp_path):
    folder, _raw = three_firms
    table = protect_park_year(load_dataset(folder), "GMY", 2016)
    _write_batch_sidecars(table, tmp_path / "ok")
    _write_batch_sidecars(table, tmp_path / "bad", protect=False)
    run = [sys.executable, "-m", "parkanalysis.cli", "share-audit"]
    ok = subprocess.run([*run, str(tmp_path / "ok")], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "未发现可推算" in ok.stdout
    bad = subprocess.run([*run, str(tmp_path / "bad")], capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "税收(2016年4-6月)" in bad.stdout
    empty = subprocess.run([*run, str(tmp_path)], capture_output=True, text=True, check=False)
    assert empty.returncode == 2 and "cells.json" in empty.stderr


# --------------------------------------------------------------------------- dominance
def test_dominance_withholds_one_firms_investment(tmp_path):
    folder = _copy(tmp_path)
    m = _monthly(folder)
    col = "固定资产投资(万元)"
    y16 = m["月份"].str.startswith("2016")
    firm = sorted(m["企业代码"].unique())[0]
    m.loc[y16, col] = 0.0
    m.loc[y16 & (m["企业代码"] == firm) & (m["月份"] == "2016-03"), col] = 740.4
    _write_monthly(folder, _from_2015(m))
    table = protect_park_year(load_dataset(folder), "GMY", 2016)
    for s, e in ((1, 3), (1, 5), (1, 6), (3, 3)):
        c = table.cells[cell_id("fixed_asset_investment", 2016, s, e)]
        assert c.value == pytest.approx(740.4) and c.withheld
    assert not table.exposures()


# --------------------------------------------------------------------------- the sample
def test_sample_hazard_categories_and_relocation_land_are_protected(tmp_path):
    ds = load_dataset(SAMPLE)
    table = protect_park_year(ds, "GMY", 2016)
    hz = ds.hazards[ds.hazards["inspection_date"].dt.year == 2016]
    chem = hz[hz["category"] == "危化品"]
    q1 = table.cells[cell_id("hazards_found:危化品", 2016, 1, 3)]
    assert q1.value == (chem["inspection_date"].dt.month <= 3).sum()
    ids = [cell_id("hazards_found:危化品", 2016, s, e) for s, e in ((1, 3), (4, 6), (1, 6))]
    assert sum(table.cells[i].withheld for i in ids) >= 2  # no two published, one withheld
    rel = ds.relocations
    assert (rel["land_freed_mu"] == 27.6).any()
    assert table.cells[cell_id("relocation_land", 2016, 3, 3)].withheld  # one relocation
    _write_batch_sidecars(table, tmp_path / "sample")
    result = audit_folder(tmp_path / "sample")
    assert result.ok, audit_text(result)


#: The parks of the 20-park synthetic set (seed 3, 8 enterprises, mid-2014 … mid-2016) whose
#: 2016 share batch is audited: together they meet every situation the 20 parks' tables meet
#: (42 kinds, counted per park by measure: withheld by the threshold k and by dominance, at k
#: or k + 1 enterprises and published, secondary suppression of flows, hazard counts, 亩均税收
#: and 规上 growth rates, derived sensitive 非规上, leavers, 一般/期限内 hazards and 近12个月 tax
#: of the other enterprises); P020 is the only park of the 20 with a sensitive 非规上 cell,
#: P003 the only one with a 规上 growth withheld by secondary suppression. A greedy cover of the
#: 42 over the 20 parks' tables; the test asserts the rarest of them are still met.
SYNTHETIC_PARKS = ["P003", "P007", "P008", "P009", "P020"]


@pytest.mark.slow
def test_synthetic_multi_park_batch_exposes_nothing(tmp_path):
    """The sidecars of a multi-park share batch, written by the writer render_report calls (the
    notebooks' HTML is not needed for the arithmetic), audited as an outsider.

    Five parks of a generated 20-park set (:data:`SYNTHETIC_PARKS`): every park's tables are
    independent of the other parks', so the parks that meet no situation the five do not
    meet add only time (the 20 parks took 418 s of a loaded integrated run).
    """
    from parkanalysis.batch import plan_jobs
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.sample import write_synthetic
    from parkanalysis.share.sidecar import write_sidecar

    write_synthetic(tmp_path / "syn", parks=20, enterprises=8, years=2, seed=3)
    ds = load_dataset(tmp_path / "syn")
    assert len(ds.parks) == 20
    year = ds.month_range[1][0]
    out = tmp_path / "out"
    out.mkdir()
    jobs = plan_jobs(tmp_path / "syn", year, out_dir=out, share=True, parks=SYNTHETIC_PARKS)
    for job in jobs:
        write_sidecar(out / job.name, job.params, job.kind)
    result = audit_folder(out)
    assert len(result.groups) == len(SYNTHETIC_PARKS) and result.files == len(jobs)
    assert result.ok, audit_text(result)
    withheld = sum(
        c.status != "published" for g in result.groups.values() for c in g["cells"].values()
    )
    assert withheld > 0  # small parks: the rules did bite
    # the situations the five parks stand for are still there (the tables the sidecars used)
    met = set()
    for park in SYNTHETIC_PARKS:
        table = protect_park_year(load_cached(str(tmp_path / "syn"), park=park), park, year)
        for c in table.cells.values():
            if c.frozen:
                continue
            nonzero = sum(v != 0 for v in c.contributions.values())
            if c.withheld and not c.secondary:
                met.add("k" if table.rules.too_few(nonzero) else "dominance")
            met |= {"secondary"} if c.secondary else set()
            met |= {f"sensitive {c.measure.split(':')[0]}"} if c.derived and c.sensitive else set()
        met |= {f"secondary {g.measure} growth" for g in table.gates.values() if g.secondary}
    assert {
        "k",
        "dominance",
        "secondary",
        "secondary above_size_output growth",
        "sensitive other_output",
        "sensitive leavers",
    } <= met, sorted(met)


def test_explore_refuses_share_before_any_kernel(tmp_path):
    from parkanalysis.errors import ParameterError
    from parkanalysis.render import plan_report

    with pytest.raises(ParameterError, match="不支持对外版"):
        plan_report("explore", out_dir=tmp_path, data=str(SAMPLE), share=True)
    assert not any(tmp_path.iterdir())


def test_an_exposed_set_is_not_left_behind(three_firms, tmp_path):
    """``batch --share``'s safety net: the reports of an exposed park-year are removed."""
    from parkanalysis.share.sidecar import enforce_folder

    folder, _raw = three_firms
    table = protect_park_year(load_dataset(folder), "GMY", 2016)
    out = tmp_path / "bad"
    _write_batch_sidecars(table, out, protect=False)
    for sidecar in out.glob("*.cells.json"):  # stand-ins for the pages next to them
        sidecar.with_name(sidecar.name.replace(".cells.json", ".html")).write_text("x")
    text, exposed = enforce_folder(out)
    assert exposed and "已删除园区 GMY 2016年" in text
    assert not any(out.iterdir())
    good = tmp_path / "ok"
    _write_batch_sidecars(table, good)
    text, exposed = enforce_folder(good)
    assert not exposed and len(list(good.glob("*.cells.json"))) == 9


def test_protected_cells_hold_the_raw_sums_and_add_up():
    """Cell values are the raw CSV's sums; every relation of the table holds for them."""
    ds = load_dataset(SAMPLE)
    table = protect_park_year(ds, "GMY", 2016)
    raw = pd.read_csv(SAMPLE / MONTHLY, dtype={"月份": str})
    y16 = raw[raw["月份"].str.startswith("2016")]
    month = y16["月份"].str[5:7].astype(int)
    for (s, e), measure, column in (
        ((1, 5), "tax_revenue", "税收(万元)"),
        ((4, 6), "industrial_output", "工业总产值(万元)"),
        ((3, 3), "fixed_asset_investment", "固定资产投资(万元)"),
    ):
        expected = y16.loc[month.between(s, e), column].sum()
        assert table.cells[cell_id(measure, 2016, s, e)].value == pytest.approx(expected)
        nonzero = y16[column].fillna(0) != 0  # an empty cell or a 0 protects nobody
        firms = y16.loc[month.between(s, e) & nonzero, "企业代码"].nunique()
        contributors = table.cells[cell_id(measure, 2016, s, e)].contributions
        assert sum(v != 0 for v in contributors.values()) == firms
    # sums hold exactly; linear relations (亩均 ratio × area, growth) within their band
    for r in table.published_relations():
        left = sum(k * table.cells[m].value for m, k in r.terms())
        assert r.lo - 1e-6 <= left <= r.hi + 1e-6, r
