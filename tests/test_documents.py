"""The 工作总结 as a whole document: Word (GB/T 9704 layout) and A4 PDF beside the HTML.

The sample's 2016H1 report is rendered once through the command line users run
(``parkanalysis render period … --format html,docx,pdf``); the DOCX is opened with
python-docx, the PDF read with poppler (pdfinfo, pdftotext -bbox, pdfimages) and its pages
saved as PNG in the session's screenshot folder. Expected values come from the HTML and from
the office's texts file, not from the writers.
"""

from __future__ import annotations

import html as htmllib
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from conftest import SAMPLE
from pdf_layout import (
    cjk_count,
    docx_cells,
    is_body_line,
    lone_rows,
    page_count,
    pages_ending_in_a_colon,
    pdf_lines,
    short_wraps,
    table_pages,
)

from tests.helpers import LIBREOFFICE, POPPLER, require_chromium, require_tool

CLI = Path(sys.executable).parent / "parkanalysis"
TITLE = "工贸园2016年上半年工作总结"
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def poppler() -> None:
    """The poppler tools the PDF checks read with (skipped, or failed under CI, without)."""
    for tool in POPPLER:
        require_tool(tool)


needs_poppler = pytest.mark.usefixtures("poppler")


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def h1(tmp_path_factory) -> dict[str, Path]:
    """The sample's 2016H1 report in three formats, rendered by the command line."""
    require_chromium()  # the PDF is printed by Chromium, found as the package finds it
    out = tmp_path_factory.getbasetemp() / "documents"
    done = cli(
        "render",
        "period",
        "--data",
        str(SAMPLE),
        "--period",
        "2016H1",
        "--format",
        "html,docx,pdf",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    files = {p.suffix[1:]: p for p in out.iterdir() if p.is_file()}
    assert sorted(files) == ["docx", "html", "pdf"]
    return files


def office_paragraphs(topic_word: str) -> list[str]:
    """Paragraphs of the sample's texts file that mention ``topic_word`` (read directly), in
    Chinese form (full-width punctuation: every text of a report is, tests/test_form.py)."""
    from parkanalysis.report.form import chinese_form

    text = (SAMPLE / "texts" / "2016H1.md").read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [chinese_form(p) for p in paras if topic_word in p and not p.startswith("#")]


def html_images(page: str) -> list[str]:
    return [htmllib.unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]*)"', page)]


def html_tables(page: str) -> int:
    return len(re.findall(r"<table\b", page))


# ---------------------------------------------------------------------------- the command
def test_render_writes_three_files_named_after_the_title(h1):
    assert h1["docx"].name == f"{TITLE}.docx"
    assert h1["pdf"].name == f"{TITLE}.pdf"
    assert h1["html"].name == f"{TITLE}.html"  # the HTML too (parkanalysis.report.naming)
    page = h1["html"].read_text(encoding="utf-8")
    assert f"<title>{TITLE}</title>" in page


def test_office_text_and_renumbered_sections_in_the_html(h1):
    page = h1["html"].read_text(encoding="utf-8")
    infra = office_paragraphs("柳林路")
    assert infra and all(htmllib.escape(p, quote=False) in page for p in infra)

    def heading_texts(level: int) -> list[str]:
        return [
            htmllib.unescape(re.sub(r"<[^>]+>|¶", "", h)).strip()
            for h in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", page, re.S)
        ]

    # the seed's three parts: 总结, 存在问题, 计划 (no appendix in the 上报稿)
    assert heading_texts(2) == ["一、上半年主要工作完成情况", "二、存在问题", "三、下半年工作计划"]
    numerals = "一二三四五六七八九十"
    parts = [h for h in heading_texts(3) if h.startswith("（")]
    first = parts[: parts.index("（一）发挥区位优势，推动转型升级")]  # the plan's own (一)…
    assert [h[1 : h.index("）")] for h in first] == list(numerals[: len(first)])
    titles = [h.split("）", 1)[1] for h in first]
    # the office's order: 基础设施 after 经济运行, 党的建设 after 安全生产
    assert titles.index("基础设施建设") == titles.index("经济运行") + 1
    assert titles.index("党的建设") == titles.index("安全生产") + 1
    assert titles[-1] == "党的建设"
    # the only blank is the one the office left in a sentence (免除费用), shown as written
    assert page.count("【待填写") == 1 and "担保费用【待填写】万元" in page


