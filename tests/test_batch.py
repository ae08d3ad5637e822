"""Batch rendering on real kernels: planning, pooled-vs-fresh isolation, caching, failure
isolation, the index page and the exit codes of ``parkanalysis batch``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from parkanalysis import batch, cli, render
from parkanalysis.errors import ParameterError
from parkanalysis.render.export import page_content
from tests.helpers import make_notebook

SAMPLE = render.NOTEBOOK_DIR.parent / "data" / "sample"
BIN = Path(sys.executable).parent
CLI = BIN / "parkanalysis"


def _name(kind="period", data=SAMPLE, **params) -> str:
    """A report's HTML file name by the naming rule (parkanalysis.report.naming)."""
    return render.report_filename(kind, {"data": str(data), **params})


def _job(out, kind="period", label="", force=False, **params) -> batch.Job:
    base = {"data": str(SAMPLE), "park": None, "share": False}
    return batch.Job(kind, {**base, **params}, str(out), force, label)


_STAMP = re.compile(r"<dt>生成时间</dt><dd>[^<]*</dd>")


def _content(path: Path) -> str:
    """The page without its generation time (the only part allowed to differ)."""
    return _STAMP.sub("", path.read_text(encoding="utf-8"))


def _statuses(summary) -> dict[str, str]:
    return {r.name: r.status for r in summary.results}


def _no_temp_files(out: Path) -> bool:
    return not [p for p in out.rglob("*.tmp")]


# --------------------------------------------------------------------------- planning
def test_plan_jobs_follows_the_period_conventions(tmp_path):
    jobs = batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path)
    names = [j.name for j in jobs]
    # data end in June 2016; January is reported together with February (1-2月);
    # 1-3月 = Q1 and 1-6月 = H1 cover the same months: one report each, the H1 name wins
    expected = ["2016年1-2月", "2016年1-3月", "2016年1-4月", "2016年1-5月", "2016H1", "2016Q2"]
    assert sorted(names) == sorted(
        [_name(period=p) for p in expected] + [_name("land", as_of="2016-06")]
    )
    assert len(set(names)) == len(names)
    land = [j for j in jobs if j.kind == "land"]
    assert len(land) == 1 and land[0].params["as_of"] == "2016-06"
    assert all(j.params["data"] == str(SAMPLE.resolve()) for j in jobs)
    assert all(j.out_dir == str(tmp_path.resolve()) for j in jobs)

    full_year = [j.name for j in batch.plan_jobs(SAMPLE, 2015, out_dir=tmp_path)]
    assert _name(period="2015") in full_year  # 全年, not a second "1-12月"
    assert _name(period="2015年1-12月") not in full_year
    assert _name(period="2015-01") not in full_year  # no January alone
    assert {
        _name(period="2015Q4"), _name(period="2015H2"), _name("land", as_of="2015-12")
    } <= set(full_year)  # fmt: skip
    assert len(set(full_year)) == len(full_year)


def test_plan_jobs_refuses_unknown_years_and_parks(tmp_path):
    with pytest.raises(ParameterError, match="没有 2030 年"):
        batch.plan_jobs(SAMPLE, 2030, out_dir=tmp_path)
    with pytest.raises(ParameterError, match="没有园区"):
        batch.plan_jobs(SAMPLE, 2016, out_dir=tmp_path, parks=["../x"])
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- isolation
def test_pooled_reports_equal_fresh_ones_in_any_order(tmp_path):
    """Reports rendered in a fresh kernel each, and pooled in two orders: same HTML.

    One of each kind of state a report leaves in a kernel (office period report, land report,
    share report); in the two orders each follows a report of another kind.
    """
    specs = [
        ("period", {"period": "2016-01..2016-05"}),
        ("land", {"as_of": "2016-06"}),
        ("period", {"period": "2015Q3", "share": True}),
    ]
    fresh = tmp_path / "fresh"
    for kind, params in specs:
        base = {"data": str(SAMPLE), "park": None, "share": False}
        result = render.render_report(kind, out_dir=fresh, **{**base, **params})
        assert result.status == "rendered", result.error
    pages = sorted(p.name for p in fresh.glob("*.html"))
    assert len(pages) == len(specs)

    for order, name in ((specs, "pooled_a"), (specs[::-1], "pooled_b")):
        jobs = [_job(tmp_path / name, kind, **params) for kind, params in order]
        summary = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=1, progress=False)
        assert set(_statuses(summary).values()) == {"rendered"}, summary.describe()
        for page in pages:
            assert _content(tmp_path / name / page) == _content(fresh / page), (name, page)


