"""The period reports read as a 管委会 leader reads them (issue 13).

The sample's 2016H1 and 2016年1-5月 reports are rendered by the real pipeline (conftest
``reports``), their HTML turned into text, and every expected number is computed here
independently from the raw CSVs and park.yaml with pandas — nothing is hard-coded but words.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pandas as pd
import pytest
import yaml
from conftest import SAMPLE

pytestmark = pytest.mark.slow

APPENDIX = "附:数据说明与核对"


def text_of(html: str) -> str:
    """The visible text of a rendered page: no styles, scripts or images; cells with " | "."""
    t = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    t = re.sub(r"<img[^>]*>", "[图]", t)
    t = re.sub(r"<tr>.*?</tr>", lambda m: m.group(0).replace("\n", ""), t, flags=re.S)
    t = re.sub(r"</t[dh]>", " | ", t)
    t = re.sub(r"</(p|h\d|tr|div|li|caption|figcaption|dd|dt)>", "\n", t)
    t = unescape(re.sub(r"<[^>]+>", "", t))
    # the words, not the form: full-width punctuation (test_copies.py) read as half-width
    t = t.translate(str.maketrans("，；：（）？！", ",;:()?!"))
    return re.sub(r"\n\s*\n+", "\n", re.sub(r"[ \t]+", " ", t))


def body_of(text: str) -> str:
    """The text before the appendix heading (the whole text of a copy without one).

    The 目录 at the top names the appendix too: the body ends at its last mention.
    """
    head, sep, _tail = text.rpartition(APPENDIX)
    return head if sep else text


def half_up(x: float, places: int) -> str:
    q = Decimal(1).scaleb(-places)
    return str(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))


# -- raw data -----------------------------------------------------------------------------------
def monthly() -> pd.DataFrame:
    m = pd.read_csv(SAMPLE / "monthly_stats.csv")
    m["year"] = m["月份"].str[:4].astype(int)
    m["month"] = m["月份"].str[5:7].astype(int)
    return m


def total(column: str, year: int, end: int) -> float:
    m = monthly()
    return float(m.loc[(m["year"] == year) & (m["month"] <= end), column].sum())


def same_scope_growth(column: str, year: int, end: int) -> float:
    """同比 over the enterprises with data for ``column`` in both years (the documented rule)."""
    m = monthly()
    m = m[m["month"] <= end]

    def sums(y):
        return m[m["year"] == y].groupby("企业代码")[column].sum(min_count=1)

    cur, prev = sums(year), sums(year - 1)
    both = cur.index.intersection(prev.index)
    both = [e for e in both if pd.notna(cur[e]) and pd.notna(prev[e])]
    return (cur[both].sum() / prev[both].sum() - 1) * 100


def published(indicator: str, months: str) -> pd.Series:
    p = pd.read_csv(SAMPLE / "published.csv")
    return p[(p["指标代码"] == indicator) & (p["时期"] == months)].iloc[0]


def park_yaml() -> dict:
    return yaml.safe_load((SAMPLE / "park.yaml").read_text(encoding="utf-8"))


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def may(reports) -> str:
    return text_of(reports["period"].html)


@pytest.fixture(scope="module")
def h1(reports) -> str:
    return text_of(reports["h1"].html)


@pytest.fixture(scope="module")
def h1_share(reports) -> str:
    return text_of(reports["h1_share"].html)


# -- register -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["may", "h1"])
def test_body_keeps_method_material_in_the_appendix(name, request):
    text = request.getfixturevalue(name)
    body = body_of(text)
    assert APPENDIX in text
    for technical in ("P50", "P10", "回测", ".ipynb", ".csv", "SHA-256", "UTC", "benchmarks/"):
        assert technical not in body, technical
    # internal codes from the data (enterprise ids, hazard ids, relocation ids)
    codes = set(pd.read_csv(SAMPLE / "hazards.csv")["隐患编号"])
    codes |= set(pd.read_csv(SAMPLE / "relocations.csv")["编号"])
    codes |= set(pd.read_csv(SAMPLE / "enterprises.csv")["企业代码"])
    assert not [c for c in codes if c in body]
    appendix = text.split(APPENDIX, 1)[1]
    assert "P10-P90" in appendix and "北京时间" in appendix
    # the 全口径/同口径 reconciliation is method material: in the appendix, not the body
    assert "增速口径对照" not in body and "增速口径对照" in appendix
    assert "docs/" not in body


@pytest.mark.parametrize("name", ["may", "h1"])
def test_numbered_tables_figures_with_sources_and_cover(name, request):
    text = request.getfixturevalue(name)
    body = body_of(text)
    for word in ("百分点", "图1", "表1", "资料来源", "内部资料 注意保存", "管委会"):
        assert word in body, word
    captions = re.findall(r"^(表\d+|图\d+) ", body, flags=re.M)
    assert captions, body[:500]
    # every numbered table or figure of the body is followed by its 资料来源 line
    n_items = len(re.findall(r"^(?:表|图)\d+ ", body, flags=re.M))
    assert len(re.findall(r"^资料来源:", body, flags=re.M)) >= n_items
    # numbers run 1, 2, 3 … in document order
    tables = [int(x[1:]) for x in captions if x.startswith("表")]
    assert tables == list(range(1, len(tables) + 1))
    # 颍州区统计局 (published.csv's source) is named, not a vague 统计部门, where used
    if "| 公布数 |" in body:
        source = pd.read_csv(SAMPLE / "published.csv")["来源"].iloc[0]
        assert f"{source}公布数" in body


@pytest.mark.parametrize("name", ["h1", "h1_share", "land", "land_share"])
def test_every_table_is_numbered(name, reports):
    """Each table of the page has a 表N caption, the share copy's summaries included."""
    page = reports[name].html
    captions = re.findall(r"<caption[^>]*>(.*?)</caption>", page, flags=re.S)
    assert len(captions) == page.count("<table"), captions
    assert all(re.match(r"表\d+ ", unescape(c)) for c in captions), captions