# ---------------------------------------------------------------------------- Word
def test_docx_page_layout_is_gbt_9704(h1):
    d = docx.Document(str(h1["docx"]))
    for section in d.sections:
        assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
        margins = [section.top_margin, section.bottom_margin, section.left_margin]
        assert [round(m.mm) for m in [*margins, section.right_margin]] == [37, 35, 28, 26]
        footer = section.footer._element.xml
        assert "PAGE" in footer and "— " in footer and " —" in footer
    qn = docx.oxml.ns.qn
    normal = d.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    title = d.styles["Title"]
    assert title.font.size.pt == 22
    assert title.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    h1_font = d.styles["Heading 1"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
    h2_font = d.styles["Heading 2"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
    assert (h1_font, h2_font) == ("黑体", "楷体_GB2312")
    # 22 lines a page: exact line spacing = text height / 22
    text_height_pt = (297 - 37 - 35) * MM
    assert abs(normal.paragraph_format.line_spacing.pt - text_height_pt / 22) < 0.3
    # 「内部资料 注意保存」 stands above the title on the internal copy (GB/T 9704: top left)
    first = 1 if d.paragraphs[0].text == "内部资料 注意保存" else 0
    assert d.paragraphs[first].style.name == "Title" and d.paragraphs[first].text == TITLE
    if first:  # top left, not centred like the lines under the title
        left = docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT
        assert (
            d.paragraphs[0].alignment == left
            and not d.paragraphs[0].paragraph_format.first_line_indent
        )


def test_docx_tables_are_word_tables_with_repeated_headers(h1):
    d = docx.Document(str(h1["docx"]))
    page = h1["html"].read_text(encoding="utf-8")
    assert len(d.tables) == html_tables(page) > 0
    qn = docx.oxml.ns.qn
    for table in d.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    # the indicator table holds the HTML's figures, cell by cell
    economy = next(t for t in d.tables if t.rows[0].cells[0].text == "指标")
    html_table = re.search(r"<table\b.*?</table>", page, re.S).group(0)
    cells = [
        htmllib.unescape(c)
        for c in re.findall(r"<td[^>]*>(.*?)</td>", html_table.split("<tbody>")[1], re.S)
    ]
    word = [c.text for row in economy.rows[1:] for c in row.cells]
    assert word == cells


def test_docx_captions_numbered_and_sources(h1):
    d = docx.Document(str(h1["docx"]))
    page = h1["html"].read_text(encoding="utf-8")
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    tables = [c for c in captions if c.startswith("表")]
    figures = [c for c in captions if c.startswith("图")]
    assert [c.split(" ")[0] for c in tables] == [f"表{i}" for i in range(1, len(tables) + 1)]
    assert [c.split(" ")[0] for c in figures] == [f"图{i}" for i in range(1, len(figures) + 1)]
    alts = html_images(page)
    assert [c.split(" ", 1)[1] for c in figures] == alts
    assert len(d.inline_shapes) == len(alts)
    for shape in d.inline_shapes:  # charts at print resolution: ≥ 180 dpi at their size
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = d.part.related_parts[blip.embed].image
        assert image.px_width / shape.width.inches >= 180
    sources = [p.text for p in d.paragraphs if p.text.startswith("资料来源：")]
    assert len(sources) == page.count('class="pa-source"') > 0


def test_docx_holds_the_office_paragraphs(h1):
    d = docx.Document(str(h1["docx"]))
    texts = [p.text for p in d.paragraphs]
    for topic in ("柳林路", "58项服务", "500万元", "两学一做", "双拥"):
        expected = office_paragraphs(topic)
        assert expected, topic
        assert all(p in texts for p in expected), topic
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、上半年主要工作完成情况", "二、存在问题", "三、下半年工作计划"]
    parts = [p.text for p in d.paragraphs if p.style.name == "Heading 2"]
    assert "（二）基础设施建设" in parts
    # the blank of the 融资服务 paragraph is highlighted as a placeholder is
    blank = next(p for p in d.paragraphs if "免除利息和担保费用" in p.text)
    marked = [r.text for r in blank.runs if r.font.highlight_color]
    assert marked == ["【待填写】"]


@needs_poppler  # the page count is read with pdfinfo
def test_docx_converts_with_libreoffice(h1, tmp_path, output_dir):
    """LibreOffice lays the Word file out as Chromium lays out the PDF: about as many pages,
    28 characters a body line, no table cell wrapping after fewer than 6 characters.

    Before: 48 pages against 17, 14 characters a line, 表1's header cells 1 character a line
    (LibreOffice gave each 16 pt character two cells of a 15.79 pt character grid; the
    tables were laid out automatically into narrow columns)."""
    office = require_tool(*LIBREOFFICE)  # `make test` installs libreoffice-writer-nogui
    profile = tmp_path / "profile"  # its own profile: parallel runs do not collide
    done = subprocess.run(
        [
            office,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(h1["docx"]),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    pdf = tmp_path / (h1["docx"].stem + ".pdf")
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(output_dir / "h1_lo_page")])
    pages, chromium = page_count(pdf), page_count(h1["pdf"])
    assert abs(pages - chromium) <= 0.15 * chromium, (pages, chromium)
    lines = pdf_lines(pdf)
    body = [n for n in (cjk_count(line) for line in lines if is_body_line(line)) if n]
    assert body and 26 <= max(body) <= 28, max(body, default=None)
    cells = docx_cells(h1["docx"])
    assert cells
    wraps = short_wraps(lines, cells)
    assert not wraps, wraps[:10]
    tables = table_pages(pdf, h1["docx"])
    assert len(tables) == len(docx.Document(str(h1["docx"])).tables)
    assert not lone_rows(tables)
    assert not pages_ending_in_a_colon(pdf)


def test_docx_is_tagged_simplified_chinese(h1):
    """East-Asian text is zh-CN (a writer without the named fonts falls back to a simplified
    Chinese one; python-docx's template said ja-JP)."""
    import zipfile

    with zipfile.ZipFile(h1["docx"]) as z:
        styles, settings, body = (
            z.read(f"word/{n}.xml").decode() for n in ("styles", "settings", "document")
        )
    default = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S).group(0)
    assert re.search(r'<w:lang [^>]*w:eastAsia="zh-CN"', default)
    assert re.search(r'<w:themeFontLang [^>]*w:eastAsia="zh-CN"', settings)
    tags = re.findall(r'w:eastAsia="([a-z]{2}-[A-Z]{2})"', styles + settings + body)
    assert set(tags) == {"zh-CN"}


def test_docx_tables_are_laid_out_in_absolute_units(h1):
    """Every table: fixed layout, width in dxa = the text width, grid columns and cells in
    dxa summing to it; every column wide enough for 6 characters of its cells or its longest
    cell; captions kept with their tables and pictures within the text width."""
    from parkanalysis.report.writers.docx import MIN_CHARS, text_em

    d = docx.Document(str(h1["docx"]))
    qn = docx.oxml.ns.qn
    section = d.sections[-1]
    text_width = round((section.page_width - section.left_margin - section.right_margin) / 635)
    for table in d.tables:
        tblpr = table._tbl.tblPr
        width = tblpr.find(qn("w:tblW"))
        assert width.get(qn("w:type")) == "dxa" and int(width.get(qn("w:w"))) == text_width
        assert tblpr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) == text_width
        for row in table.rows:
            tcw = [c._tc.tcPr.find(qn("w:tcW")) for c in row.cells]
            assert [w.get(qn("w:type")) for w in tcw] == ["dxa"] * len(grid)
            assert [int(w.get(qn("w:w"))) for w in tcw] == grid
        size = next(r.font.size.pt for r in table.rows[1].cells[0].paragraphs[0].runs)
        for c, column in enumerate(table.columns):
            texts = [re.sub(r"\s", "", cell.text) for cell in column.cells]
            need = max(min(text_em(t), MIN_CHARS) for t in texts)  # 6 characters or all
            assert grid[c] >= need * size * 20, (table.rows[0].cells[0].text, c, texts[:3])
        paragraphs = [p for p in table._tbl.itersiblings(preceding=True)][:1]
        caption = docx.text.paragraph.Paragraph(paragraphs[0], d._body)
        assert caption.style.name == "Caption" and caption.paragraph_format.keep_with_next
    for shape in d.inline_shapes:
        assert shape.width <= section.page_width - section.left_margin - section.right_margin