def _papermill_then_nbconvert(job: batch.Job, out: Path) -> Path:
    """The naive way: the papermill CLI runs the notebook, the nbconvert CLI makes the page."""
    out.mkdir(parents=True, exist_ok=True)
    executed = out / (Path(job.name).stem + ".ipynb")
    args = [str(BIN / "papermill"), str(render.resolve_notebook(job.kind)), str(executed)]
    for key, value in job.params.items():
        if value is not None:
            args += ["-p", key, str(value)]
    args += ["--cwd", str(render.NOTEBOOK_DIR), "--no-progress-bar"]
    subprocess.run(args, check=True, capture_output=True, timeout=600)
    subprocess.run(
        [
            str(BIN / "jupyter"),
            "nbconvert",
            "--to",
            "html",
            "--no-input",
            "--no-prompt",
            f"--TemplateExporter.extra_template_basedirs={render.TEMPLATE_DIR}",
            "--template",
            "parkreport",
            "--output",
            Path(job.name).stem,
            str(executed),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out / job.name


def test_papermill_and_nbconvert_give_the_page_batch_gives(tmp_path, monkeypatch):
    """One notebook, the same parameters, two ways: the same report content.

    The batch renders the reports one after another in one warm kernel (each after another
    report); the naive way runs each with the papermill CLI and exports it with the nbconvert
    CLI (the ``parkreport`` template). The reports are one of each kind of preparation a
    notebook gets beyond papermill: a land report (none), a 工作总结 without the office's
    texts file (【待填写】 topics, sections renumbered), one with ``texts/2016H1.md``, and its
    share copy (no ``office_only`` cells, no placeholders). The document date is pinned
    (``SOURCE_DATE_EPOCH``, inherited by workers, kernels and the CLIs), so a run across
    midnight in Beijing compares the same cover.
    """
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1467648000")  # 2016年7月5日 in Beijing
    specs = [
        ("land", {"as_of": "2016-06"}),
        ("period", {"period": "2015H1"}),
        ("period", {"period": "2016H1"}),
        ("period", {"period": "2016H1", "share": True}),
    ]
    jobs = [_job(tmp_path / "batch", kind, **params) for kind, params in specs]
    summary = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=1, progress=False)
    assert set(_statuses(summary).values()) == {"rendered"}, summary.describe()
    for job in jobs:
        naive = _papermill_then_nbconvert(job, tmp_path / "naive")
        pooled = page_content((tmp_path / "batch" / job.name).read_text(encoding="utf-8"))
        assert page_content(naive.read_text(encoding="utf-8")) == pooled, job.name
        assert "2016年7月5日" in pooled, job.name  # the pinned date reached the cover
    # the office's sections are there, both ways (not missing from both)
    half = page_content((tmp_path / "naive" / jobs[1].name).read_text(encoding="utf-8"))
    assert "【待填写：基础设施建设】" in half and "三、下半年工作计划" in half
    written = (SAMPLE / "texts" / "2016H1.md").read_text(encoding="utf-8")
    opening = next(line for line in written.split("-->", 1)[1].splitlines() if line.strip())
    from parkanalysis.report.form import chinese_form  # the office's text, in Chinese form

    opening = chinese_form(opening)
    office = page_content((tmp_path / "naive" / jobs[2].name).read_text(encoding="utf-8"))
    assert opening.strip() in office


# --------------------------------------------------------------------------- cache
def test_second_run_renders_nothing_force_and_changed_data_render_again(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    out = tmp_path / "out"
    jobs = [
        batch.Job("period", {"data": str(data), "period": "2016Q2", "park": None}, str(out)),
        batch.Job("land", {"data": str(data), "as_of": "2016-06", "park": None}, str(out)),
    ]

    def run(force=False):
        planned = [batch.Job(j.kind, j.params, j.out_dir, force) for j in jobs]
        # one worker renders both reports (the cache is decided before any worker starts)
        return batch.run_batch(data=data, year=0, jobs=planned, workers=1, progress=False)

    first = run()
    assert set(_statuses(first).values()) == {"rendered"}
    page = out / _name(data=data, period="2016Q2")
    before = page.stat().st_mtime_ns

    second = run()
    assert set(_statuses(second).values()) == {"cached"}
    assert page.stat().st_mtime_ns == before
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    assert manifest[page.name]["status"] == "cached"

    forced = run(force=True)
    assert set(_statuses(forced).values()) == {"rendered"}
    assert page.stat().st_mtime_ns != before

    # touching a file changes nothing; changing its bytes renders every report again
    yaml = data / "park.yaml"
    yaml.touch()
    assert set(_statuses(run()).values()) == {"cached"}
    yaml.write_text(yaml.read_text(encoding="utf-8") + "\n# 修订\n", encoding="utf-8")
    assert set(_statuses(run()).values()) == {"rendered"}
    assert _no_temp_files(out)


# --------------------------------------------------------------------------- failures
def test_a_failing_report_is_isolated_and_marked(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    broken = make_notebook(
        nbdir,
        "broken",
        "leak = 'from the broken report'",
        "raise ValueError('坏数据 <b>')",
        params='data = ""  # 数据\nx = 1  # 序号',
    )
    probe = make_notebook(
        nbdir,
        "probe",
        "assert 'leak' not in globals(), 'state leaked'\nprint('clean', x)",
        params='data = ""  # 数据\nx = 1  # 序号',
    )
    out = tmp_path / "out"
    jobs = [
        batch.Job(str(broken), {"x": 1}, str(out), label="坏"),
        batch.Job(str(probe), {"x": 2}, str(out), label="探针"),
        _job(out, "period", period="2016Q2", label="2016年二季度"),
    ]
    summary = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=1, progress=False)
    by_name = {r.name: r for r in summary.results}
    assert by_name["broken.html"].status == "failed"
    assert "坏数据" in by_name["broken.html"].error
    assert by_name["probe.html"].status == "rendered"
    assert by_name[_name(period="2016Q2")].status == "rendered"
    assert not summary.ok
    assert not (out / "broken.html").exists()
    kept = out / ".failed" / "broken.ipynb"
    assert kept.is_file()
    executed = nbformat.read(kept, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    probe_page = (out / "probe.html").read_text(encoding="utf-8")
    assert "clean 2" in probe_page  # the next report ran in a clean (restarted) kernel

    index = (out / "index.html").read_text(encoding="utf-8")
    row = next(r for r in index.split("<tr") if "broken.html" in r)
    assert 'class="failed"' in row and "坏数据 &lt;b&gt;" in row and "<b>" not in row
    assert ".failed/broken.ipynb" in row
    assert "共 3 份报告" in index and "1 份失败" in index

    # fixing the notebook renders only what failed
    broken.write_text(probe.read_text(encoding="utf-8"), encoding="utf-8")
    again = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=1, progress=False)
    assert _statuses(again) == {
        "broken.html": "rendered",
        "probe.html": "cached",
        _name(period="2016Q2"): "cached",
    }
    assert not kept.exists()


def test_a_kernel_is_replaced_after_a_failure_and_periodically(tmp_path):
    ok = make_notebook(tmp_path, "ok", "import os\nprint(os.getpid())", params="x = 1  # n")
    bad = make_notebook(tmp_path, "bad", "raise RuntimeError('x')", params="x = 1  # n")
    with render.KernelSession(cwd=tmp_path, standby=True, restart_every=3) as session:
        pids = []
        for _ in range(2):
            nb = render.execute_notebook(ok, {}, session=session)
            pids.append(int(nb.cells[-1].outputs[0]["text"]))
        assert pids[0] == pids[1]  # reused
        with pytest.raises(render.ExecutionFailed):
            render.execute_notebook(bad, {}, session=session)
        nb = render.execute_notebook(ok, {}, session=session)
        after_failure = int(nb.cells[-1].outputs[0]["text"])
        assert after_failure != pids[0]
        assert session.standby_pid is not None  # a spare kernel warms up after a failure
        for _ in range(3):
            nb = render.execute_notebook(ok, {}, session=session)
        periodic = int(nb.cells[-1].outputs[0]["text"])
        assert periodic != after_failure  # restart_every=3
        assert session.kernels_started >= 3


# --------------------------------------------------------------------------- index page
def test_index_page_escapes_and_lists_status_time_and_period(tmp_path):
    records = [
        {
            "name": "A<1>_2016Q2_period.html",
            "kind": "period",
            "park": "A<1>",
            "park_name": "<script>alert(1)</script>园",
            "period": "2016Q2",
            "label": "2016年二季度",
            "status": "rendered",
            "seconds": 1.234,
            "finished_at": "2016-07-01T08:09:10+08:00",
            "error": None,
            "failed_notebook": None,
        },
        {
            "name": "B_asof201606_land.html",
            "kind": "land",
            "park": "B",
            "park_name": "乙园",
            "period": "2016-06",
            "label": "截至2016年6月",
            "status": "failed",
            "seconds": 0.5,
            "finished_at": "2016-07-01T08:09:11+08:00",
            "error": 'ValueError: "坏" <img src=x onerror=alert(1)>',
            "failed_notebook": ".failed/B_asof201606_land.ipynb",
        },
    ]
    page = batch.index_html(records)
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;园" in page
    assert 'href="A&lt;1&gt;_2016Q2_period.html"' in page
    assert "2016年二季度" in page and "截至2016年6月" in page
    assert "已生成" in page and "失败" in page and "1 份失败" in page
    assert "2016-07-01 08:09:10" in page and "1.2" in page
    assert "土地供应与扩园需求报告" in page
    assert page.count("<tr class=") == 2


# --------------------------------------------------------------------------- CLI
def _cli(*args, **kwargs):
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=600, **kwargs)


def test_cli_batch_exit_codes(tmp_path):
    out = tmp_path / "out"
    bad = _cli("batch", "--data", str(SAMPLE), "--year", "2030", "--out", str(out), "--quiet")
    assert bad.returncode == 2 and "2030" in bad.stderr
    bad = _cli("batch", "--data", str(tmp_path / "nope"), "--year", "2016", "--out", str(out))
    assert bad.returncode == 2
    assert not out.exists()

    # the command line plans what plan_jobs plans (its default kinds are DEFAULT_KINDS); the
    # exit codes are checked on the quarters and the land report of the year
    parsed = cli.build_parser().parse_args(["batch", "--data", "x", "--year", "2016"])
    assert tuple(parsed.kinds.split(",")) == batch.DEFAULT_KINDS
    kinds = ("quarter", "land")
    jobs = batch.plan_jobs(SAMPLE, 2016, out_dir=out, kinds=kinds)
    names = [j.name for j in jobs]
    n = len(names)
    assert n >= 3
    args = ["batch", "--data", str(SAMPLE), "--year", "2016", "--out", str(out)]
    args += ["--kinds", ",".join(kinds), "--workers", "1"]  # one kernel renders the three

    first = _cli(*args)
    assert first.returncode == 0, first.stderr
    assert "生成报告" in first.stderr  # the progress bar
    assert f"已生成 {n} 份" in first.stdout
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr class=") == n and "失败" not in index.split("<tbody>")[1]
    pages = [p for p in out.glob("*.html") if not p.name.startswith("index")]
    assert sorted(p.name for p in pages) == sorted(names)
    for page in pages:
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")

    again = _cli(*args, "--quiet")
    assert again.returncode == 0 and f"未变化(沿用) {n} 份" in again.stdout

    # a report that fails makes the exit code 1: an output file that cannot be replaced
    # (a folder in its place) fails that report only; the others are unchanged (cached), so
    # only that one is rendered again
    name = next(j.name for j in jobs if j.kind == "period")
    target = out / name
    target.unlink()
    target.mkdir()
    (target / "keep").write_text("x")
    failed = _cli(*args, "--quiet")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert f"未变化(沿用) {n - 1} 份" in failed.stdout and "失败 1 份" in failed.stdout
    assert name in failed.stdout
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    assert manifest[name]["status"] == "failed"
    assert _no_temp_files(out)
