"""Load and validate the region dataset (regencies/cities, provinces, optional demand points).

The dataset is a GeoPackage with the layers ``regions`` (one row per regency/city), ``provinces`` and,
optionally, ``points`` (demand points such as kecamatan centroids with their population). Loading checks
everything once and fails with one sentence naming the file, layer, column, value and the fix; code below
this module trusts what it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.checks import invalid_numbers
from planner.errors import InputError, brief

#: Equal-area CRS used for every area (m^2, converted to km^2): WGS 84 / NSIDC EASE-Grid 2.0 Global.
AREA_CRS = "EPSG:6933"
#: Geographic CRS of every stored layer.
STORAGE_CRS = "EPSG:4326"
DEFAULT_FILE_NAME = "indonesia_default.gpkg"

REGION_COLUMNS = {
    "region_code": "Kemendagri code of the regency/city, e.g. '16.02'",
    "region_name": "official name in title case, e.g. 'Kabupaten Ogan Komering Ilir'",
    "province_code": "two-digit Kemendagri province code, e.g. '16'",
    "province_name": "province name, e.g. 'Sumatera Selatan'",
    "population": "persons at the census base year (2010)",
    "workers_informal": "informal-sector workers at the census base year, persons",
    "area_km2": "area in km^2 (equal-area CRS)",
}
REGION_FLAGS = ("population_estimated", "geometry_approximate")
PROVINCE_COLUMNS = {"province_code": "two-digit code", "province_name": "name", "population": "persons"}
POINT_COLUMNS = {
    "point_id": "unique id of the demand point / candidate site, e.g. kecamatan code '16.02.01'",
    "region_code": "regency/city the point belongs to",
    "name": "place name",
    "population": "persons at the census base year",
}
DEMAND_COLUMNS = {
    "point_id": "unique id of the demand point, e.g. a grid cell id 'g106.25_-2.95'",
    "region_code": "regency/city the people live in",
    "population": "persons at the census base year",
}
SITE_COLUMNS = {
    "site_id": "unique id of the candidate site, e.g. village code '16.71.01.1001'",
    "region_code": "regency/city the site belongs to",
    "name": "place name",
    "allows_gerai": "true when a gerai (service outlet) may open here",
    "allows_kanal": "true when a kanal (self-service kiosk) may open here",
}
#: Largest relative difference between a regency's demand total and its ``population`` (0.1 %).
DEMAND_TOLERANCE = 1e-3
REGION_CODE_PATTERN = re.compile(r"^\d{2}\.\d{2}$")
PROVINCE_CODE_PATTERN = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class RegionDataset:
    """The layers of a region dataset, validated.

    Attributes
    ----------
    regions : geopandas.GeoDataFrame
        One row per regency/city (columns in ``REGION_COLUMNS`` and ``REGION_FLAGS``), EPSG:4326.
    provinces : geopandas.GeoDataFrame
        One row per province, EPSG:4326.
    points : geopandas.GeoDataFrame or None
        Coarse points that are both demand and candidate sites (e.g. kecamatan centroids with their
        population), EPSG:4326, or None. Kept for comparison when ``demand``/``sites`` are given.
    source : str
        Path of the file the layers came from.
    demand : geopandas.GeoDataFrame or None
        Where people live: point_id, region_code, population (persons), lon, lat (e.g. 1 km grid cells).
    sites : geopandas.GeoDataFrame or None
        Where an outlet may open: site_id, region_code, name, allows_gerai, allows_kanal, lon, lat.
    """

    regions: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    points: gpd.GeoDataFrame | None
    source: str
    demand: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None

    def demand_points(self) -> pd.DataFrame | None:
        """Demand as a plain table (point_id, region_code, population, lon, lat): the ``demand`` layer, else
        the coarse ``points``, else None.

        Examples
        --------
        >>> table = load_dataset().demand_points()
        >>> sorted(table.columns)[:3]
        ['lat', 'lon', 'point_id']
        """
        layer = self.demand if self.demand is not None else self.points
        if layer is None:
            return None
        return pd.DataFrame(layer[["point_id", "region_code", "population", "lon", "lat"]])

    def candidate_sites(self) -> pd.DataFrame | None:
        """Candidate sites as a plain table (site_id, region_code, name, lon, lat, allows_gerai,
        allows_kanal): the ``sites`` layer, else the coarse ``points`` (every kind allowed), else the
        ``demand`` points (every kind allowed, named by their id), else None.
        """
        if self.sites is not None:
            return pd.DataFrame(self.sites[[*SITE_COLUMNS, "lon", "lat"]])
        layer = self.points if self.points is not None else self.demand
        if layer is None:
            return None
        table = pd.DataFrame(layer[["point_id", "region_code", "lon", "lat"]]).rename(columns={"point_id": "site_id"})
        table["name"] = layer["name"].to_numpy() if "name" in layer else table["site_id"]
        table["allows_gerai"] = True
        table["allows_kanal"] = True
        return table[[*SITE_COLUMNS, "lon", "lat"]]

    @property
    def has_points(self) -> bool:
        """True when the dataset has any point layer (demand, sites or coarse points)."""
        return self.points is not None or self.demand is not None


def default_dataset_path() -> Path:
    """Path of the embedded default dataset (works from a source checkout and from an installed wheel).

    Returns
    -------
    pathlib.Path
        ``data/regions/indonesia_default.gpkg`` in a checkout, else the copy shipped in the wheel.
    """
    checkout = Path(__file__).resolve().parent.parent / "data" / "regions" / DEFAULT_FILE_NAME
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("planner") / "_data" / "regions" / DEFAULT_FILE_NAME))


def _resolve(path: str | Path | None) -> Path:
    resolved = default_dataset_path() if path is None else Path(path)
    if not resolved.exists():
        raise InputError(f"{resolved}: file not found; give the path of a region GeoPackage "
                         "(or omit it to use the embedded default).")
    if resolved.is_dir():
        raise InputError(f"{resolved}: is a folder, not a file; give the path of a region GeoPackage.")
    return resolved


def _layers(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as error:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a GeoPackage or other vector file ({brief(error)}); "
                         "give a .gpkg written by 'planner data import'.") from None


def _read_layer(path: Path, layer: str | None, wanted: str, required: bool = True) -> gpd.GeoDataFrame | None:
    names = _layers(path)
    if layer is None:
        if wanted in names:
            layer = wanted
        elif wanted == "regions" and len(names) == 1:
            layer = names[0]
        elif required:
            raise InputError(f"{path}: has no layer '{wanted}' (layers: {', '.join(names) or 'none'}); "
                             f"name the layer with --layer or write the file with 'planner data import'.")
        else:
            return None
    elif layer not in names:
        raise InputError(f"{path}: has no layer '{layer}' (layers: {', '.join(names) or 'none'}); "
                         "check the layer name.")
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as error:
        raise InputError(f"{path}: layer '{layer}' cannot be read ({brief(error)}).") from None
    return frame


def _require_columns(frame: pd.DataFrame, columns: dict[str, str], where: str) -> None:
    for column, meaning in columns.items():
        if column not in frame.columns:
            raise InputError(f"{where}: missing column '{column}' ({meaning}); add it or rebuild the file "
                             "with 'planner data import'.")


def _check_crs(frame: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise InputError(f"{where}: has no coordinate reference system; set one (e.g. EPSG:4326) "
                         "before loading.")
    return frame if frame.crs.equals(STORAGE_CRS) else frame.to_crs(STORAGE_CRS)


def _check_geometry(frame: gpd.GeoDataFrame, where: str, key: str) -> None:
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        raise InputError(f"{where}: {key} {frame.loc[empty, key].iloc[0]!r} has an empty geometry; "
                         "give every row a geometry.")
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        raise InputError(f"{where}: {key} {frame.loc[invalid, key].iloc[0]!r} has an invalid geometry; "
                         "repair it (e.g. shapely.make_valid) before loading.")


def _check_counts(frame: pd.DataFrame, columns: tuple[str, ...], where: str, key: str) -> None:
    for column in columns:
        bad = invalid_numbers(frame[column])[1]
        if bad.any():
            row = frame.loc[bad].iloc[0]
            shown = "empty" if pd.isna(row[column]) else repr(row[column])
            raise InputError(f"{where}: column '{column}' of {key} {row[key]!r} is {shown}; "
                             "counts must be finite numbers >= 0.")


def _check_codes(frame: pd.DataFrame, column: str, pattern: re.Pattern[str], example: str, where: str) -> None:
    codes = frame[column].astype(str)
    wrong = ~codes.str.match(pattern)
    if wrong.any():
        raise InputError(f"{where}: column '{column}' has {codes[wrong].iloc[0]!r}; codes look like "
                         f"'{example}'.")
    duplicated = codes.duplicated()
    if duplicated.any():
        raise InputError(f"{where}: {column} {codes[duplicated].iloc[0]!r} appears more than once; "
                         "each code must be unique.")


def validate_regions(frame: gpd.GeoDataFrame, where: str = "regions") -> gpd.GeoDataFrame:
    """Check a regions table and return a clean copy (codes as str, flags as bool, EPSG:4326).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Regions with the columns of ``REGION_COLUMNS``; flags in ``REGION_FLAGS`` default to False.
    where : str
        Name of the source, used in error messages (e.g. ``"file.gpkg, layer 'regions'"``).

    Returns
    -------
    geopandas.GeoDataFrame
        Sorted by ``region_code``, index reset.

    Raises
    ------
    planner.errors.InputError
        On missing columns, CRS, bad codes, duplicates, negative or missing counts, empty or invalid geometry.
    """
    _require_columns(frame, REGION_COLUMNS, where)
    frame = _check_crs(frame.copy(), where)
    if frame.empty:
        raise InputError(f"{where}: has no rows; give at least one regency/city.")
    for column in ("region_code", "region_name", "province_code", "province_name"):
        frame[column] = frame[column].astype(str).str.strip()
    _check_codes(frame, "region_code", REGION_CODE_PATTERN, "16.02", where)
    bad_province = frame["province_code"] != frame["region_code"].str[:2]
    if bad_province.any():
        row = frame.loc[bad_province].iloc[0]
        raise InputError(f"{where}: region {row['region_code']} has province_code {row['province_code']!r}; "
                         "it must be the first two digits of region_code.")
    _check_counts(frame, ("population", "workers_informal", "area_km2"), where, "region_code")
    if (frame["workers_informal"].astype(float) > frame["population"].astype(float)).any():
        row = frame.loc[frame["workers_informal"].astype(float) > frame["population"].astype(float)].iloc[0]
        raise InputError(f"{where}: region {row['region_code']} has more informal workers "
                         f"({row['workers_informal']}) than people ({row['population']}); fix the counts.")
    _check_geometry(frame, where, "region_code")
    for flag in REGION_FLAGS:
        frame[flag] = frame[flag].fillna(False).astype(bool) if flag in frame else False
    frame["population"] = frame["population"].astype(float)
    frame["workers_informal"] = frame["workers_informal"].astype(float)
    frame["area_km2"] = frame["area_km2"].astype(float)
    return frame.sort_values("region_code").reset_index(drop=True)


def validate_provinces(frame: gpd.GeoDataFrame, where: str = "provinces") -> gpd.GeoDataFrame:
    """Check a provinces table (codes, counts, geometry) and return a clean sorted copy."""
    _require_columns(frame, PROVINCE_COLUMNS, where)
    frame = _check_crs(frame.copy(), where)
    frame["province_code"] = frame["province_code"].astype(str).str.strip()
    _check_codes(frame, "province_code", PROVINCE_CODE_PATTERN, "16", where)
    _check_counts(frame, ("population",), where, "province_code")
    _check_geometry(frame, where, "province_code")
    return frame.sort_values("province_code").reset_index(drop=True)


def validate_points(frame: gpd.GeoDataFrame, region_codes: pd.Series, where: str = "points") -> gpd.GeoDataFrame:
    """Check a demand-points table against the regions and return a clean copy with ``lon``/``lat``."""
    frame = _checked_points(frame, POINT_COLUMNS, "point_id", region_codes, where, noun="point", label="point",
                            counts=("population",))
    frame["population"] = frame["population"].astype(float)
    frame["population_estimated"] = (
        frame["population_estimated"].fillna(False).astype(bool) if "population_estimated" in frame else False
    )
    return frame.sort_values("point_id").reset_index(drop=True)


def _checked_points(frame: gpd.GeoDataFrame, columns: dict[str, str], key: str, region_codes: pd.Series,
                    where: str, noun: str = "row", label: str | None = None,
                    counts: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """Columns, CRS, unique ids, known region codes, ``counts`` columns, point geometries; adds ``lon``/``lat``.
    Messages call a row a ``noun`` and name it as ``label`` (default: the key column's name)."""
    _require_columns(frame, columns, where)
    frame = _check_crs(frame.copy(), where)
    frame[key] = frame[key].astype(str)
    frame["region_code"] = frame["region_code"].astype(str)
    duplicated = frame[key].duplicated()
    if duplicated.any():
        raise InputError(f"{where}: {key} {frame.loc[duplicated, key].iloc[0]!r} appears more than once; "
                         f"each {noun} needs a unique id.")
    unknown = ~frame["region_code"].isin(set(region_codes))
    if unknown.any():
        raise InputError(f"{where}: {label or key} {frame.loc[unknown, key].iloc[0]!r} has region_code "
                         f"{frame.loc[unknown, 'region_code'].iloc[0]!r}, which is not in the regions layer; "
                         f"fix the code or drop the {noun}.")
    _check_counts(frame, counts, where, key)
    _check_geometry(frame, where, key)
    if not (frame.geometry.geom_type == "Point").all():
        raise InputError(f"{where}: every geometry must be a Point; convert polygons to centroids first.")
    frame["lon"] = frame.geometry.x
    frame["lat"] = frame.geometry.y
    return frame


def validate_demand(frame: gpd.GeoDataFrame, regions: pd.DataFrame, where: str = "demand") -> gpd.GeoDataFrame:
    """Check a demand layer (where people live) against the regions and return a clean copy with ``lon``/``lat``.

    Every regency's demand total must equal its ``population`` within ``DEMAND_TOLERANCE`` (0.1 %, and at
    least 1 person): demand shapes where a regency's people live, it does not change how many there are.

    Raises
    ------
    InputError
        Missing column, duplicate id, unknown region code, negative or non-numeric population, a non-point
        geometry, or a regency total that differs from the regions layer.
    """
    frame = _checked_points(frame, DEMAND_COLUMNS, "point_id", regions["region_code"], where)
    _check_counts(frame, ("population",), where, "point_id")
    frame["population"] = frame["population"].astype(float)
    totals = frame.groupby("region_code")["population"].sum()
    expected = regions.set_index("region_code")["population"].astype(float)
    found = totals.reindex(expected.index, fill_value=0.0)
    off = (found - expected).abs() > np.maximum(DEMAND_TOLERANCE * expected, 1.0)
    if off.any():
        code = off[off].index[0]
        raise InputError(f"{where}: region_code {code!r} has {found[code]:,.0f} people on its demand points but "
                         f"{expected[code]:,.0f} in the regions layer (more than {DEMAND_TOLERANCE:.1%} apart); "
                         "rescale the demand to the regions' population or re-import with 'planner data import'.")
    return frame.sort_values("point_id").reset_index(drop=True)


def validate_sites(frame: gpd.GeoDataFrame, region_codes: pd.Series, where: str = "sites") -> gpd.GeoDataFrame:
    """Check a candidate-sites layer against the regions and return a clean copy with ``lon``/``lat``.

    Raises
    ------
    InputError
        Missing column, duplicate id, unknown region code, a non-point geometry, or an ``allows_*`` value
        that is not true/false.
    """
    frame = _checked_points(frame, SITE_COLUMNS, "site_id", region_codes, where)
    for column in ("allows_gerai", "allows_kanal"):
        values = frame[column]
        text = values.astype(str).str.strip().str.lower()
        truth = text.map({"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False})
        if truth.isna().any():
            row = frame.loc[truth.isna()].iloc[0]
            raise InputError(f"{where}: column '{column}' of site_id {row['site_id']!r} is {row[column]!r}; "
                             "use true or false.")
        frame[column] = truth.astype(bool)
    frame["name"] = frame["name"].fillna("").astype(str)
    return frame.sort_values("site_id").reset_index(drop=True)


def load_regions(path: str | Path | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Load and validate the regencies/cities layer.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A GeoPackage (or any vector file with the regions schema); None loads the embedded default.
    layer : str, optional
        Layer name; default ``regions``, or the only layer of a single-layer file.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per regency/city, EPSG:4326, sorted by ``region_code``.

    Examples
    --------
    >>> regions = load_regions()
    >>> regions.loc[regions.region_code == "16.71", "region_name"].item()
    'Kota Palembang'
    """
    resolved = _resolve(path)
    frame = _read_layer(resolved, layer, "regions")
    return validate_regions(frame, f"{resolved}, layer '{layer or 'regions'}'")


def load_dataset(path: str | Path | None = None) -> RegionDataset:
    """Load the regions, provinces and (when present) points, demand and sites layers, validated together.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        GeoPackage with layers ``regions``, ``provinces`` and optionally ``points`` (coarse points that are
        both demand and sites), ``demand`` (where people live) and ``sites`` (candidate sites); None = the
        embedded default.

    Returns
    -------
    RegionDataset

    Examples
    --------
    >>> dataset = load_dataset()
    >>> len(dataset.regions) > 500
    True
    """
    resolved = _resolve(path)
    regions = load_regions(resolved)
    provinces_raw = _read_layer(resolved, None, "provinces", required=False)
    if provinces_raw is None:
        provinces = _provinces_from_regions(regions)
    else:
        provinces = validate_provinces(provinces_raw, f"{resolved}, layer 'provinces'")
    missing = sorted(set(regions["province_code"]) - set(provinces["province_code"]))
    if missing:
        raise InputError(f"{resolved}: province codes {', '.join(missing)} of layer 'regions' are missing from "
                         "layer 'provinces'; add them or drop the provinces layer.")
    points_raw = _read_layer(resolved, None, "points", required=False)
    points = None if points_raw is None else validate_points(points_raw, regions["region_code"],
                                                             f"{resolved}, layer 'points'")
    demand_raw = _read_layer(resolved, None, "demand", required=False)
    demand = None if demand_raw is None else validate_demand(demand_raw, regions, f"{resolved}, layer 'demand'")
    sites_raw = _read_layer(resolved, None, "sites", required=False)
    sites = None if sites_raw is None else validate_sites(sites_raw, regions["region_code"],
                                                          f"{resolved}, layer 'sites'")
    return RegionDataset(regions=regions, provinces=provinces, points=points, source=str(resolved),
                         demand=demand, sites=sites)


def as_dataset(regions: RegionDataset | gpd.GeoDataFrame | str | Path | None) -> RegionDataset:
    """A dataset from what a caller has: a RegionDataset (as is), a regions GeoDataFrame (validated;
    provinces dissolved from it, no points), a path (loaded) or None (the embedded default).

    Examples
    --------
    >>> as_dataset(None).source.endswith("indonesia_default.gpkg")
    True
    """
    if isinstance(regions, RegionDataset):
        return regions
    if isinstance(regions, gpd.GeoDataFrame):
        frame = validate_regions(regions, "regions (GeoDataFrame)")
        return RegionDataset(frame, _provinces_from_regions(frame), None, "GeoDataFrame")
    return load_dataset(regions)


def _provinces_from_regions(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    dissolved = regions.dissolve(by=["province_code", "province_name"], aggfunc={"population": "sum"})
    return dissolved.reset_index()[["province_code", "province_name", "population", "geometry"]]


def area_km2(geometry: gpd.GeoSeries) -> np.ndarray:
    """Area of each geometry in km^2, computed in the equal-area CRS ``AREA_CRS``.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Polygons with a CRS.

    Returns
    -------
    numpy.ndarray
        Areas in km^2.
    """
    return geometry.to_crs(AREA_CRS).area.to_numpy() / 1e6
