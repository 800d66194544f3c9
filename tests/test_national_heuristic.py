"""The plan from the bound's prices (planner.national.heuristic): the greedy opens by gain within quotas, the
plan obeys every count rule and is never above the exact optimum, and the search continues from it."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from planner.allocation.site_level import CountRulesCheck
from planner.national.descent import descent_bound
from planner.national.exact import CountRules
from planner.national.heuristic import COUNT_GAP, COUNT_SLACK, greedy_sites, lagrangian_plan, nearest_counts
from planner.national.improve import improve_plan, open_counts
from planner.national.lpbound import ReducedCover, free_counts, reduced_cover
from planner.national.value import plan_value
from tests.test_national_lpbound import solved_instance


def descent_counts(data, tree, placed) -> np.ndarray:
    """The descent's average free counts (what it hands ``at_prices``) after a few seconds."""
    got = []
    descent_bound(data, tree, placed, time_limit=3, whole=False, at_prices=lambda rc, free: got.append(free))
    assert 1 <= len(got) <= 2  # an early plan, then the last one (one only when the steps settle early)
    return got[-1]


def test_nearest_counts_obey_every_rule_and_return_counts_that_already_do():
    """Counts that obey the rules come back as they are; fractional ones become integer ones near them."""
    data, tree, _, counts, placed = solved_instance(3)
    rc = reduced_cover(data, tree, placed)
    planned = free_counts(rc, data.years, counts).astype(float)
    assert (nearest_counts(data.inputs, rc, planned, slack=0.0) - rc.existing[:, None] == planned).all()
    halfway = nearest_counts(data.inputs, rc, planned * 0.5 + 0.25)
    distance = np.abs(halfway - rc.existing[:, None] - (planned * 0.5 + 0.25)).sum()
    feasible = np.abs(planned * 0.5 - 0.25).sum()  # the plan's counts are some counts under the rules
    assert distance <= max(feasible * (1 + COUNT_GAP), feasible + COUNT_SLACK) + 1e-9


def test_greedy_opens_the_largest_gain_within_each_groups_quota():
    # rows a (10 a year), b (6), c (5); site 0 covers a, site 1 covers a and c, site 2 covers b; one group
    weights = np.array([[10.0, 10.0], [6.0, 6.0], [5.0, 5.0]])
    matrix = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    rc = ReducedCover(weights=weights, matrix=matrix, group=np.zeros(3, np.int64), group_region=np.array(["r"]),
                      group_kind=np.array(["gerai"]), existing=np.zeros(1, np.int64), constant=np.zeros(2))
    opened = greedy_sites(rc, np.array([[1, 2]]))
    # year 0: site 1 (30 worker-years over both years); year 1: site 2 (6) beats site 0 (0: a is reached)
    assert opened.tolist() == [-1, 0, 1]


def test_plan_from_prices_obeys_every_count_rule_and_stays_below_the_optimum():
    data, tree, optimum, _, placed = solved_instance(1)
    rc = reduced_cover(data, tree, placed)
    free = descent_counts(data, tree, placed)
    counts = nearest_counts(data.inputs, rc, free)
    plan = lagrangian_plan(data, rc, free, placed)
    assert counts is not None and plan is not None
    assert CountRulesCheck(data.inputs)(plan) == []
    existing = placed[placed["year"] < data.years[0]]
    assert len(plan.merge(existing, on=list(existing.columns))) == len(existing)  # existing outlets unmoved
    assert not plan.duplicated(["region_code", "lon", "lat", "kind"]).any()
    opened = open_counts(plan, data.years)
    for g, (code, kind) in enumerate(zip(rc.group_region, rc.group_kind, strict=True)):
        for t, year in enumerate(data.years):
            assert opened.get((code, kind, year), 0) == counts[g, t]
    assert plan_value(plan, data, tree).objective <= optimum.objective * (1 + 1e-9)


def test_search_continues_from_an_offered_plan_worth_more():
    data, tree, _, _, placed = solved_instance(2)
    rc = reduced_cover(data, tree, placed)
    offered = lagrangian_plan(data, rc, descent_counts(data, tree, placed), placed)
    start, worth = plan_value(placed, data, tree), plan_value(offered, data, tree).objective
    table = (placed.groupby(["region_code", "kind", "year"]).size().groupby(level=[0, 1]).cumsum()
             .rename("cumulative").reset_index())
    assert worth > start.objective  # the instance is one where the prices' plan beats the naive placement
    rules, check = CountRules(data), CountRulesCheck(data.inputs)
    for offers, expected in (([(offered, worth)], True), ([(placed, start.objective)], False)):
        lines = []
        begin = offered if not expected else placed  # the second run starts from the better plan, offered the worse
        begin_value = plan_value(begin, data, tree)
        _, value = improve_plan(data, tree, table, begin, begin_value, seconds=6, log=lines.append, rules=rules,
                                check=check, incoming=lambda offers=offers: offers.pop(0) if offers else None)
        assert value >= worth * (1 - 1e-9)
        assert any("continuing from the plan of the bound's prices" in line for line in lines) == expected
