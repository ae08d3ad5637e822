"""Batch throughput: the naive papermill-CLI + nbconvert-CLI loop vs ``parkanalysis batch``.

Renders the same 24 reports of the sample park both ways in one run, checks that the report
content is the same (:func:`parkanalysis.render.export.page_content`), and prints both times
and the ratio, each with the CPU seconds it took (this process and every process it started,
kernels included: :class:`CPU`), which a machine busy with other work inflates far less than
wall time. Then renders 24 and 96 reports with the pool and prints the peak memory of
the whole process tree for each (it must stay flat as the number of reports grows).

Exits 1, naming what failed, when a report's content differs between the two ways (each
such report is named with its first differing lines), when the pool is less than
:data:`TARGET_RATIO` times faster, or when memory is not flat (:data:`FLAT_MEMORY`).

    .venv/bin/python benchmarks/batch_speed.py [--skip-naive] [--workers N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parkanalysis import batch, render  # noqa: E402
from parkanalysis.periods import Period  # noqa: E402
from parkanalysis.render.export import page_content  # noqa: E402

BIN = Path(sys.executable).parent
SAMPLE = ROOT / "data" / "sample"
#: The pool must render the 24 reports at least this many times faster than the naive loop.
TARGET_RATIO = 10.0
#: Peak memory of 96 reports over that of 24 ("flat"): at most this.
FLAT_MEMORY = 1.20


def jobs_24(out: Path) -> list[batch.Job]:
    """The sample park's 1-N月 reports of 2015 and 2016, 2015's quarters and halves, 2 land."""
    periods = [Period.of_cumulative(2015, m) for m in range(2, 13)]
    periods += [Period.of_cumulative(2016, m) for m in range(2, 7)]
    periods += [Period.of_quarter(2015, q) for q in (2, 3, 4)] + [
        Period.of_half(2015, h) for h in (1, 2)
    ]
    base = {"data": str(SAMPLE), "park": None, "share": False}
    jobs = [
        batch.Job("period", {**base, "period": str(p)}, str(out), True, p.label) for p in periods
    ]
    jobs += [
        batch.Job("land", {**base, "as_of": a}, str(out), True, a) for a in ("2015-12", "2016-06")
    ]
    jobs += [
        batch.Job("period", {**base, "period": "2014-01..2014-06"}, str(out), True, "2014年1-6月")
    ]
    assert len(jobs) == 24, len(jobs)
    return jobs


class CPU:
    """CPU seconds (user + system) of this process and of its descendants, while in the block.

    Children count once they have exited and been waited for (workers, kernels, CLIs: all
    are, by the end of what is measured).
    """

    def __enter__(self):
        self.start = self._now()
        return self

    def __exit__(self, *exc):
        self.seconds = self._now() - self.start

    @staticmethod
    def _now() -> float:
        import resource

        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class PeakMemory:
    """Sample the summed RSS of this process and all its descendants."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def naive(jobs: list[batch.Job], out: Path) -> tuple[float, float]:
    """papermill CLI then nbconvert CLI, one report after the other: wall and CPU seconds."""
    with CPU() as cpu:
        seconds = _naive(jobs, out)
    return seconds, cpu.seconds


def _naive(jobs: list[batch.Job], out: Path) -> float:
    start = time.perf_counter()
    for job in jobs:
        params = {k: v for k, v in job.params.items() if v is not None}
        args = [
            str(BIN / "papermill"),
            str(render.resolve_notebook(job.kind)),
            str(out / (job.name + ".ipynb")),
        ]
        for key, value in params.items():
            args += ["-p", key, str(value)]
        args += ["--cwd", str(render.NOTEBOOK_DIR), "--no-progress-bar"]
        subprocess.run(args, check=True, capture_output=True)
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
                job.name,
                str(out / (job.name + ".ipynb")),
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - start


def content(path: Path) -> str:
    """The report's content: the page without what only ``render`` adds (TOC, footer, title)."""
    return page_content(path.read_text(encoding="utf-8"))


