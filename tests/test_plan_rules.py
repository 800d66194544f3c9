"""One test per rule of the allocation model, on tiny instances whose answer can be worked out by hand.

Tiny regions are 0.5-degree squares (~3,090 km^2); with the default radii (gerai 15 km: 707 km^2), one
gerai reaches 1 - exp(-707/3090) = 20.5 % of a region's workers, a second one 36.8 % in all.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.allocation.plan import plan
from planner.errors import InfeasibleError, InputError


def new_by(result, kind="gerai") -> dict:
    rows = result.allocation[(result.allocation["kind"] == kind) & (result.allocation["new"] > 0)]
    return {(row.region_code, int(row.year)): int(row.new) for row in rows.itertuples()}


def opened_in(result, year, kind="gerai") -> int:
    allocation = result.allocation
    return int(allocation.loc[(allocation["kind"] == kind) & (allocation["year"] == year), "new"].sum())


def test_with_a_budget_for_two_gerai_in_2014_2014_opens_two():
    dataset = tiny_dataset([100_000, 80_000, 60_000])
    result = plan(dataset, tiny_scenario(**{"gerai.target": 3, "budget_idr": [2e9, 5e9]}))
    assert opened_in(result, 2014) == 2
    assert opened_in(result, 2015) == 1
    assert result.status == "optimal"


def test_the_budget_counts_opex_of_every_open_outlet():
    # capex 1 bn, opex 1 bn a year: 2014 can open 1 (spend 2 bn); in 2015 that one costs 1 bn of opex,
    # leaving 2 bn: exactly one more (1 capex + 1 opex).
    dataset = tiny_dataset([100_000, 80_000])
    result = plan(dataset, tiny_scenario(**{"gerai.opex_idr_per_year": 1e9, "budget_idr": [2.5e9, 3e9]}))
    assert opened_in(result, 2014) == 1 and opened_in(result, 2015) == 1
    assert result.budget["spend"].tolist() == [2e9, 3e9]


def test_unspent_budget_carries_over_when_allowed():
    # capex 1 bn, budgets 1.5 bn a year, up to 4 gerai. Without carry-over each year affords one gerai
    # (0.5 bn of 2014 lapses): 2 in all. With carry-over 2014's unspent 0.5 bn joins 2015's 1.5 bn: 2015
    # opens two, spending 2 bn, more than its own budget, and not three (the carried money is used up).
    dataset = tiny_dataset([100_000, 80_000, 60_000, 40_000])
    changes = {"gerai.target": 4, "gerai.target_mode": "at_most", "budget_idr": [1.5e9, 1.5e9]}
    strict = plan(dataset, tiny_scenario(**changes))
    carried = plan(dataset, tiny_scenario(**changes, budget_carry_over=True))
    assert (opened_in(strict, 2014), opened_in(strict, 2015)) == (1, 1)
    assert (opened_in(carried, 2014), opened_in(carried, 2015)) == (1, 2)
    spend = carried.budget.set_index("year")["spend"]
    assert spend[2015] == pytest.approx(2e9)  # 0.5 bn above 2015's own budget: 2014's unspent money
    assert carried.status == strict.status == "optimal"


def test_exact_target_opens_exactly_the_target_and_at_most_can_open_fewer():
    dataset = tiny_dataset([100_000, 80_000, 60_000])
    exact = plan(dataset, tiny_scenario(**{"gerai.target": 4}))
    assert exact.summary["totals"]["gerai"] == 4
    at_most = plan(dataset, tiny_scenario(**{"gerai.target": 4, "gerai.target_mode": "at_most",
                                             "budget_idr": [1e9, 1e9]}))
    assert at_most.summary["totals"]["gerai"] == 2


def test_rollout_capacity_limits_openings_per_year():
    dataset = tiny_dataset([100_000, 80_000, 60_000])
    result = plan(dataset, tiny_scenario(**{"gerai.target": 3, "gerai.rollout_per_year": 2}))
    assert opened_in(result, 2014) == 2 and opened_in(result, 2015) == 1


def test_no_region_gets_more_than_its_cap():
    dataset = tiny_dataset([1_000_000, 10_000])
    capped = plan(dataset, tiny_scenario(**{"gerai.target": 2, "gerai.max_new_per_region": 1}))
    assert new_by(capped) == {("11.01", 2014): 1, ("11.02", 2014): 1}


def test_diminishing_returns_send_the_second_gerai_to_the_second_region_when_it_is_close():
    # region 1: 100k workers, region 2: 90k. A second gerai in region 1 adds 100k x (36.8 - 20.5) % = 16.3k;
    # a first gerai in region 2 adds 90k x 20.5 % = 18.4k, so one each.
    dataset = tiny_dataset([100_000, 90_000])
    result = plan(dataset, tiny_scenario())
    assert new_by(result) == {("11.01", 2014): 1, ("11.02", 2014): 1}


def test_every_province_gets_its_floor_of_gerai():
    dataset = tiny_dataset([100_000, 90_000, 1_000], provinces=["11", "11", "12"])
    without = plan(dataset, tiny_scenario())
    assert "12.03" not in {code for code, _ in new_by(without)}
    with_floor = plan(dataset, tiny_scenario(province_min_gerai=1))
    assert ("12.03", 2014) in new_by(with_floor)


def test_the_province_floor_counts_the_final_year():
    # 2014's budget buys the two big regions' gerai; the floor of province 12 is met in 2015.
    dataset = tiny_dataset([100_000, 90_000, 1_000], provinces=["11", "11", "12"])
    result = plan(dataset, tiny_scenario(**{"gerai.target": 3, "budget_idr": [2e9, 1e9], "province_min_gerai": 1}))
    assert new_by(result) == {("11.01", 2014): 1, ("11.02", 2014): 1, ("12.03", 2015): 1}


def test_locked_openings_happen_even_where_the_optimiser_would_not_go():
    dataset = tiny_dataset([100_000, 90_000, 1_000])
    scenario = tiny_scenario().with_overrides([])
    from planner.scenario import Lock

    scenario = scenario.replace(locks=(Lock("11.03", "gerai", 2015, 1),))
    result = plan(dataset, scenario)
    assert new_by(result)[("11.03", 2015)] == 1
    assert result.summary["totals"]["gerai"] == 2


def test_a_lock_on_an_unknown_regency_is_a_user_error():
    from planner.scenario import Lock

    scenario = tiny_scenario().replace(locks=(Lock("99.99", "gerai", 2014, 1),))
    with pytest.raises(InputError, match=r"99\.99"):
        plan(tiny_dataset([100_000, 90_000]), scenario)


def test_existing_outlets_count_for_reach_and_opex_but_not_for_the_target(tmp_path):
    dataset = tiny_dataset([100_000, 90_000])
    existing = tmp_path / "existing.csv"
    pd.DataFrame({"region_code": ["11.02"], "kind": ["gerai"], "count": [1]}).to_csv(existing, index=False)
    result = plan(dataset, tiny_scenario(**{"existing_outlets_csv": str(existing), "gerai.target": 1,
                                            "gerai.opex_idr_per_year": 1e8}))
    assert new_by(result) == {("11.01", 2014): 1}  # region 2 already has one: the new one goes to region 1
    assert result.summary["totals"]["gerai"] == 1
    assert result.budget["opex"].tolist() == [2e8, 2e8]  # two gerai open, existing one included


def test_kanal_only_where_a_gerai_is_open_when_the_rule_is_on():
    dataset = tiny_dataset([100_000, 90_000, 80_000])
    free = plan(dataset, tiny_scenario(**{"gerai.target": 1, "kanal.target": 2}))
    assert {code for code, _ in new_by(free, "kanal")} - {code for code, _ in new_by(free)}
    ruled = plan(dataset, tiny_scenario(**{"gerai.target": 1, "kanal.target": 2, "kanal_requires_gerai": "region"}))
    gerai_regions = {code for code, _ in new_by(ruled)}
    assert {code for code, _ in new_by(ruled, "kanal")} <= gerai_regions


@pytest.mark.parametrize("kanal_capacity", [1_000, 0])
def test_service_capacity_caps_the_workers_an_outlet_serves(kanal_capacity):
    # One gerai reaches 20.5 % of 100k workers in area but serves at most 5,000 of them. A kanal of capacity
    # 0 ("unlimited") opened beside it lifts the limit. The model's own objective must agree with the reach
    # recomputed from the plan (else the model ignored the capacity).
    dataset = tiny_dataset([100_000])
    result = plan(dataset, tiny_scenario(**{"gerai.target": 1, "kanal.target": 1 if kanal_capacity == 0 else 0,
                                            "gerai.service_capacity_workers": 5_000,
                                            "kanal.service_capacity_workers": kanal_capacity}))
    if kanal_capacity:
        assert result.reach["workers_reached"].max() == pytest.approx(5_000, rel=1e-6)
    else:
        assert result.reach["workers_reached"].min() > 20_000
    assert result.summary["objective_model"] == pytest.approx(result.summary["objective"], rel=1e-6)
    assert result.status == "optimal"


@pytest.mark.parametrize(("capex", "opex", "budgets"), [(1e9, 0.0, [2e9, 1e9]), (1e3, 1e9, [2.1e9, 3e9])])
def test_the_regional_cost_index_multiplies_capex_and_opex(capex, opex, budgets):
    # Region 1 costs twice as much: 2014's 2 bn buy two gerai in region 2 (33.2k workers reached) rather than
    # one there and one in region 1 (39.0k at equal cost).
    dataset = tiny_dataset([100_000, 90_000])
    dataset.regions["cost_index"] = [2.0, 1.0]
    result = plan(dataset, tiny_scenario(**{"gerai.capex_idr": capex, "gerai.opex_idr_per_year": opex,
                                            "budget_idr": budgets}))
    assert new_by(result) == {("11.02", 2014): 2}
    assert result.budget["spend"].tolist()[0] == pytest.approx(2e9, rel=1e-6)


def test_population_grows_at_the_scenario_rate():
    dataset = tiny_dataset([100_000])
    result = plan(dataset, tiny_scenario(**{"base_population_year": 2010, "population_growth_rate": 0.02,
                                            "gerai.target": 1}))
    workers = result.reach.set_index("year")["workers_informal"]
    assert workers[2014] == pytest.approx(100_000 * 1.02**4)
    assert workers[2015] == pytest.approx(100_000 * 1.02**5)


def test_worker_years_reward_early_openings_and_final_reach_does_not_care():
    dataset = tiny_dataset([100_000, 90_000])
    early = plan(dataset, tiny_scenario())
    assert opened_in(early, 2014) == 2
    final = plan(dataset, tiny_scenario(objective="final_reach", budget_idr=[0, 2e9]))
    assert opened_in(final, 2015) == 2
    assert final.summary["objective"] == pytest.approx(final.reach.query("year == 2015")["workers_reached"].sum())
    assert final.summary["objective_model"] == pytest.approx(final.summary["objective"], rel=1e-6)  # the model's too


def test_actuals_fix_past_years_and_replan_the_rest(tmp_path):
    dataset = tiny_dataset([100_000, 90_000, 80_000])
    actuals = tmp_path / "actuals.csv"
    pd.DataFrame({"region_code": ["11.03"], "kind": ["gerai"], "year": [2014], "count": [1]}).to_csv(actuals,
                                                                                                   index=False)
    result = plan(dataset, tiny_scenario(**{"gerai.target": 3}), actuals=str(actuals))
    assert {key: n for key, n in new_by(result).items() if key[1] == 2014} == {("11.03", 2014): 1}
    assert result.summary["totals"]["gerai"] == 3


def test_an_impossible_budget_is_explained_in_money_per_year():
    dataset = tiny_dataset([100_000, 90_000])
    with pytest.raises(InfeasibleError, match=r"need IDR 1\.0 bn more .*2015: needs IDR 1\.0 bn, budget IDR 0\.0"):
        plan(dataset, tiny_scenario(budget_idr=[1e9, 0]))


def test_a_target_larger_than_the_caps_allow_is_a_user_error():
    with pytest.raises(InputError, match=r"gerai\.target 10 exceeds"):
        plan(tiny_dataset([100_000, 90_000]), tiny_scenario(**{"gerai.target": 10}))


def test_cbc_and_highs_agree_on_a_small_instance():
    dataset = tiny_dataset([100_000, 90_000, 80_000, 50_000])
    scenario = tiny_scenario(**{"gerai.target": 3, "kanal.target": 3, "budget_idr": [2.2e9, 5e9]})
    highs = plan(dataset, scenario, gap=0.0)
    cbc = plan(dataset, scenario, solver="cbc", gap=0.0)
    assert cbc.summary["objective"] == pytest.approx(highs.summary["objective"], rel=1e-6)
    assert cbc.summary["solver"] == "cbc" and highs.summary["solver"] == "highs"


def test_budget_duals_come_back_by_year_from_the_models_registry():
    # 2014's budget buys two of the three gerai the target asks for: a binding 2014 budget has a price,
    # a loose 2015 budget (5 bn for the one gerai left) has none.
    from planner.allocation.plan import solve_with_references
    from planner.inputs import build_inputs
    from planner.regions import as_dataset
    from planner.solve import SolverOptions

    dataset = tiny_dataset([100_000, 80_000, 60_000])
    scenario = tiny_scenario(**{"gerai.target": 3, "gerai.target_mode": "at_most", "budget_idr": [2e9, 5e9]})
    inputs = build_inputs(as_dataset(dataset), scenario, None)
    _, solution, _ = solve_with_references(inputs, SolverOptions("highs", 60.0, 0.001, None, 0), lambda m: None)
    duals = solution.model.duals("budget")
    assert list(duals.index) == [2014, 2015]
    assert abs(duals[2014]) > 0
    assert duals[2015] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(KeyError, match="no constraint family 'budgets'"):
        solution.model.duals("budgets")
    table = plan(dataset, scenario).budget.set_index("year")["marginal_workers_per_billion_idr"]
    assert table[2014] == pytest.approx(abs(duals[2014]))
