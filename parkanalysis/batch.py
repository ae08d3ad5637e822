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
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from parkanalysis._io import atomic_write
from parkanalysis.errors import ParameterError

#: A warm kernel is replaced after this many reports, to keep memory flat.
RESTART_EVERY = 40

KIND_LABELS = {"period": "经济运行与工作情况报告", "land": "土地供应与扩园需求报告"}
STATUS_LABELS = {"rendered": "已生成", "cached": "未变化(沿用)", "failed": "失败"}


@dataclass(frozen=True)
class Job:
    """One report to render."""

    kind: str
    params: dict[str, Any]
    out_dir: str
    force: bool = False
    label: str = ""
    park_name: str = ""

    @property
    def name(self) -> str:
        """The report's HTML file name (unique within a batch)."""
        from parkanalysis.render import report_filename

        return report_filename(self.kind, self.params)


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


@dataclass
class BatchSummary:
    """All results of a batch and where its index page is."""

    results: list[JobResult]
    index_path: Path
    seconds: float
    peak_rss_mb: float | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return all(r.status != "failed" for r in self.results)

    def describe(self) -> str:
        """A short Chinese summary for the terminal."""
        counts = {s: sum(r.status == s for r in self.results) for s in STATUS_LABELS}
        parts = [f"{STATUS_LABELS[s]} {n} 份" for s, n in counts.items() if n]
        lines = [
            f"共 {len(self.results)} 份报告:" + ",".join(parts) + f";用时 {self.seconds:.1f} 秒。"
        ]
        for r in self.results:
            if r.status == "failed":
                lines.append(f"  失败: {r.name}: {r.error}")
        lines.append(f"索引页: {self.index_path}")
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
) -> list[Job]:
    """Return the reports of one year: each park's 1-N月 reports, quarters, half-years,
    the year when complete, and one land report as of the last month of data.
    """
    from parkanalysis.dataset import load_dataset
    from parkanalysis.periods import report_periods

    data = str(Path(data).resolve())
    out = str(Path(out_dir).resolve())
    ds = load_dataset(data)
    (first_y, _), (last_y, last_m) = ds.month_range
    if not first_y <= year <= last_y:
        raise ParameterError(f"数据覆盖 {first_y}—{last_y} 年,没有 {year} 年的数据。")
    wanted = parks or list(ds.parks)
    unknown = sorted(set(wanted) - set(ds.parks))
    if unknown:
        raise ParameterError(f"数据集中没有园区: {', '.join(unknown)}。可用: {', '.join(ds.parks)}")
    end_month = last_m if year == last_y else 12
    periods = _dedupe_periods(
        report_periods(
            year,
            last_month=end_month,
            kinds=("cumulative", "quarter", "half", "year"),
            jan_feb_combined=ds.jan_feb_combined,
        )
    )
    jobs = []
    for park in wanted:
        park_name = ds.profile.parks[park].name
        single = len(ds.parks) == 1
        base = {"data": data, "park": None if single else park, "share": share}
        for period in periods:
            params = {**base, "period": str(period)}
            jobs.append(Job("period", params, out, force, period.label, park_name))
        as_of = f"{year}-{end_month:02d}"
        jobs.append(
            Job(
                "land",
                {**base, "as_of": as_of},
                out,
                force,
                f"截至{year}年{end_month}月",
                park_name,
            )
        )
    return jobs


# --------------------------------------------------------------------------- one job
def render_job(job: Job, session=None) -> JobResult:
    """Render one job (in a worker) and describe the outcome; never raises."""
    from parkanalysis.render import render_report

    start = time.perf_counter()
    try:
        result = render_report(
            job.kind, out_dir=job.out_dir, force=job.force, session=session, **job.params
        )
        status, error = result.status, result.error
        failed = str(result.failed_notebook) if result.failed_notebook else None
    except Exception as exc:  # isolation: one report's failure must not stop the batch
        status, error, failed = "failed", f"{type(exc).__name__}: {exc}", None
    return _result(job, status, time.perf_counter() - start, error, failed)


