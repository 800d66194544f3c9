"""A proven upper bound on the national site-level model, without solving it whole.

Method (decomposition by regency, then the count model):

1. For each regency r, let C_r^k be its candidate sites that allow kind k (plus any site where a plan to be
   bounded already placed an outlet of r). Let V_r(g, k) be the most base-year workers, anywhere (across
   borders too), that g gerai and k kanal on C_r can cover. Its LP relaxation (maximal covering LP: z_j <=
   sum of covering y, sum of gerai y <= g, sum of kanal y <= k, 0 <= y, z <= 1; demand points covered by the
   same sites merged, weights added) is solved by HiGHS at a few count pairs. For ANY row prices pi >= 0 (the
   LP's duals, clipped), weak LP duality gives, for every (g, k),
       V_r(g, k) <= sum_col max(0, c_col - A_col' pi) + pi_g g + pi_k k,
   so each solve yields a plane valid at every count pair, whatever the solver's accuracy.
2. Growth: w_{i,t} <= w_{i,0} F_{r,t} with F_{r,t} the largest growth factor of year t among the points C_r
   can reach, so the planes times F_{r,t} bound what r's outlets reach in year t.
3. Every demand point reached in year t is covered by some open outlet, which belongs to some regency, so
   the national reach in year t is at most sum_r (what r's open outlets cover); r's open outlets are
   N[r,gerai,t] gerai and N[r,kanal,t] kanal at distinct sites of C_r. Hence the site-level optimum is at
   most the optimum of the count model (same counts, same rules: budgets, targets, rollout, caps, floors,
   locks, kanal rule, actuals) whose reach of (r, t) is at most min over planes. That count model is the
   allocation MILP (``planner.model.build``) with these planes in place of the reach envelope, and the
   proven dual bound HiGHS returns for it (not its objective) is an upper bound on the site-level optimum.
   Double counting of border points and the LP relaxation only make it looser, never invalid. Attributing
   each reached point to one covering regency (reach(r, t) = the points attributed to r, at most what r
   covers) also makes sum_r reach(r, t) <= all workers of year t a valid row of that count model.
4. Lazy refinement: after each count solve, the pairs (g, k) it chose that have no plane of their own get
   one (an LP solve at that pair), and the count model is solved again, until no pair is new.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner.inputs import PlanInputs
from planner.model.build import build_model
from planner.model.variables import count_var_name
from planner.national.model import NationalData, chord, unit_vectors
from planner.pulp_compat import affine
from planner.scenario import KINDS
from planner.siting.reduce import merge_rows, undominated_columns
from planner.solve import SolverOptions, solve

#: Objective unit of the count model: reach variables in millions of persons (well scaled rows).
UNIT = 1e6


@dataclass
class RegionLP:
    """One regency's covering problem (merged rows, dominated sites dropped) and its multipliers, kept
    between count pairs (warm start).

    Attributes
    ----------
    weights : numpy.ndarray
        Base-year workers of each merged demand row (persons).
    matrix : scipy.sparse.csr_matrix
        Merged rows x (gerai sites, then kanal sites), float 0/1.
    n_gerai : int
        Number of gerai columns (the first ones).
    multipliers : numpy.ndarray
        Current cover-row prices lambda (persons), in [0, weights].
    """

    weights: np.ndarray
    matrix: sp.csr_matrix
    n_gerai: int
    multipliers: np.ndarray


def _site_table(data: NationalData, extra: pd.DataFrame | None) -> pd.DataFrame:
    rows = [data.sites.loc[data.sites[f"allows_{kind}"], ["region_code", "lon", "lat", "site_id"]].assign(kind=kind)
            for kind in KINDS]
    if extra is not None and len(extra):
        rows.append(extra[["region_code", "lon", "lat", "kind", "site_id"]])
    table = pd.concat(rows, ignore_index=True)
    return table.drop_duplicates(["region_code", "kind", "lon", "lat"]).reset_index(drop=True)


def _region_matrix(tree: cKDTree, sites: pd.DataFrame, radius: dict) -> tuple[np.ndarray, sp.csr_matrix]:
    """Demand positions reachable from a regency's sites and their coverage (rows local), gerai then kanal."""
    rows, cols, offset = [], [], 0
    for kind in KINDS:
        part = sites[sites["kind"] == kind]
        found = tree.query_ball_point(unit_vectors(part["lon"], part["lat"]), chord(radius[kind]))
        for column, hits in enumerate(found):
            rows.append(np.asarray(hits, dtype=np.int64))
            cols.append(np.full(len(hits), offset + column, dtype=np.int64))
        offset += len(part)
    rows_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    cols_all = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    points, local = np.unique(rows_all, return_inverse=True)
    matrix = sp.csr_matrix((np.ones(len(local), bool), (local, cols_all)), shape=(len(points), offset))
    return points, matrix


