"""Section bodies of the period report written for the leaders who read it.

:class:`~parkanalysis.report.period.PeriodReport` keeps share-mode logic and numbering; the
content of 经济运行, 土地, the inspection context of 安全生产, the brief land item of 存在问题 and
the appendix 「附:数据说明与核对」 is built here from :mod:`parkanalysis.report.economy`.

Register (the seed report's): amounts from 1 亿元 up in 亿元 with two decimals, smaller ones in
万元 with one decimal, 税收 always in 万元 (:func:`~parkanalysis.report.economy.amount_unit`,
the unit in each table row's label); growth with one decimal; comparisons in 百分点; each fact
stated once (the land paragraph under 土地, one short item under 存在问题); method material
(P50, P10-P90, backtests, file names, row numbers, internal codes) only in the appendix of the
internal copy. Every table and chart names its 资料来源.
"""

from __future__ import annotations

import math

import pandas as pd

from parkanalysis.report import economy as ec
from parkanalysis.report.base import (
    BALANCE_SUMMARY_ITEMS,
    INCOMPLETE_MARK,
    INCOMPLETE_NOTE,
    INCOMPLETE_TEXT,
)
from parkanalysis.report.display import html_block, image_html, paragraph, table_html
from parkanalysis.units import convert


def phone_figure(width: float = 6.4, height: float = 4.5):
    """One-panel figure sized for a 375 px phone screen; call :func:`legible` after drawing."""
    from parkanalysis.plots import new_figure

    return new_figure(width, height)


def legible(fig, scale: float = 2.1, tick_size: float = 18):
    """Enlarge every text of a drawn figure (titles, ticks, legends) so that it stays
    readable (about 11-12 px) when the page shrinks the chart to a 375 px wide screen."""
    from matplotlib.text import Text

    ticks = set()
    for ax in fig.axes:
        ax.tick_params(labelsize=tick_size)
        ticks.update(id(t) for t in ax.get_xticklabels() + ax.get_yticklabels())
        legend = ax.get_legend()
        if legend is not None and legend.get_bbox_to_anchor() is not None:
            legend.set_bbox_to_anchor((0.5, -0.2), transform=ax.transAxes)
    seen = set()
    for text in fig.findobj(Text):
        if id(text) not in seen and id(text) not in ticks:
            seen.add(id(text))
            text.set_fontsize(text.get_fontsize() * scale)
    return fig


_fixed = ec.fixed  # one number format per column (economy.fixed)


def _f2(x) -> str:
    return _fixed(x, 2)


def _f1(x) -> str:
    return _fixed(x, 1)


def _int(x) -> str:
    return "—" if x is None or pd.isna(x) else f"{float(x):,.0f}"


def _published_source(report) -> str:
    pub = report.ds.published
    if pub is None or "source" not in pub:
        return ""
    names = [s for s in pub.loc[pub["park_id"] == report.park, "source"].dropna().unique() if s]
    return "、".join(str(s) for s in names)


def _comparison(report):
    """(comparison frame, label of the previous cumulative period or None)."""
    period = report.period
    prev = ec.previous_cumulative(period, jan_feb_combined=report.ds.jan_feb_combined)
    first_year = report.ds.month_range[0][0]
    last_year = None
    if period.year - 1 >= first_year:
        try:
            last_year = report.indicators_of(str(period.previous_year()))
        except Exception:
            last_year = None
    previous = None
    if prev is not None:
        try:
            previous = report.indicators_of(str(prev))
        except Exception:
            prev, previous = None, None
    table, _level_cut, _growth_cut = report.shareable_indicators()
    # an annual target is compared with year-to-date figures only (not a month or Q2)
    targets = ec.targets_of(report.ds, report.park, period.year) if period.start_month == 1 else {}
    comp = ec.comparison(table, last_year, previous, targets)
    prev_label = None
    if prev is not None:
        prev_label = prev.label.removeprefix(f"{prev.year}年")
    return comp, prev_label


