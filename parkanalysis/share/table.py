"""The protected park-year: every cell a share batch may print, and which are withheld.

:func:`protect_park_year` builds, for one park and one year, the **linked table** of
everything a batch publishes and suppresses it once, deterministically from the data, so a
share report rendered alone prints exactly what the batch prints:

* **Periods**: the atoms are the months (1-2月 as one atom under the 1-2月 convention); the
  cells are the atoms, every 1-N月, the quarters, halves and the year that end by the last
  month with data. Each composite cell equals the sum of its atoms (so 上半年 = 1-3月 + 二季度,
  1-N月 = 1-(N-1)月 + N月 all hold).
* **Measures**: the flows of :func:`~parkanalysis.indicators.indicator_table` (工业总产值,
  工业增加值, 规上产值/增加值, 固定资产投资, 税收, 主营业务收入) with 总额 = 规上 + 非规上
  (非规上 is never printed but is the difference of two printed cells); 从业人员 at each
  month end (a stock: no period relations); hazards found per category with 合计 = Σ
  categories, 重大隐患 with 合计 = 重大 + 一般, and at each period's end 已整改 + 未整改 =
  合计, 未整改 = 逾期 + 期限内; relocation land (all, and the part not yet freed, which the
  land outlook's scenario adds) at each month end.
* **Primary** suppression (:class:`~parkanalysis.share.rules.ShareRules`) marks cells whose
  non-zero contributions fail the threshold or dominance rule.
* **Secondary** suppression: while the audit (:mod:`parkanalysis.share.audit`) finds a
  withheld or sensitive cell that an outsider can narrow below its protection interval, one
  more printed figure linked to it is withheld — a growth rate whose relation reaches it
  first, else the cheapest cell that can protect it (the smallest value at least as large as
  the protection it needs, else the largest smaller one). A figure already chosen in the same
  round and as closely linked is reused rather than a second one withheld (the next round's
  audit decides whether it was enough). Frozen cells are never chosen.

* **Growth, the earlier years, 近12个月 and 亩均** (:mod:`parkanalysis.share.links`): the
  previous year's table, with every earlier cell linked to it back to the data's first year,
  enters frozen (its published cells known to their printed digit, its withheld ones still
  protected, nothing of it withheld again); each 同口径 growth rate is a gate declaring
  ``V − E − (1+g)·(L − X) = 0`` with entrants ``E`` and leavers ``X`` as derived cells; the
  近12个月 tax at each month end is the sum of twelve month cells across the year boundary and
  the numerator of the land report's 亩均税收 ratios (cells printed with their area).
* **Data that start mid-year**: months before the first return are zero flows without
  contributors, so the first year's 1-N月 = Σ months still holds.

Ratios built on a flow (亩均, 地均, 规上占比, 劳动生产率) and growth rates are withheld
with the flow they are built on; the report applies that (``SHARE_BASIS`` of
:mod:`parkanalysis.report.period`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.share.audit import Cell, Relation, components, exposed
from parkanalysis.share.cells import (
    FLOW_MEASURES,
    Gate,
    ProtectedCell,
    cell_id,
    growth_id,
    measure_name,
    months_label,
)
from parkanalysis.share.links import (
    growth_links,
    import_previous,
    prune_history,
    twelve_month_links,
)
from parkanalysis.share.rules import ShareRules, share_rules
from parkanalysis.share.store import stored_table

__all__ = [
    "FLOW_MEASURES",
    "ProtectedCell",
    "ProtectedYear",
    "cell_id",
    "protect_park_year",
]

#: Derived, never-printed differences: id → (total, printed part).
DERIVED = {
    "other_output": ("industrial_output", "above_size_output"),
    "other_value_added": ("industrial_value_added", "above_size_value_added"),
}


@dataclass
class ProtectedYear:
    """The suppression pattern of one park and year (see the module docstring)."""

    park: str
    year: int
    last_month: int
    rules: ShareRules
    cells: dict[str, ProtectedCell]
    relations: list[Relation]
    #: (measure, start, end) → whether the 同口径 growth is withheld, for spans without a
    #: gate (False: no growth is computed, nothing to withhold; True: −100 %)
    growth: dict[tuple[str, int, int], bool] = field(default_factory=dict)
    #: growth gates by id (:class:`~parkanalysis.share.cells.Gate`)
    gates: dict[str, Gate] = field(default_factory=dict)

    def growth_withheld(self, measure: str, start: int, end: int) -> bool:
        """True when the 同口径 growth of ``measure`` over the span may not be printed.

        Printed beside 本期 V and 上年同期 L, a growth rate g gives V − L·(1+g) = entrants'
        value − leavers' value·(1+g) (同口径 = the enterprises with complete returns in both
        years). The rate is a gate declaring that relation (:mod:`parkanalysis.share.links`):
        withheld when V or L is, when its scope has fewer than k enterprises, or when secondary
        suppression withholds it to keep a sensitive cell (entrants, leavers, a withheld cell
        linked to them) unknown — and with it everything that would give it back: its trend
        point, its change in 百分点. A span the table does not know counts as withheld.
        """
        gate = self.gates.get(growth_id(measure, self.year, start, end))
        if gate is not None:
            return gate.withheld
        return self.growth.get((measure, start, end), True)

    def cell(self, measure: str, start: int, end: int) -> ProtectedCell | None:
        return self.cells.get(cell_id(measure, self.year, start, end))

    def withheld(self, measure: str, start: int, end: int) -> bool:
        """True when the cell is withheld (or unknown to the table: then nothing is printed).

        Cells that the table does not know are treated as withheld, so nothing outside the
        protected table can reach a share report.
        """
        c = self.cell(measure, start, end)
        return c is None or c.withheld

    def withheld_id(self, cid: str) -> bool:
        """True when cell ``cid`` is not printed (withheld, derived, or unknown)."""
        c = self.cells.get(cid)
        return c is None or c.withheld or c.derived

    def published_relations(self) -> list[Relation]:
        """Every relation an outsider holds: the table's and those of printed gates."""
        return [
            *self.relations,
            *(r for g in self.gates.values() if not g.withheld for r in g.relations),
        ]

    def exposures(self, truth: bool = True):
        """Audit the whole pattern (office side: with true values).

        The outsider's system: every cell (the earlier years' published ones as their printed
        boxes, exactly as ``share-audit`` reads them) and every published relation. Withheld
        cells of earlier years are targets in the components that reach a cell of this year
        (the others were audited with their own year's table, unchanged).
        """
        return self._audit(truth)[0]

    def _audit(self, truth: bool = True, skip: frozenset[str] | set[str] = frozenset()):
        """:meth:`exposures` and the targets audited, leaving out ``skip``."""
        cells, targets, true = self._audit_view()
        relations = self.published_relations()
        own = {c.id for c in self.cells.values() if not c.frozen}
        live = set()
        for group in components(sorted(cells), relations):
            if group & own:
                live |= group
        audited = [t for t in targets if t in live and t not in skip]
        found = exposed(
            cells,
            relations,
            p_percent=self.rules.p_percent,
            truth=true if truth else None,
            targets=audited,
        )
        return found, audited

    def _audit_view(self):
        cells = {}
        for c in self.cells.values():
            status = "derived" if c.derived else ("withheld" if c.withheld else "published")
            cells[c.id] = Cell(
                c.id,
                c.printed if status == "published" else None,
                status,
                c.step,
                c.label,
                signed=c.signed,
            )
        targets = [c.id for c in self.cells.values() if c.withheld or (c.derived and c.sensitive)]
        truth = {c.id: c.value for c in self.cells.values() if c.sensitive}
        return cells, targets, truth

    def sidecar_cells(self, ids: Iterable[str], gates: Iterable[str] = ()) -> dict[str, Any]:
        """The machine-readable record of the given cells and growth rates as one report
        prints them: the cells, the printed (or withheld) growth rates, and every relation
        an outsider holds about them — those touching a printed cell, followed through the
        cells no page prints (derived: entrants, leavers, 非规上, 近12个月 tax)."""
        ids = sorted(set(ids) & set(self.cells))
        gate_ids = sorted(set(gates) & set(self.gates))
        out_cells = [self._cell_record(self.cells[i]) for i in ids]
        relations: list[Relation] = []
        seen: set[Relation] = set()
        frontier = set(ids)
        reached: set[str] = set(ids)
        printed_gates = [
            r for g in gate_ids if not self.gates[g].withheld for r in self.gates[g].relations
        ]
        pending = list(printed_gates)
        while frontier or pending:
            touching = pending + [
                r for r in self.relations if any(m in frontier for m, _c in r.terms())
            ]
            pending = []
            nxt = set()
            for r in touching:
                if r in seen:
                    continue
                seen.add(r)
                relations.append(r)
                for m, _c in r.terms():
                    c = self.cells.get(m)
                    if m not in reached and c is not None and c.derived and not c.frozen:
                        nxt.add(m)
                        reached.add(m)
            frontier = nxt
        for m in sorted(reached - set(ids)):
            c = self.cells[m]
            if c.sensitive:  # must stay unknown: listed so that the audit solves for it
                out_cells.append({**self._cell_record(c), "derived": True})
        growth = [
            {
                "id": g.id,
                "indicator": g.measure,
                "name": g.label,
                "period": months_label(g.year, g.start, g.end),
                "status": "withheld" if g.withheld else "published",
                "value": None if g.withheld else g.printed,
            }
            for g in (self.gates[i] for i in gate_ids)
        ]
        return {
            "cells": out_cells,
            "growth": growth,
            "relations": [relation_record(r) for r in relations],
        }

    def _cell_record(self, c: ProtectedCell) -> dict[str, Any]:
        withheld = c.withheld or c.derived
        return {
            "id": c.id,
            "indicator": c.measure,
            "name": measure_name(c.measure),
            "period": months_label(c.year, c.start, c.end),
            "step": c.step,
            "status": "withheld" if withheld else "published",
            "value": None if withheld else c.printed,
            **({"signed": True} if c.signed else {}),
        }


