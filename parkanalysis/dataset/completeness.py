"""Reporting completeness (报送率, 缺报, 迟报) of the enterprise statistics.

Definitions (one place; the tests hold them):

* A **reporting month** of a park is a month in which at least one enterprise of the park
  filed a row that is not in the future (rows dated after the current month are the error
  ``future_month`` and count for nothing). A month nobody filed is not a month of the data
  (e.g. a dataset holding only 2-3月 of each year); that a whole month is missing shows in the
  data's end instead.
* An enterprise is **expected** (应报) in a reporting month when it is in the registry, has
  filed at least one row in that month or before (it has started reporting), its 投产日期 is
  not after the month's end (a blank 投产日期 means not in production: not expected — unless
  the park's register gives no 投产日期 at all, when filing counts as being in production),
  and it has not exited before the month's end (退出日期 blank or after the month).
* **缺报** (missing report): an expected enterprise-month without a row.
* **报送率** of a month = expected enterprise-months with a row ÷ expected enterprise-months;
  of a period, the same ratio pooled over the period's months (实报户·月 ÷ 应报户·月).
* **Data complete to** (数据完整至) of a park is the latest reporting month whose 报送率 is at
  least ``completeness.min_reporting_rate`` (park.yaml, default 0.9). Rows after it are the
  warning ``late_reports`` (迟报: most enterprises have not reported yet) and do not move the
  data's end (:attr:`parkanalysis.dataset.Dataset.month_range`).

Examples
--------
>>> ent = pd.DataFrame({"park_id": ["P", "P"], "enterprise_id": ["a", "b"],
...     "production_start_date": pd.to_datetime(["2015-01-01", "2015-01-01"]),
...     "exit_date": pd.to_datetime([None, None])})
>>> rows = pd.DataFrame({"park_id": ["P"] * 5, "enterprise_id": ["a", "a", "a", "b", "b"],
...     "year": [2016] * 5, "month": [1, 2, 3, 1, 3]})
>>> c = reporting_status(ent, rows, thresholds={"P": 0.95}, jan_feb_combined=False,
...     today=(2020, 1))
>>> c.missing[["enterprise_id", "year", "month"]].values.tolist()
[['b', 2016, 2]]
>>> c.rates["rate"].round(2).tolist()
[1.0, 0.5, 1.0]
>>> c.complete_to
{'P': (2016, 3)}
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parkanalysis.dataset.settings import CONFIG_SPEC

#: Default of ``completeness.min_reporting_rate`` (park.yaml), declared in the settings spec.
DEFAULT_MIN_REPORTING_RATE: float = CONFIG_SPEC["completeness"]["min_reporting_rate"].default


@dataclass
class Completeness:
    """Expected and filed returns per park and month.

    ``rates``: park_id, year, month, expected, reported, rate (0-1).
    ``missing``: park_id, enterprise_id, name (when the registry has names), year, month of
    every 缺报.
    ``complete_to``: park → (year, month), the data's end (see the module docstring).
    ``last_reported``: park → (year, month) of the last row not in the future.
    """

    rates: pd.DataFrame
    missing: pd.DataFrame
    complete_to: dict[str, tuple[int, int]] = field(default_factory=dict)
    last_reported: dict[str, tuple[int, int]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)

    #: the lookup of :meth:`period_rates` (see ``_rate_lookup``), built on first use; it
    #: starts with the ``rates`` frame it was built from
    _lookup: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def period_rate(self, park: str, year: int, start_month: int, end_month: int):
        """``(rate, expected, reported)`` pooled over the months of one year (rate NaN: none).

        >>> c = Completeness(pd.DataFrame({"park_id": ["P", "P"], "year": [2016, 2016],
        ...     "month": [1, 2], "expected": [4, 4], "reported": [4, 2], "rate": [1, .5]}),
        ...     pd.DataFrame())
        >>> c.period_rate("P", 2016, 1, 2)
        (0.75, 8, 6)
        """
        rate, expected, reported = self.period_rates([park], year, start_month, end_month)
        return float(rate[0]), int(expected[0]), int(reported[0])

    def period_rates(
        self, parks, year: int, start_month: int, end_month: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`period_rate` of several parks at once: arrays ``rate, expected, reported``.

        A park without reporting months gets rate NaN and 0 returns. The lookup (cumulative
        sums per park, in month order) is built once per :class:`Completeness`; each call is
        two binary searches per park.

        >>> c = Completeness(pd.DataFrame({"park_id": ["P", "Q", "P"], "year": [2016] * 3,
        ...     "month": [1, 1, 2], "expected": [4, 5, 4], "reported": [4, 5, 2],
        ...     "rate": [1, 1, .5]}), pd.DataFrame())
        >>> rate, expected, reported = c.period_rates(["Q", "P", "X"], 2016, 1, 2)
        >>> rate.tolist()[:2], expected.tolist(), reported.tolist()
        ([1.0, 0.75], [5, 8, 0], [5, 6, 0])
        """
        lookup = self._lookup
        if lookup is None or lookup[0] is not self.rates:
            lookup = self._lookup = _rate_lookup(self.rates)
        _, ids, keys, cum_expected, cum_reported, width, t_min = lookup
        code = ids.get_indexer(pd.Index([str(p) for p in parks], dtype=object))
        t0 = min(max(int(_t(year, start_month)) - t_min + 1, 0), width - 1)
        t1 = min(max(int(_t(year, end_month)) - t_min + 1, 0), width - 1)
        base = np.maximum(code, 0).astype("int64") * width
        lo = np.searchsorted(keys, base + t0, side="left")
        hi = np.maximum(np.searchsorted(keys, base + t1, side="right"), lo)
        known = code >= 0
        expected = np.where(known, cum_expected[hi] - cum_expected[lo], 0)
        reported = np.where(known, cum_reported[hi] - cum_reported[lo], 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(expected > 0, reported / np.maximum(expected, 1), np.nan)
        return rate, expected, reported

    def month_rate(self, park: str, year: int, month: int) -> tuple[float, int, int]:
        """``(rate, expected, reported)`` of one month."""
        return self.period_rate(park, year, month, month)

    def missing_in(
        self, park: str | None, year: int, start_month: int, end_month: int
    ) -> pd.DataFrame:
        """The 缺报 rows of one park (None: every park) inside the months of one year:
        ``park_id, enterprise_id, name, year, month`` (the name from the registry).

        >>> from parkanalysis.dataset import load_dataset
        >>> c = load_dataset("data/sample").completeness
        >>> c.missing_in("GMY", 2016, 1, 6).columns.tolist()
        ['park_id', 'enterprise_id', 'name', 'year', 'month']
        """
        m = self.missing
        if m.empty:
            return m
        sel = (m["year"] == year) & (m["month"] >= start_month) & (m["month"] <= end_month)
        if park is not None:
            sel &= m["park_id"] == park
        return m[sel]


def _rate_lookup(rates: pd.DataFrame) -> tuple:
    """Sorted (park, month) keys and cumulative returns of ``rates`` for ``period_rates``.

    A key is ``park code × width + month offset``, the offsets of stored months running
    1 … width − 2, so that a query month clipped to 0 … width − 1 stays in its park's band.
    """
    if rates.empty:
        none, zero = np.zeros(0, "int64"), np.zeros(1, "int64")
        return rates, pd.Index([], dtype=object), none, zero, zero, 3, 0
    park = rates["park_id"].astype("str").to_numpy(dtype=object)
    ids = pd.Index(pd.unique(park), dtype=object)
    t = _t(rates["year"].to_numpy(), rates["month"].to_numpy())
    t_min = int(t.min())
    width = int(t.max()) - t_min + 3
    keys = ids.get_indexer(park).astype("int64") * width + (t - t_min + 1)
    order = np.argsort(keys, kind="stable")
    cum_e = np.r_[0, np.cumsum(rates["expected"].to_numpy(dtype="int64")[order])]
    cum_r = np.r_[0, np.cumsum(rates["reported"].to_numpy(dtype="int64")[order])]
    return rates, ids, keys[order], cum_e, cum_r, width, t_min


def _t(year, month):
    return np.asarray(year, dtype="int64") * 12 + np.asarray(month, dtype="int64") - 1


def _ym(t: int) -> tuple[int, int]:
    y, m = divmod(int(t), 12)
    return y, m + 1


def _month_t(dates: pd.Series) -> np.ndarray:
    """Month index of each date; a very large number for NaT."""
    d = pd.to_datetime(dates)
    t = (d.dt.year * 12 + d.dt.month - 1).to_numpy(dtype="float64", na_value=np.nan)
    return t


def today_t(today: tuple[int, int] | None = None) -> int:
    """Month index of ``today`` (default: the current month of the machine's clock)."""
    if today is None:
        d = _dt.date.today()
        today = (d.year, d.month)
    return int(_t(today[0], today[1]))


def reporting_status(
    enterprises: pd.DataFrame,
    rows: pd.DataFrame,
    *,
    thresholds: dict[str, float],
    jan_feb_combined: bool,
    today: tuple[int, int] | None = None,
) -> Completeness:
    """Compute :class:`Completeness` from the registry and the statistics rows.

    ``rows`` needs park_id, enterprise_id, year, month (one row per filed return); rows
    after ``today`` are ignored (they are ``future_month`` errors).
    """
    now = today_t(today)
    r = pd.DataFrame(
        {
            "park_id": rows["park_id"].astype("str").to_numpy(dtype=object),
            "enterprise_id": rows["enterprise_id"].astype("str").to_numpy(dtype=object),
            "t": _t(rows["year"].to_numpy(dtype="int64"), rows["month"].to_numpy(dtype="int64")),
        }
    )
    r = r[(r["t"] <= now) & (r["t"] > 0)].drop_duplicates()
    empty_rates = pd.DataFrame(
        {
            "park_id": pd.Series([], dtype="str"),
            "year": pd.Series([], dtype="int64"),
            "month": pd.Series([], dtype="int64"),
            "expected": pd.Series([], dtype="int64"),
            "reported": pd.Series([], dtype="int64"),
            "rate": pd.Series([], dtype="float64"),
        }
    )
    empty_missing = pd.DataFrame(
        {
            "park_id": pd.Series([], dtype="str"),
            "enterprise_id": pd.Series([], dtype="str"),
            "year": pd.Series([], dtype="int64"),
            "month": pd.Series([], dtype="int64"),
        }
    )
    if r.empty:
        return Completeness(empty_rates, empty_missing, thresholds=dict(thresholds))
    span = r.groupby("park_id")["t"].agg(["min", "max"])
    # per enterprise: first filed month, production and exit months
    first = r.groupby(["park_id", "enterprise_id"])["t"].min().rename("first").reset_index()
    ent = pd.DataFrame(
        {
            "park_id": enterprises["park_id"].astype("str").to_numpy(dtype=object),
            "enterprise_id": enterprises["enterprise_id"].astype("str").to_numpy(dtype=object),
            "start": _month_t(enterprises["production_start_date"]),
            "exit": _month_t(enterprises["exit_date"]),
        }
    ).drop_duplicates(["park_id", "enterprise_id"])
    # a register without any 投产日期 (no such column): filing is what says production began
    # (dropna=False: a row without a park code belongs to no park, not to a NaN verdict)
    dated = ent["start"].notna().groupby(ent["park_id"], dropna=False).transform("any")
    unknown = ~dated.fillna(False).astype(bool)
    ent.loc[unknown.to_numpy(dtype=bool), "start"] = -np.inf
    e = first.merge(ent, on=["park_id", "enterprise_id"], how="inner")
    e = e.merge(span, left_on="park_id", right_index=True)
    # np.maximum keeps NaN: without a production date nothing is expected
    lo = np.maximum(e["first"].to_numpy(dtype="float64"), e["start"].to_numpy(dtype="float64"))
    # exited before the month's end: the exit month itself is not expected
    hi = np.fmin(e["max"].to_numpy(dtype="float64"), e["exit"].to_numpy(dtype="float64") - 1)
    n = np.nan_to_num(np.maximum(hi - lo + 1, 0), nan=0.0).astype("int64")
    lo = np.nan_to_num(lo, nan=0.0)
    idx = np.repeat(np.arange(len(e)), n)
    offs = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    exp = pd.DataFrame(
        {
            "park_id": e["park_id"].to_numpy(dtype=object)[idx],
            "enterprise_id": e["enterprise_id"].to_numpy(dtype=object)[idx],
            "t": lo[idx].astype("int64") + offs,
        }
    )
    months_filed = r[["park_id", "t"]].drop_duplicates()
    exp = exp.merge(months_filed, on=["park_id", "t"], how="inner")
    filed = r.assign(filed=True)
    exp = exp.merge(filed, on=["park_id", "enterprise_id", "t"], how="left")
    exp["filed"] = exp["filed"].notna()
    miss = exp[~exp["filed"]].sort_values(["park_id", "enterprise_id", "t"])
    missing = pd.DataFrame(
        {
            "park_id": miss["park_id"].astype("str").to_numpy(),
            "enterprise_id": miss["enterprise_id"].astype("str").to_numpy(),
            "year": (miss["t"].to_numpy() // 12).astype("int64"),
            "month": (miss["t"].to_numpy() % 12 + 1).astype("int64"),
        }
    )
    if "name" in enterprises.columns:  # the enterprise as people know it, beside its code
        names = enterprises.assign(
            park_id=enterprises["park_id"].astype("str"),
            enterprise_id=enterprises["enterprise_id"].astype("str"),
        ).drop_duplicates(["park_id", "enterprise_id"])[["park_id", "enterprise_id", "name"]]
        missing = missing.merge(names, on=["park_id", "enterprise_id"], how="left")
        missing = missing[["park_id", "enterprise_id", "name", "year", "month"]]
    g = exp.groupby(["park_id", "t"])["filed"].agg(["size", "sum"]).reset_index()
    # reporting months without any expected enterprise still appear (rate NaN)
    del jan_feb_combined  # January rows are filed or not: no separate rule needed
    full = months_filed.sort_values(["park_id", "t"]).merge(g, on=["park_id", "t"], how="left")
    expected = full["size"].fillna(0).to_numpy(dtype="int64")
    reported = full["sum"].fillna(0).to_numpy(dtype="int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(expected > 0, reported / np.maximum(expected, 1), np.nan)
    rates = pd.DataFrame(
        {
            "park_id": full["park_id"].astype("str").to_numpy(),
            "year": (full["t"].to_numpy() // 12).astype("int64"),
            "month": (full["t"].to_numpy() % 12 + 1).astype("int64"),
            "expected": expected,
            "reported": reported,
            "rate": rate,
        }
    )
    complete_to, last = {}, {}
    for park, (_t0, t1) in span.iterrows():
        thr = float(thresholds.get(park, DEFAULT_MIN_REPORTING_RATE))
        sel = full["park_id"] == park
        ok = sel.to_numpy() & ~(rate < thr)  # NaN (nobody expected) does not cut the data
        ts = full["t"].to_numpy()[ok]
        complete_to[park] = _ym(ts.max() if len(ts) else t1)
        last[park] = _ym(t1)
    return Completeness(rates, missing, complete_to, last, dict(thresholds))


def month_ranges(months: list[tuple[int, int]]) -> str:
    """Compact Chinese text of sorted months: consecutive months of a year joined.

    >>> month_ranges([(2016, 3), (2016, 4), (2016, 5), (2016, 7), (2017, 1)])
    '2016年3-5月、7月,2017年1月'
    """
    by_year: dict[int, list[int]] = {}
    for y, m in months:
        by_year.setdefault(int(y), []).append(int(m))
    parts = []
    for y, ms in by_year.items():
        runs, start, prev = [], ms[0], ms[0]
        for m in [*ms[1:], None]:
            if m is not None and m == prev + 1:
                prev = m
                continue
            runs.append(f"{start}月" if start == prev else f"{start}-{prev}月")
            if m is not None:
                start = prev = m
        parts.append(f"{y}年" + "、".join(runs))
    return ",".join(parts)


def rate_text(rate: float, expected: int, reported: int) -> str:
    """The 报送率 as the report states it.

    >>> rate_text(0.5, 34, 17)
    '报送率 50.0%(应报 34 户·月,实报 17 户·月)'
    """
    return f"报送率 {rate * 100:.1f}%(应报 {expected} 户·月,实报 {reported} 户·月)"


@dataclass
class PeriodStatus:
    """Completeness of one park's period: what a report must say about its figures."""

    park: str
    label: str
    rate: float  # 0-1, NaN when nobody was expected
    expected: int
    reported: int
    prev_rate: float
    threshold: float
    complete_to: tuple[int, int] | None
    beyond: bool  # the period ends after the data's "complete to" month
    missing: pd.DataFrame  # 缺报 rows of the period (current year)

    @property
    def complete(self) -> bool:
        """True when every expected return of the period (and a year earlier) was filed."""
        full = (np.isnan(self.rate) or self.rate >= 1) and not self.beyond
        return bool(full and (np.isnan(self.prev_rate) or self.prev_rate >= 1))

    @property
    def sufficient(self) -> bool:
        """True when the period may be reported without ``--allow-incomplete``."""
        return not self.beyond and not (self.rate < self.threshold)

    def sentence(self, *, enterprises: bool = True) -> str:
        """The Chinese statement of the period's reporting, for reports and errors.

        ``enterprises=False`` (circulation copies) gives the number of enterprises with a
        缺报 instead of their ids.
        """
        parts = []
        if not np.isnan(self.rate):
            text = rate_text(self.rate, self.expected, self.reported)
            parts.append(f"{self.label}企业统计{text}")
        if self.beyond and self.complete_to is not None:
            y, m = self.complete_to
            parts.append(f"数据仅完整至 {y}年{m}月(此后月份多数企业尚未报送)")
        if not np.isnan(self.prev_rate) and self.prev_rate < 1:
            parts.append(f"上年同期报送率 {self.prev_rate * 100:.1f}%")
        if len(self.missing) and not enterprises:
            parts.append(f"缺报企业 {self.missing['enterprise_id'].nunique()} 家")
        elif len(self.missing):
            who = self.missing.groupby("enterprise_id", sort=True)
            listed = [
                f"{eid}({month_ranges(list(zip(g['year'], g['month'], strict=True)))})"
                for eid, g in list(who)[:10]
            ]
            more = f"等 {who.ngroups} 家" if who.ngroups > 10 else ""
            parts.append(f"缺报企业:{'、'.join(listed)}{more}")
        return ";".join(parts)


def period_status(ds, period, park: str | None = None) -> PeriodStatus:
    """The :class:`PeriodStatus` of ``period`` (a :class:`~parkanalysis.periods.Period`)."""
    pid = ds.resolve_park(park)
    c = ds.completeness
    rate, expected, reported = c.period_rate(pid, period.year, period.start_month, period.end_month)
    prev = c.period_rate(pid, period.year - 1, period.start_month, period.end_month)[0]
    end = c.complete_to.get(pid)
    beyond = end is not None and (period.year, period.end_month) > end
    return PeriodStatus(
        park=pid,
        label=period.label,
        rate=rate,
        expected=expected,
        reported=reported,
        prev_rate=prev,
        threshold=float(c.thresholds.get(pid, DEFAULT_MIN_REPORTING_RATE)),
        complete_to=end,
        beyond=beyond,
        missing=c.missing_in(pid, period.year, period.start_month, period.end_month),
    )


def require_complete(ds, period, park: str | None = None, *, allow_incomplete: bool = False):
    """Return the :class:`PeriodStatus`; raise when the period is too incomplete to report.

    Raises
    ------
    IncompleteDataError
        When the period's 报送率 is below ``completeness.min_reporting_rate`` or it ends after
        the data's "complete to" month, unless ``allow_incomplete``.
    """
    from parkanalysis.errors import IncompleteDataError

    status = period_status(ds, period, park)
    if not status.sufficient and not allow_incomplete:
        # the period's own rate, or its last months beyond the month the data are complete to
        why = (
            f"低于 park.yaml 的 completeness.min_reporting_rate ({status.threshold:g})"
            if status.rate < status.threshold
            else f"报告期末月超出数据完整月份,该月报送率低于 park.yaml 的 "
            f"completeness.min_reporting_rate ({status.threshold:g})"
        )
        raise IncompleteDataError(
            f"{status.sentence()}。{why},不出报告;请等各企业报齐或补报后再试。"
            "如确需据不完整数据出报告,请加 --allow-incomplete(报告中所有数字将标注为不完整)。"
        )
    return status
