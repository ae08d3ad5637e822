"""An office's template.docx gives the Word copies its look and nothing else.

Templates are generated here: a real Word package made with python-docx, then one part
added or changed per case (a remote attached template, external relations, header and footer
text, comments, core and custom properties, customXml, picture bullets, embedded fonts …).
What the writer makes from each must carry none of it, while the template's own style and
page setup are there. Refused templates (macro-enabled, malformed, oversized) are a
DataError naming template.docx — exit 2 from the command line — in bounded memory.
"""

from __future__ import annotations

import re
import subprocess
import tracemalloc
import zipfile

import docx
import pytest
from docx.shared import Mm

from parkanalysis.errors import DataError
from parkanalysis.report.model import Document, Heading, Paragraph
from parkanalysis.report.writers.docx import write_docx
from parkanalysis.report.writers.template import MAX_PART_BYTES, template_bytes
from tests.helpers import LIBREOFFICE, require_tool

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MARK = "LEAK-{}-7Q"
STYLE = "办公室正文样式"


def _base(tmp_path, name="template.docx"):
    """A Word template: its own style, an A3 page with wide margins, body text."""
    d = docx.Document()
    style = d.styles.add_style(STYLE, 1)
    style.font.size = docx.shared.Pt(15)
    section = d.sections[0]
    section.page_width, section.page_height = Mm(297), Mm(420)
    section.left_margin = Mm(41)
    d.add_paragraph(MARK.format("body"))
    path = tmp_path / name
    d.save(path)
    return path


