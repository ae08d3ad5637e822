"""Economic indicators of a reporting period: levels, 同口径 growth, shares, 亩均 figures.

:func:`indicator_table` answers "what were the park's figures for 2016年1-5月": one row per
indicator with its value, its year-on-year growth on a **same-enterprise basis** (同口径) and,
where the statistics bureau published the figure, the published level and growth beside it.
:func:`indicator_table_by_park` does the same for every park of a provincial dataset in one
pass; :func:`trend_table` gives the 1-N月 series of one indicator for charts;
:func:`enterprise_table` gives the per-enterprise values behind them (used by
:mod:`parkanalysis.grading` and the exploration notebook).

Definitions (one place; the tests hold them):

* **Levels** of flows (产值, 增加值, 营业收入, 税收, 固定资产投资) are Σ of the enterprises' monthly
  values over the period's months; an indicator nobody reported is NaN, not 0.
* **从业人员** is a stock: Σ of the rows of the period's last month (5月末 for 1-5月).
* **规上** (above size) flows sum the industrial enterprises marked 规上 for the period's year
  (``ds.above_size``), which is the official 名录 basis; **规上工业企业数** counts those that are
  also in production by the period's last day, have not exited by then and have rows in the
  period.
* **新投产企业数** counts enterprises of the kind (工业 / 商贸) whose 投产日期 lies in the period.
* **同比** = Σ current / Σ previous − 1 over the enterprises with data for that indicator in
  both the period and the same months a year earlier; ``scope`` says "同口径(58家)" and
  ``prev_value`` is the previous-year Σ over that scope. The level (``value``) still counts
  every enterprise, so an enterprise that entered this year adds to the level but not to the
  growth, and one that exited is on neither side of the growth. Counts have no growth
  (``prev_value`` holds last year's count for reference).
  ``scope_value`` is the current Σ over the same scope, so that ``scope_value ÷ prev_value
  − 1`` is ``yoy_pct`` on the page.
* **全口径增长** (``all_yoy_pct``) = ``value`` ÷ ``all_prev_value`` − 1, where
  ``all_prev_value`` is the Σ of every enterprise with data a year earlier (entries and exits
  included); flows and 从业人员 only. It is what the totals alone say; 同口径 is the growth of
  the enterprises that were there both years. No previous data → ``yoy_pct`` and
  ``prev_value`` NaN; zero base → ``yoy_pct`` NaN, ``prev_value`` 0 and a note.
* **亩均** (per 亩) = Σ flow ÷ Σ land of the enterprises with land and data. An enterprise's
  land is the area of its parcels; a parcel used by *k* enterprises counts 1/*k* of its area
  for each, so areas add up and no parcel is counted twice. An enterprise linked to no parcel
  counts the 用地面积 of the register (``land_area_mu``) where given (the note says so).
  Flows are those of the period and are **not annualised** (the note says so for periods
  shorter than a year; for a year they are annual figures). The 公顷 variants (万元/公顷,
  开发区土地集约利用评价) are the same figures ×15.
  Their growth uses the same land on both sides, so it is the growth of the flow over the
  same-scope land-holding enterprises.
* **全员劳动生产率** = Σ 工业增加值 ÷ Σ average 从业人员 (each enterprise's mean over its months
  in the period) of the enterprises reporting both; not annualised either.
* **n_enterprises** is the number of enterprises behind ``value`` (what share mode needs to
  suppress aggregates of fewer than ``share.min_enterprises`` enterprises): for flows and the
  stock, the enterprises with data for that indicator in the period; for 亩均/地均 figures,
  those with land and data; for 劳动生产率, those with 增加值 and employees; for counts (规上
  企业数, 新投产企业数) the count itself — a count of enterprises is not an aggregate of their
  values; for 规上产值占比, the smaller of its two groups (规上 and other enterprises with
  output), because a share times the total discloses both parts. It describes the level only:
  the growth's basis is in ``scope`` ("同口径(n家)"). NaN where no figure is computed here
  (published-only rows) or, for the share, where the share itself is NaN.
* **Published figures** (``ds.published``) are matched on park, indicator and the *months* of
  the period (``2016H1`` is ``2016-01..2016-06``), converted to the row's unit when both are
  amounts of money, and shown as ``published_value`` / ``published_yoy_pct`` — the official
  growth is never recomputed. ``difference`` = ``value`` − ``published_value``. Published
  indicators that are not computed here appear as extra rows with ``value`` NaN.

Floating-point noise is removed by rounding numbers to 6 decimals (1 元 is 0.0001 万元).

Everything is vectorised: one pass of (year, month) masks over the monthly frame, sums per
enterprise with :func:`numpy.add.reduceat` on the frame's (park, enterprise, month) order,
same-scope sums and per-park totals with :func:`numpy.bincount`. No Python loop runs over
enterprises or parks (see ``benchmarks/indicators_speed.py``).
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.periods import Period, check_period_available, parse_period
from parkanalysis.units import parse_unit

__all__ = [
    "INDICATORS",
    "IndicatorSpec",
    "enterprise_table",
    "indicator_ids",
    "indicator_table",
    "indicator_table_by_park",
    "resolve_park",
    "resolve_period",
    "trend_table",
]


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: stable id, Chinese name, unit and how it is computed.

    ``kind`` is one of ``"flow"`` (summed over months), ``"stock"`` (period-end level),
    ``"count"`` (enterprises at period end), ``"new"`` (enterprises that started production
    in the period) and ``"ratio"``; ``column`` is the monthly column it is built on.
    """

    id: str
    name: str
    unit: str
    kind: str
    column: str | None = None


#: The indicators of :func:`indicator_table`, in the order of the table.
INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("industrial_output", "工业总产值", "万元", "flow", "output_wan_yuan"),
    IndicatorSpec("industrial_value_added", "工业增加值", "万元", "flow", "value_added_wan_yuan"),
    IndicatorSpec("above_size_output", "规模工业总产值", "万元", "flow", "output_wan_yuan"),
    IndicatorSpec(
        "above_size_value_added", "规模工业增加值", "万元", "flow", "value_added_wan_yuan"
    ),
    IndicatorSpec(
        "fixed_asset_investment",
        "固定资产投资",
        "万元",
        "flow",
        "fixed_asset_investment_wan_yuan",
    ),
    IndicatorSpec("tax_revenue", "税收", "万元", "flow", "tax_wan_yuan"),
    IndicatorSpec("revenue", "主营业务收入", "万元", "flow", "revenue_wan_yuan"),
    IndicatorSpec("employees", "从业人员", "人", "stock", "employees"),
    IndicatorSpec("above_size_enterprises", "规上工业企业数", "家", "count"),
    IndicatorSpec("new_industrial_enterprises", "新投产工业企业数", "家", "new"),
    IndicatorSpec("new_commercial_enterprises", "新投产商贸企业数", "家", "new"),
    IndicatorSpec("above_size_output_share", "规上产值占比", "%", "ratio", "output_wan_yuan"),
    IndicatorSpec("tax_per_mu", "亩均税收", "万元/亩", "ratio", "tax_wan_yuan"),
    IndicatorSpec("output_per_mu", "亩均产值", "万元/亩", "ratio", "output_wan_yuan"),
    IndicatorSpec("value_added_per_mu", "亩均增加值", "万元/亩", "ratio", "value_added_wan_yuan"),
    IndicatorSpec("tax_per_ha", "地均税收", "万元/公顷", "ratio", "tax_wan_yuan"),
    IndicatorSpec("output_per_ha", "地均产值", "万元/公顷", "ratio", "output_wan_yuan"),
    IndicatorSpec("value_added_per_ha", "地均增加值", "万元/公顷", "ratio", "value_added_wan_yuan"),
    IndicatorSpec(
        "labour_productivity", "全员劳动生产率", "万元/人", "ratio", "value_added_wan_yuan"
    ),
)
_SPECS = {s.id: s for s in INDICATORS}

