"""Scenario sweeps and sensitivity: grids of scenarios and Monte Carlo of uncertain inputs, on Dask.

``run_sweep`` turns a base scenario, the keys to vary and a number of Monte Carlo samples into cases
(``planner.sweep.specs``), solves each with the public ``planner.plan`` (``planner.sweep.executor``: in this
process, on a LocalCluster or on an existing cluster) and stores each result under its input hash as soon as
it finishes (``planner.sweep.cache``), so an interrupted sweep resumes where it stopped. Plans, infeasible
scenarios and input errors are stored; ``no_solution`` (time limit, solver failure) and unexpected errors
are shown in ``sweep.csv`` but tried again on the next run. Outputs in ``out``:

``sweep.csv``       one row per scenario: one column per varied key (named as the key), ``sample`` and the
                    sampled keys for a Monte Carlo, then status, reason, gap, objective, workers_reached_final,
                    new_gerai, new_kanal, spend_idr, budget_idr (plan total, IDR), baseline_workers_reached_final
                    and baseline_objective (one gerai per regency), input_hash. Sorted, fixed float format, no
                    timestamps: the same sweep gives the same bytes.
``frontier.png``    workers reached in the final year, and the objective, vs total budget, with the
                    one-gerai-per-regency baseline.
``robustness.csv``  (Monte Carlo) per regency: share of solved runs (all grid points pooled) in which it gets
                    at least one new gerai, mean and median first year it gets one (over those runs).
``robustness.png``  (Monte Carlo) map of that share.
``sweep.json``      what the sweep was (base scenario hash, varied keys, samples, seed, distributions, data
                    hash, solver settings).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.allocation.plan import DEFAULT_GAP, DEFAULT_TIME_LIMIT
from planner.errors import InputError
from planner.regions import RegionDataset, as_dataset
from planner.scenario import Scenario, load_scenario
from planner.sweep.cache import (
    SolverSettings,
    atomic_write_bytes,
    cache_dir,
    dataset_sha256,
    input_hash,
    input_identity,
    read_record,
    write_record,
)
from planner.sweep.executor import (
    SOLVED,
    SweepProgress,
    Task,
    Tracker,
    dask_client,
    run_dask,
    run_serial,
)
from planner.sweep.specs import DEFAULT_DISTRIBUTIONS, SAMPLE_COLUMN, Case, Distribution, build_cases, check_vary

RESULT_COLUMNS = ["status", "reason", "gap", "objective", "workers_reached_final", "new_gerai", "new_kanal",
                  "spend_idr", "budget_idr", "baseline_workers_reached_final", "baseline_objective", "input_hash"]
ROBUSTNESS_COLUMNS = ["region_code", "region_name", "province_code", "province_name", "runs", "share_new_gerai",
                      "first_year_mean", "first_year_median"]
KEY_FORMAT = "{:.12g}"
VALUE_FORMAT = "{:.6f}"

__all__ = ["SweepResult", "run_sweep"]


@dataclass
class SweepResult:
    """A finished sweep.

    Attributes
    ----------
    table : pandas.DataFrame
        ``sweep.csv`` as a table (one row per scenario).
    robustness : pandas.DataFrame or None
        ``robustness.csv`` (Monte Carlo only).
    paths : dict of str to pathlib.Path
        ``sweep_csv``, ``frontier_png``, ``sweep_json``, ``cache`` and, for a Monte Carlo, ``robustness_csv``,
        ``robustness_png``.
    cached, solved, failed : int
        Scenarios read from the cache, solved in this run, and failed (any source).
    key_columns : list of str
        The case columns (varied keys, ``sample``, sampled keys).
    """

    table: pd.DataFrame
    robustness: pd.DataFrame | None
    paths: dict[str, Path] = field(default_factory=dict)
    cached: int = 0
    solved: int = 0
    failed: int = 0
    key_columns: list[str] = field(default_factory=list)


def _check_out(out: str | Path, workers: int | None) -> Path:
    if workers is not None and workers < 0:
        raise InputError(f"--workers {workers}: give a number of worker processes >= 0 (0 = in this process).")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file, not a folder; give --out a folder (it is created if missing).")
    if not out.resolve().parent.is_dir():
        raise InputError(f"{out.resolve().parent}: folder does not exist; create it or choose another --out.")
    return out  # created with its cache folder once the sweep's inputs are checked


def _tasks(base: Scenario, cases: Sequence[Case], dataset_hash: str,
           settings: SolverSettings) -> tuple[list[str], dict[str, Task]]:
    keys, tasks = [], {}
    for case in cases:
        scenario = base.with_overrides(list(case.overrides))
        key = input_hash(input_identity(scenario, dataset_hash, case.factors, settings))
        keys.append(key)
        tasks.setdefault(key, Task(key, scenario, case.factors))
    return keys, tasks


def _execute(dataset: RegionDataset, pending: list[Task], settings: SolverSettings, workers: int | None,
             scheduler: str | None, on_done: Callable[[Task, dict], None], tracker: Tracker) -> None:
    if not pending:
        tracker.report()
        return
    if workers == 0 and not scheduler:
        tracker.slots = 1
        tracker.restart()
        run_serial(dataset, pending, settings, on_done)
        return
    with dask_client(workers, scheduler) as client:
        tracker.slots = max(1, sum(client.nthreads().values()))
        tracker.restart()
        run_dask(client, dataset, pending, settings, on_done)


def run_sweep(base_scenario: Scenario | str | Path | None = None,
              vary: Mapping[str, Sequence[float] | str] | None = None, samples: int = 0, seed: int = 0, *,
              out: str | Path, regions: RegionDataset | gpd.GeoDataFrame | str | Path | None = None,
              workers: int | None = None, scheduler: str | None = None,
              time_limit: float | None = DEFAULT_TIME_LIMIT, gap: float = DEFAULT_GAP, solver: str = "highs",
              threads: int | None = 1, distributions: Sequence[Distribution] | None = None,
              progress: Callable[[SweepProgress], None] | None = None) -> SweepResult:
    """Solve a grid and/or Monte Carlo of scenarios, resumably, and write the sweep's tables and charts.

    Parameters
    ----------
    base_scenario : Scenario, path or None
        Scenario every case starts from; None = the default ``bpjs-2014``.
    vary : mapping of str to list of numbers or SPEC string
        Key -> values (``{"budget_scale": [1.0, 1.2]}`` or ``{"budget_scale": "0.6:1.4:9"}``); several keys
        make a grid (cartesian product). Keys: numeric scenario fields (``gerai.capex_idr``) or
        ``workers_informal_factor[.<province_code>]``.
    samples : int
        Monte Carlo draws of the uncertain inputs per grid point (0 = none).
    seed : int
        Seed of the Monte Carlo (numpy Generator; sample i is the same for any ``samples``).
    out : str or pathlib.Path
        Sweep folder: ``cache/`` with one JSON per finished scenario, and the outputs.
    regions : RegionDataset, GeoDataFrame, path or None
        Region data; None = the embedded default dataset.
    workers : int or None
        Worker processes of a new LocalCluster (None = one per core); 0 = solve serially in this process.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); then ``workers`` is ignored.
    time_limit, gap, solver, threads
        Solver settings of every plan (seconds, fraction, name, threads per plan).
    distributions : sequence of Distribution, optional
        Uncertain inputs of the Monte Carlo; default ``DEFAULT_DISTRIBUTIONS``.
    progress : callable, optional
        Called with a ``SweepProgress`` as scenarios finish (``text_progress_bar()`` draws a bar).

    Returns
    -------
    SweepResult

    Raises
    ------
    planner.errors.InputError
        Unknown key, bad SPEC, --samples with nothing to sample, ``out`` a file, bad scheduler address.

    Examples
    --------
    >>> result = run_sweep(vary={"budget_scale": "1.0:1.4:3"}, out="sweep-out", workers=0)   # doctest: +SKIP
    >>> result.table[["budget_scale", "status", "workers_reached_final"]]                   # doctest: +SKIP
    """
    out = _check_out(out, workers)
    base = base_scenario if isinstance(base_scenario, Scenario) else load_scenario(base_scenario)
    dataset = as_dataset(regions)
    provinces = sorted(dataset.regions["province_code"].unique())
    checked = check_vary(vary or {}, base, provinces)
    distributions = DEFAULT_DISTRIBUTIONS if distributions is None else tuple(distributions)
    columns, cases = build_cases(base, checked, samples, seed, distributions, provinces)
    settings = SolverSettings(solver, time_limit, gap, threads, 0)
    data_hash = dataset_sha256(dataset)
    keys, tasks = _tasks(base, cases, data_hash, settings)
    folder = cache_dir(out)
    records = {key: record for key in tasks if (record := read_record(folder, key)) is not None}
    copies = pd.Series(keys).value_counts().to_dict()
    cached = sum(copies[key] for key in records)
    failed = sum(copies[key] for key, record in records.items() if record["row"]["status"] not in SOLVED)
    tracker = Tracker(len(cases), cached, failed, 1, progress)

    def on_done(task: Task, record: dict) -> None:
        record = {**record, "input_hash": task.key, "inputs": input_identity(task.scenario, data_hash,
                                                                            task.factors, settings)}
        if record.pop("cacheable", True):
            write_record(folder, task.key, record)
        records[task.key] = record
        tracker.finished(record["row"]["status"] not in SOLVED, copies[task.key])

    pending = [task for key, task in tasks.items() if key not in records]
    _execute(dataset, pending, settings, workers, scheduler, on_done, tracker)
    table = sweep_table(columns, cases, keys, records, tasks)
    robustness = robustness_table(dataset, [records[key] for key in keys]) if samples else None
    paths = _write_outputs(out, table, robustness, dataset, columns, checked, base.objective, _manifest(
        base, checked, samples, seed, distributions, data_hash, settings, len(cases)))
    return SweepResult(table, robustness, {**paths, "cache": folder}, cached, tracker.solved,
                       int((~table["status"].isin(SOLVED)).sum()), columns)


def sweep_table(columns: Sequence[str], cases: Sequence[Case], keys: Sequence[str], records: Mapping[str, dict],
                tasks: Mapping[str, Task]) -> pd.DataFrame:
    """One row per case: its key values, then the result columns; sorted by the key columns."""
    rows = []
    for case, key in zip(cases, keys, strict=True):
        row = {**dict(case.values), **records[key]["row"]}
        row["budget_idr"] = float(round(sum(tasks[key].scenario.budgets().values())))
        row["input_hash"] = key
        rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=[*columns, *RESULT_COLUMNS])
    table["reason"] = table["reason"].fillna("").astype(str)
    for column in ("new_gerai", "new_kanal"):
        table[column] = table[column].astype("Int64")
    if columns:
        table = table.sort_values(list(columns), kind="stable")
    return table.reset_index(drop=True)


def robustness_table(dataset: RegionDataset, records: Sequence[dict]) -> pd.DataFrame:
    """Per regency, over the solved runs: share with at least one new gerai, mean/median first such year."""
    solved = [record for record in records if record["row"]["status"] in SOLVED]
    regions = pd.DataFrame(dataset.regions[["region_code", "region_name", "province_code", "province_name"]])
    firsts = pd.DataFrame([(code, year) for record in solved for code, year in record["gerai_first_year"].items()],
                          columns=["region_code", "year"])
    stats = firsts.groupby("region_code")["year"].agg(["count", "mean", "median"])
    table = regions.merge(stats, left_on="region_code", right_index=True, how="left")
    table["runs"] = len(solved)
    table["share_new_gerai"] = table["count"].fillna(0) / len(solved) if solved else np.nan
    table = table.rename(columns={"mean": "first_year_mean", "median": "first_year_median"})
    return table[ROBUSTNESS_COLUMNS].sort_values("region_code").reset_index(drop=True)


def _formatted(table: pd.DataFrame, key_columns: Sequence[str]) -> pd.DataFrame:
    text = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            text[column] = values.fillna("").astype(str)
        else:
            pattern = KEY_FORMAT if column in key_columns else VALUE_FORMAT
            text[column] = [_format_number(value, pattern) for value in values]
    return text


def _format_number(value: object, pattern: str) -> str:
    if pd.isna(value):
        return ""
    if isinstance(value, int | np.integer):
        return str(int(value))
    return pattern.format(float(value))


def csv_bytes(table: pd.DataFrame, key_columns: Sequence[str]) -> bytes:
    """The table as CSV bytes with fixed number formats (keys ``%.12g``, results ``%.6f``)."""
    return _formatted(table, key_columns).to_csv(index=False, lineterminator="\n").encode()


def _manifest(base: Scenario, vary: Mapping, samples: int, seed: int, distributions: Sequence[Distribution],
              data_hash: str, settings: SolverSettings, cases: int) -> dict:
    return {"base_scenario": base.to_dict(), "base_scenario_sha256": base.sha256(), "vary": dict(vary),
            "samples": samples, "seed": seed, "distributions": [asdict(d) for d in distributions] if samples else [],
            "dataset_sha256": data_hash, "solver": asdict(settings), "scenarios": cases}


def _write_outputs(out: Path, table: pd.DataFrame, robustness: pd.DataFrame | None, dataset: RegionDataset,
                   columns: Sequence[str], vary: Mapping, objective: str, manifest: dict) -> dict[str, Path]:
    from planner.sweep.charts import frontier_png, robustness_png

    paths = {"sweep_csv": out / "sweep.csv", "frontier_png": out / "frontier.png", "sweep_json": out / "sweep.json"}
    atomic_write_bytes(paths["sweep_csv"], csv_bytes(table, columns))
    atomic_write_bytes(paths["sweep_json"], (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    grid_keys = [column for column in vary if column in columns]
    atomic_write_bytes(paths["frontier_png"], frontier_png(table, grid_keys, SAMPLE_COLUMN in columns, objective))
    if robustness is not None:
        paths["robustness_csv"] = out / "robustness.csv"
        paths["robustness_png"] = out / "robustness.png"
        atomic_write_bytes(paths["robustness_csv"], csv_bytes(robustness, ["runs"]))
        atomic_write_bytes(paths["robustness_png"], robustness_png(dataset, robustness))
    return paths
