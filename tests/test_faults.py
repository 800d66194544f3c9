"""Faults: interrupted and killed runs, a missing or crashing solver, and a solver stopped before its gap.

Nothing lost, nothing half-written: ``planner run`` writes into a hidden staging folder ``.DIR.partial-PID-*``
and swaps it into place only when complete. These tests send SIGINT and SIGKILL to real ``planner run``
processes in the middle of writing (a writer that pauses inside the staging folder) and, marked slow, in the
middle of solving the default dataset, and check that an earlier ``DIR`` stays byte-identical.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import highspy
import pulp
import pytest
from conftest import REPO, tiny_dataset, tiny_scenario

from planner import pulp_compat
from planner.allocation.plan import plan
from planner.allocation.results import remove_stale_staging, write_results
from planner.cli import main
from planner.errors import SolverError
from planner.scenario import write_scenario

WORKERS = [100_000, 90_000, 80_000]


@pytest.fixture
def tiny_files(tmp_path):
    regions, scenario = tmp_path / "tiny.gpkg", tmp_path / "tiny.toml"
    dataset = tiny_dataset(WORKERS)
    dataset.regions.to_file(regions, layer="regions", driver="GPKG")
    dataset.provinces.to_file(regions, layer="provinces", driver="GPKG")
    write_scenario(tiny_scenario(**{"gerai.target": 3, "kanal.target": 2}), scenario)
    return regions, scenario


def tiny_run(tiny_files, out: Path, *extra: str) -> list[str]:
    regions, scenario = tiny_files
    return ["run", str(scenario), "--regions", str(regions), "--out", str(out), "--no-report", "--quiet", *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("planner: error:")]


# ------------------------------------------------------------------------------- interrupted and killed runs

PAUSING_RUN = textwrap.dedent("""
    import sys, time
    import planner.cli

    def pausing_writers(dataset, focus, lang, interactive, say):
        def write(result, folder):
            (folder / "report.html").write_text("half a report", encoding="utf-8")
            print("PAUSED inside " + folder.name, file=sys.stderr, flush=True)
            time.sleep(120)
        return [write]

    planner.cli._report_writers = pausing_writers
    sys.exit(planner.cli.main(sys.argv[1:]))
