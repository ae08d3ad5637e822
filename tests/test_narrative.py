"""Tests for parkanalysis.narrative."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.narrative import (
    PARAGRAPH_INDICATORS,
    amount_phrase,
    count_phrase,
    economic_paragraph,
    growth_phrase,
    indicator_sentence,
    join_clauses,
    period_phrase,
    pp_phrase,
)
from parkanalysis.periods import Period
from tests.helpers import DATA

NAN = float("nan")

# -- phrases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yoy", "kwargs", "expected"),
    [
        (8.5, {}, "同比增长8.5%"),
        (8.46, {}, "同比增长8.5%"),
        (8.45, {}, "同比增长8.5%"),  # 四舍五入 on the decimal digits, not banker's rounding
        (8.25, {}, "同比增长8.3%"),
        (-3.2, {}, "同比下降3.2%"),
        (-3.25, {}, "同比下降3.3%"),
        (12, {}, "同比增长12.0%"),
        (150.0, {}, "同比增长150.0%"),
        (0.0, {}, "同比持平"),
        (0.04, {}, "同比持平"),
        (-0.04, {}, "同比持平"),
        (-0.05, {}, "同比下降0.1%"),
        (0.05, {}, "同比增长0.1%"),
        (np.float64(2.0), {}, "同比增长2.0%"),
        (NAN, {}, "同比无可比数据"),
        (None, {}, "同比无可比数据"),
        (math.inf, {}, "上年同期为零"),
        (-math.inf, {}, "上年同期为零"),
        (5.0, {"prev_missing": True}, "上年同期无数据"),
        (None, {"prev_missing": True}, "上年同期无数据"),
        (None, {"prev_zero": True}, "上年同期为零"),
        (None, {"prev_zero": True, "prev_missing": True}, "上年同期无数据"),
    ],
)
def test_growth_phrase(yoy, kwargs, expected):
    assert growth_phrase(yoy, **kwargs) == expected


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_growth_phrase_never_writes_a_signed_or_zero_rate(x):
    text = growth_phrase(x)
    assert "-" not in text
    assert not re.search(r"(增长|下降)0\.0%", text)
    expected = Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if expected == 0:
        assert text == "同比持平"
    else:
        assert text == f"同比{'增长' if expected > 0 else '下降'}{abs(expected)}%"


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        (1.2, "提高1.2个百分点"),
        (1.25, "提高1.3个百分点"),
        (-0.4, "下降0.4个百分点"),
        (-0.35, "下降0.4个百分点"),
        (0.0, "持平"),
        (-0.04, "持平"),
        (0.049, "持平"),
        (10, "提高10.0个百分点"),
        (NAN, "无可比数据"),
        (None, "无可比数据"),
        (math.inf, "无可比数据"),
    ],
)
def test_pp_phrase(diff, expected):
    assert pp_phrase(diff) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3126, "3126万元"),
        (3126.0, "3126万元"),
        (3126.46, "3126.5万元"),
        (3126.04, "3126万元"),
        (3126.96, "3127万元"),
        (0, "0万元"),
        (-0.04, "0万元"),
        (0.5, "0.5万元"),
        (-250.0, "-250万元"),
        (9999.9, "9999.9万元"),
        (9999.95, "1.00亿元"),  # rounds to 10000.0 万元, so it is written in 亿元
        (10000, "1.00亿元"),
        (12500, "1.25亿元"),
        (12345.678, "1.23亿元"),
        (12350, "1.24亿元"),
        (1234567, "123.46亿元"),
        (-12500, "-1.25亿元"),
        (np.float64(3126), "3126万元"),
    ],
)
def test_amount_phrase(value, expected):
    assert amount_phrase(value) == expected


@pytest.mark.parametrize(
    ("n", "unit", "expected"),
    [(11, "家", "11家"), (3378.0, "人", "3378人"), (2.5, "个", "3个"), (0, "家", "0家")],
)
def test_count_phrase(n, unit, expected):
    assert count_phrase(n, unit) == expected


@pytest.mark.parametrize(
    ("func", "args"),
    [(amount_phrase, (NAN,)), (amount_phrase, (None,)), (count_phrase, (NAN, "人"))],
)
def test_missing_numbers_are_refused_not_printed(func, args):
    with pytest.raises(ParameterError, match="缺失"):
        func(*args)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2016-05", "2016年5月份"),
        ("2016年1-5月", "2016年1-5月份"),
        (Period.of_cumulative(2016, 1), "2016年1月份"),
        ("2016Q2", "2016年第二季度"),
        ("2016H1", "2016年上半年"),
        ("2016H2", "2016年下半年"),
        ("2016", "2016年"),
    ],
)
def test_period_phrase(period, expected):
    assert period_phrase(period) == expected


@pytest.mark.parametrize(
    ("clauses", "kwargs", "expected"),
    [
        (["a", "b"], {}, "a;b。"),
        (["a", "", "b"], {"sep": ","}, "a,b。"),
        (["a"], {"end": ""}, "a"),
        ([], {}, ""),
        (["", ""], {}, ""),
        (["a", "b"], {"fullwidth": True}, "a；b。"),
        ((c for c in ["x", "y"]), {"sep": ","}, "x,y。"),
    ],
)
def test_join_clauses(clauses, kwargs, expected):
    assert join_clauses(clauses, **kwargs) == expected


# -- indicator rows --------------------------------------------------------------------------


def row(ident, value, **kw):
    base = {
        "id": ident,
        "name": "",
        "value": value,
        "unit": "万元",
        "yoy_pct": NAN,
        "prev_value": 1.0,
        "scope": "同口径(32家)",
        "published_value": NAN,
        "published_yoy_pct": NAN,
    }
    base.update(kw)
    return base


@pytest.mark.parametrize(
    ("r", "expected"),
    [
        (row("tax_revenue", 3126.0, yoy_pct=12.34), "完成税收3126万元,同比增长12.3%"),
        (row("tax_revenue", 3126.0, yoy_pct=-3.25), "完成税收3126万元,同比下降3.3%"),
        (row("tax_revenue", 3126.0, yoy_pct=0.0), "完成税收3126万元,同比持平"),
        (row("tax_revenue", 3126.0, yoy_pct=-0.04), "完成税收3126万元,同比持平"),
        # zero base: no percentage
        (
            row("tax_revenue", 500.0, yoy_pct=math.inf, prev_value=0.0),
            "完成税收500万元,上年同期为零",
        ),
        (row("tax_revenue", 500.0, prev_value=0.0), "完成税收500万元,上年同期为零"),
        (row("tax_revenue", 0.0, prev_value=0.0), "完成税收0万元,同比持平"),
        # previous year missing: never a number, even if one is supplied
        (row("tax_revenue", 3126.0, prev_value=NAN), "完成税收3126万元,上年同期无数据"),
        (
            row("tax_revenue", 3126.0, yoy_pct=5.0, prev_value=NAN),
            "完成税收3126万元,上年同期无数据",
        ),
        (row("tax_revenue", 3126.0, yoy_pct=NAN), "完成税收3126万元,同比无可比数据"),
        # magnitude
        (row("industrial_output", 9876.0, yoy_pct=8.5), "完成工业总产值9876万元,同比增长8.5%"),
        (row("industrial_output", 98765.0, yoy_pct=8.5), "完成工业总产值9.88亿元,同比增长8.5%"),
        (
            row("industrial_output", 1.25, unit="亿元", yoy_pct=1),
            "完成工业总产值1.25亿元,同比增长1.0%",
        ),
        (row("tax_revenue", 31_260_000, unit="元", yoy_pct=1), "完成税收3126万元,同比增长1.0%"),
        (row("tax_revenue", 3126.0, unit=NAN, yoy_pct=1), "完成税收3126万元,同比增长1.0%"),
        # published figures override, with the note; official growth is never recomputed
        (
            row(
                "industrial_output",
                11800.0,
                yoy_pct=9.9,
                published_value=12500.0,
                published_yoy_pct=8.5,
            ),
            "完成工业总产值1.25亿元,同比增长8.5%(统计部门公布数)",
        ),
        (
            row("industrial_output", 11800.0, yoy_pct=9.9, published_value=12500.0),
            "完成工业总产值1.25亿元(统计部门公布数)",
        ),
        (
            row("industrial_output", 11800.0, yoy_pct=9.9, published_yoy_pct=-1.0),
            "完成工业总产值1.18亿元,同比下降1.0%(统计部门公布数)",
        ),
        (
            row(
                "industrial_output",
                NAN,
                prev_value=NAN,
                published_value=12500.0,
                published_yoy_pct=8.5,
            ),
            "完成工业总产值1.25亿元,同比增长8.5%(统计部门公布数)",
        ),
        # counts
        (
            row("employees", 3378.0, unit="人", yoy_pct=2.06),
            "园区企业累计从业人员人数达到3378人,同比增长2.1%",
        ),
        (
            row("employees", 3378.0, unit=NAN, yoy_pct=2.06),
            "园区企业累计从业人员人数达到3378人,同比增长2.1%",
        ),
        (row("above_size_enterprises", 11.0, unit="家", yoy_pct=10.0), "规模企业投产11家"),
        (row("new_commercial_enterprises", 3.0, unit="家"), "商贸企业投产3家"),
        (row("new_industrial_enterprises", 2.0, unit=NAN), "新投产工业企业2家"),
        # intensities
        (row("tax_per_mu", 12.34, unit="万元/亩", yoy_pct=3.0), "亩均税收12.3万元/亩,同比增长3.0%"),
        (row("output_per_mu", 310.0, unit=NAN, yoy_pct=-3.0), "亩均产值310万元/亩,同比下降3.0%"),
        # rows the module does not know use their own name and unit
        (
            row("electricity", 1234.5, name="工业用电量", unit="万千瓦时", yoy_pct=3),
            "工业用电量1234.5万千瓦时,同比增长3.0%",
        ),
        (row("profit", 25000, name="利润总额", yoy_pct=3), "利润总额2.50亿元,同比增长3.0%"),
        (row("patents", 12, name="专利授权", unit="项", yoy_pct=3), "专利授权12项,同比增长3.0%"),
        # missing indicator: nothing at all
        (row("tax_revenue", NAN, yoy_pct=5.0), ""),
        (row("tax_revenue", None), ""),
    ],
)
def test_indicator_sentence(r, expected):
    assert indicator_sentence(r) == expected
    assert indicator_sentence(pd.Series(r)) == expected


@pytest.mark.parametrize(
    ("r", "expected"),
    [
        ({"id": "tax_revenue", "value": 3126.0, "yoy_pct": 4.0}, "完成税收3126万元,同比增长4.0%"),
        ({"id": "tax_revenue", "value": 3126.0}, "完成税收3126万元,同比无可比数据"),
        (
            {"id": "tax_revenue", "value": 3126.0, "prev_value": None},
            "完成税收3126万元,上年同期无数据",
        ),
        ({"id": "employees", "value": 3378}, "园区企业累计从业人员人数达到3378人,同比无可比数据"),
    ],
)
def test_indicator_sentence_with_partial_rows(r, expected):
    assert indicator_sentence(r) == expected


def test_indicator_sentence_fullwidth():
    r = row("tax_revenue", 3126.0, published_value=3126.0, published_yoy_pct=4.25)
    expected = "完成税收3126万元，同比增长4.3%（统计部门公布数）"
    assert indicator_sentence(r, fullwidth=True) == expected


def test_published_growth_from_tbhb_is_used_as_published():
    data = pd.read_csv(DATA / "tbhb_profit_2012_2019.csv")  # vendored (tests/data/README.md)
    dec = data[data["mon"] == 12].set_index("yr")
    value, official = dec.at[2018, "cumValue"], dec.at[2018, "cumTB"]
    prev = dec.at[2017, "cumValue"]
    naive = (value / prev - 1) * 100
    assert naive < 0 < official  # the file's point: published growth is not level arithmetic
    r = row(
        "profit",
        value,
        name="利润总额",
        unit="亿元",
        yoy_pct=naive,
        prev_value=prev,
        published_value=value,
        published_yoy_pct=official,
    )
    text = indicator_sentence(r)
    assert text == f"利润总额66351.40亿元,{growth_phrase(official)}(统计部门公布数)"
    assert "同比增长10.3%" in text and "下降" not in text


# -- the paragraph ---------------------------------------------------------------------------

SEED_IDS = list(PARAGRAPH_INDICATORS)


def seed_table(**overrides):
    """The seed report's opening paragraph as an indicator table (made-up levels)."""
    rows = {
        "industrial_output": (125_000.0, "万元", 8.46, 115_250.0),
        "industrial_value_added": (31_200.0, "万元", 7.04, 29_148.0),
        "above_size_output": (98_765.0, "万元", -3.25, 102_083.0),
        "above_size_value_added": (24_000.0, "万元", -0.04, 24_010.0),
        "fixed_asset_investment": (56_000.0, "万元", 21.5, 46_090.0),
        "tax_revenue": (3126.0, "万元", 12.34, 2783.0),
        "above_size_enterprises": (11.0, "家", NAN, 10.0),
        "new_industrial_enterprises": (NAN, "家", NAN, NAN),
        "new_commercial_enterprises": (3.0, "家", NAN, 1.0),
        "employees": (3378.0, "人", 2.06, 3310.0),
        "tax_per_mu": (12.3, "万元/亩", 1.0, 12.2),
    }
    frame = pd.DataFrame(
        [
            {
                "id": k,
                "name": k,
                "value": v,
                "unit": u,
                "yoy_pct": y,
                "prev_value": p,
                "scope": "同口径(32家)",
                "published_value": NAN,
                "published_yoy_pct": NAN,
            }
            for k, (v, u, y, p) in rows.items()
        ]
    )
    for ident, changes in overrides.items():
        for column, value in changes.items():
            frame.loc[frame["id"] == ident, column] = value
    return frame


