"""Office texts cannot leak files, reach out, or carry enterprise figures into a share copy.

Texts are generated per class: every kind of image source outside ``texts/`` and every link
scheme but http(s), in every Markdown way of writing them (inline, angle brackets,
reference); enterprise names from the register and figures with each unit. Each bad text is
a DataError naming the file, the line and the value — and, for images, nothing outside
``texts/`` is opened (an audit hook watches every ``open``). One share report is rendered
end to end: the picture from ``texts/`` is embedded, the address is plain text in HTML and
Word, and a bad text is exit 2 from the command line with nothing written.
"""

from __future__ import annotations

import base64
import itertools
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE

from parkanalysis.dataset import load_dataset
from parkanalysis.errors import DataError
from parkanalysis.periods import parse_period
from parkanalysis.projects import short_name
from parkanalysis.report.textpolicy import UNITS, figures_with_units
from parkanalysis.report.texts import read_office_text

PERIOD = parse_period("2016H1")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

_OPENED: list[str] | None = None


def _hook(event, args):
    if (
        _OPENED is not None
        and event == "open"
        and args
        and isinstance(args[0], str | bytes | os.PathLike)
    ):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_hook)


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(SAMPLE, folder)
    (folder / "texts" / "photo.png").write_bytes(PNG)
    (folder / "texts" / "notes.txt").write_text("不是图片", encoding="utf-8")
    (folder / "texts" / "escape.png").symlink_to(folder / "park.yaml")
    (folder / "other").mkdir()
    (folder / "other" / "pic.png").write_bytes(PNG)
    return folder


def _read(folder: Path, text: str, *, share: bool = False):
    (folder / "texts" / "2016H1.md").write_text(text, encoding="utf-8")
    global _OPENED
    _OPENED = []
    try:
        return read_office_text(folder, PERIOD, share=share)
    finally:
        opened, _OPENED = _OPENED, None
        outside = [
            p for p in opened
            if Path(p).resolve().is_relative_to(folder.resolve())
            and not Path(p).resolve().is_relative_to((folder / "texts").resolve())
        ]  # fmt: skip
        assert not outside or share, f"read outside texts/: {outside}"


# --------------------------------------------------------------------------- images
def _image_sources(folder: Path) -> list[str]:
    absolute = str(folder / "park.yaml")
    return [
        absolute,
        str(folder / "texts" / "photo.png"),  # even texts/ itself, written absolutely
        "../park.yaml",
        "../monthly_stats.csv",
        "./../enterprises.csv",
        "sub/../../park.yaml",
        "..\\park.yaml",
        "%2e%2e/park.yaml",
        "../other/pic.png",
        "~/park.yaml",
        "escape.png",  # a symbolic link out of texts/
        "notes.txt",  # inside texts/, but not a picture
        "missing.png",
        "https://example.com/a.png",
        "http://example.com/a.png",
        "HTTPS://example.com/a.png",
        "//example.com/a.png",
        "data:image/png;base64," + base64.b64encode(PNG).decode(),
        "file:///etc/passwd",
        "file:" + absolute,
        "attachment:photo.png",
    ]


def _image_forms(src: str) -> list[str]:
    return [
        f"正文。\n\n![图](<{src}>)\n",
        f'正文。\n\n![图]({src} "说明")\n',
        f"正文。\n\n![图][p]\n\n[p]: {src}\n",
        f"## 企业服务\n\n前文 ![图]({src}) 后文\n",
    ]


def test_images_outside_texts_are_findings_and_nothing_is_read(data):
    cases = [(s, form) for s in _image_sources(data) for form in _image_forms(s)]
    assert len(cases) >= 80
    for src, text in cases:
        with pytest.raises(DataError) as info:
            _read(data, text)
        rules = {f.rule for f in info.value.findings}
        assert rules == {"text_image_source"}, (src, rules)
        finding = info.value.findings[0]
        assert (
            finding.file == "texts/2016H1.md"
            and finding.row == text.count("\n", 0, text.index(src)) + 1
        )
        assert src in str(finding.value) or finding.value in src


def test_an_image_in_texts_is_embedded_by_us(data):
    office = _read(data, "## 企业服务\n\n![厂区](photo.png)\n")
    body = office.sections[0][1]
    assert f"data:image/png;base64,{base64.b64encode(PNG).decode()}" in body


# --------------------------------------------------------------------------- links
SCHEMES = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
    "file://server/share/x.docx",
    "mailto:a@example.com",
    "ftp://example.com/x",
    "../park.yaml",
    "park.yaml",
    "#top",
    "/etc/passwd",
]


def _link_forms(url: str) -> list[str]:
    return [
        f"见[此处]({url})。",
        f"见[此处](<{url}>)。",
        f'见[此处]({url} "标题")。',
        f"见[此处][a]。\n\n[a]: {url}",
        f"见[a][]。\n\n[a]: <{url}>",
        f"见[a]。\n\n[A]: {url} '标题'",
        f"## 企业服务\n\n- 条目 [此处]({url})",
    ]


