"""Reporting periods: one month, 1-N月 cumulative, quarter, half year, year.

A :class:`Period` is a contiguous run of months inside one calendar year plus a *kind* that
decides how it is named. Identity is the months: ``2016-01..2016-06`` (kind ``"cumulative"``,
"2016年1-6月") and ``2016H1`` (kind ``"half"``, "2016年上半年") are equal, hash alike and sort
together, because the same months must mean the same figures (a cache keyed by a period serves
both). The kind only changes the wording and the canonical string, and it survives
:func:`parse_period` round trips.

Chinese statistics publish January and February together as 1-2月; where data are cumulative
there is no January-only figure. Under that convention a run of months that ends in January or
starts in February separates the two (:func:`separates_jan_feb`, the one statement of the rule).
:func:`check_period_available` enforces it and the data's coverage; :func:`report_periods`
lists the periods a batch renders for a year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from parkanalysis.errors import ParameterError, PeriodError

__all__ = [
    "ACCEPTED_FORMS",
    "KINDS",
    "MAX_YEAR",
    "MIN_YEAR",
    "Period",
    "check_period_available",
    "first_cumulative_end",
    "month_label",
    "months_between",
    "parse_period",
    "report_periods",
    "separates_jan_feb",
]

PeriodKind = Literal["month", "cumulative", "quarter", "half", "year"]

#: The period kinds, in the order a batch lists them for the same end month.
KINDS: tuple[str, ...] = ("month", "cumulative", "quarter", "half", "year")

#: Accepted years (the People's Republic statistics era up to a generous horizon).
MIN_YEAR = 1949
MAX_YEAR = 2100

_QUARTER_NAMES = ("一", "二", "三", "四")
_QUARTER_STARTS = (1, 4, 7, 10)

#: The accepted ways of writing a period, quoted in every parsing error.
ACCEPTED_FORMS = (
    "2016-05、2016/05、201605、2016年5月(份)(单月);"
    "2016-01..2016-05、2016年1-5月(份)(1-N月累计);"
    "2016Q2、2016年第二季度(季度);"
    "2016H1、2016年上半年、2016年下半年(半年);"
    "2016、2016年、2016年全年(全年)"
)


def _fail(text: object, reason: str) -> PeriodError:
    return PeriodError(f"无法识别的期间 {text!r}:{reason}。可用写法:{ACCEPTED_FORMS}")


def _check_span(year: int, start: int, end: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"年份 {year} 超出范围 {MIN_YEAR}-{MAX_YEAR}")
    for month in (start, end):
        if not 1 <= month <= 12:
            raise PeriodError(f"月份 {month} 超出范围 1-12")
    if start > end:
        raise PeriodError(f"起始月 {start} 晚于结束月 {end}")


def month_label(year: int, month: int) -> str:
    """Return the Chinese label of one calendar month.

    Parameters
    ----------
    year, month : int
        The calendar month.

    Returns
    -------
    str
        ``"2016年5月"``.

    Examples
    --------
    >>> month_label(2016, 5)
    '2016年5月'
    """
    return f"{year}年{month}月"


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: consecutive months of one year and how they are named.

    Parameters
    ----------
    year : int
        Calendar year, 1949..2100.
    start_month, end_month : int
        First and last month, 1..12, ``start_month <= end_month``.
    kind : {"month", "cumulative", "quarter", "half", "year"}
        ``"month"`` needs one month; ``"cumulative"`` starts in January (1-N月累计);
        ``"quarter"`` is 1-3, 4-6, 7-9 or 10-12; ``"half"`` is 1-6 or 7-12; ``"year"`` is 1-12.

    Notes
    -----
    Equality, hashing and ordering use ``(year, start_month, end_month)`` only; ``kind`` is
    presentation. So ``Period(2016, 1, 12, "cumulative") == Period(2016, 1, 12, "year")``,
    likewise 1-6月 and 上半年, 1-3月 and 一季度: the same months mean the same figures. Compare
    ``p.kind`` too where the wording matters (e.g. a 月报 for 1-6月 versus 上半年工作总结).
    Periods sort by year, then start month, then end month.

    Examples
    --------
    >>> p = Period(2016, 1, 5, "cumulative")
    >>> p.label, p.short_label, p.slug, str(p)
    ('2016年1-5月', '1-5月', '2016-01_05', '2016-01..2016-05')
    >>> Period(2016, 1, 6, "cumulative") == Period(2016, 1, 6, "half")
    True
    >>> Period(2016, 4, 6, "quarter").previous_year().label
    '2015年第二季度'
    """

    year: int
    start_month: int
    end_month: int
    kind: PeriodKind = field(default="cumulative", compare=False)

    def __post_init__(self) -> None:
        for name in ("year", "start_month", "end_month"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise PeriodError(f"期间的 {name} 必须是整数,得到 {value!r}")
        _check_span(self.year, self.start_month, self.end_month)
        if self.kind not in KINDS:
            raise PeriodError(f"期间类型 {self.kind!r} 未知,应为 {'、'.join(KINDS)} 之一")
        span = (self.start_month, self.end_month)
        ok = {
            "month": self.start_month == self.end_month,
            "cumulative": self.start_month == 1,
            "quarter": self.start_month in _QUARTER_STARTS
            and self.end_month == self.start_month + 2,
            "half": span in ((1, 6), (7, 12)),
            "year": span == (1, 12),
        }[self.kind]
        if not ok:
            raise PeriodError(
                f"{self.start_month}-{self.end_month}月不能作为 {self.kind!r} 类型的期间"
            )

    # -- constructors ---------------------------------------------------------------------

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        """Return the single month ``year-month``.

        Examples
        --------
        >>> str(Period.of_month(2016, 5))
        '2016-05'
        """
        return cls(year, month, month, "month")

    @classmethod
    def of_cumulative(cls, year: int, end_month: int) -> Period:
        """Return 1-``end_month``月 of ``year`` (1-N月累计).

        Examples
        --------
        >>> Period.of_cumulative(2016, 5).label
        '2016年1-5月'
        """
        return cls(year, 1, end_month, "cumulative")

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        """Return quarter 1..4 of ``year``.

        Examples
        --------
        >>> Period.of_quarter(2016, 2).months[0]
        (2016, 4)
        """
        if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
            raise PeriodError(f"季度 {quarter!r} 超出范围 1-4")
        start = _QUARTER_STARTS[quarter - 1]
        return cls(year, start, start + 2, "quarter")

    @classmethod
    def of_half(cls, year: int, half: int) -> Period:
        """Return half 1 (上半年) or 2 (下半年) of ``year``.

        Examples
        --------
        >>> Period.of_half(2016, 2).label
        '2016年下半年'
        """
        if isinstance(half, bool) or half not in (1, 2):
            raise PeriodError(f"半年 {half!r} 应为 1(上半年)或 2(下半年)")
        return cls(year, 1, 6, "half") if half == 1 else cls(year, 7, 12, "half")

    @classmethod
    def of_year(cls, year: int) -> Period:
        """Return the whole of ``year``.

        Examples
        --------
        >>> Period.of_year(2016).short_label
        '全年'
        """
        return cls(year, 1, 12, "year")

    # -- properties -----------------------------------------------------------------------

    @property
    def months(self) -> list[tuple[int, int]]:
        """The ``(year, month)`` pairs covered, in order."""
        return [(self.year, m) for m in range(self.start_month, self.end_month + 1)]

    @property
    def first_month(self) -> tuple[int, int]:
        """``(year, start_month)``."""
        return (self.year, self.start_month)

    @property
    def last_month(self) -> tuple[int, int]:
        """``(year, end_month)``."""
        return (self.year, self.end_month)

    @property
    def as_of(self) -> str:
        """The last month as ``YYYY-MM``: what a stock figure of the period is as of (the land
        report of a period is as of its last month).

        >>> [Period.of_half(2016, 1).as_of, Period.of_cumulative(2016, 5).as_of]
        ['2016-06', '2016-05']
        """
        return f"{self.year:04d}-{self.end_month:02d}"

    @property
    def n_months(self) -> int:
        """Number of months covered."""
        return self.end_month - self.start_month + 1

    @property
    def is_cumulative(self) -> bool:
        """Whether the period starts in January (so 1-N月累计 figures answer it).

        Examples
        --------
        >>> Period.of_quarter(2016, 1).is_cumulative, Period.of_quarter(2016, 2).is_cumulative
        (True, False)
        """
        return self.start_month == 1

    @property
    def quarter(self) -> int | None:
        """Quarter number 1..4 when the months are exactly one quarter, else ``None``."""
        if self.start_month in _QUARTER_STARTS and self.end_month == self.start_month + 2:
            return _QUARTER_STARTS.index(self.start_month) + 1
        return None

    @property
    def label(self) -> str:
        """Chinese label with the year.

        Examples
        --------
        >>> [Period.of_month(2016, 5).label, Period.of_cumulative(2016, 5).label,
        ...  Period.of_quarter(2016, 2).label, Period.of_half(2016, 1).label,
        ...  Period.of_year(2016).label]
        ['2016年5月', '2016年1-5月', '2016年第二季度', '2016年上半年', '2016年']
        """
        if self.kind == "quarter":
            return f"{self.year}年第{self.short_label}"
        if self.kind == "year":
            return f"{self.year}年"
        return f"{self.year}年{self.short_label}"

    @property
    def short_label(self) -> str:
        """Chinese label without the year: ``5月``, ``1-5月``, ``二季度``, ``上半年``, ``全年``."""
        if self.kind == "quarter":
            return f"{_QUARTER_NAMES[self.start_month // 3]}季度"
        if self.kind == "half":
            return "上半年" if self.start_month == 1 else "下半年"
        if self.kind == "year":
            return "全年"
        if self.start_month == self.end_month:
            return f"{self.end_month}月"
        return f"{self.start_month}-{self.end_month}月"

    @property
    def slug(self) -> str:
        """File-system safe name: ``2016-05``, ``2016-01_05``, ``2016Q2``, ``2016H1``, ``2016``."""
        if self.kind == "month":
            return f"{self.year}-{self.end_month:02d}"
        if self.kind == "cumulative":
            return f"{self.year}-{self.start_month:02d}_{self.end_month:02d}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.quarter}"
        if self.kind == "half":
            return f"{self.year}H{1 if self.start_month == 1 else 2}"
        return f"{self.year}"

    def __str__(self) -> str:
        """Canonical string that :func:`parse_period` reads back to an identical period."""
        if self.kind == "cumulative":
            return f"{self.year}-{self.start_month:02d}..{self.year}-{self.end_month:02d}"
        return self.slug

    # -- derived periods ------------------------------------------------------------------

    def previous_year(self) -> Period:
        """Return the same months (and kind) one year earlier, the base of 同比.

        Raises
        ------
        PeriodError
            For a period in 1949, whose previous year is out of range.

        Examples
        --------
        >>> str(Period.of_cumulative(2016, 5).previous_year())
        '2015-01..2015-05'
        """
        return Period(self.year - 1, self.start_month, self.end_month, self.kind)

    def cumulative(self) -> Period:
        """Return 1-``end_month``月 of the same year (the 累计 period ending with this one).

        Examples
        --------
        >>> Period.of_quarter(2016, 2).cumulative().label
        '2016年1-6月'
        """
        return Period(self.year, 1, self.end_month, "cumulative")

    def contains(self, other: Period) -> bool:
        """Whether every month of ``other`` lies in this period.

        Examples
        --------
        >>> Period.of_half(2016, 1).contains(Period.of_month(2016, 5))
        True
        """
        return (
            self.year == other.year
            and self.start_month <= other.start_month
            and other.end_month <= self.end_month
        )


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Return the ``(year, month)`` pairs from ``first`` to ``last`` inclusive.

    Parameters
    ----------
    first, last : tuple of int
        ``(year, month)``; an empty list when ``last`` precedes ``first``.

    Examples
    --------
    >>> months_between((2015, 11), (2016, 2))
    [(2015, 11), (2015, 12), (2016, 1), (2016, 2)]
    """
    (y0, m0), (y1, m1) = _check_month(first, "first"), _check_month(last, "last")
    return [(i // 12, i % 12 + 1) for i in range(y0 * 12 + m0 - 1, y1 * 12 + m1)]


def _check_month(value: object, name: str) -> tuple[int, int]:
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[1] <= 12
    ):
        return value  # type: ignore[return-value]
    raise ParameterError(f"{name} 应为 (年, 月) 形式的元组,如 (2016, 6),得到 {value!r}")


# -- parsing --------------------------------------------------------------------------------

# hyphen, en dash, em dash, horizontal bar, tilde, wave dash (repeated: "1——5月"), 至, 到
_DASH = "(?:[-–—―~〜]+|至|到)"
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("year", r"(?P<y>[0-9]{4})(?:年(?:全年)?)?"),
        ("month", r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})"),
        ("month", r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})"),
        ("month", r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月份?"),
        (
            "range",
            r"(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})\.\.(?P<y2>[0-9]{4})[-/.](?P<m2>[0-9]{1,2})",
        ),
        ("range", rf"(?P<y>[0-9]{{4}})年(?P<m>[0-9]{{1,2}})月?{_DASH}(?P<m2>[0-9]{{1,2}})月份?"),
        # Period.slug of a range (report file names): 2016-01_05
        ("range", r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})_(?P<m2>[0-9]{1,2})"),
        ("quarter", r"(?P<y>[0-9]{4})年?Q(?P<q>[1-4])"),
        ("quarter", r"(?P<y>[0-9]{4})年第?(?P<q>[一二三四1-4])季度?"),
        ("half", r"(?P<y>[0-9]{4})年?H(?P<h>[12])"),
        ("half", r"(?P<y>[0-9]{4})年?(?P<h>[上下])半年"),
    )
)


def parse_period(text: str | int | Period) -> Period:
    """Read a period written the way people write it.

    Parameters
    ----------
    text : str, int or Period
        ``2016-05``, ``2016-5``, ``2016/05``, ``201605``, ``2016年5月(份)`` (one month);
        ``2016-01..2016-05``, ``2016年1-5月``, ``2016年1—5月份``, ``2016年1~5月`` (1-N月累计);
        ``2016Q2``, ``2016年第二季度``, ``2016年二季度``; ``2016H1``, ``2016年上半年``,
        ``2016年下半年``; ``2016``, ``2016年``, ``2016年全年``. Full-width digits and letters and
        any spaces are accepted, and so is every :attr:`Period.slug` (``2016-01_05``, the
        file-name form). A :class:`Period` is returned as is; an int is read as its
        digits (``2016`` or ``201605``).

    Returns
    -------
    Period
        A range that starts in January is ``"cumulative"`` (even 1-6 and 1-12: write
        ``2016H1`` / ``2016`` for the half-year and year wording). A range that does not start
        in January must be one month, a quarter or a half year and gets that kind
        (``2016-04..2016-06`` is ``2016Q2``).

    Raises
    ------
    PeriodError
        With the accepted forms, for empty or unreadable text, months outside 1-12, a start
        after the end, a range across years, or a year outside 1949-2100. Nothing else is raised.

    Examples
    --------
    >>> parse_period("2016年1—5月份").label
    '2016年1-5月'
    >>> str(parse_period("２０１６年 第二季度"))
    '2016Q2'
    >>> parse_period("2016-13")
    Traceback (most recent call last):
    ...
    parkanalysis.errors.PeriodError: 无法识别的期间 '2016-13':月份 13 超出范围 1-12。可用写法:...
    """
    if isinstance(text, Period):
        return text
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise _fail(text, f"期间应为文字,得到 {type(text).__name__}")
    norm = "".join(unicodedata.normalize("NFKC", text).split())
    if not norm:
        raise _fail(text, "为空")
    for name, pattern in _PATTERNS:
        match = pattern.fullmatch(norm)
        if match is None:
            continue
        try:
            return _build(name, match)
        except PeriodError as exc:
            raise _fail(text, str(exc)) from None
    raise _fail(text, "格式不符")


def _build(name: str, match: re.Match[str]) -> Period:
    g = match.groupdict()
    year = int(g["y"])
    if name == "year":
        return Period(year, 1, 12, "year")
    if name == "month":
        month = int(g["m"])
        return Period(year, month, month, "month")
    if name == "quarter":
        return Period.of_quarter(year, _CN_QUARTER[g["q"]])
    if name == "half":
        return Period.of_half(year, 1 if g["h"].upper() in ("1", "上") else 2)
    start, end = int(g["m"]), int(g["m2"])
    if g.get("y2") is not None and int(g["y2"]) != year:
        raise PeriodError(f"区间跨年({year}年至{g['y2']}年),期间须在同一年内")
    _check_span(year, start, end)
    if start == 1:
        return Period(year, 1, end, "cumulative")
    if start == end:
        return Period(year, start, end, "month")
    for kind in ("quarter", "half"):
        try:
            return Period(year, start, end, kind)
        except PeriodError:
            pass
    raise PeriodError(f"{start}-{end}月既不从1月开始,也不是季度或半年")


# -- availability ---------------------------------------------------------------------------


def separates_jan_feb(start_month: int, end_month: int) -> bool:
    """True when months ``start_month..end_month`` of a year part January from February.

    That is: the run ends in January (January alone, 1-1月) or starts in February (February
    alone, 2-N月). Under the 1-2月 convention no such period exists.

    >>> [separates_jan_feb(s, e) for s, e in ((1, 1), (2, 2), (1, 2), (1, 3), (3, 3), (2, 3))]
    [True, True, False, False, False, True]
    """
    return end_month == 1 or start_month == 2


def first_cumulative_end(jan_feb_combined: bool) -> int:
    """The end month of a year's first 1-N月 period: 2 under the 1-2月 convention, else 1.

    >>> first_cumulative_end(True), first_cumulative_end(False)
    (2, 1)
    """
    return next(e for e in range(1, 13) if not (jan_feb_combined and separates_jan_feb(1, e)))


def check_period_available(
    period: str | Period,
    *,
    first_month: tuple[int, int],
    last_month: tuple[int, int],
    jan_feb_combined: bool,
) -> Period:
    """Check that the data can answer ``period``; return it parsed.

    Parameters
    ----------
    period : str or Period
        Anything :func:`parse_period` reads.
    first_month, last_month : tuple of int
        ``(year, month)`` of the first and last month the data cover.
    jan_feb_combined : bool
        Whether January and February are published together as 1-2月. Then no period may
        end in January (January alone, 1-1月) or start in February (February alone).

    Returns
    -------
    Period

    Raises
    ------
    PeriodError
        Naming the data's coverage ("数据覆盖 2012年1月至2016年6月") when a month of the period
        is outside it, or suggesting 1-2月 under the combined convention.
    ParameterError
        When ``first_month`` / ``last_month`` are not ``(year, month)`` or are reversed.

    Examples
    --------
    >>> check_period_available("2016年1-5月", first_month=(2012, 1), last_month=(2016, 6),
    ...                        jan_feb_combined=True).label
    '2016年1-5月'
    >>> check_period_available("2015年1-5月", first_month=(2015, 2), last_month=(2016, 6),
    ...                        jan_feb_combined=True).label  # the first return was 1-2月
    '2015年1-5月'
    >>> check_period_available("2016-07", first_month=(2012, 1), last_month=(2016, 6),
    ...                        jan_feb_combined=True)
    Traceback (most recent call last):
    ...
    parkanalysis.errors.PeriodError: 2016年7月 超出数据范围:数据覆盖 2012年1月至2016年6月。
    """
    p = parse_period(period)
    first = _check_month(first_month, "first_month")
    last = _check_month(last_month, "last_month")
    if last < first:
        raise ParameterError(f"数据起始月 {first} 晚于结束月 {last}")
    if jan_feb_combined and first[1] == 2:
        first = (first[0], 1)  # the first return is 1-2月: it covers January too
    if p.first_month < first or p.last_month > last:
        coverage = f"{month_label(*first)}至{month_label(*last)}"
        raise PeriodError(f"{p.label} 超出数据范围:数据覆盖 {coverage}。")
    if jan_feb_combined and separates_jan_feb(p.start_month, p.end_month):
        alone = "1月" if p.end_month == 1 else "2月"
        suggestion = Period(p.year, 1, 2, "cumulative")
        raise PeriodError(
            f"{p.label} 不可用:1月和2月数据合并发布,没有单独的{alone}数据,"
            f"请使用 {suggestion.label}({suggestion})或更长的累计期间。"
        )
    return p


def report_periods(
    year: int,
    *,
    last_month: int = 12,
    kinds: Iterable[str] = ("cumulative", "quarter", "half", "year"),
    jan_feb_combined: bool = True,
) -> list[Period]:
    """List the periods a batch renders for ``year`` with data up to ``last_month``.

    Parameters
    ----------
    year : int
    last_month : int, default 12
        Last month with data in ``year``; only periods complete by then are listed.
    kinds : iterable of str, default ("cumulative", "quarter", "half", "year")
        Kinds to include; ``"month"`` adds single months.
    jan_feb_combined : bool, default True
        Under the 1-2月 convention the cumulative series starts at 1-2月 and January and
        February alone are not listed.

    Returns
    -------
    list of Period
        Ordered by end month, then by kind in the order of :data:`KINDS`, so 1-6月 comes
        before 二季度 before 上半年. Equal-month periods of different kinds are all kept.

    Examples
    --------
    >>> [p.short_label for p in report_periods(2016, last_month=6)]
    ['1-2月', '1-3月', '一季度', '1-4月', '1-5月', '1-6月', '二季度', '上半年']
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise ParameterError(f"year 应为整数,得到 {year!r}")
    if isinstance(last_month, bool) or not isinstance(last_month, int) or not 1 <= last_month <= 12:
        raise ParameterError(f"last_month 应为 1-12 的整数,得到 {last_month!r}")
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ParameterError(f"未知的期间类型 {unknown},可选 {'、'.join(KINDS)}")
    out: list[Period] = []
    for end in range(1, last_month + 1):
        for kind in KINDS:
            if kind not in kinds:
                continue
            start = {
                "month": end,
                "cumulative": 1,
                "quarter": end - 2 if end % 3 == 0 else None,
                "half": end - 5 if end % 6 == 0 else None,
                "year": 1 if end == 12 else None,
            }[kind]
            if start is None or (jan_feb_combined and separates_jan_feb(start, end)):
                continue
            out.append(Period(year, start, end, kind))
    return out
