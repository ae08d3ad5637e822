"""The period report (月报, 1-N月累计, 季报, 上半年工作总结) of one park."""

from __future__ import annotations

import functools

from parkanalysis.report.base import Report, scope_count, shared_outlook
from parkanalysis.report.display import HTML, html_block, image_html, paragraph, table_html
from parkanalysis.report.model import ListBlock
from parkanalysis.report.sections import (
    appendix_section,
    economy_section,
    inspection_context,
    land_section,
    legible,
    phone_figure,
    problem_land,
)

#: 资料来源 lines of the period report's tables and charts (the dataset tables they read).
SOURCES = {
    "economy": "园区企业月度统计报表;统计部门公布数",
    "monthly": "园区企业月度统计报表",
    "ledger": "园区土地台账",
    "land": "园区土地台账;园区基本情况申报数",
    "buildings": "项目建设进度填报",
    "relocations": "企业搬迁置换台账",
    "hazards": "安全隐患排查记录",
}


def _filled(v) -> bool:
    import pandas as pd

    return not (v is None or (isinstance(v, float) and pd.isna(v)) or v in ("", "—"))


def _mark_value(v) -> str:
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


class PeriodReport(Report):
    """The period report (月报, 1-N月累计, 季报, 上半年工作总结) of one park.

    Each public method returns one section, ready to display.
    """

    def __init__(
        self,
        *,
        data,
        period,
        park=None,
        share=False,
        allow_incomplete=False,
        copy=None,
        date=None,
    ):
        from parkanalysis.dataset.completeness import require_complete
        from parkanalysis.periods import check_period_available, parse_period

        texts_period = parse_period(period)
        super().__init__(
            data=data, park=park, share=share, copy=copy, date=date, texts_period=texts_period
        )
        first, last = self.ds.reported_range
        self.period = check_period_available(
            parse_period(period),
            first_month=first,
            last_month=last,
            jan_feb_combined=self.ds.jan_feb_combined,
        )
        #: 报送率 of the period; refused (IncompleteDataError) below the threshold unless
        #: ``allow_incomplete``, and then every figure from incomplete data is marked.
        self.reporting = require_complete(
            self.ds, self.period, self.park, allow_incomplete=bool(allow_incomplete)
        )
        self.as_of = f"{self.period.year}-{self.period.end_month:02d}"

    # -- cached computations --------------------------------------------------------
    @functools.cached_property
    def indicators(self):
        return self.indicators_of(str(self.period))

    def indicators_of(self, period: str):
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

        outlook = land_outlook_for(self.ds, park=self.park, as_of=self.as_of)
        # share mode: the only outlook this report sees has no scenario on withheld land
        return shared_outlook(self, outlook, self.as_of)

    @functools.cached_property
    def grades(self):
        """The 亩均效益 grades; an empty frame with ``attrs["reason"]`` when they cannot be
        computed (no land linked, an indicator nobody reports) — the rest still renders."""
        import pandas as pd

        from parkanalysis.errors import ParameterError
        from parkanalysis.grading import grade_enterprises

        try:
            return grade_enterprises(self.ds, self.period, park=self.park)
        except ParameterError as exc:
            empty = pd.DataFrame({"grade": pd.Series([], dtype="str")})
            empty.attrs["reason"] = str(exc)
            return empty

    def _outlook_summary(self) -> str:
        """The land outlook's summary; in share mode without scenarios on withheld land."""
        return self.outlook.summary

    # -- sections ----------------------------------------------------------------------
    def title(self) -> HTML:
        """Cover block: title and subtitle; 「内部资料 注意保存」 on the 工作稿 and 上报稿."""
        from parkanalysis.report.naming import report_title

        return self._cover(
            report_title("period", self.info.name, period=self.period),
            f"{self._region()} 报告期:{self.period.label}",
        )

    def economy(self) -> HTML:
        """经济运行: paragraph, 主要经济指标 with comparisons and targets, trends, industries."""
        return self._number("economy", economy_section(self))

    def shareable_indicators(self):
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
        protected = self._protected(self.period.year)
        s, e = self.period.start_month, self.period.end_month
        level_cut |= (
            np.array(
                [
                    any(
                        protected.withheld(m, *(e, e) if m == "employees" else (s, e)) for m in deps
                    )
                    for deps in table["id"].map(lambda i: SHARE_BASIS.get(i, ()))
                ],
                dtype=bool,
            )
            & table["value"].notna().to_numpy()
        )  # a figure nobody reported stays "—"
        # 总额 − 规上 (非规上) is a derived cell of the protected table: its secondary
        # suppression already withholds 规上 or the total where the difference would disclose
        scope_n = table["scope"].map(scope_count).to_numpy(dtype="float64")
        growth_cut = (np.array([self._small(x) for x in scope_n]) | level_cut) & ~is_count
        # V − 上年同期·(1+g) gives entrants − leavers·(1+g) away (share.table.growth_withheld)
        growth_cut |= np.array([self.growth_withheld_in(i, self.period) for i in table["id"]])
        growth_cut &= table["yoy_pct"].notna().to_numpy() | level_cut
        table.loc[level_cut, ["value", "difference"]] = float("nan")
        table.loc[growth_cut, ["yoy_pct", "prev_value", "scope_value"]] = float("nan")
        # all minus same-scope totals would give the entered/exited enterprises' sum
        table[["all_yoy_pct", "all_prev_value"]] = float("nan")
        return table, level_cut, growth_cut

    def withheld_in(self, ident: str, period) -> bool:
        """Share mode: True when indicator ``ident`` of ``period`` (any year) is withheld.

        Used for the comparison columns (上年同期, 增减额, 增速比前期) so that no figure of
        another period reaches a share copy unless that period's own cells are published.
        A period the data cannot protect (before the data's first year) counts as withheld.
        """
        if not self.share:
            return False
        deps = SHARE_BASIS.get(ident, ())
        if not deps:
            return False
        try:
            table = self._protected(period.year)
        except Exception:  # no data for that year: nothing of it is printed
            return True
        s, e = period.start_month, period.end_month
        return any(table.withheld(m, *(e, e) if m == "employees" else (s, e)) for m in deps)

    def growth_withheld_in(self, ident: str, period) -> bool:
        """Share mode: True when the 同口径 growth of ``ident`` for ``period`` is withheld.

        The growth goes with its entrants and leavers
        (:meth:`parkanalysis.share.table.ProtectedYear.growth_withheld`); also its change in
        百分点 against another period and its point on a trend chart.
        """
        if not self.share:
            return False
        deps = [m for m in SHARE_BASIS.get(ident, ()) if m in GROWTH_MEASURES]
        if not deps:
            return False
        try:
            table = self._protected(period.year)
        except Exception:  # no data for that year: nothing of it is printed
            return True
        return any(table.growth_withheld(m, period.start_month, period.end_month) for m in deps)

    def shareable_trend(self, trend, indicator: str):
        """Blank trend points built from too few enterprises; return (trend, points hidden)."""
        trend = trend.copy()
        hidden = 0
        protected = self._protected(self.period.year)
        for i, period in enumerate(trend["period"]):
            row = self.indicators_of(period).set_index("id").loc[indicator]
            p = _as_period(period)
            if protected.withheld(indicator, p.start_month, p.end_month):
                trend.loc[i, ["value", "yoy_pct"]] = float("nan")
                hidden += 1
            elif protected.growth_withheld(indicator, p.start_month, p.end_month):
                trend.loc[i, "yoy_pct"] = float("nan")
            elif self._small(scope_count(row["scope"])):
                trend.loc[i, "yoy_pct"] = float("nan")
                hidden += 1
        return trend, hidden

    def land(self) -> HTML:
        """土地: the land paragraph in plain words, the balance table and the supply history."""
        return self._number("land", land_section(self))

    def projects(self) -> HTML:
        """项目建设: building progress as of the period end."""
        from parkanalysis.projects import building_progress, progress_sentences

        progress = building_progress(self.ds, as_of=self.as_of, park=self.park)
        if self.share:  # numbered as the internal copy's table is
            return self._number("projects", self._projects_by_kind(progress))
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
        return self._number(
            "projects",
            html_block(
                *(paragraph(s) for s in _dated(progress_sentences(progress), progress)),
                table_html(
                    shown,
                    caption="楼栋形象进度",
                    labels={"date": "填报日期"},
                    source=f"{self.issuer}项目形象进度台账",
                ),
            ),
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
            table_html(
                table,
                caption="项目形象进度(按项目类型汇总)",
                source=f"{self.issuer}项目形象进度台账",
            ),
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
            end = self.period.end_month
            land = (
                f"涉及腾退土地{self.marker}"
                if self._protected(self.period.year).withheld("relocation_land", end, end)
                else ("" if freed != freed else f"涉及腾退土地合计{freed:.1f}亩")
            )
            text = f"搬迁置换企业{len(status)}家({parts})" + (f",{land}" if land else "") + "。"
            return html_block(
                paragraph(text), paragraph("对外版不列企业名称与逐户进展。", cls="pa-note")
            )
        shown = status[["enterprise_name", "status", "status_date", "land_freed_mu"]]
        return self._number(
            "relocations",
            html_block(
                paragraph(relocation_sentence(status)),
                table_html(
                    shown,
                    caption="搬迁置换进展",
                    labels={"status_date": "进展日期", "land_freed_mu": "腾退土地(亩)"},
                    source=f"{self.issuer}搬迁置换台账",
                ),
            ),
        )

    def safety(self) -> HTML:
        """安全生产: hazards found, rectified and overdue in the period."""
        from parkanalysis.plots import plot_hazards
        from parkanalysis.safety import (
            NO_DATA_SENTENCE,
            NO_RECORDS_SENTENCE,
            has_hazard_data,
            hazard_sentence,
            hazard_summary,
            overdue_hazards,
        )

        if not has_hazard_data(self.ds, self.park):
            return html_block(paragraph(NO_DATA_SENTENCE))
        summary = hazard_summary(self.ds, self.period, park=self.park)
        if summary.counts["found"] == 0:
            return html_block(paragraph(NO_RECORDS_SENTENCE))
        if self.share:
            sentence, by_category, note = self._shareable_hazards(summary)
        else:
            sentence, by_category, note = hazard_sentence(summary), summary.by_category, ""
        sentence = inspection_context(self, summary, sentence)
        parts = [paragraph(sentence)]
        source = f"{self.issuer}安全生产隐患排查台账"
        if len(by_category):
            fig, ax = phone_figure()
            plot_hazards(ax, by_category)
            legible(fig)
            parts.append(image_html(fig, alt="隐患排查与整改(按类别)", source=source))
        if note:
            parts.append(paragraph(note, cls="pa-note"))
        if not self.share:
            overdue = overdue_hazards(self.ds, self.period, park=self.park)
            parts.append(
                table_html(
                    overdue.drop(
                        columns=[c for c in ("enterprise_id", "hazard_id") if c in overdue]
                    ),
                    caption="逾期未整改隐患",
                    source=source,
                )
                if len(overdue)
                else ""  # the sentence says 「无逾期未整改隐患」 already
            )
        return self._number("safety", html_block(*parts))

    def _shareable_hazards(self, summary):
        """Share mode: (sentence, by-category table, note) from the protected table only.

        Every figure is a cell of :func:`parkanalysis.share.protect_park_year` (found per
        category and in total, 重大, 已整改, 未整改, 逾期 at the period's end); a withheld
        cell is not printed, not drawn and not used for a rate. The chart shows the number
        found per published category only.
        """
        import pandas as pd

        table = self._protected(self.period.year)
        s, e = self.period.start_month, self.period.end_month
        c = summary.counts

        def shown(measure: str):
            cell = table.cell(measure, s, e)
            return None if cell is None or cell.withheld else int(cell.printed)

        empty = pd.DataFrame({"category": [], "found": []})
        if c["found"] == 0:
            from parkanalysis.safety import NO_RECORDS_SENTENCE

            return NO_RECORDS_SENTENCE, empty, ""
        found = shown("hazards_found")
        if found is None:
            return f"排查出安全隐患{self.marker}。", empty, ""
        text = f"排查出各类安全隐患{found}处,涉及企业{c['enterprises']}家"
        withheld = []
        major = shown("hazards_major")
        if c["major"]:
            if major is not None:
                text += f",其中重大隐患{major}处"
            else:
                withheld.append("重大隐患数")
        rect, open_, overdue = (
            shown("hazards_rectified"),
            shown("hazards_open"),
            shown("hazards_overdue"),
        )
        if rect is not None:
            text += f",已整改{rect}处,整改率{100.0 * rect / found:.1f}%"
        else:
            withheld.append("整改情况")
        if open_:
            text += f";尚未整改{open_}处"
            if overdue is not None:
                text += f",其中逾期{overdue}处" if overdue else ",均在整改期限内"
            else:
                withheld.append("逾期未整改数")
        prev = summary.previous
        comparable = prev is not None and prev.counts["found"]
        if comparable and not self._small(prev.counts["enterprises"]):
            # the difference gives last year's total back: only where last year's is published
            comparable = not self._protected(self.period.year - 1).withheld("hazards_found", s, e)
        if comparable and not self._small(prev.counts["enterprises"]):
            diff = found - prev.counts["found"]
            word = "增加" if diff > 0 else "减少"
            text += f";与上年同期相比隐患{word}{abs(diff)}处" if diff else ";隐患数与上年同期持平"
        text += "。"
        rows, hidden = [], []
        for cat in summary.by_category["category"].astype(str):
            n = shown(f"hazards_found:{cat}")
            if n is None:
                hidden.append(cat)
            else:
                rows.append({"category": cat, "found": n})
        notes = []
        if hidden:
            # never name them: a named category counts at least 1, and with the total and
            # the shown categories that pins small ones (an outsider read 用电 = 1 off a page)
            notes.append("部分类别的隐患数不予公布,图中未画出。")
        if withheld:
            notes.append(f"{'、'.join(withheld)}不予公布(对外版保护规则)。")
        return text, pd.DataFrame(rows, columns=["category", "found"]), "".join(notes)

    def problems(self) -> HTML:
        """存在问题, drawn from the data."""
        from parkanalysis.grading import grade_summary

        items = [problem_land(self)]
        grades = self.grades
        if grades.attrs.get("reason"):
            items.append(f"本期未开展亩均效益评价:{grades.attrs['reason']}。")
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
            basis = "" if self.reporting.complete else "(据不完整的企业统计数据)"
            items.append(
                f"亩均效益评价{basis}为D类的企业{len(d_class)}家(占{share_d:.1f}%){names},"
                "企业小、散、弱,亩均产出低,需加快提升或腾退。"
            )
        return html_block(ListBlock([i for i in items if i], ordered=True))

    def appendix(self) -> HTML:
        """附:数据说明与核对 (工作稿 only): method notes, 公顷 figures, data checks."""
        from parkanalysis.report.model import Heading

        if not self.working:
            return html_block()
        return self._number(
            "appendix",
            html_block(Heading("附:数据说明与核对", 2), appendix_section(self), self.data_checks()),
        )

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
            table_html(frame, caption="数据校验提示", source="parkanalysis 数据校验"),
            note,
        )


