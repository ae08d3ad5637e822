"""DOCX writer: a document in the layout of Chinese official documents (GB/T 9704-2012).

* A4 portrait, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; a line grid of
  22 lines × 28 characters; page numbers 「— 1 —」 centred in the footer (宋体 4号).
* Title 方正小标宋简体 2号 (22 pt), centred; body 仿宋_GB2312 3号 (16 pt), first line indented two
  characters; 一级标题 (一、…) 黑体 3号; 二级标题 ((一)…) 楷体_GB2312 3号.
* East-Asian font names are set on ``w:eastAsia`` (Latin text in Times New Roman); the font
  table gives each one the font every Chinese Windows has as ``w:altName`` (仿宋, 楷体, 黑体,
  宋体), so Word substitutes sensibly where the GB2312 fonts are not installed.
* Language zh-CN for East-Asian text (``w:lang w:eastAsia`` of the document defaults and
  ``w:themeFontLang``), so that a writer lacking the named fonts falls back to a simplified
  Chinese one (LibreOffice picked the Japanese face for a document tagged ja-JP).
* The grid is a line grid (``w:docGrid w:type="lines"``, pitch 28.95 pt); the 28 characters
  of a line come from the body's character spacing (−0.25 pt: 28 × 15.75 pt ≤ 156 mm), not
  from a character grid: LibreOffice gives every character wider than the pitch of a
  ``linesAndChars`` grid two cells (a 16 pt character in a 15.79 pt grid: 14 a line).
  Tables, figures and 资料来源 lines do not snap to the grid (``w:snapToGrid w:val="0"``).
* Tables are Word tables (style "Table Grid"), 五号 text (小五 beyond six columns or where
  五号 cannot give every column its least width, 六号 where 小五 cannot), laid out fixed in
  absolute units: ``w:tblW``, ``w:gridCol`` and every ``w:tcW`` in dxa, summing to the text
  width (:func:`column_widths`: a column is never narrower than its longest cell or
  :data:`MIN_CHARS` characters, whichever is less, nor than an unbreakable number or word).
  Header row repeated on every page (``w:tblHeader``), rows not split across pages; the
  caption 「表1 …」 above is kept with the table; a table of up to :data:`KEEP_WHOLE_ROWS`
  rows is kept on one page, a longer one starts with at least two rows under its header and
  leaves at least two on its last page (keep-with-next on those rows' paragraphs).
  Charts are pictures (PNG at :data:`~parkanalysis.report.model.FIGURE_DPI` dpi) at most the
  text width wide and :data:`FIGURE_MAX_HEIGHT_MM` high, kept with 「图1 …」 below; 资料来源
  lines follow their table or chart. A paragraph ending in a colon stays with the table or
  chart it introduces.

An office's own template: ``template.docx`` in the dataset folder (see :data:`TEMPLATE_NAME`).
Only its look is taken (:mod:`~parkanalysis.report.writers.template`: styles, numbering, fonts,
theme, page setup; relations, header/footer text, comments, properties and macros dropped);
its page setup and its styles (Normal, Title, Heading 1, Heading 2, Caption, Table Grid) are
used as they are; the writer then only sets what a style cannot (the zh-CN language, table
widths, header-row repetition, keep-with-next).
"""

from __future__ import annotations

import io
import os
import re
import struct
import unicodedata
from pathlib import Path

