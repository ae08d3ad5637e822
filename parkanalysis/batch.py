"""Render many reports: a pool of warm kernels, failure isolation, an index page.

The recipe (:func:`run_batch`)::

    plan jobs → run them (local worker pool, or a Dask cluster) → record results → index page

Each local worker is a process that keeps one warm :class:`~parkanalysis.render.KernelSession`
(heavy imports and the dataset loaded once) and resets it between reports, so every report
is computed as in a fresh kernel. A worker or kernel that dies takes only its current
report down: that report is marked failed, the worker is replaced, the batch goes on.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import json
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from parkanalysis._io import atomic_write
from parkanalysis.errors import ParameterError, ParkAnalysisError
from parkanalysis.report.naming import is_share_name

#: A warm kernel is replaced after this many reports, to keep memory flat.
RESTART_EVERY = 40

#: During a batch, results are merged into the manifest and index at most this often.
FLUSH_SECONDS = 20.0

#: Memory one local worker needs with its warm kernel and the spare one (MB, measured on the
#: sample: about 270 MB per worker and kernel, with headroom for larger datasets).
WORKER_MB = 400

KIND_LABELS = {"period": "经济运行与工作情况报告", "land": "土地供应与扩园需求报告"}
#: Report kinds a batch can make (``--kinds``): period kinds of
#: :func:`parkanalysis.periods.report_periods` and the land report.
BATCH_KINDS = ("month", "cumulative", "quarter", "half", "year", "land")
#: What a batch makes unless told otherwise.
DEFAULT_KINDS = ("cumulative", "quarter", "half", "year", "land")
#: How the index names the formats beside each HTML report.
FORMAT_LABELS = {"docx": "Word", "pdf": "PDF"}
STATUS_LABELS = {
    "rendered": "已生成",
    "cached": "未变化(沿用)",
    "failed": "失败",
    "interrupted": "已中断(未生成)",
}


@dataclass(frozen=True)
class Job:
    """One report to render."""

    kind: str
    params: dict[str, Any]
    out_dir: str
    force: bool = False
    label: str = ""
    park_name: str = ""
    formats: tuple[str, ...] = ("html",)

    @property
    def name(self) -> str:
        """The report's HTML file name (unique within a batch)."""
        from parkanalysis.render import report_filename, report_kind_name

        return report_filename(report_kind_name(self.kind), self.params)


