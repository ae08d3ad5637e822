"""The statistician's logic checks: completeness, flows, dates, land use and units.

Modelled on the statistics bureau's review of 联网直报 returns: completeness (报送率, 缺报,
迟报), logical checks within a table (本期累计 ≥ 上期累计, 增加值 ≤ 总产值 …) and consistency
across tables. Each rule is *hard* (an error: the data must be fixed) or *soft* (a warning:
the data are used, the finding must be explained); :data:`LOGIC_WARNINGS` lists the soft ones.

Rules (ids as in the findings):

* ``future_month`` (hard): a statistics row dated after the current month.
* ``missing_report`` (soft, 缺报): an expected enterprise-month without a row; one finding per
  enterprise naming its missing months (see :mod:`parkanalysis.dataset.completeness`).
* ``late_reports`` (soft, 迟报): a month after the park's "data complete to" month; its rows
  are kept but do not move the data's end.
* ``cumulative_decreasing`` (hard): a 1-N月 figure of a flow below the 1-(N−1)月 figure of
  the same enterprise and year (it would become a negative monthly value).
* ``monthly_looks_cumulative`` (hard): in a monthly table, an enterprise without January
  rows whose output never decreases within any year (two years or more, four months each):
  1-N月 figures filed as monthly ones.
* ``stats_after_exit`` (hard), ``stats_before_entry`` (hard), ``stats_before_production``
  (soft: 试生产 may report): statistics months against the registry's dates.
* ``production_before_entry`` (soft): 投产日期 earlier than 入园日期.
* ``enterprise_on_public_land`` / ``enterprise_on_unsupplied_land`` (hard): an enterprise's
  parcel is a road, green or water parcel, or is not supplied (未供).
* ``nonpositive_area`` (hard): a parcel's area is 0 or negative.
* ``unit_suspect`` (hard): a money column whose ratio to the others (tax/revenue, value
  added/output, output per employee) is off by a unit factor (10⁴), or a ledger whose total
  differs from the declared total by a unit factor (15, 666.67, 1500, 10⁴); the message names
  the unit that was probably meant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parkanalysis.dataset.completeness import (
    DEFAULT_MIN_REPORTING_RATE,
    month_ranges,
    reporting_status,
    today_t,
)
from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.profile import Profile
from parkanalysis.dataset.schema import PUBLIC_LAND_USES
from parkanalysis.dataset.tables import TableData
from parkanalysis.units import UNIT_FACTORS

#: Soft rules of this module (warnings; every other rule here is an error).
LOGIC_WARNINGS = frozenset(
    {"missing_report", "late_reports", "stats_before_production", "production_before_entry"}
)

#: Flow columns of the statistics (stocks such as 从业人员 may go down).
FLOWS = (
    "output_wan_yuan",
    "value_added_wan_yuan",
    "revenue_wan_yuan",
    "tax_wan_yuan",
    "fixed_asset_investment_wan_yuan",
)


def check_logic(
    profile: Profile | None,
    tables: dict[str, TableData],
    findings: Findings,
    *,
    today: tuple[int, int] | None = None,
):
    """Run every rule of this module on the parsed tables; return the Completeness (or None)."""
    stats = tables.get("monthly_stats") or tables.get("cumulative_stats")
    ent = tables.get("enterprises")
    parcels = tables.get("parcels")
    status = None
    if stats is not None:
        _check_future(stats, findings, today)
        if stats.spec.name == "cumulative_stats":
            _check_cumulative_decreasing(stats, findings)
        else:
            _check_looks_cumulative(stats, findings)
        _check_units(stats, findings)
        if ent is not None:
            status = _check_completeness(profile, stats, ent, findings, today)
            _check_activity_dates(stats, ent, findings)
    if ent is not None:
        _check_production_before_entry(ent, findings)
        if parcels is not None:
            _check_enterprise_parcels(ent, parcels, findings)
    if parcels is not None:
        _check_area(parcels, findings)
    return status


def _add(findings: Findings, rule: str, message: str, **kw) -> None:
    findings.add(rule, message, severity="warning" if rule in LOGIC_WARNINGS else "error", **kw)


# -- completeness ------------------------------------------------------------------------------


def _check_future(td: TableData, findings: Findings, today) -> None:
    f = td.frame
    t = f["year"].to_numpy(dtype="int64") * 12 + f["month"].to_numpy(dtype="int64") - 1
    bad = t > today_t(today)
    for i in np.flatnonzero(bad)[:50]:
        _add(
            findings,
            "future_month",
            f"企业 {f['enterprise_id'].iat[i]} 的统计月份 {f['year'].iat[i]}年{f['month'].iat[i]}月"
            "晚于当前月份,不可能已有统计;该行不计入数据,请改正月份或删除该行",
            file=td.file,
            row=f["_row"].iat[i],
            column=td.header("month"),
            value=f"{f['year'].iat[i]}-{f['month'].iat[i]:02d}",
            at=i,
            rows=f["_row"].to_numpy(),
        )
    if bad.sum() > 50:
        more = int(bad.sum()) - 50
        _add(findings, "future_month", f"另有 {more} 行统计月份晚于当前月份", file=td.file)


def thresholds_of(profile: Profile | None) -> dict[str, float]:
    """``completeness.min_reporting_rate`` of every park (default when absent)."""
    if profile is None:
        return {}
    return {
        pid: float(
            (p.config.get("completeness") or {}).get(
                "min_reporting_rate", DEFAULT_MIN_REPORTING_RATE
            )
        )
        for pid, p in profile.parks.items()
    }


def _check_completeness(profile, stats: TableData, ent: TableData, findings, today) -> None:
    jan_feb = bool(profile.config.get("jan_feb_combined", True)) if profile else True
    c = reporting_status(
        ent.frame,
        stats.frame,
        thresholds=thresholds_of(profile),
        jan_feb_combined=jan_feb,
        today=today,
    )
    f = stats.frame
    all_rows = f["_row"].to_numpy()
    # each enterprise's latest row, by position (Excel rows repeat across sheets)
    order = pd.DataFrame(
        {
            "p": f["park_id"].astype("str").to_numpy(),
            "e": f["enterprise_id"].astype("str").to_numpy(),
            "t": f["year"].to_numpy(dtype="int64") * 12 + f["month"].to_numpy(dtype="int64"),
            "pos": np.arange(len(f)),
        }
    ).sort_values("t", kind="stable")
    last_pos = order.groupby(["p", "e"])["pos"].last()
    id_column = stats.id_column()  # the cell that identifies the enterprise, as written
    miss = c.missing
    if len(miss):  # months after the data's complete end are one late_reports finding each
        end = miss["park_id"].map({p: y * 12 + m - 1 for p, (y, m) in c.complete_to.items()})
        miss = miss[(miss["year"] * 12 + miss["month"] - 1) <= end]
    for (park, eid), g in miss.groupby(["park_id", "enterprise_id"], sort=True):
        months = list(zip(g["year"], g["month"], strict=True))
        at = last_pos.get((park, eid))
        row = None if at is None else int(all_rows[at])
        shown = stats.as_written(row, id_column, at)
        shown = None if shown is None else str(shown)
        who = f" {eid}(园区 {park})"
        if shown and shown != eid:
            who = f"「{shown}」({eid},园区 {park})"
        _add(
            findings,
            "missing_report",
            f"企业{who}在产未退出,但缺报 {len(months)} 个月:{month_ranges(months)}"
            ";该企业这些月份的数据未计入合计,同比增速不把它计入同口径。请补报,"
            "或在企业名录中填写退出日期",
            file=stats.file,
            row=row,
            # the cell holding the value shown: the code, or the name it was looked up from
            column=stats.header(id_column if shown else "enterprise_id"),
            value=shown or eid,
            at=at,
            rows=all_rows,
        )
    r = c.rates
    for park, end in c.complete_to.items():
        t_end = end[0] * 12 + end[1] - 1
        t = r["year"] * 12 + r["month"] - 1
        late = r[(r["park_id"] == park) & (t > t_end)]
        for row in late.itertuples():
            rate = "—" if np.isnan(row.rate) else f"{row.rate * 100:.1f}%"
            _add(
                findings,
                "late_reports",
                f"园区 {park} {row.year}年{row.month}月应报 {row.expected} 家、实报 "
                f"{row.reported} 家(报送率 {rate}),低于 park.yaml 的 completeness."
                f"min_reporting_rate({c.thresholds.get(park, DEFAULT_MIN_REPORTING_RATE):g});"
                f"数据完整至 {end[0]}年{end[1]}月,该月不计入数据期末;"
                "报告此月份的期间须等各企业报齐,或使用 --allow-incomplete",
                file=stats.file,
                column=stats.header("month"),
                value=f"{row.year}-{row.month:02d}",
            )
    return c


# -- flows ---------------------------------------------------------------------------------------


def _check_cumulative_decreasing(td: TableData, findings: Findings) -> None:
    f = td.frame.sort_values(["park_id", "enterprise_id", "year", "month"], kind="stable")
    same = (
        (f["park_id"].to_numpy() == np.roll(f["park_id"].to_numpy(), 1))
        & (f["enterprise_id"].to_numpy() == np.roll(f["enterprise_id"].to_numpy(), 1))
        & (f["year"].to_numpy() == np.roll(f["year"].to_numpy(), 1))
    )
    if len(same):
        same[0] = False
    for col in FLOWS:
        v = f[col].to_numpy(dtype="float64", na_value=np.nan)
        prev = np.roll(v, 1)
        bad = same & (v < prev - 1e-6)
        for i in np.flatnonzero(bad)[:50]:
            _add(
                findings,
                "cumulative_decreasing",
                f"企业 {f['enterprise_id'].iat[i]} {f['year'].iat[i]}年1-{f['month'].iat[i]}月"
                f"{td.spec.column(col).zh}累计 {v[i]:g} 万元,小于上期累计 {prev[i]:g} 万元;"
                "累计值只增不减,否则折算出负的当月值。请核对是否填了当月值或填错月份",
                file=td.file,
                row=f["_row"].iat[i],
                column=td.header(col),
                value=v[i],
                at=td.frame.index.get_loc(f.index[i]),
                rows=td.frame["_row"].to_numpy(),
            )


def _check_looks_cumulative(td: TableData, findings: Findings) -> None:
    f = td.frame[["park_id", "enterprise_id", "year", "month", "output_wan_yuan", "_row"]]
    f = f.assign(park_id=f["park_id"].astype("str"), enterprise_id=f["enterprise_id"].astype("str"))
    f = f.sort_values(["park_id", "enterprise_id", "year", "month"], kind="stable")
    keys = ["park_id", "enterprise_id"]
    jan = f["month"].to_numpy() == 1
    with_jan = pd.MultiIndex.from_arrays([f["park_id"][jan], f["enterprise_id"][jan]]).unique()
    f = f[~pd.MultiIndex.from_arrays([f["park_id"], f["enterprise_id"]]).isin(with_jan)]
    if f.empty:
        return
    v = f.dropna(subset=["output_wan_yuan"])
    g = v.groupby([*keys, "year"], sort=False)["output_wan_yuan"]
    years = pd.DataFrame(
        {
            "n": g.size(),
            "up": g.diff().fillna(0).ge(0).groupby([v[k] for k in [*keys, "year"]]).all(),
            "grew": g.last() > g.first(),
        }
    )
    years = years[years["n"] >= 4]
    per = years.groupby(level=[0, 1]).agg(
        years=("n", "size"), up=("up", "all"), grew=("grew", "all")
    )
    hit = per[(per["years"] >= 2) & per["up"] & per["grew"]]
    first_row = f.groupby(keys)["_row"].min()
    for park, eid in hit.index:
        n = int(hit.loc[(park, eid), "years"])
        _add(
            findings,
            "monthly_looks_cumulative",
            f"企业 {eid}(园区 {park})在月度统计表中没有1月数据,且工业总产值在每一年内"
            f"逐月只增不减({n} 年):疑似把1-N月累计值填进了当月值表,合计会被放大数倍。"
            "请改填当月值,或把该表作为企业累计统计(cumulative_stats)提供",
            file=td.file,
            row=int(first_row[(park, eid)]),
            column=td.header("output_wan_yuan"),
            value=eid,
        )


# -- dates ----------------------------------------------------------------------------------------


def _check_activity_dates(stats: TableData, ent: TableData, findings: Findings) -> None:
    e = ent.frame[["park_id", "enterprise_id", "entry_date", "production_start_date", "exit_date"]]
    e = e.assign(park_id=e["park_id"].astype("str"), enterprise_id=e["enterprise_id"].astype("str"))
    e = e.drop_duplicates(["park_id", "enterprise_id"])
    f = stats.frame[["park_id", "enterprise_id", "year", "month", "_row"]]
    f = f.assign(
        park_id=f["park_id"].astype("str"),
        enterprise_id=f["enterprise_id"].astype("str"),
        _pos=np.arange(len(f)),
    )
    j = f.merge(e, on=["park_id", "enterprise_id"], how="inner")
    if j.empty:
        return
    t = j["year"].to_numpy(dtype="int64") * 12 + j["month"].to_numpy(dtype="int64") - 1

    def month_t(col):
        d = pd.to_datetime(j[col])
        return (d.dt.year * 12 + d.dt.month - 1).to_numpy(dtype="float64", na_value=np.nan)

    for rule, col, bad, what in (
        ("stats_after_exit", "exit_date", t > month_t("exit_date"), "退出日期"),
        ("stats_before_entry", "entry_date", t < month_t("entry_date"), "入园日期"),
        (
            "stats_before_production",
            "production_start_date",
            t < month_t("production_start_date"),
            "投产日期",
        ),
    ):
        idx = np.flatnonzero(bad)
        for eid, grp in pd.Series(idx).groupby(j["enterprise_id"].to_numpy()[idx]):
            rows = grp.to_numpy()
            months = sorted(
                zip(j["year"].to_numpy()[rows], j["month"].to_numpy()[rows], strict=True)
            )
            date = pd.Timestamp(j[col].iat[rows[0]])
            after = rule == "stats_after_exit"
            _add(
                findings,
                rule,
                f"企业 {eid} 的{what}为 {date:%Y-%m-%d},但{'之后' if after else '之前'}仍有"
                f"统计数据({month_ranges(months)},{len(rows)} 行);"
                + (
                    "退出后的数据会使规上企业数与规上产值口径不一,请删除这些行或改正退出日期"
                    if after
                    else f"请核对{what}或统计月份"
                ),
                file=stats.file,
                row=int(j["_row"].iat[rows[0]]),
                column=stats.header("month"),
                value=eid,
                at=int(j["_pos"].iat[rows[0]]),
                rows=stats.frame["_row"].to_numpy(),
            )


def _check_production_before_entry(ent: TableData, findings: Findings) -> None:
    f = ent.frame
    a, b = f["production_start_date"], f["entry_date"]
    bad = (a.notna() & b.notna() & (a < b)).to_numpy()
    for i in np.flatnonzero(bad):
        _add(
            findings,
            "production_before_entry",
            f"企业 {f['enterprise_id'].iat[i]} 的投产日期 {a.iat[i]:%Y-%m-%d} 早于入园日期 "
            f"{b.iat[i]:%Y-%m-%d};园区内投产不会早于入园,请核对两个日期",
            file=ent.file,
            row=f["_row"].iat[i],
            column=ent.header("production_start_date"),
            value=f"{a.iat[i]:%Y-%m-%d}",
        )


# -- land -----------------------------------------------------------------------------------------


def _check_enterprise_parcels(ent: TableData, parcels: TableData, findings: Findings) -> None:
    p = parcels.frame
    info = {
        (str(pk), str(pid)): (use, status)
        for pk, pid, use, status in zip(
            p["park_id"], p["parcel_id"], p["planned_use"], p["supply_status"], strict=True
        )
    }
    f = ent.frame
    for i, (park, eid, ids) in enumerate(
        zip(f["park_id"], f["enterprise_id"], f["parcel_ids"], strict=True)
    ):
        for pid in ids if isinstance(ids, tuple | list) else ():
            use, status = info.get((str(park), str(pid)), (None, None))
            if use in PUBLIC_LAND_USES:
                _add(
                    findings,
                    "enterprise_on_public_land",
                    f"企业 {eid} 登记的地块 {pid} 规划用途为「{use}」(公共用地),企业不能占用;"
                    "计入后每个亩均指标都会偏低。请改正企业的用地地块或地块的规划用途",
                    file=ent.file,
                    row=f["_row"].iat[i],
                    column=ent.header("parcel_ids"),
                    value=pid,
                )
            elif status is not None and status != "已供":
                _add(
                    findings,
                    "enterprise_on_unsupplied_land",
                    f"企业 {eid} 登记的地块 {pid} 在土地台账中为「{status}」,尚未供地;"
                    "请改正企业的用地地块,或在台账中填写供地信息",
                    file=ent.file,
                    row=f["_row"].iat[i],
                    column=ent.header("parcel_ids"),
                    value=pid,
                )


def _check_area(parcels: TableData, findings: Findings) -> None:
    f = parcels.frame
    area = f["area_mu"].to_numpy(dtype="float64", na_value=np.nan)
    findings.add_mask(
        "nonpositive_area",
        area <= 0,
        file=parcels.file,
        rows=f["_row"].to_numpy(),
        column=parcels.header("area"),
        values=area,
        message="地块面积应大于 0;请填写实际面积,未测量的地块请留空并说明",
    )


# -- units ----------------------------------------------------------------------------------------

#: Plausible ratios (median over the rows) of column ÷ reference in a statistics file.
#: (column, reference, low, high, what)
RATIO_RULES = (
    ("output_wan_yuan", "employees", 0.05, 500.0, "人均月产值(万元/人)"),
    ("value_added_wan_yuan", "output_wan_yuan", 0.03, 1.0, "增加值率"),
    ("revenue_wan_yuan", "output_wan_yuan", 0.2, 5.0, "营业收入与产值之比"),
    ("tax_wan_yuan", "revenue_wan_yuan", 0.0005, 0.5, "税收与营业收入之比"),
)
UNIT_FACTOR = 1e4  # 元 ↔ 万元


def _check_units(td: TableData, findings: Findings) -> None:
    """A column whose ratio to its reference sits a factor 10⁴ outside the plausible band."""
    f = td.frame
    wrong: set[str] = set()
    for col, ref, lo, hi, what in RATIO_RULES:
        if ref in wrong:
            continue
        a = f[col].to_numpy(dtype="float64", na_value=np.nan)
        b = f[ref].to_numpy(dtype="float64", na_value=np.nan)
        ok = ~np.isnan(a) & ~np.isnan(b) & (b > 0) & (a > 0)
        if ok.sum() < 3:
            continue
        ratio = float(np.median(a[ok] / b[ok]))  # a whole column moves, one outlier does not
        if lo <= ratio <= hi:
            continue
        header = td.header(col)
        for factor, meant, written in (
            (UNIT_FACTOR, "万元", "元"),
            (1 / UNIT_FACTOR, "元", "万元"),
        ):
            if lo <= ratio * factor <= hi:
                wrong.add(col)
                _add(
                    findings,
                    "unit_suspect",
                    f"{what}为 {ratio:.3g},超出合理范围 {lo:g}-{hi:g};乘以 {factor:g} 后为 "
                    f"{ratio * factor:.3g},正常。该列数值疑似以「{meant}」填写,而表头或单位"
                    f"按「{written}」换算;请改正表头「{header}」的单位",
                    file=td.file,
                    column=header,
                    value=round(float(ratio), 8),
                )
                break


#: Factors between area units, ``units.UNIT_FACTORS[a] / UNIT_FACTORS[b]`` → ``(a, b)``: a
#: ledger total off by one of these from the declared total is a unit mix-up (figures in
#: ``a`` read as ``b``), not missing parcels. (1 平方公里 = 100 公顷, 1 公顷 = 10⁴ 平方米.)
AREA_FACTORS = {
    float(fa / fb): (a, b)
    for a, (family_a, fa) in UNIT_FACTORS.items()
    for b, (family_b, fb) in UNIT_FACTORS.items()
    if family_a == family_b == "area" and a != b
}


def area_unit_factor(declared_mu: float, ledger_mu: float, tol: float = 0.03):
    """``(ledger_unit, header_unit)`` when declared ÷ ledger sits near a unit factor.

    >>> area_unit_factor(3585, 239)
    ('公顷', '亩')
    >>> area_unit_factor(3585, 3585 / 100)   # a ledger in 平方公里 read as 公顷
    ('平方公里', '公顷')
    >>> area_unit_factor(3585, 3547) is None
    True
    """
    if ledger_mu <= 0 or declared_mu <= 0:
        return None
    r = declared_mu / ledger_mu
    for factor, units in AREA_FACTORS.items():
        if abs(r / factor - 1) <= tol:
            return units
    return None
