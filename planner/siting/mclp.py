"""Site-level maximal covering location problem (MCLP): which p sites cover the most demand weight.

Model (after the exact reductions of :mod:`planner.siting.reduce`), for merged demand rows i and kept
candidate sites j::

    max   sum_i w_i y_i + sum_j f_j x_j + c
    s.t.  y_i <= sum_{j covers i} x_j     for every row covered by two or more sites   (cover__i)
          sum_j x_j = p - |existing|                                                  (open_sites)
          x_j in {0, 1},  0 <= y_i <= 1

where ``f_j`` is the weight of demand only site j covers (folded into its coefficient), ``c`` the weight
covered by existing sites. ``y`` is continuous: at any optimum with binary ``x`` it is integral.

Pipeline: exact reductions; a greedy + 1-opt swap plan (:mod:`planner.siting.heuristic`); on instances
with more than ``SMALL_SITES`` kept sites, a subgradient Lagrangian bound whose p best-scoring sites give more
plans (:mod:`planner.siting.bound`). When that bound still allows every demand point to be covered, a
row-weighting search looks for a full cover (which the bound then proves optimal). Otherwise the LP
relaxation, solved by interior point (:mod:`planner.siting.lp`), gives the optimal multipliers (the LP bound
and reduced-cost fixing of sites), and an LP branch-and-bound (:mod:`planner.siting.branch`) continues from its
basis within a share of the time. When that search is unfinished, a small MIP over the LP's neighbourhood and
an iterated local search improve its best plan, sites are fixed, and the MIP is solved by
:func:`planner.solve.solve` with the best plan as its start. Status and gap come from the solver's bound (or
the Lagrangian or branch-and-bound bound, if tighter).

Public: :func:`solve_mclp`, :class:`MCLPResult`, :func:`solve_mclp_matrix`.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np
import pulp
import scipy.sparse as sp

from planner import pulp_compat
from planner.errors import InputError
from planner.siting.bound import fixings, lagrangian
from planner.siting.branch import BranchResult, branch_and_bound
from planner.siting.coverage import coverage_matrix
from planner.siting.heuristic import cover_all, covered_weight, greedy_swap, iterated_swap
from planner.siting.lns import region_search
from planner.siting.lp import LPSolution, lp_solution
from planner.siting.reduce import ALL_LEVERS, Levers, Reduced, reduce_problem, restrict
from planner.solve import SolveOutcome, SolverOptions, highs_available, solve

#: Reduced instances with at most this many candidate sites go from greedy + swap straight to the MIP
#: (the Lagrangian bound and the iterated local search cost more than they save there).
SMALL_SITES = 200
#: The LP branch-and-bound gets this share of the time left, at most BRANCH_SECONDS; an unfinished search
#: hands its best plan to the MIP solver (NewYork r=400: p=60 needs 16 s, p=70 was unfinished after 600 s).
BRANCH_SHARE = 0.1
BRANCH_SECONDS = 30.0
#: When the branch-and-bound is unfinished, the large-neighbourhood search gets this share of the time left,
#: at most LNS_SECONDS (it stops earlier when it stalls).
LNS_SHARE = 0.35
LNS_SECONDS = 180.0
#: HiGHS spends most of an MCLP's time restarting at the root; without restarts NewYork p=50 r=400 took
#: 14.7-15.4 s instead of 21.7-23.5 s (measured on this 2-core machine).
HIGHS_OPTIONS = (("mip_allow_restart", False),)

__all__ = ["MCLPResult", "solve_mclp", "solve_mclp_matrix"]


@dataclass(frozen=True)
class MCLPResult:
    """A solved MCLP.

    Attributes
    ----------
    objective : float
        Weight of the demand covered by ``selected`` (recomputed from the coverage, input weight units).
    selected : numpy.ndarray
        Sorted indices of the open sites (existing included), int.
    covered : numpy.ndarray
        Boolean, one per demand point: covered by an open site.
    status : str
        ``optimal`` (proven within ``gap``), ``feasible`` (e.g. time limit; see ``gap``), ``infeasible`` or
        ``no_solution``.
    gap : float or None
        Relative gap |bound - objective| / objective reported by the solver, a fraction; 0.0 when the
        reductions alone prove the plan optimal; None when no bound is known.
    seconds : float
        Wall-clock seconds for the whole call (reductions, heuristic, model build and solve).
    stats : dict
        What the engine did, for benchmarks: sizes after the reductions, heuristic and bound values,
        sites fixed, seconds per phase.
    """

    objective: float
    selected: np.ndarray
    covered: np.ndarray
    status: str
    gap: float | None
    seconds: float
    stats: dict = field(default_factory=dict, repr=False, compare=False)


def _existing_indices(existing, n_sites: int) -> np.ndarray:
    values = np.asarray(list(existing) if not isinstance(existing, np.ndarray) else existing)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise InputError(f"existing {existing!r} must be a sequence of integer site indices (columns).")
    if values.min() < 0 or values.max() >= n_sites:
        raise InputError(f"existing contains site index {values.min() if values.min() < 0 else values.max()}"
                         f" outside 0..{n_sites - 1}; pass column indices of the coverage matrix.")
    if len(np.unique(values)) != len(values):
        raise InputError("existing lists a site twice; give each forced-open site once.")
    return np.sort(values.astype(np.int64))


def _check_p(p, n_existing: int, n_sites: int) -> int:
    if isinstance(p, bool) or not isinstance(p, numbers.Integral):
        raise InputError(f"p {p!r} must be a whole number of sites to open.")
    if p < n_existing:
        raise InputError(f"p = {p} is less than the {n_existing} existing sites, which count toward p; "
                         f"raise p to at least {n_existing}.")
    if p > n_sites:
        raise InputError(f"p = {p} exceeds the {n_sites} candidate sites; lower p or add candidate sites.")
    return int(p)


def _build_model(reduced: Reduced, fold_single: bool) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    matrix, weights = reduced.matrix, reduced.weights
    n_rows, n_sites = matrix.shape
    x = [pulp.LpVariable(f"x_{site}", cat=pulp.LpBinary) for site in reduced.sites]
    per_row = np.diff(matrix.indptr)
    single = per_row == 1 if fold_single else np.zeros(n_rows, dtype=bool)
    fold = np.bincount(matrix.indices[matrix.indptr[:-1][single]], weights=weights[single], minlength=n_sites)
    rows = np.flatnonzero(~single & (per_row > 0))
    y = {i: pulp.LpVariable(f"y_{i}", lowBound=0, upBound=1) for i in rows}
    problem = pulp.LpProblem("mclp", pulp.LpMaximize)
    terms = [(x[j], float(fold[j])) for j in np.flatnonzero(fold)]
    terms += [(y[i], float(weights[i])) for i in rows]
    problem.setObjective(pulp_compat.affine(terms, reduced.constant))
    indptr, indices = matrix.indptr, matrix.indices
    for i in rows:
        expression = pulp_compat.affine([(y[i], 1.0)] + [(x[j], -1.0) for j in indices[indptr[i]:indptr[i + 1]]])
        problem.addConstraint(pulp.LpConstraint(expression, pulp.LpConstraintLE, f"cover__{i}", 0.0))
    problem.addConstraint(pulp.LpConstraint(pulp_compat.affine((v, 1.0) for v in x), pulp.LpConstraintEQ,
                                            "open_sites", float(reduced.p)))
    return problem, x


def _start(reduced: Reduced, plan: np.ndarray, model: pulp.LpProblem) -> dict[str, float]:
    """Starting values of the model's variables for the plan (column positions)."""
    start = {f"x_{site}": 0.0 for site in reduced.sites}
    start.update({f"x_{reduced.sites[j]}": 1.0 for j in plan})
    covered = np.asarray(reduced.matrix[:, plan].sum(axis=1)).ravel() > 0
    names = {v.name for v in model.variables()}
    start.update({f"y_{i}": float(covered[i]) for i in range(reduced.matrix.shape[0]) if f"y_{i}" in names})
    return start


