"""Readers for the MCLP benchmark instances in ``../shared/bench/mclp`` (read in place, never copied).

* Máximo, Cordeau & Nascimento (ITOR 2023): ``NewYork.txt``, ``Bronx.txt``, ``SanFrancisco.txt``,
  ``Kings.txt`` (TSPLIB-like: ``lat lon`` in degrees, integer demand; every node is a demand point and a
  candidate site) and their best-known values ``maximo_best_known.csv``.
* Swain's 55-node network (Church & ReVelle 1974): ``swain55_nodes.csv`` and ``swain55_distances.csv``.

Distances of the Máximo instances follow the authors' formula: the spherical law of cosines with Earth radius
6,378,100 m. They compute in Java ``float``; :func:`maximo_coverage` offers float64 (default) and a Java-float
mimic (float32 coordinates and result, double arithmetic); ``benchmarks/mclp.py --distances`` counts the pairs
on which the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

#: ``../shared/bench/mclp`` seen from the repository root.
BENCH_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "mclp"
#: Earth radius of the authors' distance formula, metres.
MAXIMO_EARTH_RADIUS_M = 6_378_100.0
MAXIMO_INSTANCES = ("NewYork", "Bronx", "SanFrancisco", "Kings")
#: Published Swain optima: (service distance, p) -> covered population (Church & ReVelle 1974).
SWAIN_OPTIMA = {(10.0, 7): 633.0, (10.0, 8): 638.0, (10.0, 9): 640.0, (15.0, 5): 640.0}


@dataclass(frozen=True)
class MaximoInstance:
    """One Máximo et al. instance.

    Attributes
    ----------
    name : str
        Instance name, e.g. ``"NewYork"``.
    lat, lon : numpy.ndarray
        Node coordinates, degrees (float64 as parsed).
    demand : numpy.ndarray
        Integer demand per node (float64 array).
    """

    name: str
    lat: np.ndarray
    lon: np.ndarray
    demand: np.ndarray


def read_maximo(name: str, directory: Path = BENCH_DIR) -> MaximoInstance:
    """Read ``<directory>/<name>.txt`` (TSPLIB-like MCLP format).

    Parameters
    ----------
    name : str
        Instance name, one of ``MAXIMO_INSTANCES``.
    directory : pathlib.Path
        Folder holding the files.

    Returns
    -------
    MaximoInstance
    """
    lines = (directory / f"{name}.txt").read_text().splitlines()
    header = {}
    for line in lines:
        if ":" in line:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
    n = int(header["DIMENSION"])
    starts = {line.strip(): k for k, line in enumerate(lines) if line.strip().endswith("_SECTION")}
    coord_at, demand_at = starts["NODE_COORD_SECTION"] + 1, starts["DEMAND_SECTION"] + 1
    coords = np.array([line.split() for line in lines[coord_at:coord_at + n]], dtype=float)
    demand = np.array([line.split()[0] for line in lines[demand_at:demand_at + n]], dtype=float)
    if coords.shape != (n, 2) or demand.shape != (n,):
        raise ValueError(f"{name}.txt: expected {n} coordinates and demands")
    return MaximoInstance(name, coords[:, 0].copy(), coords[:, 1].copy(), demand)


def read_best_known(directory: Path = BENCH_DIR) -> pd.DataFrame:
    """Best-known values: columns instance, p, radius_m, best_known, proven_optimal (bool)."""
    table = pd.read_csv(directory / "maximo_best_known.csv")
    table["proven_optimal"] = table["proven_optimal"].astype(str).str.lower().eq("true")
    return table


def law_of_cosines_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """The authors' distance in metres (spherical law of cosines, R = 6,378,100 m), float64."""
    la1, la2 = np.radians(lat1), np.radians(lat2)
    cosine = np.sin(la1) * np.sin(la2) + np.cos(la1) * np.cos(la2) * np.cos(np.radians(lon2 - lon1))
    return MAXIMO_EARTH_RADIUS_M * np.arccos(np.clip(cosine, -1.0, 1.0))


def maximo_pairs(instance: MaximoInstance, radius_m: float, *, java_float: bool = False
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node pairs (i < j) within 1 % beyond ``radius_m`` (KD-tree on 3-D unit vectors) and their distances.

    With ``java_float`` the coordinates are first rounded to float32 and the distance is rounded to float32
    (Java ``float`` fields, ``Math`` functions in double), else everything is float64.
    """
    lat, lon = instance.lat, instance.lon
    if java_float:
        lat, lon = lat.astype(np.float32).astype(float), lon.astype(np.float32).astype(float)
    phi, lam = np.radians(lat), np.radians(lon)
    unit = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    chord = 2.0 * np.sin(min(np.pi, 1.01 * radius_m / MAXIMO_EARTH_RADIUS_M) / 2.0)
    pairs = cKDTree(unit).query_pairs(chord, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    distance = law_of_cosines_m(lat[i], lon[i], lat[j], lon[j])
    if java_float:
        distance = distance.astype(np.float32).astype(float)
    return i, j, distance


def maximo_coverage(instance: MaximoInstance, radius_m: float, *, java_float: bool = False) -> sp.csr_matrix:
    """Coverage (node i covered by site j iff d(i, j) <= radius) without a dense n x n matrix.

    Candidate pairs come from a KD-tree on 3-D unit vectors with a radius enlarged by 1 %; each pair is then
    kept or dropped by the authors' exact formula (:func:`maximo_pairs`). Every node covers itself.

    Returns
    -------
    scipy.sparse.csr_matrix
        Boolean, n x n (demand x site), symmetric.
    """
    i, j, distance = maximo_pairs(instance, radius_m, java_float=java_float)
    keep = distance <= radius_m
    n = len(instance.demand)
    diag = np.arange(n)
    rows = np.concatenate([i[keep], j[keep], diag])
    cols = np.concatenate([j[keep], i[keep], diag])
    return sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, n))


def read_swain(directory: Path = BENCH_DIR) -> tuple[pd.DataFrame, np.ndarray]:
    """Swain's 55 nodes (node_id, x, y, population) and their 55 x 55 distance matrix."""
    nodes = pd.read_csv(directory / "swain55_nodes.csv")
    distances = np.loadtxt(directory / "swain55_distances.csv", delimiter=",")
    return nodes, distances
