"""The land supply and expansion report of one park."""

from __future__ import annotations

import math

from parkanalysis.report.base import Report, scope_count, shared_outlook
from parkanalysis.report.display import HTML, html_block, image_html, paragraph, table_html
from parkanalysis.report.naming import land_as_of as land_as_of  # stated there
from parkanalysis.units import MU_PER_HA

#: The land ratio whose numerator is the transferees' cumulative fixed investment.
INVESTMENT_INTENSITY = "industrial_investment_intensity_wan_yuan_per_ha"


def _per_mu(ratios):
    """The land ratios as the reports speak: 万元/亩 (亩均), flows labelled 「近12个月」.

    The evaluation's 万元/公顷 figures (1 公顷 = 15 亩) are in the appendix. A flow over
    the last 12 months is a year's figure; the period report annualises its 亩均 figures
    (本期值 × 12 ÷ N) so that both read as annual values.

    >>> import pandas as pd
    >>> r = pd.DataFrame({"id": ["tax_per_ha"], "name": ["综合地均税收"], "value": [67.5],
    ...                   "unit": ["万元/公顷"], "note": ["近12个月(…)税收 ÷ 已建成土地116.6公顷"]})
    >>> _per_mu(r).iloc[0].tolist()
    ['tax_per_ha', '综合亩均税收(近12个月)', 4.5, '万元/亩', '近12个月(…)税收 ÷ 已建成土地面积']
    """
    import re

    out = ratios.copy()
    per_ha = out["unit"].eq("万元/公顷")
    out["value"] = out["value"].astype(object)
    out.loc[per_ha, "value"] = [v / MU_PER_HA for v in out.loc[per_ha, "value"]]
    out.loc[per_ha, "unit"] = "万元/亩"
    out.loc[per_ha, "name"] = out.loc[per_ha, "name"].str.replace("地均", "亩均")
    # the 公顷 in a note are rounded: name the area (its 亩 are in 工业用地率's note)
    out.loc[per_ha, "note"] = [
        re.sub(r"\d+(?:\.\d+)?公顷", "面积", str(n)) for n in out.loc[per_ha, "note"]
    ]
    twelve = out["note"].astype(str).str.contains("近12个月")
    out.loc[twelve, "name"] = out.loc[twelve, "name"] + "(近12个月)"
    return out


def _replace_codes(text: str, names: dict[str, str]) -> str:
    """``text`` with each code of ``names`` replaced by its name (longest codes first).

    >>> _replace_codes("BQ-02(洽谈中)、BQ-12(拆除中)", {"BQ-02": "九州方圆", "BQ-12": "兰天"})
    '九州方圆(洽谈中)、兰天(拆除中)'
    """
    for code in sorted(names, key=len, reverse=True):
        text = text.replace(code, names[code])
    return text


def _year_text(value) -> str:
    """A year for a table, or the words for 'not within the forecast horizon'."""
    import pandas as pd

    return "预测期内未用尽" if pd.isna(value) else f"{int(value)}年"


