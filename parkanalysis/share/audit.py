"""The attacker: the tightest interval an outsider can derive for every withheld cell.

An outsider who holds every published cell of a share batch and knows how cells add up
(1-6月 = 1-3月 + 二季度, a total = Σ its categories …) solves, for each withheld cell, two
linear programmes (HiGHS, one model per connected component: :mod:`.lp`): minimise and
maximise the cell subject to

* every relation: ``total = Σ parts`` (the arithmetic of the table), or a **linear relation**
  ``lo ≤ total − Σ coeff·part ≤ hi``, one side possibly open (a published non-linear figure
  as the two linear inequalities it amounts to: a growth factor ``f ∈ [f_lo, f_hi]`` gives
  ``V − E − f_lo·(L − X) ≥ 0`` and ``V − E − f_hi·(L − X) ≤ 0``; a ratio ``r`` beside its
  denominator ``D ∈ [d_lo, d_hi]`` gives ``N − d_lo·r ≥ 0`` and ``N − d_hi·r ≤ 0``) — see
  :class:`Relation`,
* every published amount within ± half a unit of its last printed digit; a published
  **count** (step 1: enterprises, hazards, employees) exactly — a count has no rounding,
* every cell ≥ 0 (amounts and counts published here are never negative),
* counts are integers: the bounds of a withheld count are the LP's bounds tightened to
  integers (``ceil(lo)``, ``floor(hi)``) — 97 found and 95 rectified pin 未整改 at exactly 2.

A withheld cell with feasible interval ``[lo, hi]`` is **exposed** when ``hi − lo < 2 · p% ·
hi`` (``p`` of :class:`~parkanalysis.share.rules.ShareRules`): the outsider would know it to
within ``p`` percent. When the true value ``x`` is known (inside the office), the cell must also
satisfy ``lo ≤ x − p%·x`` and ``hi ≥ x + p%·x``.

>>> cells = {"a": Cell("a", 10.0, "withheld"), "b": Cell("b", 5.0, "published"),
...          "t": Cell("t", 15.0, "published")}
>>> [round(v) for v in bounds(cells, [Relation("t", ("a", "b"))])["a"]]
[10, 10]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from parkanalysis.share.lp import Problem

__all__ = ["Cell", "Exposure", "Relation", "audit_cells", "bounds", "components", "exposed"]


@dataclass
class Cell:
    """One cell as the audit sees it: ``status`` is ``published`` or ``withheld``.

    ``value`` is the printed figure of a published cell; for a withheld cell it is the true
    value when known (office side) and ``None`` otherwise (an outsider). ``step`` is the
    printed precision (0.1 for amounts with one decimal, 1 for counts).
    """

    id: str
    value: float | None
    status: str
    step: float = 0.1
    label: str = ""
    #: may be negative (a cross-span residual, 规上 leavers): not bounded below by 0
    signed: bool = False

    @property
    def integer(self) -> bool:
        """A count (printed as a whole number): exact when published, integral when not."""
        return self.step >= 1


@dataclass(frozen=True)
class Relation:
    """``lo ≤ total − Σ coeffs[i] · parts[i] ≤ hi``; by default ``total = Σ parts`` exactly.

    ``coeffs`` None means every coefficient is 1; ``lo = hi = 0`` is an equation. A band
    (``lo < hi``) holds the true values within it; either side may be open (``lo = −inf`` or
    ``hi = +inf``: a one-sided inequality, as a published growth rate or ratio gives — one per
    end of its rounding interval).

    >>> Relation("v", ("l", "e", "x"), (1.05, 1.0, -1.05), -0.5, 0.5).terms()
    (('v', 1.0), ('l', -1.05), ('e', -1.0), ('x', 1.05))
    """

    total: str
    parts: tuple[str, ...]
    coeffs: tuple[float, ...] | None = None
    lo: float = 0.0
    hi: float = 0.0

    def terms(self) -> tuple[tuple[str, float], ...]:
        """``(cell, coefficient)`` of the left side ``total − Σ coeff·part``."""
        coeffs = self.coeffs if self.coeffs is not None else (1.0,) * len(self.parts)
        return (
            (self.total, 1.0),
            *((p, -float(c)) for p, c in zip(self.parts, coeffs, strict=True)),
        )


@dataclass(frozen=True)
class Exposure:
    """A withheld cell the outsider can narrow too far."""

    id: str
    label: str
    lo: float
    hi: float
    value: float | None

    def describe(self) -> str:
        hi = "∞" if math.isinf(self.hi) else f"{self.hi:,.1f}"
        text = f"{self.label or self.id}:可推算区间 [{self.lo:,.1f}, {hi}]"
        if self.value is not None:
            text += f"(真实值 {self.value:,.1f})"
        return text


def components(ids: Iterable[str], relations: Iterable[Relation]) -> list[set[str]]:
    """The connected groups of cells (every cell named by ``ids`` or a relation).

    >>> sorted(map(sorted, components(["a", "z"], [Relation("t", ("a", "b"))])))
    [['a', 'b', 't'], ['z']]
    """
    relations = list(relations)
    ids = sorted(set(ids) | {m for r in relations for m, _c in r.terms()})
    return _components(ids, relations)


def _components(ids: list[str], relations: list[Relation]) -> list[set[str]]:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rel in relations:
        root = find(rel.total)
        for part in rel.parts:
            parent[find(part)] = root
    groups: dict[str, set[str]] = {}
    for i in ids:
        groups.setdefault(find(i), set()).add(i)
    return list(groups.values())


def bounds(
    cells: Mapping[str, Cell], relations: Iterable[Relation], targets: Iterable[str] | None = None
) -> dict[str, tuple[float, float]]:
    """Feasible ``(lo, hi)`` of each withheld cell (or of ``targets``) given the published ones.

    Cells named by a relation but absent from ``cells`` are unknown to the outsider too.
    """
    return _solve(cells, relations, targets)


def _solve(
    cells: Mapping[str, Cell],
    relations: Iterable[Relation],
    targets: Iterable[str] | None,
    p: float | None = None,
    truth: Mapping[str, float] | None = None,
) -> dict[str, tuple[float, float]]:
    """:func:`bounds`; with ``p``, cells shown to be protected without their LPs are left out."""
    relations = list(relations)
    ids = sorted(set(cells) | {c for r in relations for c, _k in r.terms()})
    wanted = set(
        targets if targets is not None else (i for i, c in cells.items() if c.status != "published")
    )
    out: dict[str, tuple[float, float]] = {}
    for group in _components(ids, relations):
        goal = tuple(sorted(group & wanted))
        if not goal:
            continue
        names = tuple(sorted(group))
        box = []
        for n in names:
            c = cells.get(n)
            if c is not None and c.status == "published" and c.value is not None:
                half = 0.0 if c.integer else c.step / 2
                low = c.value - half
                box.append((low if c.signed else max(0.0, low), c.value + half))
            else:
                box.append((None if c is not None and c.signed else 0.0, None))
        rels = tuple(r for r in relations if r.total in group)
        known = tuple(None if truth is None else truth.get(n) for n in goal)
        counts = tuple(n in cells and cells[n].integer for n in goal)
        solved = _component_bounds(names, tuple(box), rels, goal, p, known, counts)
        out.update((n, lohi) for n, lohi in zip(goal, solved, strict=True) if lohi is not None)
    return out


def _integral(lo: float, hi: float) -> tuple[float, float]:
    """LP bounds of a count tightened to the integers inside them.

    >>> _integral(1.2, 3.0000000001), _integral(0.0, math.inf)
    ((2, 3), (0, inf))
    """
    lo = math.ceil(lo - 1e-7) if math.isfinite(lo) else lo
    return lo, (math.floor(hi + 1e-7) if math.isfinite(hi) else hi)


#: Relative margin by which values seen in feasible solutions must clear the protection
#: interval before a cell's own LPs are skipped (cells nearer the edge are solved exactly).
_MARGIN = 1e-4


def _clearly_protected(
    a: float, b: float, p: float, x: float | None, integer: bool = False
) -> bool:
    """True when feasible values ``a`` and ``b`` of a cell already prove it is not exposed.

    The cell's true ``lo`` is at most ``a`` and its ``hi`` at least ``b``, so ``hi − lo ≥
    2p·hi`` follows from ``(1 − 2p)·b − a ≥ 0`` and the two-sided check from ``a ≤ x − p·x``
    and ``b ≥ x + p·x``; each must hold with a margin.
    """
    if not (math.isfinite(a) and math.isfinite(b)) or p >= 0.5 or a < 0:
        return False
    if integer:  # the integers between them are what the outsider is left with
        a, b = math.ceil(a - 1e-7), math.floor(b + 1e-7)
    tol = _MARGIN * max(1.0, abs(a), abs(b))
    if b - a < 1e-6 + tol or (1 - 2 * p) * b - a < tol:
        return False
    if x is not None and abs(x) > 1e-9:
        return a <= x - p * abs(x) - tol and b >= x + p * abs(x) + tol
    return True


@functools.lru_cache(maxsize=512)
def _component_bounds(
    names: tuple[str, ...],
    box: tuple[tuple[float, float | None], ...],
    rels: tuple[Relation, ...],
    goal: tuple[str, ...],
    p: float | None,
    known: tuple[float | None, ...],
    counts: tuple[bool, ...] = (),
) -> tuple[tuple[float, float] | None, ...]:
    """``(lo, hi)`` of each ``goal`` cell of one connected component (two LPs per cell).

    With ``p`` (an audit), a cell whose values seen in the feasible solutions of the LPs solved
    so far already prove it protected (:func:`_clearly_protected`, true value ``known``) is not
    solved (None): every solution is a point the outsider cannot rule out, so the cell's
    interval is at least as wide as the values it takes in them. Memoised: secondary
    suppression audits the whole pattern again after each round, and only the components it
    changed need solving again.
    """
    pos = {n: i for i, n in enumerate(names)}
    a_eq, b_eq, a_ub, b_ub = _matrices(rels, pos, len(names))
    lp = Problem(a_eq, b_eq, a_ub, b_ub, box)
    box_lo = np.array([-np.inf if b[0] is None else b[0] for b in box])
    box_hi = np.array([np.inf if b[1] is None else b[1] for b in box])
    # smallest / largest value of each cell seen in a feasible solution; solutions found under
    # a narrower box stay feasible (secondary suppression only ever widens boxes)
    seen_lo = np.full(len(names), np.inf)
    seen_hi = np.full(len(names), -np.inf)
    earlier = _WITNESSES.get((names, rels))
    if earlier is not None and (box_lo <= earlier[0]).all() and (box_hi >= earlier[1]).all():
        seen_lo, seen_hi = earlier[2].copy(), earlier[3].copy()
    found: list[tuple[float, float] | None] = []
    counts = counts or (False,) * len(goal)
    if p is not None:
        _witness_batch((goal, known, counts, pos, p), lp, box, seen_lo, seen_hi)
    for n, x, integer in zip(goal, known, counts, strict=True):
        i = pos[n]
        if p is not None and _clearly_protected(seen_lo[i], seen_hi[i], p, x, integer):
            found.append(None)
            continue
        c = np.zeros(len(names))
        c[i] = 1.0
        results = []
        for sign in (1.0, -1.0):
            res = lp.minimise(sign * c)
            if res is not None:
                np.minimum(seen_lo, res[1], out=seen_lo)
                np.maximum(seen_hi, res[1], out=seen_hi)
            results.append(res)
        low, high = results
        floor = box[i][0]  # None: a signed cell, unbounded below
        lo_n = low[0] if low is not None else (-math.inf if floor is None else 0.0)
        hi_n = -high[0] if high is not None else math.inf
        lohi = (lo_n if floor is None else max(0.0, lo_n), hi_n)
        found.append(_integral(*lohi) if integer else lohi)
    if len(_WITNESSES) >= 64:
        _WITNESSES.pop(next(iter(_WITNESSES)))
    _WITNESSES[(names, rels)] = (box_lo, box_hi, seen_lo, seen_hi)
    return tuple(found)


def _witness_batch(goals, lp: Problem, box, seen_lo, seen_hi) -> None:
    """Two LPs for all open goal cells at once: push them all down, then all up.

    Each solution is a feasible point, so every cell's value in it widens what it is seen to
    take (``seen_lo`` / ``seen_hi``, updated in place); most cells of a wide component are then
    shown protected (:func:`_clearly_protected`) without their own two LPs. Pushing up, cells
    unbounded above are capped far above every known figure — a solution of the capped problem
    is a solution of the real one.
    """
    goal, known, counts, pos, p = goals
    open_ = [
        (pos[n], x)
        for n, x, integer in zip(goal, known, counts, strict=True)
        if not _clearly_protected(seen_lo[pos[n]], seen_hi[pos[n]], p, x, integer)
    ]
    if len(open_) < 3:
        return
    scale = 1.0 + sum(b[1] for b in box if b[1] is not None) + sum(abs(x or 0.0) for _i, x in open_)
    cap = 10.0 * scale
    capped = [(lo, cap if hi is None else hi) for lo, hi in box]
    for sign, bounds_ in ((1.0, None), (-1.0, capped)):
        c = np.zeros(len(box))
        for i, x in open_:
            c[i] = sign / max(1.0, abs(x or 0.0))
        res = lp.minimise(c, box=bounds_)
        if res is not None:
            np.minimum(seen_lo, res[1], out=seen_lo)
            np.maximum(seen_hi, res[1], out=seen_hi)


def _matrices(rels, pos, n):
    """Sparse ``A_eq x = b_eq`` (equations) and ``A_ub x ≤ b_ub`` (bands: a row per finite
    side; an open side gives none)."""
    from scipy.sparse import coo_matrix

    eq: list[tuple[Relation, float]] = []
    ub: list[tuple[Relation, float, float]] = []
    for r in rels:
        if r.hi - r.lo <= 0:
            eq.append((r, r.lo))
        else:
            ub += [(r, 1.0, r.hi)] if math.isfinite(r.hi) else []
            ub += [(r, -1.0, -r.lo)] if math.isfinite(r.lo) else []

    def build(rows_of):
        rows, cols, vals, rhs = [], [], [], []
        for j, (r, sign, b) in enumerate(rows_of):
            for member, coeff in r.terms():
                rows.append(j)
                cols.append(pos[member])
                vals.append(sign * coeff)
            rhs.append(b)
        if not rows_of:
            return None, None
        # duplicates (a cell on both sides) are summed by the conversion
        return coo_matrix((vals, (rows, cols)), shape=(len(rows_of), n)).tocsr(), np.array(rhs)

    a_eq, b_eq = build([(r, 1.0, b) for r, b in eq])
    a_ub, b_ub = build(ub)
    return a_eq, b_eq, a_ub, b_ub


#: The values seen in feasible solutions of a component's LPs, under the box they were seen.
_WITNESSES: dict[tuple, tuple[np.ndarray, ...]] = {}


def exposed(
    cells: Mapping[str, Cell],
    relations: Iterable[Relation],
    *,
    p_percent: float,
    truth: Mapping[str, float] | None = None,
    targets: Iterable[str] | None = None,
) -> list[Exposure]:
    """Withheld cells an outsider can narrow below their protection interval.

    ``truth`` maps cell ids to true values (office side: adds the two-sided check).
    """
    p = p_percent / 100.0
    found = []
    for cid, (lo, hi) in sorted(_solve(cells, relations, targets, p, truth).items()):
        bad = hi - lo < 2 * p * max(abs(lo), abs(hi)) - 1e-9 or hi - lo < 1e-6
        x = None if truth is None else truth.get(cid)
        if x is not None and abs(x) > 1e-9:
            bad |= lo > x - p * abs(x) + 1e-9 or hi < x + p * abs(x) - 1e-9
        if bad:
            label = cells[cid].label if cid in cells else cid
            found.append(Exposure(cid, label, lo, hi, x))
    return found


def audit_cells(
    cells: Mapping[str, Cell], relations: Iterable[Relation], *, p_percent: float
) -> list[Exposure]:
    """The outsider's audit: every withheld cell, true values unknown (a signed cell stays
    signed: as a cell ≥ 0 a negative residual would make its component infeasible, and every
    cell of it look unbounded)."""
    blind = {
        i: Cell(
            c.id, c.value if c.status == "published" else None, c.status, c.step, c.label, c.signed
        )
        for i, c in cells.items()
    }
    return exposed(blind, relations, p_percent=p_percent)