SEED_PARAGRAPH = (
    "2016年1-5月份,园区完成工业总产值12.50亿元,同比增长8.5%;完成工业增加值3.12亿元,同比增长7.0%;"
    "完成规模工业总产值9.88亿元,同比下降3.3%;完成规模工业增加值2.40亿元,同比持平;"
    "完成固定资产投资5.60亿元,同比增长21.5%;完成税收3126万元,同比增长12.3%;"
    "规模企业投产11家,商贸企业投产3家;园区企业累计从业人员人数达到3378人,同比增长2.1%。"
    "注:同比增速按同口径企业(32家)计算。"
)


def test_economic_paragraph_fills_the_seed():
    assert economic_paragraph(seed_table(), period="2016年1-5月") == SEED_PARAGRAPH


@pytest.mark.parametrize(
    ("period", "opening"),
    [
        ("2016-05", "2016年5月份,园区完成"),
        (Period.of_cumulative(2016, 5), "2016年1-5月份,园区完成"),
        ("2016H1", "2016年上半年,园区完成"),
        ("2016Q2", "2016年第二季度,园区完成"),
        ("2016", "2016年,园区完成"),
    ],
)
def test_economic_paragraph_opening_follows_period_kind(period, opening):
    assert economic_paragraph(seed_table(), period=period).startswith(opening)


