"""亩均效益 evaluation: score the industrial enterprises per 亩 of land and class them A/B/C/D.

The Zhejiang-style 亩均效益综合评价 compares each industrial enterprise's yield per unit of land
and labour with a benchmark and ranks them. Here:

* **Who is graded**: industrial (工业) enterprises in production by the period's last day, not
  exited by then, with land (``area_mu > 0``, see :func:`parkanalysis.indicators.enterprise_table`
  for how shared parcels are apportioned) and with monthly rows in the period. Industrial
  enterprises in production without land or without data are listed by
  :func:`ungraded_enterprises` with the reason, not graded.
* **Indicators**: ``tax_per_mu`` 亩均税收, ``value_added_per_mu`` 亩均增加值,
  ``labour_productivity`` 全员劳动生产率, and where configured ``revenue_per_mu`` 亩均营业收入 and
  ``output_per_mu`` 亩均产值. Flows of a period shorter than a year are **annualised**
  (× 12 / months) so that configured benchmarks, which provinces publish as annual values
  (e.g. 亩均税收 10 万元/亩), apply; with the default median benchmarks annualising changes
  no score or class. An indicator an enterprise cannot show (no value, no employees) scores 0.
* **Score** = Σ weight × value / benchmark; the benchmark of an indicator is the configured
  value or, by default, the median over the graded enterprises.
* **Classes** by the cumulative share from the top: the enterprise ranked *r* of *n* (ties
  share the best rank) has share *r*/*n* and is A when the share is ≤ the A cut-off, else B
  when ≤ the B cut-off, else C when ≤ the C cut-off, else D. With the defaults (0.20, 0.60,
  0.95) ten enterprises give 2 A, 4 B, 3 C and 1 D. The lowest-ranked enterprise is always
  D (its share is 100 %), so a park with few enterprises still names its weakest; D is where
  the report finds its "小、散、弱" enterprises.

Configuration (``ds.config(park_id)["grading"]``, defaults in
:data:`parkanalysis.dataset.DEFAULT_CONFIG`)::

    grading:
      weights: {tax_per_mu: 0.5, value_added_per_mu: 0.3, labour_productivity: 0.2}
      cutoffs: {A: 0.20, B: 0.60, C: 0.95}     # cumulative share from the top; the rest is D
      benchmarks: {tax_per_mu: 10}             # optional, annual values; others: park median

Weights must be ≥ 0 and sum to 1; cut-offs must increase strictly inside (0, 1); benchmarks
must be positive. :func:`grading_config` checks this and raises ParameterError otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.catalogue import (
    DEFAULT_GRADING,
    GRADES,
    GRADING_INDICATORS,
    GradingConfig,
    grading_config,
)
from parkanalysis.errors import ParameterError
from parkanalysis.periods import Period, parse_period

__all__ = [
    "DEFAULT_GRADING",
    "GRADES",
    "GRADING_INDICATORS",
    "GradingConfig",
    "assign_grades",
    "grade_enterprises",
    "grade_summary",
    "grading_config",
    "ungraded_enterprises",
]

_FLOW_OF = {
    "tax_per_mu": "tax_wan_yuan",
    "value_added_per_mu": "value_added_wan_yuan",
    "revenue_per_mu": "revenue_wan_yuan",
    "output_per_mu": "output_wan_yuan",
    "labour_productivity": "value_added_wan_yuan",
}
_DECIMALS = 6


def assign_grades(
    scores: Any, cutoffs: tuple[float, float, float] = (0.20, 0.60, 0.95)
) -> pd.DataFrame:
    """Rank scores (higher is better) and class them by cumulative share from the top.

    Parameters
    ----------
    scores : array-like of float
        One score per enterprise; NaN is not allowed.
    cutoffs : tuple of float, default (0.20, 0.60, 0.95)
        Cumulative shares closing classes A, B and C; the rest is D.

    Returns
    -------
    DataFrame
        ``rank`` (1 = best; ties share the best rank) and ``grade``, in the input order.

    Examples
    --------
    >>> assign_grades([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])["grade"].str.cat()
    'AABBBBCCCD'
    >>> assign_grades([5.0, 5.0, 1.0])[["rank", "grade"]].to_numpy().tolist()
    [[1, 'B'], [1, 'B'], [3, 'D']]
    """
    s = np.asarray(scores, dtype="float64")
    if np.isnan(s).any():
        raise ParameterError("得分中有缺失值,无法排名")
    n = len(s)
    rank = pd.Series(s).rank(method="min", ascending=False).to_numpy(dtype="int64")
    share = rank / max(n, 1)
    eps = 1e-12  # 2/10 must count as 0.20
    a, b, c = cutoffs
    grade = np.select(
        [share <= a + eps, share <= b + eps, share <= c + eps], ["A", "B", "C"], default="D"
    )
    return pd.DataFrame({"rank": rank, "grade": pd.Series(grade, dtype="str")})


def _resolve(ds: Any, period_or_year: Any, park: str | None):
    from parkanalysis.indicators import collect, resolve_park, resolve_period

    if isinstance(period_or_year, int | np.integer) and not isinstance(period_or_year, bool):
        period_or_year = Period.of_year(int(period_or_year))
    period = resolve_period(ds, parse_period(period_or_year))
    pid = resolve_park(ds, park)
    return period, pid, collect(ds, period, [pid])


def _population(core) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks over registry rows: graded, ungraded for lack of land, ungraded for lack of data."""
    cur = core.cur
    mine = core.park_pos < len(core.parks)
    active = mine & core.industrial & cur.in_production & ~cur.exited
    land = core.area_mu > 0
    graded = active & land & cur.has_rows
    return graded, active & ~land, active & land & ~cur.has_rows


