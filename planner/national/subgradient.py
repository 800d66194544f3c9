"""Cover-row prices without an LP solver: subgradient steps on the Lagrangian of each year at fixed counts.

For data whose national covering LP is too big to solve within a phase (the official 1 km grid with the
83,403 villages: 25.6 M non-zeros a year), :func:`planner.national.lpbound.lp_bound` takes its prices from
here instead of from HiGHS. Validity never depends on them: for ANY prices rho >= 0 the block built from them
bounds every plan (proof in :mod:`planner.national.lpbound`); good prices only make it tighter.

For year t at free counts n (per group, possibly fractional) the function minimised is

    L_t(rho) = sum_i max(0, W[i,t] - rho_i) + sum_g top_g(rho, n_g),

top_g = the sum of the floor(n_g) largest site values v_s = sum of the rho of the rows s covers, plus the
fractional part of n_g times the next one (the LP relaxation of 'n_g sites of group g'). L_t is convex and
piecewise linear in rho, and its minimum over rho is the covering LP's value at n (LP duality), so the steps
approach the LP's prices. A subgradient is g = (A x - [W > rho]) with x the chosen sites' weights; steps go
along g without the components the projection on 0 <= rho <= W would undo, with Polyak's length towards the
year's value of the two-step plan (a lower bound on the minimum); the step size is halved after a few steps
without progress and carried to the next round (at least RESTART_THETA). Deflected steps (g plus 0.7 of the
previous direction) were measured and dropped: better prices at fixed counts (official data, plan's counts,
100 steps: 2.78 % above the plan instead of 3.42 %), a worse bound over the rounds (322.9 M against 318.5 M
in a 600 s phase). The prices start by complementary slackness
with the two-step plan: W where none of its new outlets covers a row in that year, W / 2 where one does, 0
where two or more do.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner.national.lagrange import plan_covering, slackness_prices
from planner.national.model import NationalData

#: First step size (a fraction of the Polyak step).
THETA = 1.0
#: Steps without progress after which a year's step size is halved.
PATIENCE = 5
#: Smallest step size a new round starts from (a round's counts differ from the last one's).
RESTART_THETA = 0.01
#: A year stops when its step size falls below this (nothing more to gain from more steps).
SMALLEST_THETA = 1e-3
METHOD = "cover-row prices by subgradient steps on each year's Lagrangian (cutting planes) + count-model dual bound"


class SubgradientPrices:
    """Prices per merged row and year of a :class:`planner.national.lpbound.ReducedCover`, improved in place.

    Parameters
    ----------
    rc : ReducedCover
    start : numpy.ndarray
        (n_rows, n_years) first prices (persons), clipped to [0, W].
    target : numpy.ndarray
        Per year, a value no greater than L_t's minimum (persons): the two-step plan's.
    """

    def __init__(self, rc, start: np.ndarray, target: np.ndarray):
        self.rc = rc
        self.prices = np.clip(start, 0.0, rc.weights)
        self.target = np.asarray(target, dtype=float)
        self.theta = np.full(rc.weights.shape[1], THETA)  # per year
        self.by_site = rc.matrix.T.tocsr()
        self.steps = 0

    def lagrangian(self, prices: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """L_t(prices) per year (persons) and a subgradient (n_rows, n_years), at free counts (n_groups,
        n_years)."""
        rc = self.rc
        values = self.by_site @ prices
        chosen = np.zeros_like(values)
        top = np.zeros(values.shape[1])
        for t in range(values.shape[1]):
            order = np.lexsort((-values[:, t], rc.group))
            weight = rc.top_weights(order, free[:, t])
            chosen[order, t] = weight
            top[t] = float(values[order, t] @ weight)
        slack = rc.weights - prices
        value = np.maximum(slack, 0.0).sum(axis=0) + top
        return value, rc.matrix @ chosen - (slack > 0)

    def descend(self, free: np.ndarray, max_steps: int, time_limit: float) -> np.ndarray:
        """Steps from the current prices at free counts ``free`` until ``max_steps`` steps or ``time_limit``
        seconds; the prices become, per year, the best seen. Returns L_t of those prices per year."""
        began = time.perf_counter()
        self.theta = np.maximum(self.theta, RESTART_THETA)  # new counts: steps may grow again, from where they were
        prices = self.prices.copy()
        best_value = np.full(prices.shape[1], np.inf)
        best = prices.copy()
        idle = np.zeros(prices.shape[1], dtype=np.int64)
        active = np.ones(prices.shape[1], dtype=bool)
        for _ in range(max_steps):
            value, gradient = self.lagrangian(prices, free)
            self.steps += 1
            better = value < best_value
            best[:, better] = prices[:, better]
            best_value = np.where(better, value, best_value)
            idle = np.where(better, 0, idle + 1)
            tired = idle >= PATIENCE
            self.theta[tired] /= 2
            idle[tired] = 0
            blocked = ((prices <= 0.0) & (gradient > 0)) | ((prices >= self.rc.weights) & (gradient < 0))
            gradient[blocked] = 0.0  # components the projection would undo only shorten the step
            norm = (gradient * gradient).sum(axis=0)
            active &= (self.theta >= SMALLEST_THETA) & (norm > 0) & (value > self.target)
            if not active.any() or time.perf_counter() - began > time_limit:
                break
            step = np.where(active, self.theta * (value - self.target) / np.where(norm > 0, norm, 1.0), 0.0)
            prices = np.clip(prices - gradient * step[None, :], 0.0, self.rc.weights)
        self.prices = best
        return best_value


def plan_start(rc, data: NationalData, tree: cKDTree, placed: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Starting prices (complementary slackness with the two-step plan's new outlets,
    :func:`planner.national.lagrange.slackness_prices`) and, per year, the weight of the merged rows those
    outlets cover (the Polyak target; persons)."""
    covering = plan_covering(rc.points, data, tree, placed[placed["year"] >= data.years[0]])
    return slackness_prices(rc.weights, covering), (rc.weights * (covering >= 0.5)).sum(axis=0)
