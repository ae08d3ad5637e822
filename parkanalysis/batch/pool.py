"""The local worker pool: spawned processes, each keeping one warm kernel.

A worker (:func:`_worker_entry` → :func:`_worker_main`) receives jobs over its own pipe and
sends results back; :func:`start_workers` starts them (a batch does so at its first report
that needs a kernel, so kernels warm up while the rest is checked); :func:`run_local` hands
out jobs, replaces a worker that dies (only its current report is marked failed) and, on
Ctrl-C or SIGTERM, lets each worker finish the report it is writing (a report on disk
with its key is recorded as rendered) and lists what did not finish as interrupted.
Workers are started with ``spawn``: their entry point is pickled by its qualified name, so
it must stay importable from this module.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from pathlib import Path

from parkanalysis.batch.jobs import (
    Job,
    JobResult,
    job_result,
    new_session,
    render_job,
    written_result,
)


def _worker_main(conn, timeout: int, preload: str | None, ipc_root: str | None = None) -> None:
    """A worker process: keep one warm kernel, render jobs sent over ``conn`` until told to stop.

    Each worker has its own pipe (no lock shared with other workers, so a worker killed at
    any moment cannot block the others). A worker whose parent died exits by itself.
    """
    import signal

    from parkanalysis._startup import defer_iri_grammar
    from parkanalysis.render import html_exporter

    defer_iri_grammar()  # before nbformat is imported (see parkanalysis._startup)

    # Ctrl-C reaches the whole process group: the parent decides what stops (it terminates
    # the workers), so a worker neither dies mid-write nor prints a KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_quietly)
    parent = os.getppid()
    session = new_session(timeout, preload, ipc_root)
    try:
        with contextlib.suppress(Exception):
            session.start()  # the kernel warms up while this process imports nbconvert
        with contextlib.suppress(Exception):
            html_exporter()
        with contextlib.suppress(Exception):
            session.wait_ready()
        conn.send(("ready", os.getpid(), session.pid))
        while True:
            if not conn.poll(1.0):
                if os.getppid() != parent:
                    break
                continue
            try:
                item = conn.recv()
            except EOFError:
                break
            if item is None:
                break
            index, job = item
            result = render_job(job, session)
            conn.send(("done", index, result))
    finally:
        kernels = [session.pid, session.standby_pid]
        session.close()
        for pid in kernels:  # interrupted mid-report, the client may not have ended them
            _end_child(pid)


def _end_child(pid: int | None) -> None:
    """Kill and reap ``pid`` if it is still a live child of this process (never another's)."""
    import signal

    if not pid:
        return
    try:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return  # it had exited: now reaped
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError, OSError):
        pass  # not our child (already reaped by the client): nothing to do


class _Stopped(BaseException):
    """A worker was told to stop (SIGTERM): close the kernel and exit without a traceback."""


def _exit_quietly(signum, frame) -> None:
    import signal

    from parkanalysis._io import request_stop

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: closing the kernel takes a moment
    request_stop(_Stopped())  # a report being written is finished first (written_together)


def _worker_log(ipc_root: str | None, pid: int) -> Path | None:
    return Path(ipc_root) / f"worker-{pid}.log" if ipc_root else None


def _log_tail(path: Path | None, lines: int = 3) -> str:
    """The last lines a dead worker (or its kernel) wrote to stderr, for its failure message."""
    if path is None:
        return ""
    with contextlib.suppress(OSError):
        text = path.read_bytes()[-4000:].decode("utf-8", "replace").strip()
        if text:
            return ";最后的输出: " + " | ".join(text.splitlines()[-lines:])[:500]
    return ""


def _worker_entry(*args) -> None:
    """Run :func:`_worker_main` with stdout/stderr (its own and its kernels') in a log file.

    Whatever a worker has to say about a report travels to the parent in its result; the
    log only catches what libraries print, e.g. the kernel client's interrupted tasks when
    the batch is stopped (「Task exception was never retrieved」). It is read into the
    failure message when a worker dies, and removed with the batch's temporary folder.
    """
    log = _worker_log(args[3] if len(args) > 3 else None, os.getpid())
    if log is not None:
        with contextlib.suppress(OSError):
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
    try:
        _worker_main(*args)
    except (_Stopped, KeyboardInterrupt, BrokenPipeError, EOFError):
        os._exit(0)


class _Worker:
    def __init__(self, ctx, timeout: int, preload: str | None, ipc_root: str | None = None):
        self.conn, child = ctx.Pipe()
        args = (child, timeout, preload, ipc_root)
        self.process = ctx.Process(target=_worker_entry, args=args, daemon=True)
        self.process.start()
        child.close()
        self.current: int | None = None
        self.started = 0.0  # perf_counter at the current job's start
        self.started_at = 0.0  # the same moment on the wall clock (files' times)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)


def _collect(worker: _Worker, finish) -> None:
    """Record every result ``worker`` has already sent, without waiting for more."""
    with contextlib.suppress(EOFError, OSError):  # gone: its sentinel tells
        while worker.conn.poll():
            message = worker.conn.recv()
            if message[0] == "done":
                _tag, index, result = message
                if index == worker.current:
                    worker.current = None
                finish(index, result)


