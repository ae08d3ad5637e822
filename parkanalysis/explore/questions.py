"""The analyst's common questions, one function each, on top of the indicator core.

Every function takes the dataset first, accepts a park id or name (``park="工贸园"``),
returns a plain DataFrame with internal column names (for code) and records its table,
Chinese headers, units and a note in ``frame.attrs["parkanalysis"]`` (for display, see
:mod:`parkanalysis.explore.display`).

Definitions (the tests hold them):

* **拉动 (百分点)** of an enterprise = (本期 − 上年同期) ÷ Σ 上年同期 × 100 over the same-scope
  enterprises (同口径: data for the indicator in both the period and the same months a year
  earlier, as in :func:`parkanalysis.indicators.indicator_table`). The 拉动 of all of them add
  up to the park's 同口径 growth in percent.
* **贡献率 (%)** = (本期 − 上年同期) ÷ (Σ 本期 − Σ 上年同期) × 100; they add up to 100. Both are
  NaN for enterprises outside the scope (listed, never dropped) and when the park's change is 0.
* **By industry**: 行业代码 → GB/T 4754-2017 门类/大类 (:mod:`parkanalysis.industry`); blank codes
  are 「未分类」. Land is the enterprises' apportioned land (a parcel shared by *k* enterprises
  counts 1/*k*); an enterprise without land has **no** land (NaN), never 0, and 亩均 figures are
  Σ flow ÷ Σ land over the enterprises with land and data in the period — the same
  enterprises on both sides (one that left before the period keeps its land on the register
  but is in neither), and both sums are columns of the table — NaN, never ``inf``, for an
  industry without land.
* **Drill-down**: the enterprises behind a park figure, whose values add up to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.explore.common import (
    ENTERPRISE_INDICATORS,
    TABLE_ATTR,
    indicator_spec,
    land_of,
    park_name,
    tag,
    with_industry,
)

__all__ = [
    "by_industry",
    "compare_parks",
    "compare_periods",
    "contribution",
    "drill_down",
    "supply_by_use",
]

# -- contribution ------------------------------------------------------------------------------


def contribution(
    ds: Any,
    period: Any,
    *,
    indicator: str = "industrial_output",
    by: str = "enterprise",
    park: str | None = None,
    base: Any = None,
) -> pd.DataFrame:
    """Each enterprise's (or industry's) 拉动 and 贡献率 to the park's 同口径 growth.

    Parameters
    ----------
    ds : Dataset
    period : str, int or Period
        As for :func:`parkanalysis.indicators.indicator_table`.
    indicator : str, default "industrial_output"
        One of :data:`ENTERPRISE_INDICATORS` (id or Chinese name, e.g. ``"税收"``).
    by : {"enterprise", "industry", "section"}
        Per enterprise, per GB/T 4754 大类 (``"industry"``) or per 门类 (``"section"``).
    park : str, optional
        Park id or name.
    base : str, int or Period, optional
        An earlier period (e.g. ``"2016年1-3月"`` beside ``"2016年1-5月"``): both periods in
        one table and the change between them (see Returns).

    Returns
    -------
    DataFrame
        By enterprise: ``enterprise_id, name, industry_code, division_name, value,
        prev_value, change, yoy_pct, pull_pp, contribution_pct, in_scope``; by industry:
        ``division, division_name`` (or ``section, section_name``), ``n_enterprises`` and the
        same figures over the group's same-scope enterprises. Sorted by 拉动, largest first.
        With ``base``: the keys, then ``value, pull_pp, contribution_pct`` of ``period``,
        ``base_value, base_pull_pp, base_contribution_pct`` of ``base`` and
        ``pull_change_pp`` = 拉动 − 基期拉动 (百分点; an enterprise out of scope in one
        period counts 0 there), so Σ ``pull_change_pp`` = the change of the park's 同口径
        growth (``attrs["parkanalysis"]["growth_change_pp"]``). Sorted by the change.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> c = contribution(ds, "2016年1-5月", indicator="税收")
    >>> bool(np.isclose(c["pull_pp"].sum(), c.attrs["parkanalysis"]["growth_pct"]))
    True
    >>> round(float(c["contribution_pct"].sum()), 6)
    100.0
    >>> contribution(ds, "2016年1-5月", indicator="税收", by="section")["section_name"].tolist()[:2]
    ['制造业', '批发和零售业']
    >>> d = contribution(ds, "2016年1-5月", indicator="税收", base="2016年1-3月")
    >>> bool(np.isclose(d["pull_change_pp"].sum(), d.attrs["parkanalysis"]["growth_change_pp"]))
    True
    """
    if base is not None:
        return _against_base(ds, period, base, indicator=indicator, by=by, park=park)
    from parkanalysis.indicators import enterprise_table

    spec = indicator_spec(indicator, ENTERPRISE_INDICATORS)
    pid = ds.resolve_park(park)
    e = with_industry(enterprise_table(ds, period, park=pid))
    cur = e[spec.column].astype("float64")
    prev = e[f"prev_{spec.column}"].astype("float64")
    scope = cur.notna() & prev.notna()
    s1, s0 = float(cur[scope].sum()), float(prev[scope].sum())
    growth = (s1 / s0 - 1) * 100 if s0 else np.nan
    delta = s1 - s0
    change = (cur - prev).where(scope)
    with np.errstate(divide="ignore", invalid="ignore"):
        pull = change / s0 * 100 if s0 else change * np.nan
        share = change / delta * 100 if delta else change * np.nan
        own = ((cur / prev - 1) * 100).where(scope & (prev > 0))
    out = pd.DataFrame(
        {
            "enterprise_id": e["enterprise_id"],
            "name": e["name"],
            "industry_code": e["industry_code"],
            "section": e["section"],
            "section_name": e["section_name"],
            "division": e["division"],
            "division_name": e["division_name"],
            "value": cur,
            "prev_value": prev,
            "change": change,
            "yoy_pct": own,
            "pull_pp": pull,
            "contribution_pct": share,
            "in_scope": scope,
        }
    )
    unit = spec.unit
    labels = {
        "value": f"本期({unit})",
        "prev_value": f"上年同期({unit})",
        "change": f"增减额({unit})",
    }
    n = int(scope.sum())
    name = park_name(ds, pid)
    note = (
        f"{name}{spec.name}同口径({n}家)增长{growth:.1f}%;"
        "各企业拉动(百分点)之和等于增速,贡献率之和为100%。"
        if np.isfinite(growth)
        else f"{name}{spec.name}无上年同期可比数据,拉动与贡献率无法计算。"
    )
    if by == "enterprise":
        out = out.drop(columns=["section", "section_name", "division"])
        out = out.sort_values("pull_pp", ascending=False, na_position="last", kind="stable")
        return tag(
            out.reset_index(drop=True),
            "contribution",
            labels=labels,
            note=note,
            growth_pct=growth,
            indicator=spec.id,
        )
    keys = {"industry": ["division", "division_name"], "section": ["section", "section_name"]}
    if by not in keys:
        raise ParameterError(f"by 应为 enterprise、industry 或 section,得到 {by!r}")
    inside = out.loc[scope]
    g = inside.groupby(keys[by], sort=True)
    grouped = pd.DataFrame(
        {
            "n_enterprises": g.size(),
            "value": g["value"].sum(),
            "prev_value": g["prev_value"].sum(),
        }
    )
    grouped["change"] = grouped["value"] - grouped["prev_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        grouped["yoy_pct"] = (grouped["value"] / grouped["prev_value"] - 1) * 100
        grouped.loc[grouped["prev_value"] <= 0, "yoy_pct"] = np.nan
    grouped["pull_pp"] = grouped["change"] / s0 * 100 if s0 else np.nan
    grouped["contribution_pct"] = grouped["change"] / delta * 100 if delta else np.nan
    grouped = grouped.reset_index().sort_values(
        "pull_pp", ascending=False, na_position="last", kind="stable"
    )
    outside = int((~scope).sum())
    if outside:
        note += f"另有{outside}家企业不在同口径内(本期或上年同期无数据),未计入。"
    return tag(
        grouped.reset_index(drop=True),
        "contribution",
        labels={**labels, "value": f"本期同口径({unit})", "prev_value": f"上年同期({unit})"},
        note=note,
        growth_pct=growth,
        indicator=spec.id,
    )


def _against_base(ds: Any, period: Any, base: Any, **kw: Any) -> pd.DataFrame:
    """:func:`contribution` of ``period`` and of ``base`` side by side, with the change."""
    from parkanalysis.indicators import resolve_period

    now = contribution(ds, period, **kw)
    then = contribution(ds, base, **kw)
    keys = {"enterprise": ["enterprise_id", "name", "industry_code", "division_name"],
            "industry": ["division", "division_name"],
            "section": ["section", "section_name"]}[kw["by"]]  # fmt: skip
    figures = ["value", "pull_pp", "contribution_pct"]
    both = now[keys + figures].merge(
        then[keys + figures].rename(columns={f: f"base_{f}" for f in figures}), on=keys, how="outer"
    )
    both["pull_change_pp"] = both["pull_pp"].fillna(0) - both["base_pull_pp"].fillna(0)
    both = both.sort_values("pull_change_pp", ascending=False, kind="stable")
    p, b = resolve_period(ds, period), resolve_period(ds, base)
    g1, g0 = now.attrs[TABLE_ATTR]["growth_pct"], then.attrs[TABLE_ATTR]["growth_pct"]
    meta = now.attrs[TABLE_ATTR]
    unit = indicator_spec(meta["indicator"]).unit
    name = indicator_spec(meta["indicator"]).name
    return tag(
        both.reset_index(drop=True),
        "contribution",
        labels={
            "value": f"{p.label}({unit})",
            "pull_pp": f"{p.label}拉动(百分点)",
            "contribution_pct": f"{p.label}贡献率(%)",
            "base_value": f"{b.label}({unit})",
            "base_pull_pp": f"{b.label}拉动(百分点)",
            "base_contribution_pct": f"{b.label}贡献率(%)",
            "pull_change_pp": "拉动变化(百分点)",
        },
        units={
            "base_value": unit,
            "base_pull_pp": "百分点",
            "pull_change_pp": "百分点",
            "base_contribution_pct": "%",
        },
        note=f"{name}同口径增速由{b.label}的{g0:.1f}%变为{p.label}的{g1:.1f}%"
        f"({g1 - g0:+.1f}个百分点),各项拉动变化之和等于增速变化。",
        growth_pct=g1,
        base_growth_pct=g0,
        growth_change_pp=g1 - g0,
        indicator=meta["indicator"],
    )


# -- by industry -------------------------------------------------------------------------------

_FLOWS = {
    "output_wan_yuan": "工业总产值",
    "value_added_wan_yuan": "工业增加值",
    "revenue_wan_yuan": "主营业务收入",
    "tax_wan_yuan": "税收",
}


def by_industry(
    ds: Any, period: Any, *, level: str = "division", park: str | None = None
) -> pd.DataFrame:
    """The period's figures per GB/T 4754-2017 大类 (or 门类), with 亩均 figures.

    Parameters
    ----------
    ds : Dataset
    period : str, int or Period
    level : {"division", "section"}
        大类 (default) or 门类.
    park : str, optional
        Park id or name.

    Returns
    -------
    DataFrame
        ``section, section_name`` (and ``division, division_name``), ``n_enterprises``
        (with data in the period), the flows ``output_wan_yuan, value_added_wan_yuan,
        revenue_wan_yuan, tax_wan_yuan``, ``employees`` (period end), ``area_mu`` (the land
        of the group's enterprises with land and data in the period; NaN when none has
        land), ``land_tax_wan_yuan, land_output_wan_yuan`` (税收 and 产值 of those same
        enterprises), ``tax_per_mu, output_per_mu`` (``land_tax_wan_yuan ÷ area_mu``,
        ``land_output_wan_yuan ÷ area_mu``: the page's own columns divide to the 亩均
        shown) and ``output_share_pct``; in code order.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = by_industry(load_dataset("data/sample"), "2016年1-5月").set_index("division")
    >>> t.loc["21", "division_name"], int(t.loc["21", "n_enterprises"])
    ('家具制造业', 3)
    >>> bool(np.isinf(t[["tax_per_mu", "output_per_mu"]]).any().any())
    False
    """
    from parkanalysis.indicators import enterprise_table

    if level not in ("division", "section"):
        raise ParameterError(f"level 应为 division(大类)或 section(门类),得到 {level!r}")
    pid = ds.resolve_park(park)
    e = with_industry(enterprise_table(ds, period, park=pid))
    # 亩均's land: enterprises with land and data in the period (one that left before it
    # has land on the register but no figures: it is in neither numerator nor denominator)
    e["land"] = land_of(e).where(e["has_data"].astype(bool))
    on_land = e["land"].notna()
    keys = ["section", "section_name"] + (["division", "division_name"] * (level == "division"))
    g = e.groupby(keys, sort=True)
    out = pd.DataFrame({"n_enterprises": g["has_data"].sum().astype("int64")})
    for col in _FLOWS:
        out[col] = g[col].sum(min_count=1)
    out["employees"] = g["employees"].sum(min_count=1)
    out["area_mu"] = g["land"].sum(min_count=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for flow, name in (("tax_wan_yuan", "tax"), ("output_wan_yuan", "output")):
            num = e[flow].where(on_land).groupby([e[k] for k in keys], sort=True).sum()
            out[f"land_{flow}"] = num.where(out["area_mu"].notna())
            out[f"{name}_per_mu"] = (out[f"land_{flow}"] / out["area_mu"]).where(out["area_mu"] > 0)
        total = e["output_wan_yuan"].sum()
        out["output_share_pct"] = out["output_wan_yuan"] / total * 100 if total else np.nan
    out = out.reset_index()
    if level == "division":  # codes in GB/T order, 「未分类」 last
        out = out.sort_values(["division"], key=lambda s: s.replace("", "99"), kind="stable")
    no_land = int((e["has_data"].astype(bool) & ~on_land).sum())
    note = (
        f"行业按 GB/T 4754-2017;{no_land}家有数据的企业无用地,不计入亩均(用地记为缺失,不是0)。"
        "亩均 = 有用地企业的税收(产值)÷ 用地面积,用地面积为本期有数据企业的用地,未年化。"
    )
    labels = {
        "land_tax_wan_yuan": "有用地企业税收(万元)",
        "land_output_wan_yuan": "有用地企业产值(万元)",
    }
    return tag(out.reset_index(drop=True), "by_industry", note=note, labels=labels)


# -- comparisons -------------------------------------------------------------------------------


def _pick_indicators(table: pd.DataFrame, indicators: Sequence[str] | None) -> pd.DataFrame:
    if indicators is None:
        return table
    ids = [indicator_spec(i).id for i in indicators]
    return table.set_index("id").loc[ids].reset_index()


def compare_parks(
    ds: Any,
    period: Any,
    *,
    parks: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Parks side by side: one row per indicator, a value and a 同比 column per park.

    Parameters
    ----------
    ds : Dataset
    period : str, int or Period
    parks : list of str, optional
        Park ids or names (default all, in park.yaml order).
    indicators : list of str, optional
        Indicator ids or Chinese names (default all).

    Returns
    -------
    DataFrame
        ``id, name, unit`` then, per park, ``<park_id>`` (value) and ``<park_id>_yoy_pct``;
        headers show the park names.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = compare_parks(load_dataset("data/sample"), "2016年1-5月", indicators=["税收"])
    >>> t.columns.tolist(), float(t.loc[0, "GMY"])
    (['id', 'name', 'unit', 'GMY', 'GMY_yoy_pct'], 3126.0)
    """
    from parkanalysis.indicators import indicator_table_by_park

    ids = list(ds.parks) if parks is None else [ds.resolve_park(p) for p in parks]
    long = indicator_table_by_park(ds, period, parks=ids)
    base = long.loc[long["park_id"] == ids[0], ["id", "name", "unit"]].reset_index(drop=True)
    out = base.copy()
    labels, units = {}, {}
    for pid in ids:
        part = long.loc[long["park_id"] == pid].set_index("id")
        out[pid] = part["value"].reindex(base["id"]).to_numpy()
        out[f"{pid}_yoy_pct"] = part["yoy_pct"].reindex(base["id"]).to_numpy()
        labels[pid] = park_name(ds, pid)
        labels[f"{pid}_yoy_pct"] = f"{park_name(ds, pid)}同比(%)"
        units[f"{pid}_yoy_pct"] = "%"
    out = _pick_indicators(out, indicators)
    from parkanalysis.indicators import resolve_period

    label = resolve_period(ds, period).label
    return tag(
        out,
        "compare",
        labels=labels,
        units=units,
        row_unit=ids,
        caption=f"{label}各园区主要指标",
        note="同比为同口径增速(见 indicator_table)。",
    )


