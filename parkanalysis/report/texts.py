"""The office's own sections: Markdown text merged into a report notebook before it runs.

A 工作总结 is half data, half the office's own account (基础设施, 企业服务, 党建, the next
half-year's plan …). The office writes that part in ``<data>/texts/<period>.md``, named by
the period's slug (``2016H1.md``, ``2016.md``, ``2016Q2.md``, ``2016-05.md``):

* text before the first heading is the opening paragraph (after the title);
* each ``##`` heading (or ``#`` when the file uses no ``##``) is a section. A heading that
  names a report section ("经济运行" matches "一、经济运行", "企业服务" matches
  "四、企业服务与搬迁置换") adds its text after that section's data; any other heading adds
  a new section after the one that precedes it in the file;
* a heading that names a report section and has no text only fixes where the sections
  that follow it in the file go (e.g. ``## 存在问题`` before ``## 下半年工作计划``);
* deeper headings (``###`` …) are 二级标题 inside a section; numbering the office wrote
  ("一、", "(一)", "1.") is dropped, and all sections are numbered 一、二、… again.

Half-year and year reports (工作总结) expect the topics of :data:`EXPECTED_TOPICS`. A topic
the file lacks, and a heading without text, shows 【待填写:…】 in the internal report and
is left out of a share copy. Text is taken as Markdown with HTML special characters escaped:
the office's text is displayed, never interpreted as HTML.

>>> t = parse_office_text("开篇。\\n\\n## (一)基础设施建设\\n\\n道路 <亮化>。\\n")
>>> t.preamble, t.sections
('开篇。', [('基础设施建设', '道路 &lt;亮化&gt;。')])
>>> normalize_heading("## 四、企业服务与搬迁置换")
'企业服务与搬迁置换'
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Folder of the office's texts inside a dataset folder.
TEXTS_DIR = "texts"
#: Files of ``texts/`` that a report can use (the texts and the images they embed).
_OFFICE_SUFFIXES = {".md", ".png", ".jpg", ".jpeg", ".gif"}
#: Topics a 工作总结 has beyond the data, with the report section they follow.
EXPECTED_TOPICS: dict[str, tuple[tuple[str, str], ...]] = {
    "half": (
        ("基础设施建设", "经济运行"),
        ("党的建设", "安全生产"),
        ("{next}工作计划", "存在问题"),
    ),
    "year": (
        ("基础设施建设", "经济运行"),
        ("党的建设", "安全生产"),
        ("{next}工作计划", "存在问题"),
    ),
}
NUMERALS = "一二三四五六七八九十"
_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十\d]+[)）]\s*[、.．]?"
    r"|\d+\s*[、.．]|第[一二三四五六七八九十]+[部章节分]\s*)\s*"
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass
class OfficeText:
    """A parsed texts file: the opening text and the sections (heading, Markdown body)."""

    preamble: str = ""
    sections: list[tuple[str, str]] = field(default_factory=list)


def normalize_heading(text: str) -> str:
    """A heading without Markdown marks, numbering and spaces (for matching)."""
    text = re.sub(r"^#+\s*", "", text.strip())
    text = _NUMBERING.sub("", text)
    return re.sub(r"\s+", "", text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_office_text(text: str) -> OfficeText:
    """Split a texts file into its opening text and its top-level sections."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # the office's own remarks
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    levels = [len(m.group(1)) for m in map(_HEADING.match, lines) if m]
    top = 2 if 2 in levels else (min(levels) if levels else 2)
    out = OfficeText()
    current: list[str] = []
    heading: str | None = None

    def flush() -> None:
        body = _escape("\n".join(current).strip())
        if heading is None:
            out.preamble = body
        else:
            out.sections.append((heading, body))

    for line in lines:
        m = _HEADING.match(line)
        if m and len(m.group(1)) < top:
            continue  # a document title above the sections: the report has its own
        if m and len(m.group(1)) == top:
            flush()
            heading, current = normalize_heading(m.group(2)), []
        elif m:  # a sub-heading: 二级标题 inside the section, numbering kept as written
            current.append("### " + _escape(m.group(2).strip()))
        else:
            current.append(line)
    flush()
    return out


def texts_path(data: str | os.PathLike, period) -> Path:
    """Where the office's text for ``period`` lives."""
    return Path(data) / TEXTS_DIR / f"{period.slug}.md"


def office_files(data: str | os.PathLike) -> list[Path]:
    """The office's own files in a dataset folder (texts, their images, the Word template)."""
    root = Path(data)
    folder = root / TEXTS_DIR
    files = (
        sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _OFFICE_SUFFIXES)
        if folder.is_dir()
        else []
    )
    template = root / "template.docx"
    return [*files, template] if template.is_file() else files


def office_fingerprint(data: str | os.PathLike) -> str:
    """A digest of :func:`office_files` (part of a report's cache key)."""
    digest = hashlib.sha256()
    for path in office_files(data):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def enterprise_names(data: str | os.PathLike) -> list[str]:
    """Every name an office text could use for an enterprise of the register.

    Full names, short names (with and without the park's region) and 企业代码, of every
    park of the dataset.
    """
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.projects import short_name

    ds = load_cached(str(data))
    regions = {p.region for p in ds.profile.parks.values()} | {None}
    names: set[str] = set()
    for ident, name in zip(ds.enterprises["enterprise_id"], ds.enterprises["name"], strict=True):
        names.update({str(ident), str(name)})
        names.update(short_name(str(name), region=r) for r in regions)
    return sorted(names)


