"""The independent verification catches a plan that breaks each rule (plans written by hand, no solver)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.allocation.evaluate import evaluate
from planner.allocation.verify import verify_plan
from planner.inputs import build_inputs
from planner.scenario import Lock


def problems(plan_rows, locks=(), reach_factor=1.0, **changes):
    dataset = tiny_dataset([100_000, 90_000, 1_000], provinces=["11", "11", "12"])
    inputs = build_inputs(dataset, tiny_scenario(**changes).replace(locks=locks))
    plan = pd.DataFrame(plan_rows, columns=["region_code", "kind", "year", "new"])
    result = evaluate(inputs, plan)
    reach = result.reach.assign(workers_reached=result.reach["workers_reached"] * reach_factor)
    return verify_plan(inputs, result.counts, reach)


GOOD = [("11.01", "gerai", 2014, 1), ("11.02", "gerai", 2014, 1)]


def test_a_plan_that_obeys_every_rule_passes():
    assert problems(GOOD) == []


@pytest.mark.parametrize(("rows", "changes", "expected"), [
    ([("11.01", "gerai", 2014, 1)], {}, "gerai: 1 new outlets, target 2"),
    (GOOD, {"budget_idr": [1e9, 1e9]}, "budget 2014"),
    (GOOD, {"gerai.rollout_per_year": 1}, "rollout gerai 2014"),
    ([("11.01", "gerai", 2014, 2)], {"gerai.max_new_per_region": 1}, "cap 11.01 gerai"),
    (GOOD, {"province_min_gerai": 1}, "province 12: 0 gerai"),
    ([*GOOD, ("12.03", "kanal", 2014, 1)], {"kanal.target": 1, "kanal_requires_gerai": "region"},
     "kanal without gerai in 12.03"),
    (GOOD, {"gerai.service_capacity_workers": 100, "kanal.service_capacity_workers": 100, "reach_factor": 2.0},
     "service capacity 11.01 2014"),
    (GOOD, {"reach_factor": 10.0}, "reach 11.01 2014: more workers reached than exist"),
])
def test_each_broken_rule_is_named(rows, changes, expected):
    found = problems(rows, **changes)
    assert any(expected in line for line in found), found


def test_a_lock_not_honoured_is_named():
    found = problems(GOOD, locks=(Lock("12.03", "gerai", 2015, 1),))
    assert any("lock 12.03 gerai 2015: 0 opened" in line for line in found), found


def _inputs(**changes):
    dataset = tiny_dataset([100_000, 90_000, 1_000], provinces=["11", "11", "12"])
    return build_inputs(dataset, tiny_scenario(**changes))


def _verify(inputs, rows, reach=None):
    result = evaluate(inputs, pd.DataFrame(rows, columns=["region_code", "kind", "year", "new"]))
    return verify_plan(inputs, result.counts, result.reach if reach is None else reach(result.reach))


def test_a_plan_exactly_at_every_limit_passes():
    # Target 3 "at most" met exactly, 2 openings in 2014 with a rollout of 2, 11.01 at its cap of 2 in the
    # final year, the province floor of 1 met by 12.03, every IDR of both budgets spent, a lock met exactly.
    inputs = _inputs(**{"gerai.target": 3, "gerai.target_mode": "at_most", "gerai.rollout_per_year": 2,
                        "gerai.max_new_per_region": 2, "province_min_gerai": 1, "budget_idr": [2e9, 1e9]})
    locked = inputs.locks
    inputs = replace(inputs, locks=pd.DataFrame({"region_code": ["11.01"], "kind": ["gerai"], "year": [2015],
                                                 "count": [1], "exact": [True]}).astype(locked.dtypes.to_dict()))
    rows = [("11.01", "gerai", 2014, 1), ("12.03", "gerai", 2014, 1), ("11.01", "gerai", 2015, 1)]
    assert _verify(inputs, rows) == []
    exact_reach = _verify(inputs, rows, lambda r: r.assign(workers_reached=r["workers_informal"]))
    assert exact_reach == []  # every worker reached is not more than exist


def test_over_the_at_most_target_and_over_the_cap_in_the_final_year_are_named():
    inputs = _inputs(**{"gerai.target": 1, "gerai.target_mode": "at_most", "gerai.max_new_per_region": 1})
    found = _verify(inputs, [("11.01", "gerai", 2014, 1), ("11.01", "gerai", 2015, 1)])
    assert "gerai: 2 new outlets, target at most 1" in found
    assert "cap 11.01 gerai: 2 open > cap" in found  # 1 open in 2014 is within the cap; 2 in 2015 are not


def test_the_budget_breach_names_the_spend_and_the_budget():
    found = _verify(_inputs(budget_idr=[1e9, 5e9]), GOOD)
    assert "budget 2014: spend IDR 2,000,000,000 exceeds IDR 1,000,000,000" in found


def test_negative_openings_are_named():
    inputs = _inputs()
    result = evaluate(inputs, pd.DataFrame(GOOD, columns=["region_code", "kind", "year", "new"]))
    counts = result.counts
    negative = (counts["region_code"] == "12.03") & (counts["kind"] == "gerai") & (counts["year"] == 2015)
    found = verify_plan(inputs, counts.assign(new=counts["new"].mask(negative, -1)), result.reach)
    assert "negative openings in 12.03 gerai 2015" in found


def test_an_exact_lock_with_more_openings_than_recorded_is_named():
    inputs = _inputs()
    inputs = replace(inputs, locks=pd.DataFrame({"region_code": ["11.01"], "kind": ["gerai"], "year": [2014],
                                                 "count": [0], "exact": [True]}))
    assert _verify(inputs, GOOD) == ["lock 11.01 gerai 2014: 1 opened, exactly 0 required"]


def test_kanal_needs_a_gerai_in_its_province_when_the_rule_is_per_province():
    rows = [*GOOD, ("11.02", "kanal", 2014, 1), ("12.03", "kanal", 2014, 1)]
    found = _verify(_inputs(**{"kanal.target": 2, "kanal_requires_gerai": "province"}), rows)
    assert found == ["kanal without gerai in 12 2014", "kanal without gerai in 12 2015"]


def test_rules_met_exactly_in_the_final_year_or_by_one_outlet_pass():
    # The floor met by a gerai opened in the last year; a kanal next to exactly one gerai (per-region rule),
    # a region with neither; reach capped exactly at the service capacity.
    rows = [*GOOD, ("12.03", "gerai", 2015, 1), ("11.01", "kanal", 2014, 1)]
    changes = {"gerai.target": 3, "kanal.target": 1, "province_min_gerai": 1, "kanal_requires_gerai": "region"}
    assert _verify(_inputs(**changes), rows) == []
    assert _verify(_inputs(**{"gerai.service_capacity_workers": 5_000}), GOOD) == []


def test_reach_half_as_large_again_as_the_workers_is_named():
    found = _verify(_inputs(), GOOD, lambda r: r.assign(workers_reached=r["workers_informal"] * 1.5))
    assert "reach 11.01 2014: more workers reached than exist" in found
