"""The attacker's audit (share/audit.py) against a plain LP formulation of its definition.

For every withheld cell the outsider's interval is the min and max of the cell over every
non-negative table consistent with the printed cells (an amount within half a unit of its
last digit, a count exactly) and the relations (``total = Σ parts``, or a band ``lo ≤ total −
Σ coeff·part ≤ hi``, one side possibly open); a withheld count's interval
is tightened to the integers inside it. The audit solves it per connected component,
reuses feasible solutions and skips cells it has shown to be protected; none of that may change
an answer. Here each interval is solved again with one dense LP over the whole table, and the
exposure decision (``hi − lo < 2p·hi``; inside the office also ``lo ≤ x − p·x`` and ``hi ≥
x + p·x``) recomputed, on generated linked tables (rows, columns and totals; several tables
at once; many protection levels), across repeated calls (the module memoises).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linprog

from parkanalysis.share.audit import Cell, Exposure, Relation, audit_cells, bounds, exposed


@pytest.fixture(autouse=True)
def cold_audit():
    """Each test starts with the audit's memo empty, as a fresh process does: results memoised
    by an earlier caller (or inherited by a forked process) would hide the code under test."""
    from parkanalysis.share import audit

    audit._component_bounds.cache_clear()
    audit._WITNESSES.clear()
    yield


def linked_table(rng, rows: int, cols: int, prefix: str, step: float):
    """A rows × cols table with row totals, column totals and a grand total, some withheld."""
    values = rng.integers(0, 60, (rows, cols)).astype(float)
    if step < 1:
        values = values + rng.integers(0, 10, (rows, cols)) / 10
    cells, relations = {}, []

    def add(cid, value):
        cells[cid] = Cell(cid, round(float(value), 1), "published", step, f"{cid}标签")

    for i in range(rows):
        for j in range(cols):
            add(f"{prefix}{i}{j}", values[i, j])
        add(f"{prefix}{i}T", values[i].sum())
        relations.append(Relation(f"{prefix}{i}T", tuple(f"{prefix}{i}{j}" for j in range(cols))))
    for j in range(cols):
        add(f"{prefix}T{j}", values[:, j].sum())
        relations.append(Relation(f"{prefix}T{j}", tuple(f"{prefix}{i}{j}" for i in range(rows))))
    add(f"{prefix}TT", values.sum())
    relations.append(Relation(f"{prefix}TT", tuple(f"{prefix}{i}T" for i in range(rows))))
    ids = list(cells)
    for cid in rng.choice(ids, int(rng.integers(1, max(2, len(ids) // 3))), replace=False):
        cells[cid].status = "withheld"
    return cells, relations


def reference_bounds(cells, relations):
    """Min and max of each withheld cell over the whole table in one dense LP: a relation is
    ``lo ≤ total − Σ coeff·part ≤ hi`` (an equation when ``lo = hi``; an open side no row)."""
    ids = sorted(set(cells) | {c for r in relations for c in (r.total, *r.parts)})
    pos = {c: k for k, c in enumerate(ids)}
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    for r in relations:
        row = np.zeros(len(ids))
        row[pos[r.total]] += 1.0
        coeffs = r.coeffs if r.coeffs is not None else (1.0,) * len(r.parts)
        for part, k in zip(r.parts, coeffs, strict=True):
            row[pos[part]] -= k
        if r.lo == r.hi:
            eq_rows.append(row)
            eq_rhs.append(r.lo)
            continue
        if r.hi < math.inf:
            ub_rows.append(row)
            ub_rhs.append(r.hi)
        if r.lo > -math.inf:
            ub_rows.append(-row)
            ub_rhs.append(-r.lo)
    system = {
        "A_eq": np.array(eq_rows) if eq_rows else None,
        "b_eq": np.array(eq_rhs) if eq_rows else None,
        "A_ub": np.array(ub_rows) if ub_rows else None,
        "b_ub": np.array(ub_rhs) if ub_rows else None,
    }
    box = []
    for c in ids:
        cell = cells.get(c)
        signed = cell is not None and cell.signed  # may be negative: no floor at 0
        if cell is not None and cell.status == "published" and cell.value is not None:
            if cell.step >= 1:  # a count has no rounding: printed is exact
                box.append((cell.value, cell.value))
            else:
                low = cell.value - cell.step / 2
                box.append((low if signed else max(0.0, low), cell.value + cell.step / 2))
        else:
            box.append((None if signed else 0.0, None))
    out = {}
    for c in ids:
        if c in cells and cells[c].status == "published":
            continue
        goal = np.zeros(len(ids))
        goal[pos[c]] = 1.0
        lo = linprog(goal, **system, bounds=box, method="highs")
        hi = linprog(-goal, **system, bounds=box, method="highs")
        if c in cells and cells[c].signed:
            low = lo.fun if lo.status == 0 else -math.inf
        else:
            low = max(0.0, lo.fun if lo.status == 0 else 0.0)
        high = -hi.fun if hi.status == 0 else math.inf
        if c in cells and cells[c].step >= 1:  # a withheld count: the integers inside
            low = math.ceil(low - 1e-7) if math.isfinite(low) else low
            high = math.floor(high + 1e-7) if math.isfinite(high) else high
        out[c] = (low, high)
    return out


def reference_exposed(cells, relations, p_percent, truth=None):
    p = p_percent / 100
    found = set()
    for c, (lo, hi) in reference_bounds(cells, relations).items():
        # p % of the value's size: of hi for a cell ≥ 0, of the larger end for a signed one
        bad = hi - lo < 2 * p * max(abs(lo), abs(hi)) - 1e-9 or hi - lo < 1e-6
        x = None if truth is None else truth.get(c)
        if x is not None and abs(x) > 1e-9:
            bad |= lo > x - p * abs(x) + 1e-9 or hi < x + p * abs(x) - 1e-9
        if bad:
            found.add(c)
    return found


def tables(seed):
    rng = np.random.default_rng(seed)
    cells, relations = {}, []
    for k in range(int(rng.integers(1, 4))):
        c, r = linked_table(
            rng, int(rng.integers(1, 4)), int(rng.integers(2, 4)), f"t{k}_", rng.choice([0.1, 1.0])
        )
        cells |= c
        relations += r
    return cells, relations


@pytest.mark.parametrize("seed", range(6))
def test_bounds_are_the_lp_over_the_whole_table(seed):
    cells, relations = tables(seed)
    outsider = {
        i: Cell(c.id, c.value if c.status == "published" else None, c.status, c.step, c.label)
        for i, c in cells.items()
    }
    got = bounds(outsider, relations)
    want = reference_bounds(outsider, relations)
    assert set(got) == set(want)
    for c, (lo, hi) in want.items():
        assert got[c][0] == pytest.approx(lo, abs=1e-6), c
        assert got[c][1] == pytest.approx(hi, abs=1e-6) or got[c][1] == hi == math.inf, c


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p_percent", [0.5, 15.0, 60.0])
def test_exposure_decisions_are_those_of_the_full_lps(seed, p_percent):
    cells, relations = tables(seed)
    truth = {i: c.value for i, c in cells.items() if c.status != "published"}
    office = exposed(cells, relations, p_percent=p_percent, truth=truth)
    assert {e.id for e in office} == reference_exposed(cells, relations, p_percent, truth)
    for e in office:
        assert e.value == truth[e.id] and e.label == cells[e.id].label
    blind = audit_cells(cells, relations, p_percent=p_percent)
    outsider = {
        i: Cell(c.id, c.value if c.status == "published" else None, c.status, c.step, c.label)
        for i, c in cells.items()
    }
    assert {e.id for e in blind} == reference_exposed(outsider, relations, p_percent)
    assert all(e.value is None for e in blind)
    # asked again (memoised components, remembered solutions): the same answer
    again = exposed(cells, relations, p_percent=p_percent, truth=truth)
    assert [(e.id, e.lo, e.hi) for e in again] == [(e.id, e.lo, e.hi) for e in office]


@pytest.mark.parametrize("p_percent", [5.0, 10.0, 20.0, 30.0])
def test_one_withheld_part_is_exposed_two_may_be_protected(p_percent):
    """total = a + b + c: one withheld part is the difference (exposed); withholding two
    leaves each within [0, their sum], protected when that is wide enough."""
    vals = {"a": 30.0, "b": 25.0, "c": 45.0}
    rel = [Relation("t", ("a", "b", "c"))]

    def cells(withheld):
        out = {k: Cell(k, v, "withheld" if k in withheld else "published", 1.0)
               for k, v in vals.items()}  # fmt: skip
        out["t"] = Cell("t", 100.0, "published", 1.0)
        return out

    assert [e.id for e in audit_cells(cells({"a"}), rel, p_percent=p_percent)] == ["a"]
    two = cells({"a", "b"})
    truth = {"a": 30.0, "b": 25.0}
    got = {e.id for e in exposed(two, rel, p_percent=p_percent, truth=truth)}
    assert got == reference_exposed(two, rel, p_percent, truth)
    lo, hi = bounds(two, rel)["a"]
    assert (lo, hi) == pytest.approx((0.0, 55.0), abs=1e-6)  # counts: 100 − 45, exactly


def test_a_cell_without_relations_is_unbounded_and_the_message_says_so():
    cells = {"x": Cell("x", 12.0, "withheld", 1.0, "某项")}
    assert bounds(cells, []) == {"x": (0.0, math.inf)}
    assert exposed(cells, [], p_percent=10, truth={"x": 12.0}) == []
    # x = y with y unknown too: x is anywhere in [0, ∞), never exposed
    assert exposed({"x": Cell("x", 5.0, "withheld")}, [Relation("x", ("y",))], p_percent=10) == []
    text = Exposure("x", "某项", 2.0, math.inf, 3.0).describe()
    assert text == "某项:可推算区间 [2.0, ∞](真实值 3.0)"
    assert Exposure("x", "", 1234.5, 2000.0, None).describe() == "x:可推算区间 [1,234.5, 2,000.0]"


@pytest.mark.parametrize("seed", range(3))
def test_bounds_of_the_targets_asked_only(seed):
    """``targets`` names the cells solved: those and no other (a published one included)."""
    cells, relations = tables(seed)
    withheld = sorted(i for i, c in cells.items() if c.status != "published")
    published = sorted(i for i, c in cells.items() if c.status == "published")
    targets = [withheld[0], published[0]]
    got = bounds(cells, relations, targets=targets)
    assert set(got) == set(targets)
    # a published cell's interval holds its printed value
    lo, hi = got[published[0]]
    assert lo - 1e-6 <= cells[published[0]].value <= hi + 1e-6
    assert got[withheld[0]] == pytest.approx(bounds(cells, relations)[withheld[0]], abs=1e-6)


def test_the_outsiders_findings_name_the_cells_by_their_labels():
    """The blind audit hides withheld values, never the cells' labels: a finding reads
    「二季度产值:可推算区间 …」, not an id."""
    rel = [Relation("t", ("a", "b"))]
    cells = {
        "a": Cell("a", 30.0, "withheld", 1.0, "二季度产值"),
        "b": Cell("b", 70.0, "published", 1.0, "一季度产值"),
        "t": Cell("t", 100.0, "published", 1.0, "上半年产值"),
    }
    (found,) = audit_cells(cells, rel, p_percent=10)
    assert (found.id, found.label, found.value) == ("a", "二季度产值", None)
    assert found.describe() == "二季度产值:可推算区间 [30.0, 30.0]"


def small_tables(seed):
    """Linked tables of amounts below 1 (printed to 0.01) with many withheld cells: the audit
    reuses feasible solutions of a component's earlier LPs to skip later cells, and values
    this small are where a wrong shortcut (a ratio in place of a product, the two-sided
    check dropped below 1) would show."""
    rng = np.random.default_rng(1000 + seed)
    cells, relations = {}, []
    for k in range(2):
        rows, cols = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        values = rng.integers(1, 90, (rows, cols)) / 100
        prefix = f"s{k}_"

        def add(cid, value):
            cells[cid] = Cell(cid, round(float(value), 2), "published", 0.01, cid)

        for i in range(rows):
            for j in range(cols):
                add(f"{prefix}{i}{j}", values[i, j])
            add(f"{prefix}{i}T", values[i].sum())
            relations.append(
                Relation(f"{prefix}{i}T", tuple(f"{prefix}{i}{j}" for j in range(cols)))
            )
        for j in range(cols):
            add(f"{prefix}T{j}", values[:, j].sum())
            relations.append(
                Relation(f"{prefix}T{j}", tuple(f"{prefix}{i}{j}" for i in range(rows)))
            )
        add(f"{prefix}TT", values.sum())
        relations.append(Relation(f"{prefix}TT", tuple(f"{prefix}{i}T" for i in range(rows))))
        inner = [f"{prefix}{i}{j}" for i in range(rows) for j in range(cols)]
        for cid in rng.choice(inner, int(rng.integers(2, len(inner) + 1)), replace=False):
            cells[cid].status = "withheld"
    return cells, relations


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("p_percent", [10.0, 25.0, 45.0])
def test_exposure_decisions_on_amounts_below_one(seed, p_percent):
    cells, relations = small_tables(seed)
    truth = {i: c.value for i, c in cells.items() if c.status != "published"}
    office = exposed(cells, relations, p_percent=p_percent, truth=truth)
    assert {e.id for e in office} == reference_exposed(cells, relations, p_percent, truth)
    outsider = {
        i: Cell(c.id, c.value if c.status == "published" else None, c.status, c.step, c.label)
        for i, c in cells.items()
    }
    blind = audit_cells(cells, relations, p_percent=p_percent)
    assert {e.id for e in blind} == reference_exposed(outsider, relations, p_percent)


def nested_counts(t=100.0, a1=40.0):
    """t = a + b and a = a1 + a2, with t and a1 published counts and a, a2, b withheld: the
    outsider knows a ∈ [a1, t] and a2, b ∈ [0, t − a1], nothing narrower (closed form)."""
    cells = {
        "t": Cell("t", t, "published", 1.0, "合计"),
        "a1": Cell("a1", a1, "published", 1.0, "甲一"),
        "a": Cell("a", None, "withheld", 1.0, "甲"),
        "a2": Cell("a2", None, "withheld", 1.0, "甲二"),
        "b": Cell("b", None, "withheld", 1.0, "乙"),
    }
    relations = [Relation("t", ("a", "b")), Relation("a", ("a1", "a2"))]
    intervals = {"a": (a1, t), "a2": (0.0, t - a1), "b": (0.0, t - a1)}
    return cells, relations, intervals


def by_definition(intervals, p_percent, truth=None):
    """The module docstring's rule on known intervals: exposed when hi − lo < 2p·hi (or a
    point); with the true value x also when lo > x − p·x or hi < x + p·x."""
    p = p_percent / 100
    out = set()
    for c, (lo, hi) in intervals.items():
        x = None if truth is None else truth[c]
        narrow = hi - lo < 2 * p * hi or hi - lo == 0
        off_centre = x is not None and x != 0 and (lo > x - p * abs(x) or hi < x + p * abs(x))
        if narrow or off_centre:
            out.add(c)
    return out


# a ∈ [40, 100]: width 60 = 2p·100 at p = 30 %; the office check on a at p = 25 %: lo 40 ≤
# 0.75·x from x = 53⅓; on b ∈ [0, 60] at p = 25 %: hi 60 ≥ 1.25·x up to x = 48
# (at p = 20 % and x = 50 both checks are exact ties: lo 40 = 0.8·50, hi 60 = 1.2·50, protected);
# within the audit's margin (10⁻⁴ of the interval's end) of the office check's edges: at p =
# 25 % a = 53.33 has lo 40 > 0.75·53.33 = 39.9975 (exposed), b = 100 − 51.996 = 48.004 has
# hi 60 < 1.25·48.004 = 60.005 (exposed), which a shortcut with its margin on the wrong side
# of either edge would pass as protected
@pytest.mark.parametrize("p_percent", [20.0, 25.0, 29.9, 30.0, 30.2, 35.0])
@pytest.mark.parametrize("a_true", [50.0, 51.996, 53.0, 53.33, 54.0, 70.0])
def test_exposure_at_the_edges_of_the_protection_interval(p_percent, a_true):
    cells, relations, intervals = nested_counts()
    truth = {"a": a_true, "a2": a_true - 40.0, "b": 100.0 - a_true}
    got = bounds(cells, relations)
    assert set(got) == set(intervals)
    for c, lohi in intervals.items():
        assert got[c] == pytest.approx(lohi, abs=1e-9), c
    blind = {e.id for e in audit_cells(cells, relations, p_percent=p_percent)}
    assert blind == by_definition(intervals, p_percent)
    assert blind == ({"a"} if p_percent > 30 else set())
    office_cells = {i: Cell(c.id, truth.get(i, c.value), c.status, c.step, c.label)
                    for i, c in cells.items()}  # fmt: skip
    office = {e.id for e in exposed(office_cells, relations, p_percent=p_percent, truth=truth)}
    assert office == by_definition(intervals, p_percent, truth)
    assert office == reference_exposed(office_cells, relations, p_percent, truth)


def test_the_office_check_for_a_true_value_of_one():
    """t = 2 = a + b, a = 1 + a2: a ∈ [1, 2] with true value 1 sits on the edge of its
    interval, exposed inside the office at p = 10 % although the interval is wide enough."""
    cells, relations, intervals = nested_counts(t=2.0, a1=1.0)
    truth = {"a": 1.0, "a2": 0.0, "b": 1.0}
    assert audit_cells(cells, relations, p_percent=10) == []
    office_cells = {i: Cell(c.id, truth.get(i, c.value), c.status, c.step, c.label)
                    for i, c in cells.items()}  # fmt: skip
    office = {e.id for e in exposed(office_cells, relations, p_percent=10, truth=truth)}
    assert office == by_definition(intervals, 10, truth) == {"a", "b"}


def test_exposed_answers_for_the_targets_only():
    cells, relations, _ = nested_counts()
    assert [e.id for e in audit_cells(cells, relations, p_percent=35)] == ["a"]
    assert exposed(cells, relations, p_percent=35, targets=["b"]) == []
    assert [e.id for e in exposed(cells, relations, p_percent=35, targets=["a"])] == ["a"]


def residual_tables(seed):
    """Two years of a few rows with their change ``cur = prev + r`` (r signed: a cross-span
    residual, negative where a row shrank), totals of each column (the residuals' total R
    signed too), amounts printed to 0.1, several cells withheld — among them residuals whose
    interval lies wholly below 0 (cur and prev published)."""
    rng = np.random.default_rng(2000 + seed)
    n = int(rng.integers(3, 6))
    prev = np.round(rng.uniform(5, 60, n), 1)
    cur = np.round(np.clip(prev + rng.uniform(-20, 20, n), 0, None), 1)
    cells, relations = {}, []

    def add(cid, value, signed=False):
        cells[cid] = Cell(cid, round(float(value), 1), "published", 0.1, f"{cid}标签", signed)

    for i in range(n):
        add(f"p{i}", prev[i])
        add(f"c{i}", cur[i])
        add(f"r{i}", cur[i] - prev[i], signed=True)
        relations.append(Relation(f"c{i}", (f"p{i}", f"r{i}")))
    add("PT", prev.sum())
    add("CT", cur.sum())
    add("RT", cur.sum() - prev.sum(), signed=True)
    relations += [
        Relation("PT", tuple(f"p{i}" for i in range(n))),
        Relation("CT", tuple(f"c{i}" for i in range(n))),
        Relation("RT", tuple(f"r{i}" for i in range(n))),
        Relation("CT", ("PT", "RT")),
    ]
    ids = list(cells)
    for cid in rng.choice(ids, int(rng.integers(3, len(ids) // 2 + 1)), replace=False):
        cells[cid].status = "withheld"
    for i in range(n):  # at least one residual pinned by its published row
        if cur[i] < prev[i] - 1 and cells[f"r{i}"].status == "published":
            cells[f"r{i}"].status = "withheld"
            cells[f"c{i}"].status = cells[f"p{i}"].status = "published"
            break
    return cells, relations


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("p_percent", [5.0, 15.0, 30.0])
def test_exposure_decisions_with_signed_residuals(seed, p_percent):
    """Signed cells may be negative (no floor at 0), and their size is that of the larger end
    of their interval: a shrinking row's residual r = c − p with c and p published is pinned
    below 0 and exposed; the audit's shortcut must not take a negative seen value for proof."""
    cells, relations = residual_tables(seed)
    truth = {i: c.value for i, c in cells.items() if c.status != "published"}
    want = reference_exposed(cells, relations, p_percent, truth)
    assert {e.id for e in exposed(cells, relations, p_percent=p_percent, truth=truth)} == want
    outsider = {
        i: Cell(c.id, c.value if c.status == "published" else None, c.status, c.step, c.label,
                c.signed)
        for i, c in cells.items()
    }  # fmt: skip
    blind = {e.id for e in audit_cells(cells, relations, p_percent=p_percent)}
    assert blind == reference_exposed(outsider, relations, p_percent)


