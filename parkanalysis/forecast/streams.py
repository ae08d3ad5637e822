"""Counter-based random numbers: one uniform per (seed, stream, key...), stable under edits.

A simulation that draws from one sequential generator gives every later draw a new value as
soon as one earlier draw is added (one more parcel in the history shifts the whole stream),
so two runs on nearly equal data differ by the full Monte Carlo noise.  Here each random
number is a hash (SplitMix64's finaliser, Steele, Lea & Flood 2014) of the seed, a stream
number and its own keys (path, forecast year, parcel number …): a draw depends only on what
it is for, two runs with one seed share their random numbers (common random numbers), and
the difference of their outputs is the effect of the data, not of the noise.

The distributions are drawn by inversion (``scipy.special``), so a draw moves monotonically
and continuously with its parameters.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


def uniforms(seed: int, stream: int, *keys) -> np.ndarray:
    """Uniforms in (0, 1), one per element of the broadcast ``keys`` (non-negative ints).

    Examples
    --------
    >>> import numpy as np
    >>> a = uniforms(0, 1, np.arange(5))
    >>> bool(((a > 0) & (a < 1)).all()), bool(np.array_equal(a[:3], uniforms(0, 1, np.arange(3))))
    (True, True)
    >>> bool((uniforms(0, 2, np.arange(5)) != a).all())
    True
    """
    with np.errstate(over="ignore"):
        z = _mix(np.asarray(seed, dtype=np.uint64) * _GOLDEN + np.uint64(stream))
        for key in keys:
            z = _mix(z + (np.asarray(key).astype(np.uint64) + np.uint64(1)) * _GOLDEN)
        z = np.asarray(z, dtype=np.uint64)
        return ((z >> np.uint64(11)).astype(float) + 0.5) * 2.0**-53


def normal(u: np.ndarray) -> np.ndarray:
    """Standard normal quantiles of ``u``."""
    from scipy.special import ndtri

    return ndtri(u)


def gamma(shape, u: np.ndarray) -> np.ndarray:
    """Gamma(shape, scale 1) quantiles of ``u``."""
    from scipy.special import gammaincinv

    return gammaincinv(shape, u)


def poisson(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson(lam) quantiles of ``u`` (inversion; a normal approximation above 500).

    Examples
    --------
    >>> import numpy as np
    >>> k = poisson(np.full(20000, 3.0), uniforms(1, 0, np.arange(20000)))
    >>> round(float(k.mean()), 1), round(float(k.var()), 1)
    (3.0, 3.0)
    """
    lam, u = np.broadcast_arrays(np.asarray(lam, dtype=float), np.asarray(u, dtype=float))
    k = np.zeros(lam.shape, dtype=np.int64)
    big = lam > 500
    if big.any():
        k[big] = np.maximum(np.floor(lam[big] + np.sqrt(lam[big]) * normal(u[big]) + 0.5), 0)
    small = ~big
    lam_s, u_s = lam[small], u[small]
    p = np.exp(-lam_s)
    cdf = p.copy()
    ks = np.zeros(lam_s.shape, dtype=np.int64)
    active = u_s > cdf
    cap = lam_s + 12 * np.sqrt(lam_s) + 30
    while active.any():
        idx = np.flatnonzero(active)
        ks[idx] += 1
        p[idx] *= lam_s[idx] / ks[idx]
        cdf[idx] += p[idx]
        active[idx] = (u_s[idx] > cdf[idx]) & (ks[idx] < cap[idx])
    k[small] = ks
    return k
