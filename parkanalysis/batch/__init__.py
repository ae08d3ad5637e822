"""Render many reports: a pool of warm kernels, failure isolation, an index page.

The recipe (:func:`run_batch`)::

    plan jobs → run them (local worker pool, or a Dask cluster) → record results → index page

Each local worker is a process that keeps one warm :class:`~parkanalysis.render.KernelSession`
(heavy imports and the dataset loaded once) and resets it between reports, so every report
is computed as in a fresh kernel. A worker or kernel that dies takes only its current
report down: that report is marked failed, the worker is replaced, the batch goes on.

Layout, in the recipe's order::

    jobs.py      Job, JobResult, BatchSummary; rendering one job (render_job, precheck)
    plan.py      the reports of a year (plan_jobs); how many workers (bounded_workers)
    pool.py      the local worker pool (spawned processes, signals, dead workers)
    cluster.py   the same jobs on a Dask cluster
    index.py     the folder's manifest and index page (record_results, index_html)
    __init__.py  run_batch, the recipe
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from pathlib import Path

from parkanalysis.batch.cluster import run_dask
from parkanalysis.batch.index import FORMAT_LABELS, KIND_LABELS, index_html, record_results
from parkanalysis.batch.jobs import (
    RESTART_EVERY,
    STATUS_LABELS,
    BatchSummary,
    Job,
    JobResult,
    precheck,
    render_job,
)
from parkanalysis.batch.jobs import job_result as job_result
from parkanalysis.batch.plan import (
    BATCH_KINDS,
    DEFAULT_KINDS,
    WORKER_MB,
    bounded_workers,
    plan_jobs,
)
from parkanalysis.batch.pool import run_local, start_workers

__all__ = [
    "BATCH_KINDS",
    "DEFAULT_KINDS",
    "FLUSH_SECONDS",
    "FORMAT_LABELS",
    "KIND_LABELS",
    "RESTART_EVERY",
    "STATUS_LABELS",
    "WORKER_MB",
    "BatchSummary",
    "Job",
    "JobResult",
    "bounded_workers",
    "index_html",
    "plan_jobs",
    "precheck",
    "record_results",
    "render_job",
    "run_batch",
]


#: During a batch, results are merged into the manifest and index at most this often.
FLUSH_SECONDS = 20.0


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def run_batch(
    *,
    data: str | os.PathLike,
    year: int,
    out_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    force: bool = False,
    share: bool = False,
    scheduler: str | None = None,
    parks: list[str] | None = None,
    progress: bool = True,
    timeout: int = 600,
    jobs: list[Job] | None = None,
    allow_incomplete: bool = False,
    kinds: Sequence[str] = DEFAULT_KINDS,
    formats=("html",),
    copy: str | None = None,
    date: str | None = None,
) -> BatchSummary:
    """Render every report of ``year`` into ``out_dir`` and write ``index.html``.

    Parameters
    ----------
    data : path
        Dataset folder (shared with the Dask workers when ``scheduler`` is given).
    year : int
        Report year.
    out_dir : path, default ``"reports"``
        Output folder (shared with the Dask workers when ``scheduler`` is given). With
        ``jobs``, each job names its folder and the index is written in each of them.
    workers : int, optional
        Local worker processes; default the number of CPU cores.
    force : bool, default False
        Render reports whose inputs did not change.
    share : bool, default False
        Render the circulation copies (enterprise detail removed): ``copy="share"``.
    copy : str, optional
        ``work`` (工作稿), ``final`` (上报稿, the default) or ``share`` (对外版).
    date : str, optional
        The 成文日期 of every report (``YYYY-MM-DD``); default each report's own.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a Dask scheduler: run the jobs on that cluster.
    parks : list of str, optional
        Only these parks.
    progress : bool, default True
        Show a progress bar on stderr.
    timeout : int, default 600
        Seconds one notebook cell may run.
    allow_incomplete : bool, default False
        Render periods whose 报送率 is below the park's threshold (see :func:`plan_jobs`).
    jobs : list of Job, optional
        Run these instead of planning the year (benchmarks, tests).
    kinds : sequence of str, default :data:`DEFAULT_KINDS`
        Which reports to plan (see :func:`plan_jobs`); ``month`` adds single-month 月报.
    formats : str or sequence, default ``("html",)``
        Output formats (``html``, ``docx``, ``pdf``); the index links each.

    Returns
    -------
    BatchSummary
        ``.ok`` is False when any report failed (the CLI then exits 1).
    """
    from tqdm import tqdm

    from parkanalysis._io import check_output_folder

    start = time.perf_counter()
    notes: list[str] = []
    if jobs is None or copy is not None:
        from parkanalysis.render import resolve_plan_copy

        options: dict = {"copy": copy, "share": share}
        resolve_plan_copy("period", options)
        share = options["copy"] == "share"
    if jobs is None:
        out_dir = out_dir or "reports"
        check_output_folder(out_dir, data=data)  # before any work: exit 2, nothing rendered
        jobs = plan_jobs(
            data,
            year,
            out_dir=out_dir,
            parks=parks,
            share=share,
            force=force,
            allow_incomplete=allow_incomplete,
            kinds=kinds,
            formats=formats,
            notes=notes,
            copy=copy,
            date=date,
        )
    folders = list(dict.fromkeys(j.out_dir for j in jobs)) or [str(out_dir or "reports")]
    if out_dir is not None:  # a province: the folder above the offices' gets their index too
        root = str(Path(out_dir).resolve())
        if root not in folders and any(Path(f).parent == Path(root) for f in folders):
            folders.append(root)
    for folder in folders:
        check_output_folder(folder, data=data)
    workers, capped = bounded_workers(workers)
    if capped:
        notes.append(capped)
    bar = tqdm(total=len(jobs), desc="生成报告", unit="份", disable=not progress, leave=True)
    results: dict[int, JobResult] = {}
    unrecorded: list[JobResult] = []
    last_flush = time.monotonic()

    def on_result(result: JobResult) -> None:
        nonlocal last_flush
        bar.update(1)
        unrecorded.append(result)
        if time.monotonic() - last_flush > FLUSH_SECONDS:  # a long batch shows its progress
            _record(folders, unrecorded)
            unrecorded.clear()
            last_flush = time.monotonic()

    # Cached reports and refused parameters need no kernel: settle them here, start
    # workers only for the rest (a second run of an unchanged year starts none). Local
    # workers start at the first report that needs a kernel: their kernels warm up while
    # the other reports are checked.
    # Every process of a share batch (workers and their kernels) reads each park-year's
    # protected table from one store instead of building the chain again (share/store.py).
    store = contextlib.ExitStack()
    if share or any(job.params.get("share") for job in jobs):
        from parkanalysis.share.store import table_store

        store.enter_context(table_store())
    with store:
        todo: list[int] = []
        started = None
        try:
            for index, job in enumerate(jobs):
                settled = precheck(job)
                if settled is not None:
                    results[index] = settled
                    on_result(settled)
                    continue
                todo.append(index)
                if started is None and not scheduler:
                    started = start_workers(
                        min(workers, len(jobs) - index),
                        timeout=timeout,
                        preload=_one_dataset(jobs[index:]),
                    )
        except BaseException:
            if started is not None:
                started.close(terminate=True)
            bar.close()
            raise
        preload = _one_dataset([jobs[i] for i in todo])
        try:
            chosen = [jobs[i] for i in todo]
            if scheduler:
                done = run_dask(
                    chosen,
                    scheduler=scheduler,
                    timeout=timeout,
                    on_result=on_result,
                    preload=preload,
                )
            else:
                done = run_local(
                    chosen,
                    workers=workers,
                    timeout=timeout,
                    on_result=on_result,
                    preload=preload,
                    started=started,
                )
            results.update(zip(todo, done, strict=True))
        except BaseException:
            bar.close()
            if unrecorded:  # what finished is recorded even when the batch is interrupted
                _record(folders, unrecorded)
            raise
    bar.close()
    index = _record(folders, unrecorded)
    ordered = [results[i] for i in range(len(jobs))]
    summary = BatchSummary(ordered, index, time.perf_counter() - start, _peak_rss_mb())
    if share:  # the attacker runs on what was written; an exposed set is not left behind
        from parkanalysis.report.naming import is_share_name
        from parkanalysis.share.sidecar import enforce_folder

        texts = []
        for folder in folders:  # the office's own copies in the same folder are listed only
            text, exposed = enforce_folder(folder, tolerated=lambda n: not is_share_name(n))
            texts.append(text)
            summary.share_exposed |= exposed
        summary.share_audit = "\n".join(texts)
    summary.notes = notes
    return summary


def _one_dataset(jobs: Sequence[Job]) -> str | None:
    """The data folder of ``jobs`` when they all have the same one (a warm kernel preloads it)."""
    datasets = {str(job.params.get("data") or "") for job in jobs}
    return datasets.pop() if len(datasets) == 1 and "" not in datasets else None


def _record(folders: list[str], results: list[JobResult]) -> Path:
    """Record results in the index of the folder each report was written to; the deepest
    folders first, so a province's index (which links each office's) sees theirs."""
    by_folder: dict[str, list[JobResult]] = {folder: [] for folder in folders}
    for result in results:
        by_folder.setdefault(result.out_dir or folders[0], []).append(result)
    deepest_first = sorted(by_folder.items(), key=lambda item: -len(Path(item[0]).parts))
    indexes = [record_results(folder, chunk) for folder, chunk in deepest_first]
    return min(indexes, key=lambda p: len(p.parts))  # a province's own folder, not an office's
