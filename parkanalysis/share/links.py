"""Links of the protected table beyond ``total = Σ parts``: growth, the previous year, 近12个月.

Each publication that is not a plain sum becomes a **declared linear relation** between cells
(:class:`~parkanalysis.share.audit.Relation` with coefficients and a band), so that secondary
suppression and ``share-audit`` solve one linear system:

* **Growth** (:func:`growth_links`). For a flow (or 从业人员) over a span, 本期 ``V`` (this
  year's cell), 上年同期 ``L`` (the previous year's cell) and the 同口径 growth ``g`` give
  ``V − E − f·(L − X) = 0`` (``f = 1+g``), where the **entrants** ``E`` (this year's values
  outside the scope) and the **leavers** ``X`` (last year's values outside it) are derived
  cells under the same primary rules as any aggregate. ``f`` is known only to lie in
  ``[f_lo, f_hi]`` (the printed digit of ``g`` and the printed 上年同期(可比口径) ``V ÷ f``,
  :func:`_factor_band`); as ``L − X`` (the scope's prior value) is > 0 whenever a rate is
  computed, that is exactly the two inequalities ``V − E − f_lo·(L − X) ≥ 0`` and
  ``V − E − f_hi·(L − X) ≤ 0`` (:func:`factor_relations`) — what an outsider knows, not a
  relaxation of it. The growth is a :class:`~parkanalysis.share.cells.Gate`: printed only
  while ``V`` and ``L`` are, and withheld by secondary suppression when its relations would
  narrow a sensitive cell.
  Entrants and leavers of different spans are linked: ``E(span) = Σ E(atoms) + R`` where the
  derived residual ``R`` holds what the scopes of the spans do not share (omitted when zero), so
  1-6月 against 1-3月 growth is one more combination of the same LP.
* **Every earlier year** (:func:`import_previous`, :func:`prune_history`): the previous
  year's table — which holds in turn every earlier cell its own cells are linked to, back to
  the data's first year — enters this year's table **frozen**: published cells are known to
  their printed digit (boxes, with every relation among them, as ``share-audit`` reads
  them), withheld ones stay targets, and only this year's cells may be withheld to protect
  them. Frozen cells that no chain of relations links to this year's cells are dropped; that
  is exact (this year's relations name only this year's and the previous year's cells).
* **近12个月 tax and the land report's 亩均税收** (:func:`twelve_month_links`): at each month
  end ``e`` the park's 12-month tax ``N`` is a derived cell (primary rules on its per-enterprise
  contributions) equal to the tax of months ``e+1..12`` of the previous year plus months
  ``1..e`` of this one; the tax of enterprises on built 工矿仓储用地 is another, the rest a third.
  Each 亩均 ratio ``r`` printed beside its area ``D`` (亩, one decimal: ``D ∈ [d − 0.05,
  d + 0.05]``) is a cell with ``N = D·r``; as ``r ≥ 0`` that is exactly ``N − (d−0.05)·r ≥ 0``
  and ``N − (d+0.05)·r ≤ 0`` (:func:`factor_relations`: no band written from ``r``'s own
  value, so a withheld ratio's record does not carry it). The ratio is withheld with its
  numerator.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from parkanalysis.share.audit import Relation
from parkanalysis.share.cells import FLOW_MEASURES, Gate, ProtectedCell, cell_id, growth_id
from parkanalysis.units import MU_PER_HA

__all__ = [
    "factor_relations",
    "growth_links",
    "import_previous",
    "prune_history",
    "twelve_month_links",
]

#: Half a unit of a growth rate printed to 0.1 %, as a factor.
GROWTH_HALF_STEP = 0.0005
#: Half a unit of an area printed to 0.1 亩.
AREA_HALF_STEP = 0.05


def _span_text(year: int, s: int, e: int) -> str:
    return f"{year}-{s:02d}" if s == e else f"{year}-{s:02d}..{year}-{e:02d}"


def _factor_band(v: float, f: float, v_step: float) -> tuple[float, float]:
    """Midpoint and half-width of the growth factor an outsider reads off the page.

    The printed rate gives ``f`` to ``± 0.0005``; the printed 上年同期(可比口径) ``P = V ÷ f``
    (one decimal, or whole persons) gives ``f ∈ [V_lo / P_hi, V_hi / P_lo]``; the outsider
    takes both.

    >>> mid, half = _factor_band(110.0, 1.1, 0.1)
    >>> round(mid, 4), half <= 0.0005 + 1e-6
    (1.1, True)
    """
    g = round((f - 1.0) * 100.0, 1)
    lo, hi = 1.0 + g / 100.0 - GROWTH_HALF_STEP, 1.0 + g / 100.0 + GROWTH_HALF_STEP
    half = 0.5 if v_step >= 1 else 0.05
    p = round(v / f) if v_step >= 1 else round(v / f, 1)
    v_lo, v_hi = (v, v) if v_step >= 1 else (v - half, v + half)
    if p - half > 0:
        lo, hi = max(lo, v_lo / (p + half)), min(hi, v_hi / (p - half))
    if hi < lo:  # rounding at the edge: keep the rate's own band
        lo, hi = 1.0 + g / 100.0 - GROWTH_HALF_STEP, 1.0 + g / 100.0 + GROWTH_HALF_STEP
    return (lo + hi) / 2, (hi - lo) / 2 + 1e-9


def factor_relations(
    total: str, parts: tuple[str, ...], f_lo: float, f_hi: float
) -> tuple[Relation, Relation]:
    """What ``total = f · (Σ parts with signs)`` with ``f ∈ [f_lo, f_hi]`` tells an outsider,
    exactly, when the bracket is ≥ 0: two one-sided inequalities.

    ``parts`` are ``(E, L, X)`` of a growth (``V − E − f·(L − X) = 0``: ``L − X`` is the
    scope's prior value, > 0 whenever a rate is printed) or the ratio ``(r,)`` of a 亩均
    figure (``N − D·r = 0``, ``r ≥ 0``). For a bracket ``B ≥ 0``, ``{(total, B): ∃ f ∈ [f_lo,
    f_hi], total − E = f·B}`` is the set ``total − E − f_lo·B ≥ 0 and total − E − f_hi·B ≤ 0``
    (the two relations; it implies ``B ≥ 0`` itself): no relaxation.

    >>> lo, hi = factor_relations("v", ("e", "l", "x"), 1.0995, 1.1005)
    >>> lo.coeffs, lo.lo, lo.hi, hi.coeffs, hi.lo, hi.hi
    ((1.0, 1.0995, -1.0995), 0.0, inf, (1.0, 1.1005, -1.1005), -inf, 0.0)
    """
    if len(parts) == 3:
        low, high = (1.0, f_lo, -f_lo), (1.0, f_hi, -f_hi)
    else:
        low, high = (f_lo,), (f_hi,)
    return (
        Relation(total, parts, low, 0.0, math.inf),
        Relation(total, parts, high, -math.inf, 0.0),
    )


def growth_links(ds, park, year, spans, atoms, rules, cells, add) -> tuple[dict, dict]:
    """Entrants, leavers, their cross-span residuals and the growth gates of one park-year.

    Returns ``(gates, growth)``: gates by id, and for spans without a gate whether a growth is
    printed at all (``False``: no base to compute one; ``True``: −100 %, withheld). The scope
    is the indicators' own (:func:`parkanalysis.indicators.measures.complete_rows`): rows with
    data in both years and no 缺报 in either; 规上 measures take each year's 规上 list for its
    own level.
    """
    from parkanalysis.errors import ParkAnalysisError
    from parkanalysis.indicators.enterprises import collect
    from parkanalysis.indicators.measures import complete_rows
    from parkanalysis.periods import parse_period

    gates: dict[str, Gate] = {}
    growth: dict[tuple[str, int, int], bool] = {}
    groups: dict[tuple[str, str], dict[tuple[int, int], dict[str, float]]] = {}
    relations = []
    for s, e in spans:
        try:
            core = collect(ds, parse_period(_span_text(year, s, e)), [park])
        except ParkAnalysisError:
            continue
        if core.prev is None:
            continue
        ids = core.registry["enterprise_id"].astype(str).to_numpy()
        here = core.park_pos == 0
        ok = complete_rows(core)
        arrays = {
            m: (core.cur.flows[col], core.prev.flows[col]) for m, col in FLOW_MEASURES.items()
        }
        arrays["employees"] = (core.cur.employees, core.prev.employees)
        for measure, (cur, prev) in arrays.items():
            above = measure.startswith("above_size")
            step = 1.0 if measure == "employees" else 0.1
            has_c = ~np.isnan(cur) & here & (core.cur.above if above else True)
            has_p = ~np.isnan(prev) & here & (core.prev.above if above else True)
            both = has_c & ~np.isnan(prev) & ok
            ent = dict(zip(ids[has_c & ~both], cur[has_c & ~both].tolist(), strict=True))
            out = has_p & ~both
            lev = dict(zip(ids[out], prev[out].tolist(), strict=True))
            back = both & ~has_p  # in the scope, but not in last year's level (not 规上 then)
            for k, v in zip(ids[back], prev[back].tolist(), strict=True):
                lev[k] = lev.get(k, 0.0) - v
            for kind, contrib in (("entrants", ent), ("leavers", lev)):
                groups.setdefault((kind, measure), {})[(s, e)] = contrib
                signed = kind == "leavers" and above
                value = float(sum(contrib.values()))
                add(f"{kind}:{measure}", s, e, value, contrib, step, True, signed)
            s_cur, s_prev = float(cur[both].sum()), float(prev[both].sum())
            if s_prev <= 0:  # no growth rate is computed, nothing to withhold
                growth[(measure, s, e)] = False
                continue
            if s_cur <= 0:  # −100 %: withheld (no factor to reason with)
                growth[(measure, s, e)] = True
                continue
            v_id = cell_id(measure, year, *((e, e) if measure == "employees" else (s, e)))
            l_id = cell_id(measure, year - 1, *((e, e) if measure == "employees" else (s, e)))
            if v_id not in cells:
                growth[(measure, s, e)] = True
                continue
            f_mid, f_half = _factor_band(cells[v_id].printed, s_cur / s_prev, step)
            parts = (
                cell_id(f"entrants:{measure}", year, s, e),
                l_id,
                cell_id(f"leavers:{measure}", year, s, e),
            )
            gid = growth_id(measure, year, s, e)
            gates[gid] = Gate(
                gid,
                measure,
                year,
                s,
                e,
                round((s_cur / s_prev - 1.0) * 100.0, 1),
                factor_relations(v_id, parts, f_mid - f_half, f_mid + f_half),
                (v_id, l_id),
                # a scope of fewer than k enterprises is not printed (the report's own rule)
                withheld=rules.too_few(int(both.sum())),
            )
    # entrants and leavers of a span against those of its atoms
    for (kind, measure), by_span in groups.items():
        step = 1.0 if measure == "employees" else 0.1
        for span, contrib in by_span.items():
            parts = [a for a in atoms if span[0] <= a[0] and a[1] <= span[1]]
            if span in atoms or not all(a in by_span for a in parts):
                continue
            rest = dict(contrib)
            for a in parts:
                for k, v in by_span[a].items():
                    rest[k] = rest.get(k, 0.0) - v
            rest = {k: v for k, v in rest.items() if abs(v) > 1e-9}
            ids = tuple(cell_id(f"{kind}:{measure}", year, *a) for a in parts)
            if rest:
                value = float(sum(rest.values()))
                add(f"{kind}_rest:{measure}", *span, value, rest, step, True, True)
                ids += (cell_id(f"{kind}_rest:{measure}", year, *span),)
            if all(i in cells for i in ids):
                relations.append(Relation(cell_id(f"{kind}:{measure}", year, *span), ids))
    return gates, growth, relations


def import_previous(prev, cells: dict[str, ProtectedCell], relations: list[Relation]) -> None:
    """Add every cell of the previous year's table, frozen, and every relation an outsider
    holds among them (its table's and its printed growth rates').

    The previous table holds in turn every cell of the years before it that its own cells
    are linked to (:func:`prune_history`), so this year's table holds the whole published
    history of the park back to the data's first year, as far as it can reach this year.
    """
    import dataclasses

    for cid, c in prev.cells.items():
        cells[cid] = dataclasses.replace(c, frozen=True)
    relations += [r for r in prev.published_relations() if all(m in cells for m, _c in r.terms())]


def prune_history(cells: dict[str, ProtectedCell], relations: list[Relation], gates) -> None:
    """Drop the frozen cells (and their relations) that no chain of relations links to a cell
    of this year — gates counted as printed, whatever suppression decides later.

    Exact, not a bound: this year's relations name only this year's and the previous year's
    cells, so a frozen cell outside every component of this year's cells constrains none of
    them, and none of next year's either (the previous year's cells are this year's frozen
    ones, already in these components or not linked at all). What goes is mostly the
    previous years' hazards and relocation land, which no relation carries across a year.

    >>> from parkanalysis.share.cells import ProtectedCell as C
    >>> cells = {i: C(i, "m", 2015, 1, 1, 1.0, 0.1, frozen=True) for i in ("a", "b", "c")}
    >>> cells["t"] = C("t", "m", 2016, 1, 1, 1.0, 0.1)
    >>> rels = [Relation("t", ("a",)), Relation("b", ("c",))]
    >>> prune_history(cells, rels, {})
    >>> sorted(cells), rels
    (['a', 't'], [Relation(total='t', parts=('a',), coeffs=None, lo=0.0, hi=0.0)])
    """
    from parkanalysis.share.audit import components

    links = [*relations, *(r for g in gates.values() for r in g.relations)]
    keep: set[str] = set()
    for group in components(sorted(cells), links):
        if any(m in cells and not cells[m].frozen for m in group):
            keep |= group
    for cid in [c for c in cells if c not in keep]:
        del cells[cid]
    relations[:] = [r for r in relations if r.total in keep]


def twelve_month_links(ds, park, year, atoms, add, cells, relations) -> None:
    """近12个月 tax cells at each atom's end, their sums of months, and the land ratios."""
    from parkanalysis.errors import ParkAnalysisError
    from parkanalysis.land import land_ratios, tax_last_12_months
    from parkanalysis.land.ledger import park_parcels, resolve_as_of
    from parkanalysis.land.ratios import enterprises_on

    for _s, e in atoms:
        cutoff = pd.Timestamp(year, e, 1) + pd.offsets.MonthEnd(0)
        tax, _note = tax_last_12_months(ds, park, cutoff)
        if tax is None:
            continue
        total = {str(k): float(v) for k, v in tax.items()}
        add("tax_12m", e, e, float(sum(total.values())), total, 0.1, True)
        n_id = cell_id("tax_12m", year, e, e)
        months = [cell_id("tax_revenue", year - 1, m, m) for m in range(e + 1, 13)]
        months += [cell_id("tax_revenue", year, *a) for a in atoms if a[1] <= e]
        if all(m in cells for m in months):
            relations.append(Relation(n_id, tuple(months)))
        try:
            as_of = resolve_as_of(ds, f"{year}-{e:02d}")
            parcels = park_parcels(ds, park, as_of)
            ratios = land_ratios(ds, park=park, as_of=f"{year}-{e:02d}").set_index("id")
        except ParkAnalysisError:
            continue
        built = parcels.loc[parcels["built"].to_numpy(dtype=bool)]
        ind = built.loc[built["industrial"].to_numpy(dtype=bool)]
        on = enterprises_on(ds, park, set(ind["parcel_id"].astype(str)))
        industrial = {k: v for k, v in total.items() if k in on}
        add("tax_12m_industrial", e, e, float(sum(industrial.values())), industrial, 0.1, True)
        other = {k: v for k, v in total.items() if k not in on}
        add("tax_12m_other", e, e, float(sum(other.values())), other, 0.1, True)
        relations.append(
            Relation(
                n_id,
                (cell_id("tax_12m_industrial", year, e, e), cell_id("tax_12m_other", year, e, e)),
            )
        )
        for rid, measure, numerator, area in (
            ("tax_per_ha", "tax_per_mu_12m", n_id, float(built["area_mu"].sum())),
            (
                "industrial_tax_per_ha",
                "industrial_tax_per_mu_12m",
                cell_id("tax_12m_industrial", year, e, e),
                float(ind["area_mu"].sum()),
            ),
        ):
            if rid not in ratios.index or area <= 0:
                continue
            value = float(ratios.loc[rid, "value"]) / MU_PER_HA  # 万元/公顷 → 万元/亩
            if not math.isfinite(value) or numerator not in cells:
                continue
            add(measure, e, e, value, cells[numerator].contributions, 0.01)
            d = round(area, 1)
            # N = D·r, the area D > 0 printed to 0.1 亩; r has N's sign (ends swap if < 0)
            ends = (max(0.0, d - AREA_HALF_STEP - 1e-9), d + AREA_HALF_STEP + 1e-9)
            relations += factor_relations(
                numerator, (cell_id(measure, year, e, e),), *(ends if value >= 0 else ends[::-1])
            )
