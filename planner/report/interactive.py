"""map.html: the plan as one interactive, self-contained web map that works offline (folium / Leaflet).

Why folium: it is the most used Python library for Leaflet maps (a well-kept, plain-JavaScript map library
that draws 500 polygons and a few thousand markers instantly), its maps show inline in Jupyter, and its
output is one HTML file. Its CDN links are replaced by Leaflet's own files from the ``xstatic-leaflet``
package (:mod:`planner.report.webassets`), so the page needs no network. Layers:

- regencies/cities coloured by a theme picked in a selector: new gerai or kanal in each plan year or over
  the plan, the share within reach in the final year, the gain over one gerai per regency/city; hover for
  name, code, province, new outlets per year, informal workers, within reach, gain;
- province boundaries; the placed gerai (circles) and kanal (diamonds) with their catchment circles; gerai
  open before the plan; where the informal workers beyond reach live (coarse grid, when sites were placed);
- title, plan status and proven gap, how reach was measured, data sources, legend, scale bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import folium
from folium.template import Template
from folium.utilities import JsCode

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.geo import plan_years
from planner.report.html_sections import gap_text, reach_note
from planner.report.i18n import millions, number, percent, translator
from planner.report.interactive_data import (
    display_layers,
    existing_features,
    geojson,
    grid_data,
    region_tip,
    site_features,
    themes,
)
from planner.report.interactive_js import CONTROLS_JS, GRID_JS, MAP_CSS
from planner.report.mapkit import KIND_COLOURS, source_line, status_word
from planner.report.tables import headline
from planner.report.unreached import cell_size_for
from planner.report.webassets import external_references, make_offline

MAX_BYTES = 15_000_000
#: Display simplification (metres) tried in turn until map.html fits ``MAX_BYTES``.
TOLERANCES_M = (300.0, 1000.0, 3000.0, 10000.0)
BIND_TIP = JsCode("function(feature, layer) { if (feature.properties.t) { "
                  "layer.bindTooltip(feature.properties.t, {sticky: true, className: 'planner-tip'}); } }")


class GridLayer(folium.map.Layer):
    """Cells of people beyond reach, drawn as rectangles from compact arrays (not one GeoJSON feature each)."""

    _template = Template("{% macro script(this, kwargs) %}" + GRID_JS + "{% endmacro %}")

    def __init__(self, data: dict, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "GridLayer"
        self.data = data


class PlannerControls(folium.MacroElement):
    """Theme selector, legend, the information panel, hover highlight and ``window.plannerMap`` (the layers,
    for tests and for anyone scripting the page)."""

    _template = Template("{% macro header(this, kwargs) %}<style>" + MAP_CSS + "</style>{% endmacro %}"
                         "{% macro script(this, kwargs) %}" + CONTROLS_JS + "{% endmacro %}")

    def __init__(self, layers: dict, themes_: dict, texts: dict, default: str):
        super().__init__()
        self._name = "PlannerControls"
        self.layers = layers
        self.themes = themes_
        self.texts = texts
        self.default = default


def _texts(result: PlanResult, dataset: RegionDataset, t, lang: str, notes: list[str]) -> dict:
    summary = result.summary
    years = plan_years(result)
    status = status_word(summary.status, t)
    if summary.status == "site_level":  # the plan's proven figure is then the site-level gap
        gap = t("im_gap_site_level", gap=gap_text(summary.site_level["gap"], lang))
    else:
        gap = t("im_gap", gap=gap_text(summary.gap, lang))
    numbers = headline(result)
    reached, informal = numbers["workers_reached"], numbers["workers_informal"]
    how = reach_note(numbers, t, lang)
    groups = [[t(kind), [f"{kind}_{year}" for year in years] + [f"{kind}_all"]] for kind in ("gerai", "kanal")]
    groups.append([t("col_reached"), ["share", "gain"]])
    return {
        "title": t("im_title", first=years[0], last=years[-1]),
        "status": f"{t('im_status')}: {status}, {gap}",
        "headline": f"{millions(reached, lang)} {t('h_reached', year=years[-1])} "
                    f"{t('of_total', total=millions(informal, lang), share=percent(reached / informal, lang))}",
        "how": how, "source": f"{t('im_sources')}: {source_line(dataset, t)}", "notes": notes,
        "hint": t("im_hint"), "colour_by": t("im_colour_by"), "groups": groups,
        "symbols": [["gerai", KIND_COLOURS["gerai"], t("site_gerai", km=_radius(result, "gerai"))],
                    ["kanal", KIND_COLOURS["kanal"], t("site_kanal", km=_radius(result, "kanal"))],
                    ["existing", "#ffffff", t("existing_marker", kind="gerai", year=years[0])]],
        "density_title": t("legend_unreached"),
    }


def _radius(result: PlanResult, kind: str) -> float:
    return float(result.summary.scenario[kind]["radius_km"])


def _site_layers(fmap: folium.Map, result: PlanResult, t, lang: str) -> dict:
    layers = {}
    catchments = folium.FeatureGroup(name=t("im_layer_catchments", gerai_km=_radius(result, "gerai"),
                                            kanal_km=_radius(result, "kanal")), show=True)
    for kind in ("gerai", "kanal"):
        data = site_features(result, kind, t, lang)
        if data is None:
            continue
        colour = KIND_COLOURS[kind]
        circle = folium.Circle(radius=_radius(result, kind) * 1000.0, color=colour, weight=0.8, fill=True,
                               fill_color=colour, fill_opacity=0.10, interactive=False)
        discs = {"type": "FeatureCollection", "features": [
            {**feature, "properties": {"k": f"catchment_{kind}", "y": feature["properties"]["y"]}}
            for feature in data["features"]]}
        layers[f"catchments_{kind}"] = folium.GeoJson(discs, marker=circle, control=False,
                                                      interactive=False).add_to(catchments)
        if kind == "gerai":
            marker = folium.CircleMarker(radius=5, color="#000000", weight=1, fill=True, fill_color=colour,
                                         fill_opacity=1.0)
        else:
            marker = folium.Marker(icon=folium.DivIcon(html="<div></div>", icon_size=(9, 9), icon_anchor=(5, 5),
                                                       class_name="planner-kanal"))
        name = t("im_layer_sites", kind=t(f"{kind}_short"), n=number(len(data["features"]), lang))
        layers[f"sites_{kind}"] = folium.GeoJson(data, name=name, marker=marker, on_each_feature=BIND_TIP)
    if layers:
        catchments.add_to(fmap)
        for key in ("sites_gerai", "sites_kanal"):
            if key in layers:
                layers[key].add_to(fmap)
    return layers


def explore(result: PlanResult, dataset: RegionDataset, *, lang: str = "en", tolerance_m: float = TOLERANCES_M[0],
            cell_deg: float | None = None, notes: tuple[str, ...] = ()) -> folium.Map:
    """The interactive map of a plan (a ``folium.Map``; in a notebook it shows inline).

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset
        The regions the plan was made for.
    lang : str
        ``"en"`` or ``"id"``.
    tolerance_m : float
        Display simplification of boundaries, metres.
    cell_deg : float, optional
        Cell side of the people-beyond-reach grid, degrees (default: 0.1, coarser when there would be more
        than 20,000 cells).
    notes : tuple of str
        Extra lines for the information panel.

    Returns
    -------
    folium.Map
        Self-contained (``fmap.get_root().render()`` loads nothing from the network).

    Examples
    --------
    >>> fmap = explore(plan(load_dataset()), load_dataset())   # doctest: +SKIP
    >>> fmap.save("map.html")                                  # doctest: +SKIP
    """
    t = translator(lang)
    years = plan_years(result)
    regions, provinces, anchors = display_layers(result, dataset, tolerance_m)
    minx, miny, maxx, maxy = regions.to_crs("EPSG:4326").total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=5, tiles=None,
                      control_scale=True, prefer_canvas=True, zoom_snap=0.25)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(10, 40), padding_bottom_right=(10, 40))
    tips = [region_tip(row, years, t, lang) for _, row in regions.iterrows()]
    layers = {"regions": folium.GeoJson(
        geojson(regions, [{"k": "region", "i": i, "c": code, "t": tip} for i, (code, tip) in
                          enumerate(zip(regions["region_code"], tips, strict=True))]),
        name=t("im_layer_regions"), on_each_feature=BIND_TIP, control=True,
        style_function=lambda feature: {"fillColor": "#e4e4e4", "color": "#ffffff", "weight": 0.6,
                                        "fillOpacity": 0.9}).add_to(fmap)}
    layers["provinces"] = folium.GeoJson(
        geojson(provinces, [{"k": "province", "c": code} for code in provinces["province_code"]]),
        name=t("im_layer_provinces"),
        interactive=False,
        style_function=lambda feature: {"fill": False, "color": "#333333", "weight": 1.2}).add_to(fmap)
    notes = list(notes)
    layers.update(_grid_layer(fmap, result, t, lang, cell_deg, notes))
    layers.update(_site_layers(fmap, result, t, lang))
    if not any(key.startswith("sites_") for key in layers):
        notes.append(t("im_no_sites"))
    existing = existing_features(result, regions, anchors, t)
    layers["existing"] = folium.GeoJson(existing, name=t("im_layer_existing", year=years[0], n=sum(
        feature["properties"]["n"] for feature in existing["features"])), on_each_feature=BIND_TIP,
        marker=folium.CircleMarker(radius=6, color="#000000", weight=1.5, fill=True, fill_color="#ffffff",
                                   fill_opacity=1.0)).add_to(fmap)
    table = themes(regions, years, t)
    PlannerControls(layers, table, _texts(result, dataset, t, lang, notes), "gerai_all").add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    return make_offline(fmap)


def _grid_layer(fmap: folium.Map, result: PlanResult, t, lang: str, cell_deg: float | None,
                notes: list[str]) -> dict:
    if result.unreached is None:
        notes.append(t("im_no_unreached"))
        return {}
    size = cell_deg or cell_size_for(result.unreached)
    data = grid_data(result, size, lang, t)
    layer = GridLayer(data, name=t("im_layer_unreached", year=max(plan_years(result))), show=False)
    return {"unreached": layer.add_to(fmap)}


def map_html(result: PlanResult, dataset: RegionDataset, *, lang: str = "en", max_bytes: int = MAX_BYTES,
             progress: Callable[[str], None] | None = None) -> str:
    """map.html's text: :func:`explore` simplified further (with a note in the map) until it fits ``max_bytes``.

    Returns
    -------
    str
        The whole page; it never loads anything from the network.
    """
    say = progress or (lambda message: None)
    t = translator(lang)
    html = ""
    for attempt, tolerance in enumerate(TOLERANCES_M):
        notes = () if attempt == 0 else (t("im_simplified", m=number(tolerance, lang), mb=max_bytes // 1_000_000),)
        cell = None if attempt < 2 else 0.2 * 2 ** (attempt - 2)
        html = explore(result, dataset, lang=lang, tolerance_m=tolerance, cell_deg=cell, notes=notes
                       ).get_root().render()
        if len(html.encode("utf-8")) <= max_bytes:
            break
        say(f"map.html is {len(html.encode('utf-8')) / 1e6:.1f} MB; simplifying boundaries further")
    links = external_references(html)
    if links:
        raise RuntimeError(f"internal error: map.html would load from the network: {links[0]}")
    return html


def write_map_html(result: PlanResult, dataset: RegionDataset, path: str | Path, *, lang: str = "en",
                   max_bytes: int = MAX_BYTES, progress: Callable[[str], None] | None = None) -> Path:
    """Write map.html (see :func:`map_html`) and return its path."""
    path = Path(path)
    path.write_text(map_html(result, dataset, lang=lang, max_bytes=max_bytes, progress=progress), encoding="utf-8")
    return path