def test_a_negative_residual_pinned_by_its_row_is_exposed():
    """c = p + r with c = 100 and p = 110 published: r ∈ [−10.1, −9.9] (the rounding of two
    printed figures), exposed at p = 10 % — also in the blind audit (which must keep the
    cell signed: as a cell ≥ 0 it would make the table infeasible and look unbounded)."""
    cells = {
        "c": Cell("c", 100.0, "published", 0.1, "本年"),
        "p": Cell("p", 110.0, "published", 0.1, "上年"),
        "r": Cell("r", -10.0, "withheld", 0.1, "变动", signed=True),
    }
    rel = [Relation("c", ("p", "r"))]
    lo, hi = bounds(cells, rel)["r"]
    assert (lo, hi) == pytest.approx((-10.1, -9.9), abs=1e-9)
    assert [e.id for e in audit_cells(cells, rel, p_percent=10)] == ["r"]
    assert [e.id for e in exposed(cells, rel, p_percent=10, truth={"r": -10.0})] == ["r"]


def test_components_without_withheld_cells_do_not_stop_the_audit():
    """Tables are solved one connected component at a time; a wholly published table (here
    the first in order) has nothing to solve, and the tables after it are still audited."""
    cells = {
        cid: Cell(cid, v, "published", 1.0, cid)
        for cid, v in {"a_t": 30.0, "a_1": 10.0, "a_2": 20.0, "z_t": 50.0, "z_2": 15.0}.items()
    }
    cells["z_1"] = Cell("z_1", 35.0, "withheld", 1.0, "乙一")
    rel = [Relation("a_t", ("a_1", "a_2")), Relation("z_t", ("z_1", "z_2"))]
    assert bounds(cells, rel) == {"z_1": (35, 35)}
    assert [(e.id, e.label) for e in audit_cells(cells, rel, p_percent=10)] == [("z_1", "乙一")]