@pytest.mark.parametrize(
    ("overrides", "kwargs", "present", "absent"),
    [
        # a missing indicator is left out, never "同比增长-%"
        (
            {"industrial_output": {"value": NAN}},
            {},
            ["2016年1-5月份,园区完成工业增加值"],
            ["完成工业总产值"],
        ),
        # previous year missing
        ({"tax_revenue": {"prev_value": NAN}}, {}, ["完成税收3126万元,上年同期无数据;"], ["12.3%"]),
        # zero base
        (
            {"tax_revenue": {"prev_value": 0.0, "yoy_pct": math.inf}},
            {},
            ["完成税收3126万元,上年同期为零;"],
            ["inf"],
        ),
        # published figure overrides and is noted where it is used
        (
            {"industrial_output": {"published_value": 130_000.0, "published_yoy_pct": 6.0}},
            {},
            ["完成工业总产值13.00亿元,同比增长6.0%(统计部门公布数);"],
            ["12.50亿元", "8.5%"],
        ),
        # park name as subject
        ({}, {"park_name": "工贸园"}, ["2016年1-5月份,工贸园完成工业总产值"], []),
        # enterprise counts joined with ",", and a missing one does not leave ",,"
        (
            {"above_size_enterprises": {"value": NAN}},
            {},
            [";商贸企业投产3家;"],
            ["规模企业投产", ",,"],
        ),
        # the indicator list decides order and content
        (
            {},
            {"indicators": ["tax_revenue", "tax_per_mu"]},
            ["2016年1-5月份,园区完成税收3126万元,同比增长12.3%;亩均税收12.3万元/亩,同比增长1.0%。"],
            ["工业总产值"],
        ),
        (
            {},
            {"fullwidth": True},
            ["2016年1-5月份，园区", "同比增长8.5%；", "企业（32家）"],
            [",", ";"],
        ),
    ],
)
def test_economic_paragraph_cases(overrides, kwargs, present, absent):
    text = economic_paragraph(seed_table(**overrides), period="2016年1-5月", **kwargs)
    for fragment in present:
        assert fragment in text
    for fragment in absent:
        assert fragment not in text
    assert "-%" not in text and "nan" not in text.lower()