def _fill(chosen: np.ndarray, existing: np.ndarray, p: int, n_sites: int) -> np.ndarray:
    """Open sites ``chosen`` + ``existing`` and, if fewer than p, the lowest-numbered others."""
    selected = np.union1d(chosen, existing)
    if len(selected) < p:
        others = np.setdiff1d(np.arange(n_sites), selected)
        selected = np.union1d(selected, others[:p - len(selected)])
    return selected.astype(np.int64)


@dataclass(frozen=True)
class _Found:
    """Candidate plans (original site indices, existing excluded), an upper bound and the solver's status."""

    plans: list[np.ndarray]
    bound: float | None
    status: str
    stats: dict = field(default_factory=dict)


def _left(deadline: float | None, share: float = 1.0, floor: float = 0.1) -> float | None:
    if deadline is None:
        return None
    return max(share * (deadline - time.perf_counter()), floor)


def _budget(deadline: float | None, share: float, cap: float) -> float:
    left = _left(deadline, share)
    return cap if left is None else min(cap, left)


def _options(options: SolverOptions, time_limit: float | None) -> SolverOptions:
    return options.with_(time_limit=time_limit)


def _threshold(reduced: Reduced, value: float) -> float:
    """Value a plan must reach to beat ``value``: +1 when all weights are whole numbers."""
    whole = bool(np.all(reduced.weights == np.round(reduced.weights))) and float(reduced.constant).is_integer()
    return value + 1.0 if whole else value


