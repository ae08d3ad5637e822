"""What an office text may contain: images, links, front matter, and what a share copy may say.

The office writes ``texts/<period>.md`` (:mod:`parkanalysis.report.texts`); before it is
merged into a report it passes this policy (definitions stated here once; docs/SHARE.md and
docs/REPORTS.md explain them to an office):

* **Images** (``![说明](图片.png)``) only from the ``texts/`` folder: a relative path inside it,
  to a PNG, JPEG or GIF file of at most :data:`MAX_IMAGE_BYTES`. The picture is embedded by
  this module (a ``data:`` URI it builds itself); anything else — an absolute path, ``..``,
  another folder of the dataset (park.yaml, the data files), a symbolic link out of
  ``texts/``, a ``data:``/``file:`` URI, a remote ``http(s)`` image (the report is read
  offline and must never fetch anything) — is a finding, and **nothing is read**.
* **Links** only ``http://`` and ``https://``. ``javascript:``, ``vbscript:``, ``data:``,
  ``file:``, ``mailto:`` and relative links are findings. In a share copy even an http(s)
  link is shown as plain text, 「文字(https://…)」, never live.
* Reference links (``[文字][1]`` with ``[1]: 地址``) follow the same rules; the rendered
  text is checked again with the Markdown renderer the HTML export uses, so a link written
  in a way this module does not recognise is a finding, never a live link.
* **Front matter**: the file may start with ``---`` / ``---`` lines holding ``share: true``
  (or ``对外: 是``): the office has read the text and marks it fit for a share copy.
* **Disclosure** (share copies only): a text that names an enterprise of the register
  (full name, short name or 企业代码) or carries a figure with a unit (「纳税1234.5万元」,
  「3家」, 「12.5%」) is refused for a share copy unless marked shareable; the finding lists
  each name and figure with its line.

>>> vetted = vet_markdown("见[官网](https://example.cn)。", texts_dir=None, share=True)
>>> vetted.text, vetted.findings
('见官网(https\\\\://example.cn)。', [])
>>> [f.rule for f in vet_markdown("[x](javascript:alert(1))", texts_dir=None).findings]
['text_link_scheme']
>>> figures_with_units("纳税1234.5万元,2016年新增3家")
['1234.5万元', '3家']
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

from parkanalysis.errors import Finding

__all__ = [
    "IMAGE_TYPES",
    "MAX_IMAGE_BYTES",
    "Vetted",
    "disclosures",
    "figures_with_units",
    "split_front_matter",
    "vet_markdown",
]

#: An office image may be at most this large (bytes).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: Image types an office text may embed: file signature → MIME type (no SVG: it can script).
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
#: Keys of the front matter that mark a text shareable, and the values that say yes.
SHARE_KEYS = ("share", "对外", "对外公开", "可对外")
YES = {"true", "yes", "是", "可以", "可", "1"}
#: Units after a figure that make it a disclosure in a share copy.
UNITS = (
    "万亿元|亿元|万元|千元|元|万美元|美元|平方公里|平方千米|万平方米|平方米|㎡|m²|公顷|亩|"
    "个百分点|百分点|%|％|‰|万吨|吨|万千瓦时|千瓦时|度|万人|人|名|家|户|处|个|项|台|套|"
    "公里|千米|米|辆|栋|幢"
)
_FIGURE = re.compile(r"(?<![\d.])(\d[\d,，]*(?:\.\d+)?)\s*(" + UNITS + ")")
_OK_URL = re.compile(r"https?://[^\s<>\"'`\\]+\Z", re.I)
_INLINE = re.compile(
    r"(!?)\[((?:[^\[\]\\\n]|\\.)*)\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)"
)
_DEFINITION = re.compile(r"^ {0,3}\[((?:[^\[\]\\]|\\.)+)\]:\s*(<[^>\n]*>|\S+)(?:\s+.*)?$")
_HREF = re.compile(r"""\b(href|src)\s*=\s*["']([^"']*)["']""", re.I)


@dataclass
class Vetted:
    """An office text after the policy: Markdown safe to merge, and the findings."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    shareable: bool = False


def _finding(rule: str, message: str, file: str | None, row: int | None, value) -> Finding:
    return Finding("error", rule, message, file=file, row=row, value=value)