@dataclass
class JobResult:
    """What happened to one job (JSON-ready)."""

    name: str
    kind: str
    park: str
    park_name: str
    period: str
    label: str
    status: str
    seconds: float
    finished_at: str
    error: str | None = None
    failed_notebook: str | None = None
    out_dir: str = ""  # where the report goes (not stored in the manifest)
    #: File names of the formats written beside the HTML (``docx``, ``pdf``).
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class BatchSummary:
    """All results of a batch and where its index page is."""

    results: list[JobResult]
    index_path: Path
    seconds: float
    peak_rss_mb: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    #: Share batches: the outsider's audit (Chinese text) and whether it found exposures.
    share_audit: str | None = None
    share_exposed: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no report failed (and a share batch's audit found nothing exposed)."""
        return all(r.status != "failed" for r in self.results) and not self.share_exposed

    def describe(self) -> str:
        """A short Chinese summary for the terminal."""
        counts = {s: sum(r.status == s for r in self.results) for s in STATUS_LABELS}
        parts = [f"{STATUS_LABELS[s]} {n} 份" for s, n in counts.items() if n]
        lines = [
            f"共 {len(self.results)} 份报告:" + ",".join(parts) + f";用时 {self.seconds:.1f} 秒。"
        ]
        lines += [f"  说明: {note}" for note in self.notes]
        for r in self.results:
            if r.status == "failed":
                lines.append(f"  失败: {r.name}: {r.error}")
        lines.append(f"索引页: {self.index_path}")
        if self.share_audit:
            lines.append("对外版核查(share-audit):\n" + self.share_audit)
        return "\n".join(lines)


# --------------------------------------------------------------------------- planning
def _dedupe_periods(periods):
    """Keep one period per set of months, preferring 上半年/全年 names, then 1-N月."""
    preference = {"half": 0, "year": 1, "cumulative": 2, "quarter": 3, "month": 4}
    chosen: dict[tuple[int, int, int], Any] = {}
    for period in periods:
        key = (period.year, period.start_month, period.end_month)
        if key not in chosen or preference[period.kind] < preference[chosen[key].kind]:
            chosen[key] = period
    return sorted(chosen.values(), key=lambda p: (p.end_month, p.end_month - p.start_month))


def plan_jobs(
    data: str | os.PathLike,
    year: int,
    *,
    out_dir: str | os.PathLike = "reports",
    parks: list[str] | None = None,
    share: bool = False,
    force: bool = False,
    allow_incomplete: bool = False,
    kinds: Sequence[str] = DEFAULT_KINDS,
    formats=("html",),
    notes: list[str] | None = None,
) -> list[Job]:
    """Return the reports of one year: each park's 1-N月 reports, quarters, half-years,
    the year when complete, and one land report as of the last month of data.

    The data end is the "data complete to" month (:attr:`Dataset.month_range`); a period
    whose 报送率 is below ``completeness.min_reporting_rate`` refuses the batch
    (:class:`~parkanalysis.errors.IncompleteDataError`) unless ``allow_incomplete``, which
    also plans the months after the data's complete end.

    ``kinds`` chooses among :data:`BATCH_KINDS`: ``month`` (单月月报), ``cumulative``,
    ``quarter``, ``half``, ``year`` and ``land``; default :data:`DEFAULT_KINDS` (all but
    ``month``).

    Each park is planned within its own data: a park whose reports lag behind the others
    gets no report past its own last month, and a park without data in ``year`` gets none
    (said in ``notes``, when given, so that nothing is dropped silently).
    """
    kinds = tuple(dict.fromkeys(kinds))
    unknown_kinds = [k for k in kinds if k not in BATCH_KINDS]
    if unknown_kinds or not kinds:
        raise ParameterError(
            f"报告种类 {', '.join(unknown_kinds) or '(空)'} 无效;可选:{', '.join(BATCH_KINDS)}"
        )
    from parkanalysis.dataset import load_dataset
    from parkanalysis.dataset.completeness import period_status
    from parkanalysis.errors import IncompleteDataError
    from parkanalysis.periods import report_periods
    from parkanalysis.render import check_formats

    formats = check_formats(formats)

    data = str(Path(data).resolve())
    out = str(Path(out_dir).resolve())
    ds = load_dataset(data)
    (first_y, _), data_end = ds.reported_range if allow_incomplete else ds.month_range
    if not first_y <= year <= data_end[0]:
        raise ParameterError(f"数据覆盖 {first_y}—{data_end[0]} 年,没有 {year} 年的数据。")
    wanted = parks or list(ds.parks)
    unknown = sorted(set(wanted) - set(ds.parks))
    if unknown:
        raise ParameterError(f"数据集中没有园区: {', '.join(unknown)}。可用: {', '.join(ds.parks)}")
    period_kinds = tuple(k for k in kinds if k != "land")
    short: list[str] = []
    jobs = []
    for park in wanted:
        park_name = ds.profile.parks[park].name
        single = len(ds.parks) == 1
        own = ds if single else ds.subset(park)
        span = own.reported_range if allow_incomplete else own.month_range
        if span is None or not span[0][0] <= year <= span[1][0]:
            covered = "没有月度统计" if span is None else f"数据覆盖 {span[0][0]}—{span[1][0]} 年"
            if notes is not None:
                notes.append(f"{park_name}({park}){covered},没有 {year} 年的报告。")
            continue
        last_y, last_m = span[1]
        end_month = last_m if year == last_y else 12
        if notes is not None and year == last_y and span[1] < data_end:
            notes.append(f"{park_name}({park})的数据截至 {year} 年 {last_m} 月,报告只到该月。")
        periods = (
            _dedupe_periods(
                report_periods(
                    year,
                    last_month=end_month,
                    kinds=period_kinds,
                    jan_feb_combined=ds.jan_feb_combined,
                )
            )
            if period_kinds
            else []
        )
        if not allow_incomplete:
            short += [
                st.sentence()
                for st in (period_status(ds, p, park) for p in periods)
                if not st.sufficient
            ]
        base = {"data": data, "park": None if single else park, "share": share}
        for period in periods:
            params = {**base, "period": str(period)}
            if allow_incomplete:
                params["allow_incomplete"] = True
            jobs.append(Job("period", params, out, force, period.label, park_name, formats))
        if "land" not in kinds:
            continue
        as_of = f"{year}-{end_month:02d}"
        jobs.append(
            Job(
                "land",
                {**base, "as_of": as_of},
                out,
                force,
                f"截至{year}年{end_month}月",
                park_name,
                formats,
            )
        )
    if short:
        raise IncompleteDataError(
            "以下报告期报送率低于 park.yaml 的 completeness.min_reporting_rate,不出报告:"
            + ";".join(short)
            + "。请等各企业报齐或补报;如确需出报告,请加 --allow-incomplete。"
        )
    for job in jobs:  # park ids from the data become file names: refuse unsafe ones now
        job.name  # noqa: B018 - raises ParameterError
    return jobs


def _available_mb() -> float | None:
    """Memory available for new processes (Linux ``MemAvailable``), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def bounded_workers(requested: int | None) -> tuple[int, str | None]:
    """The number of local workers to start, and why it is fewer than asked (or None).

    Each worker keeps a warm kernel (about :data:`WORKER_MB` MB), so more workers than CPU
    cores, or than available memory holds, only slow the batch down or exhaust the memory.

    Raises
    ------
    ParameterError
        For 0 or a negative number.
    """
    cores = os.cpu_count() or 1
    if requested is not None and (isinstance(requested, bool) or requested < 1):
        raise ParameterError(f"--workers 应为正整数,收到 {requested}。")
    memory = _available_mb()
    by_memory = max(1, int(memory // WORKER_MB)) if memory is not None else cores
    limit = max(1, min(cores, by_memory))
    if requested is None:
        return limit, None
    if requested <= limit:
        return requested, None
    why = f"CPU 核数 {cores}"
    if memory is not None:
        why += f",可用内存 {memory / 1024:.1f} GB(每个进程约 {WORKER_MB} MB)"
    return limit, f"并行进程数 {requested} 超过本机可承受的 {limit} 个({why}),已改为 {limit}。"


# --------------------------------------------------------------------------- one job
def render_job(job: Job, session=None) -> JobResult:
    """Render one job (in a worker) and describe the outcome; never raises."""
    from parkanalysis.render import render_report

    start = time.perf_counter()
    try:
        result = render_report(
            job.kind,
            out_dir=job.out_dir,
            force=job.force,
            session=session,
            formats=job.formats,
            **job.params,
        )
        status, error = result.status, result.error
        failed = str(result.failed_notebook) if result.failed_notebook else None
        outputs = {f: p.name for f, p in result.outputs.items() if f != "html"}
    except ParkAnalysisError as exc:  # bad parameters, a full disk: the message says it all
        status, error, failed, outputs = "failed", str(exc), None, {}
    except Exception as exc:  # isolation: one report's failure must not stop the batch
        status, error, failed, outputs = "failed", f"{type(exc).__name__}: {exc}", None, {}
    return _result(job, status, time.perf_counter() - start, error, failed, outputs)


def precheck(job: Job) -> JobResult | None:
    """Return the job's result when it needs no kernel: cached, or parameters refused."""
    from parkanalysis.render import plan_report

    try:
        plan = plan_report(job.kind, out_dir=job.out_dir, formats=job.formats, **job.params)
    except ParkAnalysisError as exc:
        return _result(job, "failed", 0.0, str(exc))
    if not job.force and plan.is_cached():
        outputs = {f: p.name for f, p in plan.recorded_outputs().items() if f in job.formats}
        outputs.pop("html", None)
        return _result(job, "cached", 0.0, outputs=outputs)
    return None


def _job_name(job: Job) -> str:
    try:
        return job.name
    except Exception:  # refused parameters: still listed (escaped) in the index, never a file
        return "(无效参数) " + json.dumps(job.params, ensure_ascii=False, sort_keys=True)[:200]


def _result(
    job: Job, status: str, seconds: float, error=None, failed=None, outputs=None
) -> JobResult:
    return JobResult(
        name=_job_name(job),
        kind=job.kind,
        park=job.params.get("park") or "",
        park_name=job.park_name,
        period=job.params.get("period") or job.params.get("as_of") or "",
        label=job.label,
        status=status,
        seconds=round(seconds, 2),
        finished_at=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        error=error,
        failed_notebook=failed,
        out_dir=job.out_dir,
        outputs=dict(outputs or {}),
    )


def _new_session(timeout: int, preload: str | None, ipc_root: str | None = None):
    from parkanalysis.render import KernelSession

    return KernelSession(
        timeout=timeout,
        standby=True,
        restart_every=RESTART_EVERY,
        preload=preload,
        ipc_root=ipc_root,
    )


# --------------------------------------------------------------------------- local pool
def _worker_main(conn, timeout: int, preload: str | None, ipc_root: str | None = None) -> None:
    """A worker process: keep one warm kernel, render jobs sent over ``conn`` until told to stop.

    Each worker has its own pipe (no lock shared with other workers, so a worker killed at
    any moment cannot block the others). A worker whose parent died exits by itself.
    """
    import signal

    from parkanalysis.render import _exporter

    # Ctrl-C reaches the whole process group: the parent decides what stops (it terminates
    # the workers), so a worker neither dies mid-write nor prints a KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_quietly)
    parent = os.getppid()
    session = _new_session(timeout, preload, ipc_root)
    try:
        with contextlib.suppress(Exception):
            session.start()  # the kernel warms up while this process imports nbconvert
        with contextlib.suppress(Exception):
            _exporter()
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

    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: closing the kernel takes a moment
    raise _Stopped


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
        self.started = 0.0

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)


