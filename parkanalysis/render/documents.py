"""The Word and PDF files of one report, written beside its HTML from the executed notebook.

Titled reports (period, land) take the HTML's stem (one naming rule, decided in the plan:
:attr:`ReportPlan.titled_stem`); other notebooks are named after the document's title
(:func:`~parkanalysis.render.formats.document_filename`). The names written are recorded
next to the cache key, so a cached report knows its documents.
"""

from __future__ import annotations

import json
from pathlib import Path

from parkanalysis._io import atomic_write
from parkanalysis.errors import ParameterError
from parkanalysis.render.formats import document_filename
from parkanalysis.render.plan import ReportPlan


def write_documents(nb, plan: ReportPlan, *, provenance: dict | None = None) -> dict[str, Path]:
    """Write the Word and PDF files asked for in ``plan`` from an executed notebook.

    ``provenance`` (the 工作稿's: notebook, parameters, data fingerprint …) ends the document
    as 「报告来源信息」, as it ends the HTML page.
    """
    wanted = [f for f in plan.formats if f != "html"]
    if not wanted:  # documents of earlier inputs, if any, are no longer this report's
        plan.outputs_path.unlink(missing_ok=True)
        return {}
    from parkanalysis.report.document import document_from_notebook

    document = document_from_notebook(
        nb, share=bool(plan.params.get("share")), copy=plan.params.get("copy") or "final"
    )
    if provenance:
        from parkanalysis.report.model import Paragraph

        document.blocks.append(Paragraph("报告来源信息", role="note"))
        document.blocks.extend(
            Paragraph(f"{key}:{value}", role="note") for key, value in provenance.items()
        )
    outputs: dict[str, Path] = {}
    # titled reports: the HTML's stem (one naming rule); others: the document's title
    titled = plan.titled_stem
    for fmt in wanted:
        path = plan.out_dir / (
            titled + "." + fmt
            if titled
            else document_filename(document.title, "." + fmt, plan.html_path.stem)
        )
        if path.resolve().parent != plan.out_dir.resolve():  # defence in depth
            raise ParameterError(f"文件名 {path.name!r} 不在输出文件夹 {plan.out_dir} 内。")
        if fmt == "docx":
            from parkanalysis.report.writers.docx import TEMPLATE_NAME, write_docx

            data = plan.params.get("data")
            template = Path(data) / TEMPLATE_NAME if data else None
            outputs[fmt] = write_docx(document, path, template=template)
        elif fmt == "pdf":
            from parkanalysis.report.writers.pdf import write_pdf

            outputs[fmt] = write_pdf(document, path)
    atomic_write(
        plan.outputs_path,
        json.dumps({f: p.name for f, p in outputs.items()}, ensure_ascii=False, sort_keys=True),
    )
    return outputs
