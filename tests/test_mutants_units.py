"""The vectorised number reader against the one-cell definition, on every kind of column.

:func:`parkanalysis.units.parse_number` states what a typed cell means (a number, missing, or
unreadable with a reason); :func:`parse_numbers` reads a whole column with pandas string
operations, a C fast path and per-type guards. A figure read from a statement or a ledger goes
through the vectorised reader, so each of its paths (numeric and bool dtypes, object columns
with numbers, bools, infinities and text, pandas' string dtype as read from CSV; with and
without ``%`` allowed or read as a fraction) must give what the definition gives, cell by cell.
The surviving mutants of ``make mutate`` (docs/MUTATION.md) showed which paths no test reached.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkanalysis.units import MISSING_TOKENS, parse_number, parse_numbers

#: Texts near the edges of the number syntax: thousands separators, signs (the Unicode minus
#: too), exponents in either case, full-width digits and percent signs, infinities, booleans
#: as text.
EDGE_TEXTS = [
    *sorted(MISSING_TOKENS), " — ", "N/A", "NULL", "None", "1,234.5", "-1,234", "１２,３４５",
    "８.５%", "8.5 %", "８.５％", "−3", "−3.5%", "+7", ".5", "5.", "1e3", "1E-2", "1e999",
    "-1e999", "inf", "-inf", "Infinity", "nan%", "0", "1", "1.0", "0.0", "-0", "True", "False",
    "3,12", "12,345,6", "约300", "300万", "5%%", "%", "1 000", "0x10", "1_000",
    # an upper-case exponent where the fast path gives up (separator, Unicode minus, percent,
    # full width): the slow path's pattern must ignore case as the one-cell reader does
    "1,234E2", "−1E2", "2.5E1%", "１E3",
]  # fmt: skip
TEXT = st.one_of(
    st.sampled_from(EDGE_TEXTS),
    st.text(alphabet="0123456789,.，%％-−—+eE 无约万３１inf", max_size=8),
)
CELL = st.one_of(
    TEXT,
    st.none(),
    st.just(math.nan),
    st.booleans(),
    st.sampled_from([np.True_, np.False_, np.float64(2.5), np.int64(-3), np.float32(0.5)]),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)
FLAGS = st.sampled_from([(False, True), (True, True), (False, False), (True, False)])


def expected(cell, percent_as_fraction: bool, allow_percent: bool) -> tuple[float, bool]:
    """What the one-cell definition says: (value, unreadable)."""
    try:
        return (
            parse_number(
                cell, percent_as_fraction=percent_as_fraction, allow_percent=allow_percent
            ),
            False,
        )
    except ValueError:
        return math.nan, True


def assert_cell_by_cell(column: pd.Series, cells: list, flags: tuple[bool, bool]) -> None:
    fraction, allow = flags
    floats, bad = parse_numbers(column, percent_as_fraction=fraction, allow_percent=allow)
    # the same rows, labels and name, as float64 and bool
    assert floats.index.equals(column.index) and bad.index.equals(column.index)
    assert floats.name == column.name and bad.name == column.name
    assert floats.dtype == "float64" and bad.dtype == bool
    for cell, value, is_bad in zip(cells, floats.to_numpy(), bad.to_numpy(), strict=True):
        want, want_bad = expected(cell, fraction, allow)
        assert bool(is_bad) is want_bad, (cell, flags)
        assert value == want or (math.isnan(value) and math.isnan(want)), (cell, flags, value)


@given(st.lists(CELL, max_size=25), FLAGS, st.integers(-5, 5))
def test_object_columns_read_as_each_cell_alone(cells, flags, start):
    column = pd.Series(
        cells, dtype=object, index=pd.RangeIndex(start, start + len(cells)), name="产值"
    )
    assert_cell_by_cell(column, cells, flags)


@given(st.lists(st.one_of(TEXT, st.none()), max_size=25), FLAGS)
def test_string_columns_read_as_each_cell_alone(cells, flags):
    """pandas' string dtype (a CSV read with dtype="string"): missing cells are pd.NA."""
    column = pd.Series(cells, dtype="string", index=[f"r{i}" for i in range(len(cells))])
    assert_cell_by_cell(column, [None if c is None else c for c in cells], flags)


@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=20),
    FLAGS,
)
def test_numeric_columns_are_their_numbers(values, flags):
    column = pd.Series(values, dtype="float64", name="税收")
    assert_cell_by_cell(column, values, flags)
    ints = pd.Series([int(v) for v in values if math.isfinite(v) and abs(v) < 1e15], dtype="int64")
    assert_cell_by_cell(ints, ints.tolist(), flags)


@pytest.mark.parametrize("dtype", ["bool", "boolean"])
def test_a_column_of_booleans_is_unreadable_not_zero_and_one(dtype):
    column = pd.Series([True, False, None][: 3 if dtype == "boolean" else 2], dtype=dtype, name="x")
    floats, bad = parse_numbers(column)
    assert floats.isna().all() and floats.dtype == "float64" and floats.name == "x"
    # a missing cell of a nullable boolean column is missing, not unreadable
    assert bad.tolist() == column.notna().tolist() and bad.dtype == bool and bad.name == "x"


def test_a_zero_or_one_among_booleans_stays_a_number():
    """to_numeric reads True/False as 1/0; only the booleans are refused, not the 0s and 1s
    beside them (the guard runs on the cells that read as 0 or 1 only)."""
    cells = [0, True, 1, np.False_, 1.0, "1", 0.0, 2, False]
    floats, bad = parse_numbers(pd.Series(cells, dtype=object))
    assert bad.tolist() == [False, True, False, True, False, False, False, False, True]
    np.testing.assert_array_equal(
        floats.to_numpy(), [0.0, np.nan, 1.0, np.nan, 1.0, 1.0, 0.0, 2.0, np.nan]
    )


def test_infinities_typed_as_text_are_unreadable_and_float_infinities_numbers():
    for dtype in (object, "string"):
        floats, bad = parse_numbers(pd.Series(["inf", "-inf", "1e999", "5"], dtype=dtype))
        assert bad.tolist() == [True, True, False, False], dtype
        np.testing.assert_array_equal(floats.to_numpy(), [np.nan, np.nan, np.inf, 5.0])
    floats, bad = parse_numbers(pd.Series([math.inf, -math.inf, "inf"], dtype=object))
    assert bad.tolist() == [False, False, True]
    np.testing.assert_array_equal(floats.to_numpy(), [np.inf, -np.inf, np.nan])