def relation_record(r: Relation) -> dict[str, Any]:
    """A relation as the sidecar writes it (coefficients and band only when not 1 and 0; an
    open side of the band as ``null``, JSON having no infinity).

    >>> relation_record(Relation("t", ("a", "b")))
    {'total': 't', 'parts': ['a', 'b']}
    >>> relation_record(Relation("v", ("l",), (1.05,), 0.0, math.inf))
    {'total': 'v', 'parts': ['l'], 'coeffs': [1.05], 'lo': 0.0, 'hi': None}
    """
    out: dict[str, Any] = {"total": r.total, "parts": list(r.parts)}
    if r.coeffs is not None:
        out["coeffs"] = [float(c) for c in r.coeffs]
    if r.lo or r.hi:
        out["lo"], out["hi"] = (float(b) if math.isfinite(b) else None for b in (r.lo, r.hi))
    return out


# --------------------------------------------------------------------------- building
def _atoms(last_month: int, combined: bool) -> list[tuple[int, int]]:
    atoms = [(1, 2)] if combined and last_month >= 2 else []
    first = 3 if atoms else 1
    return atoms + [(m, m) for m in range(first, last_month + 1)]


def _spans(atoms: list[tuple[int, int]], last_month: int) -> list[tuple[int, int]]:
    spans = set(atoms)
    for _s, e in atoms:
        spans.add((1, e))
    for s, e in ((1, 3), (4, 6), (7, 9), (10, 12), (1, 6), (7, 12), (1, 12)):
        if e <= last_month:
            spans.add((s, e))
    ends = {e for _s, e in atoms} | {0}
    # every span must be a union of atoms (1-2月 convention: no span starting in February)
    return sorted(sp for sp in spans if sp[0] - 1 in ends and sp[1] in ends)