def lp_value(lp: RegionLP, n_gerai: int, n_kanal: int) -> float:
    """The covering LP's optimum at one count pair by HiGHS (a reference for tests; the bound itself never
    needs it). Requires highspy."""
    from planner.national.lpbound import CoveringLP, ReducedCover

    n_rows, n_sites = lp.matrix.shape
    if not n_rows:
        return 0.0
    group = (np.arange(n_sites) >= lp.n_gerai).astype(np.int64)
    cover = ReducedCover(weights=lp.weights[:, None], matrix=lp.matrix, group=group, group_region=np.array(["", ""]),
                         group_kind=np.array(KINDS), existing=np.zeros(2, np.int64), constant=np.zeros(1))
    return CoveringLP(cover).solve(0, np.array([n_gerai, n_kanal]))[0]


def _undominated(matrix: sp.csr_matrix, n_gerai: int) -> np.ndarray:
    """Columns kept: per kind, a site whose cover is inside another site's of the same kind is dropped
    (exact: an optimum never needs it, and with it gone the LP still bounds the integer optimum)."""
    gerai = undominated_columns(matrix[:, :n_gerai]) if n_gerai else np.zeros(0, np.int64)
    kanal = undominated_columns(matrix[:, n_gerai:]) + n_gerai if matrix.shape[1] > n_gerai else np.zeros(0, np.int64)
    return np.concatenate([gerai, kanal]), len(gerai)


def region_lp(data: NationalData, tree: cKDTree, own: pd.DataFrame) -> tuple[RegionLP, np.ndarray]:
    """The covering LP of one regency's sites ``own`` (``lon``, ``lat``, ``kind``) and F_{r,t} (the largest
    growth factor per plan year among the points they reach)."""
    base = data.demand["weight"].to_numpy()
    points, matrix = _region_matrix(tree, own, data.radius)
    keep = base[points] > 0
    points, matrix = points[keep], matrix[keep]
    if not len(points):
        return RegionLP(np.zeros(0), sp.csr_matrix((0, 0)), 0, np.zeros(0)), np.ones(len(data.years))
    factor = data.factor[points].max(axis=0)
    merged, weights = merge_rows(matrix.tocsr(), base[points])
    columns, n_gerai = _undominated(merged, int((own["kind"] == "gerai").sum()))
    matrix = merged[:, columns].astype(float).tocsr()
    return RegionLP(weights, matrix, n_gerai, 0.5 * weights), factor


def _price(scores: np.ndarray, count: int) -> float:
    """The (count+1)-th largest score (0 when there are not that many): the count row's price."""
    if count >= len(scores):
        return 0.0
    return float(np.partition(scores, len(scores) - count - 1)[len(scores) - count - 1]) if count >= 0 else 0.0


