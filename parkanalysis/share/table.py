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
  more printed cell linked to it is withheld — the cheapest that can protect it (the
  smallest value at least as large as the protection it needs, else the largest smaller one).

* **Growth**: per flow (and 从业人员) and span, the entrants and leavers of the 同口径 scope
  are aggregates under the same rules; the growth rate is withheld when, printed beside 本期
  and 上年同期, it would narrow a sensitive one (:meth:`ProtectedYear.growth_withheld`).
* **Data that start mid-year**: months before the first return are zero flows without
  contributors, so the first year's 1-N月 = Σ months still holds.

Ratios built on a flow (亩均, 地均, 规上占比, 劳动生产率) and growth rates are withheld
with the flow they are built on; the report applies that (see ``ratio_withheld``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from parkanalysis.share.audit import Cell, Relation, exposed
from parkanalysis.share.rules import ShareRules, share_rules

__all__ = [
    "FLOW_MEASURES",
    "ProtectedCell",
    "ProtectedYear",
    "cell_id",
    "protect_park_year",
]

#: Flow indicators (id → monthly column) in the linked table.
FLOW_MEASURES = {
    "industrial_output": "output_wan_yuan",
    "industrial_value_added": "value_added_wan_yuan",
    "above_size_output": "output_wan_yuan",
    "above_size_value_added": "value_added_wan_yuan",
    "fixed_asset_investment": "fixed_asset_investment_wan_yuan",
    "tax_revenue": "tax_wan_yuan",
    "revenue": "revenue_wan_yuan",
}
#: Derived, never-printed differences: id → (total, printed part).
DERIVED = {
    "other_output": ("industrial_output", "above_size_output"),
    "other_value_added": ("industrial_value_added", "above_size_value_added"),
}
#: Chinese names of the measures that are not indicators.
MEASURE_NAMES = {
    "other_output": "非规上工业总产值",
    "other_value_added": "非规上工业增加值",
    "employees": "从业人员",
    "hazards_found": "排查隐患合计",
    "hazards_major": "重大隐患",
    "hazards_minor": "一般隐患",
    "hazards_rectified": "已整改隐患",
    "hazards_open": "未整改隐患",
    "hazards_overdue": "逾期未整改隐患",
    "hazards_pending": "期限内未整改隐患",
    "relocation_land": "搬迁置换腾退土地",
    "relocation_pending_land": "未完成搬迁置换的腾退土地",
    "relocation_land_change": "新增搬迁置换的腾退土地",
    "relocation_pending_land_change": "新增未完成搬迁置换的腾退土地",
}


def cell_id(measure: str, year: int, start: int, end: int) -> str:
    """Stable id of a cell: ``tax_revenue|2016-01..2016-03``.

    >>> cell_id("tax_revenue", 2016, 4, 6)
    'tax_revenue|2016-04..2016-06'
    """
    return f"{measure}|{year}-{start:02d}..{year}-{end:02d}"


def months_label(year: int, start: int, end: int) -> str:
    """``2016年1-3月`` / ``2016年5月`` for audit messages."""
    return f"{year}年{start}月" if start == end else f"{year}年{start}-{end}月"


def measure_name(measure: str) -> str:
    from parkanalysis.indicators import INDICATORS

    names = {s.id: s.name for s in INDICATORS}
    if measure.startswith("hazards_found:"):
        return f"{measure.split(':', 1)[1]}类隐患"
    return names.get(measure) or MEASURE_NAMES.get(measure, measure)


@dataclass
class ProtectedCell:
    """One cell of the park-year: true value, contributions and what is published."""

    id: str
    measure: str
    year: int
    start: int
    end: int
    value: float
    step: float
    contributions: dict[str, float] = field(repr=False, default_factory=dict)
    derived: bool = False
    sensitive: bool = False
    withheld: bool = False
    secondary: bool = False

    @property
    def label(self) -> str:
        return f"{measure_name(self.measure)}({months_label(self.year, self.start, self.end)})"

    @property
    def printed(self) -> float:
        """The value as printed (one decimal for amounts, integers for counts)."""
        return round(self.value) if self.step >= 1 else round(self.value, 1)


@dataclass
class ProtectedYear:
    """The suppression pattern of one park and year (see the module docstring)."""

    park: str
    year: int
    last_month: int
    rules: ShareRules
    cells: dict[str, ProtectedCell]
    relations: list[Relation]
    #: (measure, start, end) → True when the 同口径 growth may not be printed (see
    #: :meth:`growth_withheld`)
    growth: dict[tuple[str, int, int], bool] = field(default_factory=dict)

    def growth_withheld(self, measure: str, start: int, end: int) -> bool:
        """True when the 同口径 growth of ``measure`` over the span may not be printed.

        Printed beside 本期 V and 上年同期 L, a growth rate g gives V − L·(1+g) = entrants'
        value − leavers' value·(1+g) (同口径 = the enterprises with complete returns in both
        years). Entrants (current values outside the scope) and leavers (last year's values
        outside it) are aggregates like any other: when either fails the primary rules, the
        growth is withheld (and with it everything that would give it back: its trend point,
        its change in 百分点). A span the table does not know counts as withheld.
        """
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

    def exposures(self, truth: bool = True):
        """Audit the whole pattern (office side: with true values)."""
        cells, targets, true = self._audit_view()
        return exposed(
            cells,
            self.relations,
            p_percent=self.rules.p_percent,
            truth=true if truth else None,
            targets=targets,
        )

    def _audit_view(self):
        cells = {}
        for c in self.cells.values():
            status = "derived" if c.derived else ("withheld" if c.withheld else "published")
            cells[c.id] = Cell(c.id, c.printed if status == "published" else None, status, c.step)
            cells[c.id].label = c.label
        targets = [c.id for c in self.cells.values() if c.withheld or (c.derived and c.sensitive)]
        truth = {c.id: c.value for c in self.cells.values() if c.sensitive}
        return cells, targets, truth

    def sidecar_cells(self, ids: Iterable[str]) -> dict[str, Any]:
        """The machine-readable record of the given cells as one report prints them."""
        ids = sorted(set(ids) & set(self.cells))
        shown = set(ids)
        out_cells = []
        for i in ids:
            c = self.cells[i]
            out_cells.append(
                {
                    "id": c.id,
                    "indicator": c.measure,
                    "name": measure_name(c.measure),
                    "period": months_label(c.year, c.start, c.end),
                    "step": c.step,
                    "status": "withheld" if c.withheld else "published",
                    "value": None if c.withheld else c.printed,
                }
            )
        # derived cells that are sensitive are listed as withheld: they must stay unknown
        for c in self.cells.values():
            if (
                c.derived
                and c.sensitive
                and any(r.total == c.id or c.id in r.parts for r in self._relations_of(shown))
            ):
                out_cells.append(
                    {
                        "id": c.id,
                        "indicator": c.measure,
                        "name": measure_name(c.measure),
                        "period": months_label(c.year, c.start, c.end),
                        "step": c.step,
                        "status": "withheld",
                        "value": None,
                        "derived": True,
                    }
                )
        relations = [{"total": r.total, "parts": list(r.parts)} for r in self._relations_of(shown)]
        return {"cells": out_cells, "relations": relations}

    def _relations_of(self, ids: set[str]) -> list[Relation]:
        return [r for r in self.relations if r.total in ids or any(p in ids for p in r.parts)]


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
    result = _build(ds, park, int(year))
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

    def add(measure, s, e, value, contrib, step, derived=False):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        cid = cell_id(measure, year, s, e)
        cells[cid] = ProtectedCell(
            cid, measure, year, s, e, float(value), step, contrib, derived=derived
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
        growth = _growth_gates(ds, park, year, spans, rules)
    else:
        growth = {}
    # ---- hazards
    _hazard_cells(ds, park, year, atoms, spans, add, additive, cells, relations)
    # ---- relocation land at each month end
    _relocation_cells(ds, park, year, atoms, add, relations)
    table = ProtectedYear(park, year, last, rules, cells, relations, growth)
    _suppress(table)
    return table


def _growth_gates(ds, park, year, spans, rules) -> dict[tuple[str, int, int], bool]:
    """Per flow (and 从业人员) and span: is the 同口径 growth withheld (see
    :meth:`ProtectedYear.growth_withheld`)? The scope is the indicators' own
    (:func:`parkanalysis.indicators.measures.complete_rows`): rows with data in both years and
    no 缺报 in either; 规上 measures take each year's 规上 list for its own level."""
    from parkanalysis.errors import ParkAnalysisError
    from parkanalysis.indicators.enterprises import collect
    from parkanalysis.indicators.measures import complete_rows
    from parkanalysis.periods import parse_period

    out: dict[tuple[str, int, int], bool] = {}
    for s, e in spans:
        try:
            core = collect(ds, parse_period(_period_text(year, s, e)), [park])
        except ParkAnalysisError:
            continue
        if core.prev is None:
            continue
        here = core.park_pos == 0
        ok = complete_rows(core)
        arrays = {
            m: (core.cur.flows[col], core.prev.flows[col]) for m, col in FLOW_MEASURES.items()
        }
        arrays["employees"] = (core.cur.employees, core.prev.employees)
        for measure, (cur, prev) in arrays.items():
            above = measure.startswith("above_size")
            has_c = ~np.isnan(cur) & here & (core.cur.above if above else True)
            has_p = ~np.isnan(prev) & here & (core.prev.above if above else True)
            both = has_c & ~np.isnan(prev) & ok
            entrants = cur[has_c & ~both]
            leavers = np.concatenate([prev[has_p & ~both], -prev[both & ~has_p]])
            s_cur, s_prev = float(cur[both].sum()), float(prev[both].sum())
            if s_prev <= 0:  # no growth rate is computed, nothing to withhold
                out[(measure, s, e)] = False
                continue
            if s_cur <= 0:  # −100 %: withheld (no factor to reason with)
                out[(measure, s, e)] = True
                continue
            out[(measure, s, e)] = not _growth_protects(
                rules,
                level=float(cur[has_c].sum()),
                last=float(prev[has_p].sum()),
                factor=s_cur / s_prev,
                entrants=entrants.tolist(),
                leavers=leavers.tolist(),
            )
    return out


def _growth_protects(rules, *, level, last, factor, entrants, leavers) -> bool:
    """True when 本期 V, 上年同期 L and 同口径 growth (factor 1+g) leave entrants and leavers
    protected.

    The outsider knows E − (1+g)·X = V − (1+g)·L = c, with E ∈ [0, V] and X ∈ [0, L] (the
    same-scope sums are not negative): E ∈ [max(0, c), V], X ∈ [max(0, −c/(1+g)), L]. An
    aggregate that passes the primary rules may be narrowed; a sensitive one must keep its
    protection interval (:func:`parkanalysis.share.audit.exposed`'s two-sided check).

    >>> from parkanalysis.share.rules import ShareRules
    >>> one = _growth_protects(ShareRules(), level=110.0, last=100.0, factor=1.0,
    ...                        entrants=[10.0], leavers=[])   # one entrant: E = 10 exactly
    >>> mixed = _growth_protects(ShareRules(), level=150.0, last=110.0, factor=1.05,
    ...                          entrants=[20.0, 20.0, 20.0, 20.0], leavers=[30.0])
    >>> one, mixed
    (False, True)
    """
    p = rules.p_percent / 100.0
    e_true, x_true = float(sum(entrants)), float(sum(leavers))
    c = level - factor * last
    for values, true, lo, hi in (
        (entrants, e_true, max(0.0, c), level),
        (leavers, x_true, max(0.0, -c / factor), last),
    ):
        if not rules.sensitive(values) or abs(true) < 1e-9:
            continue
        tol = 1e-6 * max(1.0, abs(true))
        if lo > true - p * abs(true) + tol or hi < true + p * abs(true) - tol:
            return False
        if hi - lo < 2 * p * abs(hi) - tol:
            return False
    return True


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
        c.sensitive = rules.sensitive(c.contributions.values())
        c.withheld = c.sensitive and not c.derived
    members: dict[str, list[Relation]] = {}
    for r in table.relations:
        for m in (r.total, *r.parts):
            members.setdefault(m, []).append(r)
    p = rules.p_percent / 100.0
    for _round in range(10 * len(table.cells) + 10):
        found = table.exposures()
        if not found:
            return
        chosen: set[str] = set()
        for exp in found:
            need = 2 * p * abs(table.cells[exp.id].value) + 0.1
            pick = _complement(table, exp.id, members, need, chosen)
            if pick is not None:
                chosen.add(pick)
        if not chosen:  # nothing linked is left to withhold: withhold the whole component
            for exp in found:
                for r in members.get(exp.id, []):
                    for m in (r.total, *r.parts):
                        c = table.cells.get(m)
                        if c is not None and not c.derived:
                            c.withheld = True
            continue
        for cid in chosen:
            table.cells[cid].withheld = True
            table.cells[cid].secondary = True
    raise RuntimeError("secondary suppression did not converge")  # pragma: no cover


def _complement(table, cid, members, need, chosen) -> str | None:
    """The printed cell to withhold next to protect ``cid`` (None when there is none)."""
    seen, frontier, candidates = {cid}, [cid], []
    while frontier and not candidates:
        nxt = []
        for x in frontier:
            for r in members.get(x, []):
                for m in (r.total, *r.parts):
                    if m in seen:
                        continue
                    seen.add(m)
                    c = table.cells.get(m)
                    if c is None:
                        continue
                    if c.derived or c.withheld:
                        nxt.append(m)  # look through unknown cells to their neighbours
                    elif m not in chosen:
                        candidates.append(c)
        frontier = nxt
    if not candidates:
        return None
    big = [c for c in candidates if abs(c.value) >= need]
    if big:
        return min(big, key=lambda c: (abs(c.value), c.id)).id
    return max(candidates, key=lambda c: (abs(c.value), c.id)).id
