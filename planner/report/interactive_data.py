"""What the interactive map shows, as plain JSON-ready data: regions with their tooltips and colour themes,
sites, existing gerai and the grid of people beyond reach. No HTML page is assembled here
(:mod:`planner.report.interactive` does that); the tooltips are rendered from ``templates/map_tips.html.j2``
(autoescaped).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.geo import NATIONAL_CRS, anchor_points, drawing_layer, plan_regions, plan_years, without_holes
from planner.report.i18n import number, percent
from planner.report.mapkit import EMPTY_COLOUR, class_label, count_classes, sequential_colours
from planner.report.maps import GAIN_BREAKS, GAIN_COLOURS, SHARE_BREAKS
from planner.report.templating import render_macro
from planner.report.unreached import DENSITY_COLOURS, density_class, density_labels, unreached_grid
from planner.scenario import KINDS

#: Fill opacity of each density class: sparse cells faint, so the regions' colours still show through them.
DENSITY_OPACITY = (0.35, 0.55, 0.7, 0.8, 0.85, 0.9)
DECIMALS = 4  # coordinates rounded to 1e-4 degree (about 11 m): far below what a screen shows


def geojson(frame: gpd.GeoDataFrame, properties: list[dict]) -> dict:
    """A GeoJSON FeatureCollection (EPSG:4326, coordinates rounded to ``DECIMALS``) with the given properties."""
    geometry = shapely.transform(frame.to_crs("EPSG:4326").geometry.to_numpy(),
                                 lambda xy: np.round(xy, DECIMALS))
    features = [{"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(shape)}
                for props, shape in zip(properties, geometry, strict=True)]
    return {"type": "FeatureCollection", "features": features}


def display_layers(result: PlanResult, dataset: RegionDataset, tolerance_m: float) -> tuple[gpd.GeoDataFrame, ...]:
    """Regions with the plan's columns, provinces and region anchors, simplified by ``tolerance_m`` metres."""
    regions = plan_regions(result, dataset)
    anchors = anchor_points(regions).to_crs("EPSG:4326")
    simple = drawing_layer(regions, NATIONAL_CRS, tolerance_m)
    provinces = drawing_layer(dataset.provinces, NATIONAL_CRS, tolerance_m)
    provinces = provinces.set_geometry(without_holes(provinces.geometry))
    return simple, provinces, anchors


TIPS = "map_tips.html.j2"


def region_tip(row: pd.Series, years: list[int], t, lang: str) -> str:
    """Tooltip HTML of one region: name, code, province, new outlets per year, workers, reach, gain."""
    share = row["share_reached"]
    facts = [(t("col_existing_gerai"), str(int(row["gerai_existing"]))),
             (f"{t('col_workers')} {years[-1]}", number(float(row["workers_informal"]), lang)),
             (t("col_reached"), f"{number(float(row['workers_reached']), lang)} "
                                f"({percent(None if pd.isna(share) else float(share), lang)})")]
    if "gain_share_one_per_regency" in row.index and not pd.isna(row["gain_share_one_per_regency"]):
        gain = float(row["workers_reached"] - row["workers_reached_one_per_regency"])
        points = 100.0 * float(row["gain_share_one_per_regency"])
        facts.append((t("im_gain_row"), f"{'+' if gain >= 0 else ''}{number(gain, lang)} "
                                         f"({'+' if points >= 0 else ''}{number(points, lang, 1)} pp)"))
    tip = {"name": str(row["region_name"]), "code": str(row["region_code"]), "province_label": t("col_province"),
           "province": str(row["province_name"]),
           "headers": [t("col_year"), t("col_new_gerai"), t("col_new_kanal")],
           "years": [(str(year), str(int(row[f"gerai_new_{year}"])), str(int(row[f"kanal_new_{year}"])))
                     for year in years],
           "total": (t("im_total"), str(int(row["gerai_new_total"])), str(int(row["kanal_new_total"]))),
           "facts": facts}
    return render_macro(TIPS, "region", tip)


def _count_theme(values: np.ndarray, label: str, t) -> dict:
    classes = count_classes(int(values.max()) if len(values) else 0)
    colours = sequential_colours(len(classes))
    index = np.zeros(len(values), dtype=int)
    for position, (low, high) in enumerate(classes, start=1):
        index[(values >= low) & (values <= high)] = position
    legend = [[EMPTY_COLOUR, t("legend_none")]] + [[colour, class_label(*bounds)]
                                                   for bounds, colour in zip(classes, colours, strict=True)]
    return {"label": label, "palette": [EMPTY_COLOUR, *colours], "classes": index.tolist(), "legend": legend}


