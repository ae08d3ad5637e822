"""The share sidecar (``*.cells.json``) and the audit of a folder of share reports.

Next to each share HTML the writer puts a JSON record (:data:`FORMAT`) of every protected cell
the page prints: id, indicator, period, printed value or ``"withheld"``, the relations between
cells (``total = Σ parts``), and the pages written with it (HTML, Word, PDF) with the numbers
each shows (:mod:`parkanalysis.share.pages`). The record holds nothing the page does not:
withheld values are ``null``.

:func:`audit_folder` judges a folder as it would be circulated. **Findings** (exit 1):

* a file that is not a share page with its record — an internal report, the internal
  ``index.html``, a data export, a page whose record was deleted;
* a page that shows a number its record does not have (a figure edited in, or another page
  under the name) — the page is read itself: HTML text, Word text, PDF text;
* two records that disagree on a cell (two values, or published in one and withheld in the
  other);
* a withheld cell the outsider narrows below its protection interval (the linked system of
  each park and year, solved with counts exact and integral: :mod:`parkanalysis.share.audit`).

A record that cannot be read — invalid JSON, NaN or ±inf, a wrong type, a missing key — is a
:class:`~parkanalysis.errors.ParameterError` (exit 2) naming the file and the key: it is never
a pass and never taken for an exposure.

Which cells a report prints is declared once, in :func:`report_cells`.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parkanalysis.errors import ParameterError
from parkanalysis.share.audit import Cell, Exposure, Relation, audit_cells
from parkanalysis.share.cells import growth_id
from parkanalysis.share.table import FLOW_MEASURES, ProtectedYear, cell_id

__all__ = [
    "FORMAT",
    "SHARE_INDEX",
    "FolderAudit",
    "audit_folder",
    "audit_text",
    "enforce_folder",
    "report_cells",
    "report_gates",
    "sidecar_path",
    "write_sidecar",
]

FORMAT = "parkanalysis-share-cells/3"
#: The share copies' own index page (written by :mod:`parkanalysis.batch.index`).
SHARE_INDEX = "index_share.html"
#: A record larger than this is refused before it is parsed.
MAX_RECORD_BYTES = 64 * 1024 * 1024
#: Trend charts of the period report (1-N月 points up to the period's end).
TREND_MEASURES = ("industrial_output", "tax_revenue")
HAZARD_MEASURES = (
    "hazards_found",
    "hazards_major",
    "hazards_rectified",
    "hazards_open",
    "hazards_overdue",
)


def sidecar_path(html_path: str | os.PathLike) -> Path:
    """``X_share.html`` → ``X_share.cells.json``."""
    path = Path(html_path)
    return path.with_name(path.stem + ".cells.json")


def report_gates(table: ProtectedYear, kind: str, start: int, end: int) -> list[str]:
    """Ids of the growth rates a share report prints or withholds: every measure over the
    period, the trend points (1-N月 up to the period's end) and the period its growth is
    compared with (「增速比1-5月」: an earlier 1-N月, or the span of the same length just
    before); the land report prints none. Listing a rate the page does not print only makes
    the attacker stronger."""
    if kind != "period":
        return []
    y = table.year
    spans = {(start, end)} | {(1, e) for e in range(1, end + 1)}
    length = end - start + 1
    if start - length >= 1:
        spans.add((start - length, start - 1))
    measures = (*FLOW_MEASURES, "employees")
    return [
        g
        for g in (growth_id(m, y, s, e) for m in measures for s, e in sorted(spans))
        if g in table.gates
    ]


def report_cells(table: ProtectedYear, kind: str, start: int, end: int) -> list[str]:
    """Ids of the protected cells a share report prints (period report of months
    ``start..end``, or the land report as of month ``end``: ``kind="land"``)."""
    y = table.year
    ids = []
    if kind == "period":
        ids += [cell_id(m, y, start, end) for m in FLOW_MEASURES]
        ids.append(cell_id("employees", y, end, end))
        for m in TREND_MEASURES:
            ids += [cell_id(m, y, 1, e) for e in range(1, end + 1)]
        ids += [cell_id(m, y, start, end) for m in HAZARD_MEASURES]
        ids += [
            c.id
            for c in table.cells.values()
            if c.measure.startswith("hazards_found:") and (c.start, c.end) == (start, end)
        ]
        ids.append(cell_id("relocation_land", y, end, end))
    else:  # the land report's 亩均税收 (近12个月), printed beside their areas
        ids += [cell_id(m, y, end, end) for m in ("tax_per_mu_12m", "industrial_tax_per_mu_12m")]
    ids.append(cell_id("relocation_pending_land", y, end, end))
    return [i for i in ids if i in table.cells]


def write_sidecar(
    html_path: str | os.PathLike,
    params: dict[str, Any],
    kind: str,
    *,
    pages: dict[str | os.PathLike, str | None] | None = None,
) -> Path | None:
    """Write the sidecar of one share report (``params`` as checked by ``parkanalysis.render``).

    ``pages`` maps each page written with the report (HTML, Word, PDF) to its text when it
    is not on disk yet (the HTML, written after its record) or None; the record keeps each
    page's file name and the numbers it shows.

    Only the park reports (``period``, ``land``) print cells of a park-year table. The
    overview prints no park's level (its rules: :mod:`parkanalysis.report.overview`): its
    record holds its pages and their numbers and no cell, so that ``share-audit`` reads it
    as every other page (an edited number is found) and has nothing to solve. Other kinds
    have no share copy (None).
    """
    if kind == "overview":
        return _write_overview_record(html_path, params, pages)
    if kind not in ("period", "land"):
        return None
    from parkanalysis._io import atomic_write
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.periods import parse_period
    from parkanalysis.share.pages import page_numbers
    from parkanalysis.share.table import protect_park_year

    full = load_cached(params["data"])
    park = full.resolve_park(params.get("park"))
    ds = load_cached(params["data"], park=park) if len(full.parks) > 1 else full
    if kind == "period":
        p = parse_period(params["period"])
        year, start, end = p.year, p.start_month, p.end_month
    else:
        from parkanalysis.land import resolve_as_of

        as_of = resolve_as_of(ds, params.get("as_of"))
        year, start, end = as_of.year, as_of.month, as_of.month
    table = protect_park_year(ds, park, year)
    record = {
        "format": FORMAT,
        "park": park,
        "year": year,
        "report": kind,
        "rules": table.rules.to_dict(),
        **table.sidecar_cells(
            report_cells(table, kind, start, end),
            report_gates(table, kind, start, end),
        ),
        "pages": [
            {"file": Path(page).name, "numbers": page_numbers(page, text)}
            for page, text in (pages or {}).items()
        ],
    }
    path = sidecar_path(html_path)
    atomic_write(path, json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True))
    return path


def _write_overview_record(html_path, params: dict[str, Any], pages) -> Path:
    """The record of an overview's share pages: the pages and their numbers, no cell."""
    from parkanalysis._io import atomic_write
    from parkanalysis.periods import parse_period
    from parkanalysis.share.pages import page_numbers
    from parkanalysis.share.rules import share_rules

    record = {
        "format": FORMAT,
        "park": f"综述:{params.get('zone_name') or Path(str(params['data'])).name}",
        "year": parse_period(params["period"]).year,
        "report": "overview",
        "rules": share_rules({}).to_dict(),
        "cells": [],
        "growth": [],
        "relations": [],
        "pages": [
            {"file": Path(page).name, "numbers": page_numbers(page, text)}
            for page, text in (pages or {}).items()
        ],
    }
    path = sidecar_path(html_path)
    atomic_write(path, json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True))
    return path


