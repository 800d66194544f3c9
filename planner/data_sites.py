"""Candidate sites (where an outlet may open) from a CSV of places, each assigned to a regency.

``build_sites`` reads the CSV (``code``, ``name``, ``lat``, ``lng``, e.g. the 2025 village centroids) and
returns the ``sites`` layer that ``planner.regions.validate_sites`` accepts. Rules, each reported in the log:

1. A site belongs to the regency its Kemendagri code names (the first two parts: ``16.02.05.2001`` ->
   ``16.02``; an undotted code by its first four digits) when the boundaries have that regency, wherever its
   point lies: villages just outside every polygon or inside a neighbour's are coastline and boundary
   precision, not bad data (they are counted).
2. A site whose code names no regency of the boundaries belongs to the polygon holding it, else to the nearest
   polygon within ``SITE_TOLERANCE_KM``; one farther than that from every polygon is refused
   (``InputError`` naming the file, row, code, distance and the fix).
3. Site ids (the codes) are unique. ``allows_gerai``/``allows_kanal`` come from optional columns of those
   names (true/false, 1/0, yes/no), else both are true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.data_locate import distance_to_nearest_km, locate
from planner.data_read import numbers, read_csv
from planner.errors import InputError
from planner.regions import STORAGE_CRS

#: Largest distance (km) from a site whose code names no regency to the polygon it is given to.
SITE_TOLERANCE_KM = 10.0
SITE_CSV_COLUMNS = {
    "code": ("code", "site_id", "id", "kode"),
    "name": ("name", "nama", "site_name"),
    "lat": ("lat", "latitude", "y"),
    "lng": ("lng", "lon", "long", "longitude", "x"),
}
_OPTIONAL = {"allows_gerai": ("allows_gerai",), "allows_kanal": ("allows_kanal",)}
_TRUTH = {"true": True, "1": True, "yes": True, "y": True, "false": False, "0": False, "no": False, "n": False}


@dataclass(frozen=True)
class SitesReport:
    """How the candidate sites were assigned.

    Attributes
    ----------
    n_sites : int
        Sites written.
    by_code, by_polygon, by_nearest : int
        Sites assigned by their code; by the polygon holding them (code names no regency); by the nearest
        polygon within ``SITE_TOLERANCE_KM``.
    refused : int
        Sites refused (always 0 in a report: a refusal stops the import).
    code_outside, code_in_neighbour : int
        Sites assigned by code that lie outside every polygon, or inside another regency's polygon.
    per_regency : tuple of (int, float, int)
        Sites per regency: min, median, max (over all regencies, zeros included).
    regencies_without_sites : tuple of str
        Regencies with no candidate site.
    """

    n_sites: int
    by_code: int
    by_polygon: int
    by_nearest: int
    refused: int
    code_outside: int
    code_in_neighbour: int
    per_regency: tuple[int, float, int]
    regencies_without_sites: tuple[str, ...]


def build_sites(path: str | Path, regions: gpd.GeoDataFrame,
                log: Callable[[str], object] = print) -> tuple[gpd.GeoDataFrame, SitesReport]:
    """The ``sites`` layer from a CSV of candidate sites (rules in the module doc).

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with ``code`` (aliases ``site_id``/``id``/``kode``), ``name`` (``nama``), ``lat`` and ``lng``
        (degrees, EPSG:4326; aliases ``latitude``/``y``, ``lon``/``longitude``/``x``), optionally
        ``allows_gerai`` and ``allows_kanal``.
    regions : geopandas.GeoDataFrame
        ``region_code`` and polygons, EPSG:4326.
    log : callable
        Receives one line per message.

    Returns
    -------
    (geopandas.GeoDataFrame, SitesReport)
        The layer (site_id, region_code, name, allows_gerai, allows_kanal, geometry; EPSG:4326).

    Raises
    ------
    planner.errors.InputError
        Missing or unreadable file, missing column, empty or repeated code, bad coordinates or ``allows_*``
        value, or a site whose code names no regency and that lies farther than ``SITE_TOLERANCE_KM`` from
        every regency polygon.
    """
    path = Path(path)
    table = _read_sites(path)
    codes = regions["region_code"].to_numpy()
    named = code_regions(table["code"])
    named = named.where(named.isin(set(codes)))
    located = locate(table["lng"].to_numpy(), table["lat"].to_numpy(), regions.geometry,
                     max_km=SITE_TOLERANCE_KM)
    unnamed = named.isna().to_numpy()
    refused = unnamed & (located.nearest < 0)
    if refused.any():
        _refuse(path, table, regions, int(np.flatnonzero(refused)[0]))
    region = np.where(unnamed, codes[np.maximum(located.nearest, 0)], named.fillna("").to_numpy())
    holder = np.where(located.inside >= 0, codes[np.maximum(located.inside, 0)], "")
    sites = gpd.GeoDataFrame(
        {"site_id": table["code"].to_numpy(), "region_code": region, "name": table["name"].to_numpy(),
         "allows_gerai": table["allows_gerai"].to_numpy(), "allows_kanal": table["allows_kanal"].to_numpy()},
        geometry=gpd.points_from_xy(table["lng"], table["lat"]), crs=STORAGE_CRS)
    counts = sites.groupby("region_code").size().reindex(codes, fill_value=0)
    report = SitesReport(
        n_sites=len(sites), by_code=int((~unnamed).sum()),
        by_polygon=int((unnamed & (located.inside >= 0)).sum()),
        by_nearest=int((unnamed & (located.inside < 0)).sum()), refused=0,
        code_outside=int((~unnamed & (located.inside < 0)).sum()),
        code_in_neighbour=int((~unnamed & (holder != "") & (holder != region)).sum()),
        per_regency=(int(counts.min()), float(counts.median()), int(counts.max())),
        regencies_without_sites=tuple(counts.index[counts == 0]))
    _log_sites(report, path, log)
    return sites, report


def code_regions(codes: pd.Series) -> pd.Series:
    """The regency a Kemendagri code names (``16.02.05.2001`` or ``1602052001`` -> ``16.02``), else NaN.

    Examples
    --------
    >>> code_regions(pd.Series(["16.02.05.2001", "1671011001", "village-7", "1.2"])).tolist()
    ['16.02', '16.71', nan, nan]
    """
    text = codes.astype(str).str.strip()
    dotted = text.str.extract(r"^(\d{2})\.(\d{2})(?:\.|$)")
    plain = text.str.extract(r"^(\d{2})(\d{2})\d*$")
    first = dotted[0].fillna(plain[0])
    second = dotted[1].fillna(plain[1])
    return (first + "." + second).where(first.notna() & second.notna())


def _read_sites(path: Path) -> pd.DataFrame:
    table = read_csv(path, "candidate sites", SITE_CSV_COLUMNS, optional=_OPTIONAL)
    table["row"] = np.arange(1, len(table) + 1)
    if table.empty:
        raise InputError(f"{path}: has no rows; give at least one candidate site (code, name, lat, lng).")
    empty = table["code"] == ""
    if empty.any():
        raise InputError(f"{path}: row {table.loc[empty, 'row'].iloc[0]} has an empty 'code'; give every site "
                         "a unique code (e.g. the village code '16.71.01.1001').")
    repeated = table["code"].duplicated(keep=False)
    if repeated.any():
        rows = table.loc[table["code"] == table.loc[repeated, "code"].iloc[0], "row"].tolist()
        raise InputError(f"{path}: site code {table.loc[repeated, 'code'].iloc[0]!r} appears more than once "
                         f"(rows {', '.join(map(str, rows[:5]))}); give each site a unique code.")
    for column, limit in (("lat", 90.0), ("lng", 180.0)):
        table[column] = numbers(table, column, path, "code", minimum=None)
        off = table[column].abs() > limit
        if off.any():
            raise InputError(f"{path}: field '{column}' of code {table.loc[off, 'code'].iloc[0]!r} is "
                             f"{table.loc[off, column].iloc[0]}; give degrees in EPSG:4326 (lat in [-90, 90], "
                             "lng in [-180, 180]).")
    for column in _OPTIONAL:
        if column not in table:
            table[column] = True
            continue
        truth = table[column].str.lower().map(_TRUTH)
        if truth.isna().any():
            row = table.loc[truth.isna()].iloc[0]
            raise InputError(f"{path}: field '{column}' of code {row['code']!r} is {row[column]!r}; use true or "
                             "false.")
        table[column] = truth.astype(bool)
    return table


def _refuse(path: Path, table: pd.DataFrame, regions: gpd.GeoDataFrame, position: int) -> None:
    row = table.iloc[position]
    distance = distance_to_nearest_km(np.array([row["lng"]]), np.array([row["lat"]]), regions.geometry)[0]
    raise InputError(f"{path}: site {row['code']!r} (row {row['row']}) names no regency of the boundaries and "
                     f"lies {distance:,.1f} km from the nearest one (more than {SITE_TOLERANCE_KM:g} km); give "
                     "it a Kemendagri code (e.g. '16.71.01.1001'), correct its lat/lng, or drop it.")


def _log_sites(report: SitesReport, path: Path, log: Callable[[str], object]) -> None:
    low, median, high = report.per_regency
    log(f"sites {path.name}: {report.n_sites:,} kept; {report.by_code:,} placed in the regency their code names "
        f"({report.code_outside:,} of them outside every polygon and {report.code_in_neighbour:,} inside a "
        "neighbour's: coastline and boundary precision, kept), "
        f"{report.by_polygon:,} by the polygon holding them, {report.by_nearest:,} by the nearest polygon within "
        f"{SITE_TOLERANCE_KM:g} km; {report.refused} refused")
    log(f"sites per regency: min {low:,}, median {median:,.0f}, max {high:,}")
    if report.regencies_without_sites:
        log(f"regencies without a candidate site ({len(report.regencies_without_sites)}; no outlet can be placed "
            "there): " + ", ".join(report.regencies_without_sites))