def economy_section(report):
    """经济运行 (see the module docstring)."""
    from parkanalysis.indicators import trend_table
    from parkanalysis.narrative import economic_paragraph
    from parkanalysis.plots import plot_cumulative_trend

    period = report.period
    table, level_cut, growth_cut = report.shareable_indicators()
    if report.share:  # 本期 and 同比 would give a withheld last year back: no growth, anywhere
        own = table["published_value"].isna() if "published_value" in table else True
        last_cut = own & table["id"].map(lambda i: report.withheld_in(i, period.previous_year()))
        last_cut = last_cut.to_numpy(dtype=bool) & table["yoy_pct"].notna().to_numpy()
        table.loc[last_cut, ["yoy_pct", "prev_value", "scope_value"]] = float("nan")
        growth_cut = growth_cut | last_cut
    shown = ec.shown_figures(table)
    bureau = _published_source(report)
    text = economic_paragraph(
        table,
        period=period,
        park_name=None,
        wan_yuan=ec.WAN_YUAN_IDS,
        published_note=f"{bureau}公布数" if bureau else "统计部门公布数",
        omit_zero_counts=True,
    )
    text, _sep, _note = text.partition("注:")  # the scope note is under the table
    status = report.reporting
    if status.complete:
        judged = shown.set_index("id").reindex(list(ec.JUDGED_IDS))["shown_yoy"].tolist()
        verdict = ec.judgement(judged)
        if verdict:
            text += verdict + "。"
    elif not status.sufficient:  # --allow-incomplete: no sentence states these figures as facts
        text = INCOMPLETE_TEXT
    if not status.complete:
        text = f"{status.sentence(enterprises=not report.share)}。{INCOMPLETE_NOTE}{text}"
    comp, prev_label = _comparison(report)
    by_id = comp.set_index("id")
    amounts, printed = _amount_table(report, comp, level_cut, growth_cut, prev_label)
    extra = []
    if prev_label:
        speeds = []
        for ident in ("industrial_output", "above_size_output", "tax_revenue"):
            # only where the row prints both rates (share copies withhold some)
            if ident in printed and printed[ident]["points"] and printed[ident]["rate"]:
                speeds.append(
                    f"{by_id.loc[ident, 'name']}"
                    + ec.speed_phrase(by_id.loc[ident, "yoy_change_pp"], prev_label)
                )
        if speeds:
            extra.append("从增速变化看," + ",".join(speeds) + "。")
    share_text = ec.share_sentence(by_id, printed)
    if share_text:
        extra.append(share_text)
    target_text = ec.target_sentence(comp, period)
    if target_text:
        extra.append(target_text)

    sources = "园区企业统计月报(测算数)"
    if bureau and (shown["basis"] == "公布数").any():
        sources += f";{bureau}(公布数)"
    counts = _count_table(report, comp, growth_cut)
    ratios = _ratio_table(report, shown, level_cut)
    any_pub = bool((comp["basis"] == "公布数").any())
    notes = [
        paragraph(
            "注:同比增速按同口径企业(两年均有报表的企业)计算"
            + (",公布数为统计部门公布的增速" if any_pub else "")
            + ";上年同期(可比口径)=本期÷(1+同比),即与同比同一口径的上年同期数,"
            "增减额=本期−上年同期;企业数为上年同期实有数"
            + (
                f";增速比{prev_label}为本期同比与{prev_label}同类同比(公布数与公布数、测算数"
                "与测算数)之差"
                if prev_label
                else ""
            )
            + "。",
            cls="pa-note",
        )
    ]
    if level_cut.any() or growth_cut.any():
        names = "、".join(table.loc[level_cut | growth_cut, "name"])
        notes.append(
            paragraph(
                f"注:{names}的数值或同比由少于{report.min_enterprises}家企业汇总、"
                "由个别企业占绝大部分,或可由已公布数字推算出这样的数字,"
                "对外版不予公布;统计部门公布数照列。",
                cls="pa-note",
            )
        )
    if not status.complete:
        notes.append(
            paragraph(
                f"注:标“{INCOMPLETE_MARK}”的数字据不完整的企业统计数据汇总,不宜引用。",
                cls="pa-note",
            )
        )
    figures = []
    hidden_points = 0
    for indicator, title in (
        ("industrial_output", "工业总产值"),
        ("tax_revenue", "税收"),
    ):
        trend = trend_table(report.ds, indicator, year=period.year, park=report.park)
        trend = trend[
            [p.end_month <= period.end_month for p in trend["period"].map(ec.parse_period)]
        ].reset_index(drop=True)
        if report.share:
            trend, hidden = report.shareable_trend(trend, indicator)
            hidden_points += hidden
        fig, ax = phone_figure()
        plot_cumulative_trend(ax, trend, title=f"{title}(1-N月累计)", unit="万元")
        legible(fig)
        figures.append(
            image_html(
                fig, alt=f"{period.year}年{title}累计走势", source="园区企业统计月报(测算数)"
            )
        )
    if hidden_points:
        notes.append(
            paragraph(
                f"注:走势图中{hidden_points}个数据点不予公布(对外版保护规则),未画出。",
                cls="pa-note",
            )
        )
    if status.complete:
        text += "".join(extra)
    blocks = [paragraph(text), amounts, counts, *notes, *figures, ratios]
    ents = None
    if not report.share:
        from parkanalysis.indicators import enterprise_table

        ents = enterprise_table(report.ds, period, park=report.park)
    if ents is not None:
        industries = ec.industry_table(ents)
        if len(industries):
            top = industries.iloc[0]
            top_wan = _fixed(top["工业总产值(万元)"], 1)
            blocks.append(
                paragraph(
                    f"分行业看,{top['大类']}完成工业总产值{top_wan.replace(',', '')}万元,"
                    f"占全部工业总产值的{top['占比(%)']:.1f}%,居各行业首位。"
                )
            )
            blocks.append(_industry_block(industries))
        key = ec.key_enterprises(ents)
        if len(key):
            blocks.append(
                table_html(
                    _format_key(key),
                    caption=f"重点企业主要指标({period.label},按工业总产值排序)",
                    source="园区企业统计月报",
                )
            )
    return html_block(*blocks)


