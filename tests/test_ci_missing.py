"""Under CI=true a machine without ../shared and without Chromium on the usual path fails with
the reason (issue 29's last "Done when"), and Chromium is found the way the package finds it.

Each case starts pytest in a fresh process, as ``make test`` does (``python -m pytest``), with
a PATH that holds no browser and the shared folder pointed at an absent one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, require_chromium


def session(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CI", "PYTEST_XDIST_WORKER", "PARKANALYSIS_CHROMIUM", "PA_TEST_SHARED")
    }
    environ.update(
        {
            "CI": "true",
            "PYTHONPATH": str(ROOT),
            "PA_TEST_SHARED": str(tmp_path / "no-shared"),
            "PATH": str(tmp_path / "bin"),  # no chromium, no poppler, no LibreOffice
            **env,
        }
    )
    (tmp_path / "bin").mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "--collect-only",
         "-q", "tests/test_units.py"],
        capture_output=True, text=True, cwd=ROOT, env=environ, timeout=600,
    )  # fmt: skip


def test_ci_without_shared_and_chromium_fails_naming_both(tmp_path):
    done = session(tmp_path)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    err = done.stderr
    assert "CI=true, but this machine lacks what the test suite exercises" in err, err
    assert "Chromium: PARKANALYSIS_CHROMIUM is unset and none of chromium" in err, err
    assert f"the shared folder {tmp_path / 'no-shared'}" in err, err
    assert "collected" not in done.stdout  # stopped before any test


def test_ci_finds_chromium_where_the_package_looks(tmp_path):
    """Chromium away from PATH but named by PARKANALYSIS_CHROMIUM (the package's own lookup)
    is found; a PARKANALYSIS_CHROMIUM naming no file is reported as such."""
    browser = require_chromium()
    done = session(tmp_path, PARKANALYSIS_CHROMIUM=browser)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "Chromium" not in done.stderr, done.stderr
    assert "the shared folder" in done.stderr  # what is still missing is named
    absent = tmp_path / "no-chromium"
    done = session(tmp_path, PARKANALYSIS_CHROMIUM=str(absent))
    assert f"Chromium: PARKANALYSIS_CHROMIUM={absent} is not a file" in done.stderr, done.stderr


def test_without_ci_the_same_machine_collects(tmp_path):
    """A user's clone without them still runs (the tests that need them skip, saying why)."""
    done = session(tmp_path, CI="false")
    assert done.returncode == 0, done.stdout + done.stderr
    assert shutil.which("chromium", path=str(tmp_path / "bin")) is None
