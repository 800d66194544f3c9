"""Reach curves: the share of a region's informal workers within reach of its outlets.

Two models, both concave in the number of outlets of each kind:

``areal`` (needs only polygons)
    Outlets of kind k are placed at random in a region of area A; a worker is within reach of one outlet
    with probability a_k / A (a_k = pi d_k^2), so with n_g gerai and n_k kanal the share reached is
    ``1 - exp(-(n_g a_g + n_k a_k) / A)`` (independent Poisson coverage; exact for random placement).
``points`` (needs demand points with population)
    The exact population covered by prefixes of two nested greedy site sequences per region (built in
    :mod:`planner.siting.sequence`: gerai greedy over the sites allowing a gerai, kanal greedy on what the
    first r gerai leave uncovered), so the sites a plan opens cover exactly the table's value. Each kind's
    greedy curve is concave (coverage is submodular) at the reference count; the two-kind table need not be,
    and its concave envelope may overestimate it at some counts (measured and reported).

Reach measured from placed sites (:func:`first_reached`) counts each demand point once, across borders.

The model layer uses the curves through the planes of their upper concave envelope (exact at the integer
counts whenever the combined table is concave, as the areal one always is; otherwise the envelope
overestimates and ``envelope_planes`` reports by how much).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import ConvexHull, QhullError, cKDTree

EARTH_RADIUS_KM = 6371.0088
KINDS = ("gerai", "kanal")


def areal_share_curves(regions: pd.DataFrame, radius_km: dict[str, float],
                       max_count: pd.DataFrame) -> pd.DataFrame:
    """Share of a region's workers within reach of n random outlets of one kind (areal model).

    Parameters
    ----------
    regions : pandas.DataFrame
        Columns ``region_code``, ``area_km2`` (km^2).
    radius_km : dict
        Catchment radius per kind, km.
    max_count : pandas.DataFrame
        Columns ``region_code``, ``kind``, ``max_total``: the largest count of open outlets to tabulate.

    Returns
    -------
    pandas.DataFrame
        Columns ``region_code``, ``kind``, ``n``, ``share`` (fraction in [0, 1]) for n = 0..max_total.

    Examples
    --------
    >>> regions = pd.DataFrame({"region_code": ["01.01"], "area_km2": [np.pi * 100.0]})
    >>> caps = pd.DataFrame({"region_code": ["01.01"], "kind": ["gerai"], "max_total": [1]})
    >>> areal_share_curves(regions, {"gerai": 10.0}, caps)["share"].round(4).tolist()
    [0.0, 0.6321]
    """
    table = _count_table(max_count).merge(regions[["region_code", "area_km2"]], on="region_code")
    exposure = np.pi * table["kind"].map(radius_km).to_numpy(float) ** 2 / table["area_km2"].to_numpy(float)
    table["share"] = -np.expm1(-table["n"].to_numpy(float) * exposure)
    return table[["region_code", "kind", "n", "share"]]


def _count_table(max_count: pd.DataFrame) -> pd.DataFrame:
    counts = max_count["max_total"].to_numpy(int)
    repeat = max_count.loc[max_count.index.repeat(counts + 1), ["region_code", "kind"]].reset_index(drop=True)
    repeat["n"] = np.concatenate([np.arange(c + 1) for c in counts]) if len(counts) else np.array([], int)
    return repeat


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points given in degrees as 3-D unit vectors (a chord between them is monotone in great-circle distance)."""
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def demand_tree(demand: pd.DataFrame) -> cKDTree:
    """KD-tree of the demand points' unit vectors (``lon``, ``lat`` in degrees), for :func:`first_reached`."""
    return cKDTree(unit_vectors(demand["lon"].to_numpy(), demand["lat"].to_numpy()))