@dataclass
class FolderAudit:
    """What the outsider derives from one folder (see the module docstring)."""

    files: int
    groups: dict[tuple[str, int], dict[str, Any]]
    exposures: dict[tuple[str, int], list[Exposure]]
    #: (park-year the finding belongs to, or None; Chinese text) — tampering, foreign files
    findings: list[tuple[tuple[str, int] | None, str]] = field(default_factory=list)
    #: what a batch tolerates in a mixed folder (its internal copies), listed only
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(self.exposures.values()) and not self.findings


class _Bad(Exception):
    """A malformed record: the key and what is wrong."""


def _need(obj: Any, key: str, kinds, where: str):
    if not isinstance(obj, dict) or key not in obj:
        raise _Bad(f"缺少键 {where}{key}")
    value = obj[key]
    if kinds is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad(f"{where}{key} 应为数值,实为 {type(value).__name__}")
        if not math.isfinite(value):
            raise _Bad(f"{where}{key} 不是有限数值({value})")
        return float(value)
    if kinds is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise _Bad(f"{where}{key} 应为整数,实为 {type(value).__name__}")
    if kinds is not int and not isinstance(value, kinds):
        raise _Bad(f"{where}{key} 类型不对({type(value).__name__})")
    return value


def _band(r: dict, where: str) -> tuple[float, float]:
    """``(lo, hi)`` of a relation record: both absent for an equation; ``null`` for an open
    side (−inf / +inf), not both.

    >>> _band({"lo": 0.0, "hi": None}, "")
    (0.0, inf)
    """
    if "lo" not in r and "hi" not in r:
        return 0.0, 0.0
    if r.get("lo", 0.0) is None and r.get("hi", 0.0) is None:
        raise _Bad(f"{where}lo 与 hi 不能都为 null")
    lo = -math.inf if r.get("lo", 0.0) is None else _need(r, "lo", float, where)
    hi = math.inf if r.get("hi", 0.0) is None else _need(r, "hi", float, where)
    return lo, hi


