"""Collecting findings: every failure is kept (lazy validation), with a cap per column.

One bad column in a 3.6M-row file would otherwise produce millions of findings; after
:data:`MAX_PER_GROUP` findings of the same rule in the same file and column, one summary
finding states how many more there are.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from parkanalysis.errors import Finding

if TYPE_CHECKING:  # numpy only where a mask of rows is given (park.yaml's checks need none)
    import numpy as np

#: Findings kept per (file, column, rule) before summarising the rest.
MAX_PER_GROUP = 50

#: Rules that are warnings (the data are used); every other rule is an error.
WARNING_RULES = frozenset(
    {"growth_outlier", "ledger_not_closed", "enterprise_without_land", "absurd_value"}
)


class Findings:
    """An append-only list of findings with per-group caps."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self._count: Counter = Counter()
        self._suppressed: Counter = Counter()
        #: file → the sheet of each row of its table (a workbook read sheet by sheet): a
        #: cell finding of such a table names the sheet, as the row numbers are the sheet's
        self.sheets: dict[str, np.ndarray] = {}

    def add(self, rule, message, *, file=None, row=None, column=None, value=None, severity=None):
        """Record one finding (severity from :data:`WARNING_RULES` unless given)."""
        severity = severity or ("warning" if rule in WARNING_RULES else "error")
        group = (file, column, rule)
        self._count[group] += 1
        if self._count[group] > MAX_PER_GROUP:
            self._suppressed[(group, severity)] += 1
            return
        self.items.append(Finding(severity, rule, message, file, _int(row), column, _plain(value)))

    def add_finding(self, finding: Finding) -> None:
        """Record a finding built elsewhere (e.g. by the readers)."""
        self.items.append(finding)

    def add_mask(
        self,
        rule: str,
        mask: np.ndarray,
        *,
        file: str,
        rows: np.ndarray,
        column: str | None,
        values: Iterable | None,
        message: str | Callable[[int], str],
        severity: str | None = None,
    ) -> int:
        """Record one finding per True in ``mask``; return how many there were."""
        import numpy as np

        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return 0
        vals = None if values is None else np.asarray(values, dtype=object)
        sheets = self.sheets.get(file)
        if sheets is not None and len(sheets) != len(rows):
            sheets = None  # not the rows of the table as read
        for i in idx[: MAX_PER_GROUP + 1]:
            msg = message(int(i)) if callable(message) else message
            if sheets is not None:
                msg = f"工作表「{sheets[i]}」第{int(rows[i])}行:{msg}"
            self.add(
                rule,
                msg,
                file=file,
                row=rows[i],
                column=column,
                value=None if vals is None else vals[i],
                severity=severity,
            )
        extra = len(idx) - min(len(idx), MAX_PER_GROUP + 1)
        if extra:
            group = (file, column, rule)
            self._count[group] += extra
            sev = severity or ("warning" if rule in WARNING_RULES else "error")
            self._suppressed[(group, sev)] += extra
        return len(idx)

    def finish(self) -> tuple[list[Finding], list[Finding]]:
        """Return ``(errors, warnings)``, with one summary per capped group."""
        items = list(self.items)
        for ((file, column, rule), severity), n in self._suppressed.items():
            items.append(
                Finding(
                    severity,
                    rule,
                    f"同类问题另有 {n} 处未逐一列出;请按上面的提示批量修正该列后重新校验",
                    file,
                    None,
                    column,
                    None,
                )
            )
        errors = [f for f in items if f.severity == "error"]
        warnings = [f for f in items if f.severity != "error"]
        return errors, warnings


def _int(v):
    return None if v is None else int(v)


def _plain(v):
    """Convert numpy scalars and NaN to plain Python values for findings."""
    if v is None:
        return None
    if type(v).__module__ == "numpy" and hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    pd = sys.modules.get("pandas")  # pd.NA/NaT exist only where pandas made the value
    if pd is not None and (v is pd.NA or v is pd.NaT):
        return None
    return v
