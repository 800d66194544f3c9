"""A plan from the descent (a Lagrangian heuristic): counts near the count LP's average, then a national greedy.

The descent (:mod:`planner.national.descent`) re-optimises the counts at every step; a single step's counts
jump between the many count vectors nearly optimal at its prices, but their average over the steps
approaches the counts of the whole model's LP (primal recovery from a subgradient method): where outlets
are worth most across regency borders, which the two-step plan's regency reach tables cannot see. This
module turns that into a plan:

1. Counts: integer counts obeying every scenario rule (the count model's rules, HiGHS MIP, relative gap
   ``COUNT_GAP`` or ``COUNT_SLACK`` outlet-years, at most ``COUNT_SECONDS``) as near as they can be to the
   average (least total absolute difference); the caller recounts them from the placement
   (:func:`planner.allocation.verify.verify_counts`).
   Measured on the embedded default after 45 s of descent: 290.8 M worker-years, where the count MIP at the
   step's prices gave 272.8 M (288.8 M at the prices of the descent without 'stays open').
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

from planner.inputs import PlanInputs
from planner.national.lpbound import ReducedCover, rules_relaxation
from planner.national.model import NationalData
from planner.solve import SolverOptions

#: The count MIP stops within this relative gap or this many outlet-years of total difference (a distance
#: near 0 makes a relative gap alone hard to prove: 20 s on the default), or after this many seconds.
COUNT_GAP, COUNT_SLACK, COUNT_SECONDS = 1e-2, 5.0, 20.0


def nearest_counts(inputs: PlanInputs, rc: ReducedCover, free: np.ndarray, seconds: float = COUNT_SECONDS,
                   slack: float = COUNT_SLACK) -> np.ndarray | None:
    """Open outlets per group and year (existing included; (n_groups, n_years)), integer and obeying every
    scenario rule, with the least sum of |N - E - free| (``free``: fractional free counts per group and year;
    within COUNT_GAP or ``slack`` outlet-years of it); None when HiGHS finds no solution in ``seconds``."""
    import highspy

    highs, count_col, n_cols, _ = rules_relaxation(inputs, rc, SolverOptions(threads=1))
    inside = count_col >= 0
    columns = count_col[inside]
    target = (free + rc.existing[:, None])[inside]
    n = len(columns)
    highs.addVars(2 * n, np.zeros(2 * n), np.full(2 * n, 1e30))  # above and below the target
    highs.changeColsCost(2 * n, np.arange(n_cols, n_cols + 2 * n, dtype=np.int32), np.ones(2 * n))
    index = np.column_stack([columns, n_cols + np.arange(n), n_cols + n + np.arange(n)]).ravel()
    highs.addRows(n, target, target, len(index), (3 * np.arange(n)).astype(np.int32), index.astype(np.int32),
                  np.tile([1.0, -1.0, 1.0], n))
    integer = np.zeros(highs.getNumCol(), dtype=np.uint8)
    integer[columns] = 1
    highs.changeColsIntegrality(len(integer), np.arange(len(integer), dtype=np.int32), integer)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.setOptionValue("mip_rel_gap", COUNT_GAP)
    highs.setOptionValue("mip_abs_gap", float(slack))
    highs.setOptionValue("time_limit", float(seconds))
    highs.run()
    if highs.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    solution = np.asarray(highs.getSolution().col_value)
    return np.where(inside, np.round(solution[np.maximum(count_col, 0)]), rc.existing[:, None]).astype(np.int64)


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


def lagrangian_plan(data: NationalData, rc: ReducedCover, free: np.ndarray, placed: pd.DataFrame,
                    seconds: float = COUNT_SECONDS) -> pd.DataFrame | None:
    """The plan of the module docstring near the free counts ``free`` (n_groups, n_years; the descent's
    average): ``placed``'s existing outlets plus the greedy's new ones (``region_code``, ``site_id``, ``lon``,
    ``lat``, ``kind``, ``year``); None when the count MIP found nothing in ``seconds``."""
    counts = nearest_counts(data.inputs, rc, free, seconds)
    if counts is None:
        return None
    opened = greedy_sites(rc, counts)
    chosen = opened >= 0
    new = rc.sites[chosen].assign(year=np.asarray(data.years)[opened[chosen]])
    existing = placed[placed["year"] < data.years[0]]
    return pd.concat([existing, new], ignore_index=True)[["region_code", "site_id", "lon", "lat", "kind", "year"]]
