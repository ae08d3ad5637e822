"""The share sidecar (``*_share.cells.json``) and the audit of a folder of share reports.

Next to each share HTML the writer puts a JSON record of every protected cell the page
prints: id, indicator, period, printed value or ``"withheld"``, and the relations between
cells (``total = Σ parts``). The record holds nothing the page does not: withheld values are
``null``. :func:`audit_folder` unions the records of one folder by park and year and runs the
outsider's audit (:mod:`parkanalysis.share.audit`) on them — exactly what someone holding
every page could compute.

Which cells a report prints is declared once, in :func:`report_cells`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parkanalysis.errors import ParameterError
from parkanalysis.share.audit import Cell, Exposure, Relation, audit_cells
from parkanalysis.share.table import FLOW_MEASURES, ProtectedYear, cell_id

__all__ = ["FORMAT", "audit_folder", "audit_text", "report_cells", "sidecar_path", "write_sidecar"]

FORMAT = "parkanalysis-share-cells/1"
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
    ids.append(cell_id("relocation_pending_land", y, end, end))
    return [i for i in ids if i in table.cells]


def write_sidecar(html_path: str | os.PathLike, params: dict[str, Any], kind: str) -> Path | None:
    """Write the sidecar of one share report (``params`` as checked by ``parkanalysis.render``).

    Only the park reports (``period``, ``land``) print cells of a park-year table; the
    overview prints no park's level (its rules: :mod:`parkanalysis.report.overview`) and has
    no sidecar (None).
    """
    if kind not in ("period", "land"):
        return None
    from parkanalysis._io import atomic_write
    from parkanalysis.dataset.cache import load_cached
    from parkanalysis.periods import parse_period
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
        **table.sidecar_cells(report_cells(table, kind, start, end)),
    }
    path = sidecar_path(html_path)
    atomic_write(path, json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True))
    return path


@dataclass
class FolderAudit:
    """What the outsider derives from one folder: exposures per (park, year)."""

    files: int
    groups: dict[tuple[str, int], dict[str, Any]]
    exposures: dict[tuple[str, int], list[Exposure]]

    @property
    def ok(self) -> bool:
        return not any(self.exposures.values())


def _load(paths: Iterable[Path]):
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for path in paths:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ParameterError(f"{path}: 不是有效的对外版数据记录({exc})。") from None
        if record.get("format") != FORMAT:
            raise ParameterError(f"{path}: 格式 {record.get('format')!r} 不是 {FORMAT}。")
        group = groups.setdefault(
            (str(record["park"]), int(record["year"])),
            {"cells": {}, "relations": set(), "p": 0.0, "files": []},
        )
        group["files"].append(path.name)
        group["p"] = max(group["p"], float(record["rules"]["p_percent"]))
        for c in record["cells"]:
            old = group["cells"].get(c["id"])
            both = old is not None and old.status == "published" == c["status"]
            if both and abs(old.value - float(c["value"])) > 1e-9:
                raise ParameterError(f"{path}: 单元 {c['id']} 在不同报告中数值不一致。")
            if old is None or c["status"] == "published":
                label = f"{c.get('name', c['indicator'])}({c['period']})"
                value = None if c["value"] is None else float(c["value"])
                group["cells"][c["id"]] = Cell(
                    c["id"], value, c["status"], float(c.get("step", 0.1)), label
                )
        for r in record["relations"]:
            group["relations"].add(Relation(r["total"], tuple(r["parts"])))
    return groups


def audit_folder(folder: str | os.PathLike) -> FolderAudit:
    """Audit every ``*.cells.json`` in ``folder`` as an outsider would."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"文件夹不存在: {folder}")
    paths = sorted(folder.glob("*.cells.json"))
    if not paths:
        raise ParameterError(f"{folder} 中没有对外版数据记录(*.cells.json);请用 --share 生成报告。")
    groups = _load(paths)
    exposures = {
        key: audit_cells(g["cells"], sorted(g["relations"], key=repr), p_percent=g["p"])
        for key, g in groups.items()
    }
    return FolderAudit(len(paths), groups, exposures)


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
    verdict = (
        "结论:未发现可推算的不公布数字。"
        if result.ok
        else "结论:存在可推算的不公布数字,这组对外版不得传阅。"
    )
    return "\n".join([*lines, verdict])


def enforce_folder(folder: str | os.PathLike) -> tuple[str, bool]:
    """Audit a share folder; remove the reports of every exposed park-year.

    Returns ``(Chinese text, exposed?)``. Used by ``batch --share``: an exposed set of share
    copies is never left behind (the suppression is built to pass; this is the safety net).
    """
    folder = Path(folder)
    if not any(folder.glob("*.cells.json")):
        return "没有对外版数据记录可核查。", False
    result = audit_folder(folder)
    text = audit_text(result)
    for key, found in result.exposures.items():
        if not found:
            continue
        for name in result.groups[key]["files"]:
            sidecar = folder / name
            sidecar.with_name(name.replace(".cells.json", ".html")).unlink(missing_ok=True)
            sidecar.unlink(missing_ok=True)
        text += f"\n已删除园区 {key[0]} {key[1]}年的对外版报告,请检查保护规则后重新生成。"
    return text, not result.ok
