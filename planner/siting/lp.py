"""Optimal Lagrangian multipliers for the MCLP from its LP relaxation, solved by HiGHS's interior point method.

The subgradient method of :mod:`planner.siting.bound` approaches the LP bound slowly: on NewYork p=50 r=400 it
stopped at 1,157,296 after 400 steps where the LP optimum is 1,155,666, and fixed 296 sites where the LP duals
fix 1,209 (with the optimum as threshold). The LP itself takes 0.4 s by interior point there (3 s by dual
simplex). Its row duals are the optimal multipliers of the cover rows; :func:`planner.siting.bound.lagrangian`
evaluates L at them, so the bound and the fixing stay valid whatever the LP's numerical accuracy: any
multipliers in [0, w] give a valid bound.

The LP is the relaxation of :func:`planner.siting.formulation.formulation` (no folding): columns x_j
(sites) then y_i (rows some site covers), rows cover_i then open_sites, as for the MIP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from planner.errors import SolverError
from planner.siting.formulation import Formulation, formulation
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


def _relaxation(form: Formulation):
    """The LP relaxation of ``form`` as a ``highspy.HighsLp`` (same columns and rows). Requires highspy."""
    import highspy

    columns = sp.csc_matrix(form.matrix)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = form.matrix.shape[1], form.matrix.shape[0]
    lp.col_cost_ = form.cost
    lp.col_lower_, lp.col_upper_ = np.zeros(lp.num_col_), np.ones(lp.num_col_)
    lp.row_lower_ = np.where(np.isfinite(form.row_lower), form.row_lower, -highspy.kHighsInf)
    lp.row_upper_ = form.row_upper
    lp.offset_ = form.constant
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

    form = formulation(matrix, weights, p)
    highs = new_highs(SolverOptions(time_limit=time_limit, threads=threads))
    highs.setOptionValue("solver", "ipm")  # with crossover (HiGHS's default): an optimal basis to continue from
    highs.passModel(_relaxation(form))
    try:
        run_highs(highs)
    except SolverError:
        return None
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = highs.getSolution()
    multipliers = np.asarray(weights, dtype=float).copy()  # a row no site covers: y_i <= 0 binds, dual w_i
    duals = np.abs(np.asarray(solution.row_dual, dtype=float)[:len(form.rows)])
    multipliers[form.rows] = np.clip(duals, 0.0, weights[form.rows])
    sites = np.clip(np.asarray(solution.col_value, dtype=float)[:form.n_sites], 0.0, 1.0)
    return LPSolution(multipliers, sites, float(highs.getInfo().objective_function_value), highs)
