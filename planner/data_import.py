"""Import official region data (boundaries, 2010 census, crosswalk, kecamatan) into a region GeoPackage.

``import_official_data`` turns four official files into the dataset ``planner.regions.load_dataset`` reads:

- regency/city polygons with Kemendagri codes (``16.71``), e.g. ``regencies_2025.gpkg``;
- the BPS 2010 census by kecamatan (BPS codes), e.g. ``sp2010_population_by_kecamatan.csv``;
- a crosswalk from BPS 2010 regency codes to Kemendagri codes, e.g. ``bps2010_regency_to_kemendagri.csv``;
- optionally kecamatan centroids (``16.71.01``), e.g. ``kecamatan_centroids_2025.csv``;
- optionally a population grid (layer ``demand``, built by ``planner.data_grid``, shaped by kecamatan polygons
  such as ``kecamatan_2025.gpkg``) and candidate sites (layer ``sites``, built by ``planner.data_sites``).

Rules (each one reported in the log, nothing is dropped silently):

1. A regency's population is the census total of the 2010 regency mapped to it by the crosswalk.
2. A regency created after 2010 (in the boundaries, absent from the crosswalk) has its people counted in its
   2010 parent. The parent is the 2010 regency (same province first) sharing most kecamatan names with the
   child (so the kecamatan file is required when there are such regencies; the nearest neighbour was tried
   and picked the wrong parent for 10 of the 17 real cases). The child receives the 2010 population of its
   matched kecamatan; the 2010 people of the family's unmatched census kecamatan are shared among the parent
   and its children in proportion to their numbers of unmatched 2025 kecamatan (all to the parent when there
   are none). Children and parents are flagged ``population_estimated``.
3. Kecamatan are matched by normalised name within their 2010 regency family (see ``normalise_place_names``):
   exact first, then the closest spelling (``difflib`` ratio >= ``FUZZY_MIN_RATIO``), one to one. A matched
   kecamatan gets its 2010 population. The rest of its regency's population (2010 kecamatan not found) is
   shared equally among the unmatched kecamatan; when every 2010 kecamatan was found, each unmatched (new)
   kecamatan shares the population of its nearest matched kecamatan equally with it (it was most likely carved
   out of it); when every 2025 kecamatan matched and people are left, they are added in proportion to
   population.
   All such points are flagged ``population_estimated``. Populations stay whole persons and sum exactly to
   their regency's.
4. Informal workers = population x ``employment_ratio`` x ``informal_share`` (Sakernas August 2012: 110.81 M
   employed, 60.14 % informal; the ratio is employed persons per 2010 census person).
"""

from __future__ import annotations

import difflib
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.data_grid import GridReport, build_demand, read_grid, read_kecamatan_polygons
from planner.data_read import check_file, kemendagri_codes, numbers, pick_columns, read_csv
from planner.data_sites import SitesReport, build_sites
from planner.errors import InputError, brief
from planner.regions import STORAGE_CRS, area_km2

#: The 38 provinces by two-digit Kemendagri code (Kepmendagri 300.2.2-2430/2025).
PROVINCE_NAMES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali",
    "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah", "63": "Kalimantan Selatan", "64": "Kalimantan Timur", "65": "Kalimantan Utara",
    "71": "Sulawesi Utara", "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara",
    "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara", "91": "Papua",
    "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah", "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}
#: Sakernas August 2012 (BPS): informal share of employed persons.
INFORMAL_SHARE = 0.6014
#: Employed persons (Sakernas August 2012, 110.81 million) per person of the 2010 census (237,550,291).
EMPLOYMENT_RATIO = 110.81e6 / 237_550_291
#: Smallest difflib similarity of two normalised kecamatan names taken as the same place.
FUZZY_MIN_RATIO = 0.8
#: Largest allowed relative difference between the census total and the imported total.
CONSERVATION_TOLERANCE = 1e-3

_BOUNDARY_COLUMNS = {"code": ("code", "region_code", "kode"), "name": ("name", "region_name", "nama")}
_CENSUS_COLUMNS = {
    "bps_code": ("REGIONAL_CODE", "regency_code", "kode_kab"),
    "district": ("DISTRICT", "district_name", "kecamatan", "nama_kecamatan"),
    "population": ("TOTAL_POPULATION", "population", "jumlah_penduduk"),
}
_CROSSWALK_COLUMNS = {
    "bps_code": ("REGIONAL_CODE", "bps_code", "regency_code"),
    "code": ("code", "region_code", "kemendagri_code", "kode"),
}
_POINT_COLUMNS = {
    "code": ("code", "point_id", "kode"),
    "name": ("name", "nama"),
    "lat": ("lat", "latitude", "y"),
    "lng": ("lng", "lon", "long", "longitude", "x"),
}
_NUMBER_WORDS = {
    "I": "SATU", "II": "DUA", "III": "TIGA", "IV": "EMPAT", "V": "LIMA", "VI": "ENAM", "VII": "TUJUH",
    "VIII": "DELAPAN", "IX": "SEMBILAN", "X": "SEPULUH", "1": "SATU", "2": "DUA", "3": "TIGA", "4": "EMPAT",
    "5": "LIMA", "6": "ENAM", "7": "TUJUH", "8": "DELAPAN", "9": "SEMBILAN", "10": "SEPULUH",
}
_ABBREVIATIONS = {"P": "PULAU", "PP": "PULAUPULAU", "KEP": "KEPULAUAN", "GN": "GUNUNG", "KEC": ""}
_TOKEN_PATTERN = re.compile(r"\b(" + "|".join(sorted({*_NUMBER_WORDS, *_ABBREVIATIONS}, key=len,
                                                     reverse=True)) + r")\b")


