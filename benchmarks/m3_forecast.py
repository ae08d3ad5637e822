"""Score :func:`parkanalysis.forecast.forecast_annual` on external annual benchmarks.

Runs the forecaster on every M3 yearly series (horizon 6) and every Tourism yearly series
(horizon 4) from the shared benchmark folder and prints sMAPE, MASE, the empirical
coverage of the 80 % and 95 % intervals and the elapsed time, next to the random walk with
drift (computed here on the same series) and dynamically optimised Theta (DOTM,
statsforecast 2.1.1; published reference figures, not recomputed).  Scoring follows
``shared/benchmarks/README.md``: forecasts clipped at 0 for sMAPE, MASE scaled by the
in-sample mean absolute lag-1 difference.  Nothing in the forecaster is tuned on these
test periods; a verdict line says whether it beats both references on both measures and
whether the coverage lies within 3 points of nominal. Exit code 1 when a verdict is not, or
the run takes more than 3 minutes (with ``--limit`` no verdict is given).

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
    ("M3 yearly", "m3_yearly.csv", 6),
    ("Tourism yearly", "tourism_yearly.csv", 4),
)
#: DOTM (statsforecast 2.1.1) sMAPE and MASE: M3 from shared/benchmarks/README.md, Tourism
#: from issue 14.
DOTM = {"M3 yearly": (15.79, 2.58), "Tourism yearly": (20.12, 2.627)}


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


def _accuracy(train: np.ndarray, test: np.ndarray, f: np.ndarray) -> tuple[float, float]:
    f = np.maximum(f, 0.0)
    smape = np.mean(200 * np.abs(test - f) / (np.abs(test) + np.abs(f)))
    mase = np.mean(np.abs(test - f)) / np.mean(np.abs(np.diff(train)))
    return float(smape), float(mase)


def score_one(item: tuple[str, np.ndarray, np.ndarray]) -> tuple[float, ...]:
    """Forecast one series: (sMAPE, MASE, coverage80, coverage95, drift sMAPE, drift MASE)."""
    _, train, test = item
    horizon = test.size
    y = pd.Series(train, index=np.arange(1, train.size + 1))
    fc = forecast_annual(y, horizon, levels=(80, 95))
    smape, mase = _accuracy(train, test, fc["mean"].to_numpy())
    c80 = np.mean((test >= fc["lo80"].to_numpy()) & (test <= fc["hi80"].to_numpy()))
    c95 = np.mean((test >= fc["lo95"].to_numpy()) & (test <= fc["hi95"].to_numpy()))
    drift = train[-1] + (train[-1] - train[0]) / (train.size - 1) * np.arange(1, horizon + 1)
    d_smape, d_mase = _accuracy(train, test, drift)
    return smape, mase, float(c80), float(c95), d_smape, d_mase


#: run time target on 2 cores (benchmarks/README.md); the verdicts imply the README's score
#: targets (beating DOTM means sMAPE < 15.79 ≤ 16.0 and MASE < 2.58 ≤ 2.65 on M3 yearly)
MAX_SECONDS = 180


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
    verdicts = []
    missed = False
    for label, filename, horizon in DATASETS:
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
        smape, mase, c80, c95, d_smape, d_mase = scores.mean(axis=0)
        t_smape, t_mase = DOTM[label]
        print(
            f"{label:15s} series={len(items):4d} h={horizon}  sMAPE={smape:7.3f}  "
            f"MASE={mase:6.4f}  coverage80={c80:5.3f}  coverage95={c95:5.3f}  "
            f"time={elapsed:5.1f}s\n"
            f"{'':15s} drift (same series)  sMAPE={d_smape:7.3f}  MASE={d_mase:6.4f}\n"
            f"{'':15s} DOTM (reference)     sMAPE={t_smape:7.2f}  MASE={t_mase:6.3f}"
        )
        if args.limit is None:
            beats = smape < min(d_smape, t_smape) and mase < min(d_mase, t_mase)
            calibrated = abs(c80 - 0.80) <= 0.03 and abs(c95 - 0.95) <= 0.03
            missed = missed or not (beats and calibrated)
            verdicts.append(
                f"{label}: {'beats' if beats else 'does NOT beat'} drift and DOTM on sMAPE and "
                f"MASE; coverage {'within' if calibrated else 'OUTSIDE'} 3 points of nominal"
            )
    for line in verdicts:
        print(line)
    elapsed = time.perf_counter() - start_all
    print(f"total time {elapsed:.1f}s (target <= {MAX_SECONDS} s)")
    missed = missed or elapsed > MAX_SECONDS
    return 1 if missed else 0  # a verdict above says what was missed


if __name__ == "__main__":
    sys.exit(main())