from parkanalysis.report.model import (
    BLANK,
    Document,
    Figure,
    Heading,
    ListBlock,
    Paragraph,
    Placeholder,
    RawHTML,
    Signature,
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
#: Character spacing of body text in twentieths of a point: 16 pt − 0.25 pt = 15.75 pt a
#: character, 28 of them in 441 pt ≤ 442.2 pt (the width of 156 mm).
BODY_SPACING_TW = -5
#: Language of East-Asian text.
LANG_EAST_ASIA = "zh-CN"
#: A table cell's line holds at least this many characters before it wraps.
MIN_CHARS = 6
#: Tables of up to so many data rows are kept on one page.
KEEP_WHOLE_ROWS = 10
#: Cell padding left and right (dxa, twentieths of a point): 1 mm; above and below: 1 pt.
CELL_PAD_DXA = 57
CELL_PAD_TOP_DXA = 20
#: Charts are at most this high (and at most the text width wide).
FIGURE_MAX_HEIGHT_MM = 150
#: Children of ``w:pPr`` that follow ``w:snapToGrid`` (ECMA-376 order).
_AFTER_SNAP = (
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
    "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
#: Children of ``w:rPr`` that follow ``w:spacing`` and ``w:lang``.
_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
    "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
    "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


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
        grid.set(_qn("w:type"), "lines")
        grid.set(_qn("w:linePitch"), str(round(LINE_PT * 20)))
        grid.attrib.pop(_qn("w:charSpace"), None)


def _child(parent, tag: str, successors: tuple[str, ...]):
    """``parent``'s child ``tag``, added in schema order when missing."""
    found = parent.find(_qn(tag))
    if found is None:
        found = parent.makeelement(_qn(tag), {})
        parent.insert_element_before(found, *successors)
    return found


def _no_grid_snap(p) -> None:
    """The paragraph keeps its own line height instead of the page's line grid."""
    ppr = p._p.get_or_add_pPr()
    _child(ppr, "w:snapToGrid", _AFTER_SNAP).set(_qn("w:val"), "0")


def _setup_language(doc) -> None:
    """East-Asian text is zh-CN: document defaults, theme fonts (an office template too)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    styles = doc.styles.element
    defaults = styles.find(_qn("w:docDefaults"))
    if defaults is None:
        defaults = parse_xml(f"<w:docDefaults {nsdecls('w')}/>")
        styles.insert(0, defaults)
    rpr_default = defaults.find(_qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = parse_xml(f"<w:rPrDefault {nsdecls('w')}><w:rPr/></w:rPrDefault>")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(_qn("w:rPr"))
    if rpr is None:
        rpr = parse_xml(f"<w:rPr {nsdecls('w')}/>")
        rpr_default.append(rpr)
    lang = _child(rpr, "w:lang", _AFTER_LANG)
    lang.set(_qn("w:eastAsia"), LANG_EAST_ASIA)
    if lang.get(_qn("w:val")) is None:
        lang.set(_qn("w:val"), "en-US")
    settings = doc.settings.element
    theme = settings.find(_qn("w:themeFontLang"))
    if theme is not None:
        theme.set(_qn("w:eastAsia"), LANG_EAST_ASIA)


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
    spacing = _child(normal.element.get_or_add_rPr(), "w:spacing", _AFTER_SPACING)
    spacing.set(_qn("w:val"), str(BODY_SPACING_TW))
    title = doc.styles["Title"]
    _set_fonts(title, FONTS["title"][0], size=22, bold=False)
    para(title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    title.paragraph_format.line_spacing = Pt(LINE_PT * 1.2)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(_qn("w:pBdr")):
        ppr.remove(border)
    title.font.size = Pt(22)
    for name, key, bold in (
        ("Heading 1", "h1", False),
        ("Heading 2", "h2", False),
        ("Heading 3", "body", True),  # 三级标题 (1.): 仿宋, bold
    ):
        style = doc.styles[name]
        _set_fonts(style, FONTS[key][0], size=BODY_PT, bold=bold)
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
        from parkanalysis.report.writers.template import sanitized_template

        doc = sanitized_template(template)  # its look only: no relations, text or macros
        _clear_body(doc)
        _setup_language(doc)
        _page_numbers(doc)
        return doc
    doc = docx.Document()
    _clear_body(doc)
    _setup_page(doc)
    _setup_language(doc)
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


def text_em(text: str) -> float:
    """Width of ``text`` in ems, on the wide side: a full-width character 1; ``%`` and capitals
    0.8; ``.,:;'()[]`` and spaces 0.4; anything else 0.6 (a digit of Times New Roman is 0.5,
    of DejaVu Serif, which LibreOffice puts in its place where it is missing, 0.64).

    >>> text_em("同比(%)"), text_em("5.08")
    (3.6, 2.2)
    """
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            width += 1.0
        elif ch == "%" or ch.isupper():
            width += 0.8
        elif ch in ".,:;'()[] ":
            width += 0.4
        else:
            width += 0.6
    return round(width, 6)


#: Characters a line may not end with (they go with what follows) and may not begin with.
_OPENING = "([{（【《〈“‘"
_CLOSING = ")]}%）】》〉”’，。、；：！？"


def _units(text: str) -> list[str]:
    """What a line break cannot split: a full-width character or a run of other printable
    characters, with opening brackets joined to what follows and closing punctuation to
    what precedes.

    >>> _units("增速比1-5月(百分点)")
    ['增', '速', '比', '1-5', '月', '(百', '分', '点)']
    """
    units: list[str] = []
    for unit in re.findall(r"[!-~]+|\S", text):
        if units and (units[-1][-1] in _OPENING or unit[0] in _CLOSING):
            units[-1] += unit
        else:
            units.append(unit)
    return units


def least_em(text: str) -> float:
    """The narrowest a cell may be: its whole text on one line, or lines that each hold at
    least :data:`MIN_CHARS` characters but the last, whichever is narrower. A line filled
    unit by unit (:func:`_units`) from any unit on must reach :data:`MIN_CHARS` characters.

    >>> least_em("指标"), least_em("增速比1-5月(百分点)"), least_em("全口径同比(%)")
    (2.0, 5.2, 6.6)
    >>> least_em("enterprises.csv")
    8.8
    """
    units = _units(text)
    if len(re.sub(r"\s", "", text)) < MIN_CHARS:
        return text_em(text)
    least = max(map(text_em, units))
    for i in range(len(units)):
        chars = 0
        for j in range(i, len(units)):
            chars += len(units[j])
            if chars >= MIN_CHARS:
                least = max(least, text_em("".join(units[i : j + 1])))
                break
        else:
            break  # the rest is shorter than a line: it is the last line
    return min(text_em(text), least)


def column_widths(cells: list[list[str]], size_pt: float, total: int) -> list[int] | None:
    """Widths (dxa) of the columns of ``cells`` (rows of strings) at ``size_pt``, summing to
    ``total``; None when even the narrowest allowed columns do not fit.

    Each column lies between its least width (:func:`least_em` of its widest cell) and the
    width of its longest cell on one line; the room beyond the least widths is shared in
    proportion to what each column lacks of its longest line (as a browser lays out an
    automatic table); when every cell fits on one line the rest is shared in proportion.
    Every width has :data:`CELL_PAD_DXA` on both sides and a quarter of an em to spare.

    >>> column_widths([["指标", "本期"], ["工业总产值(亿元)", "5.08"]], 10.5, 4000)
    [2967, 1033]
    >>> column_widths([["说明" * 40] * 9], 10.5, 8844) is None
    True
    """
    em = size_pt * 20
    pad = 2 * CELL_PAD_DXA + em / 4
    least = [max(least_em(c) for c in col) * em + pad for col in zip(*cells, strict=True)]
    most = [max(text_em(c) for c in col) * em + pad for col in zip(*cells, strict=True)]
    if sum(least) > total:
        return None
    if sum(most) <= total:
        widths = [m * total / sum(most) for m in most]
    else:
        share = (total - sum(least)) / (sum(most) - sum(least))
        widths = [lo + (hi - lo) * share for lo, hi in zip(least, most, strict=True)]
    out = [int(w) for w in widths]
    out[out.index(max(out))] += total - sum(out)
    return out


def _table_layout(doc, grid, widths: list[int]) -> None:
    """Fixed layout in absolute units: table, grid columns and cells in dxa."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Twips

    grid.autofit = False  # w:tblLayout fixed
    tblpr = grid._tbl.tblPr
    tblw = tblpr.find(_qn("w:tblW"))
    if tblw is None:
        tblw = tblpr.makeelement(_qn("w:tblW"), {})
        tblpr.append(tblw)
    tblw.set(_qn("w:type"), "dxa")
    tblw.set(_qn("w:w"), str(sum(widths)))
    margins = tblpr.find(_qn("w:tblCellMar"))
    if margins is not None:
        tblpr.remove(margins)
    margins = parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:top w:w="{CELL_PAD_TOP_DXA}" w:type="dxa"/>'
        f'<w:left w:w="{CELL_PAD_DXA}" w:type="dxa"/>'
        f'<w:bottom w:w="{CELL_PAD_TOP_DXA}" w:type="dxa"/>'
        f'<w:right w:w="{CELL_PAD_DXA}" w:type="dxa"/></w:tblCellMar>'
    )
    look = tblpr.find(_qn("w:tblLook"))
    (look.addprevious(margins) if look is not None else tblpr.append(margins))
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Twips(width)
        for cell in column.cells:
            cell.width = Twips(width)


