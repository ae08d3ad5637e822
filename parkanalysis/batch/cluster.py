"""Running a batch's jobs on a Dask cluster (``--scheduler tcp://HOST:PORT``).

Each task renders one job on a Dask worker, in a warm kernel kept per worker thread
(:func:`_dask_render`, pickled by its qualified name: it must stay importable from this
module). Data and output folders must be shared with the workers.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from parkanalysis.batch.jobs import Job, JobResult, job_result, new_session, render_job
from parkanalysis.errors import ParameterError

_DASK_SESSIONS: dict[tuple[int, str | None], Any] = {}
_DASK_LOCK = threading.Lock()


def _close_dask_sessions() -> None:
    with _DASK_LOCK:
        for session in _DASK_SESSIONS.values():
            with contextlib.suppress(Exception):
                session.close()
        _DASK_SESSIONS.clear()


def _dask_render(job: Job, timeout: int, preload: str | None = None) -> JobResult:
    """Run on a Dask worker: one warm kernel per worker thread, reused across tasks."""
    import atexit

    with _DASK_LOCK:
        if not _DASK_SESSIONS:
            atexit.register(_close_dask_sessions)
        key = (threading.get_ident(), preload)
        session = _DASK_SESSIONS.get(key)
        if session is None:
            session = _DASK_SESSIONS[key] = new_session(timeout, preload)
    return render_job(job, session)


def run_dask(
    jobs: list[Job], *, scheduler: str, timeout: int, on_result, preload: str | None = None
) -> list[JobResult]:
    import uuid

    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - the dask extra is installed by default
        raise ParameterError(
            "使用 --scheduler 需要安装 dask 与 distributed(pip install parkanalysis[dask])。"
        ) from exc
    if not jobs:
        return []
    import dask

    try:
        # Dask's own setting (DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT), 30 s by default
        client = Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"))
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParameterError(f"无法连接 Dask 调度器 {scheduler}: {exc}") from exc
    batch_id = uuid.uuid4().hex[:12]  # two batches on one cluster never share task keys
    results: dict[int, JobResult] = {}
    try:
        futures = {
            client.submit(
                _dask_render,
                job,
                timeout,
                preload,
                pure=False,
                key=f"parkanalysis-{batch_id}-{i}-{job.name}",
            ): i
            for i, job in enumerate(jobs)
        }
        for future in as_completed(futures):
            index = futures[future]
            try:
                results[index] = future.result()
            except Exception as exc:  # a worker that died, or a task that could not run
                results[index] = job_result(jobs[index], "failed", 0.0, f"Dask 任务失败: {exc}")
            on_result(results[index])
    finally:
        client.close()
    return [results[i] for i in range(len(jobs))]
