"""Chart labels never print over each other (issue 25: 图4's categories overprinted, unit
labels collided with tick numbers).

Every text a chart draws — tick labels inside the view, axis labels, titles, legend
entries, annotations — is measured from the renderer's own extents after a real draw (Agg,
as the reports' PNGs), over the charts of the sample's period and land reports as the
reports make them (phone-sized, enlarged for reading), and over generated categories and
year ranges.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import pytest
from conftest import SAMPLE
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg

import parkanalysis.report as pr
from parkanalysis import plots
from parkanalysis.report.model import Figure
from parkanalysis.report.sections import legible, phone_figure


def drawn_texts(fig) -> list[tuple[str, object]]:
    """(text, window extent) of every text ``fig`` draws, after drawing it."""
    with matplotlib.rc_context(fig.cjk_rc):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        found, seen = [], set()

        def add(text) -> None:
            if id(text) in seen or not text.get_visible() or not text.get_text().strip():
                return
            seen.add(id(text))
            found.append((text.get_text(), text.get_window_extent(renderer)))

        for ax in fig.axes:
            for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
                if not axis.get_visible():
                    continue
                lo, hi = sorted(limits)
                slack = 1e-9 * max(hi - lo, 1.0)
                for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                    loc = tick.get_loc()
                    if loc is not None and lo - slack <= loc <= hi + slack:  # drawn ticks only
                        add(tick.label1)
                        add(tick.label2)
                add(axis.label)
            for text in (ax.title, *ax.texts):
                add(text)
            legend = ax.get_legend()
            for text in legend.get_texts() if legend else ():
                add(text)
        for text in fig.texts:
            add(text)
    return found


def overprints(fig) -> list[tuple[str, str]]:
    """Pairs of texts of ``fig`` whose boxes overlap (by more than half a pixel), and texts
    cut by the figure's edge (paired with "边缘")."""
    texts = drawn_texts(fig)
    edge = fig.bbox
    pairs = [
        (a, "边缘")
        for a, box in texts
        if box.x0 < edge.x0 - 1
        or box.y0 < edge.y0 - 1
        or box.x1 > edge.x1 + 1
        or box.y1 > edge.y1 + 1
    ]
    for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
        if (
            box_a.x0 < box_b.x1 - 0.5
            and box_b.x0 < box_a.x1 - 0.5
            and box_a.y0 < box_b.y1 - 0.5
            and box_b.y0 < box_a.y1 - 0.5
        ):
            pairs.append((a, b))
    return pairs


def report_charts() -> list[tuple[str, Figure]]:
    charts = []
    for report, sections in (
        (
            pr.PeriodReport(data=str(SAMPLE), period="2016H1"),
            ("economy", "land", "projects", "relocations", "safety", "problems"),
        ),
        (
            pr.LandReport(data=str(SAMPLE)),
            ("summary", "supply_history", "balance", "forecast", "exhaustion", "expansion"),
        ),
    ):
        for name in sections:
            blocks = getattr(report, name)().blocks
            charts += [(f"{name}: {b.alt}", b) for b in blocks if isinstance(b, Figure)]
    return charts


def test_report_charts_have_no_overprinted_labels():
    charts = report_charts()
    names = " ".join(name for name, _ in charts)
    assert len(charts) >= 6 and "隐患" in names and "供地" in names  # 图4 and the land charts
    for name, chart in charts:
        assert not overprints(chart.fig), (name, overprints(chart.fig)[:5])


def test_a_chart_drawn_again_stays_apart():
    """A second drawing (another resolution, the notebook page) changes nothing."""
    _name, chart = next(c for c in report_charts() if "隐患" in c[0])
    first = [t for t, _ in drawn_texts(chart.fig)]
    chart.png_bytes(dpi=72)
    assert [t for t, _ in drawn_texts(chart.fig)] == first
    assert not overprints(chart.fig)


category = st.text(
    alphabet="消防作业环境用电生产设备管理制度特种其他危化品", min_size=1, max_size=7
)
#: Drawing is slow: generated cases are not shrunk (a failure shows its case as drawn).
FAST = {"deadline": None, "phases": [Phase.explicit, Phase.reuse, Phase.generate]}


@settings(max_examples=12, **FAST)
@given(
    st.lists(category, min_size=1, max_size=14, unique=True), st.integers(1, 40)
)  # found ≥ 1: the report draws no chart of nothing found
def test_any_hazard_categories_stay_apart(categories, found):
    import pandas as pd

    table = pd.DataFrame(
        {
            "category": categories,
            "found": [found + i for i in range(len(categories))],
            "rectified": [found] * len(categories),
            "overdue": [i % 3 for i in range(len(categories))],
        }
    )
    fig, ax = phone_figure()
    plots.plot_hazards(ax, table)
    legible(fig)
    assert not overprints(fig)


@settings(max_examples=8, **FAST)
@given(st.integers(1995, 2015), st.integers(1, 30))
def test_any_years_of_supply_stay_apart(first, years):
    import pandas as pd

    history = pd.DataFrame(
        {
            "year": range(first, first + years),
            "supplied_mu": [100.0 + 37 * (i % 5) for i in range(years)],
            "transactions": [i % 4 for i in range(years)],
        }
    )
    fig, ax = phone_figure()
    plots.plot_supply_history(ax, history)
    legible(fig)
    assert not overprints(fig)


@pytest.mark.parametrize("labels", [["作业环境"] * 2, ["2006", "2007", "2008"]])
def test_labels_that_fit_are_left_as_they_are(labels):
    fig, ax = plots.new_figure()
    ax.bar(range(len(labels)), [1] * len(labels))
    ax.set_xticks(range(len(labels)), labels)
    drawn = [t for t, _ in drawn_texts(fig)]
    assert all(label in drawn for label in labels)  # not wrapped, not thinned
