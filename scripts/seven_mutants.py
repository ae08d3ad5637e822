"""Put the seven mutants of issue 29 into the source one at a time and list the tests that fail.

Each mutant is a one-line edit of a definition (the table in docs/MUTATION.md). For each, the
file is edited, the given test files run (only the tests whose names match the mutant's
``-k``, one process per core, no cache), the failing tests are listed, and the file is put
back byte for byte (also on Ctrl-C). Usage::

    .venv/bin/python scripts/seven_mutants.py            # all seven
    .venv/bin/python scripts/seven_mutants.py rules base  # some

Exit status 1 when a mutant is not killed by tests in at least two different files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOUNDARY = ["tests/test_rules_boundaries.py", "tests/test_report_boundaries.py"]

#: name → (file, original text, mutated text, test files, -k expression)
MUTANTS = {
    "measures": (
        "parkanalysis/indicators/measures.py",
        "    cur_s = _by_park(core, cur, both)\n",
        "    cur_s = _by_park(core, cur, has_c)\n",
        [*BOUNDARY, "tests/test_indicators.py"],
        "scope or growth or seed_figures",
    ),
    "periods": (
        "parkanalysis/periods.py",
        "    return end_month == 1 or start_month == 2\n",
        "    return end_month == 1\n",
        BOUNDARY,
        "jan_feb or february or convention or batch_periods",
    ),
    "history": (
        "parkanalysis/land/history.py",
        "(out.index < cutoff.year)",
        "(out.index <= cutoff.year)",
        BOUNDARY,
        "complete or supply_left",
    ),
    "rules": (
        "parkanalysis/share/rules.py",
        "        return bool(x == x and 0 < x < self.k)\n",
        "        return bool(x == x and 0 < x < self.k - 1)\n",
        BOUNDARY,
        "threshold or report_layer",
    ),
    "base": (
        "parkanalysis/report/base.py",
        "        return bool(self.share and self.rules.too_few(n))\n",
        "        return bool(self.share and self.rules.too_few(None if n is None else n + 1))\n",
        BOUNDARY,
        "threshold or report_layer",
    ),
    "frames": (
        "parkanalysis/dataset/frames.py",
        '    group = ["park_id", "enterprise_id", "year"]\n',
        '    group = ["park_id", "enterprise_id"]\n',
        BOUNDARY,
        "cumulative",
    ),
    "units": (
        "parkanalysis/units.py",
        '        "公顷": ("area", Fraction(15)),\n',
        '        "公顷": ("area", Fraction(1, 15)),\n',
        BOUNDARY,
        "area or hectare or hectares or growth_scope_in",
    ),
}


def run_one(name: str) -> dict[str, list[str]]:
    path, old, new, files, k = MUTANTS[name]
    target = ROOT / path
    original = target.read_bytes()
    text = original.decode("utf-8")
    if text.count(old) != 1:
        raise SystemExit(f"{name}: the line to mutate is not found once in {path}")
    try:
        target.write_text(text.replace(old, new), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-q",
             "-rf", "--no-header", "-k", k, *files],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        target.write_bytes(original)
    failed: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        m = re.match(r"FAILED (tests/[^:]+)::(\S+)", line)
        if m:
            failed.setdefault(m.group(1), []).append(m.group(2))
    return failed


def main(argv: list[str]) -> int:
    names = argv or list(MUTANTS)
    ok = True
    print("| mutant | file | tests that fail |")
    print("|---|---|---|")
    for name in names:
        failed = run_one(name)
        listed = "; ".join(f"`{f}`: {', '.join(ts)}" for f, ts in failed.items()) or "**none**"
        print(f"| {name} | `{MUTANTS[name][0]}` | {listed} |", flush=True)
        ok &= len(failed) >= 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