def _table(doc, table: Table, label: str | None) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if table.caption or label:
        cap = doc.add_paragraph(style=_style(doc, "Caption"))
        cap.paragraph_format.keep_with_next = True
        _run(cap, " ".join(x for x in (label, table.caption) if x))
    cells = [
        [str(c) for c in table.columns],
        *[["—" if v is None else str(v) for v in row] for row in table.rows],
    ]
    total = int(_text_width(doc) / 635)  # EMU → dxa
    # 五号; 小五 for wide tables; 六号 where 小五 cannot give every column its least width
    sizes = (10.5, 9.0, 7.5) if len(table.columns) <= 6 else (9.0, 7.5)
    for size in sizes:
        widths = column_widths(cells, size, total)
        if widths is not None:
            break
    else:  # even 六号 cannot give every column its least width: share in proportion
        least = [max(least_em(c) for c in col) for col in zip(*cells, strict=True)]
        widths = [int(total * x / sum(least)) for x in least]
    grid = doc.add_table(rows=len(cells), cols=len(table.columns))
    if "Table Grid" in {s.name for s in doc.styles}:  # a template may lack it
        grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _table_layout(doc, grid, widths)
    last = len(cells) - 1
    # keep-with-next: a short table whole (with its 资料来源); a long one starts with two
    # rows under its header and leaves at least two rows on its last page
    if last <= KEEP_WHOLE_ROWS:
        keep = set(range(last + (1 if table.source else 0)))
    else:
        keep = {0, 1, last - 1} | ({last} if table.source else set())
    text_cols = set(table.text_columns)
    for r, values in enumerate(cells):
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
            _small_para(p, size=size, align=align, keep=r in keep)
            _no_grid_snap(p)
            _run(
                p,
                value,
                font=FONTS["h1"][0] if r == 0 else FONTS["body"][0],
                size=size,
                bold=False,
            )
    _source(doc, table.source)


