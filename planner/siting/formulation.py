"""The MCLP written down once, as arrays; the MIP (PuLP) and the LP relaxation (HiGHS) are both made from them.

For demand rows i of a coverage matrix and candidate sites j::

    max   sum_j f_j x_j + sum_i w_i y_i + c
    s.t.  y_i - sum_{j covers i} x_j <= 0      for every kept row                 (cover__i)
          sum_j x_j = p                                                          (open_sites)
          0 <= x_j <= 1 (binary in the MIP),  0 <= y_i <= 1

A row is kept when some site covers it. With ``fold_single``, a row covered by a single site gets no y and
no row: its weight is added to that site's ``f_j`` (otherwise every ``f_j`` is 0). Columns are the x (one
per site, in the matrix's column order) followed by the y (one per kept row); rows are the cover rows (same
order as the y) followed by ``open_sites``. :func:`pulp_model` makes the MIP that :mod:`planner.siting.mclp`
solves; :mod:`planner.siting.lp` hands the same arrays to HiGHS as its LP relaxation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp
import scipy.sparse as sp

from planner import pulp_compat


@dataclass(frozen=True)
class Formulation:
    """The MCLP as arrays (see the module docstring for the layout).

    Attributes
    ----------
    n_sites : int
        Number of x columns (the first columns).
    rows : numpy.ndarray
        Demand row of the coverage matrix behind each y column and cover row, int.
    cost : numpy.ndarray
        Objective coefficient of each column (weight units): ``f_j`` then ``w_i``.
    constant : float
        Objective constant ``c`` (weight covered whatever is chosen, e.g. by existing sites).
    matrix : scipy.sparse.csr_matrix
        Float constraint matrix, (len(rows) + 1) x (n_sites + len(rows)).
    row_lower, row_upper : numpy.ndarray
        Row bounds (-inf for the cover rows' lower bound).
    """

    n_sites: int
    rows: np.ndarray
    cost: np.ndarray
    constant: float
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray


def formulation(matrix: sp.csr_matrix, weights: np.ndarray, p: int, constant: float = 0.0,
                fold_single: bool = False) -> Formulation:
    """The MCLP of a boolean demand x sites coverage ``matrix`` (sorted indices) as arrays.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean demand x sites coverage.
    weights : numpy.ndarray
        Demand weight of each row.
    p : int
        Sites to open.
    constant : float
        Objective constant.
    fold_single : bool
        Fold rows covered by a single site into that site's objective coefficient.

    Returns
    -------
    Formulation
    """
    n_rows, n_sites = matrix.shape
    per_row = np.diff(matrix.indptr)
    single = per_row == 1 if fold_single else np.zeros(n_rows, dtype=bool)
    fold = np.bincount(matrix.indices[matrix.indptr[:-1][single]], weights=weights[single], minlength=n_sites)
    rows = np.flatnonzero(~single & (per_row > 0))
    linking = sp.hstack([-sp.csr_matrix(matrix[rows], dtype=float), sp.identity(len(rows), format="csr")])
    count = sp.csr_matrix(np.concatenate([np.ones(n_sites), np.zeros(len(rows))])[None, :])
    return Formulation(
        n_sites=n_sites, rows=rows, cost=np.concatenate([fold, weights[rows]]).astype(float),
        constant=float(constant), matrix=sp.csr_matrix(sp.vstack([linking, count])),
        row_lower=np.concatenate([np.full(len(rows), -np.inf), [float(p)]]),
        row_upper=np.concatenate([np.zeros(len(rows)), [float(p)]]),
    )


def pulp_model(form: Formulation, site_ids: np.ndarray) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The MIP as a PuLP problem: binary ``x_{site id}``, continuous ``y_{row}``, rows ``cover__{row}`` and
    ``open_sites``; returns the problem and the x variables (column order)."""
    x = [pulp.LpVariable(f"x_{site}", cat=pulp.LpBinary) for site in site_ids]
    columns = x + [pulp.LpVariable(f"y_{i}", lowBound=0, upBound=1) for i in form.rows]
    problem = pulp.LpProblem("mclp", pulp.LpMaximize)
    in_objective = np.flatnonzero(np.concatenate([form.cost[:form.n_sites] != 0, np.ones(len(form.rows), bool)]))
    problem.setObjective(pulp_compat.affine(((columns[j], float(form.cost[j])) for j in in_objective),
                                            form.constant))
    indptr, indices, data = form.matrix.indptr, form.matrix.indices, form.matrix.data
    for k, row in enumerate(form.rows):
        terms = [(columns[j], float(a)) for j, a in zip(indices[indptr[k]:indptr[k + 1]],
                                                          data[indptr[k]:indptr[k + 1]], strict=True)]
        problem.addConstraint(pulp.LpConstraint(pulp_compat.affine(terms), pulp.LpConstraintLE, f"cover__{row}",
                                                float(form.row_upper[k])))
    problem.addConstraint(pulp.LpConstraint(pulp_compat.affine((v, 1.0) for v in x), pulp.LpConstraintEQ,
                                            "open_sites", float(form.row_upper[-1])))
    return problem, x
