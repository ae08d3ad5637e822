"""Faults injected into real batches: killed workers and kernels, concurrent batches into one
folder, a full disk, hostile parameters. Nothing of the pipeline is mocked; the disk-full
cases use a small tmpfs (when it can be mounted) and an ``OSError(ENOSPC)`` raised by
``os.fsync`` in the write path."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from parkanalysis import batch, render
from parkanalysis._io import WriteError
from parkanalysis.errors import ParameterError, ParkAnalysisError
from tests.helpers import make_notebook, tmpfs

SAMPLE = render.NOTEBOOK_DIR.parent / "data" / "sample"
CLI = Path(sys.executable).parent / "parkanalysis"

#: A notebook that, while ``trigger`` exists, writes "<kernel pid> <worker pid>" to
#: ``marker`` and sleeps: the test knows exactly which processes run which report.
SLEEPER_CELL = """
import os, pathlib, time
if trigger and pathlib.Path(trigger).exists():
    tmp = marker + ".part"
    pathlib.Path(tmp).write_text(f"{os.getpid()} {os.getppid()}")
    os.replace(tmp, marker)
    time.sleep(120)
    print("slept")
else:
    print("awake")
"""


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One warm kernel for the in-process cases (its cwd is a scratch folder)."""
    cwd = tmp_path_factory.mktemp("kernel-cwd")
    with render.KernelSession(cwd=cwd, timeout=120) as warm:
        warm.wait_ready()
        warm.cwd_path = cwd
        yield warm


def _cli(*args, **kwargs):
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=600, **kwargs)


def _leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith((".tmp", ".part"))]


def _gone(pid: int, timeout: float = 300) -> bool:
    """True once ``pid`` has exited (a zombie counts as exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.2)
    return False


# --------------------------------------------------------------------------- SIGKILL
def _sleeper_jobs(tmp_path: Path, out: Path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir(exist_ok=True)
    sleeper = make_notebook(
        nbdir, "sleeper", SLEEPER_CELL, params='data = ""  # d\ntrigger = ""  # t\nmarker = ""  # m'
    )
    trigger, marker = tmp_path / "trigger", tmp_path / "marker"
    trigger.write_text("1")
    params = {"trigger": str(trigger), "marker": str(marker)}
    base = {"data": str(SAMPLE), "park": None, "share": False}
    jobs = [
        batch.Job(str(sleeper), params, str(out), label="睡眠"),
        batch.Job("period", {**base, "period": "2016Q2"}, str(out), label="2016年二季度"),
        batch.Job("land", {**base, "as_of": "2016-06"}, str(out), label="截至2016年6月"),
    ]
    return jobs, trigger, marker


def _kill_when_marked(marker: Path, which: str) -> dict:
    """Start a thread that SIGKILLs the sleeping report's kernel or worker."""
    seen: dict = {}

    def run():
        deadline = time.monotonic() + 180
        while not marker.exists():
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        kernel_pid, worker_pid = map(int, marker.read_text().split())
        seen.update(kernel=kernel_pid, worker=worker_pid)
        os.kill(kernel_pid if which == "kernel" else worker_pid, signal.SIGKILL)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    seen["thread"] = thread
    return seen


@pytest.mark.parametrize("which", ["worker", "kernel"])
def test_sigkill_mid_batch_fails_only_that_report(tmp_path, which):
    out = tmp_path / "out"
    jobs, trigger, marker = _sleeper_jobs(tmp_path, out)
    seen = _kill_when_marked(marker, which)
    # one worker for the kernel kill: the same worker must go on with a new kernel
    workers = 2 if which == "worker" else 1
    summary = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=workers, progress=False)
    seen["thread"].join(timeout=5)
    assert "kernel" in seen, "the sleeping report never started"

    by_name = {r.name: r for r in summary.results}
    assert by_name["sleeper.html"].status == "failed"
    expected = "工作进程意外退出" if which == "worker" else "内核异常终止"
    assert expected in by_name["sleeper.html"].error
    period_name, land_name = jobs[1].name, jobs[2].name  # the naming rule's file names
    assert by_name[period_name].status == "rendered"
    assert by_name[land_name].status == "rendered"
    assert not summary.ok
    assert not (out / "sleeper.html").exists()  # no partial HTML
    assert not _leftovers(out)
    for page in out.glob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr class=") == 3 and "1 份失败" in index
    # the killed worker's kernel does not linger
    assert _gone(seen["kernel"]) and _gone(seen["worker"])

    # second run: only the missing report is rendered
    trigger.unlink()
    again = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=workers, progress=False)
    assert {r.name: r.status for r in again.results} == {
        "sleeper.html": "rendered",
        period_name: "cached",
        land_name: "cached",
    }
    assert "awake" in (out / "sleeper.html").read_text(encoding="utf-8")
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    assert {r["status"] for r in manifest.values()} == {"rendered", "cached"}
    assert not (out / ".failed" / "sleeper.ipynb").exists()


