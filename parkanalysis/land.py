"""Land accounting: the ledger → 用地平衡表, 土地集约利用 ratios, supply history, 尚可供地年数.

What a park *declares* (park.yaml, 亩) and what its ledger *records* (parcels) are shown side
by side and never forced to close: the residual is reported (the sample keeps the seed's
3585 − 450 − 414 − 175 − 2508 = 38 亩).

Conventions used throughout
---------------------------
* **as_of** – every figure is "as of" a date. A parcel whose approval or supply date falls
  after ``as_of`` counts as not yet approved / not yet supplied. Construction status,
  building areas, investment and current use are the ledger's *current* record (the ledger
  keeps no dates for them); they only count on parcels supplied by ``as_of``.
* **Public land** is planned use 道路 / 绿地 / 水域 (never supplied). Everything else — also
  公共设施 supplied by 划拨 — is usable (可利用) land; 公共设施 is shown as a 其中 line.
* **Remaining supplyable** (尚可供应土地) = usable, approved (已报批) and not supplied by
  ``as_of`` (已批未供). Unapproved usable land is reported separately, not counted.
* **Industrial land** (工矿仓储用地) = current use (planned use where blank) 工业 or 仓储物流.
* **尚可供地年数** = remaining supplyable ÷ average annual supply of the last N *complete*
  calendar years before ``as_of`` (N = ``config.land.supply_window_years``, default 3).

The planning question — when does the land run out, how much expansion is needed — is
answered by :func:`land_outlook_for`, which feeds the ledger into
:func:`parkanalysis.forecast.land_outlook`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from parkanalysis import forecast as _fc
from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.periods import Period, parse_period

__all__ = [
    "INDUSTRIAL_USES",
    "PUBLIC_USES",
    "LandOutlookReport",
    "SupplyYears",
    "balance_table",
    "land_indicators",
    "land_outlook_for",
    "land_ratios",
    "relocation_release_year",
    "resolve_as_of",
    "supply_history",
    "supply_transactions",
    "years_of_supply_left",
]

#: Planned uses that are public land (never supplied) → declared key in park.yaml.
PUBLIC_USES: Mapping[str, str] = {"道路": "road", "绿地": "green", "水域": "water"}
#: Uses counted as 工矿仓储用地 for 工业用地率, 投入强度 and 地均税收.
INDUSTRIAL_USES: tuple[str, ...] = ("工业", "仓储物流")
#: Usable land shown as "其中:公共设施用地" (other public land, supplied by 划拨).
PUBLIC_FACILITY_USES: tuple[str, ...] = ("公共设施",)

_MU_PER_HA = 15.0
_M2_PER_HA = 10000.0
_RESETTLEMENT_ORDER = ("已完成", "进行中", "未启动", "不涉及")
#: Years from the latest relocation status (as of) to the year the land is freed.
RELOCATION_LAG_YEARS: Mapping[str, int] = {"洽谈中": 2, "已签协议": 1, "拆除中": 1}
_SCENARIO_LABELS = {
    "baseline": "基准情景(按历史供地规律)",
    "relocations": "搬迁置换腾退土地",
    "planned_target": "按年度供地计划",
}


# --------------------------------------------------------------------------- helpers
def resolve_as_of(ds: Any, as_of: Any = None) -> pd.Timestamp:
    """Return the cut-off date of a land figure.

    Parameters
    ----------
    ds : Dataset
        Used only for the default: the last day of the last month of ``ds.month_range``
        (else the latest date of the land ledger).
    as_of : str, Period, date, Timestamp or None
        ``"2016-06"`` / ``"2016年6月"`` / any period of :func:`~parkanalysis.periods.parse_period`
        (its last day), ``"2016-06-30"``, a ``date`` or ``Timestamp``.

    Returns
    -------
    pandas.Timestamp
        The cut-off day (inclusive).

    Raises
    ------
    ParameterError
        For text that is neither a period nor a date.

    Examples
    --------
    >>> resolve_as_of(None, "2016-06"), resolve_as_of(None, "2016H1")
    (Timestamp('2016-06-30 00:00:00'), Timestamp('2016-06-30 00:00:00'))
    >>> resolve_as_of(None, "2016-02-15")
    Timestamp('2016-02-15 00:00:00')
    """
    if as_of is None:
        return _default_as_of(ds)
    if isinstance(as_of, pd.Timestamp | datetime | date) and not isinstance(as_of, bool):
        ts = pd.Timestamp(as_of)
        if pd.isna(ts):
            raise ParameterError("截至日期为空;请写成 YYYY-MM(如 2016-06)")
        return ts.normalize()
    if isinstance(as_of, Period):
        return _month_end(*as_of.last_month)
    if isinstance(as_of, str):
        text = as_of.strip()
        m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
        if m:
            try:
                return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
        else:
            try:
                return _month_end(*parse_period(text).last_month)
            except PeriodError:
                pass
    raise ParameterError(
        f"无法识别的截至日期 {as_of!r};请写成 YYYY-MM(如 2016-06)、2016H1 或 2016-06-30"
    )


def _month_end(year: int, month: int) -> pd.Timestamp:
    return pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)


def _default_as_of(ds: Any) -> pd.Timestamp:
    rng = getattr(ds, "month_range", None)
    if rng:
        return _month_end(*rng[1])
    dates = []
    parcels = getattr(ds, "parcels", None)
    if parcels is not None and len(parcels):
        for col in ("supply_date", "approval_date"):
            dates.append(parcels[col].max())
    dates = [d for d in dates if not pd.isna(d)]
    if not dates:
        raise ParameterError("数据中没有月度统计或带日期的地块,无法确定截至日期;请传 as_of")
    return pd.Timestamp(max(dates)).normalize()


def _one_park(ds: Any, park: str | None) -> str:
    return ds.resolve_park(park)


def _parks(ds: Any, park: str | None) -> list[str]:
    return list(ds.profile.parks) if park is None else [_one_park(ds, park)]


def _mu_ha(mu: float) -> float:
    return mu / _MU_PER_HA


def _fmt(x: float, decimals: int = 1) -> str:
    """One-decimal text without a trailing ``.0`` for whole numbers (3585, 225.7)."""
    r = round(float(x), decimals)
    return f"{r:.0f}" if r == int(r) else f"{r:.{decimals}f}"


def _parcel_state(parcels: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add boolean state columns of every parcel as of ``as_of`` (input untouched)."""
    p = parcels.copy()
    use = p["planned_use"].astype("string")
    current = p["current_use"].astype("string")
    p["public_kind"] = use.map(PUBLIC_USES).astype(object)
    p["usable"] = p["public_kind"].isna().to_numpy()
    approved = p["approval_status"].eq("已报批").fillna(False).to_numpy(dtype=bool)
    adate = p["approval_date"]
    p["approved"] = approved & (adate.isna() | (adate <= as_of)).to_numpy()
    sdate = p["supply_date"]
    supplied = p["supply_status"].eq("已供").fillna(False).to_numpy(dtype=bool)
    p["supplied"] = supplied & (sdate.notna() & (sdate <= as_of)).to_numpy()
    cs = p["construction_status"].astype("string")
    p["built"] = p["supplied"] & cs.eq("已建成").fillna(False).to_numpy(dtype=bool)
    p["idle"] = p["supplied"] & cs.eq("闲置").fillna(False).to_numpy(dtype=bool)
    p["under_construction"] = p["supplied"] & cs.eq("在建").fillna(False).to_numpy(dtype=bool)
    p["remaining"] = p["usable"] & p["approved"] & ~p["supplied"]
    p["not_approved"] = p["usable"] & ~p["approved"]
    eff = current.fillna(use)
    p["effective_use"] = eff.astype(object)
    p["industrial"] = eff.isin(INDUSTRIAL_USES).fillna(False).to_numpy(dtype=bool)
    p["converted"] = (current.notna() & (current != use)).fillna(False).to_numpy(dtype=bool)
    return p


