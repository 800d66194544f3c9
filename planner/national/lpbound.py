"""A proven bound on the national site-level model from the national covering LP's prices, several at once.

Reductions (exact). Existing outlets are open in every plan, so the demand rows they reach are reached in every
year by every plan: their worker-years K are added and the rows leave the model; the existing outlets leave
the columns and take their places in the counts (a regency with E existing gerai and N open has N - E free
gerai). A site whose cover (of the rows left) lies inside another site's of the same regency and kind is
dropped (an optimum never needs it: swap it for the other, or leave the place empty, since counts are 'at
most' in every relaxation below). Rows covered by the same sites are merged.

Validity (weak duality). With free counts n[g,t] of group g = (regency, kind) in year t, every plan satisfies
z[i,t] <= sum_{s covers i} y[s,t], sum_{s in g} y[s,t] <= n[g,t], 0 <= y, z <= 1. For ANY prices
rho[i,t] >= 0,

    sum_i W[i,t] z[i,t]  <=  C_t(rho) + sum_g f_{g,t}(n[g,t]),

C_t = sum_i max(0, W[i,t] - rho[i,t]), f_{g,t}(n) = the sum of the n largest site values v[s,t] = sum of the
rho of the rows s covers (dropping 'once open stays open' and integrality only enlarges the choice).
f_{g,t} is concave with slopes the sorted values, so for any n0 the tangent f(n0) + v_(n0) (n - n0) lies
above it at every n. Since this holds for every year and every price vector rho^j on its own, the
site-level optimum is at most

    max over counts obeying every scenario rule of  sum_t min_j [ K_t + C_t(rho^j) + sum_g u^j_{g,t} ],
    u^j_{g,t} <= every tangent of f^j_{g,t} in the model,

and at most the optimum of that count model's LP relaxation (:class:`CutModel`), whatever the prices and the
tangents kept. With rho the national LP's cover-row duals at counts N (solved by HiGHS,
warm-started across years and rounds) the j-th term equals the LP's value at N; the count model then proposes
the counts where the prices so far promise most, their LP gives the next prices, and the bound falls
towards the LP relaxation's optimum over counts (a cutting-plane / Benders scheme on the LP value function).
With ``prices="subgradient"`` (the default of :func:`planner.national.run.site_level`) rho comes from
subgradient steps on the same LP's Lagrangian (:mod:`planner.national.subgradient`) instead of from HiGHS:
the j-th term is then at least the LP's value at N, and validity is unchanged.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner.inputs import PlanInputs
from planner.national.bound import UNIT, BoundResult, rules_model
from planner.national.lagrange import NationalCover, national_cover
from planner.national.model import NationalData, cover
from planner.national.safe import highs_dual_bound
from planner.pulp_compat import affine
from planner.scenario import KINDS
from planner.siting.reduce import row_labels, undominated_columns
from planner.solve import SolverOptions, highs_relaxation, new_highs

METHOD = "national covering LP prices (cutting planes on the LP value function) + count-model dual bound"
#: Tangents of each group's top-n function kept per price vector: at the counts, and this many either side.
SIDE = 2
#: Seconds of each count-model solve (its dual bound at the limit is still proven).
COUNT_SECONDS = 60.0
#: Largest whole reduced model (non-zeros of the cover rows over all years) whose LP relaxation is solved
#: after the first cutting-plane rounds (the embedded default: 3.2 M).
WHOLE_MAX_NONZEROS = 6_000_000
#: Fewest seconds of bound worth starting the whole LP for.
MIN_WHOLE_SECONDS = 120.0
#: Share of the bound's time the cutting planes get before the whole LP (when it is solved): none beyond
#: the first round (a bound within seconds), since the LP needs 380-420 s of a 450 s bound on the default.
PLANES_SHARE = 0.0
#: Subgradient steps (``prices="subgradient"``) before the first block, and before each later one.
FIRST_STEPS, ROUND_STEPS = 150, 40
#: Share of the bound's time the first round's steps may take at most.
FIRST_SHARE = 0.15
#: Next prices at this mix of the two-step plan's counts and the count model's (stabilised cutting planes).
CENTER = 0.5


@dataclass
class ReducedCover:
    """The national covering structure after the exact reductions.

    Attributes
    ----------
    weights : numpy.ndarray
        (n_rows, n_years) W of each merged row left (persons x the year's objective weight).
    matrix : scipy.sparse.csr_matrix
        Rows x columns (sites kept), float 0/1.
    group : numpy.ndarray
        Per column, its group (regency, kind) number.
    group_region, group_kind : numpy.ndarray
        Per group.
    existing : numpy.ndarray
        Per group, existing outlets (open in every plan).
    constant : numpy.ndarray
        Per year, the weight the existing outlets reach (every plan reaches it).
    points : numpy.ndarray, optional
        Per merged row, one of its demand points (position in ``data.demand``).
    sites : pandas.DataFrame, optional
        Per column, its site (``region_code``, ``site_id``, ``lon``, ``lat``, ``kind``).
    """

    weights: np.ndarray
    matrix: sp.csr_matrix
    group: np.ndarray
    group_region: np.ndarray
    group_kind: np.ndarray
    existing: np.ndarray
    constant: np.ndarray
    points: np.ndarray | None = None
    sites: pd.DataFrame | None = None

    @property
    def n_groups(self) -> int:
        """Groups (regency, kind)."""
        return len(self.group_region)

    @cached_property
    def group_start(self) -> np.ndarray:
        """Where each group's sites begin once the sites are sorted by group (and the end, last)."""
        return np.searchsorted(np.sort(self.group), np.arange(self.n_groups + 1))

    def top_weights(self, order: np.ndarray, free: np.ndarray) -> np.ndarray:
        """For the sites in ``order`` (sorted by group, then by value from the largest), each one's weight in its
        group's top ``free[g]`` (fractional: the LP relaxation of 'free[g] sites of group g'), in that order."""
        groups = self.group[order]
        return np.clip(np.maximum(free[groups], 0.0) - (np.arange(len(order)) - self.group_start[groups]), 0.0, 1.0)


def reduced_cover(data: NationalData, tree: cKDTree, placed: pd.DataFrame, nc: NationalCover | None = None
                  ) -> ReducedCover:
    """The reductions of the module docstring, from the national cover with ``placed`` outlets as columns
    (``nc``: ``national_cover(data, tree, placed)`` when the caller has it already)."""
    nc = nc if nc is not None else national_cover(data, tree, placed)
    full = nc.weights * nc.year_weight[None, :]
    existing = placed[placed["year"] < data.years[0]]
    reached = np.zeros(nc.matrix.shape[0], dtype=bool)
    for kind, part in existing.groupby("kind"):
        hits = cover(tree, part["lon"], part["lat"], data.radius[kind])[nc.points]
        reached |= np.diff(hits.tocsr().indptr) > 0
    group_index = {(c, k): g for g, (c, k) in enumerate(zip(nc.group_region, nc.group_kind, strict=True))}
    counts = np.zeros(len(nc.group_region), dtype=np.int64)
    rules = data.inputs.existing.groupby(["region_code", "kind"])["count"].sum()
    for (code, kind), n in existing.groupby(["region_code", "kind"]).size().items():
        if (code, kind) in group_index:  # never more than the scenario's: free counts N - E must stay >= 0
            counts[group_index[(code, kind)]] = min(int(n), int(rules.get((code, kind), 0)))
    by_column = nc.matrix[~reached].tocsc()
    kept = []
    for g in range(len(nc.group_region)):
        first, last = nc.starts[g], nc.starts[g + 1]
        block = by_column[:, first:last]
        useful = np.flatnonzero(np.diff(block.indptr))
        if len(useful):
            kept.append(first + useful[undominated_columns(block[:, useful].tocsr().astype(bool))])
    columns = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    matrix = by_column[:, columns].tocsr()
    weights = full[~reached]
    alive = np.flatnonzero(np.diff(matrix.indptr))
    matrix, weights, points = matrix[alive], weights[alive], nc.points[~reached][alive]
    matrix.sort_indices()
    labels, representatives = row_labels(matrix)
    merged = np.stack([np.bincount(labels, weights=weights[:, t], minlength=len(representatives))
                       for t in range(weights.shape[1])], axis=1)
    return ReducedCover(weights=merged, matrix=matrix[representatives].astype(float).tocsr(),
                        group=nc.group[columns], group_region=nc.group_region, group_kind=nc.group_kind,
                        existing=counts, constant=full[reached].sum(axis=0), points=points[representatives],
                        sites=None if nc.sites is None else nc.sites.iloc[columns].reset_index(drop=True))


class CoveringLP:
    """The national covering LP of one year, loaded once in HiGHS and re-solved warm at other counts/years."""

    def __init__(self, rc: ReducedCover, threads: int = 1):
        import highspy

        n_rows, n_cols = rc.matrix.shape
        counting = sp.csr_matrix((np.ones(n_cols), (rc.group, np.arange(n_cols))), shape=(rc.n_groups, n_cols))
        a = sp.vstack([sp.hstack([-rc.matrix, sp.identity(n_rows, format="csr")]),
                       sp.hstack([counting, sp.csr_matrix((rc.n_groups, n_rows))])]).tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_cols + n_rows, n_rows + rc.n_groups
        lp.col_cost_ = np.zeros(n_cols + n_rows)
        lp.col_lower_, lp.col_upper_ = np.zeros(n_cols + n_rows), np.ones(n_cols + n_rows)
        lp.row_lower_ = np.full(n_rows + rc.n_groups, -highspy.kHighsInf)
        lp.row_upper_ = np.zeros(n_rows + rc.n_groups)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
        lp.sense_ = highspy.ObjSense.kMaximize
        self.highs = new_highs(SolverOptions(threads=threads))
        self.highs.passModel(lp)
        self.rc, self.n_rows, self.n_cols = rc, n_rows, n_cols

    def solve(self, year_index: int, free: np.ndarray, time_limit: float | None = None) -> tuple[float, np.ndarray]:
        """The LP of one year at free counts per group: HiGHS's objective (persons; the optimum when it is
        solved) and the cover-row duals (persons, clipped to [0, W]); any prices are valid, so a time-limited
        solve still gives usable (looser) ones."""
        weights = self.rc.weights[:, year_index].astype(float)
        h = self.highs
        h.changeColsCost(self.n_rows, np.arange(self.n_cols, self.n_cols + self.n_rows, dtype=np.int32), weights)
        rows = np.arange(self.n_rows, self.n_rows + self.rc.n_groups, dtype=np.int32)
        h.changeRowsBounds(len(rows), rows, np.full(len(rows), -1e30), np.maximum(free, 0).astype(float))
        h.setOptionValue("time_limit", h.getRunTime() + float(time_limit) if time_limit else float("inf"))
        h.run()
        duals = np.asarray(h.getSolution().row_dual[:self.n_rows])
        return float(h.getInfo().objective_function_value), np.clip(np.abs(duals), 0.0, weights)


def tangents(rc: ReducedCover, prices: np.ndarray, free: np.ndarray) -> list[tuple[int, float, float]]:
    """Per group, the tangents of f_{g,t} (module docstring) at free counts ``free`` and SIDE either side.

    Parameters
    ----------
    rc : ReducedCover
    prices : numpy.ndarray
        rho[., t] per merged row (persons).
    free : numpy.ndarray
        Per group, the free count (open outlets minus existing) to put the tangents at.

    Returns
    -------
    list
        (group, intercept, slope), persons: u <= intercept + slope N with N the group's open outlets,
        existing included.
    """
    values = rc.matrix.T @ prices
    order = np.lexsort((-values, rc.group))
    ordered = values[order]
    starts = np.searchsorted(rc.group[order], np.arange(rc.n_groups + 1))
    out = []
    for g in np.flatnonzero(np.diff(starts)):
        block = ordered[starts[g]:starts[g + 1]]
        prefix = np.concatenate([[0.0], np.cumsum(block)])
        for n in sorted({max(0, min(round(float(free[g])) + d, len(block))) for d in range(-SIDE, SIDE + 1)}):
            slope = float(block[n]) if n < len(block) else 0.0
            out.append((int(g), float(prefix[n]) - slope * (n + int(rc.existing[g])), slope))
    return out


def rules_relaxation(inputs: PlanInputs, rc: ReducedCover, options: SolverOptions, objective: str | None = None
                     ) -> tuple[object, np.ndarray, int, int]:
    """The LP relaxation of the count model's rules (:func:`planner.national.bound.rules_model`) in HiGHS.

    Returns
    -------
    (highspy.Highs, numpy.ndarray, int, int)
        The LP (maximising the free column named ``objective`` when given); per group and year the column of
        its count N[g,t] (-1 for a regency outside the scenario, whose outlets are its existing ones); the
        number of columns; the objective's column (-1 without one).
    """
    m = rules_model(inputs)
    m.problem.setObjective(affine([] if objective is None else [(pulp.LpVariable(objective), 1.0)]))
    highs, names = highs_relaxation(m.problem, options)
    position = {name: j for j, name in enumerate(names)}
    counts = m.counts.set_index(["region_code", "kind", "year"])["var"]
    count_col = np.array([[position[counts[(code, kind, year)].name] if (code, kind, year) in counts.index else -1
                           for year in inputs.years]
                          for code, kind in zip(rc.group_region, rc.group_kind, strict=True)],
                         dtype=np.int64).reshape(rc.n_groups, len(inputs.years))
    return highs, count_col, len(names), position.get(objective, -1)


class CutModel:
    """The LP relaxation of the count model (every scenario rule) with blocks of price cuts, in HiGHS: maximise
    eta = sum_t theta_t with, for each block j and year t, theta_t <= K_t + C_t(rho^j) + sum_g u^j_{g,t} and
    u^j under its tangents (units of UNIT persons). Each year's reach is below each block's bound of that year
    on its own, so the years may take their smallest from different blocks (one cut per year and block, a
    'multi-cut' scheme: never looser than one cut per block summed over the years). Its LP optimum bounds the
    count MILP's, so it is a valid bound too; blocks are added as rows and columns and the LP re-solved warm."""

    def __init__(self, inputs: PlanInputs, rc: ReducedCover):
        self.highs, self.count_col, self.n_cols, self.eta = rules_relaxation(inputs, rc, SolverOptions(threads=1),
                                                                             "eta")
        self.rc, self.blocks, self.n_years = rc, 0, len(inputs.years)
        inf = 1e30
        self.theta = self.n_cols + np.arange(self.n_years)
        self.highs.addVars(self.n_years, np.full(self.n_years, -inf), np.full(self.n_years, inf))
        self.n_cols += self.n_years
        self.highs.addRows(1, np.array([-inf]), np.array([0.0]), self.n_years + 1, np.array([0], np.int32),
                           np.r_[self.eta, self.theta].astype(np.int32), np.r_[1.0, -np.ones(self.n_years)])
        self.first_cut = self.highs.getNumRow()
        # per cut row (from first_cut on): its tangent's u column (-1: a year's row), right-hand side, block
        self.cut_column, self.cut_upper, self.cut_block = np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64)

    def add_block(self, constants: np.ndarray, cuts: list[list[tuple[int, float, float]]]) -> None:
        """One price vector's block: ``constants[t]`` = K_t + C_t (persons), ``cuts[t]`` its tangents."""
        keys = sorted({(t, g) for t, found in enumerate(cuts) for g, _, _ in found})
        column = {key: self.n_cols + j for j, key in enumerate(keys)}
        inf = 1e30
        self.highs.addVars(len(keys), np.full(len(keys), -inf), np.full(len(keys), inf))
        self.n_cols += len(keys)
        starts, index, value, upper, owner = [], [], [], [], []
        for t, found in enumerate(cuts):
            for g, intercept, slope in found:
                starts.append(len(index))
                owner.append(column[(t, g)])
                count = self.count_col[g, t]
                if count < 0:  # a regency outside the scenario: its outlets are the existing ones
                    index.append(column[(t, g)])
                    value.append(1.0)
                    upper.append((intercept + slope * float(self.rc.existing[g])) / UNIT)
                else:
                    index += [column[(t, g)], int(count)]
                    value += [1.0, -slope / UNIT]
                    upper.append(intercept / UNIT)
        for t in range(self.n_years):
            starts.append(len(index))
            year_keys = [key for key in keys if key[0] == t]
            index += [int(self.theta[t])] + [column[key] for key in year_keys]
            value += [1.0] + [-1.0] * len(year_keys)
            upper.append(float(constants[t]) / UNIT)
            owner.append(-1)
        upper = np.asarray(upper)
        upper = upper + 1e-9 * np.abs(upper) + 1e-9  # rounding only ever loosens the bound (negative ones too)
        self.highs.addRows(len(upper), np.full(len(upper), -inf), upper, len(index),
                           np.asarray(starts, np.int32), np.asarray(index, np.int32), np.asarray(value, float))
        self.cut_column = np.r_[self.cut_column, owner]
        self.cut_upper = np.r_[self.cut_upper, upper]
        self.cut_block = np.r_[self.cut_block, np.full(len(upper), self.blocks)]
        self.blocks += 1

    def drop_slack_tangents(self) -> int:
        """After an optimal solve: delete the tangent rows of earlier blocks that are slack, keeping each u
        column's tightest tangent (so no u is unbounded). Fewer cuts only relax the LP, so its optimum stays a
        valid bound (it may rise; the caller keeps the smallest); the LP stays small and quick to re-solve.
        Returns the number of rows deleted."""
        row_value = np.asarray(self.highs.getSolution().row_value)[self.first_cut:self.first_cut + len(self.cut_upper)]
        slack = self.cut_upper - row_value
        tangent = self.cut_column >= 0
        order = np.lexsort((slack, self.cut_column))
        first_of_column = np.r_[True, self.cut_column[order][1:] != self.cut_column[order][:-1]]
        tightest = np.zeros(len(slack), dtype=bool)
        tightest[order[first_of_column]] = True
        slack_rows = slack > 1e-6 * (1.0 + np.abs(self.cut_upper))
        drop = tangent & ~tightest & slack_rows & (self.cut_block < self.blocks - 1)
        if drop.any():
            rows = (self.first_cut + np.flatnonzero(drop)).astype(np.int32)
            self.highs.deleteRows(len(rows), rows)
            keep = ~drop
            self.cut_column, self.cut_upper, self.cut_block = (self.cut_column[keep], self.cut_upper[keep],
                                                               self.cut_block[keep])
        return int(drop.sum())

    def solve(self, time_limit: float) -> tuple[float | None, np.ndarray | None]:
        """The LP optimum (persons; None unless proven optimal) and the free counts chosen (fractional)."""
        import highspy

        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + float(time_limit))  # HiGHS's clock adds up
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, None
        values = np.asarray(self.highs.getSolution().col_value)
        free = np.where(self.count_col >= 0, values[np.maximum(self.count_col, 0)], 0.0) - self.rc.existing[:, None]
        return float(self.highs.getInfo().objective_function_value) * UNIT, free