def test_share_copy_has_no_marking_appendix_or_enterprise_table(h1_share):
    assert "内部资料" not in h1_share
    assert APPENDIX not in h1_share
    assert "重点企业" not in h1_share
    assert "增速口径对照" not in h1_share and "docs/" not in h1_share
    names = pd.read_csv(SAMPLE / "enterprises.csv")["企业名称"]
    assert not [n for n in names if n in h1_share]


# -- units and figures --------------------------------------------------------------------------
def written(value_wan: float, *, tax: bool = False) -> tuple[str, str, str]:
    """(text figure with unit, unit, table cell) by the rule stated in issue 13.

    From 1 亿元 up (after rounding to 0.1 万元) 亿元 with two decimals; below, 万元 with one
    decimal, an integer in the text when whole; 税收 always 万元.
    """
    wan = Decimal(half_up(value_wan, 1))
    if not tax and abs(wan) >= 10000:
        yi = half_up(value_wan / 10000, 2)
        return f"{yi}亿元", "亿元", yi
    text = f"{wan:f}".removesuffix(".0")
    return f"{text}万元", "万元", f"{wan:,}"


def table_row(body: str, label: str) -> list[str]:
    """The cells after the row label in 表1 (the first table of the body)."""
    table1 = body.split("表1 ", 1)[1].split("资料来源", 1)[0]
    row = re.search("^" + re.escape(label) + r" \| (.*)\n", table1, flags=re.M).group(1)
    return [c.strip() for c in row.split("|")]


@pytest.mark.parametrize("name, end", [("may", 5), ("h1", 6)])
def test_units_as_the_seed_and_text_equals_table(name, end, request):
    body = body_of(request.getfixturevalue(name))
    months = f"2016-01..2016-{end:02d}"
    pub = pd.read_csv(SAMPLE / "published.csv")
    pub = pub[pub["时期"] == months].set_index("指标代码")
    cases = {
        "工业总产值": ("industrial_output", "工业总产值(万元)"),
        "规模工业增加值": ("above_size_value_added", None),
        "固定资产投资": ("fixed_asset_investment", "固定资产投资(万元)"),
        "税收": ("tax_revenue", "税收(万元)"),
    }
    units = set()
    for words, (ident, column) in cases.items():
        if ident in pub.index:
            value, growth = pub.loc[ident, "数值"], half_up(pub.loc[ident, "同比(%)"], 1)
        elif column:
            value, growth = total(column, 2016, end), None
        else:  # 规上 figures without a published one: not recomputed here
            continue
        text, unit, cell = written(value, tax=ident == "tax_revenue")
        units.add(unit)
        assert f"完成{words}{text}" in body, (words, text)
        cells = table_row(body, f"{words}({unit})")
        assert cells[0] == cell, (words, cells)  # the same figure in the text and the table
        if growth is not None:
            assert f"完成{words}{text},同比增长{growth}%" in body
            assert cells[1] == growth and "公布数" in cells
    # the sample has amounts on both sides of 1 亿元 in both reports (premise of the rule)
    assert units == {"亿元", "万元"}
    # one number format per unit in 表1's amount columns: 亿元 rows two decimals, 万元 rows one
    table1 = body.split("表1 ", 1)[1].split("资料来源", 1)[0]
    for unit, places in (("亿元", 2), ("万元", 1)):
        rows = re.findall(rf"^\S+\({unit}\) \| (.*)\n", table1, flags=re.M)
        assert rows, unit
        for row in rows:
            cells = [c.strip() for c in row.split("|")]
            amounts = [cells[0], cells[2], cells[3]]  # 本期, 上年同期, 增减额
            pattern = rf"-?[\d,]+\.\d{{{places}}}"
            assert all(re.fullmatch(pattern, v) for v in amounts if v != "—"), (unit, cells)
    # no zero counts in sentences
    assert not re.search(r"(?<![\d.])0家", body.split("表1 ", 1)[0])