#: Names of published-only indicators (rows of ``ds.published`` not computed here).
PUBLISHED_NAMES = {
    "above_size_profit": "规模以上工业利润总额",
    "above_size_revenue": "规模以上工业营业收入",
    "retail_sales": "社会消费品零售总额",
}

#: Flow columns of the monthly frame (summed over months).
FLOW_COLUMNS = (
    "output_wan_yuan",
    "value_added_wan_yuan",
    "revenue_wan_yuan",
    "tax_wan_yuan",
    "fixed_asset_investment_wan_yuan",
)
_MU_PER_HA = 15.0
_DECIMALS = 6
_COLUMNS = (
    "id",
    "name",
    "value",
    "unit",
    "yoy_pct",
    "prev_value",
    "scope",
    "published_value",
    "published_yoy_pct",
    "difference",
    "note",
    "n_enterprises",
)


def indicator_ids() -> list[str]:
    """Return the ids of :data:`INDICATORS`, in table order.

    Examples
    --------
    >>> indicator_ids()[:3]
    ['industrial_output', 'industrial_value_added', 'above_size_output']
    """
    return [s.id for s in INDICATORS]


# -- arguments ---------------------------------------------------------------------------------


def resolve_period(ds: Any, period: str | int | Period) -> Period:
    """Parse ``period`` and check it against the data's months and the 1-2月 convention.

    Parameters
    ----------
    ds : Dataset
    period : str, int or Period
        Anything :func:`parkanalysis.periods.parse_period` reads.

    Returns
    -------
    Period

    Raises
    ------
    PeriodError
        For unreadable text, months outside the data ("数据覆盖 2012年1月至2016年6月"), a
        January-only or February-only period when 1月 and 2月 are published together, or a
        dataset without monthly data.
    """
    p = parse_period(period)
    span = _prepare(ds).month_range
    if span is None:
        raise PeriodError(f"{p.label} 无法计算:数据集没有企业月度统计数据。")
    return check_period_available(
        p, first_month=span[0], last_month=span[1], jan_feb_combined=bool(ds.jan_feb_combined)
    )


def resolve_park(ds: Any, park: str | None) -> str:
    """Return the park to report on (see :meth:`parkanalysis.dataset.Dataset.resolve_park`).

    For several parks at once use :func:`indicator_table_by_park`.
    """
    return ds.resolve_park(park)


# -- public tables ------------------------------------------------------------------------------


def indicator_table(
    ds: Any, period: str | int | Period, *, park: str | None = None
) -> pd.DataFrame:
    """Compute every indicator of one park for one period.

    Parameters
    ----------
    ds : Dataset
        From :func:`parkanalysis.dataset.load_dataset`.
    period : str, int or Period
        ``"2016年1-5月"``, ``"2016-01..2016-05"``, ``"2016-05"``, ``"2016Q2"``, ``"2016H1"``,
        ``2016`` …; checked against the data's months and the 1-2月 convention.
    park : str, optional
        Park id; may be omitted when the dataset holds one park.

    Returns
    -------
    DataFrame
        One row per indicator of :data:`INDICATORS` (then any published-only indicators),
        columns ``id, name, value, unit, yoy_pct, prev_value, scope, scope_value,
        all_yoy_pct, all_prev_value, published_value, published_yoy_pct, difference, note,
        n_enterprises``; see the module docstring for definitions.

    Raises
    ------
    PeriodError
        For an unreadable period or one outside the data.
    ParameterError
        For an unknown park, or none given in a multi-park dataset.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = indicator_table(load_dataset("data/sample"), "2016年1-5月").set_index("id")
    >>> t.loc[["tax_revenue", "employees", "above_size_enterprises"], "value"].tolist()
    [3126.0, 3378.0, 11.0]
    >>> t.loc["tax_revenue", "scope"]
    '同口径(50家)'
    """
    p = resolve_period(ds, period)
    pid = resolve_park(ds, park)
    return _table(ds, p, [pid]).drop(columns="park_id").reset_index(drop=True)


def indicator_table_by_park(
    ds: Any, period: str | int | Period, *, parks: Sequence[str] | None = None
) -> pd.DataFrame:
    """Compute every indicator for every park (or the given ones) in one pass.

    Parameters
    ----------
    ds : Dataset
    period : str, int or Period
    parks : sequence of str, optional
        Park ids; default all parks of the dataset, in profile order.

    Returns
    -------
    DataFrame
        ``park_id`` then the columns of :func:`indicator_table`; the rows of each park together,
        parks in the order asked, indicators in table order.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = indicator_table_by_park(load_dataset("data/sample"), "2016Q1")
    >>> t[["park_id", "id"]].head(2).to_numpy().tolist()
    [['GMY', 'industrial_output'], ['GMY', 'industrial_value_added']]
    """
    p = resolve_period(ds, period)
    chosen = list(ds.parks) if parks is None else [resolve_park(ds, x) for x in parks]
    return _table(ds, p, chosen)


def enterprise_table(
    ds: Any, period: str | int | Period, *, park: str | None = None
) -> pd.DataFrame:
    """Per-enterprise values of one park for one period, with the previous year's beside them.

    Parameters
    ----------
    ds : Dataset
    period : str, int or Period
    park : str, optional
        May be omitted when the dataset holds one park.

    Returns
    -------
    DataFrame
        One row per enterprise with rows in the period or its previous-year months, or in
        production and not exited at the period's end; registry order. Columns:
        ``enterprise_id, name, kind, industry_code, above_size`` (规上 for the year),
        ``in_production, exited`` (at the period's last day), ``has_data`` (rows in the
        period), ``area_mu`` (apportioned land; NaN without land, never 0), the flows
        ``output_wan_yuan, value_added_wan_yuan, revenue_wan_yuan, tax_wan_yuan,
        fixed_asset_investment_wan_yuan``, ``employees`` (period end), ``avg_employees``,
        the same with a ``prev_`` prefix for the previous-year months, and
        ``tax_per_mu, output_per_mu, value_added_per_mu, revenue_per_mu``,
        ``labour_productivity`` (not annualised; NaN without land or employees).

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> e = enterprise_table(load_dataset("data/sample"), "2016年1-5月")
    >>> round(float(e["tax_wan_yuan"].sum()), 1), int(e["employees"].sum())
    (3126.0, 3378)
    """
    p = resolve_period(ds, period)
    pid = resolve_park(ds, park)
    core = _collect(ds, p, [pid])
    return _enterprise_frame(core)


