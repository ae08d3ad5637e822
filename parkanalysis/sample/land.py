"""The sample park's land ledger: yearly supply, parcels, approvals, construction, prices.

All areas are integer tenths of 亩. :func:`build_land` also fixes the entry and production
dates of the enterprises holding land.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from parkanalysis.sample.enterprises import Ent
from parkanalysis.sample.formats import rand_date, to_tenths
from parkanalysis.units import convert

#: Yearly land supply (亩) of the usable land, from the park's first supply in 2006.
SUPPLY_BY_YEAR = {
    2006: 4126,
    2007: 2362,
    2008: 3185,
    2009: 0,
    2010: 2518,
    2011: 2073,
    2012: 2542,
    2013: 1186,
    2014: 4320,
    2015: 1264,
    2016: 0,
}  # tenths of 亩


#: 已报批未供 land: (area in tenths of 亩, 征迁安置)
REMAINING = ((623, "进行中"), (487, "未启动"), (394, "已完成"))


HANWO_PARCELS = (("1号地", 2486, "商住", "WSGG"), ("4号地", 1834, "商业", "HLGC"))


PUBLIC_PARCELS = (
    ("DL-01", "道路", 1185),
    ("DL-02", "道路", 960),
    ("DL-03", "道路", 1042),
    ("DL-04", "道路", 733),
    ("DL-05", "道路", 580),
    ("LD-01", "绿地", 1526),
    ("LD-02", "绿地", 1173),
    ("LD-03", "绿地", 862),
    ("LD-04", "绿地", 579),
    ("SY-01", "水域", 1426),
    ("SY-02", "水域", 324),
)


#: Public facilities on usable land, supplied by 划拨.
FACILITIES = (
    (2006, "国网阜阳供电公司(工贸园110千伏变电站)", 0.5),
    (2008, "阜阳市颍州区城市管理局(污水提升泵站)", 0.3),
    (2010, "工贸园管委会(园区综合服务中心)", 0.6),
)


APPROVAL_BATCHES = (
    date(2006, 3, 18),
    date(2007, 4, 26),
    date(2008, 5, 14),
    date(2009, 10, 22),
    date(2010, 7, 9),
)


def _split_tenths(rng: np.random.Generator, total: int, weights: list[float]) -> list[int]:
    """Split ``total`` tenths into parts ∝ weights·noise, summing exactly to ``total``."""
    w = np.asarray(weights, dtype=float) * rng.uniform(0.75, 1.25, len(weights))
    parts = [round(float(x)) for x in w / w.sum() * total]
    parts[int(np.argmax(parts))] += total - sum(parts)
    return parts


@dataclass
class _Parcel:
    pid: str
    area: int  # tenths of 亩
    planned_use: str
    current_use: str = ""
    approval_date: date | None = None
    supply_status: str = "未供"
    supply_method: str = ""
    supply_date: date | None = None
    transferee: str = ""
    project_id: str = ""
    resettlement: str = "已完成"
    construction: str = ""
    floor_area: int | None = None
    footprint: int | None = None
    investment: int | None = None  # tenths of 万元
    price: int | None = None  # tenths of 万元
    holder: Ent | None = None


def build_land(rng: np.random.Generator, ents: list[Ent]) -> list[_Parcel]:
    """Parcels of the ledger; fixes entry/production dates of enterprises holding land."""
    usable: list[_Parcel] = []
    for year, total in SUPPLY_BY_YEAR.items():
        if total == 0:
            continue
        if year == 2014:  # the year of 翰沃婚庆: 1号地 and 4号地, 挂牌出让
            hanwo = next(e for e in ents if e.role == "hanwo")
            for pid, area, use, project in HANWO_PARCELS:
                usable.append(
                    _Parcel(
                        pid,
                        area,
                        "工业",
                        current_use=use,
                        supply_status="已供",
                        supply_method="挂牌出让",
                        supply_date=date(2014, 9, 26),
                        transferee=hanwo.name,
                        project_id=project,
                        construction="在建",
                        holder=hanwo,
                    )
                )
            hanwo.entry = date(2014, 8, 15)
            hanwo.parcels = [p for p, *_ in HANWO_PARCELS]
            continue
        holders: list[tuple[Ent | None, str, float]] = []
        for e in ents:
            if e.supply_year == year and e.role in ("old", "land", "idle", "building", "expansion"):
                holders.extend((e, e.planned_use, e.land_weight) for _ in range(e.n_parcels))
        for fyear, who, weight in FACILITIES:
            if fyear == year:
                holders.append((None, who, weight))
        parts = _split_tenths(rng, total, [w for _, _, w in holders])
        for (e, use, _), area in zip(holders, parts, strict=True):
            lo = date(2006, 4, 10) if year == 2006 else date(year, 2, 20)
            sdate = rand_date(rng, lo, date(year, 12, 10))
            if e is None:
                usable.append(
                    _Parcel(
                        "",
                        area,
                        "公共设施",
                        supply_status="已供",
                        supply_method="划拨",
                        supply_date=sdate,
                        transferee=use,
                        construction="已建成",
                    )
                )
                continue
            if e.role == "old" and e.parcels:  # second parcel of an old enterprise: same day
                sdate = next(p.supply_date for p in usable if p.holder is e)
            method = "协议出让" if e.role == "old" else ("挂牌出让" if year >= 2007 else "出让")
            if e.planned_use != "工业" or (e.role == "land" and rng.random() < 0.3):
                method = "出让" if year < 2007 else "挂牌出让"
            usable.append(
                _Parcel(
                    "",
                    area,
                    e.planned_use,
                    supply_status="已供",
                    supply_method=method,
                    supply_date=sdate,
                    transferee=e.name,
                    holder=e,
                )
            )
            e.parcels.append("")  # placeholder, numbered below
    # the land still to supply (已报批未供), part of it still in 征迁安置
    for area, resettle in REMAINING:
        usable.append(_Parcel("", area, "工业", resettlement=resettle, construction="未建"))

    # number the usable parcels N号地 (1号地, 4号地 are 翰沃's), in a shuffled order
    numbers = [n for n in range(2, len(usable) + 1 + 2) if n != 4][: len(usable) - 2]
    order = rng.permutation(len(numbers))
    free = iter(order)
    for p in usable:
        if not p.pid:
            p.pid = f"{numbers[next(free)]}号地"
    for e in ents:
        if e.role != "hanwo":
            e.parcels = sorted((p.pid for p in usable if p.holder is e), key=lambda s: int(s[:-2]))
    # the expansion parcel belongs to 洪胡子
    hhz = next(e for e in ents if e.name == "安徽洪胡子食品有限公司")
    exp = next(e for e in ents if e.role == "expansion")
    for p in usable:
        if p.holder is exp:
            p.holder, p.transferee, p.project_id = hhz, hhz.name, "HHZ-KJ"
            hhz.parcels.append(p.pid)
    ents.remove(exp)

    # dates of the enterprises holding land
    for e in ents:
        own = [p for p in usable if p.holder is e]
        if not own or e.role == "hanwo":
            continue
        first = min(p.supply_date for p in own)  # type: ignore[type-var]
        if e.role == "old":
            e.entry = first
            e.start = e.start or first  # already producing when the park regularised its land
        else:
            e.entry = first - timedelta(days=int(rng.integers(30, 120)))
            if e.start is None and e.role == "land":
                e.start = first + timedelta(days=int(rng.integers(300, 560)))
    # approvals, construction, floor space, investment and price
    for p in usable:
        if p.supply_date is not None:
            batches = [b for b in APPROVAL_BATCHES if b <= p.supply_date]
            p.approval_date = (
                batches[-1]
                if p.supply_date.year <= 2010
                else batches[int(rng.integers(0, len(batches)))]
            )
        else:
            p.approval_date = APPROVAL_BATCHES[int(rng.integers(3, 5))]
        e = p.holder
        if e is None and p.supply_status == "已供":
            _built(rng, p, ratio=(0.3, 0.6), density=(0.2, 0.35), invest=(80, 160))
        elif e is not None and e.role != "hanwo":
            if e.role == "idle":
                p.construction = "闲置"
            elif e.role == "building" or p.project_id == "HHZ-KJ":
                p.construction = "在建"
                p.investment = to_tenths(p.area / 10 * rng.uniform(40, 90))
            else:
                p.construction = "已建成"
                _built(rng, p, ratio=(0.8, 1.5), density=(0.35, 0.55), invest=(150, 400))
            unit_price = {"工业": (8, 14), "商业": (60, 110), "仓储物流": (12, 20)}[p.planned_use]
            p.price = to_tenths(
                p.area / 10 * rng.uniform(*unit_price) * (1 + 0.04 * (p.supply_date.year - 2006))
            )  # type: ignore[union-attr]
        elif e is not None:  # 翰沃: commercial price after the change of use
            p.price = to_tenths(p.area / 10 * rng.uniform(95, 125))
            p.investment = to_tenths(p.area / 10 * rng.uniform(110, 160))
        if p.supply_status == "已供":
            p.resettlement = "已完成"
    usable.sort(key=lambda p: int(p.pid[:-2]))
    public = [
        _Parcel(
            pid,
            area,
            use,
            approval_date=APPROVAL_BATCHES[0 if use == "道路" else 2],
            resettlement="已完成",
        )
        for pid, use, area in PUBLIC_PARCELS
    ]
    return usable + public


def _built(rng, p: _Parcel, *, ratio, density, invest) -> None:
    m2 = convert(p.area / 10, "亩", "平方米")  # p.area: tenths of 亩
    p.construction = "已建成"
    p.floor_area = round(m2 * rng.uniform(*ratio) / 10) * 10
    p.footprint = round(m2 * rng.uniform(*density) / 10) * 10
    p.investment = to_tenths(p.area / 10 * rng.uniform(*invest))