def test_park_name_replaces_park_when_first_clause_is_employees():
    table = seed_table()
    text = economic_paragraph(table, period="2016H1", park_name="工贸园", indicators=["employees"])
    assert text == (
        "2016年上半年,工贸园企业累计从业人员人数达到3378人,同比增长2.1%。"
        "注:同比增速按同口径企业(32家)计算。"
    )
    text = economic_paragraph(table, period="2016H1", indicators=["above_size_enterprises"])
    assert text == "2016年上半年,园区规模企业投产11家。"


@pytest.mark.parametrize(
    ("scopes", "note"),
    [
        ({}, "注:同比增速按同口径企业(32家)计算。"),
        ({"employees": {"scope": "同口径(30家)"}}, "注:同比增速按同口径企业计算。"),
        ({k: {"scope": "全部企业"} for k in [*SEED_IDS, "tax_per_mu"]}, ""),
        ({k: {"scope": NAN} for k in [*SEED_IDS, "tax_per_mu"]}, ""),
        # growth all published: the same-enterprise basis is not the basis of any rate stated
        (
            {k: {"published_yoy_pct": 1.0} for k in SEED_IDS},
            "",
        ),
    ],
)
def test_scope_note_once(scopes, note):
    text = economic_paragraph(seed_table(**scopes), period="2016年1-5月")
    if note:
        assert text.endswith("同比增长2.1%。" + note)
        assert text.count("同口径") == 1
    else:
        assert "同口径" not in text and "注:" not in text
        assert text.endswith("。") and not text.endswith("计算。")


