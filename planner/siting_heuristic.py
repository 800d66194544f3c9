"""Greedy + 1-opt interchange (swap) plan for the MCLP, used as the solver's starting plan (no PuLP here).

Greedy opens, p times, the site with the largest weight of not-yet-covered demand. The swap phase then tries,
for each open site j in turn, the best closed site k to open instead (fast interchange: all k are scored at
once with one sparse product restricted to the demand only j covers), and applies it when it gains; it stops
after a full round without gain or at its time budget.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

_EPS = 1e-9


def greedy(matrix: sp.csr_matrix, weights: np.ndarray, p: int) -> np.ndarray:
    """Greedy plan: ``p`` column positions, each maximising the newly covered weight.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean demand x sites coverage.
    weights : numpy.ndarray
        Demand weights.
    p : int
        Number of sites to open (<= number of columns).

    Returns
    -------
    numpy.ndarray
        Column positions in the order opened.
    """
    rows = sp.csr_matrix(matrix, dtype=float)
    columns = sp.csc_matrix(rows)
    gain = rows.T @ weights
    covered = np.zeros(matrix.shape[0], dtype=bool)
    chosen = np.zeros(matrix.shape[1], dtype=bool)
    order = []
    for _ in range(p):
        score = np.where(chosen, -np.inf, gain)
        j = int(np.argmax(score))
        order.append(j)
        chosen[j] = True
        fresh = columns.indices[columns.indptr[j]:columns.indptr[j + 1]]
        fresh = fresh[~covered[fresh]]
        covered[fresh] = True
        if len(fresh):
            gain -= rows[fresh].T @ weights[fresh]
    return np.array(order, dtype=np.int64)


def _counts(columns: sp.csc_matrix, chosen: np.ndarray) -> np.ndarray:
    return np.asarray(columns[:, np.flatnonzero(chosen)].sum(axis=1)).ravel().astype(np.int64)


def swap(matrix: sp.csr_matrix, weights: np.ndarray, plan: np.ndarray, time_budget: float = 10.0
         ) -> np.ndarray:
    """Improve ``plan`` by 1-opt interchange until no swap gains or ``time_budget`` seconds have passed.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean demand x sites coverage.
    weights : numpy.ndarray
        Demand weights.
    plan : numpy.ndarray
        Column positions of the open sites.
    time_budget : float
        Seconds allowed.

    Returns
    -------
    numpy.ndarray
        Sorted column positions of the improved plan (same size).
    """
    began = time.perf_counter()
    rows = sp.csr_matrix(matrix, dtype=float)
    columns = sp.csc_matrix(rows)
    chosen = np.zeros(matrix.shape[1], dtype=bool)
    chosen[plan] = True
    count = _counts(columns, chosen)
    gain = rows.T @ np.where(count == 0, weights, 0.0)  # weight each closed site would newly cover
    idle, position = 0, 0
    while idle < len(plan) and time.perf_counter() - began < time_budget:
        open_sites = np.flatnonzero(chosen)
        j = int(open_sites[position % len(open_sites)])
        position += 1
        own = columns.indices[columns.indptr[j]:columns.indptr[j + 1]]
        only = own[count[own] == 1]  # demand covered by j alone
        loss = float(weights[only].sum())
        regain = rows[only].T @ weights[only] if len(only) else np.zeros(matrix.shape[1])
        delta = np.where(chosen, -np.inf, gain + regain) - loss
        k = int(np.argmax(delta))
        if delta[k] <= _EPS * max(1.0, loss):
            idle += 1
            continue
        chosen[j], chosen[k] = False, True
        count[own] -= 1
        count[columns.indices[columns.indptr[k]:columns.indptr[k + 1]]] += 1
        gain = rows.T @ np.where(count == 0, weights, 0.0)
        idle = 0
    return np.flatnonzero(chosen)


def greedy_swap(matrix: sp.csr_matrix, weights: np.ndarray, p: int, time_budget: float = 10.0) -> np.ndarray:
    """Greedy plan improved by :func:`swap`; sorted column positions."""
    if p <= 0 or matrix.shape[1] == 0:
        return np.zeros(0, dtype=np.int64)
    return swap(matrix, weights, greedy(matrix, weights, p), time_budget)
