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
the Lagrangian or branch-and-bound bound, if tighter), by :func:`planner.solve.status_and_gap`.

The phases before the MIP are the ordered list :data:`PHASES` (greedy swap, subgradient bound, LP bound,
branch-and-bound, LP neighbourhood, full cover, local search, region search); the model itself is written
once in :mod:`planner.siting.formulation`.

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

from planner.errors import InputError
from planner.siting.bound import LagrangianResult, fixings, lagrangian
from planner.siting.branch import branch_and_bound
from planner.siting.coverage import coverage_matrix
from planner.siting.formulation import formulation, pulp_model
from planner.siting.heuristic import cover_all, covered_weight, greedy_swap, iterated_swap
from planner.siting.lns import region_search
from planner.siting.lp import LPSolution, lp_solution
from planner.siting.reduce import ALL_LEVERS, Levers, Reduced, reduce_problem, restrict
from planner.siting.stats import MCLPStats
from planner.solve import Deadline, SolveOutcome, SolverOptions, highs_available, solve, status_and_gap

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
#: Fewest seconds any phase is given, however little time is left.
MIN_SECONDS = 0.1

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
    stats : MCLPStats
        What the engine did, for benchmarks: sizes after the reductions, heuristic and bound values,
        sites fixed, seconds per phase.
    """

    objective: float
    selected: np.ndarray
    covered: np.ndarray
    status: str
    gap: float | None
    seconds: float
    stats: MCLPStats = field(default_factory=MCLPStats, repr=False, compare=False)


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
    form = formulation(reduced.matrix, reduced.weights, reduced.p, reduced.constant, fold_single)
    return pulp_model(form, reduced.sites)


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
    stats: MCLPStats = field(default_factory=MCLPStats)


def _threshold(reduced: Reduced, value: float) -> float:
    """Value a plan must reach to beat ``value``: +1 when all weights are whole numbers."""
    whole = bool(np.all(reduced.weights == np.round(reduced.weights))) and float(reduced.constant).is_integer()
    return value + 1.0 if whole else value


def _mip(sub: Reduced, plans: list[np.ndarray], options: SolverOptions, levers: Levers,
         deadline: Deadline) -> tuple[np.ndarray | None, SolveOutcome | None]:
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
            mapped = [greedy_swap(sub.matrix, sub.weights, sub.p, deadline.share(0.05, 5.0))]
        start = _start(sub, mapped[0], problem)
    outcome = solve(problem, deadline.limit(options), start=start)
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


@dataclass
class _Search:
    """What the phases before the MIP share: the instance, the time, and what they found so far.

    ``plan`` is the best plan (column positions of ``reduced``); ``lag`` the Lagrangian result (with the
    best multipliers known), ``lp`` the LP relaxation, ``branch_bound`` the branch-and-bound's bound;
    ``full_cover`` says the bound still allows every demand point to be covered.
    """

    reduced: Reduced
    levers: Levers
    options: SolverOptions
    deadline: Deadline
    stats: MCLPStats
    plan: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lag: LagrangianResult | None = None
    lp: LPSolution | None = None
    branch_bound: float | None = None
    full_cover: bool = False

    @property
    def large(self) -> bool:
        """More than ``SMALL_SITES`` candidate sites: the bound and the searches pay for themselves."""
        return self.reduced.matrix.shape[1] > SMALL_SITES

    @property
    def bound_proven(self) -> bool:
        """The Lagrangian bound proves its own plan optimal."""
        return self.lag is not None and _proven(self.reduced, self.lag.value, self.lag.bound)

    @property
    def hard(self) -> bool:
        """Large, and neither proven nor possibly a full cover: the local searches run."""
        return self.levers.start and self.large and not self.full_cover and not self.bound_proven

    def value(self, plan: np.ndarray) -> float:
        """Covered weight of ``plan`` (column positions), constant included."""
        return _value(self.reduced, plan)


# --- the phases before the MIP, in order; each returns True when it has proven the optimum --------------

def _greedy_swap(s: _Search) -> bool:
    """Greedy + 1-opt swap (:mod:`planner.siting.heuristic`): the first plan."""
    s.plan = greedy_swap(s.reduced.matrix, s.reduced.weights, s.reduced.p, s.deadline.share(0.05, 5.0))
    s.stats.greedy_swap_value = s.value(s.plan)
    return False


def _subgradient_bound(s: _Search) -> bool:
    """Large instances: the subgradient Lagrangian bound and its plans (:mod:`planner.siting.bound`)."""
    if not (s.levers.bound and s.large):
        return False
    clock = time.perf_counter()
    r = s.reduced
    s.lag = lagrangian(r.matrix, r.weights, r.p, r.constant, s.plan, seconds=s.deadline.share(0.1, 5.0),
                       step=_threshold(r, 0.0),
                       max_iterations=150 if highs_available() else 400)  # the LP gives the exact bound
    s.plan = s.lag.plan
    s.stats.update(lagrangian_value=s.lag.value, lagrangian_bound=s.lag.bound, lagrangian_steps=s.lag.iterations,
                   lagrangian_seconds=time.perf_counter() - clock)
    if s.bound_proven:
        return True
    total = r.constant + float(r.weights.sum())
    s.full_cover = s.lag.bound >= total - 1e-9 * max(1.0, total)
    return False


def _lp_bound(s: _Search) -> bool:
    """The LP relaxation (:mod:`planner.siting.lp`) and the Lagrangian at its optimal multipliers, kept when
    that beats the subgradient's."""
    if s.lag is None or s.full_cover:
        return False
    clock = time.perf_counter()
    r = s.reduced
    s.lp = lp_solution(r.matrix, r.weights, r.p, s.deadline.share(0.2, 60.0), s.options.threads)
    s.stats.lp_seconds = time.perf_counter() - clock
    if s.lp is not None:
        at_lp = lagrangian(r.matrix, r.weights, r.p, r.constant, s.lag.plan, seconds=s.deadline.share(0.05, 2.0),
                           step=_threshold(r, 0.0), multipliers=s.lp.multipliers, max_iterations=100)
        s.stats.lp_bound = at_lp.bound
        s.lag = at_lp if at_lp.lagrangian < s.lag.lagrangian else s.lag
    s.stats.lagrangian_bound = s.lag.bound
    return False


