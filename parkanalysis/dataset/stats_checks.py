"""Checks on the parsed statistics: months without rows, running totals filed as 当月数,
counts a missing column makes impossible.


- ``month_missing`` (error): in a table of 当月数, a month in which no enterprise of a park
  has a row while months before and after it in the same year have rows (January excepted
  where 1-2月 are combined). Without it, every total over a period holding the month would be
  short by the month's figures, silently. (A dataset may hold some months of each year only,
  or a 1-N月 table only some N: neither is a hole.) A period asked of the indicators in which
  some months have rows and others none is refused as well, naming the months
  (:func:`parkanalysis.indicators.resolve_period`, from the month index it keeps); a period
  without any row is computed as before (NaN with the note 本期无企业统计数据).
- ``monthly_looks_cumulative`` (error): in a table of 当月数, at least
  :data:`CUMULATIVE_SHARE` of the enterprise-years with four or more months of 工业总产值 (else
  营业收入) never fall within the year and rise at least once — the pattern of 1-N月 running
  totals filed as monthly values.
- ``count_unavailable`` (warning): the register has no 投产日期 column, so 新投产企业数
  cannot be counted (NaN in the indicators, never 0); 规上企业数 is then counted from the 规上
  flag (not exited, data in the period) and 应报 from filing (:mod:`.completeness`), as
  the finding says.
"""

from __future__ import annotations

import numpy as np

from parkanalysis.dataset.findings import Findings

#: Share of enterprise-years rising only within the year that makes a table look cumulative.
CUMULATIVE_SHARE = 0.8


def check_structure(profile, tables: dict, findings: Findings) -> None:
    """``month_missing``, ``monthly_looks_cumulative``, ``count_unavailable`` (docstring)."""
    stats = tables.get("monthly_stats") or tables.get("cumulative_stats")
    if stats is not None and len(stats.frame):
        jan_feb = True if profile is None else bool(profile.config.get("jan_feb_combined", True))
        if stats.spec.name == "monthly_stats":
            _check_months(stats, jan_feb, findings)
            _check_cumulative_look(stats, findings)
    ent = tables.get("enterprises")
    if ent is not None and len(ent.frame) and ent.frame["production_start_date"].isna().all():
        findings.add(
            "count_unavailable",
            "企业名录没有投产日期(没有该列或全部为空):新投产企业数无法计算,报告中显示为「—」"
            "(不是 0);规上企业数按规上标志计(未退出且本期有数据的),应报户数按已开始报送的企业计。"
            "如需新投产企业数,请添加「投产日期」列",
            file=ent.file,
            column=ent.header("production_start_date"),
            severity="warning",
        )


def missing_months(year: np.ndarray, month: np.ndarray, *, skip_january: bool) -> list[int]:
    """Months (``year * 12 + month - 1``) between the first and the last given with none given.

    >>> [divmod(m, 12) for m in missing_months(np.array([2016] * 3), np.array([2, 3, 5]),
    ...                                         skip_january=True)]
    [(2016, 3)]
    """
    ok = (year > 0) & (month >= 1) & (month <= 12)
    have = np.unique(year[ok].astype("int64") * 12 + month[ok].astype("int64") - 1)
    if len(have) == 0:
        return []
    gaps = np.setdiff1d(np.arange(have[0], have[-1] + 1), have)
    if skip_january:
        gaps = gaps[gaps % 12 != 0]
    return [int(g) for g in gaps]


def _check_months(td, jan_feb: bool, findings: Findings) -> None:
    """``month_missing`` for the holes of a table of 当月数: months without any row between two
    months of the same year that have rows (a dataset may hold some months of each year only)."""
    f = td.frame
    for park, sub in f.groupby(f["park_id"].astype("str"), sort=True):
        year = sub["year"].to_numpy(dtype="float64", na_value=0).astype("int64")
        month = sub["month"].to_numpy(dtype="float64", na_value=0).astype("int64")
        for y in np.unique(year[year > 0]):
            gaps = missing_months(year[year == y], month[year == y], skip_january=jan_feb)
            for g in gaps:
                m = g % 12 + 1
                findings.add(
                    "month_missing",
                    f"园区 {park} 的统计数据缺少 {y}年{m}月:该月没有任何企业的数据"
                    f"({y}年的前后月份都有);含该月的时期合计会漏掉这个月。"
                    "请补上该月的数据(或该月的工作表)",
                    file=td.file,
                    column=td.header("month"),
                    value=f"{y:04d}-{m:02d}",
                )


def _check_cumulative_look(td, findings: Findings) -> None:
    f = td.frame
    col = next(
        (c for c in ("output_wan_yuan", "revenue_wan_yuan") if f[c].notna().any()),
        None,
    )
    if col is None:
        return
    sub = f.loc[f[col].notna() & (f["year"] > 0), ["park_id", "enterprise_id", "year", "month"]]
    sub = sub.assign(v=f[col]).sort_values(["park_id", "enterprise_id", "year", "month"])
    keys = [sub["park_id"].astype("str"), sub["enterprise_id"].astype("str"), sub["year"]]
    g = sub.groupby(keys, sort=False)["v"]
    n = g.size()
    diff = sub["v"].diff().where(sub.duplicated(["park_id", "enterprise_id", "year"]))
    d = diff.groupby(keys, sort=False)
    rising = (d.min() >= 0) & (d.max() > 0)
    eligible = n >= 4
    total, hits = int(eligible.sum()), int((rising & eligible).sum())
    if total >= 3 and hits >= CUMULATIVE_SHARE * total:
        first = np.flatnonzero(f[col].notna().to_numpy())
        rows = f["_row"].to_numpy()
        findings.add(
            "monthly_looks_cumulative",
            f"当月数表中 {total} 个企业·年度里有 {hits} 个的{td.spec.column(col).zh}在年内只增不减,"
            "像是 1-N月累计值被当作当月值填报;如确是累计值,请在 park.yaml 的 sources 中把该文件"
            "登记为 cumulative_stats(企业累计统计),否则请核对数据",
            file=td.file,
            row=int(rows[first[0]]) if len(first) else None,
            column=td.header(col),
            at=first[0] if len(first) else None,
            rows=rows,
        )
