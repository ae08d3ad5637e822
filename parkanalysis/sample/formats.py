"""Exact values of the generated files: integer tenths, ISO dates, month indices, CSV text.

Amounts are kept as integer tenths and formatted without floats, so that the files are the
same byte for byte on every machine.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np


def tenths_text(value: int) -> str:
    """Format an integer count of tenths as a decimal with one digit (exact, no float).

    >>> tenths_text(31260), tenths_text(5), tenths_text(-12)
    ('3126.0', '0.5', '-1.2')
    """
    sign = "-" if value < 0 else ""
    q, r = divmod(abs(int(value)), 10)
    return f"{sign}{q}.{r}"


def to_tenths(x: float) -> int:
    """Round a float to an integer number of tenths (half away from zero)."""
    return math.floor(abs(x) * 10 + 0.5) * (1 if x >= 0 else -1)


def date_text(x: date | None) -> str:
    return "" if x is None else x.isoformat()


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def month_text(mi: int) -> str:
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


def month_index(y: int, m: int) -> int:
    return y * 12 + m - 1


def _month_end(mi: int) -> date:
    y, m = divmod(mi + 1, 12)
    return date(y, m + 1, 1) - timedelta(days=1)


def yn(x: bool | None) -> str:
    return "" if x is None else ("是" if x else "否")


def opt(x: int | None, tenths: bool = True) -> str:
    if x is None or x < 0:
        return ""
    return tenths_text(x) if tenths else str(x)


def rand_date(rng: np.random.Generator, lo: date, hi: date) -> date:
    return lo + timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))
