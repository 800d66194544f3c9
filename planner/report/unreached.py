"""Where the informal workers beyond reach live: the plan's unreached demand on a coarse grid, and its map.

``PlanResult.unreached`` lists every demand point that no open outlet reaches in the final plan year (persons).
Fine demand (a 1 km grid) has up to millions of such points; managers need the pattern, so points are summed
into square cells of ``cell_deg`` degrees (0.1 degree, about 11 km, by default: the size of a gerai
catchment) and shown as a density (persons per km2 of cell), which is comparable between cells of any size.
"""

from __future__ import annotations

import itertools
import textwrap

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.geo import final_year
from planner.report.i18n import millions, number, percent, translator
from planner.report.layers import MapLayers, national_layers
from planner.report.mapkit import (
    EMPTY_COLOUR,
    FONT,
    PROVINCE_COLOUR,
    add_footer,
    add_scale_bar,
    draw_polygons,
    sequential_colours,
    set_extent,
    style_legend,
)

KM_PER_DEGREE = 111.32
#: Class edges of unreached informal workers per km2 (the last class is open-ended).
DENSITY_BREAKS = (0.0, 5.0, 20.0, 50.0, 150.0, 500.0)
DENSITY_COLOURS = sequential_colours(len(DENSITY_BREAKS), "magma")


def unreached_grid(unreached: pd.DataFrame, cell_deg: float = 0.1) -> pd.DataFrame:
    """Sum the unreached workers of demand points into square cells of ``cell_deg`` degrees.

    Parameters
    ----------
    unreached : pandas.DataFrame
        ``lon``, ``lat`` (degrees) and ``workers_unreached`` (persons), one row per demand point.
    cell_deg : float
        Cell side, degrees (0.1 is about 11 km at the equator).

    Returns
    -------
    pandas.DataFrame
        ``lon``, ``lat`` (cell centre, degrees), ``workers_unreached`` (persons), ``area_km2`` (cell area) and
        ``density_km2`` (persons per km2), one row per cell with people, largest first.

    Examples
    --------
    >>> points = pd.DataFrame({"lon": [104.71, 104.74, 105.3], "lat": [-2.98, -2.96, -3.1],
    ...                        "workers_unreached": [100.0, 50.0, 10.0]})
    >>> unreached_grid(points)["workers_unreached"].tolist()
    [150.0, 10.0]
    """
    columns = ["lon", "lat", "workers_unreached", "area_km2", "density_km2"]
    if unreached is None or unreached.empty:
        return pd.DataFrame(columns=columns)
    frame = unreached[unreached["workers_unreached"] > 0]
    cell = pd.DataFrame({"i": np.floor(frame["lon"].to_numpy() / cell_deg).astype(np.int64),
                         "j": np.floor(frame["lat"].to_numpy() / cell_deg).astype(np.int64),
                         "workers_unreached": frame["workers_unreached"].to_numpy(dtype=float)})
    grid = cell.groupby(["i", "j"], as_index=False)["workers_unreached"].sum()
    grid["lon"] = (grid["i"] + 0.5) * cell_deg
    grid["lat"] = (grid["j"] + 0.5) * cell_deg
    grid["area_km2"] = (cell_deg * KM_PER_DEGREE) ** 2 * np.cos(np.radians(grid["lat"]))
    grid["density_km2"] = grid["workers_unreached"] / grid["area_km2"]
    return grid.sort_values("workers_unreached", ascending=False, kind="stable")[columns].reset_index(drop=True)


def density_class(density: np.ndarray) -> np.ndarray:
    """Index into ``DENSITY_COLOURS`` of each density (persons per km2)."""
    return np.clip(np.searchsorted(DENSITY_BREAKS, np.asarray(density, dtype=float), side="right") - 1, 0,
                   len(DENSITY_BREAKS) - 1)


