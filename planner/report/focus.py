"""Close-up of one province (default South Sumatra, the Palembang branch): what each regency/city gets.

Drawn in the province's UTM zone, so site catchments are true circles of the scenario's radius.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from planner.allocation.results import PlanResult
from planner.errors import InputError
from planner.regions import RegionDataset
from planner.report.geo import highlighted_regions, plan_years, short_name, site_catchments
from planner.report.i18n import translator
from planner.report.labels import Label, place_labels, point_boxes
from planner.report.layers import MapLayers, focus_layers
from planner.report.mapkit import (
    FONT,
    KIND_COLOURS,
    PROVINCE_COLOUR,
    add_footer,
    add_scale_bar,
    class_handles,
    classify_counts,
    count_classes,
    draw_polygons,
    sequential_colours,
    set_extent,
    style_legend,
)
from planner.scenario import KINDS

NEIGHBOUR_COLOUR = "#ffffff"
SEA_COLOUR = "#e6f0f8"
SITE_MARKERS = {"gerai": "s", "kanal": "^"}


def check_focus(dataset: RegionDataset, focus: str) -> str:
    """Return ``focus`` when it is a province code of the dataset, else raise ``InputError``."""
    focus = str(focus).strip()
    if focus not in set(dataset.provinces["province_code"]):
        raise InputError(f"--focus {focus!r}: no province with that code in {dataset.source}; give a two-digit "
                         "province code such as 16 (Sumatera Selatan).")
    return focus


def _focus_sites(result: PlanResult, layers: MapLayers, codes: set[str]):
    if result.sites is None or result.sites.empty:
        return None
    first = min(plan_years(result))  # outlets open before the plan (if listed) are drawn as existing gerai
    sites = result.sites[result.sites["region_code"].astype(str).isin(codes) & (result.sites["year"] >= first)]
    if sites.empty:
        return None
    scenario = result.summary.scenario
    return site_catchments(sites, {kind: float(scenario[kind]["radius_km"]) for kind in KINDS}, layers.crs)


def _draw_sites(ax: Axes, sites, radius_km: dict[str, float], t) -> list:
    handles = []
    for kind in KINDS:
        chosen = sites[sites["kind"] == kind]
        if chosen.empty:
            continue
        colour = KIND_COLOURS[kind]
        discs = chosen.set_geometry("catchment")
        draw_polygons(ax, discs, colour, edgecolor=colour, linewidth=0.8, gid=f"catchment_{kind}", zorder=4,
                      alpha=0.18)
        ax.scatter(chosen.geometry.x, chosen.geometry.y, marker=SITE_MARKERS[kind], s=30, color=colour,
                   edgecolor="black", linewidth=0.6, zorder=7, gid=f"sites_{kind}")
        handles.append(Line2D([], [], linestyle="none", marker=SITE_MARKERS[kind], markersize=7,
                              markerfacecolor=colour, markeredgecolor="black",
                              label=t(f"site_{kind}", km=float(radius_km[kind]))))
    return handles


def _region_labels(layers: MapLayers, inside: np.ndarray, first: list[str], t) -> list[Label]:
    regions = layers.regions[inside]
    order = sorted(regions.index, key=lambda i: (regions.at[i, "region_code"] not in first,
                                                  -float(regions.at[i, "workers_informal"] or 0)))
    labels = []
    for index in order:
        row = regions.loc[index]
        main = row["region_code"] in first
        point = layers.anchors.loc[index]
        text = (f"{short_name(row['region_name'])}\n+{int(row['gerai_new_total'])} {t('gerai_short')} / "
                f"+{int(row['kanal_new_total'])} {t('kanal_short')}")
        labels.append(Label(point.x, point.y, text, fontsize=10.0 if main else 8.0,
                            weight="bold" if main else "normal", required=main))
    return labels


def _neighbour_labels(layers: MapLayers, focus: str, ax: Axes) -> list[Label]:
    """Names of neighbouring provinces, on their largest piece in view (tiny islands are not labelled)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    labels = []
    for _, row in layers.provinces[layers.provinces["province_code"] != focus].iterrows():
        parts = shapely.get_parts(row.geometry.intersection(view))
        if not len(parts):
            continue
        largest = max(parts, key=lambda part: part.area)
        if largest.area < 0.01 * view.area:
            continue
        point = largest.representative_point()
        labels.append(Label(point.x, point.y, row["province_name"], fontsize=9.0, style="italic",
                            color="#666666", required=False))
    return labels


