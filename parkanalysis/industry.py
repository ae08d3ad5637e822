"""Industry names of GB/T 4754-2017 (国民经济行业分类): 门类 and 大类 from a 行业代码.

The names ship with the package (``parkanalysis/data/gbt4754_2017.csv``: the 20 门类 A–T
and the 97 大类 01–97). A 行业代码 as the data write it — ``C2110`` (门类 letter + 小类), ``2110``,
``C21``, ``21`` — is read as its 大类 (the first two digits) and the 门类 that holds it; the
大类 decides the 门类, so ``F2110`` is 制造业/家具制造业. Blank or unreadable codes are
「未分类」 (never dropped). Lookups are pure functions on strings, for reports and notebooks.

Registers often write the industry's **name** instead of its code: :func:`code_of` reads a
大类 name (家具制造业 → ``C21``) or a 门类 name (制造业 → ``C``), compared after NFKC without
blanks and with or without a trailing 业; codes are returned as written; anything else is
None, and :func:`nearest_names` gives the closest names for the message.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import pandas as pd

__all__ = [
    "UNCLASSIFIED",
    "Industry",
    "classify",
    "code_of",
    "division_name",
    "divisions",
    "industry_of",
    "section_name",
    "sections",
]

#: Name shown for a blank or unreadable 行业代码.
UNCLASSIFIED = "未分类"
_CODE = re.compile(r"^\s*([A-Za-z])?\s*(\d{2})\d{0,2}\s*$")
_LETTER = re.compile(r"^\s*([A-Ta-t])\s*$")


class Industry(NamedTuple):
    """门类 and 大类 of one 行业代码 (codes empty and names 「未分类」 when unknown)."""

    section: str
    section_name: str
    division: str
    division_name: str


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(门类 code → name, 大类 code → name, 大类 code → 门类 code) from the shipped file."""
    text = resources.files("parkanalysis").joinpath("data/gbt4754_2017.csv").read_text("utf-8")
    sec, div, parent = {}, {}, {}
    for row in csv.DictReader(text.splitlines()):
        if row["code"].isalpha():
            sec[row["code"]] = row["name"]
        else:
            div[row["code"]] = row["name"]
            parent[row["code"]] = row["section"]
    return sec, div, parent


def sections() -> pd.DataFrame:
    """The 20 门类: ``section, section_name``.

    Examples
    --------
    >>> s = sections()
    >>> len(s), s.iloc[2].tolist()
    (20, ['C', '制造业'])
    """
    sec, _, _ = _table()
    return pd.DataFrame({"section": list(sec), "section_name": list(sec.values())})


def divisions() -> pd.DataFrame:
    """The 97 大类: ``division, division_name, section, section_name``.

    Examples
    --------
    >>> d = divisions().set_index("division")
    >>> len(d), d.loc["21", "division_name"], d.loc["21", "section_name"]
    (97, '家具制造业', '制造业')
    """
    sec, div, parent = _table()
    return pd.DataFrame(
        {
            "division": list(div),
            "division_name": list(div.values()),
            "section": [parent[d] for d in div],
            "section_name": [sec[parent[d]] for d in div],
        }
    )


def section_name(code: str) -> str:
    """Name of a 门类 letter (「未分类」 if unknown).

    >>> section_name("F")
    '批发和零售业'
    """
    return _table()[0].get(str(code).strip().upper(), UNCLASSIFIED)


def division_name(code: str) -> str:
    """Name of a 大类 (two digits, or any 行业代码 whose 大类 it is).

    >>> division_name("C3381"), division_name("52")
    ('金属制品业', '零售业')
    """
    return industry_of(code).division_name


def industry_of(code: Any) -> Industry:
    """门类 and 大类 of a 行业代码.

    Examples
    --------
    >>> industry_of("C2110")
    Industry(section='C', section_name='制造业', division='21', division_name='家具制造业')
    >>> industry_of("5121").section_name, industry_of("F").section_name
    ('批发和零售业', '批发和零售业')
    >>> industry_of(None).division_name, industry_of("99").division_name
    ('未分类', '未分类')
    """
    sec, div, parent = _table()
    text = "" if code is None or (isinstance(code, float) and code != code) else str(code)
    m = _CODE.match(text)
    if m and m.group(2) in div:
        d = m.group(2)
        return Industry(parent[d], sec[parent[d]], d, div[d])
    letter = _LETTER.match(text)
    if letter:
        s = letter.group(1).upper()
        return Industry(s, sec[s], "", UNCLASSIFIED)
    return Industry("", UNCLASSIFIED, "", UNCLASSIFIED)


def classify(codes: Iterable[Any]) -> pd.DataFrame:
    """``section, section_name, division, division_name`` for each 行业代码, in order.

    Examples
    --------
    >>> classify(["C2110", "F5121", ""]).division_name.tolist()
    ['家具制造业', '批发业', '未分类']
    """
    rows = [industry_of(c) for c in codes]
    return pd.DataFrame(rows, columns=list(Industry._fields)).astype("str")


def _name_key(text: str) -> str:
    import unicodedata

    s = "".join(unicodedata.normalize("NFKC", text).split())
    return s[:-1] if s.endswith("业") and len(s) > 2 else s


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    sec, div, parent = _table()
    out = {_name_key(n): c for c, n in sec.items()}
    out.update({_name_key(n): parent[d] + d for d, n in div.items()})
    return out


def code_of(text: Any) -> str | None:
    """The 行业代码 a register's industry cell stands for (code or GB/T 4754 name), else None.

    >>> code_of("家具制造业"), code_of("C2110"), code_of(" 批发业 "), code_of("制造业")
    ('C21', 'C2110', 'F51', 'C')
    >>> code_of("做家具") is None
    True
    """
    if text is None or (isinstance(text, float) and text != text):
        return None
    s = str(text).strip()
    if _CODE.match(s) or _LETTER.match(s):
        return s.upper()
    return _by_name().get(_name_key(s))


def nearest_names(text: Any, n: int = 3) -> list[str]:
    """The GB/T 4754 门类/大类 names closest to ``text`` (for a message).

    >>> nearest_names("家具制造")[0]
    '家具制造业'
    """
    import difflib

    sec, div, _ = _table()
    names = [*div.values(), *sec.values()]
    return difflib.get_close_matches(str(text).strip(), names, n=n, cutoff=0.3)