""")


def start_and_signal(argv: list[str], marker: str, sig: int, cwd: Path, script: str | None = None,
                     timeout: float = 240) -> tuple[int, str]:
    """Start ``planner`` (or ``script``) with ``argv``, wait for ``marker`` on stderr, send ``sig``, return
    the exit code and all of stderr."""
    command = [sys.executable, "-c", script, *argv] if script else [sys.executable, "-m", "planner.cli", *argv]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=cwd)
    seen = []
    began = time.monotonic()
    try:
        for line in process.stderr:
            seen.append(line)
            if marker in line:
                process.send_signal(sig)
                break
            assert time.monotonic() - began < timeout, "".join(seen)
        seen.append(process.stderr.read())
        return process.wait(timeout=60), "".join(seen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def visible_entries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))


def hidden_entries(folder: Path, name: str) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(f".{name}."))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_run_interrupted_while_writing_leaves_the_earlier_results_intact(sig, tiny_files, tmp_path, capsys):
    out = tmp_path / "results"
    assert main(tiny_run(tiny_files, out)) == 0
    before = snapshot(out)
    listing = visible_entries(tmp_path)
    regions, scenario = tiny_files
    argv = ["run", str(scenario), "--regions", str(regions), "--out", str(out), "--quiet", "--set", "gerai.target=2"]
    code, err = start_and_signal(argv, "PAUSED inside", sig, tmp_path, PAUSING_RUN)
    assert "PAUSED inside .results.partial-" in err  # the writer ran inside the hidden staging folder
    assert snapshot(out) == before
    assert visible_entries(tmp_path) == listing
    if sig == signal.SIGINT:
        assert code == 130 and "earlier results are left as they were" in err and "Traceback" not in err
        assert hidden_entries(tmp_path, "results") == []
    else:
        assert code == -signal.SIGKILL
        left = hidden_entries(tmp_path, "results")
        assert len(left) == 1 and left[0].startswith(".results.partial-")
        # the next run next to it removes the dead run's staging folder and replaces the results whole
        assert main(tiny_run(tiny_files, out, "--set", "gerai.target=2")) == 0
        assert hidden_entries(tmp_path, "results") == []
        assert json.loads((out / "summary.json").read_text())["totals"]["gerai"] == 2
        assert "report.html" not in snapshot(out)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_default_run_stopped_while_solving_leaves_the_earlier_results_intact(sig, tiny_files, tmp_path):
    out = tmp_path / "results"
    assert main(tiny_run(tiny_files, out)) == 0
    before = snapshot(out)
    code, err = start_and_signal(["run", "--out", str(out), "--no-report"], "solving with", sig, tmp_path)
    assert code == (130 if sig == signal.SIGINT else -signal.SIGKILL), err
    assert "Traceback" not in err
    assert snapshot(out) == before
    assert visible_entries(tmp_path) == ["results", "tiny.gpkg", "tiny.toml"]
    assert hidden_entries(tmp_path, "results") == []  # stopped before writing: no staging folder at all


def test_staging_folders_of_running_processes_are_kept_and_dead_ones_removed(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    stale = tmp_path / f".results.partial-{dead}-0a1b2c3d"
    live = tmp_path / f".results.partial-{os.getpid()}-0a1b2c3d"
    other = tmp_path / f".other.partial-{dead}-0a1b2c3d"
    for folder in (stale, live, other):
        folder.mkdir()
    assert remove_stale_staging(out) == [stale]
    assert live.is_dir() and other.is_dir() and out.is_dir()


def test_earlier_results_parked_by_a_killed_swap_are_put_back(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    parked = tmp_path / f".results.previous-{dead}-0a1b2c3d"
    parked.mkdir()
    (parked / "allocation.csv").write_text("earlier", encoding="utf-8")
    remove_stale_staging(tmp_path / "results")
    assert (tmp_path / "results" / "allocation.csv").read_text(encoding="utf-8") == "earlier"


def test_a_writer_failing_midway_leaves_the_earlier_results_and_no_staging(tmp_path):
    result = plan(tiny_dataset(WORKERS), tiny_scenario())
    out = write_results(result, tmp_path / "results")
    before = snapshot(out)

    def broken(result, folder):
        (folder / "report.html").write_text("half", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_results(result, out, [broken])
    assert snapshot(out) == before and os.listdir(tmp_path) == ["results"]


def test_the_results_folder_gets_the_users_umask_not_0700(tmp_path):
    mask = os.umask(0o022)
    try:
        out = write_results(plan(tiny_dataset(WORKERS), tiny_scenario()), tmp_path / "results")
    finally:
        os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o755


# -------------------------------------------------------------------------------------------- solver faults


def test_without_highspy_the_plan_falls_back_to_cbc_with_a_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "highspy", None)  # 'import highspy' now fails everywhere
    with pytest.warns(UserWarning, match="highspy is not installed; falling back to CBC"):
        result = plan(tiny_dataset(WORKERS), tiny_scenario(**{"gerai.target": 3, "kanal.target": 2}))
    assert result.summary["solver"] == "cbc" and result.status == "optimal"
    assert result.summary["totals"] == {"gerai": 3, "kanal": 2}


def test_without_highspy_the_cli_says_so_in_one_warning_line(monkeypatch, tiny_files, tmp_path, capsys):
    import planner.solve

    monkeypatch.setattr(planner.solve, "highs_available", lambda: False)
    code = main(tiny_run(tiny_files, tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("planner: warning:")] == [
        "planner: warning: highspy is not installed; falling back to CBC (pip install highspy for HiGHS)."]
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["solver"] == "cbc"


def crash(*args, **kwargs):
    raise RuntimeError("simulated crash inside HiGHS")


def failure_status(self):
    return highspy.HighsModelStatus.kSolveError


@pytest.mark.parametrize(("patch", "says"), [
    (("run", crash), "HiGHS failed (RuntimeError: simulated crash inside HiGHS)"),
    (("getModelStatus", failure_status), "HiGHS stopped with status kSolveError"),
], ids=["highs-raises", "highs-error-status"])
def test_a_highs_crash_is_a_solver_error_exit_4(patch, says, monkeypatch, tiny_files, tmp_path, capsys):
    monkeypatch.setattr(highspy.Highs, *patch)
    code = main(tiny_run(tiny_files, tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == 4 and "Traceback" not in err
    assert len(error_lines(err)) == 1 and says in err and "--solver cbc" in err
    assert not (tmp_path / "out").exists()


def test_a_cbc_crash_is_a_solver_error_exit_4(monkeypatch, tiny_files, tmp_path, capsys):
    fake = tmp_path / "cbc"
    fake.write_text("#!/bin/sh\nkill -SEGV $$\n", encoding="utf-8")
    fake.chmod(0o755)

    def crashing_cbc(time_limit, gap, log_path, threads, warm_start):
        return pulp.COIN_CMD(path=str(fake), msg=False)

    monkeypatch.setattr(pulp_compat, "cbc_command", crashing_cbc)
    code = main(tiny_run(tiny_files, tmp_path / "out", "--solver", "cbc"))
    err = capsys.readouterr().err
    assert code == 4 and len(error_lines(err)) == 1 and "CBC failed" in err and "Traceback" not in err


def test_no_plan_within_the_time_limit_is_exit_4_with_one_sentence(monkeypatch, tiny_files, tmp_path, capsys):
    import planner.model.strategy as strategy
    from planner.solve import SolveOutcome

    def out_of_time(problem, options=None, **kwargs):  # every solver call ends at its limit without a plan
        return SolveOutcome("no_solution", None, None, None, "highs", 0.5)

    monkeypatch.setattr(strategy, "solve", out_of_time)
    code = main(tiny_run(tiny_files, tmp_path / "out", "--time-limit", "0.5"))
    err = capsys.readouterr().err
    assert code == 4 and error_lines(err) == [
        "planner: error: highs found no plan within 0.5 s; raise --time-limit or loosen the scenario."]


def test_a_solver_stopped_early_with_a_plan_gives_feasible_with_its_gap(monkeypatch, tmp_path, capsys):
    # HiGHS limited to its root node (PLANNER_HIGHS_OPTIONS) stops as a time limit would: with a plan, no proof
    monkeypatch.setenv("PLANNER_HIGHS_OPTIONS", "mip_max_nodes=0")
    workers = [float(w) for w in (61_000, 245_000, 180_000, 12_000, 96_000, 150_000, 33_000, 270_000, 88_000, 5_000)]
    dataset = tiny_dataset(workers, [f"{11 + i % 5}" for i in range(10)])
    path = tmp_path / "mid.gpkg"
    dataset.regions.to_file(path, layer="regions", driver="GPKG")
    scenario = tmp_path / "mid.toml"
    write_scenario(tiny_scenario(**{"gerai.target": 5, "kanal.target": 10, "gerai.opex_idr_per_year": 2e8,
                                    "kanal.capex_idr": 3e8, "budget_idr": [4e9, 12e9], "province_min_gerai": 1,
                                    "kanal.max_new_per_region": 4}), scenario)
    code = main(["run", str(scenario), "--regions", str(path), "--out", str(tmp_path / "out"), "--no-report",
                 "--quiet", "--gap", "0"])
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert code == 0
    assert summary["status"] == "feasible" and summary["gap"] > summary["gap_requested"] == 0
    assert summary["bound"] > summary["objective"]
    assert "status: feasible" in out and "note: the solver stopped" in out


def test_plans_asking_for_different_thread_counts_in_one_process_all_solve():
    # HiGHS keeps one thread scheduler per process; asking for another count used to end in 'no plan'
    statuses = [plan(tiny_dataset(WORKERS), tiny_scenario(), threads=threads).status for threads in (None, 1, 2, None)]
    assert statuses == ["optimal"] * 4


def test_highs_refusing_to_run_is_a_solver_error_not_no_plan_in_time(monkeypatch, tiny_files, tmp_path, capsys):
    monkeypatch.setattr(highspy.Highs, "run", lambda self: highspy.HighsStatus.kError)
    code = main(tiny_run(tiny_files, tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == 4 and len(error_lines(err)) == 1 and "HiGHS refused to run" in err


@pytest.mark.parametrize("setting", ["nonsense=1", "mip_max_nodes=many", "output_flag=maybe"])
def test_a_bad_planner_highs_options_variable_is_a_user_error(setting, monkeypatch, tiny_files, tmp_path, capsys):
    monkeypatch.setenv("PLANNER_HIGHS_OPTIONS", setting)
    code = main(tiny_run(tiny_files, tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == 2 and error_lines(err) == [
        f"planner: error: PLANNER_HIGHS_OPTIONS: '{setting}' is not a HiGHS option=value pair of the right type; "
        "fix or unset the variable."]


def test_a_solver_error_from_the_api_carries_exit_code_4(monkeypatch):
    monkeypatch.setattr(highspy.Highs, "run", crash)
    with warnings.catch_warnings(), pytest.raises(SolverError) as raised:
        plan(tiny_dataset(WORKERS), tiny_scenario())
    assert raised.value.exit_code == 4


def test_help_lists_every_exit_code():
    result = subprocess.run([sys.executable, "-m", "planner.cli", "run", "--help"], capture_output=True, text=True,
                            check=False, cwd=REPO)
    for line in ("0  success", "1  internal error", "2  user error", "3  infeasible scenario", "4  solver failure",
                 "6  --check-manifest"):
        assert line in result.stdout, line
