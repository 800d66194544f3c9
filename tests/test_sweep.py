"""Scenario sweeps: SPEC parsing, grids, Monte Carlo draws, the resumable cache, failures, Dask vs in-process.

The sweeps run on six tiny regencies in two provinces (``conftest.tiny_dataset``) over three years, with
4 gerai (capex IDR 1 bn) and 6 kanal (IDR 0.1 bn) to open and IDR 2 bn a year x ``budget_scale``: at
``budget_scale`` 1 the plan just fits (2014: 1 gerai + 6 kanal, then 2 and 1 gerai); below 0.8 it is
infeasible. Each plan takes well under a second.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.cli import main
from planner.errors import InputError
from planner.sweep import run_sweep
from planner.sweep.cache import SolverSettings, input_hash, input_identity
from planner.sweep.executor import scale_workers
from planner.sweep.specs import DEFAULT_DISTRIBUTIONS, build_cases, draw_sample, parse_spec, parse_vary

WORKERS = [300_000, 120_000, 60_000, 250_000, 90_000, 40_000]
PROVINCES = ["11", "11", "11", "12", "12", "12"]
GRID = {"budget_scale": [1.0, 2.0], "gerai.radius_km": [10.0, 20.0]}  # 4 scenarios


def dataset():
    return tiny_dataset(WORKERS, PROVINCES)


def scenario():
    return tiny_scenario(**{"years": [2014, 2015, 2016], "budget_idr": [2e9, 2e9, 2e9], "gerai.target": 4,
                            "kanal.target": 6, "gerai.existing_total": 2})


@pytest.fixture(scope="module")
def serial_grid(tmp_path_factory):
    """The 2 x 2 grid solved once, in-process, without interruption."""
    out = tmp_path_factory.mktemp("serial")
    return run_sweep(scenario(), GRID, out=out, regions=dataset(), workers=0), out


# --- SPECs, keys and cases ------------------------------------------------------------------------------

def test_a_range_spec_gives_count_values_with_both_ends_included():
    assert parse_spec("budget_scale", "0.6:1.4:9") == [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]
    assert parse_spec("gerai.radius_km", "10,15,20") == [10.0, 15.0, 20.0]


@pytest.mark.parametrize(("vary", "words"), [
    (["budget_scale=0.6:1.4"], "count"),
    (["budget_scale=low,high"], "not a number"),
    (["budget_scale=0.6:1.4:0"], "whole number"),
    (["budget_scale"], "KEY=SPEC"),
])
def test_a_bad_spec_is_one_sentence_naming_it(vary, words):
    with pytest.raises(InputError, match=words) as error:
        parse_vary(vary)
    message = str(error.value)
    assert message.startswith("--vary") and message.endswith(".") and message.replace("e.g. ", "").count(". ") == 0


@pytest.mark.parametrize(("vary", "words"), [
    ({"gerai.colour": [1, 2]}, "unknown or non-numeric key"),
    ({"name": [1, 2]}, "unknown or non-numeric key"),
    ({"gerai.target": [3.5]}, "whole number"),
    ({"gerai.radius_km": [-5]}, "rejects"),
    ({"workers_informal_factor.99": [1.1]}, "not in the region data"),
])
def test_an_unknown_key_or_impossible_value_is_an_input_error(tmp_path, vary, words):
    with pytest.raises(InputError, match=words):
        run_sweep(scenario(), vary, out=tmp_path, regions=dataset(), workers=0)
    assert not (tmp_path / "cache").exists()  # checked before anything is solved or stored


def test_a_bad_spec_leaves_no_sweep_folder_behind(tmp_path):
    with pytest.raises(InputError):
        run_sweep(scenario(), {"budget_scale": "1:2"}, out=tmp_path / "new", regions=dataset(), workers=0)
    assert not (tmp_path / "new").exists()


def test_out_must_not_be_a_file(tmp_path):
    target = tmp_path / "results.csv"
    target.write_text("x\n")
    with pytest.raises(InputError, match="is a file"):
        run_sweep(scenario(), {"budget_scale": [1.0]}, out=target, regions=dataset(), workers=0)


def test_samples_without_distributions_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no distributions"):
        run_sweep(scenario(), {}, samples=3, out=tmp_path, regions=dataset(), workers=0, distributions=())


def test_several_vary_keys_make_the_cartesian_grid():
    columns, cases = build_cases(scenario(), GRID, 0, 0, DEFAULT_DISTRIBUTIONS, ["11", "12"])
    assert columns == ["budget_scale", "gerai.radius_km"]
    assert [dict(case.values) for case in cases][:2] == [{"budget_scale": 1.0, "gerai.radius_km": 10.0},
                                                         {"budget_scale": 1.0, "gerai.radius_km": 20.0}]
    assert len(cases) == 4 and cases[3].overrides == ("budget_scale=2.0", "gerai.radius_km=20.0")


def test_monte_carlo_draws_are_seeded_and_follow_the_documented_spreads():
    base, provinces = scenario(), ["11", "12"]
    first = draw_sample(7, seed=1, distributions=DEFAULT_DISTRIBUTIONS, scenario=base, provinces=provinces)
    assert first == draw_sample(7, 1, DEFAULT_DISTRIBUTIONS, base, provinces)
    assert first != draw_sample(7, 2, DEFAULT_DISTRIBUTIONS, base, provinces)
    _, few = build_cases(base, {}, 3, 1, DEFAULT_DISTRIBUTIONS, provinces)
    _, many = build_cases(base, {}, 10, 1, DEFAULT_DISTRIBUTIONS, provinces)
    assert many[:3] == few  # sample i does not depend on how many are drawn: extending a sweep reuses the cache
    draws = pd.DataFrame([draw_sample(i, 0, DEFAULT_DISTRIBUTIONS, base, provinces) for i in range(400)])
    capex = draws["gerai.capex_idr"] / base.gerai.capex_idr  # lognormal, mean 1, sd 20 %
    assert capex.mean() == pytest.approx(1.0, abs=0.03) and capex.std() == pytest.approx(0.20, abs=0.03)
    radius = draws["kanal.radius_km"] / base.kanal.radius_km  # uniform +-30 %
    assert radius.min() >= 0.7 and radius.max() <= 1.3 and radius.max() - radius.min() > 0.55
    assert {"workers_informal_factor.11", "workers_informal_factor.12"} <= set(draws.columns)


def test_a_varied_key_is_not_sampled():
    columns, cases = build_cases(scenario(), {"gerai.radius_km": [10.0]}, 2, 0, DEFAULT_DISTRIBUTIONS, ["11"])
    assert columns.count("gerai.radius_km") == 1 and all(dict(c.values)["gerai.radius_km"] == 10.0 for c in cases)


def test_informal_worker_factors_multiply_nationally_and_by_province_capped_at_population():
    scaled = scale_workers(dataset(), [("*", 1.1), ("12", 2.0)]).regions.set_index("region_code")
    assert scaled.loc["11.01", "workers_informal"] == pytest.approx(330_000)
    assert scaled.loc["12.04", "workers_informal"] == pytest.approx(500_000)  # 2.2 x 250k capped at 2 x 250k
    assert dataset().regions["workers_informal"].iloc[0] == 300_000  # input untouched


def test_the_input_hash_changes_with_scenario_data_factors_and_solver_settings():
    base, settings = scenario(), SolverSettings()
    key = input_hash(input_identity(base, "data", (), settings))
    assert key == input_hash(input_identity(scenario(), "data", (), SolverSettings()))
    assert key != input_hash(input_identity(base.with_overrides(["budget_scale=1.1"]), "data", (), settings))
    assert key != input_hash(input_identity(base, "other data", (), settings))
    assert key != input_hash(input_identity(base, "data", (("11", 1.1),), settings))
    assert key != input_hash(input_identity(base, "data", (), SolverSettings(gap=0.01)))


# --- running sweeps -------------------------------------------------------------------------------------

def test_sweep_csv_has_a_row_per_scenario_and_the_documented_columns(serial_grid):
    result, out = serial_grid
    header = (out / "sweep.csv").read_text().splitlines()[0].split(",")
    assert header[:10] == ["budget_scale", "gerai.radius_km", "status", "reason", "gap", "objective",
                           "workers_reached_final", "new_gerai", "new_kanal", "spend_idr"]
    assert len(result.table) == 4 and set(result.table["status"]) == {"optimal"}
    assert (result.table["new_gerai"] == 4).all() and (result.table["new_kanal"] == 6).all()
    assert (out / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    assert result.cached == 0 and result.solved == 4


def test_worker_years_reached_do_not_fall_as_the_budget_grows_within_the_reported_gaps(serial_grid):
    table = serial_grid[0].table
    for _, series in table.groupby("gerai.radius_km"):
        series = series.sort_values("budget_scale")
        objective, gap = series["objective"].to_numpy(), series["gap"].to_numpy()
        # a larger budget only relaxes the plan: its optimum is at least the smaller budget's plan
        assert np.all(objective[1:] * (1 + gap[1:]) >= objective[:-1] * (1 - 1e-9))
        assert objective[-1] > objective[0]  # twice the money opens gerai earlier: more worker-years


def test_an_interrupted_sweep_resumes_from_the_cache_and_gives_the_same_bytes(serial_grid, tmp_path):
    seen = []

    def stop_after_two(state):
        seen.append(state.done)
        if state.done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(scenario(), GRID, out=tmp_path, regions=dataset(), workers=0, progress=stop_after_two)
    stored = sorted((tmp_path / "cache").glob("*.json"))
    assert len(stored) == 2 and not (tmp_path / "sweep.csv").exists()
    assert not list((tmp_path / "cache").glob(".*partial"))
    stored[1].write_text("{ half a reco")  # a damaged file is solved again, not trusted
    resumed = run_sweep(scenario(), GRID, out=tmp_path, regions=dataset(), workers=0)
    assert (resumed.cached, resumed.solved) == (1, 3)
    assert (tmp_path / "sweep.csv").read_bytes() == (serial_grid[1] / "sweep.csv").read_bytes()
    again = run_sweep(scenario(), GRID, out=tmp_path, regions=dataset(), workers=0)
    assert (again.cached, again.solved) == (4, 0)
    assert (tmp_path / "sweep.csv").read_bytes() == (serial_grid[1] / "sweep.csv").read_bytes()


def test_failed_scenarios_are_recorded_with_their_reason_and_do_not_stop_the_others(tmp_path):
    vary = {"budget_scale": [0.5, 1.0]}
    result = run_sweep(scenario(), vary, out=tmp_path, regions=dataset(), workers=0)
    rows = result.table.set_index("budget_scale")
    assert rows.loc[0.5, "status"] == "infeasible" and "infeasible" in rows.loc[0.5, "reason"]
    assert "budget" in rows.loc[0.5, "reason"] and pd.isna(rows.loc[0.5, "objective"])
    assert rows.loc[1.0, "status"] == "optimal" and result.failed == 1
    assert run_sweep(scenario(), vary, out=tmp_path, regions=dataset(), workers=0).cached == 2
    line = (tmp_path / "sweep.csv").read_text().splitlines()[1]
    assert line.startswith("0.5,infeasible,") and ",,,,,,," in line  # empty numbers, not 0 or nan


def test_a_plan_without_a_solution_in_time_is_recorded_as_no_solution(tmp_path, monkeypatch):
    import importlib

    from planner.errors import SolverError

    plan_module = importlib.import_module("planner.allocation.plan")

    def no_plan(*args, **kwargs):
        raise SolverError("highs found no plan within 0.001 s; raise --time-limit or loosen the scenario.")

    monkeypatch.setattr(plan_module, "plan", no_plan)
    result = run_sweep(scenario(), {"budget_scale": [1.0]}, out=tmp_path, regions=dataset(), workers=0)
    assert result.table["status"].tolist() == ["no_solution"]
    assert "time-limit" in result.table["reason"].iloc[0]
    # no plan in time depends on the machine and the solver: not cached, tried again on the next run
    assert run_sweep(scenario(), {"budget_scale": [1.0]}, out=tmp_path, regions=dataset(), workers=0).cached == 0


def test_monte_carlo_gives_a_robustness_table_and_map(tmp_path):
    result = run_sweep(scenario().with_overrides(["budget_scale=2"]), {}, samples=4, seed=5, out=tmp_path,
                       regions=dataset(), workers=0)
    table = result.robustness
    assert list(table["region_code"]) == sorted(dataset().regions["region_code"])
    assert (table["runs"] == 4).all() and table["share_new_gerai"].between(0, 1).all()
    # 4 new gerai per run: at most 4 regencies per run get one, at least 1
    assert 4 >= (table["share_new_gerai"] * 4).sum() / 4 >= 1
    opened = table[table["share_new_gerai"] > 0]
    assert opened["first_year_mean"].between(2014, 2016).all()
    assert table.loc[table["share_new_gerai"] == 0, "first_year_mean"].isna().all()
    assert (tmp_path / "robustness.png").read_bytes()[:4] == b"\x89PNG"
    assert "sample" in result.table.columns and "workers_informal_factor.12" in result.table.columns
    manifest = json.loads((tmp_path / "sweep.json").read_text())
    assert manifest["samples"] == 4 and manifest["seed"] == 5


@pytest.mark.slow  # starting two worker processes that import planner takes 10-20 s on 2 busy cores
def test_a_local_dask_cluster_gives_the_same_table_as_in_process(serial_grid, tmp_path):
    result = run_sweep(scenario(), GRID, out=tmp_path, regions=dataset(), workers=2)
    assert result.solved == 4
    assert (tmp_path / "sweep.csv").read_bytes() == (serial_grid[1] / "sweep.csv").read_bytes()


def test_an_existing_dask_scheduler_runs_the_same_code_path_and_gives_the_same_rows(serial_grid, tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = run_sweep(scenario(), {"budget_scale": [1.0, 2.0], "gerai.radius_km": [20.0]}, out=tmp_path,
                           regions=dataset(), scheduler=cluster.scheduler_address)
    assert result.solved == 2
    serial = serial_grid[0].table
    expected = serial[serial["budget_scale"].isin([1.0, 2.0]) & (serial["gerai.radius_km"] == 20.0)]
    pd.testing.assert_frame_equal(result.table, expected.reset_index(drop=True))


def test_an_unreachable_scheduler_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setattr("planner.sweep.executor.CONNECT_TIMEOUT", "1s")
    with pytest.raises(InputError, match="cannot connect"):
        run_sweep(scenario(), {"budget_scale": [1.0]}, out=tmp_path, regions=dataset(),
                  scheduler="tcp://127.0.0.1:9")


# --- command line ---------------------------------------------------------------------------------------

def test_the_command_line_sweeps_resumes_and_says_how_many_were_cached(tmp_path, capsys):
    regions_file, scenario_file, out = tmp_path / "tiny.gpkg", tmp_path / "tiny.toml", tmp_path / "sweep"
    tiny = dataset()
    tiny.regions.to_file(regions_file, layer="regions", driver="GPKG")
    tiny.provinces.to_file(regions_file, layer="provinces", driver="GPKG")
    scenario_file.write_text(scenario().to_toml())
    command = ["sweep", str(scenario_file), "--regions", str(regions_file), "--vary", "budget_scale=1:2:2",
               "--workers", "0", "--quiet", "--out", str(out)]
    assert main(command) == 0
    assert "0 from the cache, 2 solved now; 2 optimal" in capsys.readouterr().out
    assert main(command) == 0
    assert "2 from the cache, 0 solved now" in capsys.readouterr().out
    assert (out / "sweep.csv").read_text().splitlines()[1].startswith("1,optimal,")


def test_the_command_line_rejects_a_range_without_count_with_exit_code_2(tmp_path, capsys):
    assert main(["sweep", "--vary", "budget_scale=0.6:1.4", "--out", str(tmp_path / "s")]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("planner: error: --vary budget_scale=0.6:1.4:") and message.count("\n") == 0
