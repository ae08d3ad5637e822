"""An outsider who reads every share page and solves for what is withheld (tests only).

Nothing here imports the package: the attacker knows only the published pages and how
published figures relate (the reports' own notes say so), and the truth it is judged against
is summed from the raw data files with pandas.

**Reading** (:func:`read_folder`): every ``*.html`` (visible text and tables; scripts, styles
and embedded pictures removed), ``*.docx`` (``word/document.xml`` paragraphs and tables) and
``*.pdf`` (``pdftotext -raw``: :func:`pdf_lines`) of a folder — never a ``*.cells.json``.
The charts are PNG pictures whose HTML carries no data (only their titles), so no chart
value is read.

**Facts** (:func:`page_facts`), each with its meaning — park, measure, span of months, unit:

* 表1/表2 rows (测算数 only; a 公布数 row is the statistics bureau's): 本期 (level, ± half
  its last digit in its unit, 亿元 or 万元), 同比 (growth, ±0.05 %), 上年同期(可比口径) and
  增减额 (which narrow 1 + 同比 to [V_lo/L_hi, V_hi/L_lo]), the previous period's 同比 column,
  完成全年目标(%) × 年度目标;
* 表3: 亩均税收/产值/增加值 (本期 and 年化值) over one unknown area per page, 劳动生产率
  over an unknown denominator;
* the text: 「X增速比P加快/回落d个百分点」, 「规模工业总产值占全部工业总产值的s%」, the
  hazard sentence (counts exact: found, 重大, 已整改, 尚未整改, 逾期, 与上年同期相比), the hazard
  category table, every 「—(…不予公布)」 marker (a withheld cell: a target);
* the land report: 近12个月 亩均税收 × the published areas (工业用地: a subset of enterprises,
  综合: all), across the two years.

**The linear programme** (:class:`Attack`): one variable per park, measure and month (flows,
hazards found, per category, 重大), per month end (从业人员) and per period (已整改, 未整改,
逾期); hazard counts integral (:func:`scipy.optimize.milp`); every variable ≥ 0. For each
printed 同比 g of a span: V − E = (1+g)·(L − X) with E (entrants), X (leavers) ≥ 0 — linear
in the unknowns because 1+g is a printed interval: (1+g_lo)(L−X) ≤ V−E ≤ (1+g_hi)(L−X).
A ratio r = N/D with both unknown is N − r_lo·D ≥ 0 ≥ N − r_hi·D.

**Judgement** (:func:`tests.adversary_truth.judge`): every withheld cell, every sensitive
cell (fewer than k non-zero enterprises, or the p % rule: all but the two largest below p % of
the largest) of the linked spans, every sensitive entrants/leavers sum and the land report's
subsets is minimised and maximised. A cell is **pinned** when every value the outsider cannot
exclude lies within ±p % of the truth; a *sensitive* cell also fails when one bound comes
inside ±p % (the protection levels of docs/SHARE.md: "at least 0.95·x" of a dominant firm is
as good as its value). A printed figure whose cell is sensitive is a single enterprise's
figure on the page. A category named as withheld was found, so it counts at least 1; a page
that draws no category names every category it found.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lxml import etree
from lxml import html as lhtml
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

#: Row labels → measure ids (flows unless named in STOCKS).
MEASURES = {
    "工业总产值": "output",
    "工业增加值": "value_added",
    "规模工业总产值": "above_output",
    "规模工业增加值": "above_value_added",
    "固定资产投资": "investment",
    "主营业务收入": "revenue",
    "税收": "tax",
    "从业人员": "employees",
}
STOCKS = {"employees"}
PER_MU = {"亩均税收": "tax", "亩均产值": "output", "亩均增加值": "value_added"}
HAZARD = "hazards"  # hazards found (flow); hazards:<category>, hazards_major: flows too
PERIOD_STATES = ("hazards_rectified", "hazards_open", "hazards_overdue")
UNITS = {"亿元": 10000.0, "万元": 1.0, "人": 1.0, "家": 1.0}
WITHHELD = re.compile(r"—\(少于\d+家或由个别企业主导,不予公布\)")
BLOCKS = ("p", "div", "h1", "h2", "h3", "h4", "li", "td", "th", "tr", "caption", "figcaption", "br")
CAP = 1e9  # no unknown is larger (万元, 人, 处)
CN_Q = {"一": 1, "二": 2, "三": 3, "四": 4}


def norm(text: str) -> str:
    """Half-width punctuation, no thousands separators, single spaces."""
    table = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "％": "%", "；": ";"})
    text = text.translate(table)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    return re.sub(r"\s+", " ", text).strip()


def month(year: int, m: int) -> int:
    """Absolute month index (year·12 + m − 1)."""
    return year * 12 + m - 1


def ym(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def span_of(label: str, year: int) -> tuple[int, int] | None:
    """``1-5月`` / ``上半年`` / ``第二季度`` / ``二季度`` / ``5月`` / ``全年`` → (first, last)."""
    label = label.strip()
    if m := re.fullmatch(r"(\d{1,2})-(\d{1,2})月", label):
        first, last = int(m[1]), int(m[2])
        return (month(year, first), month(year, last)) if 1 <= first <= last <= 12 else None
    if m := re.fullmatch(r"(\d{1,2})月", label):  # 「17月」 is a misread, never a month
        return (month(year, int(m[1])),) * 2 if 1 <= int(m[1]) <= 12 else None
    if m := re.fullmatch(r"第?([一二三四])季度", label):
        q = CN_Q[m[1]]
        return month(year, 3 * q - 2), month(year, 3 * q)
    if label == "上半年":
        return month(year, 1), month(year, 6)
    if label == "下半年":
        return month(year, 7), month(year, 12)
    if label in ("", "全年"):
        return month(year, 1), month(year, 12)
    return None


def printed(text: str, scale: float = 1.0) -> tuple[float, float, float]:
    """(value, lo, hi) of a printed number: ± half of its last digit, times ``scale``."""
    text = text.replace(",", "").strip()
    decimals = len(text.split(".")[1]) if "." in text else 0
    v = float(text)
    half = 0.5 * 10.0**-decimals
    return v * scale, (v - half) * scale, (v + half) * scale


# --------------------------------------------------------------------------- pages
@dataclass
class Page:
    """One published file: its title, visible text and tables (rows of cell texts)."""

    path: Path
    text: str
    tables: list[list[list[str]]] = field(default_factory=list)
    sheets: int = 0  # a PDF's page count (its page numbers are not figures)
    layout: str = ""  # a PDF's text in layout mode (no joining of 「1-」 and 「4月」 at a line end)
    pictures: list[str] = field(default_factory=list)  # an HTML page's image titles (alt)


def read_html(path: Path) -> Page:
    root = lhtml.fromstring(path.read_bytes())
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for el in root.iter(*BLOCKS):  # a block ends a run of text, as a browser renders it
        el.tail = " " + (el.tail or "")
    tables = []
    for t in root.xpath("//table"):
        rows = [[norm(c.text_content()) for c in tr.xpath("./th|./td")] for tr in t.xpath(".//tr")]
        tables.append([r for r in rows if r])
    pictures = [norm(img.get("alt") or "") for img in root.xpath("//img")]
    return Page(path, norm(root.text_content()), tables, pictures=pictures)


def read_docx(path: Path) -> Page:
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))

    def text(el) -> str:
        return "".join(t.text or "" for t in el.iter(w + "t"))

    tables = []
    for tbl in root.iter(w + "tbl"):
        rows = []
        for tr in tbl.iter(w + "tr"):
            rows.append(
                [norm(" ".join(text(p) for p in tc.iter(w + "p"))) for tc in tr.iter(w + "tc")]
            )
        tables.append(rows)
    paragraphs = [text(p) for p in root.iter(w + "p")]
    return Page(path, norm(" ".join(paragraphs)), tables)


def pdf_lines(raw: str) -> str:
    r"""``pdftotext -raw`` text with a period label broken at its hyphen made whole again.

    Reading-order mode (pdftotext's default) joins a line ending in 「1-」 with the next
    line's 「7月」 by dropping the hyphen: 「增速比1-7月」 became 「增速比17月」, month 17,
    read as May of the next year (the 1-7月 growth of 2015 against a 2014 that starts in
    July, 1+g = 7.31, checked against 2016-05). Raw mode keeps the hyphen and the line end;
    only a line end between 「N-」 and a digit is removed.

    >>> pdf_lines("增速比1-\n7月加快0.1个百分\n点")
    '增速比1-7月加快0.1个百分\n点'
    """
    return re.sub(r"(?<=\d-)\n(?=\d)", "", raw)


def read_pdf(path: Path) -> Page:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (poppler-utils) reads the PDF pages"
    command = [tool, "-raw", "-enc", "UTF-8", str(path), "-"]
    text = pdf_lines(subprocess.run(command, capture_output=True, check=True).stdout.decode())
    layout = subprocess.run(
        [tool, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return Page(path, norm(text), sheets=text.count("\f"), layout=norm(layout))


def read_folder(folder: Path) -> list[Page]:
    """Every published page of ``folder`` (never a sidecar)."""
    readers = {".html": read_html, ".docx": read_docx, ".pdf": read_pdf}
    return [
        readers[p.suffix](p)
        for p in sorted(folder.iterdir())
        if p.suffix in readers and not p.name.startswith("index")
    ]


# --------------------------------------------------------------------------- facts
@dataclass(frozen=True)
class Fact:
    """One thing a page says. ``kind``:

    ``level`` cell ∈ [lo, hi]; ``withheld`` the page withholds the cell; ``growth`` 1+g ∈
    [lo, hi]; ``ratio`` cell ∈ [lo, hi] × ``other`` (a free denominator's name);
    ``share`` cell ∈ [lo, hi] × cell ``other``; ``diff_year`` cell − same span a year
    earlier ∈ [lo, hi]; ``subset`` a cell ``other`` of a subset of enterprises ≤ cell,
    itself ∈ [lo, hi]; ``points`` growth of ``other`` span = this growth − d (d ∈ [lo, hi]);
    ``partition`` cell = Σ of its categories named in ``other`` (a page that names every
    category it found: 「用电、消防类隐患数不予公布」 and no category drawn).
    """

    kind: str
    park: str
    measure: str
    a: int
    b: int
    lo: float = math.nan
    hi: float = math.nan
    other: object = None
    page: str = ""
    shown: bool = False  # printed as such (not derived from other printed figures)


def page_meta(page: Page) -> tuple[str, str, int, int] | None:
    """(park name, kind, first, last month) from the page's own heading."""
    t = page.text
    if m := re.search(r"(\S+?)土地供应与扩园需求分析.*?数据截至(\d{4})年(\d{1,2})月", t):
        last = month(int(m[2]), int(m[3]))
        return m[1], "land", last - 11, last
    m = re.search(r"(\S+?)(\d{4})年(\S*?)(?:经济运行情况报告|工作总结)", t)
    r = re.search(r"报告期:(\d{4})年(\S*)", t)
    if not m or not r:
        return None
    label = re.sub(r"^(\d{1,2}-\d{1,2}月|上半年|下半年|第[一二三四]季度)?.*$", r"\1", r[2])
    span = span_of(label, int(r[1]))
    assert span, f"{page.path.name}: period {r[2]!r} not understood"
    return m[1], "period", *span


def _label_measure(label: str) -> tuple[str | None, float]:
    m = re.fullmatch(r"(.+?)\((亿元|万元|人|家)\)", label)
    if not m:
        return None, 1.0
    return MEASURES.get(m[1]), UNITS[m[2]]


def _indicator_table(rows, park, a, b, name, facts):
    header = rows[0]
    year = ym(b)[0]
    col = {h: i for i, h in enumerate(header)}
    bureau = set()
    for row in rows[1:]:
        if len(row) != len(header):
            continue
        measure, scale = _label_measure(row[0])
        if measure is None:
            continue
        if row[col["数据口径"]] == "公布数" if "数据口径" in col else False:
            bureau.add(measure)
            continue
        cur = row[col["本期"]]
        if WITHHELD.fullmatch(cur):
            facts.append(Fact("withheld", park, measure, a, b, page=name))
            continue
        if not re.fullmatch(r"-?\d+(\.\d+)?", cur):
            continue  # 「—」: nothing reported
        _, vlo, vhi = printed(cur, scale)
        facts.append(Fact("level", park, measure, a, b, vlo, vhi, page=name, shown=True))
        g_lo, g_hi = -math.inf, math.inf
        g = row[col["同比(%)"]]
        if re.fullmatch(r"-?\d+(\.\d+)?", g):
            _, lo, hi = printed(g)
            g_lo, g_hi = 1 + lo / 100, 1 + hi / 100
            facts.append(
                Fact("growth", park, measure, a, b, g_lo, g_hi, other="printed", page=name)
            )
        prev = row[col["上年同期(可比口径)"]] if "上年同期(可比口径)" in col else ""
        if re.fullmatch(r"-?\d+(\.\d+)?", prev):
            _, llo, lhi = printed(prev, scale)
            diff = next((row[i] for h, i in col.items() if h.startswith("增减")), "")
            if re.fullmatch(r"-?\d+(\.\d+)?", diff):
                _, dlo, dhi = printed(diff, scale)
                llo, lhi = max(llo, vlo - dhi), min(lhi, vhi - dlo)
            if llo > 0:
                g_lo, g_hi = max(g_lo, vlo / lhi), min(g_hi, vhi / llo)
        if math.isfinite(g_lo):
            facts.append(Fact("growth", park, measure, a, b, g_lo, g_hi, page=name))
        for h, i in col.items():
            pm = re.fullmatch(r"(.+)同比\(%\)", h)
            if pm and (span := span_of(pm[1], year)) and re.fullmatch(r"-?\d+(\.\d+)?", row[i]):
                _, lo, hi = printed(row[i])
                facts.append(
                    Fact("growth", park, measure, *span, 1 + lo / 100, 1 + hi / 100, page=name)
                )
        if "完成全年目标(%)" in col and re.fullmatch(r"\d+(\.\d+)?", row[col["完成全年目标(%)"]]):
            target, _, _ = printed(row[col["年度目标"]], scale)
            _, lo, hi = printed(row[col["完成全年目标(%)"]])
            facts.append(
                Fact("level", park, measure, a, b, lo / 100 * target, hi / 100 * target, page=name)
            )
    return bureau


def _per_mu_table(rows, park, a, b, name, facts):
    months = b - a + 1
    for row in rows[1:]:
        label = re.sub(r"\(.*\)$", "", row[0])
        if label in PER_MU:
            measure, den = PER_MU[label], f"area|{name}"
        elif label == "全员劳动生产率":
            measure, den = "value_added", f"labour|{name}"
        else:
            continue
        if not re.fullmatch(r"\d+(\.\d+)?", row[1]):
            continue
        _, lo, hi = printed(row[1])
        if len(row) > 2 and re.fullmatch(r"\d+(\.\d+)?", row[2]):
            _, alo, ahi = printed(row[2])
            lo, hi = max(lo, alo * months / 12), min(hi, ahi * months / 12)
        facts.append(Fact("ratio", park, measure, a, b, lo, hi, other=den, page=name))


def _land_table(rows, park, a, b, name, facts):
    notes = {r[0]: r for r in rows[1:] if r}
    areas = {}
    for label, pattern in (
        ("工业用地率", r"工矿仓储用地\(.*?\)([\d.]+)亩"),
        ("土地建成率", r"已建成([\d.]+)亩"),
    ):
        if label in notes and (m := re.search(pattern, notes[label][-1])):
            areas[label] = printed(m[1])
    for row in rows[1:]:
        if not row or "亩均税收(近12个月)" not in row[0] or not re.fullmatch(r"[\d.]+", row[1]):
            continue
        w = re.search(r"近12个月\((\d{4})年(\d{1,2})月至(\d{4})年(\d{1,2})月\)", row[-1])
        wa, wb = month(int(w[1]), int(w[2])), month(int(w[3]), int(w[4]))
        _, lo, hi = printed(row[1])
        if row[0].startswith("工业用地") and "工业用地率" in areas:
            _, alo, ahi = areas["工业用地率"]
            facts.append(
                Fact(
                    "subset",
                    park,
                    "tax",
                    wa,
                    wb,
                    lo * alo,
                    hi * ahi,
                    other="tax@industrial_land",
                    page=name,
                )
            )
        elif row[0].startswith("综合") and "土地建成率" in areas:
            _, alo, ahi = areas["土地建成率"]
            facts.append(Fact("level", park, "tax", wa, wb, lo * alo, hi * ahi, page=name))


def _hazard_facts(text, park, a, b, name, facts, chart):
    year = ym(b)[0]
    if "排查出安全隐患—" in text:
        facts.append(Fact("withheld", park, HAZARD, a, b, page=name))
    named = []
    if note := re.search(r"([\u4e00-\u9fff、]+?)类隐患数不予公布", text):  # named categories
        named = note[1].split("、")
        for category in named:
            cell = f"{HAZARD}:{category}"
            facts.append(Fact("withheld", park, cell, a, b, page=name))
            facts.append(Fact("level", park, cell, a, b, 1, CAP, page=name))  # found: ≥ 1
    m = re.search(r"排查出各类安全隐患(\d+)处[^。]*。", text)
    if not m:
        return
    if named and not chart:  # no category drawn: the named ones are all there are
        facts.append(Fact("partition", park, HAZARD, a, b, other=tuple(named), page=name))
    sentence = m[0]

    def count(measure, value):
        facts.append(Fact("level", park, measure, a, b, value, value, page=name, shown=True))

    count(HAZARD, int(m[1]))
    if g := re.search(r"重大隐患(\d+)处", sentence):
        count("hazards_major", int(g[1]))
    if g := re.search(r"已整改(\d+)处", sentence):
        count("hazards_rectified", int(g[1]))
    if g := re.search(r"尚未整改(\d+)处", sentence):
        count("hazards_open", int(g[1]))
    if g := re.search(r"其中逾期(\d+)处", sentence):
        count("hazards_overdue", int(g[1]))
    if "均在整改期限内" in sentence:
        count("hazards_overdue", 0)
    if g := re.search(r"与上年同期相比隐患(增加|减少)(\d+)处", sentence):
        d = int(g[2]) * (1 if g[1] == "增加" else -1)
        facts.append(Fact("diff_year", park, HAZARD, a, b, d, d, page=name))
    if "隐患数与上年同期持平" in sentence:
        facts.append(Fact("diff_year", park, HAZARD, a, b, 0, 0, page=name))
    del year


def _hazard_table(rows, park, a, b, name, facts):
    for row in rows[1:]:
        if len(row) >= 2 and re.fullmatch(r"\d+", row[1]) and row[0] not in ("合计",):
            facts.append(
                Fact(
                    "level",
                    park,
                    f"{HAZARD}:{row[0]}",
                    a,
                    b,
                    int(row[1]),
                    int(row[1]),
                    page=name,
                    shown=True,
                )
            )
        elif len(row) >= 2 and WITHHELD.fullmatch(row[1]):
            facts.append(Fact("withheld", park, f"{HAZARD}:{row[0]}", a, b, page=name))


def page_facts(page: Page) -> list[Fact]:
    """Everything ``page`` says about the linked system, with its meaning."""
    meta = page_meta(page)
    if meta is None:
        return []
    park, kind, a, b = meta
    name, facts = page.path.name, []
    bureau: set[str] = set()
    for rows in page.tables:
        if not rows:
            continue
        head = rows[0]
        if head[:2] == ["指标", "本期"]:
            bureau |= _indicator_table(rows, park, a, b, name, facts)
        elif head[:2] == ["指标", "本期(未年化)"]:
            _per_mu_table(rows, park, a, b, name, facts)
        elif head[:2] == ["名称", "数值"]:
            _land_table(rows, park, a, b, name, facts)
        elif head and head[0] == "隐患类别":
            _hazard_table(rows, park, a, b, name, facts)
    text = page.text
    if kind == "period":
        year = ym(b)[0]
        for label, measure in MEASURES.items():
            if measure in bureau:
                continue
            for m in re.finditer(
                rf"(?<![规模]){label}增速比(\S+?)(加快|回落)(\d+(?:\.\d+)?)个百分点", text
            ):
                span = span_of(m[1], year)
                if span:
                    d = float(m[3]) * (1 if m[2] == "加快" else -1)
                    facts.append(Fact("points", park, measure, a, b, d, d, other=span, page=name))
        m = re.search(
            r"规模工业总产值占全部工业总产值的(\d+\.\d)%(?:,比上年同期(提高|下降)(\d+\.\d)个百分点)?",
            text,
        )
        if m and "above_output" not in bureau:
            _, lo, hi = printed(m[1])
            share = Fact("share", park, "above_output", a, b, lo / 100, hi / 100, other="output")
            facts.append(share)
            if m[2]:  # last year's share = this one − the change (both rounded to 0.1)
                d = float(m[3]) * (1 if m[2] == "提高" else -1)
                lo, hi = (lo - d - 0.05) / 100, (hi - d + 0.05) / 100
                facts.append(
                    Fact("share", park, "above_output", a - 12, b - 12, lo, hi, other="output")
                )
        chart = any("隐患" in alt for alt in page.pictures) or page.path.suffix != ".html"
        _hazard_facts(text, park, a, b, name, facts, chart)
        if re.search(r"涉及腾退土地—", text):
            facts.append(Fact("withheld", park, "relocation_land", b, b, page=name))
    return facts


# --------------------------------------------------------------------------- the programme
class Attack:
    """The outsider's linear programme over everything the pages say."""

    def __init__(self, facts: list[Fact]):
        self.index: dict[str, int] = {}
        self.integer: list[bool] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.facts = facts
        self.growth: dict[tuple, tuple[float, float]] = {}
        self._build()

    def var(self, name: str, integer: bool = False) -> int:
        if name not in self.index:
            self.index[name] = len(self.index)
            self.integer.append(integer)
        return self.index[name]

    def cell(self, park: str, measure: str, a: int, b: int) -> dict[int, float]:
        """The cell as a sum of unknowns."""
        if measure in STOCKS or measure == "relocation_land":
            return {self.var(f"{park}|{measure}|{b}"): 1.0}
        if measure in PERIOD_STATES or "@" in measure:
            return {self.var(f"{park}|{measure}|{a}|{b}", measure in PERIOD_STATES): 1.0}
        integer = measure.startswith(HAZARD)
        return {self.var(f"{park}|{measure}|{m}", integer): 1.0 for m in range(a, b + 1)}

    def add(self, coeffs: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((coeffs, lo, hi))

    @staticmethod
    def comb(*terms: tuple[float, dict[int, float]]) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for w, c in terms:
            for i, v in c.items():
                out[i] += w * v
        return dict(out)

    def entrants(self, park, measure, a, b):
        """(E, X, V, L): entrants' and leavers' unknowns and the two cells of a 同比."""
        e = {self.var(f"E|{park}|{measure}|{a}|{b}"): 1.0}
        x = {self.var(f"X|{park}|{measure}|{a}|{b}"): 1.0}
        base = {"above_output": "output", "above_value_added": "value_added"}.get(measure, measure)
        return e, x, self.cell(park, measure, a, b), self.cell(park, base, a - 12, b - 12)

    def _build(self) -> None:
        eps = 1e-7
        printed_growth: dict[tuple, tuple[float, float]] = {}
        for f in self.facts:
            key = (f.park, f.measure, f.a, f.b)
            if f.kind == "level":
                self.add(self.cell(*key), f.lo - eps, f.hi + eps)
            elif f.kind == "growth":
                lo, hi = self.growth.get(key, (-math.inf, math.inf))
                self.growth[key] = (max(lo, f.lo), min(hi, f.hi))
                if f.other == "printed":
                    printed_growth[key] = (f.lo, f.hi)
            elif f.kind == "ratio":  # over the enterprises with land (or employees): a part
                part = f"{f.measure}@{str(f.other).split('|')[0]}"
                n, d = self.cell(f.park, part, f.a, f.b), {self.var(str(f.other)): 1.0}
                self.add(self.comb((1, self.cell(*key)), (-1, n)), -eps, math.inf)
                self.add(self.comb((1, n), (-f.lo, d)), -eps, math.inf)
                self.add(self.comb((1, n), (-f.hi, d)), -math.inf, eps)
            elif f.kind == "share":
                n, d = self.cell(*key), self.cell(f.park, str(f.other), f.a, f.b)
                self.add(self.comb((1, n), (-f.lo, d)), -eps, math.inf)
                self.add(self.comb((1, n), (-f.hi, d)), -math.inf, eps)
            elif f.kind == "subset":
                sub = self.cell(f.park, str(f.other), f.a, f.b)
                self.add(sub, f.lo - eps, f.hi + eps)
                self.add(self.comb((1, self.cell(*key)), (-1, sub)), -eps, math.inf)
            elif f.kind == "partition":  # total = Σ the named parts
                parts = [(-1, self.cell(f.park, f"{f.measure}:{c}", f.a, f.b)) for c in f.other]
                self.add(self.comb((1, self.cell(*key)), *parts), -eps, eps)
            elif f.kind == "diff_year":
                prev = self.cell(f.park, f.measure, f.a - 12, f.b - 12)
                self.add(self.comb((1, self.cell(*key)), (-1, prev)), f.lo - eps, f.hi + eps)
        for f in self.facts:  # 「增速比P回落d个百分点」: P's printed growth = this one's − d
            if f.kind == "points" and (f.park, f.measure, f.a, f.b) in printed_growth:
                lo, hi = printed_growth[(f.park, f.measure, f.a, f.b)]
                pct = round(((lo + hi) / 2 - 1) * 100, 1) - f.lo
                key = (f.park, f.measure, *f.other)
                glo, ghi = self.growth.get(key, (-math.inf, math.inf))
                self.growth[key] = (
                    max(glo, 1 + (pct - 0.05) / 100),
                    min(ghi, 1 + (pct + 0.05) / 100),
                )
        for (park, measure, a, b), (lo, hi) in self.growth.items():
            e, x, v, last = self.entrants(park, measure, a, b)
            s = self.comb((1, v), (-1, e))  # same-scope value this year
            s0 = self.comb((1, last), (-1, x))  # and a year earlier
            self.add(s, -eps, math.inf)
            self.add(s0, -eps, math.inf)
            self.add(self.comb((1, s), (-lo, s0)), -eps, math.inf)
            self.add(self.comb((1, s), (-hi, s0)), -math.inf, eps)
        self._structure()

    def _structure(self) -> None:
        """What an outsider knows without a page: parts within totals."""
        names = list(self.index)
        for name in names:
            park, measure, *rest = name.split("|")
            if measure in ("above_output", "above_value_added") and len(rest) == 1:
                total = self.var(name.replace(measure, measure.removeprefix("above_"), 1))
                self.add({total: 1.0, self.index[name]: -1.0}, 0, math.inf)
            if measure.startswith(HAZARD + ":") or measure == "hazards_major":
                total = self.var(f"{park}|{HAZARD}|{rest[0]}", True)
                self.add({total: 1.0, self.index[name]: -1.0}, 0, math.inf)
            if measure == "hazards_rectified" or measure == "hazards_open":
                a, b = int(rest[0]), int(rest[1])
                r = self.cell(park, "hazards_rectified", a, b)
                o = self.cell(park, "hazards_open", a, b)
                self.add(self.comb((1, r), (1, o), (-1, self.cell(park, HAZARD, a, b))), 0, 0)
            if measure == "hazards_overdue":
                a, b = int(rest[0]), int(rest[1])
                o = self.cell(park, "hazards_open", a, b)
                self.add(self.comb((1, o), (-1, {self.index[name]: 1.0})), 0, math.inf)
        cats = defaultdict(set)  # per park and month, categories named on some page
        for name in self.index:
            park, measure, *rest = name.split("|")
            if measure.startswith(HAZARD + ":") and len(rest) == 1:
                cats[(park, rest[0])].add(self.index[name])
        for (park, m), parts in cats.items():
            total = self.var(f"{park}|{HAZARD}|{m}", True)
            self.add({total: 1.0, **{i: -1.0 for i in parts}}, 0, math.inf)

    def bounds(
        self, targets: dict[str, dict[int, float]], protect: dict[str, float] | None = None
    ) -> dict[str, tuple[float, float]]:
        """[min, max] of each target over everything the outsider knows.

        With ``protect`` (target → its protection band [x − δ, x + δ] as (x, δ)), a side is
        solved only when no solution found so far already reaches past the band on that side:
        the outsider cannot exclude those solutions, so the side is protected, and the
        interval returned is the widest one witnessed (inside the true one).
        """
        n = len(self.index)
        r, c, v, lo, hi = [], [], [], [], []
        for k, (coeffs, low, high) in enumerate(self.rows):
            for i, w in coeffs.items():
                if w:
                    r.append(k)
                    c.append(i)
                    v.append(w)
            lo.append(low)
            hi.append(high)
        matrix = coo_matrix((v, (r, c)), shape=(len(self.rows), n)).tocsr()
        cons = [LinearConstraint(matrix, lo, hi)] if self.rows else []
        integrality = np.array(self.integer, dtype=int)
        box = Bounds(np.zeros(n), np.full(n, CAP))  # a bound CAP stands for "unbounded"
        pool: list[np.ndarray] = []
        out = {}
        for label, coeffs in targets.items():
            obj = np.zeros(n)
            for i, w in coeffs.items():
                obj[i] = w
            seen = [float(obj @ x) for x in pool]
            ends = []
            for sign in (1, -1):
                if protect is not None and seen:
                    x, band = protect[label]
                    far = min(seen) if sign == 1 else max(seen)
                    if (sign == 1 and far <= x - band - 1e-6) or (
                        sign == -1 and far >= x + band + 1e-6
                    ):
                        ends.append(far)
                        continue
                res = milp(sign * obj, constraints=cons, integrality=integrality, bounds=box,
                           options={"mip_rel_gap": 1e-9})  # fmt: skip
                assert res.status == 0, f"the outsider's programme is infeasible: {res.message}"
                pool.append(res.x)
                ends.append(math.inf if sign * res.fun >= CAP * 0.999 else sign * res.fun)
            out[label] = (ends[0], ends[1])
        return out
