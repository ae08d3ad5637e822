"""Lumpy land supply: parcels per year × parcel size (a compound count model).

A park's annual supply is the sum of a few parcels: many years hold two to five, some none,
and one parcel can be a third of a year's total.  Smoothing the annual totals (as for an
economic series) loses exactly that, and intervals cut at zero lift the mean.  The model here
follows the intermittent-demand literature — Croston (1972) separates demand *occurrence*
from demand *size*, Teunter–Syntetos–Babai (TSB) model the occurrence probability directly,
and the compound Poisson is their distributional form:

* **Parcels per year** ``N_y`` — Poisson with rate ``lambda`` per year of exposure.  Without
  a trend the rate is an exponentially weighted mean of the yearly counts per exposure
  (weight :data:`LEVEL_ALPHA`, as TSB smooth the occurrence), so recent years count more;
  a log-linear trend is fitted only when a likelihood-ratio test supports it
  (p < :data:`TREND_P`), and extrapolated damped (factor :data:`TREND_DAMPING` per year).
  A partly observed current year enters the fit with its elapsed exposure.
  Over-dispersion (variance/mean of the counts, Pearson) ``phi >= 1`` makes the annual rate
  Gamma-distributed (negative binomial counts); the trend test is the quasi-Poisson F test
  (likelihood ratio divided by the dispersion), and each path draws its own ``phi``.  With
  peer parks, ``phi`` is shrunk toward the pooled value with the weight of one park's
  evidence.
* **Parcel size** — the park's own parcels, resampled with Bayesian-bootstrap weights per
  path (uncertainty of the size distribution) and a mean-preserving log-normal jitter whose
  width is Silverman's bandwidth of the log sizes (pooled across peer parks with shrinkage).
* **Parameter uncertainty** — per path, the rate level is drawn from its Gamma posterior
  (Jeffreys prior) and the trend slope from its normal approximation, with the log-normal
  bias removed, so the simulated mean equals the point forecast ``rate × mean size``.

Nothing is truncated: counts and sizes are non-negative by construction, so the mean cannot
drift, and a tiny parcel changes the mean size by its weight only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.forecast._checks import check_float, check_int

#: p-value below which a trend in the yearly parcel counts is used.
TREND_P = 0.05
#: Yearly damping of an extrapolated count trend.
TREND_DAMPING = 0.8
#: Smoothing weight of the exponentially weighted parcel rate without a trend (TSB's
#: occurrence smoothing; the intermittent-demand literature uses 0.05-0.3).
LEVEL_ALPHA = 0.2
#: Fewest complete history years for a trend test.
TREND_MIN_YEARS = 6


def check_transactions(
    transactions: Any, first_year: Any, last_year: Any
) -> tuple[pd.DataFrame, int, int]:
    if not isinstance(transactions, pd.DataFrame):
        raise ParameterError(
            f"transactions must be a DataFrame with columns year, area_mu, "
            f"got {type(transactions).__name__}"
        )
    missing = {"year", "area_mu"} - set(transactions.columns)
    if missing:
        raise ParameterError(f"transactions lacks the column(s) {sorted(missing)}")
    first_year = check_int(first_year, "first_year")
    last_year = check_int(last_year, "last_year")
    if last_year < first_year:
        raise ParameterError(f"last_year ({last_year}) is before first_year ({first_year})")
    try:
        year = pd.to_numeric(transactions["year"]).to_numpy(dtype=float)
        area = pd.to_numeric(transactions["area_mu"]).to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ParameterError("transactions.year and transactions.area_mu must be numbers") from None
    if np.isnan(year).any() or np.isnan(area).any():
        raise ParameterError("transactions has missing year or area_mu values")
    if np.any(year != np.round(year)):
        raise ParameterError("transactions.year must hold integer years")
    if not np.all(np.isfinite(area)) or np.any(area < 0):
        raise ParameterError("transactions.area_mu must be finite and non-negative (亩)")
    keep = (year >= first_year) & (year <= last_year)
    tx = pd.DataFrame({"year": year[keep].astype(np.int64), "area_mu": area[keep]})
    return tx, first_year, last_year


def annual_supply(transactions: pd.DataFrame, *, first_year: int, last_year: int) -> pd.Series:
    """Total land supplied per year, with zero for years without transactions.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per land transaction with columns ``year`` (int) and ``area_mu`` (亩).
        Rows outside ``[first_year, last_year]`` are ignored.
    first_year, last_year : int
        The history window (inclusive).

    Returns
    -------
    pandas.Series
        Float totals indexed by every year of the window (index name ``year``).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"year": [2020, 2020, 2022], "area_mu": [30.0, 20.0, 15.0]})
    >>> annual_supply(tx, first_year=2020, last_year=2023).tolist()
    [50.0, 0.0, 15.0, 0.0]
    """
    tx, first_year, last_year = check_transactions(transactions, first_year, last_year)
    index = pd.Index(np.arange(first_year, last_year + 1), name="year")
    totals = tx.groupby("year")["area_mu"].sum().reindex(index, fill_value=0.0)
    return totals.astype(float).rename("area_mu")


def check_sims(n_sims: Any, seed: Any) -> tuple[int, int | None]:
    n_sims = check_int(n_sims, "n_sims", minimum=1)
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
    return n_sims, seed


def _compound_paths(
    tx: pd.DataFrame, first_year: int, last_year: int, horizon: int, n_sims: int, rng
) -> np.ndarray:
    n_years = last_year - first_year + 1
    sizes = tx["area_mu"].to_numpy()
    if sizes.size == 0:
        return np.zeros((n_sims, horizon))
    counts = (
        tx.groupby("year").size().reindex(range(first_year, last_year + 1), fill_value=0).to_numpy()
    )
    k = counts[rng.integers(0, n_years, size=(n_sims, horizon))]
    total = int(k.sum())
    drawn = sizes[rng.integers(0, sizes.size, size=total)]
    cell = np.repeat(np.arange(n_sims * horizon), k.ravel())
    return np.bincount(cell, weights=drawn, minlength=n_sims * horizon).reshape(n_sims, horizon)


def simulate_supply(
    transactions: pd.DataFrame,
    *,
    first_year: int,
    last_year: int,
    horizon: int,
    n_sims: int = 4000,
    seed: int | None = 0,
) -> np.ndarray:
    """Simulate lumpy annual land supply by a compound bootstrap.

    Each simulated year draws its number of transactions from the historical yearly
    counts (years of the window without transactions count as zero-supply years) and the
    area of each transaction from the park's own historical parcel sizes, both with
    replacement.  This keeps the lumpiness (zero years, large parcels) and any regularity
    of the history, but assumes no trend.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Columns ``year`` (int) and ``area_mu`` (亩), one row per transaction.
    first_year, last_year : int
        History window (inclusive); transactions outside it are ignored.
    horizon : int
        Number of future years, at least 1.
    n_sims : int, default 4000
        Number of simulated paths.
    seed : int or None, default 0
        Seed of the random generator (results are deterministic for a given seed).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_sims, horizon)``: simulated supply (亩) per path and future year.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"year": [2019, 2020, 2020, 2022], "area_mu": [40.0, 25, 35, 60]})
    >>> paths = simulate_supply(tx, first_year=2018, last_year=2023, horizon=5, n_sims=1000)
    >>> paths.shape, bool((paths >= 0).all())
    ((1000, 5), True)
    """
    tx, first_year, last_year = check_transactions(transactions, first_year, last_year)
    horizon = check_int(horizon, "horizon", minimum=1)
    n_sims, seed = check_sims(n_sims, seed)
    rng = np.random.default_rng(seed)
    return _compound_paths(tx, first_year, last_year, horizon, n_sims, rng)


@dataclass(frozen=True)
class SupplyModel:
    """A fitted compound model of annual land supply (see the module docstring).

    Attributes
    ----------
    first_year, last_year : int
        Complete history years of the fit; ``last_year + 1`` is the first forecast year.
    elapsed : float
        Exposure (0..1) of ``last_year + 1`` already observed (its parcels are in the fit).
    counts, exposures : numpy.ndarray
        Parcels per history year and the exposure of each (1 for complete years).
    sizes : numpy.ndarray
        The parcel sizes (亩) that are resampled.
    rate : float
        Expected parcels per full year at ``last_year`` (fitted).
    effective_count : float
        Parcels' worth of evidence behind ``rate`` (the total count for a trend fit, less
        for the exponentially weighted level).
    slope, slope_se : float
        Log-rate trend per year and its standard error (0 when no trend is used).
    trend_pvalue : float
        Likelihood-ratio p-value of the trend (NaN when not tested).
    dispersion : float
        Over-dispersion ``phi >= 1`` of the yearly counts (after pooling).
    dispersion_df : float
        Degrees of freedom behind ``dispersion``; each path draws its own ``phi`` from the
        scaled inverse chi-square with these degrees of freedom (floored at 1).
    bandwidth : float
        Standard deviation of the log-normal size jitter (after pooling).
    """

    first_year: int
    last_year: int
    elapsed: float
    counts: np.ndarray
    exposures: np.ndarray
    sizes: np.ndarray
    rate: float
    effective_count: float
    slope: float
    slope_se: float
    trend_pvalue: float
    dispersion: float
    dispersion_df: float
    bandwidth: float

    @property
    def mean_size(self) -> float:
        """Mean parcel size (亩)."""
        return float(self.sizes.mean()) if self.sizes.size else 0.0

    @property
    def has_trend(self) -> bool:
        """Whether the count trend is used."""
        return self.slope != 0.0

    def cells(self, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(years, exposures, years_ahead)`` of the forecast cells.

        The first cell is ``last_year + 1`` with the exposure not yet observed
        (``1 - elapsed``); the others are full years.
        """
        years = np.arange(self.last_year + 1, self.last_year + 1 + horizon)
        exposure = np.ones(horizon)
        exposure[0] = 1.0 - self.elapsed
        return years, exposure, np.arange(1, horizon + 1, dtype=float)

    def _damped_steps(self, ahead: np.ndarray) -> np.ndarray:
        return np.array([sum(TREND_DAMPING**i for i in range(1, int(a) + 1)) for a in ahead])

    def expected(self, horizon: int) -> np.ndarray:
        """Point forecast of the supply (亩) per forecast cell: rate × exposure × mean size."""
        _, exposure, ahead = self.cells(horizon)
        return (
            self.rate * np.exp(self.slope * self._damped_steps(ahead)) * exposure * self.mean_size
        )

    def simulate(self, horizon: int, n_sims: int = 4000, seed: int | None = 0) -> np.ndarray:
        """Simulated supply paths ``(n_sims, horizon)`` in 亩 (see the module docstring)."""
        rng = np.random.default_rng(seed)
        _, exposure, ahead = self.cells(horizon)
        if self.sizes.size == 0 or self.rate <= 0:
            return np.zeros((n_sims, horizon))
        # Jeffreys-Gamma posterior of the rate level, widened by the over-dispersion
        shape = (self.effective_count + 0.5) / self.dispersion
        level = rng.gamma(shape, 1.0 / shape, size=(n_sims, 1))  # mean 1
        steps = self._damped_steps(ahead)[None, :]
        if self.has_trend:
            z = rng.standard_normal((n_sims, 1))
            s = self.slope + self.slope_se * z
            trend = np.exp(s * steps - 0.5 * (self.slope_se * steps) ** 2)
        else:
            trend = np.ones((1, horizon))
        mu = self.rate * level * trend * exposure[None, :]
        df = max(self.dispersion_df, 1.0)
        phi = np.maximum(self.dispersion * df / rng.chisquare(df, size=(n_sims, 1)), 1.0)
        k = np.maximum(phi - 1.0, 1e-9)
        lam = np.where(phi > 1.0, rng.gamma(np.maximum(mu / k, 1e-12), k), mu)
        n = rng.poisson(lam)
        m = self.sizes.size
        w = rng.gamma(1.0, size=(n_sims, m))
        cdf = np.cumsum(w, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        path = np.repeat(np.arange(n_sims), n.sum(axis=1))
        u = rng.random(path.size)
        flat = (cdf + np.arange(n_sims)[:, None]).ravel()
        idx = np.searchsorted(flat, path + u, side="right") - path * m
        idx = np.clip(idx, 0, m - 1)
        bw = self.bandwidth
        jitter = np.exp(bw * rng.standard_normal(path.size) - 0.5 * bw * bw)
        drawn = self.sizes[idx] * jitter
        cell = np.repeat(np.arange(n_sims * horizon), n.ravel())
        return np.bincount(cell, weights=drawn, minlength=n_sims * horizon).reshape(n_sims, horizon)


def _poisson_trend(counts: np.ndarray, exposure: np.ndarray) -> tuple[float, float, float, float]:
    """Poisson log-linear fit ``log mu = a + b t + log e``: (a, b, se_b, LR statistic)."""
    t = np.arange(counts.size, dtype=float)
    t -= t.mean()
    X = np.column_stack([np.ones_like(t), t])
    total = counts.sum()
    beta = np.array([math.log(max(total, 0.5) / exposure.sum()), 0.0])
    for _ in range(50):
        mu = exposure * np.exp(X @ beta)
        grad = X.T @ (counts - mu)
        hess = X.T @ (X * mu[:, None])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = exposure * np.exp(X @ beta)
    cov = np.linalg.pinv(X.T @ (X * mu[:, None]))
    mu0 = exposure * total / exposure.sum()

    def ll(m):
        m = np.maximum(m, 1e-300)
        return float(np.sum(counts * np.log(m) - m))

    lr = max(0.0, 2 * (ll(mu) - ll(mu0)))
    return (
        float(beta[0]),
        float(beta[1]),
        float(math.sqrt(max(cov[1, 1], 0.0))),
        float(lr),
    )


def _pearson(counts: np.ndarray, mu: np.ndarray, params: int) -> tuple[float, int]:
    ok = mu > 0
    x2 = float(np.sum((counts[ok] - mu[ok]) ** 2 / mu[ok]))
    return x2, max(int(ok.sum()) - params, 1)


def _bandwidth(sizes: np.ndarray) -> float:
    logs = np.log(sizes[sizes > 0])
    if logs.size < 2:
        return 0.0
    return float(1.06 * logs.std(ddof=1) * logs.size ** (-0.2))


def _fit_raw(tx: pd.DataFrame, first_year: int, last_year: int, elapsed: float):
    # the F(1, d) survival function; scipy.special (0.2 s to import), not scipy.stats (1 s)
    from scipy.special import fdtrc

    years = np.arange(first_year, last_year + 2 if elapsed > 0 else last_year + 1)
    counts = tx.groupby("year").size().reindex(years, fill_value=0).to_numpy(dtype=float)
    exposure = np.ones(years.size)
    if elapsed > 0:
        exposure[-1] = elapsed
    sizes = tx.loc[tx["year"].between(first_year, years[-1]), "area_mu"].to_numpy(dtype=float)
    sizes = sizes[sizes > 0]
    total = counts.sum()
    slope, se, pval = 0.0, 0.0, math.nan
    # TSB-style level: exponentially weighted rate (recent years weigh more), with the
    # Poisson effective exposure of the weighted estimator for its uncertainty
    w = (1.0 - LEVEL_ALPHA) ** np.arange(counts.size - 1, -1, -1, dtype=float)
    rate = float(np.sum(w * counts) / np.sum(w * exposure))
    effective = rate * np.sum(w * exposure) ** 2 / np.sum(w * w * exposure)
    mu = exposure * rate
    params = 1
    if last_year - first_year + 1 >= TREND_MIN_YEARS and total > 0:
        a, b, se_b, lr = _poisson_trend(counts, exposure)
        t = np.arange(counts.size, dtype=float)
        t -= t.mean()
        mu1 = exposure * np.exp(a + b * t)
        # quasi-Poisson: the likelihood ratio (as an F test) and the slope's error are
        # scaled by the over-dispersion of the trend model, else lumpy counts fake a trend
        x2_1, df_1 = _pearson(counts, mu1, 2)
        phi1 = max(1.0, x2_1 / df_1)
        pval = float(fdtrc(1, df_1, lr / phi1))
        if pval < TREND_P:
            slope, se, params = b, se_b * math.sqrt(phi1), 2
            mu = mu1
            rate = float(np.exp(a + b * t[last_year - first_year]))
            effective = float(total)
    x2, df = _pearson(counts, mu, params)
    return counts, exposure, sizes, rate, slope, se, pval, x2, df, effective


def fit_supply_model(
    transactions: pd.DataFrame,
    *,
    first_year: int,
    last_year: int,
    elapsed: float = 0.0,
    peers: Sequence[tuple[pd.DataFrame, int, int]] = (),
) -> SupplyModel:
    """Fit the compound supply model to a park's transactions.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Columns ``year`` and ``area_mu``; one row per supplied parcel.  Rows of
        ``last_year + 1`` count as the observed part of the current year when
        ``elapsed > 0``.
    first_year, last_year : int
        Complete history years (inclusive).
    elapsed : float, default 0
        Share (0..1) of the year ``last_year + 1`` already observed (its exposure).
    peers : sequence of (transactions, first_year, last_year), optional
        Other parks of the same dataset; their count dispersion and size spread are pooled
        and the park's own estimates shrunk toward them.

    Returns
    -------
    SupplyModel

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"year": [2014, 2014, 2015, 2017, 2017, 2018],
    ...                    "area_mu": [30.0, 50, 40, 20, 60, 40]})
    >>> m = fit_supply_model(tx, first_year=2014, last_year=2018)
    >>> round(m.rate, 3), m.mean_size, m.has_trend  # counts 2, 1, 0, 2, 1; recent weigh more
    (1.169, 40.0, False)
    >>> m.expected(2).round(1).tolist()
    [46.8, 46.8]
    """
    upto = last_year + 1 if elapsed > 0 else last_year
    elapsed = check_float(elapsed, "elapsed", minimum=0.0)
    if elapsed >= 1:
        raise ParameterError(f"elapsed must be < 1 (share of the year observed), got {elapsed:g}")
    _, first_year, last_year = check_transactions(transactions, first_year, last_year)
    full = transactions.loc[
        pd.to_numeric(transactions["year"]).between(first_year, upto), ["year", "area_mu"]
    ].astype({"year": "int64", "area_mu": float})
    counts, exposure, sizes, rate, slope, se, pval, x2, df, effective = _fit_raw(
        full, first_year, last_year, elapsed
    )
    phi = max(1.0, x2 / df)
    phi_df = float(df)
    bw = _bandwidth(sizes)
    if peers:
        px2, pdf, pbw, pn = [], [], [], []
        for ptx, pf, pl in peers:
            ptx, pf, pl = check_transactions(ptx, pf, pl)
            if ptx.empty:
                continue
            _, _, psz, _, _, _, _, x2p, dfp, _ = _fit_raw(ptx, pf, pl, 0.0)
            px2.append(x2p)
            pdf.append(dfp)
            if psz.size >= 2:
                pbw.append(_bandwidth(psz))
                pn.append(psz.size)
        if pdf:
            pooled = max(1.0, (sum(px2) + x2) / (sum(pdf) + df))
            k = float(np.mean(pdf))
            phi = max(1.0, (df * max(1.0, x2 / df) + k * pooled) / (df + k))
            phi_df = df + k
        if pbw:
            k = float(np.mean(pn))
            pooled_bw = float(np.average(pbw, weights=pn))
            bw = (sizes.size * bw + k * pooled_bw) / (sizes.size + k)
    return SupplyModel(
        first_year=first_year,
        last_year=last_year,
        elapsed=elapsed,
        counts=counts,
        exposures=exposure,
        sizes=sizes,
        rate=float(rate),
        effective_count=float(effective),
        slope=float(slope),
        slope_se=float(se),
        trend_pvalue=float(pval),
        dispersion=float(phi),
        dispersion_df=phi_df,
        bandwidth=float(bw),
    )


def supply_paths(
    transactions: pd.DataFrame,
    *,
    first_year: int,
    last_year: int,
    horizon: int,
    n_sims: int = 4000,
    seed: int | None = 0,
    elapsed: float = 0.0,
    peers: Sequence[tuple[pd.DataFrame, int, int]] = (),
) -> np.ndarray:
    """Simulated annual supply paths of the compound model (:func:`fit_supply_model`).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_sims, horizon)``, non-negative supply in 亩; the first column is the
        unobserved part of ``last_year + 1`` when ``elapsed > 0``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"year": list(range(2014, 2024)), "area_mu": [50.0] * 10})
    >>> p = supply_paths(tx, first_year=2014, last_year=2023, horizon=3, n_sims=4000)
    >>> p.shape, bool((p >= 0).all()), round(float(p.mean()) / 50, 1)
    ((4000, 3), True, 1.0)
    """
    horizon = check_int(horizon, "horizon", minimum=1)
    n_sims, seed = check_sims(n_sims, seed)
    model = fit_supply_model(
        transactions, first_year=first_year, last_year=last_year, elapsed=elapsed, peers=peers
    )
    return model.simulate(horizon, n_sims=n_sims, seed=seed)


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
    """Check what decides: the simulated cumulative supply against what happened.

    From every origin with at least ``min_train`` history years, the model is fitted on the
    years up to the origin and the cumulative supply of the next ``k = 1..horizon`` years
    (as far as the history reaches) is compared with the actual one (80 % and 95 %
    intervals).  For the exhaustion year, a stock equal to the actual supply of the years
    after the origin (up to ``horizon``) is assumed, so the land "really" ran out in the
    last of them; the check is whether the simulated exhaustion year's central 80 %
    interval contains that year.

    Returns
    -------
    pandas.DataFrame
        One row per (origin, k): ``origin, k, actual_mu, median_mu, lo80, hi80, lo95, hi95,
        covered80, covered95`` and the exhaustion check ``exhaust_year, exhaust_lo,
        exhaust_hi, exhaust_covered`` (filled on the last row of each origin; ``exhaust_hi``
        = origin + k + 1 means "later than the checked years").

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
        stock = float(actual[-1])
        if stock > 0:
            hit = paths >= stock - 1e-9
            first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, k_max + 1)
            lo_y, hi_y = np.quantile(first, [0.1, 0.9], method="inverted_cdf")
            true_k = int(np.argmax(actual >= stock - 1e-9)) + 1
            rows[-1].update(
                exhaust_year=origin + true_k,
                exhaust_lo=origin + int(lo_y),
                exhaust_hi=origin + int(hi_y),
                exhaust_covered=bool(lo_y <= true_k <= hi_y),
            )
    out = pd.DataFrame(rows)
    for col in ("exhaust_year", "exhaust_lo", "exhaust_hi"):
        if col not in out:
            out[col] = pd.NA
        out[col] = out[col].astype("Int64")
    if "exhaust_covered" not in out:
        out["exhaust_covered"] = pd.NA
    out["exhaust_covered"] = out["exhaust_covered"].astype("boolean")
    return out


def summarize_supply_backtest(backtest: pd.DataFrame) -> pd.DataFrame:
    """Per ``k`` (years ahead, cumulative): ``n, mae, bias, coverage80, coverage95``.

    Examples
    --------
    >>> import pandas as pd
    >>> bt = pd.DataFrame({"k": [1, 1, 2], "actual_mu": [3.0, 5, 4], "median_mu": [4.0, 4, 4],
    ...                    "covered80": [True, False, True], "covered95": [True, True, True]})
    >>> summarize_supply_backtest(bt)["coverage80"].tolist()
    [0.5, 1.0]
    """
    err = backtest["actual_mu"] - backtest["median_mu"]
    g = err.groupby(backtest["k"])
    out = pd.DataFrame({"n": g.size(), "mae": g.apply(lambda e: e.abs().mean()), "bias": g.mean()})
    for lev in ("80", "95"):
        out[f"coverage{lev}"] = (
            backtest[f"covered{lev}"].astype(float).groupby(backtest["k"]).mean()
        )
    out.index.name = "h"
    return out
