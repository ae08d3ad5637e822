"""Text from the data made safe for where it is written: CSV for Excel, XLSX, the terminal.

- **CSV** (:func:`csv_safe_frame`): a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return would be run as a formula when the file is opened in Excel; it gets a
  leading apostrophe, as OWASP advises (the XLSX writer marks the same cells as text). Numbers
  are never touched, nor text that is a plain number (``-3.5``, ``+12%``).
- **XLSX** (:func:`xlsx_text`): control characters XML 1.0 cannot hold (openpyxl raises
  ``IllegalCharacterError``) are written as visible escapes (``\\x1b``).
- **Terminal** (:func:`terminal_text`): control characters other than line breaks are shown
  as escapes, so a cell value cannot clear the screen, ring the bell or set the window title.
"""

from __future__ import annotations

import re

#: First characters that make Excel read a cell as a formula (or DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?%?")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TERMINAL_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}"


def csv_cell(value: object) -> object:
    """Return ``value`` with a leading apostrophe when Excel would run it as a formula.

    >>> [csv_cell(v) for v in ["=HYPERLINK(A1)", "@SUM(A1)", "-3.5", "-1+2", "甲", -2.0]]
    ["'=HYPERLINK(A1)", "'@SUM(A1)", '-3.5', "'-1+2", '甲', -2.0]
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not (_PLAIN_NUMBER.fullmatch(value) and any(c.isdigit() for c in value))
    ):
        return "'" + value
    return value


def csv_safe_frame(frame):
    """A copy of ``frame`` whose text cells are neutralised by :func:`csv_cell`."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or str(series.dtype) in ("category", "string", "str"):
            out[column] = series.astype(object).map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def xlsx_text(text: str) -> str:
    """``text`` without the control characters an XLSX cannot hold (shown as ``\\xNN``).

    >>> xlsx_text("甲\\x1b公司\\x07")
    '甲\\\\x1b公司\\\\x07'
    """
    return _XLSX_ILLEGAL.sub(_visible, text)


def terminal_text(text: str) -> str:
    """``text`` with every control character except the line break shown as ``\\xNN``.

    >>> terminal_text("值\\x1b]0;title\\x07")
    '值\\\\x1b]0;title\\\\x07'
    """
    return _TERMINAL_CONTROL.sub(_visible, text)
