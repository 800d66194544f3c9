"""Measure the estimated regency populations of the embedded default against the real 2010 census.

The census (BPS SP2010, by kecamatan) is read from ``../shared/data/indonesia`` when it is present; it is
only read here, never copied into the repository. BPS regency codes are mapped to Kemendagri codes with
``bps2010_regency_to_kemendagri.csv``. Regencies created after 2010 have no census figure of their own:
each one's 2010 parent is the 2010 regency holding most of its kecamatan names (current names from
``kecamatan_centroids_2025.csv``, 2010 names from the census), and parent and children are compared as
one merged unit. The approximate cells are measured too, against the real 2025 regency
polygons and kecamatan centroids in the same folder.

Run ``python data/regions/evaluate_default.py`` from the repository root; it prints the figures quoted in
the data card (README.md).
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from demand_default import chord, chord_to_km, unit_xyz  # noqa: E402

#: ``../shared`` beside the repository, or the folder named by $PLANNER_SHARED (a checkout elsewhere).
SHARED_DATA = Path(os.environ.get("PLANNER_SHARED", REPO.parent / "shared")) / "data" / "indonesia"
GPKG = HERE / "indonesia_default.gpkg"


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


def census_by_kemendagri(shared: Path = SHARED_DATA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2010 census population per 2010 regency, keyed by the Kemendagri code of that regency.

    Returns
    -------
    (regencies, kecamatan)
        ``regencies``: region_code, census_population (persons); ``kecamatan``: region_code, district
        name as written by BPS (used to find the parents of regencies created after 2010).
    """
    kec = pd.read_csv(shared / "sp2010_population_by_kecamatan.csv", dtype={"REGIONAL_CODE": str})
    cross = pd.read_csv(shared / "bps2010_regency_to_kemendagri.csv",
                        dtype={"REGIONAL_CODE": str, "code": str})
    per_bps = kec.groupby("REGIONAL_CODE", as_index=False)["TOTAL_POPULATION"].sum()
    regencies = per_bps.merge(cross[["REGIONAL_CODE", "code"]], on="REGIONAL_CODE", how="left",
                              validate="1:1")
    if regencies["code"].isna().any():
        raise ValueError("some BPS regencies have no Kemendagri code in the crosswalk")
    regencies = regencies.rename(columns={"code": "region_code", "TOTAL_POPULATION": "census_population"})
    kecamatan = kec.merge(cross[["REGIONAL_CODE", "code"]], on="REGIONAL_CODE")[["code", "DISTRICT"]]
    return regencies[["region_code", "census_population"]], kecamatan.rename(columns={"code": "region_code"})


def parents_of_new_regencies(new_codes: list[str], districts: pd.DataFrame,
                             census_kecamatan: pd.DataFrame) -> dict[str, str]:
    """Map each regency created after 2010 to the 2010 regency holding most of its kecamatan names.

    Parameters
    ----------
    new_codes : list of str
        Kemendagri codes with no 2010 census figure.
    districts : pandas.DataFrame
        Current kecamatan: ``regency_code``, ``name``.
    census_kecamatan : pandas.DataFrame
        ``region_code`` (Kemendagri code of the 2010 regency), ``DISTRICT`` (BPS name).
    """
    census = census_kecamatan.assign(key=census_kecamatan["DISTRICT"].map(_norm))
    parents = {}
    for code in new_codes:
        names = set(districts.loc[districts["regency_code"] == code, "name"].map(_norm))
        era = code[:2] if code[:2] not in ERA_OF else ERA_OF[code[:2]]
        same_era = census["region_code"].str[:2].map(lambda p: ERA_OF.get(p, p)) == era
        hits = census[same_era & census["key"].isin(names)]
        if hits.empty:
            raise ValueError(f"no 2010 parent found for {code}")
        parents[code] = hits["region_code"].value_counts().index[0]
    return parents


#: Provinces created since 2010 and the 2010 province they belong to (Kemendagri codes).
ERA_OF = {"65": "64", "93": "91", "94": "91", "95": "91", "96": "92"}


def compare(estimate: pd.DataFrame, census: pd.DataFrame, parents: dict[str, str]) -> pd.DataFrame:
    """Estimated vs census population per 2010 regency (children merged into their parent)."""
    unit = estimate["region_code"].map(lambda c: parents.get(c, c))
    merged = estimate.assign(unit=unit).groupby("unit", as_index=False)["population"].sum()
    table = merged.merge(census, left_on="unit", right_on="region_code", how="inner", validate="1:1")
    table["error"] = table["population"] / table["census_population"] - 1.0
    return table[["unit", "population", "census_population", "error"]]


def scores(table: pd.DataFrame) -> dict[str, float]:
    """Median absolute % error, Spearman rank correlation, share within +-25 %, units compared."""
    from scipy.stats import spearmanr

    abs_error = table["error"].abs()
    return {
        "units": len(table),
        "median_abs_pct_error": float(100 * abs_error.median()),
        "spearman": float(spearmanr(table["population"], table["census_population"]).statistic),
        "share_within_25pct": float((abs_error <= 0.25).mean()),
        "mean_abs_pct_error": float(100 * abs_error.mean()),
        "log_rmse": float(np.sqrt(np.mean(np.log1p(table["error"]) ** 2))),
    }


