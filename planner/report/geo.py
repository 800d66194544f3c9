"""Geometry for the report: projected CRSs, simplified drawing layers, and plan tables joined to regions.

CRS choice. Indonesia spans 95-141 E and 11 S-6 N, straddling the equator. The national maps use World
Mercator (EPSG:3395): within 11 degrees of the equator its scale error is below 2 % and it keeps shapes, so
a cylindrical projection gives the country's natural wide aspect without the 33 % east-west stretch an
equal-area CRS with standard parallels at 30 degrees (EPSG:6933) would show. Areas, where needed, are never
read off the map. Close-ups use the UTM zone of the focus province (scale error below 0.1 % within a
zone), so catchment circles drawn there are true circles of the stated radius. Scale bars measure
geodesic distance on the ellipsoid at the bar's position, so they are right in any CRS.

Geometry joins happen only in the report layer (STYLE.md rule 10): the plan's tables are keyed by
``region_code`` and meet the polygons here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.scenario import KINDS

NATIONAL_CRS = "EPSG:3395"  # WGS 84 / World Mercator
NATIONAL_TOLERANCE_M = 1500.0  # simplification for a 1,700-pixel-wide national map (about 3 km a pixel)
LOCAL_TOLERANCE_M = 150.0
GEOD = Geod(ellps="WGS84")
#: The Palembang branch's five new gerai (ANTARA, Nov 2012): Kota Palembang, OKI, Ogan Ilir, Muba, Banyuasin.
BRANCH_REGIONS = {"16": ("16.71", "16.02", "16.10", "16.06", "16.07")}


def highlighted_regions(result: PlanResult, dataset: RegionDataset, focus: str, n: int = 5) -> list[str]:
    """Region codes a focus province's close-up names first.

    The Palembang branch's five (``BRANCH_REGIONS``) for South Sumatra; elsewhere the regions of the
    scenario's locked openings in the province, else its ``n`` regions with the most new outlets.
    """
    codes = set(dataset.regions.loc[dataset.regions["province_code"] == focus, "region_code"])
    if focus in BRANCH_REGIONS:
        return [code for code in BRANCH_REGIONS[focus] if code in codes]
    locked = [lock["region_code"] for lock in result.summary.scenario.get("locks", [])
              if lock["region_code"] in codes]
    if locked:
        return list(dict.fromkeys(locked))
    new = result.allocation[result.allocation["region_code"].isin(codes)].groupby("region_code")["new"].sum()
    return list(new.sort_values(ascending=False, kind="stable").index[:n])


def short_name(name: str) -> str:
    """A regency's name without the ``Kabupaten`` prefix (cities keep ``Kota``): ``Ogan Ilir``, ``Kota Palembang``."""
    for prefix in ("Kabupaten Administrasi ", "Kabupaten "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def local_crs(geometry: gpd.GeoSeries) -> CRS:
    """The UTM zone (WGS 84) holding the centre of ``geometry`` (any CRS), e.g. EPSG:32748 for South Sumatra.

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        Shapes with a CRS.

    Returns
    -------
    pyproj.CRS
    """
    lon, lat = _centre_lonlat(geometry)
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _centre_lonlat(geometry: gpd.GeoSeries) -> tuple[float, float]:
    minx, miny, maxx, maxy = geometry.to_crs("EPSG:4326").total_bounds
    return (minx + maxx) / 2.0, (miny + maxy) / 2.0


def drawing_layer(frame: gpd.GeoDataFrame, crs: str | CRS, tolerance_m: float) -> gpd.GeoDataFrame:
    """A copy of ``frame`` projected to ``crs`` and simplified for drawing (never for measuring).

    Islets under (3 x tolerance)^2 are dropped first (each geometry keeps its largest part). Neighbouring
    polygons are then simplified together (``shapely.coverage_simplify``) so shared borders stay shared;
    when the layer is not a clean coverage, each polygon is simplified on its own.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
    crs : str or pyproj.CRS
        Projected CRS in metres.
    tolerance_m : float
        Simplification tolerance, metres.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    projected = frame.to_crs(crs)
    geometry = drop_specks(projected.geometry.to_numpy(), (3.0 * tolerance_m) ** 2)
    try:
        simplified = shapely.coverage_simplify(geometry, tolerance_m)
        if shapely.is_empty(simplified).any() or not shapely.is_valid(simplified).all():
            raise ValueError("coverage simplification lost a polygon")
    except Exception:  # not a clean coverage (overlaps or gaps): simplify polygon by polygon
        simplified = shapely.simplify(geometry, tolerance_m, preserve_topology=True)
    return projected.set_geometry(gpd.GeoSeries(simplified, index=projected.index, crs=projected.crs))


def drop_specks(geometries: np.ndarray, min_area: float) -> np.ndarray:
    """Drop polygon parts smaller than ``min_area`` (islets too small to see), keeping each geometry's largest.

    Parameters
    ----------
    geometries : numpy.ndarray of shapely geometries
        Polygons or multipolygons in a projected CRS.
    min_area : float
        Smallest part kept, in squared CRS units.

    Returns
    -------
    numpy.ndarray
        Same length; every geometry keeps at least one part.
    """
    parts, owner = shapely.get_parts(geometries, return_index=True)
    if len(parts) == len(geometries):
        return geometries
    area = shapely.area(parts)
    largest = pd.Series(area).groupby(owner).transform("max").to_numpy()
    keep = (area >= min_area) | (area == largest)
    result = shapely.multipolygons(parts[keep], indices=owner[keep])
    single = np.bincount(owner[keep], minlength=len(geometries)) == 1
    result[single] = [shapely.get_geometry(shape, 0) for shape in result[single]]
    return result


def without_holes(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """Polygons with their interior rings dropped (province outlines should not show slivers between cells)."""
    def fill(shape: shapely.Geometry) -> shapely.Geometry:
        parts = [shapely.Polygon(part.exterior) for part in shapely.get_parts(shape) if part.geom_type == "Polygon"]
        return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0] if parts else shape

    return gpd.GeoSeries([fill(shape) for shape in geometry], index=geometry.index, crs=geometry.crs)


def anchor_points(regions: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Where to put a region's marker or label: its seat when known and inside it, else a point inside it."""
    inside = regions.geometry.representative_point()
    if {"seat_lon", "seat_lat"} <= set(regions.columns):
        seats = gpd.GeoSeries(gpd.points_from_xy(regions["seat_lon"], regions["seat_lat"]), index=regions.index,
                              crs="EPSG:4326").to_crs(regions.crs)
        usable = seats.notna() & ~seats.is_empty & seats.within(regions.geometry.buffer(0))
        return seats.where(usable, inside)
    return inside


def final_year(result: PlanResult) -> int:
    """Last plan year of a result."""
    return int(result.allocation["year"].max())


def plan_years(result: PlanResult) -> list[int]:
    """Plan years of a result, ascending."""
    return sorted(int(year) for year in result.allocation["year"].unique())


def wide_plan(result: PlanResult) -> pd.DataFrame:
    """One row per region with the plan's columns: existing, new and cumulative outlets per kind and year.

    Columns: ``region_code``, ``gerai_existing``, ``gerai_new_<year>``, ``gerai_cum_<year>``,
    ``gerai_new_total`` (and the same for kanal), ``workers_informal``, ``workers_reached``,
    ``share_reached`` (final year, persons and fraction), ``workers_reached_one_per_regency`` and
    ``gain_share_one_per_regency`` (fraction) when that baseline is present.

    Parameters
    ----------
    result : PlanResult

    Returns
    -------
    pandas.DataFrame
    """
    allocation = result.allocation
    wide = pd.DataFrame({"region_code": sorted(allocation["region_code"].unique())}).set_index("region_code")
    for kind in KINDS:
        rows = allocation[allocation["kind"] == kind]
        wide[f"{kind}_existing"] = rows.groupby("region_code")["existing"].first()
        for column, short in (("new", "new"), ("cumulative", "cum")):
            table = rows.pivot_table(index="region_code", columns="year", values=column, aggfunc="sum")
            for year in table.columns:
                wide[f"{kind}_{short}_{int(year)}"] = table[year]
        wide[f"{kind}_new_total"] = rows.groupby("region_code")["new"].sum()
    wide = wide.fillna(0).astype(int)
    last = final_year(result)
    reach = result.reach[result.reach["year"] == last].set_index("region_code")
    wide["workers_informal"] = reach["workers_informal"]
    wide["workers_reached"] = reach["workers_reached"]
    wide["share_reached"] = reach["share_reached"]
    baseline = result.baseline_reach.get("one_per_regency")
    if baseline is not None:
        base = baseline[baseline["year"] == last].set_index("region_code")
        wide["workers_reached_one_per_regency"] = base["workers_reached"]
        wide["gain_share_one_per_regency"] = wide["share_reached"] - base["share_reached"]
    return wide.reset_index()


def plan_regions(result: PlanResult, dataset: RegionDataset) -> gpd.GeoDataFrame:
    """The dataset's regions (EPSG:4326) with the columns of :func:`wide_plan` joined on ``region_code``."""
    columns = ["region_code", "region_name", "province_code", "province_name", "geometry_approximate", "geometry"]
    regions = dataset.regions[[c for c in columns if c in dataset.regions.columns]]
    return regions.merge(wide_plan(result), on="region_code", how="left")


def km_per_unit(crs: str | CRS, x: float, y: float) -> float:
    """Geodesic kilometres per projected unit along the x axis at ``(x, y)`` (in ``crs``)."""
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    step = 1000.0
    lon1, lat1 = back.transform(x, y)
    lon2, lat2 = back.transform(x + step, y)
    _, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(metres) / 1000.0 / step


def site_catchments(sites: pd.DataFrame, radius_km: dict[str, float], crs: str | CRS) -> gpd.GeoDataFrame:
    """Sites as points and their catchment discs (``radius_km`` by kind) in a projected ``crs``.

    Parameters
    ----------
    sites : pandas.DataFrame
        ``site_id``, ``kind``, ``lon``, ``lat`` (degrees) and any other columns.
    radius_km : dict
        Kind -> catchment radius, km.
    crs : str or pyproj.CRS
        Projected CRS in metres (a local UTM zone keeps the discs true).

    Returns
    -------
    geopandas.GeoDataFrame
        The sites with geometry = point, and a column ``catchment`` (GeoSeries of discs).
    """
    points = gpd.GeoDataFrame(sites.copy(), geometry=gpd.points_from_xy(sites["lon"], sites["lat"]),
                              crs="EPSG:4326").to_crs(crs)
    radius_m = points["kind"].map(radius_km).astype(float).to_numpy() * 1000.0
    points["catchment"] = gpd.GeoSeries(shapely.buffer(points.geometry.to_numpy(), radius_m, quad_segs=16),
                                        index=points.index, crs=points.crs)
    return points


def nice_length(value: float) -> float:
    """The largest of 1, 2, 5 x 10^n not above ``value`` (value > 0)."""
    exponent = np.floor(np.log10(value))
    for step in (5.0, 2.0, 1.0):
        if step * 10 ** exponent <= value:
            return float(step * 10 ** exponent)
    return float(10 ** exponent)
