"""Bad input, one table: every kind of bad file, field or value the CLI can meet, with its exact behaviour.

Each row runs ``planner`` in-process (``planner.cli.main``) on tiny files written for it and asserts: the exit
code (2 user error, 3 infeasible scenario), exactly one line on stderr starting ``planner: error:``, one
sentence naming the file, field and value (the row's ``says``), and no traceback. Two rows also run as a real
subprocess. ``python tests/test_bad_input.py`` prints the table as Markdown with the real messages (the
README section "Bad input" is made from it).

Loader-level tests of the same checks (``test_regions.py``, ``test_scenario.py``, ``test_data_import.py``)
stay where they are; this table is about what a user of the command line sees.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from conftest import REPO, tiny_dataset, tiny_scenario
from shapely.geometry import Polygon, box

from planner.cli import main
from planner.scenario import Lock, write_scenario

WORKERS = [100_000, 90_000, 80_000]  # three regencies 11.01-11.03 in province 11


# ------------------------------------------------------------------------------------------ file builders


def tiny_files(folder: Path) -> tuple[Path, Path]:
    """A valid tiny dataset ``tiny.gpkg`` (3 regencies) and scenario ``tiny.toml`` (3 gerai) in ``folder``."""
    regions, scenario = folder / "tiny.gpkg", folder / "tiny.toml"
    if not regions.exists():
        dataset = tiny_dataset(WORKERS)
        dataset.regions.to_file(regions, layer="regions", driver="GPKG")
        dataset.provinces.to_file(regions, layer="provinces", driver="GPKG")
        write_scenario(tiny_scenario(**{"gerai.target": 3}), scenario)
    return regions, scenario


def run_args(folder: Path, *extra: str, regions: Path | None = None, scenario: Path | None = None) -> list[str]:
    """``planner run`` on the tiny files (or the given ones), tables only, quiet."""
    tiny_regions, tiny_scenario_file = tiny_files(folder)
    return ["run", str(scenario or tiny_scenario_file), "--regions", str(regions or tiny_regions),
            "--out", str(folder / "out"), "--no-report", "--quiet", *extra]


def bad_regions(edit: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], layer: str = "regions"
                ) -> Callable[[Path], list[str]]:
    """A case whose regions layer is the tiny one after ``edit`` (written without validation)."""

    def build(folder: Path) -> list[str]:
        path = folder / "bad.gpkg"
        with warnings.catch_warnings():  # pyogrio warns when writing a layer without a CRS
            warnings.simplefilter("ignore")
            edit(tiny_dataset(WORKERS).regions.copy()).to_file(path, layer=layer, driver="GPKG")
        return run_args(folder, regions=path)

    return build


def folder_in(parent: Path, name: str) -> Path:
    (parent / name).mkdir()
    return parent / name


def written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def set_value(frame: gpd.GeoDataFrame, column: str, value, row: int = 0) -> gpd.GeoDataFrame:
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    return frame


def scenario_text(text: str, name: str = "bad.toml") -> Callable[[Path], list[str]]:
    """A case whose scenario file has ``text`` (laid over the default scenario)."""

    def build(folder: Path) -> list[str]:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return run_args(folder, scenario=path)

    return build


def scenario_bytes(data: bytes) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        (folder / "bad.toml").write_bytes(data)
        return run_args(folder, scenario=folder / "bad.toml")

    return build


def tiny_scenario_with(**changes) -> Callable[[Path], list[str]]:
    """A case whose scenario is the tiny one with top-level fields replaced (``locks=...``)."""

    def build(folder: Path) -> list[str]:
        path = folder / "bad.toml"
        write_scenario(tiny_scenario(**{"gerai.target": 3}).replace(**changes), path)
        return run_args(folder, scenario=path)

    return build


def csv_file(option: str, text: str | bytes, name: str) -> Callable[[Path], list[str]]:
    """A case with a CSV given by ``--actuals`` (option ``actuals``) or ``--set existing_outlets_csv=``."""

    def build(folder: Path) -> list[str]:
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        if option == "actuals":
            return run_args(folder, "--actuals", str(path))
        return run_args(folder, "--set", f"existing_outlets_csv={path}")

    return build


def out_under_a_file(folder: Path) -> list[str]:
    (folder / "somefile").write_text("keep me", encoding="utf-8")
    return [*run_args(folder)[:-4], "--out", str(folder / "somefile" / "out"), "--no-report", "--quiet"]


def out_is_a_file(folder: Path) -> list[str]:
    (folder / "report.txt").write_text("keep me", encoding="utf-8")
    return [*run_args(folder)[:-4], "--out", str(folder / "report.txt"), "--no-report", "--quiet"]


def out_in_missing_folder(folder: Path) -> list[str]:
    return [*run_args(folder)[:-4], "--out", str(folder / "nowhere" / "out"), "--no-report", "--quiet"]


def import_without_column(folder: Path) -> list[str]:
    boundaries = folder / "boundaries.gpkg"
    gpd.GeoDataFrame({"kode": ["16.01"], "nama": ["Kabupaten Alpha"]}, geometry=[box(104, -3, 104.5, -2.5)],
                     crs="EPSG:4326").to_file(boundaries, layer="regencies")
    census = folder / "census.csv"
    pd.DataFrame({"REGIONAL_CODE": ["1601"], "TOTAL_POPULATION": [1000]}).to_csv(census, index=False)
    return ["data", "import", "--boundaries", str(boundaries), "--population", str(census),
            "--out", str(folder / "out.gpkg"), "--quiet"]


def import_basics(folder: Path) -> list[str]:
    """``planner data import`` of one valid regency (16.01, 1,000 people) into ``out.gpkg``."""
    boundaries, census = folder / "boundaries.gpkg", folder / "census.csv"
    gpd.GeoDataFrame({"kode": ["16.01"], "nama": ["Kabupaten Alpha"]}, geometry=[box(104, -3, 104.5, -2.5)],
                     crs="EPSG:4326").to_file(boundaries, layer="regencies")
    pd.DataFrame({"REGIONAL_CODE": ["1601"], "REGION": ["ALPHA"], "DISTRICT": ["SATU"],
                  "TOTAL_POPULATION": [1000]}).to_csv(census, index=False)
    return ["data", "import", "--boundaries", str(boundaries), "--population", str(census),
            "--out", str(folder / "out.gpkg"), "--quiet"]


def import_with(option: str, text: str | bytes | None, name: str) -> Callable[[Path], list[str]]:
    """A data import of one regency given ``--grid``/``--sites`` ``name`` holding ``text`` (None: no file)."""

    def build(folder: Path) -> list[str]:
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        elif text is not None:
            path.write_text(text, encoding="utf-8")
        return [*import_basics(folder), option, str(path)]

    return build


def doctored_demand(folder: Path) -> list[str]:
    """The tiny regions with a demand layer whose first regency holds 10 % more people than its population."""
    path = folder / "bad.gpkg"
    dataset = tiny_dataset(WORKERS)
    dataset.regions.to_file(path, layer="regions", driver="GPKG")
    dataset.provinces.to_file(path, layer="provinces", driver="GPKG")
    people = dataset.regions["population"].to_numpy() * [1.1, 1.0, 1.0]
    gpd.GeoDataFrame({"point_id": ["g1", "g2", "g3"], "region_code": dataset.regions["region_code"],
                      "population": people}, geometry=dataset.regions.geometry.representative_point(),
                     crs="EPSG:4326").to_file(path, layer="demand", driver="GPKG")
    return run_args(folder, regions=path)


GRID_HEADER = "lon,lat,population\n"
SITES_HEADER = "code,name,lat,lng\n"


def check_manifest_without_summary(folder: Path) -> list[str]:
    (folder / "results").mkdir()
    return ["run", "--check-manifest", str(folder / "results")]


BOWTIE = Polygon([(100, 0), (100.5, 0.5), (100.5, 0), (100, 0.5)])
ACTUALS_HEADER = "region_code,kind,year,count\n"


@dataclass(frozen=True)
class Case:
    """One kind of bad input: how to make it, the exit code, and what the error sentence must name."""

    id: str
    kind: str
    build: Callable[[Path], list[str]]
    says: tuple[str, ...]
    code: int = 2


CASES = [
    # ---- region data (--regions)
    Case("regions-missing", "regions file missing", lambda f: run_args(f, regions=f / "missing.gpkg"),
         ("missing.gpkg", "file not found")),
    Case("regions-folder", "regions path is a folder", lambda f: run_args(f, regions=folder_in(f, "maps")),
         ("maps", "is a folder")),
    Case("regions-not-gpkg", "regions file is not a GeoPackage (text)",
         lambda f: run_args(f, regions=written(f / "r.gpkg", b"hello")),
         ("r.gpkg", "cannot be read as a GeoPackage")),
    Case("regions-truncated", "regions GeoPackage truncated (half its bytes)",
         lambda f: run_args(f, regions=written(f / "cut.gpkg", tiny_files(f)[0].read_bytes()[:4096])),
         ("cut.gpkg", "cannot be read")),
    Case("regions-no-layer", "regions file has layers but none called 'regions'",
         lambda f: _two_layers(f), ("two.gpkg", "no layer 'regions'", "kabupaten")),
    Case("regions-empty-layer", "regions layer has no rows",
         bad_regions(lambda r: r.iloc[:0]), ("bad.gpkg", "no rows")),
    Case("regions-missing-column", "regions layer lacks a column (workers_informal)",
         bad_regions(lambda r: r.drop(columns="workers_informal")),
         ("bad.gpkg", "missing column 'workers_informal'")),
    Case("regions-no-crs", "regions layer without a coordinate reference system",
         bad_regions(lambda r: r.set_crs(None, allow_override=True)),
         ("bad.gpkg", "no coordinate reference system", "EPSG:4326")),
    Case("regions-duplicate-code", "two regencies with the same region_code",
         bad_regions(lambda r: set_value(r, "region_code", "11.02")),
         ("bad.gpkg", "region_code '11.02' appears more than once")),
    Case("regions-bad-code", "region_code not of the form '16.02'",
         bad_regions(lambda r: set_value(r, "region_code", "1101")), ("bad.gpkg", "region_code", "'1101'")),
    Case("regions-province-mismatch", "province_code is not the region code's first two digits",
         bad_regions(lambda r: set_value(r, "province_code", "12")), ("bad.gpkg", "province_code '12'")),
    Case("regions-invalid-geometry", "self-intersecting (invalid) polygon",
         bad_regions(lambda r: set_value(r, "geometry", BOWTIE)), ("bad.gpkg", "'11.01'", "invalid geometry")),
    Case("regions-empty-geometry", "empty geometry",
         bad_regions(lambda r: set_value(r, "geometry", Polygon())), ("bad.gpkg", "'11.01'", "empty geometry")),
    Case("regions-negative-workers", "negative worker count",
         bad_regions(lambda r: set_value(r, "workers_informal", -5.0)),
         ("bad.gpkg", "workers_informal", "'11.01'", "-5")),
    Case("regions-missing-workers", "missing (empty) worker count",
         bad_regions(lambda r: set_value(r, "workers_informal", None)),
         ("bad.gpkg", "workers_informal", "'11.01'", "is empty")),
    Case("regions-text-workers", "worker count that is text",
         bad_regions(lambda r: set_value(r, "workers_informal", "many")),
         ("bad.gpkg", "workers_informal", "'many'")),
    Case("regions-more-workers-than-people", "more informal workers than people",
         bad_regions(lambda r: set_value(r, "workers_informal", 1e9)),
         ("bad.gpkg", "11.01", "more informal workers")),
    Case("demand-total-differs", "demand layer whose regency total differs from its population",
         doctored_demand, ("bad.gpkg", "layer 'demand'", "'11.01'", "220,000", "200,000", "0.1%")),
    # ---- scenario file and --set
    Case("scenario-missing", "scenario file missing",
         lambda f: run_args(f, scenario=f / "nope.toml"), ("nope.toml", "scenario file not found")),
    Case("scenario-not-toml", "scenario file is not TOML", scenario_text("name = [unclosed\n"),
         ("bad.toml", "not valid TOML")),
    Case("scenario-not-utf8", "scenario file is not UTF-8 text", scenario_bytes(b"name = \"\xff\xfe\"\n"),
         ("bad.toml", "not valid TOML")),
    Case("scenario-unknown-key", "scenario with an unknown key", scenario_text("budget_scael = 1.1\n"),
         ("bad.toml", "unknown key 'budget_scael'")),
    Case("scenario-unknown-nested-key", "scenario with an unknown key in [gerai]",
         scenario_text("[gerai]\ncolour = 'red'\n"), ("bad.toml", "unknown key 'gerai.colour'")),
    Case("scenario-wrong-type", "scenario field of the wrong type", scenario_text("[gerai]\ntarget = 'many'\n"),
         ("bad.toml", "gerai.target", "'many'", "expected int")),
    Case("scenario-negative-budget", "negative budget", scenario_text("budget_idr = [1e9, -5, 1, 1, 1]\n"),
         ("bad.toml", "budget_idr", "-5")),
    Case("scenario-negative-capex", "negative cost", scenario_text("[kanal]\ncapex_idr = -1\n"),
         ("bad.toml", "kanal.capex_idr", "-1")),
    Case("scenario-years-out-of-order", "plan years out of order",
         scenario_text("years = [2014, 2016, 2015, 2017, 2018]\n"),
         ("bad.toml", "'years'", "2016", "consecutive and increasing")),
    Case("scenario-no-years", "no plan years", scenario_text("years = []\nbudget_idr = []\n"),
         ("bad.toml", "'years' is empty")),
    Case("scenario-budget-count", "fewer budgets than years", scenario_text("budget_idr = [1e9, 2e9]\n"),
         ("bad.toml", "budget_idr", "2 values for 5 years")),
    Case("scenario-bad-choice", "a choice field with an unknown value", scenario_text("objective = 'profit'\n"),
         ("bad.toml", "objective", "'profit'", "worker_years")),
    Case("scenario-lock-bad-year", "lock outside the plan years",
         scenario_text('[[locks]]\nregion_code = "16.71"\nkind = "gerai"\nyear = 2030\ncount = 1\n'),
         ("bad.toml", "lock", "2030", "outside the plan years")),
    Case("scenario-lock-bad-kind", "lock of an unknown kind",
         scenario_text('[[locks]]\nregion_code = "16.71"\nkind = "booth"\nyear = 2014\ncount = 1\n'),
         ("bad.toml", "lock", "'booth'", "gerai or kanal")),
    Case("scenario-lock-unknown-regency", "lock on a regency not in the region data",
         tiny_scenario_with(locks=(Lock("99.99", "gerai", 2014, 1),)),
         ("tiny", "locks", "'99.99'", "not in the region data")),
    Case("scenario-target-exceeds-caps", "target larger than the regencies can take",
         lambda f: run_args(f, "--set", "gerai.target=20"),
         ("tiny", "gerai.target 20", "9", "max_new_per_region")),
    Case("scenario-target-exceeds-rollout", "target larger than the yearly rollout capacity allows",
         lambda f: run_args(f, "--set", "gerai.rollout_per_year=1"),
         ("tiny", "gerai.target 3", "rollout_per_year 1")),
    Case("scenario-points-without-points", "reach_model 'points' on a dataset without a points layer",
         lambda f: run_args(f, "--set", "reach_model=points"), ("tiny.gpkg", "reach_model", "'points'")),
    Case("set-unknown-field", "--set on an unknown field", lambda f: run_args(f, "--set", "budget_sclae=2"),
         ("--set budget_sclae", "unknown field 'budget_sclae'")),
    Case("set-wrong-type", "--set with a value of the wrong type",
         lambda f: run_args(f, "--set", "gerai.capex_idr=cheap"), ("gerai.capex_idr", "'cheap'", "float")),
    Case("set-no-equals", "--set without KEY=VALUE", lambda f: run_args(f, "--set", "budget_scale"),
         ("--set 'budget_scale'", "KEY=VALUE")),
    # ---- actuals and existing-outlets CSVs
    Case("actuals-missing", "actuals CSV missing", lambda f: run_args(f, "--actuals", str(f / "gone.csv")),
         ("gone.csv", "actuals file not found")),
    Case("actuals-empty", "actuals CSV empty (0 bytes)", csv_file("actuals", "", "empty.csv"),
         ("empty.csv", "cannot be read as CSV")),
    Case("actuals-binary", "actuals CSV is not text", csv_file("actuals", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
                                                                 "photo.csv"), ("photo.csv", "cannot be read")),
    Case("actuals-missing-column", "actuals CSV without its 'year' column",
         csv_file("actuals", "region_code,kind,count\n11.01,gerai,1\n", "a.csv"), ("a.csv", "missing column 'year'")),
    Case("actuals-bad-count", "actuals row with a count that is not a number",
         csv_file("actuals", ACTUALS_HEADER + "11.01,gerai,2014,two\n", "a.csv"),
         ("a.csv", "row 1", "'count'", "'two'")),
    Case("actuals-negative-count", "actuals row with a negative count",
         csv_file("actuals", ACTUALS_HEADER + "11.01,gerai,2014,-1\n", "a.csv"), ("a.csv", "'count'", "has -1;")),
    Case("actuals-fractional-count", "actuals row with a fractional count",
         csv_file("actuals", ACTUALS_HEADER + "11.01,gerai,2014,1.5\n", "a.csv"), ("a.csv", "'count'", "has 1.5;")),
    Case("actuals-unknown-regency", "actuals row for a regency not in the region data",
         csv_file("actuals", ACTUALS_HEADER + "99.99,gerai,2014,1\n", "a.csv"),
         ("a.csv", "region_code", "'99.99'")),
    Case("actuals-unknown-kind", "actuals row of an unknown kind",
         csv_file("actuals", ACTUALS_HEADER + "11.01,booth,2014,1\n", "a.csv"), ("a.csv", "kind", "'booth'")),
    Case("actuals-year-outside", "actuals row outside the plan years",
         csv_file("actuals", ACTUALS_HEADER + "11.01,gerai,2030,1\n", "a.csv"), ("a.csv", "year 2030", "outside")),
    Case("actuals-empty-code", "actuals row with an empty region_code",
         csv_file("actuals", ACTUALS_HEADER + ",gerai,2014,1\n", "a.csv"),
         ("a.csv", "row 1", "region_code", "empty cell")),
    Case("existing-unknown-kind", "existing-outlets CSV with an unknown kind",
         csv_file("existing", "region_code,kind,count\n11.01,booth,1\n", "e.csv"), ("e.csv", "kind", "'booth'")),
    Case("existing-missing", "existing-outlets CSV missing",
         lambda f: run_args(f, "--set", f"existing_outlets_csv={f / 'gone.csv'}"),
         ("gone.csv", "existing outlets file not found")),
    # ---- output folder
    Case("out-is-a-file", "--out is a file", out_is_a_file, ("report.txt", "is a file")),
    Case("out-under-a-file", "--out inside a path that is a file (somefile/out)", out_under_a_file,
         ("somefile", "not a folder")),
    Case("out-parent-missing", "--out in a folder that does not exist", out_in_missing_folder,
         ("nowhere", "does not exist")),
    # ---- solver options and command line
    Case("gap-out-of-range", "--gap outside [0, 1)", lambda f: run_args(f, "--gap", "1.5"), ("gap", "1.5")),
    Case("time-limit-zero", "--time-limit 0", lambda f: run_args(f, "--time-limit", "0"), ("time limit", "0")),
    Case("time-limit-text", "--time-limit that is not a number", lambda f: run_args(f, "--time-limit", "soon"),
         ("--time-limit", "'soon'")),
    Case("threads-negative", "--threads below 1", lambda f: run_args(f, "--threads", "-2"),
         ("--threads", "-2")),
    Case("solver-unknown", "--solver that is not highs or cbc", lambda f: run_args(f, "--solver", "gurobi"),
         ("--solver", "'gurobi'")),
    # ---- data import and manifest check
    Case("import-missing-column", "data import: census CSV without its DISTRICT column", import_without_column,
         ("census.csv", "missing column 'DISTRICT'")),
    Case("import-boundaries-missing", "data import: boundaries file missing",
         lambda f: ["data", "import", "--boundaries", str(f / "gone.gpkg"), "--population", str(f / "c.csv"),
                    "--out", str(f / "o.gpkg")], ("gone.gpkg", "file not found")),
    Case("import-grid-missing-column", "data import: grid without its population column",
         import_with("--grid", "lon,lat\n104.1,-2.6\n", "grid.csv"), ("grid.csv", "missing column 'population'")),
    Case("import-grid-negative", "data import: grid cell with a negative population",
         import_with("--grid", GRID_HEADER + "104.1,-2.6,-5\n", "grid.csv"),
         ("grid.csv", "'population'", "row 1", "-5", ">= 0")),
    Case("import-grid-text", "data import: grid cell whose population is text",
         import_with("--grid", GRID_HEADER + "104.1,-2.6,many\n", "grid.csv"), ("grid.csv", "'population'", "'many'")),
    Case("import-grid-covers-nothing", "data import: grid far from every regency",
         import_with("--grid", GRID_HEADER + "120.0,10.0,50\n", "grid.csv"),
         ("grid.csv", "none of its 1 cells", "10 km", "same country")),
    Case("import-grid-missing", "data import: grid file missing", import_with("--grid", None, "gone.parquet"),
         ("gone.parquet", "file not found", "population grid")),
    Case("import-grid-unreadable", "data import: grid file that is not Parquet",
         import_with("--grid", b"PAR1 not really", "grid.parquet"), ("grid.parquet", "cannot be read as a Parquet")),
    Case("import-site-far", "data import: site whose code names no regency, far from every polygon",
         import_with("--sites", SITES_HEADER + "X9,Pulau Jauh,-2.7,106.0\n", "sites.csv"),
         ("sites.csv", "'X9'", "row 1", "names no regency", "km", "Kemendagri code")),
    Case("import-site-duplicate", "data import: two sites with the same code",
         import_with("--sites", SITES_HEADER + "16.01.01.2001,A,-2.6,104.1\n16.01.01.2001,B,-2.7,104.2\n",
                     "sites.csv"), ("sites.csv", "'16.01.01.2001' appears more than once", "rows 1, 2")),
    Case("check-manifest-no-summary", "--check-manifest on a folder without summary.json",
         check_manifest_without_summary, ("results", "has no summary.json")),
    # ---- the scenario cannot hold: exit 3
    Case("infeasible-budget", "budget too small for the targets (infeasible, exit 3)",
         lambda f: run_args(f, "--set", "budget_scale=0.001"), ("tiny", "infeasible", "IDR"), code=3),
]


def _two_layers(folder: Path) -> list[str]:
    path = folder / "two.gpkg"
    regions = tiny_dataset(WORKERS).regions
    regions.to_file(path, layer="kabupaten", driver="GPKG")
    regions.to_file(path, layer="kota", driver="GPKG")
    return run_args(folder, regions=path)


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("planner: error:")]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gives_one_sentence_and_its_exit_code(case, tmp_path, capsys):
    argv = case.build(tmp_path)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse exits for malformed command lines
        code = stop.code
    err = capsys.readouterr().err
    assert code == case.code, err
    lines = error_lines(err)
    assert len(lines) == 1, err
    assert "Traceback" not in err
    message = lines[0]
    for text in case.says:
        assert text in message, f"{text!r} not in {message!r}"
    assert message.rstrip().endswith("."), message
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.gpkg").exists()


def test_the_table_has_at_least_twenty_kinds_and_unique_ids():
    assert len(CASES) >= 20
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: file permissions do not stop root (os.access says writable), so a "
                           "read-only --out cannot be made here")
def test_an_output_folder_without_write_permission_is_a_user_error(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code = main([*run_args(tmp_path)[:-4], "--out", str(locked / "out"), "--no-report", "--quiet"])
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err
    assert code == 2 and len(error_lines(err)) == 1 and "not writable" in err


@pytest.mark.parametrize("case_id", ["regions-no-crs", "actuals-bad-count"])
def test_the_real_console_shows_one_line_and_no_traceback(case_id, tmp_path):
    case = next(case for case in CASES if case.id == case_id)
    result = subprocess.run([sys.executable, "-m", "planner.cli", *case.build(tmp_path)], capture_output=True,
                            text=True, check=False, cwd=REPO, timeout=120)
    assert result.returncode == case.code, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(text in lines[0] for text in case.says), lines[0]
    assert result.stdout == ""


def markdown_table(folder: Path) -> str:
    """The table as Markdown (kind, exit code, the message with temporary paths shortened)."""
    import contextlib
    import io

    rows = ["| # | Bad input | Exit | Message (`planner: error: ...`) |", "|---|---|---|---|"]
    for number, case in enumerate(CASES, start=1):
        work = folder / case.id
        work.mkdir()
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(case.build(work))
            except SystemExit as stop:
                code = stop.code
        message = (error_lines(err.getvalue()) or ["?"])[0].removeprefix("planner: error: ")
        message = re.sub(re.escape(str(work.resolve())) + "|" + re.escape(str(work)), "…", message)
        rows.append(f"| {number} | {case.kind} | {code} | {message.replace('|', '&#124;')} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    import tempfile

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as scratch:
        print(markdown_table(Path(scratch)), end="")
