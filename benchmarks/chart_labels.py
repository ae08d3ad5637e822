"""CPU time of the first drawing of the sample's report charts (2016H1 period report and
land report, as the reports make them: phone-sized, enlarged for reading) at
``FIGURE_DPI``, with the label fitting of :mod:`parkanalysis.plots` (now) and without it
(``fit_labels`` replaced by a no-op: before). A second drawing of a fitted chart changes
nothing and costs what it did before. Prints the median of three rounds and the ratio; no
target (the fitting is what keeps 图4's categories apart).

    python benchmarks/chart_labels.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import parkanalysis.report as pr
from parkanalysis import plots
from parkanalysis.report.model import FIGURE_DPI, Figure

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def charts() -> list[Figure]:
    period = pr.PeriodReport(data=str(SAMPLE), period="2016H1")
    land = pr.LandReport(data=str(SAMPLE))
    sections = [getattr(period, n)() for n in ("economy", "land", "safety")]
    sections += [getattr(land, n)() for n in ("supply_history", "forecast", "exhaustion")]
    return [b for s in sections for b in s.blocks if isinstance(b, Figure)]


def first_drawing(fit: bool) -> float:
    figures = charts()  # fresh figures: their first drawing
    keep = plots.fit_labels
    if not fit:
        plots.fit_labels = lambda *args, **kwargs: None
    try:
        start = time.process_time()
        for figure in figures:
            figure.png_bytes(FIGURE_DPI)
        return time.process_time() - start
    finally:
        plots.fit_labels = keep


def main() -> None:
    first_drawing(True)  # fonts and caches warm
    now = statistics.median(first_drawing(True) for _ in range(3))
    before = statistics.median(first_drawing(False) for _ in range(3))
    print(f"{len(charts())} charts, first drawing at {FIGURE_DPI} dpi (CPU s, median of 3)")
    print(f"  with label fitting    {now:.3f}")
    print(f"  without (before)      {before:.3f}")
    print(f"  ratio                 {now / before:.2f}")


if __name__ == "__main__":
    main()
