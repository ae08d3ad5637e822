"""Per-enterprise values of a period and of the same months a year earlier.

:func:`collect` turns the monthly frame into one :class:`Side` per period (the period and
its previous-year months), arrays aligned with the registry rows: Σ of each flow over the
months (NaN when not reported), 从业人员 at the period's last month and on average, 规上 for
the period's year, in production / exited at the period's last day, started production in
the period. A park whose register gives no 投产日期 at all (the column absent or empty) has
its start **unknown**: an enterprise of it counts as in production in a period where it
reported data (what a 规上 count needs: the 规上 flag, not exited, data in the period), and
whether it started production in the period is unknown (``Side.start_known``: the counts of
新投产企业 are then NaN, never 0).

The period-independent arrays of a dataset (:class:`_Prepared`: the registry row of each
monthly row, the rows listed by month, land per enterprise, 规上 rows, the 缺报 by
month) are computed once and cached per dataset, keyed on the very frames they come from.

* **Land per enterprise** (apportioned parcels, else the register's 用地面积) is defined
  with 亩均 in :mod:`~parkanalysis.indicators.measures`.
* **The growth scope** leaves out enterprises with a 缺报 (missing report) in the period's
  months of either year (``Core.complete``).

A period's rows are a slice of the rows listed by month, sorted back into the frame's (park,
enterprise, month) order; sums per enterprise use :func:`numpy.add.reduceat` over them. No
Python loop runs over enterprises, and nothing scans the whole monthly frame per period.
:func:`enterprise_frame` is the frame of :func:`~parkanalysis.indicators.enterprise_table`.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import PeriodError
from parkanalysis.indicators.specs import DECIMALS, FLOW_COLUMNS
from parkanalysis.periods import Period


@dataclass
class _Prepared:
    """Period-independent arrays of one dataset, computed once and reused.

    Registry rows are those of ``ds.enterprises``. Monthly rows are listed by month index
    (year·12 + month − 1), so that the rows of a period are one slice; the frame's runs of
    one enterprise's rows are known with their registry row, so that no key is matched and no
    row is looked up per period.
    """

    sources: tuple[Any, ...]  # the frames and the Completeness it was computed from
    month_range: tuple[tuple[int, int], tuple[int, int]] | None
    month: np.ndarray  # month of each monthly row (a view)
    by_month: np.ndarray  # monthly rows (int32) ordered by month index, then frame order …
    month_bounds: np.ndarray  # … those of month index t_first + k at [bounds[k], bounds[k + 1])
    t_first: int
    pc: np.ndarray  # park code of each monthly row
    run_start: np.ndarray  # first monthly row of each run of one enterprise's rows, then N …
    run_row: np.ndarray  # … and the run's registry row (−1 when not registered)
    grouped: bool  # one run per enterprise (the loader's order)
    values: dict[str, np.ndarray]  # the monthly value columns (views)
    park_codes: pd.Index  # park ids of the monthly categories
    reg_park: np.ndarray  # park id (object) of each registry row
    reg_park_ids: pd.Index  # distinct park ids of the registry …
    reg_park_code: np.ndarray  # … and each registry row's position in them
    area_mu: np.ndarray
    industrial: np.ndarray
    commercial: np.ndarray
    start_d: np.ndarray
    start_known: np.ndarray  # bool: the row's park has 投产日期 in its register
    exit_d: np.ndarray
    above_year: np.ndarray  # rows of ds.above_size that are True: year …
    above_row: np.ndarray  # … and registry row (−1 when unknown)
    miss_t: np.ndarray  # month index of every 缺报 of a registry row, sorted …
    miss_row: np.ndarray  # … and its registry row


#: Prepared arrays per Dataset object (weak: they go with the dataset).
_PREPARED: weakref.WeakKeyDictionary[Any, _Prepared] = weakref.WeakKeyDictionary()


_FRAMES_USED = ("monthly", "enterprises", "parcels", "above_size")


def _sources(ds: Any) -> tuple[Any, ...]:
    return (*(getattr(ds, name) for name in _FRAMES_USED), getattr(ds, "completeness", None))


def prepare(ds: Any) -> _Prepared:
    """Return the period-independent arrays of ``ds``, from the cache when the sources agree.

    The frames of a :class:`~parkanalysis.dataset.Dataset` are read-only by contract. The
    cache holds the frames (and the :class:`~parkanalysis.dataset.completeness.Completeness`)
    it was computed from and is used only while ``ds`` still holds those very objects; a
    frame replaced by another object invalidates it (one modified in place does not).
    """
    sources = _sources(ds)
    try:
        hit = _PREPARED.get(ds)
    except TypeError:  # not weak-referenceable: compute every time
        hit = None
    if hit is not None and all(a is b for a, b in zip(hit.sources, sources, strict=True)):
        return hit
    m, ent, status = ds.monthly, ds.enterprises, sources[-1]
    pcats = m["park_id"].cat.categories
    ecats = m["enterprise_id"].cat.categories
    n_e = max(len(ecats), 1)
    rp = pcats.get_indexer(ent["park_id"])
    re_ = ecats.get_indexer(ent["enterprise_id"])
    rkey = np.where((rp >= 0) & (re_ >= 0), rp.astype("int64") * n_e + re_, -1)
    order = np.argsort(rkey, kind="stable")
    kind = ent["kind"].to_numpy(dtype=object)
    sorted_keys = rkey[order]
    pc = m["park_id"].cat.codes.to_numpy()
    a = ds.above_size
    keep = a["above_size"].to_numpy(dtype=bool)
    ap = pcats.get_indexer(a["park_id"].to_numpy(dtype=object)[keep])
    ae = ecats.get_indexer(a["enterprise_id"].to_numpy(dtype=object)[keep])
    akey = np.where((ap >= 0) & (ae >= 0), ap.astype("int64") * n_e + ae, -2)
    reg_park = ent["park_id"].to_numpy(dtype=object)
    reg_park_code, reg_park_ids = pd.factorize(reg_park)
    year, month = m["year"].to_numpy(), m["month"].to_numpy()
    by_month, month_bounds, t_first = _month_index(year * 12 + month - 1)
    run_start, run_row, grouped = _runs(
        pc.astype("int64") * n_e + m["enterprise_id"].cat.codes.to_numpy(), sorted_keys, order
    )
    miss_t, miss_row = _missing_rows(status, reg_park, ent)
    prepared = _Prepared(
        sources=sources,
        month_range=getattr(ds, "reported_range", None) or ds.month_range,
        month=month,
        by_month=by_month,
        month_bounds=month_bounds,
        t_first=t_first,
        pc=pc,
        run_start=run_start,
        run_row=run_row,
        grouped=grouped,
        values={c: m[c].to_numpy() for c in (*FLOW_COLUMNS, "employees")},
        park_codes=pcats,
        reg_park=reg_park,
        reg_park_ids=pd.Index(reg_park_ids, dtype=object),
        reg_park_code=reg_park_code,
        area_mu=_with_register_area(ent, _enterprise_area(ent, ds.parcels)),
        industrial=kind == "工业",
        commercial=kind == "商贸",
        start_d=ent["production_start_date"].to_numpy(dtype="datetime64[ns]"),
        start_known=_start_known(ent, reg_park_code),
        exit_d=ent["exit_date"].to_numpy(dtype="datetime64[ns]"),
        above_year=a["year"].to_numpy()[keep],
        above_row=_lookup(sorted_keys, order, akey),
        miss_t=miss_t,
        miss_row=miss_row,
    )
    with contextlib.suppress(TypeError):  # not weak-referenceable: no cache
        _PREPARED[ds] = prepared
    return prepared


def _start_known(ent: pd.DataFrame, park_code: np.ndarray) -> np.ndarray:
    """Per registry row: whether its park's register gives any 投产日期 (else the column is
    absent or empty, and production starts are unknown).

    >>> e = pd.DataFrame({"production_start_date": pd.to_datetime(["2015-01-01", None, None])})
    >>> _start_known(e, np.array([0, 0, 1])).tolist()
    [True, True, False]
    """
    has = ent["production_start_date"].notna().to_numpy()
    ok = park_code >= 0
    if not ok.any():
        return has
    per_park = np.bincount(park_code[ok], weights=has[ok], minlength=park_code.max() + 1) > 0
    return np.where(ok, per_park[np.maximum(park_code, 0)], has)


def months_without_rows(prep: _Prepared, year: int, months) -> list[int]:
    """The months of ``year`` among ``months`` in which the monthly frame has no row at all,
    read from the month index of :func:`prepare` (no scan of the frame).

    >>> class P:  # rows of month indices 24194 (2016-03) and 24196 (2016-05)
    ...     t_first, month_bounds = 24194, np.array([0, 3, 3, 5])
    >>> months_without_rows(P, 2016, [3, 4, 5, 6])
    [4, 6]
    """
    bounds = prep.month_bounds
    gaps = []
    for m in months:
        k = year * 12 + m - 1 - prep.t_first
        if not 0 <= k < len(bounds) - 1 or bounds[k + 1] == bounds[k]:
            gaps.append(m)
    return gaps


def _lookup(sorted_keys: np.ndarray, order: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Registry row of each key (``order[i]`` for ``sorted_keys[i]``), −1 when absent."""
    if not len(sorted_keys):
        return np.full(len(keys), -1, dtype="int64")
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == keys, order[pos], -1)


