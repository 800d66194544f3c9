"""Projected, simplified drawing layers of a plan: regions with the plan's columns, provinces, anchors."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import shapely
from pyproj import CRS

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.geo import (
    LOCAL_TOLERANCE_M,
    NATIONAL_CRS,
    NATIONAL_TOLERANCE_M,
    anchor_points,
    drawing_layer,
    local_crs,
    plan_regions,
    without_holes,
)


@dataclass(frozen=True)
class MapLayers:
    """What a map draws, all in one projected CRS.

    Attributes
    ----------
    crs : pyproj.CRS
    regions : geopandas.GeoDataFrame
        Regions with the plan's columns (:func:`planner.report.geo.wide_plan`), simplified for drawing.
    provinces : geopandas.GeoDataFrame
        Province polygons, simplified for drawing.
    anchors : geopandas.GeoSeries
        One point per region (its seat when known), index aligned with ``regions``.
    """

    crs: CRS
    regions: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    anchors: gpd.GeoSeries


def national_layers(result: PlanResult, dataset: RegionDataset) -> MapLayers:
    """Layers for the national maps (World Mercator, simplified to about 1.5 km)."""
    return _layers(result, dataset, CRS.from_user_input(NATIONAL_CRS), NATIONAL_TOLERANCE_M)


def focus_layers(result: PlanResult, dataset: RegionDataset, focus: str, reach: float = 0.8) -> MapLayers:
    """Layers for a province close-up, in the UTM zone of province ``focus`` (simplified to about 150 m).

    Only what lies within a square window around the province (half-side ``reach`` x its longer side,
    degrees) is kept, enough for a close-up of any aspect.
    """
    inside = dataset.regions["province_code"] == focus
    crs = local_crs(dataset.regions.loc[inside].geometry)
    minx, miny, maxx, maxy = dataset.regions.loc[inside].total_bounds
    half = max(maxx - minx, maxy - miny) * reach
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    window = (cx - half, cy - half, cx + half, cy + half)
    return _layers(result, dataset, crs, LOCAL_TOLERANCE_M, window)


def _layers(result: PlanResult, dataset: RegionDataset, crs: CRS, tolerance_m: float,
            window: tuple[float, float, float, float] | None = None) -> MapLayers:
    regions = plan_regions(result, dataset)
    provinces = dataset.provinces
    if window is not None:
        regions = regions[regions.intersects(shapely.box(*window))].reset_index(drop=True)
        provinces = provinces[provinces.intersects(shapely.box(*window))].reset_index(drop=True)
        provinces = provinces.set_geometry(provinces.geometry.clip_by_rect(*window))
    anchors = anchor_points(regions).to_crs(crs)
    provinces = drawing_layer(provinces, crs, tolerance_m)
    provinces = provinces.set_geometry(without_holes(provinces.geometry))
    return MapLayers(crs=crs, regions=drawing_layer(regions, crs, tolerance_m), provinces=provinces, anchors=anchors)