def _run_local(
    jobs: list[Job], *, workers: int, timeout: int, on_result, preload: str | None = None
) -> list[JobResult]:
    from multiprocessing.connection import wait

    from parkanalysis._io import remove_temp_files

    if not jobs:
        return []
    ctx = mp.get_context("spawn")
    size = max(1, min(workers, len(jobs)))
    # the kernel sockets of all workers go in one folder, removed at the end (a killed
    # worker cannot clean up after itself)
    ipc_root = tempfile.mkdtemp(prefix="pa-batch-")
    pool: list[_Worker | None] = [_Worker(ctx, timeout, preload, ipc_root) for _ in range(size)]
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
                    worker.started = time.perf_counter()
                    with contextlib.suppress(OSError):  # just died: its sentinel tells below
                        worker.conn.send((worker.current, jobs[worker.current]))
            ready = set(wait([w.conn for w in live] + [w.process.sentinel for w in live], 1.0))
            for slot, worker in enumerate(pool):
                if worker is None:
                    continue
                if worker.conn in ready:
                    with contextlib.suppress(EOFError, OSError):  # gone: the sentinel tells
                        while worker.conn.poll():
                            message = worker.conn.recv()
                            if message[0] == "done":
                                _tag, index, result = message
                                if index == worker.current:
                                    worker.current = None
                                finish(index, result)
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
                    finish(lost, _result(jobs[lost], "failed", seconds, error))
                    remove_temp_files(jobs[lost].out_dir, worker.process.pid)
                worker.conn.close()
                pool[slot] = _Worker(ctx, timeout, preload, ipc_root) if pending else None
    except BaseException:  # Ctrl-C, SIGTERM: what did not finish is listed as interrupted
        live = [w for w in pool if w is not None]
        for worker in live:
            with contextlib.suppress(OSError):
                worker.process.terminate()  # the worker shuts its kernel down and exits
        for index in range(len(jobs)):
            if index not in results:
                error = "批量生成被中断,该报告未生成;请重新运行 batch(已生成的报告会沿用)"
                finish(index, _result(jobs[index], "interrupted", 0.0, error))
        raise
    finally:
        live = [w for w in pool if w is not None]
        for worker in live:
            worker.stop()
        for worker in live:
            worker.process.join(timeout=20)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
        shutil.rmtree(ipc_root, ignore_errors=True)
    return [results[i] for i in range(len(jobs))]


