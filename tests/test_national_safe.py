"""The proven LP bound from row duals (planner.national.safe): never below the optimum, whatever the duals."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from planner.national.safe import dual_bound, highs_dual_bound


def small_lp():
    """max x + y subject to x + 2y <= 4, 3x + y <= 6, 0 <= x, y <= 10: optimum 2.8 at (1.6, 1.2), duals
    (0.4, 0.2)."""
    matrix = sp.csc_matrix(np.array([[1.0, 2.0], [3.0, 1.0]]))
    return matrix, np.array([1.0, 1.0]), np.zeros(2), np.full(2, 10.0), np.full(2, -np.inf), np.array([4.0, 6.0])


def test_exact_duals_give_the_optimum():
    assert dual_bound(*small_lp(), np.array([0.4, 0.2])) == pytest.approx(2.8, rel=1e-9)


def test_any_duals_give_a_bound_and_the_sign_convention_does_not_matter():
    rng = np.random.default_rng(0)
    for _ in range(50):
        duals = rng.normal(0, 1, 2)
        assert dual_bound(*small_lp(), duals) >= 2.8 - 1e-12
    assert dual_bound(*small_lp(), np.array([-0.4, -0.2])) == pytest.approx(2.8, rel=1e-9)
    assert dual_bound(*small_lp(), np.array([0.4 + 1e-6, 0.2])) > 2.8  # slightly wrong duals: a little above


def test_highs_solution_gives_its_optimum():
    import highspy

    matrix, cost, lower, upper, _, row_upper = small_lp()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(2, lower, upper)
    h.changeColsCost(2, np.arange(2, dtype=np.int32), cost)
    rows = matrix.tocsr()
    h.addRows(2, np.full(2, -highspy.kHighsInf), row_upper, rows.nnz, rows.indptr[:-1].astype(np.int32),
              rows.indices.astype(np.int32), rows.data)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    assert highs_dual_bound(h) == pytest.approx(2.8, rel=1e-9)
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    with pytest.raises(ValueError, match="maximising"):
        highs_dual_bound(h)


def test_constraint_matrix_reads_rows_added_to_highs():
    import highspy

    from planner.national.safe import constraint_matrix

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(3, np.zeros(3), np.ones(3))
    h.addRows(2, np.full(2, -highspy.kHighsInf), np.ones(2), 4, np.array([0, 2], np.int32),
              np.array([0, 2, 1, 2], np.int32), np.array([1.0, 2.0, 3.0, 4.0]))
    assert np.array_equal(constraint_matrix(h.getLp()).toarray(), [[1.0, 0.0, 2.0], [0.0, 3.0, 4.0]])
