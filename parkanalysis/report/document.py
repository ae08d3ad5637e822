"""Rebuild a whole document from an executed report notebook, in cell order.

Markdown cells (the notebook's section headings and the office's merged texts, see
:mod:`parkanalysis.report.texts`) become headings, paragraphs, lists and placeholders; code
cells contribute the blocks their sections published under :data:`~.model.MIME`. Nothing is
computed again: the DOCX and PDF say exactly what the HTML says.

>>> md = "## 一、基础设施\\n\\n道路 &lt;亮化&gt;\\n全部到位。\\n\\n- 甲\\n- 乙"
>>> [b.kind for b in markdown_blocks(md)]
['heading', 'paragraph', 'list']
>>> markdown_blocks("道路 &lt;亮化&gt;")[0].text
'道路 <亮化>'
"""

from __future__ import annotations

import html
import re

from parkanalysis.report.model import (
    MIME,
    Document,
    Heading,
    ListBlock,
    Paragraph,
    Placeholder,
    block_from_json,
)

_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_PLACEHOLDER = re.compile(r"^【待填写[:：](.*)】$")


def _plain(text: str) -> str:
    """Markdown inline marks removed, entities decoded."""
    text = re.sub(r"(\*\*|__|`)(.+?)\1", r"\2", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", "", text)  # an office picture: HTML only
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # Markdown's backslash escapes
    return html.unescape(text).strip()


def _join(lines: list[str]) -> str:
    out = ""
    for line in (s.strip() for s in lines):
        if out and line and (out[-1].isascii() and line[0].isascii()):
            out += " "
        out += line
    return out


def markdown_blocks(source: str) -> list:
    """Blocks of a Markdown cell (headings, paragraphs, lists, 【待填写】 placeholders)."""
    source = re.sub(r"<!--.*?-->", "", source, flags=re.S)
    blocks: list = []
    para: list[str] = []
    items: list[str] = []
    ordered = False

    def flush() -> None:
        nonlocal para, items
        if para:
            text = _plain(_join(para))
            m = _PLACEHOLDER.match(text)
            blocks.append(Placeholder(m.group(1)) if m else Paragraph(text))
        if items:
            blocks.append(ListBlock([_plain(i) for i in items], ordered=ordered))
        para, items = [], []

    for line in source.split("\n"):
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        item = _ITEM.match(line)
        if heading:
            flush()
            blocks.append(Heading(_plain(heading.group(2)), min(len(heading.group(1)), 4)))
        elif not line.strip():
            flush()
        elif item and not para:
            if not items:
                ordered = line.strip()[0].isdigit()
            items.append(item.group(1))
        elif items and line.startswith((" ", "\t")):
            items[-1] += line.strip()
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return blocks


def document_from_notebook(nb, *, share: bool = False, copy: str = "final") -> Document:
    """The whole document of an executed notebook (title = its first level-1 heading)."""
    blocks: list = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            blocks.extend(markdown_blocks(cell.get("source", "")))
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if MIME in data:
                    blocks.extend(block_from_json(b) for b in dict(data[MIME]).get("blocks", []))
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "报告")
    return Document(title=title, blocks=blocks, share=share, copy="share" if share else copy)
