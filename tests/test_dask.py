"""``parkanalysis batch --scheduler``: the same work on a Dask cluster (a LocalCluster on
127.0.0.1 with two worker processes), with the index page, failure isolation and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from parkanalysis import batch, render
from tests.helpers import require_module

distributed = require_module("distributed")  # the dask extra (tests/helpers.py)

SAMPLE = render.NOTEBOOK_DIR.parent / "data" / "sample"
CLI = Path(sys.executable).parent / "parkanalysis"


@pytest.fixture(scope="module")
def cluster():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        yield cluster
    finally:
        cluster.close()


def _broken_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell('data = ""  # 数据')
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, nbformat.v4.new_code_cell("raise ValueError('坏数据')")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / "broken.ipynb"
    nbformat.write(nb, path)
    return path


def test_cli_batch_on_a_cluster(cluster, tmp_path):
    out = tmp_path / "out"
    # the quarters and the land report of the year (the whole year's plan is plan_jobs' test)
    kinds = ("quarter", "land")
    n = len(batch.plan_jobs(SAMPLE, 2016, out_dir=out, kinds=kinds))
    args = ["batch", "--data", str(SAMPLE), "--year", "2016", "--out", str(out)]
    args += ["--kinds", ",".join(kinds)]
    result = subprocess.run(
        [str(CLI), *args, "--scheduler", cluster.scheduler_address],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "生成报告" in result.stderr  # the same progress bar
    assert f"已生成 {n} 份" in result.stdout
    pages = sorted(p.name for p in out.glob("*.html") if p.name != "index.html")
    assert len(pages) == n
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(index.count(f'href="{name}"') == 1 for name in pages)

    # the local pool produces the same report (apart from the generation time)
    local = tmp_path / "local"
    params = {"data": str(SAMPLE), "period": "2016Q2", "park": None, "share": False}
    job = batch.Job("period", params, str(local))
    batch.run_batch(data=SAMPLE, year=0, jobs=[job], workers=1, progress=False)

    def body(path):  # without the provenance footer's time (the 上报稿 has no footer)
        text = path.read_text(encoding="utf-8")
        return text.split("<dt>生成时间</dt>", 1)[0]

    name = job.name  # the naming rule's file name (parkanalysis.report.naming)
    assert body(out / name) == body(local / name)

    again = subprocess.run(
        [str(CLI), *args, "--scheduler", cluster.scheduler_address, "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0 and f"未变化(沿用) {n} 份" in again.stdout


def test_a_failing_report_on_the_cluster_is_isolated(cluster, tmp_path):
    out = tmp_path / "out"
    broken = _broken_notebook(tmp_path)
    base = {"data": str(SAMPLE), "park": None, "share": False}
    jobs = [
        batch.Job(str(broken), {"data": str(SAMPLE)}, str(out), label="坏"),
        batch.Job("period", {**base, "period": "2016-01..2016-05"}, str(out), label="1-5月"),
        batch.Job("land", {**base, "as_of": "2016-06"}, str(out), label="截至2016年6月"),
    ]
    summary = batch.run_batch(
        data=SAMPLE, year=0, jobs=jobs, scheduler=cluster.scheduler_address, progress=False
    )
    statuses = {r.name: r.status for r in summary.results}
    assert statuses == {
        "broken.html": "failed",
        jobs[1].name: "rendered",
        jobs[2].name: "rendered",
    }
    assert not summary.ok  # the CLI exits 1
    failed = next(r for r in summary.results if r.status == "failed")
    assert "坏数据" in failed.error
    assert (out / ".failed" / "broken.ipynb").is_file()
    assert not (out / "broken.html").exists()
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    assert manifest["broken.html"]["status"] == "failed"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 份失败" in index and index.count("<tr class=") == 3


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [
            *(str(CLI), "batch", "--data", str(SAMPLE), "--year", "2016"),
            *("--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9", "--quiet"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"},
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "无法连接 Dask 调度器" in result.stderr and "Traceback" not in result.stderr


def test_a_province_of_office_folders_on_the_cluster(cluster, tmp_path):
    """``batch --scheduler`` on a folder of office folders (park ids repeating across
    offices): each office's parks in its own subfolder, the overview over every office in
    the output folder itself, its total the pandas sum over the raw files."""
    from parkanalysis.report.form import chinese_form
    from parkanalysis.sample import write_synthetic
    from tests.zone_reference import union

    root = tmp_path / "province"
    for i, office in enumerate(("east", "west")):
        write_synthetic(root / office, parks=2, enterprises=15, years=3, seed=60 + i)
    out = tmp_path / "out"
    jobs = batch.plan_jobs(root, 2016, out_dir=out, kinds=("half", "overview"))
    assert [(j.kind, Path(j.out_dir).name) for j in jobs] == [
        ("period", "east"), ("period", "east"), ("period", "west"), ("period", "west"),
        ("overview", "out"),
    ]  # fmt: skip
    result = subprocess.run(
        [str(CLI), "batch", "--data", str(root), "--year", "2016", "--out", str(out),
         "--kinds", "half,overview", "--scheduler", cluster.scheduler_address, "--quiet"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for office in ("east", "west"):
        pages = sorted(p.name for p in (out / office).glob("*2016年上半年*.html"))
        assert len(pages) == 2, pages
        index = (out / office / "index.html").read_text(encoding="utf-8")
        assert all(f'href="{name}"' in index for name in pages)
    (overview,) = out.glob("*综述(2016年1-6月).html")
    assert f"索引页: {out / 'index.html'}" in result.stdout
    taken = [(o, p) for o in ("east", "west") for p in ("P001", "P002")]
    u = union([root / "east", root / "west"], taken)["monthly"]
    level = u.loc[u["month"].isin([f"2016-{m:02d}" for m in range(1, 7)]), "output_wan_yuan"]
    html = overview.read_text(encoding="utf-8")
    row = next(r for r in html.split("<tr") if chinese_form("工业总产值(万元)") in r)
    assert f"{level.sum():,.1f}" in row
