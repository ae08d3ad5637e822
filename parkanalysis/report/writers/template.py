"""An office's ``template.docx``, reduced to its look: styles, numbering, fonts, theme, page.

The DOCX writer (:mod:`parkanalysis.report.writers.docx`) builds its document on the office's
template. A Word file can carry much more than a look — an attached template Word fetches
from a server on open, external relations, header and footer text, comments, document
properties (author, company, custom fields), macros (``vbaProject.bin``), customXml — and
all of that would travel into every copy, share copies included. So the template is never
opened as it is: :func:`sanitized_template` reads, from the zip directory first and then
part by part with bounded reads,

* ``word/styles.xml`` (relation attributes removed),
* ``word/numbering.xml`` (picture bullets removed),
* ``word/fontTable.xml`` (embedded fonts removed),
* ``word/theme/theme1.xml`` (the built-in theme instead when it refers to other parts),
* the page setup of the last section (``w:pgSz``, ``w:pgMar``, ``w:cols``, ``w:docGrid``;
  header and footer references dropped),

and writes them into a fresh package with python-docx's own settings (no
``attachedTemplate``), no properties, no relations beyond those parts. Refused with exit 2 and
a message naming ``template.docx`` (:class:`~parkanalysis.errors.DataError`): a file that is
not a Word zip or has malformed XML, a macro-enabled one (``.docm``/``.dotm``, a
``vbaProject`` part, a macro-enabled content type), one larger than
:data:`MAX_TEMPLATE_BYTES`, with more than :data:`MAX_MEMBERS` members or a member larger than
:data:`MAX_PART_BYTES` as its zip directory declares (and as read: reads stop one byte past
the limit, so memory stays bounded whatever the directory says).
"""

from __future__ import annotations

import io
import os
import posixpath
import zipfile
from pathlib import Path

from parkanalysis.errors import DataError, Finding

__all__ = [
    "MAX_MEMBERS",
    "MAX_PART_BYTES",
    "MAX_TEMPLATE_BYTES",
    "sanitized_template",
    "template_bytes",
]

#: A template file larger than this is refused (bytes on disk).
MAX_TEMPLATE_BYTES = 20 * 1024 * 1024
#: Any member larger than this (uncompressed, as declared and as read) is refused.
MAX_PART_BYTES = 8 * 1024 * 1024
#: A template with more members than this is refused.
MAX_MEMBERS = 2000

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_OFFICE = _R + "/officeDocument"
_KINDS = {  # relation type suffix → (part name in the new package, content type)
    "styles": ("word/styles.xml", "wordprocessingml.styles+xml"),
    "numbering": ("word/numbering.xml", "wordprocessingml.numbering+xml"),
    "fontTable": ("word/fontTable.xml", "wordprocessingml.fontTable+xml"),
    "theme": ("word/theme/theme1.xml", "theme+xml"),
}
_SECT_KEEP = ("pgSz", "pgMar", "cols", "docGrid", "textDirection", "vAlign", "bidi", "rtlGutter")


def _bad(message: str, value=None) -> DataError:
    return DataError(Finding("error", "template_docx", message, file="template.docx", value=value))


def _parse(data: bytes, name: str):
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _bad(
            f"Word 模板中的 {name} 不是有效的 XML({exc});请在 Word 中另存为 .docx。"
        ) from None
    return root


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        with zf.open(name) as handle:
            data = handle.read(MAX_PART_BYTES + 1)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
        raise _bad(f"Word 模板中的 {name} 无法读取({exc})。") from None
    if len(data) > MAX_PART_BYTES:
        raise _bad(f"Word 模板中的 {name} 超过 {MAX_PART_BYTES // 1024 // 1024} MB。", name)
    return data


