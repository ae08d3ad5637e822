"""Reading time and peak memory of XLSX tables by number of cells (the reader's work bound).

Writes an enterprises workbook of N valid rows (9 columns) for several N up to the default
cell cap (1 000 000 cells), reads it with ``parkanalysis validate`` in a subprocess and prints
seconds, peak RSS and cells per second; then the hostile case of the issue (millions of tiny
cells under the 500:1 ratio guard), which must be refused quickly::

    python benchmarks/xlsx_cells.py            # 20k, 50k, 110k rows
    python benchmarks/xlsx_cells.py --rows 50000

Targets (exit code 1 when one is missed): every workbook under the cap validates (exit 0),
and the hostile one is refused as bad input (exit 2) within ``--max-refusal`` seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import corpus as C  # noqa: E402
from tests.malformed import BASE, base_files, write_files  # noqa: E402


def _workbook(rows: int) -> bytes:
    import openpyxl

    lines = BASE["enterprises.csv"].splitlines()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(lines[0].split(","))
    for line in lines[1:]:
        ws.append([C.typed(c) for c in line.split(",")])
    for i in range(rows):
        ws.append(["GMY", f"X{i:07d}", f"企业{i}", "C2110", "商贸", "2014-01-01", None, None, None])
    return C.workbook_bytes(wb)


def _run(data: Path) -> C.CliResult:
    env = {"PARKANALYSIS_DEBUG": ""}
    return C.run_cli(["validate", str(data), "--format", "json"], cwd=data.parent, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[20_000, 50_000, 110_000])
    parser.add_argument("--max-refusal", type=float, default=5.0, help="seconds (default 5)")
    args = parser.parse_args()
    missed = []
    root = Path(tempfile.mkdtemp(prefix="xlsx-cells-"))
    try:
        print(
            f"{'rows':>8} {'cells':>10} {'MB':>6} {'exit':>4} {'s':>7} {'MB RSS':>7} {'cells/s':>9}"
        )
        for rows in args.rows:
            files = base_files()
            del files["enterprises.csv"]
            files["enterprises.xlsx"] = _workbook(rows)
            data = write_files(root / f"r{rows}", files)
            size = (data / "enterprises.xlsx").stat().st_size / 2**20
            r = _run(data)
            cells = (rows + 3) * 9
            print(
                f"{rows:>9} {cells:>9} {size:>9.1f} {r.returncode:>9} {r.seconds:>9.1f} "
                f"{r.peak_mb:>9.0f} {cells / r.seconds:>9.0f}"
            )
            if r.returncode != 0:
                missed.append(f"{rows} rows: exit {r.returncode}, not 0")
        files = base_files()
        del files["enterprises.csv"]
        files["enterprises.xlsx"] = C.dense_cells(BASE["enterprises.csv"])
        data = write_files(root / "dense", files)
        r = _run(data)
        size = (data / "enterprises.xlsx").stat().st_size / 2**20
        print(
            f"hostile: 3 000 000 tiny cells, {size:.1f} MB on disk: exit {r.returncode} "
            f"in {r.seconds:.1f} s, peak RSS {r.peak_mb:.0f} MB "
            f"(target: exit 2 within {args.max_refusal:g} s)"
        )
        if r.returncode != 2 or r.seconds > args.max_refusal:
            missed.append(f"hostile workbook: exit {r.returncode} in {r.seconds:.1f} s")
    finally:
        shutil.rmtree(root, ignore_errors=True)
        os.environ.pop("PARKANALYSIS_DEBUG", None)
    print("targets:", "MISSED: " + "; ".join(missed) if missed else "met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
