"""Per-park levels and growth of each indicator: the definitions of the indicator table.

Definitions (one place; the tests hold them):

* **Levels** of flows (产值, 增加值, 营业收入, 税收, 固定资产投资) are Σ of the enterprises' monthly
  values over the period's months; an indicator nobody reported is NaN, not 0.
* **从业人员** is a stock: Σ of the rows of the period's last month (5月末 for 1-5月).
* **规上** (above size) flows sum the industrial enterprises marked 规上 for the period's year
  (``ds.above_size``), which is the official 名录 basis; **规上工业企业数** counts those that are
  also in production by the period's last day, have not exited by then and have rows in the
  period.
  A park whose register has no 投产日期 at all counts its 规上 enterprises by the flag alone
  (not exited, data in the period: :mod:`~parkanalysis.indicators.enterprises`).
* **新投产企业数** counts enterprises of the kind (工业 / 商贸) whose 投产日期 lies in the period;
  NaN (noted 企业名录没有投产日期) where an enterprise of the kind has its start unknown —
  a count a missing column would force to 0 is never printed as 0.
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

A zone's or a province's total is these same measures over one merged "park" whose rows
are the enterprises of every park taken in (:func:`parkanalysis.indicators.zone.merge_cores`):
levels sum, 同口径 growth runs over the union of the parks' scopes, ratios divide summed
numerators by summed denominators — no second formula.

Same-scope sums and per-park totals use :func:`numpy.bincount` (or one
:func:`numpy.add.reduceat` when the registry is grouped by park); no Python loop runs over
enterprises or parks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parkanalysis.indicators.enterprises import Core, Side
from parkanalysis.units import MU_PER_HA

# -- per-park aggregation ----------------------------------------------------------------------


def _by_park(core: Core, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Σ ``values[mask]`` per park (the discard bin of parks not asked for dropped)."""
    return _park_reduce(core, np.where(mask, values, 0.0))


def count_rows(core: Core, mask: np.ndarray) -> np.ndarray:
    """Number of registry rows in ``mask`` per park, as float."""
    return _park_reduce(core, mask.view(np.int8)).astype("float64")


def _park_reduce(core: Core, w: np.ndarray) -> np.ndarray:
    P = len(core.parks)
    if core.segments is None:
        return np.bincount(core.park_pos, weights=w, minlength=P + 1)[:P]
    starts, nonempty = core.segments  # registry grouped by park: one reduceat
    out = np.zeros(P + 1, dtype="float64" if w.dtype.kind == "f" else "int64")
    if len(starts):
        out[nonempty] = np.add.reduceat(w, starts, dtype=out.dtype)
    return out[:P]


# -- growth ----------------------------------------------------------------------


@dataclass
class Result:
    """Per-park arrays of one indicator."""

    value: np.ndarray
    prev_value: np.ndarray
    yoy_pct: np.ndarray
    scope_n: np.ndarray  # -1: no scope label
    note: np.ndarray  # object array of str
    n: np.ndarray  # enterprises behind ``value`` (see ``n_enterprises`` in the docstring)
    scope_value: np.ndarray | None = None  # Σ current over the 同口径 scope (flows, stock)
    all_prev: np.ndarray | None = None  # Σ previous over every enterprise with data then


def _growth(core: Core, cur_num, prev_num, n_scope, *, prev_den=None, cur_den=None):
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


def _flow(core: Core, column: str, member: np.ndarray | None = None) -> Result:
    prev = core.prev.flows[column] if core.prev is not None else None
    return _summed(core, core.cur.flows[column], prev, member)


def _summed(
    core: Core, cur: np.ndarray, prev: np.ndarray | None, member: np.ndarray | None = None
) -> Result:
    """Level, 同口径 growth and 全口径 base of values summed over enterprises (flows, stock)."""
    has_c = ~np.isnan(cur)
    if member is not None:
        has_c &= member
    n_c = count_rows(core, has_c)
    value = np.where(n_c > 0, _by_park(core, cur, has_c), np.nan)
    if prev is None:
        return _no_prev(core, value, n_c)
    both = has_c & ~np.isnan(prev) & complete_rows(core)
    n_s = count_rows(core, both)
    cur_s = _by_park(core, cur, both)
    prev_val, yoy, note = _growth(core, cur_s, _by_park(core, prev, both), n_s)
    has_p = ~np.isnan(prev) & (member if member is not None else True)
    return Result(
        value, prev_val, yoy, np.where(n_s > 0, n_s, -1), note, n_c,
        np.where(n_s > 0, cur_s, np.nan), _all_prev(core, prev, has_p),
    )  # fmt: skip


def _all_prev(core: Core, prev: np.ndarray, has_p: np.ndarray) -> np.ndarray:
    """Σ of the previous year's values of every enterprise with data then (NaN if none)."""
    return np.where(count_rows(core, has_p) > 0, _by_park(core, prev, has_p), np.nan)


def complete_rows(core: Core) -> np.ndarray:
    """Rows that may enter a 同口径 scope: no 缺报 in the period of either year."""
    return np.ones(len(core.park_pos), bool) if core.complete is None else core.complete


def _no_prev(core: Core, value: np.ndarray, n: np.ndarray) -> Result:
    P = len(core.parks)
    return Result(
        value, np.full(P, np.nan), np.full(P, np.nan), np.full(P, -1.0),
        np.full(P, "上年同期无数据", dtype=object), n,
    )  # fmt: skip


def _stock(core: Core) -> Result:
    prev = core.prev.employees if core.prev is not None else None
    return _summed(core, core.cur.employees, prev)


