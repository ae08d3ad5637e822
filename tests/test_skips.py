"""The rule for missing components (tests/helpers.py): skip with the reason, fail under CI=true.

Each case runs pytest in a fresh process, as a user or CI would, with ``CI`` set or not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

NEEDS_A_TOOL = """
from tests.helpers import require_tool

def test_needs_a_tool():
    require_tool("pa-no-such-tool")
"""


def pytest_run(*args: str, ci: bool, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_XDIST_WORKER")}
    environ.update(env, PYTHONPATH=str(ROOT))
    if ci:
        environ["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        timeout=600,
    )


@pytest.mark.parametrize("ci", [False, True], ids=["user", "CI=true"])
def test_a_missing_tool_skips_for_a_user_and_fails_in_ci(tmp_path, ci):
    (tmp_path / "test_x.py").write_text(NEEDS_A_TOOL, encoding="utf-8")
    done = pytest_run("-o", "addopts=", "-rA", "--rootdir", str(tmp_path), "test_x.py",
                      ci=ci, cwd=tmp_path)  # fmt: skip
    out = done.stdout
    assert "pa-no-such-tool" in out and "make test" in out, out  # what is missing, and why
    if ci:
        assert done.returncode == 1 and "1 failed" in out, out
        assert "CI=true and the command pa-no-such-tool" in out, out
    else:
        assert done.returncode == 0 and "1 skipped" in out, out
        assert "SKIPPED" in out, out


def test_ci_session_without_shared_data_stops_at_once_naming_it(tmp_path):
    absent = tmp_path / "no-shared"
    done = pytest_run("-n", "0", "--collect-only", "-q", "tests/test_units.py",
                      ci=True, cwd=ROOT, PA_TEST_SHARED=str(absent))  # fmt: skip
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert f"the shared folder {absent}" in done.stderr, done.stderr
    # without CI=true the same session runs: every run in a clone without ../shared does
