"""The project's own contract: install metadata agree, lint is clean, docs point right."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.helpers import WHY_VENV, require_path

ROOT = Path(__file__).resolve().parents[1]
RUFF = Path(sys.executable).with_name("ruff")


def _requirement(spec: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9.]*)\s*", spec)
    assert match, f"dependency {spec!r} should be written as name>=version"
    return match.group(1).lower().replace("_", "-"), match.group(2)


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        wanted += extra
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = dict(_requirement(d) for d in env["dependencies"] if isinstance(d, str) and ">=" in d)
    python_floor = conda.pop("python")
    assert project["requires-python"] == f">={python_floor}"
    assert conda == dict(_requirement(d) for d in wanted)


def test_readme_starts_with_the_two_commands():
    first_lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:4]
    commands = [line.split("#")[0].strip() for line in first_lines if line.startswith("make ")]
    assert commands == ["make reports", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([a-z][a-z_-]*):.*?## ", makefile, re.M))
    out = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    listed = set(re.findall(r"make (\S+)", out.stdout))
    assert {"reports", "test", "lint", "sample", "bench"} <= documented
    assert listed == documented


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff_is_clean(args):
    result = subprocess.run([str(RUFF), *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_has_no_side_effects():
    code = (
        "import sys, matplotlib; before = dict(matplotlib.rcParams);"
        "import parkanalysis;"
        "assert dict(matplotlib.rcParams) == before, 'import changed matplotlib settings';"
        "assert 'papermill' not in sys.modules and 'nbconvert' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def _bytecode_is_current(source: Path) -> bool:
    """True when ``source`` has a .pyc that Python would use (timestamp-checked, matching)."""
    import importlib.util

    cached = Path(importlib.util.cache_from_source(str(source)))
    if not cached.is_file():
        return False
    header = cached.read_bytes()[:16]
    flags = int.from_bytes(header[4:8], "little")
    if flags & 0b1:  # hash-based .pyc: present is enough for this check
        return True
    stat = source.stat()
    mtime = int.from_bytes(header[8:12], "little")
    size = int.from_bytes(header[12:16], "little")
    return mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF


def test_bootstrap_compiled_what_every_process_imports():
    """Without .pyc files (uv writes none) and with PYTHONDONTWRITEBYTECODE set, every kernel,
    batch worker and CLI run compiled these from source again (benchmarks/startup.py)."""
    import importlib

    # the venv scripts/bootstrap.sh made, wherever VENV put it: it leaves .bytecode there
    require_path(Path(sys.prefix) / ".bytecode", WHY_VENV)

    names = ["pandas", "pandas.core.frame", "matplotlib.figure", "IPython.core.interactiveshell"]
    names += ["ipykernel.kernelapp", "nbconvert.exporters.html", "scipy.special"]
    stale = []
    for name in names:
        source = Path(importlib.import_module(name).__file__)
        if not _bytecode_is_current(source):
            stale.append(name)
    assert not stale, f"no current .pyc for {stale}; scripts/bootstrap.sh compiles them"