def test_speed_change_against_the_previous_cumulative_period(may):
    diff = same_scope_growth("税收(万元)", 2016, 5) - same_scope_growth("税收(万元)", 2016, 4)
    amount = half_up(abs(diff), 1)
    word = "加快" if float(half_up(diff, 1)) > 0 else "回落"
    expected = f"税收增速比1-4月{word}{amount}个百分点"
    if float(amount) == 0:
        expected = "税收增速与1-4月持平"
    assert expected in body_of(may)
    assert "上年同期(可比口径) |" in may and "增减额 |" in may
    assert "1-4月同比(%) |" in may  # both rates of the difference are printed (issue 25)


def test_annual_targets_and_time_progress(h1, may):
    target = park_yaml()["parks"][0]["config"]["targets"][2016]
    for text, end in ((h1, 6), (may, 5)):
        pct = total("工业总产值(万元)", 2016, end) / target["industrial_output"] * 100
        assert f"工业总产值完成全年目标的{half_up(pct, 1)}%" in text
        assert f"时间进度{half_up(end / 12 * 100, 1)}%" in text
    assert "时间过半、任务过半" in h1
    assert re.search(r"园区经济(呈现出|总体保持|主要经济指标)", body_of(h1))


def test_industry_table_uses_gbt4754_names(h1):
    from parkanalysis.industry import industry_of

    m = monthly()
    ents = pd.read_csv(SAMPLE / "enterprises.csv")
    cur = m[(m["year"] == 2016) & (m["month"] <= 6)].groupby("企业代码")["工业总产值(万元)"].sum()
    codes = ents.set_index("企业代码")["行业代码"]
    by_div = cur.groupby(lambda e: industry_of(codes[e]).division_name).sum()
    top = by_div.idxmax()
    share = half_up(by_div.max() / cur.sum() * 100, 1)
    assert f"分行业看,{top}完成工业总产值" in h1 and f"占全部工业总产值的{share}%" in h1
    assert "重点企业主要指标" in h1


def test_ratios_are_annualised_and_labelled(h1):
    assert "年化值=本期值×12÷6" in h1 and "本期(未年化)" in h1
    assert "地均税收" not in body_of(h1)  # 公顷 duplicates only in the appendix
    assert "地均税收" in h1.split(APPENDIX, 1)[1]


# -- dated facts --------------------------------------------------------------------------------
def test_project_progress_and_inspections_are_dated(may):
    body = body_of(may)
    b = pd.read_csv(SAMPLE / "buildings.csv", parse_dates=["填报日期"])
    last = b.loc[b["填报日期"] <= "2016-05-31", "填报日期"].max()
    assert f"截至{last.month}月{last.day}日," in body
    hz = pd.read_csv(SAMPLE / "hazards.csv", parse_dates=["排查日期"])
    d = hz.loc[hz["排查日期"].between("2016-01-01", "2016-05-31"), "排查日期"]
    first, end = d.min(), d.max()
    assert f"{first.month}月{first.day}日至{end.month}月{end.day}日" in body
    assert f"涉及企业{hz.loc[d.index, '企业代码'].nunique()}家" in body
    # last year's campaign is dated too; a much shorter one is compared per inspection day
    p = hz.loc[hz["排查日期"].between("2015-01-01", "2015-05-31"), "排查日期"]
    n_cur, n_prev = d.dt.normalize().nunique(), p.dt.normalize().nunique()
    assert f"{p.min().month}月{p.min().day}日至{p.max().month}月{p.max().day}日排查" in body
    assert f"共{n_prev}个排查日)相比" in body
    if not 0.8 <= n_cur / n_prev <= 1.25:
        assert f"本期每个排查日排查出隐患{len(d) / n_cur:.1f}处" in body
        assert f"上年同期{len(p) / n_prev:.1f}处" in body