def _result(job: Job, status: str, seconds: float, error=None, failed=None) -> JobResult:
    return JobResult(
        name=job.name,
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
    )


# --------------------------------------------------------------------------- local pool
def _worker_main(tasks, results, timeout: int) -> None:
    """A worker process: keep one warm kernel, render jobs until told to stop."""
    from parkanalysis.render import KernelSession

    session = KernelSession(timeout=timeout)
    with contextlib.suppress(Exception):
        session.restart()  # warm the kernel before the first job arrives
    while True:
        item = tasks.get()
        if item is None:
            break
        index, job = item
        results.put(("done", index, render_job(job, session)))
        if session.reports_run and session.reports_run % RESTART_EVERY == 0:
            session.close()
    session.close()


class _Worker:
    def __init__(self, ctx, results, timeout):
        self.tasks = ctx.Queue()
        self.process = ctx.Process(
            target=_worker_main, args=(self.tasks, results, timeout), daemon=True
        )
        self.process.start()
        self.current: int | None = None
        self.started = 0.0


def _run_local(jobs: list[Job], *, workers: int, timeout: int, on_result) -> list[JobResult]:
    ctx = mp.get_context("spawn")
    results_q = ctx.Queue()
    pool = [_Worker(ctx, results_q, timeout) for _ in range(max(1, min(workers, len(jobs))))]
    pending = list(range(len(jobs)))[::-1]
    results: dict[int, JobResult] = {}
    try:
        while len(results) < len(jobs):
            for index, worker in enumerate(pool):
                if worker.current is None and pending:
                    worker.current = pending.pop()
                    worker.started = time.perf_counter()
                    worker.tasks.put((worker.current, jobs[worker.current]))
                elif worker.current is not None and not worker.process.is_alive():
                    lost = worker.current
                    results[lost] = _result(
                        jobs[lost],
                        "failed",
                        time.perf_counter() - worker.started,
                        f"工作进程意外退出(退出码 {worker.process.exitcode}),该报告未生成",
                    )
                    on_result(results[lost])
                    pool[index] = _Worker(ctx, results_q, timeout)
            try:
                _tag, index, result = results_q.get(timeout=0.2)
            except queue.Empty:
                continue
            results[index] = result
            on_result(result)
            for worker in pool:
                if worker.current == index:
                    worker.current = None
    finally:
        for worker in pool:
            with contextlib.suppress(Exception):
                worker.tasks.put(None)
        for worker in pool:
            worker.process.join(timeout=20)
            if worker.process.is_alive():
                worker.process.kill()
    return [results[i] for i in range(len(jobs))]


# --------------------------------------------------------------------------- Dask
_DASK_SESSIONS: dict[int, Any] = {}
_DASK_LOCK = threading.Lock()


def _dask_render(job: Job, timeout: int) -> JobResult:
    """Run on a Dask worker: one warm kernel per worker thread, reused across tasks."""
    from parkanalysis.render import KernelSession

    with _DASK_LOCK:
        session = _DASK_SESSIONS.setdefault(threading.get_ident(), KernelSession(timeout=timeout))
    result = render_job(job, session)
    if session.reports_run and session.reports_run % RESTART_EVERY == 0:
        session.close()
    return result