def _month_index(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows ordered by month index ``t`` (stable) and where each month's rows start.

    >>> _month_index(np.array([5, 3, 5, 4, 3]))
    (array([1, 4, 3, 0, 2], dtype=int32), array([0, 2, 3, 5]), 3)
    """
    if not len(t):
        return np.zeros(0, dtype="int32"), np.zeros(1, dtype="int64"), 0
    t_first, t_last = int(t.min()), int(t.max())
    if t_last - t_first < 2**16:  # a radix sort: months since the first fit 16 bits
        order = np.argsort((t - t_first).astype(np.uint16), kind="stable")
    else:
        order = np.argsort(t, kind="stable")
    span = np.arange(t_last - t_first + 2) + t_first
    return order.astype("int32"), np.searchsorted(t[order], span), t_first


def _runs(
    keys: np.ndarray, sorted_keys: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Runs of equal keys in the monthly rows: first row of each (then ``len(keys)``), the
    run's registry row, and whether the keys are sorted (one run per enterprise).

    >>> _runs(np.array([4, 4, 7, 9, 9]), np.array([4, 9]), np.array([1, 0]))
    (array([0, 2, 3, 5]), array([ 1, -1,  0]), True)
    """
    if not len(keys):
        return np.zeros(1, dtype="int64"), np.zeros(0, dtype="int64"), True
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sorted_ = bool((keys[1:] >= keys[:-1]).all())
    return np.r_[starts, len(keys)], _lookup(sorted_keys, order, keys[starts]), sorted_


def _missing_rows(status: Any, reg_park: np.ndarray, ent: pd.DataFrame):
    """Month index and registry row of every 缺报 of a registry row, sorted by month."""
    miss = getattr(status, "missing", None)
    if miss is None or miss.empty or not len(reg_park):
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    reg = pd.MultiIndex.from_arrays(
        [reg_park.astype(str), ent["enterprise_id"].astype("str").to_numpy()]
    )
    hit = reg.get_indexer(pd.MultiIndex.from_arrays([miss["park_id"], miss["enterprise_id"]]))
    t = miss["year"].to_numpy(dtype="int64") * 12 + miss["month"].to_numpy(dtype="int64") - 1
    keep = hit >= 0
    o = np.argsort(t[keep], kind="stable")
    return t[keep][o], hit[keep][o]


@dataclass
class Side:
    """Per-enterprise values of one period (arrays aligned with the registry rows)."""

    flows: dict[str, np.ndarray]  # Σ over months, NaN when not reported
    employees: np.ndarray  # at the period's last month
    avg_employees: np.ndarray  # mean over reported months
    has_rows: np.ndarray  # bool
    any_rows_by_park: np.ndarray  # bool per park: the park has rows in the period
    above: np.ndarray  # bool: industrial and 规上 in the period's year
    in_production: np.ndarray  # bool at the period's last day (start unknown: has_rows)
    exited: np.ndarray  # bool at the period's last day
    new: np.ndarray  # bool: production started inside the period (False when unknown)
    #: bool: the row's 投产日期 is known to its register (module docstring); None: all known
    start_known: np.ndarray | None = None


@dataclass
class Core:
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
    cur: Side
    prev: Side | None  # None when the previous year is before MIN_YEAR
    #: registry rows without 缺报 in the period's months of either year (the growth scope)
    complete: np.ndarray | None = None


def collect(ds: Any, period: Period, parks: list[str]) -> Core:
    """Per-enterprise sums of the period and of the same months a year earlier."""
    prep = prepare(ds)
    P = len(parks)
    wanted = pd.Index(parks)
    at = wanted.get_indexer(prep.reg_park_ids)
    park_pos = np.r_[np.where(at >= 0, at, P), P][prep.reg_park_code]
    park_ok = np.zeros(len(prep.park_codes) + 1, dtype=bool)
    codes = prep.park_codes.get_indexer(wanted)
    park_ok[codes[codes >= 0]] = True
    try:
        prev_period = period.previous_year()
    except PeriodError:
        prev_period = None
    complete = ~_missing_mask(prep, period)
    if prev_period is not None:
        complete &= ~_missing_mask(prep, prev_period)
    return Core(
        complete=complete,
        period=period,
        parks=list(parks),
        registry=ds.enterprises,
        park_pos=park_pos,
        segments=_segments(park_pos, P),
        area_mu=prep.area_mu,
        industrial=prep.industrial,
        commercial=prep.commercial,
        cur=_side(prep, period, _period_rows(prep, period, park_ok), park_pos, P),
        prev=(
            _side(prep, prev_period, _period_rows(prep, prev_period, park_ok), park_pos, P)
            if prev_period is not None
            else None
        ),
    )


def _month_span(p: Period) -> tuple[int, int]:
    """Month indexes (year·12 + month − 1) of the first and last month of ``p``."""
    return p.year * 12 + p.start_month - 1, p.year * 12 + p.end_month - 1


def _missing_mask(prep: _Prepared, p: Period) -> np.ndarray:
    """Registry rows with a 缺报 (missing report) in the months of ``p``."""
    out = np.zeros(len(prep.reg_park), dtype=bool)
    t0, t1 = _month_span(p)
    lo, hi = np.searchsorted(prep.miss_t, [t0, t1 + 1])
    out[prep.miss_row[lo:hi]] = True
    return out


def _segments(park_pos: np.ndarray, n_parks: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Start row and park of each non-empty run when ``park_pos`` is non-decreasing."""
    if len(park_pos) > 1 and not (park_pos[1:] >= park_pos[:-1]).all():
        return None
    bounds = np.searchsorted(park_pos, np.arange(n_parks + 2))
    nonempty = np.flatnonzero(bounds[1:] > bounds[:-1])
    return bounds[nonempty], nonempty


def _period_rows(prep: _Prepared, p: Period, park_ok: np.ndarray) -> np.ndarray:
    """Monthly row numbers of the months of ``p`` in the parks of ``park_ok``, ascending."""
    t0, t1 = _month_span(p)
    last = len(prep.month_bounds) - 1
    k0, k1 = (min(max(t - prep.t_first, 0), last) for t in (t0, t1 + 1))
    # the months' rows, each month's in frame order: one sort merges them back
    rows = prep.by_month[prep.month_bounds[k0] : prep.month_bounds[k1]]
    idx = np.sort(rows, kind="stable").astype(np.intp)  # intp: indexing converts nothing
    if not park_ok[:-1].all():
        idx = idx[park_ok[prep.pc[idx]]]
    return idx


def _side(prep: _Prepared, p: Period, idx: np.ndarray, park_pos: np.ndarray, n_parks: int) -> Side:
    """Σ per enterprise over the monthly rows ``idx`` (ascending)."""
    n = len(park_pos)
    flows = {c: np.full(n, np.nan) for c in FLOW_COLUMNS}
    employees = np.full(n, np.nan)
    avg_emp = np.full(n, np.nan)
    has_rows = np.zeros(n, dtype=bool)
    if len(idx) and n:
        idx, starts, group_row = _groups(prep, idx)
        ends = np.r_[starts[1:], len(idx)] - 1
        found = group_row >= 0
        at = group_row[found]  # registry rows of the groups
        has_rows[at] = True
        for c, col in prep.values.items():
            v = col[idx]
            total, count = _group_sums(v, starts)
            if c == "employees":
                avg_emp[at] = (total / np.maximum(count, 1))[found]
                last = np.where(prep.month[idx[ends]] == p.end_month, v[ends], np.nan)
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
    return Side(
        flows=flows,
        employees=employees,
        avg_employees=avg_emp,
        has_rows=has_rows,
        any_rows_by_park=any_rows,
        above=above & prep.industrial,
        # NaT compares False: not in production, unless the register has no 投产日期 at all
        in_production=np.where(prep.start_known, prep.start_d <= last_day, has_rows),
        exited=prep.exit_d <= last_day,
        new=(prep.start_d >= first_day) & (prep.start_d <= last_day),
        start_known=prep.start_known,
    )


def _groups(prep: _Prepared, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``idx`` grouped by enterprise, where each group starts and its registry row.

    In the loader's order each enterprise is one run of the frame, so its rows in ``idx`` are
    found by one binary search per run, without reading a row.
    """
    if prep.grouped:
        pos = np.searchsorted(idx, prep.run_start)
        nonempty = pos[1:] > pos[:-1]
        return idx, pos[:-1][nonempty], prep.run_row[nonempty]
    # another order (not the loader's): the registry row of every row, sorted by it, then
    # by month (a side is one year), as the loader would have them
    lengths = np.diff(prep.run_start)
    row = np.repeat(prep.run_row, lengths)[idx]
    o = np.lexsort((prep.month[idx], row))
    idx, row = idx[o], row[o]
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    return idx, starts, row[starts]


def _group_sums(v: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NaN-skipping sums of consecutive groups (NaN where a group has no value) and counts.

    Groups without NaN are summed as they are; only the rows of groups holding a NaN are
    summed again with the NaN as 0 (the same additions, so the same sums).

    >>> s, n = _group_sums(np.array([1.0, 2.0, np.nan, 4.0, np.nan, 6.0]), np.array([0, 2, 4, 5]))
    >>> s.tolist(), n.tolist()
    ([3.0, 4.0, nan, 6.0], [2, 1, 0, 1])
    """
    lengths = np.diff(np.r_[starts, len(v)])
    total = np.add.reduceat(v, starts) if len(v) else np.zeros(0)
    bad = np.flatnonzero(np.isnan(total))
    if not len(bad):
        return total, lengths
    rows = np.repeat(np.isnan(total), lengths)
    sub = v[rows]
    ok = ~np.isnan(sub)
    sub_starts = np.r_[0, np.cumsum(lengths[bad])[:-1]]
    count = lengths.copy()
    count[bad] = np.add.reduceat(ok.view(np.int8), sub_starts, dtype=np.int64)
    sums = np.add.reduceat(np.where(ok, sub, 0.0), sub_starts)
    total[bad] = np.where(count[bad] > 0, sums, np.nan)
    return total, count


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


# -- the enterprise frame ----------------------------------------------------------------------


def enterprise_frame(core: Core) -> pd.DataFrame:
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
            frame[c] = frame[c].round(DECIMALS)
    return frame.loc[keep].reset_index(drop=True)