# --------------------------------------------------------------------------- Dask
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
            session = _DASK_SESSIONS[key] = _new_session(timeout, preload)
    return render_job(job, session)


def _run_dask(
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
                results[index] = _result(jobs[index], "failed", 0.0, f"Dask 任务失败: {exc}")
            on_result(results[index])
    finally:
        client.close()
    return [results[i] for i in range(len(jobs))]


# --------------------------------------------------------------------------- index page
@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_results(out_dir: str | os.PathLike, results: list[JobResult]) -> Path:
    """Merge results into the folder's manifest and rewrite ``index.html`` (under a lock).

    Concurrent batches into one folder each hold the lock while they read, merge and
    atomically replace the manifest and the index, so neither is ever half-written or lost.
    """
    out = Path(out_dir)
    manifest_path = out / ".manifest.json"
    with _locked(out):
        manifest = _read_manifest(manifest_path)
        for result in results:
            _drop_renamed(manifest, result)
            record = asdict(result)
            record.pop("out_dir", None)
            if record["failed_notebook"]:
                record["failed_notebook"] = os.path.relpath(record["failed_notebook"], out)
            if result.status == "cached" and result.name in manifest:
                previous = manifest[result.name]
                record["finished_at"] = previous.get("finished_at", record["finished_at"])
            manifest[result.name] = record
        atomic_write(
            manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
        )
        # the share copies get their own index: the office index never leaves the office
        records = list(manifest.values())
        share = [r for r in records if is_share_name(r["name"])]
        office = [r for r in records if r not in share]
        index = out / "index.html"
        if office or not share:
            atomic_write(index, index_html(office))
        if share:
            share_index = out / "index_share.html"
            atomic_write(share_index, index_html(share, share=True))
            if all(is_share_name(r.name) for r in results):
                index = share_index
    return index


def _drop_renamed(manifest: dict[str, dict[str, Any]], result: JobResult) -> None:
    """Forget the record of the same report under an earlier file name (code-named files of
    earlier versions): the index lists each report once, under its current name."""
    same = (result.kind, result.park, result.period, result.label, is_share_name(result.name))
    for name, record in list(manifest.items()):
        key = (
            record.get("kind"),
            record.get("park"),
            record.get("period"),
            record.get("label"),
            is_share_name(name),
        )
        if name != result.name and key == same:
            del manifest[name]


_RECORD_KEYS = {"name", "kind", "park", "label", "status", "finished_at", "seconds"}


def _read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The manifest's records; a corrupt one is set aside and rebuilt, with a warning."""
    import sys

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        text, problem = "", str(exc)
    try:
        manifest = json.loads(text)
        problem = None if isinstance(manifest, dict) else "不是 JSON 对象"
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        manifest, problem = {}, f"不是有效的 JSON: {exc}"
    if not isinstance(manifest, dict):
        manifest = {}
    kept = {
        name: record
        for name, record in manifest.items()
        if isinstance(record, dict)
        and set(record) >= _RECORD_KEYS
        and record.get("name") == name
        and isinstance(record.get("seconds"), int | float)
        and all(isinstance(record[k], str) for k in _RECORD_KEYS - {"seconds"})
    }
    dropped = len(manifest) - len(kept)
    if problem is None and dropped:
        problem = f"{dropped} 条记录无法识别"
    if problem is not None:
        with contextlib.suppress(OSError):
            shutil.copyfile(path, path.with_name(path.name + ".bad"))
        print(
            f"警告: 报告清单 {path} 已损坏({problem[:200]}),已重建;"
            f"原文件另存为 {path.name}.bad,本次生成的报告都会列入索引。",
            file=sys.stderr,
        )
    return kept


def _index_order(record: dict[str, Any]) -> tuple:
    """Park, period reports by end month (月报, 1-N月, 季度, 半年, 年), land report last."""
    from parkanalysis.periods import parse_period

    order = {"month": 0, "cumulative": 1, "quarter": 2, "half": 3, "year": 4}
    key = (1, 0, 0, 0, 0)
    if record.get("kind") == "period":
        try:
            p = parse_period(record.get("period") or "")
            key = (0, p.year, p.end_month, order.get(p.kind, 5), p.start_month)
        except Exception:  # a record from an older manifest
            pass
    return (record["park"], *key, record["name"])


def _doc_title(record: dict[str, Any]) -> str:
    """The title the document carries (「工贸园2016年上半年工作总结」), for the index."""
    park = record.get("park_name") or record.get("park") or ""
    label = record.get("label") or ""
    if record.get("kind") == "period":
        words = "工作总结" if ("半年" in label or label.endswith("年")) else "经济运行情况报告"
        return f"{park}{label}{words}"
    if record.get("kind") == "land":
        return f"{park}土地供应与扩园需求分析({label})"
    return f"{park}{label}"


def _beijing(stamp: str) -> str:
    """A recorded time (ISO 8601 with its offset) in 北京时间, as the reports state times.

    >>> _beijing("2016-07-01T00:09:10+00:00"), _beijing("not a time")
    ('2016-07-01 08:09:10', 'not a time')
    """
    try:
        when = _dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)[:19]
    if when.tzinfo is not None:
        when = when.astimezone(_dt.timezone(_dt.timedelta(hours=8)))
    return when.strftime("%Y-%m-%d %H:%M:%S")


