"""The public planning API: region data + scenario in, a verified plan with its tables and summary out."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.allocation import baselines
from planner.allocation.evaluate import Evaluation, MeasuredReach, evaluate, measured_reach
from planner.allocation.results import PlanResult, allocation_table
from planner.allocation.summary import BaselineSummary, PlanSummary
from planner.allocation.verify import verify_plan, verify_sites
from planner.errors import InfeasibleError, InputError, SolverError
from planner.hashing import file_sha256
from planner.inputs import PlanInputs, build_inputs, with_kanal_reference
from planner.model.custom import CustomRule, check_custom_rows, rule_name
from planner.model.explain import explain_infeasibility
from planner.model.strategy import AllocationSolution, solve_allocation
from planner.model.variables import count_var_name
from planner.regions import RegionDataset, as_dataset
from planner.scenario import KINDS, Scenario, load_scenario
from planner.siting.place import place_sequences
from planner.solve import SolverOptions, status_and_gap

DEFAULT_TIME_LIMIT = 120.0  # seconds: generous; the default scenario proves 0.1 % in a few seconds
DEFAULT_GAP = 0.001  # 0.1 %
REFERENCE_PASSES = 3  # quick solves that set each regency's kanal reference to the gerai count chosen
REFERENCE_GAP = 0.005  # their gap (0.5 %): enough to find the gerai counts
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


def _baselines(inputs: PlanInputs, plan: pd.DataFrame, evaluated: Evaluation, measured: MeasuredReach | None
               ) -> tuple[dict[str, BaselineSummary], dict[str, pd.DataFrame]]:
    """Each baseline evaluated by the model and, when the plan's sites are placed, placed on the same site
    sequences and measured the same way; the gain in final-year workers compares like with like."""
    summaries, reach = {}, {}
    plans = {"one_per_regency": baselines.one_per_regency(inputs, plan),
             "proportional": baselines.proportional(inputs, plan), "greedy": baselines.greedy(inputs)}
    ours = measured or evaluated
    for name, baseline in plans.items():
        result = evaluate(inputs, baseline)
        totals = baseline.groupby("kind")["new"].sum()
        reached, objective_measured, reach[name] = result.workers_reached_final, None, result.reach
        if measured is not None:
            found = measured_reach(inputs, result.counts, _place(inputs, result.counts))
            reach[name], reached, objective_measured = found.reach, found.workers_reached_final, found.objective
        summaries[name] = BaselineSummary(
            objective=result.objective, workers_reached_final=reached,
            workers_reached_final_model=result.workers_reached_final, fits_budget=result.fits_budget,
            years_over_budget=result.years_over_budget, totals={kind: int(totals.get(kind, 0)) for kind in KINDS},
            rules_broken=verify_plan(inputs, result.counts, result.reach),
            gain_objective=evaluated.objective - result.objective,
            gain_objective_percent=_percent(evaluated.objective, result.objective),
            gain_workers_final=ours.workers_reached_final - reached,
            gain_workers_final_percent=_percent(ours.workers_reached_final, reached),
            objective_measured=objective_measured)
    return summaries, reach


def _percent(value: float, reference: float) -> float | None:
    return None if reference <= 0 else 100.0 * (value - reference) / reference


def _budget_table(inputs: PlanInputs, evaluated: Evaluation, solution: AllocationSolution) -> pd.DataFrame:
    budget = evaluated.spend.copy()
    duals = solution.model.duals("budget") if solution.model is not None else pd.Series(dtype=float)
    budget["marginal_workers_per_billion_idr"] = budget["year"].map(duals).abs().to_numpy(float)
    return budget


def _rules(extra_constraints: CustomRule | Sequence[CustomRule] | None) -> tuple[CustomRule, ...]:
    if extra_constraints is None:
        return ()
    rules = (extra_constraints,) if callable(extra_constraints) else tuple(extra_constraints)
    for rule in rules:
        if not callable(rule):
            raise InputError(f"extra_constraints: {rule!r} is not a function; give fn(m, inputs) or a list of them.")
    return rules


def _raise_without_plan(inputs: PlanInputs, solution: AllocationSolution, options: SolverOptions,
                        rules: tuple[CustomRule, ...] = ()) -> None:
    if solution.status in ("infeasible", "unbounded"):
        reasons = explain_infeasibility(inputs)
        names = ", ".join(f"'{rule_name(rule)}'" for rule in rules)
        if rules and not reasons:
            raise InfeasibleError(f"scenario '{inputs.scenario.name}' is infeasible with the custom rule(s) {names}: "
                                  "the scenario's own rules can all be met, so the custom rules are what cannot; "
                                  "loosen them.")
        extra = f" (with the custom rule(s) {names})" if rules else ""
        raise InfeasibleError(f"scenario '{inputs.scenario.name}'{extra} is infeasible: " + "; ".join(reasons) + ".")
    limit = "no time limit" if options.time_limit is None else f"{options.time_limit:g} s"
    raise SolverError(f"{options.solver} found no plan within {limit}; raise --time-limit or loosen the scenario.")


def plan(regions: RegionDataset | gpd.GeoDataFrame | str | Path | None = None,
         scenario: Scenario | str | Path | None = None, *, solver: str = "highs",
         time_limit: float | None = DEFAULT_TIME_LIMIT, gap: float = DEFAULT_GAP, actuals: str | None = None,
         threads: int | None = None, seed: int = 0, progress: Progress | None = None,
         sites: bool = False, extra_constraints: CustomRule | Sequence[CustomRule] | None = None,
         site_level: bool = False, site_level_seconds: float = 600.0) -> PlanResult:
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
        Also place every outlet (the existing ones included) on the candidate sites, opening the prefixes of
        each regency's greedy site sequences that the counts ask for (``planner.siting.place_sequences``),
        and measure reach from them against all demand (``result.reach``, ``result.unreached`` and the
        summary's ``workers_reached_final``; ``reach_source`` = "sites"). Without sites, or when the dataset
        has no demand points, reach is the model's (``reach_source`` = "model") and ``result.sites`` is None.
    extra_constraints : callable or list of callables, optional
        A planner's own rules the scenario has no field for, each ``fn(m, inputs)`` adding PuLP constraints
        to ``m.problem`` by the model's names (``m.counts``: open-outlet count variables by region_code,
        kind and year; ``m.reached``: share-reached variables); see :mod:`planner.model.custom`. The plan
        is checked against the built-in rules as always and every added row is recomputed from the plan's
        tables; ``summary["custom_rules"]`` lists each rule with its rows.
    site_level : bool
        After placing the sites (needs ``sites``), run the site-level phase (issue 15,
        ``planner.allocation.site_level``): the plan's national value (each demand point once), a proven bound
        on every plan under the scenario's rules, and the window search; the summary gets ``site_level``
        (objective, bound, gap, seconds, method, accepted, objective_two_step) and ``result.sites`` the
        improved placement when it verifies. Off: nothing of it is imported or computed.
    site_level_seconds : float
        Time limit of the site-level phase, s.

    Returns
    -------
    PlanResult

    Raises
    ------
    planner.errors.InputError, InfeasibleError, SolverError

    Examples
    --------
    >>> result = plan()                                              # doctest: +SKIP
    >>> result.summary.totals                                        # doctest: +SKIP
    {'gerai': 497, 'kanal': 800}
    """
    say = progress or (lambda message: None)
    began = time.perf_counter()
    if site_level and not sites:
        raise InputError("site_level=True needs the sites placed: pass sites=True (on the command line, drop "
                         "--no-sites).")
    if site_level and not site_level_seconds > 0:
        raise InputError(f"site_level_seconds {site_level_seconds}: the site-level phase needs a positive time "
                         "limit; pass e.g. --site-level-seconds 600.")
    dataset, scenario = as_dataset(regions), _scenario(scenario)
    options = SolverOptions(solver, time_limit, gap, threads, seed)
    say(f"building reach curves ({scenario.reach_model} model) for {len(dataset.regions)} regions")
    inputs = build_inputs(dataset, scenario, actuals)
    inputs_seconds = time.perf_counter() - began
    say(f"solving with {solver} (gap {gap:.2%}, time limit {time_limit or 'none'} s)")
    rules = _rules(extra_constraints)
    inputs, solution, passes = solve_with_references(inputs, options, say, rules)
    if solution.objective is None:
        _raise_without_plan(inputs, solution, options, rules)
    say(f"solver finished in {solution.solve_seconds:.1f} s (model gap {solution.gap:.4%}); verifying the plan")
    checked = time.perf_counter()
    new = plan_from_solution(inputs, solution)
    evaluated = evaluate(inputs, new)
    problems = verify_plan(inputs, evaluated.counts, evaluated.reach)
    problems += check_custom_rows(solution.custom, evaluated.counts, evaluated.reach)
    if problems:
        raise RuntimeError("internal error: the solved plan breaks the scenario's rules: " + "; ".join(problems))
    verify_seconds = time.perf_counter() - checked
    placed, measured = _placed_and_measured(inputs, evaluated.counts, say) if sites else (None, None)
    sites_seconds = time.perf_counter() - checked - verify_seconds
    national, two_step_objective = None, evaluated.objective
    if site_level:
        move_counts = not rules and not inputs.has_service_capacity
        national, placed, measured, moved = _site_level(dataset, inputs, evaluated.counts, placed, measured,
                                                        site_level_seconds, say, move_counts)
        if national["outlets_moved"]:
            new = moved.loc[moved["new"] > 0, ["region_code", "kind", "year", "new"]].reset_index(drop=True)
            evaluated = evaluate(inputs, new)
            problems = verify_plan(inputs, evaluated.counts, evaluated.reach)
            if problems:
                raise RuntimeError("internal error: the site-level plan breaks the scenario's rules: "
                                   + "; ".join(problems))
    say("comparing with the baselines")
    compared, baseline_reach = _baselines(inputs, new, evaluated, measured)
    timings = {"build_seconds": inputs_seconds + solution.build_seconds, "solve_seconds": solution.solve_seconds,
               "verify_seconds": verify_seconds, "sites_seconds": None if placed is None else sites_seconds}
    summary = _summary(inputs, dataset, solution, evaluated, compared, options, actuals, two_step_objective,
                       **_reach_summary(evaluated, measured), reference_passes=passes, **timings,
                       custom_rules=[{"rule": rows.rule, "rows": len(rows.rows), "checked": True}
                                     for rows in solution.custom],
                       site_level=national, total_seconds=time.perf_counter() - began)
    return PlanResult(allocation=allocation_table(evaluated.counts, inputs.regions),
                      reach=(measured or evaluated).reach, budget=_budget_table(inputs, evaluated, solution),
                      summary=summary, baseline_reach=baseline_reach, sites=placed,
                      unreached=None if measured is None else measured.unreached)