def density_labels(lang: str = "en") -> list[str]:
    """Legend labels of the density classes (``"< 5"``, ``"5-20"``, ..., ``">= 500"``)."""
    edges = [number(edge, lang) for edge in DENSITY_BREAKS]
    labels = [f"< {edges[1]}"]
    labels += [f"{low}-{high}" for low, high in itertools.pairwise(edges[1:])]
    return [*labels, f">= {edges[-1]}"]


def cell_size_for(unreached: pd.DataFrame, max_cells: int = 20_000, start_deg: float = 0.1) -> float:
    """The smallest of 0.1, 0.2, 0.4, ... degrees that gives at most ``max_cells`` cells."""
    size = start_deg
    while len(unreached_grid(unreached, size)) > max_cells:
        size *= 2.0
    return size


def unreached_map(result: PlanResult, dataset: RegionDataset, lang: str = "en", *,
                  layers: MapLayers | None = None, cell_deg: float = 0.1) -> Figure:
    """Density of the informal workers beyond reach of every placed outlet in the final year.

    Parameters
    ----------
    result : PlanResult
        With ``unreached`` (needs placed sites).
    dataset : RegionDataset
    lang : str
        ``"en"`` or ``"id"``.
    layers : MapLayers, optional
        Pre-built national layers.
    cell_deg : float
        Grid cell side, degrees.

    Returns
    -------
    matplotlib.figure.Figure
        One map axes: regions in grey, cells (gid ``unreached``) coloured by persons per km2, province
        outlines, a legend, a scale bar and the source line.

    Raises
    ------
    ValueError
        When the result has no ``unreached`` table (no sites were placed).
    """
    if result.unreached is None:
        raise ValueError("the result has no unreached table: place sites (plan(..., sites=True)) first")
    t = translator(lang)
    layers = layers or national_layers(result, dataset)
    year = final_year(result)
    grid = unreached_grid(result.unreached, cell_deg)
    total, informal = float(grid["workers_unreached"].sum()), float(result.summary.workers_informal)
    fig = plt.figure(figsize=(11.69, 6.6))
    title = t("unreached_title", year=year, workers=millions(total, lang),
              share=percent(total / informal if informal else None, lang))
    fig.suptitle(title, fontsize=FONT["title"] + 1, fontweight="bold", y=0.985)
    ax = fig.add_axes([0.01, 0.06, 0.98, 0.81])
    set_extent(ax, layers.regions.total_bounds, pad=0.01)
    draw_polygons(ax, layers.regions, EMPTY_COLOUR, edgecolor="#ffffff", linewidth=0.15)
    cells = gpd.GeoDataFrame(grid, geometry=shapely.box(grid["lon"] - cell_deg / 2, grid["lat"] - cell_deg / 2,
                                                         grid["lon"] + cell_deg / 2, grid["lat"] + cell_deg / 2),
                             crs="EPSG:4326").to_crs(layers.crs)
    colours = [DENSITY_COLOURS[index] for index in density_class(cells["density_km2"].to_numpy())]
    draw_polygons(ax, cells, colours, edgecolor="none", linewidth=0.0, gid="unreached", zorder=2)
    draw_polygons(ax, layers.provinces, "none", edgecolor=PROVINCE_COLOUR, linewidth=0.6, gid="provinces",
                  zorder=3)
    handles = [Patch(facecolor=colour, edgecolor="#999999", linewidth=0.5, label=label)
               for colour, label in zip(DENSITY_COLOURS, density_labels(lang), strict=True)]
    legend = ax.legend(handles=handles, title=t("legend_unreached"), loc="upper right", fontsize=FONT["legend"],
                       title_fontsize=FONT["legend"], ncol=2, handlelength=1.4)
    style_legend(legend)
    add_scale_bar(ax, layers.crs, unit_label=t("scale_km"), anchor=(0.80, 0.06), fraction=0.12)
    fig.text(0.01, 0.94, textwrap.fill(t("unreached_subtitle", km=number(cell_deg * KM_PER_DEGREE, lang)), 160),
             fontsize=FONT["subtitle"] - 1, va="top")
    add_footer(fig, dataset, result, t)
    return fig
