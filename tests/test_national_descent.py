"""Descent on the Lagrangian dual (planner.national.descent): the exact count LP prices the counts as the top-n
functions do, and every bound it proves lies above the exact optimum and the whole model's LP."""

from __future__ import annotations

import numpy as np
import pytest

from planner.national.descent import SegmentCountLP, descent_bound
from planner.national.lpbound import free_counts, reduced_cover, whole_lp_bound
from planner.national.subgradient import SubgradientPrices, plan_start
from tests.test_national_lpbound import solved_instance


def random_prices(rc, seed: int) -> np.ndarray:
    """Prices between 0 and each row's weight."""
    return rc.weights * np.random.default_rng(seed).uniform(0, 1, rc.weights.shape)


@pytest.mark.parametrize("seed", [0, 3])
def test_count_lp_is_the_top_n_sum_at_its_own_counts_and_at_least_the_plans(seed):
    """Its bound, its counts' top sites and the subgradient agree with the Lagrangian's own evaluation."""
    data, tree, _, counts, placed = solved_instance(seed)
    rc = reduced_cover(data, tree, placed)
    steps = SubgradientPrices(rc, *plan_start(rc, data, tree, placed))
    model = SegmentCountLP(data.inputs, rc)
    for trial in range(3):
        prices = random_prices(rc, 10 * seed + trial)
        slack = np.maximum(rc.weights - prices, 0.0).sum(axis=0)
        values = steps.by_site @ prices
        orders = model.order(values)
        found, free = model.solve(values, orders)
        at_own, gradient = steps.lagrangian(prices, free)
        assert found == pytest.approx(float((at_own - slack).sum()), rel=1e-6)
        chosen = model.chosen(orders, free)
        assert np.allclose(rc.matrix @ chosen - (rc.weights > prices), gradient)
        assert np.allclose((values * chosen).sum(), found, rtol=1e-6)
        at_plan, _ = steps.lagrangian(prices, free_counts(rc, data.years, counts).astype(float))
        assert found >= float((at_plan - slack).sum()) * (1 - 1e-9)  # the plan's counts obey the rules


def test_open_ended_last_segment_only_raises_the_count_lp():
    data, tree, _, _, placed = solved_instance(2)
    rc = reduced_cover(data, tree, placed)
    values = SubgradientPrices(rc, *plan_start(rc, data, tree, placed)).by_site @ random_prices(rc, 5)
    exact, _ = SegmentCountLP(data.inputs, rc).solve(values)
    coarse, _ = SegmentCountLP(data.inputs, rc, max_segments=1).solve(values)
    assert np.bincount(rc.group).max() > 1  # some group has more sites than one segment
    assert coarse >= exact * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_descent_bound_lies_above_the_exact_optimum_and_the_whole_lp(seed):
    data, tree, optimum, _, placed = solved_instance(seed)
    bound = descent_bound(data, tree, placed, time_limit=10, whole=False)
    whole = whole_lp_bound(data.inputs, reduced_cover(data, tree, placed), time_limit=60)
    assert bound.bound >= optimum.objective * (1 - 1e-9)
    assert whole is not None and bound.bound >= whole * (1 - 1e-6)  # the dual drops only 'stays open'
    assert bound.bound <= optimum.objective * 1.10
    assert bound.history[-1][1] == bound.bound and "descent steps" in bound.note


def test_whole_lp_follows_the_descent_when_the_phase_allows_and_only_lowers_the_bound():
    from planner.national.lpbound import MIN_WHOLE_SECONDS

    data, tree, optimum, _, placed = solved_instance(4)
    alone = descent_bound(data, tree, placed, time_limit=10, whole=False)
    both = descent_bound(data, tree, placed, time_limit=MIN_WHOLE_SECONDS)
    assert "the whole model's LP solved" in both.note
    assert optimum.objective * (1 - 1e-9) <= both.bound <= alone.bound * (1 + 1e-9)


def test_plans_from_the_descent_are_asked_for_early_and_last_with_averaged_counts(monkeypatch):
    """With settling ruled out, at_prices is called at EARLY_SHARE of the time and at PRICES_SHARE, each time with
    fractional free counts per group and year between 0 and the group's sites."""
    import time

    from planner.national import descent

    monkeypatch.setattr(descent, "SETTLED_THETA", 0.0)
    monkeypatch.setattr(descent, "SMALLEST_THETA", 0.0)
    data, tree, _, _, placed = solved_instance(0)
    rc = reduced_cover(data, tree, placed)
    calls = []
    began = time.perf_counter()
    descent_bound(data, tree, placed, time_limit=4, whole=False, reduced=rc,
                  at_prices=lambda _, free: calls.append((time.perf_counter() - began, free)))
    assert len(calls) == 2
    assert descent.EARLY_SHARE * 4 <= calls[0][0] < descent.PRICES_SHARE * 4 <= calls[1][0]
    sizes = np.bincount(rc.group, minlength=rc.n_groups)[:, None]
    for _, free in calls:
        assert free.shape == (rc.n_groups, len(data.years)) and (free >= 0).all() and (free <= sizes + 1e-9).all()