def grade_enterprises(
    ds: Any,
    period_or_year: str | int | Period,
    *,
    park: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Grade the park's industrial enterprises by 亩均效益.

    Parameters
    ----------
    ds : Dataset
    period_or_year : str, int or Period
        A year (``2015``, the usual basis) or any period :func:`parse_period` reads.
    park : str, optional
        May be omitted when the dataset holds one park.
    config : mapping, optional
        A ``grading`` block overriding ``ds.config(park)["grading"]``.

    Returns
    -------
    DataFrame
        ``enterprise_id, name, area_mu, tax_per_mu, value_added_per_mu,
        labour_productivity, revenue_per_mu, output_per_mu, score, grade, rank``, best
        first; values are annualised for periods shorter than a year (see the module
        docstring).

    Raises
    ------
    ParameterError
        For an invalid configuration, an unknown park, or a weighted indicator whose
        median benchmark is not positive (configure ``benchmarks`` or weight it 0).
    PeriodError
        For a period outside the data.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> g = grade_enterprises(load_dataset("data/sample"), 2015)
    >>> g["grade"].value_counts().reindex(list("ABCD")).tolist()
    [6, 13, 11, 2]
    """
    period, pid, core = _resolve(ds, period_or_year, park)
    cfg = grading_config(config if config is not None else ds.config(pid).get("grading"))
    graded, _, _ = _population(core)
    cur = core.cur
    factor = 12.0 / period.n_months
    area = core.area_mu[graded]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            key: cur.flows[col][graded] * factor / area
            for key, col in _FLOW_OF.items()
            if key != "labour_productivity"
        }
        emp = cur.avg_employees[graded]
        values["labour_productivity"] = np.where(
            np.nan_to_num(emp) > 0, cur.flows["value_added_wan_yuan"][graded] * factor / emp, np.nan
        )
    score = np.zeros(int(graded.sum()))
    for key, weight in cfg.weights.items():
        if weight == 0:
            continue
        v = values[key]
        bench = cfg.benchmarks.get(key)
        if bench is None:
            bench = float(np.nanmedian(v)) if np.isfinite(v).any() else math.nan
            if not bench > 0 and not (np.nan_to_num(area) > 0).any():
                raise ParameterError(
                    "没有企业登记用地(企业名录的用地地块或用地面积),亩均指标无法计算;"
                    "请在企业名录中填写用地地块编号或用地面积"
                )
            if not bench > 0 and not np.isfinite(v).any():
                name = GRADING_INDICATORS[key][0]
                raise ParameterError(
                    f"数据中没有{name}({key})所需的数值,无法按它评价;请补充该指标的数据,"
                    f"或在 park.yaml 的 grading.weights 中把 {key} 的权重设为 0"
                )
            if not bench > 0:
                name = GRADING_INDICATORS[key][0]
                raise ParameterError(
                    f"{name}({key})的园区中位数为 {bench:g},不能作基准;"
                    f"请在 grading.benchmarks 中配置基准值,或把它的权重设为 0"
                )
        score += weight * np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0) / bench
    classes = assign_grades(score, cfg.cutoffs)
    reg = core.registry.loc[graded]
    out = pd.DataFrame(
        {
            "enterprise_id": reg["enterprise_id"].astype("str").to_numpy(),
            "name": reg["name"].astype("str").to_numpy(),
            "area_mu": area,
            "tax_per_mu": values["tax_per_mu"],
            "value_added_per_mu": values["value_added_per_mu"],
            "labour_productivity": values["labour_productivity"],
            "revenue_per_mu": values["revenue_per_mu"],
            "output_per_mu": values["output_per_mu"],
            "score": score,
            "grade": classes["grade"].to_numpy(),
            "rank": classes["rank"].to_numpy(),
        }
    )
    for c in ("enterprise_id", "name", "grade"):
        out[c] = out[c].astype("str")
    floats = [c for c in out.columns if out[c].dtype == "float64"]
    out[floats] = out[floats].round(_DECIMALS)
    order = np.lexsort((out["enterprise_id"].to_numpy(), out["rank"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def ungraded_enterprises(
    ds: Any, period_or_year: str | int | Period, *, park: str | None = None
) -> pd.DataFrame:
    """Industrial enterprises in production that :func:`grade_enterprises` leaves out, and why.

    Returns
    -------
    DataFrame
        ``enterprise_id, name, reason``: "无用地(未登记用地地块)" or "本期无统计数据".

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> u = ungraded_enterprises(load_dataset("data/sample"), 2015)
    >>> sorted(set(u["reason"]))
    ['无用地(未登记用地地块)']
    """
    _, _, core = _resolve(ds, period_or_year, park)
    _, no_land, no_data = _population(core)
    reasons = np.where(no_land, "无用地(未登记用地地块)", "本期无统计数据")
    keep = no_land | no_data
    reg = core.registry.loc[keep]
    return pd.DataFrame(
        {
            "enterprise_id": reg["enterprise_id"].astype("str").to_numpy(),
            "name": reg["name"].astype("str").to_numpy(),
            "reason": pd.Series(reasons[keep], dtype="str").to_numpy(),
        }
    ).astype("str")


def grade_summary(grades: pd.DataFrame) -> pd.DataFrame:
    """Count, share and land of each class.

    Parameters
    ----------
    grades : DataFrame
        From :func:`grade_enterprises` (``grade`` and ``area_mu`` are used).

    Returns
    -------
    DataFrame
        One row per class A-D (also when empty): ``grade, count, share_pct, area_mu``.

    Examples
    --------
    >>> g = pd.DataFrame({"grade": ["A", "B", "B", "D"], "area_mu": [10.0, 5.0, 5.0, 2.0]})
    >>> grade_summary(g)[["grade", "count", "share_pct"]].to_numpy().tolist()
    [['A', 1, 25.0], ['B', 2, 50.0], ['C', 0, 0.0], ['D', 1, 25.0]]
    """
    if not isinstance(grades, pd.DataFrame) or "grade" not in grades.columns:
        raise ParameterError("grade_summary 需要 grade_enterprises 返回的表(含 grade 列)")
    counts = grades["grade"].value_counts().reindex(list(GRADES), fill_value=0)
    total = int(counts.sum())
    area = (
        grades.groupby("grade")["area_mu"].sum().reindex(list(GRADES), fill_value=0.0)
        if "area_mu" in grades.columns
        else pd.Series(np.nan, index=list(GRADES))
    )
    return pd.DataFrame(
        {
            "grade": pd.Series(list(GRADES), dtype="str"),
            "count": counts.to_numpy(dtype="int64"),
            "share_pct": (
                counts.to_numpy() / total * 100 if total else np.zeros(len(GRADES))
            ).round(_DECIMALS),
            "area_mu": area.to_numpy(dtype="float64").round(_DECIMALS),
        }
    )
