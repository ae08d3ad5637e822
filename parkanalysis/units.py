"""Units of area and money, units in column headers, and numbers as typed into Excel.

Area is canonical in 亩 (what parks declare); money in 万元 (what reports print).
1 公顷 = 15 亩, 1 平方公里 = 100 公顷 = 1500 亩, 1 亩 = 10000/15 平方米. Conversions are
applied as ``value * p / q`` with the exact rational factor, so whole numbers convert exactly
(``to_mu(10000, "平方米") == 15.0``).
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from parkanalysis.errors import ParameterError

if TYPE_CHECKING:  # numpy and pandas are imported where frames are converted, not to read
    import numpy as np  # a unit in park.yaml (planning a report imports neither)
    import pandas as pd

__all__ = [
    "AREA_UNITS",
    "M2_PER_HA",
    "MISSING_TOKENS",
    "MONEY_UNITS",
    "MU_PER_HA",
    "UNIT_FACTORS",
    "convert",
    "in_area_unit",
    "is_missing",
    "parse_number",
    "parse_numbers",
    "parse_unit",
    "split_header_unit",
    "to_ha",
    "to_mu",
    "to_wan_yuan",
]

UnitFamily = Literal["area", "money"]

#: Area unit aliases (as written) → canonical area unit.
AREA_UNITS = MappingProxyType(
    {
        "亩": "亩",
        "mu": "亩",
        "公顷": "公顷",
        "ha": "公顷",
        "hm2": "公顷",
        "hm²": "公顷",
        "平方米": "平方米",
        "平米": "平方米",
        "m2": "平方米",
        "m²": "平方米",
        "㎡": "平方米",
        "sqm": "平方米",
        "万平方米": "公顷",  # 10000 平方米 are exactly 1 公顷
        "平方公里": "平方公里",
        "平方千米": "平方公里",
        "km2": "平方公里",
        "km²": "平方公里",
        "㎢": "平方公里",
    }
)

#: Money unit aliases (as written) → canonical money unit.
MONEY_UNITS = MappingProxyType(
    {
        "元": "元",
        "yuan": "元",
        "千元": "千元",
        "万元": "万元",
        "万": "万元",
        "百万元": "百万元",
        "亿元": "亿元",
        "亿": "亿元",
    }
)

#: Canonical unit → (family, exact factor to the family's canonical unit: 亩 or 万元).
UNIT_FACTORS: MappingProxyType[str, tuple[UnitFamily, Fraction]] = MappingProxyType(
    {
        "亩": ("area", Fraction(1)),
        "公顷": ("area", Fraction(15)),
        "平方米": ("area", Fraction(15, 10000)),
        "平方公里": ("area", Fraction(1500)),
        "元": ("money", Fraction(1, 10000)),
        "千元": ("money", Fraction(1, 10)),
        "万元": ("money", Fraction(1)),
        "百万元": ("money", Fraction(100)),
        "亿元": ("money", Fraction(10000)),
    }
)


#: 亩 in one 公顷 (15), from :data:`UNIT_FACTORS`: the one statement of the factor.
MU_PER_HA: float = float(UNIT_FACTORS["公顷"][1])
#: 平方米 in one 公顷 (10000), from :data:`UNIT_FACTORS`.
M2_PER_HA: float = float(UNIT_FACTORS["公顷"][1] / UNIT_FACTORS["平方米"][1])


def _norm_unit(text: str) -> str:
    # "m^2" as typed without a superscript key means m² (NFKC turns "²" into "2")
    return "".join(unicodedata.normalize("NFKC", text).split()).lower().replace("^2", "2")


# Lookup table on normalised spellings ("㎡" and "m²" both normalise to "m2").
_LOOKUP = {_norm_unit(alias): canon for alias, canon in {**AREA_UNITS, **MONEY_UNITS}.items()}


def parse_unit(text: str) -> tuple[str, str, float]:
    """Identify an area or money unit.

    Parameters
    ----------
    text : str
        A unit as written: ``"公顷"``, ``"ha"``, ``"hm²"``, ``"㎡"``, ``"m^2"``, ``"km2"``,
        ``"万平方米"``, ``"万"``, ``"亿元"`` … Case, spaces and full-width forms are ignored.

    Returns
    -------
    family : {"area", "money"}
    canonical : str
        ``"亩"``, ``"公顷"``, ``"平方米"``, ``"平方公里"``, ``"元"``, ``"千元"``, ``"万元"``,
        ``"百万元"`` or ``"亿元"``.
    factor : float
        Multiply a value in this unit by ``factor`` to get 亩 (area) or 万元 (money).

    Raises
    ------
    ParameterError
        For an unknown unit, listing the known ones.

    Examples
    --------
    >>> parse_unit("ha")
    ('area', '公顷', 15.0)
    >>> parse_unit(" 亿 ")
    ('money', '亿元', 10000.0)
    """
    canonical = _LOOKUP.get(_norm_unit(text)) if isinstance(text, str) else None
    if canonical is None:
        known = "、".join(UNIT_FACTORS)
        raise ParameterError(
            f"未知的单位 {text!r};可用的面积和金额单位:{known}(及 ha、㎡、万、亿 等写法)"
        )
    family, factor = UNIT_FACTORS[canonical]
    return family, canonical, float(factor)


def _convert(value: Any, unit: str, *, family: UnitFamily, to: str) -> Any:
    got_family, canonical, _ = parse_unit(unit)
    if got_family != family:
        wanted = "面积" if family == "area" else "金额"
        raise ParameterError(f"单位 {unit!r} 不是{wanted}单位")
    factor = UNIT_FACTORS[canonical][1] / UNIT_FACTORS[to][1]
    p, q = factor.numerator, factor.denominator

    def apply(x: Any) -> Any:
        x = x * p if p != 1 else x
        return x / q if q != 1 else x

    if isinstance(value, list | tuple) or getattr(value, "ndim", 0) >= 1:
        import numpy as np
        import pandas as pd

        if isinstance(value, pd.Series | pd.DataFrame):
            return apply(value.astype("float64"))
        return apply(np.asarray(value, dtype="float64"))
    if value is None:
        return math.nan
    return float(apply(float(value)))


def convert(value: Any, unit: str, to: str) -> Any:
    """Convert an area or an amount of money from ``unit`` to ``to`` (same family).

    Parameters
    ----------
    value : float, pandas.Series, numpy.ndarray or list
        Value(s) in ``unit``; NaN and ``None`` stay missing.
    unit, to : str
        Any units :func:`parse_unit` knows, both areas or both money.

    Returns
    -------
    float, pandas.Series or numpy.ndarray
        As for :func:`to_mu`: same shape, dtype float64, exact rational factor.

    Raises
    ------
    ParameterError
        For an unknown unit, or units of different families.

    Examples
    --------
    >>> convert(3, "亩", "平方米"), convert(2, "万平方米", "m2"), convert(5, "百万元", "万元")
    (2000.0, 20000.0, 500.0)
    """
    family, canonical, _ = parse_unit(to)
    return _convert(value, unit, family=family, to=canonical)


def to_mu(value: Any, unit: str) -> Any:
    """Convert an area to 亩.

    Parameters
    ----------
    value : float, pandas.Series, numpy.ndarray or list
        Area in ``unit``; NaN and ``None`` stay missing.
    unit : str
        Any area unit :func:`parse_unit` knows.

    Returns
    -------
    float, pandas.Series or numpy.ndarray
        Same shape (a Series keeps its index and name), dtype float64.

    Raises
    ------
    ParameterError
        For an unknown or non-area unit.

    Examples
    --------
    >>> to_mu(1, "公顷"), to_mu(2.39, "km²"), to_mu(10000, "㎡")
    (15.0, 3585.0, 15.0)
    """
    return _convert(value, unit, family="area", to="亩")


def to_ha(value: Any, unit: str) -> Any:
    """Convert an area to 公顷 (as the national land evaluation uses).

    Parameters
    ----------
    value : float, pandas.Series, numpy.ndarray or list
    unit : str

    Returns
    -------
    float, pandas.Series or numpy.ndarray

    Examples
    --------
    >>> to_ha(3585, "亩"), to_ha(1, "平方公里"), to_ha(10000, "m2")
    (239.0, 100.0, 1.0)
    """
    return _convert(value, unit, family="area", to="公顷")


def in_area_unit(table: pd.DataFrame, unit: str) -> pd.DataFrame:
    """A table of ``value``/``unit`` rows with its 亩 rows shown in ``unit``, 亩 alongside.

    For a park that declares its areas in 公顷, rows in 亩 (and 亩/年) get ``value`` in 公顷
    (公顷/年) and the 亩 figure in a new column ``value_mu``; other rows keep their value and
    have ``value_mu`` NaN. In 亩 the table is returned unchanged.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"value": [150.0, 2.5], "unit": ["亩", "年"]})
    >>> in_area_unit(t, "公顷").values.tolist()
    [[10.0, '公顷', 150.0], [2.5, '年', nan]]
    """
    import numpy as np

    canon = parse_unit(unit)[1] if unit else "亩"
    if canon == "亩" or "unit" not in table.columns:
        return table
    out = table.copy()
    units = out["unit"].astype(object).to_numpy()
    is_mu = np.isin(units, ["亩", "亩/年"])
    values = out["value"].to_numpy(dtype="float64", na_value=np.nan)
    factor = float(convert(1.0, "亩", canon))
    out["value"] = np.where(is_mu, np.round(values * factor, 4), values)
    out["unit"] = [
        str(u).replace("亩", canon) if m else u for u, m in zip(units, is_mu, strict=True)
    ]
    out["value_mu"] = np.where(is_mu, np.round(values, 4), np.nan)
    return out


def to_wan_yuan(value: Any, unit: str) -> Any:
    """Convert an amount of money to 万元.

    Parameters
    ----------
    value : float, pandas.Series, numpy.ndarray or list
    unit : str
        ``"元"``, ``"千元"``, ``"万元"``/``"万"`` or ``"亿元"``/``"亿"``.

    Returns
    -------
    float, pandas.Series or numpy.ndarray

    Examples
    --------
    >>> to_wan_yuan(31260000, "元"), to_wan_yuan(1.25, "亿元")
    (3126.0, 12500.0)
    >>> import pandas as pd
    >>> to_wan_yuan(pd.Series([1000.0, None], name="tax"), "千元").tolist()
    [100.0, nan]
    """
    return _convert(value, unit, family="money", to="万元")


# -- headers ---------------------------------------------------------------------------------

_BRACKETS = (("(", ")"), ("（", "）"), ("[", "]"), ("【", "】"), ("〔", "〕"))
_HEADER_RE = re.compile(
    r"(?P<name>.*?)\s*(?:"
    + "|".join(
        rf"{re.escape(o)}\s*(?P<u{i}>[^{re.escape(o + c)}]*?)\s*{re.escape(c)}"
        for i, (o, c) in enumerate(_BRACKETS)
    )
    + r")\s*",
    re.DOTALL,
)


def split_header_unit(header: str) -> tuple[str, str | None]:
    """Split a column header into its name and the unit in trailing brackets.

    Parameters
    ----------
    header : str
        E.g. ``"工业总产值(万元)"``, ``"工业总产值（万元）"``, ``"面积【亩】"``, ``"面积[公顷]"``.

    Returns
    -------
    name : str
        The header without the unit, stripped.
    unit : str or None
        The text inside the last pair of brackets, stripped, or ``None`` without one. It is
        not checked: compound units such as ``"万元/亩"`` pass through; use
        :func:`parse_unit` to check area and money units.

    Examples
    --------
    >>> split_header_unit("工业总产值(万元)")
    ('工业总产值', '万元')
    >>> split_header_unit(" 用地面积 【亩】 ")
    ('用地面积', '亩')
    >>> split_header_unit("企业名称")
    ('企业名称', None)
    """
    if not isinstance(header, str):
        raise ParameterError(f"表头应为文字,得到 {header!r}")
    match = _HEADER_RE.fullmatch(header.strip())
    if match is None or not match["name"]:
        return header.strip(), None
    unit = next(v for k, v in match.groupdict().items() if k != "name" and v is not None)
    return match["name"], (unit or None)


# -- numbers ---------------------------------------------------------------------------------

#: Cell texts that mean "no value" (compared after NFKC, stripping and lower-casing).
MISSING_TOKENS = frozenset(
    {"", "-", "--", "—", "——", "–", "―", "无", "/", "nan", "n/a", "na", "null", "none"}
)


_NUMBER = r"[+\-−]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?"
_NUMBER_RE = re.compile(_NUMBER, re.IGNORECASE)
_PERCENT_RE = re.compile(r"(?P<n>.*?)\s*%")
_NUMBER_PCT = _NUMBER + r"(?:\s*%)?"


def _normalise_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def is_missing(value: Any) -> bool:
    """Whether a cell means "no value": ``None``, NaN, or one of :data:`MISSING_TOKENS`.

    >>> is_missing(" — "), is_missing("N/A"), is_missing(float("nan")), is_missing("0")
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return _normalise_text(value).lower() in MISSING_TOKENS
    return isinstance(value, numbers.Real) and math.isnan(value)  # numpy's floats too