def trend_table(ds: Any, indicator_id: str, *, year: int, park: str | None = None) -> pd.DataFrame:
    """The 1-N月 cumulative series of one indicator through a year, for charts.

    Parameters
    ----------
    ds : Dataset
    indicator_id : str
        An id of :data:`INDICATORS`.
    year : int
        Calendar year; the series runs to the last month with data in that year.
    park : str, optional
        May be omitted when the dataset holds one park.

    Returns
    -------
    DataFrame
        Columns ``label`` ("1-5月"), ``period`` (canonical string), ``value`` (1-N月累计; for
        stocks and counts at period end the level at that month's end), ``yoy_pct``
        (同口径, as in :func:`indicator_table`) and ``monthly_value`` (the month's own value:
        the difference of consecutive cumulative values for flows and new enterprises, the
        level itself for stocks and counts, NaN for ratios). Under the 1-2月 convention the
        series starts at 1-2月, whose ``monthly_value`` is January and February together.

    Raises
    ------
    ParameterError
        For an unknown indicator or park.
    PeriodError
        When the data do not cover January to some month of ``year``.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = trend_table(load_dataset("data/sample"), "tax_revenue", year=2016)
    >>> t["label"].tolist()
    ['1-2月', '1-3月', '1-4月', '1-5月', '1-6月']
    >>> round(float(t.loc[3, "value"]), 1)
    3126.0
    """
    if indicator_id not in _SPECS:
        raise ParameterError(f"未知的指标 {indicator_id!r};可用:{'、'.join(indicator_ids())}")
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        raise ParameterError(f"year 应为整数年份,得到 {year!r}")
    pid = resolve_park(ds, park)
    span = ds.month_range
    if span is None:
        raise PeriodError(f"{year}年 无法计算:数据集没有企业月度统计数据。")
    (y0, _), (y1, m1) = span
    if not y0 <= int(year) <= y1:
        raise PeriodError(f"{year}年 超出数据范围:数据覆盖 {y0}年至{y1}年。")
    last = m1 if int(year) == y1 else 12
    first = 2 if ds.jan_feb_combined else 1
    if last < first:
        raise PeriodError(f"{year}年 只有1月数据,而1月和2月数据合并发布;请等2月数据。")
    spec = _SPECS[indicator_id]
    labels, periods, values, yoys = [], [], [], []
    for end in range(first, last + 1):
        p = resolve_period(ds, Period.of_cumulative(int(year), end))
        row = _table(ds, p, [pid]).set_index("id").loc[indicator_id]
        labels.append(p.short_label)
        periods.append(str(p))
        values.append(float(row["value"]))
        yoys.append(float(row["yoy_pct"]))
    value = np.asarray(values, dtype="float64")
    if spec.kind in ("flow", "new"):
        monthly = np.diff(value, prepend=0.0)
    elif spec.kind in ("stock", "count"):
        monthly = value.copy()
    else:
        monthly = np.full(len(value), np.nan)
    return pd.DataFrame(
        {
            "label": pd.Series(labels, dtype="str"),
            "period": pd.Series(periods, dtype="str"),
            "value": value,
            "yoy_pct": np.asarray(yoys, dtype="float64"),
            "monthly_value": np.round(monthly, _DECIMALS),
        }
    )


# -- the per-enterprise core ------------------------------------------------------------------


@dataclass
class _Prepared:
    """Period-independent arrays of one dataset, computed once and reused.

    Registry rows are those of ``ds.enterprises``; ``rkey`` is the integer key of each row in
    the monthly frame (park code · n_e + enterprise code, −1 without monthly rows).
    """

    idents: tuple[int, ...]
    month_range: tuple[tuple[int, int], tuple[int, int]] | None
    year: np.ndarray
    month: np.ndarray
    pc: np.ndarray  # park code of each monthly row
    ec: np.ndarray  # enterprise code of each monthly row
    n_e: int
    park_codes: pd.Index  # park ids of the monthly categories
    order: np.ndarray  # registry rows sorted by rkey
    sorted_keys: np.ndarray
    reg_park: np.ndarray  # park id (object) of each registry row
    area_mu: np.ndarray
    industrial: np.ndarray
    commercial: np.ndarray
    start_d: np.ndarray
    exit_d: np.ndarray
    above_year: np.ndarray  # rows of ds.above_size that are True: year …
    above_row: np.ndarray  # … and registry row (−1 when unknown)


#: Prepared arrays per Dataset object (weak: they go with the dataset).
_PREPARED: weakref.WeakKeyDictionary[Any, _Prepared] = weakref.WeakKeyDictionary()
_FRAMES_USED = ("monthly", "enterprises", "parcels", "above_size")


def _prepare(ds: Any) -> _Prepared:
    """Return the period-independent arrays of ``ds``, from the cache when the frames agree.

    The frames of a :class:`~parkanalysis.dataset.Dataset` are read-only by contract; a frame
    replaced by another object invalidates the cache (one modified in place does not).
    """
    idents = tuple(id(getattr(ds, name)) for name in _FRAMES_USED)
    try:
        hit = _PREPARED.get(ds)
    except TypeError:  # not weak-referenceable: compute every time
        hit = None
    if hit is not None and hit.idents == idents:
        return hit
    m, ent = ds.monthly, ds.enterprises
    pcats = m["park_id"].cat.categories
    ecats = m["enterprise_id"].cat.categories
    n_e = max(len(ecats), 1)
    rp = pcats.get_indexer(ent["park_id"])
    re_ = ecats.get_indexer(ent["enterprise_id"])
    rkey = np.where((rp >= 0) & (re_ >= 0), rp.astype("int64") * n_e + re_, -1)
    order = np.argsort(rkey, kind="stable")
    kind = ent["kind"].to_numpy(dtype=object)
    sorted_keys = rkey[order]
    a = ds.above_size
    keep = a["above_size"].to_numpy(dtype=bool)
    ap = pcats.get_indexer(a["park_id"].to_numpy(dtype=object)[keep])
    ae = ecats.get_indexer(a["enterprise_id"].to_numpy(dtype=object)[keep])
    akey = np.where((ap >= 0) & (ae >= 0), ap.astype("int64") * n_e + ae, -2)
    pos = np.minimum(np.searchsorted(sorted_keys, akey), max(len(sorted_keys) - 1, 0))
    found = (sorted_keys[pos] == akey) if len(sorted_keys) else np.zeros(len(akey), bool)
    above_row = np.where(found, order[pos] if len(order) else -1, -1)
    prepared = _Prepared(
        idents=idents,
        month_range=getattr(ds, "reported_range", None) or ds.month_range,
        year=m["year"].to_numpy(),
        month=m["month"].to_numpy(),
        pc=m["park_id"].cat.codes.to_numpy(),
        ec=m["enterprise_id"].cat.codes.to_numpy(),
        n_e=n_e,
        park_codes=pcats,
        order=order,
        sorted_keys=sorted_keys,
        reg_park=ent["park_id"].to_numpy(dtype=object),
        area_mu=_with_register_area(ent, _enterprise_area(ent, ds.parcels)),
        industrial=kind == "工业",
        commercial=kind == "商贸",
        start_d=ent["production_start_date"].to_numpy(dtype="datetime64[ns]"),
        exit_d=ent["exit_date"].to_numpy(dtype="datetime64[ns]"),
        above_year=a["year"].to_numpy()[keep],
        above_row=above_row,
    )
    with contextlib.suppress(TypeError):  # not weak-referenceable: no cache
        _PREPARED[ds] = prepared
    return prepared