def test_docx_tables_never_leave_a_lone_row(h1, tmp_path):
    """Keep-with-next on table rows: a short table stays on one page, a long one carries
    two rows under its header onto a page and leaves two rows on its last page."""
    from parkanalysis.report.writers.docx import KEEP_WHOLE_ROWS

    d = docx.Document(str(h1["docx"]))
    qn = docx.oxml.ns.qn
    lengths = set()
    for table in d.tables:
        keeps = [
            all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)
            for row in table.rows
        ]
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)
        rows = len(keeps) - 1
        lengths.add(rows <= KEEP_WHOLE_ROWS)
        if rows <= KEEP_WHOLE_ROWS:
            assert all(keeps[:-1]), table.rows[0].cells[0].text
        else:
            assert keeps[0] and keeps[1] and keeps[-2], table.rows[0].cells[0].text
    assert lengths == {True, False}  # the sample has both kinds
    # a paragraph that opens a table (「…如下：」) stays with it: the 上报稿 has none (the
    # 工作稿's 数据校验提示 has), so a document of that shape is written here
    from parkanalysis.report.model import Document, Paragraph, Table
    from parkanalysis.report.writers.docx import write_docx

    table = Table(["甲", "乙"], [["1", "2"]], caption="表")
    document = Document("测试", [Paragraph("数据校验提示3处，请核对:"), table])
    written = docx.Document(str(write_docx(document, tmp_path / "lead_in.docx")))
    lead_ins = [
        p
        for p, after in itertools.pairwise(written.paragraphs)
        if p.text.endswith((":", "：")) and after.style.name == "Caption"
    ]
    assert lead_ins and all(p.paragraph_format.keep_with_next for p in lead_ins)