def _atoms_of(span, atoms):
    return [a for a in atoms if a[0] >= span[0] and a[1] <= span[1]]


def _period_text(year: int, s: int, e: int) -> str:
    return f"{year}-{s:02d}" if s == e else f"{year}-{s:02d}..{year}-{e:02d}"


def _flow_contributions(ds, park, year, atoms, first: int = 1):
    """Per atom: DataFrame of per-enterprise flows (registry order) and the 规上 flag.

    ``first``: the first month with statistics in ``year`` (data that start mid-year).
    Months before it hold nothing: their atoms are zero flows of the same enterprises and
    no employee count, so 1-N月 = Σ months still holds; an atom that straddles it is read
    from ``first`` on.
    """
    from parkanalysis.indicators import enterprise_table

    out = {}
    for s, e in (a for a in atoms if a[1] >= first):
        table = enterprise_table(ds, _period_text(year, max(s, first), e), park=park)
        out[(s, e)] = table.set_index("enterprise_id")
    before = [a for a in atoms if a[1] < first]
    if before and out:
        empty = next(iter(out.values())).copy()
        for column in set(FLOW_MEASURES.values()) & set(empty.columns):
            empty[column] = 0.0
        if "employees" in empty.columns:
            empty["employees"] = np.nan
        out.update((a, empty) for a in before)
    return out


