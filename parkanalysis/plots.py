"""Charts for the reports. Each function takes an ``ax``, draws, and returns it.

They neither compute indicators nor save files; labels are Chinese. Call
:func:`new_figure` to get a figure that is not registered with pyplot (so nothing leaks
between reports and nothing is shown twice in a notebook). Its drawing and saving run
inside ``rc_context(fonts.cjk_rc())``: it draws Chinese, and the global rcParams stay as
they were (a package chart changes nothing for the user's own charts).

Labels never print over each other, whatever size the text is given after drawing (the
reports enlarge it for phones): each time the figure is drawn, after its layout, the
category labels of an x axis that run into each other are broken onto two lines (Chinese
labels of three or more characters), then turned upright (90°), then thinned to every
k-th; a legend below the axes that lies on them is moved under them; a unit label set
upright above the axis (:func:`_tidy`) is lifted above the highest tick number it would
touch. Measured from the renderer's text extents, within the layout pass (the layout is
repeated only when labels or a legend changed).
"""

from __future__ import annotations

import contextlib
import itertools

import numpy as np
import pandas as pd

#: One palette for every report.
COLORS = {
    "bar": "#4C78A8",
    "line": "#E45756",
    "band80": "#9ECAE9",
    "band95": "#D6E9F8",
    "history": "#1f2328",
    "ok": "#54A24B",
    "warn": "#F58518",
    "bad": "#B42318",
}


def new_figure(width: float = 8.0, height: float = 3.6, *, ncols: int = 1):
    """Return ``(figure, axes)`` from matplotlib's object API, drawn with the CJK font.

    The global rcParams are not touched (see the module docstring).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> before = dict(mpl.rcParams)
    >>> fig, ax = new_figure()
    >>> _ = ax.set_title("园区税收"); _ = fig.savefig(__import__("io").BytesIO(), format="png")
    >>> dict(mpl.rcParams) == before
    True
    """
    from parkanalysis.fonts import cjk_rc

    figure_class, layout = _cjk_figure_class()
    fig = figure_class(figsize=(width, height), dpi=110, layout=layout())
    fig.cjk_rc = cjk_rc()
    with _rc(fig):
        axes = fig.subplots(1, ncols)
    return fig, axes


def _rc(fig):
    import matplotlib as mpl

    rc = getattr(fig, "cjk_rc", None)
    return mpl.rc_context(rc) if rc else contextlib.nullcontext()


_FIGURE_CLASS = None


def _cjk_figure_class():
    """A :class:`matplotlib.figure.Figure` whose draw/save run in its own rc context, and its
    layout engine: constrained layout, then :func:`fit_labels` within the same pass (no
    second layout unless x labels had to change)."""
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        from matplotlib.figure import Figure
        from matplotlib.layout_engine import ConstrainedLayoutEngine

        class CJKFigure(Figure):
            cjk_rc: dict | None = None
            layout_renderer = None  # the renderer of the draw in progress

            def draw(self, renderer):
                with _rc(self):
                    self.layout_renderer = renderer
                    try:
                        return super().draw(renderer)
                    finally:
                        self.layout_renderer = None

            def savefig(self, *args, **kwargs):
                with _rc(self):
                    return super().savefig(*args, **kwargs)

            def get_tightbbox(self, *args, **kwargs):
                with _rc(self):
                    return super().get_tightbbox(*args, **kwargs)

        class FittingLayout(ConstrainedLayoutEngine):
            def execute(self, fig):
                result = super().execute(fig)
                renderer = getattr(fig, "layout_renderer", None)
                if renderer is not None and fig.axes:
                    fit_labels(
                        fig, renderer, relayout=lambda: super(FittingLayout, self).execute(fig)
                    )
                return result

        _FIGURE_CLASS = (CJKFigure, FittingLayout)
    return _FIGURE_CLASS


def _boxes_overlap(a, b, pad: float = 0.5) -> bool:
    return a.x0 < b.x1 - pad and b.x0 < a.x1 - pad and a.y0 < b.y1 - pad and b.y0 < a.y1 - pad


def shown_tick_labels(axis) -> list:
    """The tick labels ``axis`` draws: visible, not empty, at a tick inside the view."""
    if not axis.get_visible():
        return []
    lo, hi = sorted(axis.get_view_interval())
    slack = 1e-9 * max(abs(hi - lo), 1.0)
    labels = []
    for tick in axis.get_major_ticks():
        loc = tick.get_loc()
        if loc is None or not lo - slack <= loc <= hi + slack:
            continue
        labels += [t for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text()]
    return labels


def _crowded(labels, renderer) -> bool:
    boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
    return any(_boxes_overlap(a, b) for a, b in itertools.pairwise(boxes))


def _two_lines(label: str) -> str:
    """A Chinese label of three or more characters broken in the middle.

    >>> _two_lines("作业环境"), _two_lines("危化品"), _two_lines("2016"), _two_lines("用电")
    ('作业\\n环境', '危化\\n品', '2016', '用电')
    """
    if "\n" in label or len(label) < 3 or label.isascii():
        return label
    half = (len(label) + 1) // 2
    return label[:half] + "\n" + label[half:]


