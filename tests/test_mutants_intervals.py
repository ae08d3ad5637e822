"""The forecast's prediction intervals recomputed from the module docstring of forecast/annual.py.

The published land outlook prints ``lo80 … hi95`` from :func:`forecast_annual`. The docstring
states the method exactly (rolling-origin errors scaled by the MASE scale of their origin,
floored at ``SCALE_FLOOR`` × the whole series' scale, mean per horizon made non-decreasing and
extrapolated linearly, inflated by (1 + 1/m) ** ``ERROR_COUNT_EXPONENT``, a Laplace half width
``−ln(1 − p) · b``, bounds floored at 0 for a series without negative values). The reference
below follows those words with plain loops; the point forecast at each origin is taken from
the forecaster (what is tested here is the interval built around it).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from parkanalysis.forecast import backtest_annual, forecast_annual
from parkanalysis.forecast.annual import ERROR_COUNT_EXPONENT, SCALE_FLOOR
from parkanalysis.forecast.annual import _forecast_core as point_and_scale


def mean_abs_step(x: np.ndarray) -> float:
    return float(np.mean(np.abs(np.diff(x)))) if x.size > 1 else 0.0


def reference_scale(x: np.ndarray, horizon: int) -> np.ndarray:
    """The Laplace scale ``b`` per horizon, from the docstring's words."""
    n = x.size
    whole = mean_abs_step(x)
    if whole == 0:
        return np.zeros(horizon)  # a constant series: zero-width intervals
    errors: list[list[float]] = [[] for _ in range(horizon)]
    for t in range(4, n):  # every origin t >= 4 with a later observation
        raw = mean_abs_step(x[:t])
        if raw == 0:
            continue  # origins whose scale is 0 are skipped
        scale = max(raw, SCALE_FLOOR * whole)
        forecast = point_and_scale(x[:t], horizon)[0]  # made from x[:t] alone
        for h in range(1, min(horizon, n - t) + 1):
            errors[h - 1].append(abs(x[t + h - 1] - forecast[h - 1]) / scale)
    seen = [h for h in range(1, horizon + 1) if errors[h - 1]]
    if not seen:  # no usable past error: h times the mean absolute one-step change
        mae = [float(h) for h in range(1, horizon + 1)]
        count = [1] * horizon
    else:
        last = seen[-1]
        mae = [float(np.mean(errors[h - 1])) if errors[h - 1] else 0.0 for h in range(1, last + 1)]
        count = [len(errors[h - 1]) for h in range(1, last + 1)]
        for h in range(last + 1, horizon + 1):  # extrapolated linearly in h
            mae.append(mae[last - 1] * h / last)
            count.append(count[last - 1])
        mae = list(np.maximum.accumulate(mae))  # non-decreasing in h
    inflate = [(1 + 1 / c) ** ERROR_COUNT_EXPONENT for c in count]
    return np.array([m * f * whole for m, f in zip(mae, inflate, strict=True)])


def reference_frame(y: pd.Series, horizon: int, levels) -> pd.DataFrame:
    x = y.sort_index().to_numpy(float)
    mean = point_and_scale(x, horizon)[0]
    b = reference_scale(x, horizon)
    floor = 0.0 if (x >= 0).all() else -math.inf
    out = {"mean": [max(m, floor) for m in mean]}
    for p in sorted(levels):
        half = -math.log(1 - p / 100) * b
        name = f"{p:g}"
        out[f"lo{name}"] = [max(m - w, floor) for m, w in zip(mean, half, strict=True)]
        out[f"hi{name}"] = [max(m + w, floor) for m, w in zip(mean, half, strict=True)]
    last = int(y.index.max())
    return pd.DataFrame(out, index=pd.Index(range(last + 1, last + 1 + horizon), name="year"))


def series(values, start=2008):
    return pd.Series(np.asarray(values, dtype=float), index=range(start, start + len(values)))


RNG = np.random.default_rng(29)
SERIES = {
    "trend": series([10, 12, 13, 15, 16, 18, 19, 21, 22, 25]),
    "lumpy_zeros": series([0, 0, 0, 0, 0.5, 40, 0, 120, 15, 0, 60, 5]),
    "constant_start": series([3, 3, 3, 3, 3, 3, 9, 4, 12]),
    "declining": series([90, 80, 85, 60, 55, 40, 30, 33, 20]),
    "negative": series([5, -3, 8, -10, 2, 6, -1, 4]),
    "short": series([5, 8, 6, 9, 7]),
    "random": series(RNG.gamma(2.0, 30.0, 14).round(1)),
    "random_walk": series((100 + RNG.normal(0, 12, 11).cumsum()).round(1)),
    "unit_steps": series([5, 6, 5, 6, 7, 6, 7, 8, 7]),  # whole-series scale exactly 1
}


@pytest.mark.parametrize("name", list(SERIES))
@pytest.mark.parametrize("horizon", [1, 3, 8])
def test_intervals_follow_the_documented_method(name, horizon):
    y = SERIES[name]
    levels = (50, 80, 95, 99.5)
    got = forecast_annual(y, horizon, levels=levels)
    want = reference_frame(y, horizon, levels)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-9)


def test_a_constant_series_has_zero_width_intervals():
    got = forecast_annual(series([7.0] * 8), 4)
    for col in got.columns:
        np.testing.assert_allclose(got[col].to_numpy(), 7.0, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["trend", "random", "negative"])
def test_backtest_bounds_are_those_of_the_forecast_from_each_origin(name):
    """Each backtest row's bounds are what forecast_annual gives from that origin's years."""
    y = SERIES[name]
    bt = backtest_annual(y, horizon=3, min_train=5)
    for origin, rows in bt.groupby("origin"):
        fc = forecast_annual(y.loc[:origin], len(rows)).reset_index()
        for col in ("year", "mean", "lo80", "hi80", "lo95", "hi95"):
            np.testing.assert_allclose(rows[col].to_numpy(float), fc[col].to_numpy(float))
        inside = (rows["actual"] >= rows["lo95"]) & (rows["actual"] <= rows["hi95"])
        assert rows["covered95"].tolist() == inside.tolist()
