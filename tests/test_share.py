"""Share mode (``--share``) discloses no enterprise and no aggregate of too few enterprises.

The share reports of the sample (rendered once per session by conftest.py) are scanned for
every enterprise name, short name and id of ``ds.enterprises`` and every project name;
copies of the sample with a higher threshold (``share.min_enterprises`` in park.yaml)
force the suppression of known figures, which must be replaced by the marker.
"""

from __future__ import annotations

import re
import shutil
from html import unescape as html_unescape

import pytest
import yaml
from conftest import SAMPLE, ReportSet

from parkanalysis.dataset import load_dataset
from parkanalysis.projects import short_name

pytestmark = pytest.mark.slow

SHARE = ["period_share", "h1_share", "land_share"]


def unescape(html: str) -> str:
    """The page's text with full-width punctuation read as half-width: these tests read
    the words and figures; the form is tests/test_copies.py's and tests/test_form.py's."""
    return html_unescape(html).translate(str.maketrans("，；：（）？！", ",;:()?!"))


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
#: What a share report prints instead of a withheld figure (ShareRules.marker).
MARKER = "—(少于{k}家或由个别企业主导,不予公布)"


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
    assert "对外版" in text and MARKER.format(k=3) in text  # the banner explains the marker


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
    # counts are exact integers (the categories add up to the total exactly): the half-year
    # either prints the total with those figures withheld, or withholds the hazards altogether
    if "排查出各类安全隐患115处,涉及企业23家" in shared:
        assert "重大隐患数、逾期未整改数不予公布" in shared
        assert "部分类别的隐患数不予公布,图中未画出" in shared
        assert "危化品" not in shared  # 3 hazards at fewer than 3 firms: not even named
    else:
        assert "排查出安全隐患" + MARKER.format(k=3) in shared


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
    marker = MARKER.format(k=12)
    # 规上 output is shown as the statistics bureau's published figure (公布数) in 表1;
    # the figure computed from the 11 enterprises' returns (规上产值占比 built on it) is what
    # the rule protects
    open_text = unescape(reports["period_share"].html)
    # 1-5月: 规上 is the bureau's figure, 工业总产值 a computed one — no share of one over the
    # other (issue 25); the computed share stays unprinted at every threshold
    assert "规模工业总产值占全部工业总产值的" not in open_text
    html = threshold_reports["period12"].html
    above = _row(html, "规模工业总产值(亿元)")
    assert above[1] == "3.32" and above[-1] == "公布数"  # the bureau's figure stays
    for number in ("32,939.5", "9,499.1", "79.8%", "3.29亿元"):
        assert number not in unescape(html)
    assert _row(html, "工业总产值(亿元)")[1] == "4.13"  # 36 enterprises: shown
    assert _row(html, "规上工业企业数(家)")[1] == "11"  # a count is published
    assert "对外版不予公布" in unescape(html)
    text = unescape(html)  # hazard categories at < 12 enterprises: withheld, or the total too
    assert "部分类别的隐患数不予公布" in text or f"排查出安全隐患{marker}" in text


def test_threshold_suppresses_a_land_ratio_built_on_few_enterprises(threshold_reports, reports):
    """工业用地亩均税收's numerator has 37 non-zero taxpayers (38 enterprises on the land, one
    without tax; tests/test_report_boundaries.py counts them): withheld at k=40, while the
    park's 综合亩均税收 (56 taxpayers) stays printed."""
    assert _row(reports["land_share"].html, "工业用地亩均税收(近12个月)")[1] != MARKER.format(k=3)
    html = threshold_reports["land40"].html
    row = _row(html, "工业用地亩均税收(近12个月)")
    assert row[1] == MARKER.format(k=40)
    assert "38家企业" not in html
    assert _row(html, "综合亩均税收(近12个月)")[1] != row[1]  # the park's tax: enough firms


