"""Lumpy land supply: parcels per year × parcel size (a compound count model).

A park's annual supply is the sum of a few parcels: many years hold two to five, some none,
and one parcel can be a third of a year's total.  Smoothing the annual totals (as for an
economic series) loses exactly that, and intervals cut at zero lift the mean.  The model here
follows the intermittent-demand literature — Croston (1972) separates demand *occurrence*
from demand *size*, Teunter–Syntetos–Babai (TSB) model the occurrence probability directly,
and the compound Poisson is their distributional form:

* **Level** — the area supplied per year *now*, averaged over two models by their evidence
  (Buckland, Burnham & Augustin 1997; Burnham & Anderson's quasi-AIC):

  - the *level model*: an exponentially weighted mean of the annual areas per exposure
    (weight :data:`LEVEL_ALPHA` per year of age, in continuous time from the data's date,
    as TSB smooth the occurrence), flat into the future;
  - the *trend model*: a quasi-Poisson log-linear trend of the annual areas (the land, not
    the number of parcels: a 0.5 亩 parcel counts as 0.5 亩), its slope shrunk toward 0 by
    a normal prior (:data:`TREND_PRIOR_SD`; posterior mean and standard deviation from the
    quasi-Poisson standard error), its level now the intercept of all years given that
    slope, extrapolated damped (:data:`TREND_DAMPING` per year, in continuous time).

  The trend model's weight is its quasi-Akaike weight ``1 / (1 + exp(1 - LR / 2 phi))``
  (LR the likelihood ratio against the constant rate, ``phi`` the Pearson dispersion of
  the areas), ramped in between 3 and :data:`TREND_MIN_YEARS` years of history.  Nothing
  switches on a test: each path follows the trend model with that probability, so every
  output moves continuously with the data (the earlier on/off F test at p < 0.05 let one
  0.5 亩 parcel halve the 5-year need).  A partly observed current year enters with its
  elapsed exposure.
* **Parcels per year** ``N_y`` — Poisson with mean level ÷ mean parcel size per year of
  exposure.  Over-dispersion (variance/mean of the counts around the averaged model,
  Pearson) ``phi >= 1`` makes the annual rate Gamma-distributed (negative binomial
  counts); each path draws its own ``phi``.  With peer parks, ``phi`` is shrunk toward the
  pooled value with the weight of one park's evidence.
* **Parcel size** — the park's own parcels, weighted by their year's recency weight (so
  count rate × mean size is exactly the weighted mean of the annual areas), resampled with
  Bayesian-bootstrap weights per path and a mean-preserving log-normal jitter whose width
  is Silverman's robust bandwidth of the log sizes (pooled across peer parks with
  shrinkage).
* **Parameter uncertainty** — per path, the level is drawn from its Gamma posterior
  (Jeffreys prior) and the trend slope from its normal approximation, with the log-normal
  bias removed, so the simulated mean equals the point forecast.
* **Common random numbers** — every draw is keyed by what it is for (path, year, parcel;
  :mod:`~parkanalysis.forecast.streams`) and drawn by inversion, so two fits on nearly
  equal histories share their random numbers and differ by the data's effect only.

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
from parkanalysis.forecast import streams as rs
from parkanalysis.forecast._checks import check_float, check_int

#: Yearly damping of an extrapolated count trend.
TREND_DAMPING = 0.8
#: Smoothing weight of the exponentially weighted parcel rate without a trend (TSB's
#: occurrence smoothing; the intermittent-demand literature uses 0.05-0.3).
LEVEL_ALPHA = 0.2
#: Years of history from which the trend model gets its full evidence weight (it starts at
#: this minus 3).
TREND_MIN_YEARS = 6
#: Standard deviation (per year, on the log scale) of the normal prior that shrinks the
#: trend model's slope toward 0: a sustained ±14 % a year is two prior standard deviations.
#: Without it the slope of a short lumpy history swung with its newest months (one month
#: without supply moved the 5-year need by up to 11.8 %).
TREND_PRIOR_SD = 0.07


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
    counts, exposures, areas : numpy.ndarray
        Parcels, exposure (1 for complete years) and supplied area (亩) per history year.
    sizes, size_weights, size_keys : numpy.ndarray
        The parcel sizes (亩, ascending) that are resampled, the recency weight of each
        (its year's weight) and a key per parcel that keeps its random numbers when other
        parcels are added (:mod:`~parkanalysis.forecast.streams`).
    level_flat, level_trend : float
        Area supplied per full year now (亩) by the level model (exponentially weighted
        mean of the annual areas) and by the trend model (its line at ``as_of``).
    trend_weight : float
        Weight (0..1) of the trend model: its quasi-Akaike weight (see the module
        docstring), 0 without enough history.
    rate : float
        Expected parcels per full year now (model-averaged level ÷ mean parcel size).
    effective_count : float
        Parcels' worth of evidence behind the level (Poisson effective exposure of the
        exponentially weighted mean).
    slope, slope_se : float
        Log-area trend per year of the trend model and its (quasi-Poisson) standard error.
    trend_pvalue : float
        Quasi-Poisson F-test p-value of the trend, for information only (nothing switches on
        it); NaN when not fitted.
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
    areas: np.ndarray
    sizes: np.ndarray
    size_weights: np.ndarray
    size_keys: np.ndarray
    level_flat: float
    level_trend: float
    trend_weight: float
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
        """Recency-weighted mean parcel size (亩): level ÷ rate of the level model."""
        if self.sizes.size == 0:
            return 0.0
        return float(np.average(self.sizes, weights=self.size_weights))

    @property
    def has_trend(self) -> bool:
        """Whether the trend model carries most of the weight (words only; the forecast
        always averages both models)."""
        return self.trend_weight >= 0.5

    def cells(self, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(years, exposures, ahead)`` of the forecast cells.

        The first cell is ``last_year + 1`` with the exposure not yet observed
        (``1 - elapsed``); the others are full years.  ``ahead`` is the middle of each
        cell's exposure in years from now (where the damped trend is read).
        """
        years = np.arange(self.last_year + 1, self.last_year + 1 + horizon)
        exposure = np.ones(horizon)
        exposure[0] = 1.0 - self.elapsed
        ahead = np.cumsum(exposure) - exposure / 2
        return years, exposure, ahead

    def _damped(self, ahead: np.ndarray) -> np.ndarray:
        """Damped trend time: ``sum(phi**i, i=1..tau)`` continued to real ``tau``."""
        d = TREND_DAMPING
        return d * (1.0 - d ** np.asarray(ahead, dtype=float)) / (1.0 - d)

    def expected(self, horizon: int) -> np.ndarray:
        """Point forecast of the supply (亩) per forecast cell (the mixture's mean)."""
        _, exposure, ahead = self.cells(horizon)
        w = self.trend_weight
        trend = self.level_trend * np.exp(self.slope * self._damped(ahead))
        return ((1.0 - w) * self.level_flat + w * trend) * exposure

    def simulate(self, horizon: int, n_sims: int = 4000, seed: int | None = 0) -> np.ndarray:
        """Simulated supply paths ``(n_sims, horizon)`` in 亩 (see the module docstring).

        Every random number is keyed by what it is for (path, year, parcel), so two fits on
        nearly equal histories with one seed share them (common random numbers).
        """
        seed = int(np.random.default_rng().integers(0, 2**63)) if seed is None else seed
        _, exposure, ahead = self.cells(horizon)
        if self.sizes.size == 0 or self.rate <= 0:
            return np.zeros((n_sims, horizon))
        p = np.arange(n_sims)[:, None]
        c = np.arange(horizon)[None, :]
        # model choice: the trend model with probability trend_weight (model averaging)
        trend_path = rs.uniforms(seed, 1, p) < self.trend_weight
        # the level's Jeffreys-Gamma posterior, widened by the over-dispersion
        shape = (self.effective_count + 0.5) / self.dispersion
        level = rs.gamma(shape, rs.uniforms(seed, 2, p)) / shape  # mean 1
        d = self._damped(ahead)[None, :]
        s = self.slope + self.slope_se * rs.normal(rs.uniforms(seed, 3, p))
        trend = self.level_trend * np.exp(s * d - 0.5 * (self.slope_se * d) ** 2)
        area = np.where(trend_path, trend, self.level_flat) * level * exposure[None, :]
        mu = area / self.mean_size
        df = max(self.dispersion_df, 1.0)
        chi2 = 2.0 * rs.gamma(df / 2.0, rs.uniforms(seed, 4, p))
        phi = np.maximum(self.dispersion * df / chi2, 1.0)
        k = np.maximum(phi - 1.0, 1e-12)
        mixed = rs.gamma(np.maximum(mu / k, 1e-12), rs.uniforms(seed, 5, p, c)) * k
        lam = np.where(phi - 1.0 > 1e-6, mixed, mu)
        n = rs.poisson(lam, rs.uniforms(seed, 6, p, c))
        # sizes: a Bayesian bootstrap of the recency-weighted parcels, by inversion over the
        # sizes in ascending order (a parcel added to the history moves the picks little)
        m = self.sizes.size
        w = -np.log(rs.uniforms(seed, 7, p, self.size_keys[None, :])) * self.size_weights
        cdf = np.cumsum(w, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        counts = n.ravel()
        path = np.repeat(np.arange(n_sims * horizon) // horizon, counts)
        cell = np.repeat(np.arange(n_sims * horizon) % horizon, counts)
        start = np.repeat(np.cumsum(counts) - counts, counts)
        j = np.arange(counts.sum()) - start
        u = rs.uniforms(seed, 8, path, cell, j)
        flat = (cdf + np.arange(n_sims)[:, None]).ravel()
        idx = np.clip(np.searchsorted(flat, path + u, side="right") - path * m, 0, m - 1)
        bw = self.bandwidth
        z = rs.normal(rs.uniforms(seed, 9, path, cell, j))
        drawn = self.sizes[idx] * np.exp(bw * z - 0.5 * bw * bw)
        where = np.repeat(np.arange(n_sims * horizon), counts)
        return np.bincount(where, weights=drawn, minlength=n_sims * horizon).reshape(
            n_sims, horizon
        )


def _quasi_trend(
    areas: np.ndarray, exposure: np.ndarray, t: np.ndarray
) -> tuple[float, float, float, float, float]:
    """Quasi-Poisson log-linear fit of the annual areas ``log mu = a + b (t - mean t) + log e``.

    Returns ``(a, b, se_b, lr, phi)``: the likelihood ratio against the constant rate and
    the Pearson dispersion of the trend fit (``se_b`` already scaled by it).
    """
    tc = t - t.mean()
    X = np.column_stack([np.ones_like(tc), tc])
    total = areas.sum()
    beta = np.array([math.log(max(total, 1e-9) / exposure.sum()), 0.0])
    for _ in range(60):
        mu = exposure * np.exp(np.clip(X @ beta, -700, 700))
        grad = X.T @ (areas - mu)
        hess = X.T @ (X * mu[:, None])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        beta = beta + np.clip(step, -5, 5)
        if np.max(np.abs(step)) < 1e-10:
            break
    mu1 = exposure * np.exp(X @ beta)
    mu0 = exposure * total / exposure.sum()

    def ll(m):
        m = np.maximum(m, 1e-300)
        return float(np.sum(areas * np.log(m) - m))

    lr = max(0.0, 2 * (ll(mu1) - ll(mu0)))
    x2, df = _pearson(areas, mu1, 2, exposure)
    phi = max(x2 / df, 1e-9)
    cov = np.linalg.pinv(X.T @ (X * mu1[:, None]))
    se = math.sqrt(max(cov[1, 1], 0.0) * phi)
    return float(beta[0]), float(beta[1]), se, lr, phi


def _pearson(
    counts: np.ndarray, mu: np.ndarray, params: float, exposure: np.ndarray
) -> tuple[float, float]:
    """Pearson's X² and its degrees of freedom; a part-year counts as its exposure (so
    the first days of a year add a sliver of a degree of freedom, not a whole one)."""
    ok = mu > 0
    x2 = float(np.sum(exposure[ok] * (counts[ok] - mu[ok]) ** 2 / mu[ok]))
    return x2, max(float(exposure[ok].sum()) - params, 1.0)


def _bandwidth(sizes: np.ndarray) -> float:
    """Silverman's robust bandwidth of the log sizes: 0.9 min(sd, IQR/1.34) n^(-1/5)."""
    logs = np.log(sizes[sizes > 0])
    if logs.size < 2:
        return 0.0
    q75, q25 = np.quantile(logs, [0.75, 0.25])
    spread = min(float(logs.std(ddof=1)), float(q75 - q25) / 1.34)
    return float(0.9 * spread * logs.size ** (-0.2))


def evidence_weight(lr: float, dispersion: float, years: float) -> float:
    """Weight of the trend model: its quasi-Akaike weight against the level model.

    ``1 / (1 + exp(1 - LR / (2 phi)))`` (QAIC differs by ``2 - LR/phi``), times a ramp from
    0 at :data:`TREND_MIN_YEARS` - 3 to 1 at :data:`TREND_MIN_YEARS` years of exposure.

    >>> round(evidence_weight(0.0, 1.0, 10), 3), round(evidence_weight(2.0, 1.0, 10), 3)
    (0.269, 0.5)
    >>> round(evidence_weight(20.0, 1.0, 10), 3), evidence_weight(20.0, 1.0, 3)
    (1.0, 0.0)
    """
    ramp = min(max((years - (TREND_MIN_YEARS - 3)) / 3.0, 0.0), 1.0)
    z = lr / max(dispersion, 1e-9)
    return float(ramp / (1.0 + math.exp(min(1.0 - z / 2.0, 700.0))))


def _parcel_keys(years: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """A key per parcel from its year, size and rank among equal ones (order-free)."""
    base = years.astype(np.int64) * 10_000_000 + np.round(sizes * 1000).astype(np.int64)
    order = np.argsort(base, kind="stable")
    ranked = base[order]
    dup = np.zeros(ranked.size, dtype=np.int64)
    for i in range(1, ranked.size):
        dup[i] = dup[i - 1] + 1 if ranked[i] == ranked[i - 1] else 0
    keys = np.empty(ranked.size, dtype=np.int64)
    keys[order] = ranked * 64 + dup
    return keys


def _fit_raw(tx: pd.DataFrame, first_year: int, last_year: int, elapsed: float) -> dict[str, Any]:
    # the F(1, d) survival function; scipy.special (0.2 s to import), not scipy.stats (1 s)
    from scipy.special import fdtrc

    years = np.arange(first_year, last_year + 2 if elapsed > 0 else last_year + 1)
    g = tx.groupby("year")
    counts = g.size().reindex(years, fill_value=0).to_numpy(dtype=float)
    areas = g["area_mu"].sum().reindex(years, fill_value=0.0).to_numpy(dtype=float)
    exposure = np.ones(years.size)
    if elapsed > 0:
        exposure[-1] = elapsed
    # continuous time: each year's exposure has its middle at t; "now" is the data's date
    t = np.arange(years.size, dtype=float) + exposure / 2
    now = float(last_year - first_year + 1) + elapsed
    w = (1.0 - LEVEL_ALPHA) ** (now - t)
    level0 = float(np.sum(w * areas) / np.sum(w * exposure))
    rate0 = float(np.sum(w * counts) / np.sum(w * exposure))
    effective = rate0 * np.sum(w * exposure) ** 2 / np.sum(w * w * exposure)
    inside = tx.loc[tx["year"].between(first_year, years[-1])]
    sizes = inside["area_mu"].to_numpy(dtype=float)
    size_years = inside["year"].to_numpy(dtype=np.int64)
    keep = sizes > 0
    sizes, size_years = sizes[keep], size_years[keep]
    size_w = w[size_years - first_year] if sizes.size else np.zeros(0)
    keys = _parcel_keys(size_years, sizes)
    order = np.argsort(sizes, kind="stable")
    sizes, size_w, keys = sizes[order], size_w[order], keys[order]
    weight, slope, se, pval, level1, fitted1 = 0.0, 0.0, 0.0, math.nan, level0, None
    span = float(exposure.sum())
    if span >= TREND_MIN_YEARS - 3 and areas.sum() > 0 and years.size >= 3:
        a, b, se_b, lr, phi_a = _quasi_trend(areas, exposure, t)
        df_a = max(float(years.size) - 2.0, 1.0)
        pval = float(fdtrc(1, df_a, lr / phi_a))
        weight = evidence_weight(lr, phi_a, span)
        # the slope shrunk toward 0 by its normal prior (posterior mean and sd), and the
        # trend's level now as the intercept given that slope (the fit over all years)
        k = TREND_PRIOR_SD**2 / (TREND_PRIOR_SD**2 + se_b**2)
        slope, se = b * k, se_b * math.sqrt(k)
        shape_t = np.exp(slope * (t - now))
        level1 = float(np.sum(areas) / np.sum(exposure * shape_t))
        fitted1 = np.exp(a + b * (t - t.mean()))  # Pearson dispersion: around the fit
    msize = float(np.average(sizes, weights=size_w)) if sizes.size else 0.0
    per_year = np.full(years.size, level0) if fitted1 is None else fitted1
    mean_area = (1.0 - weight) * level0 + weight * per_year
    mu_counts = exposure * mean_area / msize if msize > 0 else exposure * rate0
    x2, df = _pearson(counts, mu_counts, 1.0 + weight, exposure)
    rate = ((1.0 - weight) * level0 + weight * level1) / msize if msize > 0 else 0.0
    return {
        "counts": counts,
        "exposure": exposure,
        "areas": areas,
        "sizes": sizes,
        "size_weights": size_w,
        "size_keys": keys,
        "level_flat": level0,
        "level_trend": level1,
        "trend_weight": weight,
        "rate": rate,
        "effective": float(effective),
        "slope": slope,
        "slope_se": se,
        "pvalue": pval,
        "x2": x2,
        "df": df,
    }


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
    >>> round(m.level_flat, 1), round(m.trend_weight, 2), m.has_trend  # little evidence, 5 years
    (46.8, 0.19, False)
    >>> m.expected(2).round(1).tolist()  # the slope of 5 lumpy years shrunk to nearly 0
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
    f = _fit_raw(full, first_year, last_year, elapsed)
    x2, df = f["x2"], f["df"]
    phi = max(1.0, x2 / df)
    phi_df = float(df)
    sizes = f["sizes"]
    bw = _bandwidth(sizes)
    if peers:
        px2, pdf, pbw, pn = [], [], [], []
        for ptx, pf, pl in peers:
            ptx, pf, pl = check_transactions(ptx, pf, pl)
            if ptx.empty:
                continue
            pfit = _fit_raw(ptx, pf, pl, 0.0)
            px2.append(pfit["x2"])
            pdf.append(pfit["df"])
            if pfit["sizes"].size >= 2:
                pbw.append(_bandwidth(pfit["sizes"]))
                pn.append(pfit["sizes"].size)
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
        counts=f["counts"],
        exposures=f["exposure"],
        areas=f["areas"],
        sizes=sizes,
        size_weights=f["size_weights"],
        size_keys=f["size_keys"],
        level_flat=float(f["level_flat"]),
        level_trend=float(f["level_trend"]),
        trend_weight=float(f["trend_weight"]),
        rate=float(f["rate"]),
        effective_count=float(f["effective"]),
        slope=float(f["slope"]),
        slope_se=float(f["slope_se"]),
        trend_pvalue=float(f["pvalue"]),
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