def _reject_constant(name: str):
    raise _Bad(f"含非法数值 {name}(NaN/Infinity 不是 JSON 数值)")


def _read_record(path: Path) -> dict[str, Any]:
    """A record, checked key by key; ParameterError (exit 2) naming the file otherwise."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            raise _Bad(f"超过 {MAX_RECORD_BYTES} 字节")
        record = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
        if not isinstance(record, dict):
            raise _Bad("顶层应为 JSON 对象")
        if record.get("format") != FORMAT:
            raise _Bad(f"格式 {record.get('format')!r} 不是 {FORMAT}(请用本版本重新生成)")
        _need(record, "park", str, "")
        _need(record, "year", int, "")
        _need(record, "report", str, "")
        rules = _need(record, "rules", dict, "")
        if _need(rules, "p_percent", float, "rules.") <= 0:
            raise _Bad("rules.p_percent 应为正数")
        for i, c in enumerate(_need(record, "cells", list, "")):
            where = f"cells[{i}]."
            _need(c, "id", str, where)
            status = _need(c, "status", str, where)
            if status not in ("published", "withheld"):
                raise _Bad(f"{where}status 应为 published 或 withheld,实为 {status!r}")
            if status == "published":
                _need(c, "value", float, where)
            elif c.get("value", "missing") is not None:
                raise _Bad(f"{where}value 对不予公布的单元应为 null")
            if "step" in c and _need(c, "step", float, where) <= 0:
                raise _Bad(f"{where}step 应为正数")
            for key in ("indicator", "period"):
                _need(c, key, str, where)
            if "signed" in c and not isinstance(c["signed"], bool):
                raise _Bad(f"{where}signed 应为 true 或 false")
        for i, g in enumerate(_need(record, "growth", list, "")):
            where = f"growth[{i}]."
            _need(g, "id", str, where)
            status = _need(g, "status", str, where)
            if status not in ("published", "withheld"):
                raise _Bad(f"{where}status 应为 published 或 withheld,实为 {status!r}")
            if status == "published":
                _need(g, "value", float, where)
            elif g.get("value", "missing") is not None:
                raise _Bad(f"{where}value 对不予公布的增速应为 null")
        for i, r in enumerate(_need(record, "relations", list, "")):
            where = f"relations[{i}]."
            _need(r, "total", str, where)
            parts = _need(r, "parts", list, where)
            if not all(isinstance(x, str) for x in parts):
                raise _Bad(f"{where}parts 应为单元编号的列表")
            if "coeffs" in r:
                coeffs = _need(r, "coeffs", list, where)
                if len(coeffs) != len(parts):
                    raise _Bad(f"{where}coeffs 应与 parts 等长")
                for j in range(len(coeffs)):
                    _need({"c": coeffs[j]}, "c", float, f"{where}coeffs[{j}]")
            lo, hi = _band(r, where)
            if lo > hi:
                raise _Bad(f"{where}lo 应不大于 hi")
        for i, page in enumerate(_need(record, "pages", list, "")):
            name = _need(page, "file", str, f"pages[{i}].")
            if Path(name).name != name:
                raise _Bad(f"pages[{i}].file 应为文件名,不含路径")
            numbers = _need(page, "numbers", list, f"pages[{i}].")
            if not all(isinstance(x, str) for x in numbers):
                raise _Bad(f"pages[{i}].numbers 应为字符串列表")
    except _Bad as exc:
        raise ParameterError(f"{path}: 对外版数据记录无效:{exc}。") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ParameterError(f"{path}: 不是有效的对外版数据记录({exc})。") from None
    return record


def _merge(paths: list[Path], findings: list) -> dict[tuple[str, int], dict[str, Any]]:
    """The records by park and year; disagreements between records become findings."""
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for path in paths:
        record = _read_record(path)
        key = (record["park"], record["year"])
        group = groups.setdefault(
            key,
            {
                "cells": {},
                "relations": set(),
                "growth": {},
                "p": 0.0,
                "files": [],
                "pages": {},
                "from": {},
            },
        )
        group["files"].append(path.name)
        group["p"] = max(group["p"], float(record["rules"]["p_percent"]))
        for page in record["pages"]:
            group["pages"][page["file"]] = (path.name, page["numbers"])
        for c in record["cells"]:
            old = group["cells"].get(c["id"])
            value = None if c["value"] is None else float(c["value"])
            if old is not None and (old.status, old.value) != (c["status"], value):
                findings.append(
                    (
                        key,
                        f"数据记录不一致:单元 {old.label or c['id']} 在 {group['from'][c['id']]} "
                        f"中为 {old.value if old.status == 'published' else '不予公布'},在 "
                        f"{path.name} 中为 {value if c['status'] == 'published' else '不予公布'}",
                    )
                )
            if old is None or c["status"] == "published":
                label = f"{c.get('name', c['indicator'])}({c['period']})"
                group["cells"][c["id"]] = Cell(
                    c["id"],
                    value,
                    c["status"],
                    float(c.get("step", 0.1)),
                    label,
                    signed=bool(c.get("signed", False)),
                )
                group["from"][c["id"]] = path.name
        for r in record["relations"]:
            coeffs = tuple(float(c) for c in r["coeffs"]) if "coeffs" in r else None
            group["relations"].add(
                Relation(
                    r["total"],
                    tuple(r["parts"]),
                    coeffs,
                    *_band(r, ""),
                )
            )
        for g in record["growth"]:
            group["growth"][g["id"]] = g["status"]
    return groups


def audit_folder(
    folder: str | os.PathLike, *, tolerated: Callable[[str], bool] | None = None
) -> FolderAudit:
    """Audit a folder of share copies as an outsider who reads everything in it.

    ``tolerated(name)``: files that may share the folder without their own record (a batch's
    internal copies in a mixed output folder); they are listed in ``notes``, not findings.
    ``share-audit`` tolerates nothing: the folder is what would be circulated.
    """
    from parkanalysis.share.pages import PAGE_SUFFIXES, extra, page_numbers

    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"文件夹不存在: {folder}")
    paths = sorted(folder.glob("*.cells.json"))
    if not paths:
        raise ParameterError(f"{folder} 中没有对外版数据记录(*.cells.json);请用 --share 生成报告。")
    findings: list[tuple[tuple[str, int] | None, str]] = []
    notes: list[str] = []
    groups = _merge(paths, findings)
    owner = {name: (key, rec) for key, g in groups.items() for name, rec in g["pages"].items()}
    records = {p.name for p in paths}
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(".") or name in records or name == SHARE_INDEX:
            continue  # hidden: the cache and manifest of the output folder
        if name not in owner:
            if tolerated is not None and tolerated(name):
                notes.append(name)
                continue
            what = "内部版或其他文件" if entry.suffix.lower() in PAGE_SUFFIXES else "非报告文件"
            findings.append((None, f"{name}:{what},没有对外版数据记录,不得随对外版传阅"))
            continue
        key, (record, numbers) = owner[name]
        if not entry.is_file():
            findings.append((key, f"{name}:不是文件"))
            continue
        added = extra(Counter(page_numbers(entry)), Counter(numbers))
        if added:
            shown = "、".join(added[:8]) + ("……" if len(added) > 8 else "")
            findings.append(
                (
                    key,
                    f"{name}:页面上有数据记录 {record} 中没有的数字 {shown}"
                    "(页面被改动或不是所记录的页面)",
                )
            )
    exposures = _solve_parks(groups)
    return FolderAudit(len(paths), groups, exposures, findings, notes)


def _solve_parks(groups) -> dict[tuple[str, int], list[Exposure]]:
    """One linked system per park over all its years in the folder (consecutive years are
    linked by growth rates and 近12个月 sums); each exposure is listed under its cell's year."""
    exposures: dict[tuple[str, int], list[Exposure]] = {key: [] for key in groups}
    for park in sorted({park for park, _year in groups}):
        keys = sorted(k for k in groups if k[0] == park)
        cells: dict[str, Cell] = {}
        owner: dict[str, tuple[str, int]] = {}
        relations: set[Relation] = set()
        for key in keys:
            for cid, c in groups[key]["cells"].items():
                if cid not in cells or c.status == "published":
                    cells[cid] = c
                owner.setdefault(cid, key)
            relations |= groups[key]["relations"]
        p = max(groups[k]["p"] for k in keys)
        for exp in audit_cells(cells, sorted(relations, key=repr), p_percent=p):
            exposures[owner[exp.id]].append(exp)
    return exposures


