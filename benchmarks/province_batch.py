"""Province-scale year batch on the Dask path: a real ``dask scheduler`` and ``dask worker``.

What it does, step by step (each printed):

1. Generates the province with the ``sample`` generator
   (:func:`parkanalysis.sample.write_synthetic`): by default 100 parks × 300 enterprises ×
   10 years (3.6M monthly rows) in one dataset folder, or ``--datasets K`` office folders (a
   province of several datasets: ``batch`` plans each office in its own subfolder).
2. Starts ``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1`` (two worker
   processes, one warm report kernel each) as separate processes on 127.0.0.1, and waits
   until both workers have registered.
3. Runs ``parkanalysis batch --scheduler …`` with ``--kinds half,overview`` for the first
   ``--render-parks`` parks (default 10): each of those parks' 上半年工作总结 and the
   overview of the year's 1-N月 over **all** parks (totals, ranking, charts, each park's 扩园需求
   simulation). ``--render-parks 0`` renders every park.
4. Reports, from the batch's ``.manifest.json`` and a 0.5 s sampler of the process trees:
   each report's time (min / median / max of the park reports, and the overview's),
   throughput, the peak resident memory of the scheduler, of each worker process with its
   kernels, and of the ``parkanalysis batch`` process; whether a worker's memory is flat
   (its peak over the last third of the report phase at most ``--max-growth`` above its peak
   over the middle third: the first third holds the kernels' warm-up and the spare kernel's
   start); and the extrapolated time of the whole year's batch (every park's
   default kinds — 1-N月, quarters, 上半年, the land report — and the overview):
   ``start-up + (N_park_reports × mean park report + overview) ÷ workers``, assuming the
   other kinds cost what a 上半年 report costs (a 1-2月 report costs less, a land report
   with its simulation more; the assumption is stated with the figure).

Usage::

    python benchmarks/province_batch.py               # 100 × 300 × 10, 10 parks' 上半年 + overview
    python benchmarks/province_batch.py --render-parks 0      # every park (long on 2 cores)
    python benchmarks/province_batch.py --quick       # 10 × 50 × 3, every park: a minute or two
    python benchmarks/province_batch.py --datasets 4  # the province as 4 office folders

Exit code 1 when a report failed or a worker's memory is not flat; 0 otherwise (no time
target: the machine's load is printed with the times).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tree_rss_mb(proc: psutil.Process) -> float:
    """Resident memory of ``proc`` and all its descendants (MB); 0 once it is gone."""
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20


def tree_cpu_s(proc: psutil.Process, seen: dict[int, float]) -> float:
    """CPU seconds (user + system) of ``proc``'s tree: the live processes' own times, and
    the last seen times of those that have exited (a replaced kernel), kept in ``seen``."""
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        procs = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            seen[p.pid] = t.user + t.system
    return sum(seen.values())


class Sampler(threading.Thread):
    """Samples the memory (and CPU time) of named process trees every ``every`` seconds."""

    def __init__(self, every: float = 0.5):
        super().__init__(daemon=True)
        self.every = every
        self.trees: dict[str, psutil.Process] = {}
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.cpu: list[tuple[float, dict[str, float]]] = []
        self.seen: dict[str, dict[int, float]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.time()
            trees = list(self.trees.items())
            self.samples.append((now, {n: tree_rss_mb(p) for n, p in trees}))
            self.cpu.append(
                (now, {n: tree_cpu_s(p, self.seen.setdefault(n, {})) for n, p in trees})
            )
            self.stop.wait(self.every)

    def cpu_between(self, name: str, start: float, end: float) -> float:
        """CPU seconds the tree ``name`` used between ``start`` and ``end``."""
        inside = [c.get(name, 0.0) for t, c in self.cpu if start <= t <= end]
        before = [c.get(name, 0.0) for t, c in self.cpu if t < start]
        return (max(inside, default=0.0) - max(before, default=0.0)) if inside else 0.0

    def peak(self, name: str, start: float = 0.0, end: float = float("inf")) -> float:
        values = [s.get(name, 0.0) for t, s in self.samples if start <= t <= end]
        return max(values, default=0.0)


def generate(root: Path, parks: int, enterprises: int, years: int, datasets: int) -> Path:
    from parkanalysis.sample import write_synthetic

    t0 = time.perf_counter()
    if datasets <= 1:
        data = root / "province"
        write_synthetic(data, parks=parks, enterprises=enterprises, years=years, seed=0)
    else:
        data = root / "offices"
        sizes = [parks // datasets + (1 if i < parks % datasets else 0) for i in range(datasets)]
        for i, n in enumerate(sizes):
            write_synthetic(
                data / f"office{i + 1:02d}", parks=n, enterprises=enterprises, years=years, seed=i
            )
    size = sum(f.stat().st_size for f in data.rglob("*") if f.is_file()) / 2**20
    print(
        f"generated {parks} parks × {enterprises} enterprises × {years} years "
        f"({parks * enterprises * years * 12:,} monthly rows, {size:.0f} MB of CSV, "
        f"{max(datasets, 1)} dataset folder(s)) in {time.perf_counter() - t0:.1f} s"
    )
    return data


def start_cluster(root: Path, sampler: Sampler, workers: int):
    """``dask scheduler`` and ``dask worker`` processes; returns (address, processes)."""
    import distributed

    scheduler_file = root / "scheduler.json"
    logs = root / "logs"
    logs.mkdir()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    sched_log = (logs / "scheduler.log").open("w")
    work_log = (logs / "worker.log").open("w")
    scheduler = subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(scheduler_file)],
        stdout=subprocess.DEVNULL, stderr=sched_log, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(BIN / "dask"), "worker", "--scheduler-file", str(scheduler_file),
         "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=work_log, env=env,
    )  # fmt: skip
    t0 = time.perf_counter()
    while not scheduler_file.exists():  # the scheduler writes it once it listens
        if scheduler.poll() is not None:
            raise SystemExit(f"dask scheduler exited: {(logs / 'scheduler.log').read_text()}")
        time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    with distributed.Client(address, timeout=60) as client:
        client.wait_for_workers(workers, timeout=300)
    print(
        f"dask scheduler at {address} and {workers} dask worker processes (--nthreads 1) "
        f"ready in {time.perf_counter() - t0:.1f} s"
    )
    sampler.trees["scheduler"] = psutil.Process(scheduler.pid)
    top = psutil.Process(worker.pid)
    spawned = [c for c in top.children() if "spawn_main" in " ".join(c.cmdline())]
    for i, proc in enumerate(spawned, 1):
        sampler.trees[f"worker {i}"] = proc
    return address, [worker, scheduler]


def year_plan_size(data: Path, parks: int, year: int) -> tuple[int, int]:
    """(park reports of the year's default batch, overview reports): every park's default
    kinds up to the data's last month, one set of months once (as ``plan_jobs`` dedupes)."""
    from parkanalysis.batch import DEFAULT_KINDS
    from parkanalysis.periods import report_periods

    periods = report_periods(year, last_month=6, kinds=[k for k in DEFAULT_KINDS if k != "land"])
    months = {(p.start_month, p.end_month) for p in periods}
    return parks * (len(months) + 1), 1  # + each park's land report; + the overview


def parse_time(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def run(args: argparse.Namespace) -> int:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} before the run")
    with tempfile.TemporaryDirectory(prefix="pa_province_") as tmp:
        root = Path(tmp)
        data = args.data or generate(root, args.parks, args.enterprises, args.years, args.datasets)
        sampler = Sampler()
        sampler.start()
        procs = []
        try:
            address, procs = start_cluster(root, sampler, args.workers)
            out = root / "reports"
            argv = [str(BIN / "parkanalysis"), "batch", "--data", str(data), "--year",
                    str(args.year), "--out", str(out), "--kinds", "half,overview",
                    "--scheduler", address, "--quiet"]  # fmt: skip
            if args.render_parks:
                argv += [x for i in range(args.render_parks) for x in ("--park", f"P{i + 1:03d}")]
            t0 = time.time()
            batch = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            sampler.trees["batch"] = psutil.Process(batch.pid)
            stdout, stderr = batch.communicate()
            t1 = time.time()
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
            sampler.stop.set()
            sampler.join()
        print(f"parkanalysis batch exit code {batch.returncode}; it printed:")
        print("  " + stdout.strip().replace("\n", "\n  "))
        if batch.returncode not in (0, 1):
            print(stderr[-3000:])
            return 1
        records = []
        for manifest in out.rglob(".manifest.json"):
            records += json.loads(manifest.read_text(encoding="utf-8")).values()
        return report(args, data, records, sampler, t0, t1, batch.returncode)


def report(args, data, records, sampler: Sampler, t0: float, t1: float, code: int) -> int:
    parks = [r for r in records if r["kind"] == "period"]
    overview = [r for r in records if r["kind"] == "overview"]
    failed = [r for r in records if r["status"] != "rendered"]
    if not parks:
        print("no park report was rendered")
        return 1
    starts = [parse_time(r["finished_at"]) - r["seconds"] for r in records]
    first_start, last_end = min(starts), max(parse_time(r["finished_at"]) for r in records)
    startup = first_start - t0
    phase = last_end - first_start
    secs = sorted(r["seconds"] for r in parks)
    print(f"\nrendered: {len(parks)} parks' 上半年工作总结 + {len(overview)} overview "
          f"over all {args.parks} parks; {len(failed)} not rendered")  # fmt: skip
    for r in failed:
        print(f"  {r['name']}: {r['status']} {r.get('error') or ''}"[:400])
    print(f"batch wall time {t1 - t0:.1f} s = start-up (CLI loads and checks the data, "
          f"kernels preload it) {startup:.1f} s + report phase {phase:.1f} s")  # fmt: skip
    print(f"park report (上半年): min {secs[0]:.1f} s, median {statistics.median(secs):.1f} s, "
          f"max {secs[-1]:.1f} s (in a warm kernel, as timed by the worker)")  # fmt: skip
    for r in overview:
        print(f"overview {r['label']} over {args.parks} parks: {r['seconds']:.1f} s")
    print(f"throughput: {len(records) / phase * 60:.1f} reports/min over the report phase "
          f"({args.workers} workers)")  # fmt: skip
    n_park, n_over = year_plan_size(Path(data), args.parks, args.year)
    mean = statistics.fmean(secs)
    over = overview[0]["seconds"] if overview else 0.0
    full = startup + (n_park * mean + n_over * over) / args.workers
    print(f"whole year's batch ({n_park} park reports: 1-N月, quarters, 上半年, land; + "
          f"{n_over} overview), extrapolated: {full / 60:.1f} min with {args.workers} workers "
          f"(assumes each kind costs a 上半年 report's mean {mean:.1f} s)")  # fmt: skip
    names = [n for n in sampler.trees if n.startswith("worker")]
    cpu = sum(sampler.cpu_between(n, first_start, last_end) for n in names)
    per = cpu / len(records)
    idle = (n_park + n_over) * per / args.workers
    print(f"CPU: the workers and their kernels used {cpu:.0f} CPU-s in the report phase, "
          f"{per:.1f} CPU-s per report (the overview's share included); the whole year's "
          f"reports on {args.workers} otherwise idle cores: about {idle / 60:.1f} min plus "
          f"start-up (the wall times above share the cores with other load)")  # fmt: skip
    print("peak resident memory (process and its children):")
    print(f"  dask scheduler {sampler.peak('scheduler'):.0f} MB; parkanalysis batch "
          f"{sampler.peak('batch'):.0f} MB")  # fmt: skip
    third = phase / 3
    flat = True
    for name in names:
        early = sampler.peak(name, first_start + third, last_end - third)
        late = sampler.peak(name, last_end - third, last_end)
        growth = late / early - 1 if early else 0.0
        ok = growth <= args.max_growth
        flat &= ok
        print(f"  {name} (worker process + its kernels): peak {sampler.peak(name):.0f} MB; "
              f"middle third of the report phase {early:.0f} MB, last third {late:.0f} MB "
              f"({growth:+.1%}, {'flat' if ok else 'NOT FLAT'})")  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average after the run: {load} ({os.cpu_count()} cores, shared)")
    return 0 if code == 0 and not failed and flat else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="reuse this dataset (or office folders)")
    parser.add_argument("--parks", type=int, default=100)
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--datasets", type=int, default=1, help="office folders (default one)")
    parser.add_argument("--year", type=int, default=2016)
    parser.add_argument(
        "--render-parks", type=int, default=10, help="parks whose 上半年 is rendered; 0: all"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-growth", type=float, default=0.15)
    parser.add_argument("--quick", action="store_true", help="10 × 50 × 3, every park")
    args = parser.parse_args(argv)
    if args.quick:
        args.parks, args.enterprises, args.years, args.render_parks = 10, 50, 3, 0
    if args.render_parks > args.parks:
        args.render_parks = 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