def whole_lp_bound(inputs: PlanInputs, rc: ReducedCover, time_limit: float) -> float | None:
    """The LP relaxation of the whole reduced site-level model, all years at once (persons; None unless HiGHS
    solves it to optimality, interior point then crossover, within ``time_limit`` seconds).

    Columns y[s,t] in [0, 1] (kept sites), z[i,t] in [0, 1] (merged rows) and the count model's N[g,t]
    (relaxed); rows z[i,t] <= sum of the y[s,t] covering i, sum_{s in g} y[s,t] <= N[g,t] - E[g],
    y[s,t-1] <= y[s,t], and every scenario rule on N. Every plan is feasible in it (with the existing outlets
    reduced out), so K + its optimum bounds the site-level optimum; it is the limit the cutting planes of
    :func:`lp_bound` approach, reached in one solve when the model is small (the embedded default: 3.3 M
    non-zeros, 394 s with 2 threads on a busy machine, 478 s with the search's process beside it; it uses every
    core the machine has). HiGHS's optimal objective carries its feasibility tolerances (1e-7), so the value
    returned is the weak-duality sum of its duals (:func:`planner.national.safe.highs_dual_bound`), a proof
    whatever their accuracy.
    """
    import highspy

    highs, count_col, base, _ = rules_relaxation(inputs, rc, SolverOptions(threads=os.cpu_count() or 1))
    highs.setOptionValue("solver", "ipm")
    n_rows, n_sites = rc.matrix.shape
    n_years = len(inputs.years)
    y0, z0 = base, base + n_sites * n_years  # y[s,t] at y0 + t n_sites + s; z[i,t] at z0 + t n_rows + i
    inf = 1e30
    cost = np.concatenate([np.zeros(n_sites * n_years), (rc.weights.T.ravel() / UNIT)])
    highs.addVars(len(cost), np.zeros(len(cost)), np.ones(len(cost)))
    highs.changeColsCost(len(cost), np.arange(base, base + len(cost), dtype=np.int32), cost)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    blocks, upper = [], []
    by_row = rc.matrix.tocsr()
    for t in range(n_years):  # cover rows: z - A y <= 0
        z = sp.csr_matrix((np.ones(n_rows), (np.arange(n_rows), z0 + t * n_rows + np.arange(n_rows))),
                          shape=(n_rows, z0 + n_rows * n_years))
        y = sp.csr_matrix((-by_row.data, by_row.indices + y0 + t * n_sites, by_row.indptr),
                          shape=(n_rows, z0 + n_rows * n_years))
        blocks.append(z + y)
        upper.append(np.zeros(n_rows))
    group_cols = sp.csr_matrix((np.ones(n_sites), (rc.group, np.arange(n_sites))), shape=(rc.n_groups, n_sites))
    for t in range(n_years):  # sum y - N <= -E (regencies outside the scenario: sum y <= 0)
        shape = (rc.n_groups, z0 + n_rows * n_years)
        inside = np.flatnonzero(count_col[:, t] >= 0)
        blocks.append(sp.csr_matrix((group_cols.data, group_cols.indices + y0 + t * n_sites, group_cols.indptr),
                                    shape=shape)
                      + sp.csr_matrix((-np.ones(len(inside)), (inside, count_col[inside, t])), shape=shape))
        upper.append(np.where(count_col[:, t] >= 0, -rc.existing.astype(float), 0.0))
    for t in range(1, n_years):  # once open, stays open
        sites = np.arange(n_sites)
        step = sp.csr_matrix((np.r_[np.ones(n_sites), -np.ones(n_sites)],
                              (np.r_[sites, sites], np.r_[y0 + (t - 1) * n_sites + sites, y0 + t * n_sites + sites])),
                             shape=(n_sites, z0 + n_rows * n_years))
        blocks.append(step)
        upper.append(np.zeros(n_sites))
    rows = sp.vstack(blocks, format="csr")
    rows.sort_indices()
    upper = np.concatenate(upper)
    highs.addRows(rows.shape[0], np.full(rows.shape[0], -inf), upper, rows.nnz, rows.indptr[:-1].astype(np.int32),
                  rows.indices.astype(np.int32), rows.data.astype(float))
    highs.setOptionValue("time_limit", float(time_limit))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return highs_dual_bound(highs) * UNIT + float(rc.constant.sum())