# --------------------------------------------------------------------------- issue 15
@pytest.fixture(scope="module")
def share_set(kernel_session, tmp_path_factory):
    """1-3月, 二季度 and 上半年 share reports of the sample in one folder (one batch's pages)."""
    from parkanalysis.render import render_report

    out = tmp_path_factory.mktemp("share_set")
    pages = {}
    for period in ("2016年1-3月", "2016Q2", "2016H1"):
        result = render_report(
            "period", out_dir=out, session=kernel_session, force=True,
            data=str(SAMPLE), period=period, share=True,
        )  # fmt: skip
        assert result.status == "rendered", result.error
        pages[period] = unescape(result.html_path.read_text(encoding="utf-8"))
    return out, pages


def test_single_firm_relocation_land_appears_nowhere(share_set):
    """In March 2016 one relocation (27.6 亩) is under way: its land is one enterprise's."""
    ds = load_dataset(SAMPLE)
    from parkanalysis.projects import relocation_status

    status = relocation_status(ds, as_of="2016-03")
    assert len(status) == 1  # the adversarial situation is really there
    land = f"{float(status['land_freed_mu'].iloc[0]):.1f}亩"
    _out, pages = share_set
    text = pages["2016年1-3月"]
    assert land not in text and "若搬迁置换腾退土地" not in text
    assert "涉及腾退土地" + MARKER.format(k=3) in text


def test_share_copy_has_no_internal_qa(share_set):
    _out, pages = share_set
    for text in pages.values():
        assert "七、数据核对" not in text and "数据校验" not in text
        assert ".csv" not in text and ".xlsx" not in text


def test_hazard_figures_of_one_batch_cannot_be_subtracted(share_set):
    """危化品 in 1-3月, 二季度 and 上半年: never two printed with the third derivable."""
    ds = load_dataset(SAMPLE)
    hz = ds.hazards[ds.hazards["inspection_date"].dt.year == 2016]
    chem = hz[hz["category"] == "危化品"]
    firms = chem.groupby(chem["inspection_date"].dt.month <= 3)["enterprise_id"].nunique()
    assert firms.min() < 3  # each side comes from fewer than 3 enterprises
    _out, pages = share_set
    for text in pages.values():  # its count withheld, alone or with every hazard figure
        assert "危化品" not in text  # withheld and not named (a named category counts ≥ 1)
        assert "部分类别的隐患数不予公布" in text or "排查出安全隐患" + MARKER.format(k=3) in text


def test_share_audit_of_the_rendered_pages(share_set):
    from parkanalysis.share.sidecar import audit_folder, audit_text

    out, _pages = share_set
    sidecars = sorted(out.glob("*.cells.json"))
    assert len(sidecars) == 3  # one next to each page
    result = audit_folder(out)
    assert result.ok, audit_text(result)
    withheld = {
        c.id for g in result.groups.values() for c in g["cells"].values() if c.status != "published"
    }
    assert "hazards_found:危化品|2016-04..2016-06" in withheld
    for path in sidecars:  # a sidecar holds no withheld value
        import json

        record = json.loads(path.read_text(encoding="utf-8"))
        assert all(c["value"] is None for c in record["cells"] if c["status"] == "withheld")


def test_share_batch_audits_itself_and_has_its_own_index(tmp_path):
    from parkanalysis import batch

    out = tmp_path / "out"
    base = {"data": str(SAMPLE), "park": None}
    jobs = [
        batch.Job("period", {**base, "period": "2016年1-3月", "share": True}, str(out)),
        batch.Job("period", {**base, "period": "2016Q2", "share": True}, str(out)),
        batch.Job("period", {**base, "period": "2016Q2", "share": False}, str(out)),
    ]
    summary = batch.run_batch(data=SAMPLE, year=0, jobs=jobs, workers=1, progress=False, share=True)
    assert summary.ok, summary.describe()
    assert "未发现可推算的不公布数字" in summary.describe()
    office = (out / "index.html").read_text(encoding="utf-8")
    shared = (out / "index_share.html").read_text(encoding="utf-8")
    names = [job.name for job in jobs]  # the naming rule's file names
    assert names[2] in office and names[0] not in office and names[1] not in office
    assert names[1] in shared and f'{names[2]}"' not in shared
    assert len(list(out.glob("*.cells.json"))) == 2
