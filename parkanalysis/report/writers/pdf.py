"""PDF writer: the document's HTML (with the print stylesheet) printed by headless Chromium.

Chromium is found as ``$PARKANALYSIS_CHROMIUM``, else ``chromium``, ``chromium-browser``,
``google-chrome`` on ``PATH``. The page (A4, margins, 「— 1 —」 page numbers in the bottom
margin box) is set by the stylesheet's ``@page`` rule (``templates/parkreport/print.css``),
the same rule the HTML page prints with. Chromium runs in a private, temporary profile, with
background networking off; nothing is loaded from the network (the page embeds everything).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from parkanalysis.errors import RenderError
from parkanalysis.report.model import Document

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)


def find_chromium() -> str:
    """The Chromium executable, or a :class:`RenderError` saying how to get one."""
    configured = os.environ.get("PARKANALYSIS_CHROMIUM")
    if configured:
        if Path(configured).is_file():
            return configured
        raise RenderError(
            f"环境变量 PARKANALYSIS_CHROMIUM 指向的 {configured} 不存在,无法生成 PDF。"
        )
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(
        "生成 PDF 需要 Chromium 浏览器,但未找到(chromium / chromium-browser / google-chrome)。"
        "请安装(Debian/Ubuntu: sudo apt-get install chromium),"
        "或用环境变量 PARKANALYSIS_CHROMIUM 指定其路径;也可先只生成 --format html,docx。"
    )


def print_pdf(html_text: str, path: str | os.PathLike, *, timeout: int = 180) -> Path:
    """Print an HTML page to ``path`` as PDF (atomically) and return the path."""
    from parkanalysis._io import atomic_write

    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="pa-pdf-") as tmp:
        page = Path(tmp) / "document.html"
        page.write_text(html_text, encoding="utf-8")
        out = Path(tmp) / "document.pdf"
        command = [
            chromium,
            *ARGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise RenderError(f"Chromium 在 {timeout} 秒内未完成 PDF 打印。") from None
        if not out.is_file() or out.stat().st_size == 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RenderError(
                f"Chromium 未能生成 PDF(退出码 {done.returncode}):" + " ".join(detail)
            )
        return atomic_write(Path(path), out.read_bytes())


def write_pdf(document: Document, path: str | os.PathLike) -> Path:
    """Write ``document`` as an A4 PDF at ``path``."""
    from parkanalysis.report.writers.html import document_html

    return print_pdf(document_html(document), path)
