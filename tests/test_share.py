"""Share mode (``--share``) discloses no enterprise and no aggregate of too few enterprises.

The share reports of the sample (rendered once per session by conftest.py) are scanned for
every enterprise name, short name and id of ``ds.enterprises`` and every project name;
copies of the sample with a higher threshold (``share.min_enterprises`` in park.yaml)
force the suppression of known figures, which must be replaced by the marker.
"""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
import yaml
from conftest import SAMPLE, ReportSet

from parkanalysis.dataset import load_dataset
from parkanalysis.projects import short_name

pytestmark = pytest.mark.slow

SHARE = ["period_share", "h1_share", "land_share"]


def _all_text(html: str) -> str:
    """Everything a reader (or a copy-paste) can get from the page, images' data aside."""
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    return unescape(html)


def _identifiers():
    ds = load_dataset(SAMPLE)
    region = ds.profile.parks["GMY"].region
    names = set()
    for ident, name in zip(ds.enterprises["enterprise_id"], ds.enterprises["name"], strict=True):
        names.update({ident, name, short_name(name, region=region), short_name(name)})
    projects = set(ds.projects["name"]) | set(ds.projects["project_id"])
    return sorted(names, key=len, reverse=True), sorted(projects)


ENTERPRISES, PROJECTS = _identifiers()


def test_the_scan_would_see_names(reports):
    """The office version does name enterprises: the scan below is not vacuous."""
    text = _all_text(reports["period"].html)
    assert sum(name in text for name in ENTERPRISES) >= 6
    text = _all_text(reports["h1"].html)
    assert any(name in text for name in PROJECTS)


@pytest.mark.parametrize("name", SHARE)
def test_share_report_names_no_enterprise(reports, name):
    text = _all_text(reports[name].html)
    found = [n for n in ENTERPRISES if n in text]
    assert not found, f"enterprise names or ids in {name}: {found}"
    found = [p for p in PROJECTS if p in text]
    assert not found, f"project names in {name}: {found}"
    assert re.search(r"GMY\d{3}", text) is None
    assert "对外版" in text and "—(少于3家,不予公布)" in text  # the banner explains the marker


def test_share_period_report_drops_enterprise_rows(reports):
    html = reports["period_share"].html
    assert "搬迁置换进展" not in html and "楼栋形象进度" not in html
    assert "逾期未整改隐患" not in html
    assert "搬迁置换企业3家" in unescape(html)
    assert "亩均效益评价为D类的企业2家" in unescape(html)  # a count, without the names
    assert "企业未登记用地" not in html and "增速异常" not in html


def test_share_half_year_withholds_a_hazard_figure_of_one_enterprise(reports):
    """2016H1: the one 重大 hazard and the one overdue hazard are each at one enterprise."""
    office = unescape(reports["h1"].html)
    shared = unescape(reports["h1_share"].html)
    assert "其中重大隐患1处" in office and "逾期未整改1处" in office
    assert "重大隐患1处" not in shared and "逾期未整改1处" not in shared
    assert "排查出各类安全隐患115处,涉及企业23家" in shared
    assert "重大隐患数、逾期未整改数涉及企业少于3家,不予公布" in shared
    assert "其他类别(合并)" in shared


def _copy_with_threshold(tmp_path, k: int):
    folder = tmp_path / f"min{k}"
    shutil.copytree(SAMPLE, folder)
    profile = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    profile["config"]["share"]["min_enterprises"] = k
    (folder / "park.yaml").write_text(
        yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return folder


def _row(html: str, first_cell: str) -> list[str]:
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r}")


@pytest.fixture(scope="module")
def threshold_reports(kernel_session, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("threshold")
    reports = ReportSet(kernel_session, tmp / "out")
    return {
        "period12": reports.render(
            "period12", "period", data=_copy_with_threshold(tmp, 12),
            period="2016年1-5月", share=True,
        ),
        "land40": reports.render("land40", "land", data=_copy_with_threshold(tmp, 40), share=True),
    }  # fmt: skip


def test_threshold_suppresses_the_above_size_figures(threshold_reports, reports):
    """规上 output comes from 11 enterprises: published at k=3, withheld at k=12."""
    marker = "—(少于12家,不予公布)"
    open_html = reports["period_share"].html
    assert _row(open_html, "规模工业总产值")[1] == "32,939.5"
    html = threshold_reports["period12"].html
    above = _row(html, "规模工业总产值")
    assert above[1] == marker and above[3] == marker
    assert above[5] == "33,240"  # the statistics bureau's published figure stays
    assert _row(html, "规模工业增加值")[1] == marker
    assert _row(html, "规上产值占比")[1] == marker  # 11 规上 of 36: the smaller group is 11
    for number in ("32,939.5", "9,499.1", "79.8"):
        assert number not in html
    assert _row(html, "工业总产值")[1] == "41,261.9"  # 36 enterprises: shown
    assert _row(html, "规上工业企业数")[1] == "11"  # a count is published
    assert "少于12家企业汇总得出,对外版不予公布" in unescape(html)
    assert "其他类别(合并)" in unescape(html)  # hazard categories at < 12 enterprises merged


def test_threshold_suppresses_a_land_ratio_built_on_few_enterprises(threshold_reports, reports):
    """工业用地地均税收 comes from 38 enterprises: withheld at k=40."""
    assert _row(reports["land_share"].html, "工业用地地均税收")[1] != "—(少于3家,不予公布)"
    html = threshold_reports["land40"].html
    row = _row(html, "工业用地地均税收")
    assert row[1] == "—(少于40家,不予公布)"
    assert "38家企业" not in html
    assert _row(html, "综合地均税收")[1] != row[1]  # the whole park's tax: enough enterprises
