"""Argument checks shared by the forecasting modules (one message style, ParameterError)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError

#: Fewest annual observations :func:`parkanalysis.forecast.forecast_annual` accepts.
MIN_OBSERVATIONS = 5


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ParameterError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_float(
    value: Any, name: str, *, minimum: float | None = None, positive: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(f"{name} must be finite, got {value}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name} must be >= {minimum:g}, got {value:g}")
    if positive and value <= 0:
        raise ParameterError(f"{name} must be > 0, got {value:g}")
    return value


def check_levels(levels: Any) -> tuple[float, ...]:
    if isinstance(levels, int | float) and not isinstance(levels, bool):
        levels = (levels,)
    try:
        items = list(levels)
    except TypeError:
        raise ParameterError(f"levels must be a sequence of numbers, got {levels!r}") from None
    if not items:
        raise ParameterError("levels must contain at least one interval level, e.g. (80, 95)")
    out = set()
    for lev in items:
        lev = check_float(lev, "each interval level")
        if not 0 < lev < 100:
            raise ParameterError(
                f"interval levels must lie strictly between 0 and 100, got {lev:g}"
            )
        out.add(lev)
    return tuple(sorted(out))


def level_name(level: float) -> str:
    return f"{level:g}"


def check_series(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (years, values) of an annual series after validation."""
    if not isinstance(y, pd.Series):
        raise ParameterError(f"y must be a pandas Series indexed by year, got {type(y).__name__}")
    if len(y) < MIN_OBSERVATIONS:
        raise ParameterError(
            f"y has {len(y)} observations; forecast_annual needs at least {MIN_OBSERVATIONS} years"
        )
    try:
        years = np.asarray(y.index, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("the index of y must hold integer years") from None
    if not np.all(np.isfinite(years)) or np.any(years != np.round(years)):
        raise ParameterError("the index of y must hold integer years")
    years = years.astype(np.int64)
    try:
        values = np.asarray(y.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("y must hold numbers") from None
    order = np.argsort(years, kind="stable")
    years, values = years[order], values[order]
    if np.any(np.diff(years) != 1):
        raise ParameterError(
            "the years of y must be consecutive without duplicates; "
            "give years without any record the value 0 (or the right value) explicitly"
        )
    if np.isnan(values).any():
        bad = years[np.isnan(values)].tolist()
        raise ParameterError(f"y contains missing values (NaN) in years {bad}")
    if not np.all(np.isfinite(values)):
        raise ParameterError("y contains infinite values")
    return years, values
