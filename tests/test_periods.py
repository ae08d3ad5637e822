"""Tests for parkanalysis.periods."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.periods import (
    KINDS,
    Period,
    check_period_available,
    months_between,
    parse_period,
    report_periods,
)

M = Period.of_month
C = Period.of_cumulative
Q = Period.of_quarter
H = Period.of_half
Y = Period.of_year


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("2016-05", (2016, 5, 5), "month"),
        ("2016-5", (2016, 5, 5), "month"),
        ("2016/05", (2016, 5, 5), "month"),
        ("201605", (2016, 5, 5), "month"),
        ("2016年5月", (2016, 5, 5), "month"),
        ("2016年5月份", (2016, 5, 5), "month"),
        ("2016年12月", (2016, 12, 12), "month"),
        ("2016-01..2016-05", (2016, 1, 5), "cumulative"),
        ("2016-1..2016-5", (2016, 1, 5), "cumulative"),
        ("2016年1-5月", (2016, 1, 5), "cumulative"),
        ("2016年1—5月份", (2016, 1, 5), "cumulative"),
        ("2016年1——5月", (2016, 1, 5), "cumulative"),
        ("2016年1~5月", (2016, 1, 5), "cumulative"),
        ("2016年1～5月", (2016, 1, 5), "cumulative"),
        ("2016年1月-5月", (2016, 1, 5), "cumulative"),
        ("2016年1月至5月", (2016, 1, 5), "cumulative"),
        ("2016年1-12月", (2016, 1, 12), "cumulative"),
        ("2016年1-2月", (2016, 1, 2), "cumulative"),
        ("2016Q2", (2016, 4, 6), "quarter"),
        ("2016q2", (2016, 4, 6), "quarter"),
        ("2016年第二季度", (2016, 4, 6), "quarter"),
        ("2016年二季度", (2016, 4, 6), "quarter"),
        ("2016年第4季度", (2016, 10, 12), "quarter"),
        ("2016-04..2016-06", (2016, 4, 6), "quarter"),
        ("2016H1", (2016, 1, 6), "half"),
        ("2016h2", (2016, 7, 12), "half"),
        ("2016年上半年", (2016, 1, 6), "half"),
        ("2016年下半年", (2016, 7, 12), "half"),
        ("2016-07..2016-12", (2016, 7, 12), "half"),
        ("2016", (2016, 1, 12), "year"),
        ("2016年", (2016, 1, 12), "year"),
        ("2016年全年", (2016, 1, 12), "year"),
        ("２０１６年１－５月", (2016, 1, 5), "cumulative"),
        ("２０１６Ｑ２", (2016, 4, 6), "quarter"),
        (" 2016 年　5 月 ", (2016, 5, 5), "month"),
        ("2016-05..2016-05", (2016, 5, 5), "month"),
        (201605, (2016, 5, 5), "month"),
        (2016, (2016, 1, 12), "year"),
        ("1949", (1949, 1, 12), "year"),
        ("2100-12", (2100, 12, 12), "month"),
    ],
)
def test_parse_period_accepts(text, expected, kind):
    p = parse_period(text)
    assert (p.year, p.start_month, p.end_month) == expected
    assert p.kind == kind


def test_parse_period_returns_period_instance_as_is():
    p = Q(2016, 2)
    assert parse_period(p) is p


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "为空"),
        ("   ", "为空"),
        ("2016-13", "月份 13"),
        ("2016-00", "月份 0"),
        ("2016年0月", "月份 0"),
        ("2016年1-13月", "月份 13"),
        ("2016-05..2016-03", "起始月 5 晚于结束月 3"),
        ("2016年5-3月", "起始月 5 晚于结束月 3"),
        ("2015-01..2016-05", "跨年"),
        ("2015-11..2016-02", "跨年"),
        ("1948", "年份 1948"),
        ("2101-01", "年份 2101"),
        ("2016-03..2016-05", "既不从1月开始"),
        ("2016Q5", "格式不符"),
        ("2016H3", "格式不符"),
        ("abc", "格式不符"),
        ("2016年5月上旬", "格式不符"),
        ("16-05", "格式不符"),
        (None, "应为文字"),
        (3.5, "应为文字"),
        (True, "应为文字"),
    ],
)
def test_parse_period_rejects_with_reason_and_accepted_forms(text, reason):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    message = str(info.value)
    assert reason in message
    assert "可用写法" in message and "2016Q2" in message and "2016年1-5月" in message


@given(st.text(max_size=30))
def test_parse_period_raises_only_period_error(text):
    try:
        result = parse_period(text)
    except PeriodError:
        return
    assert isinstance(result, Period)


@given(st.text(alphabet="0123456789-./年月份季度第一二三四上下半全QqHh~—至 ..", max_size=20))
def test_parse_period_raises_only_period_error_on_near_misses(text):
    with contextlib.suppress(PeriodError):
        parse_period(text)


@st.composite
def periods(draw):
    year = draw(st.integers(1949, 2100))
    kind = draw(st.sampled_from(KINDS))
    if kind == "month":
        return M(year, draw(st.integers(1, 12)))
    if kind == "cumulative":
        return C(year, draw(st.integers(1, 12)))
    if kind == "quarter":
        return Q(year, draw(st.integers(1, 4)))
    if kind == "half":
        return H(year, draw(st.integers(1, 2)))
    return Y(year)


@given(periods())
def test_str_round_trips_with_kind(p):
    back = parse_period(str(p))
    assert back == p
    assert back.kind == p.kind
    assert back.label == p.label


@given(periods())
def test_label_round_trips(p):
    # The Chinese label is also accepted input, except 1-1月 which reads as the month.
    back = parse_period(p.label)
    assert back == p
    if p.n_months > 1 or p.kind == "month":
        assert back.kind == p.kind


@given(periods())
def test_previous_year_keeps_months_and_kind(p):
    if p.year == 1949:
        with pytest.raises(PeriodError, match="1948"):
            p.previous_year()
        return
    q = p.previous_year()
    assert q.year == p.year - 1
    assert [m for _, m in q.months] == [m for _, m in p.months]
    assert q.kind == p.kind


# -- Period ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "label", "short", "slug", "canonical"),
    [
        (M(2016, 5), "2016年5月", "5月", "2016-05", "2016-05"),
        (C(2016, 5), "2016年1-5月", "1-5月", "2016-01_05", "2016-01..2016-05"),
        (C(2016, 1), "2016年1月", "1月", "2016-01_01", "2016-01..2016-01"),
        (C(2016, 12), "2016年1-12月", "1-12月", "2016-01_12", "2016-01..2016-12"),
        (Q(2016, 1), "2016年第一季度", "一季度", "2016Q1", "2016Q1"),
        (Q(2016, 2), "2016年第二季度", "二季度", "2016Q2", "2016Q2"),
        (Q(2016, 4), "2016年第四季度", "四季度", "2016Q4", "2016Q4"),
        (H(2016, 1), "2016年上半年", "上半年", "2016H1", "2016H1"),
        (H(2016, 2), "2016年下半年", "下半年", "2016H2", "2016H2"),
        (Y(2016), "2016年", "全年", "2016", "2016"),
    ],
)
def test_labels_slugs_and_str(period, label, short, slug, canonical):
    assert period.label == label
    assert period.short_label == short
    assert period.slug == slug
    assert str(period) == canonical
    assert all(ch.isalnum() or ch in "-_" for ch in period.slug)


@pytest.mark.parametrize(
    ("period", "months"),
    [
        (M(2016, 5), [(2016, 5)]),
        (Q(2016, 3), [(2016, 7), (2016, 8), (2016, 9)]),
        (C(2016, 2), [(2016, 1), (2016, 2)]),
        (H(2016, 2), [(2016, m) for m in range(7, 13)]),
        (Y(2016), [(2016, m) for m in range(1, 13)]),
    ],
)
def test_months(period, months):
    assert period.months == months
    assert period.n_months == len(months)
    assert period.first_month == months[0] and period.last_month == months[-1]


@pytest.mark.parametrize(
    ("period", "is_cumulative", "cumulative"),
    [
        (M(2016, 5), False, C(2016, 5)),
        (M(2016, 1), True, C(2016, 1)),
        (C(2016, 5), True, C(2016, 5)),
        (Q(2016, 1), True, C(2016, 3)),
        (Q(2016, 2), False, C(2016, 6)),
        (H(2016, 1), True, C(2016, 6)),
        (H(2016, 2), False, C(2016, 12)),
        (Y(2016), True, C(2016, 12)),
    ],
)
def test_is_cumulative_and_cumulative(period, is_cumulative, cumulative):
    assert period.is_cumulative is is_cumulative
    assert period.cumulative() == cumulative
    assert period.cumulative().kind == "cumulative"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (C(2016, 12), Y(2016)),
        (C(2016, 6), H(2016, 1)),
        (C(2016, 3), Q(2016, 1)),
        (C(2016, 1), M(2016, 1)),
    ],
)
def test_same_months_are_equal_and_hash_alike(a, b):
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert {a: "figures"}[b] == "figures"
    assert a.kind != b.kind  # the wording still differs


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (C(2016, 5), C(2016, 6)),
        (C(2015, 12), C(2016, 2)),
        (C(2016, 12), M(2016, 2)),
        (Q(2016, 1), Q(2016, 2)),
        (Y(2015), M(2016, 1)),
    ],
)
def test_ordering(a, b):
    assert a < b
    assert sorted([b, a]) == [a, b]


def test_period_is_frozen():
    p = M(2016, 5)
    with pytest.raises(AttributeError):
        p.year = 2017  # type: ignore[misc]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2016, 5, 5, "week"), "类型"),
        ((2016, 2, 5, "cumulative"), "cumulative"),
        ((2016, 2, 4, "quarter"), "quarter"),
        ((2016, 1, 5, "half"), "half"),
        ((2016, 1, 11, "year"), "year"),
        ((2016, 4, 5, "month"), "month"),
        ((2016, 0, 5, "cumulative"), "月份 0"),
        ((1948, 1, 5, "cumulative"), "年份 1948"),
        (("2016", 1, 5, "cumulative"), "整数"),
    ],
)
def test_period_constructor_validates(args, message):
    with pytest.raises(PeriodError, match=message):
        Period(*args)


@pytest.mark.parametrize(
    ("factory", "arg"), [(Period.of_quarter, 5), (Period.of_quarter, 0), (Period.of_half, 3)]
)
def test_constructors_reject_bad_numbers(factory, arg):
    with pytest.raises(PeriodError):
        factory(2016, arg)


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        (H(2016, 1), M(2016, 5), True),
        (H(2016, 1), M(2016, 7), False),
        (Y(2016), Q(2016, 3), True),
        (Y(2016), M(2015, 3), False),
    ],
)
def test_contains(outer, inner, expected):
    assert outer.contains(inner) is expected


def test_months_between_crosses_years():
    assert months_between((2015, 11), (2016, 2)) == [(2015, 11), (2015, 12), (2016, 1), (2016, 2)]
    assert months_between((2016, 3), (2016, 2)) == []
    with pytest.raises(ParameterError):
        months_between((2016, 13), (2016, 2))


# -- availability ----------------------------------------------------------------------------

COVER = {"first_month": (2012, 1), "last_month": (2016, 6)}


@pytest.mark.parametrize(
    ("text", "combined"),
    [
        ("2016年1-2月", True),
        ("2016年1-6月", True),
        ("2016Q1", True),
        ("2016-03", True),
        ("2016H1", True),
        ("2012-01..2012-02", True),
        ("2016-01", False),
        ("2016-02", False),
        ("2012-01", False),
    ],
)
def test_check_period_available_accepts(text, combined):
    assert check_period_available(text, **COVER, jan_feb_combined=combined) == parse_period(text)


@pytest.mark.parametrize(
    ("text", "combined", "fragments"),
    [
        ("2016-07", True, ["2016年7月", "数据覆盖 2012年1月至2016年6月"]),
        ("2016年1-7月", False, ["数据覆盖 2012年1月至2016年6月"]),
        ("2016Q3", True, ["数据覆盖"]),
        ("2016", True, ["数据覆盖"]),
        ("2011-12", True, ["2011年12月", "数据覆盖"]),
        ("2016-01", True, ["单独的1月", "2016年1-2月"]),
        ("2016-01..2016-01", True, ["单独的1月", "2016年1-2月"]),
        ("2016-02", True, ["单独的2月", "2016年1-2月"]),
    ],
)
def test_check_period_available_rejects(text, combined, fragments):
    with pytest.raises(PeriodError) as info:
        check_period_available(text, **COVER, jan_feb_combined=combined)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    "bad",
    [
        {"first_month": (2012, 13), "last_month": (2016, 6)},
        {"first_month": "2012-01", "last_month": (2016, 6)},
        {"first_month": (2016, 7), "last_month": (2016, 6)},
    ],
)
def test_check_period_available_rejects_bad_coverage(bad):
    with pytest.raises(ParameterError):
        check_period_available("2016-05", **bad, jan_feb_combined=True)


# -- report_periods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"last_month": 6},
            ["1-2月", "1-3月", "一季度", "1-4月", "1-5月", "1-6月", "二季度", "上半年"],
        ),
        ({"last_month": 1}, []),
        ({"last_month": 2}, ["1-2月"]),
        ({"last_month": 2, "jan_feb_combined": False}, ["1月", "1-2月"]),
        ({"last_month": 5, "kinds": ("quarter", "half")}, ["一季度"]),
        ({"last_month": 4, "kinds": ("month",)}, ["3月", "4月"]),
        ({"last_month": 3, "kinds": ("month",), "jan_feb_combined": False}, ["1月", "2月", "3月"]),
        (
            {"kinds": ("quarter", "half", "year")},
            ["一季度", "二季度", "上半年", "三季度", "四季度", "下半年", "全年"],
        ),
    ],
)
def test_report_periods(kwargs, expected):
    result = report_periods(2016, **kwargs)
    assert [p.short_label for p in result] == expected
    assert all(p.year == 2016 for p in result)


def test_report_periods_full_year_counts():
    result = report_periods(2016)
    kinds = [p.kind for p in result]
    assert kinds.count("cumulative") == 11  # 1-2 .. 1-12
    assert kinds.count("quarter") == 4 and kinds.count("half") == 2 and kinds.count("year") == 1
    # every listed period passes the availability check for a full year of data
    for p in result:
        check_period_available(
            p, first_month=(2016, 1), last_month=(2016, 12), jan_feb_combined=True
        )


@pytest.mark.parametrize(
    "kwargs",
    [{"last_month": 0}, {"last_month": 13}, {"kinds": ("weekly",)}, {"last_month": "6"}],
)
def test_report_periods_rejects_bad_arguments(kwargs):
    with pytest.raises(ParameterError):
        report_periods(2016, **kwargs)
