"""The audit's HiGHS models (share/lp.py) against one scipy ``linprog`` per LP, on a class of LPs.

Generated feasible problems (a known point inside every box, the right-hand sides computed from
it; equations, inequalities, open sides, unbounded directions) are each solved for a sequence of
objectives in one :class:`~parkanalysis.share.lp.Problem` — warm, as the audit uses it — and
each objective again by :func:`scipy.optimize.linprog` from scratch: the same optimum, or no
optimum in both (unbounded). A temporary box (the witnesses' capped push) applies to its own
solve only.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from parkanalysis.share.lp import Problem


@st.composite
def problems(draw):
    n = draw(st.integers(1, 6))
    point = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), dtype=float)
    box = []
    for x in point:
        lo = draw(st.sampled_from([None, 0.0, x - 3.0, x]))
        hi = draw(st.sampled_from([None, x, x + 5.0, 40.0]))
        box.append((lo, hi))
    coeff = st.lists(st.sampled_from([0.0, 0.0, 1.0, -1.0, 2.0, 0.5]), min_size=n, max_size=n)
    eq = np.array(draw(st.lists(coeff, max_size=3)), dtype=float).reshape(-1, n)
    ub = np.array(draw(st.lists(coeff, max_size=3)), dtype=float).reshape(-1, n)
    slack = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 4.0]), min_size=len(ub),
                                   max_size=len(ub))), dtype=float)  # fmt: skip
    costs = draw(st.lists(coeff, min_size=1, max_size=6))
    return point, box, eq, ub, slack, [np.array(c, dtype=float) for c in costs]


def _reference(cost, system, box):
    res = linprog(cost, **system, bounds=box, method="highs")
    assert res.status in (0, 3), res.message  # optimal or unbounded: the point is feasible
    return float(res.fun) if res.status == 0 else None


@settings(max_examples=150, deadline=None)
@given(problems())
def test_every_objective_in_one_warm_model_has_linprog_s_optimum(case):
    point, box, eq, ub, slack, costs = case
    a_eq = csr_matrix(eq) if len(eq) else None
    b_eq = eq @ point if len(eq) else None
    a_ub = csr_matrix(ub) if len(ub) else None
    b_ub = ub @ point + slack if len(ub) else None
    system = {"A_eq": a_eq, "b_eq": b_eq, "A_ub": a_ub, "b_ub": b_ub}
    lp = Problem(a_eq, b_eq, a_ub, b_ub, box)
    capped = [(lo, 50.0 if hi is None else hi) for lo, hi in box]
    for i, cost in enumerate(costs):
        temporary = capped if i % 3 == 2 else None  # a solve under another box, then back
        want = _reference(cost, system, temporary or box)
        got = lp.minimise(cost, box=temporary)
        if want is None:
            assert got is None
            continue
        assert got is not None
        fun, x = got
        assert abs(fun - want) <= 1e-6 * max(1.0, abs(want))
        assert abs(float(cost @ x) - fun) <= 1e-6 * max(1.0, abs(fun))
        lower = np.array([-np.inf if lo is None else lo for lo, _ in temporary or box])
        upper = np.array([np.inf if hi is None else hi for _, hi in temporary or box])
        assert (x >= lower - 1e-7).all() and (x <= upper + 1e-7).all()  # a feasible point
        if a_eq is not None:
            assert np.allclose(eq @ x, b_eq, atol=1e-6)
        if a_ub is not None:
            assert (ub @ x <= b_ub + 1e-6).all()


def test_a_cost_of_the_wrong_shape_is_refused():
    import pytest

    lp = Problem(None, None, None, None, [(0.0, 1.0), (0.0, 1.0)])
    with pytest.raises(ValueError, match="shape"):
        lp.minimise(np.array([1.0]))
    with pytest.raises(ValueError, match="shape"):
        lp.minimise(None)
