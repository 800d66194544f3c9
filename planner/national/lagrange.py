"""A tighter proven bound on the national site-level model: one price per (merged) demand point and year.

The per-regency bound (:mod:`planner.national.bound`) counts a person near a border once per regency whose
sites reach them. Here the cover rows of the WHOLE model are priced nationally, so each person is paid once.

Model (``planner.national.model``): maximise sum_t sum_i W[i,t] z[i,t] with z[i,t] <= sum_{(s,k) covers i}
y[s,k,t], 0 <= z <= 1, y binary (once open stays open, existing open), N[r,k,t] = sum_{s in r} y[s,k,t] under
every rule of the scenario (W[i,t] = w_i x growth x the objective's year weight).

Validity (weak duality). Take any feasible plan (y, z) and any prices lambda[i,t] >= 0. Because
z[i,t] <= (A y_t)_i and lambda >= 0,

    sum W z  <=  sum W z + sum lambda (A y - z)  =  sum (W - lambda) z + sum_t sum_{s,k} v[s,k,t] y[s,k,t]

with v[s,k,t] = sum of lambda[i,t] over the points i site s covers with kind k's radius. Since 0 <= z <= 1,
the first sum is at most C(lambda) = sum max(0, W - lambda). For a regency r, kind k and year t, the y of r's
sites are binary with sum N = N[r,k,t], so sum_s v y <= f(N) = the sum of the N largest v of r's sites
(dropping 'once open stays open' and 'existing stay open' only enlarges the set). f is concave with slopes
the sorted values v_(0) >= v_(1) >= ...; hence for ANY n, with p = v_(n) (0 when r has at most n sites),
f(N) <= f(n) + p (N - n) for every N (N > n: each added value is <= p; N < n: each removed one is >= p).
So S[r,t] = sum_k sum_{s in r} v y is at most every plane f_g(n_g) - p_g n_g + f_k(n_k) - p_k n_k
+ p_g N[r,gerai,t] + p_k N[r,kanal,t], and (N, S) is feasible in the count model of
:func:`planner.national.bound.count_model` (every scenario rule on N; S only bounded by the planes; the
national 'at most everyone' row is NOT added: S is not people here). Therefore

    site-level optimum  <=  C(lambda) + optimum of that count model  <=  C(lambda) + its proven dual bound,

for every lambda >= 0, whatever the planes' count pairs and the solver's accuracy (its dual bound is proven).

Prices: started from w_i / (number of the two-step plan's outlets covering i) (each reached person's price
shared among the outlets that reach them), then subgradient steps on the Lagrangian at the counts the last
count model chose (Polyak steps towards the two-step plan's value); every count-model solve gives a valid
bound and the smallest is kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner.national.bound import UNIT, BoundResult, _site_table, count_model
from planner.national.model import NationalData, cover
from planner.scenario import KINDS
from planner.siting.reduce import row_labels
from planner.solve import SolverOptions

#: Relative gap of each count-model solve (its proven dual bound is what counts; 0.1 % is quick).
COUNT_GAP = 1e-3
#: Starting price of a point one outlet of the plan covers, as a share of its workers.
START_SHARE = 0.5
#: First Polyak step fraction (halved whenever a count-model round does not lower the bound).
THETA = 0.5
#: Rounds stop when the step fraction falls below this (further halving gains nothing measurable).
SMALLEST_THETA = 1e-4
METHOD = "national Lagrangian (one price per merged demand point and year) + count-model dual bound"


@dataclass
class NationalCover:
    """The whole model's covering structure, rows merged and weights per year.

    Attributes
    ----------
    weights : numpy.ndarray
        (n_rows, n_years) W of each merged row (persons; 0 in years the objective ignores).
    matrix : scipy.sparse.csr_matrix
        Rows x columns (site-kind pairs), float 0/1, columns sorted by kind then regency.
    group : numpy.ndarray
        Per column, its (kind, regency) group number; groups are contiguous.
    starts : numpy.ndarray
        First column of each group, and the number of columns at the end.
    group_region, group_kind : numpy.ndarray
        Region code and kind of each group.
    year_weight : numpy.ndarray
        The objective's weight of each year.
    points : numpy.ndarray
        Per merged row, one of its demand points (position in ``data.demand``).
    sites : pandas.DataFrame, optional
        Per column, its site: ``region_code``, ``site_id``, ``lon``, ``lat``, ``kind``.
    """

    weights: np.ndarray
    matrix: sp.csr_matrix
    group: np.ndarray
    starts: np.ndarray
    group_region: np.ndarray
    group_kind: np.ndarray
    year_weight: np.ndarray
    points: np.ndarray
    sites: pd.DataFrame | None = None


def national_cover(data: NationalData, tree: cKDTree, extra: pd.DataFrame | None = None) -> NationalCover:
    """Columns (every candidate site per allowed kind, plus ``extra`` placed outlets) and merged rows."""
    sites = _site_table(data, extra)
    sites = sites.assign(kind_rank=sites["kind"].map({k: i for i, k in enumerate(KINDS)}))
    sites = sites.sort_values(["kind_rank", "region_code"], kind="stable").reset_index(drop=True)
    blocks = [cover(tree, part["lon"], part["lat"], data.radius[KINDS[rank]])
              for rank, part in sites.groupby("kind_rank", sort=True)]
    matrix = sp.hstack(blocks, format="csr") if blocks else sp.csr_matrix((tree.n, 0), dtype=bool)
    yearly = data.demand["weight"].to_numpy()[:, None] * data.factor * (data.year_weight > 0)[None, :]
    keep = np.flatnonzero((np.diff(matrix.indptr) > 0) & (yearly.sum(axis=1) > 0))
    matrix, yearly = matrix[keep], yearly[keep]
    matrix.sort_indices()
    labels, representatives = row_labels(matrix)
    weights = np.stack([np.bincount(labels, weights=yearly[:, t], minlength=len(representatives))
                        for t in range(yearly.shape[1])], axis=1)
    key = sites["kind_rank"].astype(str) + "|" + sites["region_code"].astype(str)
    group = pd.factorize(key)[0]
    starts = np.concatenate([np.flatnonzero(np.r_[True, group[1:] != group[:-1]]), [len(group)]])
    first = starts[:-1]
    return NationalCover(weights=weights, matrix=matrix[representatives].astype(float).tocsr(), group=group,
                         starts=starts, group_region=sites["region_code"].to_numpy()[first],
                         group_kind=sites["kind"].to_numpy()[first], year_weight=np.asarray(data.year_weight),
                         points=keep[representatives],
                         sites=sites[["region_code", "site_id", "lon", "lat", "kind"]])


def _sorted_values(nc: NationalCover, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per year: the column order sorting each group's values descending, and the values in that order."""
    orders = np.stack([np.lexsort((-values[:, t], nc.group)) for t in range(values.shape[1])], axis=1)
    return orders, np.take_along_axis(values, orders, axis=0)