def _fit_x_labels(ax, renderer) -> bool:
    """Keep the x tick labels of ``ax`` apart; True when they had to change."""
    axis = ax.xaxis
    labels = shown_tick_labels(axis)
    if len(labels) < 2 or not _crowded(labels, renderer):
        return False
    ticks = [t.get_loc() for t in axis.get_major_ticks() if t.label1 in labels]
    texts = [t.get_text() for t in labels]
    wrapped = [_two_lines(t) for t in texts]
    if wrapped != texts:
        ax.set_xticks(ticks, wrapped)
        axis.get_tightbbox(renderer)  # places the new labels
        if not _crowded(shown_tick_labels(axis), renderer):
            return True
    ax.set_xticks(ticks, texts, rotation=90)
    axis.get_tightbbox(renderer)
    step = 1
    while _crowded(shown_tick_labels(axis), renderer) and step < len(ticks):
        step += 1
        ax.set_xticks(ticks[::step], texts[::step], rotation=90)
        axis.get_tightbbox(renderer)
    return True


def _lift_unit_label(ax, renderer) -> None:
    """Move an upright unit label above the tick numbers it touches."""
    label = ax.yaxis.label
    if not label.get_text() or label.get_rotation() != 0 or not ax.yaxis.get_visible():
        return
    box = label.get_window_extent(renderer)
    ticks = (t.get_window_extent(renderer) for t in shown_tick_labels(ax.yaxis))
    touched = [b for b in ticks if _boxes_overlap(b, box)]
    if not touched:
        return
    gap = label.get_fontsize() * 0.3 * ax.figure.dpi / 72
    top = max(b.y1 for b in touched) + gap
    x = ax.transAxes.inverted().transform((box.x1 if label.get_ha() == "right" else box.x0, 0))[0]
    y = ax.transAxes.inverted().transform((0, top))[1]
    ax.yaxis.set_label_coords(x if label.get_ha() != "center" else 0.5, y)


def _lower_legend(ax, renderer) -> bool:
    """Move a legend that lies on the x tick labels (one set below the axes) under them;
    True when it moved."""
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return False
    box = legend.get_window_extent(renderer)
    ticks = [t.get_window_extent(renderer) for t in shown_tick_labels(ax.xaxis)]
    if not any(_boxes_overlap(box, t) for t in ticks):
        return False
    from matplotlib.transforms import offset_copy

    # the top of the legend this far below the axes, whatever height the layout gives them
    below = (ax.get_window_extent(renderer).y0 - min(t.y0 for t in ticks)) * 72 / ax.figure.dpi
    below += legend.get_texts()[0].get_fontsize() * 0.3 if legend.get_texts() else 2.0
    legend.set_loc("upper center")
    under = offset_copy(ax.transAxes, fig=ax.figure, x=0, y=-below, units="points")
    legend.set_bbox_to_anchor((0.5, 0.0), transform=under)
    return True


def fit_labels(fig, renderer, relayout=None) -> None:
    """Keep the labels of a laid-out figure apart (see the module docstring); ``relayout()``
    lays it out again after x labels or a legend changed."""

    def place() -> None:  # the tick labels where the layout puts them
        for ax in fig.axes:
            ax.xaxis.get_tightbbox(renderer)
            ax.yaxis.get_tightbbox(renderer)

    place()
    # ticks chosen for the axes' final size can be wider than those the layout measured
    # (「0.0」 → 「0.00」): lay out again with them
    edge = fig.bbox
    outside = [
        b
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
        for b in (t.get_window_extent(renderer) for t in shown_tick_labels(axis))
        if b.x0 < edge.x0 or b.y0 < edge.y0 or b.x1 > edge.x1 or b.y1 > edge.y1
    ]
    if any([_fit_x_labels(ax, renderer) for ax in fig.axes] + [bool(outside)]) and relayout:
        relayout()
        place()
    if any([_lower_legend(ax, renderer) for ax in fig.axes]) and relayout is not None:
        relayout()
        place()
    for ax in fig.axes:
        _lift_unit_label(ax, renderer)


def _tidy(ax, *, title: str | None = None, ylabel: str | None = None):
    if title:
        ax.set_title(title, loc="center", fontsize=11, pad=14)
    if ylabel:  # short Chinese units read better upright, above the axis
        ax.set_ylabel(ylabel, rotation=0, ha="right", va="bottom")
        ax.yaxis.set_label_coords(-0.02, 1.0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_cumulative_trend(ax, trend: pd.DataFrame, *, title: str, unit: str):
    """Bars of each month's 1-N月 cumulative value, with 同比 (%) on a second axis.

    ``trend`` has columns ``label`` (e.g. "1-5月"), ``value`` and ``yoy_pct``.
    """
    x = np.arange(len(trend))
    ax.bar(x, trend["value"], color=COLORS["bar"], label=f"累计值({unit})")
    ax.set_xticks(x, trend["label"], rotation=0)
    _tidy(ax, title=title, ylabel=unit)
    if trend["yoy_pct"].notna().any():
        twin = ax.twinx()
        twin.plot(x, trend["yoy_pct"], color=COLORS["line"], marker="o", label="累计同比(%)")
        twin.axhline(0, color="#999999", linewidth=0.8)
        twin.set_ylabel("同比(%)", rotation=0, ha="left", va="bottom")
        twin.yaxis.set_label_coords(1.0, 1.0)
        twin.spines[["top"]].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            ncol=2,
            fontsize=8,
            frameon=False,
        )
    return ax


