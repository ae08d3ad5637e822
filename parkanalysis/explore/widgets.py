"""Pickers for a notebook: park, period and indicator re-render a table and a chart.

:func:`dashboard` is what the tour notebook shows: three dropdowns (ipywidgets) and an output
area holding, for the chosen park, period and indicator, the 拉动/贡献率 by industry
(:func:`~parkanalysis.explore.questions.contribution`) and the month-by-month chart of the
period's year (:func:`~parkanalysis.explore.monthly.monthly`). Each change re-renders both;
a choice the data cannot answer shows its Chinese message instead of a traceback.
"""

from __future__ import annotations

from typing import Any

from parkanalysis.errors import ParkAnalysisError

__all__ = ["dashboard", "period_choices"]


def period_choices(ds: Any) -> list[str]:
    """Periods a picker offers: each year's 1-N月 to its last month with data, latest first.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> period_choices(load_dataset("data/sample"))[:3]
    ['2016年1-6月', '2015年1-12月', '2014年1-12月']
    """
    span = ds.month_range
    if span is None:
        return []
    (y0, _), (y1, m1) = span
    from parkanalysis.periods import first_cumulative_end

    first = first_cumulative_end(bool(ds.jan_feb_combined))
    out = []
    for year in range(y1, y0, -1):  # the first year has no previous year to compare with
        last = m1 if year == y1 else 12
        if last >= first:
            out.append(f"{year}年1-{last}月")
    return out


def _render(ds: Any, park: str, period: str, indicator: str) -> list[Any]:
    """The table and the figure for one choice."""
    from parkanalysis import plots
    from parkanalysis.explore.common import indicator_spec
    from parkanalysis.explore.display import ZhTable
    from parkanalysis.explore.monthly import monthly
    from parkanalysis.explore.questions import contribution
    from parkanalysis.indicators import resolve_period

    spec = indicator_spec(indicator)
    p = resolve_period(ds, period)
    name = ds.profile.parks[ds.resolve_park(park)].name
    table = contribution(ds, p, indicator=spec.id, by="industry", park=park)
    caption = f"{name} {p.label} {spec.name}:分行业拉动与贡献率"
    series = monthly(ds, spec.id, park=park, year=p.year)
    fig, ax = plots.new_figure(8.0, 3.2)
    plots.plot_monthly(ax, series, title=f"{name} {p.year}年{spec.name}(逐月)", unit=spec.unit)
    return [ZhTable(table, caption=caption), fig]


def _display_output(item: Any) -> dict:
    """``item`` as a notebook ``display_data`` output: binary data (a chart's PNG) in base64,
    as the notebook format and the front end expect (raw bytes showed as a broken image)."""
    import base64

    from IPython.core.interactiveshell import InteractiveShell

    data, metadata = InteractiveShell.instance().display_formatter.format(item)
    data = {k: base64.b64encode(v).decode() if isinstance(v, bytes) else v for k, v in data.items()}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def dashboard(
    ds: Any,
    *,
    park: str | None = None,
    period: str | None = None,
    indicator: str = "industrial_output",
):
    """Dropdowns for park, period and indicator over a table and a chart that follow them.

    Parameters
    ----------
    ds : Dataset
    park, period, indicator : str, optional
        Initial choices (park id or name; a period of :func:`period_choices` or any other
        the data cover; an id of :data:`~parkanalysis.explore.common.ENTERPRISE_INDICATORS`).

    Returns
    -------
    ipywidgets.VBox
        ``.children``: the row of dropdowns, then the output area.
    """
    import ipywidgets as w

    from parkanalysis.explore.common import ENTERPRISE_INDICATORS, indicator_spec
    from parkanalysis.indicators import resolve_period

    parks = [(info.name, pid) for pid, info in ds.profile.parks.items()]
    periods = period_choices(ds)
    if period is not None:
        label = resolve_period(ds, period).label
        periods = [label, *[x for x in periods if x != label]]
    indicators = [(indicator_spec(i).name, i) for i in ENTERPRISE_INDICATORS]
    park_box = w.Dropdown(options=parks, value=ds.resolve_park(park), description="园区")
    period_box = w.Dropdown(options=periods, value=periods[0], description="时期")
    indicator_box = w.Dropdown(
        options=indicators,
        value=indicator_spec(indicator, ENTERPRISE_INDICATORS).id,
        description="指标",
    )
    out = w.Output()

    def update(_change: Any = None) -> None:
        # The view is set on the widget's outputs directly, never captured (``with out:``)
        # while a cell runs: a headless client (nbclient, papermill) then has no output
        # capture to follow (a suspect in two stalled executions of this notebook under load).
        out.outputs = ()
        try:
            shown = _render(ds, park_box.value, period_box.value, indicator_box.value)
        except ParkAnalysisError as exc:  # a choice the data cannot answer
            out.append_stdout(str(exc) + "\n")
            return
        out.outputs = tuple(_display_output(item) for item in shown)

    for box in (park_box, period_box, indicator_box):
        box.observe(update, names="value")
    update()
    return w.VBox([w.HBox([park_box, period_box, indicator_box]), out])