def _amount_table(report, comp, level_cut, growth_cut, prev_label):
    """表「主要经济指标」 and what each row printed (ident → value/rate/points printed)."""
    rows = []
    printed = {}
    by_id = comp.set_index("id")
    cut = dict(zip(comp["id"], level_cut, strict=False))
    gcut = dict(zip(comp["id"], growth_cut, strict=False))
    has_target = comp["target"].notna().any()
    period = report.period
    prev = ec.previous_cumulative(period, jan_feb_combined=report.ds.jan_feb_combined)
    mark = "" if report.reporting.complete else INCOMPLETE_MARK
    for ident in ec.AMOUNT_IDS:
        if ident not in by_id.index:
            continue
        r = by_id.loc[ident]
        # the row's unit follows its 本期 figure, as the text writes it (ec.amount_unit)
        unit, scale, places = ec.amount_unit(ident, r["value"])

        def num(x, scale=scale, places=places):
            return _fixed(x / scale, places)

        # the statistics bureau's published figures (and what follows from them) stay public;
        # a figure computed from the returns is withheld with the cells it is built on, its
        # growth also with last year's cells (本期 and 同比 would give 上年同期 back);
        # 上年同期(可比口径) = 本期 ÷ (1 + 同比) follows from the two printed cells
        own = r["basis"] != "公布数"  # computed from the returns (marked when incomplete)
        hidden = own and bool(cut.get(ident))
        growth_hidden = own and (
            bool(gcut.get(ident)) or hidden or report.withheld_in(ident, period.previous_year())
        )

        def marked(text, own=own):
            return f"{text}{mark}" if own and text != "—" else text

        value = report.marker if hidden else marked(num(r["value"]))
        rate = report.marker if growth_hidden else marked(_f1(r["yoy_pct"]))
        last = report.marker if growth_hidden or hidden else num(r["last_year"])
        if report.marker in (value, last):
            change = report.marker
        else:
            change = marked(ec.printed_difference(value, last))
        row = {
            "指标": f"{r['name']}({unit})",
            "本期": value,
            "同比(%)": rate,
            "上年同期(可比口径)": last,
            "增减额": change,
        }
        points = False
        if prev_label:
            prev_hidden = growth_hidden or (
                prev is not None
                and own
                and (
                    report.withheld_in(ident, prev)
                    or report.withheld_in(ident, prev.previous_year())
                    or report.growth_withheld_in(ident, prev)  # g − 百分点 = its growth
                )
            )
            row[f"{prev_label}同比(%)"] = report.marker if prev_hidden else _f1(r["prev_yoy_pct"])
            points = not prev_hidden and not pd.isna(r["yoy_change_pp"])
        if has_target:
            row["年度目标"] = num(r["target"])
            row["完成全年目标(%)"] = _f1(r["completion_pct"])
        row["数据口径"] = r["basis"]
        rows.append(row)
        printed[ident] = {
            "value": value != report.marker and value != "—",
            "rate": rate != report.marker and rate != "—",
            "points": points,
        }
    sources = "园区企业统计月报(测算数)"
    bureau = _published_source(report)
    if bureau and (comp["basis"] == "公布数").any():
        sources += f";{bureau}(公布数)"
    table = table_html(
        pd.DataFrame(rows), caption=f"{report.period.label}主要经济指标", source=sources
    )
    return table, printed