def _mip(sub: Reduced, plans: list[np.ndarray], options: SolverOptions, levers: Levers,
         deadline: float | None) -> tuple[np.ndarray | None, SolveOutcome | None]:
    """Solve ``sub`` (trivial cases without the solver); returns chosen sites and the solver's outcome."""
    if sub.p >= sub.matrix.shape[1]:
        return sub.sites.copy(), None
    if sub.p == 0 or sub.matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), None
    problem, x = _build_model(sub, levers.fold_single)
    start = None
    if levers.start:
        position = {site: j for j, site in enumerate(sub.sites)}
        mapped = [np.array([position[s] for s in plan if s in position], dtype=np.int64) for plan in plans]
        mapped = [m for m in mapped if len(m) == sub.p]
        if not mapped:
            mapped = [greedy_swap(sub.matrix, sub.weights, sub.p, _budget(deadline, 0.05, 5.0))]
        start = _start(sub, mapped[0], problem)
    outcome = solve(problem, _options(options, _left(deadline)), start=start)
    if not outcome.has_solution:
        return None, outcome
    picked = np.array([round(v.varValue or 0.0) == 1 for v in x], dtype=bool)
    return sub.sites[picked], outcome


def _proven(reduced: Reduced, value: float, bound: float) -> bool:
    """True when no plan can beat ``value`` under ``bound``."""
    return bound < _threshold(reduced, value) - 1e-9 * max(1.0, abs(bound)) \
        or bound - value <= 1e-9 * max(1.0, abs(bound))


def _value(reduced: Reduced, plan: np.ndarray) -> float:
    """Covered weight of ``plan`` (column positions), the existing sites' constant included."""
    return reduced.constant + covered_weight(reduced.matrix, reduced.weights, plan)


def _lp_neighbourhood(reduced: Reduced, lp: LPSolution, scores: np.ndarray, options: SolverOptions,
                      levers: Levers, deadline: float | None, stats: dict) -> np.ndarray | None:
    """Best plan among the sites the LP uses and the best-scoring others (a small MIP, short time limit).

    Returns column positions of ``reduced``, or None when the small MIP found no plan in its time.
    """
    clock = time.perf_counter()
    n_sites = reduced.matrix.shape[1]
    candidates = lp.sites > 1e-6
    candidates[np.argsort(-scores, kind="stable")[:min(n_sites, 4 * reduced.p + 100)]] = True
    sub = restrict(reduced, ~candidates, np.zeros(n_sites, dtype=bool), levers)
    budget = _budget(deadline, 0.1, 10.0)
    chosen, _ = _mip(sub, [], options, levers, time.perf_counter() + budget)
    stats.update(neighbourhood_sites=int(candidates.sum()), neighbourhood_seconds=time.perf_counter() - clock)
    if chosen is None:
        return None
    position = {site: j for j, site in enumerate(reduced.sites)}
    plan = np.array(sorted(position[site] for site in chosen), dtype=np.int64)
    return plan if len(plan) == reduced.p else None


