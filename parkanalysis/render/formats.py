"""Output formats: the HTML always, and Word (DOCX) and PDF files beside it.

The Word and PDF files are made from the same executed notebook as the HTML and named after
the document's title (:func:`document_filename`). This module knows the formats and the
naming rule only; :mod:`~parkanalysis.render.documents` writes the files of a plan.
"""

from __future__ import annotations

from parkanalysis.errors import ParameterError

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
