"""A placed plan's site-level value: worker-years reached, each demand point counted once per year however
many outlets (of any kind, of any regency) cover it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner.errors import InputError
from planner.national.model import NationalData, cover

PLACED_COLUMNS = ("region_code", "site_id", "lon", "lat", "kind", "year")
NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class PlanValue:
    """Value of a placed plan.

    Attributes
    ----------
    objective : float
        Worker-years reached (or final-year workers reached, by the scenario's objective), persons x years.
    reached : numpy.ndarray
        Workers reached in each plan year (persons).
    first_year : numpy.ndarray
        Per demand point: the first year it is reached (``NEVER`` when never).
    """

    objective: float
    reached: np.ndarray
    first_year: np.ndarray


def check_placed(placed: pd.DataFrame, data: NationalData) -> pd.DataFrame:
    """The placed-sites table with its columns checked (kinds known, years numbers)."""
    missing = [c for c in PLACED_COLUMNS if c not in placed.columns]
    if missing:
        raise InputError(f"placed sites: missing column '{missing[0]}'; the table needs {', '.join(PLACED_COLUMNS)}.")
    unknown = ~placed["kind"].isin(data.radius)
    if unknown.any():
        raise InputError(f"placed sites: kind {placed.loc[unknown, 'kind'].iloc[0]!r} is not known; use "
                         f"{' or '.join(data.radius)}.")
    table = pd.DataFrame(placed[list(PLACED_COLUMNS)]).reset_index(drop=True)
    table["year"] = pd.to_numeric(table["year"]).astype(np.int64)
    return table


def _row_min(matrix: sp.csr_matrix, values: np.ndarray) -> np.ndarray:
    """Per row, the smallest ``values[column]`` over its non-zero columns (``NEVER`` for an empty row)."""
    out = np.full(matrix.shape[0], NEVER, dtype=np.int64)
    nonempty = np.flatnonzero(np.diff(matrix.indptr))
    if len(nonempty):
        data = values[matrix.indices]
        out[nonempty] = np.minimum.reduceat(data, matrix.indptr[nonempty])
    return out


def first_reached(placed: pd.DataFrame, data: NationalData, tree: cKDTree | None = None) -> np.ndarray:
    """First year each demand point is within reach of an open outlet (``NEVER`` when never); outlets with a
    year before the first plan year are existing ones, open throughout."""
    table = check_placed(placed, data)
    tree = tree if tree is not None else data.tree()
    first = np.full(len(data.demand), NEVER, dtype=np.int64)
    for kind, rows in table.groupby("kind"):
        matrix = cover(tree, rows["lon"], rows["lat"], data.radius[kind]).tocsr()
        first = np.minimum(first, _row_min(matrix, rows["year"].to_numpy(np.int64)))
    return first


def plan_value(placed: pd.DataFrame, data: NationalData, tree: cKDTree | None = None) -> PlanValue:
    """Worker-years a placed plan reaches, cross-border coverage counted once.

    Parameters
    ----------
    placed : pandas.DataFrame
        ``region_code``, ``site_id``, ``lon``, ``lat`` (degrees), ``kind``, ``year`` (opening year; existing
        outlets: any year before the first plan year).
    data : NationalData
    tree : scipy.spatial.cKDTree, optional
        ``data.tree()``, when the caller has it already.

    Returns
    -------
    PlanValue
    """
    first = first_reached(placed, data, tree)
    reached = np.array([data.weights(t)[first <= year].sum() for t, year in enumerate(data.years)])
    return PlanValue(objective=float(reached @ data.year_weight), reached=reached, first_year=first)
