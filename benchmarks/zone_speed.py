"""Province-scale totals: one period's 合计 over 100 parks × 300 enterprises × 10 years.

Times :func:`parkanalysis.province.zone_table` (the total's indicator rows: every park's
completeness checked, the parks' per-enterprise arrays merged, every measure over the union),
:func:`~parkanalysis.province.zone_by_park` (every park's rows and the total) and
:func:`~parkanalysis.province.zone_land` (land of the total beside each park) on synthetic data
(``parkanalysis.sample.write_synthetic``), split into ``--datasets`` office folders (each its
own park.yaml: a province of several datasets), and the overview report's figures and
sections (:class:`parkanalysis.report.OverviewReport`, without the per-park expansion
simulation) for the same period. Memory: the peak Python allocation of one
``zone_table`` call (tracemalloc) against the size of the monthly frames, and the process's
resident memory after ``--repeat`` calls against after the first (flat: the calls keep
nothing).

Usage::

    python benchmarks/zone_speed.py                                  # 100 × 300 × 10, 4 datasets
    python benchmarks/zone_speed.py --parks 10 --enterprises 50 --years 3    # quick

Exit code 0 when ``zone_table`` of one period takes at most ``--max-seconds`` (default 5) and
resident memory grows by at most ``--max-growth`` (default 5 %) over the repeated calls.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from parkanalysis.periods import Period  # noqa: E402
from parkanalysis.province import (  # noqa: E402
    load_province,
    zone_by_park,
    zone_land,
    zone_table,
)


def rss_mb() -> float:
    """Current resident memory of this process (MB), from /proc (Linux) or ru_maxrss."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run(folders: list[Path], repeat: int, max_seconds: float, max_growth: float) -> int:
    zone, t_load = timed(lambda: load_province(folders))
    rows = sum(len(ds.monthly) for ds in zone.datasets)
    frame_mb = sum(ds.monthly.memory_usage(deep=True).sum() for ds in zone.datasets) / 2**20
    print(
        f"loaded {len(zone.datasets)} datasets, {len(zone.parks)} parks, {rows:,} monthly rows "
        f"({frame_mb:.0f} MB) in {t_load:.1f} s"
    )
    (_, _), (y1, m1) = zone.datasets[0].month_range
    period = Period.of_cumulative(y1 if m1 >= 5 else y1 - 1, 5)
    table, t_first = timed(lambda: zone_table(zone, period))
    rss_first = rss_mb()
    best = float("inf")
    for _ in range(repeat):
        _, t = timed(lambda: zone_table(zone, period))
        best = min(best, t)
    gc.collect()
    rss_after = rss_mb()
    tracemalloc.start()
    zone_table(zone, period)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    growth = (rss_after - rss_first) / rss_first
    by_park, t_by_park = timed(lambda: zone_by_park(zone, period))
    land, t_land = timed(lambda: zone_land(zone))
    from parkanalysis.report.overview import OverviewReport

    overview, t_overview = timed(lambda: OverviewReport(data=zone, period=period, outlook=False))
    _, t_sections = timed(
        lambda: [overview.title(), overview.totals(), overview.ranking_table(),
                 overview.charts(), overview.sentences()]
    )  # fmt: skip
    row = table.set_index("id").loc["industrial_output"]
    print(
        f"{period.label} {zone.name}: 工业总产值 {row['value']:,.1f} 万元, 同比 "
        f"{row['yoy_pct']:.1f}% ({row['scope']}), {table['parks_included'].iloc[0].count('、') + 1}"
        " parks taken in"
    )
    print(f"zone_table, first call (once-per-dataset preparation): {t_first:7.2f} s")
    print(f"zone_table, best of {repeat}:                          {best:7.2f} s")
    print(f"zone_by_park ({len(by_park):,} rows):                   {t_by_park:7.2f} s")
    print(f"zone_land ({len(land.columns) - 4} parks + total):            {t_land:7.2f} s")
    print(
        f"overview report, figures (no expansion simulation): {t_overview:7.2f} s; "
        f"its sections (tables, 3 charts, sentences): {t_sections:.2f} s"
    )
    print(
        f"memory: zone_table peak allocation {peak / 2**20:.0f} MB "
        f"({peak / 2**20 / frame_mb:.2f}× the monthly frames); resident {rss_first:.0f} MB after "
        f"the first call, {rss_after:.0f} MB after {repeat} more ({growth:+.1%})"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average after the timings: {load} ({os.cpu_count()} cores)")
    ok_time, ok_mem = best <= max_seconds, growth <= max_growth
    print(
        f"zone_table {best:.2f} s (target <= {max_seconds:g} s): {'ok' if ok_time else 'TOO SLOW'}"
        f"; memory growth {growth:+.1%} (target <= {max_growth:.0%}): "
        f"{'ok' if ok_mem else 'NOT FLAT'}"
    )
    return 0 if ok_time and ok_mem else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", help="dataset folder(s) to reuse")
    parser.add_argument("--parks", type=int, default=100)
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--datasets", type=int, default=4, help="office folders to split into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--max-seconds", type=float, default=5.0)
    parser.add_argument("--max-growth", type=float, default=0.05)
    args = parser.parse_args(argv)
    if args.data:
        return run(args.data, args.repeat, args.max_seconds, args.max_growth)
    from parkanalysis.sample import write_synthetic

    k = max(1, min(args.datasets, args.parks))
    sizes = [args.parks // k + (1 if i < args.parks % k else 0) for i in range(k)]
    with tempfile.TemporaryDirectory(prefix="pa_zone_") as tmp:
        t0 = time.perf_counter()
        folders = []
        for i, n in enumerate(sizes):
            folder = Path(tmp) / f"office{i + 1:02d}"
            write_synthetic(
                folder,
                parks=n,
                enterprises=args.enterprises,
                years=args.years,
                seed=args.seed + i,
            )
            folders.append(folder)
        print(
            f"generated {args.parks} parks × {args.enterprises} enterprises × {args.years} years "
            f"in {k} office folders in {time.perf_counter() - t0:.1f} s"
        )
        return run(folders, args.repeat, args.max_seconds, args.max_growth)


if __name__ == "__main__":
    sys.exit(main())