def index_html(records: list[dict[str, Any]], *, share: bool = False) -> str:
    """The index page: every report with its park, period, status and time.

    ``share``: the index of the share copies (对外版), without internal paths.
    """
    esc = html.escape
    rows = []
    for r in sorted(records, key=_index_order):
        status = STATUS_LABELS.get(r["status"], r["status"])
        if r["status"] in ("failed", "interrupted"):
            target = "" if share else (r.get("failed_notebook") or "")
            link = esc(r["name"]) + (f'<br><span class="err">{esc(r.get("error") or "")}</span>')
            if target:
                link += f'<br><span class="note">已执行的笔记本: {esc(target)}</span>'
        else:
            link = f'<a href="{esc(r["name"], quote=True)}">{esc(_doc_title(r))}</a>'
            for fmt, name in sorted((r.get("outputs") or {}).items()):
                label = FORMAT_LABELS.get(fmt, fmt)
                link += f' · <a href="{esc(name, quote=True)}" title="{esc(name)}">{esc(label)}</a>'
        rows.append(
            f'<tr class="{esc(r["status"])}"><td>{link}</td>'
            f'<td class="meta">{esc(r.get("park_name") or r["park"])}</td>'
            f'<td class="meta">{esc(KIND_LABELS.get(r["kind"], r["kind"]))}</td>'
            f'<td class="meta">{esc(r["label"])}</td><td class="meta">{esc(status)}</td>'
            f'<td class="meta">{esc(_beijing(r["finished_at"]))}</td>'
            f'<td class="meta">{r["seconds"]:.1f}</td></tr>'
        )
    failed = sum(r["status"] == "failed" for r in records)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>园区报告索引{"(对外版)" if share else ""}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 1rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: .92rem; }}
