"""A plan from the descent's prices (a Lagrangian heuristic): counts by the count MILP, then a national greedy.

The descent (:mod:`planner.national.descent`) prices every cover row; at those prices its count LP says where
outlets are worth most, across regency borders, which the two-step plan's regency reach tables cannot see.
This module turns that into a plan:

1. Counts: the same count model with the segment objective at the prices, the counts integer (HiGHS MIP,
   relative gap ``COUNT_GAP``, at most ``COUNT_SECONDS``): every scenario rule holds on them by construction
   (and the caller recounts them from the placement, :func:`planner.allocation.verify.verify_counts`).
2. Sites: years in order, each group (regency, kind) opens its new outlets of the year one at a time, always
   the site (among its kept sites not yet open) that adds the most worker-years still unreached from that
   year on, over every group with a quota left (a national greedy with quotas; lazy evaluation, as gains only
   fall). Existing outlets stay where they are.

Nothing here is a bound; the plan is valued from scratch (:func:`planner.national.value.plan_value`) and used
only when it is worth more than the plan the search holds.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from planner.national.descent import SegmentCountLP
from planner.national.lpbound import ReducedCover
from planner.national.model import NationalData

#: Relative gap and seconds of the count MIP.
COUNT_GAP, COUNT_SECONDS = 1e-2, 20.0


def integer_counts(model: SegmentCountLP, values: np.ndarray, seconds: float = COUNT_SECONDS
                   ) -> np.ndarray | None:
    """Open outlets per group and year (existing included; (n_groups, n_years)) maximising the top-n site
    values ``values`` under every scenario rule with integer counts; None when HiGHS finds no solution in time.
    ``model`` becomes a MIP (use a model of its own, not the descent's)."""
    import highspy

    model.solve(values)  # the LP's basis and costs first
    highs = model.highs
    integer = np.zeros(highs.getNumCol(), dtype=np.uint8)
    integer[model.count_col[model.count_col >= 0]] = 1
    highs.changeColsIntegrality(len(integer), np.arange(len(integer), dtype=np.int32), integer)
    highs.setOptionValue("mip_rel_gap", COUNT_GAP)
    highs.setOptionValue("time_limit", highs.getRunTime() + float(seconds))
    highs.run()
    if highs.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    solution = np.asarray(highs.getSolution().col_value)
    opened = np.round(solution[np.maximum(model.count_col, 0)])
    return np.where(model.count_col >= 0, opened, model.rc.existing[:, None]).astype(np.int64)


def greedy_sites(rc: ReducedCover, open_counts: np.ndarray) -> np.ndarray:
    """Per kept site (column of ``rc``), the index of the year it opens in (-1: not opened), opening each group's
    new outlets (``open_counts`` minus the existing ones, cumulative per year) by the national greedy of the
    module docstring."""
    weights = rc.weights
    n_years = weights.shape[1]
    remaining = np.cumsum(weights[:, ::-1], axis=1)[:, ::-1]  # worker-years from year t on
    remaining = np.hstack([remaining, np.zeros((len(weights), 1))])
    covered_from = np.full(len(weights), n_years)
    by_site = rc.matrix.tocsc()
    opened = np.full(by_site.shape[1], -1)
    count = np.zeros(rc.n_groups, dtype=np.int64)

    def gain(site: int, year: int) -> float:
        rows = by_site.indices[by_site.indptr[site]:by_site.indptr[site + 1]]
        until = covered_from[rows]
        later = until > year
        return float((remaining[rows[later], year] - remaining[rows[later], until[later]]).sum())

    for year in range(n_years):
        need = np.maximum(open_counts[:, year] - rc.existing, 0) - count
        heap = [(-gain(s, year), s) for s in np.flatnonzero((opened < 0) & (need[rc.group] > 0))]
        heapq.heapify(heap)
        while heap:
            _, site = heapq.heappop(heap)
            group = rc.group[site]
            if need[group] <= 0:
                continue
            fresh = gain(site, year)
            if heap and fresh < -heap[0][0]:
                heapq.heappush(heap, (-fresh, site))  # its gain fell since it was computed: look again later
                continue
            opened[site], need[group], count[group] = year, need[group] - 1, count[group] + 1
            rows = by_site.indices[by_site.indptr[site]:by_site.indptr[site + 1]]
            covered_from[rows] = np.minimum(covered_from[rows], year)
    return opened


def lagrangian_plan(data: NationalData, rc: ReducedCover, values: np.ndarray, placed: pd.DataFrame,
                    seconds: float = COUNT_SECONDS) -> pd.DataFrame | None:
    """The plan of the module docstring at site values ``values`` (n_sites, n_years; persons): ``placed``'s
    existing outlets plus the greedy's new ones (``region_code``, ``site_id``, ``lon``, ``lat``, ``kind``,
    ``year``); None when the count MIP found nothing in ``seconds``."""
    counts = integer_counts(SegmentCountLP(data.inputs, rc), values, seconds)
    if counts is None:
        return None
    opened = greedy_sites(rc, counts)
    chosen = opened >= 0
    new = rc.sites[chosen].assign(year=np.asarray(data.years)[opened[chosen]])
    existing = placed[placed["year"] < data.years[0]]
    return pd.concat([existing, new], ignore_index=True)[["region_code", "site_id", "lon", "lat", "kind", "year"]]
