"""A planner's own rules (plan(..., extra_constraints=fn)): applied, checked from the plan's tables, named.

Tiny regions are 0.5-degree squares; the region with most workers is the best place for a gerai, so a rule
that forbids it there must move the gerai (and the plan must say the rule was applied).
"""

from __future__ import annotations

import pandas as pd
import pulp
import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.allocation.plan import plan
from planner.errors import InfeasibleError, InputError
from planner.model.custom import CustomRows, check_custom_rows


def gerai_by_region(result) -> dict[str, int]:
    rows = result.allocation[(result.allocation["kind"] == "gerai") & (result.allocation["year"] == 2015)]
    return dict(zip(rows["region_code"], rows["cumulative"].astype(int), strict=True))


def no_gerai_in_the_first_region(m, inputs):
    first = inputs.regions["region_code"].iloc[0]
    rows = m.counts[(m.counts["kind"] == "gerai") & (m.counts["region_code"] == first)]
    for row in rows.itertuples():
        m.problem += row.var <= 0, f"custom_no_gerai__{row.year}"


def test_a_custom_rule_moves_the_outlet_and_is_reported():
    dataset = tiny_dataset([100_000, 80_000, 60_000])
    scenario = tiny_scenario(**{"gerai.target": 1})
    free = plan(dataset, scenario)
    ruled = plan(dataset, scenario, extra_constraints=no_gerai_in_the_first_region)
    first = dataset.regions["region_code"].iloc[0]
    assert gerai_by_region(free)[first] == 1  # without the rule the most-worker region gets the gerai
    assert gerai_by_region(ruled)[first] == 0 and sum(gerai_by_region(ruled).values()) == 1
    assert ruled.summary["custom_rules"] == [{"rule": "no_gerai_in_the_first_region", "rows": 2, "checked": True}]
    assert free.summary["custom_rules"] == []
    assert ruled.summary["objective"] < free.summary["objective"]
    assert ruled.status == "optimal"


def test_a_list_of_rules_is_applied_in_order_and_the_cbc_path_applies_them_too():
    dataset = tiny_dataset([100_000, 80_000, 60_000])

    def at_most_one_kanal_anywhere(m, inputs):
        for row in m.counts[m.counts["kind"] == "kanal"].itertuples():
            m.problem += row.var <= 1, f"custom_kanal__{row.region_code.replace('.', '_')}_{row.year}"

    scenario = tiny_scenario(**{"gerai.target": 1, "kanal.target": 3})
    result = plan(dataset, scenario, solver="cbc", extra_constraints=[no_gerai_in_the_first_region,
                                                                      at_most_one_kanal_anywhere])
    kanal = result.allocation[(result.allocation["kind"] == "kanal") & (result.allocation["year"] == 2015)]
    assert kanal["cumulative"].max() == 1 and kanal["cumulative"].sum() == 3
    assert [rule["rule"] for rule in result.summary["custom_rules"]] == ["no_gerai_in_the_first_region",
                                                                         "at_most_one_kanal_anywhere"]


def test_a_rule_that_cannot_hold_is_named_in_the_infeasibility():
    dataset = tiny_dataset([100_000, 80_000])

    def no_gerai_at_all(m, inputs):
        for row in m.counts[m.counts["kind"] == "gerai"].itertuples():
            m.problem += row.var <= 0, f"custom_none__{row.region_code.replace('.', '_')}_{row.year}"

    with pytest.raises(InfeasibleError, match=r"custom rule.*'no_gerai_at_all'.*loosen them"):
        plan(dataset, tiny_scenario(**{"gerai.target": 1}), extra_constraints=no_gerai_at_all)


@pytest.mark.parametrize(("rule", "message"), [
    (lambda m, inputs: None, "added no constraint"),
    (lambda m, inputs: 1 / 0, "failed \\(ZeroDivisionError"),
    ("not a function", "is not a function"),
])
def test_a_broken_rule_is_one_sentence(rule, message):
    with pytest.raises(InputError, match=message):
        plan(tiny_dataset([100_000]), tiny_scenario(**{"gerai.target": 1}), extra_constraints=rule)


def test_the_check_recomputes_each_custom_row_from_the_plan_tables():
    counts = pd.DataFrame({"region_code": ["11.01", "11.01"], "kind": ["gerai", "gerai"], "year": [2014, 2015],
                           "cumulative": [1, 2]})
    reach = pd.DataFrame({"region_code": ["11.01"], "year": [2015], "workers_informal": [100.0],
                          "workers_reached": [40.0]})
    gerai_2015 = pulp.LpVariable("open_11_01_gerai_2015", 0, 5, cat=pulp.LpInteger)
    share_2015 = pulp.LpVariable("share_11_01_2015", 0, 1)
    other = pulp.LpVariable("something_else", 0, 1)
    rows = CustomRows("demo", (("at_most_one", gerai_2015 <= 1), ("share_floor", share_2015 >= 0.3),
                               ("share_cap", share_2015 <= 0.4), ("unknown", other <= 0)))
    problems = check_custom_rows([rows], counts, reach)
    assert problems[0].startswith("custom rule 'demo', row at_most_one: +1 on the plan")
    assert "row unknown: uses 'something_else'" in problems[1]
    assert len(problems) == 2  # the share rows hold: 0.4 >= 0.3 and 0.4 <= 0.4


def test_check_manifest_refuses_a_plan_made_with_custom_rules(tmp_path):
    from planner.allocation.manifest import check_manifest
    from planner.allocation.results import write_results

    dataset = tiny_dataset([100_000, 80_000, 60_000])
    result = plan(dataset, tiny_scenario(**{"gerai.target": 1}), extra_constraints=no_gerai_in_the_first_region)
    write_results(result, tmp_path / "out")
    with pytest.raises(InputError, match=r"custom rule\(s\) 'no_gerai_in_the_first_region'.*cannot re-create"):
        check_manifest(tmp_path / "out")
