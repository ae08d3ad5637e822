"""Layout measured on a PDF as poppler reads it (pdftotext -bbox-layout): text lines with
their boxes, the lines of 16 pt text, table cells that wrap too early, the page of every
table row, pages that end in a lead-in. Used on Chromium's PDF and on LibreOffice's
conversion of the DOCX (tests/test_documents.py)."""

from __future__ import annotations

import html as htmllib
import re
import subprocess
from pathlib import Path

import docx


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def pdf_lines(pdf: Path) -> list[dict]:
    """Every text line of ``pdf`` (pdftotext -bbox-layout): page, box, height, text (the
    line's words joined without spaces)."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = []
    for number, page in enumerate(out.split("<page ")[1:], 1):
        for m in re.finditer(
            r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>',
            page,
            re.S,
        ):
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            words = re.findall(r">([^<]*)</word>", m.group(5))
            text = htmllib.unescape("".join(words))
            lines.append({"page": number, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "text": text})
    return lines


def is_body_line(line: dict) -> bool:
    """A line of 16 pt text (body, headings): its box is 1.2-1.4 times the size high (the
    14 pt notes and captions, 12 pt sources and table text are lower)."""
    return 16 * 1.2 <= line["y1"] - line["y0"] <= 16 * 1.4


def cjk_count(line: dict) -> int:
    return len(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", line["text"]))


def docx_cells(path: Path) -> set[str]:
    d = docx.Document(str(path))
    return {re.sub(r"\s+", "", c.text) for t in d.tables for row in t.rows for c in row.cells}


def short_wraps(lines: list[dict], cells: set[str], least: int = 6) -> list[tuple[str, str]]:
    """Table cells whose first line holds fewer than ``least`` characters: a line of table
    text (lower than 14.5 pt) that is not a whole cell but begins a cell whose remainder
    starts a line just below it, over the same columns."""
    small = [ln for ln in lines if ln["y1"] - ln["y0"] < 14.5]
    found = []
    for line in small:
        text = line["text"]
        if len(text) >= least or text in cells:
            continue
        height = line["y1"] - line["y0"]
        below = [
            b["text"]
            for b in small
            if b["page"] == line["page"]
            and 0 < b["y0"] - line["y0"] <= 3 * height
            and min(b["x1"], line["x1"]) - max(b["x0"], line["x0"]) > -2
        ]
        for cell in cells:
            rest = cell[len(text) :]
            if (
                cell.startswith(text)
                and rest
                and any(rest.startswith(b) or b.startswith(rest) for b in below if b)
            ):
                found.append((text, cell))
                break
    return found


def table_pages(pdf: Path, docx_path: Path) -> list[tuple[str, list[int | None]]]:
    """Each table of the DOCX as laid out in ``pdf``: its caption and the page of the caption
    and of every data row (in order, up to the next caption: a line beginning with the row's
    first cell; None for a row not found)."""
    d = docx.Document(str(docx_path))
    lines = sorted(pdf_lines(pdf), key=lambda ln: (ln["page"], round(ln["y0"]), ln["x0"]))
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    captions = [c for c in captions if c.startswith("表")]
    starts, at = [], 0
    for caption in captions:
        key = re.sub(r"\s+", "", caption)[:6]
        at = next(i for i in range(at, len(lines)) if lines[i]["text"].startswith(key))
        starts.append(at)
    tables = []
    for n, (caption, table) in enumerate(zip(captions, d.tables, strict=True)):
        at, stop = starts[n], starts[n + 1] if n + 1 < len(starts) else len(lines)
        pages: list[int | None] = [lines[at]["page"]]
        for row in table.rows[1:]:
            first = re.sub(r"\s+", "", row.cells[0].text)[:2]
            found = next(
                (i for i in range(at + 1, stop) if lines[i]["text"].startswith(first)), None
            )
            pages.append(None if found is None else lines[found]["page"])
            at = at if found is None else found
        tables.append((caption, pages))
    return tables


def lone_rows(tables: list[tuple[str, list[int | None]]]) -> list[tuple[str, list]]:
    """Tables whose caption ends a page without rows, that leave one row on a page, or whose
    rows were not all found."""
    bad = []
    for caption, (cap_page, *rows) in tables:
        counts = {p: rows.count(p) for p in rows}
        if None in counts or (
            rows and (cap_page != rows[0] or (len(rows) > 1 and min(counts.values()) < 2))
        ):
            bad.append((caption, [cap_page, *rows]))
    return bad


def pages_ending_in_a_colon(pdf: Path) -> list[tuple[int, str]]:
    """Pages whose last line (the page number left out) ends in a colon: a lead-in
    (「…如下:」) parted from the table it opens."""
    last: dict[int, dict] = {}
    for line in pdf_lines(pdf):
        if re.fullmatch(r"—\d+—", line["text"]):
            continue
        if line["page"] not in last or line["y1"] > last[line["page"]]["y1"]:
            last[line["page"]] = line
    return [(n, ln["text"]) for n, ln in last.items() if ln["text"].endswith((":", "："))]
