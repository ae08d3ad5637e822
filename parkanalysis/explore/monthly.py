"""Month by month (当月值): the park, some enterprises (one line each) or an industry.

Definitions (the tests hold them):

* **Month by month**: ``ds.monthly`` holds each month's own value (当月值). Where the park has
  February rows but no January row at all in a year (1-2月 reported together, e.g. from
  累计 statistics), each February value is 1-2月 combined; flows are split between January
  and February in proportion to their days (31 : 28 or 29) and flagged ``split``; a stock
  (从业人员) is not invented for January (NaN). An enterprise without a January row in a year
  where others have one simply had no January (e.g. it started in February): nothing is
  split. Growth of a month is 同口径 against the same month a year earlier.
* **One line per enterprise** (``by="enterprise"``): the same months for each enterprise
  asked for (every enterprise of the park, or those of ``enterprise=``/``industry=``), its own
  value and its own 同比 against its same month a year earlier; the lines add up to the
  park's (or the group's) line month by month.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.explore.common import (
    ENTERPRISE_INDICATORS,
    indicator_spec,
    park_name,
    tag,
    with_industry,
)

__all__ = ["monthly"]


def _industry_filter(e: pd.DataFrame, industry: str) -> pd.Series:
    """Registry rows of an industry given as 门类 letter, 大类 code or either's name."""
    ind = with_industry(e[["industry_code"]].astype(str))
    text = str(industry).strip()
    for col in ("section", "division", "section_name", "division_name"):
        hit = ind[col].eq(text.upper() if col == "section" else text)
        if hit.any():
            return hit.to_numpy()
    if text[:1].isalpha() and text[1:3].isdigit():
        hit = ind["division"].eq(text[1:3])
        if hit.any():
            return hit.to_numpy()
    raise ParameterError(
        f"行业 {industry!r} 在本园区没有企业;可用门类字母(C)、大类代码(21)或名称(家具制造业)。"
    )


def _enterprise_ids(ds: Any, pid: str, enterprise: Any) -> set[str]:
    reg = ds.enterprises.loc[ds.enterprises["park_id"] == pid]
    wanted = [enterprise] if isinstance(enterprise, str) else list(enterprise)
    ids: set[str] = set()
    for w in wanted:
        hit = reg.loc[(reg["enterprise_id"] == w) | (reg["name"] == w), "enterprise_id"]
        if hit.empty:
            raise ParameterError(f"企业 {w!r} 不在园区 {park_name(ds, pid)} 的企业名录中")
        ids.update(hit.astype(str))
    return ids


def monthly(
    ds: Any,
    indicator: str = "industrial_output",
    *,
    park: str | None = None,
    enterprise: str | Sequence[str] | None = None,
    industry: str | None = None,
    year: int | None = None,
    by: str = "park",
) -> pd.DataFrame:
    """Month-by-month values (当月值) for the park, some enterprises or an industry.

    Parameters
    ----------
    ds : Dataset
    indicator : str, default "industrial_output"
        One of :data:`ENTERPRISE_INDICATORS` (id or Chinese name).
    park : str, optional
        Park id or name.
    enterprise : str or list of str, optional
        Enterprise ids or names.
    industry : str, optional
        门类 letter (``"C"``), 大类 code (``"21"``, ``"C21"``) or name (``"家具制造业"``).
    year : int, optional
        Only this year (default every month of the data).
    by : {"park", "enterprise"}, default "park"
        One line for the park (or the enterprises/industry asked for, summed), or one line
        per enterprise (``enterprise_id, name`` first; every enterprise with a row among
        those asked for, registry order).

    Returns
    -------
    DataFrame
        One row per month from the data's first to its last month (months without data
        have NaN): ``year, month, label`` ("2016年1月"), ``value``, ``prev_value`` and
        ``yoy_pct`` (同口径 against the same month a year earlier), ``n_enterprises`` and
        ``split`` (value derived from a combined 1-2月, see the module docstring). With
        ``by="enterprise"``: ``enterprise_id, name`` then the same columns per enterprise
        (``prev_value`` its own same month a year earlier; no ``n_enterprises``).

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> m = monthly(load_dataset("data/sample"), "tax_revenue", year=2016)
    >>> m["label"].tolist()[:3]
    ['2016年1月', '2016年2月', '2016年3月']
    >>> round(float(m.loc[m.month <= 5, "value"].sum()), 1)
    3126.0
    """
    spec = indicator_spec(indicator, ENTERPRISE_INDICATORS)
    if by not in ("park", "enterprise"):
        raise ParameterError(f"by 应为 park(合计一条线)或 enterprise(每家企业一条线),得到 {by!r}")
    pid = ds.resolve_park(park)
    col = spec.column
    m = ds.monthly.loc[ds.monthly["park_id"] == pid, ["enterprise_id", "year", "month", col]]
    m = m.assign(enterprise_id=m["enterprise_id"].astype(str), value=m[col].astype("float64"))
    m = m.drop(columns=col)
    what = park_name(ds, pid)
    years = set(m.loc[m["month"] == 2, "year"]) - set(m.loc[m["month"] == 1, "year"])
    if enterprise is not None:
        ids = _enterprise_ids(ds, pid, enterprise)
        m = m.loc[m["enterprise_id"].isin(ids)]
        what += f"{len(ids)}家企业" if len(ids) > 1 else "企业" + next(iter(ids))
    if industry is not None:
        reg = ds.enterprises.loc[ds.enterprises["park_id"] == pid]
        ids = set(reg.loc[_industry_filter(reg, industry), "enterprise_id"].astype(str))
        m = m.loc[m["enterprise_id"].isin(ids)]
        what += f"{industry}行业"
    m, n_split = _split_jan_feb(m, years, stock=spec.kind == "stock")
    span = ds.month_range
    if span is None:
        raise ParameterError("数据集没有企业月度统计数据。")
    (y0, m0), (y1, m1) = span
    months = pd.period_range(f"{y0}-{m0:02d}", f"{y1}-{m1:02d}", freq="M")
    grid = pd.DataFrame({"year": months.year, "month": months.month})
    have = m.loc[m["value"].notna()]
    prev = have.assign(year=have["year"] + 1)[["enterprise_id", "year", "month", "value"]]
    both = have.merge(prev, on=["enterprise_id", "year", "month"], suffixes=("", "_prev"))
    if by == "enterprise":
        out = _enterprise_lines(ds, pid, m, both, grid)
        what += "各企业"
    else:
        out = _park_line(m, have, both, grid)
    if year is not None:
        out = out.loc[out["year"] == int(year)]
    if n_split:
        how = (
            f"{'、'.join(map(str, sorted(years)))}年只有1-2月合计数({n_split}家企业):"
            f"{spec.name}按天数拆分到1月和2月(31∶28或29),标为「由1-2月合计拆分」。"
            if spec.kind != "stock"
            else f"{'、'.join(map(str, sorted(years)))}年只有2月末{spec.name},1月不推算(缺失)。"
        )
    elif ds.jan_feb_combined:
        how = "1月、2月为企业分月填报数;报告期按1-2月合并发布,此处分月列示。"
    else:
        how = "1月、2月为企业分月填报数。"
    unit = spec.unit
    return tag(
        out.reset_index(drop=True),
        "monthly",
        labels={"value": f"{spec.name}({unit})", "prev_value": f"上年同月同口径({unit})"},
        note=f"{what}{spec.name}逐月当月值。{how}",
        caption=f"{what}{spec.name}(逐月)",
        indicator=spec.id,
    )


