"""The independent verification catches a plan that breaks each rule (plans written by hand, no solver)."""

from __future__ import annotations

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
    reach = result["reach"].assign(workers_reached=result["reach"]["workers_reached"] * reach_factor)
    return verify_plan(inputs, result["counts"], reach)


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
