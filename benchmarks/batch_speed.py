"""Batch throughput: the naive papermill-CLI + nbconvert-CLI loop vs ``parkanalysis batch``.

Renders the same 24 reports of the sample park both ways in one run, checks that the report
content is the same, and prints both times and the ratio. Then renders 24 and 96 reports
with the pool and prints the peak memory of the whole process tree for each (it must stay
flat as the number of reports grows).

    .venv/bin/python benchmarks/batch_speed.py [--skip-naive] [--workers N]
"""

from __future__ import annotations

import argparse
import contextlib
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

BIN = Path(sys.executable).parent
SAMPLE = ROOT / "data" / "sample"


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


def naive(jobs: list[batch.Job], out: Path) -> float:
    """papermill CLI then nbconvert CLI, one report after the other."""
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


#: Parts that legitimately differ between the two ways. Cell ids: the notebooks on disk
#: carry none, so papermill/nbformat invent random ones on every read in the naive loop
#: (``parkanalysis`` numbers them ``pa-000`` …); they are DOM ids, not report content.
_VOLATILE = [
    re.compile(r'\sid="cell-id=[^"]*"'),
    re.compile(r'<nav class="pa-toc".*?</nav>', re.S),
    re.compile(r'<footer class="pa-provenance">.*?</footer>', re.S),
    re.compile(r"<title>.*?</title>", re.S),
    re.compile(r'<html lang="[^"]+">'),
]


def content(path: Path) -> str:
    """The report body without the parts that legitimately differ (TOC, footer, title)."""
    text = path.read_text(encoding="utf-8")
    for pattern in _VOLATILE:
        text = pattern.sub("", text)
    return re.sub(r"\s+", " ", text)


def source_digest() -> str:
    """A digest of everything a report's content depends on (code, notebooks, templates)."""
    import hashlib

    digest = hashlib.sha256()
    for folder in ("parkanalysis", "notebooks"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".ipynb", ".j2", ".css", ".json"}:
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def pooled(jobs: list[batch.Job], workers: int) -> tuple[float, float]:
    with PeakMemory() as memory:
        start = time.perf_counter()
        summary = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=workers, progress=False)
        seconds = time.perf_counter() - start
    failed = [r for r in summary.results if r.status != "rendered"]
    assert not failed, failed
    return seconds, memory.peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    workers = args.workers or psutil.cpu_count() or 2
    load = ", ".join(f"{x:.1f}" for x in psutil.getloadavg())
    print(f"{psutil.cpu_count()} cores, load average before the run: {load}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out_a, out_b = tmp / "naive", tmp / "batch"
        out_a.mkdir()
        jobs = jobs_24(out_b)
        digest = source_digest()
        t_batch, peak_24 = pooled(jobs, workers)
        print(
            f"(b) parkanalysis batch, {workers} workers: {t_batch:6.1f} s for 24 reports, "
            f"peak RSS {peak_24:.0f} MB"
        )
        if not args.skip_naive:
            t_naive = naive(jobs, out_a)
            print(f"(a) papermill CLI + nbconvert CLI loop:     {t_naive:6.1f} s for 24 reports")
            same = sum(content(out_a / j.name) == content(out_b / j.name) for j in jobs)
            print(f"same report content: {same}/{len(jobs)}")
            if source_digest() != digest:
                print("WARNING: package sources changed during the run; content may differ")
            print(f"speed-up (a)/(b): {t_naive / t_batch:.2f}x")
        jobs_96 = [
            batch.Job(j.kind, j.params, str(tmp / f"batch96_{k}"), True, j.label)
            for k in range(4)
            for j in jobs
        ]
        t_96, peak_96 = pooled(jobs_96, workers)
        print(f"(b) 96 reports: {t_96:6.1f} s, peak RSS {peak_96:.0f} MB")
        print(f"peak memory 96/24: {peak_96 / peak_24:.2f} (flat means within 1.20)")
    # exit status: 1 when a printed target is missed (the same content, memory flat)
    missed = peak_96 / peak_24 > 1.20 or (not args.skip_naive and same != len(jobs))
    print("targets:", "MISSED" if missed else "met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
