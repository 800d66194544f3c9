"""The count LP with 'once open, stays open' (planner.national.nested): above the exact Lagrangian subproblem
(integer counts and opening years), below the segment LP that drops 'stays open', its tails only raise it,
and the sites' weights it reports are its own solution's."""

from __future__ import annotations

import numpy as np
import pytest

from planner.national.descent import SegmentCountLP, descent_bound
from planner.national.lpbound import reduced_cover
from planner.national.nested import NestedCountLP
from planner.national.subgradient import SubgradientPrices, plan_start
from tests.test_national_descent import random_prices
from tests.test_national_lpbound import solved_instance

EVERY = 10_000  # segments or slots beyond any group's sites: no tail


def site_values(seed: int, trial: int):
    """A small instance's reduced cover and its site values (n_sites, n_years) at random prices."""
    data, tree, _, _, placed = solved_instance(seed)
    rc = reduced_cover(data, tree, placed)
    by_site = SubgradientPrices(rc, *plan_start(rc, data, tree, placed)).by_site
    return data, rc, by_site @ random_prices(rc, 10 * seed + trial)


def exact_subproblem(data, rc, values) -> float:
    """max of sum v[s,t] x[s,t] over integer counts obeying every rule and x a 0/1 opening of each site that
    stays open (every site in a slot: the LP made a MIP)."""
    import highspy

    model = NestedCountLP(data.inputs, rc, max_segments=EVERY, slots=EVERY)
    model.solve(values)
    integer = np.zeros(model.highs.getNumCol(), dtype=np.uint8)
    integer[model.count_col[model.count_col >= 0]] = 1
    integer[model.columns] = 1
    model.highs.changeColsIntegrality(len(integer), np.arange(len(integer), dtype=np.int32), integer)
    model.highs.setOptionValue("mip_rel_gap", 0.0)
    model.highs.run()
    assert model.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(model.highs.getInfo().objective_function_value) * model.unit


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_nested_lp_lies_between_the_exact_subproblem_and_the_segment_lp(seed):
    for trial in range(2):
        data, rc, values = site_values(seed, trial)
        nested, _ = NestedCountLP(data.inputs, rc).solve(values)
        segment, _ = SegmentCountLP(data.inputs, rc, max_segments=EVERY).solve(values)
        exact = exact_subproblem(data, rc, values)
        assert exact * (1 - 1e-7) <= nested <= segment * (1 + 1e-7)


def test_nested_lp_is_strictly_below_the_segment_lp_somewhere():
    """'Stays open' binds on these instances at random prices (each year's best sites differ)."""
    lower = []
    for seed in range(3):
        data, rc, values = site_values(seed, 0)
        nested, _ = NestedCountLP(data.inputs, rc).solve(values)
        segment, _ = SegmentCountLP(data.inputs, rc, max_segments=EVERY).solve(values)
        lower.append(nested < segment * (1 - 1e-4))
    assert any(lower)


def test_tails_only_raise_the_nested_lp():
    data, rc, values = site_values(2, 0)
    every, _ = NestedCountLP(data.inputs, rc, max_segments=EVERY, slots=EVERY).solve(values)
    few = NestedCountLP(data.inputs, rc, max_segments=1, slots=1)
    coarse, _ = few.solve(values)
    assert (few.block_slot < 0).any()  # some group shares a tail
    assert coarse >= every * (1 - 1e-9)


@pytest.mark.parametrize("slots", [1, 2, EVERY])
def test_opened_weights_are_the_lps_solution(slots):
    """x[s,t] never falls over the years (slotted sites), lies in [0, 1] and is worth the LP's objective;
    the counts it opens stay within the LP's free counts."""
    data, rc, values = site_values(4, 1)
    model = NestedCountLP(data.inputs, rc, max_segments=1 if slots == 1 else EVERY, slots=slots)
    _, free = model.solve(values)
    opened = model.opened
    assert (opened >= -1e-9).all() and (opened <= 1 + 1e-9).all()
    assert (values * opened).sum() == pytest.approx(model.objective, rel=1e-6)
    per_group = np.zeros_like(free)
    np.add.at(per_group, rc.group, opened)
    assert (per_group <= free + 1e-6).all()
    if slots == EVERY:
        assert (np.diff(opened, axis=1) >= -1e-9).all()


@pytest.mark.parametrize("seed", [0, 2])
def test_descent_with_stays_open_is_never_looser_than_without_at_its_limit(seed):
    data, tree, optimum, _, placed = solved_instance(seed)
    kept = descent_bound(data, tree, placed, time_limit=10, whole=False)
    dropped = descent_bound(data, tree, placed, time_limit=10, whole=False, stays_open=False)
    assert optimum.objective * (1 - 1e-9) <= kept.bound <= dropped.bound * (1 + 1e-3)
