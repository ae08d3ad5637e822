"""Score :func:`parkanalysis.forecast.forecast_annual` on external annual benchmarks.

Runs the forecaster on every M3 yearly series (horizon 6) and every Tourism yearly series
(horizon 4) from the shared benchmark folder and prints sMAPE, MASE, the empirical
coverage of the 80 % and 95 % intervals and the elapsed time.  Scoring follows
``shared/benchmarks/README.md``: forecasts clipped at 0 for sMAPE, MASE scaled by the
in-sample mean absolute lag-1 difference.

Usage::

    python benchmarks/m3_forecast.py [--shared PATH] [--limit N] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from parkanalysis.forecast import forecast_annual  # noqa: E402

DATASETS = (
    ("M3 yearly", "m3_yearly.csv", 6, "target sMAPE <= 16.0, MASE <= 2.65"),
    ("Tourism yearly", "tourism_yearly.csv", 4, "overfitting check, no target"),
)


def load_series(path: Path, limit: int | None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Return ``(series_id, train, test)`` for every series of a tidy benchmark CSV."""
    data = pd.read_csv(path)
    out = []
    for sid, g in data.sort_values(["series_id", "t"]).groupby("series_id", sort=True):
        train = g.loc[g["split"] == "train", "value"].to_numpy(dtype=float)
        test = g.loc[g["split"] == "test", "value"].to_numpy(dtype=float)
        out.append((str(sid), train, test))
        if limit is not None and len(out) >= limit:
            break
    return out


def score_one(item: tuple[str, np.ndarray, np.ndarray]) -> tuple[float, float, float, float]:
    """Forecast one series and return (sMAPE, MASE, coverage80, coverage95)."""
    _, train, test = item
    horizon = test.size
    y = pd.Series(train, index=np.arange(1, train.size + 1))
    fc = forecast_annual(y, horizon, levels=(80, 95))
    f = np.maximum(fc["mean"].to_numpy(), 0.0)
    smape = np.mean(200 * np.abs(test - f) / (np.abs(test) + np.abs(f)))
    mase = np.mean(np.abs(test - f)) / np.mean(np.abs(np.diff(train)))
    c80 = np.mean((test >= fc["lo80"].to_numpy()) & (test <= fc["hi80"].to_numpy()))
    c95 = np.mean((test >= fc["lo95"].to_numpy()) & (test <= fc["hi95"].to_numpy()))
    return float(smape), float(mase), float(c80), float(c95)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=REPO.parent / "shared",
        help="shared folder holding benchmarks/ (default: ../shared next to the repo)",
    )
    parser.add_argument("--limit", type=int, default=None, help="score only the first N series")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args(argv)

    bench = args.shared / "benchmarks"
    if not bench.is_dir():
        print(f"Benchmark folder {bench} not found; nothing to score (skipped).")
        return 0
    start_all = time.perf_counter()
    for label, filename, horizon, note in DATASETS:
        path = bench / filename
        if not path.is_file():
            print(f"{label}: {path} not found, skipped.")
            continue
        start = time.perf_counter()
        items = load_series(path, args.limit)
        if any(test.size != horizon for _, _, test in items):
            print(f"{label}: unexpected test length (expected {horizon}), skipped.")
            continue
        if args.jobs > 1:
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                scores = np.array(list(pool.map(score_one, items, chunksize=32)))
        else:
            scores = np.array([score_one(item) for item in items])
        elapsed = time.perf_counter() - start
        smape, mase, c80, c95 = scores.mean(axis=0)
        print(
            f"{label:15s} series={len(items):4d} h={horizon}  sMAPE={smape:6.2f}  "
            f"MASE={mase:5.3f}  coverage80={c80:5.3f}  coverage95={c95:5.3f}  "
            f"time={elapsed:5.1f}s  ({note})"
        )
    print(f"total time {time.perf_counter() - start_all:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