def then_whole_lp(inputs: PlanInputs, rc: ReducedCover, left: float, best: float, note: str, history: list,
                  began: float, log, label: str) -> tuple[float, str]:
    """After a bound's own steps: the whole model's LP (:func:`whole_lp_bound`) in the ``left`` seconds; returns
    the smaller bound and the note saying what happened (``history`` gets the moment; ``began`` is the
    bound's ``time.perf_counter()`` start; ``label`` starts the log line)."""
    found = whole_lp_bound(inputs, rc, left)
    note += "; the whole model's LP " + ("not solved in time" if found is None else "solved")
    if found is not None and found < best:
        best, note = found, note + " (the bound)"
    history.append((time.perf_counter() - began, best))
    if log:
        log(f"{label}, the whole model's LP: {'not solved in time' if found is None else f'{found:,.0f}'} "
            f"({time.perf_counter() - began:.0f} s)")
    return best, note


def free_counts(rc: ReducedCover, years: tuple[int, ...], chosen: dict) -> np.ndarray:
    """(n_groups, n_years) free counts from (region_code, year) -> (gerai, kanal) open."""
    kind_index = {k: i for i, k in enumerate(KINDS)}
    out = np.zeros((rc.n_groups, len(years)), dtype=np.int64)
    for g, (code, kind) in enumerate(zip(rc.group_region, rc.group_kind, strict=True)):
        for t, year in enumerate(years):
            out[g, t] = chosen.get((code, year), (0, 0))[kind_index[kind]] - rc.existing[g]
    return out