@dataclass
class _Side:
    """Per-enterprise values of one period (arrays aligned with the registry rows)."""

    flows: dict[str, np.ndarray]  # Σ over months, NaN when not reported
    employees: np.ndarray  # at the period's last month
    avg_employees: np.ndarray  # mean over reported months
    has_rows: np.ndarray  # bool
    any_rows_by_park: np.ndarray  # bool per park: the park has rows in the period
    above: np.ndarray  # bool: industrial and 规上 in the period's year
    in_production: np.ndarray  # bool at the period's last day
    exited: np.ndarray  # bool at the period's last day
    new: np.ndarray  # bool: production started inside the period


@dataclass
class _Core:
    """Everything the tables need for one period and a set of parks.

    Arrays run over all registry rows; ``park_pos`` is the position of a row's park in
    ``parks``, or ``len(parks)`` (a discard bin) for parks not asked for.
    """

    period: Period
    parks: list[str]
    registry: pd.DataFrame
    park_pos: np.ndarray
    segments: tuple[np.ndarray, np.ndarray] | None  # (starts, parks) when park_pos is sorted
    area_mu: np.ndarray
    industrial: np.ndarray
    commercial: np.ndarray
    cur: _Side
    prev: _Side | None  # None when the previous year is before MIN_YEAR
    #: registry rows without 缺报 in the period's months of either year (the growth scope)
    complete: np.ndarray | None = None


def _collect(ds: Any, period: Period, parks: list[str]) -> _Core:
    """Per-enterprise sums of the period and of the same months a year earlier."""
    prep = _prepare(ds)
    park_pos = pd.Index(parks).get_indexer(prep.reg_park)
    park_pos = np.where(park_pos >= 0, park_pos, len(parks))
    park_ok = np.zeros(len(prep.park_codes) + 1, dtype=bool)
    wanted = prep.park_codes.get_indexer(pd.Index(parks))
    park_ok[wanted[wanted >= 0]] = True
    try:
        prev_period = period.previous_year()
    except PeriodError:
        prev_period = None
    idx_cur, idx_prev = _period_rows(prep, period, park_ok)
    complete = ~_missing_mask(ds, prep, period)
    if prev_period is not None:
        complete &= ~_missing_mask(ds, prep, prev_period)
    return _Core(
        complete=complete,
        period=period,
        parks=list(parks),
        registry=ds.enterprises,
        park_pos=park_pos,
        segments=_segments(park_pos, len(parks)),
        area_mu=prep.area_mu,
        industrial=prep.industrial,
        commercial=prep.commercial,
        cur=_side(ds.monthly, prep, period, idx_cur, park_pos, len(parks)),
        prev=(
            _side(ds.monthly, prep, prev_period, idx_prev, park_pos, len(parks))
            if prev_period is not None
            else None
        ),
    )


def _missing_mask(ds: Any, prep: _Prepared, p: Period) -> np.ndarray:
    """Registry rows with a 缺报 (missing report) in the months of ``p``."""
    out = np.zeros(len(prep.reg_park), dtype=bool)
    status = getattr(ds, "completeness", None)
    if status is None:
        return out
    miss = status.missing_in(None, p.year, p.start_month, p.end_month)
    if miss.empty:
        return out
    reg = pd.MultiIndex.from_arrays(
        [prep.reg_park.astype(str), ds.enterprises["enterprise_id"].astype("str").to_numpy()]
    )
    hit = reg.get_indexer(pd.MultiIndex.from_arrays([miss["park_id"], miss["enterprise_id"]]))
    out[hit[hit >= 0]] = True
    return out


def _segments(park_pos: np.ndarray, n_parks: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Start row and park of each non-empty run when ``park_pos`` is non-decreasing."""
    if len(park_pos) > 1 and not (park_pos[1:] >= park_pos[:-1]).all():
        return None
    bounds = np.searchsorted(park_pos, np.arange(n_parks + 2))
    nonempty = np.flatnonzero(bounds[1:] > bounds[:-1])
    return bounds[nonempty], nonempty


def _period_rows(prep: _Prepared, p: Period, park_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monthly row numbers of ``p`` and of its months a year earlier (one pass of masks)."""
    year, month = prep.year, prep.month
    if prep.month_range is not None and p.year >= prep.month_range[1][0]:
        mask = year >= p.year - 1  # no later years in the data
    else:
        mask = (year - (p.year - 1)).view(np.uint64) <= 1  # this year or the previous one
    if p.start_month > 1:
        mask &= month >= p.start_month
    if p.end_month < 12:
        mask &= month <= p.end_month
    idx = np.flatnonzero(mask)
    if not park_ok[:-1].all():
        idx = idx[park_ok[prep.pc[idx]]]
    cur = year[idx] == p.year
    return idx[cur], idx[~cur]


def _side(
    m: pd.DataFrame,
    prep: _Prepared,
    p: Period,
    idx: np.ndarray,
    park_pos: np.ndarray,
    n_parks: int,
) -> _Side:
    """Σ per enterprise over the monthly rows ``idx`` (rows of one enterprise are adjacent)."""
    month = prep.month
    n = len(park_pos)
    keys = prep.pc[idx].astype("int64") * prep.n_e + prep.ec[idx]
    if len(keys) > 1 and not (keys[1:] >= keys[:-1]).all():  # the loader sorts; stay safe
        o = np.argsort(keys, kind="stable")
        idx, keys = idx[o], keys[o]
    flows = {c: np.full(n, np.nan) for c in FLOW_COLUMNS}
    employees = np.full(n, np.nan)
    avg_emp = np.full(n, np.nan)
    has_rows = np.zeros(n, dtype=bool)
    if len(idx) and len(prep.sorted_keys):
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)] - 1
        pos = np.minimum(np.searchsorted(prep.sorted_keys, keys[starts]), n - 1)
        found = prep.sorted_keys[pos] == keys[starts]
        at = prep.order[pos[found]]  # registry rows of the groups
        has_rows[at] = True
        for c in (*FLOW_COLUMNS, "employees"):
            v = m[c].to_numpy()[idx]
            total, count = _group_sums(v, starts)
            if c == "employees":
                avg_emp[at] = (total / np.maximum(count, 1))[found]
                last = np.where(month[idx[ends]] == p.end_month, v[ends], np.nan)
                employees[at] = last[found]
            else:
                flows[c][at] = total[found]
    any_rows = np.bincount(park_pos[has_rows], minlength=n_parks + 1)[:n_parks] > 0
    first_day = np.datetime64(f"{p.year:04d}-{p.start_month:02d}-01", "ns")
    last_day = (np.datetime64(f"{p.year:04d}-{p.end_month:02d}", "M") + 1).astype(
        "datetime64[ns]"
    ) - np.timedelta64(1, "D")
    above = np.zeros(n, dtype=bool)
    rows = prep.above_row[(prep.above_year == p.year) & (prep.above_row >= 0)]
    above[rows] = True
    return _Side(
        flows=flows,
        employees=employees,
        avg_employees=avg_emp,
        has_rows=has_rows,
        any_rows_by_park=any_rows,
        above=above & prep.industrial,
        in_production=prep.start_d <= last_day,  # NaT compares False: not in production
        exited=prep.exit_d <= last_day,
        new=(prep.start_d >= first_day) & (prep.start_d <= last_day),
    )


