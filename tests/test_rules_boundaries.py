"""Each rule as a function, at, just below and just above its boundary, as tables.

The expected column of every table is written out here (or computed from the inputs with
plain arithmetic), not obtained from the code under test. ``test_report_boundaries.py``
checks the same boundaries where reports and the loader apply them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from boundary_park import YEARS, groups, monthly_rows, write_park
from conftest import SAMPLE

from parkanalysis.dataset import cumulative_to_monthly, load_dataset
from parkanalysis.errors import DataError, ParameterError, PeriodError
from parkanalysis.indicators import indicator_table
from parkanalysis.land import supply_history
from parkanalysis.periods import (
    Period,
    check_period_available,
    months_between,
    parse_period,
    report_periods,
    separates_jan_feb,
)
from parkanalysis.share import share_rules
from parkanalysis.share.rules import ShareRules
from parkanalysis.units import M2_PER_HA, MU_PER_HA, convert, parse_unit, to_ha, to_mu

# --------------------------------------------------------------------------- threshold
THRESHOLD = [
    # k, non-zero contributors, sensitive (n < k)
    *[(3, n, s) for n, s in ((1, True), (2, True), (3, False), (4, False))],
    *[(4, n, s) for n, s in ((3, True), (4, False), (5, False))],
    *[(5, n, s) for n, s in ((4, True), (5, False), (6, False))],
    *[(8, n, s) for n, s in ((7, True), (8, False), (9, False))],
]


@pytest.mark.parametrize(("k", "n", "sensitive"), THRESHOLD)
def test_threshold_rule(k, n, sensitive):
    """Equal contributions (no dominance): only the count decides; zeros never count."""
    rules = share_rules({"share": {"min_enterprises": k}})
    assert rules.k == k
    assert rules.too_few(n) is sensitive
    assert rules.sensitive([100.0] * n + [0.0] * 20) is sensitive
    assert rules.sensitive([-100.0] * n) is sensitive  # absolute values


@pytest.mark.parametrize("n", [0, float("nan"), None])
def test_nothing_to_protect(n):
    assert ShareRules(k=5).too_few(n) is False


def test_no_contributor_is_not_sensitive():
    assert ShareRules(k=5).sensitive([0.0, float("nan"), 0]) is False


# --------------------------------------------------------------------------- p% rule
def _p_case(p: float, rest_share: float) -> list[float]:
    """Contributions with x1 = 1000, x2 = 500 and the rest summing to rest_share · p% · x1,
    spread over four firms (so the threshold is never what decides)."""
    rest = rest_share * p / 100 * 1000
    return [1000.0, 500.0] + [rest / 4] * 4


@pytest.mark.parametrize("p", [10.0, 15.0, 25.0, 60.0])
@pytest.mark.parametrize(
    ("rest_share", "sensitive"),
    [(0.995, True), (1.0, False), (1.005, False), (0.5, True), (2.0, False)],
)
def test_p_percent_rule_at_its_edge(p, rest_share, sensitive):
    """Sensitive when X − x1 − x2 < p/100 · x1 (strictly): the edge itself is published."""
    rules = share_rules({"share": {"p_percent": p}})
    xs = _p_case(p, rest_share)
    assert rules.sensitive(xs) is sensitive
    assert rules.dominated(xs) is sensitive
    assert rules.required(200.0) == pytest.approx(p / 100 * 200)


@pytest.mark.parametrize(
    ("contributions", "dominated"),
    [
        ([740.4], True),  # a lone contributor is the whole aggregate
        ([740.4, 0.0, float("nan")], True),  # zeros and gaps are no contributors
        ([], False),
        ([0.0, 0.0], False),
        ([100.0, 5.0, 5.0, float("nan")], True),  # the rest, 5 < 10
        ([100.0, 50.0] + [1.0] * 10, False),  # ten firms of 1 make the rest 10: not < 10
        ([100.0, 50.0] + [1.0] * 9, True),
        ([-100.0, 50.0, 10.0], False),  # absolute values: the rest, 10, is not < 10
        ([100.0, 90.0], True),  # two firms: each knows the other exactly
    ],
)
def test_dominance_on_contributions_as_given(contributions, dominated):
    assert ShareRules().dominated(contributions) is dominated


# --------------------------------------------------------------------------- settings
def _finding(section):
    with pytest.raises(DataError) as info:
        share_rules({"share": section})
    (finding,) = info.value.findings
    assert (finding.severity, finding.rule, finding.file) == ("error", "share_setting", "park.yaml")
    return finding


NK_SAYS = "share.nk_rule 应为 [n, k]:n为正整数,k为0-100之间的百分数"


@pytest.mark.parametrize(
    ("section", "key", "value", "says"),
    [
        (
            {"min_enterprises": 2},
            "min_enterprises",
            2,
            "share.min_enterprises 应为不小于3的整数(只能比默认更严格)",
        ),
        (
            {"min_enterprises": 3.5},
            "min_enterprises",
            3.5,
            "share.min_enterprises 应为不小于3的整数",
        ),
        (
            {"min_enterprises": "5"},
            "min_enterprises",
            "5",
            "share.min_enterprises 应为不小于3的整数",
        ),
        (
            {"min_enterprises": True},
            "min_enterprises",
            True,
            "share.min_enterprises 应为不小于3的整数",
        ),
        ({"p_percent": 9.99}, "p_percent", 9.99, "share.p_percent 应为10-100之间的数"),
        ({"p_percent": 100.5}, "p_percent", 100.5, "share.p_percent 应为10-100之间的数"),
        ({"p_percent": "20"}, "p_percent", "20", "share.p_percent 应为10-100之间的数"),
        ({"p_percent": True}, "p_percent", True, "share.p_percent 应为10-100之间的数"),
        ({"nk_rule": [1, 0]}, "nk_rule", [1, 0], NK_SAYS),
        ({"nk_rule": [1, 100.5]}, "nk_rule", [1, 100.5], NK_SAYS),
        ({"nk_rule": [0, 50]}, "nk_rule", [0, 50], NK_SAYS),
        ({"nk_rule": [True, 50]}, "nk_rule", [True, 50], NK_SAYS),
        ({"nk_rule": [1, True]}, "nk_rule", [1, True], NK_SAYS),
        ({"nk_rule": [1]}, "nk_rule", [1], NK_SAYS),
        (
            {"min_enterprise": 5},
            "min_enterprise",
            5,
            "share 下没有设置项 'min_enterprise';可用:min_enterprises、p_percent、nk_rule",
        ),
    ],
)
def test_share_settings_refused_with_the_key_and_value(section, key, value, says):
    finding = _finding(section)
    assert finding.column == f"share.{key}" and finding.value == value
    assert finding.message.startswith(says)


def test_a_share_section_that_is_not_a_mapping():
    with pytest.raises(DataError) as info:
        share_rules({"share": [5]})
    (finding,) = info.value.findings
    assert finding.column == "share." and finding.value == [5]
    assert finding.message == "share 应为键值表(min_enterprises、p_percent、nk_rule)"


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({}, {"min_enterprises": 3, "p_percent": 10.0, "nk_rule": None}),
        ({"min_enterprises": 3}, {"min_enterprises": 3, "p_percent": 10.0, "nk_rule": None}),
        ({"p_percent": 10}, {"min_enterprises": 3, "p_percent": 10.0, "nk_rule": None}),
        ({"p_percent": 100}, {"min_enterprises": 3, "p_percent": 100.0, "nk_rule": None}),
        ({"nk_rule": [1, 1]}, {"min_enterprises": 3, "p_percent": 10.0, "nk_rule": (1, 1.0)}),
        ({"nk_rule": [1, 0.5]}, {"min_enterprises": 3, "p_percent": 10.0, "nk_rule": (1, 0.5)}),
        ({"nk_rule": (2, 100)}, {"min_enterprises": 3, "p_percent": 10.0, "nk_rule": (2, 100.0)}),
        (
            {"min_enterprises": 8, "p_percent": 25.5, "nk_rule": [3, 90]},
            {"min_enterprises": 8, "p_percent": 25.5, "nk_rule": (3, 90.0)},
        ),
    ],
)
def test_share_settings_accepted_at_their_edges(section, expected):
    rules = share_rules({"share": section})
    assert rules.to_dict() == expected
    assert rules.marker == f"—(少于{expected['min_enterprises']}家或由个别企业主导,不予公布)"


def _profile(tmp_path, top, park):
    import yaml

    doc = {"config": {"share": top}, "parks": [{"park_id": "A", "config": {"share": park}}]}
    (tmp_path / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("top", "park", "bad_key"),
    [
        ({"min_enterprises": 5}, {"p_percent": 20}, None),
        ({"min_enterprises": 2}, {}, "min_enterprises"),  # the top-level section itself
        ({"min_enterprises": 5}, {"p_percent": 5}, "p_percent"),  # a park's own
        ({"p_percent": 5}, {"p_percent": 20}, "p_percent"),  # the top is checked alone too
        ({"p_percent": 20}, {"nk_rule": [0, 1]}, "nk_rule"),
    ],
)
def test_profile_share_sections_checked_before_any_report(tmp_path, top, park, bad_key):
    from parkanalysis.dataset.description import describe_dataset
    from parkanalysis.share.rules import check_profile_share

    folder = _profile(tmp_path, top, park)
    if bad_key is None:
        assert check_profile_share(describe_dataset(folder)) is None
    else:
        with pytest.raises(DataError) as info:
            check_profile_share(describe_dataset(folder))
        assert info.value.findings[0].column == f"share.{bad_key}"


def test_profile_that_is_not_a_mapping_is_left_to_the_loader(tmp_path):
    """Valid sections pass; what is not a park.yaml of mappings is left to the loader."""
    from parkanalysis.dataset.description import describe_dataset
    from parkanalysis.share.rules import check_profile_share

    folder = _profile(tmp_path, {"p_percent": 20}, {"min_enterprises": 4})
    assert check_profile_share(describe_dataset(folder)) is None
    for text in (
        "config: [unclosed",  # unreadable
        "- a list",
        "config: 5\nparks: [{config: {share: {min_enterprises: 4}}}, 7]",
    ):
        (folder / "park.yaml").write_text(text, "utf-8")
        assert check_profile_share(describe_dataset(folder)) is None
    (folder / "park.yaml").write_text("config: 5\nparks: [7, {config: {share: {p_percent: 1}}}]")
    with pytest.raises(DataError):  # a park's own section is checked without a top one
        check_profile_share(describe_dataset(folder))


# --------------------------------------------------------------------------- (n,k) rule
@pytest.mark.parametrize(
    ("nk", "top_share", "sensitive"),
    [
        ((1, 50.0), 49.0, False),
        ((1, 50.0), 50.0, False),  # "exceed": the edge is published
        ((1, 50.0), 51.0, True),
        ((2, 80.0), 79.0, False),
        ((2, 80.0), 80.0, False),
        ((2, 80.0), 81.0, True),
        ((3, 90.0), 89.5, False),
        ((3, 90.0), 90.5, True),
    ],
)
def test_nk_rule_at_its_edge(nk, top_share, sensitive):
    """The n largest hold ``top_share`` % of the total; the other 20 firms hold the rest
    equally (so neither the threshold nor the p% rule decides)."""
    n, _k = nk
    total = 10_000.0
    top = [top_share / 100 * total / n] * n
    others = [(total - sum(top)) / 20] * 20
    rules = share_rules({"share": {"nk_rule": list(nk)}})
    assert rules.sensitive(top + others) is sensitive
    assert share_rules({}).sensitive(top + others) is False  # off by default


# --------------------------------------------------------------------------- 1-2月
COVER = {"first_month": (2012, 1), "last_month": (2016, 6)}


@pytest.mark.parametrize(
    ("period", "combined", "refused"),
    [
        ("2016-01", True, True),  # January alone
        ("2016-02", True, True),  # February alone
        ("2016-03", True, False),
        ("2016年1-2月", True, False),
        ("2016年1-3月", True, False),
        ("2016Q1", True, False),
        ("2016-01", False, False),
        ("2016-02", False, False),
        ("2016-03", False, False),
        ("2015-12", True, False),  # a year end is an ordinary month
        ("2015", True, False),
    ],
)
def test_jan_feb_rule(period, combined, refused):
    if refused:
        with pytest.raises(PeriodError, match="1月和2月数据合并发布"):
            check_period_available(period, jan_feb_combined=combined, **COVER)
    else:
        assert check_period_available(period, jan_feb_combined=combined, **COVER).year in (
            2015,
            2016,
        )


@pytest.mark.parametrize(
    ("start", "end", "separates"),
    [(1, 1, True), (2, 2, True), (2, 3, True), (1, 2, False), (1, 3, False), (3, 3, False)],
)
def test_separates_jan_feb(start, end, separates):
    assert separates_jan_feb(start, end) is separates


@pytest.mark.parametrize(
    ("last_month", "months"),
    [
        (1, []),  # no period ends in January
        (2, ["1-2月"]),
        (3, ["1-2月", "3月", "1-3月", "一季度"]),
    ],
)
def test_batch_periods_at_january_february_march(last_month, months):
    got = report_periods(2016, last_month=last_month, kinds=("month", "cumulative", "quarter"))
    assert [p.short_label for p in got] == months
    plain = report_periods(2016, last_month=2, kinds=("month",), jan_feb_combined=False)
    assert [p.short_label for p in plain] == ["1月", "2月"]


@pytest.mark.parametrize(("last_month", "has_year"), [(11, False), (12, True)])
def test_year_only_at_the_year_end(last_month, has_year):
    kinds = [p.kind for p in report_periods(2016, last_month=last_month)]
    assert ("year" in kinds) is has_year
    assert kinds.count("quarter") == last_month // 3


@pytest.mark.parametrize(
    ("period", "first", "last", "combined", "refused"),
    [
        ("2016-03", (2016, 3), (2016, 3), False, None),  # data of one month: first == last
        ("2016-01", (2016, 2), (2016, 6), False, "超出数据范围:数据覆盖 2016年2月至2016年6月"),
        ("2016-02", (2016, 2), (2016, 6), False, None),
        ("2015年1-5月", (2015, 2), (2016, 6), True, None),  # the first return, 1-2月
        ("2014-12", (2015, 2), (2016, 6), True, "超出数据范围:数据覆盖 2015年1月至2016年6月"),
        ("2016-07", (2015, 2), (2016, 6), True, "超出数据范围:数据覆盖 2015年1月至2016年6月"),
        ("2016-06", (2015, 2), (2016, 6), True, None),
    ],
)
def test_coverage_at_the_data_edges(period, first, last, combined, refused):
    kwargs = {"first_month": first, "last_month": last, "jan_feb_combined": combined}
    if refused:
        with pytest.raises(PeriodError, match=refused):
            check_period_available(period, **kwargs)
    else:
        assert str(check_period_available(period, **kwargs)) == str(parse_period(period))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: check_period_available(
                "2016-03", first_month=(2016, 6), last_month=(2016, 5), jan_feb_combined=False
            ),
            ParameterError,
            "数据起始月 (2016, 6) 晚于结束月 (2016, 5)",
        ),
        (
            lambda: check_period_available(
                "2016-03", first_month=(2016, 6.0), last_month=(2016, 6), jan_feb_combined=False
            ),
            ParameterError,
            "first_month 应为 (年, 月) 形式的元组,如 (2016, 6),得到 (2016, 6.0)",
        ),
        (
            lambda: check_period_available(
                "2016-03", first_month=(2016, 1), last_month=(2016, True), jan_feb_combined=False
            ),
            ParameterError,
            "last_month 应为 (年, 月) 形式的元组,如 (2016, 6),得到 (2016, True)",
        ),
        (lambda: months_between((2016, 13), (2016, 1)), ParameterError, "first 应为 (年, 月)"),
        (lambda: months_between((2016, 1), (2016, 13)), ParameterError, "last 应为 (年, 月)"),
        (lambda: report_periods("2016"), ParameterError, "year 应为整数,得到 '2016'"),
        (lambda: report_periods(2016.0), ParameterError, "year 应为整数,得到 2016.0"),
        (
            lambda: report_periods(2016, last_month=13),
            ParameterError,
            "last_month 应为 1-12 的整数",
        ),
        (
            lambda: report_periods(2016, kinds=("week",)),
            ParameterError,
            "未知的期间类型 ['week'],可选 month、cumulative、quarter、half、year",
        ),
        (
            lambda: Period(2016, 1, 1, "weekly"),
            PeriodError,
            "期间类型 'weekly' 未知,应为 month、cumulative、quarter、half、year 之一",
        ),
        (lambda: Period.of_quarter(2016, 5), PeriodError, "季度 5 超出范围 1-4"),
        (lambda: Period.of_half(2016, 3), PeriodError, "半年 3 应为 1(上半年)或 2(下半年)"),
        (lambda: parse_period(3.5), PeriodError, "无法识别的期间 3.5:期间应为文字,得到 float。"),
        (lambda: parse_period(" "), PeriodError, "无法识别的期间 ' ':为空。"),
        (lambda: parse_period("2016年春"), PeriodError, "无法识别的期间 '2016年春':格式不符。"),
    ],
)
def test_period_errors_say_what_was_given(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(
    ("inner", "contained"),
    [
        ("2016-01", True),  # the first month of 上半年
        ("2016-06", True),  # its last month
        ("2016年1-6月", True),  # the same months
        ("2016Q2", True),
        ("2016-07", False),
        ("2015-03", False),
    ],
)
def test_half_year_contains_its_edges(inner, contained):
    assert parse_period("2016H1").contains(parse_period(inner)) is contained


# --------------------------------------------------------------------------- cumulative
@pytest.mark.parametrize(
    ("months", "cumulative", "monthly"),
    [
        # one year: differences
        ([(2016, 2), (2016, 3)], [10.0, 16.0], [10.0, 6.0]),
        # across a year end: December is a difference, 1-2月 of the next year is its own
        ([(2015, 11), (2015, 12), (2016, 2)], [110.0, 120.0, 10.0], [110.0, 10.0, 10.0]),
        # only December, then January: January is never minus December
        ([(2015, 12), (2016, 1), (2016, 3)], [120.0, 5.0, 20.0], [120.0, 5.0, 15.0]),
    ],
)
def test_cumulative_to_monthly_never_across_years(months, cumulative, monthly):
    cum = pd.DataFrame(
        {
            "park_id": "P",
            "enterprise_id": "E",
            "year": [y for y, _ in months],
            "month": [m for _, m in months],
            "tax_wan_yuan": cumulative,
            "employees": [7.0] * len(months),
        }
    )
    out = cumulative_to_monthly(cum)
    assert out["tax_wan_yuan"].tolist() == monthly
    assert out["employees"].tolist() == [7.0] * len(months)  # a stock: never differenced


# --------------------------------------------------------------------------- 公顷
@pytest.mark.parametrize(
    ("value", "unit", "mu"),
    [
        (1, "公顷", 15.0),
        (2, "ha", 30.0),
        (0.1, "hm²", 1.5),
        (1, "万平方米", 15.0),
        (1, "平方公里", 1500.0),
        (10000, "平方米", 15.0),
        (15, "亩", 15.0),
    ],
)
def test_area_factors(value, unit, mu):
    assert to_mu(value, unit) == pytest.approx(mu)
    assert to_ha(mu, "亩") == pytest.approx(mu / 15)
    assert convert(mu, "亩", unit) == pytest.approx(value)


def test_the_hectare_constants():
    assert MU_PER_HA == 15.0 and M2_PER_HA == 10000.0
    assert parse_unit("公顷") == ("area", "公顷", 15.0)


def test_area_unit_mixups_are_named_by_the_factor_between_units():
    from parkanalysis.dataset.logic import area_unit_factor

    declared = 3585.0  # 亩
    assert area_unit_factor(declared, declared / 15) == ("公顷", "亩")
    assert area_unit_factor(declared, declared * 15) == ("亩", "公顷")
    assert area_unit_factor(declared, declared / 1500) == ("平方公里", "亩")
    assert area_unit_factor(declared, declared / 100) == ("平方公里", "公顷")
    assert area_unit_factor(declared, declared * 10000 / 15) == ("平方米", "亩")
    assert area_unit_factor(declared, declared * 0.99) is None


# --------------------------------------------------------------------------- 同口径
@pytest.mark.parametrize(
    ("entrants", "leavers", "missing"),
    [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (2, 1, 1)],
)
def test_same_scope_growth_over_firms_of_both_years(tmp_path, entrants, leavers, missing):
    """同口径 = the comparable firms only; an entrant, a leaver or a 缺报 never enters it."""
    folder = write_park(
        tmp_path / "p", comparable=3, entrants=entrants, leavers=leavers, missing=missing
    )
    t = indicator_table(load_dataset(folder), "2016年1-5月").set_index("id")
    g = groups(3, entrants, leavers, missing)
    rows = monthly_rows(g)
    this = rows["month"].str.startswith(str(YEARS[1]))
    scope = rows["enterprise_id"].isin([e for e, _ in g["C"]])
    for ident, column in (("revenue", "revenue"), ("tax_revenue", "tax")):
        cur, prev = rows.loc[scope & this, column].sum(), rows.loc[scope & ~this, column].sum()
        assert t.loc[ident, "yoy_pct"] == pytest.approx((cur / prev - 1) * 100)
        assert t.loc[ident, "prev_value"] == pytest.approx(prev)
        assert t.loc[ident, "n_enterprises"] == 3 + entrants + missing


# --------------------------------------------------------------------------- complete years
@pytest.mark.parametrize(
    ("as_of", "last_complete"),
    [("2014-11", 2013), ("2014-12", 2014), ("2015-01", 2014), ("2015-12", 2015)],
)
def test_only_finished_years_are_complete(as_of, last_complete):
    h = supply_history(load_dataset(SAMPLE), as_of=as_of)
    complete = h.loc[h["complete"].to_numpy(bool), "year"]
    assert int(complete.max()) == last_complete
    assert bool(h["complete"].iloc[-1]) is (as_of.endswith("-12"))


@pytest.mark.parametrize(("k", "withheld"), [(4, False), (5, True)])
def test_report_layer_asks_the_rule(tmp_path, k, withheld):
    """Four comparable firms, two entrants and two leavers: at k = 5 every flow's 同比 in the
    share report's table is withheld (its scope has 4 firms) with the 上年同期 on its basis
    (本期 ÷ (1 + 同比)), at k = 4 every one is printed; 本期 (6 firms) always."""
    import re
    from html import unescape

    from parkanalysis.report import PeriodReport

    folder = write_park(tmp_path / "p", comparable=4, entrants=2, leavers=2, k=k)
    html = PeriodReport(data=str(folder), period="2016年1-5月", share=True).economy()._repr_html_()
    from parkanalysis.report.form import chinese_form

    # as the page prints them: full-width punctuation next to Chinese
    marker = chinese_form(f"—(少于{k}家或由个别企业主导,不予公布)")
    flows = tuple(
        chinese_form(f"{name}(万元)")
        for name in ("工业总产值", "工业增加值", "主营业务收入", "税收")
    )
    seen = 0
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and cells[0] in flows:
            seen += 1
            # 本期 always; 同比 and 上年同期(可比口径) = 本期 ÷ (1 + 同比) withheld together
            assert cells[1] != marker and (cells[2] == marker) is withheld, cells
            assert (cells[3] == marker) is withheld, cells
    assert seen == len(flows)


# --------------------------------------------------------------------------- units: shown in 公顷
def test_area_rows_shown_in_hectares_with_mu_alongside():
    from parkanalysis.units import in_area_unit

    table = pd.DataFrame(
        {
            "value": [150.0, 1.0, 2.5, np.nan, 1.23456],
            "unit": ["亩", "亩/年", "年", "亩", "亩"],
            "name": ["a", "b", "c", "d", "e"],
        }
    )
    out = in_area_unit(table, "公顷")
    assert out["unit"].tolist() == ["公顷", "公顷/年", "年", "公顷", "公顷"]
    np.testing.assert_array_equal(out["value"], [10.0, 0.0667, 2.5, np.nan, 0.0823])
    np.testing.assert_array_equal(out["value_mu"], [150.0, 1.0, np.nan, np.nan, 1.2346])
    assert out["name"].tolist() == list("abcde") and table["unit"].iloc[0] == "亩"
    in_m2 = in_area_unit(table, "平方米")
    assert in_m2["value"].iloc[0] == 100000.0 and in_m2["unit"].iloc[0] == "平方米"
    for unit in ("亩", "mu", ""):
        assert in_area_unit(table, unit) is table  # 亩 (or no unit): unchanged
    no_units = pd.DataFrame({"value": [150.0]})
    assert in_area_unit(no_units, "公顷") is no_units


@pytest.mark.parametrize("value", [[1, 2], (1, 2), pd.Series([1, 2], name="x")])
def test_conversions_return_float64(value):
    out = to_mu(value, "公顷")
    assert out.dtype == np.float64 and list(out) == [15.0, 30.0]
    assert to_ha(value, "亩").dtype == np.float64
    if isinstance(value, pd.Series):
        assert out.name == "x"


@pytest.mark.parametrize(
    ("value", "missing"),
    [
        (None, True),
        (float("nan"), True),
        (np.float64("nan"), True),
        ("—", True),
        (" N/A ", True),
        ("", True),
        ("0", False),
        (0, False),
        (0.0, False),
        ("nan0", False),
        (5, False),
    ],
)
def test_is_missing(value, missing):
    from parkanalysis.units import is_missing

    assert is_missing(value) is missing


def test_numbers_read_from_a_column_keep_its_name_and_refuse_booleans():
    from parkanalysis.units import parse_numbers

    s = pd.Series(["3,126", "−5", " 8.5% ", True, False, 0, 1, "1e3", "约300", None], name="税收")
    floats, bad = parse_numbers(s, percent_as_fraction=True)
    assert floats.name == "税收" and bad.name == "税收"
    assert floats.iloc[:3].tolist() == [3126.0, -5.0, 0.085]
    assert floats.iloc[3:5].isna().all() and bad.iloc[3:5].all()  # 是/否 flags are no numbers
    assert floats.iloc[5:8].tolist() == [0.0, 1.0, 1000.0] and not bad.iloc[5:8].any()
    assert bad.iloc[8] and not bad.iloc[9]
    flags = pd.Series([True, None, False], dtype=object, name="f")
    floats, bad = parse_numbers(pd.Series([True, False], name="b"))
    assert floats.isna().all() and bad.all() and floats.name == bad.name == "b"
    floats, bad = parse_numbers(pd.Series([1, 2], name="n"))
    assert floats.dtype == "float64" and not bad.any() and bad.name == "n"
    floats, bad = parse_numbers(flags)
    assert bad.tolist() == [True, False, True]
    floats, bad = parse_numbers(["8%", "12"], allow_percent=False)
    assert bad.tolist() == [True, False] and floats.iloc[1] == 12.0
    floats, _ = parse_numbers(["8 %", "8%"])
    assert floats.tolist() == [8.0, 8.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ([1], "无法识别的数字 [1]:类型 list 不是数字"),
        ("8%", "无法识别的数字 '8%':此处不能填百分数,请填写数值"),
        ("3,12", "无法识别的数字 '3,12':千分位逗号位置不对(应每三位一个,如 3,126),小数请用小数点"),
    ],
)
def test_number_errors_say_why(text, message):
    from parkanalysis.units import parse_number

    with pytest.raises(ValueError) as info:
        parse_number(text, allow_percent=False)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(
    ("unit", "canonical"), [("m^2", "平方米"), ("M ^ 2", "平方米"), ("km^2", "平方公里")]
)
def test_units_typed_without_a_superscript(unit, canonical):
    assert parse_unit(unit)[1] == canonical


@pytest.mark.parametrize(("combined", "end"), [(True, 2), (False, 1)])
def test_first_cumulative_period_of_a_year(combined, end):
    from parkanalysis.periods import first_cumulative_end

    assert first_cumulative_end(combined) == end


@pytest.mark.parametrize(
    ("period", "combined", "previous"),
    [
        ("2016年1-2月", True, None),  # the year's first return: nothing before it
        ("2016年1-3月", True, "2016年1-2月"),
        ("2016-03", True, "2016年1-2月"),  # March's previous month is the 1-2月 return
        ("2016年1-2月", False, "2016年1月"),
        ("2016-02", False, "2016年1月"),
        ("2016-01", False, None),
        ("2016Q2", True, "2016年第一季度"),
        ("2016", True, "2016年1-11月"),
    ],
)
def test_previous_period_at_january_february_march(period, combined, previous):
    from parkanalysis.report.economy import previous_cumulative

    got = previous_cumulative(parse_period(period), jan_feb_combined=combined)
    assert (got.label if got else None) == previous


# --------------------------------------------------------------------------- first year, zero base
def test_the_first_year_of_data_has_levels_and_no_growth(tmp_path):
    """2015 is the data's first year: levels from its rows, no previous year, no growth."""
    folder = write_park(tmp_path / "p", comparable=3, entrants=1)
    t = indicator_table(load_dataset(folder), "2015年1-5月").set_index("id")
    rows = monthly_rows(groups(3, 1))
    first = rows[rows["month"].str.startswith(str(YEARS[0]))]
    for ident, column in (("industrial_output", "output"), ("tax_revenue", "tax")):
        row = t.loc[ident]
        assert row["value"] == pytest.approx(first[column].sum())
        assert row["n_enterprises"] == 3  # the entrant has no 2015 rows
        assert np.isnan(row["prev_value"]) and np.isnan(row["yoy_pct"])
        assert row["note"] == "上年同期无数据" and row["scope"] == ""
    assert t.loc["employees", "note"] == "期末(5月末)人数;上年同期无数据"


