"""Exact reach rows on demand, where the concave envelope overestimates the reach table at a plan.

A ``points`` reach table (share reached for each count pair) need not be concave, and the model's planes are its
upper concave envelope, so a plan's model value can exceed what its counts really reach. For the (region, year)
pairs where it does at the plan found, :class:`ExactCells` replaces the envelope by the table itself: one binary
per feasible count cell (g, k),

    sum_{g,k} u[g,k] = 1,   N[r,gerai,t] = sum g u[g,k],   N[r,kanal,t] = sum k u[g,k],
    S[r,t] <= sum share_r(g, k) u[g,k],

so the model value of those pairs equals the table at every integer plan. The other pairs keep the envelope,
which overestimates, so the model's dual bound stays a valid bound on the exact optimum, and the plan's exact
objective can only get closer to it as the set grows (the envelope rows stay: they are valid and tighten the LP).
"""

from __future__ import annotations

import numpy as np
import pulp

from planner.inputs import PlanInputs
from planner.model.constraints import EQ, LE, count_table
from planner.model.variables import AllocationModel
from planner.pulp_compat import affine
from planner.reach import share_cube

#: A (region, year) pair is made exact when the envelope overestimates its reach at the plan by more than this
#: fraction of the plan's objective (0.0001 %): the remaining ones together cannot move the gap much.
EXACT_MIN_SHARE = 1e-6


class ExactObjective:
    """The objective of a plan read from the exact reach table (the model works on its concave envelope,
    which can overestimate a non-concave ``points`` table at some counts)."""

    def __init__(self, m: AllocationModel, inputs: PlanInputs) -> None:
        table = count_table(m)
        codes = list(inputs.regions["region_code"])
        self.cube = share_cube(inputs.grid, codes)
        position = {code: i for i, code in enumerate(codes)}
        self.rows = np.array([position[c] for c in table["region_code"]])
        self.keys = list(zip(table["region_code"], table["year"].astype(int), strict=True))
        self.share, self.gerai, self.kanal = (list(table[c]) for c in ("var", "gerai", "kanal"))
        weight = table["workers"].to_numpy(float)
        if inputs.scenario.objective == "final_reach":
            weight = np.where(table["year"].to_numpy() == inputs.years[-1], weight, 0.0)
        self.weight = weight
        self.workers = table["workers"].to_numpy(float)
        self.limit = inputs.service_limit

    def counts(self, values: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Open gerai and kanal of a plan per (region, year) row of the count table (rounded)."""
        return (np.rint([values[v.name] for v in self.gerai]).astype(int),
                np.rint([values[v.name] for v in self.kanal]).astype(int))

    def reached(self, values: dict[str, float]) -> np.ndarray:
        """Share reached per (region, year) row by the plan's counts, read from the table and capped by the
        service capacity (fraction of the row's workers)."""
        n_gerai, n_kanal = self.counts(values)
        workers = np.where(self.workers > 0, self.workers, 1.0)
        return np.minimum(self.cube[self.rows, n_gerai, n_kanal], self.limit(n_gerai, n_kanal) / workers)

    def __call__(self, values: dict[str, float]) -> float:
        return float((self.reached(values) * self.weight).sum())


class ExactCells:
    """The (region, year) pairs modelled exactly, and the rows and binaries that do it (see module docstring).

    Parameters
    ----------
    m : AllocationModel
        The model; binaries ``cell_<region>_<year>_<g>_<k>`` and rows of the families ``exact_pick``,
        ``exact_gerai``, ``exact_kanal`` and ``exact_reach`` (keys ``(region_code, year)``) are added to it.
    exact : ExactObjective
        The plan's objective read from the reach table (its table cube, rows and weights are shared).
    """

    def __init__(self, m: AllocationModel, exact: ExactObjective) -> None:
        self.m = m
        self.exact = exact
        self.cells: dict[int, list[tuple[int, int, pulp.LpVariable]]] = {}

    @property
    def pairs(self) -> list[tuple[str, int]]:
        """The (region_code, year) pairs modelled exactly so far."""
        return [self.exact.keys[i] for i in sorted(self.cells)]

    @property
    def regions(self) -> list[str]:
        """The regions with at least one year modelled exactly."""
        return sorted({self.exact.keys[i][0] for i in self.cells})

    def overestimate(self, values: dict[str, float]) -> np.ndarray:
        """Per (region, year) row of the count table, the objective the model credits a plan beyond its exact
        reach table (persons, or worker-years; 0 where the model is exact)."""
        share = np.array([values[v.name] for v in self.exact.share])
        return np.maximum(share - self.exact.reached(values), 0.0) * self.exact.weight

    def add_overestimated(self, values: dict[str, float], objective: float) -> list[tuple[str, int]]:
        """Model exactly every pair where the plan's model value exceeds its table value by more than
        ``EXACT_MIN_SHARE`` of ``objective``; returns the (region_code, year) pairs added."""
        excess = self.overestimate(values)
        chosen = [int(i) for i in np.flatnonzero(excess > EXACT_MIN_SHARE * max(objective, 1.0))
                  if int(i) not in self.cells]
        for i in chosen:
            self._add(i)
        return [self.exact.keys[i] for i in chosen]

    def _add(self, i: int) -> None:
        """Binaries and rows that make pair ``i`` exact over every count pair its variables' bounds allow."""
        code, year = self.exact.keys[i]
        gerai, kanal, share = self.exact.gerai[i], self.exact.kanal[i], self.exact.share[i]
        cells = []
        for g in range(int(gerai.lowBound), int(gerai.upBound) + 1):
            for k in range(int(kanal.lowBound), int(kanal.upBound) + 1):
                value = self.exact.cube[self.exact.rows[i], g, k]
                if np.isnan(value):
                    raise ValueError(f"reach table of region {code} lacks the counts ({g}, {k}) its caps allow")
                name = f"cell_{code.replace('.', '_')}_{year}_{g}_{k}"
                cells.append((g, k, pulp.LpVariable(name, 0, 1, cat=pulp.LpBinary), float(value)))
        key = (code, year)
        self.m.add("exact_pick", key, pulp.LpConstraint(affine([(u, 1.0) for *_, u, _ in cells]), EQ, rhs=1.0))
        self.m.add("exact_gerai", key, pulp.LpConstraint(
            affine([(gerai, 1.0)] + [(u, -float(g)) for g, _, u, _ in cells if g]), EQ, rhs=0.0))
        self.m.add("exact_kanal", key, pulp.LpConstraint(
            affine([(kanal, 1.0)] + [(u, -float(k)) for _, k, u, _ in cells if k]), EQ, rhs=0.0))
        self.m.add("exact_reach", key, pulp.LpConstraint(
            affine([(share, 1.0)] + [(u, -value) for *_, u, value in cells if value]), LE, rhs=0.0))
        self.cells[i] = [(g, k, u) for g, k, u, _ in cells]

    def complete(self, values: dict[str, float] | None) -> dict[str, float] | None:
        """A plan made feasible for the exact rows: the binary of each exact pair's counts set, the others
        cleared, and the share lowered to the table's value (the plan stays feasible, its model value exact)."""
        if values is None or not self.cells:
            return values
        done = dict(values)
        n_gerai, n_kanal = self.exact.counts(values)
        table = self.exact.cube[self.exact.rows, n_gerai, n_kanal]
        for i, cells in self.cells.items():
            for g, k, u in cells:
                done[u.name] = float(g == n_gerai[i] and k == n_kanal[i])
            share = self.exact.share[i].name
            done[share] = float(min(done[share], table[i]))
        return done
