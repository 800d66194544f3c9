"""A proven bound by descent on the Lagrangian dual, the counts chosen again at every step.

The cutting planes of :mod:`planner.national.lpbound` hold each round's counts fixed while the prices move, and
let a count model with a few tangents per price vector propose the next counts; they close the last few per
cent slowly (Kelley's tail; official data: 316.5 M after 16 rounds in 10 minutes). Here every step prices the
counts exactly instead.

For cover-row prices rho[i,t] >= 0 (merged rows of :class:`planner.national.lpbound.ReducedCover`, where the
existing outlets' reach K is a constant), every plan reaches at most

    B(rho) = K + sum_t C_t(rho) + max over counts N obeying every scenario rule of sum_{g,t} f_{g,t}(N[g,t]),

C_t = sum_i max(0, W[i,t] - rho[i,t]) and f_{g,t}(n) the sum of the n largest site values v[s,t] (the rho of
the rows site s covers) of group g = (regency, kind), n = N - E free outlets (proof in
:mod:`planner.national.lpbound`: the plan's counts obey the rules, and at those counts its reach is below
C_t + sum_g f). f is concave and piecewise linear, so the max is an LP (:class:`SegmentCountLP`): the count
model's LP relaxation (every rule, :func:`planner.national.lpbound.rules_relaxation`) with one column per
segment, x[g,t,j] in [0, 1] of slope the (j+1)-th largest value, sum_j x[g,t,j] <= N[g,t] - E[g]; since the
slopes decrease, an optimum fills the segments in order and the column sum equals f at N (the LP relaxation
only enlarges the choice). Beyond ``MAX_SEGMENTS`` a group's last column has the next value as its slope and
the group's remaining sites as its bound: the tangent of concave f lies above it, so the max only grows.
Hence every step's B is a valid bound. HiGHS's LP optimum carries its tolerances (1e-7), so the value kept is
not its objective but the weak-duality sum of its duals (:func:`planner.national.safe.dual_bound`), a proof
whatever their accuracy.

B is convex in rho (a max of convex functions) and, with N* the counts of the LP's optimum, the subgradient
of the Lagrangian at N* (:meth:`planner.national.subgradient.SubgradientPrices.lagrangian`: the rows the
chosen sites cover minus [W > rho]) is a subgradient of B (Danskin). The steps go along it deflected by
DEFLECTION of the previous direction (measured on the default: 298.7 M after 60 s against 299.1 M
without), each row's component scaled by sqrt(W) (a row's price lies in [0, W]), with Polyak's length in
that metric towards the two-step plan's value (below the minimum of B), projected on 0 <= rho <= W, the
step size halved after PATIENCE steps without a new best. Prices start by complementary
slackness with the two-step plan (:func:`planner.national.subgradient.plan_start`). The smallest B of all
steps is the bound.

By default the count LP keeps 'once open, stays open' (:class:`planner.national.nested.NestedCountLP`: each
site gets an opening year instead of a place in each year's top n; proof there): the same argument holds with
it in place of the segment LP, whose bound levels off higher (embedded default 297.25 M against 298.57 M at
their limits; official data 309.85 M against 310.80 M in 480 s). Every step's counts are kept: their average
over the last half of the steps (primal recovery) is what a plan is made from (``at_prices``).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner.inputs import PlanInputs
from planner.national.bound import BoundResult
from planner.national.lpbound import ReducedCover, reduced_cover, rules_relaxation
from planner.national.model import NationalData
from planner.national.safe import dual_bound, lp_parts
from planner.solve import SolverOptions

METHOD = ("descent on the Lagrangian dual (cover-row prices; counts and opening years re-optimised by an exact count "
          "LP each step)")
#: Segments of unit width per group and year before the group's last, open-ended one.
MAX_SEGMENTS = 12
#: First step size (a fraction of Polyak's step).
THETA = 1.0
#: Steps without a new best bound after which the step size is halved.
PATIENCE = 10
#: Share of the previous direction added to each subgradient.
DEFLECTION = 0.7
#: Each row's step is scaled by its weight to this power (Polyak's step in that metric): a row's price lies
#: in [0, W], so rows of few people move little (official data, 200 steps: 311.1 M against 312.4 M unscaled).
SCALE_POWER = 0.5
#: The last moment for a plan from the descent (``at_prices``): the step size below this, or this share of the
#: time; a first one at EARLY_SHARE of the time (the search then has the longer part of the phase to continue).
SETTLED_THETA, PRICES_SHARE, EARLY_SHARE = 1e-3, 0.85, 0.4
#: Seconds one count-LP solve may take (a warm re-solve takes 0.1-0.7 s).
SOLVE_SECONDS = 60.0
#: A step size below this ends the descent (nothing more to gain).
SMALLEST_THETA = 1e-5


class CountLP:
    """What the descent's count LPs share (:class:`SegmentCountLP`, :class:`planner.national.nested.NestedCountLP`):
    the count model's LP relaxation in ``highs`` with its count columns ``count_col``, the columns whose costs
    each step sets (``columns``), and what a proof from duals needs of it (``matrix``, ``bounds``, ``cost``:
    :func:`planner.national.safe.lp_parts`)."""

    def order(self, values: np.ndarray) -> list[np.ndarray]:
        """Per year, the sites sorted by group, then by value from the largest."""
        return [np.lexsort((-values[:, t], self.rc.group)) for t in range(values.shape[1])]

    def _run(self, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
        """Re-solve warm with ``cost`` (persons) on ``columns``, scaled to order 1 (persons per unit kept in
        ``unit``, the LP's objective in ``objective``); returns the column values, the free counts N - E
        (n_groups, n_years; fractional, at least 0) and the proven bound (persons), or None when HiGHS does not
        prove the LP optimal within SOLVE_SECONDS."""
        import highspy

        unit = self.unit = max(float(cost.max(initial=0.0)), 1e-12)  # costs of order 1 whatever the size
        self.cost[self.columns] = cost / unit
        self.highs.changeColsCost(len(self.columns), self.columns, self.cost[self.columns])
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + SOLVE_SECONDS)  # HiGHS's clock adds up
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = self.highs.getSolution()
        column_value = np.asarray(solution.col_value)
        counts = column_value[np.maximum(self.count_col, 0)]
        free = np.maximum(np.where(self.count_col >= 0, counts - self.rc.existing[:, None], 0.0), 0.0)
        proven = dual_bound(self.matrix, self.cost, *self.bounds, np.asarray(solution.row_dual))
        self.objective = float(self.highs.getInfo().objective_function_value) * unit
        return column_value, free, proven * unit


class SegmentCountLP(CountLP):
    """max over counts obeying every scenario rule of sum_{g,t} f_{g,t}(N[g,t]), an LP in HiGHS, loaded once and
    re-solved warm with each step's site values (module docstring).

    Parameters
    ----------
    inputs : PlanInputs
    rc : ReducedCover
    max_segments : int
        Unit segments per group and year before the open-ended last one.
    """

    def __init__(self, inputs: PlanInputs, rc: ReducedCover, max_segments: int = MAX_SEGMENTS):
        import highspy

        self.highs, self.count_col, n_cols, _ = rules_relaxation(inputs, rc, SolverOptions(threads=1))
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        col_upper = np.asarray(self.highs.getLp().col_upper_)
        sizes = np.bincount(rc.group, minlength=rc.n_groups)
        group, year, rank, upper = [], [], [], []
        starts, index, value, row_upper = [], [], [], []
        for g in np.flatnonzero(sizes):
            for t in range(self.count_col.shape[1]):
                count = self.count_col[g, t]
                if count < 0:  # a regency outside the scenario: its outlets are the existing ones
                    continue
                room = float(col_upper[count]) - float(rc.existing[g])
                unit = int(min(max(room, 0.0), sizes[g], max_segments))
                tail = room > unit and sizes[g] > unit
                columns = n_cols + len(group) + np.arange(unit + int(tail))
                if not len(columns):
                    continue
                group += [g] * len(columns)
                year += [t] * len(columns)
                rank += list(range(len(columns)))
                upper += [1.0] * unit + ([min(room, sizes[g]) - unit] if tail else [])
                starts.append(len(index))
                index += [*columns.tolist(), int(count)]
                value += [*([1.0] * len(columns)), -1.0]
                row_upper.append(-float(rc.existing[g]))
        self.group, self.year, self.rank = np.asarray(group, np.int64), np.asarray(year, np.int64), np.asarray(rank)
        self.columns = np.arange(n_cols, n_cols + len(group), dtype=np.int32)
        self.highs.addVars(len(group), np.zeros(len(group)), np.asarray(upper, float))
        self.highs.addRows(len(row_upper), np.full(len(row_upper), -1e30), np.asarray(row_upper), len(index),
                           np.asarray(starts, np.int32), np.asarray(index, np.int32), np.asarray(value, float))
        self.matrix, self.bounds, self.cost = lp_parts(self.highs)
        self.rc = rc

    def chosen(self, orders: list[np.ndarray], free: np.ndarray) -> np.ndarray:
        """(n_sites, n_years) the weight of each site in its group's top ``free`` (fractional: the LP relaxation
        of 'free[g, t] sites of group g'), from the sites sorted by :meth:`order`."""
        out = np.zeros((len(self.rc.group), len(orders)))
        for t, order in enumerate(orders):
            out[order, t] = self.rc.top_weights(order, free[:, t])
        return out

    def solve(self, values: np.ndarray, orders: list[np.ndarray] | None = None
              ) -> tuple[float | None, np.ndarray | None]:
        """A proven upper bound on the LP's optimum (persons; :func:`planner.national.safe.dual_bound` from the
        duals HiGHS found) and the free counts N - E it chose (n_groups, n_years; fractional) for site values
        ``values`` (n_sites, n_years; persons), sorted by :meth:`order` unless ``orders`` gives it; (None, None)
        when HiGHS does not prove the LP optimal within SOLVE_SECONDS. The LP's own objective (persons, not a
        proof) is kept in ``objective``, the chosen sites' weights (:meth:`chosen`) in ``opened``."""
        orders = orders if orders is not None else self.order(values)
        cost = np.zeros(len(self.group))
        for t in range(values.shape[1]):
            ordered = values[orders[t], t]
            here = self.year == t
            cost[here] = ordered[self.rc.group_start[self.group[here]] + self.rank[here]]
        solved = self._run(cost)
        if solved is None:
            return None, None
        _, free, proven = solved
        self.opened = self.chosen(orders, free)
        return proven, free


