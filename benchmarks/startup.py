"""CPU time of starting the processes the package owns. Prints medians of five runs and ratios.

1. A process that imports nbformat, with and without the deferred IRI grammar
   (``parkanalysis._startup``): what every ``parkanalysis render``/``batch`` run and every
   batch worker pays before its first report.
2. A kernel's warm-up imports (pandas, matplotlib, IPython's kernel, the report modules) with
   and without bytecode: ``PYTHONPYCACHEPREFIX`` pointing at an empty folder makes Python
   compile every module from source, as in a venv installed without .pyc files (uv's default)
   where ``PYTHONDONTWRITEBYTECODE`` is set; ``scripts/bootstrap.sh`` compiles them once.
3. What the first land outlook of a process imports for the supply trend's F test:
   ``scipy.stats`` (before) against ``scipy.special`` (now), after numpy and pandas.

    python benchmarks/startup.py

Targets, each well below what the shared 2-core machine measured and well above what losing
the change would give (about 1): plain/deferred ≥ 3 (8.5, 10.2 measured), source/bytecode ≥ 2
(3.5, 4.4), stats/special ≥ 1.5 (3.0, 4.7). Exit code 1 when one is missed.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile

PLAIN = "import nbformat"
DEFERRED = "from parkanalysis._startup import defer_iri_grammar as d; d(); import nbformat"
KERNEL = (
    "import ipykernel.kernelapp, matplotlib.pyplot, pandas, parkanalysis.report, parkanalysis.land"
)


def cpu_seconds(code: str, env: dict[str, str] | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: ratio name → least ratio accepted
TARGETS = {"plain/deferred": 3.0, "source/bytecode": 2.0, "stats/special": 1.5}


def verdict(name: str, ratio: float) -> bool:
    ok = ratio >= TARGETS[name]
    print(f"ratio {name}: {ratio:.1f}x (target >= {TARGETS[name]:g}): {'ok' if ok else 'MISSED'}")
    return ok


def main() -> int:
    plain = statistics.median(cpu_seconds(PLAIN) for _ in range(5))
    deferred = statistics.median(cpu_seconds(DEFERRED) for _ in range(5))
    print(f"import nbformat: {plain:.2f} s CPU; with the IRI grammar deferred: {deferred:.2f} s")
    met = [verdict("plain/deferred", plain / deferred)]

    compiled = statistics.median(cpu_seconds(KERNEL) for _ in range(5))
    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        source = statistics.median(cpu_seconds(KERNEL, env) for _ in range(5))
    print(f"a kernel's imports: {source:.2f} s CPU from source; {compiled:.2f} s from .pyc files")
    met.append(verdict("source/bytecode", source / compiled))

    base = statistics.median(cpu_seconds("import numpy, pandas") for _ in range(5))
    stats = statistics.median(cpu_seconds("import numpy, pandas, scipy.stats") for _ in range(5))
    special = statistics.median(
        cpu_seconds("import numpy, pandas, scipy.special") for _ in range(5)
    )
    print(
        f"the F test's import: scipy.stats {stats - base:.2f} s CPU; "
        f"scipy.special {special - base:.2f} s"
    )
    met.append(verdict("stats/special", (stats - base) / max(special - base, 1e-3)))
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