# ---------------------------------------------------------------------------- PDF
def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _words(pdf: Path) -> list[dict]:
    """Every word with its page and box (pdftotext -bbox)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for number, page in enumerate(out.split("<page ")[1:], 1):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        ):
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            words.append(
                {"page": number, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "text": m.group(5)}
            )
    return words


@needs_poppler
def test_pdf_is_a4_with_page_numbers(h1):
    info = subprocess.run(["pdfinfo", str(h1["pdf"])], capture_output=True, text=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(w), round(h)) == (595, 842)
    pages = _pdf_pages(h1["pdf"])
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert re.search(rf"—\s*{number}\s*—", text), f"page {number} has no 「— {number} —」"


@needs_poppler
def test_pdf_has_every_figure_and_table_of_the_html(h1):
    page = h1["html"].read_text(encoding="utf-8")
    alts = html_images(page)
    listing = subprocess.run(
        ["pdfimages", "-list", str(h1["pdf"])], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    images = [line for line in listing if line.split()[2] == "image"]
    assert len(images) == len(alts)
    text = re.sub(r"\s+", "", "".join(_pdf_pages(h1["pdf"])))
    for i, alt in enumerate(alts, 1):
        assert f"图{i}{alt}".replace(" ", "") in text
    for i in range(1, html_tables(page) + 1):
        assert f"表{i}" in text
    for topic in ("柳林路", "八通一平", "58项服务"):
        assert topic in text


@needs_poppler
def test_pdf_tables_leave_no_lone_row(h1):
    """Chromium's PDF keeps a caption with rows under it and never leaves a single row of a
    table on a page (print.css; the sample's 表4 left one row, 表12 one under its header),
    nor a lead-in 「…:」 at the foot of a page without its table."""
    tables = table_pages(h1["pdf"], h1["docx"])
    assert any(len(set(pages)) > 1 for _caption, pages in tables)  # one table is split
    assert not lone_rows(tables)
    assert not pages_ending_in_a_colon(h1["pdf"])


@needs_poppler
def test_pdf_text_stays_inside_the_margins(h1):
    words = _words(h1["pdf"])
    assert words
    right = 595.28 - 26 * MM + 1.0
    left = 28 * MM - 1.0
    outside = [w for w in words if w["x1"] > right or w["x0"] < left]
    assert not outside, outside[:5]


def _last_lines_are_not_headings(pdf: Path, page_html: str) -> int:
    """Assert no page ends with a heading of ``page_html``; return the number of pages."""
    words = _words(pdf)
    headings = [
        htmllib.unescape(re.sub(r"<[^>]+>|¶", "", h)).strip().replace(" ", "")
        for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", page_html, re.S)
    ]
    assert headings
    lines: dict[int, list[tuple[float, str]]] = {}
    for w in words:  # lines of each page
        rows = lines.setdefault(w["page"], [])
        for i, (y, text) in enumerate(rows):
            if abs(y - w["y0"]) < 3:
                rows[i] = (y, text + w["text"])
                break
        else:
            rows.append((w["y0"], w["text"]))
    for number, rows in lines.items():
        rows.sort()
        body = [t for _y, t in rows if not re.fullmatch(r"—\d+—", t)]  # page number left out
        assert body and body[-1] not in headings, f"page {number} ends with {body[-1]}"
    return len(lines)


@needs_poppler
def test_pdf_headings_are_never_last_on_a_page(h1, output_dir):
    pages = _last_lines_are_not_headings(h1["pdf"], h1["html"].read_text(encoding="utf-8"))
    # the pages as images, for a person to look at
    prefix = output_dir / "h1_pdf_page"
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(h1["pdf"]), str(prefix)], check=True)
    shots = sorted(output_dir.glob("h1_pdf_page*.png"))
    assert len(shots) == pages
    print(f"PDF pages: {shots[0].parent}/h1_pdf_page-*.png")


@needs_poppler
def test_the_html_page_prints_on_a4_too(h1, tmp_path, output_dir):
    """The HTML report itself (print from a browser) gets the same page rule."""
    from parkanalysis.report.writers.pdf import print_pdf

    page = h1["html"].read_text(encoding="utf-8")
    pdf = print_pdf(page, tmp_path / "html.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(w), round(h)) == (595, 842)
    for number, text in enumerate(_pdf_pages(pdf), 1):
        assert re.search(rf"—\s*{number}\s*—", text), f"page {number} has no number"
    right, left = 595.28 - 26 * MM + 1.0, 28 * MM - 1.0
    outside = [w for w in _words(pdf) if w["x1"] > right or w["x0"] < left]
    assert not outside, outside[:5]  # no table cut at the right edge
    _last_lines_are_not_headings(pdf, page)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(output_dir / "h1_html_print")])


# ---------------------------------------------------------------------------- office texts
def _copy_data(tmp_path: Path, *, texts: str | None) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for path in SAMPLE.iterdir():
        if path.is_file():
            shutil.copy2(path, data / path.name)
    if texts is not None:
        (data / "texts").mkdir()
        (data / "texts" / "2016H1.md").write_text(texts, encoding="utf-8")
    return data


def test_missing_topics_get_placeholders_internally_never_in_share(reports, tmp_path):
    texts = "## 基础设施建设\n\n道路 <script>alert(1)</script> & 亮化已到位。\n\n## 党的建设\n"
    data = _copy_data(tmp_path, texts=texts)
    rendered = reports.render(
        "h1_placeholders", "period", data=data, period="2016H1", formats=("html", "docx")
    )
    internal = rendered.html
    word = docx.Document(str(next(rendered.path.parent.glob("*.docx"))))
    marked = [
        p.text
        for p in word.paragraphs
        if p.text.startswith("【待填写") and any(r.font.highlight_color for r in p.runs)
    ]
    assert marked == ["【待填写：党的建设】", "【待填写：下半年工作计划】"]
    assert "道路 &lt;script&gt;alert(1)&lt;/script&gt; &amp; 亮化已到位。" in internal
    assert "<script>alert" not in internal
    assert "【待填写：党的建设】" in internal  # a heading without text
    assert "【待填写：下半年工作计划】" in internal  # a topic the file lacks
    assert "【待填写：基础设施建设】" not in internal
    shared = reports.render(
        "h1_placeholders_share",
        "period",
        data=data,
        period="2016H1",
        share=True,
        formats=("html", "docx"),
    )
    share = shared.html
    word = docx.Document(str(next(shared.path.parent.glob("*.docx"))))
    assert not [p.text for p in word.paragraphs if "【待填写" in p.text]
    assert "【待填写" not in share
    assert "亮化已到位" in share
    assert "党的建设" not in share and "下半年工作计划" not in share


def test_month_reports_without_texts_are_unchanged(reports):
    page = reports["period"].html  # 2016年1-5月: no texts file, no expected topics
    assert "【待填写" not in page and "基础设施建设" not in page


def test_word_template_of_the_office_is_used(tmp_path):
    from docx.shared import Mm, Pt

    from parkanalysis.report.model import Document, Heading, Paragraph, Table
    from parkanalysis.report.writers.docx import write_docx

    template = docx.Document()
    template.styles["Normal"].font.size = Pt(12)
    template.styles["Heading 1"].font.size = Pt(18)
    template.sections[0].left_margin = Mm(40)
    template.add_paragraph("模板自带的文字")
    path = tmp_path / "template.docx"
    template.save(str(path))
    document = Document(
        "测试",
        [
            Heading("测试", 1),
            Heading("一、概况", 2),
            Paragraph("正文"),
            Table(["甲", "乙"], [["1", "2"]], caption="表格"),
        ],
    )
    out = write_docx(document, tmp_path / "out.docx", template=path)
    d = docx.Document(str(out))
    assert d.styles["Normal"].font.size.pt == 12
    assert d.styles["Heading 1"].font.size.pt == 18
    assert round(d.sections[0].left_margin.mm) == 40
    assert [p.text for p in d.paragraphs][:3] == ["测试", "一、概况", "正文"]
    assert "模板自带的文字" not in [p.text for p in d.paragraphs]
    assert len(d.tables) == 1


# ---------------------------------------------------------------------------- refusals
def test_unknown_format_is_refused(tmp_path):
    done = cli(
        "render", "period", "--data", str(SAMPLE), "--period", "2016H1", "--format", "html,odt",
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 2
    assert "odt" in done.stderr and "html、docx、pdf" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_missing_chromium_is_refused_before_anything_is_written(tmp_path):
    env = {**__import__("os").environ, "PARKANALYSIS_CHROMIUM": str(tmp_path / "no-chromium")}
    done = cli(
        "render", "period", "--data", str(SAMPLE), "--period", "2016H1", "--format", "pdf",
        "--out", str(tmp_path / "out"), env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert "PDF" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_document_file_names_are_safe():
    from parkanalysis.render import document_filename

    assert document_filename("园区/2016:上半年?", ".docx", "x") == "园区_2016_上半年_.docx"
    assert document_filename("../..", ".pdf", "GMY_2016H1_period") == "GMY_2016H1_period.pdf"
    assert document_filename("x" * 200, ".pdf", "f") == "x" * 80 + ".pdf"


def test_batch_index_links_every_format(tmp_path):
    require_chromium()
    from parkanalysis.batch import Job, run_batch

    out = tmp_path / "batch"
    job = Job(
        "period",
        {"data": str(SAMPLE), "park": None, "share": False, "period": "2016H1"},
        str(out),
        label="2016年上半年",
        formats=("html", "docx", "pdf"),
    )
    summary = run_batch(data=SAMPLE, year=2016, jobs=[job], workers=1, progress=False)
    assert summary.ok, summary.describe()
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in (f"{TITLE}.html", f"{TITLE}.docx", f"{TITLE}.pdf"):
        assert (out / name).is_file()
        assert f'href="{htmllib.escape(name, quote=True)}"' in index
    # a second run reuses every file and still links them
    again = run_batch(data=SAMPLE, year=2016, jobs=[job], workers=1, progress=False)
    assert [r.status for r in again.results] == ["cached"]
    assert f'href="{TITLE}.pdf"' in (out / "index.html").read_text(encoding="utf-8")


def _merged_headings(tmp_path, text: str | bytes, *, period="2016H1", share=False):
    from parkanalysis.render import parameterize

    data = tmp_path / "data"
    (data / "texts").mkdir(parents=True)
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    (data / "texts" / "2016H1.md").write_bytes(raw)
    nb = parameterize("period", {"data": str(data), "period": period, "share": share})
    return [
        c.source for c in nb.cells if c.cell_type == "markdown" and not c.source.startswith("<!--")
    ]


def test_office_sections_merge_in_file_order(tmp_path):
    text = (
        "# 工贸园上半年工作总结\n\n开篇一段。\n\n"
        "## 企业服务\n\n服务一段。\n\n"
        "## (一)招商引资\n\n招商一段。\n\n"
        "## 一、经济运行\n\n经济一段。\n\n"
        "## 基础设施建设\n\n基础一段。\n\n## 党的建设\n\n党建。\n\n## 下半年工作计划\n\n计划。\n"
    )
    cells = _merged_headings(tmp_path, text)
    headings = [c for c in cells if c.startswith("## ")]
    # a new section goes after the one before it in the file: 招商引资 after 企业服务; the
    # file then names 经济运行, so 基础设施建设, 党的建设 and the plan follow that one
    # the plan is always the part after 存在问题 (the seed's order); the appendix
    # (附:数据说明与核对) and the 落款 are tagged code cells that stay last
    assert headings == ["## 一、上半年主要工作完成情况", "## 二、存在问题", "## 三、下半年工作计划"]
    assert [c for c in cells if c.startswith("### ")] == [
        "### （一）经济运行",
        "### （二）基础设施建设",
        "### （三）党的建设",
        "### （四）土地开发利用",
        "### （五）项目建设",
        "### （六）企业服务与搬迁置换",
        "### （七）招商引资",
        "### （八）安全生产",
    ]
    assert cells[0] == "开篇一段。"  # the opening text, before the first section
    assert cells[cells.index("### （六）企业服务与搬迁置换") + 1] == "服务一段。"
    assert "工贸园上半年工作总结" not in "".join(cells)  # the report has its own title


def test_texts_that_are_not_utf8_are_refused_clearly(tmp_path):
    from parkanalysis.errors import DataError

    with pytest.raises(DataError, match=r"texts/2016H1\.md 第3行.*UTF-8"):
        _merged_headings(tmp_path, b"## Infra\n\n" + "道路。".encode("gb18030"))


def test_documents_are_cached_with_their_inputs_only(kernel_session, tmp_path):
    from parkanalysis.render import render_report

    data = _copy_data(tmp_path, texts="## 基础设施建设\n\n第一版。\n")
    out = tmp_path / "out"

    def run(formats):
        return render_report(
            "period", out_dir=out, session=kernel_session, formats=formats,
            data=str(data), period="2016H1",
        )  # fmt: skip

    assert run(("html", "docx")).status == "rendered"
    assert run(("html", "docx")).status == "cached"
    # the office edits its text, then renders the HTML only: the old Word file is stale
    (data / "texts" / "2016H1.md").write_text("## 基础设施建设\n\n第二版。\n", encoding="utf-8")
    assert run(("html",)).status == "rendered"
    again = run(("html", "docx"))
    assert again.status == "rendered"
    texts = [p.text for p in docx.Document(str(again.outputs["docx"])).paragraphs]
    assert "第二版。" in texts and "第一版。" not in texts


def test_a_section_draws_each_chart_once_for_the_page_and_the_json():
    """The page's image is the JSON's drawing (FIGURE_DPI), not a second drawing; a figure
    changed afterwards is drawn anew."""
    import base64

    from parkanalysis import plots
    from parkanalysis.report.display import Section
    from parkanalysis.report.model import MIME, Figure

    fig, ax = plots.new_figure()
    ax.bar(["一月", "二月"], [1, 2])
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    section = Section([Figure(alt="示例图表", fig=fig)])

    section.blocks[0].png_bytes()  # how many draw events one drawing makes
    per_drawing = len(draws)
    draws.clear()
    bundle = section._repr_mimebundle_()
    assert per_drawing > 0 and len(draws) == per_drawing

    page = re.search(r'src="data:image/png;base64,([^"]+)"', bundle["text/html"]).group(1)
    assert page == bundle[MIME]["blocks"][0]["png"]
    ax.set_title("改后")
    again = section._repr_mimebundle_()
    assert again[MIME]["blocks"][0]["png"] != bundle[MIME]["blocks"][0]["png"]
    assert base64.b64decode(page)[:4] == b"\x89PNG"
