"""What-if land outlooks as arguments: supply window, annual target, extra scenarios.

A thin layer over :func:`parkanalysis.land.land_outlook_for`, which takes the what-if
arguments itself (``window``, ``annual_target_mu``, ``scenarios`` added to the defaults):
this module names them as the analyst asks (``supply_window``, ``annual_target``) and shows
the result as :class:`OutlookView` — the assumptions, then one row per scenario (exhaustion
years, probability, expansion need) — and charts it (:meth:`OutlookView.plot`: every
scenario's probability of running out by year beside the default). "How much land is needed
to year Y": simulate to Y with ``horizon`` (full years after ``as_of``'s year, default
``max(10, planning years)``), then :meth:`OutlookView.need_to` (Y). Outlook pieces used:
``scenarios``, ``exhaustion``, ``expansion_need``, ``need_row``,
``headline_need``, ``summary``, ``supply_years``, ``remaining_mu``, ``as_of``,
``park_name``, ``horizon``, ``planning_horizon``, ``exhaustion_curve`` of
:class:`~parkanalysis.land.LandOutlookReport`. Nothing in park.yaml is edited.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.labels import format_value

__all__ = ["OutlookView", "land_outlook"]


def land_outlook(
    ds: Any,
    *,
    park: str | None = None,
    supply_window: int | None = None,
    annual_target: float | None = None,
    scenarios: Mapping[str, Mapping[str, Any]] | None = None,
    **kwargs: Any,
) -> OutlookView:
    """The land outlook with what-if arguments; shows a compact summary in a notebook.

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id or name.
    supply_window : int, optional
        Years averaged for 尚可供地年数 (instead of ``land.supply_window_years``).
    annual_target : float, optional
        Planned supply per year (亩): adds/replaces the ``planned_target`` scenario.
    scenarios : dict, optional
        Extra scenarios ``{name: spec}`` (specs of :func:`parkanalysis.forecast.land_outlook`:
        ``relocations``/``conversions`` ``{year: 亩}``, ``annual_target``), added to the
        defaults.
    **kwargs
        Passed to :func:`parkanalysis.land.land_outlook_for` (``as_of``, ``horizon``,
        ``confidence``, ``seed``, ``n_sims``).

    Returns
    -------
    OutlookView
        ``.report`` is the :class:`~parkanalysis.land.LandOutlookReport`; its attributes
        are also reachable on the view.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> v = land_outlook(ds, annual_target=120, scenarios={"新增报批": {"conversions":
    ...                  {2017: 80.0}}}, horizon=5, n_sims=300)
    >>> v.report.scenarios["scenario"].tolist()
    ['baseline', 'relocations', 'planned_target', '新增报批']
    >>> land_outlook(ds, supply_window=5, n_sims=300).supply_years.window
    (2011, 2012, 2013, 2014, 2015)
    """
    from parkanalysis.land import land_outlook_for

    if supply_window is not None and (
        isinstance(supply_window, bool) or not isinstance(supply_window, int)
    ):
        raise ParameterError(f"supply_window 应为正整数(年),得到 {supply_window!r}")
    if annual_target is not None and (
        isinstance(annual_target, bool) or not isinstance(annual_target, int | float)
    ):
        raise ParameterError(f"annual_target 应为数值(亩/年),得到 {annual_target!r}")
    report = land_outlook_for(
        ds,
        park=ds.resolve_park(park),
        window=supply_window,
        annual_target_mu=None if annual_target is None else float(annual_target),
        scenarios=dict(scenarios) if scenarios else None,
        **kwargs,
    )
    changed: dict[str, Any] = {}
    if supply_window is not None:
        changed["supply_window_years"] = supply_window
    if annual_target is not None:
        changed["annual_supply_target_mu"] = float(annual_target)
    return OutlookView(report, changed=changed, extra=list(scenarios or ()))


class OutlookView:
    """A land outlook shown compactly: headline figures and one row per scenario."""

    def __init__(self, report: Any, *, changed: dict[str, Any] | None = None, extra=()):
        self.report = report
        self.changed = dict(changed or {})
        self.extra = list(extra)

    def __getattr__(self, name: str) -> Any:
        if name == "report":
            raise AttributeError(name)
        return getattr(self.report, name)

    def scenario_table(self) -> pd.DataFrame:
        """Per scenario: label, P10/P50/P90 exhaustion year, probability, headline need."""
        r = self.report
        ex = r.exhaustion.set_index("scenario")
        rows = []
        for name, label in zip(r.scenarios["scenario"], r.scenarios["label"], strict=True):
            _, net, gross = r.headline_need(name)
            e = ex.loc[name]
            rows.append(
                {
                    "scenario": name,
                    "label": label,
                    "p10": e.get("p10"),
                    "p50": e.get("p50"),
                    "p90": e.get("p90"),
                    "prob_within_horizon": float(e.get("prob_within_horizon", float("nan"))) * 100,
                    "need_net_mu": net,
                    "need_gross_mu": gross,
                }
            )
        return pd.DataFrame(rows)

    def need_to(self, year: int, scenario: str = "baseline") -> pd.Series:
        """The land to add by the end of ``year`` (亩, net and gross, median and at the
        outlook's confidence): the ``expansion_need`` row ``year`` − ``as_of``'s year.

        Examples
        --------
        >>> from parkanalysis.dataset import load_dataset
        >>> v = land_outlook(load_dataset("data/sample"), horizon=12, n_sims=300)
        >>> int(v.need_to(2028)["year"]), int(v.need_to(2028)["horizon_years"])
        (2028, 12)
        """
        r = self.report
        k = int(year) - r.as_of.year
        if k < 1 or k > r.horizon:
            need = f"horizon={k}" if k >= 1 else f"{r.as_of.year + 1} 年及以后"
            raise ParameterError(
                f"{year} 年不在本次预测内(截至{r.as_of:%Y年%m月},预测 {r.horizon} 年);"
                f"请用 {need} 重新预测。"
            )
        return r.need_row(scenario, years=k)

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Chart of the what-if: each scenario's cumulative probability that the land is
        used up, by year, beside the default (基准情景, drawn bold); a dotted line at 50 %
        (a line crosses it at its P50 year). Returns the ``ax`` (a new figure without one).

        Examples
        --------
        >>> from parkanalysis.dataset import load_dataset
        >>> v = land_outlook(load_dataset("data/sample"), annual_target=120, n_sims=300)
        >>> ax = v.plot()
        >>> [line.get_label() for line in ax.get_lines()][:3]
        ['基准情景(按历史供地规律)', '搬迁置换腾退土地', '按年度供地计划']
        """
        from parkanalysis.plots import new_figure

        if ax is None:
            _fig, ax = new_figure(8.0, 3.8)
        r = self.report
        names = r.scenarios["scenario"].tolist()
        for name, label in zip(names, r.scenarios["label"], strict=True):
            curve = r.exhaustion_curve(name)
            default = name == "baseline"
            ax.step(
                curve.index,
                curve.to_numpy() * 100,
                where="post",
                label=str(label),
                linewidth=2.6 if default else 1.5,
                linestyle="-" if default or name in self.extra else "--",
                zorder=3 if default else 2,
            )
        ax.axhline(50, color="#999999", linewidth=0.8, linestyle=":", label="_nolegend_")
        ax.set_ylim(0, 100)
        ax.set_ylabel("累计概率(%)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(title or f"{r.park_name}可供土地用尽的累计概率:各情景与基准情景")
        ax.legend(fontsize=8, loc="lower right", frameon=False)
        return ax

    def __repr__(self) -> str:
        r = self.report
        return f"<土地展望 {r.park_name} 截至{r.as_of:%Y-%m-%d}>\n{r.summary}"

    def _repr_html_(self) -> str:
        r = self.report
        sy = r.supply_years
        years = "—" if sy.years is None else format_value(float(sy.years), "年数")
        head = (
            f"<b>{html.escape(r.park_name)} 土地展望</b>(截至{r.as_of:%Y-%m-%d})"
            f":尚可供应土地 {format_value(r.remaining_mu, '亩')} 亩,"
            f"近{len(sy.window)}年年均供地 {format_value(sy.average_mu, '亩')} 亩,"
            f"尚可供地 {years} 年。"
        )
        changed = []
        if "supply_window_years" in self.changed:
            changed.append(f"供地年数按近{self.changed['supply_window_years']}年平均")
        if "annual_supply_target_mu" in self.changed:
            changed.append(f"年度供地计划{self.changed['annual_supply_target_mu']:g}亩")
        if self.extra:
            changed.append("新增情景:" + "、".join(self.extra))
        rows = []
        for row in self.scenario_table().to_dict("records"):
            cells = [
                html.escape(str(row["label"])),
                *(("—" if pd.isna(row[k]) else str(int(row[k]))) for k in ("p10", "p50", "p90")),
                format_value(row["prob_within_horizon"], "%"),
                format_value(row["need_net_mu"], "亩"),
                format_value(row["need_gross_mu"], "亩"),
            ]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        header = (
            "<tr><th>情景</th><th>用尽年份P10</th><th>P50</th><th>P90</th>"
            f"<th>{r.horizon}年内用尽概率(%)</th>"
            f"<th>{r.planning_horizon}年需新增可供土地(亩)</th><th>折合规划面积(亩)</th></tr>"
        )
        what_if = f"<div>假设:{html.escape(';'.join(changed))}</div>" if changed else ""
        return (
            '<div class="pa-outlook" style="font-size:12px">'
            f"<div>{head}</div>{what_if}"
            '<table style="border-collapse:collapse;margin-top:4px">'
            f"<thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>"
            f'<div style="color:#57606a;margin-top:4px">{html.escape(r.summary)}</div></div>'
        )
