"""The descent's count LP with 'once open, stays open': each site is given an opening year, not a place in each
year's top n.

:class:`planner.national.descent.SegmentCountLP` prices a group's year t by its n largest site values of that
year alone, so a year may open one set of sites and the next year another: 'once open, stays open' is lost and
the bound levels off above the whole model's LP (embedded default: 298.57 M against 296.91 M). Here, for
site values v[s,t] (the prices of the rows site s covers), the count model's LP relaxation (every scenario
rule, :func:`planner.national.lpbound.rules_relaxation`) gets per site s and opening year y a column
a[s,y] >= 0 with

    sum_y a[s,y] <= 1,    sum_{s in g} sum_{y <= t} a[s,y] <= N[g,t] - E[g]    (every group g and year t),

and cost V[s,y] = sum_{t >= y} v[s,t] (what the site is worth from its opening on). Every plan's new outlets
are such an assignment (a = 1 at their opening year) at the plan's counts, whose value sum_{s,t} v[s,t] x[s,t]
is its cost, so the LP's optimum bounds the Lagrangian's maximum with 'stays open' kept; B(rho) of
:mod:`planner.national.descent` stays a valid bound with this LP in place of the segment LP, and is never
above it by more than the open-ended tails (the segment LP is this LP without 'stays open').

Columns for every site would be 126,536 x 5 on the official data; a group gets SLOTS x k slots (k = the top
sites a year can use, at most ``MAX_SEGMENTS``), re-filled at every step with the union of each year's k best
sites, then the best by V[s,0]; the group's other sites share one tail column per opening year, worth
sum_{t >= y} of the year's largest value among them and bounded by their number: every one of them is worth
at most that, so the LP only grows and stays a bound whatever the slots hold.

The subgradient (Danskin) is the Lagrangian's at the LP's solution: site s open in year t with weight
x[s,t] = sum_{y <= t} a[s,y]; a tail's weight goes to the site with the year's largest value among the rest.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import PlanInputs
from planner.national.descent import MAX_SEGMENTS, CountLP
from planner.national.lpbound import ReducedCover, rules_relaxation
from planner.national.safe import lp_parts
from planner.solve import SolverOptions

#: Slots per group: this many times its k (k: its top sites a year, at most descent's MAX_SEGMENTS).
SLOTS = 2


class NestedCountLP(CountLP):
    """max over counts obeying every scenario rule and opening years of sum_{s,y} a[s,y] V[s,y] (module
    docstring), in HiGHS; loaded once, re-solved warm with each step's site values.

    Parameters
    ----------
    inputs : PlanInputs
    rc : ReducedCover
    max_segments : int
        k of a group: its top sites per year (at most its room for new outlets and its sites).
    slots : int
        Slots per group, a multiple of its k.
    """

    def __init__(self, inputs: PlanInputs, rc: ReducedCover, max_segments: int = MAX_SEGMENTS, slots: int = SLOTS):
        import highspy

        self.highs, self.count_col, n_cols, _ = rules_relaxation(inputs, rc, SolverOptions(threads=1))
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        col_upper = np.asarray(self.highs.getLp().col_upper_)
        self.rc, self.n_years = rc, self.count_col.shape[1]
        self.sizes = np.bincount(rc.group, minlength=rc.n_groups)
        self.k = np.zeros(rc.n_groups, np.int64)
        self.slots = np.zeros(rc.n_groups, np.int64)
        block_group, block_slot = [], []  # one block of n_years columns per slot (slot -1: the group's tail)
        for g in np.flatnonzero(self.sizes):
            inside = self.count_col[g] >= 0
            if not inside.any():  # a regency outside the scenario: its outlets are the existing ones
                continue
            if not inside.all():
                raise ValueError(f"group {g} has counts in some years only")
            room = float(col_upper[self.count_col[g]].max()) - float(rc.existing[g])
            if room <= 0:
                continue
            self.k[g] = int(min(room, self.sizes[g], max_segments))
            self.slots[g] = int(min(self.sizes[g], slots * self.k[g]))
            block_group += [g] * int(self.slots[g] + (self.sizes[g] > self.slots[g]))
            block_slot += list(range(int(self.slots[g]))) + ([-1] if self.sizes[g] > self.slots[g] else [])
        self.block_group, self.block_slot = np.asarray(block_group, np.int64), np.asarray(block_slot, np.int64)
        self.slot_start = np.r_[0, np.cumsum(self.slots)]
        n_blocks = len(block_group)
        self.columns = (n_cols + np.arange(n_blocks * self.n_years)).astype(np.int32)
        tail = self.block_slot < 0
        block_upper = np.where(tail, (self.sizes - self.slots)[self.block_group], 1.0)
        self.highs.addVars(len(self.columns), np.zeros(len(self.columns)), np.repeat(np.ones(n_blocks), self.n_years)
                           * np.repeat(block_upper, self.n_years))
        columns = self.columns.reshape(n_blocks, self.n_years)
        starts, index, upper = [], [], []
        for b in range(n_blocks):  # each slot opens once (a tail: at most its sites)
            starts.append(len(index))
            index += columns[b].tolist()
            upper.append(float(block_upper[b]))
        values = [1.0] * len(index)
        for g in np.unique(self.block_group):  # open by year t <= N[g,t] - E[g]
            mine = columns[self.block_group == g]
            for t in range(self.n_years):
                starts.append(len(index))
                opened = mine[:, :t + 1].ravel().tolist()
                index += [*opened, int(self.count_col[g, t])]
                values += [1.0] * len(opened) + [-1.0]
                upper.append(-float(rc.existing[g]))
        self.highs.addRows(len(upper), np.full(len(upper), -1e30), np.asarray(upper), len(index),
                           np.asarray(starts, np.int32), np.asarray(index, np.int32), np.asarray(values, float))
        self.matrix, self.bounds, self.cost = lp_parts(self.highs)
        self.opened = np.zeros((len(rc.group), self.n_years))
        self.objective, self.unit = float("nan"), 1.0

    def _fill(self, values: np.ndarray, orders: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The site in each slot (sorted by group, then slot) and whether each site has a slot."""
        rc = self.rc
        n_sites = len(rc.group)
        best_rank = np.full(n_sites, np.iinfo(np.int64).max)
        for order in orders:
            rank = np.empty(n_sites, np.int64)
            rank[order] = np.arange(n_sites) - rc.group_start[rc.group[order]]
            best_rank = np.minimum(best_rank, rank)
        whole = values.sum(axis=1)
        pick = np.lexsort((-whole, best_rank >= self.k[rc.group], rc.group))
        position = np.arange(n_sites) - rc.group_start[rc.group[pick]]
        in_slot = pick[position < self.slots[rc.group[pick]]]
        has_slot = np.zeros(n_sites, bool)
        has_slot[in_slot] = True
        return in_slot, has_slot

    def solve(self, values: np.ndarray, orders: list[np.ndarray] | None = None
              ) -> tuple[float | None, np.ndarray | None]:
        """A proven upper bound on the LP's optimum (persons; :func:`planner.national.safe.dual_bound`) and the
        free counts N - E it chose (n_groups, n_years; fractional) for site values ``values`` (n_sites,
        n_years; persons); (None, None) when HiGHS does not prove the LP optimal within SOLVE_SECONDS. The LP's
        objective (persons, not a proof) is kept in ``objective``, the sites' weights x[s,t] in ``opened``,
        the persons per unit of the costs HiGHS was given in ``unit``."""

        rc = self.rc
        orders = orders if orders is not None else self.order(values)
        in_slot, has_slot = self._fill(values, orders)
        later = np.cumsum(values[:, ::-1], axis=1)[:, ::-1]  # V[s,y]
        tail_value = np.zeros((rc.n_groups, self.n_years))
        tail_site = np.full((rc.n_groups, self.n_years), -1)
        rest = np.flatnonzero(~has_slot)
        for t in range(self.n_years):
            ordered = rest[np.lexsort((-values[rest, t], rc.group[rest]))]
            first = ordered[np.r_[True, rc.group[ordered][1:] != rc.group[ordered][:-1]]] if len(ordered) else ordered
            tail_value[rc.group[first], t] = values[first, t]
            tail_site[rc.group[first], t] = first
        tail_later = np.cumsum(tail_value[:, ::-1], axis=1)[:, ::-1]
        real = self.block_slot >= 0
        block_site = np.full(len(self.block_group), -1)
        block_site[real] = in_slot[self.slot_start[self.block_group[real]] + self.block_slot[real]]
        cost = np.where(real[:, None], later[np.maximum(block_site, 0)], tail_later[self.block_group])
        solved = self._run(cost.ravel())
        if solved is None:
            return None, None
        column_value, free, proven = solved
        opened = np.cumsum(column_value[self.columns].reshape(-1, self.n_years), axis=1)  # per block, x[., t]
        self.opened = np.zeros((len(rc.group), self.n_years))
        np.add.at(self.opened, block_site[real], opened[real])
        for b in np.flatnonzero(~real & (opened[:, -1] > 0)):
            for t in np.flatnonzero(opened[b] > 0):
                if tail_site[self.block_group[b], t] >= 0:
                    self.opened[tail_site[self.block_group[b], t], t] += opened[b, t]
        return proven, free
