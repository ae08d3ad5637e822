"""土地集约利用评价 ratios (开发区土地集约利用评价规程) computed from the ledger."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from parkanalysis.land.ledger import (
    fmt,
    mu_ha,
    one_park,
    park_parcels,
    resolve_as_of,
)
from parkanalysis.units import M2_PER_HA, MU_PER_HA


# --------------------------------------------------------------------------- ratios
@dataclass
class _Ratio:
    id: str
    name: str
    unit: str
    value: float = math.nan
    note: str = ""


def land_ratios(ds: Any, *, park: str | None = None, as_of: Any = None) -> pd.DataFrame:
    """土地集约利用评价 ratios (开发区土地集约利用评价规程) that the ledger allows.

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id (required when the dataset holds several parks).
    as_of : str, Period, date or None
        Cut-off (see :func:`resolve_as_of`).

    Returns
    -------
    pandas.DataFrame
        Rows ``id, name, value, unit, note`` for ``supply_rate_pct`` (已供 ÷ 已达供地条件,
        i.e. 已供 + 已批未供), ``built_rate_pct`` (已建成 ÷ 已供), ``industrial_land_rate_pct``
        (工矿仓储 ÷ 已建成), ``plot_ratio`` (建筑面积 ÷ 已建成土地), ``building_density_pct``
        (基底面积 ÷ 已建成土地), ``industrial_investment_intensity_wan_yuan_per_ha``
        (累计固定资产投资 ÷ 已建成工矿仓储用地), ``industrial_tax_per_ha`` (近12个月工矿仓储
        用地上企业税收 ÷ 已建成工矿仓储用地), ``tax_per_ha`` (近12个月园区税收 ÷ 已建成土地)
        and ``idle_rate_pct`` (闲置 ÷ 已供). A ratio whose inputs are missing is NaN and its
        note names the missing inputs; a ratio computed on the parcels that have the input
        says how many lack it.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> r = land_ratios(load_dataset("data/sample")).set_index("id")
    >>> r.loc[["supply_rate_pct", "idle_rate_pct"], "value"].round(1).tolist()
    [94.0, 4.4]
    """
    pid = one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    p = park_parcels(ds, pid, cutoff)
    return ratio_frame(evaluation_ratios(ds, pid, p, cutoff))


def ratio_frame(ratios: list[_Ratio]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [r.id for r in ratios],
            "name": [r.name for r in ratios],
            "value": [float(r.value) for r in ratios],
            "unit": [r.unit for r in ratios],
            "note": [r.note for r in ratios],
        }
    )


def _covered(
    parcels: pd.DataFrame, column: str, what: str, zh: str
) -> tuple[pd.DataFrame, str | None]:
    """Parcels with ``column`` present, and a note (None when every parcel has it)."""
    have = parcels[column].notna().to_numpy()
    missing = parcels.loc[~have, "parcel_id"].astype(str).tolist()
    if not missing:
        return parcels, ""
    if have.sum() == 0:
        return parcels.iloc[0:0], None
    shown = "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")
    return parcels.loc[have], (
        f"{len(missing)}宗{what}缺少{zh}({column}:{shown}),按其余{int(have.sum())}宗计算"
    )


def evaluation_ratios(ds: Any, pid: str, p: pd.DataFrame, cutoff: pd.Timestamp) -> list[_Ratio]:
    return evaluation_ratios_over([(ds, pid, p)], cutoff)


def evaluation_ratios_over(
    parts: Sequence[tuple[Any, str, pd.DataFrame]],
    cutoff: pd.Timestamp,
    taxes: Sequence[tuple[pd.Series | None, str]] | None = None,
) -> list[_Ratio]:
    """The ratios of one park, or of a zone total: ``parts`` are ``(dataset, park id, parcels
    of park_parcels)``; every ratio is Σ numerator ÷ Σ denominator over the parts (the
    parcels put end to end, the taxes summed), never an average of the parks' ratios.
    ``taxes``: each part's :func:`tax_last_12_months`, when already computed."""
    out: list[_Ratio] = []
    frames = [part[2] for part in parts]
    p = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    supplied = p.loc[p["supplied"].to_numpy(dtype=bool)]
    built = p.loc[p["built"].to_numpy(dtype=bool)]
    ind_built = built.loc[built["industrial"].to_numpy(dtype=bool)]
    sup_mu = float(supplied["area_mu"].sum())
    supplyable_mu = sup_mu + float(p.loc[p["remaining"].to_numpy(dtype=bool), "area_mu"].sum())
    built_mu = float(built["area_mu"].sum())
    ind_mu = float(ind_built["area_mu"].sum())

    r = _Ratio("supply_rate_pct", "土地供应率", "%")
    if supplyable_mu > 0:
        r.value = 100 * sup_mu / supplyable_mu
        r.note = f"已供应{fmt(sup_mu)}亩 ÷ 已达供地条件(已供+已批未供){fmt(supplyable_mu)}亩"
    else:
        r.note = "缺少已达供地条件的土地(已报批的可利用土地),无法计算"
    out.append(r)

    r = _Ratio("built_rate_pct", "土地建成率", "%")
    if sup_mu > 0 and p["construction_status"].loc[p["supplied"]].notna().any():
        r.value = 100 * built_mu / sup_mu
        r.note = f"已建成{fmt(built_mu)}亩 ÷ 已供应{fmt(sup_mu)}亩(建设状态为现状记录)"
    else:
        r.note = "缺少已供应土地或其建设状态(construction_status),无法计算"
    out.append(r)

    r = _Ratio("industrial_land_rate_pct", "工业用地率", "%")
    if built_mu > 0:
        r.value = 100 * ind_mu / built_mu
        r.note = (
            f"工矿仓储用地(现状用途工业、仓储物流){fmt(ind_mu)}亩 ÷ 已建成土地{fmt(built_mu)}亩"
        )
    else:
        r.note = "缺少已建成土地(construction_status=已建成),无法计算"
    out.append(r)

    for rid, name, col, zh, unit in (
        ("plot_ratio", "综合容积率", "floor_area_m2", "建筑面积", ""),
        ("building_density_pct", "建筑密度", "footprint_m2", "建筑基底面积", "%"),
    ):
        r = _Ratio(rid, name, unit)
        sub, note = _covered(built, col, "已建成地块", zh)
        if note is None or built.empty:
            r.note = f"已建成地块缺少{zh}({col}),无法计算"
        else:
            land_m2 = float(sub["area_mu"].sum()) * M2_PER_HA / MU_PER_HA
            v = float(sub[col].sum()) / land_m2
            r.value = 100 * v if unit == "%" else v
            r.note = f"{zh} ÷ 已建成土地面积" + (f";{note}" if note else "")
        out.append(r)

    r = _Ratio(
        "industrial_investment_intensity_wan_yuan_per_ha", "工业用地固定资产投入强度", "万元/公顷"
    )
    sub, note = _covered(ind_built, "investment_wan_yuan", "已建成工矿仓储地块", "固定资产投资")
    if note is None or ind_built.empty:
        r.note = "已建成工矿仓储地块缺少固定资产投资(investment_wan_yuan),无法计算"
    else:
        r.value = float(sub["investment_wan_yuan"].sum()) / mu_ha(float(sub["area_mu"].sum()))
        r.note = "累计固定资产投资 ÷ 已建成工矿仓储用地面积" + (f";{note}" if note else "")
    out.append(r)

    if taxes is None:
        taxes = [tax_last_12_months(ds, pid, cutoff) for ds, pid, _ in parts]
    taxes = [(ds, pid, q, *t) for (ds, pid, q), t in zip(parts, taxes, strict=True)]
    lacking = [(pid, note) for _, pid, _, tax, note in taxes if tax is None]
    months_note = taxes[0][4] if taxes else ""
    r = _Ratio("industrial_tax_per_ha", "工业用地地均税收", "万元/公顷")
    if lacking:
        r.note = _lacking_note(lacking, len(parts))
    elif ind_built.empty:
        r.note = "缺少已建成工矿仓储用地,无法计算"
    else:
        n_ents, ind_tax = 0, 0.0
        for ds, pid, q, tax, _ in taxes:
            q_ind = q.loc[(q["built"] & q["industrial"]).to_numpy(dtype=bool)]
            ents = enterprises_on(ds, pid, set(q_ind["parcel_id"].astype(str)))
            n_ents += len(ents)
            ind_tax += float(tax.reindex(sorted(ents)).fillna(0.0).sum())
        if not n_ents:
            r.note = "企业名录未登记用地地块(parcel_ids),无法把税收对应到工矿仓储用地"
        else:
            r.value = ind_tax / mu_ha(ind_mu)
            r.note = (
                f"{months_note}使用已建成工矿仓储用地的{n_ents}家企业税收 ÷ "
                f"已建成工矿仓储用地{fmt(mu_ha(ind_mu))}公顷"
            )
    out.append(r)

    r = _Ratio("tax_per_ha", "综合地均税收", "万元/公顷")
    if lacking:
        r.note = _lacking_note(lacking, len(parts))
    elif built_mu <= 0:
        r.note = "缺少已建成土地,无法计算"
    else:
        r.value = sum(float(tax.sum()) for *_, tax, _ in taxes) / mu_ha(built_mu)
        r.note = f"{months_note}园区全部企业税收 ÷ 已建成土地{fmt(mu_ha(built_mu))}公顷"
    out.append(r)

    r = _Ratio("idle_rate_pct", "土地闲置率", "%")
    if sup_mu > 0 and p["construction_status"].loc[p["supplied"]].notna().any():
        idle_mu = float(p.loc[p["idle"].to_numpy(dtype=bool), "area_mu"].sum())
        r.value = 100 * idle_mu / sup_mu
        r.note = f"闲置{fmt(idle_mu)}亩 ÷ 已供应{fmt(sup_mu)}亩"
    else:
        r.note = "缺少已供应土地或其建设状态(construction_status),无法计算"
    out.append(r)
    return out