def _run_dask(jobs: list[Job], *, scheduler: str, timeout: int, on_result) -> list[JobResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - the dask extra is installed by default
        raise ParameterError(
            "使用 --scheduler 需要安装 dask 与 distributed(pip install parkanalysis[dask])。"
        ) from exc
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as exc:
        raise ParameterError(f"无法连接 Dask 调度器 {scheduler}: {exc}") from exc
    results: dict[int, JobResult] = {}
    try:
        futures = {
            client.submit(
                _dask_render, job, timeout, pure=False, key=f"parkanalysis-{i}-{job.name}"
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
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            manifest = {}
        for result in results:
            record = asdict(result)
            if record["failed_notebook"]:
                record["failed_notebook"] = os.path.relpath(record["failed_notebook"], out)
            if result.status == "cached" and result.name in manifest:
                previous = manifest[result.name]
                record["finished_at"] = previous.get("finished_at", record["finished_at"])
            manifest[result.name] = record
        atomic_write(
            manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
        )
        index = out / "index.html"
        atomic_write(index, index_html(list(manifest.values())))
    return index


def index_html(records: list[dict[str, Any]]) -> str:
    """The index page: every report with its park, period, status and time."""
    esc = html.escape
    rows = []
    for r in sorted(records, key=lambda r: (r["park"], r["kind"], r["name"])):
        status = STATUS_LABELS.get(r["status"], r["status"])
        if r["status"] == "failed":
            target = r.get("failed_notebook") or ""
            link = esc(r["name"]) + (f'<br><span class="err">{esc(r.get("error") or "")}</span>')
            if target:
                link += f'<br><span class="note">已执行的笔记本: {esc(target)}</span>'
        else:
            link = f'<a href="{esc(r["name"], quote=True)}">{esc(r["name"])}</a>'
        rows.append(
            f'<tr class="{esc(r["status"])}"><td>{esc(r.get("park_name") or r["park"])}</td>'
            f"<td>{esc(KIND_LABELS.get(r['kind'], r['kind']))}</td><td>{esc(r['label'])}</td>"
            f"<td>{esc(status)}</td><td>{esc(r['finished_at'].replace('T', ' ')[:19])}</td>"
            f"<td>{r['seconds']:.1f}</td><td>{link}</td></tr>"
        )
    failed = sum(r["status"] == "failed" for r in records)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>园区报告索引</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 1rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: .92rem; }}
th, td {{ border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
th {{ background: #f3f6f9; }}
tr.failed td {{ background: #fdecea; }}
.err {{ color: #b42318; }} .note {{ color: #59636e; font-size: .85rem; }}
.wrap {{ overflow-x: auto; }}
</style></head>
<body><main>
<h1>园区报告索引</h1>
<p>共 {len(records)} 份报告{f",其中 <strong>{failed} 份失败</strong>" if failed else ""}。</p>
<div class="wrap"><table>
<thead><tr><th>园区</th><th>报告</th><th>时期</th><th>状态</th><th>完成时间</th><th>用时(秒)</th><th>文件</th></tr></thead>
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
    out_dir: str | os.PathLike = "reports",
    workers: int | None = None,
    force: bool = False,
    share: bool = False,
    scheduler: str | None = None,
    parks: list[str] | None = None,
    progress: bool = True,
    timeout: int = 600,
    jobs: list[Job] | None = None,
) -> BatchSummary:
    """Render every report of ``year`` into ``out_dir`` and write ``index.html``.

    Parameters
    ----------
    data : path
        Dataset folder (shared with the Dask workers when ``scheduler`` is given).
    year : int
        Report year.
    out_dir : path, default ``"reports"``
        Output folder (shared with the Dask workers when ``scheduler`` is given).
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
    jobs : list of Job, optional
        Run these instead of planning the year (benchmarks, tests).

    Returns
    -------
    BatchSummary
        ``.ok`` is False when any report failed (the CLI then exits 1).
    """
    from tqdm import tqdm

    start = time.perf_counter()
    if jobs is None:
        jobs = plan_jobs(data, year, out_dir=out_dir, parks=parks, share=share, force=force)
    out = Path(out_dir)
    bar = tqdm(total=len(jobs), desc="生成报告", unit="份", disable=not progress, leave=True)

    def on_result(result: JobResult) -> None:
        bar.update(1)

    try:
        if scheduler:
            results = _run_dask(jobs, scheduler=scheduler, timeout=timeout, on_result=on_result)
        else:
            workers = workers or os.cpu_count() or 1
            results = _run_local(jobs, workers=workers, timeout=timeout, on_result=on_result)
    finally:
        bar.close()
    index = record_results(out, results)
    return BatchSummary(results, index, time.perf_counter() - start, _peak_rss_mb())