def test_economic_paragraph_without_any_figure():
    table = seed_table().assign(value=NAN)
    expected = "2016年5月份,园区暂无可报告的经济指标数据。"
    assert economic_paragraph(table, period="2016-05") == expected
    empty = seed_table().iloc[0:0]
    assert "暂无" in economic_paragraph(empty, period="2016-05", park_name="工贸园")


def test_economic_paragraph_does_not_mutate_table():
    table = seed_table(tax_revenue={"published_value": 4000.0})
    before = table.copy()
    economic_paragraph(table, period="2016年1-5月")
    pd.testing.assert_frame_equal(table, before)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"id": ["tax_revenue"], "value": [1.0]}, "DataFrame"),
        (pd.DataFrame({"id": ["tax_revenue"]}), "缺少列"),
        (pd.DataFrame({"id": ["tax_revenue", "tax_revenue"], "value": [1.0, 2.0]}), "重复"),
    ],
)
def test_economic_paragraph_rejects_bad_tables(table, message):
    with pytest.raises(ParameterError, match=message):
        economic_paragraph(table, period="2016-05")


def test_economic_paragraph_rejects_bad_period():
    with pytest.raises(PeriodError):
        economic_paragraph(seed_table(), period="2016-13")


finite_or_missing = st.one_of(
    st.just(NAN), st.floats(min_value=-1e7, max_value=1e7, allow_nan=False)
)


