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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from planner.inputs import PlanInputs
from planner.model.build import build_model
from planner.model.custom import CustomRule, add_custom_rule
from planner.model.exact_cells import ExactCells, ExactObjective
from planner.model.reach_cuts import ReachSeparator, planes_at_points
from planner.model.variables import AllocationModel
from planner.solve import Deadline, SolveOutcome, SolverOptions, solve, status_and_gap

SEED_STEPS = ((0, 0), (1, 0), (0, 1), (1, 2), (2, 4))


@dataclass
class AllocationSolution:
    """A solved allocation model: the plan's variable values and the proof of its quality.

    Attributes
    ----------
    status : str
        ``optimal`` (proven within the requested gap), ``feasible``, ``infeasible``, ``no_solution``.
    objective : float or None
        Objective of the plan read from the exact reach table (worker-years or final-year workers).
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
    lp_duals : dict
        Row duals of the LP relaxation at its optimum (constraint name -> dual).
    model_objective : float or None
        The plan's objective in the model (on the envelope; >= ``objective``).
    custom : list
        The rows a planner's own rules added (``planner.model.custom.CustomRows``), to check the plan with.
    model : AllocationModel or None
        The model solved, with the LP relaxation's row duals recorded (``model.duals("budget")``).
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
    model_objective: float | None = None
    custom: list = field(default_factory=list)
    model: AllocationModel | None = None


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


#: Fewest seconds a phase of the allocation solve is given; with less left, the search stops.
MIN_PHASE_SECONDS = 0.05


#: Most MIP rounds of the search; each round first models exactly the (region, year) pairs where the envelope
#: overestimates the best plan (``ExactCells``), or, when there are none, aims for a tighter model gap.
MAX_ROUNDS = 8
#: Share of the requested gap the MIP rounds aim for in the model: the next plan may land on counts where the
#: envelope still overestimates a little, and the rest of the requested gap absorbs that.
ROUND_GAP_SHARE = 0.5


def _round(name: str, outcome: SolveOutcome, exact: ExactObjective, cells: ExactCells,
           added: list[tuple[str, int]]) -> dict:
    """A phase record of one MIP round: the model's and the exact objective of its plan, the bound, which
    regions (and how many region-years) the round modelled exactly, and how many are exact in all."""
    record = _phase(name, outcome)
    record.update(objective_exact=exact(outcome.values) if outcome.has_solution else None,
                  regions_made_exact=sorted({code for code, _ in added}), pairs_made_exact=len(added),
                  exact_pairs=len(cells.cells), exact_regions=len(cells.regions))
    return record


def _search(m: AllocationModel, separator: ReachSeparator, cells: ExactCells, options: SolverOptions,
            deadline: Deadline, best: SolveOutcome | None, exact: ExactObjective, bound: float | None,
            phases: list[dict]) -> tuple[SolveOutcome | None, float | None]:
    """Full MIP rounds from the best plan until its exact gap (plan read from the exact table, against the
    model's bound) is within the tolerance. Before each round, the pairs where the envelope overestimates the
    best plan are modelled exactly; when there are none left, the round aims for a tighter model gap (unless
    the last round stopped short of its gap, at a time or node limit)."""
    gap, stopped = options.gap, False
    for attempt in range(MAX_ROUNDS):
        if deadline.passed():
            break
        added: list[tuple[str, int]] = []
        if best is not None:
            added = cells.add_overestimated(best.values, exact(best.values))
            if stopped and not added:  # the last round stopped short of its gap: only a new model can help
                break
            aim = options.gap * ROUND_GAP_SHARE if added or attempt == 0 else gap * 0.7
            gap = _tightened(aim, options.gap, best, exact, cells)
        start = cells.complete(best.values) if best else None
        mip = solve(m.problem, deadline.limit(options).with_(gap=gap), start=start, separate=separator)
        phases.append(_round("mip" if attempt == 0 else f"mip_round_{attempt + 1}", mip, exact, cells, added))
        stopped = mip.status != "optimal"
        if mip.bound is not None and math.isfinite(mip.bound):
            bound = mip.bound if bound is None else min(bound, mip.bound)
        if mip.has_solution and (best is None or exact(mip.values) >= exact(best.values)):
            best = mip
        if best is None:
            break
        if status_and_gap(exact(best.values), bound, options.gap)[0] == "optimal":
            break
    return best, bound


def _tightened(gap: float, tolerance: float, plan: SolveOutcome, exact: ExactObjective, cells: ExactCells) -> float:
    """Model gap to aim for so that the plan's exact gap meets ``tolerance`` although the envelope still
    overestimates the plan by ``(model - exact) / exact`` at the pairs not modelled exactly."""
    value = exact(plan.values)
    overestimate = float(cells.overestimate(cells.complete(plan.values)).sum()) / max(value, 1e-9)
    return max(min(gap, tolerance - 1.2 * overestimate), tolerance / 20)


def solve_allocation(inputs: PlanInputs, options: SolverOptions,
                     rules: Sequence[CustomRule] = ()) -> tuple[AllocationModel, AllocationSolution]:
    """Build and solve the allocation model (see the module docstring for the steps).

    Parameters
    ----------
    inputs : PlanInputs
    options : SolverOptions
        Solver, overall time limit (s) for all phases together, relative gap.
    rules : sequence of callables
        A planner's own rules, each ``rule(m, inputs)`` adding constraints (:mod:`planner.model.custom`);
        the rows they add are recorded in ``m.custom``.

    Returns
    -------
    (AllocationModel, AllocationSolution)
        The model (with every row added along the way) and the solution; ``objective`` is the plan's
        exact objective (read from the reach table), ``bound`` the best proven bound.
    """
    m, solution = _solve(inputs, options, rules)
    solution.custom = m.custom
    return m, solution


def _solve(inputs: PlanInputs, options: SolverOptions,
           rules: Sequence[CustomRule]) -> tuple[AllocationModel, AllocationSolution]:
    built = time.perf_counter()
    if options.solver == "cbc":
        m = build_model(inputs)
        m.custom = [add_custom_rule(m, inputs, rule) for rule in rules]
        build_seconds = time.perf_counter() - built
        outcome = solve(m.problem, options)
        exact = ExactObjective(m, inputs)
        return m, _solution(outcome, outcome.bound, build_seconds, outcome.seconds, [_phase("mip", outcome)],
                            exact=exact, tolerance=options.gap)
    m = build_model(inputs, planes=planes_at_points(inputs, seed_points(inputs)))
    m.custom = [add_custom_rule(m, inputs, rule) for rule in rules]
    separator = ReachSeparator(m, inputs)
    exact = ExactObjective(m, inputs)
    cells = ExactCells(m, exact)
    separator.complete = cells.complete
    build_seconds = time.perf_counter() - built
    began = time.perf_counter()
    deadline = Deadline(options.time_limit, floor=MIN_PHASE_SECONDS)
    lp = solve(m.problem, options, relax=True, separate=separator)
    phases = [_phase("lp_relaxation", lp)]
    if lp.status in ("infeasible", "unbounded", "no_solution"):
        return m, _solution(lp, None, build_seconds, time.perf_counter() - began, phases, plan=False)
    bound = lp.bound if lp.status == "optimal" else None
    saved = _fix_integral_regions(m, lp.values)
    target = None if bound is None else bound * (1.0 - 0.5 * options.gap)
    start = solve(m.problem, deadline.limit(options).with_(gap=options.gap * 0.5), separate=separator,
                  target=target)
    _restore(saved)
    phases.append(_round("starting_plan", start, exact, cells, []))
    best = start if start.has_solution else None
    if best is None or status_and_gap(exact(best.values), bound, options.gap)[0] != "optimal":
        best, bound = _search(m, separator, cells, options, deadline, best, exact, bound, phases)
    solve_seconds = time.perf_counter() - began
    if best is None:  # the full MIP (not the restricted starting plan) proving infeasibility is a verdict
        full = [phase for phase in phases if phase["phase"] == "mip"]
        verdict = full[0]["status"] if full and full[0]["status"] in ("infeasible", "unbounded") else None
        outcome = replace(lp, status=verdict) if verdict else lp
        return m, _solution(outcome, bound, build_seconds, solve_seconds, phases, plan=False)
    solution = _solution(best, bound, build_seconds, solve_seconds, phases, exact=exact, tolerance=options.gap)
    solution.lp_duals = m.row_duals = dict(lp.duals) if lp.status == "optimal" else {}
    solution.model = m
    return m, solution


def _solution(outcome: SolveOutcome, bound: float | None, build_seconds: float, solve_seconds: float,
              phases: list[dict], plan: bool = True, tolerance: float = 0.0,
              exact: ExactObjective | None = None) -> AllocationSolution:
    if not plan or not outcome.has_solution:
        status = outcome.status if outcome.status in ("infeasible", "unbounded") else "no_solution"
        return AllocationSolution(status, None, bound, None, outcome.solver, build_seconds, solve_seconds,
                                  phases=phases)
    bound = outcome.bound if bound is None else bound
    objective = exact(outcome.values) if exact is not None else outcome.objective
    status, gap = status_and_gap(objective, bound, tolerance)
    return AllocationSolution(status, objective, bound, gap, outcome.solver, build_seconds,
                              solve_seconds, dict(outcome.values), phases, model_objective=outcome.objective)