def _above_count_mask(side: Side, industrial: np.ndarray) -> np.ndarray:
    return industrial & side.above & side.in_production & ~side.exited & side.has_rows


def _counts(core: Core, cur_mask: np.ndarray, prev_mask: np.ndarray | None) -> Result:
    P = len(core.parks)
    prev = count_rows(core, prev_mask) if prev_mask is not None else np.full(P, np.nan)
    value = count_rows(core, cur_mask)
    return Result(
        value, prev, np.full(P, np.nan), np.full(P, -1.0),
        np.full(P, "", dtype=object), value.copy(),
    )  # fmt: skip


def _new_counts(core: Core, kind: np.ndarray) -> Result:
    """新投产企业数 of ``kind``: NaN where a row of the kind has its start unknown."""
    prev = core.prev
    out = _counts(core, core.cur.new & kind, prev.new & kind if prev is not None else None)
    for side, values in ((core.cur, out.value), (prev, out.prev_value)):
        if side is None or side.start_known is None:
            continue
        unknown = count_rows(core, kind & ~side.start_known) > 0
        values[unknown] = np.nan
        if side is core.cur:
            out.n[unknown] = np.nan
            out.note[unknown] = "企业名录没有投产日期,无法计数"
    return out


def _share(core: Core) -> Result:
    def share(side: Side) -> np.ndarray:
        out = side.flows["output_wan_yuan"]
        has = ~np.isnan(out)
        total = _by_park(core, out, has)
        above = _by_park(core, out, has & side.above)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((count_rows(core, has) > 0) & (total > 0), above / total * 100, np.nan)

    P = len(core.parks)
    prev = share(core.prev) if core.prev is not None else np.full(P, np.nan)
    note = np.full(P, "规上工业总产值占工业总产值的比重;占比不计同比", dtype=object)
    has = ~np.isnan(core.cur.flows["output_wan_yuan"])
    n_above = count_rows(core, has & core.cur.above)
    n_other = count_rows(core, has & ~core.cur.above)
    value = share(core.cur)
    # a share reveals both parts (share × total): the smaller group is what it discloses
    n = np.where(np.isnan(value), np.nan, np.minimum(n_above, n_other))
    return Result(value, prev, np.full(P, np.nan), np.full(P, -1.0), note, n)


def _per_area(core: Core, column: str, factor: float) -> Result:
    land = core.area_mu > 0
    cur = core.cur.flows[column]
    has_c = ~np.isnan(cur) & land
    area_c = _by_park(core, core.area_mu, has_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(area_c > 0, _by_park(core, cur, has_c) / area_c * factor, np.nan)
    n_c = count_rows(core, has_c)
    if core.prev is None:
        return _no_prev(core, value, n_c)
    prev = core.prev.flows[column]
    both = has_c & ~np.isnan(prev) & complete_rows(core)
    n_s = count_rows(core, both)
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
    return Result(value, prev_val, yoy, np.where(n_s > 0, n_s, -1), note, n_c)


def _productivity(core: Core) -> Result:
    def usable(side: Side) -> np.ndarray:
        va = side.flows["value_added_wan_yuan"]
        return ~np.isnan(va) & (np.nan_to_num(side.avg_employees) > 0)

    c = core.cur
    has_c = usable(c)
    va_c, emp_c = c.flows["value_added_wan_yuan"], c.avg_employees
    den = _by_park(core, emp_c, has_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, _by_park(core, va_c, has_c) / den, np.nan)
    n_c = count_rows(core, has_c)
    if core.prev is None:
        return _no_prev(core, value, n_c)
    p = core.prev
    both = has_c & usable(p) & complete_rows(core)
    n_s = count_rows(core, both)
    prev_val, yoy, note = _growth(
        core,
        _by_park(core, va_c, both),
        _by_park(core, p.flows["value_added_wan_yuan"], both),
        n_s,
        prev_den=_by_park(core, p.avg_employees, both),
        cur_den=_by_park(core, emp_c, both),
    )
    return Result(value, prev_val, yoy, np.where(n_s > 0, n_s, -1), note, n_c)


def compute(core: Core) -> dict[str, Result]:
    cur, prev = core.cur, core.prev
    above_cur = cur.above
    results: dict[str, Result] = {
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
        "new_industrial_enterprises": _new_counts(core, core.industrial),
        "new_commercial_enterprises": _new_counts(core, core.commercial),
        "above_size_output_share": _share(core),
        "tax_per_mu": _per_area(core, "tax_wan_yuan", 1.0),
        "output_per_mu": _per_area(core, "output_wan_yuan", 1.0),
        "value_added_per_mu": _per_area(core, "value_added_wan_yuan", 1.0),
        "tax_per_ha": _per_area(core, "tax_wan_yuan", MU_PER_HA),
        "output_per_ha": _per_area(core, "output_wan_yuan", MU_PER_HA),
        "value_added_per_ha": _per_area(core, "value_added_wan_yuan", MU_PER_HA),
        "labour_productivity": _productivity(core),
    }
    return results


def pct_change(cur: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """(cur ÷ prev − 1) × 100 where prev > 0, else NaN."""
    ok = prev > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, (cur / np.where(ok, prev, 1.0) - 1.0) * 100.0, np.nan)


def join_notes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.broadcast_arrays(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    both = (a != "") & (b != "")
    joined = np.where(both, a + ";" + np.where(both, b, ""), np.where(a != "", a, b))
    return joined.astype(object)