def _lp_bound(reduced: Reduced, lag, deadline: float | None, options: SolverOptions, stats: dict
              ) -> tuple[object, LPSolution | None]:
    """The LP relaxation (None when it cannot be had) and the Lagrangian result at its optimal multipliers
    when that beats the subgradient's ``lag``."""
    clock = time.perf_counter()
    lp = lp_solution(reduced.matrix, reduced.weights, reduced.p, _budget(deadline, 0.2, 60.0), options.threads)
    stats["lp_seconds"] = time.perf_counter() - clock
    if lp is None:
        return lag, None
    at_lp = lagrangian(reduced.matrix, reduced.weights, reduced.p, reduced.constant, lag.plan,
                       time_budget=_budget(deadline, 0.05, 2.0), step=_threshold(reduced, 0.0),
                       multipliers=lp.multipliers, max_iterations=100)
    stats["lp_bound"] = at_lp.bound
    return (at_lp if at_lp.lagrangian < lag.lagrangian else lag), lp


def _branch(reduced: Reduced, lp: LPSolution, plan: np.ndarray, deadline: float | None, stats: dict
            ) -> BranchResult:
    """The LP branch-and-bound of :mod:`planner.siting.branch` within its share of the time."""
    clock = time.perf_counter()
    result = branch_and_bound(reduced.matrix, reduced.weights, reduced.constant, lp, plan,
                              _budget(deadline, BRANCH_SHARE, BRANCH_SECONDS), _threshold(reduced, 0.0))
    stats.update(branch_nodes=result.nodes, branch_finished=result.finished, branch_value=result.value,
                 branch_seconds=time.perf_counter() - clock)
    return result


def _region_search(reduced: Reduced, plan: np.ndarray, options: SolverOptions, levers: Levers,
                   deadline: float | None, stats: dict) -> np.ndarray:
    """The large-neighbourhood search of :mod:`planner.siting.lns`, its regions solved by :func:`_mip`."""
    clock = time.perf_counter()

    def solve_region(sub: Reduced, start: np.ndarray, time_limit: float) -> np.ndarray | None:
        chosen, _ = _mip(sub, [start], options, levers, time.perf_counter() + time_limit)
        return chosen

    plan = region_search(reduced, plan, solve_region, _budget(deadline, LNS_SHARE, LNS_SECONDS))
    stats.update(region_search_value=_value(reduced, plan), region_search_seconds=time.perf_counter() - clock)
    return plan


def _incumbent(reduced: Reduced, levers: Levers, deadline: float | None, options: SolverOptions,
               stats: dict) -> tuple[list, object, float | None]:
    """Plans and bounds before the MIP: (plans, Lagrangian result or None, branch-and-bound bound or None).

    Greedy + swap; on large instances the subgradient Lagrangian bound, then either (bound = all demand)
    the row-weighting search for a full cover, or the LP: its optimal multipliers, the LP branch-and-bound
    (which may prove the optimum) and, when that is unfinished, the LP neighbourhood and an iterated local
    search for the MIP's start.
    """
    clock = time.perf_counter()
    plan = greedy_swap(reduced.matrix, reduced.weights, reduced.p, _budget(deadline, 0.05, 5.0))
    stats["greedy_swap_value"] = _value(reduced, plan)
    lag, large, branch_bound = None, reduced.matrix.shape[1] > SMALL_SITES, None
    total = reduced.constant + float(reduced.weights.sum())
    full_cover_possible = False
    if levers.bound and large:
        lag = lagrangian(reduced.matrix, reduced.weights, reduced.p, reduced.constant, plan,
                         time_budget=_budget(deadline, 0.1, 5.0), step=_threshold(reduced, 0.0),
                         max_iterations=150 if highs_available() else 400)  # the LP gives the exact bound
        plan = lag.plan
        stats.update(lagrangian_value=lag.value, lagrangian_bound=lag.bound, lagrangian_steps=lag.iterations,
                     lagrangian_seconds=time.perf_counter() - clock)
        if _proven(reduced, lag.value, lag.bound):
            return [plan], lag, None
        full_cover_possible = lag.bound >= total - 1e-9 * max(1.0, total)
        if not full_cover_possible:
            lag, lp = _lp_bound(reduced, lag, deadline, options, stats)
            stats["lagrangian_bound"] = lag.bound
            if lp is not None and levers.branch:
                branched = _branch(reduced, lp, lag.plan, deadline, stats)
                plan, branch_bound = branched.plan, branched.bound
                if branched.finished:
                    return [plan], lag, branch_bound
            near = _lp_neighbourhood(reduced, lp, lag.scores, options, levers, deadline, stats) \
                if lp is not None and levers.start else None
            candidates = [plan, lag.plan] + ([near] if near is not None else [])
            stats["neighbourhood_value"], plan = max(((_value(reduced, c), c) for c in candidates),
                                                     key=lambda pair: pair[0])
    if levers.start and large and full_cover_possible:
        plan = cover_all(reduced.matrix, reduced.weights, plan, _budget(deadline, 0.6, 120.0))
        stats["cover_all_value"] = _value(reduced, plan)
    elif levers.start and large and not (lag is not None and _proven(reduced, lag.value, lag.bound)):
        plan = iterated_swap(reduced.matrix, reduced.weights, plan, _budget(deadline, 0.1, 30.0))
        stats["local_search_value"] = _value(reduced, plan)
        if lag is not None:  # the branch-and-bound did not finish (or could not run): a hard instance
            plan = _region_search(reduced, plan, options, levers, deadline, stats)
    return [plan], lag, branch_bound


