"""The index of a batch over a folder of office folders (a province), in a real browser.

``batch`` over a folder whose subfolders each hold a dataset writes each office's reports
and index into its own subfolder and the overview into the folder itself; the folder's
``index.html`` links each office's own index and the overview. Opened in headless Chromium
with the network cut, every link is followed to a file that exists, and each office's index
lists that office's parks' reports.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from parkanalysis.sample import write_synthetic


def _park_names(folder: Path) -> list[str]:
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    return [p["name"] for p in doc["parks"]]


def _links(page) -> list[Path]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    return [Path(unquote(urlparse(h).path)) for h in hrefs]


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> tuple[Path, Path]:
    from parkanalysis.cli import main

    root = tmp_path_factory.mktemp("province") / "data"
    write_synthetic(root / "东部开发区", parks=2, enterprises=10, years=2, seed=5)
    write_synthetic(root / "西部开发区", parks=2, enterprises=12, years=2, seed=6)
    out = root.parent / "out"
    code = main(["batch", "--data", str(root), "--year", "2016", "--kinds", "half,overview",
                 "--out", str(out), "--quiet", "--workers", "1"])  # fmt: skip
    assert code == 0
    return root, out


def test_province_index_links_each_office_index_and_the_overview(province, offline_page):
    root, out = province
    op = offline_page(width=1000, height=900)
    page = op.open(out / "index.html")
    assert not op.blocked and not op.errors
    links = _links(page)
    assert links and all(p.is_file() for p in links), [p for p in links if not p.is_file()]
    offices = ["东部开发区", "西部开发区"]
    assert [p for p in links if p.name == "index.html"] == [out / o / "index.html" for o in offices]
    (overview,) = out.glob("各园区经济运行与土地利用综述(2016年1-6月).html")
    assert overview in links
    for office in offices:  # follow the link as a reader does: click it
        page = op.open(out / "index.html")
        with page.expect_navigation():
            page.click(f"a[href='{office}/index.html']")
        assert Path(unquote(urlparse(page.url).path)) == out / office / "index.html"
        own = _links(page)
        assert own and all(p.is_file() for p in own), [p for p in own if not p.is_file()]
        assert all(p.parent == out / office for p in own)
        text = page.inner_text("body")
        for park in _park_names(root / office):  # each park's 上半年工作总结, in its office
            assert f"{park}2016年上半年工作总结" in text
    page = op.open(out / "index.html")
    with page.expect_navigation():
        page.click(f"a[href='{overview.name}']")
    h1 = page.inner_text("h1")
    assert "园区经济运行与土地利用综述" in h1 and "2016年1-6月" in h1
    assert not op.blocked and not op.failed and not op.errors


def test_an_office_index_lists_no_offices(province):
    """The offices' own indexes are as before: no table of offices below them."""
    _, out = province
    for office in ("东部开发区", "西部开发区"):
        html = (out / office / "index.html").read_text(encoding="utf-8")
        assert "各地报告" not in html and "<h1>园区报告索引" in html
    assert "各地报告" in (out / "index.html").read_text(encoding="utf-8")


def test_share_index_links_the_offices_share_indexes(tmp_path):
    """A share batch over offices: ``OUT/index_share.html`` links each office's
    ``index_share.html`` (never its office index), with its parks and counts."""
    import re

    from parkanalysis.batch import job_result, record_results
    from parkanalysis.batch.jobs import Job

    for office, parks in (("甲办", ["一园", "二园"]), ("乙办", ["三园"])):
        for park in parks:
            params = {"period": "2016-01..2016-06", "park": park}
            job = Job(
                "period", params, str(tmp_path / office), label="2016年上半年", park_name=park
            )
            result = job_result(job, "rendered", 1.0)
            result.name = f"{park}2016年上半年工作总结(对外版).html"
            record_results(tmp_path / office, [result])
    index = record_results(tmp_path, [])
    assert index == tmp_path / "index_share.html"
    page = index.read_text(encoding="utf-8")
    assert re.findall(r'href="([^"]+)"', page) == ["乙办/index_share.html", "甲办/index_share.html"]
    assert all((tmp_path / h).is_file() for h in re.findall(r'href="([^"]+)"', page))
    assert "一园、二园" in page and "三园" in page
    assert not (tmp_path / "index.html").exists()  # no office index of share copies
