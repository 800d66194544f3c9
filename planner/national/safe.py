"""A proven upper bound on a maximising LP from any row duals, whatever the solver's tolerances.

For max c'x subject to L <= A x <= U and l <= x <= u, and ANY row multipliers y,

    c'x = (c - A'y)'x + y'(A x) <= sum_j max(d_j l_j, d_j u_j) + sum_i max(y_i L_i, y_i U_i),   d = c - A'y,

for every feasible x, so the right-hand side bounds the LP's optimum (weak duality, with the bounds of every
column and row; an infinite bound on the wrong side of a non-zero term makes it infinite, never wrong). The
duals a simplex solver returns at its optimum are feasible only within its tolerances (1e-7 in units of the
scaled costs), so its objective is not a proof; this sum from the same duals is, and it is within those
tolerances of the optimum. The sign convention of the solver's duals does not matter: both y and -y are
tried and the smaller sum kept. Floating-point rounding of the sum is covered by a relative 1e-12 of its
terms' magnitudes.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def dual_bound(matrix: sp.csc_matrix, cost: np.ndarray, col_lower: np.ndarray, col_upper: np.ndarray,
               row_lower: np.ndarray, row_upper: np.ndarray, row_dual: np.ndarray, offset: float = 0.0) -> float:
    """The module docstring's bound on max cost'x + offset (the LP's objective units; ``inf`` when every sign of
    the duals meets an infinite bound)."""
    best = np.inf
    for y in (row_dual, -row_dual):
        reduced = cost - matrix.T @ y
        column = _best_end(reduced, col_lower, col_upper)
        row = _best_end(y, row_lower, row_upper)
        total = column.sum() + row.sum() + offset
        scale = np.abs(column).sum() + np.abs(row).sum() + abs(offset)
        best = min(best, total + 1e-12 * scale)
    return float(best)


def highs_dual_bound(highs) -> float:
    """:func:`dual_bound` of a maximising LP loaded in HiGHS, from the row duals of its last solve."""
    import highspy

    lp = highs.getLp()
    if lp.sense_ != highspy.ObjSense.kMaximize:
        raise ValueError("highs_dual_bound bounds maximising LPs only")
    matrix, bounds, cost = lp_parts(highs)
    return dual_bound(matrix, cost, *bounds, np.asarray(highs.getSolution().row_dual), float(lp.offset_))


def lp_parts(highs) -> tuple[sp.csc_matrix, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """What :func:`dual_bound` needs of the LP loaded in ``highs``: its constraint matrix, (column lower, column
    upper, row lower, row upper) bounds and column costs (a copy, for the caller to change)."""
    lp = highs.getLp()
    bounds = (np.asarray(lp.col_lower_), np.asarray(lp.col_upper_), np.asarray(lp.row_lower_),
              np.asarray(lp.row_upper_))
    return constraint_matrix(lp), bounds, np.array(lp.col_cost_, dtype=float)


def constraint_matrix(lp) -> sp.csc_matrix:
    """The constraint matrix of a ``highspy.HighsLp`` (stored by columns or by rows)."""
    import highspy

    a = lp.a_matrix_
    parts = (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_))
    shape = (lp.num_row_, lp.num_col_)
    if a.format_ == highspy.MatrixFormat.kColwise:
        return sp.csc_matrix(parts, shape=shape)
    return sp.csr_matrix(parts, shape=shape).tocsc()


def _best_end(coefficient: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Per entry, max over v in [lower, upper] of coefficient * v (0 for a zero coefficient, even with an
    infinite bound)."""
    with np.errstate(invalid="ignore"):
        out = np.where(coefficient > 0, coefficient * upper, coefficient * lower)
    return np.where(coefficient == 0, 0.0, out)
