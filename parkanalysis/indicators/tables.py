"""The public tables of :mod:`parkanalysis.indicators` and their arguments.

:func:`_table` assembles the rows: the measures of :mod:`~parkanalysis.indicators.measures`
per park, the period's notes, the 同口径 scope labels with the 报送率, and the published
figures of :mod:`~parkanalysis.indicators.published`.

Floating-point noise is removed by rounding numbers to 6 decimals (1 元 is 0.0001 万元).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.indicators.enterprises import (
    Core,
    collect,
    enterprise_frame,
    months_without_rows,
    prepare,
)
from parkanalysis.indicators.measures import (
    Result,
    complete_rows,
    compute,
    count_rows,
    join_notes,
    pct_change,
)
from parkanalysis.indicators.published import published_columns
from parkanalysis.indicators.specs import DECIMALS, SPECS, indicator_ids
from parkanalysis.periods import (
    Period,
    check_period_available,
    first_cumulative_end,
    parse_period,
)

# -- arguments ----------------------------------------------------------------------


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
    span = prepare(ds).month_range
    if span is None:
        raise PeriodError(f"{p.label} 无法计算:数据集没有企业月度统计数据。")
    p = check_period_available(
        p, first_month=span[0], last_month=span[1], jan_feb_combined=bool(ds.jan_feb_combined)
    )
    if "cumulative_stats" not in getattr(ds, "sources", {}):  # 1-N月 totals hold every month
        # some months of the period without any row: the total would silently lack them (a
        # period without any row at all is computed as NaN with a note, not refused)
        jan_feb = bool(ds.jan_feb_combined)
        months = [m for m in range(p.start_month, p.end_month + 1) if not (jan_feb and m == 1)]
        gaps = months_without_rows(prepare(ds), p.year, months)
        if 0 < len(gaps) < len(months):
            shown = "、".join(f"{p.year}年{m}月" for m in gaps)
            raise PeriodError(
                f"{p.label} 无法计算:{shown}没有任何企业的统计数据(整月缺失),"
                "合计会少算这个月;请补上该月的数据后重试"
            )
    return p


def resolve_park(ds: Any, park: str | None) -> str:
    """Return the park to report on (see :meth:`parkanalysis.dataset.Dataset.resolve_park`).

    For several parks at once use :func:`indicator_table_by_park`; for their total (the
    zone's 「全区」 of ``zone.name``), :func:`parkanalysis.province.zone_table` — asked for
    here, it is refused with that pointer.
    """
    try:
        return ds.resolve_park(park)
    except ParameterError as exc:
        config = getattr(getattr(ds, "profile", None), "config", None) or {}
        zone = (config.get("zone") or {}).get("name") or "全区"
        if park == zone:
            raise ParameterError(
                f"「{zone}」是数据集各园区的合计,不是一个园区:请用 "
                f"pa.zone_table(ds, period)(命令行 indicators --zone)。"
            ) from exc
        raise


# -- public tables ----------------------------------------------------------------------


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
        n_enterprises``; definitions in :mod:`~parkanalysis.indicators.measures`
        and :mod:`~parkanalysis.indicators.published`.

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
    core = collect(ds, p, [pid])
    return enterprise_frame(core)


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
    if indicator_id not in SPECS:
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
    first = first_cumulative_end(bool(ds.jan_feb_combined))
    if last < first:
        raise PeriodError(f"{year}年 只有1月数据,而1月和2月数据合并发布;请等2月数据。")
    spec = SPECS[indicator_id]
    labels, periods, values, yoys = [], [], [], []
    for end in range(first, last + 1):
        p = resolve_period(ds, Period.of_cumulative(int(year), end))
        value, yoy = _trend_points(ds, p, pid)[indicator_id]
        labels.append(p.short_label)
        periods.append(str(p))
        values.append(value)
        yoys.append(yoy)
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
            "monthly_value": np.round(monthly, DECIMALS),
        }
    )


#: The frames a park's indicator rows are computed from (:func:`_trend_points` keeps its
#: points while a dataset holds these very objects).
_TREND_SOURCES = ("profile", "monthly", "enterprises", "parcels", "above_size", "published")


def _trend_points(ds: Any, p: Period, pid: str) -> dict[str, tuple[float, float]]:
    """Every indicator's ``(value, yoy_pct)`` of park ``pid`` in 1-N月 period ``p``.

    A trend table reads one indicator of the park's whole table for every 1-N月 of a year. In
    a batch's warm kernel (:func:`parkanalysis._startup.in_warm_kernel`) the points are kept
    on the dataset, for as long as it holds the frames they were computed from (a frame
    replaced by another object invalidates them; one changed in place is not noticed): a
    report's two trend charts and every report of the same year read the same tables (about
    a tenth of a period report's computing). Elsewhere every call computes them.
    """
    from parkanalysis._startup import kept_in_warm_kernel

    def compute_points() -> dict[str, tuple[float, float]]:
        table = _table(ds, p, [pid])
        points: dict[str, tuple[float, float]] = {}
        for i, v, y in zip(table["id"], table["value"], table["yoy_pct"], strict=True):
            points.setdefault(i, (float(v), float(y)))
        return points

    sources = tuple(getattr(ds, name, None) for name in (*_TREND_SOURCES, "completeness"))
    return dict(kept_in_warm_kernel(ds, "_trend_points", sources, (pid, str(p)), compute_points))


# -- the rows ----------------------------------------------------------------------


def _period_notes(core: Core) -> dict[str, str]:
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
    core = collect(ds, period, parks)
    rates, prev_rates = reporting_rates(ds, core)

    def published(ids, unit_col, notes):
        return published_columns(ds, period, parks, ids, unit_col, notes)

    return core_rows(core, rates, prev_rates, published=published)


def core_rows(
    core: Core,
    rates: np.ndarray,
    prev_rates: np.ndarray,
    *,
    published: Any = None,
) -> pd.DataFrame:
    """The indicator rows of the parks of ``core`` (park-major): the measures of
    :func:`~parkanalysis.indicators.measures.compute`, the period's notes, the 同口径 scope
    labels with the enterprises left out for a 缺报, and the published figures that
    ``published(ids, unit_col, notes)`` returns (``pv, py, notes, extra``; None: no
    published figures, e.g. a zone total, whose parks publish their own).

    A zone total is the same call on a core whose parks are merged into one
    (:func:`parkanalysis.indicators.zone.merge_cores`): one statement of every measure.
    """
    parks = core.parks
    results = compute(core)
    P, ids = len(parks), list(SPECS)
    I = len(ids)  # noqa: E741
    nan = np.full(P, np.nan)
    stack = {
        f: np.vstack([_or(getattr(results[i], f), nan) for i in ids]).T
        for f in Result.__annotations__
    }
    base = _period_notes(core)
    notes = join_notes(
        np.array([base.get(i, "") for i in ids], dtype=object)[None, :], stack["note"]
    )
    kinds = np.array([SPECS[i].kind for i in ids])
    no_rows = np.where(kinds == "new", "", "本期无企业统计数据").astype(object)
    empty = ~core.cur.any_rows_by_park
    notes = np.where(empty[:, None], join_notes(no_rows[None, :], notes), notes).ravel()
    scope_n = stack["scope_n"].ravel()
    scope = np.full(P * I, "", dtype=object)
    has = scope_n >= 0
    scope[has] = [f"同口径({n}家)" for n in scope_n[has].astype("int64").tolist()]
    excl = np.repeat(excluded_for_missing(core), I)
    cut = has & (excl > 0)
    scope[cut] = [
        f"{t[:-1]};另{k}家缺报未计入)" for t, k in zip(scope[cut], excl[cut].tolist(), strict=True)
    ]
    park_col = np.repeat(np.asarray(parks, dtype=object), I)
    id_col = np.tile(np.asarray(ids, dtype=object), P)
    unit_col = np.tile(np.asarray([SPECS[i].unit for i in ids], dtype=object), P)
    value = stack["value"].ravel()
    if published is None:
        pv, py, extra = np.full(P * I, np.nan), np.full(P * I, np.nan), None
    else:
        pv, py, notes, extra = published(ids, unit_col, notes)
    columns = {
        "park_id": park_col,
        "id": id_col,
        "name": np.tile(np.asarray([SPECS[i].name for i in ids], dtype=object), P),
        "value": value,
        "unit": unit_col,
        "yoy_pct": stack["yoy_pct"].ravel(),
        "prev_value": stack["prev_value"].ravel(),
        "scope": scope,
        "scope_value": stack["scope_value"].ravel(),
        "all_yoy_pct": pct_change(value, stack["all_prev"].ravel()),
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
                else np.round(v.astype("float64"), DECIMALS)
            )
            for k, v in columns.items()
        }
    )
    return out


def reporting_rates(ds: Any, core: Core) -> tuple[np.ndarray, np.ndarray]:
    """Per park of ``core``: 报送率 (%) of the period and of the same months a year earlier
    (NaN where nobody was expected)."""
    P, p = len(core.parks), core.period
    rate, prev_rate = np.full(P, np.nan), np.full(P, np.nan)
    status = getattr(ds, "completeness", None)
    if status is not None:
        rate = status.period_rates(core.parks, p.year, p.start_month, p.end_month)[0] * 100
        if core.prev is not None:
            prev = status.period_rates(core.parks, p.year - 1, p.start_month, p.end_month)[0]
            prev_rate = prev * 100
    return rate, prev_rate


def excluded_for_missing(core: Core) -> np.ndarray:
    """Per park: enterprises left out of the 同口径 scopes for a 缺报 in either year."""
    rows = core.cur.has_rows | (core.prev.has_rows if core.prev is not None else False)
    return count_rows(core, rows & ~complete_rows(core)).astype("int64")


def _or(values: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    return default if values is None else values
