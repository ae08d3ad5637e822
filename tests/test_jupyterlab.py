"""The exploration notebook in JupyterLab, as an analyst uses it: open, Run All, read.

JupyterLab runs on a temporary copy of ``notebooks/explore.ipynb`` and ``data/sample`` (so
saving never touches the repository), on 127.0.0.1 with a random token, its config,
runtime, settings and workspace folders in the temporary folder too. Chromium opens the
notebook, runs every cell from the Run menu, waits until each has an execution count, then
saves it from the File menu: the copy on disk gets the outputs, and the repository's
notebooks and sample data are byte for byte and to the nanosecond what they were before.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.slow

JUPYTER = Path(sys.executable).with_name("jupyter")

#: Ceiling of every wait below, in ms. Waits are on states (server answers, kernel idle, every
#: cell numbered); the ceiling only turns a hang into a failure, so it is generous enough for a
#: loaded two-core machine where Run All takes minutes instead of seconds.
HANG_MS = 600_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(
    url: str, proc: subprocess.Popen, log: Path, timeout: float = HANG_MS / 1000
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"JupyterLab did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


_PROMPTS = "[...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)"
_STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
_IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle']"

#: The state of a Run All, read from the page: "done" (every code cell numbered), "failed" (a
#: cell wrote to stderr; Run All stops there), "stuck" (the kernel is idle again, nothing is
#: queued, something ran, and yet some cells were never queued), else false (still running).
_RUN_STATE = f"""() => {{
    const prompts = {_PROMPTS};
    if (document.querySelector({_STDERR!r})) return "failed";
    if (prompts.length && prompts.every(t => /\\[\\d+\\]/.test(t))) return "done";
    const idle = !!document.querySelector({_IDLE!r});
    const queued = prompts.some(t => /\\[\\*\\]/.test(t));
    const ran = prompts.some(t => /\\[\\d+\\]/.test(t));
    return idle && !queued && ran ? "stuck" : false;
}}"""

#: The kernel is connected when the status bar names it as idle ("Python 3 (ipykernel) | Idle").
_KERNEL_READY = """() => [...document.querySelectorAll('#jp-main-statusbar *')]
    .some(e => e.children.length === 0 && /\\|\\s*Idle/.test(e.textContent))"""


def run_all(page, n_code: int, output_dir: Path, *, name: str) -> None:
    """Open state → Run All → every code cell numbered, waiting on states only.

    Waits until every code cell is in the page and the kernel is connected and idle, then
    runs all cells from the Run menu. On a loaded machine a Run All that reaches the notebook
    while the kernel connection settles can run the first cell and leave the rest unqueued
    (the kernel idle again, prompts "[ ]"); that state is recognised and Run All is asked
    again, as an analyst would, at most three times. Fails with the prompts, the kernel's
    status and a screenshot when a cell fails or the run does not complete.
    """
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=HANG_MS)
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-Notebook .jp-CodeCell').length === n",
        arg=n_code,
        timeout=HANG_MS,
    )
    page.wait_for_selector(_IDLE, timeout=HANG_MS)
    page.wait_for_function(_KERNEL_READY, timeout=HANG_MS)
    state = None
    for _attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            state = page.wait_for_function(_RUN_STATE, timeout=HANG_MS).json_value()
        except PlaywrightTimeout:
            state = "hung"
        if state != "stuck":
            break
    if state != "done":
        page.screenshot(path=str(output_dir / f"{name}_run_all.png"), full_page=True)
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        errors = page.locator(_STDERR).all_inner_texts()
        status = page.locator(".jp-Notebook-ExecutionIndicator").get_attribute("data-status")
        pytest.fail(f"Run All {state}: prompts {prompts}, kernel {status}, stderr {errors}")
    page.wait_for_selector(_IDLE, timeout=HANG_MS)


def repository_state() -> dict[str, tuple[str, int]]:
    """Every file under notebooks/ and data/sample/: path → (sha256, mtime in ns)."""
    files = sorted([*(ROOT / "notebooks").rglob("*"), *SAMPLE.rglob("*")])
    return {
        str(p.relative_to(ROOT)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in files
        if p.is_file()
    }


def wait_until_saved(path: Path, n_code: int, timeout: float = HANG_MS / 1000) -> dict:
    """The notebook at ``path`` once it is saved with every code cell numbered (a state)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # not there yet, or being written
            nb = {"cells": []}
        counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"]
        if len(counts) == n_code and all(counts):
            return nb
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} not saved with every cell run: counts {counts}")
        time.sleep(0.3)


@pytest.fixture
def repository_before() -> dict[str, tuple[str, int]]:
    """:func:`repository_state` before JupyterLab starts (asked for before ``lab``)."""
    return repository_state()


@pytest.fixture
def lab(tmp_path):
    """A running JupyterLab on a copy of the notebook and data: yields (base url, token, root)."""
    if not JUPYTER.exists():
        pytest.fail(f"{JUPYTER} missing: install the 'lab' extra (make venv)")
    root = tmp_path / "work"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "explore.ipynb", root / "notebooks" / "explore.ipynb")
    shutil.copytree(SAMPLE, root / "data" / "sample")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "PYTHONPATH": str(ROOT),  # the kernel imports this checkout's parkanalysis
    }
    # every cell in the page (no windowed rendering), so the test can see them all
    tracker = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(JUPYTER), "lab", "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                "--LabApp.news_url=", "--LabApp.check_for_updates_class="
                "jupyterlab.NeverCheckForUpdate",
            ],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", proc, log)
        yield base, token, root
    finally:
        try:  # the server's own shutdown stops the kernel too
            request = urllib.request.Request(
                f"{base}/api/shutdown?token={token}", method="POST", data=b""
            )
            urllib.request.urlopen(request, timeout=5).close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def test_explore_notebook_runs_all_cells_in_jupyterlab(repository_before, lab, browser, output_dir):
    base, token, root = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{base}/lab/tree/notebooks/explore.ipynb?token={token}")
        n_code = sum(
            c["cell_type"] == "code"
            for c in json.loads((root / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))[
                "cells"
            ]
        )
        assert n_code >= 6
        run_all(page, n_code, output_dir, name="jupyterlab_explore")
        shot = output_dir / "jupyterlab_explore.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")
        stderr = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        assert stderr.count() == 0, stderr.all_inner_texts()
        text = page.locator(".jp-Notebook").inner_text()
        for bad in ("Traceback", "Error", "Warning"):
            assert bad not in text, f"{bad!r} in the notebook:\n{text[:2000]}"
        outputs = page.locator(".jp-Notebook .jp-OutputArea-output")
        assert outputs.count() >= 6
        # the figures an analyst looks for: the indicator table and the land outlook
        assert "3126" in text.replace(",", "") and "工业总产值" in text
        assert "尚可供应土地" in text
        # saved as an analyst saves: to the notebook JupyterLab opened, with its outputs
        page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
        page.locator("li.lm-Menu-item[data-command='docmanager:save']").click()
        saved = wait_until_saved(root / "notebooks" / "explore.ipynb", n_code)
        assert any(c.get("outputs") for c in saved["cells"] if c["cell_type"] == "code")
    finally:
        context.close()
    # the save went to the copy: the repository's notebooks and data were never written
    before, after = repository_before, repository_state()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"JupyterLab wrote into the repository: {changed}"
