"""Solve a PuLP problem with HiGHS (default) or CBC and report the solver's own status, bound and gap.

HiGHS is driven through ``highspy`` directly (the problem's arrays are passed in one call), so that a
starting plan can be handed over, and the proven dual bound and relative gap come from the solver's info,
not from PuLP's label. CBC (bundled with PuLP) is the fallback; its bound is read from its log.

Status vocabulary (lower case everywhere): ``optimal`` (proven within the requested gap), ``feasible`` (a plan
whose proven gap is above the requested gap, e.g. time limit), ``infeasible``, ``unbounded``, ``no_solution``,
and, only when HiGHS cannot tell the two apart even without presolve, ``infeasible_or_unbounded``.

The rules every layer shares live here: :func:`relative_gap`, :func:`status_and_gap` (one tolerance,
``GAP_TOLERANCE``) and :class:`Deadline` (seconds left, shares of them, time-limited solver options).
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pulp

from planner import pulp_compat
from planner.errors import InputError, SolverError

SOLVERS = ("highs", "cbc")
#: Slack on the requested gap when deciding "optimal" (the solvers' own gap arithmetic rounds), a fraction.
GAP_TOLERANCE = 1e-9

#: A separator looks at a solution (variable name -> value; ``integral`` tells whether it is a MIP plan),
#: adds the rows it violates to the PuLP problem and returns their names, plus (for a MIP plan) a repaired
#: copy of the plan that satisfies every row, to hand back to the solver as its incumbent.
Separator = Callable[[dict[str, float], bool], tuple[list[str], dict[str, float] | None]]


@dataclass(frozen=True)
class SolverOptions:
    """How to solve.

    Attributes
    ----------
    solver : str
        ``"highs"`` (default) or ``"cbc"``; HiGHS falls back to CBC with a warning when highspy is missing.
    time_limit : float or None
        Wall-clock limit in seconds for one solver call; None = no limit.
    gap : float
        Relative MIP gap at which to stop, as a fraction (0.001 = 0.1 %).
    threads : int or None
        Solver threads; None = solver default.
    seed : int
        Solver random seed (fixed, for reproducible runs).
    log : bool
        Print the solver log to stdout.
    highs_options : tuple of (str, value)
        Further HiGHS options for this kind of model, e.g. ``(("mip_allow_restart", False),)``.
    """

    solver: str = "highs"
    time_limit: float | None = None
    gap: float = 0.0
    threads: int | None = None
    seed: int = 0
    log: bool = False
    highs_options: tuple[tuple[str, float | int | bool | str], ...] = ()

    def with_(self, **changes) -> SolverOptions:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            raise InputError(f"solver {self.solver!r} is not known; use one of {', '.join(SOLVERS)}.")
        if self.time_limit is not None and not self.time_limit > 0:
            raise InputError(f"time limit {self.time_limit!r} s must be a positive number of seconds.")
        if not 0 <= self.gap < 1:
            raise InputError(f"gap {self.gap!r} must be a fraction in [0, 1), e.g. 0.001 for 0.1 %.")
        if self.threads is not None and self.threads < 1:
            raise InputError(f"threads {self.threads!r} must be a whole number >= 1; leave --threads out for the "
                             "solver's own choice.")
        if self.solver == "highs" and not highs_available():
            warnings.warn("highspy is not installed; falling back to CBC (pip install highspy for HiGHS).",
                          stacklevel=3)
            object.__setattr__(self, "solver", "cbc")


@dataclass(frozen=True)
class SolveOutcome:
    """What a solver call found.

    Attributes
    ----------
    status : str
        ``optimal``, ``feasible``, ``infeasible``, ``unbounded`` or ``no_solution``.
    objective : float or None
        Objective of the plan found (None without a plan).
    bound : float or None
        Proven bound on the optimum (dual bound) reported by the solver.
    gap : float or None
        Proven relative gap |bound - objective| / max(|objective|, 1e-9), a fraction.
    solver : str
        Solver that produced the result.
    seconds : float
        Wall-clock seconds of the solver call (array transfer included).
    values : dict
        Variable name -> value of the plan found (empty without a plan).
    duals : dict
        Constraint name -> dual value (LP solves only; empty for a MIP).
    """

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    solver: str
    seconds: float
    values: dict[str, float] = field(default_factory=dict)
    duals: dict[str, float] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        """True when a plan (feasible or optimal) was found."""
        return self.status in ("optimal", "feasible")


@dataclass
class _Arrays:
    names: list[str]
    variables: list[pulp.LpVariable]
    col_lower: np.ndarray
    col_upper: np.ndarray
    cost: np.ndarray
    integer: np.ndarray
    row_names: list[str]
    row_lower: np.ndarray
    row_upper: np.ndarray
    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    offset: float
    maximize: bool


def _arrays(problem: pulp.LpProblem) -> _Arrays:
    variables = problem.variables()
    position = {variable.name: j for j, variable in enumerate(variables)}
    bounds = np.array([pulp_compat.variable_bounds(v) for v in variables], dtype=float).reshape(-1, 2)
    cost = np.zeros(len(variables))
    for variable, coefficient in problem.objective.items():
        cost[position[variable.name]] = coefficient
    row_names, lower, upper, starts, index, value = _rows(problem, list(problem.constraints), position)
    return _Arrays(
        names=[v.name for v in variables], variables=variables,
        col_lower=bounds[:, 0].copy(), col_upper=bounds[:, 1].copy(), cost=cost,
        integer=np.array([pulp_compat.is_integer(v) for v in variables], dtype=bool),
        row_names=row_names, row_lower=np.array(lower, dtype=float), row_upper=np.array(upper, dtype=float),
        starts=np.array(starts, dtype=np.int32), index=np.array(index, dtype=np.int32),
        value=np.array(value, dtype=float), offset=float(problem.objective.constant),
        maximize=pulp_compat.is_maximize(problem),
    )


def _rows(problem: pulp.LpProblem, names: list[str], position: dict[str, int]):
    lower, upper, starts, index, value = [], [], [0], [], []
    for name in names:
        constraint = problem.constraints[name]
        terms = pulp_compat.constraint_terms(constraint)
        index.extend(position[v.name] for v, _ in terms)
        value.extend(c for _, c in terms)
        starts.append(len(index))
        low, high = pulp_compat.constraint_bounds(constraint)
        lower.append(low)
        upper.append(high)
    return names, lower, upper, starts, index, value


def relative_gap(objective: float | None, bound: float | None, maximize: bool = True) -> float | None:
    """Proven relative gap of a plan, a fraction.

    ``(bound - objective) / max(|objective|, 1e-9)`` for a maximisation (``objective - bound`` for a
    minimisation), clamped at 0: a bound a rounding error on the wrong side of the plan proves it. None when
    either is missing or the bound is not finite.

    Examples
    --------
    >>> relative_gap(98.0, 100.0), relative_gap(100.0, 99.9999), relative_gap(5.0, None)
    (0.02040816326530612, 0.0, None)
    """
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    distance = bound - objective if maximize else objective - bound
    return max(distance, 0.0) / max(abs(objective), 1e-9)


def status_and_gap(objective: float, bound: float | None, requested_gap: float, *, solver_optimal: bool = False,
                   maximize: bool = True) -> tuple[str, float | None]:
    """The one rule for ``optimal`` versus ``feasible``, and the gap reported with it.

    A plan is ``optimal`` when its proven gap (:func:`relative_gap`) is within ``requested_gap`` plus
    ``GAP_TOLERANCE``. Without a finite bound it is ``optimal`` (gap 0.0) only when the solver proved it
    (``solver_optimal``), else ``feasible`` with an unknown gap (None).

    Examples
    --------
    >>> status_and_gap(99.95, 100.0, 0.001), status_and_gap(90.0, 100.0, 0.001)[0]
    (('optimal', 0.0005002501250625312), 'feasible')
    """
    gap = relative_gap(objective, bound, maximize)
    if gap is None:
        return ("optimal", 0.0) if solver_optimal else ("feasible", None)
    return ("optimal" if gap <= requested_gap + GAP_TOLERANCE else "feasible"), gap


class Deadline:
    """A wall-clock deadline shared by the phases of one call, and the time limits it hands out.

    Parameters
    ----------
    seconds : float or None
        Seconds from now; None = no deadline.
    floor : float
        Fewest seconds ever handed out (a phase that starts late still gets this much); the deadline counts
        as passed once no more than this is left.

    Examples
    --------
    >>> deadline = Deadline(60.0)
    >>> 59 < deadline.left() <= 60, 5.9 < deadline.share(0.1, cap=30.0) <= 6.0, Deadline(None).share(0.1, 30.0)
    (True, True, 30.0)
    """

    def __init__(self, seconds: float | None, floor: float = 0.01) -> None:
        self.end = None if seconds is None else time.perf_counter() + float(seconds)
        self.floor = floor

    def left(self) -> float | None:
        """Seconds left, at least ``floor``; None without a deadline."""
        if self.end is None:
            return None
        return max(self.end - time.perf_counter(), self.floor)

    def passed(self) -> bool:
        """True when no more than ``floor`` seconds are left."""
        return self.end is not None and self.end - time.perf_counter() <= self.floor

    def share(self, fraction: float, cap: float) -> float:
        """``fraction`` of the seconds left, at least ``floor`` and at most ``cap`` seconds (``cap`` without a
        deadline)."""
        if self.end is None:
            return cap
        return min(cap, max(fraction * (self.end - time.perf_counter()), self.floor))

    def part(self, fraction: float, cap: float) -> Deadline:
        """A deadline :meth:`share` seconds from now, with the same floor."""
        return Deadline(self.share(fraction, cap), self.floor)

    def limit(self, options: SolverOptions) -> SolverOptions:
        """A copy of ``options`` with the seconds left as its time limit (None without a deadline)."""
        return options.with_(time_limit=self.left())


def _highs_model(arrays: _Arrays, relax: bool):
    import highspy

    lp = highspy.HighsLp()
    inf = highspy.kHighsInf
    lp.num_col_ = len(arrays.names)
    lp.num_row_ = len(arrays.row_names)
    lp.col_cost_ = arrays.cost
    lp.col_lower_ = np.where(np.isfinite(arrays.col_lower), arrays.col_lower, -inf)
    lp.col_upper_ = np.where(np.isfinite(arrays.col_upper), arrays.col_upper, inf)
    lp.row_lower_ = np.where(np.isfinite(arrays.row_lower), arrays.row_lower, -inf)
    lp.row_upper_ = np.where(np.isfinite(arrays.row_upper), arrays.row_upper, inf)
    lp.offset_ = arrays.offset
    lp.sense_ = highspy.ObjSense.kMaximize if arrays.maximize else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = arrays.starts
    lp.a_matrix_.index_ = arrays.index
    lp.a_matrix_.value_ = arrays.value
    if arrays.integer.any() and not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                           for flag in arrays.integer]
    return lp


def highs_relaxation(problem: pulp.LpProblem, options: SolverOptions) -> tuple[object, list[str]]:
    """A ``highspy.Highs`` holding the LP relaxation of a PuLP problem, for callers that then add rows and
    columns themselves and re-solve warm (e.g. :mod:`planner.national.lpbound`); and the column names in
    order. Requires highspy."""
    arrays = _arrays(problem)
    highs = new_highs(options)
    highs.passModel(_highs_model(arrays, relax=True))
    return highs, arrays.names


def _solve_highs(arrays: _Arrays, options: SolverOptions, start: dict[str, float] | None,
                 relax: bool) -> SolveOutcome:

    began = time.perf_counter()
    highs = _new_highs(options)
    if options.time_limit is not None:
        highs.setOptionValue("time_limit", float(options.time_limit))
    highs.passModel(_highs_model(arrays, relax))
    _set_start(highs, arrays, start)
    _run(highs)
    seconds = time.perf_counter() - began
    return _highs_outcome(highs, arrays, options, relax, seconds)


#: HiGHS model statuses that mean the solver itself failed (not: no plan yet, infeasible, limits).
_HIGHS_FAILURES = ("kLoadError", "kModelError", "kPresolveError", "kSolveError", "kPostsolveError", "kMemoryLimit")


def _run(highs) -> None:
    """Run HiGHS; a crash or a failure status becomes a ``SolverError`` (exit 4) with one sentence."""
    import highspy

    try:
        ran = highs.run()
    except Exception as error:  # highspy raises several types; the solver, not the input, failed
        raise SolverError(f"HiGHS failed ({type(error).__name__}: {error}); try --solver cbc, and report it with "
                          "the scenario if it persists.") from None
    status = highs.getModelStatus()
    if ran == highspy.HighsStatus.kError and status.name == "kNotset":
        raise SolverError("HiGHS refused to run (an option it rejected, e.g. --threads); run with PLANNER_HIGHS_"
                          "OPTIONS=output_flag=true to see why, or try --solver cbc.")
    if status.name in _HIGHS_FAILURES:
        raise SolverError(f"HiGHS stopped with status {status.name} ({highs.modelStatusToString(status)}); try "
                          "--solver cbc, and report it with the scenario if it persists.")


def _trace(message: str) -> None:
    if os.environ.get("PLANNER_TRACE"):
        print(message, flush=True)


def _values(highs, arrays: _Arrays) -> dict[str, float]:
    return dict(zip(arrays.names, np.asarray(highs.getSolution().col_value, dtype=float), strict=True))


def _add_rows(highs, problem: pulp.LpProblem, arrays: _Arrays, names: list[str]) -> None:
    import highspy

    position = {name: j for j, name in enumerate(arrays.names)}
    _, lower, upper, starts, index, value = _rows(problem, names, position)
    inf = highspy.kHighsInf
    low = np.where(np.isfinite(lower), lower, -inf)
    high = np.where(np.isfinite(upper), upper, inf)
    highs.addRows(len(names), low, high, len(index), np.array(starts[:-1], dtype=np.int32),
                  np.array(index, dtype=np.int32), np.array(value, dtype=float))
    arrays.row_names.extend(names)


def _construct_highs(quiet: bool):
    """A ``highspy.Highs``; its constructor prints a banner to the C stdout, silenced unless logging."""
    import highspy

    if not quiet:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            return highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


#: Threads the HiGHS thread scheduler of this process was last made for (None: HiGHS's own choice).
_scheduler_threads: list[int | None] = [None]


def _thread_scheduler(threads: int | None) -> None:
    """HiGHS keeps one thread scheduler per process and refuses to run (kError, kNotset) when a later call
    asks for another number of threads; reset it whenever the number asked for changes."""
    import highspy

    if threads != _scheduler_threads[0] and hasattr(highspy.Highs, "resetGlobalScheduler"):
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads[0] = threads


def _new_highs(options: SolverOptions):
    _thread_scheduler(options.threads)
    highs = _construct_highs(not options.log)
    highs.setOptionValue("output_flag", bool(options.log))
    highs.setOptionValue("random_seed", int(options.seed))
    highs.setOptionValue("mip_rel_gap", float(options.gap))
    if options.threads is not None:
        highs.setOptionValue("threads", int(options.threads))
    for key, value in options.highs_options:
        highs.setOptionValue(key, value)
    _environment_options(highs)
    return highs


def new_highs(options: SolverOptions):
    """A silent ``highspy.Highs`` set up from ``options`` (threads, seed, gap, extra options), for callers that
    pass arrays to HiGHS themselves (e.g. :mod:`planner.siting.lp`). Requires highspy."""
    highs = _new_highs(options)
    if options.time_limit is not None:
        highs.setOptionValue("time_limit", float(options.time_limit))
    return highs


def run_highs(highs) -> None:
    """Run a ``highspy.Highs``; a crash or failure status becomes a ``SolverError`` with one sentence."""
    _run(highs)


def _environment_options(highs) -> None:
    """Extra HiGHS options from ``PLANNER_HIGHS_OPTIONS="key=value,..."`` (experiments); bad ones are user errors."""
    import highspy

    for item in filter(None, os.environ.get("PLANNER_HIGHS_OPTIONS", "").split(",")):
        key, _, text = (part.strip() for part in item.partition("="))
        status, current = highs.getOptionValue(key)
        try:
            if status != highspy.HighsStatus.kOk or not text:
                raise ValueError
            if isinstance(current, bool):
                if text.lower() not in ("true", "false"):
                    raise ValueError
                value = text.lower() == "true"
            else:
                value = type(current)(text)
        except ValueError:
            raise InputError(f"PLANNER_HIGHS_OPTIONS: {item!r} is not a HiGHS option=value pair of the right type; "
                             "fix or unset the variable.") from None
        highs.setOptionValue(key, value)


def _set_start(highs, arrays: _Arrays, start: dict[str, float] | None) -> None:
    """Hand HiGHS a starting plan (variable name -> value; names the model lacks are ignored)."""
    if not start:
        return
    position = {name: j for j, name in enumerate(arrays.names)}
    known = [(position[n], v) for n, v in start.items() if n in position]
    highs.setSolution(len(known), np.array([j for j, _ in known], dtype=np.int32),
                      np.array([v for _, v in known], dtype=float))


def _run_lp(highs) -> None:
    """Run an LP warm-started from the previous round's basis; when the warm simplex fails numerically
    (it can, after many rows are appended), solve that round again from scratch, then with interior point."""
    try:
        _run(highs)
        return
    except SolverError:
        _trace("LP round failed from the warm basis; solving it again from scratch")
    highs.clearSolver()
    try:
        _run(highs)
        return
    except SolverError:
        _trace("LP round failed again; trying interior point")
    highs.clearSolver()
    highs.setOptionValue("solver", "ipm")
    try:
        _run(highs)
    finally:
        highs.setOptionValue("solver", "choose")


def _lp_cut_loop(problem: pulp.LpProblem, options: SolverOptions, separate: Separator,
                 max_rounds: int) -> SolveOutcome:
    """LP relaxation with lazy rows: re-solve (warm, rows appended) until the separator adds nothing.
    The final LP optimum is then the optimum of the full relaxation (it satisfies every row)."""
    import highspy

    began = time.perf_counter()
    deadline = Deadline(options.time_limit)
    arrays = _arrays(problem)
    highs = _new_highs(options)
    highs.passModel(_highs_model(arrays, relax=True))
    for rounds in range(1, max_rounds + 1):
        if deadline.end is not None:
            highs.setOptionValue("time_limit", deadline.left())
        ran = time.perf_counter()
        _run_lp(highs)
        ran = time.perf_counter() - ran
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        added, _ = separate(_values(highs, arrays), False)
        _trace(f"LP round {rounds}: objective {highs.getInfo().objective_function_value:.8g}, "
               f"{len(added)} rows added, run {ran:.2f} s, {highs.getInfo().simplex_iteration_count} iterations, "
               f"{time.perf_counter() - began:.2f} s")
        if not added:
            break
        _add_rows(highs, problem, arrays, added)
    outcome = _highs_outcome(highs, arrays, options, True, time.perf_counter() - began)
    if outcome.has_solution and added:  # stopped early: the LP value is not a bound of the full relaxation
        return SolveOutcome("feasible", outcome.objective, None, None, "highs", outcome.seconds, outcome.values)
    return outcome


def _mip_rounds(problem: pulp.LpProblem, options: SolverOptions, start: dict[str, float] | None,
                separate: Separator, max_rounds: int, target: float | None) -> SolveOutcome:
    """MIP with lazy rows: solve, let the separator check the plan, add what it violates, re-solve from
    the repaired plan, until it accepts one. Every round's model is a relaxation of the full model, so
    its dual bound is valid for the full model."""
    began = time.perf_counter()
    deadline = Deadline(options.time_limit)
    arrays = _arrays(problem)
    highs = _new_highs(options)
    if target is not None:
        highs.setOptionValue("objective_target", float(target))
    highs.passModel(_highs_model(arrays, relax=False))
    outcome = None
    for rounds in range(1, max_rounds + 1):
        _set_start(highs, arrays, start)
        if deadline.end is not None:
            highs.setOptionValue("time_limit", deadline.left())
        _run(highs)
        outcome = _highs_outcome(highs, arrays, options, False, time.perf_counter() - began)
        if not outcome.has_solution:
            break
        added, start = separate(dict(outcome.values), True)
        _trace(f"MIP round {rounds}: {outcome.status} objective {outcome.objective:.8g} bound "
               f"{outcome.bound:.8g}, {len(added)} rows added, {time.perf_counter() - began:.2f} s")
        if not added or deadline.passed():
            break
        _add_rows(highs, problem, arrays, added)
    assert outcome is not None
    return outcome


def _highs_outcome(highs, arrays: _Arrays, options: SolverOptions, relax: bool, seconds: float) -> SolveOutcome:
    import highspy

    model_status = highs.getModelStatus()
    if model_status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
        model_status = _tell_unbounded_from_infeasible(highs)
    no_plan = {highspy.HighsModelStatus.kInfeasible: "infeasible", highspy.HighsModelStatus.kUnbounded: "unbounded",
               highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded"}
    if model_status in no_plan:
        return SolveOutcome(no_plan[model_status], None, None, None, "highs", seconds)
    info = highs.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return SolveOutcome("no_solution", None, None, None, "highs", seconds)
    solution = highs.getSolution()
    values = dict(zip(arrays.names, np.asarray(solution.col_value, dtype=float), strict=True))
    objective = float(info.objective_function_value)
    solved = model_status == highspy.HighsModelStatus.kOptimal
    duals: dict[str, float] = {}
    if bool(arrays.integer.any()) and not relax:
        bound = float(info.mip_dual_bound)
    else:  # an LP: its objective is its own bound once HiGHS has proven it optimal
        bound = objective if solved else None
        duals = dict(zip(arrays.row_names, np.asarray(solution.row_dual, dtype=float), strict=True))
    status, gap = status_and_gap(objective, bound, options.gap, solver_optimal=solved, maximize=arrays.maximize)
    return SolveOutcome(status, objective, bound, gap, "highs", seconds, values, duals)


def _tell_unbounded_from_infeasible(highs):
    """HiGHS's presolve says "unbounded or infeasible" when it cannot tell which; solve again without
    presolve, which can. Returns the new model status (still ambiguous only if HiGHS cannot tell at all)."""
    highs.setOptionValue("presolve", "off")
    highs.clearSolver()
    try:
        _run(highs)
    finally:
        highs.setOptionValue("presolve", "choose")
    return highs.getModelStatus()


_CBC_RESULT = re.compile(r"Result - (.+)")
_CBC_OBJECTIVE = re.compile(r"Objective value:\s+(\S+)")
_CBC_BOUND = re.compile(r"(?:Lower|Upper) bound:\s+(\S+)")


def _solve_cbc(problem: pulp.LpProblem, options: SolverOptions, start: dict[str, float] | None,
               relax: bool) -> SolveOutcome:
    if relax:
        raise InputError("LP duals need HiGHS; install highspy (pip install highspy) or use --solver highs.")
    began = time.perf_counter()
    work = problem.deepcopy()
    by_name = {v.name: v for v in work.variables()}
    for name, value in (start or {}).items():
        if name in by_name:
            by_name[name].setInitialValue(value)
    handle, log_path = tempfile.mkstemp(prefix="planner_cbc_", suffix=".log")
    os.close(handle)
    try:
        try:
            work.solve(pulp_compat.cbc_command(options.time_limit, options.gap, log_path, options.threads,
                                               warm_start=bool(start)))
        except pulp.PulpSolverError as error:
            raise SolverError(f"CBC failed ({str(error).strip() or 'no message'}); try --solver highs, and report "
                              "it with the scenario if it persists.") from None
        with open(log_path, encoding="utf-8", errors="replace") as stream:
            log = stream.read()
    finally:
        os.unlink(log_path)
    seconds = time.perf_counter() - began
    return _cbc_outcome(work, log, options, seconds)


def _cbc_outcome(work: pulp.LpProblem, log: str, options: SolverOptions, seconds: float) -> SolveOutcome:
    result = (_CBC_RESULT.search(log).group(1) if _CBC_RESULT.search(log) else "").lower()
    if "infeasible" in result or work.status == pulp.LpStatusInfeasible or "problem is infeasible" in log.lower():
        return SolveOutcome("infeasible", None, None, None, "cbc", seconds)
    if "unbounded" in result or work.status == pulp.LpStatusUnbounded:
        return SolveOutcome("unbounded", None, None, None, "cbc", seconds)
    if work.sol_status != pulp.LpSolutionIntegerFeasible and work.sol_status != pulp.LpSolutionOptimal:
        return SolveOutcome("no_solution", None, None, None, "cbc", seconds)
    values = {v.name: float(v.varValue or 0.0) for v in work.variables()}
    objective = float(pulp.value(work.objective))
    bound_match = _CBC_BOUND.search(log)
    bound = objective if "optimal" in result else None
    if bound_match and "optimal" not in result:
        try:
            bound = float(bound_match.group(1))  # CBC prints it in the problem's own sense ("Upper bound" for max)
        except ValueError:
            bound = None
    status, gap = status_and_gap(objective, bound, options.gap, solver_optimal="optimal" in result,
                                 maximize=pulp_compat.is_maximize(work))
    return SolveOutcome(status, objective, bound, gap, "cbc", seconds, values)


def _solve_lazy(problem: pulp.LpProblem, options: SolverOptions, start: dict[str, float] | None,
                separate: Separator, max_rounds: int, target: float | None) -> SolveOutcome:
    if options.solver == "highs":
        return _mip_rounds(problem, options, start, separate, max_rounds, target)
    began = time.perf_counter()
    deadline = Deadline(options.time_limit)
    outcome = None
    for _ in range(max_rounds):  # CBC: re-solve the PuLP problem with the added rows
        outcome = _solve_cbc(problem, deadline.limit(options.with_(solver="cbc")), start, False)
        if not outcome.has_solution:
            break
        added, start = separate(dict(outcome.values), True)
        if not added or deadline.passed():
            break
    assert outcome is not None
    return SolveOutcome(outcome.status, outcome.objective, outcome.bound, outcome.gap, "cbc",
                        time.perf_counter() - began, outcome.values)


def highs_available() -> bool:
    """True when highspy imports."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def solve(problem: pulp.LpProblem, options: SolverOptions | None = None, *,
          start: dict[str, float] | None = None, relax: bool = False, separate: Separator | None = None,
          max_rounds: int = 50, target: float | None = None) -> SolveOutcome:
    """Solve ``problem`` and write the plan's values back into its variables.

    Parameters
    ----------
    problem : pulp.LpProblem
        The model; it is not otherwise changed.
    options : SolverOptions, optional
        Solver, time limit (s), relative gap, threads, seed.
    start : dict, optional
        Variable name -> value of a starting plan handed to the solver (HiGHS ``setSolution``, CBC warm start).
    relax : bool
        Solve the LP relaxation (integrality dropped); duals are returned.
    separate : callable, optional
        Lazy rows (see ``Separator``): the model starts with some rows and the separator adds those a
        solution violates, round after round (at most ``max_rounds``), until it accepts the LP optimum
        (with ``relax``) or a plan. Rows it adds are also added to ``problem``. With ``relax`` and a
        separator the LP is solved by HiGHS whatever ``options.solver`` says.
    max_rounds : int
        Limit on separation rounds.
    target : float, optional
        Stop the MIP as soon as a plan this good is found (HiGHS ``objective_target``); the status is then
        ``feasible`` with the proven gap at that moment.

    Returns
    -------
    SolveOutcome
        Status, objective, bound and gap as the solver reports them.

    Examples
    --------
    >>> x = pulp.LpVariable("x", 0, 10, cat="Integer")
    >>> problem = pulp.LpProblem("tiny", pulp.LpMaximize)
    >>> problem += x
    >>> problem += pulp.LpConstraint(2 * x, pulp.LpConstraintLE, "cap", 7)
    >>> solve(problem).objective
    3.0
    """
    options = options or SolverOptions()
    if options.solver == "highs" and not highs_available():  # options made before highspy went missing
        options = options.with_(solver="cbc")
    if separate is not None and relax:
        outcome = _lp_cut_loop(problem, options, separate, max_rounds)
    elif separate is not None:
        outcome = _solve_lazy(problem, options, start, separate, max_rounds, target)
    elif options.solver == "highs":
        outcome = _solve_highs(_arrays(problem), options, start, relax)
    else:
        outcome = _solve_cbc(problem, options, start, relax)
    if outcome.has_solution:
        for variable in problem.variables():
            variable.varValue = outcome.values.get(variable.name, 0.0)
    return outcome