def parse_number(
    text: Any, *, percent_as_fraction: bool = False, allow_percent: bool = True
) -> float:
    """Read one number as typed into a spreadsheet cell.

    Parameters
    ----------
    text : str, int, float or None
        ``"3126"``, ``"３１２６"``, ``"3,126"``, ``"3，126.5"``, ``" 8.5% "``; a number is
        returned as float. ``None``, NaN and the texts in :data:`MISSING_TOKENS`
        (``""``, ``"-"``, ``"—"``, ``"无"`` …) mean missing.
    percent_as_fraction : bool, default False
        ``"8.5%"`` gives ``8.5`` (percent points, like ``yoy_pct`` columns) unless this is
        true, then ``0.085``.
    allow_percent : bool, default True
        When false, a trailing ``%`` makes the text unreadable (for amounts, where ``"8.5%"``
        is a cell typed into the wrong column rather than a number).

    Returns
    -------
    float
        NaN when missing.

    Raises
    ------
    ValueError
        For text that is not a plain number (``"约300"``, ``"300万"``, ``"3,12"``), saying why.

    Examples
    --------
    >>> parse_number("３，１２６"), parse_number(" 8.5% "), parse_number("—")
    (3126.0, 8.5, nan)
    >>> parse_number("约300")
    Traceback (most recent call last):
    ...
    ValueError: 无法识别的数字 '约300':只能填写数字(可带千分位逗号、正负号或%),单位请写在表头,...
    """
    if text is None:
        return math.nan
    if isinstance(text, bool):
        raise ValueError(f"无法识别的数字 {text!r}:是真假值,不是数字")
    if isinstance(text, numbers.Real):  # int, float and numpy's numbers
        return float(text)
    if not isinstance(text, str):
        raise ValueError(f"无法识别的数字 {text!r}:类型 {type(text).__name__} 不是数字")
    s = _normalise_text(text)
    if s.lower() in MISSING_TOKENS:
        return math.nan
    percent = _PERCENT_RE.fullmatch(s)
    if percent and not allow_percent:
        raise ValueError(f"无法识别的数字 {text!r}:此处不能填百分数,请填写数值")
    body = percent["n"] if percent else s
    if not _NUMBER_RE.fullmatch(body):
        raise ValueError(f"无法识别的数字 {text!r}:{_why_not_number(body)}")
    value = float(body.replace(",", "").replace("−", "-"))
    if percent and percent_as_fraction:
        value /= 100
    return value