th, td {{ border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #f3f6f9; }}
tr.failed td {{ background: #fdecea; }}
.err {{ color: #b42318; }} .note {{ color: #59636e; font-size: .85rem; }}
.wrap {{ overflow-x: auto; }}
td:first-child a {{ font-weight: 600; }}
@media (max-width: 600px) {{
  thead {{ display: none; }}
  table, tbody, tr, td {{ display: block; width: auto; }}
  tr {{ border: 1px solid #d0d7de; margin: 0 0 .6rem; padding: .3rem .5rem; }}
  td {{ border: 0; padding: .1rem 0; }}
  td.meta {{ display: inline-block; color: #59636e; font-size: .85rem; margin-right: .6rem;
             white-space: nowrap; }}
}}
</style></head>
<body><main>
<h1>园区报告索引{"(对外版)" if share else ""}</h1>
<p>共 {len(records)} 份报告{f",其中 <strong>{failed} 份失败</strong>" if failed else ""}。</p>
<div class="wrap"><table>
<thead><tr><th>文件</th><th>园区</th><th>报告</th><th>时期</th><th>状态</th><th>完成时间(北京时间)</th><th>用时(秒)</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div>
</main></body></html>
"""


# --------------------------------------------------------------------------- recipe
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
        Render the circulation copies (enterprise detail removed).
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
        )
    folders = list(dict.fromkeys(j.out_dir for j in jobs)) or [str(out_dir or "reports")]
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
    # workers only for the rest (a second run of an unchanged year starts none).
    todo: list[int] = []
    for index, job in enumerate(jobs):
        settled = precheck(job)
        if settled is None:
            todo.append(index)
        else:
            results[index] = settled
            on_result(settled)
    datasets = {str(jobs[i].params.get("data") or "") for i in todo}
    preload = datasets.pop() if len(datasets) == 1 and "" not in datasets else None
    try:
        chosen = [jobs[i] for i in todo]
        if scheduler:
            done = _run_dask(
                chosen, scheduler=scheduler, timeout=timeout, on_result=on_result, preload=preload
            )
        else:
            done = _run_local(
                chosen, workers=workers, timeout=timeout, on_result=on_result, preload=preload
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
        from parkanalysis.share.sidecar import enforce_folder

        texts = []
        for folder in folders:
            text, exposed = enforce_folder(folder)
            texts.append(text)
            summary.share_exposed |= exposed
        summary.share_audit = "\n".join(texts)
    summary.notes = notes
    return summary


def _record(folders: list[str], results: list[JobResult]) -> Path:
    """Record results in the index of the folder each report was written to."""
    by_folder: dict[str, list[JobResult]] = {folder: [] for folder in folders}
    for result in results:
        by_folder.setdefault(result.out_dir or folders[0], []).append(result)
    indexes = [record_results(folder, chunk) for folder, chunk in by_folder.items()]
    return indexes[0]
