"""The Chinese form of report text, on generated mixes (no report rendered here).

:func:`parkanalysis.report.form.chinese_form` is the one pass every text of the document
model goes through. Texts are generated from pieces a report mixes — Chinese words, numbers
with thousands separators and decimals, percentages, English words and code, file names,
URLs, brackets — joined by ASCII punctuation, and the pass is checked by properties: every
number and protected piece survives as written, no half-width mark touching Chinese is left
(except between two digits), nothing but punctuation changes, the pass is idempotent. The
section order of a 工作总结 and the office's heading wording are checked on the notebook
``render`` prepares (no kernel).
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from parkanalysis.report.form import (
    FULL_WIDTH,
    chinese_date,
    chinese_dates,
    chinese_form,
    is_chinese,
    punctuate,
)

CJK = ["园区", "同比增长", "完成税收", "万元", "亿元", "家", "人", "上年同期", "注", "说明", "其中"]
NUMBERS = ["3,126.0", "2,476.5", "-9.6%", "4.1%", "3385", "0.27", "10:30", "1,234,567"]
ENGLISH = ["forecast_annual(y, h)", "monthly_stats.csv", "P10-P90", "park.yaml", "M3", "ok"]
URLS = ["https://example.org/a,b?x=1&y=(2)", "http://gov.cn/path:8080/", "a.b@example.com "]
MARKS = [*",;:?!()", " ", "。", "、"]

piece = st.one_of(
    st.sampled_from(CJK), st.sampled_from(NUMBERS), st.sampled_from(ENGLISH), st.sampled_from(MARKS)
)
mixes = st.lists(st.one_of(piece, st.sampled_from(URLS)), min_size=1, max_size=14).map("".join)
NUMBER = re.compile(r"\d[\d,.]*\d|\d")


@given(mixes)
def test_punctuation_is_idempotent_and_changes_punctuation_only(text):
    out = punctuate(text)
    assert punctuate(out) == out
    assert len(out) == len(text)
    for before, after in zip(text, out, strict=True):
        assert before == after or FULL_WIDTH.get(before) == after


@given(mixes)
def test_numbers_urls_and_code_survive_as_written(text):
    out = chinese_form(text)
    assert NUMBER.findall(out) == NUMBER.findall(text)  # 3,126.0 keeps its comma and point
    for url in URLS:
        assert text.count(url) == out.count(url)
    for code in ENGLISH:  # code between ASCII neighbours keeps its brackets and commas
        for m in re.finditer(re.escape(code), text):
            a = text[m.start() - 1] if m.start() else " "
            b = text[m.end()] if m.end() < len(text) else " "
            if not (is_chinese(a) or is_chinese(b) or a in "(" or b in ")"):
                assert out[m.start() : m.end()] == code, (text, out)


@given(mixes)
def test_no_half_width_mark_touches_chinese(text):
    out = chinese_form(text)
    protected = [m.span() for u in URLS for m in re.finditer(re.escape(u), out)]
    for i, ch in enumerate(out):
        if ch not in ",;:?!" or any(a <= i < b for a, b in protected):
            continue
        before = out[i - 1] if i else ""
        after = out[i + 1] if i + 1 < len(out) else ""
        assert not (is_chinese(before) or is_chinese(after)) or (
            before.isdigit() and after.isdigit()
        ), (text, out, i)


@given(mixes)
def test_brackets_change_in_pairs(text):
    out = punctuate(text)
    opened = sum(a == "(" and b == "（" for a, b in zip(text, out, strict=True))
    closed = sum(a == ")" and b == "）" for a, b in zip(text, out, strict=True))
    balanced = text.count("(") == text.count(")") and all(
        text[: i + 1].count("(") >= text[: i + 1].count(")") for i in range(len(text))
    )
    if balanced:
        assert opened == closed, (text, out)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_are_written_the_chinese_way_where_they_stand_alone(day):
    iso = day.isoformat()
    assert chinese_dates(f"截至{iso},") == f"截至{chinese_date(day)},"
    assert chinese_date(day) == f"{day.year}年{day.month}月{day.day}日"
    for inside in (f"report_{iso}.csv", f"{iso}.xlsx", f"X{iso}", f"{iso}T10:00"):
        assert chinese_dates(inside) == inside  # a file name or a timestamp stays


def test_the_seed_sentences():
    assert (
        chinese_form("完成固定资产投资2476.5万元,同比下降9.6%(上年同期2,328.6万元)")
        == "完成固定资产投资2476.5万元，同比下降9.6%（上年同期2,328.6万元）"
    )
    assert chinese_form("截至6月20日,5#、6#已建至6层;39#已建至13层") == (
        "截至6月20日，5#、6#已建至6层；39#已建至13层"
    )
    assert chinese_form("forecast_annual(y, h): M3") == "forecast_annual(y, h): M3"


# ------------------------------------------------------------------ the order of a 工作总结
def _prepared(tmp_path, text: str, period: str = "2016H1") -> list[str]:
    from parkanalysis.render import parameterize

    data = tmp_path / "data"
    (data / "texts").mkdir(parents=True)
    (data / "texts" / "2016H1.md").write_text(text, encoding="utf-8")
    nb = parameterize("period", {"data": str(data), "period": period})
    return [
        line
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("#")
    ]


def test_a_half_year_report_follows_the_seeds_three_parts(tmp_path):
    text = (
        "---\nheadings:\n  经济运行: 园区经济平稳较快发展\n  存在问题: 存在的问题\n---\n"
        "## 基础设施建设\n\n### (一)道路\n\n道路。\n\n### (二)绿化\n\n绿化。\n\n"
        "## 党的建设\n\n党建。\n\n## 下半年工作计划\n\n### (一)招商\n\n招商。\n"
    )
    headings = _prepared(tmp_path, text)
    parts = [h for h in headings if h.startswith("## ")]
    assert parts == ["## 一、上半年主要工作完成情况", "## 二、存在的问题", "## 三、下半年工作计划"]
    first = headings[1 : headings.index("## 二、存在的问题")]
    assert [h for h in first if h.startswith("### ")] == [
        "### （一）园区经济平稳较快发展",  # the office's wording of 经济运行
        "### （二）基础设施建设",
        "### （三）土地开发利用",
        "### （四）项目建设",
        "### （五）企业服务与搬迁置换",
        "### （六）安全生产",
        "### （七）党的建设",
    ]
    # the office's sub-headings of the first part: one level down, numbered 1. 2.
    assert [h for h in first if h.startswith("#### ")] == ["#### 1.道路", "#### 2.绿化"]
    assert "### （一）招商" in headings  # the plan keeps the office's own numbering


def test_a_month_report_keeps_its_flat_sections(tmp_path):
    headings = _prepared(tmp_path, "## 经济运行\n\n文字。\n", period="2016-05")
    assert headings[:2] == ["## 一、经济运行", "## 二、土地开发利用"]
    assert not any(h.startswith("### ") for h in headings)
