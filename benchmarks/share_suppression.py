"""Share suppression of the sample, year by year: CPU time and what is withheld, two ways.

Secondary suppression (:mod:`parkanalysis.share.table`) picks, each round, one printed figure
per exposed cell. The reference is the earlier pick: a figure already chosen that round could
not be chosen again for another exposed cell, so a second, different figure was withheld even
when the first one protected both (on the sample's 2015 table 124 of 200 growth rates and 98
flow cells ended withheld, and the rounds that followed cascaded through the monthly flows).
Now a figure already chosen that round is reused, and the next round's audit decides whether
it was enough. Both patterns end with an audit that finds nothing (checked here).

Prints, per year of the sample's chain (2012…2016; each year is built with the previous one
frozen in it), CPU seconds, linprog calls, withheld cells, withheld growth rates, both ways.
Targets: no exposure left either way; the current pick withholds no more cells and growth
rates in total than the reference; exit code 1 when missed. CPU time is printed, not a target:
measured 2026-12-06 the current pick took 57.7 s against 28.5 s (more rounds, each a full
audit) while withholding 1148 figures against 1421 — speed is still open.

    .venv/bin/python benchmarks/share_suppression.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import scipy.optimize  # noqa: E402

from parkanalysis.dataset import load_dataset  # noqa: E402
from parkanalysis.share import audit  # noqa: E402
from parkanalysis.share import table as protected  # noqa: E402

SAMPLE = ROOT / "data" / "sample"
CURRENT = protected._complement


def reference_complement(table, cid, members, need, chosen):
    """The earlier pick: figures chosen this round are never reused for another cell."""
    seen, frontier, candidates, gates = {cid}, [cid], [], set()
    while frontier and not candidates and not gates:
        nxt = []
        for x in frontier:
            for r, gate in members.get(x, []):
                if gate is not None and gate not in chosen:
                    gates.add(gate)
                for m, _c in r.terms():
                    if m in seen:
                        continue
                    seen.add(m)
                    c = table.cells.get(m)
                    if c is None:
                        continue
                    if c.derived or c.withheld:
                        nxt.append(m)
                    elif m not in chosen and not c.frozen:
                        candidates.append(c)
        frontier = nxt
    if gates:
        return min(gates)
    if not candidates:
        return None
    big = [c for c in candidates if abs(c.value) >= need]
    if big:
        return min(big, key=lambda c: (abs(c.value), c.id)).id
    return max(candidates, key=lambda c: (abs(c.value), c.id)).id


def run(ds, complement) -> list[tuple]:
    protected._complement = complement
    protected._CACHE.clear()
    audit._component_bounds.cache_clear()
    audit._WITNESSES.clear()
    calls = [0]
    linprog = scipy.optimize.linprog

    def counting(*args, **kwargs):
        calls[0] += 1
        return linprog(*args, **kwargs)

    scipy.optimize.linprog = counting
    rows = []
    try:
        (first, _fm), (last, _lm) = ds.month_range
        for year in range(first, last + 1):
            start, n0 = time.process_time(), calls[0]
            table = protected.protect_park_year(ds, "GMY", year)
            seconds = time.process_time() - start
            own = [c for c in table.cells.values() if not c.frozen]
            rows.append(
                (
                    year,
                    seconds,
                    calls[0] - n0,
                    sum(c.withheld for c in own),
                    len(own),
                    sum(g.withheld for g in table.gates.values()),
                    len(table.gates),
                    len(table.exposures()),
                )
            )
    finally:
        scipy.optimize.linprog = linprog
        protected._complement = CURRENT
    return rows


def main() -> int:
    ds = load_dataset(SAMPLE)
    ref = run(ds, reference_complement)
    cur = run(ds, CURRENT)
    for r, c in zip(ref, cur, strict=True):
        print(
            f"{r[0]}: reference {r[1]:6.1f} s cpu, {r[2]:5d} LPs, {r[3]:3d}/{r[4]} cells, "
            f"{r[5]:3d}/{r[6]} growth withheld | now {c[1]:6.1f} s cpu, {c[2]:5d} LPs, "
            f"{c[3]:3d}/{c[4]} cells, {c[5]:3d}/{c[6]} growth withheld; exposures {r[7]}/{c[7]}"
        )
    t_ref, t_cur = sum(r[1] for r in ref), sum(c[1] for c in cur)
    w_ref, w_cur = sum(r[3] + r[5] for r in ref), sum(c[3] + c[5] for c in cur)
    ok = not any(r[7] or c[7] for r, c in zip(ref, cur, strict=True))
    ok &= w_cur <= w_ref
    print(
        f"total: reference {t_ref:.1f} s cpu, {w_ref} withheld; now {t_cur:.1f} s cpu, "
        f"{w_cur} withheld; ratio {t_ref / t_cur:.2f}x: {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
