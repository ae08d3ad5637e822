"""Point forecasts and calibrated prediction intervals for short annual series.

Point forecasts
    :func:`forecast_annual` chooses, per series, among three candidates by their own
    rolling-origin (time-series cross-validation) errors:

    0. the median of simple exponential smoothing (SES, no trend, initial level by least
       squares), the random walk with drift and Holt's damped trend — "no trend", "damped
       trend" and "full trend", horizon by horizon;
    1. SES with the drift in its recursion (ARIMA(0,1,1) with drift);
    2. the SES level plus the drift (the trend of the drift method from a smoothed level).

    The candidate with the smallest mean absolute scaled error over every earlier origin
    (``h = 1..horizon``, each error divided by the MASE scale of its origin) is used; the
    choice at each origin only sees data before it, and without any usable past error the
    median combination is used.  Nothing is tuned on a benchmark's test years: the
    candidates are textbook methods and the weights come from the series itself.  Scores
    (``benchmarks/m3_forecast.py``, same scoring as ``shared/benchmarks/README.md``) are
    given in docs/ARCHITECTURE.md.

Prediction intervals
    Model-formula intervals are far too narrow on short annual series, so the intervals are
    calibrated on the series' own rolling-origin errors of the whole procedure (selection
    included).  For every origin ``t >= 4`` its errors for ``h = 1..horizon`` are divided
    by the mean absolute one-step change of the first ``t`` points (the MASE scale at that
    origin, floored at :data:`SCALE_FLOOR` times the scale of the whole series so that a
    nearly constant start — four zeros and a 0.5 亩 parcel — cannot blow the intervals up;
    origins whose scale is 0 are skipped).  The mean absolute scaled error per horizon is
    made non-decreasing in ``h``, extrapolated linearly in ``h`` beyond the horizons seen in
    the history, inflated by ``(1 + 1/m) ** ERROR_COUNT_EXPONENT`` for ``m`` errors (the
    exponent, 0.25, was chosen by cross-collection validation: see below), multiplied by
    the scale of the whole series and used as the scale ``b`` of a Laplace distribution:
    the half width of the ``p`` % interval is ``-ln(1 - p/100) * b``.  Empirical quantiles
    of the 5-20 errors a short series has are too noisy for a 95 % bound; the Laplace tail
    needs only the mean absolute error.  Without any usable past error (e.g. a constant start) the
    scale falls back to ``h`` times the mean absolute one-step change; a constant series
    gets zero-width intervals.

Calibration across collections
    The one setting of the intervals, :data:`ERROR_COUNT_EXPONENT`, is chosen by
    ``benchmarks/m3_forecast.py`` from the grid 0, 0.125, 0.25, 0.375, 0.5 (0.5 is the
    textbook ``sqrt(1 + 1/m)`` for a scale estimated from ``m`` errors) on one collection
    (M3 or Tourism yearly: the value whose per-horizon 80 % and 95 % coverage is worst off
    nominal by the least) and scored on the other.  Tourism chooses 0.25 (shipped) and M3
    scored with it is within 3 points at every horizon (one year ahead 0.829 at 80 %); M3
    chooses 0, and Tourism scored with it is within 3 points too (0.772 one year ahead).
    Per-horizon widening factors do not travel (M3 one year ahead wants 0.91, Tourism 1.04),
    nor did the per-series variants listed in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.forecast._checks import (
    MIN_OBSERVATIONS,
    check_int,
    check_levels,
    check_series,
    level_name,
)

#: The candidates :func:`forecast_annual` chooses among (see the module docstring).
CANDIDATES = ("median(SES, drift, damped)", "SES with drift", "SES level + drift")
#: Smallest origin scale, as a share of the whole series' mean absolute one-step change.
SCALE_FLOOR = 0.4
#: Exponent of the small-sample inflation ``(1 + 1/m)`` of an error scale estimated from
#: ``m`` past errors, chosen by cross-collection validation (see the module docstring).
ERROR_COUNT_EXPONENT = 0.25

_FIRST_ORIGIN = 4  # smallest training length whose errors calibrate the intervals
_FIRST_SELECT = 3  # smallest training length whose errors choose the candidate
_SES_ALPHAS = np.linspace(0.05, 1.0, 20)
# Damped-trend grid; phi descending so that exact fits (ties) keep the most trend.
_DA, _DB, _DP = (
    g.ravel()
    for g in np.meshgrid(
        np.array([0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0]),
        np.array([0.01, 0.05, 0.1, 0.2, 0.4]),
        np.array([0.98, 0.95, 0.9, 0.85, 0.8]),
        indexing="ij",
    )
)


# --------------------------------------------------------------------------- base methods
def _origin_forecasts(x: np.ndarray, horizon: int, origins: np.ndarray) -> np.ndarray:
    """The candidate forecasts of :data:`CANDIDATES` from every origin in one pass.

    Returns an array ``(candidate, origin, h)``.

    The smoothing recursions do not depend on where the training data end, so one pass
    over the series gives the states and the cumulative in-sample SSE of every parameter
    on the grid for every origin; the fit at origin ``t`` (training ``x[:t]``) is the
    grid point with the smallest SSE up to ``t``.
    """
    n = x.size
    # SES with the initial level estimated by least squares.  With the pre-sample level
    # l0, the level after observation t is p_t + u_t * l0 and the one-step error is
    # a_t - c_t * l0, so the SSE is quadratic in l0 and minimised in closed form per
    # origin from cumulative sums.
    ses_p = np.empty((n, _SES_ALPHAS.size))
    ses_u = np.empty_like(ses_p)
    ses_saa = np.empty_like(ses_p)
    ses_sac = np.empty_like(ses_p)
    ses_scc = np.empty_like(ses_p)
    p = np.zeros(_SES_ALPHAS.size)
    u = np.ones(_SES_ALPHAS.size)
    saa = np.zeros(_SES_ALPHAS.size)
    sac = np.zeros(_SES_ALPHAS.size)
    scc = np.zeros(_SES_ALPHAS.size)
    # Holt damped trend, initial slope from the first two values.
    d_level = np.empty((n, _DA.size))
    d_slope = np.empty_like(d_level)
    d_sse = np.empty_like(d_level)
    dl = np.full(_DA.size, x[0])
    db = np.full(_DA.size, x[1] - x[0])
    dsse = np.zeros(_DA.size)
    d_level[0], d_slope[0], d_sse[0] = dl, db, dsse
    for t in range(n):
        a = x[t] - p
        saa, sac, scc = saa + a * a, sac + a * u, scc + u * u
        p, u = p + _SES_ALPHAS * a, u - _SES_ALPHAS * u
        ses_p[t], ses_u[t], ses_saa[t], ses_sac[t], ses_scc[t] = p, u, saa, sac, scc
        if t == 0:
            continue
        fit = dl + _DP * db
        e = x[t] - fit
        dsse = dsse + e * e
        dl = fit + _DA * e
        db = _DP * db + _DA * _DB * e
        d_level[t], d_slope[t], d_sse[t] = dl, db, dsse

    h = np.arange(1, horizon + 1, dtype=float)
    rows = origins - 1
    l0 = ses_sac[rows] / ses_scc[rows]
    i = np.argmin(ses_saa[rows] - ses_sac[rows] * l0, axis=1)
    r = np.arange(rows.size)
    ses_level = ses_p[rows, i] + ses_u[rows, i] * l0[r, i]
    f_ses = np.repeat(ses_level[:, None], horizon, axis=1)
    drift = (x[rows] - x[0]) / rows
    f_drift = x[rows][:, None] + drift[:, None] * h
    k = np.argmin(d_sse[rows], axis=1)
    damp = np.cumsum(_DP[k][:, None] ** h, axis=1)
    f_damped = d_level[rows, k][:, None] + d_slope[rows, k][:, None] * damp
    f_median = np.median(np.stack([f_ses, f_drift, f_damped]), axis=0)
    f_ses_drift = _ses_with_drift(x, rows, drift, h)
    return np.stack([f_median, f_ses_drift, f_ses + drift[:, None] * h])


def _ses_with_drift(x: np.ndarray, rows: np.ndarray, drift: np.ndarray, h: np.ndarray):
    """SES with a fixed drift in the recursion (ARIMA(0,1,1) with drift), every origin.

    ``l_t = (1 - a) (l_{t-1} + b) + a x_t`` from ``l_0 = x_0``; the level is linear in the
    drift ``b`` (``l_t = P_t + Q_t b``) and so is the one-step error, so the in-sample SSE
    of each grid ``a`` is a quadratic in ``b`` read from cumulative sums at every origin.
    """
    n, a = x.size, _SES_ALPHAS
    P = np.empty((n, a.size))
    Q = np.empty_like(P)
    sums = np.zeros((n, 3, a.size))  # cumulative sum of A*A, A*B, B*B
    P[0], Q[0] = x[0], 0.0
    acc = np.zeros((3, a.size))
    for t in range(1, n):
        A = x[t] - P[t - 1]
        B = Q[t - 1] + 1.0
        acc = acc + np.stack([A * A, A * B, B * B])
        sums[t] = acc
        P[t] = (1 - a) * P[t - 1] + a * x[t]
        Q[t] = (1 - a) * (Q[t - 1] + 1.0)
    s = sums[rows]
    sse = s[:, 0] - 2 * drift[:, None] * s[:, 1] + drift[:, None] ** 2 * s[:, 2]
    k = np.argmin(sse, axis=1)
    level = P[rows, k] + Q[rows, k] * drift
    return level[:, None] + drift[:, None] * h


def _select(x: np.ndarray, pool: np.ndarray, origins: np.ndarray, scale: np.ndarray):
    """The forecast of the candidate with the smallest past error, at every origin.

    At the origin with training length ``t`` only errors on observations before ``t``
    count (each scaled by the MASE scale of its own origin), so the selection, like the
    forecasts, never sees the data it is judged on. Without any usable past error the
    median combination (candidate 0) is kept.
    """
    n_cand, n_orig, horizon = pool.shape
    n = x.size
    # err[c, j, t]: scaled |error| of candidate c from origin j on observation t (0 if none)
    err = np.zeros((n_cand, n_orig, n + 1))
    for j, t in enumerate(origins[:-1]):
        if scale[j] == 0:
            continue
        m = min(horizon, n - t)
        err[:, j, t : t + m] = np.abs(x[t : t + m] - pool[:, j, :m]) / scale[j]
    # total error known at training length t: observations < t from origins < t
    known = np.cumsum(err.sum(axis=1), axis=1)  # (cand, n+1): sum over obs <= index
    out = pool[0].copy()
    choice = np.zeros(n_orig, dtype=int)
    for j, t in enumerate(origins):
        seen = known[:, t - 1] if t >= 1 else np.zeros(n_cand)
        if np.any(seen > 0):
            choice[j] = int(np.argmin(seen))
            out[j] = pool[choice[j], j]
    return out, choice


def _forecast_core(x: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the point forecast and the Laplace scale of its error per horizon."""
    n = x.size
    absdiff = np.abs(np.diff(x))
    cum = np.concatenate([[0.0], np.cumsum(absdiff)])
    # the choice among the candidates is validated from training length 3 on
    all_origins = np.arange(min(_FIRST_SELECT, n), n + 1)
    raw_all = cum[all_origins - 1] / np.maximum(all_origins - 1, 1)
    fc_all, _ = _select(x, _origin_forecasts(x, horizon, all_origins), all_origins, raw_all)
    mean = fc_all[-1]
    keep = all_origins >= min(_FIRST_ORIGIN, n)
    origins, fc, raw_scale = all_origins[keep], fc_all[keep], raw_all[keep]
    # Scale floor: an origin whose history barely moved (e.g. four zeros and a 0.5 亩
    # parcel) would turn an ordinary later error into a huge scaled one and blow the
    # intervals up; no origin's scale counts as less than a share of the whole series'.
    scale = np.where(raw_scale > 0, np.maximum(raw_scale, SCALE_FLOOR * raw_scale[-1]), 0.0)
    if scale[-1] == 0:  # constant history: every method and every past error is exact
        return mean, np.zeros(horizon)
    h = np.arange(1, horizon + 1)
    sum_err = np.zeros(horizon)
    count = np.zeros(horizon)
    for j, t in enumerate(origins[:-1]):
        if scale[j] == 0:
            continue  # a constant stretch carries no usable error scale
        m = min(horizon, n - t)
        sum_err[:m] += np.abs(x[t : t + m] - fc[j, :m]) / scale[j]
        count[:m] += 1
    seen = np.nonzero(count)[0]
    if seen.size == 0:  # no usable past errors: random-walk-like growth of the naive scale
        mae = h.astype(float)
        count = np.ones(horizon)
    else:
        last = seen[-1]
        mae = np.where(count > 0, sum_err / np.maximum(count, 1), 0.0)
        mae[last + 1 :] = mae[last] * h[last + 1 :] / h[last]
        count[last + 1 :] = count[last]
        mae = np.maximum.accumulate(mae)
    b = mae * (1.0 + 1.0 / count) ** ERROR_COUNT_EXPONENT * raw_scale[-1]
    return mean, b


