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
:class:`Placeholder`      【待填写：…】 for a section the office has not written yet
:class:`Signature`        the 落款 (GB/T 9704): 署名 and 成文日期, right-aligned, at the end
:class:`RawHTML`          legacy HTML fragment (HTML writer only; others get its text)
========================  ==============================================================

Every text of a block is put in Chinese form when the block is made
(:func:`~parkanalysis.report.form.chinese_form`: full-width ``，；：（）？！`` where they touch
Chinese, dates 「2016年6月20日」), so that no section phrases punctuation itself and every
writer prints the same text. A blank the data cannot fill is written 【待填写】 (or
【待填写：…】) inside a sentence; writers highlight it (:data:`BLANK`).

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
>>> Paragraph("3385人,同比增长2.5%(上年同期3,303人)").text
'3385人，同比增长2.5%（上年同期3,303人）'
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import io
import itertools
import pickle
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from parkanalysis._startup import in_warm_kernel
from parkanalysis.report.form import chinese_form

#: MIME type of a section's JSON in an executed notebook.
MIME = "application/vnd.parkanalysis.section+json"
#: Resolution of the figures kept in the JSON (DOCX and PDF writers use it) and of the
#: notebook page's charts, which are shown at :data:`~.writers.html.PAGE_DPI` CSS pixels per
#: inch (sharp on high-density screens).
FIGURE_DPI = 200
#: A blank inside a sentence that the data cannot fill (「免除费用【待填写】万元」).
BLANK = re.compile(r"【待填写(?:[:：][^】]*)?】")

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


#: PNGs already drawn in this process, by what they draw: a warm kernel's reports show many
#: of the same charts (the reports of one year share their land and safety charts: 33 of the
#: 91 charts of the batch benchmark). At most this many are kept.
PNGS_KEPT = 64
_PNGS: dict[bytes, bytes] = {}


def drawn_png(fig, dpi: int) -> bytes:
    """``fig`` as PNG at ``dpi``: drawn, or the PNG of a figure drawn before in the same state.

    The state is the figure's pickle (every artist, with its data, text, fonts, transforms
    and layout: what a figure unpickled elsewhere is drawn from; callback counters left out)
    and the rc settings in force, so two figures with the same key draw the same pixels and
    bytes. A figure that cannot be pickled is drawn. Kept in a batch's warm kernel only
    (``PARKANALYSIS_WARM_KERNEL``, :data:`parkanalysis._startup.WARM_KERNEL`).
    """
    import hashlib

    import matplotlib as mpl

    if not in_warm_kernel():  # only a batch's warm kernel keeps
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
        return out.getvalue()
    try:
        buffer = io.BytesIO()
        _StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(fig)
        digest = hashlib.sha256(buffer.getvalue())
        digest.update(repr((dpi, sorted(mpl.rcParams.items()))).encode())
        key = digest.digest()
    except Exception:  # not picklable: drawn every time
        key = None
    png = _PNGS.get(key) if key is not None else None
    if png is None:
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
        png = out.getvalue()
        if key is not None:
            if len(_PNGS) >= PNGS_KEPT:
                _PNGS.pop(next(iter(_PNGS)))
            _PNGS[key] = png
    return png


class _StatePickler(pickle.Pickler):
    """Pickles a figure's state: classes defined in functions by name, counters as 0."""

    def reducer_override(self, obj):
        from matplotlib.transforms import TransformNode

        if isinstance(obj, type) and "<locals>" in obj.__qualname__:
            return str, (f"{obj.__module__}:{obj.__qualname__}",)
        if isinstance(obj, itertools.count):  # callback ids: advance on every pickle
            return int, ()
        if isinstance(obj, TransformNode):  # parents are kept by id(): only they count
            state = obj.__getstate__()
            state["_parents"] = list(state.get("_parents", {}).values())
            return type(obj), (), state
        return NotImplemented