@dataclass(frozen=True)
class ImportReport:
    """What ``import_official_data`` wrote and how well the sources matched.

    Attributes
    ----------
    n_regions, n_points : int
        Rows written to the layers ``regions`` and ``points`` (0 without kecamatan).
    regencies_matched : int
        Regencies whose population comes straight from a 2010 regency through the crosswalk.
    kecamatan_matched_share_count : float
        Share of the 2010 census kecamatan matched to a 2025 kecamatan by name (NaN without kecamatan).
    kecamatan_matched_share_people : float
        Share of the 2010 census population living in matched kecamatan (NaN without kecamatan).
    population_total : int
        Persons in the written regions (2010).
    population_conserved_relative_error : float
        abs(written total - census total) / census total.
    split_regions : tuple of str
        Codes of the regencies created after 2010, whose population is estimated.
    parents : tuple of (str, str, str)
        (child code, parent code, how the parent was found: ``"kecamatan names"``) per split region.
    unmatched_kecamatan : tuple of str
        One line per regency listing the 2010 and 2025 kecamatan names left unmatched.
    output : str
        Path of the GeoPackage written.
    seconds : float
        Wall time of the import, s.
    n_demand, n_sites : int
        Rows written to the layers ``demand`` and ``sites`` (0 without a grid, without sites).
    grid : planner.data_grid.GridReport or None
        What was done with the grid (cells kept and dropped, rescaling), None without a grid.
    sites : planner.data_sites.SitesReport or None
        How the candidate sites were assigned, None without sites.
    """

    n_regions: int
    n_points: int
    regencies_matched: int
    kecamatan_matched_share_count: float
    kecamatan_matched_share_people: float
    population_total: int
    population_conserved_relative_error: float
    split_regions: tuple[str, ...]
    parents: tuple[tuple[str, str, str], ...]
    unmatched_kecamatan: tuple[str, ...]
    output: str
    seconds: float
    n_demand: int = 0
    n_sites: int = 0
    grid: GridReport | None = None
    sites: SitesReport | None = None


def import_official_data(boundaries: str | Path, population: str | Path, out: str | Path, *,
                         layer: str | None = None, crosswalk: str | Path | None = None,
                         points: str | Path | None = None, grid: str | Path | None = None,
                         sites: str | Path | None = None, kecamatan: str | Path | None = None,
                         informal_share: float = INFORMAL_SHARE, employment_ratio: float = EMPLOYMENT_RATIO,
                         log: Callable[[str], object] = print) -> ImportReport:
    """Build a region GeoPackage (layers ``regions``, ``provinces``, ``points``, ``demand``, ``sites``) from
    official files.

    Parameters
    ----------
    boundaries : str or pathlib.Path
        Vector file of regency/city polygons with columns ``code`` (Kemendagri, e.g. ``16.71``) and ``name``
        (aliases ``region_code``/``kode``, ``region_name``/``nama``).
    population : str or pathlib.Path
        CSV of the 2010 census by kecamatan: ``REGIONAL_CODE``, ``DISTRICT``, ``TOTAL_POPULATION`` (persons).
    out : str or pathlib.Path
        The ``.gpkg`` to write; replaced atomically only when the import succeeds.
    layer : str, optional
        Layer of ``boundaries``; default its only layer, or ``regencies``/``regions``.
    crosswalk : str or pathlib.Path, optional
        CSV mapping ``REGIONAL_CODE`` (BPS 2010) to ``code`` (Kemendagri). Without it the census codes must
        already be Kemendagri codes (``16.71`` or ``1671``); this is checked against the regency names.
    points : str or pathlib.Path, optional
        CSV of kecamatan centroids: ``code`` (``16.71.01``), ``name``, ``lat``, ``lng`` (degrees, EPSG:4326).
        Required when the boundaries hold regencies created after 2010 (their 2010 parent is found by
        kecamatan names); adds the layer ``points``.
    grid : str or pathlib.Path, optional
        Population grid of cell centres (Parquet or CSV: ``lon``, ``lat``, ``population``); adds the layer
        ``demand``, rescaled to every regency's population (rules in ``planner.data_grid``).
    sites : str or pathlib.Path, optional
        Candidate sites (CSV: ``code``, ``name``, ``lat``, ``lng``, e.g. village centroids); adds the layer
        ``sites`` (rules in ``planner.data_sites``).
    kecamatan : str or pathlib.Path, optional
        Kecamatan polygons (``code``, e.g. ``kecamatan_2025.gpkg``): the grid's cells of each kecamatan are
        scaled to its census population where the name matching knows it. Needs ``grid`` and ``points``.
    informal_share : float
        Informal share of employed persons, in [0, 1].
    employment_ratio : float
        Employed persons per census person, in (0, 1].
    log : callable
        Receives one line of text per message (default ``print``).

    Returns
    -------
    ImportReport

    Raises
    ------
    planner.errors.InputError
        On a missing or unreadable file, a missing column, a bad code or count, a crosswalk code absent from
        the boundaries, or a census regency absent from the crosswalk; a bad grid, kecamatan or sites file
        (see ``planner.data_grid`` and ``planner.data_sites``).
    """
    started = time.perf_counter()
    out = _check_output(out)
    _check_ratios(informal_share, employment_ratio)
    fine = _read_fine_inputs(grid, sites, kecamatan, points)
    regions = _read_boundaries(Path(boundaries), layer)
    census = _read_census(Path(population))
    census["home_code"] = _home_codes(census, regions, crosswalk, log)
    kecamatan = None if points is None else _read_points(Path(points), regions, log)
    family = _families(regions, census, kecamatan, log)
    matches = None if kecamatan is None else match_kecamatan(census, kecamatan, family["family"])
    regions = _region_population(regions, census, family, kecamatan, matches)
    regions["workers_informal"] = regions["population"] * employment_ratio * informal_share
    point_layer = None if kecamatan is None else _point_population(kecamatan, census, matches, regions)
    report_args = _check_and_log(census, regions, family, kecamatan, matches, point_layer, log)
    layers, fine_reports = _fine_layers(fine, regions, point_layer, log)
    _write_atomic(out, regions, _provinces(regions), point_layer, layers)
    seconds = time.perf_counter() - started
    log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {seconds:.1f} s")
    return ImportReport(n_regions=len(regions), n_points=0 if point_layer is None else len(point_layer),
                        output=str(out), seconds=seconds, **report_args, **fine_reports)


