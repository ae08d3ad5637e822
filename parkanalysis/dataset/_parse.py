"""Vectorised cell parsing: dates, months, booleans, lists, text; units of columns.

Private helpers of :mod:`parkanalysis.dataset`. Numbers, units in headers, unit factors and
the missing markers are those of :mod:`parkanalysis.units`; what is here is specific to
reading table files (Excel date serials, ``yyyymm`` months, 是/否, lists of ids, the unit
kinds of :mod:`~parkanalysis.dataset.schema`).

Every parser takes a raw column (``object``/``str`` or already numeric) and returns the
parsed values plus a boolean mask of cells that were filled but could not be parsed.
Strings are parsed once per distinct value (``pandas.factorize``), so a 3.6M-row month
column costs a few hundred Python calls, not millions.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from parkanalysis import units
from parkanalysis.dataset.schema import AREA, AREA_M2, MONEY, PEOPLE, PERCENT
from parkanalysis.errors import ParameterError


def normalize_header(text: object) -> str:
    """Return a header without surrounding blanks, inner line breaks, or full-width ASCII."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    return "".join(s.split())


# -- units of columns -------------------------------------------------------------------------

#: Unit kind → the unit values are stored in; :mod:`parkanalysis.units` converts to it.
STORED_UNITS = {MONEY: "万元", AREA: "亩", AREA_M2: "平方米"}
#: Unit kinds outside :mod:`parkanalysis.units` (areas and money only): the header units that
#: mean the values are stored as written.
PLAIN_UNITS = {PEOPLE: ("人", "人数"), PERCENT: ("%",)}


def unit_converter(
    unit_kind: str | None, unit: str | None
) -> Callable[[np.ndarray], np.ndarray] | None:
    """Function bringing values in ``unit`` to the stored unit of ``unit_kind``; None if unknown.

    Columns without a unit kind, and headers without a unit, keep the values as written.

    >>> unit_converter(MONEY, "元")(np.array([31260000.0])).tolist()
    [3126.0]
    >>> unit_converter(AREA_M2, "万平方米")(np.array([1.5])).tolist(), unit_converter(MONEY, "亩")
    ([15000.0], None)
    """
    if unit_kind is None or not unit:
        return _as_written
    if unit_kind in PLAIN_UNITS:
        return _as_written if unit in PLAIN_UNITS[unit_kind] else None
    to = STORED_UNITS[unit_kind]
    try:
        if units.parse_unit(unit)[0] != units.parse_unit(to)[0]:
            return None
    except ParameterError:
        return None
    return lambda values: units.convert(values, unit, to)


def _as_written(values: np.ndarray) -> np.ndarray:
    return values


def units_for(unit_kind: str) -> str:
    """The units a column of ``unit_kind`` may be written in (for messages)."""
    if unit_kind in PLAIN_UNITS:
        return "、".join(PLAIN_UNITS[unit_kind])
    family = units.parse_unit(STORED_UNITS[unit_kind])[0]
    return "、".join(u for u, (f, _) in units.UNIT_FACTORS.items() if f == family)


# -- text -----------------------------------------------------------------------------------


def _map_unique(raw: pd.Series, fn, dtype=object, na=None):
    """Apply ``fn`` (value -> parsed or raises ValueError) once per distinct value.

    Returns ``(values ndarray, bad mask)``; blanks give ``na`` and are not bad.
    """
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    parsed = np.empty(len(uniques), dtype=dtype)
    bad_u = np.zeros(len(uniques), dtype=bool)
    blank_u = np.zeros(len(uniques), dtype=bool)
    for i, v in enumerate(uniques):
        if units.is_missing(v):
            parsed[i] = na
            blank_u[i] = True
            continue
        try:
            parsed[i] = fn(v)
        except (ValueError, TypeError, OverflowError):
            parsed[i] = na
            bad_u[i] = True
    out = np.empty(len(raw), dtype=dtype)
    out[:] = na
    ok = codes >= 0
    out[ok] = parsed[codes[ok]]
    bad = np.zeros(len(raw), dtype=bool)
    bad[ok] = bad_u[codes[ok]]
    return out, bad


def _one_str(v: object) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, _dt.datetime) and v.time() == _dt.time(0):
        return v.date().isoformat()
    return unicodedata.normalize("NFKC", str(v)).strip()


def parse_str(raw: pd.Series) -> pd.Series:
    """Strip blanks and normalise full-width letters; missing tokens become NA (``str`` dtype).

    >>> parse_str(pd.Series([" A01 ", "—", 12.0], dtype=object)).tolist()
    ['A01', nan, '12']
    """
    vals, _ = _map_unique(raw, _one_str, dtype=object, na=None)
    return pd.Series(vals, index=raw.index, dtype="str")