def _wan1(x) -> str:
    return "—" if pd.isna(x) else f"{float(x):,.1f}"


def _growth_basis_table(report, table):
    """全口径 and 同口径 side by side, so that every growth rate reconciles on the page.

    全口径同比 = 本期 ÷ 上年同期全部企业合计 − 1 (entrants and exits included); 同口径同比 =
    同口径本期 ÷ 同口径上年同期 − 1 over the enterprises with returns in both years.
    """
    rows = []
    by_id = table.set_index("id")
    for ident in ec.AMOUNT_IDS:
        if ident not in by_id.index or pd.isna(by_id.loc[ident, "scope_value"]):
            continue
        r = by_id.loc[ident]
        rows.append(
            {
                "指标(万元)": r["name"],
                "本期(全部企业)": _wan1(r["value"]),
                "上年同期(全部企业)": _wan1(r["all_prev_value"]),
                "全口径同比(%)": _f1(r["all_yoy_pct"]),
                "同口径本期": _wan1(r["scope_value"]),
                "同口径上年同期": _wan1(r["prev_value"]),
                "同口径同比(%)": _f1(r["yoy_pct"]),
                "同口径范围": r["scope"],
            }
        )
    return html_block(
        table_html(
            pd.DataFrame(rows),
            caption=f"{report.period.label}增速口径对照",
            source="园区企业统计月报(测算数)",
        ),
        paragraph(
            "注:全口径同比=本期÷上年同期全部企业合计−1(含新入园和退出企业);"
            "同口径同比=同口径本期÷同口径上年同期−1(两年均有报表的企业)。"
            "正文和表1中的同比为同口径(公布数为统计部门公布的增速)。",
            cls="pa-note",
        ),
    )


def _count_table(report, comp, growth_cut):
    """企业与从业人员: counts of enterprises (last year's own count) and 从业人员 (同口径 同比,
    上年同期 on its basis, as 表「主要经济指标」)."""
    rows = []
    by_id = comp.set_index("id")
    gcut = dict(zip(comp["id"], growth_cut, strict=False))
    for ident in ec.COUNT_IDS:
        if ident not in by_id.index:
            continue
        r = by_id.loc[ident]
        hidden = report.withheld_in(ident, report.period)
        with_growth = not pd.isna(r["yoy_pct"]) or bool(gcut.get(ident))
        if with_growth:  # 上年同期(可比口径) follows from the printed 本期 and 同比
            last_hidden = hidden or bool(gcut.get(ident))
        else:
            last_hidden = hidden or report.withheld_in(ident, report.period.previous_year())
        value = report.marker if hidden else _int(r["value"])
        last = report.marker if last_hidden else _int(r["last_year"])
        rate = report.marker if with_growth and last_hidden else _f1(r["yoy_pct"])
        change = (
            report.marker if report.marker in (value, last) else ec.printed_difference(value, last)
        )
        rows.append(
            {
                "指标": f"{r['name']}({r['unit']})",
                "本期": value,
                "同比(%)": rate,
                "上年同期(可比口径)": last,
                "增减": change,
            }
        )
    return table_html(pd.DataFrame(rows), caption="企业与从业人员", source="园区企业统计月报")


def _ratio_table(report, shown, level_cut):
    period = report.period
    months = period.end_month - period.start_month + 1
    rule = f"年化值=本期值×12÷{months}" if months != 12 else "全年值,无需年化"
    rows = []
    by_id = shown.set_index("id")
    cut = dict(zip(shown["id"], level_cut, strict=False))
    for ident in ec.RATIO_IDS:
        if ident not in by_id.index:
            continue
        r = by_id.loc[ident]
        value = r["value"]
        rows.append(
            {
                "指标": f"{r['name']}({r['unit']})",
                "本期(未年化)": report.marker if cut.get(ident) else _f2(value),
                "年化值": report.marker if cut.get(ident) else _f2(ec.annualised(value, period)),
                # share copies: a ratio's growth is a growth rate on a scope of its own (the
                # enterprises with land), outside the linked system — withheld
                "同比(%)": report.marker if cut.get(ident) or report.share else _f1(r["yoy_pct"]),
            }
        )
    return html_block(
        table_html(
            pd.DataFrame(rows),
            caption=f"亩均效益与劳动生产率({period.short_label},{rule})",
            source="园区企业统计月报、园区土地台账",
        ),
        paragraph(
            f"注:亩均与人均指标按{period.short_label}{'当月' if months == 1 else '累计'}值计算"
            f"({rule});亩均指标的分母为有数据企业登记的用地面积,劳动生产率的分母为从业人员。"
            "土地报告的亩均税收按近12个月税收除以已建成用地面积计算,分母不同,两者不宜直接比较。",
            cls="pa-note",
        ),
    )


