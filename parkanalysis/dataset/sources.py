"""The ``sources:`` section of park.yaml: which file holds which table, and how its headers map.

Written by ``parkanalysis init`` (:mod:`parkanalysis.dataset.init`) and read on every load, so
that the office's own files are read as they are. One entry per file::

    sources:
      企业名录2016.xlsx:
        table: enterprises            # one of TABLES (企业名录 …)
        columns:                      # header as written → field (see FIELDS_EXTRA)
          单位名称: name
          用地面积(亩): land_area
          规模以上(2016): above_size_2016
        ignored: [序号, 备注]         # headers read and deliberately not used
        values:                       # office words → the contract's value (words.py)
          企业状态: {已迁出: 迁出, 正常: 在营}

A header mapped in ``columns`` is read as that field in that file (its unit in brackets is
still read), even where it would otherwise name another field; a header listed in ``ignored``
is never read and not reported as unknown (:attr:`~.schema.TableSpec.overrides`); the cells
of a header listed in ``values`` are replaced as the map says before they are parsed
(:mod:`.words`). Files of
the folder that ``sources`` does not name are recognised by their file name as before
(``enterprises.csv``, ``企业名录.xlsx`` …) or reported as not recognised.

:data:`PROFILE_KEYS` lists the top-level park.yaml keys this module owns (for the strict
profile check of :mod:`parkanalysis.dataset.profile`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.schema import TABLES

#: Top-level keys of park.yaml declared here (the ``sources:`` section).
PROFILE_KEYS = ("sources",)
#: Keys of one ``sources`` entry.
ENTRY_KEYS = ("table", "columns", "ignored", "values", "header_row", "encoding", "note")

#: Fields beyond the table's own columns that a header may map to, per table
#: (``credit_code``: 统一社会信用代码 beside 企业代码, used to match statistics to the register).
#: ``above_size_YYYY`` (a 是/否 column of the register giving 规上 membership in year YYYY)
#: is accepted for ``enterprises`` as well; ``above_size`` (a 是否规上 column naming no year)
#: gives the membership of the statistics' latest year.
FIELDS_EXTRA = {
    "enterprises": ("credit_code", "status", "above_size"),
    "monthly_stats": ("enterprise_name", "report_year", "credit_code"),
    "cumulative_stats": ("enterprise_name", "report_year", "credit_code"),
}
ABOVE_SIZE_FIELD = re.compile(r"^above_size_(\d{4})$")


def norm(text: object) -> str:
    """A header or file name compared loosely: NFKC, no blanks, lower case.

    >>> norm(" 用地面积（亩） ")
    '用地面积(亩)'
    """
    return "".join(unicodedata.normalize("NFKC", "" if text is None else str(text)).split()).lower()


@dataclass
class Source:
    """One file's entry of ``sources:``."""

    file: str
    table: str
    columns: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    line: int | None = None
    #: header → {office word: the contract's value}
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def field_of(self, header: str) -> str | None:
        """The field ``header`` is mapped to (None when not listed)."""
        n = norm(header)
        return next((f for h, f in self.columns.items() if norm(h) == n), None)

    def value_map(self, header: str) -> dict[str, str] | None:
        """The value map of ``header`` (None when not listed)."""
        n = norm(header)
        return next((m for h, m in self.values.items() if norm(h) == n), None)

    def is_ignored(self, header: str) -> bool:
        """Whether ``header`` is listed under ``ignored``."""
        n = norm(header)
        return any(norm(h) == n for h in self.ignored)


def valid_fields(table: str) -> tuple[str, ...]:
    """Field names a header of ``table`` may map to (``above_size_YYYY`` besides, for the
    register)."""
    return (*(c.name for c in TABLES[table].columns), *FIELDS_EXTRA.get(table, ()))


def read_sources(folder: Path, findings: Findings) -> dict[str, Source]:
    """Read ``sources:`` of ``folder/park.yaml``; structure problems become findings.

    Returns a dict keyed by the file name as it is in the folder. A missing or unreadable
    park.yaml gives an empty dict (the profile reader reports it).
    """
    from parkanalysis.dataset.profile import read_profile_document

    # problems reading park.yaml are the profile reader's findings, reported there
    document = read_profile_document(folder, Findings())
    return {} if document is None else sources_from_document(document, folder, findings)


def sources_from_document(document, folder: Path, findings: Findings) -> dict[str, Source]:
    """``sources:`` of a read park.yaml (:class:`~parkanalysis.dataset.profile.ProfileDocument`),
    checked against the files of ``folder``; structure problems become findings."""
    from parkanalysis.dataset.profile import strip_lines

    doc = strip_lines(document.doc)
    if not isinstance(doc, dict) or doc.get("sources") is None:
        return {}
    raw = doc["sources"]
    file = document.file
    if not isinstance(raw, dict):
        findings.add(
            "bad_value", "sources 应为「文件名: 设置」的键值表", file=file, column="sources"
        )
        return {}
    present = {norm(p.name): p.name for p in folder.iterdir()}
    out: dict[str, Source] = {}
    for name, entry in raw.items():
        where = f"sources.{name}"
        actual = present.get(norm(name))
        if actual is None:
            findings.add(
                "missing_table",
                f"sources 中的文件「{name}」不在数据目录中;请改正文件名或删除该项",
                file=file,
                column=where,
            )
            continue
        if not isinstance(entry, dict) or entry.get("table") not in TABLES:
            findings.add(
                "bad_value",
                f"{where}.table 应为 {'、'.join(TABLES)} 之一",
                file=file,
                column=f"{where}.table",
                value=entry.get("table") if isinstance(entry, dict) else None,
            )
            continue
        table = entry["table"]
        for k in entry:
            if k not in ENTRY_KEYS:
                findings.add(
                    "bad_value",
                    f"{where} 中有未知的设置「{k}」;可写 {'、'.join(ENTRY_KEYS)}",
                    file=file,
                    column=f"{where}.{k}",
                )
        columns = entry.get("columns") or {}
        ignored = entry.get("ignored") or []
        if not isinstance(columns, dict) or not isinstance(ignored, list):
            findings.add(
                "bad_value",
                f"{where}.columns 应为「表头: 字段」的键值表,{where}.ignored 应为表头列表",
                file=file,
                column=where,
            )
            continue
        allowed = valid_fields(table)
        mapping: dict[str, str] = {}
        for header, fld in columns.items():
            fld = str(fld).strip() if fld is not None else ""
            if fld in allowed or (table == "enterprises" and ABOVE_SIZE_FIELD.match(fld)):
                mapping[str(header)] = fld
            else:
                findings.add(
                    "bad_value",
                    f"{where}.columns 中「{header}」对应的字段「{fld}」不是表「{TABLES[table].zh}」"
                    f"的字段;可写 {'、'.join(allowed)}",
                    file=file,
                    column=f"{where}.columns",
                    value=fld,
                )
        values = entry.get("values") or {}
        maps: dict[str, dict[str, str]] = {}
        if not isinstance(values, dict) or not all(isinstance(m, dict) for m in values.values()):
            findings.add(
                "bad_value",
                f"{where}.values 应为「表头: {{原值: 取值}}」的键值表",
                file=file,
                column=f"{where}.values",
            )
        else:
            maps = {
                str(h): {str(k): str(v) for k, v in m.items() if v is not None}
                for h, m in values.items()
            }
        out[actual] = Source(actual, table, mapping, tuple(str(h) for h in ignored), values=maps)
    return out