def test_no_inspection_is_not_no_hazard():
    import parkanalysis.report as pr

    hz = pd.read_csv(SAMPLE / "hazards.csv", parse_dates=["排查日期"])
    assert not hz["排查日期"].between("2016-01-01", "2016-02-29").any()  # premise of the test
    section = pr.PeriodReport(data=str(SAMPLE), period="2016年1-2月").safety()
    text = " ".join(getattr(b, "text", "") for b in section.blocks)
    assert "本期未开展安全隐患排查" in text and "未排查出" not in text


# -- land -----------------------------------------------------------------------------------------
def test_land_paragraph_plain_words_once(h1):
    declared = park_yaml()["parks"][0]["phases"][0]["declared"]
    body = body_of(h1)
    km2 = half_up(declared["total"] / 1500, 2)
    assert f"规划面积{declared['total']}亩(约{km2}平方公里)" in body
    infra = declared["road"] + declared["green"] + declared["water"]
    assert f"道路绿地水域占地{infra}亩" in body
    assert f"可利用土地{declared['usable']}亩已全部报批" in body
    parcels = pd.read_csv(SAMPLE / "parcels.csv")
    conv = parcels[parcels["现状用途"].notna() & (parcels["现状用途"] != parcels["规划用途"])]
    names = "、".join(conv["地块编号"])
    assert f"{names}共{conv['面积(亩)'].sum():.0f}亩已被{conv['受让人/项目'].iloc[0]}" in body
    assert "城市整体规划调整" in body
    # each fact once: the land paragraph is not repeated under 存在问题
    assert body.count("平方公里") == 1
    assert body.count("可供土地已无法满足正常供地需要") == 1


def test_month_report_compares_with_the_previous_month_without_annual_targets():
    import parkanalysis.report as pr

    section = pr.PeriodReport(data=str(SAMPLE), period="2016-05").economy()
    text = section.blocks[0].text
    m = monthly()

    def yoy(month):  # 税收 of one month, same-scope rule, from the raw CSV
        cur = m[(m["year"] == 2016) & (m["month"] == month)].set_index("企业代码")["税收(万元)"]
        prev = m[(m["year"] == 2015) & (m["month"] == month)].set_index("企业代码")["税收(万元)"]
        both = cur.dropna().index.intersection(prev.dropna().index)
        return (cur[both].sum() / prev[both].sum() - 1) * 100

    diff = yoy(5) - yoy(4)
    word = "加快" if float(half_up(diff, 1)) > 0 else "回落"
    assert f"税收增速比4月{word}{half_up(abs(diff), 1)}个百分点" in text
    assert "完成全年目标" not in text  # a single month is not compared with a year's target


def test_appendix_cell_stays_after_the_office_sections(tmp_path):
    from parkanalysis.render import parameterize

    data = tmp_path / "data"
    (data / "texts").mkdir(parents=True)
    (data / "texts" / "2016H1.md").write_text("## 下半年工作计划\n\n计划。\n", encoding="utf-8")
    nb = parameterize("period", {"data": str(data), "period": "2016H1", "copy": "work"})
    # the 落款 closes the body, the appendix (工作稿 only) follows it
    assert [c.source.strip() for c in nb.cells[-2:]] == ["report.closing()", "report.appendix()"]
    assert any("下半年工作计划" in c.source for c in nb.cells[:-2])


# -- the land report ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def land(reports) -> str:
    return text_of(reports["land"].html)


@pytest.fixture(scope="module")
def land_share(reports) -> str:
    return text_of(reports["land_share"].html)


def section(text: str, heading: str) -> str:
    """The text under ``heading`` (its last mention: the 目录 names it first) to the next one."""
    tail = text.rsplit(heading, 1)[1]
    return re.split(r"\n[一二三四五六七八九十]+、|\n" + APPENDIX, tail, maxsplit=1)[0]


