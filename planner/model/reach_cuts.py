"""Reach rows on demand: the envelope of a region's reach table has up to ~100 planes, and five years of
514 regions would need a quarter of a million rows. Only the planes near the chosen counts ever bind, so
the model starts with the planes at a few points and a separator adds, round by round, the plane a
solution violates most in each region and year (an outer approximation: every round's model is a
relaxation of the full one, so its dual bound is a valid bound on the full model's optimum).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pulp

from planner.inputs import PlanInputs
from planner.model.constraints import LE, count_table
from planner.model.variables import AllocationModel
from planner.pulp_compat import affine

VIOLATION_TOLERANCE = 1e-7  # share units: 0.00001 % of a region's workers


class ReachSeparator:
    """Adds the violated envelope planes of each region and year to a model (see module docstring).

    Parameters
    ----------
    m : AllocationModel
        The model; rows are added to ``m.problem`` under the family ``reach``.
    inputs : PlanInputs
        Supplies the full plane table ``inputs.planes``.
    """

    def __init__(self, m: AllocationModel, inputs: PlanInputs) -> None:
        self.m = m
        planes = inputs.planes.sort_values(["region_code", "plane"]).reset_index(drop=True)
        self.intercept = planes["intercept"].to_numpy(float)
        self.slope_g = planes["slope_gerai"].to_numpy(float)
        self.slope_k = planes["slope_kanal"].to_numpy(float)
        self.plane_id = planes["plane"].to_numpy(int)
        first = planes.groupby("region_code").indices
        table = count_table(m)
        self.table = table
        self.share_vars, self.gerai_vars, self.kanal_vars = (list(table[c]) for c in ("var", "gerai", "kanal"))
        self.row_keys = list(zip(table["region_code"], table["year"].astype(int), strict=True))
        self.share_names = [v.name for v in table["var"]]
        self.gerai_names = [v.name for v in table["gerai"]]
        self.kanal_names = [v.name for v in table["kanal"]]
        counts = np.array([len(first[code]) for code in table["region_code"]])
        starts = np.array([first[code][0] for code in table["region_code"]])
        self.row_of = np.repeat(np.arange(len(table)), counts)
        self.plane_of = np.concatenate([np.arange(s, s + c) for s, c in zip(starts, counts, strict=True)])
        self.segment = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.present: set[tuple[str, int, int]] = set()
        for name in m.registry.get("reach", {}):
            self.present.add(name)  # keys (region_code, year, plane) from build_model's initial rows
        self.rounds = 0
        self.rows_added = 0
        #: Completes a repaired plan for rows outside this separator (e.g. ``ExactCells.complete``).
        self.complete: Callable[[dict[str, float]], dict[str, float]] | None = None

    def envelope(self, n_gerai: np.ndarray, n_kanal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Envelope share and the index of its lowest plane for every (region, year) row of ``table``."""
        values = (self.intercept[self.plane_of] + self.slope_g[self.plane_of] * n_gerai[self.row_of]
                  + self.slope_k[self.plane_of] * n_kanal[self.row_of])
        lowest = np.minimum.reduceat(values, self.segment)
        is_lowest = values <= lowest[self.row_of] + 1e-12
        first_lowest = np.full(len(self.table), -1)
        candidates = np.flatnonzero(is_lowest)
        first_lowest[self.row_of[candidates[::-1]]] = self.plane_of[candidates[::-1]]
        return lowest, first_lowest

    def __call__(self, values: dict[str, float], integral: bool) -> tuple[list[str], dict[str, float] | None]:
        """Add the most violated plane of every (region, year) whose share exceeds the envelope."""
        self.rounds += 1
        n_gerai = np.array([values[n] for n in self.gerai_names])
        n_kanal = np.array([values[n] for n in self.kanal_names])
        if integral:
            n_gerai, n_kanal = np.round(n_gerai), np.round(n_kanal)
        share = np.array([values[n] for n in self.share_names])
        envelope, lowest = self.envelope(n_gerai, n_kanal)
        violated = share > envelope + VIOLATION_TOLERANCE
        chosen = {(int(i), int(lowest[i])) for i in np.flatnonzero(violated)}
        for corner_g, corner_k in self._neighbours(n_gerai, n_kanal, integral):
            _, corner_lowest = self.envelope(corner_g, corner_k)
            chosen.update((int(i), int(corner_lowest[i])) for i in np.flatnonzero(violated))
        added = [self._add(i, plane) for i, plane in sorted(chosen)]
        added = [name for name in added if name]
        self.rows_added += len(added)
        if not integral:
            return added, None
        repaired = dict(values)
        for i, name in enumerate(self.share_names):
            repaired[name] = float(min(max(envelope[i], 0.0), 1.0))
        for name, value in zip(self.gerai_names + self.kanal_names, np.concatenate([n_gerai, n_kanal]),
                               strict=True):
            repaired[name] = float(value)
        return added, (self.complete(repaired) if self.complete else repaired)

    def _neighbours(self, n_gerai: np.ndarray, n_kanal: np.ndarray, integral: bool):
        """Integer count pairs around a solution whose planes are added with the violated one, so that
        the envelope near the solution is complete after fewer rounds."""
        if integral:
            steps = ((1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (1, -1), (-1, 1))
            return [(np.maximum(n_gerai + dg, 0), np.maximum(n_kanal + dk, 0)) for dg, dk in steps]
        low_g, low_k = np.floor(n_gerai + 1e-9), np.floor(n_kanal + 1e-9)
        return [(low_g + dg, low_k + dk) for dg in (0, 1) for dk in (0, 1)]

    def _add(self, row_index: int, plane_index: int) -> str | None:
        key = (*self.row_keys[row_index], int(self.plane_id[plane_index]))
        if key in self.present:
            return None
        self.present.add(key)
        terms = [(self.share_vars[row_index], 1.0), (self.gerai_vars[row_index], -self.slope_g[plane_index]),
                 (self.kanal_vars[row_index], -self.slope_k[plane_index])]
        self.m.add("reach", key, pulp.LpConstraint(affine(terms), LE, rhs=float(self.intercept[plane_index])))
        return self.m.registry["reach"][key]


def planes_at_points(inputs: PlanInputs, points: pd.DataFrame) -> pd.DataFrame:
    """The envelope planes that are lowest at given counts (to seed the model with a few rows).

    Parameters
    ----------
    inputs : PlanInputs
    points : pandas.DataFrame
        ``region_code``, ``year``, ``n_gerai``, ``n_kanal``.

    Returns
    -------
    pandas.DataFrame
        Rows of ``inputs.planes`` with a ``year`` column, one or more per point (ties kept).
    """
    merged = points.merge(inputs.planes, on="region_code")
    merged["value"] = (merged["intercept"] + merged["slope_gerai"] * merged["n_gerai"]
                       + merged["slope_kanal"] * merged["n_kanal"])
    lowest = merged.groupby(["region_code", "year"])["value"].transform("min")
    chosen = merged[merged["value"] <= lowest + 1e-12]
    return chosen.drop_duplicates(["region_code", "year", "plane"])[
        ["region_code", "year", "plane", "intercept", "slope_gerai", "slope_kanal"]].reset_index(drop=True)