def _laplace_halfwidth(level: float, b: np.ndarray) -> np.ndarray:
    return -math.log(1.0 - level / 100.0) * b


# --------------------------------------------------------------------------- public API
def forecast_annual(y: pd.Series, horizon: int, levels: Sequence[float] = (80, 95)) -> pd.DataFrame:
    """Forecast a short annual series with calibrated prediction intervals.

    The point forecast is the median of simple exponential smoothing, the random walk
    with drift and Holt's damped trend; the intervals come from the series' own scaled
    rolling-origin forecast errors (see the module docstring for the method and its
    benchmark scores).  A series without negative values gets non-negative forecasts and
    bounds.

    Parameters
    ----------
    y : pandas.Series
        Values indexed by consecutive integer years (at least ``MIN_OBSERVATIONS`` = 5,
        no missing values; years without activity must be given as 0).
    horizon : int
        Number of years to forecast, at least 1.
    levels : sequence of float, default (80, 95)
        Interval levels in percent, each strictly between 0 and 100.

    Returns
    -------
    pandas.DataFrame
        Indexed by the forecast years ``last+1 .. last+horizon`` (index name ``year``),
        columns ``mean`` then ``lo{level}``, ``hi{level}`` for each level in increasing
        order, e.g. ``mean, lo80, hi80, lo95, hi95``.

    Raises
    ------
    ParameterError
        If the series is too short, has NaN, gaps or duplicate years, or if ``horizon``
        or ``levels`` are invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([10.0, 12, 13, 15, 16, 18, 19, 21], index=range(2016, 2024))
    >>> fc = forecast_annual(y, horizon=3)
    >>> list(fc.columns), list(fc.index)
    (['mean', 'lo80', 'hi80', 'lo95', 'hi95'], [2024, 2025, 2026])
    >>> bool(((fc.lo95 <= fc.lo80) & (fc.lo80 <= fc["mean"]) & (fc["mean"] <= fc.hi80)
    ...       & (fc.hi80 <= fc.hi95)).all())
    True
    """
    years, x = check_series(y)
    horizon = check_int(horizon, "horizon", minimum=1)
    levs = check_levels(levels)
    mean, b = _forecast_core(x, horizon)
    return _interval_frame(mean, b, levs, years[-1], nonnegative=bool(np.all(x >= 0)))