def _park_parcels(ds: Any, park_id: str, as_of: pd.Timestamp) -> pd.DataFrame:
    parcels = ds.parcels
    sub = parcels.loc[(parcels["park_id"] == park_id).to_numpy()]
    return _parcel_state(sub, as_of)


# --------------------------------------------------------------------------- balance table
_BALANCE_COLUMNS = [
    "park_id",
    "phase_id",
    "phase_name",
    "item",
    "label",
    "declared_mu",
    "ledger_mu",
    "residual_mu",
    "declared_ha",
    "ledger_ha",
    "note",
]


def balance_table(ds: Any, *, park: str | None = None, as_of: Any = None) -> pd.DataFrame:
    """用地平衡表: declared and ledger areas per park and phase as of a date.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`parkanalysis.dataset.load_dataset`).
    park : str, optional
        Park id; default every park of the dataset.
    as_of : str, Period, date or None
        Cut-off (see :func:`resolve_as_of`); default the end of the data.

    Returns
    -------
    pandas.DataFrame
        One row per park, phase and item, columns ``park_id, phase_id, phase_name, item,
        label, declared_mu, ledger_mu, residual_mu, declared_ha, ledger_ha, note``.
        ``item`` is a stable id: ``total, road, green, water, public, usable,
        public_facilities, unreconciled, approved, not_approved, supplied,
        supplied_method:<方式>, supplied_year:<年>, remaining_supplyable,
        resettlement:<征迁状态>, converted, converted:<规划→现状>, built,
        under_construction, idle``. ``declared_*`` is NaN where the park declares nothing;
        ``residual_mu`` = declared − ledger. ``unreconciled`` is declared total minus the
        declared parts (road, green, water, usable): it is reported, never forced to 0.
        A park with several phases gets extra rows with ``phase_id`` ``"*"`` (合计).

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> bt = balance_table(load_dataset("data/sample"))
    >>> t = bt.set_index("item")
    >>> t.loc[["total", "road", "green", "water", "usable", "unreconciled"], "declared_mu"].tolist()
    [3585.0, 450.0, 414.0, 175.0, 2508.0, 38.0]
    >>> t.loc["total", ["ledger_mu", "residual_mu"]].tolist()
    [3547.0, 38.0]
    """
    cutoff = resolve_as_of(ds, as_of)
    frames = []
    for pid in _parks(ds, park):
        info = ds.profile.parks[pid]
        p = _park_parcels(ds, pid, cutoff)
        phases = list(info.phases.values())
        for ph in phases:
            sub = p.loc[(p["phase_id"] == ph.phase_id).to_numpy()]
            frames.append(_balance_rows(sub, ph.declared_mu, pid, ph.phase_id, ph.name))
        if len(phases) > 1:
            frames.append(_balance_rows(p, info.declared_mu, pid, "*", "合计"))
    if not frames:
        return pd.DataFrame({c: [] for c in _BALANCE_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    return out[_BALANCE_COLUMNS]


def _balance_rows(
    p: pd.DataFrame, declared: Mapping[str, float], park_id: str, phase_id: str, phase_name: str
) -> pd.DataFrame:
    rows: list[tuple[str, str, float, float, str]] = []
    area = p["area_mu"]

    def s(mask) -> float:
        return float(area[np.asarray(mask, dtype=bool)].sum())

    nan = math.nan
    d = {k: float(v) for k, v in declared.items()}
    ledger_total = float(area.sum())
    kinds = p["public_kind"]
    led = {k: s(kinds == k) for k in ("road", "green", "water")}
    ledger_usable = s(p["usable"])
    rows.append(("total", "规划总面积", d.get("total", nan), ledger_total, ""))
    for key, label in (("road", "道路用地"), ("green", "绿地"), ("water", "水域")):
        rows.append((key, label, d.get(key, nan), led[key], ""))
    dec_public = (
        sum(d[k] for k in ("road", "green", "water"))
        if all(k in d for k in ("road", "green", "water"))
        else nan
    )
    rows.append(("public", "道路绿地水域小计", dec_public, sum(led.values()), "公共用地,不供应"))
    rows.append(("usable", "可利用土地", d.get("usable", nan), ledger_usable, ""))
    rows.append(
        (
            "public_facilities",
            "其中:公共设施用地",
            nan,
            s(p["planned_use"].isin(PUBLIC_FACILITY_USES)),
            "含在可利用土地内(一般以划拨方式供应)",
        )
    )
    parts = ("road", "green", "water", "usable")
    dec_unrec = (
        d["total"] - sum(d[k] for k in parts) if all(k in d for k in ("total", *parts)) else nan
    )
    led_unrec = ledger_total - sum(led.values()) - ledger_usable
    rows.append(
        (
            "unreconciled",
            "未核对面积(总面积−道路−绿地−水域−可利用)",
            dec_unrec,
            led_unrec,
            "申报数自身不闭合的差额,如实列示,未强行平衡",
        )
    )
    rows.append(("approved", "已报批(可利用土地)", nan, s(p["usable"] & p["approved"]), ""))
    rows.append(("not_approved", "未报批(可利用土地)", nan, s(p["not_approved"]), ""))
    supplied = p.loc[p["supplied"].to_numpy(dtype=bool)]
    rows.append(("supplied", "已供应", nan, float(supplied["area_mu"].sum()), ""))
    for method, a in supplied.groupby("supply_method", sort=True)["area_mu"].sum().items():
        rows.append((f"supplied_method:{method}", f"其中:{method}", nan, float(a), "按供地方式"))
    years = supplied["supply_date"].dt.year
    for year, a in supplied["area_mu"].groupby(years).sum().sort_index().items():
        rows.append(
            (f"supplied_year:{int(year)}", f"其中:{int(year)}年供应", nan, float(a), "按供地年份")
        )
    rem = p.loc[p["remaining"].to_numpy(dtype=bool)]
    rows.append(
        (
            "remaining_supplyable",
            "已批未供(尚可供应)",
            nan,
            float(rem["area_mu"].sum()),
            "可利用、已报批、未供应",
        )
    )
    status = rem["resettlement_status"].astype("string").fillna("未登记")
    by_status = rem["area_mu"].groupby(status.to_numpy()).sum()
    order = [*_RESETTLEMENT_ORDER, "未登记"]
    for st in sorted(by_status.index, key=lambda x: order.index(x) if x in order else 99):
        rows.append(
            (f"resettlement:{st}", f"其中:征迁安置{st}", nan, float(by_status[st]), "已批未供土地")
        )
    conv = p.loc[p["converted"].to_numpy(dtype=bool)]
    rows.append(("converted", "用途调整(规划≠现状)", nan, float(conv["area_mu"].sum()), ""))
    pairs = conv["planned_use"].astype(str) + "→" + conv["current_use"].astype(str)
    for pair, a in conv["area_mu"].groupby(pairs.to_numpy()).sum().items():
        rows.append((f"converted:{pair}", f"其中:{pair}", nan, float(a), ""))
    rows.append(("built", "已建成", nan, s(p["built"]), "建设状态为现状记录"))
    rows.append(("under_construction", "在建", nan, s(p["under_construction"]), ""))
    rows.append(("idle", "闲置", nan, s(p["idle"]), "已供应但闲置"))
    out = pd.DataFrame(rows, columns=["item", "label", "declared_mu", "ledger_mu", "note"])
    out["ledger_mu"] = out["ledger_mu"].round(6)
    out["residual_mu"] = out["declared_mu"] - out["ledger_mu"]
    out["declared_ha"] = out["declared_mu"] / _MU_PER_HA
    out["ledger_ha"] = out["ledger_mu"] / _MU_PER_HA
    out.insert(0, "phase_name", phase_name)
    out.insert(0, "phase_id", phase_id)
    out.insert(0, "park_id", park_id)
    return out


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
    pid = _one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    p = _park_parcels(ds, pid, cutoff)
    return _ratio_frame(_ratios(ds, pid, p, cutoff))


def _ratio_frame(ratios: list[_Ratio]) -> pd.DataFrame:
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


def _ratios(ds: Any, pid: str, p: pd.DataFrame, cutoff: pd.Timestamp) -> list[_Ratio]:
    out: list[_Ratio] = []
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
        r.note = f"已供应{_fmt(sup_mu)}亩 ÷ 已达供地条件(已供+已批未供){_fmt(supplyable_mu)}亩"
    else:
        r.note = "缺少已达供地条件的土地(已报批的可利用土地),无法计算"
    out.append(r)

    r = _Ratio("built_rate_pct", "土地建成率", "%")
    if sup_mu > 0 and p["construction_status"].loc[p["supplied"]].notna().any():
        r.value = 100 * built_mu / sup_mu
        r.note = f"已建成{_fmt(built_mu)}亩 ÷ 已供应{_fmt(sup_mu)}亩(建设状态为现状记录)"
    else:
        r.note = "缺少已供应土地或其建设状态(construction_status),无法计算"
    out.append(r)

    r = _Ratio("industrial_land_rate_pct", "工业用地率", "%")
    if built_mu > 0:
        r.value = 100 * ind_mu / built_mu
        r.note = (
            f"工矿仓储用地(现状用途工业、仓储物流){_fmt(ind_mu)}亩 ÷ 已建成土地{_fmt(built_mu)}亩"
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
            land_m2 = float(sub["area_mu"].sum()) * _M2_PER_HA / _MU_PER_HA
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
        r.value = float(sub["investment_wan_yuan"].sum()) / _mu_ha(float(sub["area_mu"].sum()))
        r.note = "累计固定资产投资 ÷ 已建成工矿仓储用地面积" + (f";{note}" if note else "")
    out.append(r)

    tax, months_note = _tax_last_12_months(ds, pid, cutoff)
    r = _Ratio("industrial_tax_per_ha", "工业用地地均税收", "万元/公顷")
    if tax is None:
        r.note = months_note
    elif ind_built.empty:
        r.note = "缺少已建成工矿仓储用地,无法计算"
    else:
        ents = _enterprises_on(ds, pid, set(ind_built["parcel_id"].astype(str)))
        if not ents:
            r.note = "企业名录未登记用地地块(parcel_ids),无法把税收对应到工矿仓储用地"
        else:
            r.value = float(tax.reindex(sorted(ents)).fillna(0.0).sum()) / _mu_ha(ind_mu)
            r.note = (
                f"{months_note}使用已建成工矿仓储用地的{len(ents)}家企业税收 ÷ "
                f"已建成工矿仓储用地{_fmt(_mu_ha(ind_mu))}公顷"
            )
    out.append(r)

    r = _Ratio("tax_per_ha", "综合地均税收", "万元/公顷")
    if tax is None:
        r.note = months_note
    elif built_mu <= 0:
        r.note = "缺少已建成土地,无法计算"
    else:
        r.value = float(tax.sum()) / _mu_ha(built_mu)
        r.note = f"{months_note}园区全部企业税收 ÷ 已建成土地{_fmt(_mu_ha(built_mu))}公顷"
    out.append(r)

    r = _Ratio("idle_rate_pct", "土地闲置率", "%")
    if sup_mu > 0 and p["construction_status"].loc[p["supplied"]].notna().any():
        idle_mu = float(p.loc[p["idle"].to_numpy(dtype=bool), "area_mu"].sum())
        r.value = 100 * idle_mu / sup_mu
        r.note = f"闲置{_fmt(idle_mu)}亩 ÷ 已供应{_fmt(sup_mu)}亩"
    else:
        r.note = "缺少已供应土地或其建设状态(construction_status),无法计算"
    out.append(r)
    return out


def _tax_last_12_months(ds: Any, pid: str, cutoff: pd.Timestamp) -> tuple[pd.Series | None, str]:
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


def _enterprises_on(ds: Any, pid: str, parcel_ids: set[str]) -> set[str]:
    e = ds.enterprises
    e = e.loc[(e["park_id"] == pid).to_numpy()]
    out = set()
    for eid, ids in zip(e["enterprise_id"].astype(str), e["parcel_ids"], strict=True):
        if isinstance(ids, Sequence) and not isinstance(ids, str) and parcel_ids & set(ids):
            out.add(eid)
    return out


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
    pid = _one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    p = _park_parcels(ds, pid, cutoff)
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
    tx = supply_transactions(ds, park=park, as_of=cutoff)
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
    out["supplied_ha"] = out["supplied_mu"] / _MU_PER_HA
    out["cumulative_mu"] = out["supplied_mu"].cumsum().round(6)
    out["complete"] = (out.index < cutoff.year) | (cutoff.month == 12 and cutoff.day == 31)
    methods = tx.pivot_table(
        index="year", columns="supply_method", values="area_mu", aggfunc="sum", fill_value=0.0
    )
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


def _window_years(ds: Any, pid: str) -> int:
    value = ds.config(pid).get("land", {}).get("supply_window_years", 3)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"park.yaml 中 land.supply_window_years 应为正整数,得到 {value!r}")
    return value


def _complete_series(history: pd.DataFrame) -> pd.Series:
    if history.empty:
        return pd.Series(dtype=float)
    h = history.loc[history["complete"].to_numpy(dtype=bool)]
    return pd.Series(h["supplied_mu"].to_numpy(dtype=float), index=h["year"].to_numpy())


# --------------------------------------------------------------------------- indicators
_INDICATOR_COLUMNS = ["id", "name", "value", "unit", "note"]


def land_indicators(ds: Any, *, park: str | None = None, as_of: Any = None) -> pd.DataFrame:
    """Land indicator rows for reports and ``parkanalysis land``.

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id (required when the dataset holds several parks).
    as_of : str, Period, date or None
        Cut-off (see :func:`resolve_as_of`); default the end of the data.

    Returns
    -------
    pandas.DataFrame
        Rows ``id, name, value, unit, note`` with stable ids: ``total_area_mu, road_mu,
        green_mu, water_mu, public_other_mu, usable_mu, approved_mu, unreconciled_mu,
        supplied_mu, remaining_supplyable_mu, resettlement_pending_mu, not_approved_mu,
        converted_use_mu, built_mu, idle_mu, avg_annual_supply_mu, years_of_supply_left``
        followed by the ratios of :func:`land_ratios`. Areas of the profile are the declared
        figures (the note gives the ledger figure); the rest come from the ledger.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> t = land_indicators(load_dataset("data/sample")).set_index("id")["value"]
    >>> t[["total_area_mu", "usable_mu", "unreconciled_mu", "remaining_supplyable_mu"]].tolist()
    [3585.0, 2508.0, 38.0, 150.4]
    >>> t[["avg_annual_supply_mu", "years_of_supply_left"]].round(2).tolist()
    [225.67, 0.67]
    """
    pid = _one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    info = ds.profile.parks[pid]
    p = _park_parcels(ds, pid, cutoff)
    declared = info.declared_mu
    rows: list[tuple[str, str, float, str, str]] = []

    def area(mask) -> float:
        return round(float(p.loc[np.asarray(mask, dtype=bool), "area_mu"].sum()), 6)

    ledger = {
        "total": float(p["area_mu"].sum()),
        **{k: area(p["public_kind"] == k) for k in ("road", "green", "water")},
        "usable": area(p["usable"]),
    }
    names = {
        "total": "规划总面积",
        "road": "道路用地",
        "green": "绿地",
        "water": "水域",
        "usable": "可利用土地",
    }
    for key in ("total", "road", "green", "water"):
        rows.append(_declared_row(key, names[key], declared, ledger[key]))
    rows.append(
        (
            "public_other_mu",
            "其他公共用地(公共设施)",
            area(p["planned_use"].isin(PUBLIC_FACILITY_USES)),
            "亩",
            "台账中规划用途为公共设施的地块;含在可利用土地内,一般以划拨方式供应",
        )
    )
    rows.append(_declared_row("usable", names["usable"], declared, ledger["usable"]))
    approved = area(p["usable"] & p["approved"])
    rows.append(
        (
            "approved_mu",
            "已报批土地",
            approved,
            "亩",
            f"可利用土地中已报批;未报批{_fmt(area(p['not_approved']))}亩",
        )
    )
    parts = ("road", "green", "water", "usable")
    if all(k in declared for k in ("total", *parts)):
        unrec = declared["total"] - sum(declared[k] for k in parts)
        note = (
            f"申报总面积{_fmt(declared['total'])} − 道路{_fmt(declared['road'])} − "
            f"绿地{_fmt(declared['green'])} − 水域{_fmt(declared['water'])} − "
            f"可利用{_fmt(declared['usable'])} = {_fmt(unrec)}亩;如实列示,未强行平衡"
            f"(台账合计{_fmt(ledger['total'])}亩)"
        )
    else:
        missing = [names[k] for k in ("total", *parts) if k not in declared]
        unrec, note = math.nan, f"园区概况未申报{'、'.join(missing)},无法核对"
    rows.append(("unreconciled_mu", "未核对面积", unrec, "亩", note))
    supplied = area(p["supplied"])
    rows.append(("supplied_mu", "已供应土地", supplied, "亩", f"截至{cutoff:%Y-%m-%d}"))
    remaining = area(p["remaining"])
    rows.append(
        (
            "remaining_supplyable_mu",
            "尚可供应土地(已批未供)",
            remaining,
            "亩",
            "可利用、已报批、未供应",
        )
    )
    status = p["resettlement_status"].astype("string")
    pending = area(p["remaining"] & status.isin(["未启动", "进行中"]).fillna(False).to_numpy())
    rows.append(
        (
            "resettlement_pending_mu",
            "已批未供中征迁安置未完成",
            pending,
            "亩",
            "征迁安置状态为未启动或进行中",
        )
    )
    rows.append(
        ("not_approved_mu", "未报批土地", area(p["not_approved"]), "亩", "可利用土地中未报批")
    )
    conv = p.loc[p["converted"].to_numpy(dtype=bool)]
    conv_note = "、".join(
        f"{a}{u}→{c}"
        for a, u, c in zip(conv["parcel_id"], conv["planned_use"], conv["current_use"], strict=True)
    )
    rows.append(
        ("converted_use_mu", "用途调整土地", float(conv["area_mu"].sum()), "亩", conv_note or "无")
    )
    rows.append(("built_mu", "已建成土地", area(p["built"]), "亩", "已供应且建设状态为已建成"))
    rows.append(("idle_mu", "闲置土地", area(p["idle"]), "亩", "已供应且建设状态为闲置"))
    history = supply_history(ds, park=pid, as_of=cutoff)
    window = _window_years(ds, pid)
    sy = years_of_supply_left(_complete_series(history), remaining, window=window)
    span = f"{sy.window[0]}-{sy.window[-1]}年" if sy.window else "无完整年度"
    rows.append(
        (
            "avg_annual_supply_mu",
            f"近{window}年年均供地",
            sy.average_mu,
            "亩/年",
            f"{span}平均" + (f";{sy.reason}" if sy.reason and sy.years is not None else ""),
        )
    )
    rows.append(
        (
            "years_of_supply_left",
            "尚可供地年数",
            math.nan if sy.years is None else sy.years,
            "年",
            sy.reason
            if sy.years is None
            else f"尚可供应{_fmt(remaining)}亩 ÷ 年均供地{_fmt(sy.average_mu)}亩",
        )
    )
    out = pd.DataFrame(rows, columns=_INDICATOR_COLUMNS)
    ratios = _ratio_frame(_ratios(ds, pid, p, cutoff))
    out = pd.concat([out, ratios], ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out


def _declared_row(key: str, name: str, declared: Mapping[str, float], ledger: float):
    rid = "total_area_mu" if key == "total" else f"{key}_mu"
    if key in declared:
        d = float(declared[key])
        diff = d - ledger
        note = f"申报数;台账{_fmt(ledger)}亩" + (f",差{_fmt(diff)}亩" if abs(diff) > 1e-6 else "")
        return (rid, name, d, "亩", note)
    return (rid, name, ledger, "亩", "园区概况未申报,取台账数")


# --------------------------------------------------------------------------- outlook
def relocation_release_year(status: str, status_date: Any, as_of: Any) -> int | None:
    """The year land of a relocation is assumed freed for supply (None once done).

    洽谈中 → ``as_of`` year + 2; 已签协议 and 拆除中 → ``as_of`` year + 1 (demolition,
    then 收储 and 出让 procedures); 已完成 → None (already back in the ledger).

    Examples
    --------
    >>> relocation_release_year("洽谈中", "2016-05-20", "2016-06-30")
    2018
    >>> relocation_release_year("拆除中", "2016-06-15", "2016-06-30")
    2017
    >>> relocation_release_year("已完成", "2016-06-15", "2016-06-30") is None
    True
    """
    lag = RELOCATION_LAG_YEARS.get(str(status))
    if lag is None:
        return None
    return pd.Timestamp(as_of).year + lag


def _open_relocations(ds: Any, pid: str, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Latest status ≤ cutoff per (enterprise, parcels) of relocations not yet done."""
    r = ds.relocations
    r = r.loc[(r["park_id"] == pid).to_numpy() & (r["status_date"] <= cutoff).to_numpy()].copy()
    if r.empty:
        return r
    r["_key"] = [
        f"{e}|{';'.join(sorted(ids)) if isinstance(ids, tuple | list) else ''}"
        for e, ids in zip(r["enterprise_id"], r["parcel_ids"], strict=True)
    ]
    r = r.sort_values(["_key", "status_date", "relocation_id"]).groupby("_key").tail(1)
    return r.loc[r["status"].ne("已完成").to_numpy()].drop(columns="_key")


@dataclass
class LandOutlookReport:
    """The land outlook of one park from its ledger (wraps :class:`forecast.LandOutlook`).

    Attributes
    ----------
    park_id, park_name : str
    as_of : pandas.Timestamp
        Cut-off of the ledger figures.
    history : pandas.DataFrame
        :func:`supply_history` (all years up to ``as_of``).
    outlook : parkanalysis.forecast.LandOutlook
        Forecast, exhaustion and expansion need of every scenario.
    first_year, last_year : int
        History window of the forecast (last complete year); forecast years follow.
    remaining_mu : float
        尚可供应土地 as of ``as_of``.
    start_remaining_mu : float
        Land available at the start of the first forecast year (``remaining_mu`` plus what
        was supplied between that start and ``as_of``).
    supply_years : SupplyYears
        The official 尚可供地年数 (ledger as of ``as_of``).
    gross_to_net_basis : str
        Where the gross/net factor comes from.
    planning_horizon : int
        Years of the headline expansion need (``config.expansion.planning_horizon_years``,
        at most the forecast horizon).
    scenarios : pandas.DataFrame
        ``scenario, label, description, added_mu, annual_target_mu``.
    exhaustion_probability : pandas.DataFrame
        ``scenario, year, prob`` — cumulative probability that the land is used up by the
        end of ``year``.
    backtest : pandas.DataFrame or None
        :func:`forecast.backtest_annual` on the park's annual supply.
    backtest_summary : pandas.DataFrame or None
        :func:`forecast.summarize_backtest` of it.
    notes : list of str
    """

    park_id: str
    park_name: str
    as_of: pd.Timestamp
    history: pd.DataFrame
    outlook: _fc.LandOutlook
    first_year: int
    last_year: int
    remaining_mu: float
    start_remaining_mu: float
    supply_years: SupplyYears
    gross_to_net_basis: str
    planning_horizon: int
    scenarios: pd.DataFrame
    exhaustion_probability: pd.DataFrame
    backtest: pd.DataFrame | None
    backtest_summary: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

    # -- pieces the reports chart ---------------------------------------------------------
    @property
    def horizon(self) -> int:
        """Number of forecast years."""
        return len(self.outlook.supply_forecast)

    @property
    def confidence(self) -> float:
        """Confidence of the expansion need (0..1)."""
        return self.outlook.confidence

    @property
    def exhaustion(self) -> pd.DataFrame:
        """P10/P50/P90 exhaustion year and probability within the horizon, per scenario."""
        ex = self.outlook.exhaustion.copy()
        ex.insert(1, "label", ex["scenario"].map(lambda s: _SCENARIO_LABELS.get(s, s)))
        return ex

    @property
    def expansion_need(self) -> pd.DataFrame:
        """Net and gross land to add per scenario and planning year (亩)."""
        return self.outlook.expansion_need

    def history_series(self, *, complete_only: bool = True) -> pd.Series:
        """Annual supply (亩) indexed by year, for the fan chart."""
        h = self.history
        if complete_only:
            h = h.loc[h["complete"].to_numpy(dtype=bool)]
        return pd.Series(
            h["supplied_mu"].to_numpy(dtype=float), index=h["year"].to_numpy(), name="supplied_mu"
        )

    def exhaustion_curve(self, scenario: str = "baseline") -> pd.Series:
        """Cumulative probability (0..1) that the land is used up, indexed by year."""
        e = self.exhaustion_probability
        e = e.loc[e["scenario"] == scenario]
        if e.empty:
            raise ParameterError(
                f"没有情景 {scenario!r};可选:{'、'.join(self.scenarios['scenario'])}"
            )
        return pd.Series(e["prob"].to_numpy(), index=e["year"].to_numpy(), name=scenario)

    def forecast_table(self) -> pd.DataFrame:
        """One row per forecast year: supply forecast, exhaustion probability, need.

        Returns
        -------
        pandas.DataFrame
            ``year, mean, lo80, hi80, lo95, hi95`` (annual supply, 亩),
            ``exhausted_prob`` (baseline, cumulative), ``need_net_mu`` and ``need_gross_mu``
            (baseline expansion need if planning up to that year).
        """
        t = self.outlook.supply_forecast.copy()
        prob = self.exhaustion_curve("baseline")
        t["exhausted_prob"] = prob.reindex(t["year"].to_numpy()).to_numpy()
        need = self.outlook.expansion_need
        need = need.loc[need["scenario"] == "baseline"].set_index("year")
        t["need_net_mu"] = need["net_mu"].reindex(t["year"].to_numpy()).to_numpy()
        t["need_gross_mu"] = need["gross_mu"].reindex(t["year"].to_numpy()).to_numpy()
        return t.reset_index(drop=True)

    def headline_need(self, scenario: str = "baseline") -> tuple[int, float, float]:
        """``(horizon_years, net_mu, gross_mu)`` at the planning horizon."""
        need = self.outlook.expansion_need
        row = need.loc[
            (need["scenario"] == scenario) & (need["horizon_years"] == self.planning_horizon)
        ]
        return self.planning_horizon, float(row["net_mu"].iloc[0]), float(row["gross_mu"].iloc[0])

    # -- text and JSON --------------------------------------------------------------------
    @property
    def summary(self) -> str:
        """Chinese summary with ranges, probabilities and the backtest's coverage."""
        return _summary(self)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict with stable keys (NaN → None, years as int)."""
        o = self.outlook
        h = self.history
        sy = self.supply_years
        horizon_years, net, gross = self.headline_need()
        bt = None
        if self.backtest_summary is not None and self.backtest is not None:
            s = self.backtest_summary.reset_index()
            bt = {
                "origins": [int(x) for x in sorted(self.backtest["origin"].unique())],
                "by_horizon": _records(s),
                "note": _backtest_sentence(self),
            }
        return {
            "park_id": self.park_id,
            "park_name": self.park_name,
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "history_years": [self.first_year, self.last_year],
            "forecast_years": [
                int(o.supply_forecast["year"].iloc[0]),
                int(o.supply_forecast["year"].iloc[-1]),
            ],
            "remaining_supplyable_mu": _num(self.remaining_mu),
            "start_remaining_mu": _num(self.start_remaining_mu),
            "avg_annual_supply_mu": _num(sy.average_mu),
            "supply_window_years": list(sy.window),
            "years_of_supply_left": _num(sy.years),
            "years_of_supply_left_note": sy.reason,
            "gross_to_net": _num(o.gross_to_net),
            "gross_to_net_basis": self.gross_to_net_basis,
            "horizon": self.horizon,
            "planning_horizon_years": horizon_years,
            "confidence": _num(o.confidence),
            "expansion_need_net_mu": _num(net),
            "expansion_need_gross_mu": _num(gross),
            "supply_history": _records(h[["year", "supplied_mu", "transactions", "complete"]]),
            "forecast": _records(self.forecast_table()),
            "exhaustion": _records(self.exhaustion),
            "exhaustion_probability": _records(self.exhaustion_probability),
            "expansion_need": _records(o.expansion_need),
            "scenarios": _records(self.scenarios),
            "backtest": bt,
            "notes": list(self.notes),
            "summary": self.summary,
        }


def _num(x: Any) -> Any:
    if x is None or x is pd.NA:
        return None
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return None if math.isnan(x) else round(float(x), 4)
    if isinstance(x, dict):
        return {str(k): _num(v) for k, v in x.items()}
    return x


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _num(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def land_outlook_for(
    ds: Any,
    *,
    park: str | None = None,
    as_of: Any = None,
    horizon: int | None = None,
    confidence: float | None = None,
    scenarios: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] | None = None,
    seed: int | None = 0,
    n_sims: int = 4000,
) -> LandOutlookReport:
    """When does the park's supplyable land run out, and how much expansion is needed?

    The history is the ledger's supplied parcels (one transaction per parcel, year of
    ``supply_date``) from the first supply year to the last *complete* year before
    ``as_of``; the forecast starts with the year after it. The land available at that
    start is the remaining supplyable land as of ``as_of`` plus anything supplied since
    (so a half-year already passed is part of the first forecast year).

    Parameters
    ----------
    ds : Dataset
    park : str, optional
        Park id (required when the dataset holds several parks).
    as_of : str, Period, date or None
        Cut-off (see :func:`resolve_as_of`); default the end of the data.
    horizon : int, optional
        Forecast years; default ``max(10, config.expansion.planning_horizon_years)``.
    confidence : float, optional
        Confidence of the expansion need (0..1); default ``config.expansion.confidence``.
    scenarios : dict or list of dict, optional
        Scenario specs of :func:`parkanalysis.forecast.land_outlook`. Default, from the
        data: ``relocations`` — land of relocations not done by ``as_of`` is freed in the
        year of :func:`relocation_release_year` (洽谈中 +2 years, 已签协议/拆除中 +1) — and,
        when ``config.land.annual_supply_target_mu`` is set, ``planned_target``. Pass ``{}``
        for the baseline only.
    seed : int or None, default 0
        Random seed (equal seeds, equal results).
    n_sims : int, default 4000
        Simulated paths.

    Returns
    -------
    LandOutlookReport
        With ``.to_dict()``, ``.forecast_table()``, ``.summary`` and the chart pieces.

    Raises
    ------
    ParameterError
        For bad arguments, or a ledger without any supplied parcel before ``as_of``'s year.

    Examples
    --------
    >>> from parkanalysis.dataset import load_dataset
    >>> out = land_outlook_for(load_dataset("data/sample"), horizon=5, n_sims=500)
    >>> out.remaining_mu, round(out.supply_years.average_mu, 1), out.outlook.gross_to_net
    (150.4, 225.7, 1.4294258373205742)
    """
    pid = _one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    cfg = ds.config(pid)
    exp_cfg = cfg.get("expansion", {}) or {}
    planning = exp_cfg.get("planning_horizon_years", 5)
    if horizon is None:
        horizon = max(10, int(planning))
    if confidence is None:
        confidence = float(exp_cfg.get("confidence", 0.8))
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ParameterError(f"horizon(预测年数)应为正整数,得到 {horizon!r}")
    info = ds.profile.parks[pid]
    history = supply_history(ds, park=pid, as_of=cutoff)
    tx = supply_transactions(ds, park=pid, as_of=cutoff)
    if history.empty:
        raise ParameterError(f"{info.name}截至{cutoff:%Y-%m-%d}没有已供应地块,无法预测供地")
    complete = history.loc[history["complete"].to_numpy(dtype=bool)]
    if complete.empty:
        raise ParameterError(
            f"{info.name}截至{cutoff:%Y-%m-%d}还没有完整年度的供地记录,无法预测供地"
        )
    first_year, last_year = int(complete["year"].min()), int(complete["year"].max())
    p = _park_parcels(ds, pid, cutoff)
    remaining = round(float(p.loc[p["remaining"].to_numpy(dtype=bool), "area_mu"].sum()), 6)
    since = float(tx.loc[tx["year"] > last_year, "area_mu"].sum())
    start_remaining = remaining + since
    window = _window_years(ds, pid)
    sy = years_of_supply_left(_complete_series(history), remaining, window=window)
    gross, basis = _gross_to_net(info.declared_mu, p)
    notes: list[str] = []
    if since > 0:
        notes.append(
            f"{last_year + 1}年截至{cutoff:%Y-%m-%d}已供地{_fmt(since)}亩,"
            f"计入{last_year + 1}年的预测供地;预测起点可供土地为{_fmt(start_remaining)}亩"
        )
    years = list(range(last_year + 1, last_year + 1 + horizon))
    spec_rows: list[dict[str, Any]] = []
    if scenarios is None:
        scenarios, spec_rows, more = _default_scenarios(ds, pid, cutoff, years, cfg)
        notes.extend(more)
    else:
        spec_rows = _describe_scenarios(scenarios)
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
    n_years = last_year - first_year + 1
    recent = min(window, n_years)
    out = _fc.land_outlook(
        tx[["year", "area_mu"]],
        start_remaining,
        first_year=first_year,
        last_year=last_year,
        horizon=horizon,
        confidence=confidence,
        gross_to_net=gross,
        scenarios=scenarios,
        recent_years=recent,
        n_sims=n_sims,
        seed=seed,
    )
    if out.note:
        notes.append(out.note)
    paths = _fc.supply_paths(
        tx[["year", "area_mu"]],
        first_year=first_year,
        last_year=last_year,
        horizon=horizon,
        n_sims=n_sims,
        seed=seed,
    )
    prob = _exhaustion_probability(paths, start_remaining, scenarios, np.array(years))
    bt, bts, bt_note = _backtest(complete)
    if bt_note:
        notes.append(bt_note)
    scen = pd.DataFrame(
        [
            {
                "scenario": "baseline",
                "label": _SCENARIO_LABELS["baseline"],
                "description": "按本园区历年供地宗数与面积的重抽样及趋势预测",
                "added_mu": {},
                "annual_target_mu": None,
            },
            *spec_rows,
        ]
    )
    return LandOutlookReport(
        park_id=pid,
        park_name=info.name,
        as_of=cutoff,
        history=history,
        outlook=out,
        first_year=first_year,
        last_year=last_year,
        remaining_mu=remaining,
        start_remaining_mu=start_remaining,
        supply_years=sy,
        gross_to_net_basis=basis,
        planning_horizon=max(1, min(int(planning), horizon)),
        scenarios=scen,
        exhaustion_probability=prob,
        backtest=bt,
        backtest_summary=bts,
        notes=notes,
    )


def _gross_to_net(declared: Mapping[str, float], p: pd.DataFrame) -> tuple[float, str]:
    if declared.get("total") and declared.get("usable"):
        t, u = float(declared["total"]), float(declared["usable"])
        return t / u, f"申报总面积{_fmt(t)}亩 ÷ 可利用土地{_fmt(u)}亩"
    total = float(p["area_mu"].sum())
    usable = float(p.loc[p["usable"].to_numpy(dtype=bool), "area_mu"].sum())
    if total > 0 and usable > 0:
        return total / usable, f"台账总面积{_fmt(total)}亩 ÷ 台账可利用土地{_fmt(usable)}亩"
    return 1.0, "缺少总面积与可利用土地,按1:1折算"


def _default_scenarios(ds, pid, cutoff, years, cfg):
    specs: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    rel = _open_relocations(ds, pid, cutoff)
    freed: dict[int, float] = {}
    parts = []
    for _, r in rel.iterrows():
        area = r["land_freed_mu"]
        if pd.isna(area) or area <= 0:
            notes.append(f"搬迁置换 {r['relocation_id']} 未填腾退土地面积,未计入情景")
            continue
        y = relocation_release_year(r["status"], r["status_date"], cutoff)
        if y is None:
            continue
        if y > years[-1]:
            notes.append(f"搬迁置换 {r['relocation_id']} 预计{y}年腾退,超出预测期,未计入")
            continue
        y = max(y, years[0])
        freed[y] = freed.get(y, 0.0) + float(area)
        parts.append(f"{r['relocation_id']}({r['status']},{_fmt(area)}亩,{y}年)")
    if freed:
        specs["relocations"] = {"relocations": freed}
        rows.append(
            {
                "scenario": "relocations",
                "label": _SCENARIO_LABELS["relocations"],
                "description": "未完成的搬迁置换腾退土地计入可供土地:洽谈中按两年后、"
                "已签协议或拆除中按次年腾退;" + "、".join(parts),
                "added_mu": {int(k): v for k, v in sorted(freed.items())},
                "annual_target_mu": None,
            }
        )
    target = (cfg.get("land", {}) or {}).get("annual_supply_target_mu")
    if target is not None:
        specs["planned_target"] = {"annual_target": target}
        rows.append(
            {
                "scenario": "planned_target",
                "label": _SCENARIO_LABELS["planned_target"],
                "description": f"按年度供地计划每年供地{_fmt(float(target))}亩",
                "added_mu": {},
                "annual_target_mu": float(target),
            }
        )
    return specs, rows, notes


def _describe_scenarios(scenarios) -> list[dict[str, Any]]:
    items = (
        [{"name": k, **v} for k, v in scenarios.items()]
        if isinstance(scenarios, Mapping)
        else list(scenarios)
    )
    rows = []
    for s in items:
        if not isinstance(s, Mapping):
            continue  # land_outlook reports the error
        added: dict[int, float] = {}
        for key in ("relocations", "conversions"):
            for y, a in (s.get(key) or {}).items():
                added[int(y)] = added.get(int(y), 0.0) + float(a)
        name = s.get("name")
        rows.append(
            {
                "scenario": name,
                "label": _SCENARIO_LABELS.get(name, name),
                "description": "调用方给定的情景",
                "added_mu": dict(sorted(added.items())),
                "annual_target_mu": s.get("annual_target"),
            }
        )
    return rows


def _exhaustion_probability(paths, remaining, scenarios, years) -> pd.DataFrame:
    """Cumulative P(exhausted by year) per scenario, the rule of forecast.land_outlook."""
    specs = [("baseline", np.zeros(years.size), None)]
    specs += _fc._parse_scenarios(scenarios, years)
    rows = []
    for name, added, target in specs:
        sc = paths if target is None else np.full((1, years.size), float(target))
        cum = np.cumsum(sc, axis=1)
        available = remaining + np.cumsum(added)
        out = (cum >= available - 1e-9 * max(1.0, remaining)) & (cum > 0)
        ever = np.maximum.accumulate(out, axis=1).mean(axis=0)
        rows += [
            {"scenario": name, "year": int(y), "prob": float(v)}
            for y, v in zip(years, ever, strict=True)
        ]
    return pd.DataFrame(rows)


def _backtest(complete: pd.DataFrame):
    y = pd.Series(complete["supplied_mu"].to_numpy(dtype=float), index=complete["year"].to_numpy())
    if len(y) <= _fc.MIN_OBSERVATIONS:
        return (
            None,
            None,
            (f"完整年度仅{len(y)}年,不足{_fc.MIN_OBSERVATIONS + 1}年,未做供地预测回测"),
        )
    bt = _fc.backtest_annual(y, horizon=min(3, len(y) - _fc.MIN_OBSERVATIONS))
    return bt, _fc.summarize_backtest(bt), ""


def _backtest_sentence(r: LandOutlookReport) -> str:
    if r.backtest is None or r.backtest_summary is None:
        return ""
    s = r.backtest_summary
    one = s.loc[1]
    bt1 = r.backtest.loc[r.backtest["h"] == 1]
    hits = int(bt1["covered80"].sum())
    n = len(bt1)
    origins = sorted(int(x) for x in bt1["origin"])
    span = f"{origins[0]}-{origins[-1]}年" if len(origins) > 1 else f"{origins[0]}年"
    mean_level = float(r.history_series().mean())
    return (
        f"回测:以{span}各年为起点预测次年供地,平均绝对误差{_fmt(one['mae'])}亩"
        f"(历年平均供地{_fmt(mean_level)}亩),80%预测区间覆盖实际值{n}次中的{hits}次"
    )


def _pct(x: float) -> str:
    return f"{_fmt(100 * x, 0)}%"


def _summary(r: LandOutlookReport) -> str:
    sy = r.supply_years
    o = r.outlook
    parts = []
    head = (
        f"截至{r.as_of.year}年{r.as_of.month}月,{r.park_name}尚可供应土地(已批未供)"
        f"{_fmt(r.remaining_mu)}亩"
    )
    if sy.years is not None:
        n = len(sy.window)
        head += (
            f";按近{n}年({sy.window[0]}-{sy.window[-1]}年)年均供地{_fmt(sy.average_mu)}亩测算,"
            f"尚可供地{_fmt(sy.years)}年"
        )
    else:
        head += f";{sy.reason}"
    parts.append(head)
    base = o.exhaustion.iloc[0]
    curve = r.exhaustion_curve("baseline")
    first = int(curve.index[0])
    if pd.isna(base["p50"]):
        parts.append(
            f"模拟{r.horizon}年内可供土地用尽的概率为{_pct(base['prob_within_horizon'])},"
            f"中位情形在预测期({first}-{int(curve.index[-1])}年)内不会用尽"
        )
    else:
        p10, p50, p90 = base["p10"], base["p50"], base["p90"]
        by_p50 = float(curve.loc[int(p50)])
        text = f"模拟显示,可供土地最可能在{p50}年用尽(P50"
        if pd.isna(p90):
            never = 1 - float(base["prob_within_horizon"])
            text += (
                f";P10{'亦' if p10 == p50 else ''}为{p10}年;另有{_pct(never)}的模拟情形"
                f"到{int(curve.index[-1])}年仍未用尽),"
            )
        else:
            text += f";P10-P90为{p10}-{p90}年),"
        text += f"{first}年内用尽的概率为{_pct(curve.iloc[0])}"
        if first <= r.as_of.year:
            text += f"({first}年按全年计,含已过去的月份)"
        if int(p50) != first:
            text += f",{p50}年底前为{_pct(by_p50)}"
        parts.append(text)
    k, net, gross = r.headline_need()
    conf = _fmt(100 * o.confidence, 0)
    if net > 0:
        text = (
            f"为保障未来{k}年供地({conf}%置信),需新增可供土地约{_fmt(net, 0)}亩,"
            f"折合规划面积约{_fmt(gross, 0)}亩(按总面积与可利用土地之比{o.gross_to_net:.2f}折算)"
        )
    else:
        text = f"未来{k}年供地在{conf}%置信下无需新增可供土地"
    if r.horizon > k:
        need = o.expansion_need
        last = need.loc[(need["scenario"] == "baseline") & (need["horizon_years"] == r.horizon)]
        text += f";保障{r.horizon}年约需{_fmt(float(last['gross_mu'].iloc[0]), 0)}亩规划面积"
    parts.append(text)
    for _, row in o.exhaustion.iloc[1:].iterrows():
        label = _SCENARIO_LABELS.get(row["scenario"], row["scenario"])
        srow = r.scenarios.loc[r.scenarios["scenario"] == row["scenario"]]
        added = sum((srow["added_mu"].iloc[0] or {}).values()) if len(srow) else 0.0
        head = f"若{label}({_fmt(added)}亩)如期实现" if added else f"若{label}"
        when = f"P50用尽年份为{row['p50']}年" if not pd.isna(row["p50"]) else "预测期内多半不会用尽"
        gross_s = r.headline_need(row["scenario"])[2]
        parts.append(f"{head},{when},{k}年需新增规划面积约{_fmt(gross_s, 0)}亩")
    bt = _backtest_sentence(r)
    if bt:
        parts.append(bt + ";历年供地起伏很大,单年预测误差大,宜以区间和概率而非单一数值判断")
    verdict = (
        "结论:按年均供地速度,可供土地已无法满足正常供地需要,园区急需扩园升级"
        if sy.years is not None and sy.years < 2 and net > 0
        else ""
    )
    if verdict:
        parts.append(verdict)
    return "。".join(parts) + "。"