def _placed_and_measured(inputs: PlanInputs, counts: pd.DataFrame, say: Progress
                         ) -> tuple[pd.DataFrame | None, MeasuredReach | None]:
    """The plan's outlets placed on the site sequences, reach measured from them, and both checked."""
    if inputs.sequences is None:
        return None, None
    say("placing the outlets on the regencies' site sequences and measuring reach from them")
    placed = _place(inputs, counts)
    measured = measured_reach(inputs, counts, placed)
    problems = verify_sites(inputs, counts, placed, measured.own_regency)
    if problems:
        raise RuntimeError("internal error: the placed sites break a rule: " + "; ".join(problems[:5]))
    return placed, measured


def _site_level(dataset: RegionDataset, inputs: PlanInputs, counts: pd.DataFrame, placed: pd.DataFrame | None,
                measured: MeasuredReach | None, seconds: float, say: Progress, move_counts: bool
                ) -> tuple[dict, pd.DataFrame, MeasuredReach, pd.DataFrame]:
    """The site-level phase (imported here only when asked for); returns its summary record, the sites, their
    measured reach and their counts (changed when the search moved outlets between regencies)."""
    if placed is None:
        raise InputError(f"{dataset.source}: the site-level phase needs demand points and candidate sites; "
                         "import the data with --grid and --sites (or --points).")
    from planner.allocation.site_level import site_level_phase

    return site_level_phase(dataset, inputs, counts, placed, measured, seconds, say, move_counts)


