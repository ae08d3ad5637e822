"""HTML helpers: escaping, paragraphs, tables and embedded images.

Every text from the data goes through :func:`esc` before it reaches a page.
"""

from __future__ import annotations

import html
import io
from typing import Any


def html_block(*parts: str) -> HTML:
    """Join already-escaped HTML fragments into one displayable block."""
    return HTML("\n".join(p for p in parts if p))


class HTML(str):
    """A string of (already escaped) HTML that notebooks display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: Any) -> str:
    """HTML-escape any value (text from the data never reaches a page unescaped)."""
    return html.escape("" if value is None else str(value), quote=True)


def paragraph(text: str, *, cls: str | None = None) -> str:
    """One escaped ``<p>``."""
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


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


def table_html(frame, *, caption: str | None = None, labels: dict[str, str] | None = None) -> str:
    """An escaped HTML table with Chinese headers and formatted numbers."""
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
        else:  # decimals by unit (万元/亩 2, counts 0 …), whole numbers ≥ 100 kept whole
            units = cell_units(frame, original, labels=headers)
            shown[column] = [
                v if isinstance(v, str) else _number(v, u)
                for v, u in zip(shown[column], units, strict=True)
            ]
    text_columns = [
        i
        for i, column in enumerate(frame.columns)
        if not pd.api.types.is_numeric_dtype(frame[column])
        and not pd.api.types.is_datetime64_any_dtype(frame[column])
        and not all(_looks_numeric(v) for v in frame[column])
    ]
    body = shown.to_html(index=False, escape=True, border=0, na_rep="—")
    if text_columns:  # text reads left-aligned and may wrap; numbers stay right-aligned
        body = _mark_text_cells(body, set(text_columns))
    if caption:
        body = body.replace(">\n  <thead>", f">\n  <caption>{esc(caption)}</caption>\n  <thead>", 1)
    return body


def _number(value, unit) -> str:
    """A table number: as :func:`labels.format_value` by unit, a whole number ≥ 100 as is."""
    from parkanalysis.labels import format_number, format_value

    if isinstance(value, float) and value.is_integer() and abs(value) >= 100:
        return format_number(value)
    return format_value(value, unit)


def _looks_numeric(value) -> bool:
    """True for numbers and number-like cells ("3,126", "—", "—(少于3家,不予公布)")."""
    import re

    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\s*(—.*|-?[\d,]+(\.\d+)?%?)?\s*", value))


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


def image_html(fig, *, alt: str) -> str:
    """A figure as an ``<img>`` with an embedded PNG and a Chinese ``alt`` text."""
    import base64

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