# --------------------------------------------------------------------------- concurrency
def test_two_batches_into_one_folder_stay_consistent(tmp_path):
    out = tmp_path / "out"
    kinds = ("quarter", "land")  # three reports each, written by both batches
    n = len(batch.plan_jobs(SAMPLE, 2016, out_dir=out, kinds=kinds))
    args = ["batch", "--data", str(SAMPLE), "--year", "2016", "--out", str(out)]
    args += ["--workers", "1", "--quiet", "--force", "--kinds", ",".join(kinds)]
    procs = [
        subprocess.Popen([str(CLI), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs

    pages = sorted(p.name for p in out.glob("*.html") if p.name != "index.html")
    assert len(pages) == n >= 3
    for name in pages:
        text = (out / name).read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest) == pages
    assert {r["status"] for r in manifest.values()} == {"rendered"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.rstrip().endswith("</html>")
    for name in pages:
        assert index.count(f'href="{name}"') == 1
    assert index.count("<tr class=") == n
    assert not _leftovers(out)


# --------------------------------------------------------------------------- disk full
@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB filesystem to fill (a tmpfs; tests/helpers.py says when it cannot mount)."""
    with tmpfs(tmp_path / "small", "size=1m") as mount:
        yield mount


def _fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_full_disk_keeps_the_previous_report(small_disk, session):
    out = small_disk / "out"
    params = {"data": str(SAMPLE), "period": "2016Q2", "park": None, "share": False}
    first = render.render_report("period", out_dir=out, session=session, **params)
    assert first.status == "rendered"
    page = first.html_path
    before = page.read_bytes()
    key_before = (out / ".cache" / (page.name + ".key")).read_bytes()

    filler = _fill(small_disk)
    with pytest.raises(WriteError, match="磁盘空间不足") as info:
        render.render_report("period", out_dir=out, session=session, force=True, **params)
    assert str(page) in str(info.value) and "原有文件保持不变" in str(info.value)
    assert page.read_bytes() == before
    assert (out / ".cache" / (page.name + ".key")).read_bytes() == key_before
    assert not _leftovers(small_disk)

    # in a batch the report is marked failed with the same clear message
    job = batch.Job("period", params, str(out), force=True, label="2016年二季度")
    result = batch.render_job(job, session)
    assert result.status == "failed" and "磁盘空间不足" in result.error
    assert page.read_bytes() == before

    # the command line: exit code 2 and the message, no traceback
    cli = _cli(
        "render",
        "period",
        "--data",
        str(SAMPLE),
        "--period",
        "2016Q2",
        "--out",
        str(out),
        "--force",
    )
    assert cli.returncode == 2, cli.stdout + cli.stderr
    assert "磁盘空间不足" in cli.stderr and "Traceback" not in cli.stderr
    assert page.read_bytes() == before
    assert not _leftovers(small_disk)
    filler.unlink()


def test_injected_enospc_in_the_write_path(tmp_path, session, monkeypatch):
    out = tmp_path / "out"
    params = {"data": str(SAMPLE), "as_of": "2016-06", "park": None, "share": False}
    first = render.render_report("land", out_dir=out, session=session, **params)
    assert first.status == "rendered"
    page = first.html_path
    before = page.read_bytes()
    batch.record_results(out, [])
    index_before = (out / "index.html").read_bytes()

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", no_space)
        with pytest.raises(WriteError, match="磁盘空间不足"):
            render.render_report("land", out_dir=out, session=session, force=True, **params)
        with pytest.raises(WriteError, match="磁盘空间不足"):
            batch.record_results(out, [])
    assert page.read_bytes() == before
    assert (out / "index.html").read_bytes() == index_before
    assert not _leftovers(out)


# --------------------------------------------------------------------------- hostile input
PAYLOAD = '"); import os; os.system("touch {pwned}") #'


def test_hostile_names_are_refused_with_exit_code_2(tmp_path):
    out = tmp_path / "out"
    pwned = tmp_path / "pwned"
    period = ["--data", str(SAMPLE), "--out", str(out)]
    cases = [
        ["batch", "--data", str(SAMPLE), "--year", "2016", "--out", str(out), "--park", "../x"],
        ["batch", "--data", str(SAMPLE), "--year", "2016", "--out", str(out), "--park", "CON"],
        ["render", "period", *period, "--period", "2016Q2", "--park", "../x"],
        ["render", "period", *period, "--period", "2016Q2", "--park", "/etc/passwd"],
        ["render", "period", *period, "--period", "2016Q2", "--park", "CON"],
        ["render", "period", *period, "--period", "2016Q2", "--park", "nul.txt"],
        ["render", "period", *period, "--period", "2016-01/../../x"],
        ["render", "period", *period, "--period", "../../x"],
        ["render", "period", *period, "--period", "2016Q2\n../x"],
        ["render", "period", *period, "--period", PAYLOAD.format(pwned=pwned)],
        ["render", "period", *period, "--period", "2016Q2", "--park", PAYLOAD.format(pwned=pwned)],
        ["render", str(tmp_path / "../../x.ipynb"), *period],
    ]
    for args in cases:
        result = _cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, no out folder
    assert not pwned.exists()


def test_nul_bytes_and_reserved_names_are_refused_by_the_api(tmp_path):
    base = {"data": str(SAMPLE), "share": False}
    for params in (
        {"period": "2016Q2\x00"},
        {"period": "2016Q2", "park": "a\x00b"},
        {"period": "2016Q2", "park": "nul"},
        {"period": "2016Q2", "park": "Com1"},
        {"period": "2016Q2", "park": ".."},
        {"period": "2016Q2", "park": "a/b"},
        {"period": "2016Q2", "park": "a\\b"},
    ):
        with pytest.raises(ParkAnalysisError):
            render.plan_report("period", out_dir=tmp_path, **base, **params)
        job = batch.Job("period", {**base, **params}, str(tmp_path))
        with pytest.raises(ParkAnalysisError):
            job.name  # noqa: B018
        assert batch.precheck(job).status == "failed"
    assert not any(tmp_path.iterdir())


def test_park_ids_from_the_data_cannot_leave_the_output_folder(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    # a second park whose id is a path: the same rows under "../evil"
    for path in data.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".csv":
            lines = text.splitlines()
            extra = [line.replace("GMY", "../evil") for line in lines[1:] if "GMY" in line]
            path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    yaml = data / "park.yaml"
    text = yaml.read_text(encoding="utf-8")
    block = text[text.index("  - park_id: GMY") : text.index("config:")]
    evil = block.replace("park_id: GMY", 'park_id: "../evil"').replace(
        "name: 工贸园", "name: 恶意园"
    )
    yaml.write_text(text.replace(block, block + evil), encoding="utf-8")

    out = tmp_path / "out"
    result = _cli("batch", "--data", str(data), "--year", "2016", "--out", str(out), "--quiet")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_parameters_are_injected_as_data_never_as_code(tmp_path, session):
    pwned = session.cwd_path / "pwned"
    echo = make_notebook(tmp_path, "echo", "print(repr(note))", params='note = ""  # 备注')
    payloads = [
        PAYLOAD.format(pwned=pwned),
        PAYLOAD.format(pwned=pwned).replace('"', "'"),
        '\\"); import os; os.system(\\"touch pwned\\") #',
        '"""; import os; os.system("touch pwned"); """',
        "'''; import os; os.system('touch pwned'); '''",
        "{open('pwned', 'w')}",
        "园区 \\u0022); open('pwned','w') #",
    ]
    out = tmp_path / "out"
    for index, payload in enumerate(payloads):
        nb = render.execute_notebook(echo, {"note": payload}, session=session)
        assert nb.cells[-1].outputs[0]["text"] == repr(payload) + "\n", payload
        result = render.render_report(
            str(echo), out_dir=out / str(index), session=session, note=payload
        )
        assert result.status == "rendered"
    with pytest.raises(ParameterError):  # a newline could end a comment: refused
        render.execute_notebook(echo, render.check_parameters(echo, {"note": "a\nimport os"}))

    # a data folder whose name is code: still just a path
    data = tmp_path / "d'); open('pwned', 'w') #\"); open('pwned', 'w') #"
    shutil.copytree(SAMPLE, data)
    params = {"data": str(data), "period": "2016Q2", "park": None, "share": False}
    result = render.render_report("period", out_dir=out / "d", session=session, **params)
    assert result.status == "rendered", result.error
    assert not pwned.exists() and not (session.cwd_path / "pwned").exists()
    assert not (render.NOTEBOOK_DIR / "pwned").exists()