def _industry_block(industries):
    shown = industries.copy()
    shown["工业总产值(万元)"] = [_f1(v) for v in shown["工业总产值(万元)"]]
    for column in ("占比(%)", "占比变化(百分点)", "同比(%)"):
        shown[column] = [_f1(v) for v in shown[column]]
    shown["企业数(家)"] = [str(int(v)) for v in shown["企业数(家)"]]
    return table_html(
        shown[
            [
                "大类",
                "工业总产值(万元)",
                "占比(%)",
                "占比变化(百分点)",
                "同比(%)",
                "企业数(家)",
                "门类",
            ]
        ],
        caption="分行业工业总产值(GB/T 4754-2017 大类)",
        source="园区企业统计月报;行业按国民经济行业分类(GB/T 4754-2017)",
    )


def _format_key(key):
    shown = key.copy()
    for column in ("工业总产值(万元)", "税收(万元)"):
        shown[column] = [_f1(v) for v in shown[column]]
    shown["同比(%)"] = [_f1(v) for v in shown["同比(%)"]]
    shown["从业人员(人)"] = [_int(v) for v in shown["从业人员(人)"]]
    return shown


# -- land -------------------------------------------------------------------------------------


def land_facts(report) -> dict:
    """The figures of the land paragraph, from park.yaml's declared areas and the ledger."""
    from parkanalysis.land import balance_table

    balance = balance_table(report.ds, park=report.park, as_of=report.as_of)
    # a park of several phases has their 合计 rows too (phase "*"): the phases alone add up
    balance = balance.loc[balance["phase_id"] != "*"]
    by_item = balance.groupby("item")[["declared_mu", "ledger_mu"]].sum(min_count=1)
    parcels = report.ds.parcels
    parcels = parcels[parcels["park_id"] == report.park]
    return {"balance": by_item, "parcels": parcels, "phases": report.info.phases}


def land_paragraph(report) -> str:
    """The land facts in plain words (the seed's 「(二)加快园区土地出让」 paragraph)."""
    facts = land_facts(report)
    b = facts["balance"]

    def declared(item):
        return b.loc[item, "declared_mu"] if item in b.index else math.nan

    def ledger(item):
        return b.loc[item, "ledger_mu"] if item in b.index else math.nan

    def mu(x) -> str:  # the balance table's figure (one decimal, half up), 「.0」 dropped
        return _f1(x).replace(",", "").removesuffix(".0")

    parts = []
    phases = "、".join(ph.name for ph in facts["phases"].values()) or "规划范围"
    total = declared("total")
    if not pd.isna(total):
        km2 = convert(total, "亩", "平方公里")
        parts.append(f"{report.info.name}{phases}规划面积{mu(total)}亩(约{km2:.2f}平方公里)")
    infra = [(n, declared(i)) for i, n in (("road", "道路"), ("green", "绿地"), ("water", "水域"))]
    infra = [(n, v) for n, v in infra if not pd.isna(v) and v]
    if infra:
        parts.append(
            f"其中道路绿地水域占地{mu(sum(v for _, v in infra))}亩("
            + "、".join(f"{n}{mu(v)}亩" for n, v in infra)
            + ")"
        )
    usable, approved = declared("usable"), ledger("approved")
    if not pd.isna(usable):
        status = (
            "已全部报批"
            if not pd.isna(approved) and approved >= usable - 0.05
            else (f"已报批{_f1(approved).replace(',', '')}亩" if not pd.isna(approved) else "")
        )
        parts.append(f"可利用土地{mu(usable)}亩" + (status and status))
    text = ",".join(parts) + "。" if parts else ""
    supplied, remaining = ledger("supplied"), ledger("remaining_supplyable")
    if not pd.isna(supplied):
        text += (
            f"截至{report.period.year}年{report.period.end_month}月末,"
            f"已供应土地{_f1(supplied).replace(',', '')}亩"
        )
        if not pd.isna(remaining):
            text += f",已批未供土地{_f1(remaining).replace(',', '')}亩"
        text += "。"
    text += _transfers(report, facts["parcels"])
    text += _unsupplied(report, facts["parcels"])
    text += _outlook_sentence(report)
    return text


