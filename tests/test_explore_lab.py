"""The analyst's tour (notebooks/explore.ipynb) in a real browser.

* In JupyterLab (the ``lab`` fixture of test_jupyterlab: a temporary copy of the notebook
  and the sample, its own config folders): Run All, then change the indicator and the
  period pickers and check that the table and the chart shown below them change; a
  Chinese table sorts when its header is clicked. Screenshots go to the session's
  screenshots folder.
* Offline: the tour exported to HTML (``parkanalysis render explore``) sorts and filters its
  tables in Chromium with the network cut (nothing is loaded from anywhere).

Waits are on states (kernel idle, every cell numbered, the output showing the new choice).
"""

from __future__ import annotations

import json

import pytest
from test_jupyterlab import lab, run_all  # noqa: F401  (the JupyterLab fixture, reused)

pytestmark = pytest.mark.slow

#: Ceiling of the waits (a hang becomes a failure); the waits themselves are on states.
HANG_MS = 600_000
_IDLE = ".jp-Notebook-ExecutionIndicator[data-status='idle']"


def _dashboard_state(dashboard) -> tuple[str, str]:
    """(caption of the table, src of the chart) shown under the pickers."""
    caption = dashboard.locator(".pa-zh .pa-cap").first.inner_text()
    chart = dashboard.locator("img").first.get_attribute("src") or ""
    return caption, chart


def _column_keys(table, column: int) -> list[str | None]:
    return [
        r.locator("td").nth(column).get_attribute("data-v") for r in table.locator("tbody tr").all()
    ]


def test_tour_pickers_change_the_table_and_chart_in_jupyterlab(lab, browser, output_dir):  # noqa: F811
    base, token, root = lab
    notebook = json.loads((root / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    n_code = sum(c["cell_type"] == "code" for c in notebook["cells"])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{base}/lab/tree/notebooks/explore.ipynb?token={token}")
        run_all(page, n_code, output_dir, name="explore_lab")
        stderr = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        )
        assert stderr.count() == 0, stderr.all_inner_texts()
        text = page.locator(".jp-Notebook").inner_text()
        for bad in ("Traceback", "Error", "Glyph"):
            assert bad not in text, f"{bad!r} in the notebook:\n{text[:2000]}"

        # the pickers: park, period, indicator, over a table and a chart
        selects = page.locator(".widget-dropdown select")
        page.wait_for_function("() => document.querySelectorAll('.widget-dropdown select')"
                               ".length === 3", timeout=HANG_MS)  # fmt: skip
        dashboard = page.locator(".jp-OutputArea-output").filter(has=selects.first)
        dashboard.locator(".pa-zh .pa-cap").first.wait_for(timeout=HANG_MS)
        caption0, chart0 = _dashboard_state(dashboard)
        assert "工业总产值" in caption0 and "2016年1-5月" in caption0
        assert chart0.startswith("data:image/png;base64,iVBOR"), chart0[:60]  # a real PNG
        selects.first.scroll_into_view_if_needed()
        page.screenshot(path=str(output_dir / "explore_lab_pickers_before.png"))

        selects.nth(2).select_option(label="税收")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.pa-zh .pa-cap')]"
            ".some(c => c.textContent.includes('税收:分行业'))",
            timeout=HANG_MS,
        )
        page.wait_for_selector(_IDLE, timeout=HANG_MS)
        caption1, chart1 = _dashboard_state(dashboard)
        assert "税收" in caption1 and "工业总产值" not in caption1
        assert chart1 != chart0, "the chart did not follow the indicator picker"

        selects.nth(1).select_option(label="2015年1-12月")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.pa-zh .pa-cap')]"
            ".some(c => c.textContent.includes('2015年1-12月'))",
            timeout=HANG_MS,
        )
        page.wait_for_selector(_IDLE, timeout=HANG_MS)
        caption2, chart2 = _dashboard_state(dashboard)
        assert "2015年1-12月" in caption2 and chart2 not in (chart0, chart1)
        selects.first.scroll_into_view_if_needed()
        shot = output_dir / "explore_lab_pickers.png"
        page.screenshot(path=str(shot))
        print(f"\nscreenshot: {shot}")

        # a Chinese table sorts in Lab: click 「拉动(百分点)」 twice (ascending, descending)
        table = dashboard.locator(".pa-zh table").first
        header = table.locator("th", has_text="拉动(百分点)")
        column = [h.strip() for h in table.locator("th").all_inner_texts()].index("拉动(百分点)")
        header.click()
        up = _column_keys(table, column)
        header.click()
        down = _column_keys(table, column)
        numbers_up = [float(v) for v in up if v]
        assert numbers_up == sorted(numbers_up) and len(numbers_up) > 2
        assert [float(v) for v in down if v] == sorted(numbers_up, reverse=True)
    finally:
        context.close()


def test_exported_tour_sorts_and_filters_offline(reports, offline_page, output_dir):
    """The tour rendered to HTML by the package (``parkanalysis render explore``)."""
    page_file = reports.render("explore", "explore").path

    view = offline_page(width=1200, height=900)
    page = view.open(page_file)
    tables = page.locator(".pa-zh")
    assert tables.count() >= 6
    industry = tables.filter(has_text="门类代码").first  # by_industry
    rows = industry.locator("tbody tr")
    n = rows.count()
    assert n > 5
    # filter: type an industry name, only its row stays visible
    industry.locator("input.pa-filter").fill("家具")
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == 1 and "家具制造业" in visible[0].inner_text()
    industry.locator("input.pa-filter").fill("")
    assert sum(r.is_visible() for r in rows.all()) == n
    # sort by 税收 descending (two clicks)
    headers = [h.strip() for h in industry.locator("th").all_inner_texts()]
    column = headers.index("税收(万元)")
    header = industry.locator("th").nth(column)
    header.click()
    header.click()
    keys = _column_keys(industry, column)
    numbers = [float(k) for k in keys if k]
    assert numbers == sorted(numbers, reverse=True)
    assert all(k == "" for k in keys[len(numbers) :])  # missing values stay last
    page.screenshot(path=str(output_dir / "explore_exported_offline.png"), full_page=False)
    assert not view.blocked, view.blocked
    assert not view.errors, view.errors