# ----------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _FineInputs:
    """The grid (read), the kecamatan polygons (read) and the sites file (checked), each None when absent."""

    grid: pd.DataFrame | None
    grid_path: Path | None
    kecamatan: gpd.GeoDataFrame | None
    sites: Path | None


def _read_fine_inputs(grid: str | Path | None, sites: str | Path | None, kecamatan: str | Path | None,
                      points: str | Path | None) -> _FineInputs:
    """Read the grid and kecamatan polygons and check the sites file first, so a bad one fails fast."""
    if kecamatan is not None and (grid is None or points is None):
        missing = "grid=" if grid is None else "points="
        raise InputError(f"{kecamatan}: kecamatan polygons shape the population grid by each kecamatan's census "
                         f"population, which needs the grid and the kecamatan centroids; pass {missing} too or "
                         "drop the kecamatan polygons.")
    if sites is not None:
        check_file(Path(sites), "candidate sites")
    return _FineInputs(grid=None if grid is None else read_grid(grid),
                       grid_path=None if grid is None else Path(grid),
                       kecamatan=None if kecamatan is None else read_kecamatan_polygons(kecamatan),
                       sites=None if sites is None else Path(sites))


def _fine_layers(fine: _FineInputs, regions: gpd.GeoDataFrame, point_layer: gpd.GeoDataFrame | None,
                 log: Callable[[str], object]) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """The ``demand`` and ``sites`` layers (when asked for) and their report fields."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    reports: dict = {}
    if fine.grid is not None and fine.grid_path is not None:
        shaping = None
        if fine.kecamatan is not None and point_layer is not None:
            known = point_layer.loc[~point_layer["population_estimated"]].set_index("point_id")["population"]
            shaping = fine.kecamatan.assign(census_population=fine.kecamatan["kecamatan_code"].map(known)
                                            .astype(float))
        layers["demand"], reports["grid"] = build_demand(fine.grid, regions, source=str(fine.grid_path),
                                                         kecamatan=shaping, log=log)
        reports["n_demand"] = len(layers["demand"])
    if fine.sites is not None:
        layers["sites"], reports["sites"] = build_sites(fine.sites, regions, log=log)
        reports["n_sites"] = len(layers["sites"])
    return layers, reports



def _check_output(out: str | Path) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise InputError(f"{out}: the output must be a GeoPackage; give a path ending in '.gpkg'.")
    if not out.parent.is_dir():
        raise InputError(f"{out}: folder {out.parent} does not exist; create it or choose another output "
                         "path.")
    if out.is_dir():
        raise InputError(f"{out}: is a folder; give the path of a .gpkg file to write.")
    return out


def _check_ratios(informal_share: float, employment_ratio: float) -> None:
    if not 0.0 <= informal_share <= 1.0:
        raise InputError(f"informal_share is {informal_share!r}; give a share of employed persons in [0, 1].")
    if not 0.0 < employment_ratio <= 1.0:
        raise InputError(f"employment_ratio is {employment_ratio!r}; give employed persons per person "
                         "in (0, 1].")


def _boundary_layer(path: Path, layer: str | None) -> str:
    import pyogrio

    try:
        names = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as error:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a vector file ({brief(error)}); give a GeoPackage or shapefile "
                         "of regency polygons.") from None
    if layer is not None:
        if layer not in names:
            raise InputError(f"{path}: has no layer '{layer}' (layers: {', '.join(names)}); check the layer "
                             "name.")
        return layer
    if len(names) == 1:
        return names[0]
    for preferred in ("regencies", "regions"):
        if preferred in names:
            return preferred
    raise InputError(f"{path}: has several layers ({', '.join(names)}); name the regency layer with layer=.")


def _read_boundaries(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """Regency polygons as ``region_code``, ``region_name``, ``geometry`` (valid, EPSG:4326)."""
    check_file(path, "regency boundaries")
    layer = _boundary_layer(path, layer)
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as error:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: layer '{layer}' cannot be read ({brief(error)}).") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise InputError(f"{path}: layer '{layer}' has no geometry; give regency polygons (e.g. a GeoPackage).")
    if frame.crs is None:
        raise InputError(f"{path}: layer '{layer}' has no coordinate reference system; set one (e.g. "
                         "EPSG:4326) in the file.")
    columns = pick_columns(frame.drop(columns=frame.geometry.name), _BOUNDARY_COLUMNS, path)
    columns = columns.astype(str).apply(lambda column: column.str.strip())
    codes = kemendagri_codes(columns["code"], path, "code", parts=2)
    if codes.duplicated().any():
        raise InputError(f"{path}: code {codes[codes.duplicated()].iloc[0]!r} appears more than once; "
                         "give one polygon row per regency (dissolve duplicates first).")
    geometry = frame.geometry.to_crs(STORAGE_CRS) if not frame.crs.equals(STORAGE_CRS) else frame.geometry
    empty = geometry.isna() | geometry.is_empty
    if empty.any():
        raise InputError(f"{path}: regency {codes[empty].iloc[0]!r} has no geometry; give every regency "
                         "its polygon.")
    regions = gpd.GeoDataFrame({"region_code": codes.to_numpy(),
                                "region_name": _official_names(columns["name"], codes).to_numpy()},
                               geometry=_valid_polygons(geometry).to_numpy(), crs=STORAGE_CRS)
    return regions.sort_values("region_code").reset_index(drop=True)


def _valid_polygons(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """Repair invalid geometries, keep their polygonal parts, and make every one a MultiPolygon."""
    values = geometry.to_numpy()
    invalid = ~shapely.is_valid(values)
    if invalid.any():
        values = values.copy()
        values[invalid] = shapely.make_valid(values[invalid])
    parts, index = values, np.arange(len(values))
    while True:  # flatten collections and multipolygons down to polygons
        nested = np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))
        if not nested.any():
            break
        inner, position = shapely.get_parts(parts, return_index=True)
        parts, index = inner, index[position]
    polygonal = shapely.get_type_id(parts) == 3
    multi = shapely.multipolygons(parts[polygonal], indices=index[polygonal])
    if len(multi) != len(values):
        raise InputError("boundaries: a regency has no polygonal geometry after repair; give polygons.")
    return gpd.GeoSeries(multi, index=geometry.index, crs=geometry.crs)


def _official_names(names: pd.Series, codes: pd.Series) -> pd.Series:
    """Title-case upper-case names ('KABUPATEN OGAN ILIR' -> 'Kabupaten Ogan Ilir'), add a missing
    'Kabupaten'/'Kota' prefix from the code (Kemendagri: regency part 71 and above is a city)."""
    names = names.str.replace(r"\s+", " ", regex=True)
    upper = ~names.str.contains(r"[a-z]")
    titled = names.str.title().str.replace(r"\bDan\b", "dan", regex=True)
    names = names.where(~upper, titled).str.replace(r"^Kab\.? ", "Kabupaten ", regex=True)
    names = names.str.replace(r"\bKep\. ", "Kepulauan ", regex=True)
    prefixed = names.str.match(r"^(Kabupaten|Kota)\b")
    kind = np.where(codes.str[3:].astype(int) >= 71, "Kota ", "Kabupaten ")
    return names.where(prefixed, kind + names)


def _read_census(path: Path) -> pd.DataFrame:
    """Census kecamatan as ``bps_code``, ``district``, ``population`` (int persons), plus the regency name."""
    frame = read_csv(path, "2010 census population by kecamatan", _CENSUS_COLUMNS,
                     optional={"regency_name": ("REGION", "regency_name", "nama_kab")})
    if "regency_name" not in frame:
        frame["regency_name"] = frame["bps_code"]
    if frame.empty:
        raise InputError(f"{path}: has no rows; give the census population by kecamatan.")
    people = numbers(frame, "population", path, "bps_code")
    if (people != np.round(people)).any():
        row = frame.loc[people != np.round(people)].iloc[0]
        raise InputError(f"{path}: population of {row['bps_code']} {row['district']} is {row['population']}; "
                         "give whole persons.")
    frame["population"] = people.astype(np.int64)
    frame.attrs["path"] = str(path)
    return frame


def _read_points(path: Path, regions: gpd.GeoDataFrame, log: Callable[[str], object]) -> pd.DataFrame:
    """Kecamatan centroids as ``point_id``, ``region_code``, ``name``, ``lat``, ``lng``; points of regencies
    absent from the boundaries are reported and left out."""
    frame = read_csv(path, "kecamatan centroids", _POINT_COLUMNS)
    frame["point_id"] = kemendagri_codes(frame["code"], path, "code", parts=3)
    if frame["point_id"].duplicated().any():
        twice = frame.loc[frame["point_id"].duplicated(), "code"].iloc[0]
        raise InputError(f"{path}: code {twice!r} appears more than once; give each kecamatan a unique "
                         "code.")
    frame["lat"] = numbers(frame, "lat", path, "code", minimum=None)
    frame["lng"] = numbers(frame, "lng", path, "code", minimum=None)
    outside = (frame["lat"].abs() > 90) | (frame["lng"].abs() > 180)
    if outside.any():
        raise InputError(f"{path}: kecamatan {frame.loc[outside, 'code'].iloc[0]!r} has lat/lng outside the "
                         "globe; give degrees in EPSG:4326 (lat first column 'lat', longitude 'lng').")
    frame["region_code"] = frame["point_id"].str[:5]
    unknown = ~frame["region_code"].isin(set(regions["region_code"]))
    if unknown.any():
        log(f"kecamatan left out: {unknown.sum()} whose regency is not in the boundaries: "
            + ", ".join(frame.loc[unknown, "point_id"].head(20)) + (" ..." if unknown.sum() > 20 else ""))
    return frame.loc[~unknown, ["point_id", "region_code", "name", "lat", "lng"]].reset_index(drop=True)


# ---------------------------------------------------------------------------------------- regency codes


def _home_codes(census: pd.DataFrame, regions: gpd.GeoDataFrame, crosswalk: str | Path | None,
                log: Callable[[str], object]) -> pd.Series:
    """Kemendagri code of each census row's 2010 regency (through the crosswalk, or the codes themselves)."""
    known = set(regions["region_code"])
    if crosswalk is None:
        return _codes_without_crosswalk(census, regions, log)
    path = Path(crosswalk)
    table = read_csv(path, "BPS 2010 to Kemendagri regency crosswalk", _CROSSWALK_COLUMNS)
    table["code"] = kemendagri_codes(table["code"], path, "code", parts=2)
    if table["bps_code"].duplicated().any():
        twice = table.loc[table["bps_code"].duplicated(), "bps_code"].iloc[0]
        raise InputError(f"{path}: REGIONAL_CODE {twice!r} appears more than once; map each 2010 regency to "
                         "one Kemendagri code.")
    missing_target = ~table["code"].isin(known)
    if missing_target.any():
        row = table.loc[missing_target].iloc[0]
        raise InputError(f"{path}: code {row['code']!r} (REGIONAL_CODE {row['bps_code']}) is not in the "
                         "boundaries; fix the crosswalk or give boundaries that contain it.")
    mapping = table.set_index("bps_code")["code"]
    home = census["bps_code"].map(mapping)
    if home.isna().any():
        row = census.loc[home.isna()].iloc[0]
        raise InputError(f"{path}: REGIONAL_CODE {row['bps_code']!r} ({row['regency_name']}) of the census "
                         "is missing; add a row mapping it to its Kemendagri code.")
    unused = sorted(set(table["bps_code"]) - set(census["bps_code"]))
    if unused:
        log(f"crosswalk rows with no census figure (ignored): {', '.join(unused)}")
    return home