def test_land_report_cover_conclusion_and_appendix(land, land_share):
    import datetime as dt
    from zoneinfo import ZoneInfo

    body = body_of(land)
    park = park_yaml()["parks"][0]
    issuer = park.get("config", {}).get("issuer") or f"{park['name']}管委会"
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    dates = {f"{d.year}年{d.month}月{d.day}日" for d in (today, today - dt.timedelta(days=1))}
    cover = body.rsplit("一、结论", 1)[0]  # the 目录 names it first
    assert "内部资料 注意保存" in cover and not any(d in cover for d in dates)
    # the 落款 (GB/T 9704): 署名 then 成文日期, the last lines of the body
    assert body.rstrip().splitlines()[-2] == issuer
    assert body.rstrip().splitlines()[-1] in dates, body[-200:]
    # 一、结论 in plain words, with the land left computed from the ledger
    parcels = pd.read_csv(SAMPLE / "parcels.csv")
    public = parcels["规划用途"].isin(["道路", "绿地", "水域"])  # not supplied land
    approved = (parcels["报批状态"] == "已报批") & (parcels["供应状态"] == "未供")
    left = parcels.loc[approved & ~public, "面积(亩)"]
    conclusion = section(land, "一、结论")
    assert f"尚可供应土地(已批未供){left.sum():.1f}亩" in conclusion
    for technical in ("P50", "P10", "回测", "benchmarks/", "forecast_annual", "置信"):
        assert technical not in conclusion, technical
    # the method stays out of the body, its tables' headers included
    for technical in ("回测", "benchmarks/", "forecast_annual", "P10", "P50", "P90", "park.yaml"):
        assert technical not in body, technical
    prose = "\n".join(line for line in body.splitlines() if " | " not in line)
    assert "公顷" not in prose
    appendix = land.split(APPENDIX)[-1]
    assert "回测" in appendix and "P50" in appendix and "公顷" in appendix
    # the share copy: no marking, no appendix, no relocation or parcel codes
    assert "内部资料" not in land_share and APPENDIX not in land_share
    closing = land_share.split("报告来源信息")[0].rstrip().splitlines()  # before the footer
    assert closing[-2] == issuer  # the 落款 closes the share copy too
    relocations = set(pd.read_csv(SAMPLE / "relocations.csv")["编号"])
    assert not [c for c in relocations | set(parcels["地块编号"]) if c in land_share]
    assert not [c for c in relocations if c in body]  # the office reads names, not codes


@pytest.mark.parametrize("name", ["land", "land_share"])
def test_land_report_numbered_sourced_one_format_per_column(name, request):
    text = request.getfixturevalue(name)
    body = body_of(text)
    captions = re.findall(r"^(?:\[图\])?(表|图)(\d+) ", body, flags=re.M)
    for prefix in ("表", "图"):
        numbers = [int(n) for p, n in captions if p == prefix]
        assert numbers == list(range(1, len(numbers) + 1)) and numbers, prefix
    # every numbered table or figure is followed by its 资料来源 before the next one
    items = re.split(r"^(?:\[图\])?(?:表|图)\d+ ", body, flags=re.M)[1:]
    assert all("资料来源:" in item for item in items)
    # one number format per column in the land tables (no 「432」 beside 「412.6」)
    for caption in ("历年供地", "用地平衡表(亩)"):
        table = re.split(rf"^表\d+ {re.escape(caption)}\n", body, flags=re.M)[1]
        table = table.split("资料来源", 1)[0]
        rows = [
            [c.strip() for c in line.split(" | ")]
            for line in table.splitlines()
            if line.count(" | ") >= 3
        ][1:]  # without the header row
        assert len(rows) > 5, (caption, table[:300])
        for column in zip(*rows, strict=False):
            numbers = [c for c in column if re.fullmatch(r"-?[\d,]+(\.\d+)?", c)]
            places = {len(c.split(".")[1]) if "." in c else 0 for c in numbers}
            assert len(places) <= 1, (caption, column)
    # 亩均 figures say their period rule (the period report labels 年化值 and 未年化)
    ratios = body.split("土地集约利用评价指标", 1)[1].split("资料来源", 1)[0]
    assert "亩均税收(近12个月)" in ratios and "万元/亩" in ratios


# -- phone --------------------------------------------------------------------------------------
def _chart_figures(section) -> list:
    from parkanalysis.report.model import Figure

    return [b.fig for b in getattr(section, "blocks", []) if isinstance(b, Figure) and b.fig]


def test_every_chart_stays_legible_on_a_phone():
    """Each chart's smallest text, once the page shrinks it to a 375 px screen (343 px of
    content), is at least 9 px tall — in the period and the land report alike."""
    from matplotlib.text import Text

    import parkanalysis.report as pr

    period = pr.PeriodReport(data=str(SAMPLE), period="2016H1")
    land = pr.LandReport(data=str(SAMPLE))
    figures = [
        fig
        for section in (
            period.economy(),
            period.land(),
            period.safety(),
            land.supply_history(),
            land.forecast(),
            land.exhaustion(),
        )
        for fig in _chart_figures(section)
    ]
    assert len(figures) >= 6
    for fig in figures:
        fig.canvas.draw()  # ticks exist only once drawn
        width_in = fig.get_size_inches()[0]
        sizes = [
            t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()
        ]
        smallest_px = min(sizes) / 72 * 343 / width_in
        assert smallest_px >= 9, (fig.axes[0].get_title(), min(sizes), width_in)
