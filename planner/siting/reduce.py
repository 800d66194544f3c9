"""Exact reductions of an MCLP instance before it is modelled (no PuLP here).

Each step keeps the optimum unchanged:

* demand covered by an existing (forced-open) site is a constant; demand of weight 0 or covered by no
  candidate site cannot change the objective: all three leave the model;
* demand points with identical sets of covering sites are merged (weights added);
* candidate sites with identical coverage are merged (one representative is kept);
* a site whose coverage is a strict subset of another's is dropped: in any plan it can be swapped for its
  dominator without losing coverage. Strict subset is a partial order, so every dropped site has a kept
  dominator. When no more than the number of sites to choose remain, opening all of them covers everything
  coverable and the solver is not needed (the caller fills the remaining openings with any sites).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from planner.siting.stats import MCLPStats


@dataclass(frozen=True)
class Levers:
    """Which speed levers are on (all by default; switched off one by one in the benchmark).

    Attributes
    ----------
    merge_demand : bool
        Merge demand points with identical covering sets; drop demand that cannot change the objective.
    drop_dominated : bool
        Merge identical sites and drop strictly dominated ones.
    start : bool
        Hand a greedy + 1-opt swap plan, improved by iterated local search, to the solver as its start.
    fold_single : bool
        Demand covered by a single candidate site adds its weight to that site's objective coefficient
        instead of getting a variable and a row.
    bound : bool
        Lagrangian bound and heuristic: stop without the MIP when the bound meets the best plan, else fix
        sites by Lagrangian reduced costs before the MIP.
    branch : bool
        With ``bound`` and HiGHS: the LP branch-and-bound of :mod:`planner.siting.branch` (within a share of
        the time) before the MIP.
    """

    merge_demand: bool = True
    drop_dominated: bool = True
    start: bool = True
    fold_single: bool = True
    bound: bool = True
    branch: bool = True


#: Every lever on (the default).
ALL_LEVERS = Levers()


@dataclass(frozen=True)
class Reduced:
    """A reduced MCLP: choose ``p`` of the columns of ``matrix`` to maximise covered ``weights``.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean, reduced demand x reduced candidate sites, sorted indices.
    weights : numpy.ndarray
        Weight of each reduced demand row (same unit as the input weights).
    sites : numpy.ndarray
        Original site index of each column.
    constant : float
        Weight covered by the existing sites (always covered).
    p : int
        Number of columns to choose (p minus existing sites, at most the number of columns).
    stats : MCLPStats
        Sizes after each step, for reports: demand_in, demand_free, demand_merged, sites_in,
        sites_unique, sites_kept.
    """

    matrix: sp.csr_matrix
    weights: np.ndarray
    sites: np.ndarray
    constant: float
    p: int
    stats: MCLPStats = field(default_factory=MCLPStats)


def row_labels(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Label of each row (rows with the same sorted column set share a label) and one representative row."""
    indptr, indices = matrix.indptr, matrix.indices
    first: dict[bytes, int] = {}
    labels = np.empty(matrix.shape[0], dtype=np.int64)
    representatives = []
    for row in range(matrix.shape[0]):
        key = indices[indptr[row]:indptr[row + 1]].tobytes()
        label = first.setdefault(key, len(first))
        if label == len(representatives):
            representatives.append(row)
        labels[row] = label
    return labels, np.array(representatives, dtype=np.int64)