#: Share mode: the cells of the protected table (parkanalysis.share.table) each indicator is
#: built on; the indicator (and its growth) is withheld when any of them is. A ratio times
#: its published denominator would give its numerator back.
SHARE_BASIS = {
    "industrial_output": ("industrial_output",),
    "industrial_value_added": ("industrial_value_added",),
    "above_size_output": ("above_size_output",),
    "above_size_value_added": ("above_size_value_added",),
    "fixed_asset_investment": ("fixed_asset_investment",),
    "tax_revenue": ("tax_revenue",),
    "revenue": ("revenue",),
    "employees": ("employees",),
    "above_size_output_share": ("above_size_output", "industrial_output"),
    "tax_per_mu": ("tax_revenue",),
    "tax_per_ha": ("tax_revenue",),
    "output_per_mu": ("industrial_output",),
    "output_per_ha": ("industrial_output",),
    "value_added_per_mu": ("industrial_value_added",),
    "value_added_per_ha": ("industrial_value_added",),
    "labour_productivity": ("industrial_value_added", "employees"),
}


#: Measures whose 同口径 growth the protected table judges (share.table.growth_withheld).
GROWTH_MEASURES = frozenset(
    {
        "industrial_output",
        "industrial_value_added",
        "above_size_output",
        "above_size_value_added",
        "fixed_asset_investment",
        "tax_revenue",
        "revenue",
        "employees",
    }
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


def _dated(sentences: list[str], progress) -> list[str]:
    """The progress sentences as one paragraph opened with 「截至X月X日」 (latest 填报日期)."""
    import pandas as pd

    dates = pd.to_datetime(progress["date"], errors="coerce") if "date" in progress else None
    if dates is None or dates.isna().all():
        return sentences
    last = dates.max()
    if not sentences:
        return sentences
    return [f"截至{last.month}月{last.day}日," + ";".join(s.rstrip("。") for s in sentences) + "。"]


def _as_period(value):
    from parkanalysis.periods import parse_period

    return parse_period(value)