def audit_text(result: FolderAudit) -> str:
    """The Chinese report of :func:`audit_folder`."""
    lines = []
    for (park, year), group in sorted(result.groups.items()):
        cells = group["cells"].values()
        withheld = sum(c.status != "published" for c in cells)
        found = result.exposures[(park, year)]
        head = (
            f"园区 {park} {year}年:{len(group['files'])} 份报告,公布 {len(cells) - withheld} 个"
            f"数据单元,不予公布 {withheld} 个"
        )
        if found:
            lines.append(
                head + f";其中 {len(found)} 个可被推算(区间窄于保护要求 ±{group['p']:g}%):"
            )
            lines += [f"  - {e.describe()}" for e in found]
        else:
            lines.append(head + ";不予公布的数字均无法由已公布数字推算。")
    if result.findings:
        lines.append(f"文件夹中有 {len(result.findings)} 处问题:")
        lines += [f"  - {text}" for _key, text in result.findings]
    if result.notes:
        lines.append(
            f"另有 {len(result.notes)} 个内部版文件在同一文件夹,未核查;对外传阅时只取"
            f" {SHARE_INDEX} 所列报告,不要整个文件夹发出。"
        )
    verdict = (
        "结论:未发现可推算的不公布数字。"
        if result.ok
        else "结论:存在可推算的不公布数字或与数据记录不符的文件,这组对外版不得传阅。"
    )
    return "\n".join([*lines, verdict])


def enforce_folder(
    folder: str | os.PathLike, *, tolerated: Callable[[str], bool] | None = None
) -> tuple[str, bool]:
    """Audit a share folder; remove the reports of every park-year with an exposure or finding.

    Returns ``(Chinese text, exposed?)``. Used by ``batch --share``: an exposed set of share
    copies is never left behind (the suppression is built to pass; this is the safety net).
    """
    folder = Path(folder)
    if not any(folder.glob("*.cells.json")):
        return "没有对外版数据记录可核查。", False
    result = audit_folder(folder, tolerated=tolerated)
    text = audit_text(result)
    bad = {key for key, found in result.exposures.items() if found}
    bad |= {key for key, _text in result.findings if key is not None}
    for key in sorted(bad):
        group = result.groups[key]
        for name in [*group["pages"], *group["files"]]:
            (folder / name).unlink(missing_ok=True)
        for name in group["files"]:
            (folder / name.replace(".cells.json", ".html")).unlink(missing_ok=True)
        text += f"\n已删除园区 {key[0]} {key[1]}年的对外版报告,请检查保护规则后重新生成。"
    return text, not result.ok