def _solve_reduced(reduced: Reduced, options: SolverOptions, levers: Levers, deadline: float | None) -> _Found:
    """Heuristics, Lagrangian bound and fixing, then the MIP, on a reduced problem."""
    if reduced.p >= reduced.matrix.shape[1] or reduced.p == 0 or reduced.matrix.shape[0] == 0:
        chosen, _ = _mip(reduced, [], options, levers, deadline)
        return _Found([chosen], None, "optimal", {})
    stats: dict = {}
    sub, opened, bound, plans, value = reduced, np.zeros(0, dtype=np.int64), None, [], None
    if levers.start or levers.bound:
        clock = time.perf_counter()
        positions, lag, branch_bound = _incumbent(reduced, levers, deadline, options, stats)
        stats["heuristic_seconds"] = time.perf_counter() - clock
        plans = [reduced.sites[plan] for plan in positions]
        if lag is not None:
            bound = lag.bound if branch_bound is None else min(lag.bound, branch_bound)
            value = _value(reduced, positions[0])
            if _proven(reduced, value, bound):
                return _Found(plans, bound, "optimal", stats)
            fix_zero, fix_one = fixings(lag, reduced.p, _threshold(reduced, value))
            sub, opened = restrict(reduced, fix_zero, fix_one, levers), reduced.sites[fix_one]
            stats.update(fixed_closed=int(fix_zero.sum()), fixed_open=int(fix_one.sum()))
    stats.update(mip_sites=sub.matrix.shape[1], mip_demand=sub.matrix.shape[0])
    clock = time.perf_counter()
    chosen, outcome = _mip(sub, plans, options, levers, deadline)
    stats["mip_seconds"] = time.perf_counter() - clock
    if chosen is not None:
        plans.append(np.union1d(opened, chosen))
    if outcome is None:  # the restricted problem was trivial
        return _Found(plans, None, "optimal", stats)
    stats["solver_status"] = outcome.status
    if outcome.bound is not None and math.isfinite(outcome.bound):
        solver_bound = outcome.bound if value is None else max(outcome.bound, value)
        bound = solver_bound if bound is None else min(bound, solver_bound)
    status = outcome.status if outcome.status in ("optimal", "feasible") else \
        ("feasible" if plans else outcome.status)
    return _Found(plans, bound, status, stats)