def _branch(s: _Search) -> bool:
    """The LP branch-and-bound (:mod:`planner.siting.branch`) within its share of the time."""
    if s.lp is None or not s.levers.branch:
        return False
    clock = time.perf_counter()
    r = s.reduced
    result = branch_and_bound(r.matrix, r.weights, r.constant, s.lp, s.lag.plan,
                              s.deadline.share(BRANCH_SHARE, BRANCH_SECONDS), _threshold(r, 0.0))
    s.plan, s.branch_bound = result.plan, result.bound
    s.stats.update(branch_nodes=result.nodes, branch_finished=result.finished, branch_value=result.value,
                   branch_seconds=time.perf_counter() - clock)
    return result.finished


def _lp_neighbourhood(s: _Search) -> bool:
    """The best plan among the sites the LP uses and the best-scoring others (a small MIP, short time
    limit), the branch-and-bound's and the Lagrangian's: the best of them goes on."""
    if s.lag is None or s.full_cover:
        return False
    candidates = [s.plan, s.lag.plan]
    if s.lp is not None and s.levers.start:
        clock = time.perf_counter()
        r, n_sites = s.reduced, s.reduced.matrix.shape[1]
        inside = s.lp.sites > 1e-6
        inside[np.argsort(-s.lag.scores, kind="stable")[:min(n_sites, 4 * r.p + 100)]] = True
        sub = restrict(r, ~inside, np.zeros(n_sites, dtype=bool), s.levers)
        chosen, _ = _mip(sub, [], s.options, s.levers, s.deadline.part(0.1, 10.0))
        s.stats.update(neighbourhood_sites=int(inside.sum()), neighbourhood_seconds=time.perf_counter() - clock)
        if chosen is not None:
            position = {site: j for j, site in enumerate(r.sites)}
            near = np.array(sorted(position[site] for site in chosen), dtype=np.int64)
            candidates += [near] if len(near) == r.p else []
    s.stats.neighbourhood_value, s.plan = max(((s.value(c), c) for c in candidates), key=lambda pair: pair[0])
    return False