def recent_average(counts: list[np.ndarray]) -> np.ndarray:
    """The average of the last half of the steps' free counts (primal recovery: what a plan is made from)."""
    return np.mean(counts[len(counts) // 2:], axis=0)


def descent_bound(data: NationalData, tree: cKDTree, placed: pd.DataFrame, time_limit: float = 300.0, log=None,
                  reduced: ReducedCover | None = None, whole: bool = True, at_prices=None,
                  stays_open: bool = True) -> BoundResult:
    """The bound of the module docstring, stepping until ``time_limit`` seconds have passed (or the step size is
    spent); then, when ``whole`` and the reduced model is small enough, the whole model's LP
    (:func:`planner.national.lpbound.whole_lp_bound`) with the time left, if any.

    Parameters
    ----------
    data : NationalData
    tree : scipy.spatial.cKDTree
        ``data.tree()``.
    placed : pandas.DataFrame
        The two-step plan's outlets (``region_code``, ``lon``, ``lat``, ``kind``, ``year``; existing before the
        first year): the existing ones are reduced out, the others start the prices and set the step target.
    time_limit : float
        Seconds.
    log : callable, optional
    reduced : ReducedCover, optional
        ``reduced_cover(data, tree, placed)`` when the caller has it already.
    whole : bool
        When the steps end before ``time_limit`` (step size spent) and the model is small enough (the embedded
        default, a phase of 120 s or more), solve the whole model's LP with the time left. Since the count LP
        keeps 'stays open' the steps get the whole time first: on the default they reach 297.29 M by 120 s,
        0.1 % above the whole LP (296.91 M), which needs 460-550 s of both cores (given the time after 89 s
        of steps it was not solved in a 600 s phase beside the search, twice, 2026-12-02 night).
    at_prices : callable, optional
        ``at_prices(rc, free)`` is called with the count LP's free counts N - E (n_groups, n_years;
        fractional) averaged over the last half of the steps so far: once EARLY_SHARE of the steps' time has
        passed, and again (last) when the step size has fallen below SETTLED_THETA or PRICES_SHARE of the time
        has passed (whichever comes first; at the end of the steps otherwise): the moments for a plan from the
        descent (:mod:`planner.national.heuristic`). Its time counts against the bound's.
    stays_open : bool
        Re-optimise the counts with 'once open, stays open' (:class:`planner.national.nested.NestedCountLP`,
        the default: embedded default 297.25 M at its limit against 298.57 M) or without it
        (:class:`SegmentCountLP`, faster per step).

    Returns
    -------
    BoundResult
    """
    from planner.national.lpbound import MIN_WHOLE_SECONDS, WHOLE_MAX_NONZEROS, then_whole_lp
    from planner.national.nested import NestedCountLP
    from planner.national.subgradient import SubgradientPrices, plan_start

    began = time.perf_counter()
    rc = reduced if reduced is not None else reduced_cover(data, tree, placed)
    start, target = plan_start(rc, data, tree, placed)
    steps = SubgradientPrices(rc, start, target)
    counts = NestedCountLP(data.inputs, rc) if stays_open else SegmentCountLP(data.inputs, rc)
    by_site = steps.by_site
    constant = float(rc.constant.sum())
    best = float(rc.weights.sum()) + constant
    history = [(time.perf_counter() - began, best)]
    whole = whole and rc.matrix.nnz * len(data.years) <= WHOLE_MAX_NONZEROS and time_limit >= MIN_WHOLE_SECONDS
    if log:
        log(f"descent bound: {rc.matrix.shape[0]:,} merged rows x {rc.matrix.shape[1]:,} sites after the reductions "
            f"({rc.matrix.nnz:,} non-zeros; existing outlets reach {constant:,.0f}); count LP with "
            f"{len(counts.columns):,} columns ({time.perf_counter() - began:.0f} s)")
    prices, direction = steps.prices, None
    theta, idle, taken, goal, failed = THETA, 0, 0, float(target.sum()), False
    scale = rc.weights ** SCALE_POWER
    chosen_counts = []  # the count LP's free counts of every step (their average: the heuristic's counts)
    early = True  # the first plan from the descent is still due
    while time.perf_counter() - began < time_limit and theta >= SMALLEST_THETA:
        elapsed = time.perf_counter() - began
        if at_prices is not None and chosen_counts:
            settled = theta < SETTLED_THETA or elapsed > PRICES_SHARE * time_limit
            if settled or (early and elapsed > EARLY_SHARE * time_limit):
                at_prices(rc, recent_average(chosen_counts))
                early, at_prices = False, None if settled else at_prices
        values = by_site @ prices
        orders = counts.order(values)
        found, free = counts.solve(values, orders)
        if found is None:
            failed = True
            break
        chosen_counts.append(free)
        slack = rc.weights - prices
        uncovered = float(np.maximum(slack, 0.0).sum())
        value = constant + uncovered + found  # infinite if the duals prove nothing
        length = uncovered + counts.objective - goal  # Polyak's: B - K above the target
        gradient = rc.matrix @ counts.opened - (slack > 0)  # Danskin: the Lagrangian's at the LP's optimum
        taken += 1
        if value < best:
            best, idle = value, 0
            history.append((time.perf_counter() - began, best))
        else:
            idle += 1
            if idle >= PATIENCE:
                theta, idle = theta / 2, 0
        if log and taken % 50 == 0:
            log(f"descent bound: {best:,.0f} after {taken} steps (step size {theta:.4f}; "
                f"{time.perf_counter() - began:.0f} s)")
        if direction is not None:
            gradient += DEFLECTION * direction
        blocked = ((prices <= 0.0) & (gradient > 0)) | ((prices >= rc.weights) & (gradient < 0))
        gradient[blocked] = 0.0  # components the projection would undo only shorten the step
        direction = gradient
        norm = float((gradient * gradient * scale).sum())
        if norm == 0.0:
            break  # prices where no row is worth more or less: B is at its minimum
        prices = np.clip(prices - scale * gradient * (theta * length / norm), 0.0, rc.weights)
    if at_prices is not None and chosen_counts:
        at_prices(rc, recent_average(chosen_counts))
    note = f"{taken} descent steps" + (" (then the count LP was not solved in time)" if failed else "")
    left = time_limit - (time.perf_counter() - began)
    if whole and left > 1.0:
        best, note = then_whole_lp(data.inputs, rc, left, best, note, history, began, log, "descent bound")
    return BoundResult(bound=best, count_objective=None, rounds=taken, pairs=0, seconds=time.perf_counter() - began,
                       history=history, counts={}, note=note)
