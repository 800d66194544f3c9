"""Subgradient prices (planner.national.subgradient): each year's Lagrangian never below the covering LP, the
steps approach the LP's value, and the bound built on them is never below the exact optimum."""

from __future__ import annotations

import numpy as np
import pytest

from planner.national.lpbound import CoveringLP, lp_bound, reduced_cover
from planner.national.subgradient import SubgradientPrices, plan_start
from tests.test_national_bound import small_instance
from tests.test_national_improve import naive_plan
from tests.test_national_lpbound import solved_instance


def instance_with_plan(seed: int):
    """A small instance, its reduced cover (no existing outlets), a naive plan and its free counts."""
    data = small_instance(seed)
    tree = data.tree()
    from planner.national.bound import national_bound

    start = national_bound(data, tree, time_limit=20)
    _, placed = naive_plan(data, start.counts)
    rc = reduced_cover(data, tree, placed)
    from planner.national.lpbound import free_counts

    return data, tree, placed, rc, free_counts(rc, data.years, start.counts)


@pytest.mark.parametrize("seed", [1, 4])
def test_lagrangian_is_never_below_the_covering_lp_at_any_prices(seed):
    data, tree, placed, rc, free = instance_with_plan(seed)
    steps = SubgradientPrices(rc, *plan_start(rc, data, tree, placed))
    lp = CoveringLP(rc)
    exact = np.array([lp.solve(t, free[:, t])[0] for t in range(len(data.years))])
    rng = np.random.default_rng(seed)
    for _ in range(5):
        value, gradient = steps.lagrangian(rc.weights * rng.uniform(0, 1, rc.weights.shape), free)
        assert np.all(value >= exact * (1 - 1e-9) - 1e-6)
        assert gradient.shape == rc.weights.shape


def test_subgradient_is_a_subgradient():
    data, tree, placed, rc, free = instance_with_plan(2)
    steps = SubgradientPrices(rc, *plan_start(rc, data, tree, placed))
    rng = np.random.default_rng(7)
    here = rc.weights * rng.uniform(0, 1, rc.weights.shape)
    value, gradient = steps.lagrangian(here, free)
    for _ in range(10):  # convexity: L(q) >= L(p) + g . (q - p) for every q
        there = rc.weights * rng.uniform(0, 1, rc.weights.shape)
        other, _ = steps.lagrangian(there, free)
        assert np.all(other >= value + (gradient * (there - here)).sum(axis=0) - 1e-6 * (1 + np.abs(value)))


@pytest.mark.parametrize("seed", [0, 3])
def test_steps_approach_the_covering_lp(seed):
    data, tree, placed, rc, free = instance_with_plan(seed)
    start, target = plan_start(rc, data, tree, placed)
    steps = SubgradientPrices(rc, start, target)
    first, _ = steps.lagrangian(steps.prices, free)
    found = steps.descend(free, max_steps=400, time_limit=30)
    lp = CoveringLP(rc)
    exact = np.array([lp.solve(t, free[:, t])[0] for t in range(len(data.years))])
    assert np.all(found <= first + 1e-9)  # the best prices seen are kept
    assert np.all(found >= exact * (1 - 1e-9) - 1e-6)
    assert found.sum() <= exact.sum() * 1.03  # measured 0.0-1 % above on these instances
    assert np.all(target <= exact * (1 + 1e-9) + 1e-6)  # the plan's value is a Polyak target below the minimum


@pytest.mark.parametrize("seed", range(5))
def test_bound_from_subgradient_prices_is_never_below_the_exact_optimum(seed):
    data, tree, optimum, counts, placed = solved_instance(seed)
    bound = lp_bound(data, tree, placed, counts, time_limit=10, prices="subgradient")
    assert bound.bound >= optimum.objective * (1 - 1e-9)
    assert bound.bound <= optimum.objective * 1.10
    assert "subgradient steps" in bound.note


def test_unknown_price_source_is_refused():
    data, tree, _, counts, placed = solved_instance(0)
    with pytest.raises(ValueError, match="prices 'dual' is not known"):
        lp_bound(data, tree, placed, counts, time_limit=5, prices="dual")
