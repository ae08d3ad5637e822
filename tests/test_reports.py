"""The reports as a user gets them: notebooks run under papermill, the HTML is self-contained.

Everything here runs real kernels on ``data/sample``; nothing is mocked. The rendered reports
come from the session fixture ``reports`` (conftest.py), rendered once per test session.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from html import unescape

import papermill
import pytest
from conftest import REPORTS, SAMPLE

import parkanalysis
from parkanalysis import render
from parkanalysis._io import folder_fingerprint
from parkanalysis.report.model import FIGURE_DPI
from parkanalysis.report.writers.html import PAGE_DPI

pytestmark = pytest.mark.slow

#: Text that means a warning or a failure reached a reader.
BAD_TEXT = (
    "Traceback (most recent call last)",
    "Warning:",
    "UserWarning",
    "RuntimeWarning",
    "FutureWarning",
    "DeprecationWarning",
    "findfont",
    "Glyph",
    "application/vnd.jupyter.stderr",
    "NameError",
    "KeyError",
)


def _texts(nb) -> list[str]:
    """Every text output of an executed notebook (streams, plain text, HTML, errors)."""
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                out.append(str(output["text"]))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    out.append(value if isinstance(value, str) else "".join(value))
            if output.get("output_type") == "error":
                out.append("\n".join(output.get("traceback", [])))
    return out


# --------------------------------------------------------------------------- papermill
PAPERMILL_RUNS = [
    ("period_report.ipynb", {}),
    ("period_report.ipynb", {"period": "2015年1-12月"}),
    ("period_report.ipynb", {"period": "2016-03"}),
    ("land_report.ipynb", {}),
    ("land_report.ipynb", {"as_of": "2015-12", "horizon": 5}),
    ("explore.ipynb", {"period": "2016-03"}),
]


@pytest.mark.parametrize(("notebook", "params"), PAPERMILL_RUNS, ids=lambda x: str(x))
def test_notebook_runs_under_papermill(notebook, params, tmp_path):
    """Plain papermill (as the README says users may run it), default and other periods."""
    nb = papermill.execute_notebook(
        str(render.NOTEBOOK_DIR / notebook),
        str(tmp_path / notebook),
        parameters=params,
        cwd=str(render.NOTEBOOK_DIR),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        execution_timeout=600,  # a stalled cell fails the test instead of blocking the suite
    )
    problems = render.notebook_problems(nb)
    assert not problems, problems
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    texts = _texts(nb)
    assert sum(len(t) for t in texts) > 1000, "the notebook produced (almost) no output"
    for text in texts:
        for bad in ("Glyph", "findfont", "Traceback", "Warning"):
            assert bad not in text, f"{bad!r} in an output of {notebook}: {text[:300]}"
    if notebook != "explore.ipynb":  # the heading names the period / cut-off asked for
        from parkanalysis.periods import parse_period

        heading = next(t for t in texts if "<h1>" in t)
        if "period" in params:
            assert parse_period(params["period"]).label in heading
        if "as_of" in params:
            assert "数据截至2015年12月" in "".join(texts)


def test_pipeline_injects_readable_chinese_parameters(kernel_session):
    """Our own translator writes ``period = '2016年1-5月'`` into the executed notebook."""
    nb = render.execute_notebook(
        "period", {"data": str(SAMPLE), "period": "2016年1-5月"}, session=kernel_session
    )
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "period = '2016年1-5月'" in injected.source
    assert "\\u" not in injected.source
    assert not render.notebook_problems(nb)
    assert not any(bad in t for t in _texts(nb) for bad in ("Glyph", "findfont"))


# --------------------------------------------------------------------------- the HTML
ALL = list(REPORTS)


def _visible_text(html: str) -> str:
    body = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    body = re.sub(r"<img[^>]*>", " ", body)
    return unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("name", ALL)
def test_report_loads_nothing_from_elsewhere(reports, name):
    html = reports[name].html
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html
    assert "<iframe" not in html.lower()
    for attr, value in re.findall(r"""\b(src|href)\s*=\s*["']([^"']*)""", html, flags=re.I):
        assert not re.match(r"\s*(https?:)?//", value), f"{attr}={value[:80]}"
        assert not value.strip().lower().startswith("javascript:"), value
    for value in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html):
        assert value.startswith(("data:", "#")), f"url({value[:80]})"
    assert not re.search(r"https?://", _visible_text(html)), "a web address in the report"


@pytest.mark.parametrize("name", ALL)
def test_report_shows_no_traceback_or_warning(reports, name):
    html = reports[name].html
    for bad in BAD_TEXT:
        assert bad not in html, f"{bad!r} in {name}"
    text = _visible_text(html)
    assert "nan" not in re.findall(r"[A-Za-z]+", text), "a raw NaN shown to readers"
    assert "None" not in re.findall(r"[A-Za-z]+", text)


