"""The embedded sample assembled: every table as CSV text with Chinese headers, then written.

:func:`build_sample` is pure and deterministic (one seeded generator drawn in a fixed order:
land, monthly statistics, hazards); :func:`write_sample` writes it atomically.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import numpy as np

from parkanalysis.sample.enterprises import sample_enterprises
from parkanalysis.sample.formats import (
    csv_text,
    date_text,
    month_index,
    month_text,
    opt,
    tenths_text,
    yn,
)
from parkanalysis.sample.land import build_land
from parkanalysis.sample.monthly import above_size_rows, calibrate, published_rows, simulate
from parkanalysis.sample.output import text_writer, write_folder
from parkanalysis.sample.park import PARK_ID, PARK_YAML, SAMPLE_SEED, TARGET_YOY
from parkanalysis.sample.projects import PROGRESS_DATES, building_plan, project_rows
from parkanalysis.sample.safety import hazard_rows

#: Internal column names and the Chinese headers (with units) of the sample's CSV files.
HEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "enterprises": (
        ("park_id", "园区代码"),
        ("enterprise_id", "企业代码"),
        ("name", "企业名称"),
        ("industry_code", "行业代码"),
        ("kind", "企业类型"),
        ("entry_date", "入园日期"),
        ("production_start_date", "投产日期"),
        ("exit_date", "退出日期"),
        ("parcel_ids", "用地地块"),
    ),
    "monthly_stats": (
        ("park_id", "园区代码"),
        ("enterprise_id", "企业代码"),
        ("month", "月份"),
        ("output_wan_yuan", "工业总产值(万元)"),
        ("value_added_wan_yuan", "工业增加值(万元)"),
        ("revenue_wan_yuan", "主营业务收入(万元)"),
        ("tax_wan_yuan", "税收(万元)"),
        ("employees", "从业人员(人)"),
        ("fixed_asset_investment_wan_yuan", "固定资产投资(万元)"),
    ),
    "above_size": (
        ("park_id", "园区代码"),
        ("enterprise_id", "企业代码"),
        ("year", "年份"),
        ("above_size", "是否规上"),
    ),
    "parcels": (
        ("park_id", "园区代码"),
        ("parcel_id", "地块编号"),
        ("phase_id", "期别"),
        ("area", "面积(亩)"),
        ("planned_use", "规划用途"),
        ("current_use", "现状用途"),
        ("approval_status", "报批状态"),
        ("approval_date", "报批日期"),
        ("supply_status", "供应状态"),
        ("supply_method", "供地方式"),
        ("supply_date", "供地日期"),
        ("transferee", "受让人/项目"),
        ("project_id", "项目代码"),
        ("resettlement_status", "征迁安置"),
        ("construction_status", "建设状态"),
        ("floor_area_m2", "建筑面积(平方米)"),
        ("footprint_m2", "建筑基底面积(平方米)"),
        ("investment_wan_yuan", "固定资产投资(万元)"),
        ("price_wan_yuan", "成交价款(万元)"),
    ),
    "projects": (
        ("park_id", "园区代码"),
        ("project_id", "项目代码"),
        ("name", "项目名称"),
        ("enterprise_id", "企业代码"),
        ("kind", "项目类型"),
        ("planned_investment_wan_yuan", "计划总投资(万元)"),
        ("start_date", "开工日期"),
        ("status", "项目状态"),
    ),
    "buildings": (
        ("park_id", "园区代码"),
        ("project_id", "项目代码"),
        ("building_no", "楼栋号"),
        ("date", "填报日期"),
        ("use", "用途"),
        ("floors_planned", "设计层数"),
        ("floors_built", "已建层数"),
        ("stage", "形象进度"),
    ),
    "hazards": (
        ("park_id", "园区代码"),
        ("hazard_id", "隐患编号"),
        ("enterprise_id", "企业代码"),
        ("inspection_date", "排查日期"),
        ("category", "隐患类别"),
        ("severity", "隐患等级"),
        ("deadline", "整改期限"),
        ("rectified_date", "整改完成日期"),
        ("recheck_date", "复查日期"),
        ("recheck_passed", "复查通过"),
    ),
    "relocations": (
        ("park_id", "园区代码"),
        ("relocation_id", "编号"),
        ("enterprise_id", "企业代码"),
        ("status", "进展"),
        ("status_date", "进展日期"),
        ("land_freed", "腾退土地(亩)"),
        ("parcel_ids", "涉及地块"),
    ),
    "published": (
        ("park_id", "园区代码"),
        ("indicator_id", "指标代码"),
        ("period", "时期"),
        ("value", "数值"),
        ("unit", "单位"),
        ("yoy_pct", "同比(%)"),
        ("source", "来源"),
    ),
}


def build_sample() -> dict[str, str]:
    """Return the embedded sample as ``{file name: text}`` (pure, deterministic)."""
    rng = np.random.default_rng(SAMPLE_SEED)
    ents = sample_enterprises()
    parcels = build_land(rng, ents)
    # enterprises without land: production starts a few weeks after entry
    for e in ents:
        if e.role == "rent":
            if e.start is None:
                e.start = e.entry + timedelta(days=int(rng.integers(20, 110)))  # type: ignore[operator]
        elif e.role in ("idle", "building", "hanwo"):
            e.start = None
    ents.sort(key=lambda e: (e.entry, e.name))  # type: ignore[arg-type, return-value]
    for n, e in enumerate(ents, 1):
        e.eid = f"GMY{n:03d}"

    m = simulate(rng, ents)
    ints = calibrate(m)
    order = np.lexsort((m.mi, m.ent))

    files: dict[str, str] = {"park.yaml": PARK_YAML}
    hdr = {t: [zh for _, zh in cols] for t, cols in HEADERS.items()}
    files["enterprises.csv"] = csv_text(
        hdr["enterprises"],
        [
            (
                PARK_ID,
                e.eid,
                e.name,
                e.code,
                e.kind,
                date_text(e.entry),
                date_text(e.start),
                date_text(e.exit),
                ";".join(e.parcels),
            )
            for e in ents
        ],
    )
    cols = list(TARGET_YOY)  # output, va, revenue, tax, employees, fai
    monthly_rows = []
    for k in order:
        monthly_rows.append(
            (
                PARK_ID,
                ents[m.ent[k]].eid,
                month_text(int(m.mi[k])),
                *(opt(int(ints[c][k]), tenths=c != "employees") for c in cols),
            )
        )
    files["monthly_stats.csv"] = csv_text(hdr["monthly_stats"], monthly_rows)

    above = above_size_rows(ents, m, ints["revenue_wan_yuan"])
    files["above_size.csv"] = csv_text(
        hdr["above_size"], [(PARK_ID, eid, str(y), yn(f)) for eid, y, f in above]
    )
    files["parcels.csv"] = csv_text(
        hdr["parcels"],
        [
            (
                PARK_ID,
                p.pid,
                "P1",
                tenths_text(p.area),
                p.planned_use,
                p.current_use or p.planned_use if p.supply_status == "已供" else p.current_use,
                "已报批",
                date_text(p.approval_date),
                p.supply_status,
                p.supply_method,
                date_text(p.supply_date),
                p.transferee,
                p.project_id,
                p.resettlement,
                p.construction,
                opt(p.floor_area, False),
                opt(p.footprint, False),
                opt(p.investment),
                opt(p.price),
            )
            for p in parcels
        ],
    )
    files["projects.csv"] = csv_text(
        hdr["projects"],
        [
            (PARK_ID, pid, name, eid, kind, tenths_text(inv), date_text(start), status)
            for pid, name, eid, kind, inv, start, status in project_rows(ents)
        ],
    )
    brow = []
    for pid, b, use, top, floors, stages in building_plan():
        for d, f, s in zip(PROGRESS_DATES, floors, stages, strict=True):
            brow.append((PARK_ID, pid, b, date_text(d), use, str(top), str(f), s))
    brow.sort(key=lambda r: (r[1], _bkey(r[2]), r[3]))
    files["buildings.csv"] = csv_text(hdr["buildings"], brow)

    may = m.mi == month_index(2016, 5)
    staff = {ents[i].eid: int(v) for i, v in zip(m.ent[may], ints["employees"][may], strict=True)}
    files["hazards.csv"] = csv_text(
        hdr["hazards"],
        [
            (
                PARK_ID,
                hid,
                eid,
                date_text(a),
                cat,
                sev,
                date_text(dl),
                date_text(done),
                date_text(rc),
                yn(ok),
            )
            for hid, eid, a, cat, sev, dl, done, rc, ok in hazard_rows(rng, ents, staff)
        ],
    )
    by = {e.name: e for e in ents}
    area = {p.pid: p.area for p in parcels}

    def freed(name: str) -> tuple[str, str]:
        e = by[name]
        return tenths_text(sum(area[p] for p in e.parcels)), ";".join(e.parcels)

    files["relocations.csv"] = csv_text(
        hdr["relocations"],
        [
            (
                PARK_ID,
                "BQ-01",
                by["阜阳市九州华隆家具有限公司"].eid,
                "洽谈中",
                "2016-05-20",
                *freed("阜阳市九州华隆家具有限公司"),
            ),
            (
                PARK_ID,
                "BQ-02",
                by["阜阳市九州方圆文仪家具有限公司"].eid,
                "洽谈中",
                "2016-05-20",
                *freed("阜阳市九州方圆文仪家具有限公司"),
            ),
            (
                PARK_ID,
                "BQ-03",
                by["阜阳市九州兰天家具有限公司"].eid,
                "已签协议",
                "2015-11-20",
                *freed("阜阳市九州兰天家具有限公司"),
            ),
            (
                PARK_ID,
                "BQ-04",
                by["阜阳市九州兰天家具有限公司"].eid,
                "拆除中",
                "2016-06-15",
                *freed("阜阳市九州兰天家具有限公司"),
            ),
        ],
    )
    files["published.csv"] = csv_text(hdr["published"], published_rows(ents, m, ints, above))
    return files


def _bkey(b: str) -> tuple[int, str]:
    digits = "".join(ch for ch in b.split("#")[0] if ch.isdigit())
    return (int(digits) if digits and b.split("#")[0].isdigit() else 999, b)


def write_sample(out_dir: str | os.PathLike, *, overwrite: bool = False) -> list[Path]:
    """Write the embedded sample park (park.yaml and CSV tables) to ``out_dir``.

    Byte-for-byte reproducible. Refuses to replace a non-empty folder that does not look
    like an earlier output of this module unless ``overwrite=True``. Returns the paths
    written, in a fixed order.
    """
    files = build_sample()
    return write_folder(out_dir, {n: text_writer(t) for n, t in files.items()}, overwrite)
