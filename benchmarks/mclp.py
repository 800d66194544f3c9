"""Benchmark: planner's MCLP engine vs the plain textbook formulation on instances with published optima.

Instances are read in place from ``../shared/bench/mclp`` (see ``benchmarks/mclp_instances.py``): Swain's
55-node network (Church & ReVelle 1974) and the Máximo, Cordeau & Nascimento (2023) New York boroughs.

The plain formulation is built the way PySAL spopt builds it: one binary per site and per demand point, the
coverage rows from a Python loop over the dense coverage matrix with one ``pulp.lpSum`` per demand row, solved
with HiGHS through PuLP (``pulp.HiGHS``). Its seconds include building the model (the loop) and solving.

Usage (from the repository root)::

    python -m benchmarks.mclp --quick                 # Swain + NewYork p=50
    python -m benchmarks.mclp --only NewYork --time-limit 600
    python -m benchmarks.mclp --levers --only NewYork --p 50 --no-plain   # switch each lever off in turn
    python -m benchmarks.mclp --distances            # float64 vs Java-float coverage differences
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from dataclasses import dataclass, replace

import numpy as np
import pulp
import scipy.sparse as sp

from benchmarks import mclp_instances as bench
from planner.siting import HIGHS_OPTIONS, Levers, MCLPResult, solve_mclp, solve_mclp_matrix
from planner.solve import SolverOptions

LEVER_NAMES = ("merge_demand", "drop_dominated", "start", "fold_single", "bound", "branch")


@dataclass(frozen=True)
class Case:
    """One benchmark instance: weights, coverage, p, radius and the published value."""

    instance: str
    p: int
    radius: float
    weights: np.ndarray
    cover: sp.csr_matrix
    published: float
    proven: bool


@dataclass(frozen=True)
class PlainResult:
    """Plain formulation: objective, PuLP status, build and solve seconds."""

    objective: float
    status: str
    seconds: float


def solve_plain(weights: np.ndarray, coverage: np.ndarray, p: int, time_limit: float | None) -> PlainResult:
    """The textbook MCLP, spopt style (dense loop, lpSum per row, binary x and y), HiGHS via PuLP."""
    began = time.perf_counter()
    n_demand, n_sites = coverage.shape
    problem = pulp.LpProblem("mclp_plain", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x_{j}", cat=pulp.LpBinary) for j in range(n_sites)]
    y = [pulp.LpVariable(f"y_{i}", cat=pulp.LpBinary) for i in range(n_demand)]
    problem += pulp.lpSum(float(weights[i]) * y[i] for i in range(n_demand))
    problem += pulp.lpSum(x) == p, "open_sites"
    for i in range(n_demand):
        row = coverage[i]
        problem += pulp.lpSum(x[j] for j in range(n_sites) if row[j]) >= y[i], f"cover_{i}"
    problem.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=0.0))
    objective = float(pulp.value(problem.objective) or 0.0)
    return PlainResult(objective, pulp.LpStatus[problem.status], time.perf_counter() - began)


def swain_cases() -> list[Case]:
    """Swain's four published optima."""
    nodes, distances = bench.read_swain()
    weights = nodes["population"].to_numpy(dtype=float)
    return [Case("Swain55", p, radius, weights, sp.csr_matrix(distances <= radius), value, True)
            for (radius, p), value in bench.SWAIN_OPTIMA.items()]


def maximo_cases(only: set[str] | None, ps: set[int] | None, java_float: bool) -> list[Case]:
    """Máximo et al. cases from ``maximo_best_known.csv``, filtered by instance name and p."""
    table = bench.read_best_known()
    cases, cache = [], {}
    for row in table.itertuples(index=False):
        if (only and row.instance not in only) or (ps and int(row.p) not in ps):
            continue
        key = (row.instance, float(row.radius_m))
        if key not in cache:
            instance = bench.read_maximo(row.instance)
            cache[key] = (instance.demand, bench.maximo_coverage(instance, float(row.radius_m),
                                                                 java_float=java_float))
        weights, cover = cache[key]
        cases.append(Case(row.instance, int(row.p), float(row.radius_m), weights, cover, float(row.best_known),
                          bool(row.proven_optimal)))
    return cases


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:,.{digits}f}"