def _why_not_number(body: str) -> str:
    if re.fullmatch(r"[+-]?[0-9,]+(?:\.[0-9]*)?", body):
        return "千分位逗号位置不对(应每三位一个,如 3,126),小数请用小数点"
    return "只能填写数字(可带千分位逗号、正负号或%),单位请写在表头,估计值请写明确数字"


def parse_numbers(
    values: pd.Series | Any, *, percent_as_fraction: bool = False, allow_percent: bool = True
) -> tuple[pd.Series, pd.Series]:
    """Read a column of spreadsheet cells as numbers, vectorised.

    The same rules as :func:`parse_number`, with pandas string operations over the whole
    column (no Python loop per cell) and once per distinct text: a million cells take
    0.2 s when they are plain numbers and about 2 s when every one needs cleaning.

    Parameters
    ----------
    values : pandas.Series or array-like
        Cells: numbers, strings, ``None``/NaN, mixed.
    percent_as_fraction, allow_percent : bool
        See :func:`parse_number`.

    Returns
    -------
    floats : pandas.Series
        float64, same index and name; NaN where missing or unreadable.
    bad : pandas.Series
        bool, true where a cell holds something that is neither a number nor a missing marker
        (these are NaN in ``floats``; report them rather than treat them as missing).

    Examples
    --------
    >>> import pandas as pd
    >>> floats, bad = parse_numbers(pd.Series(["3,126", "３１２６", "—", "约300", 12, None]))
    >>> floats.tolist()
    [3126.0, 3126.0, nan, nan, 12.0, nan]
    >>> bad.tolist()
    [False, False, False, True, False, False]
    """
    import numpy as np
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_bool_dtype(s.dtype):
        nan = pd.Series(np.nan, index=s.index, name=s.name, dtype="float64")
        return nan, s.notna().astype(bool).rename(s.name)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64"), pd.Series(False, index=s.index, name=s.name)
    # Fast path: plain numbers and plain numeric strings ("12.5", " -3 ", "1e3") in C.
    fast = pd.to_numeric(s.astype(object), errors="coerce").to_numpy("float64")
    done = np.isfinite(fast)
    # A string column (as read from CSV) holds no float infinities or bools: skip the per-cell
    # type checks below, which cost as much as the parsing on a column of many 0s.
    text_only = isinstance(s.dtype, pd.StringDtype)
    infinite = np.isinf(fast)
    if infinite.any():  # float infinities are numbers; the texts "inf" and "1e999" go on below
        done[infinite] = (
            False if text_only else ~s[infinite].map(lambda v: isinstance(v, str)).to_numpy(bool)
        )
    maybe_bool = done & ((fast == 0.0) | (fast == 1.0))
    if maybe_bool.any() and not text_only:
        # to_numeric reads True/False as 1/0; they are not numbers here
        is_bool = s[maybe_bool].map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(bool)
        done[np.flatnonzero(maybe_bool)[is_bool]] = False
    floats = np.where(done, fast, np.nan)
    bad = np.zeros(len(s), dtype=bool)
    rest = np.flatnonzero(~done)
    if rest.size:
        # Slow path, still vectorised, once per distinct cell (columns repeat "—", "0" …).
        codes, uniques = pd.factorize(s.to_numpy(object)[rest], use_na_sentinel=True)
        u_floats, u_bad = _parse_cells(
            pd.Series(uniques, dtype=object), percent_as_fraction, allow_percent
        )
        known = codes >= 0
        floats[rest[known]] = u_floats[codes[known]]
        bad[rest[known]] = u_bad[codes[known]]
    return (
        pd.Series(floats, index=s.index, name=s.name),
        pd.Series(bad, index=s.index, name=s.name),
    )


