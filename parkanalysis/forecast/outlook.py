"""When does the supplyable land run out, and how much must be added?

:func:`land_outlook` simulates future supply with the compound model of
:mod:`parkanalysis.forecast.supply` from the data's date on: the first forecast year holds
only its unobserved part (what was supplied earlier that year is history and already out of
the remaining land).  Time is continuous (decimal years); within a forecast year the
simulated supply accrues linearly over the year's calendar.

Supply follows the park's real mechanism: the simulated supply is the *demand* for land;
it is met from the land that can be supplied now first, and land still blocked (征迁 not
finished) only from its release date — demand that finds no land waits (a backlog), so the
supply by time ``t`` is ``min(demand(t), land available by t)``.  Hence two figures:

* **现可供土地用尽** (``free_*``): the first time the demand reaches the land that can be
  supplied now (remaining − blocked);
* **全部已批未供土地用尽** (``p10/p50/p90``, ``mode``): the first time the supply reaches all
  remaining land (plus a scenario's additions) — never before the last release;
* a *shortage* is the first time the demand reaches the land available by then.

The expansion need for ``k`` years is the ``confidence`` quantile (Harrell-Davis, so that
one path does not move it by a parcel) of the demand from now to now + ``k`` years (so
moving the data's date by a month moves the window by a month: exactly ``k`` years of
exposure, the last year's part by the same seasonal share as the first's) minus the land
available then, never below 0, with the median beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.forecast._checks import check_float, check_int
from parkanalysis.forecast.supply import (
    SupplyModel,
    check_sims,
    check_transactions,
    fit_supply_model,
)

_SCENARIO_KEYS = {"name", "relocations", "conversions", "annual_target"}


@dataclass(frozen=True)
class LandOutlook:
    """Result of :func:`land_outlook`.

    Attributes
    ----------
    supply_forecast : pandas.DataFrame
        ``year, exposure, point, mean, median, lo80, hi80, lo95, hi95, p80`` of the
        simulated supply per forecast year (亩); ``point`` is the model's expectation,
        ``exposure`` the share of the year still to come.
    exhaustion : pandas.DataFrame
        One row per scenario (``baseline`` first): ``scenario``; all approved land:
        ``p10, p50, p90`` (the year of the 10th/50th/90th percentile of the exhaustion
        time, nullable ``Int64``; ``<NA>`` means *not within the horizon*),
        ``p10_date, p50_date, p90_date`` (the dates, None beyond the horizon),
        ``prob_within_horizon``, ``mode`` (the most likely year; ``<NA>`` when "not within
        the horizon" is likelier than any year) and ``mode_prob``; the same percentiles of
        the land that can be supplied now with the prefix ``free_``.
    exhaustion_probability : pandas.DataFrame
        ``scenario, year, prob, free_prob, shortage_prob``: cumulative probability that all
        land, the land that can be supplied now, and the land available by then (a
        shortage) is used up by the end of ``year``.
    expansion_need : pandas.DataFrame
        ``scenario, horizon_years, year, until, net_mu, median_net_mu, gross_mu,
        median_gross_mu, demand_mu, median_demand_mu``; ``horizon_years = k`` covers now to
        ``until`` = now + ``k`` years (in ``year``).
    model : SupplyModel
    recent_average_mu, recent_years, years_of_supply_left, remaining_mu, blocked_mu,
    free_mu, release_time, start_time, confidence, gross_to_net, note
        As before: the official 尚可供地年数 (remaining ÷ average of the recent complete
        years) and the inputs.
    paths : numpy.ndarray
        The baseline supply paths ``(n_sims, horizon)``.
    """

    supply_forecast: pd.DataFrame
    exhaustion: pd.DataFrame
    exhaustion_probability: pd.DataFrame
    expansion_need: pd.DataFrame
    model: SupplyModel
    recent_average_mu: float
    recent_years: int
    years_of_supply_left: float | None
    remaining_mu: float
    blocked_mu: float
    free_mu: float
    release_time: float | None
    start_time: float
    confidence: float
    gross_to_net: float
    note: str
    paths: np.ndarray


def _year_amounts(spec: Any, key: str, name: str, years: np.ndarray, *, signed: bool):
    out = np.zeros(years.size)
    if spec is None:
        return out
    if not isinstance(spec, Mapping):
        raise ParameterError(f"scenario {name!r}: {key} must map year -> area (亩)")
    for year, area in spec.items():
        year = check_int(year, f"scenario {name!r}: {key} year")
        area = check_float(area, f"scenario {name!r}: {key} area")
        if not signed and area < 0:
            raise ParameterError(f"scenario {name!r}: {key} areas must be >= 0, got {area:g}")
        if year < years[0] or year > years[-1]:
            raise ParameterError(
                f"scenario {name!r}: {key} year {year} is outside the forecast years "
                f"{years[0]}..{years[-1]}"
            )
        out[year - years[0]] += area
    return out


def _parse_scenarios(scenarios: Any, years: np.ndarray) -> list[tuple[str, np.ndarray, Any]]:
    if scenarios is None:
        return []
    if isinstance(scenarios, Mapping):
        items = []
        for key, spec in scenarios.items():
            if not isinstance(spec, Mapping):
                raise ParameterError(f"scenario {key!r} must be a dict")
            items.append({"name": key, **spec})
    elif isinstance(scenarios, Iterable) and not isinstance(scenarios, str | bytes):
        items = list(scenarios)
    else:
        raise ParameterError("scenarios must be a dict of name -> spec or a list of specs")
    parsed, names = [], {"baseline"}
    for i, spec in enumerate(items):
        if not isinstance(spec, Mapping):
            raise ParameterError(f"scenario #{i + 1} must be a dict")
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ParameterError(f"scenario #{i + 1} needs a non-empty string 'name'")
        if name in names:
            raise ParameterError(f"scenario name {name!r} is used twice (or is 'baseline')")
        names.add(name)
        unknown = set(spec) - _SCENARIO_KEYS
        if unknown:
            raise ParameterError(
                f"scenario {name!r}: unknown key(s) {sorted(map(str, unknown))}; "
                f"allowed: {sorted(_SCENARIO_KEYS)}"
            )
        added = _year_amounts(spec.get("relocations"), "relocations", name, years, signed=False)
        added += _year_amounts(spec.get("conversions"), "conversions", name, years, signed=True)
        target = spec.get("annual_target")
        if target is not None:
            target = check_float(target, f"scenario {name!r}: annual_target", minimum=0.0)
        parsed.append((name, added, target))
    return parsed


def _blocked(blocked: Any) -> list[tuple[float, float]]:
    """``(area, release time)`` items; an int year means 1 January of that year."""
    out = []
    for i, item in enumerate(blocked or ()):
        try:
            area, when = item
        except (TypeError, ValueError):
            raise ParameterError(f"blocked item #{i + 1} must be (area_mu, year)") from None
        area = check_float(area, "blocked area", minimum=0.0)
        when = check_float(when, "blocked release time (year)")
        out.append((area, when))
    return out


def decimal_year(ts: Any) -> float:
    """A date as a decimal year (1 January = the year itself).

    >>> decimal_year(pd.Timestamp("2016-01-01")), round(decimal_year(pd.Timestamp("2016-07-02")), 3)
    (2016.0, 2016.5)
    """
    ts = pd.Timestamp(ts)
    days = 366 if ts.is_leap_year else 365
    return ts.year + (ts.day_of_year - 1) / days


def date_of(t: float) -> pd.Timestamp | None:
    """The date of a decimal year (None for infinity or NaN).

    >>> str(date_of(2016.5).date()), date_of(float("inf"))
    ('2016-07-02', None)
    """
    if not np.isfinite(t):
        return None
    year = int(np.floor(t))
    days = 366 if pd.Timestamp(year, 1, 1).is_leap_year else 365
    return pd.Timestamp(year, 1, 1) + pd.Timedelta(days=min(round((t - year) * days), days - 1))


class _Clock:
    """Cumulative supply of every path as a function of calendar time (decimal years).

    Within a forecast year the simulated supply accrues linearly over the year's calendar
    span (the first year: from the data's date to its end).
    """

    def __init__(self, cum: np.ndarray, starts: np.ndarray, spans: np.ndarray):
        self.cum, self.starts, self.spans = cum, starts, spans
        self.now = float(starts[0])
        self.end = float(starts[-1] + spans[-1])

    def at(self, t: float) -> np.ndarray:
        """Cumulative supply of each path by time ``t``."""
        i = int(np.clip(np.searchsorted(self.starts, t, side="right") - 1, 0, self.starts.size - 1))
        f = float(np.clip((t - self.starts[i]) / self.spans[i], 0.0, 1.0))
        prev = self.cum[:, i - 1] if i > 0 else np.zeros(self.cum.shape[0])
        return prev + f * (self.cum[:, i] - prev)

    def reach(self, stock: float) -> np.ndarray:
        """First time each path's cumulative supply reaches ``stock`` (inf: not in horizon)."""
        n = self.cum.shape[0]
        if stock <= 0:
            return np.full(n, self.now)
        tol = 1e-9 * max(1.0, stock)
        hit = self.cum >= stock - tol
        ok = hit.any(axis=1)
        i = hit.argmax(axis=1)
        rows = np.arange(n)
        prev = np.where(i > 0, self.cum[rows, np.maximum(i - 1, 0)], 0.0)
        step = self.cum[rows, i] - prev
        frac = np.clip(np.where(step > 0, (stock - prev) / np.where(step > 0, step, 1), 0), 0, 1)
        return np.where(ok, self.starts[i] + frac * self.spans[i], np.inf)

    def crossing(self, breaks: np.ndarray, levels: np.ndarray, t_min: float) -> np.ndarray:
        """First time ``t >= t_min`` at which supply reaches a step function of land:
        ``levels[k]`` from ``breaks[k]`` (sorted, the first is now) to the next break."""
        n = self.cum.shape[0]
        out = np.full(n, np.inf)
        for k in range(breaks.size):
            lo = max(float(breaks[k]), t_min)
            hi = float(breaks[k + 1]) if k + 1 < breaks.size else self.end
            hi = min(hi, self.end)
            if lo >= hi:
                continue
            level = float(levels[k])
            tol = 1e-9 * max(1.0, abs(level))
            reached = self.at(lo) >= level - tol
            cand = np.where(reached, lo, self.reach(level))
            out = np.where(np.isinf(out) & (cand < hi), cand, out)
        return out


def smooth_quantile(x: np.ndarray, p: float) -> float:
    """The Harrell-Davis quantile: a Beta-weighted mean of the order statistics.

    The simulated need is a quantile of a few thousand paths; the order statistic alone
    moves by a whole parcel when one path near it changes (a month later, a tiny parcel),
    while the weighted mean of the order statistics around it moves by a fraction of that.

    >>> round(smooth_quantile(np.arange(1.0, 101.0), 0.8), 2)
    80.5
    """
    from scipy.special import betainc  # the regularized incomplete beta (fast import)

    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    a, b = (n + 1) * p, (n + 1) * (1 - p)
    edges = betainc(a, b, np.arange(n + 1) / n)
    return float(np.dot(np.diff(edges), x))


def year_of(t: np.ndarray | float, now: float) -> np.ndarray:
    """The year in which time ``t`` falls, a year's end belonging to that year (land used up
    at the very end of 2025 ran out *in* 2025); ``now`` itself to its own year.

    >>> year_of(np.array([2026.0, 2026.2, 2016.5]), 2016.5).tolist()
    [2025, 2026, 2016]
    """
    t = np.asarray(t, dtype=float)
    return np.maximum(np.ceil(t - 1e-9) - 1, np.floor(now)).astype(int)


def _percentile_row(times: np.ndarray, prefix: str, now: float) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for p in (10, 50, 90):
        v = float(np.quantile(times, p / 100, method="inverted_cdf"))
        row[f"{prefix}p{p}"] = pd.NA if np.isinf(v) else int(year_of(v, now))
        row[f"{prefix}p{p}_date"] = date_of(max(v - 1e-9, now))
    row[f"{prefix}prob_within_horizon"] = float(np.isfinite(times).mean())
    return row


def _mode(times: np.ndarray, now: float) -> tuple[Any, float]:
    """The most likely exhaustion year and its probability (NA: most likely not at all)."""
    finite = np.isfinite(times)
    never = 1.0 - float(finite.mean())
    if not finite.any():
        return pd.NA, never
    years, counts = np.unique(year_of(times[finite], now), return_counts=True)
    best = int(np.argmax(counts))
    share = counts[best] / times.size
    return (pd.NA, never) if never > share else (int(years[best]), float(share))


def land_outlook(
    transactions: pd.DataFrame,
    remaining_mu: float,
    *,
    first_year: int,
    last_year: int,
    horizon: int = 10,
    confidence: float = 0.8,
    gross_to_net: float = 1.0,
    scenarios: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None = None,
    recent_years: int = 3,
    n_sims: int = 4000,
    seed: int | None = 0,
    elapsed: float = 0.0,
    calendar_elapsed: float | None = None,
    blocked: Sequence[tuple[float, float]] = (),
    peers: Sequence[tuple[pd.DataFrame, int, int]] = (),
) -> LandOutlook:
    """When does the park's supplyable land run out, and how much must be added?

    Parameters
    ----------
    transactions : pandas.DataFrame
        Columns ``year`` (int) and ``area_mu`` (亩), one row per supplied parcel; rows of
        ``last_year + 1`` are the observed part of the current year (see ``elapsed``).
    remaining_mu : float
        Supplyable land left at the data's date (net 亩, blocked land included), >= 0.
    first_year, last_year : int
        Complete history years (inclusive); years without transactions count as zero.
    horizon : int, default 10
        Forecast years, the first being ``last_year + 1`` (its unobserved part).
    confidence : float, default 0.8
        Probability (0..1) with which the expansion keeps supply going.
    gross_to_net : float, default 1.0
        Gross area per net supplyable 亩 (e.g. 3585/2508), > 0.
    scenarios : dict or list of dict, optional
        ``{name: spec}`` or ``[{"name": ..., **spec}]``; a spec may hold ``relocations``
        (``{year: area}``, >= 0, usable from 1 January of the year), ``conversions``
        (``{year: ±area}``) and ``annual_target`` (a planned supply per year that replaces
        the simulation).
    recent_years : int, default 3
        N of the official 尚可供地年数 = remaining ÷ average supply of the last N years.
    n_sims : int, default 4000
    seed : int or None, default 0
    elapsed : float, default 0
        Share of ``last_year + 1``'s supply already observed (0 = the data end with
        ``last_year``).
    calendar_elapsed : float, optional
        Share of ``last_year + 1``'s calendar already past (the data's date); default
        ``elapsed``.  Times are decimal years; the ``k``-year need is read at now + ``k``.
    blocked : sequence of (area_mu, release), optional
        Parts of ``remaining_mu`` that only become suppliable at ``release`` (a decimal
        year; an int year means its 1 January) — 征迁 pending.
    peers : sequence of (transactions, first_year, last_year), optional
        Other parks of the dataset, pooled by :func:`fit_supply_model`.

    Returns
    -------
    LandOutlook

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"year": list(range(2014, 2024)), "area_mu": [50.0] * 10})
    >>> out = land_outlook(tx, 100.0, first_year=2014, last_year=2023, horizon=5,
    ...                    scenarios={"plan": {"annual_target": 25.0}})
    >>> out.exhaustion[["scenario", "p50", "mode"]]
       scenario   p50  mode
    0  baseline  2025  2025
    1      plan  2027  2027
    >>> out.years_of_supply_left
    2.0
    """
    tx, first_year, last_year = check_transactions(transactions, first_year, last_year)
    remaining_mu = check_float(remaining_mu, "remaining_mu", minimum=0.0)
    horizon = check_int(horizon, "horizon", minimum=1)
    confidence = check_float(confidence, "confidence")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie strictly between 0 and 1, got {confidence:g}")
    gross_to_net = check_float(gross_to_net, "gross_to_net", positive=True)
    recent_years = check_int(recent_years, "recent_years", minimum=1)
    n_years = last_year - first_year + 1
    if recent_years > n_years:
        raise ParameterError(
            f"recent_years ({recent_years}) exceeds the history window ({n_years} years)"
        )
    n_sims, seed = check_sims(n_sims, seed)
    model = fit_supply_model(
        transactions, first_year=first_year, last_year=last_year, elapsed=elapsed, peers=peers
    )
    cal = model.elapsed if calendar_elapsed is None else float(calendar_elapsed)
    if not 0 <= cal < 1:
        raise ParameterError(f"calendar_elapsed must lie in [0, 1), got {cal:g}")
    years, exposure, _ = model.cells(horizon)
    starts = years.astype(float)
    starts[0] += cal
    spans = np.ones(horizon)
    spans[0] = 1.0 - cal
    now = float(starts[0])
    parsed = _parse_scenarios(scenarios, years)
    items = _blocked(blocked)
    blocked_mu = float(sum(a for a, _ in items))
    if blocked_mu > remaining_mu + 1e-9:
        raise ParameterError(
            f"blocked land ({blocked_mu:g}) exceeds the remaining land ({remaining_mu:g})"
        )
    free_mu = max(remaining_mu - blocked_mu, 0.0)
    release_last = max([now, *(w for a, w in items if a > 0)])
    paths = model.simulate(horizon, n_sims=n_sims, seed=seed)
    q = np.quantile(paths, [0.5, 0.10, 0.90, 0.025, 0.975, 0.8], axis=0)
    supply = pd.DataFrame(
        {
            "year": years,
            "exposure": exposure,
            "point": model.expected(horizon),
            "mean": paths.mean(axis=0),
            "median": q[0],
            "lo80": q[1],
            "hi80": q[2],
            "lo95": q[3],
            "hi95": q[4],
            "p80": q[5],
        }
    )
    n_need = horizon - (1 if cal > 0 else 0)
    label0 = last_year + (1 if cal > 0 else 0)  # the year of the data's date
    ex_rows, prob_rows, need_rows = [], [], []
    for name, added, target in [("baseline", np.zeros(horizon), None), *parsed]:
        sc = paths if target is None else np.full((1, horizon), target) * exposure
        clock = _Clock(np.cumsum(sc, axis=1), starts, spans)
        # land of the scenario: additions usable from their year's start (now for this year)
        add_at = np.maximum(starts.copy(), now)
        add_at[0] = now
        release_times = sorted({w for a, w in items if a > 0 and w > now})
        breaks = np.array(sorted({now, *add_at[added != 0].tolist(), *release_times}))
        added_by = np.array([added[add_at <= b + 1e-12].sum() for b in breaks])
        released_by = np.array([sum(a for a, w in items if w <= b + 1e-12) for b in breaks])
        total = remaining_mu + added_by
        usable = free_mu + released_by + added_by
        t_all = clock.crossing(breaks, total, release_last)
        t_free = clock.reach(free_mu)
        t_short = clock.crossing(breaks, usable, now)
        row: dict[str, Any] = {"scenario": name}
        row.update(_percentile_row(t_all, "", now))
        row["mode"], row["mode_prob"] = _mode(t_all, now)
        row.update(_percentile_row(t_free, "free_", now))
        ex_rows.append(row)
        for y in years:
            prob_rows.append(
                {
                    "scenario": name,
                    "year": int(y),
                    "prob": float((t_all <= y + 1 + 1e-9).mean()),
                    "free_prob": float((t_free <= y + 1 + 1e-9).mean()),
                    "shortage_prob": float((t_short <= y + 1 + 1e-9).mean()),
                }
            )
        cum_all = clock.cum
        for k in range(1, n_need + 1):
            t = now + k
            # exactly k years of exposure: the cells up to the k-th year's start, then the
            # share of that year that was already past at the data's date (``elapsed``)
            if cal > 0:
                cum = cum_all[:, k - 1] + model.elapsed * (cum_all[:, k] - cum_all[:, k - 1])
            else:
                cum = cum_all[:, k - 1]
            land = remaining_mu + added[add_at <= t].sum()
            demand = smooth_quantile(cum, confidence)
            median = smooth_quantile(cum, 0.5)
            net, net50 = max(demand - land, 0.0), max(median - land, 0.0)
            need_rows.append(
                {
                    "scenario": name,
                    "horizon_years": k,
                    "year": label0 + k,
                    "until": date_of(t),
                    "net_mu": net,
                    "median_net_mu": net50,
                    "gross_mu": net * gross_to_net,
                    "median_gross_mu": net50 * gross_to_net,
                    "demand_mu": demand,
                    "median_demand_mu": median,
                }
            )
    exhaustion = pd.DataFrame(ex_rows)
    for col in ("p10", "p50", "p90", "mode", "free_p10", "free_p50", "free_p90"):
        exhaustion[col] = exhaustion[col].astype("Int64")

    totals = tx.groupby("year")["area_mu"].sum()
    recent = totals.reindex(range(last_year - recent_years + 1, last_year + 1), fill_value=0.0)
    recent_avg = float(recent.mean())
    notes = []
    if recent_avg > 0:
        years_left: float | None = remaining_mu / recent_avg
    else:
        years_left = None
        notes.append(
            f"No land was supplied in the last {recent_years} years, so the years of supply "
            "left (尚可供地年数) are unbounded and reported as None."
        )
    return LandOutlook(
        supply_forecast=supply,
        exhaustion=exhaustion,
        exhaustion_probability=pd.DataFrame(prob_rows),
        expansion_need=pd.DataFrame(need_rows),
        model=model,
        recent_average_mu=recent_avg,
        recent_years=recent_years,
        years_of_supply_left=years_left,
        remaining_mu=remaining_mu,
        blocked_mu=blocked_mu,
        free_mu=free_mu,
        release_time=release_last if blocked_mu > 0 else None,
        start_time=now,
        confidence=confidence,
        gross_to_net=gross_to_net,
        note=" ".join(notes),
        paths=paths,
    )