def plot_supply_history(ax, history: pd.DataFrame, *, title: str = "历年供地面积"):
    """Bars of land supplied per year (亩), with the number of transactions on top.

    ``history`` has columns ``year``, ``supplied_mu`` and ``transactions``.
    """
    ax.bar(history["year"].astype(str), history["supplied_mu"], color=COLORS["bar"])
    for xpos, (area, count) in enumerate(
        zip(history["supplied_mu"], history["transactions"], strict=True)
    ):
        if count:
            ax.annotate(f"{int(count)}宗", (xpos, area), ha="center", va="bottom", fontsize=8)
    return _tidy(ax, title=title, ylabel="亩")  # crowded years are turned when drawn


def plot_fan_chart(ax, history: pd.Series, forecast: pd.DataFrame, *, title: str, unit: str = "亩"):
    """History as a line, the forecast mean with its 80% and 95% bands."""
    ax.plot(history.index, history.values, color=COLORS["history"], marker="o", label="实际")
    years = forecast.index.to_numpy()
    if {"lo95", "hi95"} <= set(forecast.columns):
        ax.fill_between(
            years, forecast["lo95"], forecast["hi95"], color=COLORS["band95"], label="95%区间"
        )
    if {"lo80", "hi80"} <= set(forecast.columns):
        ax.fill_between(
            years, forecast["lo80"], forecast["hi80"], color=COLORS["band80"], label="80%区间"
        )
    ax.plot(years, forecast["mean"], color=COLORS["line"], marker="o", label="预测")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _tidy(ax, title=title, ylabel=unit)


def plot_exhaustion(ax, cumulative: pd.Series, *, title: str = "可供土地用尽的累计概率"):
    """Step chart of P(land runs out by year) from a Series indexed by year (0..1)."""
    ax.step(cumulative.index, cumulative.values * 100, where="post", color=COLORS["bad"])
    ax.set_ylim(0, 100)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _tidy(ax, title=title, ylabel="概率(%)")


def plot_hazards(ax, table: pd.DataFrame, *, title: str = "隐患排查与整改"):
    """Grouped bars per category: found, rectified, overdue.

    ``table`` has columns ``category``, ``found`` and optionally ``rectified``, ``overdue``.
    """
    x = np.arange(len(table))
    bars = [
        (column, color, label)
        for column, color, label in (
            ("found", COLORS["bar"], "排查"),
            ("rectified", COLORS["ok"], "已整改"),
            ("overdue", COLORS["bad"], "逾期未改"),
        )
        if column in table.columns  # a share copy draws only the published columns
    ]
    width = 0.8 / len(bars)
    for i, (column, color, label) in enumerate(bars):
        offset = (i - (len(bars) - 1) / 2) * width
        ax.bar(x + offset, table[column], width, color=color, label=label)
    ax.set_xticks(x, table["category"])
    ax.legend(fontsize=8, frameon=False)
    return _tidy(ax, title=title, ylabel="处")


def plot_monthly(ax, table: pd.DataFrame, *, title: str | None = None, unit: str = "万元"):
    """Bars of each month's value (当月值) with 同比 (%) on a second axis.

    ``table`` is :func:`parkanalysis.explore.monthly`: ``year, month, value, yoy_pct``
    (``split`` months, derived from a combined 1-2月, are drawn hatched). Months read 「1月」,
    with the year where it changes.
    """
    x = np.arange(len(table))
    labels, last = [], None
    for year, month in zip(table["year"], table["month"], strict=True):
        labels.append(f"{year}年{month}月" if year != last else f"{month}月")
        last = year
    split = table["split"].to_numpy(dtype=bool) if "split" in table else np.zeros(len(x), bool)
    bars = ax.bar(x, table["value"].fillna(0.0), color=COLORS["bar"], label=f"当月值({unit})")
    for bar, hatched in zip(bars, split, strict=True):
        if hatched:
            bar.set_hatch("//")
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=0 if len(x) <= 12 else 45)
    _tidy(ax, title=title, ylabel=unit)
    if "yoy_pct" in table and table["yoy_pct"].notna().any():
        twin = ax.twinx()
        twin.plot(x, table["yoy_pct"], color=COLORS["line"], marker="o", label="同比(%)")
        twin.axhline(0, color="#999999", linewidth=0.8)
        twin.set_ylabel("同比(%)", rotation=0, ha="left", va="bottom")
        twin.yaxis.set_label_coords(1.0, 1.0)
        twin.spines[["top"]].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2,
                  fontsize=8, frameon=False)  # fmt: skip
    return ax
