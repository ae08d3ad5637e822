"""Nothing in the data runs: hostile names are shown as text in HTML, browser and XLSX.

A copy of the sample dataset gets enterprise, project and park names and a published
figure's source and indicator that contain markup, template syntax, Markdown and
spreadsheet formulas. The period and land reports render it; the HTML must carry the text
escaped, the browser must run nothing and fetch nothing, and every XLSX export must store
the strings as text (no ``<f>`` formula element in the sheet XML).
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from html import unescape

import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import SAMPLE

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
JINJA = "{{ 7*7 }}"
RAW = "{% raw %}"
MARKDOWN = "**粗体** [链接](http://evil.example)"
HYPERLINK = '=HYPERLINK("http://evil.example","点击")'
DDE = "+cmd|' /C calc'!A0"
AT = "@SUM(1)"
FORMULAS = (HYPERLINK, DDE, AT)
HOSTILE = (SCRIPT, IMG, JINJA, RAW, MARKDOWN, *FORMULAS)

#: enterprise id → hostile name. GMY001/002/005 are relocating (named in the report), GMY057
#: and GMY058 are the D-class enterprises named under 存在问题.
ENTERPRISE_NAMES = {
    "GMY001": f"{SCRIPT}九州方圆家具有限公司",
    "GMY002": f"{IMG}九州华隆家具有限公司",
    "GMY005": f"{JINJA}{RAW}九州兰天家具有限公司",
    "GMY057": MARKDOWN,
    "GMY058": HYPERLINK,
    "GMY003": DDE,
    "GMY004": AT,
}
PROJECT_NAMES = {"WSGG": f"{SCRIPT}温莎公馆", "HLGC": HYPERLINK, "HHZ-KJ": f"{JINJA}{IMG}"}
PARK_NAME = f"工贸园{JINJA}"


def _rewrite(path, column, mapping, key):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for ident, value in mapping.items():
        frame.loc[frame[key] == ident, column] = value
    frame.to_csv(path, index=False, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "data"
    import shutil

    shutil.copytree(SAMPLE, folder)
    _rewrite(folder / "enterprises.csv", "企业名称", ENTERPRISE_NAMES, "企业代码")
    _rewrite(folder / "projects.csv", "项目名称", PROJECT_NAMES, "项目代码")
    published = pd.read_csv(folder / "published.csv", dtype=str, keep_default_na=False)
    published.loc[published["时期"] == "2016-01..2016-05", "来源"] = f"{MARKDOWN}{SCRIPT}"
    extra = published.iloc[[0]].assign(
        **{"指标代码": HYPERLINK, "时期": "2016-01..2016-05", "来源": DDE}
    )
    pd.concat([published, extra]).to_csv(folder / "published.csv", index=False)
    profile = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    profile["parks"][0]["name"] = PARK_NAME
    (folder / "park.yaml").write_text(
        yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    from parkanalysis.dataset import load_dataset

    ds = load_dataset(folder)  # the data stay valid: the names are just text
    assert ds.enterprises.set_index("enterprise_id").loc["GMY001", "name"].startswith(SCRIPT)
    return folder


@pytest.fixture(scope="module")
def hostile_reports(hostile_data, kernel_session, tmp_path_factory):
    from conftest import ReportSet

    reports = ReportSet(kernel_session, tmp_path_factory.mktemp("hostile_reports"))
    return [
        reports.render("hostile_period", "period", data=hostile_data, period="2016年1-5月"),
        reports.render("hostile_h1", "period", data=hostile_data, period="2016H1"),
        reports.render("hostile_land", "land", data=hostile_data),
    ]


def test_hostile_text_is_escaped_in_the_html(hostile_reports):
    period = hostile_reports[0]
    html = period.html
    # the names did reach the page (as text), so the test is looking at the right place
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # (quotes inside text may come out as " or &quot;: both are text, not markup)
    assert re.search(r"&lt;img src=x onerror=(&quot;|\")window.__pwned=1(&quot;|\")&gt;", html)
    # (a bracket holding Chinese is written full-width in a report: report/form.py)
    assert re.search(r"=HYPERLINK[(（](&quot;|\")http://evil.example", html)
    assert "**粗体** [链接](http://evil.example)" in html  # Markdown not rendered
    for rendered in hostile_reports:
        html = rendered.html
        assert JINJA in unescape(html), "template syntax should appear as written"
        assert "工贸园49" not in html and ">49<" not in html
        assert "<script" not in html.lower()
        assert "<img src=x" not in html
        assert not re.search(r"<img(?![^>]*src=\"data:image/png;base64,)", html)
        assert not re.search(r"""(href|src)\s*=\s*["']?https?://evil""", html)
        assert "<strong>粗体</strong>" not in html and "<a href" not in html.split("</nav>", 1)[1]
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert title.startswith("工贸园{{ 7*7 }}")


def test_hostile_pages_run_nothing_in_the_browser(hostile_reports, offline_page):
    for rendered in hostile_reports:
        op = offline_page()
        page = op.open(rendered.path)
        page.wait_for_timeout(200)
        assert page.evaluate("() => typeof window.__pwned") == "undefined"
        assert not op.dialogs, op.dialogs
        assert not op.blocked, op.blocked
        assert not op.failed, op.failed
        assert not op.errors, op.errors
        assert page.locator("script").count() == 0
        assert SCRIPT in page.locator("body").inner_text() or rendered.name == "hostile_land"


def _assert_text_not_formulas(path, expected):
    book = openpyxl.load_workbook(path)
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in expected:
                    assert cell.data_type == "s", (cell.coordinate, cell.data_type)
                    found.add(cell.value)
    assert found == set(expected), f"missing from the workbook: {set(expected) - found}"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def test_cli_indicators_xlsx_writes_text_not_formulas(hostile_data, tmp_path):
    out = tmp_path / "indicators.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "parkanalysis.cli", "indicators", str(hostile_data),
         "--period", "2016年1-5月", "--format", "xlsx", "--output", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    _assert_text_not_formulas(out, [HYPERLINK])


def test_enterprise_xlsx_export_writes_text_not_formulas(hostile_data, tmp_path):
    from parkanalysis.dataset import load_dataset
    from parkanalysis.indicators import enterprise_table
    from parkanalysis.labels import to_excel_bytes

    table = enterprise_table(load_dataset(hostile_data), "2016年1-5月")
    out = tmp_path / "enterprises.xlsx"
    out.write_bytes(to_excel_bytes({"企业明细": table}))
    _assert_text_not_formulas(out, list(FORMULAS))
    cell = next(
        c
        for row in openpyxl.load_workbook(out).active.iter_rows()
        for c in row
        if c.value == HYPERLINK
    )
    assert cell.value.startswith("=") and cell.data_type == "s"