def _final_gerai(inputs: PlanInputs, solution: AllocationSolution) -> dict[str, int]:
    year = inputs.years[-1]
    return {code: round(solution.values.get(count_var_name(code, "gerai", year), 0.0))
            for code in inputs.regions["region_code"]}


def solve_with_references(inputs: PlanInputs, options: SolverOptions, say: Progress = print,
                          rules: Sequence[CustomRule] = ()) -> tuple[PlanInputs, AllocationSolution, list[dict]]:
    """Solve, rebuilding the kanal site sequences after the gerai counts the plan chooses, then solve again.

    A regency's kanal sequence is built on the people its first r gerai leave uncovered; its reach table is
    nearly concave (so the envelope the model uses is nearly exact) where the plan ends with r gerai. Up to
    ``REFERENCE_PASSES`` quick solves (gap ``REFERENCE_GAP``) each set r to the final gerai count the previous
    one chose; the last solve, at the requested gap, is the plan. Measured on the default data: 0.31 % more
    worker-years and the 0.1 % gap proven in 30 s, where one solve with r = max(1, existing gerai) stopped at
    0.104 % after 108 s.

    Returns
    -------
    (PlanInputs, AllocationSolution, list of dict)
        The inputs the plan was solved on, its solution, and one record per pass (regencies changed,
        seconds, exact objective, gap).
    """
    began, passes, last = time.perf_counter(), [], None
    for _ in range(REFERENCE_PASSES if inputs.reach_model == "points" else 0):
        loose = options.with_(gap=max(options.gap, REFERENCE_GAP), time_limit=_left(options, began))
        _, solution = solve_allocation(inputs, loose, rules)
        if solution.objective is None:
            return (*last, passes) if last else (inputs, solution, passes)
        last = (inputs, solution)
        rebuilt = with_kanal_reference(inputs, _final_gerai(inputs, solution))
        changed = sum(rebuilt.sequences.regencies[code].reference != sequence.reference
                      for code, sequence in inputs.sequences.regencies.items())
        passes.append({"changed": int(changed), "seconds": solution.solve_seconds, "objective": solution.objective,
                       "gap": solution.gap})
        say(f"pass {len(passes)}: {changed} regencies' kanal sequences rebuilt after the gerai chosen")
        if not changed and solution.gap is not None and solution.gap <= options.gap:
            solution.solve_seconds = sum(record["seconds"] for record in passes)
            return inputs, solution, passes
        if not changed:
            break
        inputs = rebuilt
    _, solution = solve_allocation(inputs, options.with_(time_limit=_left(options, began)), rules)
    solution.solve_seconds += sum(record["seconds"] for record in passes)
    if solution.objective is None and last is not None:  # out of time: the last pass's plan, on its tables
        last[1].solve_seconds = solution.solve_seconds
        return (*last, passes)
    return inputs, solution, passes