def split_front_matter(text: str, *, file: str | None = None) -> tuple[dict, str, int, list]:
    """``(front matter, body, lines before the body, findings)`` of an office text.

    >>> split_front_matter("---\\n对外: 是\\n---\\n正文")[:3]
    ({'对外': '是'}, '正文', 3)
    >>> split_front_matter("正文")[:3]
    ({}, '正文', 0)
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, 0, []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text, 0, []  # a thematic break, not front matter
    import yaml

    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = None if mark is None else mark.line + 2
        bad = _finding(
            "text_front_matter", f"文首 --- 之间的设置无法读取({exc})。", file, row, None
        )
        return {}, "\n".join(lines[end + 1 :]), end + 1, [bad]
    if not isinstance(meta, dict):
        bad = _finding(
            "text_front_matter", "文首 --- 之间应为“键: 值”,如“对外: 是”。", file, 2, meta
        )
        return {}, "\n".join(lines[end + 1 :]), end + 1, [bad]
    return meta, "\n".join(lines[end + 1 :]), end + 1, []


def is_shareable(meta: dict) -> bool:
    """True when the front matter marks the text fit for a share copy (``对外: 是``)."""
    for key in SHARE_KEYS:
        if key in meta:
            value = meta[key]
            return value is True or str(value).strip().lower() in YES
    return False


def _image_uri(
    dest: str, texts_dir: Path | None, file: str | None, row: int
) -> tuple[str | None, Finding | None]:
    """The ``data:`` URI of an office image in ``texts/``, or the finding refusing it."""

    def refuse(message: str) -> tuple[None, Finding]:
        return None, _finding("text_image_source", message, file, row, dest)

    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", dest) or dest.startswith(("//", "\\\\")):
        return refuse(
            "图片只能是 texts 文件夹中的文件;网络图片、data:/file: 地址不允许"
            "(报告离线阅读,不得从外部取图)。请把图片放进 texts 文件夹并写相对路径。"
        )
    parts = dest.replace("\\", "/").split("/")
    if dest.startswith(("/", "\\", "~")) or ".." in parts or "%" in dest or not dest:
        return refuse("图片路径应是 texts 文件夹内的相对路径(不得以 / 开头,不得含 ..)。")
    if texts_dir is None:
        return refuse("图片只能来自 texts 文件夹。")
    root = texts_dir.resolve()
    path = (texts_dir / dest).resolve()
    if not path.is_relative_to(root):
        return refuse("图片路径指向 texts 文件夹以外(含符号链接),不予读取。")
    if not path.is_file():
        return refuse("texts 文件夹中没有这个图片文件。")
    if path.stat().st_size > MAX_IMAGE_BYTES:
        return refuse(f"图片超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB,请压缩后再用。")
    with path.open("rb") as handle:
        data = handle.read(MAX_IMAGE_BYTES + 1)
    mime = next((m for sig, m in IMAGE_TYPES.items() if data.startswith(sig)), None)
    if mime is None or len(data) > MAX_IMAGE_BYTES:
        return refuse("只能插入 PNG、JPEG 或 GIF 图片。")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", None


def _plain_url(url: str) -> str:
    """An http(s) address as Markdown text that no renderer turns into a link."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", url).replace("://", "\\://", 1)