# -- numbers --------------------------------------------------------------------------------


def parse_finite(raw: pd.Series, *, allow_percent: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parkanalysis.units.parse_numbers` as arrays, with infinities counted as bad.

    ``%`` is refused unless ``allow_percent`` (percent columns): ``8.5%`` in an amount column
    is a value typed into the wrong column. An infinite amount (``1e999``, an ``inf`` cell) is
    an input error here, while :mod:`parkanalysis.units` reads it as the float it denotes.

    >>> v, bad = parse_finite(pd.Series(["３１２６", "3,126", "—", "abc", 1.5, "8%"], dtype=object))
    >>> v.tolist()[:3], bad.tolist()
    ([3126.0, 3126.0, nan], [False, False, False, True, False, True])
    """
    floats, bad = units.parse_numbers(raw, allow_percent=allow_percent)
    values = np.array(floats, dtype="float64", copy=True)
    bad = np.array(bad, dtype=bool, copy=True)
    inf = np.isinf(values)
    if inf.any():
        values[inf] = np.nan
        bad |= inf
    return values, bad


# -- dates ----------------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(:00)?)?$"
)
_DATE8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = _dt.datetime(1899, 12, 30)
#: Years a date or month of the dataset may have: 1900 for dates (entry dates of old
#: enterprises), the statistics era of :mod:`parkanalysis.periods` for months; beyond 2100 a
#: year is a typing error (and beyond 2262 it cannot be stored as a timestamp).
DATE_YEARS = (1900, 2100)


def _in_range(d: _dt.datetime, years: tuple[int, int] = DATE_YEARS) -> _dt.datetime:
    if not years[0] <= d.year <= years[1]:
        raise ValueError(f"year {d.year} outside {years}")
    return d


def _one_date(v: object) -> _dt.datetime:
    return _in_range(_any_date(v))


#: A date written to the month only: ``2014.03``, ``2014年3月``, ``2014-03``, ``2014/3``,
#: ``201403`` (read as the month's first day; :func:`month_only`).
_MONTH_ONLY_RE = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?份?|(\d{2}))$")


def _month_only(v: object) -> _dt.datetime | None:
    """The first day of the month ``v`` names when it is written to the month only, else None.

    A number with a fraction (``2013.1``, ``2014.03``: a month typed into a number cell) is
    read by its shortest decimal text: 2013.1 is January (2013.10 typed as a number is
    2013.1 as well; write it as text to mean October).

    >>> [str(_month_only(v).date()) for v in ("2014.03", "2014年3月", 2013.1, "201403")]
    ['2014-03-01', '2014-03-01', '2013-01-01', '2014-03-01']
    >>> _month_only(2014.12).month, _month_only("2014-03-05"), _month_only(2016.0)
    (12, None, None)
    """
    if isinstance(v, bool | _dt.date):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        f = float(v)
        if f.is_integer() or not 1900 < f < 2101:
            return None
        text = repr(round(f, 2))
    else:
        text = unicodedata.normalize("NFKC", str(v)).strip()
    m = _MONTH_ONLY_RE.match(text)
    if not m:
        return None
    month = int(m.group(2) or m.group(3))
    if not 1 <= month <= 12:
        return None
    return _dt.datetime(int(m.group(1)), month, 1)


def month_only(raw: pd.Series) -> np.ndarray:
    """Mask of the cells of a date column written to the month only (:func:`_month_only`)."""
    vals, _ = _map_unique(raw, lambda v: _month_only(v) is not None, dtype=bool, na=False)
    return vals.astype(bool)


def _any_date(v: object) -> _dt.datetime:
    month = _month_only(v)
    if month is not None:
        return month
    if isinstance(v, _dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day)
    if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
        f = float(v)
        if 20000 <= f <= 80000 and f.is_integer():  # Excel serial day (1954..2118)
            return _EXCEL_EPOCH + _dt.timedelta(days=int(f))
        if 19000101 <= f <= 21001231 and f.is_integer():
            v = str(int(f))
        else:
            raise ValueError(v)
    s = unicodedata.normalize("NFKC", str(v)).strip()
    m = _DATE_RE.match(s) or _DATE8_RE.match(s)
    if not m:
        if re.fullmatch(r"\d{5}(\.0)?", s):
            return _any_date(float(s))
        raise ValueError(s)
    return _dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse_date(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse dates written as ``2016-05-31``, ``2016/5/31``, ``2016年5月31日``, Excel cells.

    >>> d, bad = parse_date(pd.Series(["2016年5月31日", "2016/5/31", 42521, "x"], dtype=object))
    >>> [str(x)[:10] for x in d], bad.tolist()
    (['2016-05-31', '2016-05-31', '2016-05-31', 'NaT'], [False, False, False, True])
    """
    if raw.dtype.kind == "M":
        years = raw.dt.year.dropna()
        if years.empty or (years.min() >= DATE_YEARS[0] and years.max() <= DATE_YEARS[1]):
            return raw.astype("datetime64[ns]"), np.zeros(len(raw), dtype=bool)
        raw = raw.astype(object)  # out-of-range years are reported cell by cell
    vals, bad = _map_unique(raw, _one_date, dtype=object, na=None)
    out = pd.to_datetime(pd.Series(vals, index=raw.index), errors="coerce")
    return out.astype("datetime64[ns]"), bad


_MONTH_RE = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?份?|(\d{2}))$")


def _one_month(v: object) -> int:
    from parkanalysis.periods import MAX_YEAR, MIN_YEAR

    ym = _any_month(v)
    if not MIN_YEAR <= ym // 100 <= MAX_YEAR:
        raise ValueError(f"year {ym // 100} outside {MIN_YEAR}-{MAX_YEAR}")
    return ym


def _any_month(v: object) -> int:
    if isinstance(v, _dt.date):
        return v.year * 100 + v.month
    if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
        f = float(v)
        if not f.is_integer():
            raise ValueError(v)
        v = str(int(f))
    s = unicodedata.normalize("NFKC", str(v)).strip()
    m = _MONTH_RE.match(s)
    if not m:
        # a full date in a month column: take its month
        d = _any_date(s)
        return d.year * 100 + d.month
    month = int(m.group(2) or m.group(3))
    if not 1 <= month <= 12:
        raise ValueError(s)
    return int(m.group(1)) * 100 + month


def parse_month(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse months (``2016-05``, ``2016年5月``, ``201605``) to ``yyyymm`` int (0 = missing).

    >>> ym, bad = parse_month(pd.Series(["2016-05", "2016年5月", 201605, "2016-13"], dtype=object))
    >>> ym.tolist(), bad.tolist()
    ([201605, 201605, 201605, 0], [False, False, False, True])
    """
    if raw.dtype.kind == "M":
        ok = raw.notna().to_numpy()
        ym = np.zeros(len(raw), dtype="int64")
        ym[ok] = (raw.dt.year * 100 + raw.dt.month).to_numpy()[ok]
        return ym, np.zeros(len(raw), dtype=bool)
    return _map_unique(raw, _one_month, dtype="int64", na=0)


# -- booleans, choices, lists -----------------------------------------------------------------

_TRUE = {"是", "y", "yes", "true", "1", "t", "√", "✓", "规上"}
_FALSE = {"否", "n", "no", "false", "0", "f", "×", "规下"}


def _one_bool(v: object) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | float | np.integer | np.floating) and float(v) in (0.0, 1.0):
        return bool(v)
    s = unicodedata.normalize("NFKC", str(v)).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(s)


def parse_bool(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse 是/否, Y/N, 1/0, true/false into the nullable ``boolean`` dtype."""
    vals, bad = _map_unique(raw, _one_bool, dtype=object, na=pd.NA)
    return pd.Series(vals, index=raw.index, dtype="boolean"), bad


_LIST_SPLIT = re.compile(r"[;；、,，]")


def _one_list(v: object) -> tuple[str, ...]:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    parts = (p.strip() for p in _LIST_SPLIT.split(unicodedata.normalize("NFKC", str(v))))
    return tuple(p for p in parts if p)


def parse_list(raw: pd.Series) -> pd.Series:
    """Split ``1号地;4号地`` / ``1号地、4号地`` into tuples of str (blank → empty tuple)."""
    vals, _ = _map_unique(raw, _one_list, dtype=object, na=None)
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):
        out[i] = v if isinstance(v, tuple) else ()
    return pd.Series(out, index=raw.index, dtype=object)


_USE_SUFFIX = ("用地", "用途")


def normalize_choice(value: str, choices: tuple[str, ...]) -> str | None:
    """Return the allowed value ``value`` means, or None (``工业用地`` → ``工业``).

    GB/T 21010 class names map through :data:`~parkanalysis.dataset.schema.LAND_USE_SYNONYMS`.

    >>> from parkanalysis.dataset.schema import LAND_USES
    >>> [normalize_choice(v, LAND_USES) for v in ("工业用地", "商服用地", "道路用地", "耕地")]
    ['工业', '商业', '道路', None]
    """
    from parkanalysis.dataset.schema import LAND_USE_SYNONYMS

    s = "".join(unicodedata.normalize("NFKC", value).split())
    if s in choices:
        return s
    for stem in (s, *(s[: -len(x)] for x in _USE_SUFFIX if s.endswith(x))):
        if stem in choices:
            return stem
        if LAND_USE_SYNONYMS.get(stem) in choices:
            return LAND_USE_SYNONYMS[stem]
    return None
