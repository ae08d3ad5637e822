"""The audit's linear programmes, one HiGHS model per connected component (:mod:`highspy`).

A component's constraints — equations ``A_eq x = b_eq``, inequalities ``A_ub x ≤ b_ub`` and
the box of each cell — are passed to HiGHS once (:class:`Problem`); each LP of the component
then only changes the objective (and, for the witnesses' upward push, the box) and starts
from the last optimal basis. :func:`scipy.optimize.linprog` built, checked and presolved the
whole problem again for each of the two LPs of every cell: two thirds of an audit's time.
The optimum is the same; the solution found for it may be another optimal vertex.

>>> import numpy as np
>>> from scipy.sparse import csr_matrix
>>> lp = Problem(csr_matrix([[1.0, 1.0]]), np.array([10.0]), None, None,
...              [(0.0, 6.0), (0.0, None)])
>>> low, high = lp.minimise(np.array([1.0, 0.0])), lp.minimise(np.array([-1.0, 0.0]))
>>> [round(low[0], 6), round(-high[0], 6)]
[0.0, 6.0]
>>> lp.minimise(np.array([0.0, -1.0]), box=[(0.0, 6.0), (0.0, 8.0)])[1].tolist()
[2.0, 8.0]
"""

from __future__ import annotations

import functools
import os
import sys

import numpy as np


@functools.cache
def _highs_class():
    """HiGHS's solver class, its banner kept out of every output.

    HiGHS writes 「Running HiGHS …」 to the process's standard output (file descriptor 1,
    below Python's ``sys.stdout``) when the process makes its first solver; in a report's
    kernel that line would become a cell's output. The first solver is made with descriptor
    1 on ``/dev/null``.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highspy.Highs


class Problem:
    """``min c·x`` subject to ``a_eq x = b_eq``, ``a_ub x ≤ b_ub`` and the box (``(lo, hi)``
    per column, ``None`` for an open side), the constraints passed to HiGHS once."""

    def __init__(self, a_eq, b_eq, a_ub, b_ub, box) -> None:
        from scipy.sparse import csr_matrix, vstack

        highs = _highs_class()()
        highs.setOptionValue("output_flag", False)
        inf = highs.getInfinity()
        self.n = len(box)
        self._inf = inf
        self._columns = np.arange(self.n, dtype=np.int32)
        lower, upper = self._bounds(box)
        highs.addVars(self.n, lower, upper)
        blocks, row_lo, row_hi = [], [], []
        if a_eq is not None:
            blocks.append(csr_matrix(a_eq))
            row_lo.append(np.asarray(b_eq, dtype=float))
            row_hi.append(np.asarray(b_eq, dtype=float))
        if a_ub is not None:
            blocks.append(csr_matrix(a_ub))
            row_lo.append(np.full(len(b_ub), -inf))
            row_hi.append(np.asarray(b_ub, dtype=float))
        if blocks:
            a = vstack(blocks).tocsr()
            highs.addRows(
                a.shape[0],
                np.concatenate(row_lo),
                np.concatenate(row_hi),
                a.nnz,
                a.indptr[:-1].astype(np.int32),
                a.indices.astype(np.int32),
                a.data.astype(float),
            )
        self._highs = highs
        self._box = (lower, upper)

    def _bounds(self, box) -> tuple[np.ndarray, np.ndarray]:
        lower = np.array([-self._inf if lo is None else lo for lo, _ in box], dtype=float)
        upper = np.array([self._inf if hi is None else hi for _, hi in box], dtype=float)
        return lower, upper

    def minimise(self, cost: np.ndarray, box=None) -> tuple[float, np.ndarray] | None:
        """``(c·x, x)`` at an optimum of ``cost`` (under ``box`` instead of the problem's,
        for this solve only), or None when there is none (infeasible or unbounded)."""
        import highspy

        cost = np.asarray(cost, dtype=float)
        if cost.shape != (self.n,):  # HiGHS would read n values whatever it is given
            raise ValueError(f"cost of shape {cost.shape} for {self.n} columns")
        h = self._highs
        h.changeColsCost(self.n, self._columns, cost)
        if box is not None:
            h.changeColsBounds(self.n, self._columns, *self._bounds(box))
        try:
            h.run()
            status = h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                h.clearSolver()  # no basis to start the next LP from
                return None
            x = np.array(h.getSolution().col_value, dtype=float)
            return float(h.getInfo().objective_function_value), x
        finally:
            if box is not None:
                h.changeColsBounds(self.n, self._columns, *self._box)
