"""Large-neighbourhood search for the reduced MCLP: re-optimise one region of the plan at a time (no PuLP here).

A region is grown from one open site through the sites that share demand with it (breadth first) until it
holds ``REGION_SHARE`` of the candidate sites. The open sites outside it stay open, the closed ones stay
closed, and a small MIP (the caller's ``solve_region``, with a short time limit) chooses the best sites
inside. The plan improves whenever that MIP finds better. On NewYork r=400, p=90 (2,320 sites), regions of
696 sites with a time limit of 8 s each took the plan from 1,536,081 to 1,539,985 in 94 s; the MIP solver on
the whole instance had reached 1,539,230 after 600 s (the optimum is 1,539,992).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from planner.siting.heuristic import covered_weight
from planner.siting.reduce import Reduced, restrict

#: Share of the candidate sites in a region (at least REGION_MIN of them).
REGION_SHARE = 0.3
REGION_MIN = 200
#: Seconds for each region's MIP.
REGION_SECONDS = 8.0
#: Regions in a row without a better plan before the search stops. (Growing the regions 1.5x after such a
#: stall, up to all sites, found nothing more on NewYork p=90 in a further 86 s.)
MAX_STALL = 12

#: ``solve_region(sub, start, time_limit)`` -> original site indices chosen in ``sub`` (``sub.p`` of them), or
#: None; ``start`` holds the original indices of the plan's open sites in the region (a starting solution).
RegionSolver = Callable[[Reduced, np.ndarray, float], "np.ndarray | None"]


def _region(neighbours: sp.csr_matrix, seed: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of ``size`` sites grown breadth first from ``seed`` (a random part of the last layer)."""
    inside = np.zeros(neighbours.shape[0], dtype=bool)
    inside[seed] = True
    layer, count = np.array([seed]), 1
    while count < size and len(layer):
        reached = np.unique(neighbours[layer].indices)
        reached = reached[~inside[reached]]
        if len(reached) > size - count:
            reached = rng.choice(reached, size - count, replace=False)
        inside[reached] = True
        layer, count = reached, count + len(reached)
    return inside


def region_search(reduced: Reduced, plan: np.ndarray, solve_region: RegionSolver, seconds: float,
                  seed: int = 0) -> np.ndarray:
    """Improve ``plan`` by re-solving regions of it until ``seconds`` have passed or after ``MAX_STALL`` failures.

    Parameters
    ----------
    reduced : Reduced
        The reduced problem.
    plan : numpy.ndarray
        Column positions of the starting plan (``reduced.p`` sites).
    solve_region : callable
        ``solve_region(sub, start, time_limit)``: the best ``sub.p`` sites of a restricted problem (original
        site indices, as in ``sub.sites``) found within ``time_limit`` seconds, or None; ``start`` holds the
        original indices of the plan's open sites in the region.
    seconds : float
        Seconds at most.
    seed : int
        Seed of the random choices (region seeds, the last layer of a region).

    Returns
    -------
    numpy.ndarray
        Sorted column positions of the best plan (``plan`` when nothing better was found).
    """
    began = time.perf_counter()
    matrix, n_sites = reduced.matrix, reduced.matrix.shape[1]
    if reduced.p <= 0 or reduced.p >= n_sites:
        return np.sort(plan)
    columns = sp.csr_matrix(matrix.T, dtype=np.int32)
    neighbours = (columns @ columns.T).tocsr()
    size = min(n_sites, max(REGION_MIN, round(REGION_SHARE * n_sites)))
    position = {site: j for j, site in enumerate(reduced.sites)}
    rng = np.random.default_rng(seed)
    best, value, stall = np.sort(plan), covered_weight(matrix, reduced.weights, plan), 0
    while stall < MAX_STALL and (left := seconds - (time.perf_counter() - began)) > 0.5:
        is_open = np.zeros(n_sites, dtype=bool)
        is_open[best] = True
        inside = _region(neighbours, int(rng.choice(best)), size, rng)
        sub = restrict(reduced, ~is_open & ~inside, is_open & ~inside)
        chosen = solve_region(sub, reduced.sites[best[inside[best]]], min(REGION_SECONDS, left))
        stall += 1
        if chosen is None:
            continue
        trial = np.sort(np.concatenate([np.flatnonzero(is_open & ~inside),
                                        [position[site] for site in chosen]]).astype(np.int64))
        trial_value = covered_weight(matrix, reduced.weights, trial)
        if len(trial) == reduced.p and trial_value > value:
            best, value, stall = trial, trial_value, 0
    return best
