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
the file lacks, and a heading without text, shows 【待填写：…】 in the 工作稿 and 上报稿 and
is left out of a share copy. A blank inside a sentence that the data cannot fill is written
【待填写】 by the office (「其中免除利息和担保费用【待填写】万元」) and highlighted by every
writer. Text is taken as Markdown with HTML special characters escaped: the office's text is
displayed, never interpreted as HTML; its punctuation is put in Chinese form
(:func:`~parkanalysis.report.form.chinese_form`).

**Order of a 工作总结** (half year, year; the seed's): 一、<上半年>主要工作完成情况 — every
section before 存在问题 as its (一)(二)… (the office's sub-headings there become 1. 2. …) —,
二、存在问题, 三、<下半年>工作计划, then anything the office adds after the plan.

**Front matter**: a texts file may open with a YAML block between ``---`` lines
(:data:`FRONT_MATTER_KEYS`)::

    ---
    date: 2016-07-05            # 成文日期 of the 落款 (``--date`` of render/batch beats it)
    issuer: 工贸园管理委员会      # 署名 (beats park.yaml's issuer)
    headings:                   # the office's wording of report headings
      经济运行: 园区经济平稳较快发展
      土地开发利用: 加快土地出让,引进优质项目入驻
    ---

>>> t = parse_office_text("开篇。\\n\\n## (一)基础设施建设\\n\\n道路 <亮化>。\\n")
>>> t.preamble, t.sections
('开篇。', [('基础设施建设', '道路 &lt;亮化&gt;。')])
>>> t = parse_office_text("---\\ndate: 2016-07-05\\n---\\n开篇,正文。")
>>> t.front, t.preamble
({'date': datetime.date(2016, 7, 5)}, '开篇，正文。')
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

from parkanalysis.report.form import chinese_form, parse_date
from parkanalysis.report.textpolicy import SHARE_KEYS, is_shareable

#: Folder of the office's texts inside a dataset folder.
TEXTS_DIR = "texts"
#: Keys of a texts file's front matter: what each sets.
FRONT_MATTER_KEYS = {
    "date": "成文日期(落款),如 2016-07-05",
    "issuer": "署名(落款),默认 park.yaml 的 issuer",
    "headings": "章节标题的办公室措辞:报告章节名: 标题",
    **{key: "是:办公室已核对,本文可用于对外版(docs/SHARE.md)" for key in SHARE_KEYS},
}
#: The three parts of a 工作总结 (half year, year), in the seed's order.
SUMMARY_PART = "{this}主要工作完成情况"
PROBLEMS = "存在问题"
PLAN = "{next}工作计划"
#: Files of ``texts/`` that a report can use (the texts and the images they embed).
_OFFICE_SUFFIXES = {".md", ".png", ".jpg", ".jpeg", ".gif"}
#: Topics a 工作总结 has beyond the data, with the report section they follow.
EXPECTED_TOPICS: dict[str, tuple[tuple[str, str], ...]] = {
    "half": (
        ("基础设施建设", "经济运行"),
        ("党的建设", "安全生产"),
        (PLAN, PROBLEMS),
    ),
    "year": (
        ("基础设施建设", "经济运行"),
        ("党的建设", "安全生产"),
        (PLAN, PROBLEMS),
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
    #: The front matter (:data:`FRONT_MATTER_KEYS`), checked.
    front: dict[str, Any] = field(default_factory=dict)


def normalize_heading(text: str) -> str:
    """A heading without Markdown marks, numbering and spaces (for matching)."""
    text = re.sub(r"^#+\s*", "", text.strip())
    text = _NUMBERING.sub("", text)
    return re.sub(r"\s+", "", text)


def _escape(text: str) -> str:
    """The office's text in Chinese form, escaped.

    A blank (【待填写】) stays as written: the Word and PDF writers highlight it from the
    model (:data:`~parkanalysis.report.model.BLANK`). The page cannot mark it in Markdown:
    nbconvert, embedding images, re-parses each inline HTML tag alone (a ``<mark>`` loses
    its text), and ``**`` next to 【 and a Chinese character is no emphasis (CommonMark).
    """
    text = chinese_form(text)  # before escaping: an entity's 「;」 is no punctuation
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _front_matter(text: str, file: str) -> tuple[dict[str, Any], str]:
    """The checked front matter of a texts file and the text after it (lines kept)."""
    import yaml

    from parkanalysis.errors import DataError, Finding

    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise DataError(
            Finding("error", "front_matter", "开头的 --- 块没有结束的 --- 行。", file=file, row=1)
        )

    def bad(key: str, value: Any, message: str) -> DataError:
        row = next((i + 1 for i in range(1, end) if lines[i].lstrip().startswith(f"{key}:")), 1)
        return DataError(
            Finding("error", "front_matter", message, file=file, row=row, column=key, value=value)
        )

    try:  # every value as written (a date the office mistyped is reported, not half-parsed)
        raw = yaml.load("\n".join(lines[1:end]), Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            Finding(
                "error",
                "front_matter",
                f"开头的 --- 块不是有效的 YAML:{getattr(exc, 'problem', exc)}。",
                file=file,
                row=(mark.line + 2) if mark is not None else 1,
            )
        ) from None
    if not isinstance(raw, dict):
        raise bad("", raw, "开头的 --- 块应为「键: 值」。")
    front: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in FRONT_MATTER_KEYS:
            known = ";".join(f"{k}:{v}" for k, v in FRONT_MATTER_KEYS.items())
            raise bad(str(key), value, f"未知的键 {key!r}。可用的键:{known}。")
        if key == "date":
            try:
                front["date"] = parse_date(value)
            except ValueError as exc:
                raise bad(key, value, str(exc)) from None
        elif key == "issuer":
            if not isinstance(value, str) or not value.strip():
                raise bad(key, value, "issuer 应为署名文字,如「工贸园管理委员会」。")
            front["issuer"] = value.strip()
        elif key in SHARE_KEYS:  # the office marks the text fit for the 对外版
            front["share"] = is_shareable({key: value})
        else:
            ok = isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
            )
            if not ok:
                example = "如「经济运行: 园区经济平稳较快发展」"
                raise bad(key, value, f"headings 应为「报告章节名: 标题」,{example}。")
            front["headings"] = {normalize_heading(k): v.strip() for k, v in value.items()}
    return front, "\n" * end + "\n".join(lines[end + 1 :])


def parse_office_text(text: str, *, file: str = "texts") -> OfficeText:
    """Split a texts file into its front matter, opening text and top-level sections."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, text = _front_matter(text, file)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # the office's own remarks
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    levels = [len(m.group(1)) for m in map(_HEADING.match, lines) if m]
    top = 2 if 2 in levels else (min(levels) if levels else 2)
    out = OfficeText(front=front)
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
    from parkanalysis.report.textpolicy import disclosures, vet_markdown

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
    front, body = _front_matter(text, rel)  # front lines blanked: rows stay the file's
    vetted = vet_markdown(body, texts_dir=path.parent, share=share, file=rel)
    findings = list(vetted.findings)
    if share and not front.get("share"):
        findings += disclosures(vetted.text, enterprise_names(data), file=rel)
    if findings:
        raise DataError(findings)
    out = parse_office_text(vetted.text, file=rel)
    out.front = front
    return out


def _this_label(period) -> str:
    if period.kind == "half":
        return "上半年" if period.start_month == 1 else "下半年"
    return "全年" if period.kind == "year" else period.label


def _next_label(period) -> str:
    return "下半年" if period.kind == "half" and period.start_month == 1 else "下一年度"


def _matches(office: str, report: str) -> bool:
    return bool(office) and bool(report) and (office in report or report in office)


def _is_heading_cell(cell, level: int = 2) -> re.Match | None:
    if cell.cell_type != "markdown":
        return None
    source = cell.get("source", "").strip()
    m = _HEADING.match(source)
    return m if m and len(m.group(1)) == level and "\n" not in source else None


def merge_office_texts(nb, params: dict[str, Any]):
    """Insert the office's sections into a parameterized period-report notebook.

    Does nothing for notebooks without ``data`` and ``period`` parameters or without
    level-2 section headings. Returns the notebook (changed in place). Cells tagged
    ``closing`` (the 落款) and ``appendix`` (附:数据说明与核对) stay last, in that order.
    """
    import nbformat

    from parkanalysis.periods import parse_period
    from parkanalysis.report.naming import resolve_copy

    if not params.get("data") or not params.get("period"):
        return nb
    period = parse_period(params["period"])
    share = resolve_copy(params.get("copy"), bool(params.get("share"))) == "share"
    office = read_office_text(params["data"], period, share=share) or OfficeText()
    labels = {"this": _this_label(period), "next": _next_label(period)}
    expected = [
        (topic.format(**labels), after) for topic, after in EXPECTED_TOPICS.get(period.kind, ())
    ]
    overrides = office.front.get("headings", {})
    if not office.sections and not office.preamble and not expected and not overrides:
        return nb

    def last(cell) -> bool:
        return bool({"appendix", "closing"} & set(cell.get("metadata", {}).get("tags", [])))

    tail = [c for c in nb.cells if last(c)]
    # the notebook's sections: head cells, then (heading, cells) per "## " heading
    head: list = []
    sections: list[list] = []  # [normalized heading, cells, attached office cells]
    for cell in (c for c in nb.cells if not last(c)):
        m = _is_heading_cell(cell)
        if m:
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
        return [] if share else [md(f"【待填写：{topic}】")]

    office_sections: list[tuple] = list(office.sections)
    for topic, after in expected:  # topics the file lacks: empty sections after ``after``
        if not any(_matches(normalize_heading(topic), h) for h, _ in office.sections):
            at = next((i for i, s in enumerate(sections) if _matches(after, s[0])), None)
            office_sections.append((topic, "", len(sections) - 1 if at is None else at))

    after_head: list = []
    anchor: list = after_head  # where the next new section goes
    by_report = False  # whether a report section named in the file set the anchor
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
            by_report = True
            continue
        after = next((a for t, a in expected if _matches(normalize_heading(t), topic)), None)
        if forced is None and after is not None and (after == PROBLEMS or not by_report):
            # an expected topic that no report section precedes in the file goes where a
            # 工作总结 has it; the plan is always the part after 存在问题
            forced = next((i for i, s in enumerate(sections) if _matches(after, s[0])), None)
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
    if period.kind in ("half", "year"):
        cells = _three_parts(cells, labels, md)
    _number_headings(cells, overrides)
    nb.cells = cells + tail
    return nb


def _three_parts(cells: list, labels: dict[str, str], md) -> list:
    """A 工作总结 in the seed's order: the sections before 存在问题 under 一、<…>主要工作完成
    情况 as (一)(二)…, their sub-headings as 1. 2. …; 存在问题 and what follows unchanged.

    Without a 存在问题 section (a notebook of one's own) the cells are returned as they are.
    """
    headings = [i for i, c in enumerate(cells) if _is_heading_cell(c)]
    problems = next(
        (i for i in headings if normalize_heading(cells[i].source.strip()) == PROBLEMS), None
    )
    first = headings[0] if headings else None
    if problems is None or first is None or first == problems:
        return cells
    out = [*cells[:first], md("## " + SUMMARY_PART.format(**labels))]
    for cell in cells[first:problems]:
        if _is_heading_cell(cell):
            cell["source"] = "### " + normalize_heading(cell.source.strip())
        elif cell.cell_type == "markdown":  # the office's sub-headings: one level down, 1. 2.
            cell["source"] = re.sub(r"(?m)^### ", "#### ", cell.get("source", ""))
        out.append(cell)
    return out + cells[problems:]


def _number_headings(cells: list, overrides: dict[str, str]) -> None:
    """Number sections 一、二、…, their parts (一)(二)… and sub-parts 1. 2. … again; a heading
    the front matter names (``headings:``) takes the office's wording."""

    def wording(text: str) -> str:
        plain = normalize_heading(text)
        for name, words in overrides.items():
            if _matches(name, plain):
                return normalize_heading(words) or plain
        return plain

    top = sub = subsub = 0
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        if _is_heading_cell(cell, 2):
            cell["source"] = f"## {_numeral(top)}、{wording(cell.source.strip())}"
            top, sub = top + 1, 0
        elif _is_heading_cell(cell, 3):
            cell["source"] = f"### （{_numeral(sub)}）{wording(cell.source.strip())}"
            sub, subsub = sub + 1, 0
        elif "#### " in cell.get("source", ""):

            def four(m: re.Match) -> str:
                nonlocal subsub
                subsub += 1
                return f"#### {subsub}.{normalize_heading(m.group(1))}"

            cell["source"] = re.sub(r"(?m)^#### (.*)$", four, cell.source)


def _numeral(index: int) -> str:
    """0 → 一, 9 → 十, 10 → 十一 … (sections of a report stay well below 100)."""
    n = index + 1
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[ones - 1] if ones else "")
