"""HTML writer: a section as the notebook shows it, a whole document as it prints.

Every text from the model is escaped here (:func:`esc`); no other code writes HTML of a
report section.
"""

from __future__ import annotations

import base64
import hashlib
import html
from pathlib import Path
from typing import Any

from parkanalysis.report.model import (
    BLANK,
    FIGURE_DPI,
    Document,
    Figure,
    Heading,
    ListBlock,
    Paragraph,
    Placeholder,
    RawHTML,
    Signature,
    Source,
    Table,
)

#: Size of the charts on the notebook's HTML page: CSS pixels per inch of the figure. The
#: image itself is the :data:`~parkanalysis.report.model.FIGURE_DPI` drawing (also kept in
#: the JSON), so a chart is drawn once and stays sharp on high-density screens.
PAGE_DPI = 110
_ROLE_CLASS = {"note": "pa-note", "subtitle": "pa-note"}
PRINT_CSS = Path(__file__).resolve().parents[2] / "templates" / "parkreport" / "print.css"


def esc(value: Any) -> str:
    """HTML-escape any value (text from the data never reaches a page unescaped)."""
    return html.escape("" if value is None else str(value), quote=True)


def text_html(text: str) -> str:
    """Escaped text with each blank (【待填写】) marked for the reader's eye.

    >>> text_html("免除费用【待填写】万元 <b>")
    '免除费用<mark class="pa-blank">【待填写】</mark>万元 &lt;b&gt;'
    """
    return BLANK.sub(lambda m: f'<mark class="pa-blank">{m.group(0)}</mark>', esc(text))


def signature_html(block: Signature) -> str:
    """The 落款: 署名 over 成文日期, right-aligned, indented as GB/T 9704 says."""
    issuer_em, date_em = block.indents()
    return (
        '<div class="pa-signature">'
        f'<p style="text-align:right;text-indent:0;padding-right:{issuer_em:g}em">'
        f"{esc(block.issuer)}</p>"
        f'<p style="text-align:right;text-indent:0;padding-right:{date_em:g}em">'
        f"{esc(block.date)}</p></div>"
    )


def _source(block) -> str:
    text = getattr(block, "source", None)
    return f'<p class="pa-source">资料来源：{esc(text)}</p>' if text else ""


def table_html(table: Table, *, label: str | None = None) -> str:
    """A table as pandas writes it (``class="dataframe"``), text cells marked ``pa-text``."""
    import pandas as pd

    frame = pd.DataFrame(table.rows, columns=table.columns, dtype=object)
    body = frame.to_html(index=False, escape=True, border=0, na_rep="—")
    if table.text_columns:
        body = _mark_text_cells(body, set(table.text_columns))
    if label is not None and len(table.columns) > 6:  # documents: wide tables in smaller type
        body = body.replace('class="dataframe"', 'class="dataframe pa-wide"', 1)
    if table.caption or label:
        caption = " ".join(x for x in (label, table.caption) if x)
        # a caption that carries its 表N already is not numbered again by the page's CSS
        attrs = ' class="pa-numbered"' if label else ""
        body = body.replace(
            ">\n  <thead>", f">\n  <caption{attrs}>{esc(caption)}</caption>\n  <thead>", 1
        )
    return body


def _mark_text_cells(body: str, columns: set[int]) -> str:
    """Add ``class="pa-text"`` to the body cells of the given column positions."""
    import re

    def row(match) -> str:
        cells = iter(range(10**6))
        return re.sub(
            r"<td>",
            lambda _m: '<td class="pa-text">' if next(cells) in columns else "<td>",
            match.group(0),
        )

    return re.sub(r"<tr>.*?</tr>", row, body, flags=re.S)


def _img(figure: Figure, dpi: int, *, style: str = "") -> str:
    """The chart as an embedded PNG drawn at FIGURE_DPI, ``dpi`` CSS pixels per inch wide."""
    data = base64.b64encode(figure.png_bytes(FIGURE_DPI)).decode("ascii")
    size = figure.size_inches
    if size is not None and dpi < FIGURE_DPI:
        style = f' width="{round(size[0] * dpi)}"' + style
    return f'<img src="data:image/png;base64,{data}" alt="{esc(figure.alt)}"{style}>'


def block_html(block, *, label: str | None = None, dpi: int = PAGE_DPI) -> str:
    """One block as HTML; ``label`` (表1, 图1) is given by whole-document writers."""
    if isinstance(block, Heading):
        if block.level in (2, 3, 4):  # a section heading from a block (appendix): in the 目录 too
            anchor = "pa-" + hashlib.sha1(block.text.encode("utf-8")).hexdigest()[:10]
            return f'<h{block.level} id="{anchor}">{esc(block.text)}</h{block.level}>'
        return f"<h{block.level}>{esc(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        if block.role == "banner":
            head, sep, rest = block.text.partition("：")
            if sep:
                return (
                    f'<div class="pa-share-banner"><strong>{esc(head)}</strong>：{esc(rest)}</div>'
                )
            return f'<div class="pa-share-banner">{esc(block.text)}</div>'
        cls = _ROLE_CLASS.get(block.role)
        attr = f' class="{cls}"' if cls else ""
        return f"<p{attr}>{text_html(block.text)}</p>"
    if isinstance(block, ListBlock):
        tag = "ol" if block.ordered else "ul"
        return f"<{tag}>" + "".join(f"<li>{text_html(i)}</li>" for i in block.items) + f"</{tag}>"
    if isinstance(block, Signature):
        return signature_html(block)
    if isinstance(block, Table):
        return table_html(block, label=label or block.label) + _source(block)
    if isinstance(block, Figure):
        label = label or block.label
        if label is None:  # the notebook page: the chart alone, as it always was
            return _img(block, dpi) + _source(block)
        caption = " ".join(x for x in (label, block.caption or block.alt) if x)
        return (
            f'<figure class="pa-figure">{_img(block, dpi)}'
            f"<figcaption>{esc(caption)}</figcaption>{_source(block)}</figure>"
        )
    if isinstance(block, Source):
        return f'<p class="pa-source">资料来源：{esc(block.text)}</p>'
    if isinstance(block, Placeholder):
        return f'<p class="pa-placeholder">{esc(block.text)}</p>'
    if isinstance(block, RawHTML):
        return block.html
    raise TypeError(f"not a report block: {block!r}")


def blocks_html(blocks) -> str:
    """Blocks of one section, joined as the notebook page shows them."""
    return "\n".join(h for h in (block_html(b) for b in blocks) if h)


def document_html(document: Document, *, dpi: int | None = None) -> str:
    """A whole document as one self-contained HTML page with the print stylesheet (A4)."""
    css = PRINT_CSS.read_text(encoding="utf-8")
    parts = []
    for block, label in document.numbered():
        if isinstance(block, Heading) and block.level == 1:
            parts.append(f'<h1 class="pa-doc-title">{esc(block.text)}</h1>')
            continue
        parts.append(block_html(block, label=label, dpi=dpi or FIGURE_DPI))
    body = "\n".join(p for p in parts if p)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(document.title)}</title>\n<style>\n{css}</style>\n</head>\n"
        f'<body class="pa-report pa-document">\n<main>\n{body}\n</main>\n</body>\n</html>\n'
    )
