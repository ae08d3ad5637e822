"""Shared fixtures of the end-to-end tests: reports rendered once per session, a browser.

Reports are rendered by :func:`parkanalysis.render.render_report` (the pipeline users run),
lazily — a report is rendered the first time a test asks for it, then shared by every test of
the run, in every pytest-xdist process — in one warm :class:`~parkanalysis.render.KernelSession`
per process, as batch workers do. Output goes to the run's temporary folder
(``tmp_path_factory.getbasetemp()``, its parent under xdist), so the screenshots and the HTML
of a run can be looked at afterwards.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from parkanalysis._startup import defer_iri_grammar
from parkanalysis.render import KernelSession, render_report
from parkanalysis.share.store import STORE_ENV
from tests.helpers import IN_CI, require_chromium, required

defer_iri_grammar()  # test processes start as the CLI's do (see parkanalysis._startup)
# a report whose text contradicts its tables fails its render here (parkanalysis.report.consistency)
os.environ.setdefault("PARKANALYSIS_CONSISTENCY", "strict")

# Property tests explore new examples on developers' machines; in CI (CI=true) they replay a
# fixed, derived set so that a run's verdict does not depend on the draw. Failures found
# locally are kept in .hypothesis/ and must be fixed, with a regression case, before landing.
settings.register_profile("ci", derandomize=True, database=None)
if IN_CI:
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: The reports the end-to-end tests look at: name → (kind, parameters). The internal ones
#: are the 工作稿 (with the office's workings); ``*_final`` the 上报稿 (the default copy).
REPORTS: dict[str, tuple[str, dict]] = {
    "period": ("period", {"period": "2016年1-5月", "copy": "work"}),
    "h1": ("period", {"period": "2016H1", "copy": "work"}),
    "land": ("land", {"copy": "work"}),
    "h1_final": ("period", {"period": "2016H1"}),
    "land_final": ("land", {}),
    "period_share": ("period", {"period": "2016年1-5月", "share": True}),
    "h1_share": ("period", {"period": "2016H1", "share": True}),
    "land_share": ("land", {"share": True}),
}


@dataclass
class Rendered:
    """One rendered report: where it is, its HTML, how it was asked for."""

    name: str
    kind: str
    params: dict
    path: Path

    @property
    def html(self) -> str:
        return self.path.read_text(encoding="utf-8")


class ReportSet:
    """Renders a report the first time it is asked for; the same file afterwards.

    Under pytest-xdist the test processes share one folder (``out``): the first process to
    ask for a report renders it while holding a lock on it, the others wait for the lock and
    read what it wrote. A report is known by its name *and* its request (kind, data,
    parameters), so two requests never share a file.
    """

    def __init__(self, session: KernelSession, out: Path):
        self.session = session
        self.out = out
        self._done: dict[str, Rendered] = {}

    def render(self, name: str, kind: str, *, data: Path = SAMPLE, **params) -> Rendered:
        """Render ``kind`` with ``params`` into a folder of its own; fail on any problem."""
        if name in self._done:
            return self._done[name]
        request = {"kind": kind, "data": str(data), **params}
        key = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode())
        folder = self.out / f"{name}-{key.hexdigest()[:12]}"
        record = folder.with_suffix(".json")
        self.out.mkdir(parents=True, exist_ok=True)
        with open(folder.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a state: whoever renders it has finished
            if not record.exists():
                result = render_report(
                    kind, out_dir=folder, session=self.session, force=True, data=str(data), **params
                )
                assert result.status == "rendered", result.error
                assert not result.problems, result.problems
                record.write_text(json.dumps({"html": str(result.html_path)}), encoding="utf-8")
            html = Path(json.loads(record.read_text(encoding="utf-8"))["html"])
        self._done[name] = Rendered(name, kind, {"data": str(data), **params}, html)
        return self._done[name]

    def __getitem__(self, name: str) -> Rendered:
        kind, params = REPORTS[name]
        return self.render(name, kind, **params)


@pytest.fixture(scope="session")
def kernel_session():
    """One warm report kernel for the whole session (closed at the end)."""
    with KernelSession() as session:
        yield session


@pytest.fixture(scope="session")
def reports(kernel_session, tmp_path_factory) -> ReportSet:
    """The sample park's reports (:data:`REPORTS`), rendered on first use, once per run."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its test processes
    return ReportSet(kernel_session, base / "reports")


@pytest.fixture(scope="session")
def output_dir(tmp_path_factory) -> Path:
    """Where the run's screenshots go (printed by the tests that write them)."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright, found as the package finds it.

    Skipped when the package finds no Chromium (``PARKANALYSIS_CHROMIUM``, else ``chromium``
    and its other names on PATH); under CI=true that fails instead (tests/helpers.py).
    """
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


