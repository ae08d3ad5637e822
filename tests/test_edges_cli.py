"""The edges of the command line: outputs checked before any work, parameters checked before a
kernel, bounded workers, batches planned per park, a corrupt manifest, text from the data made
safe for CSV, XLSX and the terminal, and the README's plain-papermill line.

Every command runs in a subprocess, as a user runs it; expected answers come from the raw
files (pandas on the CSVs) or from the command the behaviour must match (``indicators``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from parkanalysis import batch, render
from tests import corpus as C
from tests.helpers import tmpfs

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PAPERMILL = Path(sys.executable).with_name("papermill")


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture
def data(tmp_path):
    return Path(shutil.copytree(SAMPLE, tmp_path / "data"))


# -- outputs checked before any work ---------------------------------------------------------


def test_output_over_a_raw_file_is_refused(data, tmp_path):
    before = _digests(data)
    r = C.run_cli(
        ["indicators", str(data), "--period", "2016H1", "--format", "csv", "-o",
         str(data / "monthly_stats.csv")],
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2, r.output
    assert "数据文件夹" in r.stderr and "Traceback" not in r.output
    assert _digests(data) == before


@pytest.mark.parametrize("command", ["indicators", "land"])
def test_output_into_a_missing_folder_is_refused_not_created(data, tmp_path, command):
    missing = tmp_path / "typo" / "deeper"
    args = [command, str(data), "--format", "csv", "-o", str(missing / "out.csv")]
    if command == "indicators":
        args[2:2] = ["--period", "2016H1"]
    r = C.run_cli(args, cwd=tmp_path)
    assert r.returncode == 2, r.output
    assert "不存在" in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "typo").exists()


def test_output_at_a_folder_is_refused(data, tmp_path):
    (tmp_path / "out.csv").mkdir()
    r = C.run_cli(
        ["land", str(data), "--format", "csv", "-o", str(tmp_path / "out.csv")], cwd=tmp_path
    )
    assert r.returncode == 2 and "文件夹" in r.stderr, r.output
    assert list((tmp_path / "out.csv").iterdir()) == []


def test_batch_out_at_a_file_fails_before_rendering(data, tmp_path):
    target = tmp_path / "reports"
    target.write_text("not a folder")
    r = C.run_cli(["batch", "--data", str(data), "--year", "2016", "--out", str(target)],
                  cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2, r.output
    assert "不是文件夹" in r.stderr and "Traceback" not in r.output
    assert "生成报告" not in r.stderr  # no progress bar: nothing was rendered
    assert target.read_text() == "not a folder"


def test_batch_out_inside_the_dataset_is_refused(data, tmp_path):
    r = C.run_cli(
        ["batch", "--data", str(data), "--year", "2016", "--out", str(data / "reports")],
        cwd=tmp_path,
    )
    assert r.returncode == 2 and "数据文件夹" in r.stderr, r.output
    assert not (data / "reports").exists()


@pytest.fixture
def read_only_fs(tmp_path):
    """A real read-only filesystem (a tmpfs mounted ro; tests/helpers.py says when it cannot)."""
    with tmpfs(tmp_path / "ro", "size=1m,ro") as mount:
        yield mount


def test_batch_out_on_a_read_only_filesystem_fails_before_rendering(data, tmp_path, read_only_fs):
    for out in (read_only_fs, read_only_fs / "reports"):
        r = C.run_cli(
            ["batch", "--data", str(data), "--year", "2016", "--out", str(out)], cwd=tmp_path
        )
        assert r.returncode == 2, r.output
        assert "无法在" in r.stderr and "Traceback" not in r.output
        assert "生成报告" not in r.stderr


# -- workers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_zero_or_negative_workers_are_refused(data, tmp_path, workers):
    r = C.run_cli(
        ["batch", "--data", str(data), "--year", "2016", "--out", str(tmp_path / "r"),
         "--workers", workers],
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 2 and "--workers" in r.stderr, r.output
    assert not (tmp_path / "r").exists()


def test_too_many_workers_are_capped_with_a_message(data, tmp_path):
    cap, message = batch.bounded_workers(1000)
    assert 1 <= cap <= (os.cpu_count() or 1)
    assert message is not None and "1000" in message and f"已改为 {cap}" in message
    assert batch.bounded_workers(1) == (1, None)
    # the CLI says so before anything else (the out folder here is refused afterwards)
    (tmp_path / "file").write_text("")
    r = C.run_cli(
        ["batch", "--data", str(data), "--year", "2016", "--out", str(tmp_path / "file"),
         "--workers", "1000"],
        cwd=tmp_path,
    )  # fmt: skip
    assert f"已改为 {cap}" in r.stderr, r.output


# -- render checks what indicators checks, before a kernel ---------------------------------------


@pytest.mark.parametrize(
    "render_args, indicators_args",
    [
        (["--period", "2030H1"], ["--period", "2030H1"]),
        (["--period", "2016H1", "--park", "ＧＭＹ"], ["--period", "2016H1", "--park", "ＧＭＹ"]),
    ],
    ids=["period_after_the_data", "full_width_park"],
)
def test_render_refuses_what_indicators_refuses(data, tmp_path, render_args, indicators_args):
    out = tmp_path / "reports"
    r = C.run_cli(["render", "period", "--data", str(data), "--out", str(out), *render_args],
                  cwd=tmp_path)  # fmt: skip
    ref = C.run_cli(["indicators", str(data), *indicators_args], cwd=tmp_path)
    assert ref.returncode == 2
    assert r.returncode == 2, r.output
    assert "Traceback" not in r.output
    assert r.stderr.strip().splitlines()[-1] == ref.stderr.strip().splitlines()[-1]
    assert not out.exists() or not any(out.rglob("*.ipynb")), sorted(out.rglob("*"))


@pytest.mark.parametrize("param", ["horizon=0", "horizon=31", "confidence=1.5"])
def test_render_refuses_out_of_range_land_parameters(data, tmp_path, param):
    out = tmp_path / "reports"
    r = C.run_cli(["render", "land", "--data", str(data), "--out", str(out), "-p", param],
                  cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2, r.output
    assert param.split("=")[0] in r.stderr and "Traceback" not in r.output
    assert not out.exists() or not any(out.rglob("*.ipynb"))


def test_kept_notebook_names_are_plain(tmp_path):
    import unicodedata

    plan = render.plan_report(
        "period", out_dir=tmp_path, data=str(SAMPLE), period="2016H1", park="ＧＭＹ 甲"
    )
    name = plan.failed_path.name
    assert name.endswith(".ipynb") and plan.failed_path.parent == tmp_path / ".failed"
    assert name == unicodedata.normalize("NFKC", name), name  # no full-width look-alikes
    assert not re.search(r'[\x00-\x1f\x7f/\\:*?"<>|\s]', name), name
    # a report named after its title keeps the title for its kept notebook
    titled = render.plan_report("period", out_dir=tmp_path, data=str(SAMPLE), period="2016H1")
    assert titled.failed_path.stem == titled.html_path.stem


# -- batches planned per park -------------------------------------------------------------------


def test_a_lagging_park_gets_no_report_past_its_own_last_month(tmp_path):
    data = tmp_path / "data"
    C.run_cli(["sample", "--out", str(data), "--parks", "2", "--enterprises", "6",
               "--years", "3"], cwd=tmp_path)  # fmt: skip
    monthly = pd.read_csv(data / "monthly_stats.csv", dtype=str, keep_default_na=False)
    parks = sorted(monthly["park_id"].unique())
    last = monthly["month"].max()
    year = int(last[:4])
    lagging = parks[1]
    cut = f"{year}-{max(int(last[5:]) - 3, 3):02d}"
    keep = (monthly["park_id"] != lagging) | (monthly["month"] <= cut)
    monthly.loc[keep].to_csv(data / "monthly_stats.csv", index=False)
    # what each park's own data cover, from the raw file
    ends = monthly.loc[keep].groupby("park_id")["month"].max().to_dict()
    assert ends[lagging] < ends[parks[0]]

    notes: list[str] = []
    jobs = batch.plan_jobs(data, year, out_dir=tmp_path / "r", notes=notes)
    for park in parks:
        end_month = int(ends[park][5:]) if ends[park][:4] == str(year) else 12
        mine = [j for j in jobs if j.params["park"] == park]
        assert mine, park
        for job in mine:
            if job.kind == "period":
                from parkanalysis.periods import parse_period

                assert parse_period(job.params["period"]).end_month <= end_month, job
            else:
                assert job.params["as_of"] == f"{year}-{end_month:02d}", job
        # the leading park still gets its reports up to its own last month
        if park != lagging:
            assert any(
                j.kind == "period" and parse_period(j.params["period"]).end_month == end_month
                for j in mine
            )
    assert any(lagging in note for note in notes), notes


# -- a corrupt manifest -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2, 3]",
        '{"a.html": 5}',
        '{"a.html": {"name": "a.html"}}',
        "{not json",
        '"just a string"',
    ],
    ids=["list", "record_not_a_dict", "record_missing_keys", "invalid_json", "string"],
)
def test_a_corrupt_manifest_is_rebuilt_with_a_warning(tmp_path, content, capsys):
    out = tmp_path / "reports"
    out.mkdir()
    (out / ".manifest.json").write_text(content, encoding="utf-8")
    job = batch.Job("period", {"data": str(SAMPLE), "period": "2016H1"}, str(out))
    result = batch.job_result(job, "failed", 1.0, "测试错误")
    index = batch.record_results(out, [result])
    assert "已重建" in capsys.readouterr().err
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    assert list(manifest) == [result.name]
    assert result.name in index.read_text(encoding="utf-8")
    assert (out / ".manifest.json.bad").read_text(encoding="utf-8") == content


# -- text from the data: CSV, XLSX, terminal ----------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd", "@SUM(1)", "-2+3", "\tTAB"]


@pytest.fixture
def hostile_parks(tmp_path):
    """Two parks; the second's id and name hold formulas and control characters."""
    data = tmp_path / "data"
    C.run_cli(["sample", "--out", str(data), "--parks", "2", "--enterprises", "6",
               "--years", "2"], cwd=tmp_path)  # fmt: skip
    doc = yaml.safe_load((data / "park.yaml").read_text(encoding="utf-8"))
    old = doc["parks"][1]["park_id"]
    new = "@SUM(1)"
    doc["parks"][1]["park_id"] = new
    doc["parks"][1]["name"] = "园\x1b]0;pwned\x07区"
    (data / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for path in data.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "park_id" in frame:
            frame.loc[frame["park_id"] == old, "park_id"] = new
            frame.to_csv(path, index=False)
    return data, new


def test_csv_output_neutralises_formulas_but_keeps_negative_numbers(hostile_parks, tmp_path):
    data, bad = hostile_parks
    out = tmp_path / "out.csv"
    r = C.run_cli(["indicators", str(data), "--period", f"{_last_year(data)}",
                   "--format", "csv", "-o", str(out)], cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cells = frame.to_numpy().ravel().tolist() + list(frame.columns)
    assert "'" + bad in cells
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), cells
    # numbers, negative ones included, are numbers still (not text with an apostrophe)
    numeric = pd.to_numeric(frame["yoy_pct"].replace("", None), errors="coerce")
    assert numeric.notna().sum() == (frame["yoy_pct"] != "").sum()
    assert not any(c.startswith("'-") and re.fullmatch(r"'-[\d.]+", c) for c in cells)


def _last_year(data: Path) -> str:
    monthly = pd.read_csv(data / "monthly_stats.csv", dtype=str, keep_default_na=False)
    return str(int(monthly["month"].max()[:4]) - 1)


def test_xlsx_output_survives_control_characters(tmp_path):
    """A control character in the data must not crash the XLSX writer."""
    from parkanalysis.escape import csv_cell, xlsx_text
    from parkanalysis.labels import to_excel_bytes

    frame = pd.DataFrame({"name": ["甲\x1b[2J公司\x07", "=1+1"], "value": [-1.5, 2.0]})
    book = openpyxl.load_workbook(__import__("io").BytesIO(to_excel_bytes({"表": frame})))
    values = [[c.value for c in row] for row in book.active.iter_rows(min_row=2)]
    assert values[0][0] == "甲\\x1b[2J公司\\x07" and values[1][0] == "=1+1"
    assert values[0][1] == -1.5
    assert xlsx_text("a\x00b") == "a\\x00b" and csv_cell(-1.5) == -1.5


def test_cli_xlsx_with_control_characters_in_the_data(hostile_parks, tmp_path):
    data, _ = hostile_parks
    out = tmp_path / "out.xlsx"
    r = C.run_cli(["indicators", str(data), "--period", _last_year(data),
                   "--format", "xlsx", "-o", str(out)], cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0 and "Traceback" not in r.output, r.output
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet


def test_validate_text_escapes_control_characters(data, tmp_path):
    path = data / "enterprises.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[1, "入园日期" if "入园日期" in frame else frame.columns[5]] = "\x1b[2J\x1b]0;t\x07"
    frame.to_csv(path, index=False)
    r = C.run_cli(["validate", str(data)], cwd=tmp_path)
    assert r.returncode == 2, r.output
    assert "\x1b" not in r.output and "\x07" not in r.output
    assert "\\x1b[2J" in r.stdout


# -- notebook defaults wherever they run --------------------------------------------------------


@pytest.mark.slow
def test_readme_papermill_line_works_from_the_repository_root(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = "papermill notebooks/period_report.ipynb out.ipynb -p period 2016H1"
    assert line in readme
    out = tmp_path / "out.ipynb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = line.split()
    args[0], args[2] = str(PAPERMILL), str(out)
    r = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    nb = json.loads(out.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code)
    assert not any(o.get("output_type") == "error" for c in code for o in c.get("outputs", []))
    assert not (ROOT / "out.ipynb").exists()


# -- Ctrl-C and SIGTERM during a real batch ---------------------------------------------------


#: The signal tests' batch: every kind of the year (a dozen reports), so that it is still
#: running when the first report is written, even on a loaded machine.
SIGNAL_KINDS = batch.BATCH_KINDS


#: Starts the batch as a terminal does, with Ctrl-C at its default action. A process started
#: in the background of a script (``cmd &``, ``nohup``) inherits SIGINT *ignored*, and a
#: program must keep it ignored (the batch then rightly runs on through Ctrl-C) — which is how
#: this test failed whenever the suite itself was launched from a background job.
_AS_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def _batch_in_progress(tmp_path: Path):
    """A real batch in its own process group, returned *stopped* (SIGSTOP) once a report's
    first file (its Word document, written before its page) is there and a worker's kernel
    is alive: nothing moves until the caller's SIGCONT, so the signal under test reaches a
    batch in progress however slow the machine is — often a worker writing a report."""
    import psutil

    out = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _AS_FROM_A_TERMINAL, sys.executable,
         "-m", "parkanalysis.cli", "batch", "--data", str(SAMPLE),
         "--year", "2016", "--out", str(out), "--workers", "1", "--quiet",
         "--kinds", ",".join(SIGNAL_KINDS), "--format", "html,docx"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    while not list(out.glob("*.docx")):  # a state, not a time: a report is being written
        assert proc.poll() is None, proc.communicate()
        psutil.wait_procs([parent], timeout=0.05)
    os.killpg(proc.pid, signal.SIGSTOP)  # the whole batch holds still from here
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    family = [parent, *parent.children(recursive=True)]
    assert any("ipykernel" in " ".join(p.cmdline()) for p in family if p.is_running())
    return proc, family, out


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, code", [(2, 130), (15, 143)], ids=["ctrl_c_to_the_group", "sigterm_to_the_parent"]
)
def test_a_signal_during_a_batch_stops_it_cleanly(tmp_path, signum, code):
    import psutil

    proc, family, out = _batch_in_progress(tmp_path)
    if signum == 2:
        os.killpg(proc.pid, signum)  # what the terminal does on Ctrl-C
    else:
        proc.send_signal(signum)
    os.killpg(proc.pid, signal.SIGCONT)  # the signal is pending: delivered as the batch resumes
    stdout, stderr = proc.communicate(timeout=600)
    text = stdout.decode() + stderr.decode()
    assert proc.returncode == code, text
    for bad in ("Traceback", "KeyboardInterrupt", "ZMQError", "Task exception", "Error"):
        assert bad not in text, text
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    assert len(lines) == 1 and ("已中断" in lines[0] or "已终止" in lines[0]), lines
    _gone, alive = psutil.wait_procs(family, timeout=300)
    assert not alive, [p.cmdline() for p in alive]  # no orphaned worker or kernel
    manifest = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))
    statuses = [r["status"] for r in manifest.values()]
    assert "rendered" in statuses and "interrupted" in statuses, statuses
    planned = batch.plan_jobs(SAMPLE, 2016, out_dir=out, kinds=SIGNAL_KINDS)
    assert sorted(manifest) == sorted(j.name for j in planned)
    # The record says what the folder holds: a report is 已生成 exactly when its page is
    # there with its key (the signal may come while a worker writes one: it finishes it).
    documents = set()
    for job in planned:
        plan = render.plan_report(job.kind, out_dir=out, formats=job.formats, **job.params)
        whole = plan.is_cached()
        assert whole or not plan.html_path.exists(), job.name  # never a page without its key
        assert (manifest[job.name]["status"] == "rendered") == whole, (job.name, statuses)
        documents |= {p.name for p in plan.recorded_outputs().values()} if whole else set()
    assert {p.name for p in out.glob("*.docx")} <= documents  # no Word file of a lost report
    assert "已中断" in (out / "index.html").read_text(encoding="utf-8")
    assert not list(out.rglob("*.tmp"))