def plane_at(lp: RegionLP, multipliers: np.ndarray, n_gerai: int, n_kanal: int
             ) -> tuple[float, float, float, np.ndarray]:
    """The weak-duality plane of row prices ``multipliers`` (cover rows) with count prices set where the
    plane touches the Lagrangian at (n_gerai, n_kanal); returns (intercept, slope_gerai, slope_kanal,
    subgradient of the Lagrangian value in the multipliers)."""
    scores = lp.matrix.T @ multipliers
    split = lp.n_gerai
    price_g, price_k = _price(scores[:split], n_gerai), _price(scores[split:], n_kanal)
    slack = np.maximum(lp.weights - multipliers, 0.0)
    intercept = float(slack.sum() + np.maximum(scores[:split] - price_g, 0).sum()
                      + np.maximum(scores[split:] - price_k, 0).sum())
    chosen = np.zeros(len(scores))
    chosen[:split] = scores[:split] > price_g
    chosen[split:] = scores[split:] > price_k
    gradient = lp.matrix @ chosen - (slack > 0)
    return intercept, price_g, price_k, gradient


def region_plane(lp: RegionLP, n_gerai: int, n_kanal: int, iterations: int = 80
                 ) -> tuple[float, float, float, float]:
    """A plane valid at every count pair, tight near (n_gerai, n_kanal): (intercept, slope_gerai,
    slope_kanal, its value at the pair), base-year persons.

    Any row prices lambda >= 0 give, by weak LP duality, V_r(g, k) <= sum_j max(0, w_j - lambda_j)
    + sum_s max(0, score_s - pi_kind(s)) + pi_gerai g + pi_kanal k for all g, k (score_s = sum of lambda
    over the rows site s covers, pi >= 0 any count prices). The prices are improved by subgradient steps
    (Polyak, towards a target below the best value so far, halved when 5 steps do not improve), warm-started
    from the regency's last multipliers; the best plane
    at the pair is returned. The minimum over lambda is the LP bound (integrality property of the
    Lagrangian subproblem), so enough steps reach the LP relaxation.
    """
    if not len(lp.weights):
        return 0.0, 0.0, 0.0, 0.0
    multipliers, step, best, stale = lp.multipliers.copy(), 1.0, None, 0
    for _ in range(iterations):
        a, b, c, gradient = plane_at(lp, multipliers, n_gerai, n_kanal)
        value = a + b * n_gerai + c * n_kanal
        if best is None or value < best[3] - 1e-9 * value:
            best, stale, lp.multipliers = (a, b, c, value), 0, multipliers.copy()
        else:
            stale += 1
            if stale >= 5:
                step, stale = step / 2, 0
        norm = float(gradient @ gradient)
        if norm == 0 or step < 1e-3:
            break
        target = best[3] * (1.0 - 0.05 * step)  # Polyak step towards 5 % below the best so far
        multipliers = np.clip(multipliers - step * (value - target) / norm * gradient, 0.0, lp.weights)
    return best


def region_planes(data: NationalData, tree: cKDTree, pairs: dict[str, set], extra: pd.DataFrame | None = None,
                  kept: dict | None = None, iterations: int = 80) -> tuple[dict[str, list], dict[str, np.ndarray]]:
    """Planes (intercept, slope_gerai, slope_kanal; base-year persons) of every regency at its count pairs,
    and F_{r,t} per regency. ``kept`` (region_code -> (RegionLP, F)) keeps the covering problems between
    calls (warm multipliers, no rebuilding); a regency's first call also gives the plane 'all it can reach'."""
    kept = {} if kept is None else kept
    sites = _site_table(data, extra)
    planes, factors = {}, {}
    for code, own in sites[sites["region_code"].isin(set(pairs))].groupby("region_code", sort=True):
        fresh = code not in kept
        if fresh:
            kept[code] = region_lp(data, tree, own)
        lp, factors[code] = kept[code]
        planes[code] = [(float(lp.weights.sum()), 0.0, 0.0)] if fresh else []  # z <= 1
        planes[code] += [region_plane(lp, g, k, iterations)[:3] for g, k in sorted(pairs[code])]
    return planes, factors