def test_a_target_named_only_by_a_relation_is_reported_by_its_id():
    """A cell the table does not hold (named by a relation only) is unknown to the outsider
    too; asked for, its finding is named by its id."""
    cells = {
        "t": Cell("t", 100.0, "published", 1.0, "合计"),
        "a": Cell("a", 60.0, "published", 1.0),
    }
    rel = [Relation("t", ("a", "y"))]
    (found,) = exposed(cells, rel, p_percent=10, targets=["y"])
    assert (found.id, found.label, found.lo, found.hi) == ("y", "y", 40.0, 40.0)


@pytest.mark.parametrize("p_percent", [10.0, 25.0, 30.0])
def test_a_withheld_count_is_tightened_to_the_integers_inside(p_percent):
    """A band relation (a rounded coefficient) leaves a withheld count c in [1.5, 3.5] as an
    LP; the outsider knows it is a whole number, so in {2, 3}: exposed at p = 25 % (width 1 <
    2·0.25·3), not at 10 % — where the LP's interval alone would say protected at 25 % too."""
    cells = {
        "t": Cell("t", 5.0, "published", 1.0, "合计"),
        "c": Cell("c", 3.0, "withheld", 1.0, "家数"),
    }
    rel = [Relation("t", ("c",), (2.0,), -2.0, 2.0)]
    assert bounds(cells, rel) == {"c": (2, 3)}
    want = {"c"} if 2 * p_percent / 100 * 3 > 1 else set()
    assert {e.id for e in audit_cells(cells, rel, p_percent=p_percent)} == want
    assert {e.id for e in exposed(cells, rel, p_percent=p_percent, truth={"c": 3.0})} >= want


