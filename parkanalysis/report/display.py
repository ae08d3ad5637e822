"""What sections build their content with: paragraphs, tables, charts as model blocks.

A section returns a :class:`Section` of blocks (:mod:`parkanalysis.report.model`); in a
notebook it displays as the HTML writer's page and, beside it, as the blocks' JSON.

Tables get Chinese headers and formatted numbers here; writers
(:mod:`parkanalysis.report.writers`) decide how blocks look. Every text from the data is
escaped by the HTML writer (:func:`esc`).
"""

from __future__ import annotations

from typing import Any

from parkanalysis.report.model import (
    MIME,
    Block,
    Figure,
    Paragraph,
    RawHTML,
    Table,
    block_from_json,
    block_to_json,
    drawing_once,
)
from parkanalysis.report.writers.html import blocks_html, esc

__all__ = ["HTML", "Section", "esc", "html_block", "image_html", "paragraph", "table_html"]


class Section:
    """What a report section returns: blocks, displayed as HTML plus their JSON."""

    def __init__(self, blocks: list[Block] | None = None):
        self.blocks: list[Block] = list(blocks or [])

    def __iter__(self):
        return iter(self.blocks)

    def __len__(self) -> int:
        return len(self.blocks)

    def html(self) -> str:
        """Today's HTML of the section (escaped)."""
        return blocks_html(self.blocks)

    def __str__(self) -> str:
        return self.html()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        with drawing_once():  # the page and the JSON embed the same drawing of each chart
            return {
                "text/html": self.html(),
                "text/plain": f"<{len(self.blocks)} 个报告内容块>",
                MIME: self.to_json(),
            }

    def to_json(self) -> dict[str, Any]:
        return {"blocks": [block_to_json(b) for b in self.blocks]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Section:
        return cls([block_from_json(b) for b in data.get("blocks", [])])


#: Sections return model blocks; the name ``HTML`` stays for what sections are annotated with.
HTML = Section


def html_block(*parts) -> Section:
    """Join blocks (or sections) into one displayable :class:`Section`.

    Empty parts are skipped; a plain string is taken as an already escaped HTML fragment
    (HTML writer only, the other writers get its text).
    """
    blocks = []
    for part in parts:
        if not part:
            continue
        if isinstance(part, Section):
            blocks.extend(part.blocks)
        elif isinstance(part, str):
            blocks.append(RawHTML(part))
        else:
            blocks.append(part)
    return Section(blocks)


def paragraph(text: str, *, cls: str | None = None) -> Paragraph:
    """One paragraph; ``cls="pa-note"`` makes it a note (注…)."""
    return Paragraph(str(text), role="note" if cls == "pa-note" else (cls or "body"))


#: Internal keys that mean nothing to a reader; tables shown in reports drop them.
HIDDEN_COLUMNS = (
    "park_id",
    "project_id",
    "relocation_id",
    "phase_id",
    "item",
    "parcel_ids",
    "done",
)


def table_html(
    frame,
    *,
    caption: str | None = None,
    labels: dict[str, str] | None = None,
    source: str | None = None,
) -> Table | Paragraph:
    """A table block with Chinese headers and formatted numbers ("(无数据)" when empty)."""
    import pandas as pd

    from parkanalysis.labels import cell_units, labels_for, with_labels

    if frame is None or len(frame) == 0:
        return paragraph("(无数据)", cls="pa-note")
    frame = frame.drop(columns=[c for c in HIDDEN_COLUMNS if c in frame.columns])
    shown = with_labels(frame, extra=labels).copy()
    headers = {**labels_for(frame), **(labels or {})}
    for column, original in zip(shown.columns, frame.columns, strict=True):
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = [("—" if pd.isna(v) else f"{v:%Y-%m-%d}") for v in shown[column]]
        elif pd.api.types.is_integer_dtype(shown[column]):  # years, counts: no separators
            shown[column] = [("—" if pd.isna(v) else str(int(v))) for v in shown[column]]
        else:  # decimals by unit (万元/亩 2, counts 0 …); one format per column
            units = cell_units(frame, original, labels=headers)
            whole = _all_whole(shown[column])
            shown[column] = [
                v if isinstance(v, str) else _number(v, u, whole=whole)
                for v, u in zip(shown[column], units, strict=True)
            ]
    # text reads left-aligned and may wrap; numbers stay right-aligned
    text_columns = [
        i
        for i, column in enumerate(frame.columns)
        if not pd.api.types.is_numeric_dtype(frame[column])
        and not pd.api.types.is_datetime64_any_dtype(frame[column])
        and not all(_looks_numeric(v) for v in frame[column])
    ]
    rows = [
        [None if _missing(v) else str(v) for v in row]
        for row in shown.itertuples(index=False, name=None)
    ]
    return Table(
        columns=[str(c) for c in shown.columns],
        rows=rows,
        text_columns=text_columns,
        caption=caption,
        source=source,
    )


def _missing(value) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _all_whole(values) -> bool:
    """True when every number of a column is whole and one of them is at least 100.

    Such a column (areas declared in whole 亩, counts read as floats) is printed without
    decimals; any other column takes its unit's decimals in every cell, so that 「432」 never
    stands next to 「412.6」.

    >>> _all_whole([3585.0, 450.0, None]), _all_whole([432.0, 412.6]), _all_whole([3.0, 5.0])
    (True, False, False)
    """
    import math

    numbers = [
        float(v)
        for v in values
        if isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(float(v))
    ]
    return (
        bool(numbers)
        and all(x.is_integer() for x in numbers)
        and max(abs(x) for x in numbers) >= 100
    )


def _number(value, unit, *, whole: bool = False) -> str:
    """A table number: as :func:`labels.format_value` by unit; integers in a whole column."""
    from parkanalysis.labels import format_value

    if whole and isinstance(value, int | float) and float(value).is_integer():
        return f"{float(value):,.0f}"
    return format_value(value, unit)


def _looks_numeric(value) -> bool:
    """True for numbers and number-like cells ("3,126", "—", "—(少于3家,不予公布)")."""
    import re

    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\s*(—.*|-?[\d,]+(\.\d+)?%?)?\s*", value))


def image_html(fig, *, alt: str, source: str | None = None) -> Figure:
    """A chart block; ``alt`` is its Chinese description (and caption in documents)."""
    return Figure(alt=alt, fig=fig, source=source)
