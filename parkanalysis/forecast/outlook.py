"""When does the supplyable land run out, and how much must be added?

:func:`land_outlook` simulates future supply with the compound model of
:mod:`parkanalysis.forecast.supply` from the data's date on: the first forecast year holds
only its unobserved part (what was supplied earlier that year is history and already out of
the remaining land).  Land is *exhausted* in the first year whose cumulative simulated supply
reaches the remaining land (plus scenario additions up to that year).  Land still blocked
(e.g. 征迁 not finished) counts toward the remaining land but only becomes suppliable in its
release year; a *shortage* is the first year in which cumulative supply reaches the land
suppliable by then.  The expansion need for ``k`` years is the ``confidence`` quantile of the
cumulative supply minus the land available, never below 0, with the median beside it.
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
        ``year, exposure, point, mean, median, lo80, hi80, lo95, hi95`` of the simulated
        supply per forecast year (亩); ``point`` is the model's expectation, ``exposure`` the
        share of the year still to come.
    exhaustion : pandas.DataFrame
        One row per scenario (``baseline`` first): ``scenario``, ``p10``, ``p50``, ``p90``
        (exhaustion year as nullable ``Int64``; ``<NA>`` means *not within the horizon*)
        and ``prob_within_horizon``.
    exhaustion_probability : pandas.DataFrame
        ``scenario, year, prob, shortage_prob``: cumulative probability of exhaustion (and
        of a shortage while land is still blocked) by the end of ``year``.
    expansion_need : pandas.DataFrame
        ``scenario, horizon_years, year, net_mu, median_net_mu, gross_mu, median_gross_mu,
        demand_mu, median_demand_mu``; ``horizon_years = k`` covers the forecast years up to
        ``year``.
    model : SupplyModel
    recent_average_mu, recent_years, years_of_supply_left, remaining_mu, blocked_mu,
    confidence, gross_to_net, note
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


def _blocked(blocked: Any, years: np.ndarray) -> tuple[float, np.ndarray]:
    """Total blocked area and, per forecast year, the area released by its end."""
    released = np.zeros(years.size)
    total = 0.0
    for i, item in enumerate(blocked or ()):
        try:
            area, year = item
        except (TypeError, ValueError):
            raise ParameterError(f"blocked item #{i + 1} must be (area_mu, year)") from None
        area = check_float(area, "blocked area", minimum=0.0)
        year = check_int(year, "blocked year")
        total += area
        released[years >= year] += area
    return total, released


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
    blocked: Sequence[tuple[float, int]] = (),
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
        (``{year: area}``, >= 0), ``conversions`` (``{year: ±area}``) and
        ``annual_target`` (a planned supply per year that replaces the simulation).
    recent_years : int, default 3
        N of the official 尚可供地年数 = remaining ÷ average supply of the last N years.
    n_sims : int, default 4000
    seed : int or None, default 0
    elapsed : float, default 0
        Share of ``last_year + 1`` already observed (0 = the data end with ``last_year``).
    blocked : sequence of (area_mu, year), optional
        Parts of ``remaining_mu`` that only become suppliable in ``year`` (征迁 pending).
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
    >>> out.exhaustion[["scenario", "p50"]]
       scenario   p50
    0  baseline  2025
    1      plan  2027
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
    years, exposure, _ = model.cells(horizon)
    parsed = _parse_scenarios(scenarios, years)
    blocked_mu, released = _blocked(blocked, years)
    if blocked_mu > remaining_mu + 1e-9:
        raise ParameterError(
            f"blocked land ({blocked_mu:g}) exceeds the remaining land ({remaining_mu:g})"
        )
    paths = model.simulate(horizon, n_sims=n_sims, seed=seed)
    q = np.quantile(paths, [0.5, 0.10, 0.90, 0.025, 0.975], axis=0)
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
        }
    )
    tol = 1e-9 * max(1.0, remaining_mu)
    ex_rows, prob_rows, need_rows = [], [], []
    for name, added, target in [("baseline", np.zeros(horizon), None), *parsed]:
        sc = paths if target is None else np.full((1, horizon), target) * exposure
        cum = np.cumsum(sc, axis=1)
        available = remaining_mu + np.cumsum(added)
        out = (cum >= available - tol) & (cum > 0)
        usable_now = available - blocked_mu + released
        short = (cum >= usable_now - tol) & (cum > 0)
        first = np.where(out.any(axis=1), out.argmax(axis=1), np.inf)
        row: dict[str, Any] = {"scenario": name}
        for p in (10, 50, 90):
            v = np.quantile(first, p / 100, method="inverted_cdf")
            row[f"p{p}"] = pd.NA if np.isinf(v) else int(years[int(v)])
        row["prob_within_horizon"] = float(np.isfinite(first).mean())
        ex_rows.append(row)
        ever = np.maximum.accumulate(out, axis=1).mean(axis=0)
        ever_short = np.maximum.accumulate(short, axis=1).mean(axis=0)
        prob_rows += [
            {"scenario": name, "year": int(y), "prob": float(a), "shortage_prob": float(b)}
            for y, a, b in zip(years, ever, ever_short, strict=True)
        ]
        demand = np.quantile(cum, confidence, axis=0, method="inverted_cdf")
        median = np.quantile(cum, 0.5, axis=0, method="inverted_cdf")
        net = np.maximum(demand - available, 0.0)
        net50 = np.maximum(median - available, 0.0)
        for k in range(horizon):
            need_rows.append(
                {
                    "scenario": name,
                    "horizon_years": k + 1,
                    "year": int(years[k]),
                    "net_mu": float(net[k]),
                    "median_net_mu": float(net50[k]),
                    "gross_mu": float(net[k] * gross_to_net),
                    "median_gross_mu": float(net50[k] * gross_to_net),
                    "demand_mu": float(demand[k]),
                    "median_demand_mu": float(median[k]),
                }
            )
    exhaustion = pd.DataFrame(ex_rows)
    for p in (10, 50, 90):
        exhaustion[f"p{p}"] = exhaustion[f"p{p}"].astype("Int64")

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
        confidence=confidence,
        gross_to_net=gross_to_net,
        note=" ".join(notes),
        paths=paths,
    )
