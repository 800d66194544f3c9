"""The public planning API: region data + scenario in, a verified plan with its tables and summary out."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.allocation import baselines
from planner.allocation.evaluate import evaluate
from planner.allocation.results import PlanResult, allocation_table
from planner.allocation.verify import verify_plan
from planner.errors import InfeasibleError, SolverError
from planner.hashing import file_sha256
from planner.inputs import PlanInputs, build_inputs
from planner.model.explain import explain_infeasibility
from planner.model.strategy import AllocationSolution, solve_allocation
from planner.model.variables import count_var_name
from planner.regions import RegionDataset, as_dataset
from planner.scenario import KINDS, Scenario, load_scenario
from planner.siting import place_sites
from planner.solve import SolverOptions, status_and_gap

DEFAULT_TIME_LIMIT = 120.0  # seconds: generous; the default scenario proves 0.1 % in a few seconds
DEFAULT_GAP = 0.001  # 0.1 %
SITE_SECONDS_PER_REGION = 5.0
Progress = Callable[[str], None]


def _scenario(scenario: Scenario | str | Path | None) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def plan_from_solution(inputs: PlanInputs, solution: AllocationSolution) -> pd.DataFrame:
    """New openings ``region_code, kind, year, new`` read from the solution's count variables."""
    existing = inputs.existing.groupby(["region_code", "kind"])["count"].sum()
    rows = []
    for code in inputs.regions["region_code"]:
        for kind in KINDS:
            previous = int(existing.get((code, kind), 0))  # N[t0-1] = existing outlets
            for year in inputs.years:
                value = round(solution.values.get(count_var_name(code, kind, year), 0.0))
                if value != previous:
                    rows.append((code, kind, year, int(value - previous)))
                previous = value
    return pd.DataFrame(rows, columns=["region_code", "kind", "year", "new"])


