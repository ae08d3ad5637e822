"""Backtests of the supply model that could fail: cumulative supply and exhaustion.

:func:`backtest_supply` refits :func:`~parkanalysis.forecast.supply.fit_supply_model` at
every origin on the years up to it and compares the simulated cumulative supply of the next
``k`` years with what happened; :func:`summarize_supply_backtest` reports, per ``k``, the
error, the bias, the *width* of the intervals (a range of two normal years is not a
forecast, however often it covers) and their coverage.

:func:`backtest_exhaustion` checks exhaustion against what the data later show without
building the answer in: at each origin a stock of ``j`` years of the supply known then
(``j`` in ``stock_years``; fixed before the future is looked at) is followed through the
actual supply.  The stock ran out in the first year whose cumulative actual supply reaches
it, or has *not yet* run out by the last observed year (censored).  An 80 % range
``[P10, P90]`` of the exhaustion year then *holds* when it contains the actual year, or for
a censored case when P10 is after the last observed year; it *fails* when the actual year
lies outside it, or for a censored case when P90 is at or before the last observed year
(the model said it would have run out); otherwise (a censored case with the range straddling
the last observed year) the check is *open*.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.forecast._checks import check_int
from parkanalysis.forecast.supply import check_sims, check_transactions, fit_supply_model


def backtest_supply(
    transactions: pd.DataFrame,
    *,
    first_year: int,
    last_year: int,
    horizon: int = 5,
    min_train: int = 5,
    n_sims: int = 2000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """The simulated cumulative supply against what happened, from every origin.

    From every origin with at least ``min_train`` history years, the model is fitted on the
    years up to the origin and the cumulative supply of the next ``k = 1..horizon`` years
    (as far as the history reaches) is compared with the actual one (80 % and 95 %
    intervals).

    Returns
    -------
    pandas.DataFrame
        One row per (origin, k): ``origin, k, actual_mu, median_mu, lo80, hi80, lo95, hi95,
        covered80, covered95``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"year": [y for y in range(2006, 2016) for _ in range(3)],
    ...                    "area_mu": [40.0, 60, 50] * 10})
    >>> bt = backtest_supply(tx, first_year=2006, last_year=2015, horizon=3, n_sims=500)
    >>> sorted(bt.origin.unique().tolist()), len(bt)
    ([2010, 2011, 2012, 2013, 2014], 12)
    """
    tx, first_year, last_year = check_transactions(transactions, first_year, last_year)
    horizon = check_int(horizon, "horizon", minimum=1)
    min_train = check_int(min_train, "min_train", minimum=2)
    n_sims, seed = check_sims(n_sims, seed)
    totals = tx.groupby("year")["area_mu"].sum()
    rows: list[dict[str, Any]] = []
    for origin in range(first_year + min_train - 1, last_year):
        k_max = min(horizon, last_year - origin)
        actual = totals.reindex(range(origin + 1, origin + 1 + k_max), fill_value=0.0)
        actual = actual.cumsum().to_numpy()
        model = fit_supply_model(tx, first_year=first_year, last_year=origin)
        paths = np.cumsum(model.simulate(k_max, n_sims=n_sims, seed=seed), axis=1)
        q = np.quantile(paths, [0.5, 0.1, 0.9, 0.025, 0.975], axis=0)
        for k in range(1, k_max + 1):
            a = float(actual[k - 1])
            med, lo80, hi80, lo95, hi95 = (float(v) for v in q[:, k - 1])
            rows.append(
                {
                    "origin": origin,
                    "k": k,
                    "actual_mu": a,
                    "median_mu": med,
                    "lo80": lo80,
                    "hi80": hi80,
                    "lo95": lo95,
                    "hi95": hi95,
                    "covered80": bool(lo80 <= a <= hi80),
                    "covered95": bool(lo95 <= a <= hi95),
                }
            )
    columns = ["origin", "k", "actual_mu", "median_mu", "lo80", "hi80", "lo95", "hi95"]
    return pd.DataFrame(rows, columns=[*columns, "covered80", "covered95"])


def summarize_supply_backtest(backtest: pd.DataFrame) -> pd.DataFrame:
    """Per ``k`` (years ahead, cumulative): ``n, mean_actual, mae, bias, width80, width95,
    coverage80, coverage95``; ``bias`` is the mean of actual − median (negative: the
    median ran high), ``width`` the mean width of the interval (亩).

    Examples
    --------
    >>> import pandas as pd
    >>> bt = pd.DataFrame({"k": [1, 1, 2], "actual_mu": [3.0, 5, 4], "median_mu": [4.0, 4, 4],
    ...                    "lo80": [2.0, 2, 1], "hi80": [6.0, 4, 9], "lo95": [1.0, 1, 0],
    ...                    "hi95": [8.0, 8, 12],
    ...                    "covered80": [True, False, True], "covered95": [True, True, True]})
    >>> s = summarize_supply_backtest(bt)
    >>> s["coverage80"].tolist(), s["width80"].tolist(), s["bias"].tolist()
    ([0.5, 1.0], [3.0, 8.0], [0.0, 0.0])
    """
    err = backtest["actual_mu"] - backtest["median_mu"]
    g = err.groupby(backtest["k"])
    out = pd.DataFrame(
        {
            "n": g.size(),
            "mean_actual": backtest["actual_mu"].groupby(backtest["k"]).mean(),
            "mae": g.apply(lambda e: e.abs().mean()),
            "bias": g.mean(),
        }
    )
    for lev in ("80", "95"):
        width = backtest[f"hi{lev}"] - backtest[f"lo{lev}"]
        out[f"width{lev}"] = width.groupby(backtest["k"]).mean()
    for lev in ("80", "95"):
        out[f"coverage{lev}"] = (
            backtest[f"covered{lev}"].astype(float).groupby(backtest["k"]).mean()
        )
    out.index.name = "h"
    return out


def backtest_exhaustion(
    transactions: pd.DataFrame,
    *,
    first_year: int,
    last_year: int,
    stock_years: tuple[float, ...] = (1.0, 2.0, 3.0),
    horizon: int = 10,
    min_train: int = 5,
    n_sims: int = 2000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Exhaustion years forecast at each origin against what the data later show.

    Returns
    -------
    pandas.DataFrame
        One row per (origin, stock): ``origin, stock_years, stock_mu, actual_year``
        (``<NA>``: not yet run out by ``last_year``), ``p10, p50, p90`` (``<NA>``: not
        within the horizon) and ``outcome`` (``held``, ``failed`` or ``open``; see the
        module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"year": [y for y in range(2006, 2016) for _ in range(3)],
    ...                    "area_mu": [40.0, 60, 50] * 10})
    >>> ex = backtest_exhaustion(tx, first_year=2006, last_year=2015, n_sims=300)
    >>> ex.groupby("outcome").size().to_dict()
    {'held': 14, 'open': 1}
    """
    tx, first_year, last_year = check_transactions(transactions, first_year, last_year)
    horizon = check_int(horizon, "horizon", minimum=1)
    min_train = check_int(min_train, "min_train", minimum=2)
    n_sims, seed = check_sims(n_sims, seed)
    totals = tx.groupby("year")["area_mu"].sum()
    rows: list[dict[str, Any]] = []
    for origin in range(first_year + min_train - 1, last_year):
        known = totals.reindex(range(first_year, origin + 1), fill_value=0.0)
        mean = float(known.mean())
        if mean <= 0:
            continue
        later = totals.reindex(range(origin + 1, last_year + 1), fill_value=0.0).cumsum()
        model = fit_supply_model(tx, first_year=first_year, last_year=origin)
        paths = np.cumsum(model.simulate(horizon, n_sims=n_sims, seed=seed), axis=1)
        for j in stock_years:
            stock = float(j) * mean
            hit = later.index[later.to_numpy() >= stock - 1e-9]
            actual = int(hit[0]) if len(hit) else None
            reached = paths >= stock - 1e-9
            first = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, horizon + 1)
            p10, p50, p90 = (
                int(np.quantile(first, p, method="inverted_cdf")) for p in (0.1, 0.5, 0.9)
            )
            years = [origin + v if v <= horizon else None for v in (p10, p50, p90)]
            lo, hi = origin + p10, origin + p90  # horizon + 1 stands for "later"
            if actual is not None:
                outcome = "held" if lo <= actual <= hi else "failed"
            elif lo > last_year:
                outcome = "held"
            elif hi <= last_year:
                outcome = "failed"
            else:
                outcome = "open"
            rows.append(
                {
                    "origin": origin,
                    "stock_years": float(j),
                    "stock_mu": stock,
                    "actual_year": actual,
                    "p10": years[0],
                    "p50": years[1],
                    "p90": years[2],
                    "outcome": outcome,
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "origin",
            "stock_years",
            "stock_mu",
            "actual_year",
            "p10",
            "p50",
            "p90",
            "outcome",
        ],
    )
    for col in ("actual_year", "p10", "p50", "p90"):
        out[col] = out[col].astype("Int64")
    return out