def _interval_frame(
    mean: np.ndarray, b: np.ndarray, levels: tuple[float, ...], last_year: int, *, nonnegative
) -> pd.DataFrame:
    floor = 0.0 if nonnegative else -np.inf
    out = {"mean": np.maximum(mean, floor)}
    for lev in levels:
        half = _laplace_halfwidth(lev, b)
        out[f"lo{level_name(lev)}"] = np.maximum(mean - half, floor)
        out[f"hi{level_name(lev)}"] = np.maximum(mean + half, floor)
    index = pd.Index(np.arange(last_year + 1, last_year + 1 + mean.size), name="year")
    return pd.DataFrame(out, index=index)


def backtest_annual(
    y: pd.Series,
    *,
    horizon: int,
    min_train: int | None = None,
    levels: Sequence[float] = (80, 95),
) -> pd.DataFrame:
    """Rolling-origin backtest of :func:`forecast_annual` on one series.

    For every origin the forecast is made from the years up to and including the origin
    and compared with the years that follow (as far as the history reaches).

    Parameters
    ----------
    y : pandas.Series
        Annual series as for :func:`forecast_annual`.
    horizon : int
        Forecast horizon in years, at least 1.
    min_train : int, optional
        Fewest years used for the first forecast; default ``max(5, ceil(len(y) / 2))``.
        Must be at least 5 and smaller than ``len(y)``.
    levels : sequence of float, default (80, 95)
        Interval levels in percent.

    Returns
    -------
    pandas.DataFrame
        One row per (origin, target year): ``origin`` (last training year), ``year``,
        ``h``, ``actual``, ``mean``, ``lo{level}``/``hi{level}`` per level and boolean
        ``covered{level}`` per level.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([5.0, 7, 6, 8, 9, 8, 10, 11, 10, 12], index=range(2014, 2024))
    >>> bt = backtest_annual(y, horizon=2, min_train=6)
    >>> len(bt), list(bt.columns[:4])
    (7, ['origin', 'year', 'h', 'actual'])
    >>> summarize_backtest(bt).index.tolist()
    [1, 2]
    """
    years, x = check_series(y)
    horizon = check_int(horizon, "horizon", minimum=1)
    levs = check_levels(levels)
    n = x.size
    if min_train is None:
        min_train = max(MIN_OBSERVATIONS, math.ceil(n / 2))
    min_train = check_int(min_train, "min_train", minimum=MIN_OBSERVATIONS)
    if min_train >= n:
        raise ParameterError(
            f"min_train ({min_train}) must be smaller than the series length ({n}) "
            "so that at least one forecast can be checked"
        )
    frames = []
    nonneg = bool(np.all(x >= 0))
    for t in range(min_train, n):
        m = min(horizon, n - t)
        mean, b = _forecast_core(x[:t], m)
        fc = _interval_frame(mean, b, levs, years[t - 1], nonnegative=nonneg).reset_index()
        fc.insert(0, "origin", years[t - 1])
        fc.insert(2, "h", np.arange(1, m + 1))
        fc.insert(3, "actual", x[t : t + m])
        frames.append(fc)
    bt = pd.concat(frames, ignore_index=True)
    for lev in levs:
        name = level_name(lev)
        bt[f"covered{name}"] = (bt["actual"] >= bt[f"lo{name}"]) & (bt["actual"] <= bt[f"hi{name}"])
    return bt