def focus_map(result: PlanResult, dataset: RegionDataset, focus: str = "16", lang: str = "en", *,
              layers: MapLayers | None = None) -> Figure:
    """Close-up of province ``focus``: new gerai per regency/city, labels with what each gets, sites if any.

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset
    focus : str
        Province code (``"16"`` = Sumatera Selatan, the Palembang branch).
    lang : str
        ``"en"`` or ``"id"``.
    layers : MapLayers, optional
        Pre-built layers from :func:`planner.report.layers.focus_layers`.

    Returns
    -------
    matplotlib.figure.Figure
        One map axes (regions of the province drawn with gid ``regions``, labels with gid ``label``, a
        legend, a scale bar) and, when ``result.sites`` has sites there, their catchment discs.
    """
    t = translator(lang)
    focus = check_focus(dataset, focus)
    layers = layers or focus_layers(result, dataset, focus)
    years = plan_years(result)
    inside = (layers.regions["province_code"] == focus).to_numpy()
    province = layers.provinces[layers.provinces["province_code"] == focus]
    name = province["province_name"].iloc[0]
    fig = plt.figure(figsize=(11.69, 8.27))
    ax = fig.add_axes([0.01, 0.06, 0.66, 0.84])
    set_extent(ax, province.total_bounds, pad=0.05)
    ax.set_facecolor(SEA_COLOUR)
    draw_polygons(ax, layers.regions[~inside], NEIGHBOUR_COLOUR, edgecolor="#d0d0d0", linewidth=0.4,
                  gid="neighbours", zorder=0.5)
    values = layers.regions.loc[inside, "gerai_new_total"].to_numpy()
    classes = count_classes(int(values.max()) if len(values) else 0)
    colours = sequential_colours(len(classes))
    draw_polygons(ax, layers.regions[inside], classify_counts(values, classes, colours), linewidth=0.8)
    draw_polygons(ax, layers.provinces, "none", edgecolor="#888888", linewidth=0.8, gid="provinces", zorder=3)
    draw_polygons(ax, province, "none", edgecolor=PROVINCE_COLOUR, linewidth=1.8, gid="focus_outline", zorder=3)
    handles = class_handles(classes, colours, t("legend_none"))
    existing = inside & (layers.regions["gerai_existing"].to_numpy() > 0)
    points = layers.anchors[existing]
    ax.scatter(points.x, points.y, s=36, marker="o", facecolor="white", edgecolor="black", linewidth=1.0,
               zorder=6, gid="existing")
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                          markeredgecolor="black", label=t("existing_marker", kind="gerai", year=years[0])))
    sites = _focus_sites(result, layers, set(layers.regions.loc[inside, "region_code"]))
    obstacles = point_boxes(ax, points.x.to_numpy(), points.y.to_numpy(), 10.0)
    soft = []
    if sites is not None:
        scenario = result.summary.scenario
        handles += _draw_sites(ax, sites, {kind: scenario[kind]["radius_km"] for kind in KINDS}, t)
        soft = point_boxes(ax, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy(), 8.0)
    handles += [Patch(facecolor=NEIGHBOUR_COLOUR, edgecolor="#999999", label=t("neighbour")),
                Line2D([], [], color=PROVINCE_COLOUR, linewidth=1.8, label=t("province_outline"))]
    bar = add_scale_bar(ax, layers.crs, unit_label=t("scale_km"), anchor=(0.03, 0.04), fraction=0.2)
    end = bar.get_window_extent(fig.canvas.get_renderer())
    frame = ax.get_window_extent()
    obstacles.append(Bbox.from_extents(frame.x0, frame.y0, end.x1 + 10, end.y1 + 6))
    place_labels(ax, _region_labels(layers, inside, highlighted_regions(result, dataset, focus), t)
                 + _neighbour_labels(layers, focus, ax), obstacles, soft)
    _focus_side_panel(fig, handles, t, result, sites is not None)
    branch = t("branch_16") if focus == "16" else None
    title = t("focus_title", province=f"{name} ({branch})" if branch else name, year=years[-1])
    fig.suptitle(title, fontsize=FONT["title"] + 1, fontweight="bold",
                 x=0.01, ha="left", y=0.975)
    fig.text(0.01, 0.915, t("focus_subtitle", first=years[0], last=years[-1]), fontsize=FONT["subtitle"])
    add_footer(fig, dataset, result, t)
    return fig


def _focus_side_panel(fig: Figure, handles: list, t, result: PlanResult, has_sites: bool) -> None:
    ax = fig.add_axes([0.69, 0.06, 0.30, 0.84])
    ax.set_axis_off()
    legend = ax.legend(handles=handles, title=t("legend_new", kind="gerai"), loc="upper left",
                       fontsize=FONT["legend"], title_fontsize=FONT["legend"], alignment="left")
    style_legend(legend)
    scenario = result.summary.scenario
    note = (t("focus_sites", gerai_km=scenario["gerai"]["radius_km"], kanal_km=scenario["kanal"]["radius_km"])
            if has_sites else t("sites_none"))
    ax.text(0.0, 0.02, note, fontsize=FONT["footer"], va="bottom", ha="left", wrap=True, transform=ax.transAxes)