def _codes_without_crosswalk(census: pd.DataFrame, regions: gpd.GeoDataFrame,
                             log: Callable[[str], object]) -> pd.Series:
    path = census.attrs.get("path", "population file")
    codes = kemendagri_codes(census["bps_code"], Path(path), "REGIONAL_CODE", parts=2)
    names = regions.set_index("region_code")["region_name"]
    unknown = ~codes.isin(names.index)
    if unknown.any():
        raise InputError(f"{path}: REGIONAL_CODE {census.loc[unknown, 'bps_code'].iloc[0]!r} is not a "
                         "regency code of the boundaries; pass the BPS-to-Kemendagri crosswalk (crosswalk=).")
    ours = _regency_key(codes.map(names)).to_numpy()
    theirs = _regency_key(census["regency_name"]).to_numpy()
    first = ~census["bps_code"].duplicated().to_numpy()
    differs = first & (ours != theirs)
    if differs.sum() > 0.05 * first.sum():
        raise InputError(f"{path}: the names of {differs.sum()} of {first.sum()} regencies differ "
                         "from the boundaries' names for the same code (the codes look like BPS codes); "
                         "pass the crosswalk file (crosswalk=).")
    if differs.any():
        pairs = zip(codes[differs], census["regency_name"][differs], strict=True)
        log("regency names differing from the boundaries (codes taken as Kemendagri codes): "
            + ", ".join(f"{code} {name}" for code, name in pairs))
    return codes


