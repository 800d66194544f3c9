"""Drawing pieces shared by the maps: polygons, count classes and colours, scale bar, footer, legends.

Colours are colour-blind safe: sequential counts and shares on viridis/cividis, diverging gains on PuOr,
categories on the Okabe-Ito palette. Every map carries a title, a legend, a scale bar measured on the
ellipsoid and a source line (with "approximate regency boundaries" when the dataset says so).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from pyproj import CRS

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset, default_dataset_path
from planner.report.geo import km_per_unit, nice_length
from planner.report.i18n import TEXT

#: Okabe & Ito (2008) colour-blind-safe categorical palette.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7"}
KIND_COLOURS = {"gerai": OKABE_ITO["vermillion"], "kanal": OKABE_ITO["blue"]}
EMPTY_COLOUR = "#e4e4e4"
BORDER_COLOUR = "#ffffff"
PROVINCE_COLOUR = "#333333"
FONT = {"title": 13, "subtitle": 11, "label": 9.5, "legend": 9.5, "footer": 8.5}
DPI = 200


def polygon_paths(geometries: Sequence) -> list[MplPath]:
    """One compound matplotlib path per (multi)polygon, holes included (rings oriented for non-zero fill).

    Vectorised over all geometries: rings and coordinates come from shapely in one pass each.
    """
    if len(geometries) == 0:  # e.g. a focus province with no neighbours
        return []
    geometries = shapely.orient_polygons(np.asarray(geometries, dtype=object))
    parts, part_geometry = shapely.get_parts(geometries, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
    starts = np.flatnonzero(np.r_[True, coord_ring[1:] != coord_ring[:-1]])
    codes[starts] = MplPath.MOVETO
    codes[np.r_[starts[1:], len(coords)] - 1] = MplPath.CLOSEPOLY
    owner = part_geometry[ring_part[coord_ring]]
    bounds = np.searchsorted(owner, np.arange(len(geometries) + 1))
    return [MplPath(coords[a:b], codes[a:b]) for a, b in itertools.pairwise(bounds)]


def draw_polygons(ax: Axes, frame: gpd.GeoDataFrame, facecolors: Sequence | str, *, edgecolor: str = BORDER_COLOUR,
                  linewidth: float = 0.2, gid: str = "regions", zorder: float = 1.0,
                  **kwargs: object) -> PatchCollection:
    """Draw one patch per row of ``frame`` (so the collection has exactly ``len(frame)`` paths).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    frame : geopandas.GeoDataFrame
        Polygons in the axes' projected CRS.
    facecolors : sequence or str
        One colour per row, or one colour for all (``"none"`` for outlines).
    edgecolor, linewidth, gid, zorder
        Style; ``gid`` names the collection (tests find the regions layer by it).

    Returns
    -------
    matplotlib.collections.PatchCollection
    """
    patches = [PathPatch(path) for path in polygon_paths(frame.geometry.to_numpy())]
    collection = PatchCollection(patches, facecolors=facecolors, edgecolors=edgecolor, linewidths=linewidth,
                                 zorder=zorder, **kwargs)
    collection.set_gid(gid)
    ax.add_collection(collection)
    return collection


def count_classes(max_value: int) -> list[tuple[int, int]]:
    """Classes for counts of new outlets: single values up to 6, else 1, 2, 3-4, 5-7, 8-12, 13-20, ...

    Parameters
    ----------
    max_value : int
        Largest count to show (>= 0).

    Returns
    -------
    list of (low, high)
        Inclusive bounds, covering 1..max_value; empty when max_value is 0.
    """
    if max_value <= 6:
        return [(value, value) for value in range(1, max_value + 1)]
    edges = [1, 2, 3, 5, 8, 13, 21, 51, 101, 201, 501]
    classes = []
    for low, high in itertools.pairwise(edges):
        if low > max_value:
            break
        classes.append((low, min(high - 1, max_value)))
    return classes


def class_label(low: int, high: int) -> str:
    """``"3"`` or ``"3-4"``."""
    return str(low) if low == high else f"{low}-{high}"


def sequential_colours(n: int, cmap: str = "viridis") -> list[str]:
    """``n`` colours from light to dark on a colour-blind-safe map (viridis reversed: more = darker)."""
    if n == 0:
        return []
    values = np.linspace(0.9, 0.1, n) if n > 1 else np.array([0.5])
    colormap = mpl.colormaps[cmap]
    return [mpl.colors.to_hex(colormap(value)) for value in values]


def classify_counts(values: np.ndarray, classes: list[tuple[int, int]], colours: list[str]) -> list[str]:
    """Colour of each count: ``EMPTY_COLOUR`` for 0, else its class's colour."""
    result = []
    for value in np.asarray(values, dtype=int):
        colour = EMPTY_COLOUR
        for (low, high), candidate in zip(classes, colours, strict=True):
            if low <= value <= high:
                colour = candidate
        result.append(colour)
    return result


