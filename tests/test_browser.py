"""The rendered reports in a real browser (headless Chromium) with the network cut.

What a reader who opens the file offline sees: no request leaves the page, no console
error, every chart loads, the Chinese headings are there, and on a phone the page does not
scroll sideways (wide tables scroll inside their own box). Full-page screenshots are saved
under the run's temporary folder; their paths are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import pytest
from conftest import REPORTS

pytestmark = pytest.mark.slow

APPENDIX = "附：数据说明与核对"  # the 工作稿 only
HEADINGS = {
    "period": ["一、经济运行", "二、土地开发利用", "三、项目建设", "四、企业服务与搬迁置换",
               "五、安全生产", "六、存在问题", APPENDIX],
    "land": ["一、结论", "二、供地历史", "三、用地平衡与集约利用", "四、供地预测",
             "五、可供土地用尽时间", "六、扩园需求", "七、情景分析", APPENDIX],
    # the half-year 工作总结 in the seed's three parts; the sections before 存在问题, the
    # office's own (data/sample/texts/2016H1.md) merged in, are the first part's h3
    "h1": ["一、上半年主要工作完成情况", "二、存在问题", "三、下半年工作计划", APPENDIX],
}  # fmt: skip
HEADINGS["period_share"] = HEADINGS["period"][:-1]
HEADINGS["h1_share"] = HEADINGS["h1_final"] = HEADINGS["h1"][:-1]
HEADINGS["land_share"] = HEADINGS["land_final"] = HEADINGS["land"][:-1]


def _check_page(op, page):
    assert not op.blocked, f"requests left the page: {op.blocked}"
    assert not op.failed, f"failed requests: {op.failed}"
    assert not op.errors, f"console errors: {op.errors}"
    assert not op.dialogs, f"dialogs: {op.dialogs}"
    broken = page.evaluate(
        "() => [...document.images]"
        ".filter(i => !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0))"
        ".map(i => i.alt)"
    )
    assert not broken, f"images that did not load: {broken}"
    assert page.evaluate("() => document.images.length") > 0


@pytest.mark.parametrize("name", list(REPORTS))
def test_report_in_the_browser_offline(reports, offline_page, output_dir, name):
    rendered = reports[name]
    op = offline_page(width=1000, height=900)
    page = op.open(rendered.path)
    _check_page(op, page)
    headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent.trim())")
    headings = [h.replace("¶", "").strip() for h in headings]
    assert headings == HEADINGS.get(name, HEADINGS[rendered.kind])
    assert page.title().startswith("工贸园")
    # the table of contents jumps to its sections
    # (二级标题, e.g. the office's "(一)道路与配套设施", are listed too)
    subheadings = page.eval_on_selector_all("h3", "els => els.length")
    assert page.locator("nav.pa-toc a").count() == len(headings) + subheadings
    shot = output_dir / f"{name}_desktop.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot: {shot}")


@pytest.mark.parametrize("name", ["period", "land", "h1_share"])
def test_report_on_a_phone_does_not_scroll_sideways(reports, offline_page, output_dir, name):
    rendered = reports[name]
    op = offline_page(width=375, height=740)
    page = op.open(rendered.path)
    _check_page(op, page)
    widths = page.evaluate(
        "() => ({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
        " view: window.innerWidth})"
    )
    assert widths["doc"] <= widths["view"] and widths["body"] <= widths["view"], widths
    # wide tables scroll inside their wrapper, which itself fits the screen
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('table')].filter(t => {
               const r = t.getBoundingClientRect();
               if (r.right <= window.innerWidth + 1) return false;
               let p = t.parentElement;
               while (p && p !== document.body) {
                 const s = getComputedStyle(p);
                 if (['auto', 'scroll'].includes(s.overflowX) &&
                     p.getBoundingClientRect().right <= window.innerWidth + 1) return false;
                 p = p.parentElement;
               }
               return true;
             }).map(t => (t.caption || t.rows[0]).textContent.slice(0, 40))"""
    )
    assert not overflowing, f"tables wider than the phone without a scroll box: {overflowing}"
    shot = output_dir / f"{name}_phone.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot: {shot}")