def _regency_key(names: pd.Series) -> pd.Series:
    names = names.str.upper().str.replace(r"^(KABUPATEN|KAB\.?|KOTA ADMINISTRASI|KOTA)\s+", "", regex=True)
    return normalise_place_names(names)


# ------------------------------------------------------------------------------------------ name matching


def normalise_place_names(names: pd.Series) -> pd.Series:
    """Normalise Indonesian place names for matching across spellings.

    Upper case; text in parentheses dropped; punctuation to spaces; numbers and Roman numerals to Indonesian
    words (``II``, ``2`` and ``Dua`` -> ``DUA``); ``P``/``PP``/``Kep``/``Gn`` expanded; a leading ``Kota``
    dropped; old spellings ``OE``->``U``, ``DJ``->``J``, ``TJ``->``C``; spaces removed; doubled letters
    single.

    Parameters
    ----------
    names : pandas.Series of str

    Returns
    -------
    pandas.Series of str

    Examples
    --------
    >>> names = pd.Series(["ILIR BARAT II", "Ilir Barat Dua", "Bukit Kecil", "P. Haruku"])
    >>> normalise_place_names(names).tolist()
    ['ILIRBARATDUA', 'ILIRBARATDUA', 'BUKITKECIL', 'PULAUHARUKU']
    """
    text = names.astype(str).str.upper().str.replace(r"\(.*?\)", " ", regex=True)
    text = text.str.replace(r"[^A-Z0-9]+", " ", regex=True).str.strip()
    words = {**_NUMBER_WORDS, **_ABBREVIATIONS}
    text = text.str.replace(_TOKEN_PATTERN, lambda match: words[match.group(1)], regex=True)
    text = text.str.replace(r"^KOTA (?=\S)", "", regex=True).str.replace(" ", "", regex=False)
    for old, new in (("OE", "U"), ("DJ", "J"), ("TJ", "C")):
        text = text.str.replace(old, new, regex=False)
    return text.str.replace(r"(.)\1+", r"\1", regex=True)