def _top(nc: NationalCover, ordered: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts (n_groups, n_years): sum of the top n values of each group and the (n+1)-th value (price)."""
    sizes = np.diff(nc.starts)
    prefix = np.vstack([np.zeros((1, ordered.shape[1])), np.cumsum(ordered, axis=0)])
    n = np.minimum(counts, sizes[:, None])
    first = nc.starts[:-1, None]
    top = prefix[first + n, np.arange(ordered.shape[1])[None, :]] - prefix[first, np.arange(ordered.shape[1])]
    inside = counts < sizes[:, None]
    position = np.minimum(first + counts, len(ordered) - 1) if len(ordered) else first
    price = np.where(inside, ordered[position, np.arange(ordered.shape[1])[None, :]] if len(ordered) else 0.0, 0.0)
    return top, price


def _group_counts(nc: NationalCover, data: NationalData, counts: dict) -> np.ndarray:
    """(n_groups, n_years) open outlets of each group's regency and kind, from (region, year) -> (g, k)."""
    out = np.zeros((len(nc.group_region), len(data.years)), dtype=np.int64)
    kind_index = {k: i for i, k in enumerate(KINDS)}
    for g, (code, kind) in enumerate(zip(nc.group_region, nc.group_kind, strict=True)):
        for t, year in enumerate(data.years):
            out[g, t] = counts.get((code, year), (0, 0))[kind_index[kind]]
    return out


def lagrangian_at(nc: NationalCover, multipliers: np.ndarray, open_counts: np.ndarray
                  ) -> tuple[float, np.ndarray]:
    """L(lambda) at fixed counts (the top sites of each group open) and its subgradient in lambda."""
    values = nc.matrix.T @ multipliers
    orders, ordered = _sorted_values(nc, values)
    top, _ = _top(nc, ordered, open_counts)
    slack = nc.weights - multipliers
    chosen = np.zeros_like(values)
    for t in range(values.shape[1]):
        groups = nc.group[orders[:, t]]
        chosen[orders[:, t], t] = np.arange(len(nc.group)) - nc.starts[groups] < open_counts[groups, t]
    value = float((np.maximum(slack, 0).sum(axis=0) * nc.year_weight).sum() + (top.sum(axis=0) * nc.year_weight).sum())
    gradient = (nc.matrix @ chosen - (slack > 0)) * nc.year_weight[None, :]
    return value, gradient


def plane_table(nc: NationalCover, data: NationalData, multipliers: np.ndarray, pairs: dict) -> pd.DataFrame:
    """The count model's planes (millions of the objective's unit) at prices ``multipliers`` and count pairs
    ``pairs`` ((region, year) -> set of (g, k)); every region-year gets at least the plane (0, 0, 0) when it
    has no sites."""
    values = nc.matrix.T @ multipliers
    _, ordered = _sorted_values(nc, values)
    group_of = {(code, kind): g for g, (code, kind) in enumerate(zip(nc.group_region, nc.group_kind, strict=True))}
    rows = []
    for t, year in enumerate(data.years):
        for code in data.inputs.regions["region_code"]:
            found = pairs.get((code, year), {(0, 0)})
            for number, pair in enumerate(sorted(found)):
                plane = [0.0, 0.0, 0.0]
                for kind_index, kind in enumerate(KINDS):
                    g = group_of.get((code, kind))
                    if g is None:
                        continue
                    n = np.array([[pair[kind_index]]])
                    top, price = _top(_one(nc, g), ordered[nc.starts[g]:nc.starts[g + 1], t:t + 1], n)
                    plane[0] += float(top[0, 0]) - float(price[0, 0]) * pair[kind_index]
                    plane[1 + kind_index] = float(price[0, 0])
                scale = (1.0 + 1e-9) / UNIT
                rows.append((code, year, number, plane[0] * scale, plane[1] * scale, plane[2] * scale))
    return pd.DataFrame(rows, columns=["region_code", "year", "plane", "intercept", "slope_gerai", "slope_kanal"])


def _one(nc: NationalCover, g: int) -> NationalCover:
    size = nc.starts[g + 1] - nc.starts[g]
    return NationalCover(nc.weights, nc.matrix, np.zeros(size, np.int64), np.array([0, size]),
                         nc.group_region[g:g + 1], nc.group_kind[g:g + 1], nc.year_weight, nc.points)


def plan_covering(points: np.ndarray, data: NationalData, tree: cKDTree, placed: pd.DataFrame | None) -> np.ndarray:
    """(n_points, n_years) how many of the ``placed`` outlets open in year t cover each demand point
    (positions in ``data.demand``)."""
    covering = np.zeros((len(points), len(data.years)))
    if placed is not None and len(placed):
        for kind, part in placed.groupby("kind"):
            reach = cover(tree, part["lon"], part["lat"], data.radius[kind])[points].astype(float).tocsr()
            for t, year in enumerate(data.years):
                covering[:, t] += reach @ (part["year"].to_numpy() <= year).astype(float)
    return covering


def slackness_prices(weights: np.ndarray, covering: np.ndarray) -> np.ndarray:
    """Prices by complementary slackness with a plan covering each row ``covering`` times: w where none does
    (z < 1), w x START_SHARE where exactly one does, 0 where two or more do (cover row slack)."""
    return weights * np.select([covering < 0.5, covering < 1.5], [1.0, START_SHARE], 0.0)


def _start_prices(nc: NationalCover, data: NationalData, tree: cKDTree, placed: pd.DataFrame | None) -> np.ndarray:
    """Prices by complementary slackness with the placed plan (:func:`slackness_prices`)."""
    return slackness_prices(nc.weights, plan_covering(nc.points, data, tree, placed))


def _pairs_near(ranges: dict, chosen: dict, pairs: dict) -> None:
    """Add to ``pairs`` each chosen (g, k), its four neighbours inside the count box, and the upper corner."""
    for (code, year), (g, k) in chosen.items():
        box = ranges.get(code, {"gerai": (0, 0), "kanal": (0, 0)})
        found = pairs.setdefault((code, year), set())
        for dg, dk in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
            if box["gerai"][0] <= g + dg <= box["gerai"][1] and box["kanal"][0] <= k + dk <= box["kanal"][1]:
                found.add((g + dg, k + dk))
        found.add((box["gerai"][1], box["kanal"][1]))


def _descend(nc: NationalCover, multipliers: np.ndarray, open_counts: np.ndarray, target: float, steps: int,
             theta: float) -> np.ndarray:
    """Subgradient steps on L(lambda) at fixed counts (Polyak steps of size ``theta`` towards ``target``);
    returns the prices of the smallest value seen."""
    best, kept = np.inf, multipliers
    for _ in range(steps):
        value, gradient = lagrangian_at(nc, multipliers, open_counts)
        if value < best:
            best, kept = value, multipliers
        norm = float((gradient * gradient).sum())
        if norm == 0 or value <= target:
            break
        multipliers = np.clip(multipliers - theta * (value - target) / norm * gradient, 0.0, nc.weights)
    return kept


def lagrangian_bound(data: NationalData, tree: cKDTree, placed: pd.DataFrame, chosen: dict, target: float,
                     time_limit: float = 300.0, steps: int = 8, log=None, cover: NationalCover | None = None
                     ) -> BoundResult:
    """The national Lagrangian bound (module docstring), improved until ``time_limit`` seconds have passed.

    Parameters
    ----------
    data : NationalData
    tree : scipy.spatial.cKDTree
        ``data.tree()``.
    placed : pandas.DataFrame
        The two-step plan's outlets (``region_code``, ``lon``, ``lat``, ``kind``, ``year``): extra columns of
        the model (so the bound holds for that plan too) and the starting prices.
    chosen : dict
        (region_code, year) -> (gerai, kanal) of the two-step plan: the first planes' count pairs.
    target : float
        A plan's value (the two-step plan's), the Polyak steps' target.
    time_limit : float
        Seconds.
    steps : int
        Subgradient steps between count-model solves.
    log : callable, optional
    cover : NationalCover, optional
        ``national_cover(data, tree, placed)`` when the caller has it already.

    Returns
    -------
    BoundResult
        ``pairs`` = planes per region-year at the last solve in total; ``history`` (seconds, best bound).
    """
    from planner.national.bound import _count_range

    began = time.perf_counter()
    nc = cover if cover is not None else national_cover(data, tree, placed)
    multipliers = _start_prices(nc, data, tree, placed)
    ranges, pairs = _count_range(data.inputs), {}
    _pairs_near(ranges, chosen, pairs)
    best, history, rounds, counts, outcome = np.inf, [], 0, dict(chosen), None
    theta, best_prices, best_round = THETA, multipliers, np.inf
    best = float((nc.weights.sum(axis=0) * nc.year_weight).sum())  # lambda = 0: everyone reachable
    history.append((time.perf_counter() - began, best))
    if log:
        log(f"national Lagrangian: {nc.matrix.shape[0]:,} merged rows x {nc.matrix.shape[1]:,} site columns, "
            f"{nc.matrix.nnz:,} non-zeros ({time.perf_counter() - began:.0f} s)")
    while True:
        rounds += 1
        constant = float((np.maximum(nc.weights - multipliers, 0).sum(axis=0) * nc.year_weight).sum())
        left = time_limit - (time.perf_counter() - began)
        outcome, found = count_model(data, plane_table(nc, data, multipliers, pairs),
                                     SolverOptions(time_limit=max(min(left, 120.0), 5.0), gap=COUNT_GAP, threads=1),
                                     national_cap=False)
        found_bound = np.inf if outcome.bound is None else constant + float(outcome.bound)
        best = min(best, found_bound)
        if found_bound < best_round:
            best_round, best_prices = found_bound, multipliers
        else:  # no progress over the best round (not over lambda = 0: unreachable by steps): best prices, shorter steps
            multipliers, theta = best_prices, theta / 2
        history.append((time.perf_counter() - began, best))
        if log:
            log(f"national bound round {rounds}: {best:,.0f} (this round {found_bound:,.0f}, step {theta:.3g}; "
                f"{time.perf_counter() - began:.0f} s)")
        if found:
            counts = found
            _pairs_near(ranges, found, pairs)
        if time.perf_counter() - began > time_limit * 0.9 or theta < SMALLEST_THETA:
            break
        multipliers = _descend(nc, multipliers, _group_counts(nc, data, counts), target, steps, theta)
    return BoundResult(bound=best, count_objective=None if outcome is None else outcome.objective, rounds=rounds,
                       pairs=sum(map(len, pairs.values())), seconds=time.perf_counter() - began, history=history,
                       counts=counts)


def plan_counts(counts: pd.DataFrame) -> dict:
    """(region_code, year) -> (gerai, kanal) open in a plan's count table (``region_code``, ``kind``, ``year``,
    ``cumulative``)."""
    wide = counts.pivot_table(index=["region_code", "year"], columns="kind", values="cumulative", aggfunc="sum",
                              fill_value=0)
    return {(code, int(year)): tuple(int(row.get(kind, 0)) for kind in KINDS) for (code, year), row in wide.iterrows()}