def first_reached(demand: pd.DataFrame, placed: pd.DataFrame, radius_km: dict[str, float],
                  never: int, tree: cKDTree | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The first year each demand point is within reach of an open outlet (sparse KD-tree, per kind).

    Parameters
    ----------
    demand : pandas.DataFrame
        ``region_code``, ``lon``, ``lat`` (degrees).
    placed : pandas.DataFrame
        Open outlets: ``region_code``, ``kind``, ``year`` (opened that year, open ever after), ``lon``, ``lat``.
    radius_km : dict
        Coverage radius per kind, km (great-circle).
    never : int
        Year recorded for a point no outlet reaches.
    tree : scipy.spatial.cKDTree, optional
        :func:`demand_tree` of ``demand``, when already built.

    Returns
    -------
    any_outlet : numpy.ndarray
        Per demand point, the first year an outlet of any regency reaches it (each point counted once).
    own_regency : numpy.ndarray
        Per demand point, the first year an outlet of its own regency reaches it (what the reach tables model).

    Examples
    --------
    >>> demand = pd.DataFrame({"region_code": ["a", "a", "b"], "lon": [0.0, 0.1, 0.2], "lat": [0.0, 0.0, 0.0]})
    >>> placed = pd.DataFrame({"region_code": ["b"], "kind": ["gerai"], "year": [2015], "lon": [0.15],
    ...                        "lat": [0.0]})
    >>> [a.tolist() for a in first_reached(demand, placed, {"gerai": 10.0, "kanal": 5.0}, 9999)]
    [[9999, 2015, 2015], [9999, 9999, 2015]]
    """
    any_outlet = np.full(len(demand), never, dtype=np.int64)
    own_regency = any_outlet.copy()
    tree = demand_tree(demand) if tree is None else tree
    region = demand["region_code"].to_numpy()
    for kind, outlets in placed.groupby("kind", sort=True):
        chord = 2.0 * np.sin(float(radius_km[kind]) / EARTH_RADIUS_KM / 2.0)
        found = tree.query_ball_point(unit_vectors(outlets["lon"].to_numpy(), outlets["lat"].to_numpy()), chord)
        lengths = np.array([len(rows) for rows in found], dtype=np.int64)
        rows = np.concatenate([np.asarray(r, dtype=np.int64) for r in found]) if lengths.sum() else \
            np.zeros(0, dtype=np.int64)
        column = np.repeat(np.arange(len(outlets)), lengths)
        year = outlets["year"].to_numpy(np.int64)[column]
        np.minimum.at(any_outlet, rows, year)
        same = region[rows] == outlets["region_code"].to_numpy()[column]
        np.minimum.at(own_regency, rows[same], year[same])
    return any_outlet, own_regency


def combine_kinds(curves: pd.DataFrame) -> pd.DataFrame:
    """Grid of the combined share for every (n_gerai, n_kanal): ``1 - (1 - s_g)(1 - s_k)``.

    Parameters
    ----------
    curves : pandas.DataFrame
        Columns ``region_code``, ``kind``, ``n``, ``share`` for both kinds.

    Returns
    -------
    pandas.DataFrame
        Columns ``region_code``, ``n_gerai``, ``n_kanal``, ``share``.
    """
    gerai = curves[curves["kind"] == "gerai"].rename(columns={"n": "n_gerai", "share": "s_g"})
    kanal = curves[curves["kind"] == "kanal"].rename(columns={"n": "n_kanal", "share": "s_k"})
    grid = gerai[["region_code", "n_gerai", "s_g"]].merge(kanal[["region_code", "n_kanal", "s_k"]],
                                                          on="region_code")
    grid["share"] = 1.0 - (1.0 - grid["s_g"]) * (1.0 - grid["s_k"])
    return grid[["region_code", "n_gerai", "n_kanal", "share"]].sort_values(
        ["region_code", "n_gerai", "n_kanal"]).reset_index(drop=True)


def _upper_planes(points: np.ndarray) -> np.ndarray:
    """Planes (a, b, c) with share <= a + b n_g + c n_k forming the upper concave envelope of the points."""
    spread_g, spread_k = np.ptp(points[:, 0]), np.ptp(points[:, 1])
    if spread_g == 0 or spread_k == 0:
        axis = 1 if spread_g == 0 else 0
        lines = _upper_lines(points[:, axis], points[:, 2])
        planes = np.zeros((len(lines), 3))
        planes[:, 0] = lines[:, 0]
        planes[:, 1 + axis] = lines[:, 1]
        return planes
    try:
        hull = ConvexHull(points)
    except QhullError:  # all points on one plane: that plane is the envelope
        design = np.column_stack([np.ones(len(points)), points[:, 0], points[:, 1]])
        return np.linalg.lstsq(design, points[:, 2], rcond=None)[0][None, :]
    normals = hull.equations
    upper = normals[normals[:, 2] > 1e-12]
    # n . x + offset = 0  ->  share = -(n_g g + n_k k + offset) / n_s
    planes = np.column_stack([-upper[:, 3], -upper[:, 0], -upper[:, 1]]) / upper[:, 2:3]
    return np.unique(np.round(planes, 12), axis=0)


def _upper_lines(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Secant lines (intercept, slope) of the upper concave hull of points (x, y)."""
    order = np.argsort(x)
    x, y = x[order], y[order]
    hull: list[int] = []
    for i in range(len(x)):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = (x[hull[-2]], y[hull[-2]]), (x[hull[-1]], y[hull[-1]])
            if (y2 - y1) * (x[i] - x1) <= (y[i] - y1) * (x2 - x1):
                hull.pop()
            else:
                break
        hull.append(i)
    if len(hull) == 1:
        return np.array([[y[hull[0]], 0.0]])
    left, right = np.array(hull[:-1]), np.array(hull[1:])
    slope = (y[right] - y[left]) / (x[right] - x[left])
    return np.column_stack([y[left] - slope * x[left], slope])


def envelope_planes(grid: pd.DataFrame, tolerance: float = 1e-9) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Planes of the upper concave envelope of each region's share table, and how far it overestimates.

    Parameters
    ----------
    grid : pandas.DataFrame
        Columns ``region_code``, ``n_gerai``, ``n_kanal``, ``share``.
    tolerance : float
        Planes whose slopes differ by less than this (share per outlet) from a neighbour's are still kept;
        only exact duplicates are merged.

    Returns
    -------
    planes : pandas.DataFrame
        Columns ``region_code``, ``plane``, ``intercept``, ``slope_gerai``, ``slope_kanal`` (share units):
        share(n_g, n_k) <= intercept + slope_gerai n_g + slope_kanal n_k for every plane.
    overestimate : pandas.DataFrame
        Columns ``region_code``, ``n_gerai``, ``n_kanal``, ``share``, ``envelope``: the envelope at every
        grid point (equal to ``share`` where the table is concave).
    """
    grid = grid.sort_values(["region_code", "n_gerai", "n_kanal"]).reset_index(drop=True)
    points_all = grid[["n_gerai", "n_kanal", "share"]].to_numpy(float)
    codes, planes_out, envelope_all = [], [], np.empty(len(grid))
    for code, rows in grid.groupby("region_code", sort=True).indices.items():
        points = points_all[rows]
        planes = _upper_planes(points)
        values = planes[:, 0][None, :] + points[:, :2] @ planes[:, 1:].T
        envelope = values.min(axis=1)
        needed = np.flatnonzero((np.abs(values - envelope[:, None]) <= tolerance).any(axis=0))  # binding somewhere
        planes_out.append(planes[needed])
        codes.append(np.full(len(needed), code, dtype=object))
        envelope_all[rows] = np.maximum(envelope, points[:, 2])
    stacked = np.concatenate(planes_out)
    counts = [len(p) for p in planes_out]
    planes = pd.DataFrame({"region_code": np.concatenate(codes).astype(str),
                           "plane": np.concatenate([np.arange(n) for n in counts]),
                           "intercept": stacked[:, 0], "slope_gerai": stacked[:, 1], "slope_kanal": stacked[:, 2]})
    return planes, grid.assign(envelope=envelope_all)


def share_lookup(grid: pd.DataFrame, counts: pd.DataFrame) -> np.ndarray:
    """Exact share reached for given counts, read from the grid.

    Parameters
    ----------
    grid : pandas.DataFrame
        Columns ``region_code``, ``n_gerai``, ``n_kanal``, ``share``.
    counts : pandas.DataFrame
        Columns ``region_code``, ``n_gerai``, ``n_kanal`` (open outlets, integers within the grid).

    Returns
    -------
    numpy.ndarray
        Share (fraction) per row of ``counts``, in order.
    """
    keys = counts[["region_code", "n_gerai", "n_kanal"]].astype({"n_gerai": int, "n_kanal": int})
    merged = keys.merge(grid, on=["region_code", "n_gerai", "n_kanal"], how="left")
    if merged["share"].isna().any():
        missing = merged.loc[merged["share"].isna()].iloc[0]
        raise ValueError(f"counts outside the reach table: {missing.to_dict()}")
    return merged["share"].to_numpy(float)


def share_cube(grid: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """Reach table as an array [region (in ``codes`` order), n_gerai, n_kanal]; NaN outside the table.

    Parameters
    ----------
    grid : pandas.DataFrame
        ``region_code``, ``n_gerai``, ``n_kanal``, ``share``.
    codes : list of str
        Region order of the first axis.

    Returns
    -------
    numpy.ndarray
        Shape (len(codes), max n_gerai + 2, max n_kanal + 2); the padding row/column is NaN, so a count one
        beyond the table reads as NaN.
    """
    cube = np.full((len(codes), int(grid["n_gerai"].max()) + 2, int(grid["n_kanal"].max()) + 2), np.nan)
    position = pd.Series(np.arange(len(codes)), index=codes)
    cube[position[grid["region_code"]].to_numpy(), grid["n_gerai"].to_numpy(int), grid["n_kanal"].to_numpy(int)] = \
        grid["share"].to_numpy(float)
    return cube
