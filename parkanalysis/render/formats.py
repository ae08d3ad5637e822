"""Output formats: the HTML always, and Word (DOCX) and PDF files beside it.

The Word and PDF files are made from the same executed notebook as the HTML and named after
the document's title (:func:`document_filename`); the names written are recorded next to
the cache key, so a cached report knows its documents.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from parkanalysis._io import atomic_write
from parkanalysis.errors import ParameterError

if TYPE_CHECKING:
    from parkanalysis.render.plan import ReportPlan


#: Output formats of a report.
FORMATS = ("html", "docx", "pdf")


def check_formats(formats) -> tuple[str, ...]:
    """Normalize ``"html,docx"`` or a sequence of format names; HTML is always included.

    >>> check_formats("pdf, docx")
    ('html', 'docx', 'pdf')
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats or ())
    wanted = {str(f).strip().lower() for f in items if str(f).strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise ParameterError(
            f"未知的输出格式:{'、'.join(unknown)};可选 {'、'.join(FORMATS)}(用逗号分隔)。"
        )
    return tuple(f for f in FORMATS if f in wanted | {"html"})


def document_filename(title: str, suffix: str, fallback: str) -> str:
    """A file name after the document title (「工贸园2016年上半年工作总结.docx」).

    Characters that some file system refuses (``/ \\ : * ? " < > |``, control characters)
    become ``_``; leading dots and spaces go; the name is cut at 80 characters. A title
    with nothing usable left gives ``fallback`` (the HTML file's stem).

    >>> document_filename("工贸园2016年上半年工作总结", ".docx", "x")
    '工贸园2016年上半年工作总结.docx'
    >>> document_filename("A/B: <C>", ".pdf", "x")
    'A_B_ _C_.pdf'
    >>> document_filename(" ..", ".pdf", "GMY_2016H1_period")
    'GMY_2016H1_period.pdf'
    """
    from parkanalysis.report.naming import safe_stem

    return safe_stem(title, fallback) + suffix


def write_documents(nb, plan: ReportPlan) -> dict[str, Path]:
    """Write the Word and PDF files asked for in ``plan`` from an executed notebook."""
    wanted = [f for f in plan.formats if f != "html"]
    if not wanted:  # documents of earlier inputs, if any, are no longer this report's
        plan.outputs_path.unlink(missing_ok=True)
        return {}
    from parkanalysis.render.plan import _titled_stem
    from parkanalysis.report.document import document_from_notebook

    document = document_from_notebook(nb, share=bool(plan.params.get("share")))
    outputs: dict[str, Path] = {}
    # titled reports: the HTML's stem (one naming rule); others: the document's title
    titled = _titled_stem(plan.kind, plan.params)
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