def protect_park_year(ds, park: str, year: int) -> ProtectedYear:
    """Build and suppress the linked table of one park and year (cached per dataset)."""
    key = (id(ds), park, int(year))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is ds:
        return hit[1]
    result = stored_table(ds, park, int(year), _build)  # built once per batch (share/store.py)
    if len(_CACHE) >= 16:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (ds, result)
    return result


_CACHE: dict[tuple, tuple[Any, ProtectedYear]] = {}


def _build(ds, park: str, year: int) -> ProtectedYear:
    rules = share_rules(ds.config(park))
    (fy, fm), (ly, lm) = ds.month_range
    last = lm if year == ly else 12
    atoms = _atoms(last, bool(ds.jan_feb_combined))
    spans = _spans(atoms, last)
    cells: dict[str, ProtectedCell] = {}
    relations: list[Relation] = []
    previous = protect_park_year(ds, park, year - 1) if year - 1 >= fy else None
    if previous is not None:
        import_previous(previous, cells, relations)

    def add(measure, s, e, value, contrib, step, derived=False, signed=False):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        cid = cell_id(measure, year, s, e)
        cells[cid] = ProtectedCell(
            cid, measure, year, s, e, float(value), step, contrib, derived=derived, signed=signed
        )

    def additive(measure):
        for span in spans:
            if span in atoms:
                continue
            total = cell_id(measure, year, *span)
            parts = tuple(cell_id(measure, year, *a) for a in _atoms_of(span, atoms))
            if total in cells and all(p in cells for p in parts):
                relations.append(Relation(total, parts))

    # ---- flows and employees (only for a year with monthly statistics)
    if fy <= year <= ly:
        first = fm if year == fy else 1
        if ds.jan_feb_combined and first == 2:
            first = 1  # the first return is 1-2月: it covers January too
        per_atom = _flow_contributions(ds, park, year, atoms, first)
        ents = sorted(set().union(*(t.index for t in per_atom.values())))
        above = np.column_stack(
            [per_atom[a]["above_size"].reindex(ents).fillna(False).to_numpy(bool) for a in atoms]
        )

        def matrix(column: str, member: np.ndarray | None) -> np.ndarray:
            m = np.column_stack(
                [per_atom[a][column].reindex(ents).to_numpy(dtype="float64") for a in atoms]
            )
            return m if member is None else np.where(member, m, np.nan)

        def span_sum(m: np.ndarray, span) -> tuple[float, dict[str, float]]:
            cols = [i for i, a in enumerate(atoms) if span[0] <= a[0] and a[1] <= span[1]]
            sub = m[:, cols]
            has = ~np.isnan(sub).all(axis=1)
            if not has.any():
                return math.nan, {}
            per = np.nansum(sub[has], axis=1)
            keys = [str(k) for k, h in zip(ents, has, strict=True) if h]
            return round(float(per.sum()), 6), dict(zip(keys, per.tolist(), strict=True))

        for measure, column in FLOW_MEASURES.items():
            m = matrix(column, above if measure.startswith("above_size") else None)
            for span in spans:
                add(measure, *span, *span_sum(m, span), 0.1)
            additive(measure)
        for derived, (total, part) in DERIVED.items():
            m = matrix(FLOW_MEASURES[total], ~above)
            for s, e in spans:
                value, contrib = span_sum(m, (s, e))
                tid, pid = cell_id(total, year, s, e), cell_id(part, year, s, e)
                if tid in cells and pid in cells:
                    add(derived, s, e, 0.0 if math.isnan(value) else value, contrib, 0.1, True)
                    relations.append(Relation(tid, (pid, cell_id(derived, year, s, e))))
        # ---- employees (stock at each atom's end month)
        for a in atoms:
            emp = per_atom[a]["employees"].dropna()
            if len(emp):
                contrib = {str(k): float(v) for k, v in emp.items()}
                add("employees", a[1], a[1], float(emp.sum()), contrib, 1.0)
        gates, growth, links = growth_links(ds, park, year, spans, atoms, rules, cells, add)
        relations += links
        twelve_month_links(ds, park, year, atoms, add, cells, relations)
    else:
        gates, growth = {}, {}
    # ---- hazards
    _hazard_cells(ds, park, year, atoms, spans, add, additive, cells, relations)
    # ---- relocation land at each month end
    _relocation_cells(ds, park, year, atoms, add, relations)
    prune_history(cells, relations, gates)
    table = ProtectedYear(park, year, last, rules, cells, relations, growth, gates)
    _suppress(table)
    return table


