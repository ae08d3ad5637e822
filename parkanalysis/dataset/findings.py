"""Collecting findings: every failure is kept (lazy validation), with a cap per column.

One bad column in a 3.6M-row file would otherwise produce millions of findings; after
:data:`MAX_PER_GROUP` findings of the same rule in the same file and column, one summary
finding states how many more there are.

**Where a row is.** A table read from several sheets of a workbook (or from several files)
repeats its Excel row numbers: row 44 is on every sheet. The places of such a table's rows
are registered (:meth:`Findings.place_rows`: each row's Excel row, sheet and file); a
finding about one of its rows then begins 「工作表「2016年3月」第44行:」 and names the file
the row is in — found by the row's position where the caller gives it (``add_mask`` over the
table's rows, ``add(at=…)``), else by the row number when only one sheet has it.
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
        #: file (or a table's label) → the places of its rows: ``(Excel rows, sheets,
        #: files)`` aligned arrays (files None: the file itself), see the module docstring
        self.places: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]] = {}
        self._aligned: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}

    def place_rows(self, file: str, rows, sheets, files=None) -> None:
        """Register the places of the rows of the table ``file`` (module docstring)."""
        import numpy as np

        rows = np.asarray(rows)
        sheets = np.asarray(sheets, dtype=object)
        if files is not None:
            files = np.asarray(files, dtype=object)
        for i, (r, _s, _f) in enumerate(self.places.get(file, [])):
            if len(r) == len(rows) and (r is rows or np.array_equal(r, rows)):
                self.places[file][i] = (rows, sheets, files)
                return
        self.places.setdefault(file, []).append((rows, sheets, files))

    def place_of(self, file, row=None, at=None, rows=None) -> tuple[str | None, str]:
        """``(file, 「工作表「X」第N行:」)`` of the row at position ``at`` of ``rows`` (the
        table's Excel rows), else of Excel ``row`` when one sheet only has it; ``(file, "")``
        when not known."""
        import numpy as np

        options = self.places.get(file, []) if file is not None else []
        if at is not None and rows is not None:
            for r, sheets, files in options:
                key = (file, id(rows))
                if self._aligned.get(key, (None, None))[0] is rows:  # compared before
                    same = self._aligned[key][1] is r
                else:
                    same = len(r) == len(rows) and (r is rows or np.array_equal(r, rows))
                    if same:
                        self._aligned[key] = (rows, r)  # keeps ``rows`` alive with its id
                if same:
                    real = None if files is None else files[int(at)]
                    return _where(file, sheets[int(at)], real, r[int(at)])
        if row is None:
            return file, ""
        for r, sheets, files in options:
            hits = np.flatnonzero(r == row)
            pairs = {(sheets[i], None if files is None else files[i]) for i in hits}
            if len(pairs) == 1:
                sheet, real = pairs.pop()
                return _where(file, sheet, real, row)
        return file, ""

    def add(
        self,
        rule,
        message,
        *,
        file=None,
        row=None,
        column=None,
        value=None,
        severity=None,
        at=None,
        rows=None,
    ):
        """Record one finding (severity from :data:`WARNING_RULES` unless given); ``at``
        (with ``rows``, the table's Excel rows) places the row (module docstring)."""
        severity = severity or ("warning" if rule in WARNING_RULES else "error")
        if row is not None and file in self.places and not message.startswith("工作表「"):
            file, where = self.place_of(file, row=row, at=at, rows=rows)
            message = where + message
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
        for i in idx[: MAX_PER_GROUP + 1]:
            msg = message(int(i)) if callable(message) else message
            self.add(
                rule,
                msg,
                file=file,
                row=rows[i],
                column=column,
                value=None if vals is None else vals[i],
                severity=severity,
                at=i,
                rows=rows,
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


def _where(file: str, sheet, real: str | None, row) -> tuple[str, str]:
    """The file of a placed row and the message's beginning.

    >>> _where("a.xlsx … b.xlsx(共 2 个文件)", "3月", "b.xlsx", 5)
    ('b.xlsx', '工作表「3月」第5行:')
    >>> _where("a.csv … b.csv(共 2 个文件)", None, "b.csv", 5)
    ('b.csv', '')
    """
    real = real or file
    if sheet is None or (isinstance(sheet, float) and sheet != sheet):
        return real, ""
    return real, f"工作表「{sheet}」第{int(row)}行:"


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
