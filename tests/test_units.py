"""Tests for parkanalysis.units."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkanalysis.errors import ParameterError
from parkanalysis.units import (
    AREA_UNITS,
    MONEY_UNITS,
    UNIT_FACTORS,
    parse_number,
    parse_numbers,
    parse_unit,
    split_header_unit,
    to_ha,
    to_mu,
    to_wan_yuan,
)

# -- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("亩", ("area", "亩", 1.0)),
        ("mu", ("area", "亩", 1.0)),
        ("公顷", ("area", "公顷", 15.0)),
        ("ha", ("area", "公顷", 15.0)),
        ("HA", ("area", "公顷", 15.0)),
        ("hm²", ("area", "公顷", 15.0)),
        ("hm2", ("area", "公顷", 15.0)),
        ("平方米", ("area", "平方米", 0.0015)),
        ("m2", ("area", "平方米", 0.0015)),
        ("m²", ("area", "平方米", 0.0015)),
        ("㎡", ("area", "平方米", 0.0015)),
        ("平方公里", ("area", "平方公里", 1500.0)),
        ("km2", ("area", "平方公里", 1500.0)),
        ("km²", ("area", "平方公里", 1500.0)),
        ("㎢", ("area", "平方公里", 1500.0)),
        ("元", ("money", "元", 0.0001)),
        ("千元", ("money", "千元", 0.1)),
        ("万元", ("money", "万元", 1.0)),
        ("万", ("money", "万元", 1.0)),
        (" 万 元 ", ("money", "万元", 1.0)),
        ("亿元", ("money", "亿元", 10000.0)),
        ("亿", ("money", "亿元", 10000.0)),
    ],
)
def test_parse_unit(text, expected):
    assert parse_unit(text) == expected


@pytest.mark.parametrize("text", ["", "斤", "万元/亩", "acre", None, 15])
def test_parse_unit_rejects_unknown(text):
    with pytest.raises(ParameterError, match="未知的单位"):
        parse_unit(text)


def test_alias_tables_cover_every_canonical_unit_and_parse():
    assert set(AREA_UNITS.values()) == {u for u, (f, _) in UNIT_FACTORS.items() if f == "area"}
    assert set(MONEY_UNITS.values()) == {u for u, (f, _) in UNIT_FACTORS.items() if f == "money"}
    for alias, canonical in {**AREA_UNITS, **MONEY_UNITS}.items():
        assert parse_unit(alias)[1] == canonical
    with pytest.raises(TypeError):
        AREA_UNITS["acre"] = "亩"  # type: ignore[index]


@pytest.mark.parametrize(
    ("func", "value", "unit", "expected"),
    [
        (to_mu, 1, "公顷", 15.0),
        (to_mu, 2.39, "平方公里", 3585.0),
        (to_mu, 10000, "平方米", 15.0),
        (to_mu, 3585, "亩", 3585.0),
        (to_ha, 15, "亩", 1.0),
        (to_ha, 3585, "亩", 239.0),
        (to_ha, 1, "km2", 100.0),
        (to_ha, 10000, "㎡", 1.0),
        (to_ha, 7, "ha", 7.0),
        (to_wan_yuan, 31_260_000, "元", 3126.0),
        (to_wan_yuan, 1000, "千元", 100.0),
        (to_wan_yuan, 1.25, "亿元", 12500.0),
        (to_wan_yuan, 3126, "万", 3126.0),
    ],
)
def test_conversions_scalar(func, value, unit, expected):
    result = func(value, unit)
    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-12)


def test_exact_for_whole_numbers():
    # exact rational factors: no 15.000000000000002
    assert to_mu(10000, "平方米") == 15.0
    assert to_ha(10000, "平方米") == 1.0
    assert to_wan_yuan(10000, "元") == 1.0


@pytest.mark.parametrize("value", [None, math.nan])
def test_conversion_keeps_missing(value):
    assert math.isnan(to_mu(value, "公顷"))


def test_conversion_series_keeps_index_and_name():
    s = pd.Series([1, None, 2], index=["a", "b", "c"], name="area_ha")
    result = to_mu(s, "ha")
    pd.testing.assert_series_equal(
        result, pd.Series([15.0, np.nan, 30.0], index=["a", "b", "c"], name="area_ha")
    )
    assert s.tolist()[0] == 1  # input untouched


@pytest.mark.parametrize("value", [np.array([1, 2]), [1, 2], (1, 2)])
def test_conversion_array_like(value):
    result = to_mu(value, "公顷")
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, [15.0, 30.0])


@pytest.mark.parametrize(
    ("func", "unit", "message"),
    [
        (to_mu, "万元", "不是面积单位"),
        (to_ha, "元", "不是面积单位"),
        (to_wan_yuan, "亩", "不是金额单位"),
        (to_mu, "斤", "未知的单位"),
    ],
)
def test_conversion_rejects_wrong_family(func, unit, message):
    with pytest.raises(ParameterError, match=message):
        func(1.0, unit)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_area_round_trip(x):
    assert to_mu(to_ha(x, "亩"), "公顷") == pytest.approx(x, rel=1e-12, abs=1e-9)


# -- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("工业总产值(万元)", ("工业总产值", "万元")),
        ("工业总产值（万元）", ("工业总产值", "万元")),
        ("工业总产值 ( 万元 ) ", ("工业总产值", "万元")),
        ("用地面积【亩】", ("用地面积", "亩")),
        ("用地面积[公顷]", ("用地面积", "公顷")),
        ("亩均税收(万元/亩)", ("亩均税收", "万元/亩")),
        ("税收(1-5月)(万元)", ("税收(1-5月)", "万元")),
        ("企业名称", ("企业名称", None)),
        ("  企业名称 ", ("企业名称", None)),
        ("产值()", ("产值", None)),
        ("(万元)", ("(万元)", None)),
        ("产值(万元】", ("产值(万元】", None)),
        ("产值(万元)合计", ("产值(万元)合计", None)),
        ("", ("", None)),
    ],
)
def test_split_header_unit(header, expected):
    assert split_header_unit(header) == expected


def test_split_header_unit_rejects_non_text():
    with pytest.raises(ParameterError):
        split_header_unit(None)  # type: ignore[arg-type]


# -- numbers ---------------------------------------------------------------------------------

NUMBER_CASES = [
    ("3126", 3126.0),
    ("３１２６", 3126.0),
    ("3,126", 3126.0),
    ("3，126", 3126.0),
    ("1,234,567.5", 1234567.5),
    ("  3126  ", 3126.0),
    ("\t3126\n", 3126.0),
    ("-3.2", -3.2),
    ("－３．２", -3.2),
    ("−3.2", -3.2),
    ("+8.5", 8.5),
    (".5", 0.5),
    ("5.", 5.0),
    ("1e3", 1000.0),
    ("1.5E-2", 0.015),
    ("8.5%", 8.5),
    ("8.5 %", 8.5),
    ("８．５％", 8.5),
    ("-3.2%", -3.2),
    ("1,000%", 1000.0),
    ("0", 0.0),
    (3126, 3126.0),
    (3126.5, 3126.5),
    (np.int64(7), 7.0),
]

MISSING_CASES = ["", "  ", "-", "—", "——", "--", "无", "/", "nan", "NaN", "N/A", None, math.nan]

BAD_CASES = [
    ("约300", "单位请写在表头"),
    ("300万", "单位请写在表头"),
    ("3126元", "单位请写在表头"),
    ("3,12", "千分位"),
    ("31,26", "千分位"),
    ("1.2.3", "只能填写数字"),
    ("inf", "只能填写数字"),
    ("%", "只能填写数字"),
    ("- 3", "只能填写数字"),
    ("(3,126)", "只能填写数字"),
    ("1 000", "只能填写数字"),
    (True, "真假值"),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_parse_number(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"), [("8.5%", 0.085), ("８．５％", 0.085), ("12", 12.0), ("-50%", -0.5)]
)
def test_parse_number_percent_as_fraction(text, expected):
    assert parse_number(text, percent_as_fraction=True) == pytest.approx(expected)


@pytest.mark.parametrize("text", MISSING_CASES)
def test_parse_number_missing_is_nan(text):
    assert math.isnan(parse_number(text))


@pytest.mark.parametrize(("text", "hint"), BAD_CASES)
def test_parse_number_rejects_with_clear_message(text, hint):
    with pytest.raises(ValueError) as info:
        parse_number(text)
    assert repr(text) in str(info.value)
    assert hint in str(info.value)


def test_parse_numbers_table():
    cells = [c for c, _ in NUMBER_CASES] + MISSING_CASES + [c for c, _ in BAD_CASES]
    index = pd.RangeIndex(100, 100 + len(cells))
    floats, bad = parse_numbers(pd.Series(cells, index=index, dtype=object, name="产值"))
    expected = [v for _, v in NUMBER_CASES] + [np.nan] * (len(MISSING_CASES) + len(BAD_CASES))
    expected_bad = [False] * (len(NUMBER_CASES) + len(MISSING_CASES)) + [True] * len(BAD_CASES)
    pd.testing.assert_series_equal(floats, pd.Series(expected, index=index, name="产值"))
    pd.testing.assert_series_equal(bad, pd.Series(expected_bad, index=index, name="产值"))


@pytest.mark.parametrize(
    ("values", "expected", "expected_bad"),
    [
        (pd.Series([1, 2, 3]), [1.0, 2.0, 3.0], [False] * 3),
        (pd.Series([1.5, np.nan]), [1.5, np.nan], [False, False]),
        (pd.Series(["1", "2,000"]), [1.0, 2000.0], [False, False]),
        (["3,126", "—"], [3126.0, np.nan], [False, False]),
        (pd.Series([True, False]), [np.nan, np.nan], [True, True]),
        (pd.Series([True, 0, 1, "1"], dtype=object), [np.nan, 0.0, 1.0, 1.0], [True] + [False] * 3),
        (pd.Series([math.inf, "inf"], dtype=object), [math.inf, np.nan], [False, True]),
        (pd.Series([pd.Timestamp("2016-01-01")], dtype=object), [np.nan], [True]),
        (pd.Series([], dtype=object), [], []),
    ],
)
def test_parse_numbers_dtypes(values, expected, expected_bad):
    floats, bad = parse_numbers(values)
    np.testing.assert_array_equal(floats.to_numpy(), np.array(expected, dtype=float))
    assert bad.tolist() == expected_bad
    assert floats.dtype == "float64" and bad.dtype == bool


def test_parse_numbers_percent_as_fraction():
    floats, _ = parse_numbers(pd.Series(["8.5%", "2", "50 %"]), percent_as_fraction=True)
    assert floats.tolist() == pytest.approx([0.085, 2.0, 0.5])


def test_parse_numbers_does_not_mutate_input():
    s = pd.Series(["3,126", " 5 "], dtype=object)
    parse_numbers(s)
    assert s.tolist() == ["3,126", " 5 "]


@given(st.lists(st.text(alphabet="0123456789,.，。%％-—+eE 无约万３１", max_size=8), max_size=20))
def test_parse_numbers_agrees_with_parse_number(cells):
    floats, bad = parse_numbers(pd.Series(cells, dtype=object))
    for cell, value, is_bad in zip(cells, floats, bad, strict=True):
        try:
            expected = parse_number(cell)
        except ValueError:
            assert is_bad, cell
            assert math.isnan(value)
        else:
            assert not is_bad, cell
            assert value == expected or (math.isnan(value) and math.isnan(expected)), cell


def test_parse_numbers_is_vectorised_on_a_million_rows(monkeypatch):
    """Plain numbers take the C path; the rest is parsed once per distinct cell, not per row.

    (Speed itself is measured in benchmarks/indicators_speed.py, never asserted here.)
    """
    import parkanalysis.units as units

    seen = []
    real = units._parse_cells

    def counting(cells, *args, **kwargs):
        seen.append(len(cells))
        return real(cells, *args, **kwargs)

    monkeypatch.setattr(units, "_parse_cells", counting)
    rng = np.random.default_rng(0)
    pool = np.array(["3,126", "３１２６", " 12.5 ", "—", "约300", "8.5%", "", "1e3", "-3"])
    cells = pd.Series(rng.choice(pool, 1_000_000), dtype=object)
    numbers = pd.Series(rng.normal(size=1_000_000).round(2), dtype=object)
    mixed = pd.concat([cells, numbers], ignore_index=True)
    floats, bad = parse_numbers(mixed)
    assert int(bad.sum()) == int((cells == "约300").sum())
    assert floats.iloc[:1_000_000][cells == "3,126"].eq(3126.0).all()
    assert floats.iloc[1_000_000:].equals(
        numbers.astype("float64").set_axis(floats.index[1_000_000:])
    )
    # 2e6 cells, one slow-path call over at most the distinct texts of the pool
    assert len(seen) == 1 and seen[0] <= len(pool)