@given(
    st.lists(
        st.tuples(finite_or_missing, finite_or_missing, finite_or_missing, finite_or_missing),
        min_size=len(SEED_IDS),
        max_size=len(SEED_IDS),
    )
)
def test_economic_paragraph_never_prints_placeholders(values):
    table = pd.DataFrame(
        [
            {
                "id": ident,
                "value": abs(v) if not math.isnan(v) else v,
                "unit": None,
                "yoy_pct": y,
                "prev_value": p,
                "published_yoy_pct": py,
                "scope": "同口径(5家)",
            }
            for ident, (v, y, p, py) in zip(SEED_IDS, values, strict=True)
        ]
    )
    text = economic_paragraph(table, period="2016H1")
    assert text.startswith("2016年上半年,") and text.endswith("。")
    assert "nan" not in text.lower() and "inf" not in text.lower() and "-%" not in text
    assert not re.search(r"(增长|下降)0\.0%", text)
    assert ",," not in text and ";;" not in text and ";。" not in text


# -- words from printed numbers (issue 25) -------------------------------------------------------
@given(st.floats(min_value=-200, max_value=200, allow_nan=False))
def test_growth_and_points_words_follow_the_printed_sign(x):
    """The word of a rate or a 百分点 difference has the sign of the figure printed beside it
    (DIRECTION_WORDS), 持平 exactly when that figure prints as 0.0."""
    from parkanalysis.narrative import DIRECTION_WORDS

    printed = Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    sign = (printed > 0) - (printed < 0)
    growth, points = growth_phrase(x), pp_phrase(x)
    for phrase, lead in ((growth, "同比"), (points, "")):
        word = next(w for w in sorted(DIRECTION_WORDS, key=len, reverse=True) if w in phrase)
        assert DIRECTION_WORDS[word] == sign, (x, phrase)
        if sign:
            assert f"{abs(printed)}" in phrase
        assert phrase.startswith(lead)


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        ([8.0, 7.2, 7.7, 7.0, -9.6, 8.9], 0),
        ([5.96, 6.04, 7.0], 0),  # printed 6.0, 6.0, 7.0: the median as the reader sees it
        ([5.94, 6.0, 7.0], 0),  # printed 5.9, 6.0, 7.0 → median 6.0
        ([5.94, 5.94, 7.0], 1),  # median 5.9
        ([9.0, -1.0, -2.0], 2),  # median < 0
        ([9.0, 9.0, -0.04], 0),  # printed 0.0 counts as ≥ 0
    ],
)
def test_overall_judgement_is_judged_on_printed_rates(rates, expected):
    from parkanalysis.narrative import JUDGEMENTS, judgement_of
    from parkanalysis.report.economy import judgement

    printed = [float(Decimal(repr(r)).quantize(Decimal("0.1"), ROUND_HALF_UP)) for r in rates]
    assert judgement(rates) == judgement_of(printed) == JUDGEMENTS[expected]
    # independent statement of the rule over the printed values
    median = float(np.median(printed))
    share_up = sum(p >= 0 for p in printed) / len(printed)
    rule = 0 if share_up >= 2 / 3 and median >= 6 else (1 if median >= 0 else 2)
    assert rule == expected
