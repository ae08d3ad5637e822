"""Per-enterprise values of a period and of the same months a year earlier.

:func:`collect` turns the monthly frame into one :class:`Side` per period (the period and
its previous-year months), arrays aligned with the registry rows: Σ of each flow over the
months (NaN when not reported), 从业人员 at the period's last month and on average, 规上 for
the period's year, in production / exited at the period's last day, started production in
the period. The period-independent arrays of a dataset (:class:`_Prepared`: codes, the
registry's order, land per enterprise, 规上 rows) are computed once and cached per dataset.

* **Land per enterprise** (apportioned parcels, else the register's 用地面积) is defined
  with 亩均 in :mod:`~parkanalysis.indicators.measures`.
* **The growth scope** leaves out enterprises with a 缺报 (missing report) in the period's
  months of either year (``Core.complete``).

Sums per enterprise use :func:`numpy.add.reduceat` on the frame's (park, enterprise, month)
order after one pass of (year, month) masks; no Python loop runs over enterprises.
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


def prepare(ds: Any) -> _Prepared:
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
class Side:
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
    return Core(
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
) -> Side:
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
    return Side(
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
