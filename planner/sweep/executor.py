"""Running a sweep's scenarios: one plan per task, serially in-process or on a Dask cluster, with progress.

``solve_case`` is the task: region data + scenario + informal-worker multipliers in, a plain result record
out (never an exception for a scenario that fails: InfeasibleError, SolverError and other errors become
a status and a reason). The same code path serves a LocalCluster and an existing cluster
(``client.submit`` / ``as_completed``); ``workers=0`` runs the tasks one after another in this process.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from planner.errors import InfeasibleError, InputError, PlannerError, SolverError
from planner.regions import RegionDataset
from planner.scenario import Scenario
from planner.sweep.cache import SolverSettings

SOLVED = ("optimal", "feasible", "site_level")
CONNECT_TIMEOUT = "10s"  # to an existing scheduler


@dataclass(frozen=True)
class Task:
    """One scenario to solve: its input hash, scenario and multipliers of informal workers."""

    key: str
    scenario: Scenario
    factors: tuple[tuple[str, float], ...]


def scale_workers(dataset: RegionDataset, factors: Sequence[tuple[str, float]]) -> RegionDataset:
    """A copy of ``dataset`` with ``workers_informal`` multiplied by the national (``"*"``) and province factors.

    Counts are capped at the population (a region cannot have more informal workers than people).
    """
    if not factors:
        return dataset
    by_code = dict(factors)
    regions = dataset.regions.copy()
    multiplier = by_code.get("*", 1.0) * regions["province_code"].map(lambda code: by_code.get(code, 1.0))
    scaled = regions["workers_informal"].to_numpy(float) * multiplier.to_numpy(float)
    regions["workers_informal"] = np.minimum(scaled, regions["population"].to_numpy(float))
    return dataclasses.replace(dataset, regions=regions)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _failure(status: str, reason: str, cacheable: bool = True) -> dict:
    return {"row": {"status": status, "reason": reason}, "gerai_first_year": {}, "cacheable": cacheable}


def solve_case(dataset: RegionDataset, scenario: Scenario, factors: Sequence[tuple[str, float]],
               settings: SolverSettings) -> dict:
    """Plan one scenario and return its record (row of ``sweep.csv`` + first gerai year per regency).

    Returns
    -------
    dict
        ``row`` (status, reason, gap, objective, workers_reached_final, new_gerai, new_kanal, spend_idr,
        baseline_workers_reached_final, baseline_objective), ``gerai_first_year`` (region_code -> year),
        ``seconds`` and ``cacheable`` (False for ``no_solution`` and unexpected errors, which are retried when the
        sweep is run again; plans, infeasible scenarios and input errors are final).
    """
    from planner.allocation.plan import plan

    began = time.perf_counter()
    try:
        result = plan(scale_workers(dataset, factors), scenario, solver=settings.solver,
                      time_limit=settings.time_limit, gap=settings.gap, threads=settings.threads, seed=settings.seed)
    except InfeasibleError as error:
        record = _failure("infeasible", str(error))
    except SolverError as error:  # a time limit or a solver failure depends on the machine: retried next run
        record = _failure("no_solution", str(error), cacheable=False)
    except (InputError, PlannerError) as error:
        record = _failure("error", str(error))
    except Exception as error:  # a bug in one scenario must not stop the others
        record = _failure("error", f"{type(error).__name__}: {error}", cacheable=False)
    else:
        summary = result.summary
        new = result.allocation[(result.allocation["kind"] == "gerai") & (result.allocation["new"] > 0)]
        first = new.groupby("region_code")["year"].min()
        record = {"row": {
            "status": summary.status, "reason": "", "gap": _finite(summary.gap),
            "objective": _finite(summary.objective),
            "workers_reached_final": _finite(summary.workers_reached_final),
            "new_gerai": int(summary.totals["gerai"]), "new_kanal": int(summary.totals["kanal"]),
            "spend_idr": _finite(summary.spend_idr),
            "baseline_workers_reached_final": _finite(
                summary.comparison.workers_reached_final),
            "baseline_objective": _finite(summary.comparison.objective),
        }, "gerai_first_year": {str(code): int(year) for code, year in first.items()}, "cacheable": True}
    record["seconds"] = time.perf_counter() - began
    return record


@dataclass(frozen=True)
class SweepProgress:
    """Where a sweep stands (scenarios), for a progress bar.

    Attributes
    ----------
    total, cached, done, failed, running : int
        Scenarios in the sweep; read from the cache; finished (cached included); failed (of done);
        being solved now.
    elapsed_seconds : float
        Wall time since solving began, s.
    eta_seconds : float or None
        Estimated seconds left (None until one scenario was solved in this run).
    """

    total: int
    cached: int
    done: int
    failed: int
    running: int
    elapsed_seconds: float
    eta_seconds: float | None

    def render(self, width: int = 24) -> str:
        """One line: bar, done / total, running, failed, cached and time left."""
        filled = round(width * self.done / self.total) if self.total else width
        left = "?" if self.eta_seconds is None else _duration(self.eta_seconds)
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} done, {self.running} running, "
                f"{self.failed} failed, {self.cached} cached, {left} left")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def text_progress_bar(stream: TextIO = sys.stderr) -> Callable[[SweepProgress], None]:
    """A progress callback drawing ``SweepProgress.render()`` on ``stream`` (redrawn in place on a terminal)."""
    interactive = stream.isatty()

    def show(state: SweepProgress) -> None:
        line = state.render()
        finished = state.done == state.total
        if interactive:
            stream.write("\r" + line + ("\n" if finished else ""))
        else:
            stream.write(line + "\n")
        stream.flush()

    return show


class Tracker:
    """Counts finished scenarios and reports ``SweepProgress`` to a callback."""

    def __init__(self, total: int, cached: int, failed: int, slots: int,
                 callback: Callable[[SweepProgress], None] | None) -> None:
        self.total, self.cached, self.done, self.failed = total, cached, cached, failed
        self.slots, self.solved, self.callback = slots, 0, callback
        self.began = time.perf_counter()

    def finished(self, failed: bool, copies: int = 1) -> None:
        """Record ``copies`` finished scenarios (duplicates of one input share a solve)."""
        self.done += copies
        self.solved += copies
        self.failed += copies if failed else 0
        self.report()

    def restart(self) -> None:
        """Start the clock now (solving begins) and report."""
        self.began = time.perf_counter()
        self.report()

    def report(self) -> None:
        """Send the current state to the callback."""
        if self.callback is None:
            return
        elapsed = time.perf_counter() - self.began
        remaining = self.total - self.done
        eta = None if not self.solved else elapsed / self.solved * remaining
        self.callback(SweepProgress(self.total, self.cached, self.done, self.failed,
                                    min(remaining, self.slots), elapsed, eta))


def run_serial(dataset: RegionDataset, tasks: Sequence[Task], settings: SolverSettings,
               on_done: Callable[[Task, dict], None]) -> None:
    """Solve ``tasks`` one after another in this process, calling ``on_done(task, record)`` after each."""
    for task in tasks:
        on_done(task, solve_case(dataset, task.scenario, task.factors, settings))


@contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator:
    """A ``dask.distributed.Client``: to ``scheduler`` when given, else to a new LocalCluster of ``workers``
    single-threaded worker processes (closed on exit)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({error}); check the address "
                             "(e.g. tcp://host:8786) or omit --scheduler to start a local cluster.") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_dask(client, dataset: RegionDataset, tasks: Sequence[Task], settings: SolverSettings,
             on_done: Callable[[Task, dict], None]) -> None:
    """Solve ``tasks`` on the cluster behind ``client``; ``on_done(task, record)`` runs here as each finishes.

    The region data is sent to every worker once. A task whose worker dies is retried by Dask; one that
    still fails is recorded as an error that is not cached (it is retried when the sweep is run again).
    """
    from dask.distributed import as_completed

    data = client.scatter(dataset, broadcast=True)
    futures = {client.submit(solve_case, data, task.scenario, task.factors, settings,
                             key=f"planner-sweep-{task.key}"): task for task in tasks}
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                record = future.result()
            except Exception as error:  # e.g. KilledWorker: the machinery failed, not the scenario
                record = _failure("error", f"{type(error).__name__}: {error}", cacheable=False)
                record["seconds"] = 0.0
            on_done(task, record)
    finally:
        client.cancel(list(futures))