def summarize_backtest(backtest: pd.DataFrame) -> pd.DataFrame:
    """Summarise a :func:`backtest_annual` table per horizon.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Output of :func:`backtest_annual`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``h``: ``n`` (number of checked forecasts), ``mae``, ``bias``
        (mean of actual − forecast, positive means the forecast was too low) and
        ``coverage{level}`` (share of actuals inside each interval).

    Examples
    --------
    >>> import pandas as pd
    >>> bt = pd.DataFrame({"h": [1, 1, 2], "actual": [3.0, 5.0, 4.0],
    ...                    "mean": [4.0, 4.0, 4.0], "covered80": [True, False, True]})
    >>> s = summarize_backtest(bt)
    >>> s.columns.tolist(), s["mae"].tolist(), s["coverage80"].tolist()
    (['n', 'mae', 'bias', 'coverage80'], [1.0, 0.0], [0.5, 1.0])
    """
    if not isinstance(backtest, pd.DataFrame) or not {"h", "actual", "mean"} <= set(backtest):
        raise ParameterError("backtest must be a DataFrame returned by backtest_annual")
    err = backtest["actual"] - backtest["mean"]
    g = err.groupby(backtest["h"])
    out = pd.DataFrame({"n": g.size(), "mae": g.apply(lambda e: e.abs().mean()), "bias": g.mean()})
    for col in backtest.columns:
        if str(col).startswith("covered"):
            cov = backtest[col].astype(float).groupby(backtest["h"]).mean()
            out[f"coverage{str(col)[len('covered') :]}"] = cov
    out.index.name = "h"
    return out
