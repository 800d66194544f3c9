"""The MCLP's large-neighbourhood search: regions, monotone improvement, and the hand-over to the MIP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import NO_LEVERS, random_points

from planner.siting import lns as siting_lns
from planner.siting import mclp as siting
from planner.siting.heuristic import covered_weight
from planner.siting.lns import _region, region_search
from planner.siting.reduce import Reduced, reduce_problem
from planner.solve import SolverOptions


def _best_region_choice(sub: Reduced, start: np.ndarray, time_limit: float) -> np.ndarray:
    """Brute force over the region's sites (the regions here hold at most 8)."""
    assert len(start) <= sub.p
    best = max(itertools.combinations(range(sub.matrix.shape[1]), sub.p),
               key=lambda chosen: covered_weight(sub.matrix, sub.weights, np.array(chosen, dtype=np.int64)))
    return sub.sites[list(best)]


def _line(n: int) -> sp.csr_matrix:
    """Sites on a line, each covering its own point and both neighbours'."""
    return sp.csr_matrix(sp.diags([1, 1, 1], [-1, 0, 1], shape=(n, n), dtype=bool))


def test_a_region_is_grown_through_sites_that_share_demand():
    columns = sp.csr_matrix(_line(20).T, dtype=np.int32)
    inside = _region((columns @ columns.T).tocsr(), 10, 5, np.random.default_rng(0))
    assert inside.sum() == 5
    assert set(np.flatnonzero(inside)) == {8, 9, 10, 11, 12}  # two steps either way along the line


def test_the_search_keeps_p_distinct_sites_and_improves_a_poor_start(monkeypatch):
    monkeypatch.setattr(siting_lns, "REGION_MIN", 8)
    monkeypatch.setattr(siting_lns, "REGION_SHARE", 0.2)
    rng = np.random.default_rng(4)
    n = 40
    weights = rng.integers(1, 100, n).astype(float)
    reduced = reduce_problem(weights, _line(n), np.zeros(0, dtype=np.int64), 6)
    start = np.arange(reduced.p)  # six neighbouring sites at one end: a poor plan
    before = covered_weight(reduced.matrix, reduced.weights, start)
    plan = region_search(reduced, start, _best_region_choice, seconds=30.0)
    after = covered_weight(reduced.matrix, reduced.weights, plan)
    assert len(plan) == reduced.p and len(np.unique(plan)) == reduced.p
    assert after > before


def test_an_unfinished_branch_and_bound_hands_over_to_the_search_and_the_mip(monkeypatch):
    # No time for the branch-and-bound: LP neighbourhood, local search, region search, fixing, then the MIP.
    monkeypatch.setattr(siting, "BRANCH_SECONDS", 0.0)
    weights, cover = random_points(11, 1200, 20.0)
    result = siting.solve_mclp(weights, 30, coverage=cover)
    assert not result.stats["branch_finished"] and result.stats["branch_nodes"] == 0
    assert result.stats["region_search_value"] >= result.stats["local_search_value"]
    plain = siting.solve_mclp_matrix(weights, cover, 30, np.zeros(0, dtype=np.int64), SolverOptions(), NO_LEVERS)
    assert result.status == "optimal" and result.objective == pytest.approx(plain.objective)