def _hazard_cells(ds, park, year, atoms, spans, add, additive, cells, relations):
    from parkanalysis.safety import hazard_status

    hz = ds.hazards
    hz = hz.loc[(hz["park_id"] == park).to_numpy()]
    dates = pd.to_datetime(hz["inspection_date"])
    hz = hz.loc[(dates.dt.year == year).to_numpy()]
    if hz.empty:
        return
    month = pd.to_datetime(hz["inspection_date"]).dt.month.to_numpy()
    ent = hz["enterprise_id"].astype(str).to_numpy()
    cats = hz["category"].astype(str).to_numpy()
    major = (hz["severity"].astype(str) == "重大").to_numpy()

    def counts(mask) -> tuple[int, dict[str, float]]:
        ids, n = np.unique(ent[mask], return_counts=True)
        return int(mask.sum()), {str(i): float(c) for i, c in zip(ids, n, strict=True)}

    categories = sorted(set(cats))
    for s, e in spans:
        in_span = (month >= s) & (month <= e)
        total, contrib = counts(in_span)
        add("hazards_found", s, e, total, contrib, 1.0)
        for cat in categories:
            n, contrib = counts(in_span & (cats == cat))
            add(f"hazards_found:{cat}", s, e, n, contrib, 1.0)
        n, contrib = counts(in_span & major)
        add("hazards_major", s, e, n, contrib, 1.0)
        n, contrib = counts(in_span & ~major)
        add("hazards_minor", s, e, n, contrib, 1.0, True)
        # status at the span's end (not additive over periods)
        end = pd.Timestamp(year, e, 1) + pd.offsets.MonthEnd(0)
        st = hazard_status(hz, end)
        rect = st["rectified"].to_numpy(bool)
        overdue = st["overdue"].to_numpy(bool)
        add("hazards_rectified", s, e, *counts(in_span & rect), 1.0)
        add("hazards_open", s, e, *counts(in_span & ~rect), 1.0)
        add("hazards_overdue", s, e, *counts(in_span & overdue), 1.0)
        add("hazards_pending", s, e, *counts(in_span & ~rect & ~overdue), 1.0, True)
        ids = {m: cell_id(m, year, s, e) for m in _HAZARD_PARTS}
        found = ids["hazards_found"]
        relations += [
            Relation(found, tuple(cell_id(f"hazards_found:{c}", year, s, e) for c in categories)),
            Relation(found, (ids["hazards_major"], ids["hazards_minor"])),
            Relation(found, (ids["hazards_rectified"], ids["hazards_open"])),
            Relation(ids["hazards_open"], (ids["hazards_overdue"], ids["hazards_pending"])),
        ]
    for measure in ("hazards_found", "hazards_major", "hazards_minor"):
        additive(measure)
    for cat in categories:
        additive(f"hazards_found:{cat}")


_HAZARD_PARTS = (
    "hazards_found",
    "hazards_major",
    "hazards_minor",
    "hazards_rectified",
    "hazards_open",
    "hazards_overdue",
    "hazards_pending",
)


def _relocation_cells(ds, park, year, atoms, add, relations):
    """Relocation land at each month end, and its growth from one month end to the next.

    Consecutive month ends differ by the land of relocations that started in between: that
    change is a derived (never printed) cell with the new relocations as contributors, so
    "land at May − land at April" is protected like any other aggregate.
    """
    from parkanalysis.projects import relocation_status

    previous: dict[str, tuple[int, dict[str, float]]] = {}
    for _s, e in atoms:
        status = relocation_status(ds, as_of=f"{year}-{e:02d}", park=park)
        if len(status) == 0:
            continue
        land = status["land_freed_mu"].astype(float)
        ents = status["enterprise_id"].astype(str)
        contrib: dict[str, float] = {}
        pending: dict[str, float] = {}
        done = status["done"].astype(bool).to_numpy() if "done" in status else np.zeros(len(land))
        for ent_id, area, finished in zip(ents, land, done, strict=True):
            if area == area:
                contrib[ent_id] = contrib.get(ent_id, 0.0) + area
                if not finished:
                    pending[ent_id] = pending.get(ent_id, 0.0) + area
        if not contrib:
            continue
        for measure, values in (("relocation_land", contrib), ("relocation_pending_land", pending)):
            add(measure, e, e, sum(values.values()), values, 0.1)
            if measure in previous:
                m0, before = previous[measure]
                change = {k: v - before.get(k, 0.0) for k, v in values.items()}
                gone = set(before) - set(values)
                if not gone and all(v >= -1e-9 for v in change.values()):
                    change = {k: v for k, v in change.items() if abs(v) > 1e-9}
                    derived = f"{measure}_change"
                    add(derived, m0 + 1, e, sum(change.values()), change, 0.1, True)
                    relations.append(
                        Relation(
                            cell_id(measure, year, e, e),
                            (cell_id(measure, year, m0, m0), cell_id(derived, year, m0 + 1, e)),
                        )
                    )
            previous[measure] = (e, values)