def assert_bounds_match(got, want):
    assert set(got) == set(want)
    for c, (lo, hi) in want.items():
        assert got[c][0] == pytest.approx(lo, abs=1e-6) or got[c][0] == lo == -math.inf, c
        assert got[c][1] == pytest.approx(hi, abs=1e-6) or got[c][1] == hi == math.inf, c


def banded_table():
    """Counts t = 10 and b = 4 printed (exact); a, c, d, e, z1, z2 withheld amounts. Bands of
    width ≤ 1 and above, one-sided bands, an equation with a constant and a plain sum:

    * ``−0.5 ≤ t − a − b ≤ 0.5``: a ∈ [5.5, 6.5] (width 1: exposed at p = 10 %, 1 < 1.3);
    * ``−3 ≤ b − c ≤ 3``: c ∈ [1, 7];
    * ``t − d ≥ 3`` (open above) and ``d − b ≤ 1`` (open below): d ∈ [0, 5];
    * ``t − e = 2``: e = 8, pinned;
    * ``t = z1 + z2``: z1, z2 ∈ [0, 10] (cells only in equations, sorted after every
      banded one)."""
    cells = {
        "t": Cell("t", 10.0, "published", 1.0, "合计"),
        "b": Cell("b", 4.0, "published", 1.0, "乙"),
    }
    truth = {"a": 6.0, "c": 3.0, "d": 5.0, "e": 8.0, "z1": 3.0, "z2": 7.0}
    cells |= {k: Cell(k, v, "withheld", 0.1, f"{k}标签") for k, v in truth.items()}
    rel = [
        Relation("t", ("a", "b"), None, -0.5, 0.5),
        Relation("b", ("c",), None, -3.0, 3.0),
        Relation("t", ("d",), None, 3.0, math.inf),
        Relation("d", ("b",), None, -math.inf, 1.0),
        Relation("t", ("e",), None, 2.0, 2.0),
        Relation("t", ("z1", "z2")),
    ]
    return cells, rel, truth


