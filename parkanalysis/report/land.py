"""The land supply and expansion report of one park."""

from __future__ import annotations

import math

from parkanalysis.report.base import _Report, _scope_count, _shared_outlook
from parkanalysis.report.display import HTML, html_block, image_html, paragraph, table_html


def _year_text(value) -> str:
    """A year for a table, or the words for 'not within the forecast horizon'."""
    import pandas as pd

    return "预测期内未用尽" if pd.isna(value) else f"{int(value)}年"


class LandReport(_Report):
    """The land supply and expansion report of one park (the seed's closing question)."""

    def __init__(self, *, data, park=None, as_of=None, horizon=10, confidence=None, share=False):
        from parkanalysis.errors import ParameterError
        from parkanalysis.land import land_outlook_for, resolve_as_of
        from parkanalysis.land.outlook import HORIZON_YEARS

        super().__init__(data=data, park=park, share=share)
        if confidence is not None:  # None: the park's expansion.confidence, as everywhere
            try:
                confidence = float(confidence)
            except (TypeError, ValueError):
                confidence = math.nan
            if not 0 < confidence < 1:
                raise ParameterError(f"confidence 应在 0 与 1 之间,收到 {confidence!r}。")
        lo, hi = HORIZON_YEARS
        if not lo <= int(horizon) <= hi:
            raise ParameterError(f"horizon 应为 {lo}-{hi} 年,收到 {horizon!r}。")
        self.as_of = resolve_as_of(self.ds, as_of)
        self.outlook = land_outlook_for(
            self.ds,
            park=self.park,
            as_of=self.as_of,
            horizon=int(horizon),
            confidence=confidence,
        )
        self.outlook = _shared_outlook(self, self.outlook, self.as_of)

    def title(self) -> HTML:
        """The report's heading."""
        return self._title(
            f"{self.info.name}土地供应与扩园需求分析",
            f"{self._region()} 数据截至{self.as_of.year}年{self.as_of.month}月",
        )

    def summary(self) -> HTML:
        """The answer in one paragraph, with its uncertainty."""
        return html_block(paragraph(self.outlook.summary))

    def supply_history(self) -> HTML:
        """Land supplied per year and the official 尚可供地年数."""
        from parkanalysis.plots import new_figure, plot_supply_history

        history = self.outlook.history
        fig, ax = new_figure(8.0, 3.2)
        plot_supply_history(ax, history)
        years = self.outlook.supply_years
        text = f"尚可供应土地{self.outlook.remaining_mu:.1f}亩;" + (
            f"按近{len(years.window)}年年均供地"
            f"{years.average_mu:.1f}亩计,"
            f"尚可供地{years.years:.1f}年。"
            if years.years is not None
            else f"近年无供地,尚可供地年数无法计算({years.reason})。"
        )
        columns = [
            c
            for c in ("year", "supplied_mu", "transactions", "cumulative_mu")
            if c in history.columns
        ]
        return html_block(
            paragraph(text),
            image_html(fig, alt="历年供地面积"),
            table_html(
                history[columns], caption="历年供地", labels={"cumulative_mu": "累计供地(亩)"}
            ),
        )

    def balance(self) -> HTML:
        """用地平衡表 (declared vs ledger, residuals shown) and the evaluation ratios."""
        from parkanalysis.land import balance_table, land_ratios

        table = balance_table(self.ds, park=self.park, as_of=self.as_of)
        shown = table[["label", "declared_mu", "ledger_mu", "residual_mu", "ledger_ha", "note"]]
        ratios = land_ratios(self.ds, park=self.park, as_of=self.as_of)
        ratios = ratios[["id", "name", "value", "unit", "note"]].copy()
        notes = []
        if self.share:
            ratios["value"] = ratios["value"].astype(object)
            for i, rid in zip(ratios.index, ratios["id"], strict=True):
                n = self._tax_enterprises(rid)
                if self._small(n) or self._tax_dominated(rid):
                    ratios.loc[i, "value"] = self.marker
                    ratios.loc[i, "note"] = f"由少于{self.min_enterprises}家企业的税收计算"
                    notes.append(ratios.loc[i, "name"])
        return html_block(
            table_html(shown, caption="用地平衡表(亩)"),
            table_html(ratios.drop(columns="id"), caption="土地集约利用评价指标"),
            paragraph(
                f"注:{'、'.join(notes)}由少于{self.min_enterprises}家企业汇总,对外版不予公布。",
                cls="pa-note",
            )
            if notes
            else "",
        )

    def _tax_dominated(self, ratio_id: str) -> bool:
        """True when the park's last-12-month tax fails the share rules (threshold on
        non-zero contributors, dominance); the industrial ratio uses its count only."""
        from parkanalysis.land import _tax_last_12_months

        if ratio_id != "tax_per_ha":
            return False
        tax, _note = _tax_last_12_months(self.ds, self.park, self.as_of)
        return tax is not None and self.rules.sensitive(tax.dropna().to_numpy())

    def _tax_enterprises(self, ratio_id: str) -> float:
        """Enterprises whose tax enters a land ratio (NaN for ratios built on land only)."""
        from parkanalysis.land import _tax_last_12_months, land_ratios

        if ratio_id not in {"industrial_tax_per_ha", "tax_per_ha"}:
            return float("nan")
        tax, _note = _tax_last_12_months(self.ds, self.park, self.as_of)
        if tax is None:
            return float("nan")
        if ratio_id == "tax_per_ha":
            return float(tax.notna().sum())
        # the industrial ratio's note states how many enterprises it covers ("38家企业")
        ratios = land_ratios(self.ds, park=self.park, as_of=self.as_of).set_index("id")
        return _scope_count(str(ratios.loc[ratio_id, "note"])) if ratio_id in ratios.index else 0.0

    def forecast(self) -> HTML:
        """Annual supply forecast with 80% and 95% intervals (fan chart)."""
        from parkanalysis.plots import new_figure, plot_fan_chart

        table = self.outlook.forecast_table()
        fig, ax = new_figure(8.0, 3.4)
        plot_fan_chart(
            ax,
            self.outlook.history_series(),
            table.set_index("year"),
            title="年供地面积:实际与预测",
        )
        return html_block(
            paragraph(
                "按本园区历年供地宗数(计数过程,仅在数据支持时带趋势)与单宗地块面积"
                "(本园区成交地块重抽样)模拟;首年只模拟数据截至日之后的余下月份。"
                "表中为各年供地的模拟均值、中位数与80%、95%区间。"
            ),
            image_html(fig, alt="年供地面积预测扇形图"),
            table_html(
                table[["year", "mean", "median", "lo80", "hi80", "lo95", "hi95"]],
                caption="年供地预测(亩)",
                labels={"median": "中位数(亩)"},
            ),
        )

    def exhaustion(self) -> HTML:
        """When the supplyable land runs out: P10/P50/P90 and the cumulative probability."""
        from parkanalysis.plots import new_figure, plot_exhaustion

        fig, ax = new_figure(8.0, 3.0)
        plot_exhaustion(ax, self.outlook.exhaustion_curve("baseline"))
        table = self.outlook.exhaustion.copy()
        for column in ("p10", "p50", "p90"):
            table[column] = [_year_text(v) for v in table[column].astype(object)]
        table["prob_within_horizon"] = table["prob_within_horizon"] * 100
        return html_block(
            image_html(fig, alt="可供土地用尽的累计概率"),
            table_html(
                table[["label", "p10", "p50", "p90", "prob_within_horizon"]],
                caption="可供土地用尽年份",
                labels={
                    "label": "情景",
                    "p10": "P10",
                    "p50": "P50(中位)",
                    "p90": "P90",
                    "prob_within_horizon": "预测期内用尽概率(%)",
                },
            ),
        )

    def expansion(self) -> HTML:
        """Land to add to keep supplying, by planning horizon, net and gross."""
        o = self.outlook
        need = o.expansion_need
        columns = ["horizon_years", "year", "median_net_mu", "net_mu", "gross_mu", "demand_mu"]
        base = need[need["scenario"] == "baseline"][columns]
        base = base.merge(
            o.need_context[["horizon_years", "history_max_mu"]], on="horizon_years", how="left"
        )
        years, net, gross = o.headline_need()
        median = float(o.need_row()["median_net_mu"])
        conf = f"{o.confidence * 100:.0f}%"
        return html_block(
            paragraph(
                f"保障至{o.as_of.year + years}年底正常供地,需新增可供土地中位约{median:.0f}亩、"
                f"{conf}置信约{net:.0f}亩,折合规划面积约{gross:.0f}亩({o.gross_to_net_basis})。"
                f"置信水平取自 park.yaml 的 expansion.confidence({conf})。"
            ),
            table_html(
                base,
                caption="扩园需求(基准情景)",
                labels={
                    "horizon_years": "保障年限(年)",
                    "year": "至年份(年底)",
                    "median_net_mu": "需新增可供土地·中位(亩)",
                    "net_mu": f"需新增可供土地·{conf}置信(亩)",
                    "gross_mu": f"折合规划面积·{conf}置信(亩)",
                    "demand_mu": f"期内供地需求·{conf}置信(亩)",
                    "history_max_mu": "历史同等时长最多供地(亩)",
                },
            ),
        )

    def scenarios(self) -> HTML:
        """Scenarios: relocations that free land, conversions, a planned annual target."""
        table = self.outlook.exhaustion.merge(
            self.outlook.scenarios[["scenario", "description"]], on="scenario", how="left"
        )
        need = self.outlook.expansion_need
        need = need[need["horizon_years"] == self.outlook.planning_horizon][
            ["scenario", "gross_mu"]
        ]
        table = table.merge(need, on="scenario", how="left")
        table["p50"] = [_year_text(v) for v in table["p50"].astype(object)]
        if self.share:  # keep the rule, drop the list of relocations that follows it
            table["description"] = [
                str(d).split(";")[0] if isinstance(d, str) else "" for d in table["description"]
            ]
        return html_block(
            table_html(
                table[["label", "description", "p50", "gross_mu"]],
                caption="情景比较",
                labels={
                    "label": "情景",
                    "description": "假设",
                    "p50": "用尽年份(P50)",
                    "gross_mu": f"{self.outlook.planning_horizon}年扩园需求(规划面积,亩)",
                },
            )
        )

    def backtest(self) -> HTML:
        """How far to trust the forecast: rolling-origin backtest on the park's own history."""
        summary = self.outlook.backtest_summary
        note = self.outlook.to_dict().get("backtest") or {}
        if summary is None:
            return html_block(paragraph("历史年份过少,无法回测。"))
        shown = summary.reset_index()
        for column in ("coverage80", "coverage95"):
            shown[column] = shown[column] * 100
        return html_block(
            paragraph(note.get("note", "")),
            table_html(
                shown,
                caption="回测:未来1-N年累计供地的误差与区间覆盖率",
                labels={
                    "h": "累计年数",
                    "n": "次数",
                    "mae": "平均绝对误差(亩)",
                    "bias": "平均偏差(亩)",
                    "coverage80": "80%区间覆盖率(%)",
                    "coverage95": "95%区间覆盖率(%)",
                },
            ),
            paragraph(
                "参考:年度预测方法 forecast_annual 在 M3 与 Tourism 国际预测竞赛年度序列上的"
                "区间覆盖率与名义水平相差不超过3个百分点;供地模型在按已知过程模拟的"
                "园区式供地历史上检验累计供地区间的覆盖率(见 benchmarks/m3_forecast.py 与测试)。",
                cls="pa-note",
            ),
        )
