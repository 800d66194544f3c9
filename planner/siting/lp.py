"""Optimal Lagrangian multipliers for the MCLP from its LP relaxation, solved by HiGHS's interior point method.

The subgradient method of :mod:`planner.siting.bound` approaches the LP bound slowly: on NewYork p=50 r=400 it
stopped at 1,157,296 after 400 steps where the LP optimum is 1,155,666, and fixed 296 sites where the LP duals
fix 1,209 (with the optimum as threshold). The LP itself takes 0.4 s by interior point there (3 s by dual
simplex). Its row duals are the optimal multipliers of the cover rows; :func:`planner.siting.bound.lagrangian`
evaluates L at them, so the bound and the fixing stay valid whatever the LP's numerical accuracy: any
multipliers in [0, w] give a valid bound.

LP (reduced demand rows i, candidate columns j)::

    max  sum_i w_i y_i   s.t.  y_i - sum_{j covers i} x_j <= 0,   sum_j x_j = p,   0 <= x, y <= 1
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from planner.errors import SolverError
from planner.solve import SolverOptions, highs_available, new_highs, run_highs


@dataclass(frozen=True)
class LPSolution:
    """The LP relaxation's optimum.

    Attributes
    ----------
    multipliers : numpy.ndarray
        Duals of the cover rows clipped to [0, w_i] (weight units per unit of coverage).
    sites : numpy.ndarray
        Optimal x, one value in [0, 1] per column.
    bound : float
        The LP optimum (weight units, no constant).
    solver : highspy.Highs
        The HiGHS instance that solved it, holding the optimal basis; :mod:`planner.siting.branch` continues
        from it (and changes its bounds).
    """

    multipliers: np.ndarray
    sites: np.ndarray
    bound: float
    solver: object = field(repr=False, compare=False)


def _relaxation(matrix: sp.csr_matrix, weights: np.ndarray, p: int):
    """The LP relaxation as a ``highspy.HighsLp``: columns x_j (sites) then y_i (rows), rows cover_i then
    the count of open sites. Requires highspy."""
    import highspy

    n_rows, n_sites = matrix.shape
    linking = sp.hstack([-sp.csr_matrix(matrix, dtype=float), sp.identity(n_rows, format="csr")])
    count = sp.csr_matrix(np.concatenate([np.ones(n_sites), np.zeros(n_rows)])[None, :])
    columns = sp.csc_matrix(sp.vstack([linking, count]))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_sites + n_rows, n_rows + 1
    lp.col_cost_ = np.concatenate([np.zeros(n_sites), weights]).astype(float)
    lp.col_lower_, lp.col_upper_ = np.zeros(n_sites + n_rows), np.ones(n_sites + n_rows)
    lp.row_lower_ = np.concatenate([np.full(n_rows, -highspy.kHighsInf), [float(p)]])
    lp.row_upper_ = np.concatenate([np.zeros(n_rows), [float(p)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = columns.indptr, columns.indices
    lp.a_matrix_.value_ = columns.data
    lp.sense_ = highspy.ObjSense.kMaximize
    return lp


def lp_solution(matrix: sp.csr_matrix, weights: np.ndarray, p: int, time_limit: float | None,
                threads: int | None = None) -> LPSolution | None:
    """The LP optimum: cover-row duals (clipped to [0, w_i]) and site values; None when it cannot be had.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean reduced demand x sites coverage.
    weights : numpy.ndarray
        Demand weight of each row.
    p : int
        Sites to open (0 < p < number of columns).
    time_limit : float or None
        Seconds for the LP; None = no limit.
    threads : int or None
        HiGHS threads; None = HiGHS's choice.

    Returns
    -------
    LPSolution or None
        None when highspy is missing, the LP hit its time limit or HiGHS failed: the caller then keeps its
        subgradient multipliers.
    """
    if not highs_available():
        return None
    import highspy

    n_rows, n_sites = matrix.shape
    highs = new_highs(SolverOptions(time_limit=time_limit, threads=threads))
    highs.setOptionValue("solver", "ipm")  # with crossover (HiGHS's default): an optimal basis to continue from
    highs.passModel(_relaxation(matrix, weights, p))
    try:
        run_highs(highs)
    except SolverError:
        return None
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = highs.getSolution()
    duals = np.abs(np.asarray(solution.row_dual, dtype=float)[:n_rows])
    sites = np.clip(np.asarray(solution.col_value, dtype=float)[:n_sites], 0.0, 1.0)
    return LPSolution(np.clip(duals, 0.0, weights), sites, float(highs.getInfo().objective_function_value), highs)