def vet_markdown(
    body: str,
    *,
    texts_dir: Path | None,
    share: bool = False,
    file: str | None = None,
    first_row: int = 1,
) -> Vetted:
    """Apply the image and link policy to ``body`` (see the module docstring)."""
    findings: list[Finding] = []
    lines = body.split("\n")
    # reference definitions: checked, then written inline where they are used
    refs: dict[str, str] = {}
    ref_rows: dict[str, int] = {}  # a referenced address → the row of its definition
    kept: list[tuple[int, str]] = []
    for n, line in enumerate(lines):
        m = _DEFINITION.match(line)
        if m and not line.lstrip().startswith("!"):
            refs[re.sub(r"\s+", " ", m.group(1)).strip().lower()] = m.group(2).strip("<>")
            ref_rows.setdefault(m.group(2).strip("<>"), first_row + n)
            kept.append((n, ""))
        else:
            kept.append((n, line))

    def inline_ref(m: re.Match) -> str:
        bang, text, label = m.group(1), m.group(2), m.group(3)
        key = re.sub(r"\s+", " ", (label or text)).strip().lower()
        if key not in refs:
            return m.group(0)
        return f"{bang}[{text}]({refs[key]})"

    out = []
    for n, line in kept:
        row = first_row + n
        if refs:
            line = re.sub(r"(!?)\[((?:[^\[\]\\\n]|\\.)*)\](?:\[((?:[^\[\]\\\n]|\\.)*)\])?(?!\()",
                          inline_ref, line)  # fmt: skip

        def image(m: re.Match, row=row) -> str:
            dest = m.group(3).strip("<>")
            uri, bad = _image_uri(dest, texts_dir, file, ref_rows.get(dest, row))
            if bad is not None:
                findings.append(bad)
                return m.group(2)
            return f"![{m.group(2)}]({uri})"

        def link(m: re.Match, row=row) -> str:
            if m.group(1):
                return m.group(0)  # an image already vetted
            dest = m.group(3).strip("<>")
            if not _OK_URL.match(dest):
                findings.append(
                    _finding(
                        "text_link_scheme",
                        "链接只能是 http:// 或 https:// 网址(javascript:、data:、file:、"
                        "相对路径等不允许)。",
                        file,
                        ref_rows.get(dest, row),
                        dest,
                    )
                )
                return m.group(2)
            return f"{m.group(2)}({_plain_url(dest)})" if share else m.group(0)

        line = _INLINE.sub(lambda m: image(m) if m.group(1) else m.group(0), line)
        line = _INLINE.sub(link, line)
        if share:  # bare addresses shown as text, never autolinked
            line = re.sub(
                r"\bhttps?://[^\s<>\"'`)]+",
                lambda m: _plain_url(m.group(0)),
                line,
                flags=re.I,
            )
        out.append(line)
    text = "\n".join(out)
    findings += _rendered_findings(text, share=share, file=file)
    return Vetted(text, findings)


def _rendered_findings(text: str, *, share: bool, file: str | None) -> list[Finding]:
    """Links and images the HTML export's Markdown renderer would still produce."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    found = []
    html = markdown2html_mistune(text.replace("&", "&amp;").replace("<", "&lt;"))
    for attr, url in _HREF.findall(html):
        if attr.lower() == "src":
            ok = re.match(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=]*\Z", url) is not None
        elif url.startswith("#"):
            ok = True  # the renderer's own anchor on a heading (an office "#…" link is refused)
        else:
            ok = not share and _OK_URL.match(url) is not None
        if not ok:
            found.append(
                _finding(
                    "text_link_scheme",
                    "文字材料中有无法识别的链接或图片写法;请用 [文字](https://…) 或 "
                    "![说明](texts 中的图片)。",
                    file,
                    None,
                    url[:80],
                )
            )
    return found


def figures_with_units(text: str) -> list[str]:
    """Figures followed by a unit (「1234.5万元」, 「3家」, 「12.5%」), in order."""
    return [f"{m.group(1)}{m.group(2)}" for m in _FIGURE.finditer(text)]


def disclosures(
    body: str, names: list[str], *, file: str | None = None, first_row: int = 1
) -> list[Finding]:
    """Enterprise names and figures with units an office text would put into a share copy."""
    found = []
    longest = sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True)
    for n, line in enumerate(body.split("\n")):
        row = first_row + n
        rest = line
        for name in longest:
            if name in rest:
                found.append(
                    _finding(
                        "text_names_enterprise",
                        "对外版的文字材料点名了企业;请删去,或确认可以对外后在文首写“对外: 是”。",
                        file,
                        row,
                        name,
                    )
                )
                rest = rest.replace(name, " ")
        for figure in figures_with_units(re.sub(r"data:image/[^)]*", "", line)):
            found.append(
                _finding(
                    "text_figure_in_share",
                    "对外版的文字材料含带单位的数字(可能是个别企业的数据);请删去,"
                    "或确认可以对外后在文首写“对外: 是”。",
                    file,
                    row,
                    figure,
                )
            )
    return found