def class_handles(classes: list[tuple[int, int]], colours: list[str], none_label: str) -> list[Patch]:
    """Legend patches: a 'none' patch, then one per class."""
    handles = [Patch(facecolor=EMPTY_COLOUR, edgecolor="#999999", linewidth=0.5, label=none_label)]
    handles += [Patch(facecolor=colour, edgecolor="#999999", linewidth=0.5, label=class_label(*bounds))
                for bounds, colour in zip(classes, colours, strict=True)]
    return handles


def set_extent(ax: Axes, bounds: Sequence[float], pad: float = 0.02) -> None:
    """Fit ``(minx, miny, maxx, maxy)`` with a relative margin into the axes box at equal aspect; no ticks.

    The shorter side of the data range is widened (never cut) so the whole extent shows.
    """
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    box_ratio = (box.width * fig_w) / (box.height * fig_h)
    if dx / dy < box_ratio:
        dx = dy * box_ratio
    else:
        dy = dx / box_ratio
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(cy - dy / 2, cy + dy / 2)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#777777")


def add_scale_bar(ax: Axes, crs: str | CRS, *, unit_label: str = "km", anchor: tuple[float, float] = (0.02, 0.04),
                  fraction: float = 0.18, fontsize: float = FONT["legend"]) -> object:
    """A two-segment scale bar whose length is geodesic kilometres at its own position.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Map axes with final limits, in ``crs``.
    crs : str or pyproj.CRS
        The axes' projected CRS.
    unit_label : str
        Text after the last number.
    anchor : (float, float)
        Lower-left corner of the bar in axes fraction.
    fraction : float
        Longest bar length as a fraction of the axes width.

    Returns
    -------
    matplotlib.text.Text
        The bar's end label (gid ``scale_bar``), e.g. ``"500 km"``.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bar_x = x0 + anchor[0] * (x1 - x0)
    bar_y = y0 + anchor[1] * (y1 - y0)
    per_unit = km_per_unit(crs, bar_x, bar_y)
    length_km = nice_length(fraction * (x1 - x0) * per_unit)
    length = length_km / per_unit
    height = 0.012 * (y1 - y0)
    box = Rectangle((bar_x - 0.008 * (x1 - x0), bar_y - 0.015 * (y1 - y0)), length + 0.05 * (x1 - x0),
                    height + 0.075 * (y1 - y0), facecolor="white", alpha=0.8, edgecolor="none", zorder=9)
    ax.add_patch(box)
    for index, colour in enumerate(("black", "white")):
        ax.add_patch(Rectangle((bar_x + index * length / 2, bar_y), length / 2, height, facecolor=colour,
                               edgecolor="black", linewidth=0.6, zorder=10, gid="scale_bar_segment"))
    ax.text(bar_x, bar_y + 1.6 * height, "0", ha="center", va="bottom", fontsize=fontsize, zorder=10)
    end = ax.text(bar_x + length, bar_y + 1.6 * height, f"{length_km:g} {unit_label}", ha="center", va="bottom",
                  fontsize=fontsize, zorder=10)
    end.set_gid("scale_bar")
    return end


def source_line(dataset: RegionDataset, t) -> str:
    """The data-source text of a map: the embedded dataset's credits, or the imported file's name."""
    try:
        is_default = Path(dataset.source).resolve() == default_dataset_path().resolve()
    except (OSError, ValueError):
        is_default = False
    text = t("source_default") if is_default else t("source_file", name=Path(dataset.source).name)
    if "geometry_approximate" in dataset.regions.columns and bool(dataset.regions["geometry_approximate"].any()):
        text += "; " + t("approximate")
    return text


def status_word(status: str, t) -> str:
    """A solver status in the report's language (``optimal``, ``time-limited (feasible)``)."""
    return t(f"st_{status}") if f"st_{status}" in TEXT[t.lang] else status


def add_footer(fig: Figure, dataset: RegionDataset, result: PlanResult | None, t, y: float = 0.012) -> object:
    """The source line (and, given a result, its scenario and status) along the figure's bottom edge."""
    text = f"{source_line(dataset, t)}."
    if result is not None:
        text += "  " + t("plan_line", scenario=result.summary.scenario["name"],
                         status=status_word(result.summary.status, t)) + "."
    text = fig.text(0.01, y, text, ha="left", va="bottom",
                    fontsize=FONT["footer"], color="#333333", wrap=True)
    text.set_gid("source")
    return text


def style_legend(legend, gid: str = "legend") -> None:
    """Give a legend a white, slightly transparent frame and a gid."""
    legend.get_frame().set_alpha(0.9)
    legend.get_frame().set_edgecolor("#999999")
    legend.set_gid(gid)
    legend.set_zorder(20)
