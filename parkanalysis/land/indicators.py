"""Land indicator rows for reports and ``parkanalysis land``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.land.history import (
    complete_series,
    history_of,
    transactions_of,
    transactions_together,
    window_years,
    years_of_supply_left,
)
from parkanalysis.land.ledger import (
    PUBLIC_FACILITY_USES,
    fmt,
    one_park,
    park_parcels,
    resolve_as_of,
)
from parkanalysis.land.ratios import evaluation_ratios_over, ratio_frame, tax_last_12_months

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
    pid = one_park(ds, park)
    cutoff = resolve_as_of(ds, as_of)
    return land_rows([(ds, pid)], cutoff, window=window_years(ds, pid))


def land_rows(
    parts: Sequence[tuple[Any, str]],
    cutoff: pd.Timestamp,
    *,
    window: int,
    prepared: Sequence[tuple] | None = None,
) -> pd.DataFrame:
    """The rows of :func:`land_indicators` for one park or a zone total.

    ``parts`` are ``(dataset, park id)`` pairs whose data reach ``cutoff``. A total puts the
    parks' parcels (areas in 亩, whatever unit each park declares) end to end: every area is
    the sum of the parks' areas, the declared areas the sum of the parks' declared figures
    (the ledger's where a park declares none, said in the note), 近N年年均供地 the average of
    the summed annual supply, 尚可供地年数 Σ 尚可供应 ÷ that average, and every ratio Σ
    numerator ÷ Σ denominator (:func:`~parkanalysis.land.ratios.evaluation_ratios_over`).
    ``prepared``: :func:`prepare_parts` of ``parts``, when a caller reuses them (a zone's
    total and each park's column).
    """
    if not parts:
        raise ParameterError("没有可合计的园区")
    prepared = prepare_parts(parts, cutoff) if prepared is None else prepared
    frames = [(ds, pid, p) for ds, pid, p, *_ in prepared]
    p = frames[0][2] if len(frames) == 1 else pd.concat([f[2] for f in frames], ignore_index=True)
    declared, ledger_only = _declared_sum(frames)
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
        rows.append(_declared_row(key, names[key], declared, ledger[key], ledger_only.get(key)))
    rows.append(
        (
            "public_other_mu",
            "其他公共用地(公共设施)",
            area(p["planned_use"].isin(PUBLIC_FACILITY_USES)),
            "亩",
            "台账中规划用途为公共设施的地块;含在可利用土地内,一般以划拨方式供应",
        )
    )
    rows.append(
        _declared_row(
            "usable", names["usable"], declared, ledger["usable"], ledger_only.get("usable")
        )
    )
    approved = area(p["usable"] & p["approved"])
    rows.append(
        (
            "approved_mu",
            "已报批土地",
            approved,
            "亩",
            f"可利用土地中已报批;未报批{fmt(area(p['not_approved']))}亩",
        )
    )
    parts_ = ("road", "green", "water", "usable")
    if all(k in declared for k in ("total", *parts_)):
        unrec = declared["total"] - sum(declared[k] for k in parts_)
        note = (
            f"申报总面积{fmt(declared['total'])} − 道路{fmt(declared['road'])} − "
            f"绿地{fmt(declared['green'])} − 水域{fmt(declared['water'])} − "
            f"可利用{fmt(declared['usable'])} = {fmt(unrec)}亩;如实列示,未强行平衡"
            f"(台账合计{fmt(ledger['total'])}亩)"
        )
    else:
        missing = [names[k] for k in ("total", *parts_) if k not in declared]
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
    shown = [
        f"{a}{u}→{c}"
        for a, u, c in zip(conv["parcel_id"], conv["planned_use"], conv["current_use"], strict=True)
    ]
    conv_note = "、".join(shown[:20]) + (f"等{len(shown)}宗" if len(shown) > 20 else "")
    rows.append(
        ("converted_use_mu", "用途调整土地", float(conv["area_mu"].sum()), "亩", conv_note or "无")
    )
    rows.append(("built_mu", "已建成土地", area(p["built"]), "亩", "已供应且建设状态为已建成"))
    rows.append(("idle_mu", "闲置土地", area(p["idle"]), "亩", "已供应且建设状态为闲置"))
    history = history_of(transactions_together([tx for *_, tx in prepared]), cutoff)
    sy = years_of_supply_left(complete_series(history), remaining, window=window)
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
            else f"尚可供应{fmt(remaining)}亩 ÷ 年均供地{fmt(sy.average_mu)}亩",
        )
    )
    out = pd.DataFrame(rows, columns=_INDICATOR_COLUMNS)
    ratios = ratio_frame(evaluation_ratios_over(frames, cutoff, [t for *_, t, _ in prepared]))
    out = pd.concat([out, ratios], ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out


def prepare_parts(parts: Sequence[tuple[Any, str]], cutoff: pd.Timestamp) -> list[tuple]:
    """Per ``(dataset, park id)``: ``(dataset, park id, parcels as of cutoff, its
    tax_last_12_months, its supply transactions)`` — what :func:`land_rows` reads, computed
    once per park."""
    out = []
    for ds, pid in parts:
        p = park_parcels(ds, pid, cutoff)
        out.append((ds, pid, p, tax_last_12_months(ds, pid, cutoff), transactions_of(p)))
    return out


def _declared_sum(frames) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Σ of the parks' declared areas (亩) per key, and per key the parks that declare none
    (their ledger figure is added instead). A key no park declares stays out."""
    declared: dict[str, float] = {}
    ledger_only: dict[str, list[str]] = {}
    if len(frames) == 1:
        ds, pid, _ = frames[0]
        return dict(ds.profile.parks[pid].declared_mu), {}
    keys = ("total", "road", "green", "water", "usable")
    for key in keys:
        have = [f for f in frames if key in f[0].profile.parks[f[1]].declared_mu]
        if not have:
            continue
        total = 0.0
        for ds, pid, p in frames:
            mine = ds.profile.parks[pid].declared_mu
            if key in mine:
                total += float(mine[key])
            else:
                total += _ledger_area(p, key)
                ledger_only.setdefault(key, []).append(ds.profile.parks[pid].name)
        declared[key] = total
    return declared, ledger_only


def _ledger_area(p: pd.DataFrame, key: str) -> float:
    if key == "total":
        return float(p["area_mu"].sum())
    if key == "usable":
        return float(p.loc[p["usable"].to_numpy(dtype=bool), "area_mu"].sum())
    return float(p.loc[(p["public_kind"] == key).to_numpy(dtype=bool), "area_mu"].sum())


def _declared_row(
    key: str, name: str, declared: Mapping[str, float], ledger: float, by_ledger=None
):
    rid = "total_area_mu" if key == "total" else f"{key}_mu"
    if key in declared:
        d = float(declared[key])
        diff = d - ledger
        note = f"申报数;台账{fmt(ledger)}亩" + (f",差{fmt(diff)}亩" if abs(diff) > 1e-6 else "")
        if by_ledger:
            note += f";{'、'.join(by_ledger)}未申报,取台账数"
        return (rid, name, d, "亩", note)
    return (rid, name, ledger, "亩", "园区概况未申报,取台账数")