def _transfers(report, parcels) -> str:
    """Parcels whose use was changed from the plan, by transferee (names internal only)."""
    p = parcels[parcels["current_use"].notna() & (parcels["current_use"] != parcels["planned_use"])]
    p = p[p["supply_status"] == "已供"] if "supply_status" in p else p
    if p.empty:
        return ""
    cause = str((report.ds.config(report.park).get("land") or {}).get("conversion_cause") or "")
    lead = f"由于{cause}," if cause else ""
    sentences = []
    for transferee, g in p.groupby("transferee", sort=False):
        area = g["area_mu"].sum()
        uses = "、".join(dict.fromkeys(g["current_use"].astype(str)))
        if report.share:
            sentences.append(f"{len(g)}宗地块共{area:.0f}亩已出让,现状用途为{uses}")
            continue
        names = "、".join(g["parcel_id"].astype(str))
        projects = _project_names(report, g)
        verb = "摘牌" if g["supply_method"].astype(str).str.contains("挂牌").all() else "受让"
        who = f"{transferee}" + (f"({projects}项目)" if projects else "")
        sentences.append(f"{names}共{area:.0f}亩已被{who}{verb},现状用途为{uses}")
    return lead + ";".join(sentences) + ",由工业用地转为非工业用途。"


def _project_names(report, parcels) -> str:
    pj = report.ds.projects
    if pj is None or "project_id" not in parcels:
        return ""
    names = dict(zip(pj["project_id"], pj["name"], strict=False))
    found = [names.get(c) for c in parcels["project_id"].dropna()]
    return "、".join(dict.fromkeys(n for n in found if isinstance(n, str)))


def _unsupplied(report, parcels) -> str:
    """Approved, not yet supplied usable parcels and their 征迁安置 status."""
    uses = {"道路", "绿地", "水域"}
    p = parcels[
        (parcels.get("supply_status") != "已供")
        & (parcels["approval_status"] == "已报批")
        & ~parcels["planned_use"].isin(uses)
    ]
    if p.empty or "resettlement_status" not in p:
        return ""
    groups = []
    for status, g in p.groupby(p["resettlement_status"].fillna("未登记"), sort=False):
        names = "" if report.share else "(" + "、".join(g["parcel_id"].astype(str)) + ")"
        groups.append(f"征迁安置{status}{len(g)}宗{g['area_mu'].sum():.1f}亩{names}")
    return f"已批未供地块{len(p)}宗共{p['area_mu'].sum():.1f}亩,其中" + "、".join(groups) + "。"


def _outlook_sentence(report) -> str:
    """The outlook in one plain sentence, taken from the outlook object (never re-derived).

    The land outlook's own plain sentence is used when it has one (``plain_summary``);
    otherwise the 尚可供地年数 (its conclusion is the 存在问题 item, stated once there).
    """
    outlook = report.outlook
    plain = getattr(outlook, "plain_summary", None)
    if isinstance(plain, str) and plain:
        return plain
    years = outlook.supply_years
    if years.years is None:
        return ""
    return (
        f"按近{len(years.window)}年年均供地{years.average_mu:.0f}亩计算,"
        f"尚可供地约{years.years:.1f}年。"
    )


def land_section(report):
    from parkanalysis.land import balance_table, supply_history
    from parkanalysis.plots import plot_supply_history

    history = supply_history(report.ds, park=report.park, as_of=report.as_of)
    balance = balance_table(report.ds, park=report.park, as_of=report.as_of)
    balance = balance[balance["item"].isin(BALANCE_SUMMARY_ITEMS)].copy()
    for column in ("declared_mu", "ledger_mu", "residual_mu"):
        balance[column] = [_f1(v) for v in balance[column]]
    fig, ax = phone_figure()
    plot_supply_history(ax, history)
    legible(fig)
    source = f"{report.issuer}土地台账;规划面积为园区申报数"
    return html_block(
        paragraph(land_paragraph(report)),
        table_html(
            balance[["label", "declared_mu", "ledger_mu", "residual_mu", "note"]],
            caption="用地平衡表(亩)",
            source=source,
        ),
        image_html(fig, alt="历年供地面积", source=f"{report.issuer}土地台账"),
    )


