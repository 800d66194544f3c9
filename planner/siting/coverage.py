"""Coverage matrices for the site-level MCLP: from points (KD-tree) or from a distance/coverage matrix.

No PuLP here. A coverage matrix is a ``scipy.sparse.csr_matrix`` of booleans, demand points in rows and
candidate sites in columns, True where the site covers the demand point.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from planner.errors import InputError
from planner.reach import EARTH_RADIUS_KM, unit_vectors

#: Mean Earth radius (IUGG), km, used for great-circle distances.
METRICS = ("haversine", "euclidean")


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (NumPy broadcasting), Earth radius
    ``EARTH_RADIUS_KM``.

    Examples
    --------
    >>> round(float(haversine_km(0.0, 0.0, 1.0, 0.0)), 3)  # one degree of longitude on the equator
    111.195
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _xy(values, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 2 or array.shape[1] != 2:
        raise InputError(f"{what} has shape {array.shape}; pass an (n, 2) array of coordinates.")
    if not np.isfinite(array).all():
        raise InputError(f"{what} contains NaN or infinite coordinates; drop or fix those points.")
    return array


def _unit_vectors(lonlat: np.ndarray, what: str) -> np.ndarray:
    if (np.abs(lonlat[:, 1]) > 90).any():
        raise InputError(f"{what} has a latitude outside [-90, 90]; pass (lon, lat) in degrees, lon first.")
    return unit_vectors(lonlat[:, 0], lonlat[:, 1])


def _group_labels(groups, n_demand: int, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(groups, tuple | list) or len(groups) != 2:
        raise InputError("groups must be a pair (demand_groups, site_groups) of label arrays.")
    demand_groups, site_groups = np.asarray(groups[0]), np.asarray(groups[1])
    if demand_groups.shape != (n_demand,) or site_groups.shape != (n_sites,):
        raise InputError(f"groups have shapes {demand_groups.shape} and {site_groups.shape}; pass one label "
                         f"per demand point ({n_demand}) and one per site ({n_sites}).")
    return demand_groups, site_groups


def coverage_from_points(demand_xy, site_xy, radius: float, metric: str = "haversine",
                         groups=None) -> sp.csr_matrix:
    """Which sites cover which demand points, found with a KD-tree (no dense distance matrix).

    Parameters
    ----------
    demand_xy, site_xy : array-like, shape (n, 2)
        Coordinates: ``(lon, lat)`` in degrees for ``metric="haversine"``, ``(x, y)`` in the CRS's units for
        ``metric="euclidean"``.
    radius : float
        Coverage radius: km of great-circle distance (Earth radius 6371.0088 km) for ``"haversine"``, CRS
        units for ``"euclidean"``. A site covers a point at distance <= radius.
    metric : str
        ``"haversine"`` (default) or ``"euclidean"``.
    groups : pair of array-like, optional
        ``(demand_groups, site_groups)``: one label per demand point and per site; a site covers only demand
        with its own label (e.g. region_code: a site never covers across a regency border or the sea).

    Returns
    -------
    scipy.sparse.csr_matrix
        Boolean, shape (n_demand, n_sites).

    Notes
    -----
    Great-circle distance is monotone in the chord between 3-D unit vectors, so a Euclidean KD-tree query
    with chord ``2 sin(radius / 2R)`` returns exactly the points within ``radius`` km.

    Examples
    --------
    >>> cover = coverage_from_points([[106.8, -6.2], [107.6, -6.9]], [[106.8, -6.21]], radius=5.0)
    >>> cover.toarray().ravel().tolist()
    [True, False]
    """
    if metric not in METRICS:
        raise InputError(f"metric {metric!r} is not known; use 'haversine' (lon/lat degrees) or 'euclidean'.")
    demand, sites = _xy(demand_xy, "demand_xy"), _xy(site_xy, "site_xy")
    if isinstance(radius, bool) or not isinstance(radius, numbers.Real) or not radius >= 0 \
            or not np.isfinite(radius):
        raise InputError(f"radius {radius!r} must be a finite number >= 0 (km for haversine).")
    if metric == "haversine":
        demand, sites = _unit_vectors(demand, "demand_xy"), _unit_vectors(sites, "site_xy")
        angle = float(radius) / EARTH_RADIUS_KM
        reach = 2.0 * np.sin(angle / 2.0) if angle < np.pi else 2.0 + 1e-9
    else:
        reach = float(radius)
    shape = (len(demand), len(sites))
    if 0 in shape:
        return sp.csr_matrix(shape, dtype=bool)
    found = cKDTree(demand).sparse_distance_matrix(cKDTree(sites), reach, output_type="ndarray")
    rows, cols = found["i"], found["j"]
    if groups is not None:
        demand_groups, site_groups = _group_labels(groups, *shape)
        same = demand_groups[rows] == site_groups[cols]
        rows, cols = rows[same], cols[same]
    return sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=shape)


def _finite_weights(weights) -> np.ndarray:
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputError(f"weights could not be read as numbers ({error}); pass a 1-D numeric array.") from None
    if w.ndim != 1:
        raise InputError(f"weights have shape {w.shape}; pass a 1-D array with one weight per demand point.")
    if not np.isfinite(w).all():
        raise InputError("weights contain NaN or infinite values; give every demand point a finite weight.")
    if (w < 0).any():
        raise InputError(f"weights contain a negative value ({w.min():g}); demand weights must be >= 0.")
    return w


def _check_shape(matrix, n_demand: int, what: str) -> None:
    if matrix.ndim != 2 or matrix.shape[0] != n_demand:
        raise InputError(f"{what} has shape {matrix.shape}; it must be (n_demand={n_demand}, n_sites), "
                         "one row per weight.")


def _from_distances(distances, radius, n_demand: int) -> sp.csr_matrix:
    if radius is None or isinstance(radius, bool) or not isinstance(radius, numbers.Real) \
            or not np.isfinite(radius) or radius < 0:
        raise InputError(f"radius {radius!r} must be a finite number >= 0 in the distances' unit when "
                         "distances are given.")
    if sp.issparse(distances):
        matrix = sp.csr_matrix(distances, dtype=float)
        _check_shape(matrix, n_demand, "distances")
        data = matrix.data
    else:
        matrix = np.asarray(distances, dtype=float)
        _check_shape(matrix, n_demand, "distances")
        data = matrix
    if np.isnan(data).any():
        raise InputError("distances contain NaN; use +inf (dense) or leave the entry unstored (sparse) for "
                         "a site that cannot reach a point.")
    if (data < 0).any():
        raise InputError(f"distances contain a negative value ({data.min():g}); distances must be >= 0.")
    if sp.issparse(matrix):
        matrix = matrix.copy()
        matrix.data = matrix.data <= radius  # stored entries only; a stored 0 is a distance of 0
        matrix = matrix.astype(bool)
        matrix.eliminate_zeros()
        return matrix
    return sp.csr_matrix(matrix <= radius)


def _from_coverage(coverage, n_demand: int) -> sp.csr_matrix:
    matrix = sp.csr_matrix(coverage) if sp.issparse(coverage) else np.asarray(coverage)
    _check_shape(matrix, n_demand, "coverage")
    data = matrix.data if sp.issparse(matrix) else matrix
    if data.dtype != bool:
        if data.dtype.kind not in "iuf" or not np.isin(data, (0, 1)).all():
            raise InputError("coverage must be boolean (True where site j covers demand i) or 0/1 numbers.")
    result = sp.csr_matrix(matrix, dtype=bool)
    result.eliminate_zeros()
    return result


def coverage_matrix(weights, distances=None, radius=None, coverage=None) -> tuple[np.ndarray, sp.csr_matrix]:
    """Validate MCLP inputs and return (weights, boolean CSR coverage), neither sharing memory with inputs.

    Parameters
    ----------
    weights : array-like
        Demand weights, >= 0, one per demand point.
    distances : numpy.ndarray or scipy.sparse matrix, optional
        n_demand x n_sites distances; covered iff distance <= ``radius``. Sparse: only stored entries count
        (an explicit stored 0 is distance 0, i.e. covered); unstored pairs are out of reach. Dense: +inf for
        out of reach; NaN is an error.
    radius : float, optional
        Coverage radius, same unit as ``distances``; required with ``distances``, forbidden otherwise.
    coverage : numpy.ndarray or scipy.sparse matrix, optional
        Boolean (or 0/1) n_demand x n_sites, True where site j covers demand i.

    Returns
    -------
    tuple of (numpy.ndarray, scipy.sparse.csr_matrix)
    """
    w = _finite_weights(weights)
    if (distances is None) == (coverage is None):
        raise InputError("pass exactly one of distances (with radius) or coverage, not both and not neither.")
    if distances is not None:
        matrix = _from_distances(distances, radius, len(w))
    else:
        if radius is not None:
            raise InputError("radius is only used with distances; with coverage leave radius unset.")
        matrix = _from_coverage(coverage, len(w))
    matrix.sort_indices()
    return w.copy(), matrix