def test_bands_one_sided_relations_and_constants_are_those_of_the_lp():
    """Every kind of relation the module docstring allows, solved against the dense reference
    LP and against the hand arithmetic of :func:`banded_table`."""
    cells, rel, _truth = banded_table()
    got = bounds(cells, rel)
    assert_bounds_match(got, reference_bounds(cells, rel))
    hand = {"a": (5.5, 6.5), "c": (1.0, 7.0), "d": (0.0, 5.0), "e": (8.0, 8.0)}
    hand |= {"z1": (0.0, 10.0), "z2": (0.0, 10.0)}
    assert_bounds_match(got, hand)


@pytest.mark.parametrize("p_percent", [5.0, 10.0, 20.0, 45.0])
def test_exposure_decisions_with_bands_are_those_of_the_lp(p_percent):
    """The blind audit and the office check on the banded table decide as the reference LP:
    a band of width 1 read as an equation, or either side of a band halved, or one band's rows
    lost, would pin a or widen it, and change who is exposed at some p."""
    cells, rel, truth = banded_table()
    assert {e.id for e in audit_cells(cells, rel, p_percent=p_percent)} == reference_exposed(
        {k: Cell(c.id, c.value if c.status == "published" else None, c.status, c.step)
         for k, c in cells.items()}, rel, p_percent)  # fmt: skip
    office = {e.id for e in exposed(cells, rel, p_percent=p_percent, truth=truth)}
    assert office == reference_exposed(cells, rel, p_percent, truth)
    # by hand at p = 5 %: a's width 1 ≥ 2·0.05·6.5, protected; e pinned at 8, exposed; d's
    # true 5.0 is the top of [0, 5], below 5 + 0.25, exposed
    if p_percent == 5.0:
        assert office == {"d", "e"}


