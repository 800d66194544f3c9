"""How the allocation model is solved fast and honestly.

1. Build the model with the reach planes at a few seed points per region (``reach_cuts``).
2. Solve the LP relaxation, adding violated planes until none is left: its optimum is then the optimum of
   the full relaxation, a valid bound on every plan (``lp_bound``).
3. Starting plan: fix every region whose LP counts are all integral and solve the small MIP over the rest
   (stopping once it is within the gap of the LP bound). If that plan is already within the requested gap
   of the LP bound, the gap is proven and no further search is needed.
4. Otherwise the full MIP from that plan, with the remaining time.

The CBC path skips the lazy rows (PuLP's CBC interface re-reads the model every call) and solves the
model with all planes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.inputs import PlanInputs
from planner.model.build import build_model
from planner.model.reach_cuts import ReachSeparator, planes_at_points
from planner.model.variables import AllocationModel
from planner.solve import SolveOutcome, SolverOptions, relative_gap, solve

SEED_STEPS = ((0, 0), (1, 0), (0, 1), (1, 2), (2, 4))


@dataclass
class AllocationSolution:
    """A solved allocation model: the plan's variable values and the proof of its quality.

    Attributes
    ----------
    status : str
        ``optimal`` (proven within the requested gap), ``feasible``, ``infeasible``, ``no_solution``.
    objective : float or None
        Objective of the plan (worker-years or final-year workers, persons).
    bound : float or None
        Best proven bound on the optimum (persons).
    gap : float or None
        Relative gap (bound - objective) / objective.
    solver : str
    build_seconds, solve_seconds : float
        Model assembly; every solver call for the plan (LP rounds, starting plan, MIP).
    values : dict
        Variable name -> value of the plan.
    phases : list of dict
        What each phase did (name, seconds, objective, bound), for the summary and the benchmark.
    """

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    solver: str
    build_seconds: float
    solve_seconds: float
    values: dict[str, float] = field(default_factory=dict)
    phases: list[dict] = field(default_factory=list)
    lp_duals: dict[str, float] = field(default_factory=dict)


def seed_points(inputs: PlanInputs, plans: list[pd.DataFrame] = ()) -> pd.DataFrame:
    """Count pairs per region and year whose envelope planes seed the model: the existing outlets and a
    few steps up from them, plus the counts of any given plans (``region_code, year, n_gerai, n_kanal``)."""
    existing = inputs.existing.pivot_table(index="region_code", columns="kind", values="count", aggfunc="sum")
    existing = existing.reindex(index=inputs.regions["region_code"], columns=["gerai", "kanal"]).fillna(0)
    caps = inputs.max_total.pivot_table(index="region_code", columns="kind", values="max_total")
    caps = caps.reindex(index=existing.index, columns=["gerai", "kanal"])
    frames = []
    for step_g, step_k in SEED_STEPS:
        n_gerai = np.minimum(existing["gerai"].to_numpy() + step_g, caps["gerai"].to_numpy())
        n_kanal = np.minimum(existing["kanal"].to_numpy() + step_k, caps["kanal"].to_numpy())
        for year in inputs.years:
            frames.append(pd.DataFrame({"region_code": existing.index, "year": year,
                                        "n_gerai": n_gerai, "n_kanal": n_kanal}))
    frames.extend(plans)
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def _phase(name: str, outcome: SolveOutcome) -> dict:
    return {"phase": name, "status": outcome.status, "seconds": round(outcome.seconds, 3),
            "objective": outcome.objective, "bound": outcome.bound}


def _fix_integral_regions(m: AllocationModel, values: dict[str, float]) -> list[tuple]:
    counts = m.counts.assign(value=[values.get(v.name, 0.0) for v in m.counts["var"]])
    fractional = (counts["value"] - counts["value"].round()).abs() > 1e-6
    free = set(counts.loc[fractional, "region_code"])
    saved = []
    for var, value, code in zip(counts["var"], counts["value"], counts["region_code"], strict=True):
        if code not in free:
            saved.append((var, var.lowBound, var.upBound))
            var.lowBound = var.upBound = round(value)
    return saved


def _restore(saved: list[tuple]) -> None:
    for var, low, high in saved:
        var.lowBound, var.upBound = low, high


def _remaining(options: SolverOptions, began: float) -> SolverOptions:
    if options.time_limit is None:
        return options
    left = max(options.time_limit - (time.perf_counter() - began), 0.05)
    return SolverOptions(options.solver, left, options.gap, options.threads, options.seed, options.log)


def solve_allocation(inputs: PlanInputs, options: SolverOptions) -> tuple[AllocationModel, AllocationSolution]:
    """Build and solve the allocation model (see the module docstring for the steps).

    Parameters
    ----------
    inputs : PlanInputs
    options : SolverOptions
        Solver, overall time limit (s) for all phases together, relative gap.

    Returns
    -------
    (AllocationModel, AllocationSolution)
        The model (with every row added along the way) and the solution.
    """
    built = time.perf_counter()
    if options.solver == "cbc":
        m = build_model(inputs)
        build_seconds = time.perf_counter() - built
        outcome = solve(m.problem, options)
        return m, _solution(outcome, outcome.bound, build_seconds, outcome.seconds, [_phase("mip", outcome)])
    m = build_model(inputs, planes=planes_at_points(inputs, seed_points(inputs)))
    separator = ReachSeparator(m, inputs)
    build_seconds = time.perf_counter() - built
    began = time.perf_counter()
    lp = solve(m.problem, options, relax=True, separate=separator)
    phases = [_phase("lp_relaxation", lp)]
    if lp.status in ("infeasible", "unbounded", "no_solution"):
        return m, _solution(lp, None, build_seconds, time.perf_counter() - began, phases, plan=False)
    lp_bound = lp.bound if lp.status == "optimal" else None
    saved = _fix_integral_regions(m, lp.values)
    target = None if lp_bound is None else lp_bound * (1.0 - 0.8 * options.gap)
    heuristic_options = SolverOptions(**{**_remaining(options, began).__dict__, "gap": options.gap * 0.5})
    start = solve(m.problem, heuristic_options, separate=separator, target=target)
    _restore(saved)
    phases.append(_phase("starting_plan", start))
    best = start if start.has_solution else None
    gap = relative_gap(best.objective, lp_bound) if best else None
    if best is None or gap is None or gap > options.gap:
        mip = solve(m.problem, _remaining(options, began), start=best.values if best else None,
                    separate=separator)
        phases.append(_phase("mip", mip))
        if mip.has_solution and (best is None or mip.objective >= best.objective):
            best = mip
        if mip.bound is not None and math.isfinite(mip.bound):
            lp_bound = mip.bound if lp_bound is None else min(lp_bound, mip.bound)
    solve_seconds = time.perf_counter() - began
    if best is None:
        return m, _solution(lp, lp_bound, build_seconds, solve_seconds, phases, plan=False)
    solution = _solution(best, lp_bound, build_seconds, solve_seconds, phases, tolerance=options.gap)
    solution.lp_duals = dict(lp.duals) if lp.status == "optimal" else {}
    return m, solution


def _solution(outcome: SolveOutcome, bound: float | None, build_seconds: float, solve_seconds: float,
              phases: list[dict], plan: bool = True, tolerance: float = 0.0) -> AllocationSolution:
    if not plan or not outcome.has_solution:
        status = outcome.status if outcome.status in ("infeasible", "unbounded") else "no_solution"
        return AllocationSolution(status, None, bound, None, outcome.solver, build_seconds, solve_seconds,
                                  phases=phases)
    bound = outcome.bound if bound is None else bound
    gap = relative_gap(outcome.objective, bound)
    status = "optimal" if gap is not None and gap <= tolerance + 1e-9 else "feasible"
    return AllocationSolution(status, outcome.objective, bound, gap, outcome.solver, build_seconds,
                              solve_seconds, dict(outcome.values), phases)