def first_difference(a: str, b: str, width: int = 160) -> str:
    """The first differing element of two pages' contents, one line each."""
    left, right = (re.split(r"(?<=>)\s*(?=<)", x) for x in (a, b))
    at = next(
        (i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y),
        min(len(left), len(right)),
    )

    def line(parts: list[str]) -> str:
        return parts[at][:width] if at < len(parts) else "(end of page)"

    return f"    papermill+nbconvert: {line(left)}\n    batch:               {line(right)}"


def source_digest() -> str:
    """A digest of everything a report's content depends on (code, notebooks, templates)."""
    import hashlib

    digest = hashlib.sha256()
    for folder in ("parkanalysis", "notebooks"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".ipynb", ".j2", ".css", ".json"}:
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def pooled(jobs: list[batch.Job], workers: int) -> tuple[float, float, float]:
    """``parkanalysis batch`` of ``jobs``: wall seconds, peak RSS (MB), CPU seconds."""
    with PeakMemory() as memory, CPU() as cpu:
        start = time.perf_counter()
        summary = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=workers, progress=False)
        seconds = time.perf_counter() - start
    failed = [r for r in summary.results if r.status != "rendered"]
    assert not failed, failed
    return seconds, memory.peak / 2**20, cpu.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    workers = args.workers or psutil.cpu_count() or 2
    load = ", ".join(f"{x:.1f}" for x in psutil.getloadavg())
    print(f"{psutil.cpu_count()} cores, load average before the run: {load}")
    failures: list[str] = []
    # one document date for both ways, even across midnight in Beijing (inherited by the
    # workers, kernels and CLIs this script starts)
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out_a, out_b = tmp / "naive", tmp / "batch"
        out_a.mkdir()
        jobs = jobs_24(out_b)
        digest = source_digest()
        t_batch, peak_24, cpu_batch = pooled(jobs, workers)
        print(
            f"(b) parkanalysis batch, {workers} workers: {t_batch:6.1f} s for 24 reports "
            f"(CPU {cpu_batch:.1f} s), peak RSS {peak_24:.0f} MB"
        )
        if not args.skip_naive:
            t_naive, cpu_naive = naive(jobs, out_a)
            print(
                f"(a) papermill CLI + nbconvert CLI loop:     {t_naive:6.1f} s for 24 reports "
                f"(CPU {cpu_naive:.1f} s)"
            )
            differ = []
            for job in jobs:
                a, b = content(out_a / job.name), content(out_b / job.name)
                if a != b:
                    differ.append(job.name)
                    print(f"  DIFFERENT: {job.name}\n{first_difference(a, b)}")
            print(f"same report content: {len(jobs) - len(differ)}/{len(jobs)}")
            if differ:
                failures.append(f"{len(differ)} report(s) differ: {', '.join(differ)}")
            if source_digest() != digest:
                print("WARNING: package sources changed during the run; content may differ")
            ratio = t_naive / t_batch
            print(f"speed-up (a)/(b): {ratio:.2f}x (target >= {TARGET_RATIO:.0f}x)")
            # The naive loop runs one process at a time, the pool one per core: on an idle
            # machine the wall ratio is about the CPU ratio times the cores the pool keeps busy.
            print(
                f"CPU (a)/(b): {cpu_naive / cpu_batch:.2f}x "
                f"(CPU seconds per report: (a) {cpu_naive / len(jobs):.2f}, "
                f"(b) {cpu_batch / len(jobs):.2f})"
            )
            if ratio < TARGET_RATIO:
                failures.append(f"TOO SLOW: {ratio:.2f}x < {TARGET_RATIO:.0f}x")
        jobs_96 = [
            batch.Job(j.kind, j.params, str(tmp / f"batch96_{k}"), True, j.label)
            for k in range(4)
            for j in jobs
        ]
        t_96, peak_96, cpu_96 = pooled(jobs_96, workers)
        print(f"(b) 96 reports: {t_96:6.1f} s (CPU {cpu_96:.1f} s), peak RSS {peak_96:.0f} MB")
        flat = peak_96 / peak_24
        print(f"peak memory 96/24: {flat:.2f} (flat means within {FLAT_MEMORY:.2f})")
        if flat > FLAT_MEMORY:
            failures.append(f"memory not flat: 96/24 = {flat:.2f} > {FLAT_MEMORY:.2f}")
    load = ", ".join(f"{x:.1f}" for x in psutil.getloadavg())
    print(f"load average after the run: {load}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