def _edit(path, add: dict[str, str] | None = None, change=None):
    """Rewrite the zip: ``change(name, text) -> text`` on XML parts, ``add`` new members."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in list(parts.items()):
        if change is not None and name.endswith((".xml", ".rels")):
            parts[name] = change(name, data.decode("utf-8")).encode("utf-8")
    for name, text in (add or {}).items():
        parts[name] = text.encode("utf-8") if isinstance(text, str) else text
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def _rel(rid, kind, target, external=False):
    mode = ' TargetMode="External"' if external else ""
    return f'<Relationship Id="{rid}" Type="{R}/{kind}" Target="{target}"{mode}/>'


def _add_rel(rels_name, rel):
    def change(name, text):
        return (
            text.replace("</Relationships>", rel + "</Relationships>")
            if name == rels_name
            else text
        )

    return change


def _header(tmp_path):
    d = docx.Document(_base(tmp_path))
    d.sections[0].header.paragraphs[0].text = MARK.format("header")
    d.sections[0].footer.paragraphs[0].text = MARK.format("footer")
    d.save(tmp_path / "template.docx")
    return tmp_path / "template.docx"


def _core(tmp_path):
    d = docx.Document(_base(tmp_path))
    d.core_properties.author = MARK.format("author")
    d.core_properties.comments = MARK.format("comments")
    d.core_properties.keywords = MARK.format("keywords")
    d.save(tmp_path / "template.docx")
    return tmp_path / "template.docx"


def _attached(tmp_path):
    path = _base(tmp_path)
    url = "https://" + MARK.format("attached").lower() + ".example/t.dotm"

    def change(name, text):
        if name == "word/settings.xml":
            attached = r'\1<w:attachedTemplate r:id="rIdT"/>'
            return re.sub(r"(<w:settings[^>]*>)", attached, text, count=1)
        return text

    _edit(path, change=change)
    return _edit(
        path,
        add={
            "word/_rels/settings.xml.rels": '<?xml version="1.0"?><Relationships xmlns="'
            'http://schemas.openxmlformats.org/package/2006/relationships">'
            + _rel("rIdT", "attachedTemplate", url, True)
            + "</Relationships>"
        },
    )


def _external_links(tmp_path):
    path = _base(tmp_path)
    rels = "".join(
        _rel(f"rIdX{i}", kind, f"https://{MARK.format(kind).lower()}.example/x", True)
        for i, kind in enumerate(("hyperlink", "image", "oleObject", "frame"))
    )
    return _edit(path, change=_add_rel("word/_rels/document.xml.rels", rels))


def _comments(tmp_path):
    path = _base(tmp_path)
    comments = (
        f'<?xml version="1.0"?><w:comments xmlns:w="http://schemas.openxmlformats.org/'
        f'wordprocessingml/2006/main"><w:comment w:id="0" w:author="{MARK.format("cauthor")}">'
        f"<w:p><w:r><w:t>{MARK.format('comment')}</w:t></w:r></w:p></w:comment></w:comments>"
    )
    path = _edit(path, add={"word/comments.xml": comments})
    return _edit(
        path,
        change=_add_rel("word/_rels/document.xml.rels", _rel("rIdC", "comments", "comments.xml")),
    )


def _custom(tmp_path):
    path = _base(tmp_path)
    custom = (
        '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/'
        'officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-'
        f'08002B2CF9AE}}" pid="2" name="客户"><vt:lpwstr>{MARK.format("custom")}</vt:lpwstr>'
        "</property></Properties>"
    )
    company = MARK.format("company")
    app = f'<?xml version="1.0"?><Properties xmlns="x"><Company>{company}</Company></Properties>'
    return _edit(
        path,
        add={
            "docProps/custom.xml": custom,
            "docProps/app.xml": app,
            "customXml/item9.xml": f"<x>{MARK.format('customxml')}</x>",
        },
        change=_add_rel("_rels/.rels", _rel("rIdP", "custom-properties", "docProps/custom.xml")),
    )


def _picture_parts(tmp_path):
    """A picture bullet in numbering and an embedded font: both point at other parts."""
    path = _base(tmp_path)

    def change(name, text):
        if name == "word/numbering.xml":
            return re.sub(
                r"(<w:numbering[^>]*>)",
                r'\1<w:numPicBullet w:numPicBulletId="0"><w:pict><v:shape xmlns:v="urn:'
                r'schemas-microsoft-com:vml"><v:imagedata xmlns:r="' + R + r'" r:id="rIdB"/>'
                r"</v:shape></w:pict></w:numPicBullet>",
                text,
                count=1,
            )
        if name == "word/fontTable.xml":
            return text.replace(
                "</w:font>", '<w:embedRegular xmlns:r="' + R + '" r:id="rIdF"/></w:font>', 1
            )
        return text

    return _edit(path, add={"word/media/bullet.png": MARK.format("bullet")}, change=change)


DROPPED = {
    "header_footer": (_header, ("header", "footer")),
    "core_properties": (_core, ("author", "comments", "keywords")),
    "attached_template": (_attached, ("attached",)),
    "external_relations": (_external_links, ("hyperlink", "image", "oleObject", "frame")),
    "comments": (_comments, ("cauthor", "comment")),
    "custom_properties": (_custom, ("custom", "company", "customxml")),
    "picture_parts": (_picture_parts, ("bullet",)),
}
ALLOWED_PARTS = {
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/core.xml",
    "word/document.xml",
    "word/_rels/document.xml.rels",
    "word/settings.xml",
    "word/styles.xml",
    "word/numbering.xml",
    "word/fontTable.xml",
    "word/theme/theme1.xml",
    "word/footer1.xml",  # the writer's own page numbers
    "word/_rels/footer1.xml.rels",
}


def _write(template, out):
    document = Document(title="测试", blocks=[Heading("测试", 1), Paragraph("正文一段。")])
    return write_docx(document, out, template=template)


@pytest.mark.parametrize("case", sorted(DROPPED))
def test_only_the_look_of_a_template_reaches_the_copy(case, tmp_path):
    make, marks = DROPPED[case]
    template = make(tmp_path)
    raw = b"".join(zipfile.ZipFile(template).read(n) for n in zipfile.ZipFile(template).namelist())
    planted = [
        m for m in marks if MARK.format(m).encode() in raw or MARK.format(m).lower().encode() in raw
    ]
    assert planted == list(marks)  # the template really carries what must not travel
    out = _write(template, tmp_path / "out.docx")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        everything = b"".join(z.read(n) for n in names)
    assert names <= ALLOWED_PARTS, names - ALLOWED_PARTS
    assert b"LEAK-" not in everything and b"leak-" not in everything
    assert b'TargetMode="External"' not in everything
    assert b"attachedTemplate" not in everything and b"vbaProject" not in everything
    # the look is kept: the office's style and its A3 page with a 41 mm left margin
    copy = docx.Document(out)
    assert STYLE in {s.name for s in copy.styles}
    section = copy.sections[0]
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 420
    assert round(section.left_margin.mm) == 41
    assert [p.text for p in copy.paragraphs] == ["测试", "正文一段。"]


def _docm(tmp_path):
    return _base(tmp_path, "template.docm")


def _vba(tmp_path):
    return _edit(_base(tmp_path), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})


def _macro_type(tmp_path):
    def change(name, text):
        return (
            text.replace("document.main+xml", "document.macroEnabled.main+xml")
            if name == "[Content_Types].xml"
            else text
        )

    return _edit(_base(tmp_path), change=change)


def _not_zip(tmp_path):
    path = tmp_path / "template.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip" * 10)
    return path


def _truncated(tmp_path):
    path = _base(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _bad_xml(tmp_path):
    def change(name, text):
        return text.replace("</w:styles>", "<w:style>") if name == "word/styles.xml" else text

    return _edit(_base(tmp_path), change=change)


def _entity(tmp_path):
    """An XML bomb: entities are never expanded (the part is refused or read literally)."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + "]><w:styles>&i;</w:styles>"
    )

    def change(name, text):
        return bomb if name == "word/styles.xml" else text

    return _edit(_base(tmp_path), change=change)


