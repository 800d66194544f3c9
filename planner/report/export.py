"""Files for GIS and spreadsheets: ``allocation.gpkg``, ``sites.gpkg`` and ``tables.xlsx``."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from openpyxl.utils import get_column_letter

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.geo import plan_years, wide_plan
from planner.report.tables import budget_table, focus_table, province_table

ALLOCATION_LAYER = "allocation"
SITES_LAYER = "sites"


def allocation_regions(result: PlanResult, dataset: RegionDataset) -> gpd.GeoDataFrame:
    """Regions (EPSG:4326, full geometry) with the plan per kind and year, for QGIS/ArcGIS.

    Columns: ``region_code, region_name, province_code, province_name``, ``gerai_existing``,
    ``gerai_new_<year>``, ``gerai_cum_<year>``, ``gerai_new_total`` (same for kanal),
    ``workers_informal_<year>``, ``workers_reached_<year>`` (persons) and ``share_reached_<year>``
    (fraction) for every plan year, and ``gain_share_one_per_regency`` (fraction, final year) when known.

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset

    Returns
    -------
    geopandas.GeoDataFrame
    """
    wide = wide_plan(result).drop(columns=["workers_informal", "workers_reached", "share_reached",
                                           "workers_reached_one_per_regency"], errors="ignore")
    reach = result.reach.pivot_table(index="region_code", columns="year", aggfunc="sum",
                                     values=["workers_informal", "workers_reached", "share_reached"])
    reach.columns = [f"{column}_{int(year)}" for column, year in reach.columns]
    regions = dataset.regions[["region_code", "region_name", "province_code", "province_name", "geometry"]]
    table = regions.merge(wide, on="region_code", how="left").merge(reach.reset_index(), on="region_code",
                                                                     how="left")
    return gpd.GeoDataFrame(table, geometry="geometry", crs=dataset.regions.crs)


def write_allocation_gpkg(result: PlanResult, dataset: RegionDataset, path: str | Path) -> Path:
    """Write ``allocation.gpkg``: layer ``allocation`` (:func:`allocation_regions`) and layer ``provinces``
    (the per-province table on the province polygons)."""
    path = Path(path)
    allocation_regions(result, dataset).to_file(path, layer=ALLOCATION_LAYER, driver="GPKG")
    provinces = dataset.provinces[["province_code", "geometry"]].merge(province_table(result, dataset),
                                                                       on="province_code", how="left")
    provinces.to_file(path, layer="provinces", driver="GPKG")
    return path


def sites_frame(result: PlanResult) -> gpd.GeoDataFrame | None:
    """The result's sites as points (EPSG:4326), or None when the result has no site placement."""
    if result.sites is None:
        return None
    sites = result.sites.copy()
    return gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")


def write_sites_gpkg(result: PlanResult, path: str | Path) -> Path | None:
    """Write ``sites.gpkg`` (layer ``sites``) when the result has sites; return its path or None."""
    sites = sites_frame(result)
    if sites is None:
        return None
    path = Path(path)
    sites.to_file(path, layer=SITES_LAYER, driver="GPKG")
    return path


def write_tables_xlsx(result: PlanResult, dataset: RegionDataset, path: str | Path, focus: str = "16") -> Path:
    """Write ``tables.xlsx``: sheets ``provinces``, ``budget``, ``focus_<code>``, ``regions`` and ``years``.

    Amounts in IDR, workers in persons, shares as fractions (the same units as the CSV files).
    """
    path = Path(path)
    regions = pd.DataFrame(allocation_regions(result, dataset).drop(columns="geometry"))
    years = (result.allocation.pivot_table(index="year", columns="kind", values="new", aggfunc="sum").reset_index()
             .rename(columns=lambda c: c if c == "year" else f"{c}_new"))
    years.columns.name = None
    reach = result.reach.groupby("year")[["workers_informal", "workers_reached"]].sum().reset_index()
    years = years.merge(reach, on="year").merge(budget_table(result), on="year")
    sheets = {"provinces": province_table(result, dataset), "budget": budget_table(result),
              f"focus_{focus}": focus_table(result, dataset, focus, detail=True), "regions": regions,
              "years": years}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for index, column in enumerate(frame.columns, start=1):
                longest = frame[column].head(200).astype(str).str.len().max() if len(frame) else 0
                width = max(len(str(column)), int(longest or 0)) + 2
                sheet.column_dimensions[get_column_letter(index)].width = min(max(10, width), 45)
    return path


def plan_year_columns(result: PlanResult, kind: str, what: str = "new") -> list[str]:
    """Names of the per-year columns of :func:`allocation_regions` (e.g. ``gerai_new_2014``, ...)."""
    return [f"{kind}_{what}_{year}" for year in plan_years(result)]