@dataclass
class Heading:
    """A heading: 1 title, 2 一级标题 (一、), 3 二级标题 ((一)), 4 三级标题 (1.)."""

    text: str
    level: int = 2
    kind: str = "heading"

    def __post_init__(self):
        self.text = chinese_form(self.text)


@dataclass
class Paragraph:
    text: str
    role: str = "body"  # body | note | subtitle | banner
    kind: str = "paragraph"

    def __post_init__(self):
        self.text = chinese_form(self.text)


@dataclass
class ListBlock:
    items: list[str]
    ordered: bool = True
    kind: str = "list"

    def __post_init__(self):
        self.items = [chinese_form(i) for i in self.items]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str | None]]
    text_columns: list[int] = field(default_factory=list)
    caption: str | None = None
    source: str | None = None  # 资料来源
    label: str | None = None  # 表1 … when the report numbered it already
    kind: str = "table"

    def __post_init__(self):
        self.columns = [chinese_form(c) for c in self.columns]
        self.rows = [[chinese_form(v) for v in row] for row in self.rows]
        self.caption, self.source = chinese_form(self.caption), chinese_form(self.source)


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

    def __post_init__(self):
        self.alt = chinese_form(self.alt)
        self.caption, self.source = chinese_form(self.caption), chinese_form(self.source)

    def png_bytes(self, dpi: int = FIGURE_DPI) -> bytes:
        """The figure as PNG at ``dpi`` (the stored PNG when the figure itself is gone)."""
        if self.fig is None:
            return self.png or b""
        drawn = _DRAWN.get()
        key = (id(self.fig), dpi)
        if drawn is not None and key in drawn and drawn[key][0] is self.fig:
            return drawn[key][1]
        png = drawn_png(self.fig, dpi)
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

    def __post_init__(self):
        self.text = chinese_form(self.text)


@dataclass
class Placeholder:
    topic: str
    kind: str = "placeholder"

    def __post_init__(self):
        self.topic = chinese_form(self.topic)

    @property
    def text(self) -> str:
        return f"【待填写：{self.topic}】"


@dataclass
class Signature:
    """The 落款 at the end of the body: 署名 (the issuing office) over 成文日期
    (「2016年7月5日」), both right-aligned (GB/T 9704-2012 7.3.5)."""

    issuer: str
    date: str
    kind: str = "signature"

    def __post_init__(self):
        self.issuer, self.date = chinese_form(self.issuer), chinese_form(self.date)

    def indents(self) -> tuple[float, float]:
        """Right indents (in characters) of the 署名 and the 成文日期: the date 右空二字, the
        署名's first character two characters left of the date's; a 署名 longer than that
        moves the date (GB/T 9704-2012 7.3.5.2). Digits count half a character.

        >>> Signature("工贸园管委会", "2016年7月5日").indents()
        (4.0, 2.0)
        >>> Signature("阜阳市颍州区工贸园管理委员会", "2016年7月5日").indents()
        (2.0, 8.0)
        """
        issuer, date = text_width(self.issuer), text_width(self.date)
        issuer_right = date + 4 - issuer
        if issuer_right >= 2:
            return issuer_right, 2.0
        return 2.0, issuer - date


def text_width(text: str) -> float:
    """Width of ``text`` in characters of the body font: ASCII half, the rest whole.

    >>> text_width("2016年7月5日")
    6.0
    """
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


@dataclass
class RawHTML:
    html: str
    kind: str = "raw"


Block = (
    Heading | Paragraph | ListBlock | Table | Figure | Source | Placeholder | Signature | RawHTML
)
_KINDS = {
    c.__dataclass_fields__["kind"].default: c
    for c in (Heading, Paragraph, ListBlock, Table, Figure, Source, Placeholder, Signature, RawHTML)
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
    #: The copy (:data:`~parkanalysis.report.naming.COPIES`): work, final or share.
    copy: str = "final"

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
