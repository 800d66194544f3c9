"""National maps of a plan: allocation by the final year, the rollout year by year, reach and its gain.

Each function takes a :class:`~planner.allocation.results.PlanResult` and the :class:`~planner.regions.RegionDataset`
it was planned on and returns a matplotlib Figure (A4 landscape, fonts readable when printed); nothing is
solved here.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.geo import final_year, plan_years
from planner.report.i18n import millions, translator
from planner.report.layers import MapLayers, national_layers
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
    status_word,
    style_legend,
)
from planner.scenario import KINDS

A4_LANDSCAPE = (11.69, 8.27)
EARLIER_COLOUR = "#b0b0b0"
#: Shares within reach measured from placed sites spread over the whole range (issue 12): equal 20-point classes,
#: with the top split so that the near-complete regencies still stand out.
SHARE_BREAKS = [(0.0, 0.2, "< 20 %"), (0.2, 0.4, "20-40 %"), (0.4, 0.6, "40-60 %"), (0.6, 0.8, "60-80 %"),
                (0.8, 0.95, "80-95 %"), (0.95, 1.01, ">= 95 %")]
GAIN_BREAKS = [(-101.0, -0.5, "< -0.5"), (-0.5, 0.5, "-0.5 to 0.5"), (0.5, 10.0, "0.5-10"), (10.0, 50.0, "10-50"),
               (50.0, 101.0, ">= 50")]
GAIN_COLOURS = ["#e08214", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"]  # PuOr: colour-blind safe


def _province_outlines(ax: Axes, layers: MapLayers, linewidth: float = 0.7) -> None:
    draw_polygons(ax, layers.provinces, "none", edgecolor=PROVINCE_COLOUR, linewidth=linewidth, gid="provinces",
                  zorder=3)


def _map_axes(fig: Figure, rect: list[float], layers: MapLayers) -> Axes:
    ax = fig.add_axes(rect)
    set_extent(ax, layers.regions.total_bounds, pad=0.01)
    return ax


def _existing_markers(ax: Axes, layers: MapLayers, kind: str, label: str) -> Line2D | None:
    has = layers.regions[f"{kind}_existing"].to_numpy() > 0
    if not has.any():
        return None
    points = layers.anchors[has]
    ax.scatter(points.x, points.y, s=11, marker="o", facecolor="white", edgecolor="black", linewidth=0.8,
               zorder=6, gid="existing")
    return Line2D([], [], linestyle="none", marker="o", markersize=5, markerfacecolor="white",
                  markeredgecolor="black", label=label)


def national_map(result: PlanResult, dataset: RegionDataset, lang: str = "en", *,
                 layers: MapLayers | None = None) -> Figure:
    """New gerai (top) and kanal (bottom) per regency/city over the plan, with the outlets open before it.

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset
        The regions the plan was made for.
    lang : str
        ``"en"`` or ``"id"``.
    layers : MapLayers, optional
        Pre-built national layers (saves re-projecting when drawing several maps).

    Returns
    -------
    matplotlib.figure.Figure
        Two map axes (titles name the kind), each with a legend, province outlines and a scale bar.
    """
    t = translator(lang)
    layers = layers or national_layers(result, dataset)
    years = plan_years(result)
    fig = plt.figure(figsize=(A4_LANDSCAPE[0], 9.4))
    fig.suptitle(t("national_suptitle", year=years[-1]), fontsize=FONT["title"] + 1, fontweight="bold", y=0.985)
    for index, kind in enumerate(KINDS):
        ax = _map_axes(fig, [0.01, 0.51 - 0.465 * index, 0.98, 0.42], layers)
        values = layers.regions[f"{kind}_new_total"].to_numpy()
        classes = count_classes(int(values.max()))
        colours = sequential_colours(len(classes))
        draw_polygons(ax, layers.regions, classify_counts(values, classes, colours))
        _province_outlines(ax, layers)
        handles = class_handles(classes, colours, t("legend_none"))
        marker = _existing_markers(ax, layers, kind, t("existing_marker", kind=t(f"{kind}_short"), year=years[0]))
        handles += [marker] if marker is not None else []
        handles.append(Line2D([], [], color=PROVINCE_COLOUR, linewidth=1.0, label=t("province_outline")))
        ax.set_title(t("national_title", kind=t(kind), first=years[0], last=years[-1]), fontsize=FONT["subtitle"],
                     loc="left")
        legend = ax.legend(handles=handles, title=t("legend_new", kind=t(f"{kind}_short")), loc="upper right",
                           fontsize=FONT["legend"], title_fontsize=FONT["legend"], ncol=2, columnspacing=1.0,
                           handlelength=1.4, borderaxespad=0.4)
        style_legend(legend)
        add_scale_bar(ax, layers.crs, unit_label=t("scale_km"), anchor=(0.80, 0.06), fraction=0.12)
    add_footer(fig, dataset, result, t)
    return fig


def _rollout_panel(ax: Axes, layers: MapLayers, year: int, first: int, classes, colours) -> tuple[int, int]:
    regions = layers.regions
    new_gerai = regions[f"gerai_new_{year}"].to_numpy()
    before = regions["gerai_existing"].to_numpy() if year == first else regions[f"gerai_cum_{year - 1}"].to_numpy()
    fill = np.array(classify_counts(new_gerai, classes, colours), dtype=object)
    fill[(new_gerai == 0) & (before > 0)] = EARLIER_COLOUR
    draw_polygons(ax, regions, list(fill), linewidth=0.15)
    _province_outlines(ax, layers, linewidth=0.5)
    new_kanal = regions[f"kanal_new_{year}"].to_numpy()
    has = new_kanal > 0
    ax.scatter(layers.anchors[has].x, layers.anchors[has].y, s=4 + 5 * new_kanal[has], facecolor="white",
               edgecolor="black", linewidth=0.5, zorder=6, gid="kanal")
    return int(new_gerai.sum()), int(new_kanal.sum())


def _rollout_legend(fig: Figure, rect: list[float], t, classes, colours, totals: dict[int, tuple[int, int]]) -> Axes:
    ax = fig.add_axes([rect[0], rect[1], rect[2] * 0.5, rect[3]])
    ax.set_axis_off()
    handles = [Patch(facecolor=EARLIER_COLOUR, edgecolor="#999999", label=t("rollout_earlier"))]
    handles += class_handles(classes, colours, t("legend_none"))
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                          markeredgecolor="black", label=t("rollout_new_kanal")))
    legend = ax.legend(handles=handles, title=t("rollout_new_gerai"), loc="center left", fontsize=FONT["legend"],
                       title_fontsize=FONT["legend"], frameon=False, borderaxespad=0.0, alignment="left")
    legend.set_gid("legend")
    bars = fig.add_axes([rect[0] + rect[2] * 0.58, rect[1] + rect[3] * 0.12, rect[2] * 0.42, rect[3] * 0.72])
    years = sorted(totals)
    x = np.arange(len(years))
    for offset, kind, colour in ((-0.2, 0, KIND_COLOURS["gerai"]), (0.2, 1, KIND_COLOURS["kanal"])):
        counts = [totals[year][kind] for year in years]
        bars.bar(x + offset, counts, width=0.4, color=colour, label=t(f"{KINDS[kind]}_short"))
        for position, count in zip(x + offset, counts, strict=True):
            bars.text(position, count, str(count), ha="center", va="bottom", fontsize=FONT["footer"] - 1)
    bars.set_xticks(x, [str(year) for year in years], fontsize=FONT["footer"])
    bars.tick_params(axis="y", labelsize=FONT["footer"])
    bars.set_title(t("rollout_totals"), fontsize=FONT["legend"], loc="left")
    bars.legend(fontsize=FONT["footer"], frameon=False, loc="upper right")
    bars.spines[["top", "right"]].set_visible(False)
    bars.margins(y=0.25)
    return ax


def rollout_map(result: PlanResult, dataset: RegionDataset, lang: str = "en", *,
                layers: MapLayers | None = None) -> Figure:
    """Small multiples, one per plan year: where gerai (fill) and kanal (dots) open that year.

    Returns
    -------
    matplotlib.figure.Figure
        One map axes per plan year (title ``"<year>: +g gerai, +k kanal"``) and a legend panel.
    """
    t = translator(lang)
    layers = layers or national_layers(result, dataset)
    years = plan_years(result)
    peak = int(max(layers.regions[f"gerai_new_{year}"].max() for year in years))
    classes = count_classes(peak)
    colours = sequential_colours(len(classes))
    rows = int(np.ceil((len(years) + 1) / 2))
    fig = plt.figure(figsize=(A4_LANDSCAPE[0], 2.75 * rows + 0.7))
    fig.suptitle(t("rollout_title"), fontsize=FONT["title"], fontweight="bold", y=0.985)
    height, top = 0.89 / rows, 0.945
    totals = {}
    for index, year in enumerate(years):
        row, column = divmod(index, 2)
        rect = [0.005 + 0.5 * column, top - (row + 1) * height, 0.49, height - 0.03]
        ax = _map_axes(fig, rect, layers)
        totals[year] = _rollout_panel(ax, layers, year, years[0], classes, colours)
        ax.set_title(t("rollout_panel", year=year, gerai=totals[year][0], kanal=totals[year][1]),
                     fontsize=FONT["subtitle"], loc="left")
        if index == 0:
            add_scale_bar(ax, layers.crs, unit_label=t("scale_km"), anchor=(0.03, 0.06), fraction=0.15,
                          fontsize=FONT["footer"])
    row, column = divmod(len(years), 2)
    _rollout_legend(fig, [0.03 + 0.5 * column, top - (row + 1) * height, 0.45, height - 0.03], t, classes,
                    colours, totals)
    add_footer(fig, dataset, result, t, y=0.005)
    return fig


def _binned(values: np.ndarray, breaks, colours: list[str]) -> list[str]:
    out = []
    for value in values:
        chosen = colours[-1]
        for (low, high, _), colour in zip(breaks, colours, strict=True):
            if low <= value < high:
                chosen = colour
                break
        out.append(chosen)
    return out


def reach_map(result: PlanResult, dataset: RegionDataset, lang: str = "en", *,
              layers: MapLayers | None = None) -> Figure:
    """Share of informal workers within reach by the final year (top) and its gain over one gerai per regency.

    Returns
    -------
    matplotlib.figure.Figure
        Two map axes with legends; the gain panel is present when the result has the ``one_per_regency``
        baseline.
    """
    t = translator(lang)
    layers = layers or national_layers(result, dataset)
    year = final_year(result)
    regions = layers.regions
    panels = [("share_reached", SHARE_BREAKS, sequential_colours(len(SHARE_BREAKS), "cividis"),
               t("reach_share_title", year=year), t("legend_share"), 1.0)]
    if "gain_share_one_per_regency" in regions.columns:
        gain = result.summary.comparison.gain_workers_final
        sign = "+" if gain >= 0 else ""
        panels.append(("gain_share_one_per_regency", GAIN_BREAKS, GAIN_COLOURS,
                       t("reach_gain_title", year=year, gain=sign + millions(gain, lang)), t("legend_gain"), 100.0))
    fig = plt.figure(figsize=(A4_LANDSCAPE[0], 4.7 * len(panels)))
    fig.suptitle(t("reach_suptitle", year=year), fontsize=FONT["title"] + 1, fontweight="bold", y=0.985)
    share = 0.90 / len(panels)
    for index, (column, breaks, colours, title, legend_title, scale) in enumerate(panels):
        ax = _map_axes(fig, [0.01, 0.955 - (index + 1) * share, 0.98, share - 0.05], layers)
        draw_polygons(ax, regions, _binned(regions[column].fillna(0).to_numpy() * scale, breaks, colours))
        _province_outlines(ax, layers)
        handles = [Patch(facecolor=colour, edgecolor="#999999", linewidth=0.5, label=label)
                   for (_, _, label), colour in zip(breaks, colours, strict=True)]
        ax.set_title(title, fontsize=FONT["subtitle"], loc="left", wrap=True)
        legend = ax.legend(handles=handles, title=legend_title, loc="upper right", fontsize=FONT["legend"],
                           title_fontsize=FONT["legend"], ncol=2, handlelength=1.4)
        style_legend(legend)
        add_scale_bar(ax, layers.crs, unit_label=t("scale_km"), anchor=(0.80, 0.06), fraction=0.12)
    add_footer(fig, dataset, result, t)
    return fig


def comparison_map(results: Mapping[str, PlanResult], dataset: RegionDataset, kind: str = "gerai",
                   lang: str = "en") -> Figure:
    """Side by side: new outlets of ``kind`` per regency/city over the plan, one panel per named result.

    All panels share one set of classes, so equal colours mean equal counts.

    Parameters
    ----------
    results : mapping
        Scenario label -> PlanResult (all on ``dataset``).
    dataset : RegionDataset
    kind : str
        ``"gerai"`` or ``"kanal"``.
    lang : str

    Returns
    -------
    matplotlib.figure.Figure
        One map axes per result (titled ``"<label>: <n> new <kind>"``), one shared legend and a scale bar.
    """
    t = translator(lang)
    layers = {label: national_layers(result, dataset) for label, result in results.items()}
    peak = max(int(layer.regions[f"{kind}_new_total"].max()) for layer in layers.values())
    classes = count_classes(peak)
    colours = sequential_colours(len(classes))
    rows = int(np.ceil(len(results) / 2))
    fig = plt.figure(figsize=(A4_LANDSCAPE[0], 2.9 * rows + 1.2))
    years = plan_years(next(iter(results.values())))
    fig.suptitle(t("national_title", kind=t(kind), first=years[0], last=years[-1]), fontsize=FONT["title"],
                 fontweight="bold", y=0.985)
    height = 0.84 / rows
    for index, (label, layer) in enumerate(layers.items()):
        row, column = divmod(index, 2)
        ax = _map_axes(fig, [0.005 + 0.5 * column, 0.93 - (row + 1) * height, 0.49, height - 0.035], layer)
        values = layer.regions[f"{kind}_new_total"].to_numpy()
        draw_polygons(ax, layer.regions, classify_counts(values, classes, colours), linewidth=0.15)
        _province_outlines(ax, layer, linewidth=0.5)
        status = results[label].summary.status
        note = "" if status == "optimal" else f" ({status_word(status, t)})"
        ax.set_title(f"{label}: {int(values.sum())} {t('legend_new', kind=t(f'{kind}_short'))}{note}",
                     fontsize=FONT["subtitle"], loc="left")
        if index == 0:
            add_scale_bar(ax, layer.crs, unit_label=t("scale_km"), anchor=(0.03, 0.06), fraction=0.15,
                          fontsize=FONT["footer"])
    legend = fig.legend(handles=class_handles(classes, colours, t("legend_none")), loc="lower center",
                        ncol=len(classes) + 1, fontsize=FONT["legend"], frameon=False, bbox_to_anchor=(0.5, 0.04))
    legend.set_gid("legend")
    add_footer(fig, dataset, None, t, y=0.005)
    return fig