def _binned_theme(values: np.ndarray, breaks, colours: list[str], label: str) -> dict:
    index = np.full(len(values), len(breaks) - 1, dtype=int)
    for position, (low, high, _) in reversed(list(enumerate(breaks))):
        index[(values >= low) & (values < high)] = position
    legend = [[colour, text] for (_, _, text), colour in zip(breaks, colours, strict=True)]
    return {"label": label, "palette": list(colours), "classes": index.tolist(), "legend": legend}


def themes(regions: pd.DataFrame, years: list[int], t) -> dict[str, dict]:
    """Colour themes of the region layer, by key: ``gerai_<year>``, ``gerai_all``, ``kanal_...``, ``share``,
    ``gain``; each with ``label``, ``palette`` (colours), ``classes`` (palette index per region, in row order)
    and ``legend`` ([colour, label] pairs)."""
    out = {}
    for kind in KINDS:
        name = t(f"{kind}_short")
        for year in years:
            out[f"{kind}_{year}"] = _count_theme(regions[f"{kind}_new_{year}"].to_numpy(dtype=int),
                                                 t("im_new_year", kind=name, year=year), t)
        out[f"{kind}_all"] = _count_theme(regions[f"{kind}_new_total"].to_numpy(dtype=int),
                                          t("im_new_all", kind=name, first=years[0], last=years[-1]), t)
    share = regions["share_reached"].fillna(0).to_numpy(dtype=float)
    out["share"] = _binned_theme(share, SHARE_BREAKS, sequential_colours(len(SHARE_BREAKS), "cividis"),
                                 t("im_share", year=years[-1]))
    if "gain_share_one_per_regency" in regions.columns:
        gain = 100.0 * regions["gain_share_one_per_regency"].fillna(0).to_numpy(dtype=float)
        out["gain"] = _binned_theme(gain, GAIN_BREAKS, GAIN_COLOURS,
                                    f"{t('im_gain', year=years[-1])} ({t('im_gain_unit')})")
    return out


def site_features(result: PlanResult, kind: str, t, lang: str) -> dict | None:
    """GeoJSON points of the new sites of ``kind`` with tooltips, or None without sites."""
    if result.sites is None or result.sites.empty:
        return None
    sites = result.sites[result.sites["kind"] == kind]
    first = min(plan_years(result))
    sites = sites[sites["year"] >= first]
    radius = float(result.summary.scenario[kind]["radius_km"])
    tips = [render_macro(TIPS, "site", t("im_site", kind=t(f"{kind}_short"), name=str(row.name), year=int(row.year)),
                         str(row.region_code), t("im_covered", km=radius), number(float(row.workers_covered), lang))
            for row in sites.itertuples()]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")
    return geojson(points, [{"k": kind, "y": int(year), "t": tip} for year, tip in zip(sites["year"], tips,
                                                                                        strict=True)])


def existing_features(result: PlanResult, regions: pd.DataFrame, anchors: gpd.GeoSeries, t) -> dict:
    """Gerai open before the plan: their sites when ``result.sites`` has them (year before the first plan
    year), else one marker per regency at its seat, with the count."""
    first = min(plan_years(result))
    sites = None if result.sites is None else result.sites[(result.sites["year"] < first)
                                                           & (result.sites["kind"] == "gerai")]
    if sites is not None and not sites.empty:
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs="EPSG:4326")
        tips = [render_macro(TIPS, "existing_site", str(row.name), str(row.region_code)) for row in sites.itertuples()]
        return geojson(points, [{"k": "existing", "t": tip, "n": 1} for tip in tips])
    has = regions["gerai_existing"].to_numpy() > 0
    props = [{"k": "existing", "n": int(row.gerai_existing),
              "t": render_macro(TIPS, "text", t("im_existing_regency", n=int(row.gerai_existing), year=first,
                                                 region=row.region_name))}
             for row in regions[has].itertuples()]
    return geojson(gpd.GeoDataFrame(geometry=anchors[has].to_numpy(), crs="EPSG:4326"), props)


def grid_data(result: PlanResult, cell_deg: float, lang: str, t) -> dict | None:
    """The unreached grid as compact arrays (cell south-west corners, class, tooltip), or None."""
    if result.unreached is None:
        return None
    grid = unreached_grid(result.unreached, cell_deg)
    classes = density_class(grid["density_km2"].to_numpy())
    tips = [t("im_cell", workers=number(w, lang), density=number(d, lang, 1))
            for w, d in zip(grid["workers_unreached"], grid["density_km2"], strict=True)]
    return {"size": cell_deg, "lon": np.round(grid["lon"].to_numpy() - cell_deg / 2, DECIMALS).tolist(),
            "lat": np.round(grid["lat"].to_numpy() - cell_deg / 2, DECIMALS).tolist(),
            "classes": classes.tolist(), "tips": tips, "palette": list(DENSITY_COLOURS),
            "opacity": list(DENSITY_OPACITY),
            "legend": [[colour, label] for colour, label in zip(DENSITY_COLOURS, density_labels(lang),
                                                                    strict=True)]}
