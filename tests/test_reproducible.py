"""Reproducible: the same inputs give byte-identical tables, summary.json records what re-creates them, and
``planner run --check-manifest DIR`` re-runs a recorded plan and says what matches and what differs."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy
import pandas as pd
import pytest
from conftest import REPO, tiny_dataset, tiny_scenario

from planner.allocation.manifest import comparable_summary
from planner.cli import main
from planner.regions import default_dataset_path
from planner.scenario import scenario_from_dict, write_scenario

TABLES = ("allocation.csv", "reach.csv", "budget.csv")


@pytest.fixture
def tiny_files(tmp_path):
    regions, scenario = tmp_path / "tiny.gpkg", tmp_path / "tiny.toml"
    dataset = tiny_dataset([100_000, 90_000, 80_000, 40_000], ["11", "11", "12", "12"])
    dataset.regions.to_file(regions, layer="regions", driver="GPKG")
    dataset.provinces.to_file(regions, layer="provinces", driver="GPKG")
    write_scenario(tiny_scenario(**{"gerai.target": 3, "kanal.target": 4, "gerai.opex_idr_per_year": 2e8,
                                    "budget_idr": [2.5e9, 4e9]}), scenario)
    return regions, scenario


def run(tiny_files, out: Path, *extra: str) -> int:
    regions, scenario = tiny_files
    return main(["run", str(scenario), "--regions", str(regions), "--out", str(out), "--no-report", "--quiet",
                 *extra])


def summary_of(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_same_results(first: Path, second: Path) -> None:
    for name in TABLES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert comparable_summary(summary_of(first)) == comparable_summary(summary_of(second))


def test_two_runs_give_byte_identical_tables_and_summaries_equal_but_for_timings(tiny_files, tmp_path):
    assert run(tiny_files, tmp_path / "a") == 0 and run(tiny_files, tmp_path / "b") == 0
    assert_same_results(tmp_path / "a", tmp_path / "b")
    timings = [key for key in summary_of(tmp_path / "a") if key.endswith("_seconds")]
    assert {"build_seconds", "solve_seconds", "total_seconds"} <= set(timings)


def test_the_manifest_records_input_hashes_scenario_hash_versions_and_seed(tiny_files, tmp_path):
    regions, _ = tiny_files
    assert run(tiny_files, tmp_path / "a", "--seed", "7") == 0
    summary = summary_of(tmp_path / "a")
    manifest = summary["manifest"]
    assert manifest["inputs"] == {str(regions): sha256(regions)}
    assert manifest["scenario_sha256"] == scenario_from_dict(summary["scenario"]).sha256()
    assert manifest["versions"] == installed_versions() and manifest["seed"] == 7
    assert manifest["versions"]["numpy"] == numpy.__version__ and manifest["versions"]["pandas"] == pd.__version__


def installed_versions() -> dict[str, str]:
    """What the manifest should record, read independently: the interpreter and each distribution's metadata."""
    found = {"python": ".".join(str(part) for part in sys.version_info[:3])}
    for package in ("planner", "pulp", "highspy", "numpy", "scipy", "pandas", "geopandas", "shapely"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def test_summary_json_is_strict_json(tiny_files, tmp_path):
    assert run(tiny_files, tmp_path / "a") == 0
    text = (tmp_path / "a" / "summary.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=lambda name: pytest.fail(f"summary.json holds {name}, which is not JSON"))


def check(folder: Path, capsys) -> tuple[int, str, str]:
    code = main(["run", "--check-manifest", str(folder), "--quiet"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_manifest_reruns_the_recorded_plan_and_finds_it_identical(tiny_files, tmp_path, capsys):
    assert run(tiny_files, tmp_path / "a") == 0
    capsys.readouterr()
    code, out, err = check(tmp_path / "a", capsys)
    assert code == 0, err
    assert "sha256 as recorded" in out and "versions: as recorded" in out
    for name in (*TABLES, "summary.json (timings left out)"):
        assert f"{name}: identical" in out, name
    assert "reproduced" in out and not list(tmp_path.glob(".a.*"))


def test_check_manifest_names_a_table_that_differs_and_exits_6(tiny_files, tmp_path, capsys):
    assert run(tiny_files, tmp_path / "a") == 0
    budget = tmp_path / "a" / "budget.csv"
    budget.write_text(budget.read_text(encoding="utf-8").replace("2015,", "2015,1", 1), encoding="utf-8")
    capsys.readouterr()
    code, out, err = check(tmp_path / "a", capsys)
    assert code == 6
    assert "budget.csv: differs (first at line 3)" in out and "allocation.csv: identical" in out
    assert [line for line in err.splitlines() if line.startswith("planner: error:")] == [
        f"planner: error: {tmp_path / 'a'}: re-running the recorded plan gives a different budget.csv; compare "
        "the lines above and the versions."]


def test_check_manifest_exits_2_when_an_input_changed_or_is_missing(tiny_files, tmp_path, capsys):
    regions, _ = tiny_files
    assert run(tiny_files, tmp_path / "a") == 0
    shutil.copy(regions, tmp_path / "kept.gpkg")
    with open(regions, "ab") as stream:
        stream.write(b"\0")
    capsys.readouterr()
    code, _, err = check(tmp_path / "a", capsys)
    assert code == 2 and f"{regions}: input file changed since the run" in err and "Traceback" not in err
    regions.unlink()
    code, _, err = check(tmp_path / "a", capsys)
    assert code == 2 and f"{regions}: input file of the run in" in err and "is missing" in err
    shutil.copy(tmp_path / "kept.gpkg", regions)
    assert check(tmp_path / "a", capsys)[0] == 0


def test_check_manifest_exits_2_when_the_recorded_scenario_was_edited(tiny_files, tmp_path, capsys):
    assert run(tiny_files, tmp_path / "a") == 0
    summary = summary_of(tmp_path / "a")
    summary["scenario"]["budget_scale"] = 2.0
    (tmp_path / "a" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    capsys.readouterr()
    code, _, err = check(tmp_path / "a", capsys)
    assert code == 2 and "field 'scenario' hashes to" in err and "not the recorded scenario_sha256" in err


def test_check_manifest_refuses_run_options_it_would_ignore(tiny_files, tmp_path, capsys):
    regions, _ = tiny_files
    assert run(tiny_files, tmp_path / "a") == 0
    capsys.readouterr()
    assert main(["run", "--check-manifest", str(tmp_path / "a"), "--regions", str(regions)]) == 2
    assert "--regions cannot be combined with it" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--check-manifest", str(tmp_path / "a"), "--out", str(tmp_path / "b")])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.slow
def test_the_default_plan_is_byte_identical_twice_and_passes_its_manifest_check(tmp_path):
    folders = [tmp_path / "first", tmp_path / "second"]
    for folder in folders:
        result = subprocess.run([sys.executable, "-m", "planner.cli", "run", "--no-report", "--quiet", "--out",
                                 str(folder)], capture_output=True, text=True, check=False, cwd=REPO, timeout=900)
        assert result.returncode == 0, result.stderr
    assert_same_results(*folders)
    if (folders[0] / "sites.csv").exists():
        assert (folders[0] / "sites.csv").read_bytes() == (folders[1] / "sites.csv").read_bytes()
    manifest = summary_of(folders[0])["manifest"]
    assert manifest["inputs"] == {str(default_dataset_path()): sha256(default_dataset_path())}
    result = subprocess.run([sys.executable, "-m", "planner.cli", "run", "--check-manifest", str(folders[0]),
                             "--quiet"], capture_output=True, text=True, check=False, cwd=REPO, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "allocation.csv: identical" in result.stdout and "reach.csv: identical" in result.stdout
