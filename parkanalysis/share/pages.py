"""The numbers a published page shows, read from the page itself (HTML, Word, PDF).

``share-audit`` must judge what was published, not what a record says was published. Each
page format is read the way a reader gets its text:

* **HTML**: the visible text — tags, ``<script>``/``<style>`` contents and ``data:`` URIs
  (embedded pictures) removed, entities decoded;
* **Word**: the text of ``word/document.xml`` (paragraphs and table cells; runs of one
  paragraph joined), read from the zip with bounded reads;
* **PDF**: ``pdftotext`` (poppler) in reading order.

A **number** is a run of digits with optional thousands separators and decimals
(``1,234.5``); it is kept as printed. The share writer records, next to its cells, the
numbers of each page it wrote (:func:`page_numbers`); the audit reads the page again and
compares the two multisets — a figure edited in, or a page that is not the one written, shows
as a number the record does not have.

>>> html_numbers('<p>税收 1,234.5 万元</p><img src="data:image/png;base64,AAA9">')
['1,234.5']
>>> from collections import Counter
>>> extra(Counter(["12", "3"]), Counter(["12", "3", "3"]))
[]
>>> extra(Counter(["12", "7"]), Counter(["12", "3"]))
['7']
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

from parkanalysis.errors import ParameterError

__all__ = [
    "PAGE_SUFFIXES",
    "docx_numbers",
    "extra",
    "html_numbers",
    "page_numbers",
    "pdf_numbers",
]

#: File types of published pages.
PAGE_SUFFIXES = (".html", ".docx", ".pdf")
#: The largest page part read (bytes): a page bigger than this is refused, never read whole.
MAX_PAGE_BYTES = 64 * 1024 * 1024
_NUMBER = re.compile(r"\d+(?:[,，]\d{3})*(?:\.\d+)?")


def _numbers(text: str) -> list[str]:
    return _NUMBER.findall(text)


def html_numbers(page: str) -> list[str]:
    """The numbers of an HTML page's visible text."""
    page = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", page, flags=re.S | re.I)
    page = re.sub(r"data:[^\"'\s)]*", " ", page)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]*>", " ", page))
    return _numbers(text)


def docx_numbers(path: str | os.PathLike) -> list[str]:
    """The numbers of a Word file's body text (``word/document.xml``)."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > MAX_PAGE_BYTES:
                raise ParameterError(f"{Path(path).name}: Word 正文超过 {MAX_PAGE_BYTES} 字节。")
            with z.open(info) as handle:
                data = handle.read(MAX_PAGE_BYTES + 1)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(data, parser)
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError) as exc:
        raise ParameterError(f"{Path(path).name}: 不是可读的 Word 文件({exc})。") from None
    out = []
    for p in root.iter(w + "p"):
        out += _numbers("".join(t.text or "" for t in p.iter(w + "t")))
    return out


def pdf_numbers(path: str | os.PathLike) -> list[str]:
    """The numbers of a PDF's text (``pdftotext``, poppler-utils)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise ParameterError("核查 PDF 需要 pdftotext(poppler-utils);请安装后重试。")
    done = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=300, check=False
    )
    if done.returncode != 0:
        raise ParameterError(f"{Path(path).name}: 不是可读的 PDF 文件。")
    return _numbers(done.stdout.decode("utf-8", "replace"))


def page_numbers(path: str | os.PathLike, text: str | None = None) -> list[str]:
    """The numbers of the page at ``path`` (HTML given as ``text`` when not yet written)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".html":
        if text is None:
            size = Path(path).stat().st_size
            if size > MAX_PAGE_BYTES:
                raise ParameterError(f"{Path(path).name}: 页面超过 {MAX_PAGE_BYTES} 字节。")
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        return html_numbers(text)
    if suffix == ".docx":
        return docx_numbers(path)
    if suffix == ".pdf":
        return pdf_numbers(path)
    raise ParameterError(f"{Path(path).name}: 不是报告页面(html、docx、pdf)。")


def extra(seen: Counter, recorded: Counter) -> list[str]:
    """Numbers a page shows more often than its record says (sorted)."""
    return sorted((seen - recorded).elements())
