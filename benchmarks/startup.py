"""CPU time of starting a process that imports nbformat, with and without the deferred IRI
grammar (``parkanalysis._startup``): what every ``parkanalysis render``/``batch`` run and every
batch worker pays before its first report. Prints the median of five runs each and the ratio.

    python benchmarks/startup.py
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys

PLAIN = "import nbformat"
DEFERRED = "from parkanalysis._startup import defer_iri_grammar as d; d(); import nbformat"


def cpu_seconds(code: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    plain = statistics.median(cpu_seconds(PLAIN) for _ in range(5))
    deferred = statistics.median(cpu_seconds(DEFERRED) for _ in range(5))
    print(f"import nbformat: {plain:.2f} s CPU; with the IRI grammar deferred: {deferred:.2f} s")
    print(f"ratio plain/deferred: {plain / deferred:.1f}x")


if __name__ == "__main__":
    main()