def _pair_by_key(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """One-to-one exact pairs on (family, key); the n-th duplicate on one side pairs with the n-th on the
    other."""
    left = left.assign(nth=left.groupby(["family", "key"]).cumcount())
    right = right.assign(nth=right.groupby(["family", "key"]).cumcount())
    return left.merge(right, on=["family", "key", "nth"])[["census_row", "point_id"]]


def _pair_fuzzy(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Greedy one-to-one pairs of the most similar keys within a family, similarity >= FUZZY_MIN_RATIO."""
    pairs = left.merge(right, on="family", suffixes=("_census", "_point"))
    if pairs.empty:
        return pd.DataFrame({"census_row": [], "point_id": []})
    pairs["ratio"] = [difflib.SequenceMatcher(None, a, b).ratio()
                      for a, b in zip(pairs["key_census"], pairs["key_point"], strict=True)]
    pairs = pairs.loc[pairs["ratio"] >= FUZZY_MIN_RATIO].sort_values("ratio", ascending=False, kind="stable")
    used_census: set[int] = set()
    used_points: set[str] = set()
    chosen = []
    for census_row, point_id in zip(pairs["census_row"], pairs["point_id"], strict=True):
        if census_row not in used_census and point_id not in used_points:
            used_census.add(census_row)
            used_points.add(point_id)
            chosen.append((census_row, point_id))
    return pd.DataFrame(chosen, columns=["census_row", "point_id"])


def match_kecamatan(census: pd.DataFrame, kecamatan: pd.DataFrame, family: pd.Series) -> pd.DataFrame:
    """Match 2010 census kecamatan to 2025 kecamatan by normalised name within each 2010 regency family.

    Parameters
    ----------
    census : pandas.DataFrame
        Census kecamatan with ``district`` and ``home_code`` (Kemendagri code of the 2010 regency).
    kecamatan : pandas.DataFrame
        2025 kecamatan with ``point_id``, ``region_code``, ``name``.
    family : pandas.Series
        2010 regency (its Kemendagri ``home_code``) of every region, indexed by ``region_code``.

    Returns
    -------
    pandas.DataFrame
        One row per matched pair: ``census_row`` (index into ``census``), ``point_id``, ``how``
        (``"exact"`` or ``"spelling"``).
    """
    left = pd.DataFrame({"census_row": census.index, "family": census["home_code"].to_numpy(),
                         "key": normalise_place_names(census["district"]).to_numpy()})
    right = pd.DataFrame({"point_id": kecamatan["point_id"].to_numpy(),
                          "family": kecamatan["region_code"].map(family).to_numpy(),
                          "key": normalise_place_names(kecamatan["name"]).to_numpy()})
    exact = _pair_by_key(left, right)
    fuzzy = _pair_fuzzy(left.loc[~left["census_row"].isin(exact["census_row"])],
                        right.loc[~right["point_id"].isin(exact["point_id"])])
    return pd.concat([exact.assign(how="exact"), fuzzy.assign(how="spelling")], ignore_index=True)


# ------------------------------------------------------------------------------------- split regencies


def _families(regions: gpd.GeoDataFrame, census: pd.DataFrame, kecamatan: pd.DataFrame | None,
              log: Callable[[str], object]) -> pd.DataFrame:
    """For every region: ``family`` (Kemendagri code of its 2010 regency) and ``method`` ("crosswalk" or
    "kecamatan names"), indexed by ``region_code``."""
    homes = set(census["home_code"])
    family = pd.DataFrame({"family": regions["region_code"].to_numpy(copy=True), "method": "crosswalk"},
                          index=pd.Index(regions["region_code"].to_numpy(copy=True), name="region_code"))
    children = [code for code in regions["region_code"] if code not in homes]
    if not children:
        return family
    if kecamatan is None:
        listed = ", ".join(children[:5]) + (" ..." if len(children) > 5 else "")
        raise InputError(f"boundaries: {len(children)} regencies ({listed}) have no 2010 census regency in "
                         "the crosswalk; pass the kecamatan centroids (points=) so their 2010 parent can be "
                         "found by kecamatan names, or map them in the crosswalk.")
    parents = _parents_by_names(children, census, kecamatan)
    orphans = [code for code in children if code not in parents]
    if orphans:
        raise InputError(f"boundaries: regency {orphans[0]} has no 2010 census regency in the crosswalk and "
                         "none of its kecamatan names matches a 2010 kecamatan; map it in the crosswalk or "
                         "check its kecamatan in the points file.")
    family.loc[children, "family"] = [parents[code] for code in children]
    family.loc[children, "method"] = "kecamatan names"
    log(f"regencies created after 2010 ({len(children)}), 2010 parent found by kecamatan names: "
        + ", ".join(f"{code}<-{parents[code]}" for code in children))
    return family


def _parents_by_names(children: list[str], census: pd.DataFrame, kecamatan: pd.DataFrame) -> dict[str, str]:
    """Parent of each child: the 2010 regency sharing most exact kecamatan names, same province first."""
    points = kecamatan.loc[kecamatan["region_code"].isin(children)]
    left = pd.DataFrame({"region_code": points["region_code"].to_numpy(),
                         "key": normalise_place_names(points["name"]).to_numpy()})
    right = pd.DataFrame({"home_code": census["home_code"].to_numpy(),
                          "key": normalise_place_names(census["district"]).to_numpy()})
    hits = left.merge(right, on="key")
    hits["same_province"] = hits["region_code"].str[:2] == hits["home_code"].str[:2]
    counts = hits.groupby(["region_code", "home_code", "same_province"]).size().rename("n").reset_index()
    best = counts.sort_values(["region_code", "same_province", "n"], ascending=[True, False, False])
    best = best.drop_duplicates("region_code")
    return dict(zip(best["region_code"], best["home_code"], strict=True))


# ------------------------------------------------------------------------------------------ populations



def split_integer(totals: pd.Series, weights: pd.Series, groups: pd.Series) -> pd.Series:
    """Split whole totals among the members of each group in proportion to weights (largest remainder).

    Parameters
    ----------
    totals : pandas.Series
        Whole number (persons) to split, indexed by group; a group absent from it gets 0.
    weights : pandas.Series
        Weight >= 0 of each member; a group whose weights sum to 0 is split equally.
    groups : pandas.Series
        Group of each member, aligned with ``weights``.

    Returns
    -------
    pandas.Series
        Whole shares (int64) aligned with ``weights``, summing exactly to each group's total.

    Examples
    --------
    >>> split_integer(pd.Series({"a": 10}), pd.Series([1.0, 1.0, 1.0]), pd.Series(["a", "a", "a"])).tolist()
    [4, 3, 3]
    """
    keys = groups.to_numpy()
    weight = weights.to_numpy(dtype=float)
    total = groups.map(totals).fillna(0).to_numpy(dtype=float)
    weight_sum = pd.Series(weight).groupby(keys).transform("sum").to_numpy()
    count = pd.Series(weight).groupby(keys).transform("size").to_numpy()
    share = np.where(weight_sum > 0, weight / np.where(weight_sum > 0, weight_sum, 1.0), 1.0 / count)
    exact = total * share
    base = np.floor(exact)
    missing = total - pd.Series(base).groupby(keys).transform("sum").to_numpy()
    order = pd.Series(exact - base).groupby(keys).rank(method="first", ascending=False).to_numpy()
    result = base + (order <= np.round(missing))
    return pd.Series(result.astype(np.int64), index=weights.index)


def _region_population(regions: gpd.GeoDataFrame, census: pd.DataFrame, family: pd.DataFrame,
                       kecamatan: pd.DataFrame | None, matches: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """Regions with population (persons, 2010), flags, parent code, area (km^2), province and cost index."""
    regions = regions.copy()
    codes = regions["region_code"]
    regions["family"] = codes.map(family["family"]).to_numpy()
    regions["area_km2"] = area_km2(regions.geometry)
    groups = regions["family"]
    totals = census.groupby("home_code")["population"].sum()
    matched, unmatched = _matched_people(regions, census, kecamatan, matches)
    rest = totals - matched.groupby(groups.to_numpy()).sum().reindex(totals.index, fill_value=0)
    is_home = (groups == codes).astype(float)
    no_unmatched = unmatched.groupby(groups.to_numpy()).transform("sum").to_numpy() == 0
    weight = unmatched.where(~no_unmatched, is_home)
    regions["population"] = (matched + split_integer(rest, weight, groups)).astype(np.int64)
    split = groups != codes
    regions["population_estimated"] = split | codes.isin(groups[split])
    regions["geometry_approximate"] = False
    regions["parent_region_code"] = groups.where(split, None)
    regions["province_code"] = codes.str[:2]
    regions["province_name"] = _province_names(regions["province_code"])
    regions["cost_index"] = 1.0
    return regions


def _matched_people(regions: gpd.GeoDataFrame, census: pd.DataFrame, kecamatan: pd.DataFrame | None,
                    matches: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """Per region: 2010 people of its matched kecamatan, and its number of unmatched 2025 kecamatan."""
    if kecamatan is None or matches is None:
        zeros = pd.Series(0, index=regions.index, dtype=np.int64)
        return zeros, zeros.astype(float)
    people = census["population"].reindex(matches["census_row"]).to_numpy()
    matched = pd.Series(people).groupby(matches["point_id"].str[:5].to_numpy()).sum()
    left = kecamatan.loc[~kecamatan["point_id"].isin(matches["point_id"])]
    unmatched = left.groupby("region_code").size()
    codes = regions["region_code"]
    return (codes.map(matched).fillna(0).astype(np.int64),
            codes.map(unmatched).fillna(0).astype(float))


def _province_names(codes: pd.Series) -> pd.Series:
    unknown = ~codes.isin(PROVINCE_NAMES.keys())
    if unknown.any():
        raise InputError(f"boundaries: province code {codes[unknown].iloc[0]!r} is not one of the 38 "
                         "Kemendagri provinces; check the regency codes.")
    return codes.map(PROVINCE_NAMES)


def _point_population(kecamatan: pd.DataFrame, census: pd.DataFrame, matches: pd.DataFrame,
                      regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Kecamatan points with whole-person populations summing to their region's (rules in the module doc)."""
    points = kecamatan.copy()
    found = pd.Series(census["population"].reindex(matches["census_row"]).to_numpy(),
                      index=matches["point_id"].to_numpy())
    points["matched"] = points["point_id"].map(found)
    is_matched = points["matched"].notna()
    points["matched"] = points["matched"].fillna(0).astype(np.int64)
    region = points["region_code"]
    totals = regions.set_index("region_code")["population"]
    rest = totals - points.groupby("region_code")["matched"].sum().reindex(totals.index, fill_value=0)
    point_rest = region.map(rest).to_numpy()  # >= 0: a region holds at least its matched kecamatan's people
    has_unmatched = (~is_matched).groupby(region).transform("any").to_numpy()
    has_matched = is_matched.groupby(region).transform("any").to_numpy()
    equal = split_integer(rest, (~is_matched).astype(float), region)
    proportional = split_integer(rest, points["matched"], region)
    pooled = _pooled_population(points, is_matched)
    population = np.select(
        [(point_rest > 0) & has_unmatched, point_rest > 0, has_unmatched & has_matched],
        [np.where(is_matched, points["matched"], equal), points["matched"] + proportional, pooled],
        points["matched"])
    estimated = ~is_matched.to_numpy() | (population != points["matched"].to_numpy())
    return gpd.GeoDataFrame(
        {"point_id": points["point_id"], "region_code": region, "name": points["name"],
         "population": population.astype(np.int64), "population_estimated": estimated},
        geometry=gpd.points_from_xy(points["lng"], points["lat"]), crs=STORAGE_CRS)


def _pooled_population(points: pd.DataFrame, is_matched: pd.Series) -> pd.Series:
    """Each unmatched kecamatan joins its nearest matched kecamatan of the same region; each pool shares the
    matched kecamatan's 2010 population equally (0 for regions without any matched kecamatan)."""
    matched = points.loc[is_matched, ["point_id", "region_code", "lat", "lng"]]
    loose = points.loc[~is_matched, ["point_id", "region_code", "lat", "lng"]]
    pairs = loose.merge(matched, on="region_code", suffixes=("", "_pool"))
    cos_lat = np.cos(np.radians(pairs["lat"].to_numpy()))
    east = (pairs["lng"] - pairs["lng_pool"]) * cos_lat
    pairs["distance"] = np.hypot(pairs["lat"] - pairs["lat_pool"], east)
    nearest = pairs.sort_values("distance", kind="stable").drop_duplicates("point_id")
    pool = points["point_id"].where(is_matched, points["point_id"].map(
        nearest.set_index("point_id")["point_id_pool"]))
    pool_total = points.loc[is_matched].set_index("point_id")["matched"]
    return split_integer(pool_total, pd.Series(1.0, index=points.index), pool.fillna(""))


def _provinces(regions: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Provinces dissolved from their regions, with their population (persons)."""
    provinces = regions[["province_code", "province_name", "population", "geometry"]].dissolve(
        by=["province_code", "province_name"], aggfunc={"population": "sum"}).reset_index()
    provinces["geometry"] = _valid_polygons(provinces.geometry)
    return provinces[["province_code", "province_name", "population", "geometry"]]


# ----------------------------------------------------------------------------------- checks and output

_REGION_OUTPUT = ["region_code", "region_name", "province_code", "province_name", "population",
                  "workers_informal", "area_km2", "population_estimated", "geometry_approximate",
                  "parent_region_code", "cost_index", "geometry"]


def _check_and_log(census: pd.DataFrame, regions: gpd.GeoDataFrame, family: pd.DataFrame,
                   kecamatan: pd.DataFrame | None, matches: pd.DataFrame | None,
                   points: gpd.GeoDataFrame | None, log: Callable[[str], object]) -> dict:
    """Check conservation (raises AssertionError on a bug), log match rates, return the report figures."""
    census_total = int(census["population"].sum())
    total = int(regions["population"].sum())
    error = abs(total - census_total) / census_total if census_total else 0.0
    if error > CONSERVATION_TOLERANCE:
        raise AssertionError(f"population not conserved: {total:,} written vs {census_total:,} in the census")
    if points is not None:
        sums = points.groupby("region_code")["population"].sum()
        expected = regions.set_index("region_code")["population"].reindex(sums.index)
        if not (sums == expected).all():
            raise AssertionError(f"points do not sum to their region in {(sums != expected).sum()} regions")
    crosswalked = int((family["method"] == "crosswalk").sum())
    split = tuple(family.index[family["method"] != "crosswalk"])
    log(f"regencies: {crosswalked} of {len(regions)} matched to a 2010 regency; {len(split)} created after "
        "2010 (population estimated)")
    count_share = people_share = float("nan")
    unmatched_lines: tuple[str, ...] = ()
    if matches is not None and kecamatan is not None:
        matched_people = int(census["population"].reindex(matches["census_row"]).sum())
        count_share, people_share = len(matches) / len(census), matched_people / census_total
        spelling = int((matches["how"] == "spelling").sum())
        log(f"kecamatan: {len(matches):,} of {len(census):,} census kecamatan matched by name "
            f"({count_share:.1%}; {spelling} of them by closest spelling), holding {people_share:.2%} of the "
            f"people; {len(kecamatan) - len(matches):,} of {len(kecamatan):,} 2025 kecamatan unmatched "
            "(population estimated)")
        unmatched_lines = _unmatched_lines(census, kecamatan, matches, regions)
        log(f"unmatched kecamatan in {len(unmatched_lines)} regencies:")
        for line in unmatched_lines:
            log("  " + line)
    log(f"population: {total:,} written vs {census_total:,} in the census (relative error {error:.2e})")
    return {"regencies_matched": crosswalked, "kecamatan_matched_share_count": count_share,
            "kecamatan_matched_share_people": people_share, "population_total": total,
            "population_conserved_relative_error": error, "split_regions": split,
            "parents": tuple(zip(split, family.loc[list(split), "family"], family.loc[list(split), "method"],
                                 strict=True)),
            "unmatched_kecamatan": unmatched_lines}


def _unmatched_lines(census: pd.DataFrame, kecamatan: pd.DataFrame, matches: pd.DataFrame,
                     regions: gpd.GeoDataFrame) -> tuple[str, ...]:
    """One line per 2010 regency family: its census kecamatan not found, and its 2025 kecamatan not found."""
    old = census.loc[~census.index.isin(matches["census_row"])]
    new = kecamatan.loc[~kecamatan["point_id"].isin(matches["point_id"])]
    new_family = new["region_code"].map(regions.set_index("region_code")["family"])
    names = regions.set_index("region_code")["region_name"]
    old_by = old.groupby("home_code")["district"].agg(lambda s: ", ".join(s))
    new_by = (new["name"] + " (" + new["point_id"] + ")").groupby(new_family.to_numpy()).agg(
        lambda s: ", ".join(s))
    families = sorted(set(old_by.index) | set(new_by.index))
    return tuple(f"{code} {names.get(code, '')}: 2010 not found: {old_by.get(code, '-')}; "
                 f"2025 not found: {new_by.get(code, '-')}" for code in families)


def _write_atomic(out: Path, regions: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame,
                  points: gpd.GeoDataFrame | None, extra: dict[str, gpd.GeoDataFrame] | None = None) -> None:
    """Write the layers (``extra``: more layers by name) to a temporary file beside ``out`` and move it into
    place only when complete."""
    temporary = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
    try:
        regions[_REGION_OUTPUT].to_file(temporary, layer="regions", driver="GPKG")
        provinces.to_file(temporary, layer="provinces", driver="GPKG")
        if points is not None:
            points.to_file(temporary, layer="points", driver="GPKG")
        for name, layer in (extra or {}).items():
            layer.to_file(temporary, layer=name, driver="GPKG")
        os.replace(temporary, out)
    except OSError as error:
        raise InputError(f"{out}: cannot be written ({brief(error)}); check the folder's permissions and free "
                         "space.") from None
    finally:
        for leftover in (temporary, *(Path(f"{temporary}{end}") for end in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
