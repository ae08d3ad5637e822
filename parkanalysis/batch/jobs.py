"""A batch's jobs and their results, and how one job is rendered.

A :class:`Job` is one report to render; its :class:`JobResult` says what happened
(``rendered``, ``cached``, ``failed`` or ``interrupted``: :data:`STATUS_LABELS`) and is
what the manifest records. :func:`render_job` renders a job in a warm kernel and never
raises (one report's failure must not stop the batch); :func:`precheck` settles the jobs
that need no kernel (cached, or parameters refused).
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parkanalysis.errors import ParkAnalysisError

#: A warm kernel is replaced after this many reports, to keep memory flat.
RESTART_EVERY = 40


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
    return job_result(job, status, time.perf_counter() - start, error, failed, outputs)


def precheck(job: Job) -> JobResult | None:
    """Return the job's result when it needs no kernel: cached, or parameters refused."""
    from parkanalysis.render import plan_report

    try:
        plan = plan_report(job.kind, out_dir=job.out_dir, formats=job.formats, **job.params)
    except ParkAnalysisError as exc:
        return job_result(job, "failed", 0.0, str(exc))
    if not job.force and plan.is_cached():
        return job_result(job, "cached", 0.0, outputs=_documents(plan, job))
    return None


def _documents(plan, job: Job) -> dict[str, str]:
    """File names of the formats beside the HTML that ``plan`` last wrote and ``job`` asks for."""
    return {
        f: p.name for f, p in plan.recorded_outputs().items() if f in job.formats and f != "html"
    }


def written_result(job: Job, since: float) -> JobResult | None:
    """The result of ``job`` when its report was written whole since ``since`` (wall clock).

    A batch interrupted while a worker wrote a report lets the worker finish the writes
    (``_io.written_together``) but not tell: the report is rendered when its page and
    key exist from the job's inputs (what :meth:`ReportPlan.is_cached` checks, the test
    the next run applies) and the key is no older than the job (1 s for clock grain).
    """
    from parkanalysis.render import plan_report

    try:
        plan = plan_report(job.kind, out_dir=job.out_dir, formats=job.formats, **job.params)
        fresh = plan.key_path.stat().st_mtime >= since - 1.0
    except (ParkAnalysisError, OSError):
        return None
    if not (fresh and plan.is_cached()):
        return None
    return job_result(job, "rendered", max(0.0, time.time() - since), outputs=_documents(plan, job))


def _job_name(job: Job) -> str:
    try:
        return job.name
    except Exception:  # refused parameters: still listed (escaped) in the index, never a file
        return "(无效参数) " + json.dumps(job.params, ensure_ascii=False, sort_keys=True)[:200]


def job_result(
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


def new_session(timeout: int, preload: str | None, ipc_root: str | None = None):
    from parkanalysis.render import KernelSession

    return KernelSession(
        timeout=timeout,
        standby=True,
        restart_every=RESTART_EVERY,
        preload=preload,
        ipc_root=ipc_root,
    )