def _left(options: SolverOptions, began: float) -> float | None:
    if options.time_limit is None:
        return None
    return max(options.time_limit - (time.perf_counter() - began), 1.0)


def _reach_summary(evaluated: Evaluation, measured: MeasuredReach | None) -> dict:
    """Reported reach: measured from the placed sites when placed (with the model's estimate beside it),
    else the model's."""
    model = evaluated.workers_reached_final
    if measured is None:
        return {"workers_reached_final": model, "workers_reached_final_model": model,
                "workers_reached_final_difference": None, "objective_measured": None, "reach_source": "model"}
    return {"workers_reached_final": measured.workers_reached_final, "workers_reached_final_model": model,
            "workers_reached_final_difference": measured.workers_reached_final - model,
            "objective_measured": measured.objective, "reach_source": "sites"}


def _place(inputs: PlanInputs, counts: pd.DataFrame) -> pd.DataFrame:
    """The plan's outlets (existing included) on the prefixes of each regency's site sequences."""
    placed = place_sequences(inputs.sequences, counts, inputs.workers)
    return placed.sort_values(["region_code", "year", "kind", "site_id"]).reset_index(drop=True)


def _summary(inputs: PlanInputs, dataset: RegionDataset, solution: AllocationSolution, evaluated: Evaluation,
             compared: dict[str, BaselineSummary], options: SolverOptions, actuals: str | None,
             two_step_objective: float, **later: object) -> PlanSummary:
    """The plan's summary; ``later`` = the reach, reference-pass and timing fields known at the end.

    ``status`` is ``optimal`` or ``feasible`` by :func:`planner.solve.status_and_gap` on the written plan's
    objective (the reach tables') and the count model's proven bound, or ``site_level`` when the site-level
    search moved outlets between regencies (its plan reaches more people, each counted once across borders,
    and its tables' objective is no longer the count model's optimum); ``stopped_early`` says whether the
    allocation solve stopped before proving the requested gap for its own plan (``two_step_objective``).
    """
    status, gap = status_and_gap(evaluated.objective, solution.bound, options.gap)
    solved, _ = status_and_gap(two_step_objective, solution.bound, options.gap)
    if (later.get("site_level") or {}).get("outlets_moved"):  # only an accepted placement moves outlets
        status = "site_level"
    counts, spend, final_year = evaluated.counts, evaluated.spend, inputs.years[-1]
    fields = {
        "scenario": inputs.scenario.to_dict(), "status": status, "objective": evaluated.objective,
        "stopped_early": solved != "optimal",
        "objective_unit": "worker-years" if inputs.scenario.objective == "worker_years" else "workers",
        "objective_model": solution.model_objective, "bound": solution.bound, "gap": gap, "gap_requested": options.gap,
        "solver": solution.solver, "time_limit": options.time_limit, "phases": solution.phases,
        "reach_model": inputs.reach_model, "envelope_overestimate_max_share": inputs.envelope_overestimate,
        "totals": {kind: int(counts.loc[counts["kind"] == kind, "new"].sum()) for kind in KINDS},
        "existing": {kind: int(inputs.existing.loc[inputs.existing["kind"] == kind, "count"].sum()) for kind in KINDS},
        "workers_informal": float(inputs.workers.loc[inputs.workers["year"] == final_year, "workers_informal"].sum()),
        "workers_reached_final": evaluated.workers_reached_final,
        "spend_idr": float(spend["spend"].sum()),
        "binding_budget_years": [int(y) for y in spend.loc[spend["budget_left"] < 0.01 * spend["budget"], "year"]],
        "baselines": compared, "regions": len(inputs.regions), "dataset": _absolute(dataset.source),
        "manifest": manifest(dataset, inputs.scenario, actuals, options.seed, options.threads),
    }
    return PlanSummary(**{**fields, **later})
