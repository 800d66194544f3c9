"""The site-level MIP of a set of regencies, for all plan years at once (PuLP + HiGHS).

Two uses, one builder:

- ``counts=None``: the whole model of :mod:`planner.national.model` on a small instance (every regency,
  counts free under every scenario rule, taken from the allocation model's constraint families), used to
  prove optima against which the bound and the search are tested;
- ``counts`` given: a window of the large-neighbourhood search. Every regency of the window keeps its
  counts N[r,k,t] of the plan (so budgets, targets, rollout, caps, floors, locks and the kanal rule, all
  stated on counts, still hold) while its sites are chosen and timed anew; demand already reached in a year
  by outlets outside the window counts as reached (weight 0 here);
- ``rules`` given (a :class:`CountRules` opened on a window): a window whose regencies' counts are free under
  every scenario rule while every other regency keeps the plan's counts, so outlets may move between the
  window's regencies (across their borders) and the window may spend what the rest of the plan leaves.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner.model.build import build_model
from planner.national.model import NationalData, chord, unit_vectors
from planner.pulp_compat import affine
from planner.scenario import KINDS
from planner.siting.reduce import row_labels
from planner.solve import SolveOutcome, SolverOptions, solve

EMPTY_PLANES = pd.DataFrame(columns=["region_code", "plane", "intercept", "slope_gerai", "slope_kanal"])


@dataclass(frozen=True)
class SiteMIP:
    """A built site-level MIP.

    Attributes
    ----------
    problem : pulp.LpProblem
    columns : pandas.DataFrame
        One row per site column: ``region_code``, ``lon``, ``lat``, ``kind``, ``fixed`` (an existing outlet,
        open throughout), ``vars`` (one binary per plan year, or None when fixed).
    constant : float
        Weight the existing (fixed) outlets reach throughout, included in the objective (what outlets
        outside a window reach is not: its weight is 0 here).
    """

    problem: pulp.LpProblem
    columns: pd.DataFrame
    constant: float


def _columns(data: NationalData, codes: set, existing: pd.DataFrame | None, movable: pd.DataFrame | None,
             candidates: pd.DataFrame | None) -> pd.DataFrame:
    if candidates is None:
        own = data.sites[data.sites["region_code"].isin(codes)]
        parts = [own.loc[own[f"allows_{kind}"], ["region_code", "lon", "lat"]].assign(kind=kind, fixed=False)
                 for kind in KINDS]
    else:
        parts = [candidates[["region_code", "lon", "lat", "kind"]].assign(fixed=False)]
    for table, fixed in ((movable, False), (existing, True)):
        if table is not None and len(table):
            parts.append(table.loc[table["region_code"].isin(codes), ["region_code", "lon", "lat", "kind"]]
                         .assign(fixed=fixed))
    frame = pd.concat(parts, ignore_index=True).sort_values("fixed", ascending=False)
    return frame.drop_duplicates(["region_code", "kind", "lon", "lat"]).reset_index(drop=True)


def _coverage(tree: cKDTree, columns: pd.DataFrame, radius: dict) -> tuple[np.ndarray, sp.csr_matrix]:
    rows, cols = [], []
    for kind in KINDS:
        part = columns.index[columns["kind"] == kind].to_numpy()
        found = tree.query_ball_point(unit_vectors(columns.loc[part, "lon"], columns.loc[part, "lat"]),
                                      chord(radius[kind]))
        for column, hits in zip(part, found, strict=True):
            rows.append(np.asarray(hits, np.int64))
            cols.append(np.full(len(hits), column, np.int64))
    rows_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cols_all = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    points, local = np.unique(rows_all, return_inverse=True)
    return points, sp.csr_matrix((np.ones(len(local), bool), (local, cols_all)), shape=(len(points), len(columns)))


def _year_weights(data: NationalData, points: np.ndarray, reached_before: np.ndarray | None) -> np.ndarray:
    """Objective weight of each point and year (persons x the year's weight), 0 where outside outlets reach."""
    base = data.demand["weight"].to_numpy()[points][:, None] * data.factor[points] * data.year_weight[None, :]
    if reached_before is not None:
        years = np.array(data.years)
        base = np.where(reached_before[points][:, None] <= years[None, :], 0.0, base)
    return base


class CountRules:
    """The allocation model's rules on the counts N[r,k,t] (every family; reach rows empty since no worker
    counts there; the optional service capacity dropped), built once and reused by every window.

    :meth:`window` frees the counts of a window's regencies (their own bounds: existing outlets, caps) and fixes
    every other regency's at the plan's, so a site MIP with these rows may move outlets between the window's
    regencies only as the scenario allows (targets, budgets, rollout, floors, locks, kanal rule). With
    ``reduce`` (default) :meth:`terms` adds only the rules a free count is in (:meth:`terms`); else all.
    """

    def __init__(self, data: NationalData, reduce: bool = True):
        self.reduce = reduce
        m = build_model(dataclasses.replace(data.inputs, workers=data.inputs.workers.assign(workers_informal=0.0)),
                        planes=EMPTY_PLANES)
        for name in m.registry.get("service_capacity", {}).values():
            del m.problem.constraints[name]
        self.constraints = dict(m.problem.constraints)
        self.counts = m.counts
        self.own_bounds = {row.var.name: (row.var.lowBound, row.var.upBound) for row in m.counts.itertuples()}
        self.free: set = set(m.counts["region_code"])
        self.fixed: dict = {}
        region = {row.var.name: row.region_code for row in m.counts.itertuples(index=False)}
        key = {row.var.name: (row.region_code, row.kind, int(row.year)) for row in m.counts.itertuples(index=False)}
        self.local: dict = {}  # region_code -> names of the rules on its counts alone
        self.shared = []  # rules over several regencies: (name, sense, constant, [(variable, coefficient, key)])
        for name, constraint in self.constraints.items():
            terms = list(constraint.items())
            regions = {region.get(v.name) for v, _ in terms}
            if len(regions) == 1 and None not in regions:
                self.local.setdefault(regions.pop(), []).append(name)
            elif None in regions:  # a variable other than a count: kept whole
                self.shared.append((name, constraint.sense, None, None))
            else:
                self.shared.append((name, constraint.sense, float(constraint.constant),
                                    [(v, float(c), key[v.name]) for v, c in terms]))

    def window(self, codes: set, fixed: dict) -> CountRules:
        """Free ``codes``' counts and fix every other regency's at ``fixed`` ((region_code, kind, year) ->
        open outlets, existing included; absent = 0); returns self."""
        for row in self.counts.itertuples(index=False):
            if row.region_code in codes:
                row.var.lowBound, row.var.upBound = self.own_bounds[row.var.name]
            else:
                row.var.lowBound = row.var.upBound = int(fixed.get((row.region_code, row.kind, int(row.year)), 0))
        self.free, self.fixed = set(codes), dict(fixed)
        return self

    def terms(self, problem: pulp.LpProblem) -> dict:
        """Add the rules to ``problem``; returns the free regencies' N[r,k,t] variables.

        Only the rules a free count appears in are added, and in a rule over several regencies the fixed
        counts become part of its constant (their values from :meth:`window`): a window's MIP holds its own
        regencies' rules and the national and provincial ones, not the 4,000 rules of the other regencies'
        fixed counts (which the plan already obeys; the caller's recount checks every rule anyway)."""
        every = not self.reduce or not self.fixed or self.free >= set(self.local)
        for name, constraint in self.constraints.items() if every else ():
            problem.addConstraint(constraint, name)
        for code in sorted(self.free) if not every else ():
            for name in self.local.get(code, []):
                problem.addConstraint(self.constraints[name], name)
        for name, sense, constant, terms in self.shared if not every else ():
            if terms is None:
                problem.addConstraint(self.constraints[name], name)
                continue
            kept = [(v, c) for v, c, (code, _, _) in terms if code in self.free]
            if not kept:
                continue
            fixed = sum(c * self.fixed.get(k, 0) for _, c, k in terms if k[0] not in self.free)
            problem.addConstraint(pulp.LpConstraint(affine(kept, constant + fixed), sense, rhs=0.0), name)
        return {(row.region_code, row.kind, row.year): row.var for row in self.counts.itertuples(index=False)
                if row.region_code in self.free}


def _count_terms(data: NationalData, codes: set, counts: dict | None, problem: pulp.LpProblem,
                 rules: CountRules | None = None):
    """N[r,k,t] per regency, kind and year: fixed (``counts``), or the allocation model's variables under
    every rule (``rules`` as opened on a window, else every regency free)."""
    if counts is not None:
        return {(r, k, t): float(counts.get((r, k, t), 0)) for r in codes for k in KINDS for t in data.years}
    return (rules if rules is not None else CountRules(data)).terms(problem)


def build_site_mip(data: NationalData, tree: cKDTree, codes: set, counts: dict | None = None,
                   existing: pd.DataFrame | None = None, movable: pd.DataFrame | None = None,
                   reached_before: np.ndarray | None = None, candidates: pd.DataFrame | None = None,
                   rules: CountRules | None = None) -> SiteMIP:
    """Build the site-level MIP of the regencies ``codes`` (module docstring).

    Parameters
    ----------
    counts : dict, optional
        (region_code, kind, year) -> open outlets (existing included); None = free under the scenario rules.
    rules : CountRules, optional
        With ``counts=None``: the rules as :meth:`CountRules.window` opened them on ``codes`` (built afresh,
        every regency free, when absent).
    existing : pandas.DataFrame, optional
        ``region_code``, ``lon``, ``lat``, ``kind``: outlets open before the first year (fixed open).
    movable : pandas.DataFrame, optional
        Further candidate sites (e.g. where the plan placed outlets).
    reached_before : numpy.ndarray, optional
        Per demand point, the first year outside outlets reach it (``value.NEVER`` when never).
    candidates : pandas.DataFrame, optional
        ``region_code``, ``lon``, ``lat``, ``kind``: the sites to choose from (default every site of the
        regencies that allows the kind).
    """
    problem = pulp.LpProblem("site_level", pulp.LpMaximize)
    columns = _columns(data, codes, existing, movable, candidates)
    points, matrix = _coverage(tree, columns, data.radius)
    weights = _year_weights(data, points, reached_before)
    labels, representatives = row_labels(matrix)
    merged = matrix[representatives].tocsr()
    merged_w = np.zeros((len(representatives), weights.shape[1]))
    np.add.at(merged_w, labels, weights)
    n_years = len(data.years)
    variables = []
    for position, row in enumerate(columns.itertuples(index=False)):
        variables.append(None if row.fixed else
                         [pulp.LpVariable(f"y_{position}_{t}", cat=pulp.LpBinary) for t in range(n_years)])
    columns = columns.assign(vars=variables)
    number = _count_terms(data, codes, counts, problem, rules)
    objective, constant = _cover_rows(problem, merged, merged_w, columns)
    _link_rows(problem, columns, number, data.years)
    problem.setObjective(affine(objective, constant))
    return SiteMIP(problem, columns, constant)


def _cover_rows(problem, merged: sp.csr_matrix, weights: np.ndarray, columns: pd.DataFrame
                ) -> tuple[list, float]:
    """Cover rows z[j,t] <= sum of the covering y[s,t]; returns the objective terms and the constant weight
    of rows an existing (fixed) outlet reaches throughout."""
    objective, constant = [], 0.0
    fixed = columns["fixed"].to_numpy()
    variables = columns["vars"].to_list()
    for j in range(merged.shape[0]):
        sites = merged.indices[merged.indptr[j]:merged.indptr[j + 1]]
        if fixed[sites].any():
            constant += float(weights[j].sum())  # reached throughout by an existing outlet
            continue
        if not weights[j].any():
            continue
        for t in np.flatnonzero(weights[j]):
            z = pulp.LpVariable(f"z_{j}_{t}", 0.0, 1.0)
            terms = [(z, 1.0)] + [(variables[s][t], -1.0) for s in sites]
            problem.addConstraint(pulp.LpConstraint(affine(terms), pulp.LpConstraintLE, rhs=0.0), f"cover_{j}_{t}")
            objective.append((z, float(weights[j, t])))
    return objective, constant


def _link_rows(problem, columns: pd.DataFrame, number: dict, years) -> None:
    """Once open, stays open; open sites of a regency, kind and year = its count N[r,k,t]."""
    for (code, kind), rows in columns.groupby(["region_code", "kind"]):
        free = [v for v in rows["vars"] if v is not None]
        n_fixed = int(rows["fixed"].sum())
        for t, year in enumerate(years):
            terms = [(v[t], 1.0) for v in free]
            count = number.get((code, kind, year), 0.0)
            terms += [(count, -1.0)] if isinstance(count, pulp.LpVariable) else []
            rhs = (float(count) if not isinstance(count, pulp.LpVariable) else 0.0) - n_fixed
            problem.addConstraint(pulp.LpConstraint(affine(terms), pulp.LpConstraintEQ, rhs=rhs),
                                  f"sites_{code}_{kind}_{year}".replace(".", "_"))
            if t:
                for v in free:
                    problem.addConstraint(pulp.LpConstraint(affine([(v[t], 1.0), (v[t - 1], -1.0)]),
                                                            pulp.LpConstraintGE, rhs=0.0))
    for (code, kind, year), count in number.items():
        if not ((columns["region_code"] == code) & (columns["kind"] == kind)).any() and isinstance(
                count, pulp.LpVariable):
            problem.addConstraint(pulp.LpConstraint(affine([(count, 1.0)]), pulp.LpConstraintEQ, rhs=0.0),
                                  f"sites_{code}_{kind}_{year}".replace(".", "_"))


def solve_site_mip(mip: SiteMIP, options: SolverOptions) -> tuple[SolveOutcome, pd.DataFrame]:
    """Solve; returns the outcome and the open sites (``region_code``, ``lon``, ``lat``, ``kind``, ``year``
    = the first plan year it is open; fixed ones omitted)."""
    outcome = solve(mip.problem, options)
    rows = []
    if outcome.has_solution:
        for row in mip.columns.itertuples(index=False):
            if row.vars is None:
                continue
            opened = [t for t, v in enumerate(row.vars) if outcome.values.get(v.name, 0.0) > 0.5]
            if opened:
                rows.append((row.region_code, row.lon, row.lat, row.kind, opened[0]))
    return outcome, pd.DataFrame(rows, columns=["region_code", "lon", "lat", "kind", "year_index"])
