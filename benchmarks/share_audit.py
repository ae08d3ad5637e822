"""Share suppression: the LP audit on HiGHS models (share/lp.py) against one linprog per LP.

Secondary suppression (:mod:`parkanalysis.share.table`) audits the whole linked table after
each round, two LPs per withheld cell not already shown protected. :mod:`parkanalysis.share.lp`
passes each connected component to HiGHS once and changes only the objective between its LPs
(each starting from the last basis); before it, every LP was a call of
:func:`scipy.optimize.linprog`, which builds, checks and presolves the whole problem again.
This script builds the protected table of the sample park with raised thresholds
(``share.min_enterprises``) both ways — the reference puts the ``linprog`` call back in place
of :class:`~parkanalysis.share.lp.Problem` — checks that the suppression pattern and the final
audit (every withheld cell solved) are identical, and prints both times and the ratio.
Targets: the same pattern and audit in every case, and a total ratio ≥ 2 (3.3–3.7 per case
measured on the idle 2-core machine); exit code 1 when one is missed.

    .venv/bin/python benchmarks/share_audit.py [--thresholds 3,5,12] [--years 2015,2016]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parkanalysis.dataset import load_dataset  # noqa: E402
from parkanalysis.share import audit  # noqa: E402
from parkanalysis.share import table as protected  # noqa: E402

SAMPLE = ROOT / "data" / "sample"


def exposed_solving_every_cell(cells, relations, *, p_percent, truth=None, targets=None):
    """:func:`audit.exposed` without the shortcut: both LPs of every withheld cell."""
    p = p_percent / 100.0
    found = []
    for cid, (lo, hi) in sorted(audit.bounds(cells, relations, targets).items()):
        bad = hi - lo < 2 * p * hi - 1e-9 or hi - lo < 1e-6
        x = None if truth is None else truth.get(cid)
        if x is not None and abs(x) > 1e-9:
            bad |= lo > x - p * abs(x) + 1e-9 or hi < x + p * abs(x) - 1e-9
        if bad:
            label = cells[cid].label if cid in cells else cid
            found.append(audit.Exposure(cid, label, lo, hi, x))
    return found


class LinprogProblem:
    """The LPs as solved before share/lp.py: one :func:`scipy.optimize.linprog` per LP."""

    def __init__(self, a_eq, b_eq, a_ub, b_ub, box) -> None:
        self.system = {"A_eq": a_eq, "b_eq": b_eq, "A_ub": a_ub, "b_ub": b_ub}
        self.box = list(box)

    def minimise(self, cost, box=None):
        from scipy.optimize import linprog

        res = linprog(cost, **self.system, bounds=list(box or self.box), method="highs")
        return (float(res.fun), res.x) if res.status == 0 else None


def with_threshold(folder: Path, k: int) -> Path:
    target = folder / f"min{k}"
    shutil.copytree(SAMPLE, target)
    profile = yaml.safe_load((target / "park.yaml").read_text(encoding="utf-8"))
    profile["config"]["share"]["min_enterprises"] = k
    (target / "park.yaml").write_text(
        yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return target


def build(ds, year: int, problem) -> tuple[float, dict, list]:
    audit.Problem = problem
    protected._CACHE.clear()
    audit._component_bounds.cache_clear()
    audit._WITNESSES.clear()
    start = time.perf_counter()
    table = protected.protect_park_year(ds, "GMY", year)
    seconds = time.perf_counter() - start
    pattern = {c.id: (c.withheld, c.secondary) for c in table.cells.values()}
    pattern.update({g.id: (g.withheld, g.secondary) for g in table.gates.values()})
    cells, _targets, _truth = table._audit_view()
    final = exposed_solving_every_cell(cells, table.relations, p_percent=table.rules.p_percent)
    return seconds, pattern, [(e.id, round(e.lo, 3), round(e.hi, 3)) for e in final]


MIN_RATIO = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="3,5,12")
    parser.add_argument("--years", default="2015,2016")
    args = parser.parse_args()
    fast = audit.Problem
    total_ref = total_fast = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for k in (int(x) for x in args.thresholds.split(",")):
            ds = load_dataset(with_threshold(Path(tmp), k))
            for year in (int(y) for y in args.years.split(",")):
                ref_s, ref_pattern, ref_final = build(ds, year, LinprogProblem)
                fast_s, fast_pattern, fast_final = build(ds, year, fast)
                same = ref_pattern == fast_pattern and ref_final == fast_final
                withheld = sum(
                    w for i, (w, _) in fast_pattern.items() if not i.startswith("growth|")
                )
                rates = [w for i, (w, _) in fast_pattern.items() if i.startswith("growth|")]
                print(
                    f"k={k:<3} {year}: {withheld:>3} of {len(fast_pattern) - len(rates)} cells "
                    f"and {sum(rates)} of {len(rates)} growth rates withheld; "
                    f"linprog per LP {ref_s:6.2f} s, HiGHS models {fast_s:6.2f} s, "
                    f"ratio {ref_s / fast_s:5.1f}x; same pattern and audit: {same}"
                )
                if not same:
                    return 1
                total_ref += ref_s
                total_fast += fast_s
    audit.Problem = fast
    ratio = total_ref / total_fast
    verdict = "ok" if ratio >= MIN_RATIO else "MISSED"
    print(
        f"total: {total_ref:.1f} s vs {total_fast:.1f} s, ratio {ratio:.1f}x "
        f"(target >= {MIN_RATIO:g}): {verdict}"
    )
    return 0 if ratio >= MIN_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
