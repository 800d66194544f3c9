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

import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED_DATA = REPO.parent / "shared" / "data" / "indonesia"
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