def merge_rows(matrix: sp.csr_matrix, weights: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge rows with identical column sets, adding their weights."""
    labels, representatives = row_labels(matrix)
    merged = matrix[representatives]
    merged.sort_indices()
    return merged, np.bincount(labels, weights=weights, minlength=len(representatives))


def undominated_columns(matrix: sp.csr_matrix) -> np.ndarray:
    """Positions of the columns kept: one per set of identical columns, none strictly inside another.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean, demand x sites.

    Returns
    -------
    numpy.ndarray
        Sorted column positions.
    """
    by_site = sp.csr_matrix(matrix.T)
    by_site.sort_indices()
    _, unique = row_labels(by_site)  # first of each group of identical columns
    counts = by_site[unique].astype(np.int32)
    size = np.diff(counts.indptr)
    overlap = (counts @ counts.T).tocoo()  # |cover(j) & cover(k)| for unique sites j, k
    inside = (overlap.data == size[overlap.row]) & (size[overlap.col] > size[overlap.row])
    dominated = np.zeros(len(unique), dtype=bool)
    dominated[overlap.row[inside]] = True
    if (size > 0).any():
        dominated |= size == 0
    return np.sort(unique[~dominated])


def _compact(matrix: sp.csr_matrix, w: np.ndarray, sites: np.ndarray, constant: float, p: int,
             levers: Levers, stats: MCLPStats) -> Reduced:
    """Drop dead rows, merge rows, drop dominated columns, merge again; package as :class:`Reduced`."""
    if levers.merge_demand:  # weight 0 or no covering site: cannot change the objective
        keep = (np.diff(matrix.indptr) > 0) & (w > 0)
        matrix, w = matrix[np.flatnonzero(keep)], w[keep]
    matrix.sort_indices()
    stats.demand_free = matrix.shape[0]
    if levers.merge_demand:
        matrix, w = merge_rows(matrix, w)
    stats.demand_merged = matrix.shape[0]
    if levers.drop_dominated and matrix.shape[1]:
        columns = undominated_columns(matrix)
        matrix, sites = matrix[:, columns], sites[columns]
        matrix.sort_indices()
        if levers.merge_demand:
            matrix, w = merge_rows(matrix, w)
    stats.sites_kept = matrix.shape[1]
    stats.demand_kept = matrix.shape[0]
    return Reduced(sp.csr_matrix(matrix, dtype=bool), np.asarray(w, dtype=float), sites, float(constant),
                   int(min(p, matrix.shape[1])), stats)


def reduce_problem(weights: np.ndarray, cover: sp.csr_matrix, existing: np.ndarray, p: int,
                   levers: Levers = ALL_LEVERS) -> Reduced:
    """Apply the exact reductions selected by ``levers``.

    Parameters
    ----------
    weights : numpy.ndarray
        Demand weights (>= 0).
    cover : scipy.sparse.csr_matrix
        Boolean demand x sites coverage.
    existing : numpy.ndarray
        Indices of forced-open sites (unique).
    p : int
        Total number of open sites, existing included.
    levers : Levers
        Which reductions to apply (``merge_demand``, ``drop_dominated``).

    Returns
    -------
    Reduced
    """
    n_demand, n_sites = cover.shape
    if len(existing):
        by_existing = np.asarray(cover[:, existing].sum(axis=1)).ravel() > 0
    else:
        by_existing = np.zeros(n_demand, dtype=bool)
    candidates = np.setdiff1d(np.arange(n_sites), existing)
    rows = np.flatnonzero(~by_existing)
    matrix = sp.csr_matrix(cover[rows][:, candidates])
    stats = MCLPStats(demand_in=n_demand, sites_in=len(candidates))
    return _compact(matrix, weights[rows], candidates, float(weights[by_existing].sum()), p - len(existing),
                    levers, stats)


def restrict(reduced: Reduced, fix_zero: np.ndarray, fix_one: np.ndarray, levers: Levers = ALL_LEVERS
             ) -> Reduced:
    """The sub-problem with columns ``fix_zero`` closed and ``fix_one`` open (boolean masks over columns).

    Demand covered by the opened columns joins the constant; the other columns are compacted again.
    """
    matrix = reduced.matrix
    opened = np.flatnonzero(fix_one)
    covered = np.asarray(matrix[:, opened].sum(axis=1)).ravel() > 0 if len(opened) else \
        np.zeros(matrix.shape[0], dtype=bool)
    free = np.flatnonzero(~fix_zero & ~fix_one)
    rows = np.flatnonzero(~covered)
    sub = sp.csr_matrix(matrix[rows][:, free])
    stats = MCLPStats(demand_in=matrix.shape[0], sites_in=len(free))
    return _compact(sub, reduced.weights[rows], reduced.sites[free],
                    reduced.constant + float(reduced.weights[covered].sum()), reduced.p - len(opened),
                    levers, stats)
