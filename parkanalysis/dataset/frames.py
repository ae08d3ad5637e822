"""Derived canonical frames: cumulative → monthly values, derived 规上 membership.

Both are pure functions on DataFrames (no findings, no files) and are exported for reuse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkanalysis.dataset.schema import MONTHLY_VALUE_COLUMNS

#: Stocks are month-end levels and are never accumulated or differenced.
STOCK_COLUMNS = ("employees",)


def cumulative_to_monthly(cumulative: pd.DataFrame) -> pd.DataFrame:
    """Convert 1-N月累计 rows to the month's own values (当月值).

    Within each enterprise and year, a month's value is its cumulative value minus the
    cumulative value of the previous reported month of the same year; the first reported
    month keeps its cumulative value. With the 1-2月 convention (no January row) the February
    row therefore holds January and February together and there is no January row, so that
    summing months 1..N gives the 1-N月 figure back. Employees (a stock) are kept as is.

    Parameters
    ----------
    cumulative : DataFrame
        Columns ``park_id, enterprise_id, year, month`` and value columns.

    Returns
    -------
    DataFrame
        Same rows and columns, sorted by park, enterprise, year, month; values are 当月值.

    Examples
    --------
    >>> cum = pd.DataFrame({"park_id": ["P"] * 3, "enterprise_id": ["E"] * 3,
    ...                     "year": [2016] * 3, "month": [2, 3, 5],
    ...                     "tax_wan_yuan": [10.0, 16.0, 30.0], "employees": [5.0, 6.0, 6.0]})
    >>> cumulative_to_monthly(cum)[["month", "tax_wan_yuan", "employees"]].to_numpy().tolist()
    [[2.0, 10.0, 5.0], [3.0, 6.0, 6.0], [5.0, 14.0, 6.0]]
    """
    df = cumulative.sort_values(["park_id", "enterprise_id", "year", "month"], kind="stable")
    df = df.reset_index(drop=True)
    group = ["park_id", "enterprise_id", "year"]
    flows = [c for c in MONTHLY_VALUE_COLUMNS if c in df.columns and c not in STOCK_COLUMNS]
    if not flows or df.empty:
        return df
    prev = df.groupby(group, sort=False, observed=True)[flows].shift(1)
    first = df.groupby(group, sort=False, observed=True).cumcount().to_numpy() == 0
    out = df.copy()
    for c in flows:
        cur = df[c].to_numpy(dtype="float64", na_value=np.nan)
        p = prev[c].to_numpy(dtype="float64", na_value=np.nan)
        out[c] = np.where(first, cur, cur - p)
    return out


def derive_above_size(
    monthly: pd.DataFrame,
    enterprises: pd.DataFrame,
    thresholds: dict[str, float],
    *,
    jan_feb_combined: bool = True,
) -> pd.DataFrame:
    """Derive 规模以上工业 membership per enterprise and year from 主营业务收入.

    An industrial (``kind == "工业"``) enterprise is 规上 in year Y when its revenue of Y−1
    reached the park's threshold; in its first year with data, when its annualised revenue
    did (revenue × 12 / months covered, February counting for 1-2月 when January is absent).
    Other enterprises are never 规上.

    Parameters
    ----------
    monthly : DataFrame
        Canonical monthly frame (``park_id, enterprise_id, year, month, revenue_wan_yuan``).
    enterprises : DataFrame
        Canonical enterprises frame (``park_id, enterprise_id, kind``).
    thresholds : dict
        ``park_id -> threshold in 万元`` (config ``above_size_revenue_threshold_wan_yuan``).
    jan_feb_combined : bool, default True
        Whether a series starting in February covers January too.

    Returns
    -------
    DataFrame
        ``park_id, enterprise_id, year (int64), above_size (bool), derived (bool, True)``.

    Examples
    --------
    >>> m = pd.DataFrame({"park_id": ["P"] * 3, "enterprise_id": ["E"] * 3,
    ...                   "year": [2015, 2016, 2017], "month": [7, 12, 12],
    ...                   "revenue_wan_yuan": [1100.0, 1900.0, 2500.0]})
    >>> e = pd.DataFrame({"park_id": ["P"], "enterprise_id": ["E"], "kind": ["工业"]})
    >>> derive_above_size(m, e, {"P": 2000})["above_size"].tolist()
    [True, False, False]
    """
    cols = ["park_id", "enterprise_id", "year", "above_size", "derived"]
    if monthly.empty:
        return pd.DataFrame(
            {
                "park_id": pd.Series([], dtype="str"),
                "enterprise_id": pd.Series([], dtype="str"),
                "year": pd.Series([], dtype="int64"),
                "above_size": pd.Series([], dtype="bool"),
                "derived": pd.Series([], dtype="bool"),
            }
        )[cols]
    keys = ["park_id", "enterprise_id"]
    m = monthly[[*keys, "year", "month", "revenue_wan_yuan"]]
    g = m.groupby([*keys, "year"], sort=True, observed=True)
    yearly = pd.DataFrame(
        {
            "revenue": g["revenue_wan_yuan"].sum(min_count=1),
            "first_month": g["month"].min(),
            "last_month": g["month"].max(),
        }
    ).reset_index()
    for k in keys:
        yearly[k] = yearly[k].astype("str")
    first_year = yearly.groupby(keys)["year"].transform("min")
    is_first = (yearly["year"] == first_year).to_numpy()
    start = yearly["first_month"].to_numpy()
    if jan_feb_combined:
        start = np.where(start == 2, 1, start)
    months = yearly["last_month"].to_numpy() - start + 1
    annualised = yearly["revenue"].to_numpy() * 12.0 / np.maximum(months, 1)
    prev = yearly[[*keys, "year", "revenue"]].copy()
    prev["year"] = prev["year"] + 1
    prev = prev.rename(columns={"revenue": "prev_revenue"})
    yearly = yearly.merge(prev, on=[*keys, "year"], how="left")
    thr = yearly["park_id"].map(thresholds).astype("float64").to_numpy()
    prev_rev = yearly["prev_revenue"].to_numpy(dtype="float64", na_value=np.nan)
    above = np.where(
        ~np.isnan(prev_rev), prev_rev >= thr, is_first & (np.nan_to_num(annualised) >= thr)
    )
    ent = enterprises[[*keys, "kind"]].copy()
    for k in keys:
        ent[k] = ent[k].astype("str")
    kinds = yearly[keys].merge(ent, on=keys, how="left")["kind"]
    industrial = (kinds == "工业").to_numpy()
    out = pd.DataFrame(
        {
            "park_id": yearly["park_id"].astype("str"),
            "enterprise_id": yearly["enterprise_id"].astype("str"),
            "year": yearly["year"].astype("int64"),
            "above_size": (above & industrial).astype(bool),
            "derived": np.ones(len(yearly), dtype=bool),
        }
    )
    return out.reset_index(drop=True)
