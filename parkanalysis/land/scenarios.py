"""Scenarios of the land outlook from the ledger: relocations freeing land, a planned target.

The baseline is the park's own supply history; :func:`default_scenarios` adds, from the
data, ``relocations`` (land of relocations not done by ``as_of``, freed in
:func:`relocation_release_year`) and ``planned_target`` (``land.annual_supply_target_mu``);
scenarios given by the caller are added to them or replace one of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from parkanalysis.errors import ParameterError
from parkanalysis.land.ledger import fmt

#: Years from the latest relocation status (as of) to the year the land is freed.
RELOCATION_LAG_YEARS: Mapping[str, int] = {"洽谈中": 2, "已签协议": 1, "拆除中": 1}


SCENARIO_LABELS = {
    "baseline": "基准情景(按历史供地规律)",
    "relocations": "搬迁置换腾退土地",
    "planned_target": "按年度供地计划",
}


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


def as_mapping(scenarios) -> dict[str, dict[str, Any]]:
    if isinstance(scenarios, Mapping):
        return {str(k): dict(v) if isinstance(v, Mapping) else v for k, v in scenarios.items()}
    out = {}
    for i, s in enumerate(scenarios):
        if not isinstance(s, Mapping) or not isinstance(s.get("name"), str):
            raise ParameterError(f"情景 #{i + 1} 应为带 name 的字典")
        out[s["name"]] = {k: v for k, v in s.items() if k != "name"}
    return out


def default_scenarios(ds, pid, cutoff, years, cfg):
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
        parts.append(f"{r['relocation_id']}({r['status']},{fmt(area)}亩,{y}年)")
    if freed:
        specs["relocations"] = {"relocations": freed}
        rows.append(
            {
                "scenario": "relocations",
                "label": SCENARIO_LABELS["relocations"],
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
                "label": SCENARIO_LABELS["planned_target"],
                "description": f"按年度供地计划每年供地{fmt(float(target))}亩",
                "added_mu": {},
                "annual_target_mu": float(target),
            }
        )
    return specs, rows, notes


def describe_scenarios(scenarios) -> list[dict[str, Any]]:
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
                "label": SCENARIO_LABELS.get(name, name),
                "description": "调用方给定的情景",
                "added_mu": dict(sorted(added.items())),
                "annual_target_mu": s.get("annual_target"),
            }
        )
    return rows