def _lacking_note(lacking: list[tuple[str, str]], n_parts: int) -> str:
    """The reason a tax ratio is not computed (naming the parks when there are several)."""
    if n_parts == 1:
        return lacking[0][1]
    return ";".join(f"{pid}:{note}" for pid, note in lacking)


def tax_last_12_months(ds: Any, pid: str, cutoff: pd.Timestamp) -> tuple[pd.Series | None, str]:
    """Tax per enterprise of the 12 months ending with the month of ``cutoff``."""
    m = ds.monthly
    m = m.loc[(m["park_id"] == pid).to_numpy()]
    last = cutoff.year * 12 + cutoff.month - 1
    first = last - 11
    label = f"{first // 12}年{first % 12 + 1}月至{last // 12}年{last % 12 + 1}月"
    if m.empty or m["tax_wan_yuan"].notna().sum() == 0:
        return None, "缺少企业月度税收(monthly_stats.tax_wan_yuan),无法计算"
    idx = m["year"].to_numpy() * 12 + m["month"].to_numpy() - 1
    if idx.min() > first or idx.max() < last:
        have = (
            f"{idx.min() // 12}年{idx.min() % 12 + 1}月至{idx.max() // 12}年{idx.max() % 12 + 1}月"
        )
        return None, f"近12个月({label})的企业月度税收不全(数据为{have}),无法计算"
    win = m.loc[(idx >= first) & (idx <= last)]
    tax = win.groupby(win["enterprise_id"].astype(str))["tax_wan_yuan"].sum(min_count=1)
    return tax.fillna(0.0), f"近12个月({label})"


def enterprises_on(ds: Any, pid: str, parcel_ids: set[str]) -> set[str]:
    """Enterprise ids of park ``pid`` registered on any of ``parcel_ids`` (registry
    ``parcel_ids``): the enterprises whose tax enters the industrial 地均税收."""
    e = ds.enterprises
    e = e.loc[(e["park_id"] == pid).to_numpy()]
    out = set()
    for eid, ids in zip(e["enterprise_id"].astype(str), e["parcel_ids"], strict=True):
        if isinstance(ids, Sequence) and not isinstance(ids, str) and parcel_ids & set(ids):
            out.add(eid)
    return out