def test_growth_over_a_zero_base_is_not_computed(tmp_path):
    """The tiny dataset's investment was 0 in 2015 and 10 in 2016: no growth, said why."""
    from tests.malformed import base_files, write_files

    t = indicator_table(load_dataset(write_files(tmp_path, base_files())), "2016年1-3月")
    t = t.set_index("id")
    fai = t.loc["fixed_asset_investment"]
    assert (fai["value"], fai["prev_value"]) == (10.0, 0.0)
    assert np.isnan(fai["yoy_pct"]) and fai["note"] == "上年同期为零,不计算增速"
    assert t.loc["above_size_output", "note"] == "上年同期无同口径企业数据"
    assert t.loc["industrial_output", "yoy_pct"] == pytest.approx((1740 / 1600 - 1) * 100)
    assert t.loc["industrial_output", "note"] == ""


def test_unit_errors_list_what_is_known():
    from parkanalysis.errors import ParameterError as Refused
    from parkanalysis.units import split_header_unit

    with pytest.raises(Refused) as info:
        parse_unit("斤")
    assert str(info.value) == (
        "未知的单位 '斤';可用的面积和金额单位:亩、公顷、平方米、平方公里、元、千元、万元、"
        "百万元、亿元(及 ha、㎡、万、亿 等写法)"
    )
    with pytest.raises(Refused, match=r"^表头应为文字,得到 5$"):
        split_header_unit(5)


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        ({"p_percent": 20}, (3, 20.0, None)),
        ({"min_enterprises": 5, "nk_rule": [2, 85]}, (5, 10.0, (2, 85.0))),
        ({"p_percent": 10, "nk_rule": [1, 50.5]}, (3, 10.0, (1, 50.5))),
    ],
)
def test_documented_stricter_settings_load_and_reach_the_reports(tmp_path, share, expected):
    """docs/SHARE.md's stricter settings are accepted by the dataset loader (they were
    refused as unknown keys) and reach the rules the reports ask."""
    import shutil

    import yaml

    from parkanalysis.share.rules import share_rules

    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    doc = yaml.safe_load((data / "park.yaml").read_text("utf-8"))
    doc.setdefault("config", {})["share"] = share
    (data / "park.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    ds = load_dataset(data)
    park = next(iter(ds.profile.parks))
    rules = share_rules(ds.config(park))
    assert (rules.k, rules.p_percent, rules.nk) == expected
