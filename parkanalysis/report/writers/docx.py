"""DOCX writer: a document in the layout of Chinese official documents (GB/T 9704-2012).

* A4 portrait, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; a line grid of
  22 lines × 28 characters; page numbers 「— 1 —」 centred in the footer (宋体 4号).
* Title 方正小标宋简体 2号 (22 pt), centred; body 仿宋_GB2312 3号 (16 pt), first line indented two
  characters; 一级标题 (一、…) 黑体 3号; 二级标题 ((一)…) 楷体_GB2312 3号.
* East-Asian font names are set on ``w:eastAsia`` (Latin text in Times New Roman); the font
  table gives each one the font every Chinese Windows has as ``w:altName`` (仿宋, 楷体, 黑体,
  宋体), so Word substitutes sensibly where the GB2312 fonts are not installed.
* Tables are Word tables (style "Table Grid"), 五号 text, header row repeated on every page
  (``w:tblHeader``), rows not split across pages; caption 「表1 …」 above. Charts are pictures
  (PNG at :data:`~parkanalysis.report.model.FIGURE_DPI` dpi) with 「图1 …」 below; 资料来源
  lines follow their table or chart.

An office's own template: ``template.docx`` in the dataset folder (see :data:`TEMPLATE_NAME`).
Its page setup and its styles (Normal, Title, Heading 1, Heading 2, Caption, Table Grid) are
used as they are; the writer then only sets what a style cannot (header-row repetition).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from parkanalysis.report.model import (
    Document,
    Figure,
    Heading,
    ListBlock,
    Paragraph,
    Placeholder,
    RawHTML,
    Source,
    Table,
)

#: File name of an office's Word template inside the dataset folder.
TEMPLATE_NAME = "template.docx"
#: East-Asian fonts and the fonts Word uses where they are missing.
FONTS = {
    "title": ("方正小标宋简体", "宋体"),
    "body": ("仿宋_GB2312", "仿宋"),
    "h1": ("黑体", "SimHei"),
    "h2": ("楷体_GB2312", "楷体"),
    "page": ("宋体", "SimSun"),
}
LATIN = "Times New Roman"
BODY_PT = 16.0
#: 22 lines in the 225 mm text height of GB/T 9704.
LINE_PT = 28.95
#: 28 characters in the 156 mm text width.
CHAR_PITCH_PT = 156 / 25.4 * 72 / 28


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _set_fonts(target, east_asia: str, *, size: float | None = None, bold=None) -> None:
    """Set Latin and East-Asian font names (and size, bold) on a run or a style."""
    font = target.font
    font.name = LATIN
    if size is not None:
        from docx.shared import Pt

        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.find(_qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(_qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi"):
        rfonts.set(_qn(attr), LATIN)
    rfonts.set(_qn("w:eastAsia"), east_asia)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        rfonts.attrib.pop(_qn(attr), None)


def _style(doc, name: str, fallback: str = "Normal"):
    try:
        return doc.styles[name]
    except KeyError:
        return doc.styles[fallback]


def _setup_page(doc) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance, section.footer_distance = Mm(15), Mm(25)
        sect = section._sectPr
        grid = sect.find(_qn("w:docGrid"))
        if grid is None:
            grid = sect.makeelement(_qn("w:docGrid"), {})
            sect.append(grid)
        grid.set(_qn("w:type"), "linesAndChars")
        grid.set(_qn("w:linePitch"), str(round(LINE_PT * 20)))
        grid.set(_qn("w:charSpace"), str(round((CHAR_PITCH_PT - BODY_PT) * 4096)))


def _setup_styles(doc) -> None:
    """GB/T 9704 styles on python-docx's default template (not on an office's template)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    def para(style, *, indent=True, align=None, keep=False):
        pf = style.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(LINE_PT)
        pf.space_before = pf.space_after = Pt(0)
        pf.first_line_indent = Pt(2 * BODY_PT) if indent else Pt(0)
        pf.keep_with_next = keep
        pf.widow_control = True
        if align is not None:
            pf.alignment = align
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.italic = False

    normal = doc.styles["Normal"]
    _set_fonts(normal, FONTS["body"][0], size=BODY_PT)
    para(normal, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    title = doc.styles["Title"]
    _set_fonts(title, FONTS["title"][0], size=22, bold=False)
    para(title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    title.paragraph_format.line_spacing = Pt(LINE_PT * 1.2)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(_qn("w:pBdr")):
        ppr.remove(border)
    title.font.size = Pt(22)
    for name, key in (("Heading 1", "h1"), ("Heading 2", "h2"), ("Heading 3", "h2")):
        style = doc.styles[name]
        _set_fonts(style, FONTS[key][0], size=BODY_PT, bold=False)
        para(style, keep=True)
    caption = doc.styles["Caption"]
    _set_fonts(caption, FONTS["h1"][0], size=14, bold=False)
    para(caption, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)


def _add_font_alternates(doc) -> None:
    """Font-table entries with ``w:altName`` (what Word uses when a font is missing)."""
    from lxml import etree

    part = next(
        (p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"),
        None,
    )
    if part is None:
        return
    root = etree.fromstring(part.blob)
    have = {f.get(_qn("w:name")) for f in root.findall(_qn("w:font"))}
    for name, alt in FONTS.values():
        if name in have:
            continue
        font = etree.SubElement(root, _qn("w:font"), {_qn("w:name"): name})
        etree.SubElement(font, _qn("w:altName"), {_qn("w:val"): alt})
        etree.SubElement(font, _qn("w:charset"), {_qn("w:val"): "86"})
        etree.SubElement(font, _qn("w:family"), {_qn("w:val"): "modern"})
        etree.SubElement(font, _qn("w:pitch"), {_qn("w:val"): "fixed"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_numbers(doc) -> None:
    """「— 1 —」 centred in every footer (a PAGE field between two em dashes)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for section in doc.sections:
        footer = section.footer
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        for run in list(p.runs):
            run._r.getparent().remove(run._r)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = 0

        def run(text: str = "", p=p):
            r = p.add_run(text)
            _set_fonts(r, FONTS["page"][0], size=14)
            return r

        run("— ")
        for kind, text in (("begin", None), (None, " PAGE "), ("separate", None)):
            r = run()
            if kind:
                fld = r._r.makeelement(_qn("w:fldChar"), {_qn("w:fldCharType"): kind})
                r._r.append(fld)
            else:
                instr = r._r.makeelement(_qn("w:instrText"), {})
                instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                instr.text = text
                r._r.append(instr)
        run("1")
        end = run()
        end._r.append(end._r.makeelement(_qn("w:fldChar"), {_qn("w:fldCharType"): "end"}))
        run(" —")


def _clear_body(doc) -> None:
    body = doc.element.body
    for child in list(body):
        if child.tag != _qn("w:sectPr"):
            body.remove(child)


def new_document(template: str | os.PathLike | None = None):
    """A python-docx document: the office's template (body emptied) or GB/T 9704 defaults."""
    import docx

    if template is not None and Path(template).is_file():
        doc = docx.Document(str(template))
        _clear_body(doc)
        _page_numbers(doc)
        return doc
    doc = docx.Document()
    _clear_body(doc)
    _setup_page(doc)
    _setup_styles(doc)
    _add_font_alternates(doc)
    _page_numbers(doc)
    return doc


def _text_width(doc):
    section = doc.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def _small_para(p, *, size: float, align=None, indent: bool = False, keep: bool = False):
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = Pt(2 * size) if indent else Pt(0)
    pf.keep_with_next = keep
    if align is not None:
        pf.alignment = align
    return p


def _run(p, text: str, *, font: str | None = None, size: float | None = None, bold=None):
    r = p.add_run(text)
    if font is not None or size is not None or bold is not None:
        _set_fonts(r, font or FONTS["body"][0], size=size, bold=bold)
    return r


def _table(doc, table: Table, label: str | None) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if table.caption or label:
        cap = doc.add_paragraph(style=_style(doc, "Caption"))
        cap.paragraph_format.keep_with_next = True
        _run(cap, " ".join(x for x in (label, table.caption) if x))
    size = 10.5 if len(table.columns) <= 6 else 9.0  # 五号; 小五 for wide tables
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    if "Table Grid" in {s.name for s in doc.styles}:  # a template may lack it
        grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = True
    text_cols = set(table.text_columns)
    for r, values in enumerate([table.columns, *table.rows]):
        row = grid.rows[r]
        trpr = row._tr.get_or_add_trPr()
        trpr.append(trpr.makeelement(_qn("w:cantSplit"), {}))
        if r == 0:
            trpr.append(trpr.makeelement(_qn("w:tblHeader"), {}))
        for c, value in enumerate(values):
            cell = row.cells[c]
            p = cell.paragraphs[0]
            if r == 0 or c == 0:
                align = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else WD_ALIGN_PARAGRAPH.LEFT
            else:
                align = WD_ALIGN_PARAGRAPH.LEFT if c in text_cols else WD_ALIGN_PARAGRAPH.RIGHT
            _small_para(p, size=size, align=align)
            _run(
                p,
                "—" if value is None else str(value),
                font=FONTS["h1"][0] if r == 0 else FONTS["body"][0],
                size=size,
                bold=False,
            )
    _source(doc, table.source)


def _figure(doc, figure: Figure, label: str | None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Emu

    p = doc.add_paragraph()
    _small_para(p, size=BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    width = Emu(int(_text_width(doc)))
    p.add_run().add_picture(io.BytesIO(figure.png_bytes()), width=width)
    cap = doc.add_paragraph(style=_style(doc, "Caption"))
    _run(cap, " ".join(x for x in (label, figure.caption or figure.alt) if x))
    _source(doc, figure.source)


def _source(doc, text: str | None) -> None:
    if not text:
        return
    p = doc.add_paragraph()
    _small_para(p, size=12)
    _run(p, f"资料来源:{text}", size=12)


def write_docx(
    document: Document, path: str | os.PathLike, *, template: str | os.PathLike | None = None
) -> Path:
    """Write ``document`` as a Word file at ``path`` (atomically) and return the path."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX

    from parkanalysis._io import atomic_write

    doc = new_document(template)
    for block, label in document.numbered():
        if isinstance(block, Heading):
            if block.level == 1:
                doc.add_paragraph(block.text, style=_style(doc, "Title"))
            else:
                name = "Heading 1" if block.level == 2 else "Heading 2"
                doc.add_paragraph(block.text, style=_style(doc, name))
        elif isinstance(block, Paragraph):
            if block.role == "subtitle":
                p = doc.add_paragraph(block.text)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.paragraph_format.first_line_indent = 0
            elif block.role == "note":
                p = doc.add_paragraph()
                _run(p, block.text, size=14)
            elif block.role == "banner":
                p = doc.add_paragraph()
                _run(p, block.text, font=FONTS["h1"][0], size=BODY_PT)
            else:
                doc.add_paragraph(block.text)
        elif isinstance(block, ListBlock):
            for i, item in enumerate(block.items, 1):
                doc.add_paragraph(f"{i}.{item}" if block.ordered else f"· {item}")
        elif isinstance(block, Table):
            _table(doc, block, label)
        elif isinstance(block, Figure):
            _figure(doc, block, label)
        elif isinstance(block, Source):
            _source(doc, block.text)
        elif isinstance(block, Placeholder):
            p = doc.add_paragraph()
            _run(p, block.text).font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif isinstance(block, RawHTML):
            import html
            import re

            text = html.unescape(re.sub(r"<[^>]+>", "", block.html)).strip()
            if text:
                doc.add_paragraph(text)
    doc.core_properties.title = document.title
    doc.core_properties.author = ""
    buffer = io.BytesIO()
    doc.save(buffer)
    return atomic_write(Path(path), buffer.getvalue())