def _park_line(m: pd.DataFrame, have: pd.DataFrame, both: pd.DataFrame, grid: pd.DataFrame):
    """One row per month of ``grid``: the sum of the enterprises' values, 同口径 同比."""
    g = have.groupby(["year", "month"])
    out = grid.merge(
        pd.DataFrame(
            {
                "value": g["value"].sum(),
                "n_enterprises": g.size(),
                "split": m.groupby(["year", "month"])["split"].any(),
            }
        ).reset_index(),
        on=["year", "month"],
        how="left",
    )
    s = both.groupby(["year", "month"])[["value", "value_prev"]].sum().reset_index()
    out = out.merge(s.rename(columns={"value": "scope_value", "value_prev": "prev_value"}),
                    on=["year", "month"], how="left")  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        out["yoy_pct"] = (out["scope_value"] / out["prev_value"] - 1) * 100
    out.loc[~(out["prev_value"] > 0), "yoy_pct"] = np.nan
    out["n_enterprises"] = out["n_enterprises"].fillna(0).astype("int64")
    out["split"] = out["split"].fillna(False).astype(bool)
    out.insert(
        2, "label", [f"{y}年{mo}月" for y, mo in zip(out["year"], out["month"], strict=True)]
    )
    out = out[
        ["year", "month", "label", "value", "prev_value", "yoy_pct", "n_enterprises", "split"]
    ]
    return out


def _enterprise_lines(ds: Any, pid: str, m: pd.DataFrame, both: pd.DataFrame, grid: pd.DataFrame):
    """One row per enterprise and month of ``grid``: its value, its own 同比 (same month)."""
    reg = ds.enterprises.loc[ds.enterprises["park_id"] == pid, ["enterprise_id", "name"]]
    reg = reg.astype({"enterprise_id": str}).drop_duplicates("enterprise_id")
    seen = set(m.loc[m["value"].notna(), "enterprise_id"])
    reg = reg.loc[reg["enterprise_id"].isin(seen)]
    lines = reg.merge(grid, how="cross")
    key = ["enterprise_id", "year", "month"]
    g = m.groupby(key)
    cur = pd.DataFrame({"value": g["value"].sum(min_count=1), "split": g["split"].any()})
    prev = both.groupby(key)["value_prev"].sum().rename("prev_value")
    out = lines.merge(cur.reset_index(), on=key, how="left")
    out = out.merge(prev.reset_index(), on=key, how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["yoy_pct"] = (out["value"] / out["prev_value"] - 1) * 100
    out.loc[~(out["prev_value"] > 0) | out["value"].isna(), "yoy_pct"] = np.nan
    out["split"] = out["split"].astype("boolean").fillna(False).astype(bool)
    out.insert(
        4, "label", [f"{y}年{mo}月" for y, mo in zip(out["year"], out["month"], strict=True)]
    )
    cols = ["enterprise_id", "name", "year", "month", "label", "value", "prev_value", "yoy_pct"]
    return out[[*cols, "split"]]


def _split_jan_feb(m: pd.DataFrame, years: set[int], *, stock: bool) -> tuple[pd.DataFrame, int]:
    """Split the February rows of ``years`` (1-2月 combined) between January and February."""
    m = m.assign(split=False)
    feb = m.loc[(m["month"] == 2) & m["year"].isin(years)]
    if feb.empty:
        return m, 0
    days_feb = np.array([calendar.monthrange(int(y), 2)[1] for y in feb["year"]], dtype=float)
    jan_share = 31.0 / (31.0 + days_feb)
    jan = feb.assign(month=1, split=not stock)
    jan["value"] = np.nan if stock else feb["value"].to_numpy() * jan_share
    m.loc[feb.index, "split"] = not stock
    if not stock:
        m.loc[feb.index, "value"] = feb["value"].to_numpy() * (1 - jan_share)
    m = pd.concat([m, jan], ignore_index=True)
    return m.sort_values(["enterprise_id", "year", "month"], kind="stable"), len(feb)
