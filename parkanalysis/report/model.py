"""The document model: what a report section produces, independent of any output format.

A section returns a list of these blocks (displayed in a notebook as a
:class:`~parkanalysis.report.display.Section`):

========================  ==============================================================
block                     meaning
========================  ==============================================================
:class:`Heading`          level 1 = document title, 2 = 一级标题 (一、…), 3 = 二级标题 ((一)…)
:class:`Paragraph`        body text; ``role`` ``"note"`` (注…), ``"subtitle"`` or ``"banner"``
:class:`ListBlock`        numbered or bulleted items
:class:`Table`            column headers and rows of display strings; text columns marked
:class:`Figure`           a chart (the matplotlib figure, rendered by each writer itself)
:class:`Source`           a 资料来源 line
:class:`Placeholder`      【待填写:…】 for a section the office has not written yet
:class:`RawHTML`          legacy HTML fragment (HTML writer only; others get its text)
========================  ==============================================================

Tables and figures are numbered (表1, 图1 …) by the writers of whole documents, in order,
unless the report numbered them already (``label``; the period report does, so that the
notebook's own HTML page shows the same numbers).

Writers (:mod:`parkanalysis.report.writers`) turn blocks into HTML, DOCX or PDF; no section
knows which one runs. This module imports no writer: the writers import the model. In a
notebook a section displays as HTML (today's page) and, beside it, as JSON under the MIME
type :data:`MIME` (figures as PNG at :data:`FIGURE_DPI` dpi), so that the DOCX and PDF
writers can rebuild the whole document from the executed notebook
(:mod:`parkanalysis.report.document`). Both embed the same drawing of each chart
(:func:`drawing_once`).

>>> blocks = [Heading("一、经济运行", 2), Paragraph("产值增长<5%>")]
>>> [block_from_json(block_to_json(b)) for b in blocks] == blocks
True
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import io
from dataclasses import asdict, dataclass, field
from typing import Any

#: MIME type of a section's JSON in an executed notebook.
MIME = "application/vnd.parkanalysis.section+json"
#: Resolution of the figures kept in the JSON (DOCX and PDF writers use it) and of the
#: notebook page's charts, which are shown at :data:`~.writers.html.PAGE_DPI` CSS pixels per
#: inch (sharp on high-density screens).
FIGURE_DPI = 200

#: PNGs drawn while :func:`drawing_once` is active: (id(figure), dpi) → (figure, PNG).
_DRAWN: contextvars.ContextVar[dict | None] = contextvars.ContextVar("pa_drawn", default=None)


@contextlib.contextmanager
def drawing_once():
    """Within the block each live figure is drawn once per resolution, however many outputs
    embed it (a section shows as the page's HTML and as JSON, both with the same PNG).

    Drawing is most of what displaying a section costs. The drawings are kept for the block
    only, so a figure changed afterwards is drawn again; nested blocks share the outer one's.
    """
    if _DRAWN.get() is not None:
        yield
        return
    token = _DRAWN.set({})
    try:
        yield
    finally:
        _DRAWN.reset(token)


@dataclass
class Heading:
    text: str
    level: int = 2
    kind: str = "heading"


@dataclass
class Paragraph:
    text: str
    role: str = "body"  # body | note | subtitle | banner
    kind: str = "paragraph"


@dataclass
class ListBlock:
    items: list[str]
    ordered: bool = True
    kind: str = "list"


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str | None]]
    text_columns: list[int] = field(default_factory=list)
    caption: str | None = None
    source: str | None = None  # 资料来源
    label: str | None = None  # 表1 … when the report numbered it already
    kind: str = "table"


@dataclass(eq=False)
class Figure:
    """A chart. ``fig`` is the live matplotlib figure (in the kernel); ``png`` its PNG bytes
    at :data:`FIGURE_DPI` once serialized."""

    alt: str
    fig: Any = None
    png: bytes | None = None
    caption: str | None = None
    source: str | None = None  # 资料来源
    label: str | None = None  # 图1 … when the report numbered it already
    kind: str = "figure"

    def png_bytes(self, dpi: int = FIGURE_DPI) -> bytes:
        """The figure as PNG at ``dpi`` (the stored PNG when the figure itself is gone)."""
        if self.fig is None:
            return self.png or b""
        drawn = _DRAWN.get()
        key = (id(self.fig), dpi)
        if drawn is not None and key in drawn and drawn[key][0] is self.fig:
            return drawn[key][1]
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        png = buffer.getvalue()
        if drawn is not None:
            drawn[key] = (self.fig, png)
        return png

    @property
    def size_inches(self) -> tuple[float, float] | None:
        if self.fig is not None:
            w, h = self.fig.get_size_inches()
            return float(w), float(h)
        return None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Figure) and (self.alt, self.caption) == (other.alt, other.caption)


@dataclass
class Source:
    text: str
    kind: str = "source"


@dataclass
class Placeholder:
    topic: str
    kind: str = "placeholder"

    @property
    def text(self) -> str:
        return f"【待填写:{self.topic}】"


@dataclass
class RawHTML:
    html: str
    kind: str = "raw"


Block = Heading | Paragraph | ListBlock | Table | Figure | Source | Placeholder | RawHTML
_KINDS = {
    c.__dataclass_fields__["kind"].default: c
    for c in (Heading, Paragraph, ListBlock, Table, Figure, Source, Placeholder, RawHTML)
}


def block_to_json(block: Block) -> dict[str, Any]:
    """A JSON-able dict of one block (figures as base64 PNG at :data:`FIGURE_DPI`)."""
    if isinstance(block, Figure):
        size = block.size_inches
        return {
            "kind": "figure",
            "alt": block.alt,
            "caption": block.caption,
            "source": block.source,
            "label": block.label,
            "png": base64.b64encode(block.png_bytes()).decode("ascii"),
            "width_in": size[0] if size else None,
        }
    return asdict(block)


def block_from_json(data: dict[str, Any]) -> Block:
    """The block a :func:`block_to_json` dict describes."""
    data = dict(data)
    kind = data.pop("kind")
    if kind == "figure":
        png = base64.b64decode(data.pop("png") or "")
        data.pop("width_in", None)
        return Figure(png=png, **data)
    return _KINDS[kind](**data)


@dataclass
class Document:
    """A whole report: its title and every block in order (what DOCX and PDF writers take)."""

    title: str
    blocks: list[Block]
    share: bool = False

    def numbered(self) -> list[tuple[Block, str | None]]:
        """Each block with its label (``表1``, ``图2``) or None, numbered in document order."""
        tables = figures = 0
        out = []
        for block in self.blocks:
            label = None
            if isinstance(block, Table):
                tables += 1
                label = block.label or f"表{tables}"
            elif isinstance(block, Figure):
                figures += 1
                label = block.label or f"图{figures}"
            out.append((block, label))
        return out
