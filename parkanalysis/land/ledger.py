"""The ledger: parcel states as of a date and the 用地平衡表 (declared vs recorded areas)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError, PeriodError
from parkanalysis.periods import Period, parse_period
from parkanalysis.units import MU_PER_HA

#: Planned uses that are public land (never supplied) → declared key in park.yaml.
PUBLIC_USES: Mapping[str, str] = {"道路": "road", "绿地": "green", "水域": "water"}
#: Uses counted as 工矿仓储用地 for 工业用地率, 投入强度 and 地均税收.
INDUSTRIAL_USES: tuple[str, ...] = ("工业", "仓储物流")
#: Usable land shown as "其中:公共设施用地" (other public land, supplied by 划拨).
PUBLIC_FACILITY_USES: tuple[str, ...] = ("公共设施",)

_RESETTLEMENT_ORDER = ("已完成", "进行中", "未启动", "不涉及")


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
        For text that is neither a period nor a date, or a date past the end of the data
        (:func:`data_end`): a figure "as of" a date the data do not reach would be invented.

    Examples
    --------
    >>> resolve_as_of(None, "2016-06"), resolve_as_of(None, "2016H1")
    (Timestamp('2016-06-30 00:00:00'), Timestamp('2016-06-30 00:00:00'))
    >>> resolve_as_of(None, "2016-02-15")
    Timestamp('2016-02-15 00:00:00')
    """
    if as_of is None:
        return _default_as_of(ds)
    cutoff = _parse_as_of(as_of)
    if ds is not None:
        end = data_end(ds)
        if end is not None and cutoff > end:
            raise ParameterError(
                f"截至日期 {cutoff:%Y-%m-%d} 晚于数据的最后日期 {end:%Y-%m-%d}"
                f"({end.year}年{end.month}月);请传不晚于 {end:%Y-%m} 的日期"
            )
    return cutoff


def data_end(ds: Any) -> pd.Timestamp | None:
    """The last day the dataset speaks for: the later of the monthly statistics' last
    reported month (late, incomplete months included: a report made on them with
    ``--allow-incomplete`` may be dated there) and the ledger's latest approval or supply
    date (None without either). The *default* cut-off is the data-complete month instead."""
    ends = []
    rng = getattr(ds, "reported_range", None) or getattr(ds, "month_range", None)
    if rng:
        ends.append(_month_end(*rng[1]))
    parcels = getattr(ds, "parcels", None)
    if parcels is not None and len(parcels):
        for col in ("supply_date", "approval_date"):
            d = parcels[col].max()
            if not pd.isna(d):
                ends.append(pd.Timestamp(d).normalize())
    return max(ends) if ends else None


def _parse_as_of(as_of: Any) -> pd.Timestamp:
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


def one_park(ds: Any, park: str | None) -> str:
    return ds.resolve_park(park)


def _parks(ds: Any, park: str | None) -> list[str]:
    return list(ds.profile.parks) if park is None else [one_park(ds, park)]


def mu_ha(mu: float) -> float:
    return mu / MU_PER_HA


def fmt(x: float, decimals: int = 1) -> str:
    """One-decimal text without a trailing ``.0`` for whole numbers (3585, 225.7), rounded
    half up on the digits shown as the report's tables round (``narrative.round_half_up``:
    262.95 → 263, where ``round`` gives 262.9 and the text would contradict its table).

    >>> fmt(262.95), fmt(3585.0), fmt(225.66), fmt(12.5, 0)
    ('263', '3585', '225.7', '13')
    """
    from decimal import Decimal

    from parkanalysis.narrative import round_half_up

    r = round_half_up(float(x), Decimal(1).scaleb(-decimals))
    return f"{r:.0f}" if r == r.to_integral_value() else f"{r:.{decimals}f}"


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
    # public land (道路/绿地/水域) given by 划拨 may be recorded as supplied; it stays out of
    # the supplied land and every ratio built on it (规程), as it is never usable land
    p["supplied"] = supplied & (sdate.notna() & (sdate <= as_of)).to_numpy() & p["usable"]
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


def park_parcels(ds: Any, park_id: str, as_of: pd.Timestamp) -> pd.DataFrame:
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
        p = park_parcels(ds, pid, cutoff)
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
    out["declared_ha"] = out["declared_mu"] / MU_PER_HA
    out["ledger_ha"] = out["ledger_mu"] / MU_PER_HA
    out.insert(0, "phase_name", phase_name)
    out.insert(0, "phase_id", phase_id)
    out.insert(0, "park_id", park_id)
    return out
