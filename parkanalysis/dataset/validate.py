"""Rules across rows and tables: references, date order, land status, plausibility.

Each check reads the parsed tables (:class:`~parkanalysis.dataset.tables.TableData`, whose
frames still carry the Excel row ``_row``) and reports to a
:class:`~parkanalysis.dataset.findings.Findings`; nothing is raised and nothing is dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.profile import DECLARED_KEYS, Profile
from parkanalysis.dataset.schema import MONTHLY_VALUE_COLUMNS, PUBLIC_LAND_USES
from parkanalysis.dataset.stats_checks import check_structure
from parkanalysis.dataset.tables import TableData
from parkanalysis.units import convert

#: Plausibility limits of ``absurd_value`` (warnings).
ABSURD_MONEY_WAN_YUAN = 1e7
ABSURD_EMPLOYEES = 1e5
ABSURD_AREA_MU = 1e5
#: Declared and ledger areas closer than this (亩) count as equal.
LEDGER_TOLERANCE_MU = 0.5


def check_dataset(profile: Profile | None, tables: dict[str, TableData], findings: Findings):
    """Run every cross-row and cross-table rule of data/README.md.

    Returns the :class:`~parkanalysis.dataset.completeness.Completeness` of the statistics
    (None without statistics or registry).
    """
    from parkanalysis.dataset.logic import check_logic

    stats = tables.get("monthly_stats") or tables.get("cumulative_stats")
    status = check_logic(profile, tables, findings)  # completeness first: the data's end
    if profile is not None:
        _check_parks(profile, tables, findings)
        _check_phases(profile, tables.get("parcels"), findings)
    ent = tables.get("enterprises")
    ent_keys = _keyset(ent, "enterprise_id")
    parcel_keys = _keyset(tables.get("parcels"), "parcel_id")
    project_keys = _keyset(tables.get("projects"), "project_id")
    for name, column, keys, what in (
        ("monthly_stats", "enterprise_id", ent_keys, "企业名录"),
        ("cumulative_stats", "enterprise_id", ent_keys, "企业名录"),
        ("above_size", "enterprise_id", ent_keys, "企业名录"),
        ("projects", "enterprise_id", ent_keys, "企业名录"),
        ("hazards", "enterprise_id", ent_keys, "企业名录"),
        ("relocations", "enterprise_id", ent_keys, "企业名录"),
        ("parcels", "project_id", project_keys, "建设项目表"),
        ("buildings", "project_id", project_keys, "建设项目表"),
        ("enterprises", "parcel_ids", parcel_keys, "土地台账"),
        ("relocations", "parcel_ids", parcel_keys, "土地台账"),
    ):
        td = tables.get(name)
        if td is not None and keys is not None:
            _check_reference(td, column, keys, what, findings)
    if ent is not None:
        _check_order(ent, "exit_date", "entry_date", "退出日期早于入园日期", findings)
        _check_order(ent, "exit_date", "production_start_date", "退出日期早于投产日期", findings)
        _check_enterprise_land(ent, findings)
    if tables.get("parcels") is not None:
        _check_parcels(tables["parcels"], findings)
    if tables.get("hazards") is not None:
        h = tables["hazards"]
        _check_order(h, "deadline", "inspection_date", "整改期限早于排查日期", findings)
        _check_order(h, "rectified_date", "inspection_date", "整改完成日期早于排查日期", findings)
        _check_order(h, "recheck_date", "inspection_date", "复查日期早于排查日期", findings)
    if tables.get("buildings") is not None:
        _check_floors(tables["buildings"], findings)
    if stats is not None:
        _check_stats(stats, findings)
        if profile is not None:
            _check_growth(stats, profile, findings, status)
    if profile is not None:
        _check_ledger(profile, tables.get("parcels"), findings)
    check_structure(profile, tables, findings)
    return status


# -- references -------------------------------------------------------------------------------


def _keyset(td: TableData | None, column: str) -> set[tuple[str, str]] | None:
    if td is None:
        return None
    f = td.frame
    return set(zip(f["park_id"].astype("str"), f[column].astype("str"), strict=True))


def _check_parks(profile: Profile, tables: dict[str, TableData], findings: Findings) -> None:
    known = set(profile.parks)
    for td in tables.values():
        col = td.frame["park_id"]
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        unknown_u = np.array([u not in known for u in uniques] + [False])
        bad = unknown_u[codes]
        td_rows = td.frame["_row"].to_numpy()
        findings.add_mask(
            "unknown_reference",
            bad,
            file=td.file,
            rows=td_rows,
            column=td.header("park_id"),
            values=col.to_numpy(dtype=object),
            message=f"园区代码不在 park.yaml 中(已定义:{'、'.join(sorted(known))});"
            "请改正代码或在 park.yaml 中添加该园区",
        )


def _check_phases(profile: Profile, parcels: TableData | None, findings: Findings) -> None:
    if parcels is None:
        return
    f = parcels.frame
    pairs = pd.factorize(pd.Series(list(zip(f["park_id"], f["phase_id"], strict=True))))
    codes, uniques = pairs
    bad_u = []
    for park, phase in uniques:
        info = profile.parks.get(park)
        bad_u.append(info is not None and isinstance(phase, str) and phase not in info.phases)
    bad = np.array([*bad_u, False])[codes]
    findings.add_mask(
        "unknown_reference",
        bad,
        file=parcels.file,
        rows=f["_row"].to_numpy(),
        column=parcels.header("phase_id"),
        values=f["phase_id"].to_numpy(dtype=object),
        message=lambda i: (
            f"期别不在 park.yaml 园区 {f['park_id'].iat[i]} 的 phases 中"
            f"(已定义:{'、'.join(profile.parks[f['park_id'].iat[i]].phases) or '无'});"
            "请改正期别或在 park.yaml 中添加"
        ),
    )


def _check_reference(td: TableData, column: str, keys: set, what: str, findings: Findings) -> None:
    f = td.frame
    park = f["park_id"].astype("str").to_numpy(dtype=object)
    values = f[column].to_numpy(dtype=object)
    if column.endswith("_ids"):
        bad = np.zeros(len(f), dtype=bool)
        shown = np.empty(len(f), dtype=object)
        for i, (p, ids) in enumerate(zip(park, values, strict=True)):
            missing = [x for x in ids if (p, x) not in keys]
            if missing:
                bad[i] = True
                shown[i] = "、".join(missing)
        values = shown
        msg = f"地块编号不在{what}中;请核对编号或先在{what}中登记该地块"
    else:
        bad = _unknown_keys(f, column, keys)
        label = {"enterprise_id": "企业代码", "project_id": "项目代码"}.get(column, column)
        msg = f"{label}不在{what}中;请核对代码,或先在{what}中登记"
    findings.add_mask(
        "unknown_reference",
        bad,
        file=td.file,
        rows=f["_row"].to_numpy(),
        column=td.header(column),
        values=values,
        message=msg,
    )


def _unknown_keys(f: pd.DataFrame, column: str, keys: set) -> np.ndarray:
    """Rows whose ``(park_id, column)`` is filled and not in ``keys`` (once per distinct pair).

    A row without a park is unknown only when its value is in no park: a blank park is said
    where it is read (``missing_value`` on the park cell; an enterprise of several parks in
    statistics without a park column), not as a value missing from the register."""
    filled = f[column].notna().to_numpy()
    pc, pu = pd.factorize(f["park_id"], use_na_sentinel=True)
    vc, vu = pd.factorize(f[column], use_na_sentinel=True)
    combo = pc.astype("int64") * (len(vu) + 1) + (vc + 1)
    uniq, inverse = np.unique(combo, return_inverse=True)
    anywhere = {value for _park, value in keys}

    def unknown(u: int) -> bool:
        park, value = u // (len(vu) + 1), u % (len(vu) + 1)
        if value == 0:
            return False
        if park < 0:
            return vu[value - 1] not in anywhere
        return (pu[park], vu[value - 1]) not in keys

    unknown_u = np.array([unknown(int(u)) for u in uniq], dtype=bool)
    return unknown_u[inverse.ravel()] & filled


# -- dates, land, buildings -------------------------------------------------------------------


def _check_order(td: TableData, later: str, earlier: str, what: str, findings: Findings) -> None:
    f = td.frame
    a, b = f[later], f[earlier]
    bad = (a.notna() & b.notna() & (a < b)).to_numpy()
    findings.add_mask(
        "dates_out_of_order",
        bad,
        file=td.file,
        rows=f["_row"].to_numpy(),
        column=td.header(later),
        values=a.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
        message=lambda i: f"{what}({b.iat[i]:%Y-%m-%d});请核对两个日期",
    )


def _check_enterprise_land(ent: TableData, findings: Findings) -> None:
    f = ent.frame
    producing = (f["kind"] == "工业") & f["production_start_date"].notna() & f["exit_date"].isna()
    no_land = np.array([len(x) == 0 for x in f["parcel_ids"]], dtype=bool)
    if "land_area_mu" in f.columns:  # the register's own 用地面积 serves 亩均 figures
        no_land &= ~(f["land_area_mu"].to_numpy(dtype="float64", na_value=np.nan) > 0)
    findings.add_mask(
        "enterprise_without_land",
        producing.to_numpy() & no_land,
        file=ent.file,
        rows=f["_row"].to_numpy(),
        column=ent.header("parcel_ids"),
        values=f["enterprise_id"].to_numpy(dtype=object),
        message="已投产的工业企业没有登记用地地块(也没有用地面积),亩均效益无法计算;"
        "请在「用地地块」中填写地块编号,或填写「用地面积」",
    )


def _check_parcels(td: TableData, findings: Findings) -> None:
    f = td.frame
    rows = f["_row"].to_numpy()
    supplied = (f["supply_status"] == "已供").to_numpy()
    public = f["planned_use"].isin(PUBLIC_LAND_USES).to_numpy()
    findings.add_mask(
        "public_land_supplied",
        supplied & public,
        file=td.file,
        rows=rows,
        column=td.header("supply_status"),
        values=f["planned_use"].to_numpy(dtype=object),
        message="道路、绿地、水域是公共用地,标为已供(如划拨给交通部门)照实记录;"
        "它不计入已供应土地和工业用地的各项比率(按规程),请核对规划用途是否写对",
        severity="warning",
    )
    for col, what in (("supply_date", "供地日期"), ("supply_method", "供地方式")):
        findings.add_mask(
            "supplied_without_date",
            supplied & ~public & f[col].isna().to_numpy(),
            file=td.file,
            rows=rows,
            column=td.header(col),
            values=None,
            message=f"地块标为已供,但{what}为空;请填写{what},或把供应状态改为「未供」",
        )
    _check_order(td, "supply_date", "approval_date", "供地日期早于报批日期", findings)
    area = f["area_mu"].to_numpy(dtype="float64", na_value=np.nan)
    foot = f["footprint_m2"].to_numpy(dtype="float64", na_value=np.nan)
    area_m2 = convert(area, "亩", "平方米")
    findings.add_mask(
        "footprint_above_area",
        foot > area_m2 + 1e-6,
        file=td.file,
        rows=rows,
        column=td.header("footprint_m2"),
        values=foot,
        message=lambda i: f"建筑基底面积大于地块面积({area_m2[i]:.0f} 平方米);请核对面积和单位",
    )
    findings.add_mask(
        "absurd_value",
        area > ABSURD_AREA_MU,
        file=td.file,
        rows=rows,
        column=td.header("area"),
        values=area,
        message=f"单个地块面积超过 {ABSURD_AREA_MU:.0f} 亩,疑似单位错误(公顷/平方米);请核对",
    )


def _check_floors(td: TableData, findings: Findings) -> None:
    f = td.frame
    built = f["floors_built"].to_numpy(dtype="float64", na_value=np.nan)
    planned = f["floors_planned"].to_numpy(dtype="float64", na_value=np.nan)
    findings.add_mask(
        "floors_exceed_plan",
        built > planned,
        file=td.file,
        rows=f["_row"].to_numpy(),
        column=td.header("floors_built"),
        values=built,
        message=lambda i: f"已建层数大于设计层数({planned[i]:.0f} 层);请核对",
    )


# -- statistics -------------------------------------------------------------------------------


def _check_stats(td: TableData, findings: Findings) -> None:
    f = td.frame
    rows = f["_row"].to_numpy()
    out = f["output_wan_yuan"].to_numpy(dtype="float64", na_value=np.nan)
    va = f["value_added_wan_yuan"].to_numpy(dtype="float64", na_value=np.nan)
    findings.add_mask(
        "value_added_above_output",
        va > out + 1e-9,
        file=td.file,
        rows=rows,
        column=td.header("value_added_wan_yuan"),
        values=va,
        message=lambda i: (
            f"工业增加值大于工业总产值({out[i]:g} 万元);请核对两列是否填反或单位不一致"
        ),
    )
    for col in MONTHLY_VALUE_COLUMNS:
        v = f[col].to_numpy(dtype="float64", na_value=np.nan)
        limit = ABSURD_EMPLOYEES if col == "employees" else ABSURD_MONEY_WAN_YUAN
        unit = "人" if col == "employees" else "万元"
        findings.add_mask(
            "absurd_value",
            v > limit,
            file=td.file,
            rows=rows,
            column=td.header(col),
            values=v,
            message=f"数值超过 {limit:.0e} {unit},疑似单位错误(元/万元);请核对",
        )


def _check_growth(td: TableData, profile: Profile, findings: Findings, status=None) -> None:
    """``growth_outlier``: 1-N月 of the data's last complete month vs a year earlier.

    The month is the latest "data complete to" month of the parks when ``status`` (a
    :class:`~parkanalysis.dataset.completeness.Completeness`) has one: a stray late row must
    not replace the comparison.
    """
    f = td.frame
    ok = f["year"].to_numpy() > 0
    if not ok.any():
        return
    ym = f["year"].to_numpy() * 100 + f["month"].to_numpy()
    last = int(ym[ok].max())
    if status is not None and status.complete_to:
        last = min(last, max(y * 100 + m for y, m in status.complete_to.values()))
    year, month = divmod(last, 100)
    cumulative = td.spec.name == "cumulative_stats"
    cols = ["output_wan_yuan", "revenue_wan_yuan", "tax_wan_yuan"]
    keys = ["park_id", "enterprise_id"]

    def level(y: int) -> pd.DataFrame:
        if cumulative:
            sub = f[(f["year"] == y) & (f["month"] == month)]
            return sub.groupby(keys, observed=True)[cols].sum(min_count=1)
        sub = f[(f["year"] == y) & (f["month"] >= 1) & (f["month"] <= month)]
        return sub.groupby(keys, observed=True)[cols].sum(min_count=1)

    cur, prev = level(year), level(year - 1)
    if cur.empty or prev.empty:
        return
    both = cur.join(prev.add_suffix("_prev"), how="inner")
    latest = f[(f["year"] == year) & (f["month"] == month)]
    # the frame position of each enterprise's latest row (rows repeat across sheets)
    latest_pos = pd.Series(f.index.get_indexer(latest.index), index=latest.set_index(keys).index)
    latest_pos = latest_pos[~latest_pos.index.duplicated()]
    all_rows = f["_row"].to_numpy()
    id_column = td.id_column()
    parks = both.index.get_level_values(0)
    pct = np.array(
        [
            profile.parks[p].config["growth_warning_pct"] if p in profile.parks else 50
            for p in parks
        ],
        dtype="float64",
    )
    for col in cols:
        a = both[col].to_numpy(dtype="float64", na_value=np.nan)
        b = both[f"{col}_prev"].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = (a / b - 1) * 100
        flagged = np.flatnonzero(np.isfinite(growth) & (b > 0) & (np.abs(growth) > pct))
        for i in flagged:
            park, eid = both.index[i]
            g = growth[i]
            at = latest_pos.get((park, eid))
            row = None if at is None else int(all_rows[at])
            shown = td.as_written(row, id_column, at)
            who = f"「{shown}」({eid})" if shown is not None and str(shown) != eid else f" {eid} "
            findings.add(
                "growth_outlier",
                f"企业{who}{year}年1-{month}月{td.spec.column(col).zh} {a[i]:g} 万元,"
                f"比上年同期 {b[i]:g} 万元{'增长' if g > 0 else '下降'} {abs(g):.1f}%"
                f"(超过 ±{pct[i]:g}%);请核对是否录入错误或单位错误",
                file=td.file,
                row=row,
                column=td.header(col),
                # the value of the cell named (the latest month's), not the enterprise's code
                value=td.as_written(row, col, at),
                at=at,
                rows=all_rows,
            )


def _check_ledger(profile: Profile, parcels: TableData | None, findings: Findings) -> None:
    """``ledger_not_closed``: declared parts vs total, and ledger sums vs declared figures."""
    sums = None
    if parcels is not None and len(parcels.frame):
        f = parcels.frame
        part = np.where(
            f["planned_use"].isin(PUBLIC_LAND_USES),
            f["planned_use"].map({"道路": "road", "绿地": "green", "水域": "water"}),
            "usable",
        )
        g = pd.DataFrame(
            {"park_id": f["park_id"], "phase_id": f["phase_id"], "part": part, "a": f["area_mu"]}
        )
        sums = g.groupby(["park_id", "phase_id", "part"])["a"].sum()
        totals = g.groupby(["park_id", "phase_id"])["a"].sum()
    for park in profile.parks.values():
        for ph in park.phases.values():
            d = ph.declared_mu
            where = f"{park.name}{ph.name}"
            parts = [d[k] for k in ("road", "green", "water", "usable") if k in d]
            if "total" in d and len(parts) == 4:
                residual = d["total"] - sum(parts)
                if abs(residual) > LEDGER_TOLERANCE_MU:
                    findings.add(
                        "ledger_not_closed",
                        f"{where}申报总面积 {d['total']:g} 亩 ≠ 道路 {d['road']:g} + 绿地 "
                        f"{d['green']:g} + 水域 {d['water']:g} + 可利用 {d['usable']:g} = "
                        f"{sum(parts):g} 亩,差额 {residual:g} 亩(报表中列为「未核对面积」);"
                        "如属口径差异可保留,否则请核对 park.yaml",
                        file="park.yaml",
                        column=f"{park.park_id}.{ph.phase_id}.declared",
                        value=round(residual, 4),
                    )
            if sums is None or (park.park_id, ph.phase_id) not in totals.index:
                continue
            ledger = {
                k: float(sums.get((park.park_id, ph.phase_id, k), 0.0))
                for k in ("road", "green", "water", "usable")
            }
            ledger["total"] = float(totals[(park.park_id, ph.phase_id)])
            if _ledger_unit_mixup(where, d, ledger, parcels, park, ph, findings):
                continue
            for key, zh in DECLARED_KEYS.items():
                if key not in d:
                    continue
                diff = d[key] - ledger[key]
                if abs(diff) > LEDGER_TOLERANCE_MU:
                    findings.add(
                        "ledger_not_closed",
                        f"{where}土地台账{zh}合计 {ledger[key]:g} 亩 ≠ 申报{zh} {d[key]:g} 亩,"
                        f"差额 {diff:g} 亩;请核对台账是否漏登地块,或在报告中说明差额",
                        file=parcels.file,
                        column=f"{park.park_id}.{ph.phase_id}.{key}",
                        value=round(diff, 4),
                    )


def _ledger_unit_mixup(where, declared, ledger, parcels, park, ph, findings) -> bool:
    """``unit_suspect`` when the ledger total is the declared total times a unit factor."""
    from parkanalysis.dataset.logic import area_unit_factor

    if "total" not in declared:
        return False
    units = area_unit_factor(declared["total"], ledger["total"])
    if units is None:
        return False
    meant, written = units
    findings.add(
        "unit_suspect",
        f"{where}土地台账面积合计 {ledger['total']:g} 与申报规划总面积 {declared['total']:g} 亩"
        f"相差约一个单位换算倍数:台账面积疑似以「{meant}」填写,而表头按「{written}」换算"
        f"(是单位问题,并非台账缺少地块);请改正土地台账「{parcels.header('area')}」列的单位",
        file=parcels.file,
        column=parcels.header("area"),
        value=round(ledger["total"], 4),
    )
    return True