@dataclass(frozen=True)
class BoundResult:
    """The proven national bound and how it was reached.

    Attributes
    ----------
    bound : float
        Upper bound on the site-level optimum (worker-years, or workers for final reach).
    count_objective : float or None
        Objective of the last count model's plan under the planes (not a bound).
    rounds : int
        Count-model solves.
    pairs : int
        LP solves (count pairs with a plane of their own).
    seconds : float
        Wall-clock seconds (LP building and solves, count solves).
    history : list
        (seconds since start, bound) after each round.
    counts : dict
        (region_code, year) -> (gerai, kanal) open in the last count model's plan.
    note : str
        Which step produced the bound, when a method has several (empty otherwise).
    """

    bound: float
    count_objective: float | None
    rounds: int
    pairs: int
    seconds: float
    history: list
    counts: dict
    note: str = ""


def _count_range(inputs: PlanInputs) -> dict[str, dict[str, tuple[int, int]]]:
    index = pd.MultiIndex.from_product([inputs.regions["region_code"], KINDS])
    low = inputs.existing.groupby(["region_code", "kind"])["count"].sum().reindex(index, fill_value=0)
    high = inputs.max_total.set_index(["region_code", "kind"])["max_total"].reindex(index, fill_value=0)
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for (code, kind), a, b in zip(index, low.to_numpy(int), high.to_numpy(int), strict=True):
        out.setdefault(code, {})[kind] = (int(a), int(b))
    return out


def _plane_rows(data: NationalData, factors: dict, planes: dict[str, list]) -> pd.DataFrame:
    rows = []
    for code in data.inputs.regions["region_code"]:
        found = planes.get(code) or [(0.0, 0.0, 0.0)]
        factor = factors.get(code, np.ones(len(data.years)))
        for t, year in enumerate(data.years):
            scale = float(factor[t]) / UNIT * (1.0 + 1e-9)
            for number, (a, b, c) in enumerate(found):
                rows.append((code, year, number, a * scale, b * scale, c * scale))
    return pd.DataFrame(rows, columns=["region_code", "year", "plane", "intercept", "slope_gerai", "slope_kanal"])


def rules_model(inputs: PlanInputs, planes: pd.DataFrame | None = None):
    """The allocation model's counts under every scenario rule, with reach rows only for ``planes`` (none by
    default) and without the optional service capacity, which every site-level bound leaves out (dropping a
    constraint keeps a bound valid)."""
    if planes is None:
        planes = pd.DataFrame(columns=["region_code", "year", "plane", "intercept", "slope_gerai", "slope_kanal"])
    m = build_model(inputs, planes=planes)
    for name in m.registry.get("service_capacity", {}).values():
        del m.problem.constraints[name]
    return m


def count_model(data: NationalData, table: pd.DataFrame, options: SolverOptions, national_cap: bool = True):
    """Solve the count model with reach (r, t) <= min over its planes (millions of persons); returns the
    solver outcome and the counts chosen, (region_code, year) -> (gerai, kanal). ``national_cap`` adds the
    rows 'all regencies together reach at most everyone' (valid only when reach is people)."""
    workers = data.inputs.workers.assign(workers_informal=UNIT)
    inputs = dataclasses.replace(data.inputs, workers=workers)
    m = rules_model(inputs, table)
    for variable in m.reached["var"]:
        variable.upBound = None
    for t, year in enumerate(data.years if national_cap else ()):  # at most everyone (step 3, attributed)
        rows = m.reached[m.reached["year"] == year]["var"]
        total = float(data.weights(t).sum()) / UNIT * (1.0 + 1e-9)
        m.problem.addConstraint(pulp.LpConstraint(affine([(v, 1.0) for v in rows]), pulp.LpConstraintLE,
                                                  rhs=total), f"national_cap_{year}")
    outcome = solve(m.problem, options)
    counts = {}
    if outcome.has_solution:
        for code in data.inputs.regions["region_code"]:
            for year in data.years:
                counts[(code, year)] = tuple(round(outcome.values.get(count_var_name(code, kind, year), 0.0))
                                             for kind in KINDS)
    return outcome, counts