def _png_size(png: bytes) -> tuple[int, int] | None:
    """Pixel width and height of a PNG (from its IHDR chunk).

    >>> _png_size(bytes.fromhex("89504e470d0a1a0a0000000d49484452") + struct.pack(">II", 4, 3))
    (4, 3)
    """
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", png[16:24])


def _figure(doc, figure: Figure, label: str | None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Emu, Mm

    p = doc.add_paragraph()
    _small_para(p, size=BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    _no_grid_snap(p)
    png = figure.png_bytes()
    width = int(_text_width(doc))
    size = _png_size(png)
    if size and size[0]:
        width = min(width, int(Mm(FIGURE_MAX_HEIGHT_MM) * size[0] / size[1]))
    p.add_run().add_picture(io.BytesIO(png), width=Emu(width))
    cap = doc.add_paragraph(style=_style(doc, "Caption"))
    cap.paragraph_format.keep_with_next = bool(figure.source)
    _run(cap, " ".join(x for x in (label, figure.caption or figure.alt) if x))
    _source(doc, figure.source)


def _source(doc, text: str | None) -> None:
    if not text:
        return
    p = doc.add_paragraph()
    _small_para(p, size=12)
    _no_grid_snap(p)
    _run(p, f"资料来源：{text}", size=12)


def _text(p, text: str):
    """``text`` as runs of ``p``, each blank (【待填写】) highlighted as a placeholder is."""
    from docx.enum.text import WD_COLOR_INDEX

    at = 0
    for m in BLANK.finditer(text):
        if m.start() > at:
            p.add_run(text[at : m.start()])
        p.add_run(m.group(0)).font.highlight_color = WD_COLOR_INDEX.YELLOW
        at = m.end()
    if at < len(text) or not text:
        p.add_run(text[at:])
    return p


def _signature(doc, block: Signature) -> None:
    """The 落款: one empty line, the 署名, the 成文日期; right-aligned with GB/T 9704's
    right indents (:meth:`Signature.indents`), kept together."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc.add_paragraph().paragraph_format.keep_with_next = True
    issuer_em, date_em = block.indents()
    for text, em, keep in ((block.issuer, issuer_em, True), (block.date, date_em, False)):
        p = doc.add_paragraph(text)
        pf = p.paragraph_format
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        pf.first_line_indent = Pt(0)
        pf.right_indent = Pt(em * BODY_PT)
        pf.keep_with_next = keep


def write_docx(
    document: Document, path: str | os.PathLike, *, template: str | os.PathLike | None = None
) -> Path:
    """Write ``document`` as a Word file at ``path`` (atomically) and return the path."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX

    from parkanalysis._io import atomic_write

    doc = new_document(template)
    numbered = document.numbered()
    for n, (block, label) in enumerate(numbered):
        following = numbered[n + 1][0] if n + 1 < len(numbered) else None
        if isinstance(block, Heading):
            if block.level == 1:
                doc.add_paragraph(block.text, style=_style(doc, "Title"))
            else:
                name = {2: "Heading 1", 3: "Heading 2"}.get(block.level, "Heading 3")
                doc.add_paragraph(block.text, style=_style(doc, name))
        elif isinstance(block, Paragraph):
            if block.role == "subtitle":
                p = doc.add_paragraph(block.text)
                titled = any(isinstance(b, Heading) and b.level == 1 for b, _ in numbered[:n])
                # above the title (「内部资料 注意保存」): top left, as GB/T 9704 places it
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if titled else WD_ALIGN_PARAGRAPH.LEFT
                p.paragraph_format.first_line_indent = 0
            elif block.role == "note":
                p = doc.add_paragraph()
                _run(p, block.text, size=14)
            elif block.role == "banner":
                p = doc.add_paragraph()
                _run(p, block.text, font=FONTS["h1"][0], size=BODY_PT)
            else:
                p = _text(doc.add_paragraph(), block.text)
            # 「…如下:」 stays with the table or chart it opens
            if block.text.rstrip().endswith((":", "：")) and isinstance(following, Table | Figure):
                p.paragraph_format.keep_with_next = True
        elif isinstance(block, ListBlock):
            for i, item in enumerate(block.items, 1):
                _text(doc.add_paragraph(), f"{i}.{item}" if block.ordered else f"· {item}")
        elif isinstance(block, Table):
            _table(doc, block, label)
        elif isinstance(block, Figure):
            _figure(doc, block, label)
        elif isinstance(block, Source):
            _source(doc, block.text)
        elif isinstance(block, Signature):
            _signature(doc, block)
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
    doc.core_properties.comments = ""  # python-docx writes its own name here
    buffer = io.BytesIO()
    doc.save(buffer)
    return atomic_write(Path(path), buffer.getvalue())
