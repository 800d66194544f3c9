"""MCLP bounds and the full-cover search: LP multipliers, Lagrangian validity, row weighting, Kings p=100."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
import scipy.sparse as sp
from conftest import MCLP_BENCH, brute_force_mclp, mclp_instances, needs_mclp_bench
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.siting import solve_mclp
from planner.siting.bound import lagrangian
from planner.siting.heuristic import cover_all, covered_weight, greedy_swap
from planner.siting.lp import lp_solution


def _lp_value(weights: np.ndarray, cover: np.ndarray, p: int) -> float:
    """The LP relaxation solved independently by PuLP's CBC."""
    problem = pulp.LpProblem("lp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", 0, 1) for j in range(cover.shape[1])]
    y = [pulp.LpVariable(f"y{i}", 0, 1) for i in range(cover.shape[0])]
    problem += pulp.lpSum(float(w) * v for w, v in zip(weights, y, strict=True))
    problem += pulp.lpSum(x) == p
    for i in range(cover.shape[0]):
        problem += y[i] <= pulp.lpSum(x[j] for j in np.flatnonzero(cover[i]))
    problem.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(problem.objective))


def _random(seed: int, n_demand: int = 40, n_sites: int = 12, density: float = 0.2):
    rng = np.random.default_rng(seed)
    cover = rng.random((n_demand, n_sites)) < density
    cover[np.arange(n_demand), rng.integers(0, n_sites, n_demand)] = True  # every row coverable
    return rng.integers(1, 60, n_demand).astype(float), cover


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lagrangian_at_the_lp_multipliers_equals_the_lp_optimum_and_bounds_the_mip(seed):
    weights, cover = _random(seed)
    p = 3
    lp = lp_solution(sp.csr_matrix(cover), weights, p, time_limit=30)
    assert lp is not None
    multipliers = lp.multipliers
    assert np.all((multipliers >= 0) & (multipliers <= weights))
    assert lp.sites.sum() == pytest.approx(p) and np.all((lp.sites >= 0) & (lp.sites <= 1))
    at_lp = lagrangian(sp.csr_matrix(cover), weights, p, 0.0, np.arange(p), multipliers=multipliers,
                       max_iterations=1)
    assert at_lp.lagrangian == pytest.approx(_lp_value(weights, cover, p), rel=1e-7)
    assert at_lp.bound >= brute_force_mclp(weights, cover, p) - 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(1, 4), st.lists(st.floats(0, 1), min_size=25, max_size=25))
def test_any_multipliers_in_range_give_a_valid_bound(seed, p, fractions):
    weights, cover = _random(seed, n_demand=25, n_sites=8)
    at = lagrangian(sp.csr_matrix(cover), weights, p, 0.0, np.arange(p), multipliers=np.array(fractions) * weights,
                    max_iterations=1)
    assert at.bound >= brute_force_mclp(weights, cover, p) - 1e-9


def test_row_weighting_finds_a_planted_full_cover():
    # 12 planted sites split 600 points into 12 blocks; 300 decoy sites each cover about half of three
    # blocks, more than a planted site covers, which lures greedy + swap away from the planted cover.
    rng = np.random.default_rng(5)
    n_demand, blocks = 600, 12
    block = np.arange(n_demand) % blocks
    planted = np.stack([block == b for b in range(blocks)], axis=1)
    decoys = np.zeros((n_demand, 300), dtype=bool)
    for k in range(300):
        chosen = rng.choice(blocks, 3, replace=False)
        decoys[:, k] = np.isin(block, chosen) & (rng.random(n_demand) < 0.5)
    cover = sp.csr_matrix(np.hstack([decoys, planted]))
    weights = rng.integers(1, 10, n_demand).astype(float)
    start = greedy_swap(cover, weights, blocks)
    assert covered_weight(cover, weights, start) < weights.sum()
    found = cover_all(cover, weights, start, seconds=30.0)
    assert len(found) == blocks
    assert covered_weight(cover, weights, found) == weights.sum()


def test_row_weighting_keeps_the_start_when_nothing_is_better():
    weights, cover = _random(4)
    start = greedy_swap(sp.csr_matrix(cover), weights, 2)
    found = cover_all(sp.csr_matrix(cover), weights, start, seconds=0.5)
    assert covered_weight(sp.csr_matrix(cover), weights, found) >= covered_weight(sp.csr_matrix(cover), weights,
                                                                                   start)


@needs_mclp_bench
def test_kings_p100_r800_covers_all_demand_proven_optimal():
    bench = mclp_instances()
    instance = bench.read_maximo("Kings", MCLP_BENCH)
    cover = bench.maximo_coverage(instance, 800.0)
    result = solve_mclp(instance.demand, 100, coverage=cover, time_limit=300)
    assert result.objective == 2504700.0  # the published optimum: every person covered
    assert result.status == "optimal" and result.gap == 0.0
    assert len(result.selected) == 100