def evaluate(estimate: pd.DataFrame, shared: Path = SHARED_DATA) -> dict[str, float]:
    """Scores of a regency population estimate (``region_code``, ``population``) against the census."""
    census, census_kec = census_by_kemendagri(shared)
    districts = pd.read_csv(shared / "kecamatan_centroids_2025.csv", dtype={"code": str})
    districts["regency_code"] = districts["code"].str[:5]
    new_codes = sorted(set(estimate["region_code"]) - set(census["region_code"]))
    parents = parents_of_new_regencies(new_codes, districts, census_kec)
    return scores(compare(estimate, census, parents))


def geometry_scores(regions, shared: Path = SHARED_DATA) -> dict[str, float]:
    """How well the approximate cells match the real regencies: kecamatan centroids in the right cell,
    and the median factor between cell area and real area."""
    import geopandas as gpd

    sys.path.insert(0, str(REPO))
    from planner.regions import area_km2

    centroids = pd.read_csv(shared / "kecamatan_centroids_2025.csv", dtype={"code": str})
    centroids = gpd.GeoDataFrame(centroids, geometry=gpd.points_from_xy(centroids.lng, centroids.lat),
                                 crs="EPSG:4326")
    joined = gpd.sjoin(centroids, regions[["region_code", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    real = gpd.read_file(shared / "regencies_2025.gpkg", layer="regencies")
    real_area = pd.Series(area_km2(real.geometry), index=real["code"])
    ratio = pd.Series(regions["area_km2"].to_numpy(), index=regions["region_code"]) / real_area
    ratio = ratio.dropna()
    return {
        "kecamatan_in_right_cell": float((joined["region_code"] == joined["code"].str[:5]).mean()),
        "median_area_factor": float(np.exp(np.median(np.abs(np.log(ratio))))),
    }


# ---------------------------------------------------------------------------------------------- reach
#: Reach radii, km: a gerai serves people within 15 km, a kanal within 5 km (the scenario's radii).
RADIUS_KM = {"gerai": 15.0, "kanal": 5.0}


def load_grid(shared: Path = SHARED_DATA) -> pd.DataFrame:
    """The 1 km population grid (GHS-POP, 2020s epoch): ``lon``, ``lat``, ``population``, ``province_code``."""
    grid = pd.read_parquet(shared / "population_grid_1km.parquet",
                           columns=["lon", "lat", "population", "province_code"])
    return grid[grid["population"] > 0].reset_index(drop=True)


def nearest_km(points: pd.DataFrame, sites: pd.DataFrame, max_km: float = 50.0) -> np.ndarray:
    """Great-circle distance (km) from each point (``lon``, ``lat``) to its nearest site; inf beyond ``max_km``.

    A KD-tree on 3-D unit-sphere coordinates (chord distance is monotone in great-circle distance): no
    distance matrix is built.
    """
    if len(sites) == 0:
        return np.full(len(points), np.inf)
    tree = cKDTree(unit_xyz(sites["lon"], sites["lat"]))
    distance, _ = tree.query(unit_xyz(points["lon"], points["lat"]), distance_upper_bound=chord(max_km))
    return np.where(np.isfinite(distance), chord_to_km(np.where(np.isfinite(distance), distance, 0.0)), np.inf)


def reached(points: pd.DataFrame, reach: list[tuple[pd.DataFrame, float]]) -> np.ndarray:
    """True for each point within ``radius`` km of some site of any (sites, radius) pair of ``reach``."""
    mask = np.zeros(len(points), dtype=bool)
    for sites, radius in reach:
        mask |= nearest_km(points, sites, max_km=radius + 1.0) <= radius
    return mask


def reach_error(demand: pd.DataFrame, grid: pd.DataFrame, reach: list[tuple[pd.DataFrame, float]]) -> dict:
    """Share of people within reach on the default's demand vs on the 1 km grid, national and per province.

    Parameters
    ----------
    demand : pandas.DataFrame
        ``lon``, ``lat``, ``population``, ``province_code`` (the default's demand layer).
    grid : pandas.DataFrame
        The same columns (the 1 km grid; its total does not matter: shares are compared).
    reach : list of (sites, radius_km)
        Sites (``lon``, ``lat``) and the radius each reaches.

    Returns
    -------
    dict
        ``default``, ``grid`` (national shares, 0-1), ``error_pp`` (default - grid, percentage points),
        ``median_province_abs_pp``, ``provinces`` (DataFrame: province_code, default, grid, error_pp).
    """
    shares = {}
    for label, points in (("default", demand), ("grid", grid)):
        covered = points["population"].where(reached(points, reach), 0.0)
        by_province = covered.groupby(points["province_code"]).sum() / points.groupby("province_code")[
            "population"].sum()
        shares[label] = (float(covered.sum() / points["population"].sum()), by_province)
    provinces = pd.DataFrame({"default": shares["default"][1], "grid": shares["grid"][1]}).dropna()
    provinces["error_pp"] = 100.0 * (provinces["default"] - provinces["grid"])
    return {"default": shares["default"][0], "grid": shares["grid"][0],
            "error_pp": 100.0 * (shares["default"][0] - shares["grid"][0]),
            "median_province_abs_pp": float(provinces["error_pp"].abs().median()),
            "provinces": provinces.rename_axis("province_code").reset_index()}


def evaluation_site_sets(dataset, plan_sites: pd.DataFrame | None = None, seed: int = 2014,
                         n_random: int = 1300) -> dict[str, list[tuple[pd.DataFrame, float]]]:
    """The site sets of the data card, each as (sites, radius_km) pairs.

    ``top_town``: each regency's most populous settlement (coarse ``points`` layer); ``random``: a seeded
    random set of ``n_random`` of the default's candidate sites; ``plan``: the gerai (15 km) and kanal (5 km)
    of a plan's ``sites`` table when given. Each set at 15 km and at 5 km (the plan at its kinds' radii).
    """
    points = pd.DataFrame(dataset.points)
    top = points.sort_values(["population", "point_id"], ascending=[False, True]).drop_duplicates("region_code")
    candidates = dataset.candidate_sites()
    rng = np.random.default_rng(seed)
    random = candidates.iloc[np.sort(rng.choice(len(candidates), n_random, replace=False))]
    sets = {}
    for name, sites in (("top_town", top), (f"random_{n_random}", random)):
        for radius in (RADIUS_KM["gerai"], RADIUS_KM["kanal"]):
            sets[f"{name}@{radius:g}km"] = [(sites, radius)]
    if plan_sites is not None and len(plan_sites):
        by_kind = {kind: plan_sites[plan_sites["kind"] == kind] for kind in RADIUS_KM}
        sets["plan_gerai@15km+kanal@5km"] = [(by_kind[kind], RADIUS_KM[kind]) for kind in RADIUS_KM]
    return sets


def default_demand(dataset, layer: str = "demand") -> pd.DataFrame:
    """The default's demand (``demand`` layer, or the coarse ``points``) with its province code."""
    frame = pd.DataFrame(dataset.demand if layer == "demand" else dataset.points)
    frame = frame[["lon", "lat", "population", "region_code"]].copy()
    frame["province_code"] = frame["region_code"].str[:2]
    return frame


def plan_sites_today(dataset) -> pd.DataFrame | None:
    """The new outlets of the default plan, placed by today's planner (``planner.plan(..., sites=True)``)."""
    sys.path.insert(0, str(REPO))
    import planner

    result = planner.plan(dataset, sites=True)
    return result.sites


def reach_report(dataset, grid: pd.DataFrame, plan_sites: pd.DataFrame | None) -> pd.DataFrame:
    """Reach errors for every site set, on the new demand and on the coarse points; prints them.

    Returns
    -------
    pandas.DataFrame
        Per province and site set: default and grid shares (%) and the error (percentage points), for the
        ``demand`` layer.
    """
    sets = evaluation_site_sets(dataset, plan_sites)
    rows = []
    print("share of people within reach, default vs 1 km grid (percent; error in percentage points):")
    print(f"  {'site set':<28} {'layer':<7} {'default':>8} {'grid':>6} {'error':>7} {'median |prov|':>14}")
    for layer in ("demand", "points"):
        demand = default_demand(dataset, layer)
        for name, reach in sets.items():
            found = reach_error(demand, grid, reach)
            print(f"  {name:<28} {layer:<7} {100 * found['default']:8.1f} {100 * found['grid']:6.1f} "
                  f"{found['error_pp']:+7.1f} {found['median_province_abs_pp']:14.1f}")
            if layer == "demand":
                rows.append(found["provinces"].assign(site_set=name))
    return pd.concat(rows, ignore_index=True)


def main() -> int:
    import geopandas as gpd

    if not SHARED_DATA.is_dir():
        print(f"{SHARED_DATA} is absent: nothing to measure against.")
        return 0
    regions = gpd.read_file(GPKG, layer="regions")
    result = evaluate(regions[["region_code", "population"]])
    result.update(geometry_scores(regions))
    today = pd.Timestamp.today().date()
    print(f"accuracy of the estimated regency populations vs the 2010 census ({today}):")
    for key, value in result.items():
        print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")
    sys.path.insert(0, str(REPO))
    from planner.regions import load_dataset

    dataset = load_dataset(GPKG)
    plan_sites = None if "--no-plan" in sys.argv else plan_sites_today(dataset)
    provinces = reach_report(dataset, load_grid(), plan_sites)
    table = provinces.pivot_table(index="province_code", columns="site_set", values="error_pp", aggfunc="first")
    print("error per province (default - grid, percentage points), demand layer:")
    print(table.round(1).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
