"""HTML export: an executed notebook → one self-contained page (nbconvert).

The page uses the ``parkreport`` template in :data:`TEMPLATE_DIR`: code hidden, images
embedded, a table of contents and a provenance footer (notebook, parameters, data
fingerprint: the 工作稿's; the 对外版 a shorter one; the 上报稿 none, ``provenance={}``).
The exporter is created once per thread (its templates compile on first use).
"""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"


_EXPORTERS = threading.local()


def html_exporter():
    """The HTML exporter, created once per thread: its templates compile on first use."""
    exporter = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        exporter = _EXPORTERS.exporter = _new_exporter()
    return exporter


def _new_exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="parkreport",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="zh",
        # validate the notebook once, after the preprocessors, not after each of the 13
        # (most of them disabled): the same page, a tenth of the validations
        optimistic_validation=True,
    )
    return exporter


_HEADING = re.compile(r"<h([23])([^>]*)\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _toc(body: str) -> str:
    items = []
    for level, _attrs, anchor, inner in _HEADING.findall(body):
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        if text:
            items.append(
                f'<li class="pa-toc-h{level}"><a href="#{html.escape(anchor, quote=True)}">'
                f"{html.escape(text)}</a></li>"
            )
    if not items:
        return ""
    return (
        '<nav class="pa-toc" aria-label="目录"><strong>目录</strong><ol>'
        + "".join(items)
        + "</ol></nav>"
    )


def _footer(provenance: dict[str, Any]) -> str:
    if not provenance:  # the 上报稿: no workings
        return ""
    rows = "".join(
        f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>"
        for k, v in provenance.items()
    )
    return f'<footer class="pa-provenance"><p>报告来源信息</p><dl>{rows}</dl></footer>'


def export_html(nb, *, provenance: dict[str, Any]) -> str:
    """Export an executed notebook to one self-contained HTML page.

    Code is hidden, images are embedded, no script or stylesheet is loaded from elsewhere;
    the page gets ``lang="zh-CN"``, the first heading as its title, a table of contents
    after that heading and a provenance footer (none when ``provenance`` is empty).
    """
    body, _resources = html_exporter().from_notebook_node(nb)
    body = body.replace('<html lang="zh">', '<html lang="zh-CN">', 1)
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    if match:
        title = html.unescape(_TAG.sub("", match.group(1))).replace("¶", "").strip()
        body = re.sub(
            r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", body, count=1, flags=re.S
        )
        end = body.find("</h1>", match.start()) + len("</h1>")
        body = body[:end] + _toc(body) + body[end:]
    body = body.replace("</main>", _footer(provenance) + "\n</main>", 1)
    return body


#: What :func:`export_html` adds to nbconvert's page (table of contents, provenance footer,
#: title, ``lang``) and the cell ids (nbformat invents random ones for a notebook read from
#: disk, :func:`~parkanalysis.render.kernel.parameterize` numbers them): DOM, not content.
_NOT_CONTENT = [
    re.compile(r'\sid="cell-id=[^"]*"'),
    re.compile(r'<nav class="pa-toc".*?</nav>', re.S),
    re.compile(r'<footer class="pa-provenance">.*?</footer>', re.S),
    re.compile(r"<title>.*?</title>", re.S),
    re.compile(r'<html lang="[^"]+">'),
]


def page_content(page: str) -> str:
    """A report page's content: without what only :func:`export_html` adds, spaces collapsed.

    The page ``render`` and ``batch`` write and the page ``jupyter nbconvert --template
    parkreport`` writes of the notebook papermill ran with the same parameters have the
    same content.

    >>> page_content('<html lang="zh-CN"><title>甲</title><div id="cell-id=pa-001">乙\\n  丙</div>')
    '<div>乙 丙</div>'
    """
    for pattern in _NOT_CONTENT:
        page = pattern.sub("", page)
    return re.sub(r"\s+", " ", page)


def notebook_problems(nb) -> list[str]:
    """Return error and stderr outputs of an executed notebook (empty when clean)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"单元 {index}: {output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                problems.append(f"单元 {index} 输出了警告: {output.get('text', '')[:200]}")
    return problems
