"""A share batch of a park whose data start mid-year: every report's protected table builds.

The synthetic set ends in June 2016 and covers two years, so its first year, 2014, has data
from July only. The protected table used to ask for 「2014年1-2月」 (outside the data) and 5
of 48 share reports failed where the internal copy rendered. Here every job of the share
batch of 2014 gets its record (the protected table and the cells the report prints), the
cells hold the raw CSV's sums (computed here with pandas), and a share report of 2015 that
compares with 2014 is rendered.
"""

from __future__ import annotations

import pandas as pd
import pytest

from parkanalysis.dataset import load_dataset
from parkanalysis.share import cell_id, protect_park_year


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    from parkanalysis.sample import write_synthetic

    folder = tmp_path_factory.mktemp("midyear") / "syn"
    write_synthetic(folder, parks=3, enterprises=8, years=2, seed=3)
    return folder


def test_every_share_job_of_the_first_year_gets_its_record(syn, tmp_path):
    import json

    from parkanalysis.batch import plan_jobs
    from parkanalysis.share.sidecar import audit_folder, audit_text, write_sidecar

    ds = load_dataset(syn)
    assert ds.month_range[0] == (2014, 7)  # the situation is really there
    out = tmp_path / "out"
    out.mkdir()
    jobs = plan_jobs(syn, 2014, out_dir=out, share=True) + plan_jobs(
        syn, 2015, out_dir=out, share=True
    )
    assert len(jobs) >= 48
    for job in jobs:
        write_sidecar(out / job.name, job.params, job.kind)
    records = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.cells.json")]
    assert len(records) == len(jobs)
    result = audit_folder(out)
    assert result.ok, audit_text(result)
    # the cells are the raw sums: 1-9月 = July to September, nothing before July
    raw = pd.read_csv(syn / "monthly_stats.csv", dtype={"month": str, "park_id": str})
    for park in ds.parks:
        table = protect_park_year(
            load_dataset(syn, park=park) if len(ds.parks) > 1 else ds, park, 2014
        )
        rows = raw[(raw["park_id"] == park) & raw["month"].between("2014-07", "2014-09")]
        cell = table.cells[cell_id("tax_revenue", 2014, 1, 9)]
        assert cell.value == pytest.approx(rows["tax_wan_yuan"].sum())
        assert table.cells[cell_id("tax_revenue", 2014, 1, 2)].value == 0.0
        assert not table.exposures()


@pytest.mark.slow
def test_a_share_report_compared_with_the_first_year_renders(syn, tmp_path):
    """2015年1-3月 compares its hazards with 2014年1-3月, before the data begin."""
    from parkanalysis.render import render_report

    result = render_report(
        "period", out_dir=tmp_path / "out", data=str(syn), park="P001", period="2015年1-3月",
        share=True,
    )  # fmt: skip
    assert result.status == "rendered", result.error
    assert result.html_path.with_name(result.html_path.stem + ".cells.json").is_file()
