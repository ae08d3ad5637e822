"""``%load_ext parkanalysis``: one line that makes a notebook Chinese-ready.

Loading the extension — and only that; importing the package changes nothing — does, for the
kernel it runs in:

* **Charts draw Chinese**: matplotlib's rcParams get the CJK font of
  :func:`parkanalysis.fonts.find_cjk_font` (registered with the font manager), so a plain
  ``df.plot`` draws Chinese without 「Glyph … missing」 warnings.
* **Chinese date ticks**: dates on an axis read 1月…12月, with the year where it changes
  (「2016年1月」), or 2016年… for long spans (:class:`ChineseDateFormatter`). pandas draws
  dates through matplotlib's converters for this (``plot_params["x_compat"] = True`` and
  ``plotting.matplotlib.register_converters = False``), so Jan/Apr/Jul never appear.
* **Figures display**: a cell ending in a package chart call (which returns an ``Axes`` of a
  figure not managed by pyplot) shows the figure.
* **Tables display in Chinese**: a package table (see :func:`parkanalysis.labels.infer_table`)
  shows as :class:`parkanalysis.explore.display.ZhTable` — Chinese headers, numbers by unit,
  sortable and filterable — while the object stays the DataFrame with internal names;
  ``df.pa.zh()`` does the same explicitly.
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any

__all__ = ["load_ipython_extension", "register_dates"]

_STATE: dict[str, Any] = {}


def _chinese_date_classes():
    import matplotlib.dates as mdates
    import matplotlib.ticker as mticker
    import matplotlib.units as munits

    class ChineseDateFormatter(mticker.Formatter):
        """Chinese date ticks: 「2016年1月」 then 「2月」…, 「2016年」, days 「1月5日」."""

        def __init__(self, tz=None):
            self.tz = tz

        def format_ticks(self, values):
            dates = [mdates.num2date(v, tz=self.tz) for v in values]
            return _chinese_labels(dates)

        def __call__(self, x, pos=None):
            return _chinese_labels([mdates.num2date(x, tz=self.tz)], full=True)[0]

    class ChineseDateConverter(mdates.DateConverter):
        """matplotlib's date converter with :class:`ChineseDateFormatter` ticks."""

        def axisinfo(self, unit, axis):
            tz = unit
            majloc = mdates.AutoDateLocator(tz=tz)
            return munits.AxisInfo(
                majloc=majloc,
                majfmt=ChineseDateFormatter(tz=tz),
                label="",
                default_limits=(_dt.date(1970, 1, 1), _dt.date(1970, 1, 2)),
            )

    return ChineseDateFormatter, ChineseDateConverter


def _chinese_labels(dates: list, *, full: bool = False) -> list[str]:
    """Chinese labels of tick dates (the year shown on the first tick and where it changes).

    Examples
    --------
    >>> from datetime import datetime as d
    >>> _chinese_labels([d(2015, 11, 1), d(2015, 12, 1), d(2016, 1, 1), d(2016, 2, 1)])
    ['2015年11月', '12月', '2016年1月', '2月']
    >>> _chinese_labels([d(2014, 1, 1), d(2016, 1, 1)])
    ['2014年', '2016年']
    >>> _chinese_labels([d(2016, 3, 5), d(2016, 3, 12)])
    ['2016年3月5日', '3月12日']
    """
    if not dates:
        return []
    midnight = all(d.hour == 0 and d.minute == 0 and d.second == 0 for d in dates)
    if not midnight:
        return [f"{d.month}月{d.day}日 {d:%H:%M}" for d in dates]
    if len(dates) > 1 and all(d.month == 1 and d.day == 1 for d in dates):
        return [f"{d.year}年" for d in dates]
    out, last_year = [], None
    for d in dates:
        year = f"{d.year}年" if (full or d.year != last_year) else ""
        last_year = d.year
        out.append(f"{year}{d.month}月" if all(x.day == 1 for x in dates) else
                   f"{year}{d.month}月{d.day}日")  # fmt: skip
    return out


def __getattr__(name: str) -> Any:
    if name == "ChineseDateFormatter":
        return _chinese_date_classes()[0]
    raise AttributeError(name)


def _figure_png(fig) -> bytes:
    """PNG of a figure (drawn in the figure's own rc context for package charts)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _axes_png(ax) -> bytes | None:
    """PNG of an Axes' figure unless pyplot manages it (the inline backend shows those)."""
    fig = ax.figure
    if getattr(fig.canvas, "manager", None) is not None:
        return None
    return _figure_png(fig)


def _table_html(frame) -> str | None:
    from parkanalysis.explore.display import ZhTable, is_package_table

    if is_package_table(frame):
        return ZhTable(frame).to_html()
    return frame._repr_html_()


def register_dates() -> None:
    """Chinese date ticks for matplotlib and pandas (see the module docstring)."""
    import matplotlib.units as munits
    import numpy as np
    import pandas as pd

    _, converter_class = _chinese_date_classes()
    converter = converter_class()
    for kind in (_dt.datetime, _dt.date, np.datetime64, pd.Timestamp):
        munits.registry[kind] = converter
    pd.set_option("plotting.matplotlib.register_converters", False)
    pd.plotting.plot_params["x_compat"] = True


def load_ipython_extension(ipython) -> None:
    """Entry point of ``%load_ext parkanalysis`` (see the module docstring)."""
    import matplotlib.axes
    import matplotlib.figure
    import pandas as pd

    from parkanalysis.explore.display import register_accessor
    from parkanalysis.fonts import use_cjk_font

    font = use_cjk_font()
    register_dates()
    register_accessor()
    formatters = ipython.display_formatter.formatters
    formatters["image/png"].for_type(matplotlib.axes.Axes, _axes_png)
    formatters["image/png"].for_type(matplotlib.figure.Figure, _figure_png)
    formatters["text/html"].for_type(pd.DataFrame, _table_html)
    _STATE["font"] = font