def _group_sums(v: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN-skipping sums of consecutive groups (NaN where a group has no value) and counts."""
    bad = np.isnan(v)
    if not bad.any():
        return np.add.reduceat(v, starts), np.diff(np.r_[starts, len(v)])
    ok = ~bad
    total = np.add.reduceat(np.where(ok, v, 0.0), starts)
    count = np.add.reduceat(ok.view(np.int8), starts, dtype=np.int64)
    return np.where(count > 0, total, np.nan), count


def _enterprise_area(ent: pd.DataFrame, parcels: pd.DataFrame) -> np.ndarray:
    """Land of each enterprise in 亩; a parcel shared by k enterprises gives each 1/k.

    Examples
    --------
    >>> ent = pd.DataFrame({"park_id": ["P", "P", "P"], "parcel_ids": [("a", "b"), ("b",), ()]})
    >>> parcels = pd.DataFrame({"park_id": ["P", "P"], "parcel_id": ["a", "b"],
    ...                         "area_mu": [10.0, 4.0]})
    >>> _enterprise_area(ent, parcels).tolist()
    [12.0, 2.0, 0.0]
    """
    n = len(ent)
    if n == 0 or parcels.empty:
        return np.zeros(n)
    lists = ent["parcel_ids"].to_numpy(dtype=object)
    try:
        lens = np.fromiter(map(len, lists), dtype="int64", count=n)
    except TypeError:  # a blank cell that is not an empty tuple
        lists = np.array([x if isinstance(x, tuple | list) else () for x in lists], dtype=object)
        lens = np.fromiter(map(len, lists), dtype="int64", count=n)
    total = int(lens.sum())
    if total == 0:
        return np.zeros(n)
    owner = np.repeat(np.arange(n), lens)
    flat = np.fromiter(itertools.chain.from_iterable(lists), dtype=object, count=total)
    n_par = len(parcels)
    # integer keys of (park, parcel) for the ledger and for the enterprises' lists
    park_code, _ = pd.factorize(
        np.concatenate(
            [
                parcels["park_id"].to_numpy(dtype=object),
                ent["park_id"].to_numpy(dtype=object)[owner],
            ]
        )
    )
    parcel_code, uniques = pd.factorize(
        np.concatenate([parcels["parcel_id"].to_numpy(dtype=object), flat])
    )
    key = park_code.astype("int64") * max(len(uniques), 1) + parcel_code
    ledger, first = np.unique(key[:n_par], return_index=True)
    pos = np.minimum(np.searchsorted(ledger, key[n_par:]), len(ledger) - 1)
    ok = ledger[pos] == key[n_par:]
    owner, hit = owner[ok], first[pos[ok]]
    users = np.bincount(hit, minlength=n_par)
    share = parcels["area_mu"].to_numpy(dtype="float64")[hit] / users[hit]
    return np.bincount(owner, weights=np.nan_to_num(share), minlength=n)


def _with_register_area(ent: pd.DataFrame, linked: np.ndarray) -> np.ndarray:
    """Linked parcel land, else the register's own 用地面积 (``land_area_mu``), in 亩.

    >>> ent = pd.DataFrame({"land_area_mu": [30.0, 8.0, np.nan]})
    >>> _with_register_area(ent, np.array([12.0, 0.0, 0.0])).tolist()
    [12.0, 8.0, 0.0]
    """
    if "land_area_mu" not in ent.columns:
        return linked
    own = np.nan_to_num(ent["land_area_mu"].to_numpy(dtype="float64", na_value=np.nan))
    return np.where(linked > 0, linked, np.maximum(own, 0.0))


# -- per-park aggregation -----------------------------------------------------------------------


def _by_park(core: _Core, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Σ ``values[mask]`` per park (the discard bin of parks not asked for dropped)."""
    return _park_reduce(core, np.where(mask, values, 0.0))


def _count(core: _Core, mask: np.ndarray) -> np.ndarray:
    """Number of registry rows in ``mask`` per park, as float."""
    return _park_reduce(core, mask.view(np.int8)).astype("float64")


def _park_reduce(core: _Core, w: np.ndarray) -> np.ndarray:
    P = len(core.parks)
    if core.segments is None:
        return np.bincount(core.park_pos, weights=w, minlength=P + 1)[:P]
    starts, nonempty = core.segments  # registry grouped by park: one reduceat
    out = np.zeros(P + 1, dtype="float64" if w.dtype.kind == "f" else "int64")
    if len(starts):
        out[nonempty] = np.add.reduceat(w, starts, dtype=out.dtype)
    return out[:P]


@dataclass
class _Result:
    """Per-park arrays of one indicator."""

    value: np.ndarray
    prev_value: np.ndarray
    yoy_pct: np.ndarray
    scope_n: np.ndarray  # -1: no scope label
    note: np.ndarray  # object array of str
    n: np.ndarray  # enterprises behind ``value`` (see ``n_enterprises`` in the docstring)
    scope_value: np.ndarray | None = None  # Σ current over the 同口径 scope (flows, stock)
    all_prev: np.ndarray | None = None  # Σ previous over every enterprise with data then


def _growth(core: _Core, cur_num, prev_num, n_scope, *, prev_den=None, cur_den=None):
    """Same-scope growth in percent, previous value and notes (per park)."""
    P = len(core.parks)
    prev_any = core.prev.any_rows_by_park if core.prev is not None else np.zeros(P, bool)
    has_scope = n_scope > 0
    if prev_den is None:
        prev_val = np.where(has_scope, prev_num, np.nan)
        cur_val = cur_num
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            prev_val = np.where(has_scope & (prev_den > 0), prev_num / prev_den, np.nan)
            cur_val = np.where(cur_den > 0, cur_num / cur_den, np.nan)
    ok = has_scope & (prev_val > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        yoy = np.where(ok, (cur_val / np.where(ok, prev_val, 1.0) - 1.0) * 100.0, np.nan)
    note = np.full(P, "", dtype=object)
    note[~prev_any] = "上年同期无数据"
    note[prev_any & ~has_scope] = "上年同期无同口径企业数据"
    note[has_scope & (prev_val == 0)] = "上年同期为零,不计算增速"
    note[has_scope & (prev_val < 0)] = "上年同期为负,不计算增速"
    return prev_val, yoy, note


def _flow(core: _Core, column: str, member: np.ndarray | None = None) -> _Result:
    cur = core.cur.flows[column]
    has_c = ~np.isnan(cur)
    if member is not None:
        has_c &= member
    n_c = _count(core, has_c)
    value = np.where(n_c > 0, _by_park(core, cur, has_c), np.nan)
    if core.prev is None:
        return _no_prev(core, value, n_c)
    prev = core.prev.flows[column]
    both = has_c & ~np.isnan(prev) & _complete(core)
    n_s = _count(core, both)
    cur_s = _by_park(core, cur, both)
    prev_val, yoy, note = _growth(core, cur_s, _by_park(core, prev, both), n_s)
    has_p = ~np.isnan(prev) & (member if member is not None else True)
    return _Result(
        value, prev_val, yoy, np.where(n_s > 0, n_s, -1), note, n_c,
        np.where(n_s > 0, cur_s, np.nan), _all_prev(core, prev, has_p),
    )  # fmt: skip


def _all_prev(core: _Core, prev: np.ndarray, has_p: np.ndarray) -> np.ndarray:
    """Σ of the previous year's values of every enterprise with data then (NaN if none)."""
    return np.where(_count(core, has_p) > 0, _by_park(core, prev, has_p), np.nan)


def _complete(core: _Core) -> np.ndarray:
    """Rows that may enter a 同口径 scope: no 缺报 in the period of either year."""
    return np.ones(len(core.park_pos), bool) if core.complete is None else core.complete


def _no_prev(core: _Core, value: np.ndarray, n: np.ndarray) -> _Result:
    P = len(core.parks)
    return _Result(
        value, np.full(P, np.nan), np.full(P, np.nan), np.full(P, -1.0),
        np.full(P, "上年同期无数据", dtype=object), n,
    )  # fmt: skip


def _stock(core: _Core) -> _Result:
    cur = core.cur.employees
    has_c = ~np.isnan(cur)
    n_c = _count(core, has_c)
    value = np.where(n_c > 0, _by_park(core, cur, has_c), np.nan)
    if core.prev is None:
        return _no_prev(core, value, n_c)
    prev = core.prev.employees
    both = has_c & ~np.isnan(prev) & _complete(core)
    n_s = _count(core, both)
    cur_s = _by_park(core, cur, both)
    prev_val, yoy, note = _growth(core, cur_s, _by_park(core, prev, both), n_s)
    return _Result(
        value, prev_val, yoy, np.where(n_s > 0, n_s, -1), note, n_c,
        np.where(n_s > 0, cur_s, np.nan), _all_prev(core, prev, ~np.isnan(prev)),
    )  # fmt: skip


def _above_count_mask(side: _Side, industrial: np.ndarray) -> np.ndarray:
    return industrial & side.above & side.in_production & ~side.exited & side.has_rows


def _counts(core: _Core, cur_mask: np.ndarray, prev_mask: np.ndarray | None) -> _Result:
    P = len(core.parks)
    prev = _count(core, prev_mask) if prev_mask is not None else np.full(P, np.nan)
    value = _count(core, cur_mask)
    return _Result(
        value, prev, np.full(P, np.nan), np.full(P, -1.0),
        np.full(P, "", dtype=object), value.copy(),
    )  # fmt: skip


def _share(core: _Core) -> _Result:
    def share(side: _Side) -> np.ndarray:
        out = side.flows["output_wan_yuan"]
        has = ~np.isnan(out)
        total = _by_park(core, out, has)
        above = _by_park(core, out, has & side.above)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((_count(core, has) > 0) & (total > 0), above / total * 100, np.nan)

    P = len(core.parks)
    prev = share(core.prev) if core.prev is not None else np.full(P, np.nan)
    note = np.full(P, "规上工业总产值占工业总产值的比重;占比不计同比", dtype=object)
    has = ~np.isnan(core.cur.flows["output_wan_yuan"])
    n_above = _count(core, has & core.cur.above)
    n_other = _count(core, has & ~core.cur.above)
    value = share(core.cur)
    # a share reveals both parts (share × total): the smaller group is what it discloses
    n = np.where(np.isnan(value), np.nan, np.minimum(n_above, n_other))
    return _Result(value, prev, np.full(P, np.nan), np.full(P, -1.0), note, n)


def _per_area(core: _Core, column: str, factor: float) -> _Result:
    land = core.area_mu > 0
    cur = core.cur.flows[column]
    has_c = ~np.isnan(cur) & land
    area_c = _by_park(core, core.area_mu, has_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(area_c > 0, _by_park(core, cur, has_c) / area_c * factor, np.nan)
    n_c = _count(core, has_c)
    if core.prev is None:
        return _no_prev(core, value, n_c)
    prev = core.prev.flows[column]
    both = has_c & ~np.isnan(prev) & _complete(core)
    n_s = _count(core, both)
    area_s = _by_park(core, core.area_mu, both)
    prev_val, yoy, note = _growth(
        core,
        _by_park(core, cur, both),
        _by_park(core, prev, both),
        n_s,
        prev_den=area_s / factor,
        cur_den=area_s / factor,
    )
    note = np.where(area_c > 0, note, "无有用地面积的企业数据")
    return _Result(value, prev_val, yoy, np.where(n_s > 0, n_s, -1), note, n_c)


def _productivity(core: _Core) -> _Result:
    def usable(side: _Side) -> np.ndarray:
        va = side.flows["value_added_wan_yuan"]
        return ~np.isnan(va) & (np.nan_to_num(side.avg_employees) > 0)

    c = core.cur
    has_c = usable(c)
    va_c, emp_c = c.flows["value_added_wan_yuan"], c.avg_employees
    den = _by_park(core, emp_c, has_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, _by_park(core, va_c, has_c) / den, np.nan)
    n_c = _count(core, has_c)
    if core.prev is None:
        return _no_prev(core, value, n_c)
    p = core.prev
    both = has_c & usable(p) & _complete(core)
    n_s = _count(core, both)
    prev_val, yoy, note = _growth(
        core,
        _by_park(core, va_c, both),
        _by_park(core, p.flows["value_added_wan_yuan"], both),
        n_s,
        prev_den=_by_park(core, p.avg_employees, both),
        cur_den=_by_park(core, emp_c, both),
    )
    return _Result(value, prev_val, yoy, np.where(n_s > 0, n_s, -1), note, n_c)


def _compute(core: _Core) -> dict[str, _Result]:
    cur, prev = core.cur, core.prev
    above_cur = cur.above
    results: dict[str, _Result] = {
        "industrial_output": _flow(core, "output_wan_yuan"),
        "industrial_value_added": _flow(core, "value_added_wan_yuan"),
        "above_size_output": _flow(core, "output_wan_yuan", above_cur),
        "above_size_value_added": _flow(core, "value_added_wan_yuan", above_cur),
        "fixed_asset_investment": _flow(core, "fixed_asset_investment_wan_yuan"),
        "tax_revenue": _flow(core, "tax_wan_yuan"),
        "revenue": _flow(core, "revenue_wan_yuan"),
        "employees": _stock(core),
        "above_size_enterprises": _counts(
            core,
            _above_count_mask(cur, core.industrial),
            _above_count_mask(prev, core.industrial) if prev is not None else None,
        ),
        "new_industrial_enterprises": _counts(
            core,
            cur.new & core.industrial,
            prev.new & core.industrial if prev is not None else None,
        ),
        "new_commercial_enterprises": _counts(
            core,
            cur.new & core.commercial,
            prev.new & core.commercial if prev is not None else None,
        ),
        "above_size_output_share": _share(core),
        "tax_per_mu": _per_area(core, "tax_wan_yuan", 1.0),
        "output_per_mu": _per_area(core, "output_wan_yuan", 1.0),
        "value_added_per_mu": _per_area(core, "value_added_wan_yuan", 1.0),
        "tax_per_ha": _per_area(core, "tax_wan_yuan", _MU_PER_HA),
        "output_per_ha": _per_area(core, "output_wan_yuan", _MU_PER_HA),
        "value_added_per_ha": _per_area(core, "value_added_wan_yuan", _MU_PER_HA),
        "labour_productivity": _productivity(core),
    }
    return results


def _period_notes(core: _Core) -> dict[str, str]:
    p = core.period
    span = "" if p.n_months == 12 else f"{p.short_label}累计值,未年化"
    land = "用地按企业使用地块面积计(共用地块按企业数均摊)"
    reg = core.registry
    if "land_area_mu" in reg.columns and (reg["land_area_mu"].to_numpy(dtype="float64") > 0).any():
        land = "用地按企业使用地块面积计(共用地块按企业数均摊;未关联地块的按企业名录的用地面积)"
    per_area = ";".join(x for x in (span, land) if x)
    return {
        "employees": f"期末({p.end_month}月末)人数",
        "above_size_enterprises": f"规上工业企业中截至{p.end_month}月末在产、未退出且本期有数据的",
        "new_industrial_enterprises": "投产日期在本期内",
        "new_commercial_enterprises": "投产日期在本期内",
        "tax_per_mu": per_area,
        "output_per_mu": per_area,
        "value_added_per_mu": per_area,
        "tax_per_ha": per_area,
        "output_per_ha": per_area,
        "value_added_per_ha": per_area,
        "labour_productivity": ";".join(x for x in (span, "工业增加值÷平均从业人员") if x),
    }


def _table(ds: Any, period: Period, parks: list[str]) -> pd.DataFrame:
    """The indicator rows of ``parks`` (park-major), published figures attached."""
    core = _collect(ds, period, parks)
    results = _compute(core)
    P, ids = len(parks), list(_SPECS)
    I = len(ids)  # noqa: E741
    nan = np.full(P, np.nan)
    stack = {
        f: np.vstack([_or(getattr(results[i], f), nan) for i in ids]).T
        for f in _Result.__annotations__
    }
    base = _period_notes(core)
    notes = _join_notes(
        np.array([base.get(i, "") for i in ids], dtype=object)[None, :], stack["note"]
    )
    kinds = np.array([_SPECS[i].kind for i in ids])
    no_rows = np.where(kinds == "new", "", "本期无企业统计数据").astype(object)
    empty = ~core.cur.any_rows_by_park
    notes = np.where(empty[:, None], _join_notes(no_rows[None, :], notes), notes).ravel()
    scope_n = stack["scope_n"].ravel()
    scope = np.full(P * I, "", dtype=object)
    has = scope_n >= 0
    scope[has] = [f"同口径({n}家)" for n in scope_n[has].astype("int64").tolist()]
    rates, prev_rates, excluded = _reporting(ds, core)
    excl = np.repeat(excluded, I)
    cut = has & (excl > 0)
    scope[cut] = [
        f"{t[:-1]};另{k}家缺报未计入)" for t, k in zip(scope[cut], excl[cut].tolist(), strict=True)
    ]
    park_col = np.repeat(np.asarray(parks, dtype=object), I)
    id_col = np.tile(np.asarray(ids, dtype=object), P)
    unit_col = np.tile(np.asarray([_SPECS[i].unit for i in ids], dtype=object), P)
    value = stack["value"].ravel()
    pv, py, notes, extra = _published(ds, period, parks, ids, unit_col, notes)
    columns = {
        "park_id": park_col,
        "id": id_col,
        "name": np.tile(np.asarray([_SPECS[i].name for i in ids], dtype=object), P),
        "value": value,
        "unit": unit_col,
        "yoy_pct": stack["yoy_pct"].ravel(),
        "prev_value": stack["prev_value"].ravel(),
        "scope": scope,
        "scope_value": stack["scope_value"].ravel(),
        "all_yoy_pct": _pct_change(value, stack["all_prev"].ravel()),
        "all_prev_value": stack["all_prev"].ravel(),
        "published_value": pv,
        "published_yoy_pct": py,
        "difference": value - pv,
        "note": notes,
        "n_enterprises": stack["n"].ravel().astype("float64"),
        "reporting_rate_pct": np.repeat(rates, I),
        "prev_reporting_rate_pct": np.repeat(prev_rates, I),
    }
    if extra is not None:  # published-only indicators, after the park's computed rows
        order = np.argsort(np.r_[np.repeat(np.arange(P), I), extra.pop("_park_pos")], kind="stable")
        n_extra = len(extra["id"])
        for key in ("reporting_rate_pct", "prev_reporting_rate_pct"):
            extra.setdefault(key, np.full(n_extra, np.nan))
        columns = {k: np.concatenate([v, extra[k]])[order] for k, v in columns.items()}
    out = pd.DataFrame(
        {
            k: (
                pd.Series(v, dtype="str")
                if v.dtype == object
                else np.round(v.astype("float64"), _DECIMALS)
            )
            for k, v in columns.items()
        }
    )
    return out


def _reporting(ds: Any, core: _Core) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per park: 报送率 (%) of the period and of the same months a year earlier, and the
    number of enterprises left out of the 同口径 scopes for a 缺报."""
    P, p = len(core.parks), core.period
    rate, prev_rate = np.full(P, np.nan), np.full(P, np.nan)
    status = getattr(ds, "completeness", None)
    if status is not None:
        for i, park in enumerate(core.parks):
            rate[i] = status.period_rate(park, p.year, p.start_month, p.end_month)[0] * 100
            if core.prev is not None:
                r = status.period_rate(park, p.year - 1, p.start_month, p.end_month)[0]
                prev_rate[i] = r * 100
    rows = core.cur.has_rows | (core.prev.has_rows if core.prev is not None else False)
    excluded = _count(core, rows & ~_complete(core)).astype("int64")
    return rate, prev_rate, excluded


def _or(values: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    return default if values is None else values


def _pct_change(cur: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """(cur ÷ prev − 1) × 100 where prev > 0, else NaN."""
    ok = prev > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, (cur / np.where(ok, prev, 1.0) - 1.0) * 100.0, np.nan)


def _join_notes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    both = (a != "") & (b != "")
    joined = np.where(both, a + ";" + np.where(both, b, ""), np.where(a != "", a, b))
    return joined.astype(object)


# -- published figures ----------------------------------------------------------------------------


def _published_rows(ds: Any, period: Period, parks: list[str]) -> pd.DataFrame:
    """Rows of ``ds.published`` for ``parks`` whose period has the same months as ``period``.

    Adds ``repeated``: True on a figure published more than once under different spellings
    of the same months ("2016H1" and "2016-01..2016-06"); the first row is kept.
    """
    pub = ds.published
    if pub.empty:
        return pub
    pub = pub.loc[pub["park_id"].isin(parks).to_numpy()]
    if pub.empty:
        return pub
    texts = pub["period"].dropna().unique()
    matches = dict(zip(texts, map(lambda t: _same_months(t, period), texts), strict=True))
    pub = pub.loc[pub["period"].map(matches).fillna(False).to_numpy(dtype=bool)]
    keys = ["park_id", "indicator_id"]
    repeated = pub.duplicated(keys, keep=False).to_numpy()
    first = ~pub.duplicated(keys, keep="first").to_numpy()
    return pub.loc[first].assign(repeated=repeated[first])


def _same_months(text: Any, period: Period) -> bool:
    try:
        return parse_period(text) == period
    except PeriodError:
        return False


def _unit_factor(published_unit: Any, unit: str) -> float | None:
    """Factor turning a published value into ``unit``; None when not convertible.

    Examples
    --------
    >>> _unit_factor("亿元", "万元"), _unit_factor("", "家"), _unit_factor("%", "万元")
    (10000.0, 1.0, None)
    """
    a = published_unit.strip() if isinstance(published_unit, str) else ""
    if not a or a == unit:
        return 1.0
    try:
        fa, _, xa = parse_unit(a)
        fb, _, xb = parse_unit(unit)
    except ParameterError:
        return None
    return xa / xb if fa == fb else None


def _published(ds, period, parks, ids, unit_col, notes):
    """Published level, growth and notes aligned with the computed rows; published-only rows.

    Returns ``(published_value, published_yoy_pct, notes, extra)`` where ``extra`` is None or
    a dict of column arrays (plus ``_park_pos``) for published indicators not computed here.
    """
    n = len(unit_col)
    pv, py = np.full(n, np.nan), np.full(n, np.nan)
    pub = _published_rows(ds, period, parks)
    if pub.empty:
        return pv, py, notes, None
    park_pos = pd.Index(parks).get_indexer(pub["park_id"])
    id_pos = pd.Index(ids).get_indexer(pub["indicator_id"])
    known = id_pos >= 0
    row = park_pos * len(ids) + id_pos
    value = pub["value"].to_numpy(dtype="float64")
    yoy = pub["yoy_pct"].to_numpy(dtype="float64")
    pub_unit = pub["unit"].to_numpy(dtype=object)
    source = pub["source"].to_numpy(dtype=object) if "source" in pub else np.full(len(pub), "")
    source = np.array([s if isinstance(s, str) else "" for s in source], dtype=object)
    src_note = np.where(source != "", "公布数来源:" + source, "有公布数").astype(object)
    rep_note = np.where(pub["repeated"].to_numpy(), "同一时期有多条公布数,取第一条", "")
    # unit conversion per distinct (published unit, row unit) pair: a handful
    row_unit = np.where(known, unit_col[np.where(known, row, 0)], pub_unit).astype(object)
    pairs = {(a, b): _unit_factor(a, b) for a, b in set(zip(pub_unit, row_unit, strict=True))}
    factor = np.array(
        [
            np.nan if (f := pairs[(a, b)]) is None else f
            for a, b in zip(pub_unit, row_unit, strict=True)
        ],
        dtype="float64",
    )
    unit_note = np.where(
        np.isnan(factor),
        "公布数单位「" + pub_unit.astype(str).astype(object) + "」与计算单位不同,未比较",
        np.where(
            factor != 1.0, "公布数原单位" + pub_unit.astype(str).astype(object) + ",已换算", ""
        ),
    ).astype(object)
    k = row[known]
    pv[k] = value[known] * factor[known]
    py[k] = yoy[known]
    notes = notes.copy()
    notes[k] = _join_notes(
        _join_notes(_join_notes(notes[k], src_note[known]), unit_note[known]), rep_note[known]
    )
    if known.all():
        return pv, py, notes, None
    other = ~known
    m = int(other.sum())
    ident = pub["indicator_id"].to_numpy(dtype=object)[other]
    extra = {
        "_park_pos": park_pos[other],
        "park_id": pub["park_id"].to_numpy(dtype=object)[other],
        "id": ident,
        "name": np.array([PUBLISHED_NAMES.get(x, x) for x in ident], dtype=object),
        "value": np.full(m, np.nan),
        "unit": np.array([u if isinstance(u, str) else "" for u in pub_unit[other]], dtype=object),
        "yoy_pct": np.full(m, np.nan),
        "prev_value": np.full(m, np.nan),
        "scope": np.full(m, "", dtype=object),
        "scope_value": np.full(m, np.nan),
        "all_yoy_pct": np.full(m, np.nan),
        "all_prev_value": np.full(m, np.nan),
        "published_value": value[other],
        "published_yoy_pct": yoy[other],
        "difference": np.full(m, np.nan),
        "note": _join_notes(
            _join_notes(np.full(m, "仅有公布数,无企业数据可核对", dtype=object), src_note[other]),
            rep_note[other],
        ),
        "n_enterprises": np.full(m, np.nan),
    }
    return pv, py, notes, extra


# -- the enterprise frame ----------------------------------------------------------------------


def _enterprise_frame(core: _Core) -> pd.DataFrame:
    reg, cur, prev = core.registry, core.cur, core.prev
    n = len(reg)
    keep = cur.has_rows | (cur.in_production & ~cur.exited)
    if prev is not None:
        keep |= prev.has_rows
    keep &= core.park_pos < len(core.parks)
    area = core.area_mu
    with np.errstate(divide="ignore", invalid="ignore"):
        per_mu = {
            f"{name}_per_mu": np.where(
                area > 0, cur.flows[col] / np.where(area > 0, area, 1), np.nan
            )
            for name, col in (
                ("tax", "tax_wan_yuan"),
                ("output", "output_wan_yuan"),
                ("value_added", "value_added_wan_yuan"),
                ("revenue", "revenue_wan_yuan"),
            )
        }
        avg = cur.avg_employees
        productivity = np.where(
            np.nan_to_num(avg) > 0, cur.flows["value_added_wan_yuan"] / avg, np.nan
        )
    empty = np.full(n, np.nan)
    data: dict[str, Any] = {
        "enterprise_id": reg["enterprise_id"].astype("str"),
        "name": reg["name"].astype("str"),
        "kind": reg["kind"].astype("str"),
        "industry_code": reg["industry_code"].astype("str"),
        "above_size": cur.above,
        "in_production": cur.in_production,
        "exited": cur.exited,
        "has_data": cur.has_rows,
        "area_mu": np.where(area > 0, area, np.nan),  # no land is missing, never 0
        **{c: cur.flows[c] for c in FLOW_COLUMNS},
        "employees": cur.employees,
        "avg_employees": cur.avg_employees,
        **{f"prev_{c}": prev.flows[c] if prev else empty for c in FLOW_COLUMNS},
        "prev_employees": prev.employees if prev else empty,
        **per_mu,
        "labour_productivity": productivity,
    }
    frame = pd.DataFrame(data)
    for c in frame.columns:
        if frame[c].dtype == "float64":
            frame[c] = frame[c].round(_DECIMALS)
    return frame.loc[keep].reset_index(drop=True)
