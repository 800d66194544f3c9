"""Scenario: defaults, TOML round trip, overrides and validation messages."""

from __future__ import annotations

import tomllib

import pytest

from planner.errors import InputError
from planner.scenario import default_scenario, load_scenario, scenario_from_dict, write_scenario


def test_the_default_scenario_is_the_2014_bpjs_plan():
    scenario = default_scenario()
    assert scenario.years == (2014, 2015, 2016, 2017, 2018)
    assert (scenario.gerai.target, scenario.kanal.target) == (497, 800)
    assert scenario.gerai.existing_total == 127
    assert {lock.region_code for lock in scenario.locks} == {"16.71", "16.02", "16.10", "16.06", "16.07"}
    assert all(lock.year == 2014 and lock.kind == "gerai" for lock in scenario.locks)
    assert scenario.budget_scale == 1.0


def test_toml_round_trip_gives_an_equal_scenario(tmp_path):
    scenario = default_scenario().with_overrides(["budget_scale=1.2", "kanal.radius_km=3"])
    write_scenario(scenario, tmp_path / "s.toml")
    assert load_scenario(tmp_path / "s.toml") == scenario
    assert scenario_from_dict(tomllib.loads(scenario.to_toml())) == scenario


def test_budget_scale_multiplies_every_year():
    scenario = default_scenario().with_overrides(["budget_scale=0.5"])
    assert scenario.budgets() == {y: b * 0.5 for y, b in zip(scenario.years, scenario.budget_idr, strict=True)}


def test_a_partial_file_is_laid_over_the_default(tmp_path):
    path = tmp_path / "partial.toml"
    path.write_text('name = "lean"\nbudget_scale = 0.9\n[gerai]\ncapex_idr = 4e8\n', encoding="utf-8")
    scenario = load_scenario(path)
    assert (scenario.name, scenario.budget_scale, scenario.gerai.capex_idr) == ("lean", 0.9, 4e8)
    assert scenario.kanal == default_scenario().kanal


@pytest.mark.parametrize(("override", "message"), [
    ("nonsense=1", "unknown field 'nonsense'"),
    ("gerai.colour=red", "unknown field 'colour'"),
    ("gerai.capex_idr=cheap", "'cheap' is not a valid float"),
    ("budget_idr=1e9,-5,1,1,1", "budgets must be >= 0"),
    ("budget_idr=1e9,1e9", "2 values for 5 years"),
    ("years=2014,2016,2015", "consecutive and increasing"),
    ("gerai.radius_km=0", "must be > 0 km"),
    ("gerai.target_mode=roughly", "use one of exact, at_most"),
    ("objective=profit", "use one of worker_years, final_reach"),
    ("budget_scale=-1", "must be >= 0"),
    ("budget_carry_over=maybe", "not a valid bool"),
    ("no_equals_sign", "expected KEY=VALUE"),
])
def test_bad_overrides_name_the_field_and_the_fix(override, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        default_scenario().with_overrides([override])


def test_unknown_keys_and_bad_toml_in_a_file_are_reported(tmp_path):
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("budget_scael = 1.1\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown key 'budget_scael'"):
        load_scenario(unknown)
    broken = tmp_path / "broken.toml"
    broken.write_text("name = [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(broken)
    with pytest.raises(InputError, match="scenario file not found"):
        load_scenario(tmp_path / "missing.toml")


def test_a_lock_outside_the_plan_years_is_rejected(tmp_path):
    path = tmp_path / "lock.toml"
    path.write_text('[[locks]]\nregion_code = "16.71"\nkind = "gerai"\nyear = 2030\ncount = 1\n', encoding="utf-8")
    with pytest.raises(InputError, match="outside the plan years"):
        load_scenario(path)


def test_the_hash_changes_with_any_field():
    scenario = default_scenario()
    assert scenario.sha256() == default_scenario().sha256()
    assert scenario.with_overrides(["kanal.capex_idr=61e6"]).sha256() != scenario.sha256()
