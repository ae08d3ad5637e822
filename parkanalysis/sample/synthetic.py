"""Synthetic park datasets of any size, of the sample's shape, for scale tests.

:func:`write_synthetic` writes datasets of the same shape (internal column names) for scale
tests: ``parks × enterprises × years·12`` monthly rows, fully vectorised.

Enterprise and park names combine place names, brands and trades; every enterprise reports
every month; land ledgers, projects, buildings, hazards, relocations and published figures
are scaled to each park's size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from parkanalysis.errors import ParameterError
from parkanalysis.sample.formats import month_index, month_text
from parkanalysis.sample.output import MARKER, df_writer, text_writer, write_folder
from parkanalysis.sample.park import SEASON
from parkanalysis.sample.safety import HAZARD_CATEGORIES, HAZARD_WEIGHTS
from parkanalysis.units import convert

_PLACES = (
    "城东",
    "城南",
    "城西",
    "城北",
    "颍东",
    "颍西",
    "颍南",
    "泉河",
    "淮北",
    "皖北",
    "新华",
    "东城",
    "西湖",
    "阜南",
    "临泉",
    "太和",
    "界首",
    "颍上",
    "利辛",
    "涡阳",
    "蒙城",
    "谯城",
    "凤台",
    "寿县",
    "霍邱",
    "金寨",
    "舒城",
    "庐江",
    "肥东",
    "肥西",
)


_PARK_SUFFIX = ("工业园", "经济开发区", "高新技术产业园", "工贸园", "循环经济园", "现代产业园")


_BRANDS = (
    "华隆",
    "恒泰",
    "鑫源",
    "瑞丰",
    "宏达",
    "天成",
    "金源",
    "绿源",
    "永安",
    "兴旺",
    "金诚",
    "大唐",
    "恒通",
    "光明",
    "三友",
    "安泰",
    "金牛",
    "华源",
    "旭日",
    "天瑞",
    "润达",
    "颍淮",
    "众鑫",
    "康达",
    "亿佳",
    "鼎盛",
    "巨峰",
    "精工",
    "东升",
    "雅美",
    "顺达",
    "博远",
    "德润",
    "卓越",
    "新华",
    "盛世",
    "恒润",
    "佳美",
    "东方",
    "润农",
    "欣悦",
    "聚源",
    "顺风",
    "鸿运",
    "通达",
    "华信",
    "安居",
    "金桥",
    "宏图",
    "清源",
)


_TRADES = {
    "工业": (
        ("家具", "C2110"),
        ("钢结构", "C3311"),
        ("食品", "C1491"),
        ("电缆", "C3831"),
        ("纺织", "C1711"),
        ("塑业", "C2929"),
        ("机械制造", "C3421"),
        ("包装材料", "C2231"),
        ("新型建材", "C3021"),
        ("医疗器械", "C3581"),
        ("汽车配件", "C3660"),
        ("电子科技", "C3989"),
        ("粮油", "C1331"),
        ("服饰", "C1810"),
        ("模具", "C3525"),
    ),
    "商贸": (
        ("医药", "F5151"),
        ("商贸", "F5129"),
        ("钢材贸易", "F5164"),
        ("家电销售", "F5137"),
        ("农资", "F5166"),
        ("建材经营", "F5165"),
    ),
    "服务业": (("物流", "G5430"), ("酒店", "H6110"), ("检测技术", "M7450"), ("物业服务", "K7020")),
}


_KINDS = ("工业", "商贸", "服务业")


def _names(rng: np.random.Generator, n: int, parts: Sequence[Sequence[str]]) -> list[str]:
    """``n`` distinct names combining one element of each part (numbered beyond capacity)."""
    sizes = [len(p) for p in parts]
    cap = int(np.prod(sizes))
    codes = rng.permutation(cap)[: min(n, cap)]
    out = []
    for c in codes:
        name = ""
        for p, s in zip(parts, sizes, strict=True):
            c, r = divmod(int(c), s)
            name += p[r]
        out.append(name)
    for j in range(len(out), n):
        out.append(f"{out[j % cap]}{j // cap + 1}")
    return out


def write_synthetic(
    out_dir: str | os.PathLike,
    *,
    parks: int = 3,
    enterprises: int = 60,
    years: int = 5,
    seed: int = 0,
    end: str = "2016-06",
    overwrite: bool = False,
) -> list[Path]:
    """Write a synthetic multi-park dataset of the sample's shape (internal column names).

    ``monthly_stats`` has exactly ``parks × enterprises × years·12`` rows (every enterprise
    reports every month up to ``end``); parks are ``P001``…, with land ledgers, projects,
    buildings, hazards, relocations and published figures scaled to their size. Fully
    vectorised: 100 parks × 300 enterprises × 10 years (3.6M rows) take seconds, dominated
    by CSV formatting. Deterministic for a given ``seed``.
    """
    import pandas as pd

    if min(parks, enterprises, years) < 1 or parks > 999:
        raise ParameterError("parks(1–999)、enterprises、years 须为正整数")
    try:
        ey, em = (int(x) for x in end.split("-"))
        assert 1 <= em <= 12
    except (ValueError, AssertionError) as exc:
        raise ParameterError(f"end 应为 YYYY-MM,收到 {end!r}") from exc
    rng = np.random.default_rng(seed)
    P, E, M = parks, enterprises, years * 12
    last = month_index(ey, em)
    first = last - M + 1
    months = np.arange(first, last + 1)
    month_str = np.array([month_text(int(x)) for x in months])
    park_ids = np.array([f"P{p + 1:03d}" for p in range(P)])
    ent_ids = np.array([f"E{j + 1:04d}" for j in range(E)])
    N = P * E

    # ---- enterprises
    kind_i = rng.choice(3, N, p=[0.75, 0.17, 0.08])
    kind_i[::E] = 0  # every park has at least one industrial enterprise
    kind = np.array(_KINDS)[kind_i]
    trade_i = np.zeros(N, dtype=int)
    for ki, k in enumerate(_KINDS):
        sel = kind_i == ki
        trade_i[sel] = rng.integers(0, len(_TRADES[k]), sel.sum())
    brands = [b for _ in range(P) for b in _names(rng, E, (_PLACES, _BRANDS))]
    names = np.array(
        [f"{b}{_TRADES[k][t][0]}有限公司" for b, k, t in zip(brands, kind, trade_i, strict=True)]
    )
    codes = np.array([_TRADES[k][t][1] for k, t in zip(kind, trade_i, strict=True)])
    window_start = np.datetime64(f"{month_text(first)}-01")
    start = window_start - rng.integers(0, 3650, N).astype("timedelta64[D]")
    entry = start - rng.integers(30, 540, N).astype("timedelta64[D]")

    # ---- monthly (P·E, M) arrays
    rev_base = np.exp(rng.normal(7.0, 1.1, N))  # 万元/year
    rev_base[kind_i == 1] *= 3.0
    rev_base[kind_i == 2] *= 0.4
    growth = rng.normal(0.07, 0.07, N)
    t = (months - months[-1]) / 12.0
    season = SEASON[months % 12]
    lvl = rev_base[:, None] * np.power.outer(1 + growth, t) / 12 * season[None, :]
    rev = lvl * np.exp(rng.normal(0, 0.06, (N, M)))
    industrial = kind_i == 0
    out = rev * rng.uniform(0.96, 1.08, N)[:, None]
    va = out * rng.uniform(0.25, 0.34, N)[:, None] * np.exp(rng.normal(0, 0.025, (N, M)))
    va = np.minimum(va, out * 0.36)
    out[~industrial] = np.nan
    va[~industrial] = np.nan
    tax_rate = np.where(
        industrial,
        rng.uniform(0.02, 0.045, N),
        np.where(kind_i == 1, rng.uniform(0.006, 0.014, N), rng.uniform(0.04, 0.07, N)),
    )
    tax = rev * tax_rate[:, None] * np.exp(rng.normal(0, 0.18, (N, M)))
    per_head = np.where(
        industrial,
        rng.uniform(40, 110, N),
        np.where(kind_i == 1, rng.uniform(180, 600, N), rng.uniform(12, 30, N)),
    )
    staff = np.maximum(
        1,
        np.rint(
            lvl
            * 12
            / season[None, :]
            / per_head[:, None]
            * np.where(months % 12 == 1, 0.96, 1.0)[None, :]
        ),
    )
    fai = np.where(rng.random((N, M)) < 0.2, rev * rng.exponential(0.05, (N, M)), 0.0)
    monthly = pd.DataFrame(
        {
            "park_id": pd.Categorical.from_codes(np.repeat(np.arange(P), E * M), park_ids),
            "enterprise_id": pd.Categorical.from_codes(
                np.tile(np.repeat(np.arange(E), M), P), ent_ids
            ),
            "month": pd.Categorical.from_codes(np.tile(np.arange(M), N), month_str),
            "output_wan_yuan": np.round(out, 1).ravel(),
            "value_added_wan_yuan": np.round(va, 1).ravel(),
            "revenue_wan_yuan": np.round(rev, 1).ravel(),
            "tax_wan_yuan": np.round(tax, 1).ravel(),
            "employees": staff.astype(np.int64).ravel(),
            "fixed_asset_investment_wan_yuan": np.round(fai, 1).ravel(),
        }
    )

    # ---- above_size: 2000 万元 rule on the previous year's revenue (first year annualised)
    yr = months // 12
    uy = np.unique(yr)
    rev_y = np.stack([rev[:, yr == y].sum(axis=1) * 12 / (yr == y).sum() for y in uy], axis=1)
    flag = np.empty_like(rev_y, dtype=bool)
    flag[:, 0] = rev_y[:, 0] >= 2000
    flag[:, 1:] = np.stack([rev[:, yr == y].sum(axis=1) for y in uy[:-1]], axis=1) >= 2000
    ind_idx = np.flatnonzero(industrial)
    above = pd.DataFrame(
        {
            "park_id": np.repeat(np.repeat(park_ids, E)[ind_idx], len(uy)),
            "enterprise_id": np.repeat(np.tile(ent_ids, P)[ind_idx], len(uy)),
            "year": np.tile(uy, len(ind_idx)),
            "above_size": np.where(flag[ind_idx].ravel(), "true", "false"),
        }
    )

    # ---- parcels: one per industrial enterprise (a few rent), some commercial, public land,
    # and a little land still to supply
    has_land = industrial & (rng.random(N) > 0.05) | (~industrial & (rng.random(N) < 0.25))
    li = np.flatnonzero(has_land)
    area = np.round(np.clip(np.exp(rng.normal(3.4, 0.6, len(li))), 8, 150), 1)
    l_park = li // E
    l_num = np.concatenate([np.arange(c) for c in np.bincount(l_park, minlength=P)]) + 1
    sup_date = entry[li] + rng.integers(0, 30, len(li)).astype("timedelta64[D]")
    m2 = convert(area, "亩", "平方米")
    land = pd.DataFrame(
        {
            "park_id": park_ids[l_park],
            "parcel_id": [f"{n}号地" for n in l_num],
            "phase_id": "P1",
            "area": area,
            "planned_use": np.where(
                industrial[li], "工业", np.where(kind_i[li] == 1, "商业", "仓储物流")
            ),
            "approval_status": "已报批",
            "approval_date": (
                sup_date - rng.integers(60, 900, len(li)).astype("timedelta64[D]")
            ).astype(str),
            "supply_status": "已供",
            "supply_method": np.where(rng.random(len(li)) < 0.85, "挂牌出让", "协议出让"),
            "supply_date": sup_date.astype(str),
            "transferee": names[li],
            "resettlement_status": "已完成",
            "construction_status": "已建成",
            "floor_area_m2": np.round(m2 * rng.uniform(0.8, 1.5, len(li)), -1),
            "footprint_m2": np.round(m2 * rng.uniform(0.35, 0.55, len(li)), -1),
            "investment_wan_yuan": np.round(area * rng.uniform(150, 400, len(li)), 1),
        }
    )
    parcel_of = np.full(N, "", dtype=object)
    parcel_of[li] = land["parcel_id"].to_numpy()
    usable = np.bincount(l_park, weights=area, minlength=P)
    rest_n = rng.integers(1, 5, P)
    rp = np.repeat(np.arange(P), rest_n)
    r_num = (
        np.concatenate([np.arange(c) for c in rest_n]) + np.bincount(l_park, minlength=P)[rp] + 1
    )
    r_area = np.round(rng.uniform(10, 80, len(rp)), 1)
    rest = pd.DataFrame(
        {
            "park_id": park_ids[rp],
            "parcel_id": [f"{n}号地" for n in r_num],
            "phase_id": "P1",
            "area": r_area,
            "planned_use": "工业",
            "approval_status": "已报批",
            "approval_date": f"{ey - 6}-06-30",
            "supply_status": "未供",
            "resettlement_status": np.array(["未启动", "进行中", "已完成"])[
                rng.integers(0, 3, len(rp))
            ],
            "construction_status": "未建",
        }
    )
    usable = usable + np.bincount(rp, weights=r_area, minlength=P)
    pub_share = {"道路": 0.16, "绿地": 0.14, "水域": 0.05}
    pub = []
    for code, (use, share) in zip(("DL", "LD", "SY"), pub_share.items(), strict=True):
        a = np.round(usable * share / 0.65 * rng.uniform(0.8, 1.2, P), 1)
        pub.append(
            pd.DataFrame(
                {
                    "park_id": park_ids,
                    "parcel_id": f"{code}-01",
                    "phase_id": "P1",
                    "area": a,
                    "planned_use": use,
                    "approval_status": "已报批",
                    "approval_date": f"{ey - 10}-03-18",
                    "supply_status": "未供",
                    "resettlement_status": "已完成",
                }
            )
        )
    parcels_df = pd.concat([land, rest, *pub], ignore_index=True)
    parcels_df = parcels_df.sort_values(["park_id"], kind="stable").reset_index(drop=True)
    sums = parcels_df.groupby("park_id", observed=True)["area"].sum()
    by_use = parcels_df.pivot_table(
        index="park_id", columns="planned_use", values="area", aggfunc="sum", fill_value=0.0
    )

    ent_df = pd.DataFrame(
        {
            "park_id": np.repeat(park_ids, E),
            "enterprise_id": np.tile(ent_ids, P),
            "name": names,
            "industry_code": codes,
            "kind": kind,
            "entry_date": entry.astype(str),
            "production_start_date": start.astype(str),
            "exit_date": "",
            "parcel_ids": parcel_of,
        }
    )

    # ---- projects & buildings: three per park
    park_names = names_of_parks(P, seed)
    proj_kinds = np.array(["工业", "商业", "住宅"])
    pj = pd.DataFrame(
        {
            "park_id": np.repeat(park_ids, 3),
            "project_id": np.tile(["XM01", "XM02", "XM03"], P),
            "name": [
                f"{park_names[p]}{k}"
                for p in range(P)
                for k in ("标准化厂房", "商业综合体", "人才公寓")
            ],
            "enterprise_id": "",
            "kind": np.tile(proj_kinds, P),
            "planned_investment_wan_yuan": np.round(rng.uniform(5000, 80000, 3 * P), -1),
            "start_date": f"{ey - 1}-03-15",
            "status": np.tile(["在建", "在建", "前期"], P),
        }
    )
    dates = [f"{ey - 1}-09-30", f"{ey - 1}-12-31", f"{ey}-03-31"]
    nb = 4
    planned = rng.integers(3, 19, (P, 2, nb))
    frac = np.array([0.3, 0.6, 1.0])
    built = np.minimum(
        planned[..., None],
        np.ceil(planned[..., None] * frac * rng.uniform(0.5, 1.0, (P, 2, nb, 1))),
    )
    built = np.maximum.accumulate(built.astype(int), axis=-1)
    stage = np.where(
        built == planned[..., None], "主体完工", np.where(built > 0, "主体施工", "基础施工")
    )
    shape = (P, 2, nb, len(dates))
    bld = pd.DataFrame(
        {
            "park_id": np.broadcast_to(park_ids[:, None, None, None], shape).ravel(),
            "project_id": np.broadcast_to(
                np.array(["XM01", "XM02"])[None, :, None, None], shape
            ).ravel(),
            "building_no": np.broadcast_to(
                np.array([f"{b + 1}#" for b in range(nb)])[None, None, :, None], shape
            ).ravel(),
            "date": np.broadcast_to(np.array(dates)[None, None, None, :], shape).ravel(),
            "use": np.broadcast_to(np.array(["其他", "商业"])[None, :, None, None], shape).ravel(),
            "floors_planned": np.broadcast_to(planned[..., None], shape).ravel(),
            "floors_built": built.ravel(),
            "stage": stage.ravel(),
        }
    )

    # ---- hazards: about 0.4 per enterprise and year, mostly rectified in time
    H = int(N * years * 0.4)
    h_ent = rng.integers(0, N, H)
    h_day = np.datetime64(f"{month_text(first)}-01") + rng.integers(0, M * 30, H).astype(
        "timedelta64[D]"
    )
    h_days = rng.choice(np.array([7, 15, 30]), H)
    h_done = h_day + rng.integers(1, 35, H).astype("timedelta64[D]")
    order = np.lexsort((h_ent, h_day, h_ent // E))
    h_ent, h_day, h_days, h_done = h_ent[order], h_day[order], h_days[order], h_done[order]
    h_park = h_ent // E
    h_seq = np.arange(H) - np.searchsorted(h_park, h_park)
    hz = pd.DataFrame(
        {
            "park_id": park_ids[h_park],
            "hazard_id": [f"YH{s + 1:06d}" for s in h_seq],
            "enterprise_id": ent_ids[h_ent % E],
            "inspection_date": h_day.astype(str),
            "category": np.array(HAZARD_CATEGORIES)[rng.choice(8, H, p=HAZARD_WEIGHTS)],
            "severity": np.where(rng.random(H) < 0.01, "重大", "一般"),
            "deadline": (h_day + h_days.astype("timedelta64[D]")).astype(str),
            "rectified_date": h_done.astype(str),
            "recheck_date": (h_done + rng.integers(1, 10, H).astype("timedelta64[D]")).astype(str),
            "recheck_passed": np.where(rng.random(H) < 0.95, "true", "false"),
        }
    )

    # ---- relocations: one industrial enterprise per park in talks
    first_ind = np.array([np.flatnonzero(industrial[p * E : (p + 1) * E])[0] for p in range(P)])
    rel_e = np.arange(P) * E + first_ind
    rel = pd.DataFrame(
        {
            "park_id": park_ids,
            "relocation_id": "BQ-01",
            "enterprise_id": ent_ids[first_ind],
            "status": "洽谈中",
            "status_date": f"{ey}-{em:02d}-15",
            "land_freed": [
                land["area"].to_numpy()[np.searchsorted(li, e)] if has_land[e] else 0.0
                for e in rel_e
            ],
            "parcel_ids": parcel_of[rel_e],
        }
    )

    # ---- published: above-size output of the last complete 1-N月, slightly off the sums
    cur = (yr == ey) & (months < last)
    if not cur.any():
        cur = yr == ey
    members = industrial & flag[:, -1]
    tot = np.where(members[:, None], np.nan_to_num(out), 0.0)[:, cur].sum(axis=1)
    park_tot = np.bincount(np.arange(N) // E, weights=tot, minlength=P)
    n_cur = int(cur.sum())
    pub_df = pd.DataFrame(
        {
            "park_id": park_ids,
            "indicator_id": "above_size_output",
            "period": f"{ey}-01..{ey}-{n_cur:02d}",
            "value": np.where(
                park_tot > 0, np.round(park_tot * rng.uniform(0.99, 1.015, P), -1), np.nan
            ),
            "unit": "万元",
            "yoy_pct": np.round(rng.normal(7.5, 2.5, P), 1),
            "source": "统计局",
        }
    )

    park_docs = []
    for p in range(P):
        pid = park_ids[p]
        road = float(by_use.loc[pid].get("道路", 0.0))
        green = float(by_use.loc[pid].get("绿地", 0.0))
        water = float(by_use.loc[pid].get("水域", 0.0))
        total = float(sums.loc[pid])
        park_docs.append(
            {
                "park_id": str(pid),
                "name": park_names[p],
                "region": "安徽省",
                "established": int(ey - 10),
                "phases": [
                    {
                        "phase_id": "P1",
                        "name": "一期",
                        "unit": "亩",
                        "declared": {
                            "total": round(total, 1),
                            "road": round(road, 1),
                            "green": round(green, 1),
                            "water": round(water, 1),
                            "usable": round(total - road - green - water, 1),
                        },
                    }
                ],
                "config": {},
            }
        )
    import yaml

    doc = {"schema_version": 1, "parks": park_docs}
    park_yaml = MARKER + "\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    writers: dict[str, Callable[[Path], None]] = {
        "park.yaml": text_writer(park_yaml),
        "enterprises.csv": df_writer(ent_df),
        "monthly_stats.csv": df_writer(monthly),
        "above_size.csv": df_writer(above),
        "parcels.csv": df_writer(parcels_df),
        "projects.csv": df_writer(pj),
        "buildings.csv": df_writer(bld),
        "hazards.csv": df_writer(hz),
        "relocations.csv": df_writer(rel),
        "published.csv": df_writer(pub_df),
    }
    return write_folder(out_dir, writers, overwrite)


def names_of_parks(n: int, seed: int = 0) -> list[str]:
    """Plausible distinct park names (地名 + 园区类型), deterministic for ``seed``.

    >>> names_of_parks(2, 0) == names_of_parks(2, 0)
    True
    """
    rng = np.random.default_rng(seed + 7919)
    return _names(rng, n, (_PLACES, _PARK_SUFFIX))