def read_office_text(data: str | os.PathLike, period, *, share: bool = False) -> OfficeText | None:
    """The parsed texts file of ``period``, None when there is none.

    The text passes :mod:`parkanalysis.report.textpolicy` first: images only from
    ``texts/``, links only http(s) (plain text in a share copy) and, for a share copy of a
    text not marked ``对外: 是``, no enterprise name and no figure with a unit. Any finding
    is a :class:`~parkanalysis.errors.DataError` (exit 2) listing each, before anything is
    read beyond the text itself.
    """
    from parkanalysis.errors import DataError, Finding
    from parkanalysis.report.textpolicy import (
        disclosures,
        is_shareable,
        split_front_matter,
        vet_markdown,
    )

    path = texts_path(data, period)
    if not path.is_file():
        return None
    raw = path.read_bytes()
    rel = f"{TEXTS_DIR}/{path.name}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            Finding(
                "error",
                "text_not_utf8",
                "文字材料应为 UTF-8 编码的 Markdown 文本;请用记事本“另存为”并选择 UTF-8 后重试。",
                file=rel,
                row=raw.count(b"\n", 0, exc.start) + 1,
            )
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, skipped, findings = split_front_matter(text, file=rel)
    vetted = vet_markdown(body, texts_dir=path.parent, share=share, file=rel, first_row=skipped + 1)
    findings += vetted.findings
    if share and not is_shareable(meta):
        findings += disclosures(
            vetted.text, enterprise_names(data), file=rel, first_row=skipped + 1
        )
    if findings:
        raise DataError(findings)
    return parse_office_text(vetted.text)


def _next_label(period) -> str:
    return "下半年" if period.kind == "half" and period.start_month == 1 else "下一年度"


def _matches(office: str, report: str) -> bool:
    return bool(office) and bool(report) and (office in report or report in office)


def merge_office_texts(nb, params: dict[str, Any]):
    """Insert the office's sections into a parameterized period-report notebook.

    Does nothing for notebooks without ``data`` and ``period`` parameters or without
    level-2 section headings. Returns the notebook (changed in place).
    """
    import nbformat

    from parkanalysis.periods import parse_period

    if not params.get("data") or not params.get("period"):
        return nb
    period = parse_period(params["period"])
    share = bool(params.get("share"))
    office = read_office_text(params["data"], period, share=share) or OfficeText()
    expected = [
        (topic.format(next=_next_label(period)), after)
        for topic, after in EXPECTED_TOPICS.get(period.kind, ())
    ]
    if not office.sections and not office.preamble and not expected:
        return nb

    # cells tagged "appendix" (附:数据说明与核对) stay last, after every office section
    tail = [c for c in nb.cells if "appendix" in c.get("metadata", {}).get("tags", [])]
    # the notebook's sections: head cells, then (heading, cells) per "## " heading
    head: list = []
    sections: list[list] = []  # [normalized heading, cells, attached office cells]
    for cell in (c for c in nb.cells if not any(c is t for t in tail)):
        source = cell.get("source", "")
        m = _HEADING.match(source.strip()) if cell.cell_type == "markdown" else None
        if m and len(m.group(1)) == 2 and "\n" not in source.strip():
            sections.append([normalize_heading(m.group(2)), [cell], []])
        elif sections:
            sections[-1][1].append(cell)
        else:
            head.append(cell)
    if not sections:
        return nb

    def md(text: str):
        return nbformat.v4.new_markdown_cell(text)

    def body_cells(topic: str, body: str) -> list:
        if body:
            return [md(body)]
        return [] if share else [md(f"【待填写:{topic}】")]

    office_sections: list[tuple] = list(office.sections)
    for topic, after in expected:  # topics the file lacks: empty sections after ``after``
        if not any(_matches(normalize_heading(topic), h) for h, _ in office.sections):
            at = next((i for i, s in enumerate(sections) if _matches(after, s[0])), None)
            office_sections.append((topic, "", len(sections) - 1 if at is None else at))

    after_head: list = []
    anchor: list = after_head  # where the next new section goes
    used: set[int] = set()
    placed_after: dict[int, list] = {}
    for entry in office_sections:
        topic, body = entry[0], entry[1]
        forced = entry[2] if len(entry) > 2 else None
        match = next(
            (i for i, s in enumerate(sections) if i not in used and _matches(topic, s[0])), None
        )
        if match is not None:
            used.add(match)
            if body:  # an empty heading of a report section only fixes the order
                sections[match][2].extend(body_cells(topic, body))
            anchor = placed_after.setdefault(match, [])
            continue
        cells = body_cells(topic, body)
        if not cells:
            continue  # share copy: a section the office has not written is left out
        new = [md(f"## {topic}"), *cells]
        target = placed_after.setdefault(forced, []) if forced is not None else anchor
        target.extend(new)

    cells = list(head)
    if office.preamble:
        cells.append(md(office.preamble))
    cells.extend(after_head)
    for i, (_h, own, attached) in enumerate(sections):
        cells.extend(own)
        cells.extend(attached)
        cells.extend(placed_after.get(i, []))
    number = 0
    for cell in cells:  # number all sections again: 一、二、…
        m = _HEADING.match(cell.get("source", "").strip()) if cell.cell_type == "markdown" else None
        if m and len(m.group(1)) == 2 and "\n" not in cell["source"].strip():
            cell["source"] = f"## {_numeral(number)}、{normalize_heading(m.group(2))}"
            number += 1
    nb.cells = cells + tail
    return nb


def _numeral(index: int) -> str:
    """0 → 一, 9 → 十, 10 → 十一 … (sections of a report stay well below 100)."""
    n = index + 1
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")
