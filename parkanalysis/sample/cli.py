"""``python -m parkanalysis.sample``: write the embedded sample or a synthetic dataset."""

from __future__ import annotations

import argparse
import sys

from parkanalysis.errors import ParameterError
from parkanalysis.sample.build import write_sample
from parkanalysis.sample.synthetic import write_synthetic


def main(argv: list[str] | None = None) -> int:
    """``python -m parkanalysis.sample OUT [--overwrite] [--parks N --enterprises M ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m parkanalysis.sample",
        description="写出内置示例园区(工贸园)或大规模合成数据集",
    )
    parser.add_argument("out", help="输出文件夹,如 data/sample")
    parser.add_argument("--overwrite", action="store_true", help="允许写入非空的其他文件夹")
    parser.add_argument("--parks", type=int)
    parser.add_argument("--enterprises", type=int)
    parser.add_argument("--years", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--end", default="2016-06")
    args = parser.parse_args(argv)
    try:
        if args.parks is None and args.enterprises is None and args.years is None:
            paths = write_sample(args.out, overwrite=args.overwrite)
        else:
            paths = write_synthetic(
                args.out,
                parks=args.parks or 3,
                enterprises=args.enterprises or 60,
                years=args.years or 5,
                seed=args.seed,
                end=args.end,
                overwrite=args.overwrite,
            )
    except ParameterError as exc:
        print(exc, file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0