@pytest.mark.parametrize("share", [False, True])
def test_only_http_links_in_any_copy(data, share):
    for url, text in itertools.chain.from_iterable(
        ((u, t) for t in _link_forms(u)) for u in SCHEMES
    ):
        with pytest.raises(DataError) as info:
            _read(data, "---\n对外: 是\n---\n" + text, share=share)
        assert {f.rule for f in info.value.findings} == {"text_link_scheme"}, (url, text)


def test_http_links_are_live_inside_and_plain_text_outside(data):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    urls = ["https://www.example.cn/a_b?c=1&d=2", "http://example.cn/(x)"]
    text = f"---\n对外: 是\n---\n## 企业服务\n\n见[官网]({urls[0]})与 {urls[1]} 。\n"
    inside = _read(data, text).sections[0][1]
    outside = _read(data, text, share=True).sections[0][1]
    page_in, page_out = markdown2html_mistune(inside), markdown2html_mistune(outside)
    assert 'href="https://www.example.cn/a_b?c=1&amp;d=2"' in page_in
    assert "<a " not in page_out and "href" not in page_out
    from html import unescape

    shown = unescape(re.sub(r"<[^>]+>", "", page_out))
    assert all(u in shown for u in urls), shown


# --------------------------------------------------------------------------- disclosure
def _register():
    ds = load_dataset(SAMPLE)
    region = ds.profile.parks["GMY"].region
    return [
        (str(i), str(n), short_name(str(n), region=region))
        for i, n in zip(ds.enterprises["enterprise_id"], ds.enterprises["name"], strict=True)
    ]


def test_names_and_figures_refuse_a_share_copy_unless_marked(data):
    rng = random.Random(24)
    register = _register()
    units = UNITS.split("|")
    for unit in units:
        ident, name, short = rng.choice(register)
        called = rng.choice([ident, name, short])
        figure = f"{rng.randint(1, 99999)}.{rng.randint(0, 9)}{unit}"
        text = f"## 企业服务\n\n园区服务企业。\n\n{called}今年纳税{figure},增长较快。\n"
        with pytest.raises(DataError) as info:
            _read(data, text, share=True)
        found = {(f.rule, f.value, f.row) for f in info.value.findings}
        assert ("text_names_enterprise", called, 5) in found or any(
            r == "text_names_enterprise" and v in called and row == 5 for r, v, row in found
        ), (called, found)
        assert ("text_figure_in_share", figure, 5) in found, (figure, found)
        assert _read(data, text) is not None  # the internal copy takes it as it is
        marked = _read(data, "---\nshare: true\n---\n" + text, share=True)
        assert called in marked.sections[0][1]


def test_figures_with_units_against_an_independent_count():
    rng = random.Random(7)
    units = UNITS.split("|")
    for _ in range(200):
        picked = [
            f"{rng.randint(0, 10**6)}{rng.choice(['', '.5', ',000'])}{rng.choice(units)}"
            for _ in range(rng.randint(0, 4))
        ]
        text = "".join(f"甲乙{p}丙" for p in picked) + "2016年5月"
        assert figures_with_units(text) == picked


# --------------------------------------------------------------------------- end to end
def test_a_share_copy_with_a_picture_and_an_address(data, tmp_path):
    from html import unescape

    from parkanalysis.render import render_report

    text = (
        "---\n对外: 是\n---\n开篇。\n\n## 企业服务\n\n![厂区照片](photo.png)\n\n"
        "详见[园区网站](https://www.example.cn/news?id=1&p=2)。\n"
    )
    (data / "texts" / "2016H1.md").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = render_report(
        "period", out_dir=out, data=str(data), period="2016H1", share=True,
        formats=("html", "docx"),
    )  # fmt: skip
    assert result.status == "rendered", result.error
    page = result.html_path.read_text(encoding="utf-8")
    assert base64.b64encode(PNG).decode() in page
    assert "example.cn" in page and 'href="https://www.example.cn' not in page
    assert "https://www.example.cn/news?id=1&p=2" in unescape(re.sub(r"<[^>]+>", "", page))
    import docx

    words = "\n".join(p.text for p in docx.Document(result.outputs["docx"]).paragraphs)
    # the link as plain text, its brackets in the Chinese form of the text around it
    assert re.search(r"园区网站[(（]https://www\.example\.cn/news\?id=1&p=2[)）]", words)
    assert "厂区照片" not in words and "![" not in words


def test_a_bad_text_is_exit_2_with_nothing_written(data, tmp_path):
    _ident, name, _short = _register()[3]
    (data / "texts" / "2016H1.md").write_text(
        f"## 企业服务\n\n{name}纳税1234.5万元。\n\n![x](../monthly_stats.csv)\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "render", "period", "--data", str(data),
         "--period", "2016H1", "--share", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, (done.stdout, done.stderr)
    for needle in ("texts/2016H1.md", "第3行", name, "1234.5万元", "../monthly_stats.csv"):
        assert needle in done.stderr, (needle, done.stderr)
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())