class OfflinePage:
    """A page with the network cut: every request that is not ``file:``/``data:`` aborts.

    Records what a page tried (``blocked``), what failed (``failed``), console errors and
    page errors (``errors``) and dialogs (``dialogs``, dismissed).
    """

    def __init__(self, browser, *, width: int = 1000, height: int = 800):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.set_offline(True)
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, path: Path):
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(browser):
    """A factory of :class:`OfflinePage` (closed after the test)."""
    pages: list[OfflinePage] = []

    def make(**kwargs) -> OfflinePage:
        page = OfflinePage(browser, **kwargs)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()


def copy_sample(target: Path) -> Path:
    """A writable copy of the sample dataset in ``target``."""
    shutil.copytree(SAMPLE, target)
    return target


def pytest_configure(config):
    """Under CI=true, refuse to start when a component the suite exercises is missing.

    Each test that needs one fails on its own too (tests/helpers.py); this names them all at
    once, before minutes of other tests, when ``pytest`` is run directly rather than by
    ``make test`` (whose bootstrap installs them). Checked once, in the controlling process.

    Also, in the controlling process, one store of protected share tables for the run
    (:mod:`parkanalysis.share.store`): every test process, CLI run, batch worker and kernel
    the run starts inherits it, so a park-year's table (the sample's 2012…2016 chain: about
    40 CPU-s per process) is built once for the run rather than in every process that prints
    a share page. Its entries are keyed on the data's content, the park, the year and the
    package's source, so a test's own dataset, setting or mutated source builds its own;
    tests/test_share_store.py proves that a stored table is the one that would be built.
    """
    # mutmut switches a function's code at run time (MUTANT_UNDER_TEST), not in the source
    # the key hashes: each mutant's run gets a store of its own, never an inherited one
    fresh = not os.environ.get(STORE_ENV) or os.environ.get("MUTANT_UNDER_TEST")
    if not hasattr(config, "workerinput") and fresh:
        os.environ[STORE_ENV] = tempfile.mkdtemp(prefix="parkanalysis-test-share-tables-")
        config.share_store = os.environ[STORE_ENV]
    if IN_CI and not hasattr(config, "workerinput"):
        lacking = required()
        if lacking:
            raise pytest.UsageError(
                "CI=true, but this machine lacks what the test suite exercises "
                "(`make test` installs the system packages when run as root):\n  - "
                + "\n  - ".join(lacking)
            )


def pytest_unconfigure(config):
    """Remove the run's store of share tables (made by :func:`pytest_configure`)."""
    folder = getattr(config, "share_store", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get(STORE_ENV) == folder:
            del os.environ[STORE_ENV]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip raised by tests/helpers.py is reported at the test that asked, not at the helper."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and isinstance(report.longrepr, tuple):
        path, _line, reason = report.longrepr
        if Path(path).name == "helpers.py":
            report.longrepr = (item.location[0], item.location[1] + 1, reason)


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject addopts): two test workers per core, at most six.

    Much of an end-to-end test's time is spent waiting on another process (a kernel warming
    up, a CLI run, Chromium loading a page), so several workers keep a core busy; on a machine
    that also runs other work, the suite keeps its share of the cores. Each worker holds a
    warm kernel and a browser (under 1 GB), hence the cap. ``PYTEST_XDIST_AUTO_NUM_WORKERS``
    or ``-n N`` overrides it; ``-n 0`` runs in one process.
    """
    return max(2, min(6, 2 * (os.cpu_count() or 1)))


#: The test files that take longest (real batches, property tests over whole datasets), in
#: that order. ``--dist loadfile`` hands whole files to workers in collection order, so these
#: are collected first: a run does not end with one worker deep in a long file while the
#: others wait. Order only; a file missing here runs after them, as before. It holds only
#: with ``--no-loadscope-reorder`` (pyproject addopts): by default xdist hands out the files
#: with the most tests first, which put the share files (2 to 8 tests each, minutes per test)
#: among the last. The order is the files' durations in an integrated run of 2026-12-06
#: (``--durations`` summed per file), then each share file's own run after its inputs were
#: cut to what its tests need (one process: share_links 356 s, share_adversary_synthetic
#: 345 s and share_adversary 294 s side by side, share_adversary_hard 234 s, share_protection
#: 77 s, share_growth 34 s); measure again when a file grows.
LONGEST_FIRST = (
    "test_share_adversary_synthetic.py",
    "test_share_links.py",
    "test_share_adversary.py",
    "test_share_adversary_hard.py",
    "test_consistency.py",
    "test_share_protection.py",
    "test_batch.py",
    "test_accounting.py",
    "test_share_growth.py",
    "test_fuzz.py",
    "test_faults.py",
    "test_documents.py",
    "test_dask.py",
    "test_logic_checks.py",
    "test_dataset_malformed.py",
    "test_office.py",
    "test_reports.py",
    "test_edges_cli.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order kept within