def lp_bound(data: NationalData, tree: cKDTree, placed: pd.DataFrame, chosen: dict, time_limit: float = 300.0,
             log=None, reduced: ReducedCover | None = None, prices: str = "lp") -> BoundResult:
    """The bound of the module docstring, its rounds repeated until ``time_limit`` seconds have passed.

    Parameters
    ----------
    data : NationalData
    tree : scipy.spatial.cKDTree
        ``data.tree()``.
    placed : pandas.DataFrame
        The two-step plan's outlets (``region_code``, ``lon``, ``lat``, ``kind``, ``year``; existing before
        the first year): the existing ones are reduced out, the others are columns too (so the bound
        holds for that plan whatever the candidate table).
    chosen : dict
        (region_code, year) -> (gerai, kanal) open in the two-step plan: the first LP's counts.
    time_limit : float
        Seconds.
    log : callable, optional
    reduced : ReducedCover, optional
        ``reduced_cover(data, tree, placed)`` when the caller has it already.
    prices : str
        Where each round's prices come from: ``"lp"``, the covering LP's duals (HiGHS); ``"subgradient"``,
        subgradient steps on each year's Lagrangian at the round's counts
        (:mod:`planner.national.subgradient`; quicker per round, and the only way for data whose LP is too
        big). Either way the whole model's LP follows when it is small enough.

    Returns
    -------
    BoundResult
    """
    began = time.perf_counter()
    rc = reduced if reduced is not None else reduced_cover(data, tree, placed)
    if prices not in ("lp", "subgradient"):
        raise ValueError(f"prices {prices!r} is not known; use 'lp' or 'subgradient'.")
    lp = CoveringLP(rc) if prices == "lp" else None
    steps = None
    if prices == "subgradient":
        from planner.national.subgradient import SubgradientPrices, plan_start

        steps = SubgradientPrices(rc, *plan_start(rc, data, tree, placed))
    model = CutModel(data.inputs, rc)
    if log:
        log(f"LP bound: {rc.matrix.shape[0]:,} merged rows x {rc.matrix.shape[1]:,} sites left after the "
            f"reductions ({rc.matrix.nnz:,} non-zeros; existing outlets reach {rc.constant.sum():,.0f}) "
            f"({time.perf_counter() - began:.0f} s)")
    free = free_counts(rc, data.years, chosen)
    center = free.copy()
    best, history, rounds, counts = float(rc.weights.sum() + rc.constant.sum()), [], 0, dict(chosen)
    history.append((time.perf_counter() - began, best))
    whole = rc.matrix.nnz * len(data.years) <= WHOLE_MAX_NONZEROS and time_limit >= MIN_WHOLE_SECONDS
    planes_until = PLANES_SHARE * time_limit if whole else 0.85 * time_limit
    while rounds == 0 or time.perf_counter() - began < planes_until:
        rounds += 1
        constants, cuts, lp_began = rc.constant.astype(float).copy(), [], time.perf_counter()
        if steps is not None:
            # the first round: a first bound soon (the official data: 0.35 s a step), also before the whole LP
            left = FIRST_SHARE * time_limit if rounds == 1 else planes_until - (time.perf_counter() - began)
            steps.descend(free, FIRST_STEPS if rounds == 1 else ROUND_STEPS, max(left, 1.0))
        for t in reversed(range(len(data.years))):
            if steps is None:
                left = max(time_limit - (time.perf_counter() - began), 1.0)
                _, year_prices = lp.solve(t, free[:, t], time_limit=left)
            else:
                year_prices = steps.prices[:, t]
            constants[t] += float(np.maximum(rc.weights[:, t] - year_prices, 0.0).sum())
            cuts.insert(0, tangents(rc, year_prices, free[:, t]))
        model.add_block(constants, cuts)
        lp_seconds, count_began = time.perf_counter() - lp_began, time.perf_counter()
        left = max(time_limit - (time.perf_counter() - began), 5.0)
        bound, found = model.solve(min(left, COUNT_SECONDS))
        if found is not None:
            model.drop_slack_tangents()
        if bound is not None and bound < best:
            best = bound
        history.append((time.perf_counter() - began, best))
        if log:
            source = "LPs" if steps is None else f"{steps.steps} subgradient steps so far,"
            log(f"LP bound round {rounds}: {best:,.0f} (this round {bound or float('nan'):,.0f}, {model.blocks} "
                f"price blocks; {source} {lp_seconds:.0f} s, count model {time.perf_counter() - count_began:.0f} s; "
                f"{time.perf_counter() - began:.0f} s)")
        if found is None:
            break
        proposal = CENTER * center + (1 - CENTER) * found
        if np.allclose(proposal, free):
            break
        free = proposal
    left, note = time_limit - (time.perf_counter() - began), f"{model.blocks} cutting-plane rounds"
    if steps is not None:
        note += f", prices from {steps.steps} subgradient steps"
    if whole and left > 1.0:
        best, note = then_whole_lp(data.inputs, rc, left, best, note, history, began, log, "LP bound")
    return BoundResult(bound=best, count_objective=None, rounds=rounds, pairs=model.blocks,
                       seconds=time.perf_counter() - began, history=history, counts=counts, note=note)
