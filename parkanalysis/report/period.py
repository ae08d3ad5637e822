"""The period report (月报, 1-N月累计, 季报, 上半年工作总结) of one park."""

from __future__ import annotations

import functools

from parkanalysis.report.base import _Report, _scope_count
from parkanalysis.report.display import HTML, esc, html_block, image_html, paragraph, table_html

#: Rows of the balance table that the period report shows (the land report shows all).
BALANCE_SUMMARY_ITEMS = (
    "total",
    "road",
    "green",
    "water",
    "usable",
    "unreconciled",
    "approved",
    "supplied",
    "remaining_supplyable",
    "converted",
    "idle",
)


class PeriodReport(_Report):
    """The period report (月报, 1-N月累计, 季报, 上半年工作总结) of one park.

    Each public method returns one section, ready to display.
    """

    def __init__(self, *, data, period, park=None, share=False):
        from parkanalysis.periods import check_period_available, parse_period

        super().__init__(data=data, park=park, share=share)
        first, last = self.ds.month_range
        self.period = check_period_available(
            parse_period(period),
            first_month=first,
            last_month=last,
            jan_feb_combined=self.ds.jan_feb_combined,
        )
        self.as_of = f"{self.period.year}-{self.period.end_month:02d}"

    # -- cached computations --------------------------------------------------------
    @functools.cached_property
    def indicators(self):
        return self._indicators_of(str(self.period))

    def _indicators_of(self, period: str):
        """The indicator table of any period, computed once per report (share-mode trends).

        Kept on the instance (not a class-level ``functools.cache``), so a warm kernel frees
        it with the report.
        """
        from parkanalysis.indicators import indicator_table

        tables = self.__dict__.setdefault("_indicator_tables", {})
        if period not in tables:
            tables[period] = indicator_table(self.ds, period, park=self.park)
        return tables[period]

    @functools.cached_property
    def outlook(self):
        from parkanalysis.land import land_outlook_for

        return land_outlook_for(self.ds, park=self.park, as_of=self.as_of)

    @functools.cached_property
    def grades(self):
        from parkanalysis.grading import grade_enterprises

        return grade_enterprises(self.ds, self.period, park=self.park)

    # -- sections ----------------------------------------------------------------------
    def title(self) -> HTML:
        """The report's heading."""
        kind = "工作总结" if self.period.kind in {"half", "year"} else "经济运行情况报告"
        return self._title(
            f"{self.info.name}{self.period.label}{kind}",
            f"{self._region()} 报告期:{self.period.label}",
        )

    def economy(self) -> HTML:
        """经济运行: the narrative paragraph, the indicator table, the cumulative trends."""
        from parkanalysis.indicators import trend_table
        from parkanalysis.narrative import economic_paragraph
        from parkanalysis.plots import new_figure, plot_cumulative_trend

        table, level_cut, growth_cut = self._shareable_indicators()
        text = economic_paragraph(table, period=self.period, park_name=None)
        shown = table[
            ["name", "value", "unit", "yoy_pct", "scope", "published_value", "published_yoy_pct"]
        ].copy()
        shown["value"] = [
            self.marker if cut else _value_text(v, u)
            for v, u, cut in zip(shown["value"], shown["unit"], level_cut, strict=True)
        ]
        shown["yoy_pct"] = shown["yoy_pct"].astype(object)
        shown.loc[growth_cut, "yoy_pct"] = self.marker
        notes = []
        if growth_cut.any():
            extra = [
                f"{name}{_value_text(v, u)}{u}"
                for name, v, u, cut in zip(
                    table["name"],
                    table["value"],
                    table["unit"],
                    growth_cut & ~level_cut,
                    strict=True,
                )
                if cut
            ]
            if extra:
                text += (
                    f"另:{'、'.join(extra)},其同口径企业少于{self.min_enterprises}家,同比不予公布。"
                )
        if level_cut.any() or growth_cut.any():
            names = "、".join(table.loc[level_cut | growth_cut, "name"])
            notes.append(
                paragraph(
                    f"注:{names}的数值或同比由少于{self.min_enterprises}家企业汇总得出,"
                    "对外版不予公布;统计部门公布数照列。",
                    cls="pa-note",
                )
            )
        fig, axes = new_figure(9.0, 3.4, ncols=2)
        hidden_points = 0
        for ax, (indicator, title) in zip(
            axes,
            [("industrial_output", "工业总产值(1-N月累计)"), ("tax_revenue", "税收(1-N月累计)")],
            strict=True,
        ):
            trend = trend_table(self.ds, indicator, year=self.period.year, park=self.park)
            trend = trend[
                [p.end_month <= self.period.end_month for p in trend["period"].map(_as_period)]
            ].reset_index(drop=True)
            if self.share:
                trend, hidden = self._shareable_trend(trend, indicator)
                hidden_points += hidden
            plot_cumulative_trend(ax, trend, title=title, unit="万元")
        if hidden_points:
            notes.append(
                paragraph(
                    f"注:走势图中由少于{self.min_enterprises}家企业汇总的{hidden_points}个"
                    "数据点未画出。",
                    cls="pa-note",
                )
            )
        return html_block(
            paragraph(text),
            table_html(shown, caption=f"{self.period.label}主要经济指标", labels={"name": "指标"}),
            *notes,
            image_html(fig, alt=f"{self.period.year}年工业总产值与税收累计走势"),
        )

    def _shareable_indicators(self):
        """The indicator table with suppressed figures blanked (share mode) and the masks.

        Returns ``(table, level_cut, growth_cut)``: boolean arrays of the rows whose level,
        respectively growth, comes from too few enterprises. Outside share mode both are
        all False and the table is unchanged.
        """
        import numpy as np

        table = self.indicators.copy()
        none = np.zeros(len(table), dtype=bool)
        if not self.share:
            return table, none, none.copy()
        kinds = {s.id: s.kind for s in _indicator_specs()}
        n = table["n_enterprises"].to_numpy(dtype="float64")
        is_count = table["id"].map(lambda i: kinds.get(i) in {"count", "new"}).to_numpy(bool)
        level_cut = np.array([self._small(x) for x in n]) & ~is_count
        # secondary suppression: 规上 levels when the non-规上 rest is too small (total − 规上)
        by_id = dict(zip(table["id"], n, strict=True))
        for above, total in (
            ("above_size_output", "industrial_output"),
            ("above_size_value_added", "industrial_value_added"),
        ):
            if above in by_id and total in by_id and self._small(by_id[total] - by_id[above]):
                level_cut |= (table["id"] == above).to_numpy() | (table["id"] == total).to_numpy()
        scope_n = table["scope"].map(_scope_count).to_numpy(dtype="float64")
        growth_cut = (np.array([self._small(x) for x in scope_n]) | level_cut) & ~is_count
        growth_cut &= table["yoy_pct"].notna().to_numpy() | level_cut
        table.loc[level_cut, ["value", "difference"]] = float("nan")
        table.loc[growth_cut, ["yoy_pct", "prev_value"]] = float("nan")
        return table, level_cut, growth_cut

    def _shareable_trend(self, trend, indicator: str):
        """Blank trend points built from too few enterprises; return (trend, points hidden)."""
        trend = trend.copy()
        hidden = 0
        for i, period in enumerate(trend["period"]):
            row = self._indicators_of(period).set_index("id").loc[indicator]
            if self._small(row["n_enterprises"]):
                trend.loc[i, ["value", "yoy_pct"]] = float("nan")
                hidden += 1
            elif self._small(_scope_count(row["scope"])):
                trend.loc[i, "yoy_pct"] = float("nan")
                hidden += 1
        return trend, hidden

    def land(self) -> HTML:
        """土地: balance against the declared areas, ratios and the supply history."""
        from parkanalysis.land import balance_table, supply_history
        from parkanalysis.plots import new_figure, plot_supply_history

        history = supply_history(self.ds, park=self.park, as_of=self.as_of)
        balance = balance_table(self.ds, park=self.park, as_of=self.as_of)
        balance = balance[balance["item"].isin(BALANCE_SUMMARY_ITEMS)]
        fig, ax = new_figure(8.0, 3.2)
        plot_supply_history(ax, history)
        return html_block(
            paragraph(self.outlook.summary),
            table_html(
                balance[["label", "declared_mu", "ledger_mu", "residual_mu", "ledger_ha", "note"]],
                caption="用地平衡表(亩)",
            ),
            image_html(fig, alt="历年供地面积"),
        )

    def projects(self) -> HTML:
        """项目建设: building progress as of the period end."""
        from parkanalysis.projects import building_progress, progress_sentences

        progress = building_progress(self.ds, as_of=self.as_of, park=self.park)
        if self.share:
            return self._projects_by_kind(progress)
        shown = progress[
            [
                "project_name",
                "building_no",
                "use",
                "floors_built",
                "floors_planned",
                "stage",
                "date",
            ]
        ]
        return html_block(
            *(paragraph(s) for s in progress_sentences(progress)),
            table_html(shown, caption="楼栋形象进度", labels={"date": "填报日期"}),
        )

    def _projects_by_kind(self, progress) -> HTML:
        """Share mode: buildings counted per project type, no project names."""
        import pandas as pd

        from parkanalysis.projects import STAGES

        if len(progress) == 0:
            return html_block(paragraph("报告期内无项目形象进度记录。"))
        pj = self.ds.projects
        keys = zip(pj["park_id"], pj["project_id"], strict=True)
        kinds = dict(zip(keys, pj["kind"], strict=True))
        frame = progress.assign(
            kind=[
                kinds.get((k, p)) if isinstance(kinds.get((k, p)), str) else "其他"
                for k, p in zip(progress["park_id"], progress["project_id"], strict=True)
            ],
            _stage=[STAGES.index(s) if s in STAGES else -1 for s in progress["stage"]],
        )
        finished = STAGES.index("主体完工")
        rows = []
        for kind, group in frame.groupby("kind", sort=False):
            rows.append(
                {
                    "项目类型": kind,
                    "项目数(个)": group["project_id"].nunique(),
                    "楼栋数(栋)": len(group),
                    "主体已完工(栋)": int((group["_stage"] >= finished).sum()),
                    "在建(栋)": int(((group["_stage"] > 0) & (group["_stage"] < finished)).sum()),
                    "未开工(栋)": int((group["_stage"] <= 0).sum()),
                }
            )
        table = pd.DataFrame(rows)
        done = int((frame["_stage"] >= finished).sum())
        return html_block(
            paragraph(
                f"在建项目{frame['project_id'].nunique()}个,共{len(frame)}栋楼,"
                f"其中主体结构已完工{done}栋。"
            ),
            table_html(table, caption="项目形象进度(按项目类型汇总)"),
            paragraph("对外版不列项目与企业名称。", cls="pa-note"),
        )

    def relocations(self) -> HTML:
        """企业服务与搬迁置换."""
        from parkanalysis.projects import relocation_sentence, relocation_status

        status = relocation_status(self.ds, as_of=self.as_of, park=self.park)
        if self.share:
            if len(status) == 0:
                return html_block(paragraph("报告期内无搬迁置换企业。"))
            by_status = status["status"].value_counts(sort=False)
            parts = "、".join(f"{st}{n}家" for st, n in by_status.items())
            freed = status["land_freed_mu"].sum(min_count=1)
            land = (
                f"涉及腾退土地{self.marker}"
                if self._small(len(status))
                else ("" if freed != freed else f"涉及腾退土地合计{freed:.1f}亩")
            )
            text = f"搬迁置换企业{len(status)}家({parts})" + (f",{land}" if land else "") + "。"
            return html_block(
                paragraph(text), paragraph("对外版不列企业名称与逐户进展。", cls="pa-note")
            )
        shown = status[["enterprise_name", "status", "status_date", "land_freed_mu"]]
        return html_block(
            paragraph(relocation_sentence(status)),
            table_html(
                shown,
                caption="搬迁置换进展",
                labels={"status_date": "进展日期", "land_freed_mu": "腾退土地(亩)"},
            ),
        )

    def safety(self) -> HTML:
        """安全生产: hazards found, rectified and overdue in the period."""
        from parkanalysis.plots import new_figure, plot_hazards
        from parkanalysis.safety import hazard_sentence, hazard_summary, overdue_hazards

        summary = hazard_summary(self.ds, self.period, park=self.park)
        if self.share:
            sentence, by_category, note = self._shareable_hazards(summary)
        else:
            sentence, by_category, note = hazard_sentence(summary), summary.by_category, ""
        parts = [paragraph(sentence)]
        if len(by_category):
            fig, ax = new_figure(8.0, 3.2)
            plot_hazards(ax, by_category)
            parts.append(image_html(fig, alt="隐患排查与整改(按类别)"))
        if note:
            parts.append(paragraph(note, cls="pa-note"))
        if not self.share:
            overdue = overdue_hazards(self.ds, self.period, park=self.park)
            parts.append(
                table_html(overdue, caption="逾期未整改隐患")
                if len(overdue)
                else paragraph("报告期末无逾期未整改隐患。", cls="pa-note")
            )
        return html_block(*parts)

    def _shareable_hazards(self, summary):
        """Share mode: (sentence, by-category table, note) without small groups."""
        import pandas as pd

        from parkanalysis.safety import _bounds, _park_hazards, _status

        k = self.min_enterprises
        c = summary.counts
        if c["found"] == 0:
            return "未排查出安全隐患。", summary.by_category.iloc[0:0], ""
        if self._small(c["enterprises"]):
            return (
                f"排查出安全隐患{self.marker}(涉及企业少于{k}家)。",
                summary.by_category.iloc[0:0],
                "",
            )
        start, end = _bounds(summary.period)
        hz = _park_hazards(self.ds, self.park)
        hz = hz.loc[((hz["inspection_date"] >= start) & (hz["inspection_date"] <= end)).to_numpy()]
        st = _status(hz, end)
        ent = hz["enterprise_id"].astype(str)

        def n_ent(mask) -> int:
            return int(ent[pd.Series(mask, index=hz.index).to_numpy(dtype=bool)].nunique())

        def split_ok(mask) -> bool:  # a sub-count and its complement both publishable
            return not self._small(n_ent(mask)) and not self._small(n_ent(~mask))

        rect = st["rectified"].to_numpy(dtype=bool)
        text = f"排查出各类安全隐患{c['found']}处,涉及企业{c['enterprises']}家"
        withheld = []
        major = st["major"].to_numpy(dtype=bool)
        if c["major"]:
            if split_ok(major):
                text += f",其中重大隐患{c['major']}处"
            else:
                withheld.append("重大隐患数")
        if split_ok(rect):
            text += f",已整改{c['rectified']}处,整改率{summary.rectification_rate_pct:.1f}%"
            open_ = ~rect
            overdue = st["overdue"].to_numpy(dtype=bool)
            if open_.any():
                if c["overdue"] == 0:
                    text += f";尚未整改{int(open_.sum())}处,均在整改期限内"
                elif not self._small(n_ent(overdue)) and not self._small(n_ent(open_ & ~overdue)):
                    text += f";尚未整改{int(open_.sum())}处,其中逾期{c['overdue']}处"
                else:
                    text += f";尚未整改{int(open_.sum())}处"
                    withheld.append("逾期未整改数")
        else:
            withheld.append("整改情况")
        prev = summary.previous
        comparable = prev is not None and prev.counts["found"]
        if comparable and not self._small(prev.counts["enterprises"]):
            diff = c["found"] - prev.counts["found"]
            word = "增加" if diff > 0 else "减少"
            text += f";与上年同期相比隐患{word}{abs(diff)}处" if diff else ";隐患数与上年同期持平"
        text += "。"
        # categories: merge the small ones (and then the smallest others) into one group
        cats = hz["category"].astype(str)
        order = summary.by_category["category"].astype(str).tolist()
        n_by_cat = {cat: n_ent((cats == cat).to_numpy()) for cat in order}
        merged = [cat for cat in order if self._small(n_by_cat[cat])]
        keep = [cat for cat in order if cat not in merged]
        while merged and self._small(n_ent(cats.isin(merged).to_numpy())) and keep:
            merged.append(keep.pop())  # by_category is sorted by found: pop the smallest
        rows = []
        for cat in keep:
            m = (cats == cat).to_numpy()
            rows.append((cat, m))
        if merged:
            rows.append(("其他类别(合并)", cats.isin(merged).to_numpy()))
        table = pd.DataFrame(
            {
                "category": [name for name, _ in rows],
                "found": [int(m.sum()) for _, m in rows],
                "rectified": [int((m & rect).sum()) for _, m in rows],
                "overdue": [int((m & st["overdue"].to_numpy(dtype=bool)).sum()) for _, m in rows],
            }
        )
        if merged and self._small(n_ent(cats.isin(merged).to_numpy())):
            table = table.iloc[0:0]  # every category together is still too small
        notes = []
        if merged:
            notes.append(
                f"涉及企业少于{k}家的隐患类别({'、'.join(merged)})合并为“其他类别(合并)”。"
            )
        if withheld:
            notes.append(f"{'、'.join(withheld)}涉及企业少于{k}家,不予公布。")
        return text, table, "".join(notes)

    def problems(self) -> HTML:
        """存在问题, drawn from the data."""
        from parkanalysis.grading import grade_summary

        items = []
        items.append(self.outlook.summary)
        grades = self.grades
        d_class = grades[grades["grade"] == "D"] if "grade" in grades.columns else grades.iloc[0:0]
        if len(d_class):
            summary = grade_summary(grades)
            share_d = (
                summary.set_index("grade").loc["D", "share_pct"]
                if "share_pct" in summary
                else float("nan")
            )
            names = "" if self.share else ":" + "、".join(d_class["name"].astype(str).tolist())
            # a count of enterprises is published in share mode, never their names
            items.append(
                f"亩均效益评价为D类的企业{len(d_class)}家(占{share_d:.1f}%){names},"
                "企业小、散、弱,亩均产出低,需加快提升或腾退。"
            )
        converted = self.ds.parcels
        converted = converted[
            (converted["park_id"] == self.park) & converted["current_use"].notna()
        ]
        converted = converted[converted["current_use"] != converted["planned_use"]]
        if len(converted):
            area = converted["area_mu"].sum()
            items.append(
                f"{len(converted)}宗地块(合计{area:.0f}亩)现状用途与规划用途不一致,"
                "原工业用地转为商业等用途,工业发展空间进一步压缩。"
            )
        return html_block("<ol>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ol>")

    def data_checks(self) -> HTML:
        """数据核对: warnings found when the data were loaded (e.g. the 38 亩 residual)."""
        findings = list(self.ds.warnings)
        withheld = 0
        if self.share:  # only findings about the park's own declarations and ledger
            kept = [f for f in findings if f.rule in SHARE_SAFE_RULES]
            withheld, findings = len(findings) - len(kept), kept
        note = (
            paragraph(f"另有{withheld}处涉及企业数据的提示,对外版不列。", cls="pa-note")
            if withheld
            else ""
        )
        if not findings:
            return html_block(paragraph("数据校验未发现需要说明的问题。"), note)
        import pandas as pd

        frame = pd.DataFrame(
            [
                {
                    "问题": RULE_LABELS.get(f.rule, f.rule),
                    "文件": f.file or "",
                    "行": "" if f.row is None else str(int(f.row)),
                    "列": f.column or "",
                    "说明": f.message,
                }
                for f in findings
            ]
        )
        return html_block(
            paragraph(f"数据校验提示 {len(findings)} 处(不影响报告生成,请核对):"),
            table_html(frame),
            note,
        )


#: Data-check rules whose findings name no enterprise (the only ones a share report lists).
SHARE_SAFE_RULES = frozenset({"ledger_not_closed"})

#: Chinese names of the data-check rules shown in reports.
RULE_LABELS = {
    "ledger_not_closed": "面积不闭合",
    "enterprise_without_land": "企业未登记用地",
    "growth_outlier": "增速异常",
    "absurd_value": "数值异常",
}


def _indicator_specs():
    from parkanalysis.indicators import INDICATORS

    return INDICATORS


def _value_text(value, unit) -> str:
    """An indicator value as shown: counts as integers, amounts with one decimal."""
    import pandas as pd

    if pd.isna(value):
        return "—"
    if unit in {"家", "人", "宗", "处"}:
        return f"{value:,.0f}"
    return f"{float(value):,.1f}"


def _as_period(value):
    from parkanalysis.periods import parse_period

    return parse_period(value)
