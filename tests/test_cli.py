"""The command line: exit codes, one-sentence errors without tracebacks, outputs written whole or not at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.cli import main
from planner.report.webassets import external_references
from planner.scenario import write_scenario


@pytest.fixture
def tiny_files(tmp_path):
    regions = tmp_path / "tiny.gpkg"
    dataset = tiny_dataset([100_000, 90_000, 80_000])
    dataset.regions.to_file(regions, layer="regions", driver="GPKG")
    dataset.provinces.to_file(regions, layer="provinces", driver="GPKG")
    scenario = tmp_path / "tiny.toml"
    write_scenario(tiny_scenario(**{"gerai.target": 3}), scenario)
    return regions, scenario


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help_lists_the_exit_codes():
    result = subprocess.run([sys.executable, "-m", "planner.cli", "--help"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0
    assert "3  infeasible scenario" in result.stdout and "4  solver failure" in result.stdout


def test_scenario_show_prints_the_commented_default(capsys):
    code, out, _ = run_cli(["scenario", "show"], capsys)
    assert code == 0 and 'name = "bpjs-2014"' in out and "# National target" in out


def test_scenario_check_names_the_bad_value(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("budget_scale = -2\n", encoding="utf-8")
    code, _, err = run_cli(["scenario", "check", str(path)], capsys)
    assert code == 2 and "budget_scale" in err and "Traceback" not in err


def test_run_writes_the_tables_and_summary(tiny_files, tmp_path, capsys):
    regions, scenario = tiny_files
    out = tmp_path / "results"
    code, stdout, _ = run_cli(["run", str(scenario), "--regions", str(regions), "--out", str(out), "--no-report",
                               "--quiet"], capsys)
    assert code == 0, stdout
    assert {p.name for p in out.iterdir()} >= {"allocation.csv", "reach.csv", "budget.csv", "summary.json"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["totals"]["gerai"] == 3
    assert set(summary["manifest"]) == {"inputs", "scenario_sha256", "versions", "seed", "threads", "actuals"}
    assert all(Path(name).is_absolute() for name in summary["manifest"]["inputs"])
    assert "status: optimal" in stdout


def test_run_writes_map_html_and_report_pdf_unless_no_interactive(tiny_files, tmp_path, capsys):
    regions, scenario = tiny_files
    plain, interactive = tmp_path / "plain", tmp_path / "interactive"
    base = ["run", str(scenario), "--regions", str(regions), "--focus", "11", "--quiet"]
    assert run_cli([*base, "--out", str(plain), "--no-interactive"], capsys)[0] == 0
    assert (plain / "report.pdf").read_bytes().startswith(b"%PDF") and (plain / "report.html").is_file()
    assert not (plain / "map.html").exists()
    assert 'href="map.html"' not in (plain / "report.html").read_text(encoding="utf-8")
    assert run_cli([*base, "--out", str(interactive)], capsys)[0] == 0
    html = (interactive / "map.html").read_text(encoding="utf-8")
    assert html.count('"k": "region"') == 3 and external_references(html) == []
    assert 'href="map.html"' in (interactive / "report.html").read_text(encoding="utf-8")


def test_out_that_is_a_file_is_a_user_error(tiny_files, tmp_path, capsys):
    regions, scenario = tiny_files
    blocker = tmp_path / "file.txt"
    blocker.write_text("keep me", encoding="utf-8")
    code, _, err = run_cli(["run", str(scenario), "--regions", str(regions), "--out", str(blocker)], capsys)
    assert code == 2 and "is a file" in err and blocker.read_text() == "keep me"


def test_an_infeasible_run_exits_3_and_leaves_earlier_results_intact(tiny_files, tmp_path, capsys):
    regions, scenario = tiny_files
    out = tmp_path / "results"
    assert run_cli(["run", str(scenario), "--regions", str(regions), "--out", str(out), "--no-report", "--quiet"],
                   capsys)[0] == 0
    before = (out / "allocation.csv").read_bytes()
    code, _, err = run_cli(["run", str(scenario), "--regions", str(regions), "--out", str(out), "--no-report",
                            "--quiet", "--set", "budget_scale=0.001"], capsys)
    assert code == 3 and "infeasible" in err and "IDR" in err
    assert (out / "allocation.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".results")] == []


def test_a_wrong_regions_path_is_one_sentence(tmp_path, capsys):
    code, _, err = run_cli(["run", "--regions", str(tmp_path / "missing.gpkg"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "missing.gpkg: file not found" in err and "Traceback" not in err


def test_an_unknown_set_field_is_one_sentence(tmp_path, capsys):
    code, _, err = run_cli(["run", "--set", "budget_sclae=2", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "unknown field 'budget_sclae'" in err


def test_data_show_summarises_the_default(capsys):
    code, out, _ = run_cli(["data", "show"], capsys)
    assert code == 0 and "514 regions in 38 provinces" in out


def test_run_site_level_writes_the_bound_and_the_sentence(tmp_path, capsys):
    from test_plan_sites import fine_dataset, scenario

    dataset, regions, toml = fine_dataset(), tmp_path / "fine.gpkg", tmp_path / "fine.toml"
    for layer in ("regions", "provinces", "demand", "sites"):
        getattr(dataset, layer).to_file(regions, layer=layer, driver="GPKG")
    write_scenario(scenario(), toml)
    out = tmp_path / "results"
    code, stdout, _ = run_cli(["run", str(toml), "--regions", str(regions), "--out", str(out), "--focus", "11",
                               "--no-interactive", "--quiet", "--site-level", "--site-level-seconds", "20"], capsys)
    assert code == 0, stdout
    block = json.loads((out / "summary.json").read_text())["site_level"]
    assert block["bound"] >= block["objective"] > 0 and block["gap"] >= 0 and block["method"]
    assert f"no plan under these rules reaches more than {block['bound']:,.0f}; this plan" in stdout
    assert 'id="site-level"' in (out / "report.html").read_text(encoding="utf-8")
    code, _, err = run_cli(["run", str(toml), "--regions", str(regions), "--out", str(tmp_path / "no"), "--quiet",
                            "--no-report", "--no-sites", "--site-level"], capsys)
    assert code == 2 and "needs the sites placed" in err
