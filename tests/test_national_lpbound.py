"""The LP-price bound (planner.national.lpbound): valid on small instances solved exactly, its reductions exact,
its tangents above the top-n function at every count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.national.bound import national_bound
from planner.national.exact import build_site_mip, solve_site_mip
from planner.national.lpbound import lp_bound, reduced_cover, tangents, whole_lp_bound
from planner.national.value import plan_value
from planner.solve import SolverOptions
from tests.test_national_bound import small_instance, varied_instance
from tests.test_national_improve import naive_plan


def existing_at_first_site(data) -> pd.DataFrame:
    """One existing gerai at the first candidate site of the regency the scenario gives it to."""
    code = data.inputs.existing["region_code"].iloc[0]
    site = data.sites[data.sites["region_code"] == code].iloc[0]
    return pd.DataFrame({"region_code": [code], "site_id": ["old"], "lon": [site["lon"]], "lat": [site["lat"]],
                         "kind": ["gerai"], "year": [data.years[0] - 1]})


def solved_instance(seed: int) -> tuple:
    """Small instance ``seed`` with one existing gerai (odd seeds: at-most target, tighter budgets): data,
    tree, its full MIP optimum, the count pairs of a first bound, and a naive placement of them."""
    data = varied_instance(seed, **{"gerai.existing_total": 1})
    tree = data.tree()
    existing = existing_at_first_site(data)
    mip = build_site_mip(data, tree, set(data.inputs.regions["region_code"]), existing=existing)
    optimum, _ = solve_site_mip(mip, SolverOptions(gap=0.0))
    assert optimum.status == "optimal"
    start = national_bound(data, tree, extra=existing, time_limit=30)
    _, placed = naive_plan(data, start.counts)
    return data, tree, optimum, start.counts, pd.concat([existing, placed], ignore_index=True)


@pytest.mark.parametrize("seed", range(5))
def test_lp_bound_is_never_below_the_exact_optimum(seed):
    data, tree, optimum, counts, placed = solved_instance(seed)
    bound = lp_bound(data, tree, placed, counts, time_limit=10)
    assert bound.bound >= optimum.objective * (1 - 1e-9)
    assert bound.bound <= optimum.objective * 1.10  # close on these instances (measured 0.0-6.4 % above)


def test_reduction_keeps_what_existing_outlets_reach_as_a_constant():
    data = small_instance(2, **{"gerai.existing_total": 1})
    tree = data.tree()
    existing = existing_at_first_site(data)
    rc = reduced_cover(data, tree, existing)
    reached = plan_value(existing, data, tree).reached * data.year_weight
    assert rc.constant == pytest.approx(reached, rel=1e-9)
    assert rc.constant.sum() > 0
    assert rc.existing.sum() == 1
    everyone = plan_value(data.sites.assign(kind="gerai", year=data.years[0] - 1), data, tree).objective
    assert rc.weights.sum() + rc.constant.sum() <= everyone * (1 + 1e-9)  # existing rows not counted twice


def test_tangents_lie_above_the_top_n_values_at_every_count():
    data = small_instance(3)
    tree = data.tree()
    rc = reduced_cover(data, tree, data.sites.iloc[:0].assign(kind="gerai", year=0))
    prices = rc.weights[:, -1] * np.random.default_rng(0).uniform(0, 1, rc.weights.shape[0])
    values = rc.matrix.T @ prices
    free = np.ones(rc.n_groups, dtype=np.int64)
    found = tangents(rc, prices, free)
    assert found
    for g in {g for g, _, _ in found}:
        top = np.concatenate([[0.0], np.cumsum(np.sort(values[rc.group == g])[::-1])])
        planes = [(a, b) for h, a, b in found if h == g]
        for n, best in enumerate(top):
            assert min(a + b * n for a, b in planes) >= best * (1 - 1e-9) - 1e-9
        assert min(a + b * 1 for a, b in planes) == pytest.approx(top[1])  # tight at its count


@pytest.mark.parametrize("seed", range(5))
def test_whole_lp_lies_between_the_exact_optimum_and_the_cutting_planes(seed):
    data, tree, optimum, counts, placed = solved_instance(seed)
    rc = reduced_cover(data, tree, placed)
    whole = whole_lp_bound(data.inputs, rc, time_limit=60)
    planes = lp_bound(data, tree, placed, counts, time_limit=10).bound
    assert whole is not None
    assert optimum.objective * (1 - 1e-9) <= whole <= planes * (1 + 1e-6)
