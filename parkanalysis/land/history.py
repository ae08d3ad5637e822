"""Supply history: one transaction per supplied parcel, annual totals, 尚可供地年数."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.land.ledger import one_park, park_parcels, resolve_as_of
from parkanalysis.units import MU_PER_HA


# --------------------------------------------------------------------------- supply history
def supply_transactions(ds: Any, *, park: str | None = None, as_of: Any = None) -> pd.DataFrame:
    """One row per parcel supplied by ``as_of``: the transactions of the land forecast.

    Parameters
    ----------
    ds : Dataset
    park : str, optional
    as_of : str, Period, date or None

    Returns
    -------
    pandas.DataFrame
        ``parcel_id, year, supply_date, area_mu, supply_method, transferee`` sorted by date.
        Each parcel (宗地) is one transaction.
    """
    pid = one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    return transactions_of(park_parcels(ds, pid, cutoff))


def transactions_of(p: pd.DataFrame) -> pd.DataFrame:
    """The frame of :func:`supply_transactions` from parcels with their states as of a date
    (:func:`~parkanalysis.land.ledger.park_parcels`)."""
    s = p.loc[p["supplied"].to_numpy(dtype=bool)].sort_values(["supply_date", "parcel_id"])
    return pd.DataFrame(
        {
            "parcel_id": s["parcel_id"].astype(str).to_numpy(),
            "year": s["supply_date"].dt.year.astype("int64").to_numpy(),
            "supply_date": s["supply_date"].to_numpy(),
            "area_mu": s["area_mu"].astype(float).to_numpy(),
            "supply_method": s["supply_method"].astype(object).to_numpy(),
            "transferee": s["transferee"].astype(object).to_numpy(),
        }
    )


def supply_history(ds: Any, *, park: str | None = None, as_of: Any = None) -> pd.DataFrame:
    """Land supplied per year, zero years filled, from the first supply year to ``as_of``.

    Parameters
    ----------
    ds : Dataset
    park : str, optional
    as_of : str, Period, date or None

    Returns
    -------
    pandas.DataFrame
        ``year, supplied_mu, transactions, supplied_ha, cumulative_mu, complete`` then one
        column per supply method (亩, e.g. ``挂牌出让``). ``complete`` is False for the year
        of ``as_of`` unless ``as_of`` is 31 December. Empty (same columns) when nothing was
        supplied.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> h = supply_history(load_dataset("data/sample"))
    >>> h.loc[h.year.between(2013, 2016), ["year", "supplied_mu", "transactions", "complete"]]
        year  supplied_mu  transactions  complete
    7   2013        118.6             3      True
    8   2014        432.0             2      True
    9   2015        126.4             4      True
    10  2016          0.0             0     False
    """
    cutoff = resolve_as_of(ds, as_of)
    return history_of(supply_transactions(ds, park=park, as_of=cutoff), cutoff)


def zone_supply_history(parts: Sequence[tuple[Any, str]], cutoff: pd.Timestamp) -> pd.DataFrame:
    """:func:`supply_history` of a zone total: the transactions of every ``(dataset, park id)``
    of ``parts`` as of ``cutoff`` (a date every dataset reaches), in 亩 whatever unit each
    park declares (the ledger's areas are stored in 亩, converted by :mod:`parkanalysis.units`
    on reading), summed per year. Same columns as :func:`supply_history`."""
    parcels = [park_parcels(ds, pid, cutoff) for ds, pid in parts]
    return history_from_parcels(parcels, cutoff)


def history_from_parcels(parcels: Sequence[pd.DataFrame], cutoff: pd.Timestamp) -> pd.DataFrame:
    """:func:`zone_supply_history` from the parks' parcels as of ``cutoff`` (already read)."""
    return history_of(transactions_together([transactions_of(p) for p in parcels]), cutoff)