class Workers:
    """Local worker processes started for a batch, and the folder of their kernel sockets.

    :func:`start_workers` starts them (each spawns and warms up its kernel at once);
    :func:`run_local` hands them jobs and replaces one that dies; :meth:`close` stops them
    and removes the folder.
    """

    def __init__(self, size: int, *, timeout: int, preload: str | None):
        self.ctx = mp.get_context("spawn")
        self.timeout, self.preload = timeout, preload
        # the kernel sockets of all workers go in one folder, removed at the end (a killed
        # worker cannot clean up after itself)
        self.ipc_root = tempfile.mkdtemp(prefix="pa-batch-")
        self.slots: list[_Worker | None] = []
        try:
            for _ in range(size):
                self.slots.append(self.new_worker())
        except BaseException:
            self.close()
            raise

    def new_worker(self) -> _Worker:
        return _Worker(self.ctx, self.timeout, self.preload, self.ipc_root)

    def close(self, *, terminate: bool = False) -> None:
        """Tell every worker to stop (``terminate``: SIGTERM, for an interrupted batch), wait
        for it (kill one that does not) and remove the folder."""
        live = [w for w in self.slots if w is not None]
        for worker in live:
            worker.stop()
            if terminate:
                with contextlib.suppress(OSError):
                    worker.process.terminate()  # the worker shuts its kernel down and exits
        for worker in live:
            worker.process.join(timeout=20)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
        shutil.rmtree(self.ipc_root, ignore_errors=True)


def start_workers(size: int, *, timeout: int, preload: str | None = None) -> Workers:
    """Start ``size`` local workers now, before their jobs are known (see :class:`Workers`)."""
    return Workers(max(1, size), timeout=timeout, preload=preload)


def run_local(
    jobs: list[Job],
    *,
    workers: int,
    timeout: int,
    on_result,
    preload: str | None = None,
    started: Workers | None = None,
) -> list[JobResult]:
    """Run ``jobs`` on local workers (``started`` ones, else as many as ``workers`` allows)."""
    from multiprocessing.connection import wait

    from parkanalysis._io import remove_temp_files

    if not jobs:
        if started is not None:
            started.close()
        return []
    team = started or start_workers(min(workers, len(jobs)), timeout=timeout, preload=preload)
    pool = team.slots
    ipc_root = team.ipc_root
    pending = list(range(len(jobs)))[::-1]
    results: dict[int, JobResult] = {}

    def finish(index: int, result: JobResult) -> None:
        results[index] = result
        on_result(result)

    try:
        while len(results) < len(jobs):
            live = [w for w in pool if w is not None]
            for worker in live:
                if worker.current is None and pending:
                    worker.current = pending.pop()
                    worker.started, worker.started_at = time.perf_counter(), time.time()
                    with contextlib.suppress(OSError):  # just died: its sentinel tells below
                        worker.conn.send((worker.current, jobs[worker.current]))
            ready = set(wait([w.conn for w in live] + [w.process.sentinel for w in live], 1.0))
            for slot, worker in enumerate(pool):
                if worker is None:
                    continue
                if worker.conn in ready:
                    _collect(worker, finish)
                if worker.process.sentinel not in ready and worker.process.is_alive():
                    continue
                # The worker died (killed, out of memory …): only its current report is lost.
                worker.process.join(timeout=5)
                if worker.current is not None:
                    lost = worker.current
                    seconds = time.perf_counter() - worker.started
                    error = (
                        f"工作进程意外退出(退出码 {worker.process.exitcode}),该报告未生成"
                        + _log_tail(_worker_log(ipc_root, worker.process.pid))
                    )
                    finish(lost, job_result(jobs[lost], "failed", seconds, error))
                    remove_temp_files(jobs[lost].out_dir, worker.process.pid)
                worker.conn.close()
                pool[slot] = team.new_worker() if pending else None
    except BaseException:  # Ctrl-C, SIGTERM: what did not finish is listed as interrupted
        live = [w for w in pool if w is not None]
        for worker in live:
            _collect(worker, finish)  # a report done but not yet read is done, not interrupted
        # Each worker finishes the report it is writing, if any, shuts its kernel down and
        # exits; a second Ctrl-C stops the wait (close runs again below), not the record.
        with contextlib.suppress(KeyboardInterrupt):
            team.close(terminate=True)
        for worker in live:
            _collect(worker, finish)  # what it sent before exiting
            index = worker.current
            if index is not None and index not in results:
                written = written_result(jobs[index], worker.started_at)
                if written is not None:  # written whole but stopped before telling
                    finish(index, written)
        for index in range(len(jobs)):
            if index not in results:
                error = "批量生成被中断,该报告未生成;请重新运行 batch(已生成的报告会沿用)"
                finish(index, job_result(jobs[index], "interrupted", 0.0, error))
        raise
    finally:
        team.close()
    return [results[i] for i in range(len(jobs))]
