"""Small builders shared by test modules; what to do when a component is missing (below)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import nbformat
import pytest


def make_notebook(folder: Path, name: str, *cells: str, params: str) -> Path:
    """Write ``folder/name.ipynb``: a cell tagged ``parameters`` then one code cell each."""
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell(params)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


# -- what the suite needs from the machine ---------------------------------------------------
#
# The suite runs real components (Chromium, poppler, LibreOffice, JupyterLab, a Dask cluster,
# tmpfs mounts) and reads the project's shared folder. A user's clone may legitimately lack some
# of them; there the tests that need one skip, saying what is missing and why a clone may lack
# it. Under CI=true nothing may be missing: the same call fails the test with that reason, and
# conftest.py refuses to start a session at all when a required tool is absent (required()).

#: True when the run is CI's: every skip for a missing component becomes a failure.
IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parents[1]
#: Small public records vendored with the tests (provenance in tests/data/README.md).
DATA = Path(__file__).resolve().parent / "data"
#: The project's read-only companion folder (``../shared``; CI has a copy). ``PA_TEST_SHARED``
#: points the tests at another folder (an empty one shows what a clone without it does).
SHARED = Path(os.environ.get("PA_TEST_SHARED") or ROOT.parent / "shared")

WHY_SYSTEM = (
    "`make test` installs it (scripts/bootstrap.sh --system, as root); a clone tested with plain "
    "`pytest`, or by a user who cannot install system packages, may lack it"
)
WHY_SHARED = (
    "../shared is the project's read-only companion folder (CI has a copy); a user's clone has none"
)
WHY_EXTRA = (
    "scripts/bootstrap.sh installs the package with its test, dask and lab extras; "
    "an install without that extra lacks it"
)
WHY_ROOT = (
    "mounting a tmpfs needs root (or CAP_SYS_ADMIN); a user running the suite as an "
    "ordinary user, or in an unprivileged container, cannot"
)
WHY_VENV = (
    "the check reads the venv that scripts/bootstrap.sh made (it writes .bytecode there); "
    "a clone tested from another environment has none"
)
POPPLER = ("pdfinfo", "pdftotext", "pdfimages", "pdftoppm")
LIBREOFFICE = ("soffice", "libreoffice")


def missing(thing: str, why: str) -> NoReturn:
    """Skip the test because ``thing`` is missing (``why`` a clone may lack it); fail under CI."""
    if IN_CI:
        pytest.fail(f"CI=true and {thing} is missing: {why}", pytrace=False)
    pytest.skip(f"{thing} is missing: {why}", allow_module_level=True)


def find_tool(*names: str) -> str | None:
    """The path of the first of ``names`` on PATH (alternatives for one tool), else None."""
    return next((found for n in names if (found := shutil.which(n))), None)


def require_tool(*names: str, why: str = WHY_SYSTEM) -> str:
    """The path of the first of ``names`` on PATH, else :func:`missing`."""
    found = find_tool(*names)
    if found is None:
        missing(f"the command {' / '.join(names)} (not on PATH)", why)
    return found


def chromium_problem() -> str | None:
    """Why the package cannot find Chromium (its own lookup, find_chromium), or None if it can."""
    from parkanalysis.errors import RenderError
    from parkanalysis.report.writers.pdf import CANDIDATES, find_chromium

    try:
        find_chromium()
    except RenderError:
        configured = os.environ.get("PARKANALYSIS_CHROMIUM")
        if configured:
            return f"PARKANALYSIS_CHROMIUM={configured} is not a file"
        return f"PARKANALYSIS_CHROMIUM is unset and none of {' / '.join(CANDIDATES)} is on PATH"
    return None


def require_chromium() -> str:
    """Chromium as the package finds it (``PARKANALYSIS_CHROMIUM``, else PATH), else missing."""
    from parkanalysis.report.writers.pdf import find_chromium

    problem = chromium_problem()
    if problem:
        missing(f"Chromium ({problem})", WHY_SYSTEM)
    return find_chromium()


def require_path(path: Path, why: str = WHY_SHARED) -> Path:
    """``path`` if it exists, else :func:`missing`."""
    if not path.exists():
        missing(str(path), why)
    return path


def require_module(name: str, why: str = WHY_EXTRA) -> ModuleType:
    """The imported module ``name``, else :func:`missing`."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"the Python module {name} ({exc})", why)


@contextmanager
def tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted on ``mount`` (``mount -o options``), unmounted afterwards."""
    mount.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        missing(f"a tmpfs mount (mount -o {options}: {done.stderr.strip()})", WHY_ROOT)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def required() -> list[str]:
    """What a CI run needs and this machine lacks (checked once at session start)."""
    lacking = []
    if problem := chromium_problem():
        lacking.append(f"Chromium: {problem}")
    lacking += [f"{t} (poppler-utils)" for t in POPPLER if not shutil.which(t)]
    if not find_tool(*LIBREOFFICE):
        lacking.append("LibreOffice (soffice / libreoffice, libreoffice-writer-nogui)")
    if not SHARED.is_dir():
        lacking.append(f"the shared folder {SHARED} ({WHY_SHARED})")
    for module in ("distributed", "jupyterlab", "rfc3987_syntax"):
        if importlib.util.find_spec(module) is None:
            lacking.append(f"the Python module {module} ({WHY_EXTRA})")
    return lacking