def _huge_member(tmp_path):
    path = _base(tmp_path)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z,
        z.open("word/media/big.bin", "w") as f,
    ):
        chunk = b"\0" * (1 << 20)
        for _ in range(64):  # 64 MB of zeros: a few kB on disk
            f.write(chunk)
    return path


def _huge_styles(tmp_path):
    path = _base(tmp_path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    styles = parts["word/styles.xml"]
    pad = b"<!--" + b" " * (MAX_PART_BYTES + 10) + b"-->"
    parts["word/styles.xml"] = styles.replace(b"</w:styles>", pad + b"</w:styles>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return path


def _many_members(tmp_path):
    return _edit(_base(tmp_path), add={f"word/x/{i}.xml": "<x/>" for i in range(2500)})


REFUSED = {
    "docm_name": (_docm, "启用宏"),
    "vba_project": (_vba, "宏"),
    "macro_content_type": (_macro_type, "启用宏"),
    "not_a_zip": (_not_zip, "不是有效的 Word 文件"),
    "truncated": (_truncated, "template.docx"),
    "malformed_xml": (_bad_xml, "不是有效的 XML"),
    "entity_bomb": (_entity, "template.docx"),
    "huge_member": (_huge_member, "超过"),
    "huge_styles": (_huge_styles, "超过"),
    "many_members": (_many_members, "超过"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_templates_are_refused_in_bounded_memory(case, tmp_path):
    make, words = REFUSED[case]
    template = make(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as info:
            template_bytes(template)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = str(info.value)
    assert "template.docx" in text and words in text, text
    assert peak < 3 * MAX_PART_BYTES, peak  # never the 64 MB a directory entry promises
    with pytest.raises(DataError):  # the writer refuses it the same way, nothing written
        _write(template, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_a_bad_template_is_exit_2_without_traceback(tmp_path):
    """From the command line, a malformed template stops the Word copy with exit 2."""
    import shutil
    import sys

    from conftest import SAMPLE

    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    _not_zip(data)  # data/template.docx
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "render", "land", "--data", str(data),
         "--share", "--format", "html,docx", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "template.docx" in done.stderr and "Traceback" not in done.stderr
    assert not list(out.glob("*.docx")) and not list(out.glob("*.cells.json"))


def test_a_sanitized_template_opens_in_libreoffice(tmp_path):
    """The package the writer builds from the template's look is a valid Word file."""
    office = require_tool(*LIBREOFFICE)
    out = _write(_custom(tmp_path), tmp_path / "copy.docx")
    done = subprocess.run(
        [office, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "txt:Text", "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    text = (tmp_path / "copy.txt").read_text(encoding="utf-8-sig")
    assert done.returncode == 0 and "正文一段。" in text, done.stderr
