"""The sample park's monthly statistics: simulated, calibrated to the seed, 规上, published.

:func:`simulate` draws 当月值 per enterprise and month (season, start-up ramp, noise);
:func:`calibrate` scales 2016 to the same-enterprise growth of
:data:`~parkanalysis.sample.park.TARGET_YOY` and the seed's totals, in integer tenths;
:func:`above_size_rows` applies the 2000 万元 rule on the previous year's revenue;
:func:`published_rows` writes official 规上 figures close to, but not equal to, the sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from parkanalysis.sample.enterprises import Ent
from parkanalysis.sample.formats import month_index
from parkanalysis.sample.park import (
    AS_OF,
    FIRST_MONTH,
    LAST_MONTH,
    PARK_ID,
    SEASON,
    TARGET_EMPLOYEES,
    TARGET_TAX_TENTHS,
    TARGET_YOY,
)


@dataclass
class _Monthly:
    """Monthly 当月值 in long arrays, one element per (enterprise, month) row."""

    ent: np.ndarray  # index into the enterprise list
    mi: np.ndarray  # month index (year*12 + month-1)
    values: dict[str, np.ndarray]  # float arrays (NaN = blank)


def _level(e: Ent, t: np.ndarray) -> np.ndarray:
    """Annual revenue level (万元/year) at fractional years ``t``."""
    if e.path:
        knots = np.array(sorted(e.path))
        return np.exp(np.interp(t, knots, np.log([e.path[k] for k in knots])))
    return e.rev * (1 + e.growth) ** (t - 2015.5)


def simulate(rng: np.random.Generator, ents: list[Ent]) -> _Monthly:
    first, last = month_index(*FIRST_MONTH), month_index(*LAST_MONTH)
    idx, mis, cols = [], [], {k: [] for k in TARGET_YOY}
    for i, e in enumerate(ents):
        if e.start is None or e.start > AS_OF:
            continue
        m0 = max(first, month_index(e.start.year, e.start.month))
        m1 = min(last, month_index(e.exit.year, e.exit.month)) if e.exit else last
        mi = np.arange(m0, m1 + 1)
        n = len(mi)
        t = mi / 12 + 1 / 24  # fractional year at mid-month
        since = mi - month_index(e.start.year, e.start.month)
        ramp = np.clip(0.35 + 0.65 * (since + 1) / 8, 0.35, 1.0)
        season = SEASON[mi % 12]
        rev = _level(e, t) / 12 * season * ramp * np.exp(rng.normal(0, 0.06, n))
        if e.kind == "工业":
            out = rev * rng.uniform(0.96, 1.08) * np.exp(rng.normal(0, 0.02, n))
            va = out * rng.uniform(0.25, 0.34) * np.exp(rng.normal(0, 0.025, n))
            va = np.minimum(va, out * 0.36)
            tax_rate = rng.uniform(0.022, 0.045)
            per_head = rng.uniform(55, 140)
        else:
            out = va = np.full(n, np.nan)
            tax_rate = rng.uniform(0.006, 0.014) if e.kind == "商贸" else rng.uniform(0.04, 0.07)
            per_head = rng.uniform(180, 600) if e.kind == "商贸" else rng.uniform(12, 30)
        quarter = np.where(mi % 3 == 0, 1.25, 0.9)  # 所得税 prepaid in Jan/Apr/Jul/Oct
        tax = rev * tax_rate * quarter * np.exp(rng.normal(0, 0.18, n))
        staff_level = _level(e, t) ** 0.8 * _level(e, np.array([2015.5]))[0] ** 0.2 / per_head
        dip = np.where(mi % 12 == 1, 0.96, 1.0)  # workers back late after the Spring Festival
        staff = np.maximum(
            3, staff_level * dip * np.clip(ramp * 1.2, 0, 1) * np.exp(rng.normal(0, 0.012, n))
        )
        # fixed-asset investment: equipment after start-up, then sporadic upkeep and upgrades
        fai = np.where(rng.random(n) < 0.22, rev * rng.exponential(0.05, n), 0.0)
        fai += np.where(since < 6, _level(e, t) * 0.025 * (6 - since) / 6, 0.0)
        if e.name == "阜阳华隆钢结构有限公司":  # 二期技改 2014-09 .. 2015-04
            fai += np.where((mi >= month_index(2014, 9)) & (mi <= month_index(2015, 4)), 220.0, 0.0)
        if e.name == "安徽洪胡子食品有限公司":  # 扩建 from 2015-10 (贴息贷款 500 万元)
            fai += np.where(mi >= month_index(2015, 10), 135.0, 0.0)
        if e.name == "阜阳市天成电缆有限公司":  # new line 2015-03 .. 2015-08
            fai += np.where((mi >= month_index(2015, 3)) & (mi <= month_index(2015, 8)), 90.0, 0.0)
        idx.append(np.full(n, i))
        mis.append(mi)
        for k, v in zip(
            TARGET_YOY,
            (out, va, rev, tax, staff, fai),
            strict=True,
        ):
            cols[k].append(v * rng.uniform(0.999, 1.001, n) if k == "employees" else v)
    return _Monthly(
        np.concatenate(idx), np.concatenate(mis), {k: np.concatenate(v) for k, v in cols.items()}
    )


def _window(m: _Monthly, y: int, m_from: int, m_to: int) -> np.ndarray:
    return (m.mi >= month_index(y, m_from)) & (m.mi <= month_index(y, m_to))


def _same_enterprise_yoy(m: _Monthly, col: str, to_month: int = 5, year: int = 2016) -> float:
    """Growth (%) of 1-N月 over the same period a year earlier, on enterprises present in both.

    Employees (a stock) compare the month-end values of the last month instead of sums.
    """
    first = 1 if col != "employees" else to_month
    cur, prev = _window(m, year, first, to_month), _window(m, year - 1, first, to_month)
    common = np.intersect1d(np.unique(m.ent[cur]), np.unique(m.ent[prev]))
    v = m.values[col]
    a = np.nansum(v[cur & np.isin(m.ent, common)])
    b = np.nansum(v[prev & np.isin(m.ent, common)])
    return float((a / b - 1) * 100)


def calibrate(m: _Monthly, report: dict | None = None) -> dict[str, np.ndarray]:
    """Tune 2016 levels to the target growth, hit the seed's totals; return integer tenths.

    Returns the columns as integer arrays: tenths of 万元 for amounts, persons for employees
    (-1 marks a blank cell).
    """
    in2016 = m.mi >= month_index(2016, 1)
    for col, target in TARGET_YOY.items():
        natural = _same_enterprise_yoy(m, col)
        if report is not None:
            report[col] = natural
        m.values[col][in2016] *= (1 + target / 100) / (1 + natural / 100)
    va, out = m.values["value_added_wan_yuan"], m.values["output_wan_yuan"]
    ind = ~np.isnan(out)
    va[ind] = np.minimum(va[ind], out[ind] * 0.36)
    tax_window = _window(m, 2016, 1, 5)
    m.values["tax_wan_yuan"] *= TARGET_TAX_TENTHS / 10 / m.values["tax_wan_yuan"][tax_window].sum()
    may = m.mi == month_index(2016, 5)
    m.values["employees"] *= TARGET_EMPLOYEES / m.values["employees"][may].sum()

    ints: dict[str, np.ndarray] = {}
    for col, v in m.values.items():
        scale = 1 if col == "employees" else 10
        r = np.where(np.isnan(v), -1, np.floor(np.nan_to_num(v) * scale + 0.5)).astype(np.int64)
        ints[col] = r
    # exact seed totals: absorb the rounding residual in the largest values
    tax = ints["tax_wan_yuan"]
    pos = np.flatnonzero(tax_window)
    tax[pos[np.argmax(tax[pos])]] += TARGET_TAX_TENTHS - tax[pos].sum()
    emp = ints["employees"]
    pos = np.flatnonzero(may)
    gap = TARGET_EMPLOYEES - emp[pos].sum()
    for k in pos[np.argsort(-emp[pos], kind="stable")][: abs(gap)]:
        emp[k] += 1 if gap > 0 else -1
    # invariants
    o, a = ints["output_wan_yuan"], ints["value_added_wan_yuan"]
    assert ((a <= o) | (o < 0)).all() and (a[o >= 0] >= 0).all()
    assert all((x[x != -1] >= 0).all() for x in ints.values())
    return ints


def above_size_rows(ents: list[Ent], m: _Monthly, rev_tenths: np.ndarray) -> list[tuple]:
    """Membership per industrial enterprise and year: 2000 万元 rule on Y−1 revenue.

    Rows for every year with monthly rows, and for the year after the last one (the
    statistics bureau's directory is fixed from the previous year's revenue, so an
    enterprise that stopped in December is still listed). In an enterprise's first year of
    data the annualised revenue of that year is used.
    """
    rows = []
    years = m.mi // 12
    for i, e in enumerate(ents):
        if e.kind != "工业":
            continue
        mine = m.ent == i
        ys = [int(y) for y in np.unique(years[mine])]
        if ys and ys[-1] < LAST_MONTH[0]:
            ys.append(ys[-1] + 1)
        for y in ys:
            prev = mine & (years == y - 1)
            if prev.any():
                flag = rev_tenths[prev].sum() >= 20000
            else:
                cur = mine & (years == y)
                flag = rev_tenths[cur].sum() * 12 / cur.sum() >= 20000
            rows.append((e.eid, int(y), bool(flag)))
    return rows


def published_rows(ents, m: _Monthly, ints, above) -> list[tuple]:
    """Official 规上 figures: close to, but not equal to, what the enterprise rows sum to."""
    members = {eid for eid, y, f in above if y == 2016 and f}
    live = {e.eid for e in ents if e.exit is None or e.exit > date(2016, 5, 31)}
    idx = np.array([ents[i].eid in members & live for i in m.ent])
    rows = []
    for to_month, adj in ((4, (1.011, 0.8, 0.993, -0.6)), (5, (1.009, 0.7, 0.994, -0.4))):
        cur, prev = _window(m, 2016, 1, to_month) & idx, _window(m, 2015, 1, to_month) & idx
        period = f"2016-01..2016-{to_month:02d}"
        for col, f_level, d_yoy, ind in (
            ("output_wan_yuan", adj[0], adj[1], "above_size_output"),
            ("value_added_wan_yuan", adj[2], adj[3], "above_size_value_added"),
        ):
            a, b = ints[col][cur].sum(), ints[col][prev].sum()
            value = round(a / 10 * f_level / 10) * 10  # published rounded to 10 万元
            yoy = round((a / b - 1) * 100 + d_yoy, 1)
            rows.append((PARK_ID, ind, period, str(value), "万元", f"{yoy:.1f}", "颍州区统计局"))
    return rows