def compare_periods(
    ds: Any,
    periods: Sequence[Any],
    *,
    park: str | None = None,
    indicators: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Periods side by side for one park: one row per indicator, value and 同比 per period.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = compare_periods(load_dataset("data/sample"), ["2015年1-5月", "2016年1-5月"],
    ...                     indicators=["tax_revenue"])
    >>> t.columns.tolist()[3:]
    ['2015-01..2015-05', '2015-01..2015-05_yoy_pct', '2016-01..2016-05', '2016-01..2016-05_yoy_pct']
    """
    from parkanalysis.indicators import indicator_table, resolve_period

    pid = ds.resolve_park(park)
    out = None
    labels, units, keys = {}, {}, []
    for period in periods:
        p = resolve_period(ds, period)
        t = indicator_table(ds, p, park=pid).set_index("id")
        if out is None:
            out = t[["name", "unit"]].reset_index()
        key = str(p)
        keys.append(key)
        out[key] = t["value"].reindex(out["id"]).to_numpy()
        out[f"{key}_yoy_pct"] = t["yoy_pct"].reindex(out["id"]).to_numpy()
        labels[key] = p.label
        labels[f"{key}_yoy_pct"] = f"{p.label}同比(%)"
        units[f"{key}_yoy_pct"] = "%"
    if out is None:
        raise ParameterError("periods 至少给出一个报告期")
    out = _pick_indicators(out, indicators)
    return tag(
        out,
        "compare",
        labels=labels,
        units=units,
        row_unit=keys,
        caption=f"{park_name(ds, pid)}各期主要指标",
    )


# -- land --------------------------------------------------------------------------------------


def supply_by_use(
    ds: Any, *, park: str | None = None, as_of: Any = None, use: str = "planned_use"
) -> pd.DataFrame:
    """Land supplied per year and use (亩), from the ledger's supplied parcels.

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id or name.
    as_of : str, Period, date, optional
        Cut-off, as for :func:`parkanalysis.land.supply_history`.
    use : {"planned_use", "current_use"}
        规划用途 (default) or 现状用途 (planned use where blank).

    Returns
    -------
    DataFrame
        ``year``, one column per use (亩, zero years filled), ``total_mu``,
        ``transactions``; the totals equal :func:`parkanalysis.land.supply_history`.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> from parkanalysis.land import supply_history
    >>> ds = load_dataset("data/sample")
    >>> t = supply_by_use(ds)
    >>> bool(np.allclose(t["total_mu"], supply_history(ds)["supplied_mu"]))
    True
    """
    from parkanalysis.land import supply_history, supply_transactions

    if use not in ("planned_use", "current_use"):
        raise ParameterError(f"use 应为 planned_use 或 current_use,得到 {use!r}")
    pid = ds.resolve_park(park)
    tx = supply_transactions(ds, park=pid, as_of=as_of)
    hist = supply_history(ds, park=pid, as_of=as_of)
    if tx.empty:
        return tag(pd.DataFrame({"year": [], "total_mu": [], "transactions": []}), "supply")
    p = ds.parcels.loc[ds.parcels["park_id"] == pid].drop_duplicates("parcel_id")
    uses = p.set_index("parcel_id")
    kind = uses["planned_use"].astype(object)
    if use == "current_use":
        kind = uses["current_use"].astype(object).where(uses["current_use"].notna(), kind)
    tx = tx.assign(use=tx["parcel_id"].map(kind).fillna("未填"))
    wide = tx.pivot_table(index="year", columns="use", values="area_mu", aggfunc="sum")
    years = hist["year"].astype("int64")
    wide = wide.reindex(years, fill_value=0.0).fillna(0.0)
    wide.columns = [str(c) for c in wide.columns]
    wide["total_mu"] = wide.sum(axis=1).round(6)
    wide["transactions"] = tx.groupby("year").size().reindex(years, fill_value=0).to_numpy()
    out = wide.reset_index()
    out.columns.name = None
    labels = {c: f"{c}(亩)" for c in wide.columns if c not in ("total_mu", "transactions")}
    units = {c: "亩" for c in labels}
    what = "规划用途" if use == "planned_use" else "现状用途"
    return tag(
        out,
        "supply_by_use",
        labels=labels,
        units=units,
        caption=f"{park_name(ds, pid)}历年供地(按{what})",
        note="每宗已供地块计一次;用途未填的记为「未填」。",
    )


# -- drill-down --------------------------------------------------------------------------------

_RATIOS = {
    "tax_per_mu": "tax_wan_yuan",
    "output_per_mu": "output_wan_yuan",
    "value_added_per_mu": "value_added_wan_yuan",
}


def drill_down(ds: Any, period: Any, indicator: str, *, park: str | None = None) -> pd.DataFrame:
    """The enterprises behind a park figure of :func:`indicator_table`, largest first.

    Supported: the flows and 从业人员 (values add up to the park figure), the 规上 flows and
    规上工业企业数 (the enterprises counted), and 亩均 figures (Σ flow ÷ Σ land of the rows).

    Returns
    -------
    DataFrame
        ``enterprise_id, name, industry_code, division_name, value`` (the enterprise's
        part), ``share_pct`` (of the park figure; for 亩均, of the flow), and for 亩均 figures
        ``flow`` and ``area_mu``. ``attrs["parkanalysis"]["total"]`` is the park figure
        rebuilt from the rows.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> d = drill_down(load_dataset("data/sample"), "2016年1-5月", "税收")
    >>> round(float(d["value"].sum()), 1), round(float(d["share_pct"].sum()), 6)
    (3126.0, 100.0)
    """
    from parkanalysis.indicators import INDICATORS, enterprise_table

    spec = indicator_spec(indicator, [s.id for s in INDICATORS])
    pid = ds.resolve_park(park)
    e = with_industry(enterprise_table(ds, period, park=pid))
    base = e[["enterprise_id", "name", "industry_code", "division_name"]].copy()
    industrial_above = e["above_size"].astype(bool) & e["kind"].eq("工业")
    unit = spec.unit
    if spec.id in ENTERPRISE_INDICATORS or (
        spec.kind == "flow" and spec.id.startswith("above_size_")
    ):
        value = e[spec.column].astype("float64")
        keep = value.notna() & (industrial_above if spec.id.startswith("above_size_") else True)
        out = base.assign(value=value).loc[keep]
        total = float(out["value"].sum())
        out["share_pct"] = out["value"] / total * 100 if total else np.nan
    elif spec.id == "above_size_enterprises":
        keep = industrial_above & e["in_production"] & ~e["exited"] & e["has_data"]
        out = base.assign(value=1.0).loc[keep]
        out["output_wan_yuan"] = e.loc[keep, "output_wan_yuan"]
        total = float(len(out))
        out["share_pct"] = 100.0 / total if total else np.nan
    elif spec.id in _RATIOS:
        flow_col = _RATIOS[spec.id]
        land = land_of(e)
        flow = e[flow_col].astype("float64")
        keep = land.notna() & flow.notna()
        out = base.assign(value=(flow / land), flow=flow, area_mu=land).loc[keep]
        total = float(out["flow"].sum() / out["area_mu"].sum()) if keep.any() else np.nan
        out["share_pct"] = out["flow"] / out["flow"].sum() * 100
    else:
        supported = [*ENTERPRISE_INDICATORS, "above_size_output", "above_size_value_added",
                     "above_size_enterprises", *_RATIOS]  # fmt: skip
        raise ParameterError(f"指标 {spec.id!r} 暂不支持下钻;可选:{'、'.join(supported)}")
    out = out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    labels = {"value": f"{spec.name}({unit})"}
    if spec.id in _RATIOS:
        labels["flow"] = f"{_FLOWS[_RATIOS[spec.id]]}(万元)"
        labels["share_pct"] = "占有地企业合计比重(%)"
    return tag(
        out,
        "drill_down",
        labels=labels,
        units={"value": unit, "flow": "万元"},
        caption=f"{park_name(ds, pid)}{spec.name}:{len(out)}家企业",
        note=f"合计(按园区口径)= {total:,.2f}{unit}",
        total=total,
        indicator=spec.id,
    )
