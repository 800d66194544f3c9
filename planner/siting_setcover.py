"""Full-coverage check for the MCLP: can p sites cover every coverable demand point? (no PuLP here)

When the Lagrangian bound cannot rule out covering everything, the MCLP's optimum may be the total coverable
weight; then it is a set-covering question, where (unlike the MCLP) a demand row whose covering set contains
another row's is redundant. Reductions, repeated until nothing changes:

* drop a row whose covering set contains another row's (covering the smaller one covers it);
* drop a column whose rows are a subset of another column's;
* a row with one covering column makes that column essential: open it, drop the rows it covers.

The reduced set-covering MIP (min sum x) is built and solved in :mod:`planner.siting`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner.siting_reduce import row_labels, undominated_columns


@dataclass(frozen=True)
class SetCover:
    """A reduced set-covering instance.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean rows (demand) x columns still to decide.
    columns : numpy.ndarray
        Column positions (in the caller's matrix) of ``matrix``'s columns.
    essential : numpy.ndarray
        Column positions that must be open.
    """

    matrix: sp.csr_matrix
    columns: np.ndarray
    essential: np.ndarray


def _minimal_rows(matrix: sp.csr_matrix) -> np.ndarray:
    """Rows kept: one per set of identical rows, none whose set strictly contains another row's."""
    _, unique = row_labels(matrix)
    counts = matrix[unique].astype(np.int32)
    size = np.diff(counts.indptr)
    overlap = (counts @ counts.T).tocoo()
    contains = (overlap.data == size[overlap.col]) & (size[overlap.row] > size[overlap.col])
    redundant = np.zeros(len(unique), dtype=bool)
    redundant[overlap.row[contains]] = True
    return np.sort(unique[~redundant])


def reduce_set_cover(matrix: sp.csr_matrix, max_rounds: int = 20) -> SetCover:
    """Apply the set-covering reductions until nothing changes (or ``max_rounds``).

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Boolean demand x sites; every row has at least one column.

    Returns
    -------
    SetCover
    """
    columns = np.arange(matrix.shape[1])
    essential: list[np.ndarray] = []
    current = sp.csr_matrix(matrix, dtype=bool)
    for _ in range(max_rounds):
        before = current.shape
        current = current[_minimal_rows(current)]
        kept = undominated_columns(current)
        current, columns = sp.csr_matrix(current[:, kept]), columns[kept]
        single = np.diff(current.indptr) == 1
        forced = np.unique(current.indices[current.indptr[:-1][single]])
        if len(forced):
            essential.append(columns[forced])
            hit = np.asarray(current[:, forced].sum(axis=1)).ravel() > 0
            free = np.setdiff1d(np.arange(current.shape[1]), forced)
            current, columns = sp.csr_matrix(current[np.flatnonzero(~hit)][:, free]), columns[free]
        current.sort_indices()
        if current.shape == before and not len(forced):
            break
    done = np.concatenate(essential) if essential else np.zeros(0, dtype=np.int64)
    return SetCover(current, columns, np.sort(done))