class LandReport(Report):
    """The land supply and expansion report of one park (the seed's closing question).

    Its period: ``period`` like every report (:func:`land_as_of`: a month, or the last month
    of 1-N月/quarter/half/year) or ``as_of``; neither means the data's last month.
    """

    def __init__(
        self,
        *,
        data,
        park=None,
        as_of=None,
        horizon=10,
        confidence=None,
        share=False,
        period=None,
        copy=None,
        date=None,
    ):
        from parkanalysis.errors import ParameterError
        from parkanalysis.land import land_outlook_for, resolve_as_of
        from parkanalysis.land.projection import HORIZON_YEARS
        from parkanalysis.periods import parse_period

        as_of = land_as_of(period, as_of)
        # the office's texts of the report's month (texts/2016-06.md) may set its date
        month = parse_period(str(as_of)[:7]) if as_of else None
        super().__init__(
            data=data, park=park, share=share, copy=copy, date=date, texts_period=month
        )
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
        self.outlook = shared_outlook(self, self.outlook, self.as_of)

    def title(self) -> HTML:
        """Cover block: title and subtitle; 「内部资料 注意保存」 on the 工作稿 and 上报稿."""
        from parkanalysis.report.naming import report_title

        return self._cover(
            report_title("land", self.info.name),
            f"{self._region()} 数据截至{self.as_of.year}年{self.as_of.month}月",
        )

    @property
    def _ledger(self) -> str:
        """The 资料来源 of land figures."""
        return f"{self.issuer}土地台账"

    @property
    def _estimate(self) -> str:
        """The 资料来源 of forecast figures."""
        return f"{self.issuer}土地台账;按本园区历年供地情况测算"

    def summary(self) -> HTML:
        """一、结论 in plain words: land left, how long it lasts, what is needed.

        The method (P50, P10-P90, the simulation, the backtest) is in :meth:`appendix`.
        """
        o = self.outlook
        head = (
            f"截至{self.as_of.year}年{self.as_of.month}月末,{self.info.name}尚可供应土地"
            f"(已批未供){o.remaining_mu:.1f}亩。"
        )
        text = head + o.plain_summary
        years, net = o.supply_years.years, float(o.need_row()["net_mu"])
        if years is not None and years < 2 and net > 0:
            text += "按年均供地速度,可供土地已无法满足正常供地需要,园区急需扩园升级。"
        return html_block(paragraph(text))

    def supply_history(self) -> HTML:
        """Land supplied per year (the official 尚可供地年数 is stated once, in 一、结论)."""
        from parkanalysis.plots import plot_supply_history
        from parkanalysis.report.sections import legible, phone_figure

        history = self.outlook.history
        fig, ax = phone_figure()
        plot_supply_history(ax, history)
        legible(fig)
        text = ""
        if len(history) and history["supplied_mu"].sum() > 0:
            top = history.loc[history["supplied_mu"].idxmax()]
            first, last = int(history["year"].iloc[0]), int(history["year"].iloc[-1])
            text = (
                f"{first}-{last}年累计供应土地{history['supplied_mu'].sum():.1f}亩"
                + (f"、{int(history['transactions'].sum())}宗" if "transactions" in history else "")
                + f",供地最多的是{int(top['year'])}年({top['supplied_mu']:.1f}亩)。"
            )
        columns = [
            c
            for c in ("year", "supplied_mu", "transactions", "cumulative_mu")
            if c in history.columns
        ]
        return self._number(
            "history",
            html_block(
                paragraph(text) if text else "",
                image_html(fig, alt="历年供地面积", source=self._ledger),
                table_html(
                    history[columns],
                    caption="历年供地",
                    labels={"cumulative_mu": "累计供地(亩)"},
                    source=self._ledger,
                ),
            ),
        )

    def balance(self) -> HTML:
        """用地平衡表 (declared vs ledger, residuals shown) and the evaluation ratios."""
        from parkanalysis.land import balance_table, land_ratios

        table = balance_table(self.ds, park=self.park, as_of=self.as_of)
        shown = table[["label", "declared_mu", "ledger_mu", "residual_mu", "note"]]
        ratios = land_ratios(self.ds, park=self.park, as_of=self.as_of)
        ratios = ratios[["id", "name", "value", "unit", "note"]].copy()
        ratios = _per_mu(ratios)
        notes, invested = [], []
        if self.share:
            ratios["value"] = ratios["value"].astype(object)
            for i, rid in zip(ratios.index, ratios["id"], strict=True):
                n = self._tax_enterprises(rid)
                if self._small(n) or self._tax_withheld(rid):
                    ratios.loc[i, "value"] = self.marker
                    ratios.loc[i, "note"] = "近12个月税收不予公布(对外版保护规则)"
                    notes.append(ratios.loc[i, "name"])
                elif rid == INVESTMENT_INTENSITY and self._investment_withheld():
                    ratios.loc[i, "value"] = self.marker
                    ratios.loc[i, "note"] = "累计固定资产投资不予公布(对外版保护规则)"
                    invested.append(ratios.loc[i, "name"])
        return self._number(
            "balance",
            html_block(
                table_html(
                    shown,
                    caption="用地平衡表(亩)",
                    source=f"{self._ledger};规划面积为园区申报数",
                ),
                table_html(
                    ratios.drop(columns="id"),
                    caption="土地集约利用评价指标(税收按近12个月计算,即年值)",
                    source=f"{self._ledger}、园区企业统计月报",
                ),
                paragraph(
                    f"注:{'、'.join(notes)}的税收由少于{self.min_enterprises}家企业汇总、"
                    "由个别企业占绝大部分,或与面积、其他已公布数字一起可推算出不予公布的数字,"
                    "对外版不予公布。",
                    cls="pa-note",
                )
                if notes
                else "",
                paragraph(
                    f"注:{'、'.join(invested)}的累计固定资产投资由少于{self.min_enterprises}"
                    "个受让人汇总或由个别受让人占绝大部分,与同页面积一起可推算,对外版不予公布。",
                    cls="pa-note",
                )
                if invested
                else "",
            ),
        )

    def _investment_withheld(self) -> bool:
        """True when 工业用地固定资产投入强度 may not be published (share mode).

        Its numerator, the cumulative fixed investment of the built 工矿仓储用地 parcels that
        record one, is an aggregate of the transferees' (受让人) investments: the ratio times
        the area printed on the same page gives it. It is withheld when those contributions
        fail the share rules (threshold or dominance, ``ShareRules.sensitive``); a parcel
        without a transferee counts as a contributor of its own.
        """
        import pandas as pd

        from parkanalysis.land.ledger import park_parcels

        p = park_parcels(self.ds, self.park, self.as_of)
        mask = p["built"].to_numpy(dtype=bool) & p["industrial"].to_numpy(dtype=bool)
        ind = p.loc[mask]
        invested = pd.to_numeric(ind["investment_wan_yuan"], errors="coerce")
        who = ind["transferee"].astype(object).where(ind["transferee"].notna(), ind["parcel_id"])
        keep = invested.notna().to_numpy()
        by = invested[keep].groupby(who[keep].astype(str).to_numpy()).sum()
        return bool(self.rules.sensitive(by.to_numpy(dtype=float)))

    def _tax_withheld(self, ratio_id: str) -> bool:
        """True when a 近12个月 亩均税收 ratio is withheld by the protected table: its
        numerator (the 12-month tax of the park, or of the enterprises on 工矿仓储用地) fails
        the share rules, or the ratio — printed beside its area — would narrow a withheld
        cell (:func:`parkanalysis.share.links.twelve_month_links`); a ratio the table does
        not know is withheld."""
        measures = {
            "tax_per_ha": "tax_per_mu_12m",
            "industrial_tax_per_ha": "industrial_tax_per_mu_12m",
        }
        if ratio_id not in measures:
            return False
        year, month = self.as_of.year, self.as_of.month
        return self._protected(year).withheld(measures[ratio_id], month, month)

    def _tax_enterprises(self, ratio_id: str) -> float:
        """Enterprises whose tax enters a land ratio (NaN for ratios built on land only)."""
        from parkanalysis.land import land_ratios, tax_last_12_months

        if ratio_id not in {"industrial_tax_per_ha", "tax_per_ha"}:
            return float("nan")
        tax, _note = tax_last_12_months(self.ds, self.park, self.as_of)
        if tax is None:
            return float("nan")
        if ratio_id == "tax_per_ha":
            return float(tax.notna().sum())
        # the industrial ratio's note states how many enterprises it covers ("38家企业")
        ratios = land_ratios(self.ds, park=self.park, as_of=self.as_of).set_index("id")
        return scope_count(str(ratios.loc[ratio_id, "note"])) if ratio_id in ratios.index else 0.0

    def forecast(self) -> HTML:
        """Annual supply forecast with 80% and 95% intervals (fan chart)."""
        from parkanalysis.land.outlook import forecast_sentence
        from parkanalysis.plots import plot_fan_chart
        from parkanalysis.report.sections import legible, phone_figure

        table = self.outlook.forecast_table()
        fig, ax = phone_figure()
        plot_fan_chart(
            ax,
            self.outlook.history_series(),
            table.set_index("year"),
            title="年供地面积:实际与预测",
        )
        legible(fig)
        # the first year only simulates the months after the data's date: speak of the next
        nxt = table.iloc[min(1, len(table) - 1)] if self.outlook.elapsed > 0 else table.iloc[0]
        text = forecast_sentence(self.outlook, nxt)
        # the first row of a year already under way covers its remaining months only
        first, month = int(table["year"].iloc[0]), self.as_of.month
        partial = self.outlook.elapsed > 0 and month < 12
        rest = f"({first}年为{month + 1}-12月)" if partial else ""
        return self._number(
            "forecast",
            html_block(
                paragraph(text),
                image_html(fig, alt="年供地面积:实际与预测", source=self._estimate),
                table_html(
                    table[["year", "mean", "median", "lo80", "hi80", "lo95", "hi95"]],
                    caption="年供地预测(亩)" + rest,
                    labels={"median": "中位数(亩)"},
                    source=self._estimate,
                ),
            ),
        )

    def exhaustion(self) -> HTML:
        """When the supplyable land runs out: the two named figures (the land that can be
        supplied now; all approved land, never before its 征迁 release) and their
        cumulative probability."""
        from parkanalysis.plots import COLORS, plot_exhaustion
        from parkanalysis.report.sections import legible, phone_figure

        fig, ax = phone_figure()
        plot_exhaustion(ax, self.outlook.exhaustion_curve("baseline"))
        if self.outlook.blocked_mu > 0:  # the land suppliable now runs out earlier
            e = self.outlook.exhaustion_probability
            free = e.loc[e["scenario"] == "baseline"].set_index("year")["free_prob"]
            ax.step(free.index, free.to_numpy() * 100, where="post", color=COLORS["warn"],
                    linestyle="--", label="现可供土地")  # fmt: skip
            ax.lines[0].set_label("全部尚可供应土地")
            ax.legend(fontsize=8, frameon=False)
        legible(fig)
        table = self.outlook.exhaustion.copy()
        for column in ("p10", "p50", "p90", "mode", "free_p50"):
            table[column] = [_year_text(v) for v in table[column].astype(object)]
        table["prob_within_horizon"] = table["prob_within_horizon"] * 100
        return self._number(
            "exhaustion",
            html_block(
                image_html(fig, alt="可供土地用尽的累计概率", source=self._estimate),
                table_html(
                    table[
                        ["label", "free_p50", "p10", "p50", "p90", "mode", "prob_within_horizon"]
                    ],
                    caption="可供土地用尽年份(各列定义见附录用语说明)",
                    labels={
                        "label": "情景",
                        "free_p50": "现可供土地用尽·中位",
                        "p10": "全部用尽·较早情形",
                        "p50": "全部用尽·中位",
                        "p90": "全部用尽·较晚情形",
                        "mode": "全部用尽·最可能",
                        "prob_within_horizon": "预测期内全部用尽概率(%)",
                    },
                    source=self._estimate,
                ),
            ),
        )

    def expansion(self) -> HTML:
        """Land to add to keep supplying, by planning horizon, net and gross."""
        from parkanalysis.land.outlook import tenths_word, until_text

        o = self.outlook
        need = o.expansion_need
        columns = ["horizon_years", "until", "median_net_mu", "net_mu", "gross_mu", "demand_mu"]
        base = need[need["scenario"] == "baseline"][columns].copy()
        base["until"] = [f"{d:%Y-%m-%d}" for d in base["until"]]
        base = base.merge(
            o.need_context[["horizon_years", "history_max_mu"]], on="horizon_years", how="left"
        )
        years, net, gross = o.headline_need()
        conf = f"{o.confidence * 100:.0f}%"
        sure = tenths_word(o.confidence)
        until = until_text(o.need_row()["until"])
        # the net need is stated in 一、结论: here what it means in planned area
        text = (
            f"按{sure}的需新增可供土地{net:.0f}亩测算,保障未来{years}年(至{until})"
            f"正常供地需扩园规划面积约{gross:.0f}亩({o.gross_to_net_basis})"
        )
        total = float(o.need_context.set_index("horizon_years").loc[years, "declared_total_mu"])
        if total > 0 and net > 0:
            text += f",相当于{o.phase_label}的{gross / total * 100:.0f}%"
        if round(net) <= 0:
            text = f"按{sure},未来{years}年(至{until})的正常供地无需扩园"
        return self._number(
            "expansion",
            html_block(
                paragraph(text + "。"),
                table_html(
                    base,
                    caption="扩园需求(基准情景)",
                    labels={
                        "horizon_years": "保障年限(年)",
                        "until": "保障至(日期)",
                        "median_net_mu": "需新增可供土地·中位(亩)",
                        "net_mu": f"需新增可供土地·{conf}把握(亩)",
                        "gross_mu": f"折合规划面积·{conf}把握(亩)",
                        "demand_mu": f"期内供地需求·{conf}把握(亩)",
                        "history_max_mu": "历史同等时长最多供地(亩)",
                    },
                    source=self._estimate,
                ),
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
        # the body says what the baseline assumes in plain words (the model is in the appendix)
        table.loc[table["scenario"] == "baseline", "description"] = (
            "按本园区历年供地规律,不作其他假设"
        )
        if self.share:  # keep the rule, drop the list of relocations that follows it
            table["description"] = [
                str(d).split(";")[0] if isinstance(d, str) else "" for d in table["description"]
            ]
        else:  # relocations by the enterprise's short name, not the ledger's code (BQ-02)
            names = self._relocation_names()
            table["description"] = [
                _replace_codes(d, names) if isinstance(d, str) else d for d in table["description"]
            ]
        return self._number(
            "scenarios",
            html_block(
                table_html(
                    table[["label", "description", "p50", "gross_mu"]],
                    caption="情景比较",
                    labels={
                        "label": "情景",
                        "description": "假设",
                        "p50": "用尽年份(中位)",
                        "gross_mu": f"{self.outlook.planning_horizon}年扩园需求(规划面积,亩)",
                    },
                    source=f"{self._estimate};{self.issuer}搬迁置换台账",
                )
            ),
        )

    def _relocation_names(self) -> dict[str, str]:
        """Relocation code → the enterprise's short name (as the period report writes it)."""
        from parkanalysis.projects import short_name

        rel, ents = self.ds.relocations, self.ds.enterprises
        if rel is None or ents is None or len(rel) == 0:
            return {}
        full = dict(zip(ents["enterprise_id"], ents["name"], strict=True))
        region = self.info.region or None
        return {
            str(code): short_name(str(full[eid]), region=region)
            for code, eid in zip(rel["relocation_id"], rel["enterprise_id"], strict=True)
            if eid in full and isinstance(full[eid], str)
        }

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
                caption="回测:未来1-N年累计供地的误差、区间宽度与覆盖率",
                labels={
                    "h": "累计年数",
                    "n": "次数",
                    "mean_actual": "实际累计供地·平均(亩)",
                    "mae": "平均绝对误差(亩)",
                    "bias": "平均偏差(实际-中位,亩)",
                    "width80": "80%区间平均宽度(亩)",
                    "width95": "95%区间平均宽度(亩)",
                    "coverage80": "80%区间覆盖率(%)",
                    "coverage95": "95%区间覆盖率(%)",
                },
                source=self._estimate,
            ),
            paragraph(
                "参考:年度预测方法 forecast_annual 在 M3 与 Tourism 国际预测竞赛年度序列上的"
                "区间覆盖率与名义水平相差不超过3个百分点;供地模型在按已知过程模拟的"
                "园区式供地历史上检验累计供地区间的覆盖率(见 benchmarks/m3_forecast.py 与测试)。",
                cls="pa-note",
            ),
        )

    def appendix(self) -> HTML:
        """附:数据说明与核对 (工作稿 only, as in the period report).

        The forecast's method and its own words (P50, P10-P90, the simulation), the 公顷
        figures of the 用地平衡表, where the confidence level comes from, and the backtest.
        """
        import pandas as pd

        from parkanalysis.land import balance_table
        from parkanalysis.land.outlook import WORDS
        from parkanalysis.report.model import Heading

        if not self.working:
            return html_block()
        o = self.outlook
        table = balance_table(self.ds, park=self.park, as_of=self.as_of)
        conf = f"{o.confidence * 100:.0f}%"
        blocks = [
            Heading("附:数据说明与核对", 2),
            paragraph(
                "本附录供内部核对,列示测算方法、模型说明与检验结果;正文不引用其中的技术细节。"
            ),
            paragraph(f"土地供应预测说明:{o.summary}"),
            paragraph(
                "预测方法:按本园区历年供地宗数(计数过程,仅在数据支持时带趋势)与单宗地块面积"
                "(本园区成交地块重抽样)模拟;首年只模拟数据截至日之后的余下月份。"
                "预测表为各年供地的模拟均值、中位数(P50)与80%、95%区间(P10-P90、P2.5-P97.5)。"
                f"置信水平取自 park.yaml 的 expansion.confidence({conf})。"
            ),
            table_html(
                pd.DataFrame(WORDS, columns=["用语", "含义"]),
                caption="用语说明(正文与附录中每个用语只表示这里的含义)",
                source="本报告",
            ),
            table_html(
                table[["label", "ledger_mu", "ledger_ha"]],
                caption="用地平衡表(公顷口径,1公顷=15亩)",
                source=self._ledger,
            ),
        ]
        from parkanalysis.land import land_ratios

        ha = land_ratios(self.ds, park=self.park, as_of=self.as_of)
        ha = ha.loc[ha["unit"].eq("万元/公顷"), ["name", "value", "unit"]]
        if len(ha):
            blocks.append(
                table_html(
                    ha,
                    caption="地均指标(公顷口径,1公顷=15亩)",
                    source=f"{self._ledger}、园区企业统计月报",
                )
            )
        backtest = self.backtest()
        return self._number("appendix", html_block(*blocks, *backtest.blocks))
