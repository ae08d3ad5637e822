"""The overview report (issue 28, item 3): a zone's parks ranked, with their total.

A generated three-park zone, edited as an office's would be: enterprises that entered this
year, one park's returns stopping in March (未报 for 1-5月), one park whose share rules ask
for more enterprises than it has (its cells withheld in the share copy). The figures are
checked against the independent pandas calculation over the raw files
(tests/zone_reference.py), in the report object and in the rendered HTML, Word and PDF, the
internal and the share copy — rendered with papermill through ``render_report`` as the CLI
does.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import docx
import pytest
import yaml

from parkanalysis.report.form import chinese_form
from parkanalysis.sample import write_synthetic
from tests.helpers import require_chromium, require_tool
from tests.zone_reference import PERIOD, entrants, expected_indicators, stop_after, union

PARKS = ["P001", "P002", "P003"]


@pytest.fixture(scope="module")
def zone(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("overview") / "zone"
    write_synthetic(folder, parks=3, enterprises=20, years=3, seed=41)
    entrants(folder, "P001", 3)
    stop_after(folder, "P003", "2016-03")
    text = (folder / "park.yaml").read_text(encoding="utf-8")
    marker, body = text.split("\n", 1) if text.startswith("#") else ("", text)
    doc = yaml.safe_load(body)
    for park in doc["parks"]:
        if park["park_id"] == "P002":  # more than its 20 enterprises: withheld when shared
            park["config"] = {"share": {"min_enterprises": 25}}
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    (folder / "park.yaml").write_text(f"{marker}\n{body}" if marker else body, encoding="utf-8")
    return folder


def names(folder: Path) -> dict[str, str]:
    doc = yaml.safe_load((folder / "park.yaml").read_text(encoding="utf-8"))
    return {p["park_id"]: p["name"] for p in doc["parks"]}


def park_reference(folder: Path, park: str) -> dict[str, dict[str, float]]:
    return expected_indicators(union([folder], [(folder.name, park)]))


def test_ranking_equals_pandas_per_park(zone):
    from parkanalysis.report import OverviewReport

    r = OverviewReport(data=str(zone), period=PERIOD, outlook=False)
    parks = names(zone)
    ranking = r.ranking.set_index("park")
    refs = {p: park_reference(zone, p) for p in ("P001", "P002")}
    for pid, ref in refs.items():
        row = ranking.loc[parks[pid]]
        assert row["status"] == "已报"
        assert row["tax_per_mu"] == pytest.approx(ref["tax_per_mu"]["value"], rel=1e-6)
        assert row["output_per_mu"] == pytest.approx(ref["output_per_mu"]["value"], rel=1e-6)
        want = ref["industrial_output"]["yoy_pct"]
        assert row["output_yoy_pct"] == pytest.approx(want, abs=1e-4)
        assert row["tax_yoy_pct"] == pytest.approx(ref["tax_revenue"]["yoy_pct"], abs=1e-4)
    # ranked by 亩均税收; the park not covering the period keeps a row saying 未报
    order = sorted(refs, key=lambda p: -refs[p]["tax_per_mu"]["value"])
    assert r.ranking["park"].tolist() == [parks[p] for p in order] + [parks["P003"]]
    assert ranking.loc[parks["P003"], "status"] == "未报"
    assert "2016年3月" in ranking.loc[parks["P003"], "reason"]
    # the sentences name the leading and the lagging park by the pandas figures
    text = r.sentences().html()
    top, last = parks[order[0]], parks[order[-1]]
    assert f"亩均税收{top}最高" in text and f"{last}最低" in text
    assert f"{parks['P003']}本期未报" in text


def _rows(html: str, name: str) -> list[str]:
    """The table rows of ``html`` that mention ``name`` (in the page's Chinese form)."""
    name = chinese_form(name)
    return [row for row in re.split(r"<tr[ >]", html) if name in row.split("</tr>")[0]]


@pytest.fixture(scope="module")
def rendered(zone, tmp_path_factory) -> dict[bool, dict[str, Path]]:
    """The overview, internal and share, in HTML, Word and PDF (papermill + nbconvert)."""
    require_chromium()
    from parkanalysis.render import render_report

    out = tmp_path_factory.mktemp("overview_out")
    files = {}
    for share in (False, True):
        result = render_report(
            "overview",
            out_dir=out,
            formats=("html", "docx", "pdf"),
            data=str(zone),
            period=PERIOD,
            share=share,
        )
        assert result.status == "rendered", result.error
        files[share] = result.outputs
    return files


def test_rendered_overview_carries_the_pandas_total(zone, rendered):
    require_tool("pdftotext")
    total = expected_indicators(union([zone], [(zone.name, p) for p in ("P001", "P002")]))
    level = f"{total['industrial_output']['value']:,.1f}"
    growth = f"{total['industrial_output']['yoy_pct']:.1f}"
    parks = names(zone)
    for share, files in rendered.items():
        html = files["html"].read_text(encoding="utf-8")
        row = _rows(html, "工业总产值(万元)")[0]
        assert level in row and growth in row, row[:400]
        if not share:  # the total's 亩均税收: Σ 税收 ÷ Σ 用地 over the union (a ratio of sums)
            per_mu = f"{total['tax_per_mu']['value']:.2f}"
            assert per_mu in _rows(html, "亩均税收(万元/亩)")[0]
        assert re.search(re.escape(parks["P003"]) + "[(（]", html) and "未报" in html
        assert files["html"].name.startswith("全区园区经济运行与土地利用综述(2016年1-5月)")
        assert files["html"].name.endswith("(对外版).html") == share
        word = docx.Document(str(files["docx"]))
        cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
        assert level in cells
        pdf = subprocess.run(
            ["pdftotext", str(files["pdf"]), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert level in pdf and "各园区排名" in pdf


def test_share_copy_withholds_a_park_with_too_few_enterprises(zone, rendered):
    parks = names(zone)
    p2 = f"{park_reference(zone, 'P002')['tax_per_mu']['value']:.2f}"
    p1 = f"{park_reference(zone, 'P001')['tax_per_mu']['value']:.2f}"
    internal = rendered[False]["html"].read_text(encoding="utf-8")
    shared = rendered[True]["html"].read_text(encoding="utf-8")
    assert p2 in _rows(internal, parks["P002"])[0]
    first = _rows(shared, parks["P002"])[0]
    assert p2 not in first and "不予公布" in first
    assert p1 in _rows(shared, parks["P001"])[0]  # P001 has enough enterprises: shown
    # nor in the sentences and charts' text: the withheld park is not named as leading/lagging
    assert f"亩均税收{parks['P002']}" not in shared and f"{parks['P002']}最低" not in shared
    assert "内部资料" in internal and "内部资料" not in shared


def test_overview_of_a_period_no_park_covers_exits_2(zone, tmp_path, capsys):
    from parkanalysis.cli import main

    code = main(["render", "overview", "--data", str(zone), "--period", "2017年1-5月",
                 "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "2017" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_province_overview_from_a_folder_of_office_folders(zone, tmp_path):
    """Two office folders (ids repeating: P001/E0001 in both) rendered as one overview."""
    import shutil

    from parkanalysis.render import render_report

    root = tmp_path / "province"
    shutil.copytree(zone, root / "a_zone")
    write_synthetic(root / "b_other", parks=2, enterprises=15, years=3, seed=43)
    result = render_report(
        "overview", out_dir=tmp_path / "out", data=str(root), period=PERIOD, outlook=False
    )
    assert result.status == "rendered", result.error
    assert result.html_path.name == "各园区经济运行与土地利用综述(2016年1-5月).html"
    taken = [("a_zone", "P001"), ("a_zone", "P002"), ("b_other", "P001"), ("b_other", "P002")]
    ref = expected_indicators(union([root / "a_zone", root / "b_other"], taken))
    html = result.html_path.read_text(encoding="utf-8")
    row = _rows(html, "工业总产值(万元)")[0]
    assert f"{ref['industrial_output']['value']:,.1f}" in row
    assert f"{ref['industrial_output']['yoy_pct']:.1f}" in row
    assert "未报" in html  # a_zone's P003


def test_batch_renders_the_overview_of_the_year(zone, tmp_path):
    """``batch --kinds overview``: one overview for the year's last 1-N月 (here 1-6月), in
    the index, with the pandas total of the parks that cover it."""
    from parkanalysis.batch import plan_jobs
    from parkanalysis.cli import main

    (job,) = plan_jobs(zone, 2016, out_dir=tmp_path / "out", kinds=("overview",))
    assert job.kind == "overview" and job.params["period"] == "2016-01..2016-06"
    out = tmp_path / "out"
    code = main(["batch", "--data", str(zone), "--year", "2016", "--kinds", "overview",
                 "--out", str(out), "--quiet", "--workers", "1"])  # fmt: skip
    assert code == 0
    (page,) = out.glob("全区园区经济运行与土地利用综述(2016年1-6月).html")
    assert page.name in (out / "index.html").read_text(encoding="utf-8")
    months = [f"2016-{m:02d}" for m in range(1, 7)]
    u = union([zone], [(zone.name, "P001"), (zone.name, "P002")])["monthly"]
    level = u.loc[u["month"].isin(months), "output_wan_yuan"].sum()
    assert f"{level:,.1f}" in _rows(page.read_text(encoding="utf-8"), "工业总产值(万元)")[0]


def test_share_audit_reads_the_overview_pages(zone, tmp_path):
    """The overview's share pages carry their record (pages and numbers, no cell): the
    folder passes ``share-audit``, and a number edited into the page is found (exit 1)."""
    from parkanalysis.cli import main
    from parkanalysis.render import render_report

    out = tmp_path / "share"
    result = render_report(
        "overview", out_dir=out, formats=("html", "docx"), data=str(zone), period=PERIOD,
        share=True, outlook=False,
    )  # fmt: skip
    assert result.status == "rendered", result.error
    assert sorted(p.suffix for p in out.glob("*.cells.json")) == [".json"]
    assert main(["share-audit", str(out)]) == 0
    page = result.html_path.read_text(encoding="utf-8")
    edited = re.sub(r"(<td[^>]*>)\s*[\d,]+\.\d", r"\g<1>987,654.3", page, count=1)
    assert edited != page
    result.html_path.write_text(edited, encoding="utf-8")
    assert main(["share-audit", str(out)]) == 1


def test_render_without_park_renders_each_park_and_the_overview(zone, tmp_path, capsys):
    """``render period`` on a multi-park dataset without ``--park``: each park's report, the
    park whose returns stop in March named as not rendered (never a bare exit 2), and the
    overview carrying the pandas total of the parks that cover the period."""
    from parkanalysis.cli import main

    out = tmp_path / "out"
    code = main(["render", "period", "--data", str(zone), "--period", PERIOD, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    parks = names(zone)
    pages = {p.name for p in out.glob("*.html")}
    for pid in ("P001", "P002"):
        assert any(n.startswith(f"{parks[pid]}2016年1-5月") for n in pages), pages
    assert not any(n.startswith(parks["P003"]) for n in pages)
    assert f"未生成 {parks['P003']}" in captured.err and "Traceback" not in captured.err
    (overview,) = out.glob("全区园区经济运行与土地利用综述(2016年1-5月).html")
    assert str(overview) in captured.out and "index.html" in captured.out
    index = (out / "index.html").read_text(encoding="utf-8")  # listed under its own title
    assert ">全区园区经济运行与土地利用综述(2016年1-5月)</a>" in index
    total = expected_indicators(union([zone], [(zone.name, p) for p in ("P001", "P002")]))
    row = _rows(overview.read_text(encoding="utf-8"), "工业总产值(万元)")[0]
    assert f"{total['industrial_output']['value']:,.1f}" in row
    assert f"{total['industrial_output']['yoy_pct']:.1f}" in row


def test_render_land_without_park_matches_the_land_command(zone, tmp_path, capsys):
    """``render land`` without ``--park``: every park's land report its data allow (the park
    whose returns stop in March is named: its own report cannot be dated May) and the
    overview, whose land total is what ``land`` without ``--park`` prints and the pandas land
    of the raw files as of the same cut-off (land is a stock: every park's ledger counts)."""
    import json

    from parkanalysis.cli import main
    from tests.zone_reference import expected_land

    out = tmp_path / "out"
    code = main(["render", "land", "--data", str(zone), "--period", "2016-05", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    parks = names(zone)
    pages = {p.name for p in out.glob("*.html")}
    for pid in ("P001", "P002"):
        assert f"{parks[pid]}土地供应与扩园需求分析(截至2016年5月).html" in pages, pages
    assert not any(n.startswith(parks["P003"]) for n in pages)
    assert f"未生成 {parks['P003']}" in captured.err and "Traceback" not in captured.err
    (overview,) = out.glob("全区园区经济运行与土地利用综述(2016年1-5月).html")
    assert main(["land", str(zone), "--as-of", "2016-05", "--format", "json"]) == 0
    cli = {r["id"]: r["全区"] for r in json.loads(capsys.readouterr().out)}
    ref = expected_land(union([zone], [(zone.name, p) for p in PARKS]), "2016-05-31")
    html = overview.read_text(encoding="utf-8")
    for rid, label in (("supplied_mu", "已供应土地"), ("remaining_supplyable_mu", "尚可供应土地")):
        assert cli[rid] == pytest.approx(ref[rid], abs=1e-6)
        row = _rows(html, label)[0]
        assert f"{ref[rid]:,.1f}" in row, row[:300]


def test_expansion_need_is_each_parks_own_outlook(zone):
    """The ranking's 扩园需求 is each park's net need from its own full outlook (with the
    backtest the land report shows; the overview skips the backtest, which the need does
    not depend on)."""
    from parkanalysis.dataset import load_dataset
    from parkanalysis.land import land_outlook_for
    from parkanalysis.report import OverviewReport

    r = OverviewReport(data=str(zone), period=PERIOD)
    ds = load_dataset(zone)
    ranking = r.ranking.set_index("park")
    for pid, name in names(zone).items():
        full = land_outlook_for(ds, park=pid, as_of=r.cutoff, backtest=True)
        want = max(0.0, float(full.headline_need()[1]))
        assert ranking.loc[name, "expansion_need_mu"] == pytest.approx(want, rel=1e-12)


def _page_copy(page: Path) -> tuple[str, str, bool]:
    """What a rendered page says of its copy, read from the page itself: the title (with its
    copy's mark), the 落款's 成文日期 and whether it carries the 工作稿's provenance footer."""
    html = page.read_text(encoding="utf-8")
    h1 = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).strip()
    dates = re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", re.sub(r"<[^>]+>", "", html))
    title = unicodedata.normalize("NFKC", h1.rstrip("¶ "))  # the page's full-width （）
    return title, dates[-1] if dates else "", "报告来源信息" in html


@pytest.mark.parametrize("copy", ["work", "final"])
def test_batch_gives_the_overview_the_copy_and_date_of_the_others(zone, tmp_path, copy):
    """``batch --copy … --date …`` with the overview: every page — the parks' and the
    overview — is the same copy (its title's mark, the 工作稿's provenance footer) with the
    same 成文日期 in its 落款, read from the pages."""
    from parkanalysis.cli import main

    out = tmp_path / "out"
    code = main(["batch", "--data", str(zone), "--year", "2016", "--kinds", "half,overview",
                 "--copy", copy, "--date", "2016-07-05", "--out", str(out), "--quiet",
                 "--workers", "1"])  # fmt: skip
    assert code == 0
    pages = sorted(out.glob("*.html"))
    pages = [p for p in pages if not p.name.startswith("index")]
    overview = [p for p in pages if "综述" in p.name]
    assert len(overview) == 1 and len(pages) == 3, [p.name for p in pages]
    seen = {p.name: _page_copy(p) for p in pages}
    for name, (title, date, footer) in seen.items():
        assert title.endswith("(工作稿)") == (copy == "work"), (name, title)
        assert name.endswith("(工作稿).html") == (copy == "work"), name
        assert date == "2016年7月5日", (name, date)
        assert footer == (copy == "work"), name


def test_render_period_for_the_zone_total(zone, tmp_path, capsys):
    """``render period --park 全区`` (park.yaml's zone name): the total's report of the
    period — the overview — whose total is the pandas calculation over the raw files
    (levels summed, 同口径 over the union, 亩均 from sums; the park stopping in March 未报);
    ``render land --park 全区`` exits 2 saying where the total's land is, writing nothing."""
    from parkanalysis.cli import main

    out = tmp_path / "out"
    code = main(["render", "period", "--data", str(zone), "--park", "全区", "--period", PERIOD,
                 "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    pages = sorted(p.name for p in out.glob("*.html"))
    assert pages == ["全区园区经济运行与土地利用综述(2016年1-5月).html"], pages
    html = (out / pages[0]).read_text(encoding="utf-8")
    total = expected_indicators(union([zone], [(zone.name, p) for p in ("P001", "P002")]))
    for rid, label in (("industrial_output", "工业总产值(万元)"), ("tax_revenue", "税收(万元)")):
        row = _rows(html, label)[0]
        assert f"{total[rid]['value']:,.1f}" in row, (label, row[:300])
        assert f"{total[rid]['yoy_pct']:.1f}" in row, (label, row[:300])
    assert f"{total['tax_per_mu']['value']:.2f}" in _rows(html, "亩均税收(万元/亩)")[0]
    assert "未报" in html

    land = tmp_path / "land"
    code = main(["render", "land", "--data", str(zone), "--park", "全区", "--period", "2016-05",
                 "--out", str(land)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "全区没有单独的土地供应与扩园需求分析" in err and "parkanalysis land" in err
    assert not land.exists() or not any(land.iterdir())


@pytest.mark.parametrize("share", [False, True])
def test_overview_fits_a_phone(rendered, offline_page, share):
    """At 420 px every table of the overview fits the screen whole (headers wrap, numbers
    do not), so no column or caption hides behind a sideways scroll, and every chart loads."""
    op = offline_page(width=420, height=900)
    page = op.open(rendered[share]["html"])
    assert not op.blocked and not op.errors
    fit = page.evaluate(
        """() => ({view: window.innerWidth, doc: document.documentElement.scrollWidth,
                   tables: [...document.querySelectorAll('table')].map(t => [
                       t.querySelector('caption')?.textContent || '',
                       Math.ceil(t.getBoundingClientRect().right)]),
                   images: [...document.images].map(i => i.naturalWidth > 0 && i.complete)})"""
    )
    assert fit["doc"] <= fit["view"]
    assert len(fit["tables"]) >= 3 and fit["images"] and all(fit["images"])
    wide = [(c, right) for c, right in fit["tables"] if right > fit["view"]]
    assert not wide, (fit["view"], wide)
