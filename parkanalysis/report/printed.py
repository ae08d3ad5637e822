"""What the consistency checker reads and reports: printed numbers, table rows, mismatches.

The lower room of :mod:`parkanalysis.report.consistency`: a :class:`Printed` number is its
value and the half of its last digit (「3,126.0」 stands for 3126.0 ± 0.05); a :class:`Row`
is one row of an indicator table (name, unit, header → printed cell); a :class:`Mismatch`
is one statement the text makes that its tables do not print; a :class:`Report` counts what
was checked. :data:`FULLWIDTH` reads the page's full-width punctuation as half-width.

>>> Printed.parse("3,126.0"), split_label("工业总产值（亿元）")
(Printed(value=Decimal('3126.0'), half=Decimal('0.05')), ('工业总产值', '亿元'))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

FULLWIDTH = str.maketrans({"，": ",", "；": ";", "（": "(", "）": ")", "：": ":", "％": "%"})


@dataclass(frozen=True)
class Mismatch:
    """One statement of the text that its tables do not bear out."""

    rule: str
    text: str  # the clause as printed
    expected: str  # what the tables print
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] 「{self.text}」:{self.message}(表中:{self.expected})"


@dataclass
class Report:
    """What :func:`check_document` found."""

    mismatches: list[Mismatch] = field(default_factory=list)
    checked: int = 0  # statements traced to a cell
    unchecked: int = 0  # numbers of declared sources (see the module docstring)

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class Printed:
    """A printed number: its value and the half of its last digit (its rounding)."""

    value: Decimal
    half: Decimal

    @classmethod
    def parse(cls, text) -> Printed | None:
        if text is None:
            return None
        s = str(text).strip().rstrip("*").replace(",", "").replace("−", "-")
        if not re.fullmatch(r"-?\d+(?:\.\d+)?", s):
            return None
        try:
            d = Decimal(s)
        except InvalidOperation:
            return None
        places = len(s.split(".")[1]) if "." in s else 0
        return cls(d, Decimal(5).scaleb(-places - 1))

    def scaled(self, factor: Decimal) -> Printed:
        return Printed(self.value * factor, self.half * factor)

    @property
    def low(self) -> Decimal:
        return self.value - self.half

    @property
    def high(self) -> Decimal:
        return self.value + self.half


def overlap(lo: Decimal, hi: Decimal, p: Printed, slack: Decimal = Decimal("1e-9")) -> bool:
    return lo <= p.high + slack and hi >= p.low - slack


def ratio_range(a: Printed, b: Printed) -> tuple[Decimal, Decimal] | None:
    """(a ÷ b) over the printed intervals, or None when b may be zero or negative."""
    if b.low <= 0 or a.low < 0:
        return None
    return a.low / b.high, a.high / b.low


@dataclass
class Row:
    table: int  # index of the table in the document
    name: str
    unit: str
    cells: dict[str, str]  # header → printed cell

    def get(self, *headers: str) -> Printed | None:
        for h in headers:
            if h in self.cells:
                p = Printed.parse(self.cells[h])
                if p is not None:
                    return p
        return None

    def header(self, predicate) -> str | None:
        return next((h for h in self.cells if predicate(h)), None)


def split_label(label: str) -> tuple[str, str]:
    """「工业总产值(亿元)」 → ("工业总产值", "亿元"); 「已批未供(尚可供应)」 → ("已批未供", "")."""
    label = str(label).translate(FULLWIDTH).strip()
    m = re.fullmatch(r"(.*?)\s*\(([^()]*)\)\s*", label)
    if not m:
        return label, ""
    name, inner = m.group(1), m.group(2)
    unit = (
        inner
        if re.fullmatch(r"[万亿]?元|人|家|个|亩|公顷|%|万元/亩|万元/人|万元/公顷", inner)
        else ""
    )
    return name, unit