def plan_pairs(counts: pd.DataFrame) -> dict[str, set]:
    """Count pairs (gerai, kanal) open per regency in some year of a plan (``region_code``, ``kind``,
    ``year``, ``cumulative``), the natural first pairs to put planes at."""
    wide = counts.pivot_table(index=["region_code", "year"], columns="kind", values="cumulative",
                              aggfunc="sum", fill_value=0)
    pairs: dict[str, set] = {}
    for (code, _year), row in wide.iterrows():
        pairs.setdefault(code, set()).add((int(row.get("gerai", 0)), int(row.get("kanal", 0))))
    return pairs


def national_bound(data: NationalData, tree: cKDTree | None = None, extra: pd.DataFrame | None = None,
                   start: dict[str, set] | None = None, time_limit: float = 300.0, max_rounds: int = 12,
                   iterations: int = 80, log=None) -> BoundResult:
    """The proven upper bound (module docstring): per-regency LP planes, count model, lazy refinement.

    Parameters
    ----------
    data : NationalData
    tree : scipy.spatial.cKDTree, optional
        ``data.tree()``.
    extra : pandas.DataFrame, optional
        ``region_code``, ``lon``, ``lat``, ``kind``: further sites counted as candidates of their regency
        (e.g. where a plan placed outlets), so that the bound is valid for that plan too.
    start : dict, optional
        region_code -> count pairs to put the first planes at (e.g. :func:`plan_pairs` of the two-step
        plan); default the middle of every regency's count box. Any choice is valid; good ones save rounds.
    time_limit : float
        Seconds for the whole bound (each count solve gets what is left, at least 10 s).
    max_rounds : int
        Count-model solves at most.
    iterations : int
        Subgradient steps per count pair (warm-started from the regency's last prices).
    log : callable, optional
        Called with a line of progress.

    Returns
    -------
    BoundResult
    """
    began = time.perf_counter()
    tree = tree if tree is not None else data.tree()
    ranges = _count_range(data.inputs)
    todo = {code: {((b["gerai"][0] + b["gerai"][1]) // 2, (b["kanal"][0] + b["kanal"][1]) // 2)}
            if start is None or code not in start else set(start[code]) for code, b in ranges.items()}
    for code, box in ranges.items():
        todo[code].add((box["gerai"][1], box["kanal"][1]))  # the upper corner keeps slopes small
    planes: dict[str, list] = {}
    factors: dict[str, np.ndarray] = {}
    kept: dict = {}
    done: dict[str, set] = {code: set() for code in ranges}
    best, history, outcome, counts, rounds = np.inf, [], None, {}, 0
    for rounds in range(1, max_rounds + 1):
        new = {code: set(pairs) - done.get(code, set()) for code, pairs in todo.items()}
        found, factor = region_planes(data, tree, {c: p for c, p in new.items() if p}, extra, kept, iterations)
        for code, rows in found.items():
            planes.setdefault(code, []).extend(rows)
            factors[code] = factor[code]
            done.setdefault(code, set()).update(new[code])
        left = max(time_limit - (time.perf_counter() - began), 10.0)
        outcome, counts = count_model(data, _plane_rows(data, factors, planes),
                                      SolverOptions(time_limit=left, gap=1e-5, threads=1))
        if outcome.bound is not None:
            best = min(best, float(outcome.bound))
        history.append((time.perf_counter() - began, best))
        if log:
            log(f"bound round {rounds}: {best:,.0f} ({sum(map(len, done.values()))} LP pairs, "
                f"{time.perf_counter() - began:.0f} s)")
        todo = {}
        for (code, _year), pair in counts.items():
            if pair not in done.get(code, set()):
                todo.setdefault(code, set()).add(pair)
        if not todo or time.perf_counter() - began > time_limit:
            break
    return BoundResult(bound=best, count_objective=None if outcome is None else outcome.objective, rounds=rounds,
                       pairs=sum(map(len, done.values())), seconds=time.perf_counter() - began,
                       history=history, counts=counts)
