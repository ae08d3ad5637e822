"""A share batch with and without the store of protected tables (parkanalysis.share.store).

Each process of a share batch that prints or records a share page needs the park-year's
protected table (and, frozen inside it, every earlier year's): each worker's kernel for the
page, each worker for the sidecar. Without the store each of them built the whole chain;
with it the first builds and stores it, the others read it.

Runs the same share jobs of the sample park twice in fresh processes — with
``PARKANALYSIS_SHARE_TABLES=off`` (every process builds), then by default (the batch's own
store) — and prints the CPU
seconds of each (the batch process and every process it started, kernels included) and
their ratio. Exits 1 when a sidecar's table differs between the two (every published and
withheld cell, growth rate and relation must be identical; the pages' numbers are left out:
a page prints the time it was made) or when the store saves less than
:data:`TARGET_RATIO`.

    .venv/bin/python benchmarks/share_batch.py [--jobs 4] [--workers 2] [--year 2016]

``BENCH_QUICK=1`` (or ``--jobs 2 --workers 1``): two reports, one worker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
#: CPU without the store over CPU with it, at least (measured 2026-12-06: see README.md).
TARGET_RATIO = 1.3

RUN = """
import sys
from parkanalysis import batch
jobs = batch.plan_jobs(sys.argv[1], int(sys.argv[2]), out_dir=sys.argv[3], share=True)
land = [j for j in jobs if j.kind == "land"][:1]
period = [j for j in jobs if j.kind == "period"]
chosen = (land + period[::-1])[: int(sys.argv[4])]
summary = batch.run_batch(data=sys.argv[1], year=int(sys.argv[2]), jobs=chosen,
                          workers=int(sys.argv[5]), progress=False, share=True)
assert summary.ok, [r.error for r in summary.results if r.error]
"""


def run(mode: str, out: Path, args) -> float:
    """CPU seconds of one batch in a fresh process (``mode``: ``off`` or ``store``)."""
    env = dict(os.environ)
    env.pop("PARKANALYSIS_SHARE_TABLES", None)
    if mode == "off":
        env["PARKANALYSIS_SHARE_TABLES"] = "off"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-c", RUN, str(SAMPLE), str(args.year), str(out)]
    subprocess.run([*command, str(args.jobs), str(args.workers)], env=env, check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def table_part(path: Path) -> str:
    """A sidecar without the numbers of its pages (the kernel's table prints them either way;
    a page prints the time it was made): every cell, growth rate and relation."""
    record = json.loads(path.read_text(encoding="utf-8"))
    record.pop("pages")
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def main() -> int:
    quick = bool(os.environ.get("BENCH_QUICK"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2 if quick else 4)
    parser.add_argument("--workers", type=int, default=1 if quick else 2)
    parser.add_argument("--year", type=int, default=2016)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cpu = {mode: run(mode, Path(tmp) / mode, args) for mode in ("off", "store")}
        records = {
            mode: {p.name: table_part(p) for p in (Path(tmp) / mode).glob("*.cells.json")}
            for mode in cpu
        }
        leftovers = [
            p for p in (Path(tmp) / "store").rglob("*") if p.suffix in (".pickle", ".lock")
        ]
    differ = sorted(
        n for n in records["off"].keys() | records["store"].keys()
        if records["off"].get(n) != records["store"].get(n)
    )  # fmt: skip
    ratio = cpu["off"] / cpu["store"]
    print(f"{args.jobs} share reports of {args.year}, {args.workers} worker(s)")
    print(f"  without the store: {cpu['off']:7.1f} CPU-s")
    print(f"  with the store:    {cpu['store']:7.1f} CPU-s   ratio {ratio:.2f}")
    print(f"  sidecars: {len(records['store'])}, differing: {len(differ)}")
    failed = []
    if differ or not records["store"] or len(records["off"]) != args.jobs:
        failed.append(f"sidecars differ or are missing: {json.dumps(differ, ensure_ascii=False)}")
    if leftovers:
        failed.append(f"store files in the output folder: {leftovers}")
    if ratio < TARGET_RATIO:
        failed.append(f"ratio {ratio:.2f} < target {TARGET_RATIO}")
    for line in failed:
        print("MISSED:", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
