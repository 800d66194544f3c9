"""Lagrangian upper bound, Lagrangian heuristic and reduced-cost fixing for the MCLP (no PuLP here).

Dualising the cover rows ``y_i <= sum_{j covers i} x_j`` with multipliers ``0 <= lambda_i <= w_i`` gives, with
site scores ``s_j = sum_{i covered by j} lambda_i``, the bound::

    L(lambda) = c + sum_i (w_i - lambda_i) + (sum of the p largest s_j)

valid for every such lambda; its minimum equals the LP bound (the sub-problem has the integrality property).
It is minimised by subgradient steps. Each step's p best-scoring sites are a plan (Lagrangian heuristic).

Fixing: with ``s_(p)`` and ``s_(p+1)`` the p-th and (p+1)-th largest scores, a plan that opens a site j outside
the p best is worth at most ``L - (s_(p) - s_j)``, one that closes a site j among them at most
``L - (s_j - s_(p+1))``. When that is below the threshold a better plan must beat, j is fixed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner.siting.heuristic import swap


@dataclass(frozen=True)
class LagrangianResult:
    """Best bound, the multipliers that gave it, and the best plan met on the way.

    Attributes
    ----------
    bound : float
        Upper bound on the reduced problem's optimum (constant included), min(L, c + sum w).
    lagrangian : float
        L at ``multipliers`` (used for fixing; may exceed ``bound``).
    scores : numpy.ndarray
        Site scores s_j at ``multipliers``.
    plan : numpy.ndarray
        Sorted column positions of the best plan found (the incumbent passed in, or better).
    value : float
        Covered weight of ``plan``, constant included.
    iterations : int
        Subgradient steps taken.
    """

    bound: float
    lagrangian: float
    scores: np.ndarray
    plan: np.ndarray
    value: float
    iterations: int


def _top(scores: np.ndarray, p: int) -> np.ndarray:
    if p >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(-scores, p)[:p] if p else np.zeros(0, dtype=np.int64)


def lagrangian(matrix: sp.csr_matrix, weights: np.ndarray, p: int, constant: float, plan: np.ndarray,
               *, max_iterations: int = 400, seconds: float = 5.0, polish_every: int = 25,
               step: float = 0.0, multipliers: np.ndarray | None = None) -> LagrangianResult:
    """Subgradient minimisation of L(lambda), starting from the incumbent ``plan``.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean reduced demand x sites coverage.
    weights : numpy.ndarray
        Reduced demand weights.
    p : int
        Sites to open (0 < p < number of columns).
    constant : float
        Weight covered anyway (existing sites).
    plan : numpy.ndarray
        Column positions of the incumbent plan.
    max_iterations : int
        Subgradient steps at most.
    seconds : float
        Seconds at most (subgradient and the swap polish of the Lagrangian plans).
    polish_every : int
        Every this many steps the current p best-scoring sites are improved by 1-opt swaps.
    step : float
        Stop when the bound is below the best plan's value plus ``step`` (1 for whole-number weights: the
        plan is then proven optimal; 0 otherwise).
    multipliers : numpy.ndarray, optional
        Starting multipliers, clipped to [0, w] (e.g. the LP duals of :func:`planner.siting.lp.lp_solution`);
        default w / 2.

    Returns
    -------
    LagrangianResult
    """
    began = time.perf_counter()
    rows = sp.csr_matrix(matrix, dtype=float)
    by_site = sp.csr_matrix(rows.T)
    total = constant + float(weights.sum())

    def value_of(columns: np.ndarray) -> float:
        return constant + float(weights[rows @ np.bincount(columns, minlength=rows.shape[1]) > 0].sum())

    best_plan, best_value = np.sort(plan), value_of(plan)
    lam = 0.5 * weights if multipliers is None else np.clip(multipliers, 0.0, weights)
    best_l, best_lam, stall, polished = np.inf, lam, 0, set()
    theta = 2.0 if multipliers is None else 0.25  # near the optimum already: small steps
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        scores = by_site @ lam
        top = _top(scores, p)
        value_l = constant + float((weights - lam).sum() + scores[top].sum())
        if value_l < best_l - 1e-9 * max(1.0, abs(value_l)):
            best_l, best_lam, stall = value_l, lam, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2.0, 0
        count = rows @ np.bincount(top, minlength=rows.shape[1])
        value = constant + float(weights[count > 0].sum())
        if value > best_value:
            best_plan, best_value = np.sort(top), value
        if iteration % polish_every == 0 and (key := np.sort(top).tobytes()) not in polished:
            polished.add(key)
            improved = swap(matrix, weights, np.sort(top), max(0.0, seconds / 10))
            if (improved_value := value_of(improved)) > best_value:
                best_plan, best_value = improved, improved_value
        gradient = (weights > lam).astype(float) - count  # d(-L)/d lambda: raise lambda on uncovered rows
        norm = float(gradient @ gradient)
        gap = min(best_l, total) - best_value
        if norm == 0 or gap <= 1e-9 * max(1.0, best_value) or gap < step - 1e-9 * max(1.0, best_value) \
                or theta < 1e-6 or time.perf_counter() - began > seconds:
            break
        lam = np.clip(lam + theta * (value_l - best_value) / norm * gradient, 0.0, weights)
    scores = by_site @ best_lam
    return LagrangianResult(min(best_l, total), best_l, scores, best_plan, best_value, iteration)


def fixings(result: LagrangianResult, p: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Columns that must be closed (``fix_zero``) or open (``fix_one``) in any plan worth ``threshold`` or more.

    Parameters
    ----------
    result : LagrangianResult
        Bound and scores from :func:`lagrangian`.
    p : int
        Sites to open.
    threshold : float
        Value a plan must reach to matter (e.g. incumbent + 1 for integer weights).

    Returns
    -------
    tuple of numpy.ndarray
        Boolean masks over columns.
    """
    scores = result.scores
    n = len(scores)
    if p <= 0 or p >= n:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    top = np.zeros(n, dtype=bool)
    top[_top(scores, p)] = True
    s_p, s_next = scores[top].min(), scores[~top].max()
    margin = 1e-9 * max(1.0, abs(result.lagrangian))
    fix_zero = ~top & (result.lagrangian - (s_p - scores) < threshold - margin)
    fix_one = top & (result.lagrangian - (scores - s_next) < threshold - margin)
    return fix_zero, fix_one