def problem_land(report) -> str:
    """One short 存在问题 item that refers to the land paragraph instead of repeating it."""
    summary = report.outlook.summary
    cause = str((report.ds.config(report.park).get("land") or {}).get("conversion_cause") or "")
    text = ""
    if cause:
        text += f"由于{cause},部分工业用地转为非工业用途,工业发展空间进一步压缩;"
    if "结论:" in summary:
        text += summary.split("结论:", 1)[1].strip().rstrip("。") + "(见“土地开发利用”部分)"
    else:
        text += "可供土地不足(详见“土地开发利用”部分)。"
    return text + ("" if text.endswith("。") else "。")


# -- safety -----------------------------------------------------------------------------------


def inspection_context(report, summary, sentence: str) -> str:
    """Date the hazard counts: inspection days of the period and of the compared period."""
    from parkanalysis.safety import park_hazards, period_bounds

    hz = park_hazards(report.ds, report.park)

    def days(period):
        start, end = period_bounds(period)
        d = hz.loc[(hz["inspection_date"] >= start) & (hz["inspection_date"] <= end)]
        return pd.to_datetime(d["inspection_date"]).dropna()

    cur = days(summary.period)
    if cur.empty:
        return "本期未开展安全隐患排查(排查台账无本期记录)。"
    first, last = cur.min(), cur.max()
    n_cur = cur.dt.normalize().nunique()
    lead = (
        f"{first.month}月{first.day}日至{last.month}月{last.day}日,"
        f"园区组织对辖区企业开展安全隐患排查(共{n_cur}个排查日)。"
    )
    text = sentence
    if summary.previous is not None:
        prev = days(summary.previous.period)
        if not prev.empty and "与上年同期" in text:
            pf, pl = prev.min(), prev.max()
            n_prev = prev.dt.normalize().nunique()
            text = text.replace(
                "与上年同期相比",
                f"与上年同期({pf.month}月{pf.day}日至{pl.month}月{pl.day}日排查,"
                f"共{n_prev}个排查日)相比",
            )
            found, found_prev = summary.counts["found"], summary.previous.counts["found"]
            # campaigns of different length: counts alone would read as a trend in safety
            if found_prev and not 0.8 <= n_cur / n_prev <= 1.25:
                text = (
                    text.rstrip("。")
                    + f"。两期排查日数不同,隐患总数不宜直接比较:按排查日平均,本期每个排查日"
                    f"排查出隐患{found / n_cur:.1f}处,上年同期{found_prev / n_prev:.1f}处。"
                )
    return lead + text


# -- appendix ---------------------------------------------------------------------------------


def appendix_section(report):
    """附:数据说明与核对 (internal copy): method notes, 测算数 vs 公布数, 公顷 figures."""
    blocks = [
        paragraph(
            "本附录供内部核对,列示测算方法、模型说明与数据校验结果;正文不引用其中的技术细节。"
        ),
        paragraph("土地供应预测说明:" + report.outlook.summary),
    ]
    table = report.indicators
    # 全口径 beside 同口径 (internal only: level − same-scope level gives the entrants' sum away)
    if table["scope_value"].notna().any():
        blocks.append(_growth_basis_table(report, table))
    pub = table[table["published_value"].notna()]
    if len(pub):
        frame = pub[["name", "value", "yoy_pct", "scope", "published_value", "published_yoy_pct"]]
        blocks.append(
            table_html(
                frame,
                caption="测算数与公布数对照(万元)",
                labels={"value": "测算数", "yoy_pct": "测算同比(%)", "scope": "测算口径"},
                source=f"园区企业统计月报;{_published_source(report) or '统计部门'}",
            )
        )
    if all(ph.unit == "亩" for ph in report.info.phases.values()):
        ha = table[table["id"].isin(ec.HECTARE_IDS)][["name", "value", "unit", "yoy_pct"]]
        if len(ha):
            blocks.append(
                table_html(
                    ha,
                    caption="地均指标(公顷口径,未年化,1公顷=15亩)",
                    source="园区企业统计月报、园区土地台账",
                )
            )
    return html_block(*blocks)
