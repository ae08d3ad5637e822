"""Planning a batch: the reports of one year, and how many local workers to start.

The reports of a year are each park's periods (:data:`BATCH_KINDS`, by default
:data:`DEFAULT_KINDS`) up to its own last month of data, and one land report as of that
month; periods below the 报送率 threshold refuse the batch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parkanalysis.batch.jobs import Job
from parkanalysis.errors import ParameterError

#: Memory one local worker needs with its warm kernel and the spare one (MB, measured on the
#: sample: about 270 MB per worker and kernel, with headroom for larger datasets).
WORKER_MB = 400


#: Report kinds a batch can make (``--kinds``): period kinds of
#: :func:`parkanalysis.periods.report_periods` and the land report.
BATCH_KINDS = ("month", "cumulative", "quarter", "half", "year", "land", "overview")
#: What a batch makes unless told otherwise.
DEFAULT_KINDS = ("cumulative", "quarter", "half", "year", "land")


def _dedupe_periods(periods):
    """Keep one period per set of months, preferring 上半年/全年 names, then 1-N月."""
    preference = {"half": 0, "year": 1, "cumulative": 2, "quarter": 3, "month": 4}
    chosen: dict[tuple[int, int, int], Any] = {}
    for period in periods:
        key = (period.year, period.start_month, period.end_month)
        if key not in chosen or preference[period.kind] < preference[chosen[key].kind]:
            chosen[key] = period
    return sorted(chosen.values(), key=lambda p: (p.end_month, p.end_month - p.start_month))


def plan_jobs(
    data: str | os.PathLike,
    year: int,
    *,
    out_dir: str | os.PathLike = "reports",
    parks: list[str] | None = None,
    share: bool = False,
    force: bool = False,
    allow_incomplete: bool = False,
    kinds: Sequence[str] = DEFAULT_KINDS,
    formats=("html",),
    notes: list[str] | None = None,
    copy: str | None = None,
    date: str | None = None,
) -> list[Job]:
    """Return the reports of one year: each park's 1-N月 reports, quarters, half-years,
    the year when complete, and one land report as of the last month of data.

    The data end is the "data complete to" month (:attr:`Dataset.month_range`); a period
    whose 报送率 is below ``completeness.min_reporting_rate`` refuses the batch
    (:class:`~parkanalysis.errors.IncompleteDataError`) unless ``allow_incomplete``, which
    also plans the months after the data's complete end.

    ``kinds`` chooses among :data:`BATCH_KINDS`: ``month`` (单月月报), ``cumulative``,
    ``quarter``, ``half``, ``year``, ``land`` and ``overview`` (the parks ranked with their
    total, for the year's last 1-N月); default :data:`DEFAULT_KINDS` (all but ``month`` and
    ``overview``).

    ``copy``: ``work`` (工作稿), ``final`` (上报稿, the default) or ``share`` (对外版; also
    ``share=True``); ``date``: the 成文日期 of every report's 落款 (``YYYY-MM-DD``), else each
    report's own (texts front matter, or the rendering day).

    Each park is planned within its own data: a park whose reports lag behind the others
    gets no report past its own last month, and a park without data in ``year`` gets none
    (said in ``notes``, when given, so that nothing is dropped silently).
    """
    kinds = tuple(dict.fromkeys(kinds))
    unknown_kinds = [k for k in kinds if k not in BATCH_KINDS]
    if unknown_kinds or not kinds:
        raise ParameterError(
            f"报告种类 {', '.join(unknown_kinds) or '(空)'} 无效;可选:{', '.join(BATCH_KINDS)}"
        )
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.dataset.completeness import period_status
    from parkanalysis.errors import IncompleteDataError
    from parkanalysis.periods import report_periods
    from parkanalysis.render import (
        check_formats,
        check_parameters,
        resolve_notebook,
        resolve_plan_copy,
    )

    formats = check_formats(formats)
    options: dict[str, Any] = {"copy": copy, "share": share}
    resolve_plan_copy("period", options)  # the copy, once: file names and the audit agree
    if date is not None:
        options["date"] = check_parameters(resolve_notebook("period"), {"date": date})["date"]

    from parkanalysis._io import resolve_data_folder
    from parkanalysis.render.params import office_folders

    offices = office_folders(resolve_data_folder(data))
    if offices:  # a province: each office planned in its own data, its own subfolder
        return _province_jobs(
            Path(data).resolve(),
            offices,
            year,
            out_dir=Path(out_dir).resolve(),
            parks=parks,
            share=share,
            force=force,
            allow_incomplete=allow_incomplete,
            kinds=kinds,
            formats=formats,
            notes=notes,
            copy=copy,
            date=date,
        )
    data = str(Path(data).resolve())
    out = str(Path(out_dir).resolve())
    ds = load_cached(data)  # the prechecks that follow read the same dataset
    (first_y, _), data_end = ds.reported_range if allow_incomplete else ds.month_range
    if not first_y <= year <= data_end[0]:
        raise ParameterError(f"数据覆盖 {first_y}—{data_end[0]} 年,没有 {year} 年的数据。")
    wanted = parks or list(ds.parks)
    unknown = sorted(set(wanted) - set(ds.parks))
    if unknown:
        raise ParameterError(f"数据集中没有园区: {', '.join(unknown)}。可用: {', '.join(ds.parks)}")
    period_kinds = tuple(k for k in kinds if k not in ("land", "overview"))
    short: list[str] = []
    jobs = []
    for park in wanted:
        park_name = ds.profile.parks[park].name
        single = len(ds.parks) == 1
        own = ds if single else ds.subset(park)
        span = own.reported_range if allow_incomplete else own.month_range
        if span is None or not span[0][0] <= year <= span[1][0]:
            covered = "没有月度统计" if span is None else f"数据覆盖 {span[0][0]}—{span[1][0]} 年"
            if notes is not None:
                notes.append(f"{park_name}({park}){covered},没有 {year} 年的报告。")
            continue
        last_y, last_m = span[1]
        end_month = last_m if year == last_y else 12
        if notes is not None and year == last_y and span[1] < data_end:
            notes.append(f"{park_name}({park})的数据截至 {year} 年 {last_m} 月,报告只到该月。")
        periods = (
            _dedupe_periods(
                report_periods(
                    year,
                    last_month=end_month,
                    kinds=period_kinds,
                    jan_feb_combined=ds.jan_feb_combined,
                )
            )
            if period_kinds
            else []
        )
        if not allow_incomplete:
            short += [
                st.sentence()
                for st in (period_status(ds, p, park) for p in periods)
                if not st.sufficient
            ]
        base = {"data": data, "park": None if single else park, **options}
        for period in periods:
            params = {**base, "period": str(period)}
            if allow_incomplete:
                params["allow_incomplete"] = True
            jobs.append(Job("period", params, out, force, period.label, park_name, formats))
        if "land" not in kinds:
            continue
        as_of = f"{year}-{end_month:02d}"
        jobs.append(
            Job(
                "land",
                {**base, "as_of": as_of},
                out,
                force,
                f"截至{year}年{end_month}月",
                park_name,
                formats,
            )
        )
    if "overview" in kinds:  # the parks ranked, with their total: the year's latest 1-N月
        jobs += _overview_jobs(ds, data, year, data_end, out, force, options, formats)
    if short:
        raise IncompleteDataError(
            "以下报告期报送率低于 park.yaml 的 completeness.min_reporting_rate,不出报告:"
            + ";".join(short)
            + "。请等各企业报齐或补报;如确需出报告,请加 --allow-incomplete。"
        )
    for job in jobs:  # park ids from the data become file names: refuse unsafe ones now
        job.name  # noqa: B018 - raises ParameterError
    return jobs


def _overview_jobs(ds, data, year, data_end, out, force, options, formats) -> list[Job]:
    """The overview of the year (``kinds`` ``overview``): one report over every park, for
    the year's last 1-N月 the data reach (the whole year once December is in). A park that
    does not cover it is 未报 in the report, not a reason to refuse the batch. ``options``:
    the copy (and ``share``) and the 成文日期 every other report of the batch gets."""
    from parkanalysis.periods import Period
    from parkanalysis.province import zone_name

    end = data_end[1] if year == data_end[0] else 12
    period = Period.of_cumulative(year, end)
    params = {"data": data, **options, "period": str(period)}
    return [Job("overview", params, out, force, period.label, zone_name(ds), formats)]


def _province_jobs(
    folder: Path, offices: list[Path], year: int, *, out_dir: Path, parks, kinds, notes, **options
) -> list[Job]:
    """The year of a folder of office folders (a province): each office's reports planned
    by :func:`plan_jobs` in its own data and written to ``out_dir/<office folder>/`` (two
    offices may hold parks of the same name; each subfolder has its own index), and the
    overview over every office in ``out_dir`` itself, for the latest 1-N月 of ``year`` that
    every office reaching ``year`` has complete (as :func:`parkanalysis.province.zone_land`
    takes the latest cut-off every dataset reaches). An office without data in ``year``
    gets no report (said in ``notes``); the overview lists its parks as 未报."""
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.province import PROVINCE_NAME

    park_kinds = tuple(k for k in kinds if k != "overview")
    found: set[str] = set()
    ends: list[int] = []
    jobs: list[Job] = []
    for office in offices:
        ds = load_cached(office)  # the prechecks that follow read the same dataset
        mine = [p for p in parks if p in ds.parks] if parks else None
        found.update(mine or ())
        span = ds.reported_range if options["allow_incomplete"] else ds.month_range
        if span is None or not span[0][0] <= year <= span[1][0]:
            if notes is not None:
                covered = f"数据覆盖 {span[0][0]}—{span[1][0]} 年" if span else "没有月度统计"
                notes.append(f"{office.name}{covered},没有 {year} 年的报告。")
            continue
        ends.append(span[1][1] if span[1][0] == year else 12)
        if park_kinds and (mine or not parks):
            jobs += plan_jobs(
                office, year, out_dir=out_dir / office.name, parks=mine, kinds=park_kinds,
                notes=notes, **options,
            )  # fmt: skip
    unknown = sorted(set(parks or ()) - found)
    if unknown:
        raise ParameterError(f"各数据集中都没有园区: {', '.join(unknown)}。")
    if "overview" in kinds and ends:
        from parkanalysis.periods import Period
        from parkanalysis.render import check_parameters, resolve_notebook, resolve_plan_copy

        period = Period.of_cumulative(year, min(ends))
        same = {"copy": options["copy"], "share": options["share"]}  # as every office's reports
        resolve_plan_copy("overview", same)
        if options["date"] is not None:
            same["date"] = check_parameters(
                resolve_notebook("overview"), {"date": options["date"]}
            )["date"]
        params = {"data": str(folder), **same, "period": str(period)}
        jobs.append(
            Job(
                "overview",
                params,
                str(out_dir),
                options["force"],
                period.label,
                PROVINCE_NAME,
                options["formats"],
            )
        )
    if not jobs:
        raise ParameterError(f"各数据集都没有 {year} 年的数据。")
    for job in jobs:
        job.name  # noqa: B018 - raises ParameterError
    return jobs


def _available_mb() -> float | None:
    """Memory available for new processes (Linux ``MemAvailable``), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def bounded_workers(requested: int | None) -> tuple[int, str | None]:
    """The number of local workers to start, and why it is fewer than asked (or None).

    Each worker keeps a warm kernel (about :data:`WORKER_MB` MB), so more workers than CPU
    cores, or than available memory holds, only slow the batch down or exhaust the memory.

    Raises
    ------
    ParameterError
        For 0 or a negative number.
    """
    cores = os.cpu_count() or 1
    if requested is not None and (isinstance(requested, bool) or requested < 1):
        raise ParameterError(f"--workers 应为正整数,收到 {requested}。")
    memory = _available_mb()
    by_memory = max(1, int(memory // WORKER_MB)) if memory is not None else cores
    limit = max(1, min(cores, by_memory))
    if requested is None:
        return limit, None
    if requested <= limit:
        return requested, None
    why = f"CPU 核数 {cores}"
    if memory is not None:
        why += f",可用内存 {memory / 1024:.1f} GB(每个进程约 {WORKER_MB} MB)"
    return limit, f"并行进程数 {requested} 超过本机可承受的 {limit} 个({why}),已改为 {limit}。"