def test_a_signed_count_unbounded_below_stays_unbounded():
    """t = r + s with only t = 5 printed and r, s signed counts: each can be any integer, so
    both bounds are infinite (an open bound is not rounded to an integer) and nothing is
    exposed."""
    cells = {
        "t": Cell("t", 5.0, "published", 1.0, "合计"),
        "r": Cell("r", 2.0, "withheld", 1.0, "变动甲", signed=True),
        "s": Cell("s", 3.0, "withheld", 1.0, "变动乙", signed=True),
    }
    rel = [Relation("t", ("r", "s"))]
    want = reference_bounds(cells, rel)
    assert want == {"r": (-math.inf, math.inf), "s": (-math.inf, math.inf)}
    assert bounds(cells, rel) == want
    assert audit_cells(cells, rel, p_percent=10) == []


def test_the_witness_solutions_keep_every_band():
    """Three withheld cells e, f, g make the audit first push them all down and up together
    (its witness LPs) before solving them one by one. Only the band ``e − d ≤ 0.05`` (d = 1.0
    printed, so e ≤ 1.10) keeps e below its protection interval: with the true e = 1.05 at
    p = 10 %, ``hi = 1.10 < 1.05 + 0.105``, exposed. A witness point that ignored the band, or
    the printed boxes (``t = e + f + g`` with t = 20.0 and ``t ≤ 30``), would show e far above
    1.155 and skip its LPs: the exposure would be lost."""
    cells = {
        "d": Cell("d", 1.0, "published", 0.1, "丁"),
        "t": Cell("t", 20.0, "published", 0.1, "合计"),
    }
    truth = {"e": 1.05, "f": 9.0, "g": 9.95}
    cells |= {k: Cell(k, v, "withheld", 0.1, f"{k}标签") for k, v in truth.items()}
    rel = [
        Relation("e", ("d",), None, -math.inf, 0.05),
        Relation("t", ("e", "f", "g")),
        Relation("t", (), None, -math.inf, 30.0),
    ]
    (lo, hi) = bounds(cells, rel, ["e"])["e"]
    assert (lo, hi) == pytest.approx((0.0, 1.10), abs=1e-9)  # by hand: 1.05 + 0.05
    assert reference_exposed(cells, rel, 10.0, truth) == {"e"}
    assert [x.id for x in exposed(cells, rel, p_percent=10.0, truth=truth)] == ["e"]


def test_a_published_zero_is_not_below_zero_for_the_outsider():
    """An amount printed as 0.0 (step 0.1) lies in [0, 0.05]: amounts are never negative, so
    the outsider's box of an unsigned published cell is floored at 0. c = a + b with c = 10.0
    and a = 0.0 published gives b ∈ [9.95 − 0.05, 10.05] = [9.9, 10.05]; without the floor
    b would reach 10.1, a looser system than the outsider's, which can hide an exposure."""
    cells = {
        "c": Cell("c", 10.0, "published", 0.1, "合计"),
        "a": Cell("a", 0.0, "published", 0.1, "甲"),
        "b": Cell("b", 10.0, "withheld", 0.1, "乙"),
    }
    rel = [Relation("c", ("a", "b"))]
    assert bounds(cells, rel)["b"] == pytest.approx((9.9, 10.05), abs=1e-9)