# --------------------------------------------------------------------------- suppression
def _suppress(table: ProtectedYear) -> None:
    rules = table.rules
    for c in table.cells.values():
        if c.frozen:
            continue
        c.sensitive = rules.sensitive(c.contributions.values())
        c.withheld = c.sensitive and not c.derived
    p = rules.p_percent / 100.0
    safe: set[str] = set()
    for _round in range(10 * (len(table.cells) + len(table.gates)) + 10):
        _sync_gates(table)
        members: dict[str, list[tuple[Relation, str | None]]] = {}
        for r, gate in [(r, None) for r in table.relations] + [
            (r, g.id) for g in table.gates.values() if not g.withheld for r in g.relations
        ]:
            for m, _c in r.terms():
                members.setdefault(m, []).append((r, gate))
        found, audited = table._audit(skip=safe)
        if not found:
            return
        # each round only withholds more (cells, gates): every feasible point stays feasible,
        # so a target's interval only widens and one shown protected stays protected
        safe |= set(audited) - {exp.id for exp in found}
        chosen: set[str] = set()
        for exp in found:
            need = 2 * p * abs(table.cells[exp.id].value) + 0.1
            pick = _complement(table, exp.id, members, need, chosen)
            if pick is not None:
                chosen.add(pick)
        if not chosen:  # nothing linked is left to withhold: withhold the whole component
            before = _pattern(table)
            for exp in found:
                for r, gate in members.get(exp.id, []):
                    if gate is not None:
                        table.gates[gate].withheld = True
                    for m, _c in r.terms():
                        c = table.cells.get(m)
                        if c is not None and not c.derived and not c.frozen:
                            c.withheld = True
            if _pattern(table) == before:  # nothing of this year reaches them
                return
            continue
        for cid in chosen:
            item = table.gates[cid] if cid in table.gates else table.cells[cid]
            item.withheld = True
            item.secondary = True
    raise RuntimeError("secondary suppression did not converge")  # pragma: no cover


def _pattern(table: ProtectedYear) -> tuple[int, int]:
    return (
        sum(c.withheld for c in table.cells.values()),
        sum(g.withheld for g in table.gates.values()),
    )


def _sync_gates(table: ProtectedYear) -> None:
    """A growth rate is printed only with its 本期 and 上年同期."""
    for g in table.gates.values():
        if not g.withheld and any(table.withheld_id(n) for n in g.needs):
            g.withheld = True


def _complement(table, cid, members, need, chosen) -> str | None:
    """The printed figure to withhold next to protect ``cid`` (None when there is none): a
    figure already chosen this round that is linked to it as closely as any other (one pick
    may protect many exposed cells, and the next round's audit says whether it did), else a
    printed growth rate whose relation reaches it first, else the cheapest printed cell."""
    seen, frontier, candidates, gates = {cid}, [cid], [], set()
    while frontier and not candidates and not gates:
        nxt = []
        for x in frontier:
            for r, gate in members.get(x, []):
                if gate is not None:
                    gates.add(gate)
                for m, _c in r.terms():
                    if m in seen:
                        continue
                    seen.add(m)
                    c = table.cells.get(m)
                    if c is None:
                        continue
                    if c.derived or c.withheld:
                        nxt.append(m)  # look through unknown cells to their neighbours
                    elif not c.frozen:
                        candidates.append(c)
        frontier = nxt
    already = sorted((gates | {c.id for c in candidates}) & chosen)
    if already:
        return already[0]
    if gates:
        return min(gates)
    if not candidates:
        return None
    big = [c for c in candidates if abs(c.value) >= need]
    if big:
        return min(big, key=lambda c: (abs(c.value), c.id)).id
    return max(candidates, key=lambda c: (abs(c.value), c.id)).id
