"""Render one report: check parameters, execute the notebook with papermill, export HTML.

The recipe (:func:`render_report`) reads top to bottom::

    resolve notebook → check parameters → cache check → execute → export HTML → atomic write

Layout, in the recipe's order::

    params.py    report kinds, notebook parameters and their checks (before any kernel)
    plan.py      file names and cache key decided up front (ReportPlan), RenderResult
    kernel.py    parameterize (papermill), execute in a warm kernel (KernelSession)
    export.py    the executed notebook → one self-contained HTML page (nbconvert)
    formats.py   output formats and the documents' file-name rule
    documents.py the Word and PDF files of a plan, beside the HTML
    __init__.py  render_report, the recipe

Only this package and :mod:`parkanalysis.batch` write report files.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from parkanalysis._io import atomic_write, check_output_folder, written_together
from parkanalysis.render.documents import write_documents
from parkanalysis.render.export import TEMPLATE_DIR, export_html, notebook_problems
from parkanalysis.render.export import html_exporter as html_exporter
from parkanalysis.render.formats import FORMATS, check_formats, document_filename
from parkanalysis.render.kernel import (
    REPORT_MODULES,
    RESET_CODE,
    WARMUP_CODE,
    ExecutionFailed,
    KernelSession,
    execute_notebook,
    parameterize,
    warmup_code,
)
from parkanalysis.render.params import (
    NOTEBOOK_DIR,
    REPORT_KINDS,
    ParamSpec,
    check_parameters,
    check_report_inputs,
    notebook_parameters,
    resolve_notebook,
    safe_name,
)
from parkanalysis.render.plan import (
    SHARE_KINDS,
    RenderResult,
    ReportPlan,
    cache_key,
    package_version,
    plan_report,
    report_filename,
    report_kind_name,
    resolve_plan_copy,
)

__all__ = [
    "FORMATS",
    "NOTEBOOK_DIR",
    "REPORT_KINDS",
    "REPORT_MODULES",
    "RESET_CODE",
    "SHARE_KINDS",
    "TEMPLATE_DIR",
    "WARMUP_CODE",
    "ExecutionFailed",
    "KernelSession",
    "ParamSpec",
    "RenderResult",
    "ReportPlan",
    "cache_key",
    "check_formats",
    "check_parameters",
    "check_report_inputs",
    "document_filename",
    "execute_notebook",
    "export_html",
    "notebook_parameters",
    "notebook_problems",
    "package_version",
    "parameterize",
    "plan_report",
    "render_report",
    "report_filename",
    "report_kind_name",
    "resolve_notebook",
    "resolve_plan_copy",
    "safe_name",
    "warmup_code",
    "write_documents",
]


def check_consistency(nb, *, share: bool = False, copy: str = "final") -> list[str]:
    """The text-vs-table mismatches of an executed report (:mod:`parkanalysis.report.consistency`),
    logged as warnings; [] when the text says what its tables print."""
    import logging

    from parkanalysis.report.consistency import check_document
    from parkanalysis.report.document import document_from_notebook

    document = document_from_notebook(nb, share=share, copy=copy)
    found = [str(m) for m in check_document(document).mismatches]
    for message in found:
        logging.getLogger("parkanalysis.consistency").warning("正文与表格不一致:%s", message)
    return found


def strict_consistency() -> bool:
    """``PARKANALYSIS_CONSISTENCY=strict``: a mismatch fails the render (the test suite)."""
    from parkanalysis.report.consistency import strict

    return strict()


def render_report(
    kind: str,
    *,
    out_dir: str | os.PathLike = "reports",
    force: bool = False,
    timeout: int = 600,
    session: KernelSession | None = None,
    formats=("html",),
    **params: Any,
) -> RenderResult:
    """Render one report to ``out_dir`` and return what happened.

    Parameters
    ----------
    kind : str
        ``period``, ``land``, ``explore`` or the path of a parameterized notebook.
    out_dir : path, default ``"reports"``
        Output folder; the HTML goes straight into it, nothing is written elsewhere.
    force : bool, default False
        Render even when notebook, data, parameters and package version are unchanged.
    session : KernelSession, optional
        A warm kernel to execute in (batch workers); a fresh kernel when omitted.
    formats : str or sequence, default ``("html",)``
        Any of ``html``, ``docx``, ``pdf`` (``"html,docx,pdf"`` works too). The HTML is
        always written (the index links it; the cache is keyed on it); Word and PDF files
        are named after the document's title (:func:`document_filename`).
    **params
        Notebook parameters (``data``, ``period``, ``park``, ``copy``, ``date`` …), checked
        first. ``copy``: ``work`` (工作稿), ``final`` (上报稿, the default of period and land
        reports) or ``share`` (对外版; ``share=True`` is the same).

    Raises
    ------
    ParameterError
        Before any kernel starts, for unknown or malformed parameters, a period, park or
        date the data do not have (:func:`check_report_inputs`) or an output folder that
        cannot be written (``DataError`` for a dataset with errors).
    WriteError
        When the HTML cannot be written (e.g. disk full); the previous HTML is intact.

    A cell that fails gives a ``"failed"`` result; the executed notebook is kept in
    ``out_dir/.failed/`` for debugging.
    """
    plan = plan_report(kind, out_dir=out_dir, formats=formats, **params)
    check_output_folder(plan.out_dir, data=plan.params.get("data"))
    if not force and plan.is_cached():
        outputs = {f: p for f, p in plan.recorded_outputs().items() if f in plan.formats}
        return RenderResult(plan.kind, plan.params, plan.html_path, "cached", outputs=outputs)
    if session is None:  # a batch checked its plan once; a single report is checked here
        check_report_inputs(plan.params, plan.description, kind=plan.kind)
    store = contextlib.ExitStack()
    if plan.params.get("share"):  # the kernel and the sidecar build the protected table once
        from parkanalysis.share.store import table_store

        store.enter_context(table_store())
    with store:
        return _render_planned(plan, session, timeout)


def _render_planned(plan, session: KernelSession | None, timeout: int) -> RenderResult:
    """Execute, check and write the report of ``plan`` (:func:`render_report`'s second half)."""
    import time

    start = time.perf_counter()
    try:
        nb = execute_notebook(plan.notebook, plan.params, timeout=timeout, session=session)
    except ExecutionFailed as exc:
        kept = None
        if exc.notebook is not None:
            import nbformat

            with contextlib.suppress(OSError):  # a full disk must not hide the real error
                kept = atomic_write(plan.failed_path, nbformat.writes(exc.notebook))
        return RenderResult(
            plan.kind,
            plan.params,
            plan.html_path,
            "failed",
            time.perf_counter() - start,
            str(exc),
            kept,
        )
    consistency = check_consistency(
        nb, share=bool(plan.params.get("share")), copy=plan.params.get("copy") or "final"
    )
    if consistency and strict_consistency():  # tests: a contradiction fails the render
        import nbformat

        with contextlib.suppress(OSError):
            atomic_write(plan.failed_path, nbformat.writes(nb))
        return RenderResult(
            plan.kind,
            plan.params,
            plan.html_path,
            "failed",
            time.perf_counter() - start,
            "正文与表格不一致:" + ";".join(consistency),
            plan.failed_path,
        )
    provenance = {
        "报告": plan.notebook.name,
        "参数": json.dumps(
            {k: v for k, v in plan.params.items() if k != "data"},
            ensure_ascii=False,
            sort_keys=True,
        ),
        "数据集": Path(plan.params["data"]).name if plan.params.get("data") else "",
        "数据指纹(SHA-256)": plan.data_fingerprint,
        "parkanalysis 版本": package_version(),
        "生成时间": _dt.datetime.now(_dt.timezone(_dt.timedelta(hours=8))).strftime(
            "%Y-%m-%d %H:%M:%S 北京时间"
        ),
    }
    if plan.params.get("copy") == "final":  # the 上报稿 carries none of the office's workings
        provenance = {}
    elif plan.params.get("share"):  # no file names, folder names or hashes in a share copy
        for key in ("报告", "数据集", "数据指纹(SHA-256)"):
            provenance.pop(key)
        provenance["参数"] = json.dumps(
            {k: v for k, v in plan.params.items() if k not in {"data", "share"}},
            ensure_ascii=False,
            sort_keys=True,
        )
    # Documents first, then the share record, then the HTML, then its key: a failed write
    # (a refused template.docx) leaves no record without its page and the old key. A
    # batch worker told to stop meanwhile finishes these writes first (written_together).
    # The 工作稿's Word and PDF end with the same provenance as its page.
    workings = provenance if plan.params.get("copy") == "work" else None
    with written_together():
        documents = write_documents(nb, plan, provenance=workings)
        page = export_html(nb, provenance=provenance)
        if plan.params.get("share"):  # the record of the pages as written: before the HTML
            from parkanalysis.share.sidecar import write_sidecar

            pages = {plan.html_path: page, **{path: None for path in documents.values()}}
            write_sidecar(plan.html_path, plan.params, plan.kind, pages=pages)
        atomic_write(plan.html_path, page)
        atomic_write(plan.key_path, plan.key)
        plan.failed_path.unlink(missing_ok=True)
    outputs = {"html": plan.html_path, **documents}
    return RenderResult(
        plan.kind,
        plan.params,
        plan.html_path,
        "rendered",
        time.perf_counter() - start,
        problems=notebook_problems(nb) + consistency,
        outputs=outputs,
    )
