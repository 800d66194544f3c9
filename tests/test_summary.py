"""The typed summary: PlanSummary writes summary.json's keys, parses it back, and a misspelt field is an error."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.allocation.plan import plan
from planner.allocation.results import summary_json
from planner.allocation.summary import BaselineSummary, PlanSummary
from planner.errors import InputError


@pytest.fixture(scope="module")
def result():
    return plan(tiny_dataset([100_000, 80_000, 60_000]), tiny_scenario(**{"gerai.target": 3}))


def test_the_summary_round_trips_through_summary_json(result):
    text = summary_json(result.summary)
    parsed = PlanSummary.from_json(text)
    assert parsed == PlanSummary.from_dict(json.loads(text))
    assert parsed.to_json() == text
    assert parsed.totals == {"gerai": 3, "kanal": 0} and parsed.status == "optimal"
    assert isinstance(parsed.comparison, BaselineSummary)
    assert parsed.comparison.gain_objective == pytest.approx(result.summary.comparison.gain_objective)


def test_summary_json_keeps_its_keys(result):
    data = json.loads(summary_json(result.summary))
    assert "sites_seconds" not in data  # no sites placed: the key is left out, as before
    assert "objective_measured" not in data["baselines"]["greedy"]
    assert {"status", "objective", "bound", "gap", "baselines", "manifest", "scenario", "reference_passes",
            "total_seconds", "workers_reached_final_difference"} <= set(data)
    assert result.summary["gap"] == data["gap"]  # notebooks' dict-style reads still work


def test_a_misspelt_field_is_an_error_where_it_is_written(result):
    with pytest.raises(AttributeError):
        result.summary.gpa  # noqa: B018
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.summary.status = "optimal"


def test_unknown_keys_are_kept_and_a_missing_field_is_named(result):
    data = json.loads(summary_json(result.summary))
    data["note"] = "written by a later version"
    assert PlanSummary.from_dict(data).to_dict()["note"] == "written by a later version"
    del data["objective"]
    with pytest.raises(InputError, match="missing field 'objective'"):
        PlanSummary.from_dict(data, "run/summary.json")
    with pytest.raises(InputError, match="is not valid JSON"):
        PlanSummary.from_json("{", "run/summary.json")
