"""The LP branch-and-bound of the MCLP engine: exact on hand-checkable instances, honest when stopped early."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import MCLP_BENCH, brute_force_mclp, mclp_instances, needs_mclp_bench
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.siting import solve_mclp
from planner.siting.branch import branch_and_bound
from planner.siting.heuristic import covered_weight
from planner.siting.lp import lp_solution
from planner.solve import highs_available

pytestmark = pytest.mark.skipif(not highs_available(), reason="the branch-and-bound needs highspy")


def _branch(weights: np.ndarray, cover: np.ndarray, p: int, seconds: float = 30.0, constant: float = 0.0):
    matrix = sp.csr_matrix(cover)
    lp = lp_solution(matrix, weights, p, time_limit=30)
    assert lp is not None
    return branch_and_bound(matrix, weights, constant, lp, np.arange(p), seconds, step=1.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(2, 4), st.floats(0.1, 0.35))
def test_from_a_poor_start_the_search_proves_the_brute_forcebrute_force_mclp(seed, p, density):
    rng = np.random.default_rng(seed)
    cover = rng.random((30, 11)) < density
    weights = rng.integers(1, 60, 30).astype(float)
    result = _branch(weights, cover, p)
    assert result.finished
    assert result.value == result.bound == brute_force_mclp(weights, cover, p)
    assert len(result.plan) == p
    assert result.value == covered_weight(sp.csr_matrix(cover), weights, result.plan)


def test_the_constant_of_existing_sites_is_added_to_value_and_bound():
    rng = np.random.default_rng(5)
    cover = rng.random((30, 10)) < 0.25
    weights = rng.integers(1, 60, 30).astype(float)
    result = _branch(weights, cover, 3, constant=1000.0)
    assert result.finished and result.value == result.bound == 1000.0 + brute_force_mclp(weights, cover, 3)


def test_a_search_stopped_at_once_keeps_the_start_and_an_upper_bound():
    # 400 points, radius 1 in a 14 x 14 square: the LP is fractional, so the search cannot finish in no time.
    rng = np.random.default_rng(2)
    xy = rng.random((400, 2)) * 14.0
    cover = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) <= 1.0
    weights = rng.integers(1, 100, 400).astype(float)
    p = 12
    stopped = _branch(weights, cover, p, seconds=0.0)
    start = covered_weight(sp.csr_matrix(cover), weights, np.arange(p))
    assert not stopped.finished and stopped.nodes == 0
    assert stopped.value == start and stopped.plan.tolist() == list(range(p))
    full = _branch(weights, cover, p)
    assert full.finished and stopped.bound >= full.value > start


@needs_mclp_bench
def test_new_york_p50_is_proven_by_the_branch_and_bound_alone():
    bench = mclp_instances()
    instance = bench.read_maximo("NewYork", MCLP_BENCH)
    result = solve_mclp(instance.demand, 50, coverage=bench.maximo_coverage(instance, 400.0),
                        time_limit=120)
    assert result.status == "optimal" and result.objective == 1153640.0
    assert result.stats["branch_finished"] and "mip_seconds" not in result.stats