def run_case(case: Case, time_limit: float, plain: bool, plain_limit: float, solver: str) -> str:
    """Solve one case both ways; one markdown table row."""
    result: MCLPResult = solve_mclp(case.weights, case.p, coverage=case.cover, time_limit=time_limit,
                                    solver=solver)
    match = "yes" if result.objective == case.published else (
        "better" if result.objective > case.published else "no")
    plain_result = solve_plain(case.weights, case.cover.toarray(), case.p, plain_limit) if plain else None
    plain_text = "-" if plain_result is None else f"{plain_result.seconds:.2f} ({plain_result.status}, " \
        f"{plain_result.objective:,.0f})"
    ratio = "-" if plain_result is None else f"{plain_result.seconds / result.seconds:.1f}x"
    gap = "-" if result.gap is None else f"{100 * result.gap:.3f} %"
    return (f"| {case.instance} | {case.p} | {case.radius:g} | {result.objective:,.0f} | {case.published:,.0f}"
            f"{'' if case.proven else ' (best known)'} | {match} | {result.status} | {gap} | "
            f"{result.seconds:.2f} | {plain_text} | {ratio} |")


def run_levers(case: Case, time_limit: float, solver: str) -> list[str]:
    """All levers, each lever off in turn, all off: one row each."""
    options = SolverOptions(solver=solver, time_limit=time_limit, highs_options=HIGHS_OPTIONS)  # as solve_mclp
    variants = [("all levers", Levers())] + [(f"no {name}", replace(Levers(), **{name: False}))
                                             for name in LEVER_NAMES]
    variants.append(("no levers", Levers(**{name: False for name in LEVER_NAMES})))
    rows = []
    for label, levers in variants:
        result = solve_mclp_matrix(case.weights, case.cover, case.p, np.zeros(0, dtype=np.int64), options, levers)
        stats = result.stats
        rows.append(f"| {case.instance} p={case.p} | {label} | {result.objective:,.0f} | {result.status} | "
                    f"{_fmt(None if result.gap is None else 100 * result.gap, 3)} | {result.seconds:.1f} | "
                    f"{stats.get('mip_sites', '-')} x {stats.get('mip_demand', '-')} | "
                    f"{_fmt(stats.get('mip_seconds'))} |")
    return rows


def distance_report() -> list[str]:
    """Pairs whose coverage differs between float64 and the Java-float mimic, per Máximo instance."""
    table = bench.read_best_known().drop_duplicates(["instance", "radius_m"])
    rows = ["| instance | radius m | covered pairs (float64) | pairs that differ with Java float |",
            "|---|---|---|---|"]
    for row in table.itertuples(index=False):
        instance = bench.read_maximo(row.instance)
        exact = bench.maximo_coverage(instance, float(row.radius_m))
        java = bench.maximo_coverage(instance, float(row.radius_m), java_float=True)
        rows.append(f"| {row.instance} | {row.radius_m} | {(exact.nnz - exact.shape[0]) // 2:,} | "
                    f"{(exact != java).nnz // 2} |")
    return rows


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="instance name (Swain55, NewYork, Bronx, ...); repeat")
    parser.add_argument("--p", action="append", type=int, help="only these p values; repeat")
    parser.add_argument("--quick", action="store_true", help="Swain55 and NewYork p=50 only")
    parser.add_argument("--time-limit", type=float, default=600.0, help="planner seconds per solve (600)")
    parser.add_argument("--plain-time-limit", type=float, default=600.0, help="plain seconds per solve (600)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain formulation")
    parser.add_argument("--solver", default="highs", choices=("highs", "cbc"))
    parser.add_argument("--java-float", action="store_true", help="coverage from the Java-float mimic")
    parser.add_argument("--levers", action="store_true", help="switch each speed lever off in turn")
    parser.add_argument("--distances", action="store_true", help="float64 vs Java-float coverage only")
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {dt.date.today()}, solver {args.solver}")
    if args.distances:
        print("\n".join(distance_report()))
        return
    only = {"Swain55", "NewYork"} if args.quick else (set(args.only) if args.only else None)
    ps = {50} if args.quick else (set(args.p) if args.p else None)
    cases = swain_cases() if only is None or "Swain55" in only else []
    cases += maximo_cases(only, ps, args.java_float)
    if args.levers:
        print("| case | levers | objective | status | gap % | seconds | MIP sites x demand | MIP s |")
        print("|---|---|---|---|---|---|---|---|")
        for case in cases:
            print("\n".join(run_levers(case, args.time_limit, args.solver)), flush=True)
        return
    print("| instance | p | radius | objective | published | match | status | gap | planner s | "
          "plain s (status, objective) | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        print(run_case(case, args.time_limit, not args.no_plain, args.plain_time_limit, args.solver), flush=True)


if __name__ == "__main__":
    main()