@pytest.mark.parametrize("name", ALL)
def test_report_images_are_embedded_pngs(reports, name):
    imgs = re.findall(r"<img\b[^>]*>", reports[name].html)
    assert imgs, "no chart in the report"
    for tag in imgs:
        src = re.search(r'src="([^"]*)"', tag).group(1)
        assert src.startswith("data:image/png;base64,"), src[:60]
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        width, height = struct.unpack(">II", data[16:24])
        assert width > 100 and height > 100, (width, height)
        # drawn at FIGURE_DPI (the print copy's drawing), shown PAGE_DPI pixels per inch wide:
        # sharp on high-density screens, same size on the page as before
        shown = int(re.search(r'width="(\d+)"', tag).group(1))
        assert width == pytest.approx(shown * FIGURE_DPI / PAGE_DPI, abs=2), (width, shown)
        alt = re.search(r'alt="([^"]*)"', tag)
        assert alt and re.search(r"[\u4e00-\u9fff]", alt.group(1)), "no Chinese alt text"


@pytest.mark.parametrize("name", ALL)
def test_report_page_structure_and_provenance(reports, name):
    rendered = reports[name]
    html = rendered.html
    assert '<html lang="zh-CN">' in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "工贸园" in unescape(title)
    toc = re.search(r'<nav class="pa-toc"[^>]*>(.*?)</nav>', html, re.S)
    assert toc, "no table of contents"
    anchors = re.findall(r'href="#([^"]+)"', toc.group(1))
    assert len(anchors) >= 6  # 一 … 六; the appendix 附:数据说明与核对 follows the sections
    for anchor in anchors:  # every entry leads somewhere
        assert f'id="{anchor}"' in html
    footer = re.search(r'<footer class="pa-provenance">(.*?)</footer>', html, re.S)
    if rendered.params.get("copy", "final") == "final" and not rendered.params.get("share"):
        assert footer is None and ".ipynb" not in html  # the 上报稿 carries no workings
        return
    assert footer
    fields = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", footer.group(1)))
    params = json.loads(unescape(fields["参数"]))
    assert fields["parkanalysis 版本"] == parkanalysis.__version__
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", fields["生成时间"])
    if rendered.params.get("share"):  # no file names, dataset folder or hash in a share copy
        assert "对外版" in unescape(title)
        assert '<div class="pa-share-banner">' in html
        assert set(fields) == {"参数", "parkanalysis 版本", "生成时间"}
        expected = {k: v for k, v in rendered.params.items() if k not in {"data", "share"}}
        assert params == {**expected, "copy": "share"}
        fingerprint = folder_fingerprint(rendered.params["data"])
        assert fingerprint not in html and ".ipynb" not in html
    else:
        assert re.fullmatch(r"[0-9a-f]{64}", fields["数据指纹(SHA-256)"])
        assert params == {k: v for k, v in rendered.params.items() if k != "data"}
        assert fields["报告"].endswith(".ipynb")


def _half(text: str) -> str:
    """The words, not the form: full-width punctuation (tests/test_copies.py) as half-width."""
    return text.translate(str.maketrans("，；：（）？！", ",;:()?!"))


def _economy_paragraph(html: str) -> str:
    section = html.split("一、经济运行", 1)[1]
    return _half(unescape(re.search(r"<p>(.*?)</p>", section, re.S).group(1)))


def test_may_report_has_the_seed_figures(reports):
    html = reports["period"].html
    text = _economy_paragraph(html)
    assert text.startswith("2016年1-5月份,园区")
    assert "完成税收3126万元" in text
    assert "从业人员人数达到3378人" in text
    assert "规模企业投产11家" in text and "商贸企业投产3家" in text
    for heading in ("一、经济运行", "二、土地开发利用", "五、安全生产", "附:数据说明与核对"):
        assert heading in _half(html)


def test_land_report_balance_shows_3585_and_the_38_mu_residual(reports):
    html = reports["land"].html
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    cells = [
        [unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]
    total = next(r for r in cells if r and r[0] == "规划总面积")
    assert total[1] == "3,585" and total[3] == "38.0"
    residual = next(r for r in cells if r and r[0].startswith("未核对面积"))
    assert residual[3] == "38.0"
    road = next(r for r in cells if r and r[0] == "道路用地")
    # one format per column: declared areas are whole 亩, the ledger's have one decimal
    assert road[:3] == ["道路用地", "450", "450.0"]


def test_half_year_report_has_115_hazards_at_23_enterprises(reports):
    html = reports["h1"].html
    # sections are numbered after the office's own ones are merged in: find 安全生产 by name
    # (a part of 一、上半年主要工作完成情况: 「(六)安全生产」)
    page = _half(unescape(html))
    safety = re.split(
        r"(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))安全生产", page, maxsplit=1
    )[1]
    assert "排查出各类安全隐患115处,涉及企业23家" in safety
    assert "2016年上半年" in unescape(html)