def transactions_together(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several parks' supply transactions in one frame (the empty frame when none)."""
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else supply_transactions_empty()


def supply_transactions_empty() -> pd.DataFrame:
    """The frame of :func:`supply_transactions` without rows."""
    cols = ("parcel_id", "year", "supply_date", "area_mu", "supply_method", "transferee")
    return pd.DataFrame({c: [] for c in cols})


def history_of(tx: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Annual supply (the frame of :func:`supply_history`) from supply transactions."""
    base = ["year", "supplied_mu", "transactions", "supplied_ha", "cumulative_mu", "complete"]
    if tx.empty:
        return pd.DataFrame({c: [] for c in base})
    years = pd.Index(range(int(tx["year"].min()), cutoff.year + 1), name="year")
    g = tx.groupby("year")
    out = pd.DataFrame(
        {
            "supplied_mu": g["area_mu"].sum().reindex(years, fill_value=0.0).round(6),
            "transactions": g.size().reindex(years, fill_value=0).astype("int64"),
        }
    )
    out["supplied_ha"] = out["supplied_mu"] / MU_PER_HA
    out["cumulative_mu"] = out["supplied_mu"].cumsum().round(6)
    out["complete"] = (out.index < cutoff.year) | (cutoff.month == 12 and cutoff.day == 31)
    # Σ per year and supply method (rows without a method left out), methods in sorted order
    methods = tx.groupby(["year", "supply_method"])["area_mu"].sum().unstack(fill_value=0.0)
    for method in methods.columns:
        out[str(method)] = methods[method].reindex(years, fill_value=0.0).astype(float)
    return out.reset_index()


class SupplyYears(NamedTuple):
    """Result of :func:`years_of_supply_left`."""

    years: float | None
    """尚可供地年数, or None when the average supply is 0 or there is no complete year."""
    average_mu: float
    """Average annual supply of the window (亩); NaN without complete years."""
    window: tuple[int, ...]
    """The complete years averaged."""
    reason: str
    """Plain-language remark (why ``years`` is None, or a shortened window)."""


def years_of_supply_left(
    annual_supply: pd.Series, remaining_mu: float, *, window: int = 3
) -> SupplyYears:
    """尚可供地年数 = remaining supplyable ÷ average annual supply of the last N years.

    Parameters
    ----------
    annual_supply : pandas.Series
        Supply (亩) of *complete* years, indexed by consecutive years (zeros included).
    remaining_mu : float
        Remaining supplyable land (亩), >= 0.
    window : int, default 3
        N, the number of most recent years averaged.

    Returns
    -------
    SupplyYears
        ``years`` is None (with a ``reason``) when the average is 0 or there is no year.

    Examples
    --------
    >>> import pandas as pd
    >>> years_of_supply_left(pd.Series([50.0, 50, 50], index=[2013, 2014, 2015]), 100).years
    2.0
    >>> years_of_supply_left(pd.Series([0.0, 0, 0], index=[2013, 2014, 2015]), 100).reason
    '2013-2015年未供地,年均供地为0,尚可供地年数无法计算(不设上限)'
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ParameterError(f"window 应为正整数,得到 {window!r}")
    if not math.isfinite(float(remaining_mu)) or remaining_mu < 0:
        raise ParameterError(f"remaining_mu 应为非负数,得到 {remaining_mu!r}")
    s = pd.Series(annual_supply, dtype=float).sort_index()
    if s.empty:
        return SupplyYears(None, math.nan, (), "没有完整年度的供地记录,尚可供地年数无法计算")
    recent = s.iloc[-window:]
    yrs = tuple(int(y) for y in recent.index)
    span = f"{yrs[0]}-{yrs[-1]}年" if len(yrs) > 1 else f"{yrs[0]}年"
    avg = float(recent.mean())
    reason = "" if len(yrs) == window else f"完整年度仅{len(yrs)}年,按{span}平均"
    if avg <= 0:
        return SupplyYears(
            None, avg, yrs, f"{span}未供地,年均供地为0,尚可供地年数无法计算(不设上限)"
        )
    return SupplyYears(float(remaining_mu) / avg, avg, yrs, reason)


def window_years(ds: Any, pid: str) -> int:
    value = ds.config(pid).get("land", {}).get("supply_window_years", 3)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"park.yaml 中 land.supply_window_years 应为正整数,得到 {value!r}")
    return value


def complete_series(history: pd.DataFrame) -> pd.Series:
    if history.empty:
        return pd.Series(dtype=float)
    h = history.loc[history["complete"].to_numpy(dtype=bool)]
    return pd.Series(h["supplied_mu"].to_numpy(dtype=float), index=h["year"].to_numpy())
