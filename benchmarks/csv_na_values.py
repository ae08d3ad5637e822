"""CPU time of reading a CSV table with pandas' C parser as
``parkanalysis.dataset.readers.csvfile`` does, with the missing-value spellings given once
for every column (now) against once per column (before). Same frame both ways (checked).
Prints the median of five rounds of 50 reads each and the ratio, for the sample's monthly
statistics and for its first five rows (a small office table, or the property tests'
datasets, where building one set per column was most of a read's fixed cost).

    python benchmarks/csv_na_values.py
"""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import pandas as pd

from parkanalysis.dataset.readers.csvfile import CSV_NA_VALUES

FULL = (Path(__file__).resolve().parents[1] / "data" / "sample" / "monthly_stats.csv").read_bytes()
SMALL = b"\n".join(FULL.splitlines()[:6]) + b"\n"
WIDTH = len(FULL.splitlines()[0].split(b","))


def read(data: bytes, per_column: bool) -> pd.DataFrame:
    na = {i: CSV_NA_VALUES for i in range(WIDTH)} if per_column else CSV_NA_VALUES
    return pd.read_csv(
        io.BytesIO(data),
        encoding="utf-8-sig",
        header=None,
        skiprows=1,
        names=list(range(WIDTH)),
        index_col=False,
        dtype={0: "category", 1: "category", 2: "category"},
        keep_default_na=False,
        na_values=na,
        skip_blank_lines=False,
        engine="c",
    )


def cpu(data: bytes, per_column: bool) -> float:
    start = time.process_time()
    for _ in range(50):
        read(data, per_column)
    return time.process_time() - start


def main() -> None:
    for label, data in (("monthly_stats.csv", FULL), ("its first 5 rows", SMALL)):
        assert read(data, True).equals(read(data, False)), "the two readings differ"
        once = statistics.median(cpu(data, False) for _ in range(5))
        each = statistics.median(cpu(data, True) for _ in range(5))
        print(f"50 reads of {label}: {once:.3f} s CPU (NA once); {each:.3f} s (per column)")
        print(f"ratio per-column/once: {each / once:.2f}x")


if __name__ == "__main__":
    main()