def solve_mclp_matrix(weights: np.ndarray, cover: sp.csr_matrix, p: int, existing: np.ndarray,
                      options: SolverOptions, levers: Levers = ALL_LEVERS) -> MCLPResult:
    """Solve a validated MCLP (boolean CSR coverage, sorted unique ``existing``) with chosen levers.

    :func:`solve_mclp` validates its inputs and calls this; the benchmark calls it to switch levers off.
    """
    began = time.perf_counter()
    deadline = None if options.time_limit is None else began + options.time_limit
    reduced = reduce_problem(weights, cover, existing, p, levers)
    found = _solve_reduced(reduced, options, levers, deadline)
    if not found.plans:
        empty = np.zeros(cover.shape[0], dtype=bool)
        status = "infeasible" if found.status in ("infeasible", "unbounded") else "no_solution"
        return MCLPResult(math.nan, np.zeros(0, dtype=np.int64), empty, status, None,
                          time.perf_counter() - began)
    best = None
    for plan in found.plans:
        selected = _fill(plan, existing, p, cover.shape[1])
        covered = np.asarray(cover[:, selected].sum(axis=1)).ravel() > 0
        objective = float(weights[covered].sum())
        if best is None or objective > best[0]:
            best = (objective, selected, covered)
    objective, selected, covered = best
    bound = found.bound if found.bound is not None and math.isfinite(found.bound) else None
    if bound is not None and bool(np.all(weights == np.round(weights))):
        bound = math.floor(bound + 1e-6)  # whole weights: the optimum is a whole number
    gap = (0.0 if found.status == "optimal" else None) if bound is None else \
        max(bound - objective, 0.0) / max(abs(objective), 1e-9)
    status = found.status
    if status == "feasible" and gap is not None and gap <= options.gap + 1e-12:
        status = "optimal"
    stats = {**reduced.stats, **found.stats}
    return MCLPResult(objective, selected, covered, status, gap, time.perf_counter() - began, stats)


def solve_mclp(weights, p, *, distances=None, radius=None, coverage=None, existing=(), solver="highs",
               time_limit=None, gap=0.0) -> MCLPResult:
    """Open ``p`` sites to cover the largest total demand weight (maximal covering location problem).

    Parameters
    ----------
    weights : array-like, shape (n_demand,)
        Demand weight of each point (e.g. persons), >= 0.
    p : int
        Number of open sites, existing ones included; ``len(existing) <= p <= n_sites``.
    distances : numpy.ndarray or scipy.sparse matrix, optional
        n_demand x n_sites distances; a site covers a point iff distance <= ``radius``. Dense: use +inf for
        "unreachable"; NaN is an error. Sparse: only stored entries count (unstored = unreachable); an
        explicitly stored 0 is a distance of 0 and therefore covered.
    radius : float, optional
        Coverage radius in the unit of ``distances``; required with ``distances``.
    coverage : numpy.ndarray or scipy.sparse matrix, optional
        Boolean (or 0/1) n_demand x n_sites, True where site j covers demand i. Give exactly one of
        ``distances`` and ``coverage``.
    existing : sequence of int
        Site (column) indices forced open; they count toward ``p``.
    solver : str
        ``"highs"`` (default) or ``"cbc"``: the MIP solver. The LP relaxation and the LP branch-and-bound
        of large instances use HiGHS whenever highspy is installed, whichever MIP solver is chosen.
    time_limit : float, optional
        Seconds for the whole call (heuristic and solver); None = no limit.
    gap : float
        Relative MIP gap at which the solver may stop, a fraction (0.0 = prove optimality).

    Returns
    -------
    MCLPResult
        Covered weight, open sites, covered demand, status and the solver's gap.

    Raises
    ------
    InputError
        Wrong shapes, negative or NaN weights or distances, both or neither of ``distances``/``coverage``,
        ``p`` out of range, unknown solver, bad time limit or gap.

    Examples
    --------
    >>> cover = np.array([[1, 0], [1, 1], [0, 1], [0, 1]], dtype=bool)
    >>> result = solve_mclp([5, 1, 2, 4], 1, coverage=cover)
    >>> result.objective, result.selected.tolist()
    (7.0, [1])
    """
    options = SolverOptions(solver=solver, time_limit=time_limit, gap=gap, highs_options=HIGHS_OPTIONS)
    w, cover = coverage_matrix(weights, distances=distances, radius=radius, coverage=coverage)
    existing_sites = _existing_indices(existing, cover.shape[1])
    p = _check_p(p, len(existing_sites), cover.shape[1])
    return solve_mclp_matrix(w, cover, p, existing_sites, options)
