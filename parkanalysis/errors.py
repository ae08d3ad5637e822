"""One exception family for parkanalysis.

Every error a user can cause derives from :class:`ParkAnalysisError`; the command line
turns them into a message and exit code 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One validation finding, located as the user sees it in Excel.

    Parameters
    ----------
    severity : {"error", "warning"}
        Errors block loading; warnings need a look but the data are usable.
    rule : str
        Stable rule id, e.g. ``"negative_amount"``.
    message : str
        Human-readable explanation (Chinese) with the fix.
    file : str, optional
        File name relative to the dataset folder.
    row : int, optional
        Row number as shown by Excel (1-based, header rows included).
    column : str, optional
        Column header as written in the file.
    value : Any, optional
        The offending value as read.
    """

    severity: str
    rule: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None

    def location(self) -> str:
        """Return ``file:row 列 column`` for messages."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return " ".join(parts) if parts else "(数据集)"

    def __str__(self) -> str:
        level = "错误" if self.severity == "error" else "警告"
        value = "" if self.value is None else f" 值={self.value!r}"
        return f"[{level}] {self.location()}{value}: {self.message} (规则 {self.rule})"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (values converted to str where not JSON-native)."""
        d = asdict(self)
        if d["value"] is not None and not isinstance(d["value"], int | float | str | bool):
            d["value"] = str(d["value"])
        return d


class ParkAnalysisError(Exception):
    """Base class of every error parkanalysis raises on purpose."""


class DataError(ParkAnalysisError):
    """The dataset cannot be used; carries every blocking finding."""

    def __init__(self, findings: list[Finding] | Finding, *, warnings: list[Finding] | None = None):
        if isinstance(findings, Finding):
            findings = [findings]
        self.findings = list(findings)
        self.warnings = list(warnings or [])
        head = f"数据有 {len(self.findings)} 处错误,请修正后重试:"
        lines = [str(f) for f in self.findings[:20]]
        if len(self.findings) > 20:
            lines.append(f"…… 另有 {len(self.findings) - 20} 处错误未列出")
        super().__init__("\n".join([head, *lines]))


class PeriodError(ParkAnalysisError, ValueError):
    """A period string is malformed or outside the data."""


class IncompleteDataError(ParkAnalysisError):
    """A period's statistics are not complete enough to report (报送率 below the threshold,
    or months after the data's "complete to" month); ``--allow-incomplete`` overrides."""


class ParameterError(ParkAnalysisError, ValueError):
    """A report or command parameter is unknown, of the wrong type, or unsafe."""


class RenderError(ParkAnalysisError):
    """A report failed to execute or export."""


class FontError(ParkAnalysisError):
    """No font able to draw Chinese text was found."""