def versions() -> dict[str, str]:
    """Versions of planner, Python and the libraries that decide a plan."""
    found = {"python": platform.python_version()}
    for package in ("planner", "pulp", "highspy", "numpy", "scipy", "pandas", "geopandas", "shapely"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path and Path(path).is_file() else path or None


def manifest(dataset: RegionDataset, scenario: Scenario, actuals: str | None, seed: int,
             threads: int | None = None) -> dict:
    """What re-creates this plan exactly: input files' hashes (absolute paths), scenario hash, versions,
    solver seed and threads, and which input was the ``--actuals`` file."""
    files = {}
    for path in (dataset.source, scenario.existing_outlets_csv, actuals or scenario.actuals_csv):
        if path and Path(path).is_file():
            files[_absolute(path)] = file_sha256(path)
    return {"inputs": files, "scenario_sha256": scenario.sha256(), "versions": versions(), "seed": seed,
            "threads": threads, "actuals": _absolute(actuals)}


def _baselines(inputs: PlanInputs, plan: pd.DataFrame, evaluated: dict) -> tuple[dict, dict]:
    summaries, reach = {}, {}
    plans = {"one_per_regency": baselines.one_per_regency(inputs, plan),
             "proportional": baselines.proportional(inputs, plan), "greedy": baselines.greedy(inputs)}
    for name, baseline in plans.items():
        result = evaluate(inputs, baseline)
        reach[name] = result["reach"]
        totals = baseline.groupby("kind")["new"].sum()
        summaries[name] = {
            "objective": result["objective"], "workers_reached_final": result["workers_reached_final"],
            "fits_budget": result["fits_budget"], "years_over_budget": result["years_over_budget"],
            "totals": {kind: int(totals.get(kind, 0)) for kind in KINDS},
            "rules_broken": verify_plan(inputs, result["counts"], result["reach"]),
            "gain_objective": evaluated["objective"] - result["objective"],
            "gain_objective_percent": _percent(evaluated["objective"], result["objective"]),
            "gain_workers_final": evaluated["workers_reached_final"] - result["workers_reached_final"],
            "gain_workers_final_percent": _percent(evaluated["workers_reached_final"],
                                                   result["workers_reached_final"]),
        }
    return summaries, reach


def _percent(value: float, reference: float) -> float | None:
    return None if reference <= 0 else 100.0 * (value - reference) / reference


def _budget_table(inputs: PlanInputs, evaluated: dict, solution: AllocationSolution) -> pd.DataFrame:
    budget = evaluated["spend"].copy()
    marginal = [abs(solution.lp_duals.get(f"budget__{year}", float("nan"))) for year in budget["year"]]
    budget["marginal_workers_per_billion_idr"] = marginal
    return budget


def _raise_without_plan(inputs: PlanInputs, solution: AllocationSolution, options: SolverOptions) -> None:
    if solution.status in ("infeasible", "unbounded"):
        reasons = explain_infeasibility(inputs)
        raise InfeasibleError(f"scenario '{inputs.scenario.name}' is infeasible: " + "; ".join(reasons) + ".")
    limit = "no time limit" if options.time_limit is None else f"{options.time_limit:g} s"
    raise SolverError(f"{options.solver} found no plan within {limit}; raise --time-limit or loosen the scenario.")


def plan(regions: RegionDataset | gpd.GeoDataFrame | str | Path | None = None,
         scenario: Scenario | str | Path | None = None, *, solver: str = "highs",
         time_limit: float | None = DEFAULT_TIME_LIMIT, gap: float = DEFAULT_GAP, actuals: str | None = None,
         threads: int | None = None, seed: int = 0, progress: Progress | None = None,
         sites: bool = False) -> PlanResult:
    """Plan where and when to open gerai and kanal, solve to a proven gap, verify and compare with baselines.

    Parameters
    ----------
    regions : RegionDataset, GeoDataFrame, path or None
        Region data; None = the embedded default dataset.
    scenario : Scenario, path or None
        Scenario; None = the default ``bpjs-2014``.
    solver : str
        ``highs`` (default) or ``cbc``.
    time_limit : float or None
        Seconds for all solver calls of the plan together.
    gap : float
        Relative gap to prove, a fraction (0.001 = 0.1 %).
    actuals : str, optional
        CSV ``region_code,kind,year,count`` of outlets really opened; those years are fixed (re-planning).
    threads, seed : int
        Solver threads and random seed.
    progress : callable, optional
        Called with a short message at each step.
    sites : bool
        Also place every opening on the dataset's demand points (site-level maximal covering per regency
        and year, ``planner.siting.place_sites``) when the dataset has points; ``result.sites`` is None
        otherwise. Takes tens of seconds on national data.

    Returns
    -------
    PlanResult

    Raises
    ------
    planner.errors.InputError, InfeasibleError, SolverError

    Examples
    --------
    >>> result = plan()                                              # doctest: +SKIP
    >>> result.summary["totals"]                                     # doctest: +SKIP
    {'gerai': 497, 'kanal': 800}
    """
    say = progress or (lambda message: None)
    began = time.perf_counter()
    dataset, scenario = as_dataset(regions), _scenario(scenario)
    options = SolverOptions(solver, time_limit, gap, threads, seed)
    say(f"building reach curves ({scenario.reach_model} model) for {len(dataset.regions)} regions")
    inputs = build_inputs(dataset, scenario, actuals)
    inputs_seconds = time.perf_counter() - began
    say(f"solving with {solver} (gap {gap:.2%}, time limit {time_limit or 'none'} s)")
    _, solution = solve_allocation(inputs, options)
    if solution.objective is None:
        _raise_without_plan(inputs, solution, options)
    say(f"solver finished in {solution.solve_seconds:.1f} s (model gap {solution.gap:.4%}); verifying the plan")
    checked = time.perf_counter()
    new = plan_from_solution(inputs, solution)
    evaluated = evaluate(inputs, new)
    problems = verify_plan(inputs, evaluated["counts"], evaluated["reach"])
    if problems:
        raise RuntimeError("internal error: the solved plan breaks the scenario's rules: " + "; ".join(problems))
    verify_seconds = time.perf_counter() - checked
    say("comparing with the baselines")
    compared, baseline_reach = _baselines(inputs, new, evaluated)
    summary = _summary(inputs, dataset, solution, evaluated, compared, options, actuals)
    summary.update(build_seconds=inputs_seconds + solution.build_seconds, solve_seconds=solution.solve_seconds,
                   verify_seconds=verify_seconds, total_seconds=time.perf_counter() - began)
    placed = None
    if sites and dataset.points is not None:
        say("placing the outlets on demand points (maximal covering per regency and year)")
        placed = _place(dataset, inputs, evaluated["counts"])
        summary["sites_seconds"] = time.perf_counter() - began - summary["total_seconds"]
    return PlanResult(allocation=allocation_table(evaluated["counts"], inputs.regions),
                      reach=evaluated["reach"], budget=_budget_table(inputs, evaluated, solution),
                      summary=summary, baseline_reach=baseline_reach, sites=placed)


def _place(dataset: RegionDataset, inputs: PlanInputs, counts: pd.DataFrame) -> pd.DataFrame:
    points = pd.DataFrame(dataset.points[["point_id", "region_code", "name", "lon", "lat", "population"]])
    radius = {kind: inputs.scenario.kind(kind).radius_km for kind in KINDS}
    placed = place_sites(points, counts[["region_code", "kind", "year", "new", "cumulative"]], radius,
                         time_limit_per_region=SITE_SECONDS_PER_REGION)
    return placed.sort_values(["region_code", "year", "kind", "site_id"]).reset_index(drop=True)


def _summary(inputs: PlanInputs, dataset: RegionDataset, solution: AllocationSolution, evaluated: dict,
             compared: dict, options: SolverOptions, actuals: str | None) -> dict:
    objective = evaluated["objective"]
    status, gap = status_and_gap(objective, solution.bound, options.gap)
    counts = evaluated["counts"]
    final_year = inputs.years[-1]
    spend = evaluated["spend"]
    return {
        "scenario": inputs.scenario.to_dict(), "status": status, "objective": objective,
        "stopped_early": status != "optimal",
        "objective_unit": "worker-years" if inputs.scenario.objective == "worker_years" else "workers",
        "objective_model": solution.model_objective, "bound": solution.bound, "gap": gap, "gap_requested": options.gap,
        "solver": solution.solver, "time_limit": options.time_limit, "phases": solution.phases,
        "reach_model": inputs.reach_model, "envelope_overestimate_max_share": inputs.envelope_overestimate,
        "totals": {kind: int(counts.loc[counts["kind"] == kind, "new"].sum()) for kind in KINDS},
        "existing": {kind: int(inputs.existing.loc[inputs.existing["kind"] == kind, "count"].sum()) for kind in KINDS},
        "workers_informal": float(inputs.workers.loc[inputs.workers["year"] == final_year, "workers_informal"].sum()),
        "workers_reached_final": evaluated["workers_reached_final"],
        "spend_idr": float(spend["spend"].sum()),
        "binding_budget_years": [int(y) for y in spend.loc[spend["budget_left"] < 0.01 * spend["budget"], "year"]],
        "baselines": compared, "regions": len(inputs.regions), "dataset": _absolute(dataset.source),
        "manifest": manifest(dataset, inputs.scenario, actuals, options.seed, options.threads),
    }