def _rels(zf: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, str]:
    """Relation type suffix → target part name of ``part``'s internal relations."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in names:
        return {}
    out = {}
    for rel in _parse(_read(zf, rels_name), rels_name):
        if rel.get("TargetMode") == "External":
            continue  # never followed
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = posixpath.normpath(posixpath.join(folder, rel.get("Target") or ""))
        out.setdefault(kind, target.lstrip("/"))
    return out


def _strip_relations(root) -> None:
    """Remove every attribute in the relationships namespace (r:id, r:embed …)."""
    for el in root.iter():
        for attr in [a for a in el.attrib if a.startswith("{" + _R + "}")]:
            del el.attrib[attr]


def _drop(root, local_names: tuple[str, ...]) -> None:
    for name in local_names:
        for el in root.iter(f"{{{_W}}}{name}"):
            el.getparent().remove(el)


def template_bytes(path: str | os.PathLike) -> bytes:
    """The sanitized template as the bytes of a new .docx (see the module docstring)."""
    from lxml import etree

    path = Path(path)
    if path.suffix.lower() in (".docm", ".dotm"):
        raise _bad("Word 模板不能是启用宏的文件(.docm/.dotm);请另存为 .docx。", path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _bad(f"Word 模板无法读取({exc})。") from None
    if size > MAX_TEMPLATE_BYTES:
        raise _bad(f"Word 模板超过 {MAX_TEMPLATE_BYTES // 1024 // 1024} MB。", size)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _bad(
            f"template.docx 不是有效的 Word 文件({exc});请在 Word 中另存为 .docx。"
        ) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _bad(f"Word 模板含 {len(infos)} 个部件,超过 {MAX_MEMBERS} 个。")
        for info in infos:
            if info.file_size > MAX_PART_BYTES:
                raise _bad(
                    f"Word 模板中的 {info.filename} 解压后 {info.file_size} 字节,超过 "
                    f"{MAX_PART_BYTES // 1024 // 1024} MB。",
                    info.filename,
                )
        names = {i.filename for i in infos}
        if any("vbaproject" in n.lower() or "vbadata" in n.lower() for n in names):
            raise _bad("Word 模板含宏(vbaProject);请另存为不含宏的 .docx。")
        if "[Content_Types].xml" not in names:
            raise _bad("template.docx 不是有效的 Word 文件(缺少 [Content_Types].xml)。")
        types = _read(zf, "[Content_Types].xml")
        _parse(types, "[Content_Types].xml")
        if b"macroenabled" in types.lower() or b"vbaproject" in types.lower():
            raise _bad("Word 模板是启用宏的文档;请另存为不含宏的 .docx。")
        main = _rels(zf, "", names).get("officeDocument")
        if main is None or main not in names:
            raise _bad("template.docx 不是有效的 Word 文件(找不到正文部件)。")
        document = _parse(_read(zf, main), main)
        parts = {}
        for kind, target in _rels(zf, main, names).items():
            if kind in _KINDS and target in names:
                parts[kind] = _parse(_read(zf, target), target)
    # ---- the look, cleaned
    for root in parts.values():
        _strip_relations(root)
    if "numbering" in parts:
        _drop(parts["numbering"], ("numPicBullet", "lvlPicBulletId"))
    if "fontTable" in parts:
        _drop(
            parts["fontTable"],
            ("embedRegular", "embedBold", "embedItalic", "embedBoldItalic"),
        )
    sect = document.findall(f".//{{{_W}}}sectPr")
    page = etree.Element(f"{{{_W}}}sectPr", nsmap={"w": _W})
    if sect:
        for child in sect[-1]:
            if etree.QName(child).localname in _SECT_KEEP:
                page.append(child)
        _strip_relations(page)
    return _package(parts, page)


def _package(parts: dict, page) -> bytes:
    """A fresh .docx: python-docx's document and settings, the template's look."""
    import docx
    from lxml import etree

    default = Path(docx.__file__).parent / "templates" / "default.docx"
    with zipfile.ZipFile(default) as base:
        settings = base.read("word/settings.xml")
        fallback = {
            kind: base.read(name) for kind, (name, _t) in _KINDS.items() if name in base.namelist()
        }
    body = (
        (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>'
        ).encode()
        + etree.tostring(page)
        + b"</w:body></w:document>"
    )
    ct = "application/vnd.openxmlformats-officedocument."
    files = {"word/document.xml": body, "word/settings.xml": settings}
    overrides = {
        "/word/document.xml": ct + "wordprocessingml.document.main+xml",
        "/word/settings.xml": ct + "wordprocessingml.settings+xml",
    }
    rels = [("settings", "settings.xml")]
    for kind, (name, ctype) in _KINDS.items():
        if kind in parts:
            data = etree.tostring(parts[kind], xml_declaration=True, encoding="UTF-8",
                                  standalone=True)  # fmt: skip
        elif kind in fallback:
            data = fallback[kind]
        else:
            continue
        files[name] = data
        overrides["/" + name] = ct + ctype
        rels.append((kind, name[len("word/") :]))
    types = "".join(
        f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in sorted(overrides.items())
    )
    files["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f"{types}</Types>"
    ).encode()
    files["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL_OFFICE}" '
        'Target="word/document.xml"/></Relationships>'
    ).encode()
    files["word/_rels/document.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="{_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_R}/{kind}" Target="{target}"/>'
            for i, (kind, target) in enumerate(rels, 1)
        )
        + "</Relationships>"
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
    return buffer.getvalue()


def sanitized_template(path: str | os.PathLike):
    """A python-docx document holding only the look of the office's template."""
    import docx

    try:
        return docx.Document(io.BytesIO(template_bytes(path)))
    except DataError:
        raise
    except Exception as exc:  # python-docx refusing what is left: still the office's file
        raise _bad(
            f"Word 模板无法使用({type(exc).__name__}: {exc});请在 Word 中另存为 .docx。"
        ) from None