def _parse_cells(
    cells: pd.Series, percent_as_fraction: bool, allow_percent: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Parse non-numeric cells (default RangeIndex) with string operations."""
    import numpy as np
    import pandas as pd

    floats = np.full(len(cells), np.nan)
    bad = np.zeros(len(cells), dtype=bool)
    text = cells.astype("string").str.normalize("NFKC").str.strip()
    pattern = _NUMBER_PCT if allow_percent else _NUMBER
    valid = text.str.fullmatch(pattern, case=False).fillna(False).to_numpy(bool)
    body = text[valid].str.replace(",", "", regex=False)
    percent = body.str.endswith("%").to_numpy(bool)
    if percent.any():
        body[percent] = body[percent].str.removesuffix("%").str.rstrip()
    minus = body.str.startswith("−").to_numpy(bool)
    if minus.any():
        body[minus] = body[minus].str.replace("−", "-", regex=False)
    numbers = pd.to_numeric(body, errors="coerce").to_numpy("float64")
    if percent_as_fraction:
        numbers = np.where(percent, numbers / 100, numbers)
    floats[valid] = numbers
    invalid = text[~valid]
    missing = (invalid.isna() | invalid.str.lower().isin(MISSING_TOKENS)).to_numpy(bool)
    bad[np.flatnonzero(~valid)[~missing]] = True
    return floats, bad
