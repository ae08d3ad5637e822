"""The overview report: a zone's or a province's parks ranked, with their total.

What a provincial office circulates about its parks (亩均论英雄, 开发区土地集约利用评价,
经开区综合发展水平考核评价): the total with 同比 (:func:`parkanalysis.province.zone_table`),
a ranking table of the parks, the charts a reader looks at, sentences naming the leading and
lagging parks. Definitions (one place; the tests hold them):

* **The ranking** is by 亩均税收 of the period (Σ 税收 ÷ Σ 用地 of the park's enterprises with
  land, 1-N月累计, not annualised: every park has the same months), ties by 亩均产值. Its
  columns: 亩均税收, 亩均产值, 工业总产值同比 and 税收同比 (同口径), 规上工业企业数,
  尚可供地年数 (as of the period's last month), 扩园需求 (the park's net expansion need at its
  ``expansion.confidence`` over ``expansion.planning_horizon_years``, from
  :func:`parkanalysis.land.land_outlook_for`; 0 when the land lasts) and the park's A/B/C/D mix
  (:func:`parkanalysis.grading.grade_enterprises` of the period). A park that is 未报 for the
  period has a row saying so, never a silent gap.
* **Leading and lagging parks**: the first and last of the ranking, the fastest and slowest
  output growth, and the parks with under two years of land left.
* **Share copy**: each park's economic cells (亩均, growth) are withheld when the park's
  enterprises behind them are too few or one dominates (``share.rules``: ``too_few`` on the
  count, ``dominated`` on the enterprises' contributions — the park's own rules), shown as the
  rules' marker and left out of charts and sentences. The page prints no park's level (only
  ratios and growth), so the total minus the other parks gives no withheld figure back; the
  total's own cells pass the same rules over the union. Counts of enterprises (规上 count,
  A/B/C/D mix) and land figures stay, as in the park reports.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.report.base import document_date
from parkanalysis.report.display import HTML, html_block, image_html, paragraph, table_html
from parkanalysis.report.model import Heading, Paragraph, Signature
from parkanalysis.report.naming import resolve_copy

#: Economic columns of the ranking: (indicator id, table field, column name).
RANKED = (
    ("tax_per_mu", "value", "tax_per_mu"),
    ("output_per_mu", "value", "output_per_mu"),
    ("industrial_output", "yoy_pct", "output_yoy_pct"),
    ("tax_revenue", "yoy_pct", "tax_yoy_pct"),
)
#: Rows of the totals table.
TOTAL_ROWS = (
    "industrial_output",
    "above_size_output",
    "industrial_value_added",
    "revenue",
    "tax_revenue",
    "fixed_asset_investment",
    "employees",
    "above_size_enterprises",
    "tax_per_mu",
    "output_per_mu",
    "labour_productivity",
)
#: Parks with fewer years of land left than this are named as needing expansion soon.
SHORT_OF_LAND_YEARS = 2.0
#: At most this many parks in a bar chart (the first and last of the ranking beyond it).
MAX_BARS = 16


def _load(data: Any, zone_name: str | None):
    """A Zone from a dataset folder (the kernel's cached dataset), folders or datasets."""
    from parkanalysis.province import Zone, as_zone, data_folders
    from parkanalysis.province import zone_name as name_of

    if isinstance(data, str | Path):
        folders = data_folders([data])
        if len(folders) == 1:
            from parkanalysis.dataset.cache import load_cached

            ds = load_cached(folders[0])
            return Zone([ds], zone_name or name_of(ds))
    return as_zone(data, name=zone_name)


class OverviewReport:
    """The overview of the parks of ``data`` for ``period`` (see the module docstring).

    ``data``: a dataset folder with several parks, a folder of office folders, a list of
    folders or datasets. ``outlook=False`` leaves the expansion need out (no simulation).
    ``park`` (id or name): a park whose place the sentences state and the chart marks.
    """

    def __init__(
        self,
        *,
        data,
        period,
        share: bool = False,
        zone_name=None,
        outlook: bool = True,
        park=None,
        copy=None,
        date=None,
    ):
        from parkanalysis.periods import parse_period
        from parkanalysis.province import park_status, zone_by_park, zone_land, zone_table

        self.zone = _load(data, zone_name)
        self.period = parse_period(period)
        #: The copy: ``work`` (工作稿), ``final`` (上报稿) or ``share`` (对外版).
        self.copy = resolve_copy(copy, bool(share))
        self.share = self.copy == "share"
        #: The 成文日期 as printed in the 落款 (「2016年7月5日」): ``date``, else today.
        self.date = document_date(date)
        self.total = zone_table(self.zone, self.period)
        self.by_park = zone_by_park(self.zone, self.period)
        self.status = park_status(self.zone, self.period)
        self.as_of = self.period.as_of
        self.land = zone_land(self.zone, as_of=self.as_of)
        self.cutoff = self.land.attrs["as_of"]
        self.outlook = bool(outlook)
        self.ranking = self._ranking()
        #: The park whose place the report states (``park``: its id or name), or None.
        self.focus = self._focus(park)

    # -- the figures --------------------------------------------------------------------
    def _ranking(self) -> pd.DataFrame:
        """One row per park (taken in first, by 亩均税收; then 未报), the table's columns."""
        from parkanalysis.share.rules import share_rules

        rows = []
        parks = {(r.folder, r.park_id): r for r in self.zone.parks}
        status = self.status.set_index(["dataset", "park_id"])
        for (folder, pid), ref in parks.items():
            st = status.loc[(folder, pid)]
            row: dict[str, Any] = {"park": ref.label, "status": st["status"]}
            rules = share_rules(ref.ds.config(pid))
            if st["status"] != "未报":
                mine = self.by_park.loc[
                    (self.by_park["park"] == ref.label) & (self.by_park["dataset"] == folder)
                ].set_index("id")
                for rid, fieldname, column in RANKED:
                    value = float(mine.loc[rid, fieldname])
                    if self.share and self._withheld(ref, rid, mine.loc[rid], rules):
                        value = math.nan
                        row[f"{column}_withheld"] = rules.marker
                    row[column] = value
                row["above_size_enterprises"] = float(mine.loc["above_size_enterprises", "value"])
                row["grades"] = self._grades(ref)
            years = self.land.set_index("id").loc["years_of_supply_left", ref.label]
            row["years_of_supply_left"] = float(years)
            row["expansion_need_mu"] = self._need(ref) if self.outlook else math.nan
            row["reason"] = st["reason"]
            rows.append(row)
        out = pd.DataFrame(rows)
        for _, _, column in RANKED:
            if column not in out:
                out[column] = math.nan
        taken = out["status"] != "未报"
        out = pd.concat(
            [
                out.loc[taken].sort_values(
                    ["tax_per_mu", "output_per_mu"], ascending=False, na_position="last"
                ),
                out.loc[~taken],
            ]
        ).reset_index(drop=True)
        out.insert(0, "rank", np.where(out["status"] != "未报", np.arange(1, len(out) + 1), 0))
        return out

    def _focus(self, park) -> str | None:
        if park is None:
            return None
        from parkanalysis.errors import ParameterError

        hits = [r.label for r in self.zone.parks if park in (r.park_id, r.name, r.label)]
        if len(hits) != 1:
            choices = "、".join(r.label for r in self.zone.parks)
            raise ParameterError(f"园区 {park!r} 不在综述的园区中(或不唯一);可选:{choices}")
        return hits[0]

    def _withheld(self, ref, rid: str, row: pd.Series, rules) -> bool:
        """Share mode: the park's cell fails its rules (too few enterprises, or dominated)."""
        from parkanalysis.indicators import enterprise_table

        n = float(row["n_enterprises"])
        if rules.too_few(n):
            return True
        e = enterprise_table(ref.ds, self.period, park=ref.park_id)
        column = "output_wan_yuan" if "output" in rid else "tax_wan_yuan"
        values = e[column].to_numpy(dtype="float64")
        if rid.endswith("_per_mu"):
            values = values[e["area_mu"].notna().to_numpy()]
        return bool(rules.dominated(values))

    def _grades(self, ref) -> str:
        """The park's A/B/C/D counts, e.g. 「3/10/12/2」 (— when none could be graded)."""
        from parkanalysis.errors import ParkAnalysisError
        from parkanalysis.grading import grade_enterprises, grade_summary

        try:
            g = grade_summary(grade_enterprises(ref.ds, self.period, park=ref.park_id))
        except ParkAnalysisError:
            return "—"
        counts = g.set_index("grade")["count"]
        return "/".join(str(int(counts.get(k, 0))) for k in "ABCD") if counts.sum() else "—"

    def _need(self, ref) -> float:
        """Net expansion need (亩) at the park's confidence and planning horizon."""
        from parkanalysis.errors import ParkAnalysisError
        from parkanalysis.land import land_outlook_for

        try:
            # the need does not depend on the backtest (5-7x the simulation's time per park)
            outlook = land_outlook_for(ref.ds, park=ref.park_id, as_of=self.cutoff, backtest=False)
        except ParkAnalysisError:
            return math.nan
        return max(0.0, float(outlook.headline_need()[1]))

    def shown_parks(self) -> pd.DataFrame:
        """Ranked parks whose 亩均税收 is shown (taken in, not withheld)."""
        r = self.ranking
        return r.loc[(r["status"] != "未报") & r["tax_per_mu"].notna()]

    # -- the sections ------------------------------------------------------------------
    def _month(self) -> str:
        return f"{self.cutoff.year}年{self.cutoff.month}月"

    @property
    def issuer(self) -> str:
        cfg = self.zone.datasets[0].profile.config if self.zone.datasets else {}
        return str(cfg.get("issuer") or f"{self.zone.name}园区经济运行监测")

    def title(self) -> HTML:
        """Cover: title, the parks taken in, issuer and date (内部资料 on the internal copy)."""
        from parkanalysis.report.naming import report_title

        heading = report_title(
            "overview", self.zone.name, period=self.period, share=self.share, copy=self.copy
        )
        n_in = int((self.status["status"] != "未报").sum())
        sub = f"共{len(self.zone.parks)}个园区,{n_in}个园区数据纳入合计;土地截至{self._month()}末"
        parts = [Heading(heading, 1), Paragraph(sub, role="subtitle")]
        if self.share:
            parts.append(
                Paragraph(
                    "对外版:供园区以外传阅。已去除企业名单与企业明细;由过少企业汇总、"
                    "或由个别企业占绝大部分的园区数字不予公布。",
                    role="banner",
                )
            )
        else:
            parts.insert(0, Paragraph("内部资料 注意保存", role="subtitle"))
        return html_block(*parts)

    def closing(self) -> HTML:
        """The 落款 at the end of the body: 署名 over 成文日期, right-aligned (GB/T 9704)."""
        return html_block(Signature(self.issuer, self.date))

    def totals(self) -> HTML:
        """The total's figures with 同比 (同口径 over the union of the parks' enterprises)."""
        t = self.total.set_index("id").loc[list(TOTAL_ROWS)].reset_index()
        # four columns: legible on a phone (units in the names, the scope in the note)
        from parkanalysis.labels import format_value

        def by_unit(column: str) -> list[str]:  # each row in its own unit's decimals
            return [format_value(v, u) for v, u in zip(t[column], t["unit"], strict=True)]

        shown = pd.DataFrame(
            {
                "name": [f"{n}({u})" for n, u in zip(t["name"], t["unit"], strict=True)],
                "value": by_unit("value"),
                "yoy_pct": t["yoy_pct"],
                # 上年同期(可比口径) = 本期 ÷ (1 + 同比): the basis of the 同口径 growth
                "prev_value": [
                    format_value(v / (1 + g / 100) if g > -100 else math.nan, u)
                    for v, g, u in zip(t["value"], t["yoy_pct"], t["unit"], strict=True)
                ],
            }
        )
        if self.share:
            shown = self._share_totals(t, shown)
        land = self.land.set_index("id")
        name = self.zone.name
        area = land.loc["supplied_mu", "unit"]
        land_rows = pd.DataFrame(
            {
                "name": [
                    f"已供应土地({area})",
                    f"尚可供应土地(已批未供,{area})",
                    "尚可供地年数(年)",
                ],
                "value": [
                    land.loc["supplied_mu", name],
                    land.loc["remaining_supplyable_mu", name],
                    land.loc["years_of_supply_left", name],
                ],
            }
        )
        g = t.set_index("id")
        out = float(g.loc["industrial_output", "value"])
        yoy = float(g.loc["industrial_output", "yoy_pct"])
        text = (
            f"{self.period.label},{name}纳入合计的园区实现工业总产值{out:.1f}万元,"
            f"同口径同比{'增长' if yoy >= 0 else '下降'}{abs(yoy):.1f}%"
            if not (math.isnan(out) or math.isnan(yoy))
            else ""
        )
        note = self.total.attrs.get("note", "")
        return html_block(
            paragraph(text + "。") if text else "",
            table_html(
                shown,
                caption=f"{name}主要经济指标({self.period.label})",
                labels={"name": "指标", "value": "本期", "prev_value": "上年同期(可比口径)"},
                source="各园区企业统计月报;同比为各园区同口径企业合并计算("
                f"{t.set_index('id').loc['industrial_output', 'scope']}等),"
                "上年同期(可比口径)=本期÷(1+同比)",
            ),
            table_html(
                land_rows,
                caption=f"{name}土地供应(截至{self._month()}末)",
                labels={"name": "指标", "value": "数值"},
                source="各园区土地台账",
            ),
            paragraph(f"注:{note}。", cls="pa-note") if note else "",
        )

    def _share_totals(self, t: pd.DataFrame, shown: pd.DataFrame) -> pd.DataFrame:
        from parkanalysis.share.rules import share_rules

        rules = share_rules(self.zone.datasets[0].config()) if self.zone.datasets else None
        shown = shown.astype({"value": object, "yoy_pct": object, "prev_value": object})
        for i, n in enumerate(t["n_enterprises"].to_numpy(dtype="float64")):
            if rules is not None and rules.too_few(n):
                for c in ("value", "yoy_pct", "prev_value"):
                    shown.iloc[i, shown.columns.get_loc(c)] = rules.marker
        return shown

    def ranking_table(self) -> HTML:
        """The parks ranked by 亩均税收 in two phone-wide tables: efficiency and growth; size,
        land left, expansion need and the A-D mix (same order, same 排名)."""
        r = self.ranking.copy()
        columns = ["rank", "park", *(c for *_, c in RANKED), "above_size_enterprises",
                   "years_of_supply_left", "expansion_need_mu", "grades"]  # fmt: skip
        shown = r[columns].astype(object)
        for _, _, c in RANKED:
            held = r.get(f"{c}_withheld")
            if held is not None:
                shown.loc[held.notna(), c] = held[held.notna()]
        # 尚可供地年数 to one decimal as the sentences say it (「1.1年」; 年 as a count has none)
        years = r["years_of_supply_left"]
        finite = np.isfinite(years.to_numpy(dtype="float64"))
        shown.loc[finite, "years_of_supply_left"] = [f"{y:.1f}" for y in years[finite]]
        gone = r["status"] == "未报"
        # a park not taken in: said once, by its name (the note below gives why); its figures
        # 「—」, so the columns stay numbers (right-aligned, narrow on a phone)
        for c in shown.columns[2:]:
            shown.loc[gone, c] = "—"
        shown.loc[gone, "park"] = [f"{p}(未报)" for p in r.loc[gone, "park"]]
        shown.loc[gone, "rank"] = "—"
        labels = {
            "rank": "排名",
            "park": "园区",
            "tax_per_mu": "亩均税收(万元/亩)",
            "output_per_mu": "亩均产值(万元/亩)",
            "output_yoy_pct": "产值同比(%)",
            "tax_yoy_pct": "税收同比(%)",
            "above_size_enterprises": "规上企业(家)",
            "years_of_supply_left": "尚可供地年数(年)",
            "expansion_need_mu": "扩园需求(亩)",
            "grades": "A/B/C/D类(家)",
        }
        span = "" if self.period.n_months == 12 else f"{self.period.short_label}累计,未年化;"
        second = ["rank", "park", "above_size_enterprises", "years_of_supply_left"]
        second += ["expansion_need_mu"] if self.outlook else []
        return html_block(
            table_html(
                shown[["rank", "park", *(c for *_, c in RANKED)]],
                caption=f"各园区排名(一):亩均效益与增长(按亩均税收排名;{span}同比为同口径)",
                labels=labels,
                source="各园区企业统计月报",
            ),
            table_html(
                shown[[*second, "grades"]],
                caption="各园区排名(二):规模、土地与亩均效益分类",
                labels=labels,
                source="各园区企业统计月报、土地台账;A/B/C/D类按各园区亩均效益评价设置",
            ),
            self._reasons(),
        )

    def _reasons(self):
        gone = self.ranking.loc[self.ranking["status"] == "未报"]
        if gone.empty:
            return ""
        listed = "、".join(
            f"{p}({why})" for p, why in zip(gone["park"], gone["reason"], strict=True)
        )
        return paragraph(f"注:未报园区未纳入合计与排名:{listed}。", cls="pa-note")

    def charts(self) -> HTML:
        """Parks ranked by 亩均税收; 亩均税收 against output growth; years of land left."""
        from parkanalysis.report.sections import legible, phone_figure

        shown = self.shown_parks()
        blocks = []
        if len(shown):
            bars = _ends(shown, MAX_BARS)
            fig, ax = phone_figure(6.4, 1.6 + 0.55 * len(bars))
            colours = ["#e45756" if p == self.focus else "#2f6f9f" for p in bars["park"][::-1]]
            ax.barh(bars["park"][::-1], bars["tax_per_mu"][::-1], color=colours)
            ax.set_xlabel("亩均税收(万元/亩)")
            ax.set_title("各园区亩均税收")
            legible(fig, scale=1.6, tick_size=15)
            blocks.append(image_html(fig, alt="各园区亩均税收", source="各园区企业统计月报"))
            both = shown.dropna(subset=["output_yoy_pct"])
            if len(both):
                fig, ax = phone_figure(6.4, 5.2)
                ax.scatter(both["tax_per_mu"], both["output_yoy_pct"], s=60, color="#c0504d")
                ax.axhline(0, color="#888", lw=1)
                ax.margins(0.12)
                if len(both) <= 20:  # the ranking's 排名 beside each point: short, no names
                    for (x, y), ranks in _label_groups(ax, both):  # near points: one label
                        ax.annotate("、".join(ranks), (x, y), xytext=(4, 3),
                                    textcoords="offset points", fontsize=8)  # fmt: skip
                ax.set_xlabel("亩均税收(万元/亩)")
                ax.set_ylabel("产值同比(%)")
                ax.set_title("亩均效益与增长(点旁为排名)")
                legible(fig, scale=1.6, tick_size=15)
                alt = "亩均税收与工业总产值同比"
                blocks.append(image_html(fig, alt=alt, source="各园区企业统计月报"))
        land = self.ranking.dropna(subset=["years_of_supply_left"]).sort_values(
            "years_of_supply_left"
        )
        if len(land):
            bars = land.head(MAX_BARS)
            fig, ax = phone_figure(6.4, 1.6 + 0.55 * len(bars))
            colours = ["#c0504d" if y < SHORT_OF_LAND_YEARS else "#4f81bd"
                       for y in bars["years_of_supply_left"][::-1]]  # fmt: skip
            ax.barh(bars["park"][::-1], bars["years_of_supply_left"][::-1], color=colours)
            ax.axvline(SHORT_OF_LAND_YEARS, color="#888", lw=1, ls="--")
            ax.set_xlabel("尚可供地年数(年)")
            ax.set_title("可供土地还能用几年")
            legible(fig, scale=1.6, tick_size=15)
            source = "各园区土地台账"
            untold = int(self.ranking["years_of_supply_left"].isna().sum())
            if untold:  # parks without the figure (no recent supply): said, not dropped silently
                source += (
                    f";另有{untold}个园区尚可供地年数无法按近年年均供地折算(排名表中为“—”),图中未列"
                )
            blocks.append(image_html(fig, alt="各园区尚可供地年数", source=source))
        return html_block(*blocks) if blocks else html_block(paragraph("(无可绘制的数据)"))

    def sentences(self) -> HTML:
        """The leading and lagging parks in words."""
        shown = self.shown_parks()
        parts = []
        if len(shown) >= 2:
            top, last = shown.iloc[0], shown.iloc[-1]
            parts.append(
                f"亩均税收{top['park']}最高({top['tax_per_mu']:.2f}万元/亩),"
                f"{last['park']}最低({last['tax_per_mu']:.2f}万元/亩)"
            )
        growth = self.ranking.dropna(subset=["output_yoy_pct"])
        growth = growth.loc[growth["status"] != "未报"].sort_values("output_yoy_pct")
        if len(growth) >= 2:
            fast, slow = growth.iloc[-1], growth.iloc[0]
            parts.append(
                f"工业总产值同比{fast['park']}增长最快({fast['output_yoy_pct']:+.1f}%),"
                f"{slow['park']}最慢({slow['output_yoy_pct']:+.1f}%)"
            )
        short = self.ranking.loc[self.ranking["years_of_supply_left"] < SHORT_OF_LAND_YEARS]
        if len(short):
            listed = "、".join(
                f"{p}({y:.1f}年)"
                for p, y in zip(short["park"], short["years_of_supply_left"], strict=True)
            )
            parts.append(
                f"尚可供地不足{SHORT_OF_LAND_YEARS:g}年的园区:{listed},需尽快扩园或盘活存量"
            )
        if self.focus is not None:
            place = shown.loc[shown["park"] == self.focus]
            if len(place):
                parts.append(
                    f"{self.focus}亩均税收居第{int(place['rank'].iloc[0])}位(共{len(shown)}个园区)"
                )
        gone = self.ranking.loc[self.ranking["status"] == "未报", "park"].tolist()
        if gone:
            parts.append(f"{'、'.join(gone)}本期未报,未参与比较")
        text = "。".join(parts) + "。" if parts else "纳入比较的园区不足两个。"
        return html_block(paragraph(text))


def _label_groups(ax, points: pd.DataFrame, near=(0.045, 0.045)) -> list:
    """The scatter's 排名 labels, points closer than ``near`` (a fraction of the axes' width
    and height: about a label's size on a phone) sharing one label 「4、5」 at the first
    point, so that no two labels overlap.

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> pts = pd.DataFrame({"tax_per_mu": [0.5, 0.501, 1.5], "output_yoy_pct": [5, 5.01, 9],
    ...                     "rank": [4, 5, 1]})
    >>> _ = ax.scatter(pts["tax_per_mu"], pts["output_yoy_pct"])
    >>> [ranks for _, ranks in _label_groups(ax, pts)]
    [['1'], ['4', '5']]
    >>> plt.close(fig)
    """
    ax.autoscale_view()
    ordered = points.sort_values("rank")
    xy = list(zip(ordered["tax_per_mu"], ordered["output_yoy_pct"], strict=True))
    where = ax.transAxes.inverted().transform(ax.transData.transform(np.array(xy, dtype=float)))
    groups: list[tuple[tuple[float, float], list[str], np.ndarray]] = []
    for point, at, rank in zip(xy, where, ordered["rank"], strict=True):
        for _, ranks, first in groups:
            if abs(at[0] - first[0]) < near[0] and abs(at[1] - first[1]) < near[1]:
                ranks.append(str(int(rank)))
                break
        else:
            groups.append((point, [str(int(rank))], at))
    return [(point, ranks) for point, ranks, _ in groups]


def _ends(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """The first and last rows (n in all) of a ranked frame; all when it is short.

    >>> _ends(pd.DataFrame({"rank": range(1, 8)}), 4)["rank"].tolist()
    [1, 2, 6, 7]
    """
    if len(frame) <= n:
        return frame
    half = n // 2
    return pd.concat([frame.head(half), frame.tail(n - half)])