def _full_cover(s: _Search) -> bool:
    """When the bound allows every demand point to be covered: the row-weighting search for a full cover."""
    if s.levers.start and s.large and s.full_cover:
        s.plan = cover_all(s.reduced.matrix, s.reduced.weights, s.plan, s.deadline.share(0.6, 120.0))
        s.stats.cover_all_value = s.value(s.plan)
    return False


def _local_search(s: _Search) -> bool:
    """Hard instances: iterated 1-opt swaps with kicks."""
    if s.hard:
        s.plan = iterated_swap(s.reduced.matrix, s.reduced.weights, s.plan, s.deadline.share(0.1, 30.0))
        s.stats.local_search_value = s.value(s.plan)
    return False


def _region_search(s: _Search) -> bool:
    """Hard instances the branch-and-bound did not finish (or could not run): the large-neighbourhood
    search of :mod:`planner.siting.lns`, its regions solved by :func:`_mip`."""
    if not (s.hard and s.lag is not None):
        return False
    clock = time.perf_counter()

    def solve_region(sub: Reduced, start: np.ndarray, time_limit: float) -> np.ndarray | None:
        chosen, _ = _mip(sub, [start], s.options, s.levers, Deadline(time_limit, s.deadline.floor))
        return chosen

    s.plan = region_search(s.reduced, s.plan, solve_region, s.deadline.share(LNS_SHARE, LNS_SECONDS))
    s.stats.update(region_search_value=s.value(s.plan), region_search_seconds=time.perf_counter() - clock)
    return False


#: The MCLP pipeline before the MIP, in order. Each phase skips itself when its lever is off or it does not
#: apply; one that proves the optimum ends the pipeline.
PHASES = (_greedy_swap, _subgradient_bound, _lp_bound, _branch, _lp_neighbourhood, _full_cover, _local_search,
          _region_search)


def _incumbent(search: _Search) -> None:
    """Run :data:`PHASES` in order until one proves the optimum."""
    for phase in PHASES:
        if phase(search):
            return


def _solve_reduced(reduced: Reduced, options: SolverOptions, levers: Levers, deadline: Deadline) -> _Found:
    """The phases before the MIP, Lagrangian fixing, then the MIP, on a reduced problem."""
    if reduced.p >= reduced.matrix.shape[1] or reduced.p == 0 or reduced.matrix.shape[0] == 0:
        chosen, _ = _mip(reduced, [], options, levers, deadline)
        return _Found([chosen], None, "optimal", MCLPStats())
    stats = MCLPStats()
    sub, opened, bound, plans, value = reduced, np.zeros(0, dtype=np.int64), None, [], None
    if levers.start or levers.bound:
        clock = time.perf_counter()
        search = _Search(reduced, levers, options, deadline, stats)
        _incumbent(search)
        stats.heuristic_seconds = time.perf_counter() - clock
        plans = [reduced.sites[search.plan]]
        if search.lag is not None:
            lag = search.lag
            bound = lag.bound if search.branch_bound is None else min(lag.bound, search.branch_bound)
            value = _value(reduced, search.plan)
            if _proven(reduced, value, bound):
                return _Found(plans, bound, "optimal", stats)
            fix_zero, fix_one = fixings(lag, reduced.p, _threshold(reduced, value))
            sub, opened = restrict(reduced, fix_zero, fix_one, levers), reduced.sites[fix_one]
            stats.update(fixed_closed=int(fix_zero.sum()), fixed_open=int(fix_one.sum()))
    stats.update(mip_sites=sub.matrix.shape[1], mip_demand=sub.matrix.shape[0])
    clock = time.perf_counter()
    chosen, outcome = _mip(sub, plans, options, levers, deadline)
    stats.mip_seconds = time.perf_counter() - clock
    if chosen is not None:
        plans.append(np.union1d(opened, chosen))
    if outcome is None:  # the restricted problem was trivial
        return _Found(plans, None, "optimal", stats)
    stats.solver_status = outcome.status
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
    deadline = Deadline(options.time_limit, floor=MIN_SECONDS)
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
    status, gap = status_and_gap(objective, bound, options.gap, solver_optimal=found.status == "optimal")
    stats = reduced.stats.merged(found.stats)
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
