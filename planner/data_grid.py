"""Demand where people live: a population grid of cell centres, assigned to regencies and rescaled to the census.

``read_grid`` reads the grid (Parquet or CSV: ``lon``, ``lat``, ``population``); ``build_demand`` turns it into
the ``demand`` layer (point_id, region_code, population, geometry) that ``planner.regions.validate_demand``
accepts. Rules, each reported in the log:

1. Cells with no people are dropped.
2. A cell belongs to the regency whose polygon holds it, else to the nearest regency when it lies within
   ``GRID_TOLERANCE_KM`` (coastal cells); cells farther than that from every regency are dropped and counted.
   Columns such as ``regency_code`` in the grid are ignored: the import assigns cells itself.
3. Each regency's cells are scaled to the regency's ``population`` (the regions layer, census year). With
   kecamatan polygons whose census population is known (2010 kecamatan matched by name to the 2025 ones),
   the cells of each such kecamatan (polygon of the cell's own regency) are first scaled to its census people
   and the regency's other cells share what is left, or keep the regency-scaled density when nothing is left
   (cells of border slivers and coasts outside the kecamatan polygons); one factor per regency then makes its
   total exact (it is 1 unless the kecamatan figures cannot all be met). A kecamatan whose census figure is
   more than ``KECAMATAN_FACTOR_LIMIT`` times (or less than its inverse) its regency-scaled grid people is
   not shaped: its cells stay with the regency's other cells.
4. A regency without any cell gets one demand point (``r<code>``) at its polygon's representative point,
   carrying its whole population.

Cell ids are ``g<lon>_<lat>`` with 4 decimals (about 11 m), e.g. ``g106.2500_-2.9500``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.data_locate import locate, points_inside
from planner.data_read import check_file, kemendagri_codes, pick_columns
from planner.errors import InputError, brief
from planner.regions import STORAGE_CRS

#: Largest distance (km) from a cell outside every regency polygon to the regency it is given to.
GRID_TOLERANCE_KM = 10.0
#: A kecamatan shapes its cells only when its census population is within this factor (either way) of its
#: cells' people scaled to the regency total; beyond it the polygon holds too few cells for its people (small
#: islands, polygons that miss the cell centres) or the name match is doubtful (142 of 6,169 kecamatan on the
#: official data, 0.45 % of the people).
KECAMATAN_FACTOR_LIMIT = 4.0
GRID_COLUMNS = {
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "lat": ("lat", "latitude", "y"),
    "population": ("population", "pop", "people", "value"),
}
_KECAMATAN_CODE = {"code": ("code", "kecamatan_code", "kode", "point_id")}


@dataclass(frozen=True)
class GridReport:
    """What ``build_demand`` did with the grid.

    Attributes
    ----------
    cells_read, cells_empty, cells_far : int
        Cells in the file; dropped for having no people; dropped for lying farther than ``GRID_TOLERANCE_KM``
        from every regency.
    people_far : float
        Grid people in the far cells (dropped), persons.
    cells_nearest : int
        Kept cells outside every regency polygon, given to the nearest regency.
    nearest_max_km : float
        Largest distance of such a cell to its regency, km (0 when none).
    cells_kept : int
        Grid cells written to the ``demand`` layer (people > 0 after rescaling).
    regencies_without_cells : tuple of str
        Regencies that received no cell (one representative point each).
    grid_people, population : float
        People on the kept cells before rescaling, and after (= the regions' population), persons.
    people_changed : float
        Sum over regencies of abs(regency population - its grid people), persons: what rescaling added or
        removed.
    factor_min, factor_max : tuple of (str, float)
        Regency with the smallest and largest factor population / grid people.
    kecamatan_shaped : int
        Kecamatan whose cells were scaled to their census population (0 without kecamatan polygons).
    kecamatan_without_cells : int
        Kecamatan with a known census population but no cell (their people stay in their regency).
    kecamatan_implausible : int
        Kecamatan with a known census population and cells that were not shaped, their census figure being
        more than ``KECAMATAN_FACTOR_LIMIT`` times off their regency-scaled grid people.
    people_moved_kecamatan : float
        People moved between places of the same regency by the kecamatan shaping (half the sum of absolute
        cell changes against regency-only scaling), persons.
    """

    cells_read: int
    cells_empty: int
    cells_far: int
    people_far: float
    cells_nearest: int
    nearest_max_km: float
    cells_kept: int
    regencies_without_cells: tuple[str, ...]
    grid_people: float
    population: float
    people_changed: float
    factor_min: tuple[str, float]
    factor_max: tuple[str, float]
    kecamatan_shaped: int = 0
    kecamatan_without_cells: int = 0
    kecamatan_implausible: int = 0
    people_moved_kecamatan: float = 0.0


# ----------------------------------------------------------------------------------------------- reading


def read_grid(path: str | Path) -> pd.DataFrame:
    """Read a population grid of cell centres and check it.

    Parameters
    ----------
    path : str or pathlib.Path
        Parquet (``.parquet``/``.pq``, read with pyarrow) or CSV with columns ``lon``, ``lat`` (degrees,
        EPSG:4326; aliases ``lng``/``longitude``/``x``, ``latitude``/``y``) and ``population`` (persons in the
        cell; aliases ``pop``/``people``/``value``). Other columns are ignored.

    Returns
    -------
    pandas.DataFrame
        Columns ``lon``, ``lat``, ``population`` (float).

    Raises
    ------
    planner.errors.InputError
        Missing or unreadable file, a missing column, no rows, coordinates off the globe, or a population
        that is negative or not a finite number.
    """
    path = Path(path)
    check_file(path, "population grid")
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = _read_parquet(path)
    else:
        frame = _read_csv_grid(path)
    if frame.empty:
        raise InputError(f"{path}: has no rows; give the population grid's cells (lon, lat, population).")
    for column, low, high in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0), ("population", 0.0, np.inf)):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < low) | (values > high)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            rule = ("a finite number of persons >= 0" if column == "population"
                    else f"degrees in [{low:g}, {high:g}] (EPSG:4326)")
            raise InputError(f"{path}: field '{column}' of row {row + 1} is {_shown(frame[column].iloc[row])}; "
                             f"give {rule}.")
        frame[column] = values
    return frame


def _shown(value: object) -> str:
    """A cell value as the user wrote it: numbers plainly (``-5``, ``nan``), text quoted (``'many'``)."""
    if isinstance(value, int | float | np.number):
        return f"{float(value):g}"
    return "empty" if value is None or value == "" else repr(str(value))


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (OSError, pa.ArrowException) as error:
        raise InputError(f"{path}: cannot be read as a Parquet file ({brief(error)}); give the grid as Parquet "
                         "or CSV with columns lon, lat, population.") from None
    chosen = _source_columns(names, path)
    try:
        table = pq.read_table(path, columns=list(chosen)).to_pandas()
    except (OSError, pa.ArrowException) as error:
        raise InputError(f"{path}: cannot be read as a Parquet file ({brief(error)}); give the grid as Parquet "
                         "or CSV with columns lon, lat, population.") from None
    return table.rename(columns=chosen)[list(GRID_COLUMNS)]


def _source_columns(names: list[str], path: Path) -> dict[str, str]:
    """File column -> canonical name for lon, lat, population (first alias present, case-insensitive)."""
    picked = pick_columns(pd.DataFrame(columns=names), GRID_COLUMNS, path)
    by_lower = {name.strip().lower(): name for name in names}
    return {by_lower[_alias(GRID_COLUMNS[canonical], by_lower)]: canonical for canonical in picked.columns}


def _alias(aliases: tuple[str, ...], by_lower: dict[str, str]) -> str:
    return next(alias.lower() for alias in aliases if alias.lower() in by_lower)


def _read_csv_grid(path: Path) -> pd.DataFrame:
    try:
        names = [str(name) for name in pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns]
        chosen = _source_columns(names, path)
        frame = pd.read_csv(path, usecols=list(chosen), encoding="utf-8-sig", low_memory=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as error:
        raise InputError(f"{path}: cannot be read as a CSV table ({brief(error)}); give the grid as UTF-8 CSV "
                         "or Parquet with columns lon, lat, population.") from None
    return frame.rename(columns=chosen)[list(GRID_COLUMNS)]


def read_kecamatan_polygons(path: str | Path) -> gpd.GeoDataFrame:
    """Kecamatan polygons as ``kecamatan_code`` (Kemendagri, ``16.71.01``) and geometry, EPSG:4326.

    Parameters
    ----------
    path : str or pathlib.Path
        Vector file (e.g. ``kecamatan_2025.gpkg``, layer ``kecamatan`` or its only layer) with a ``code``
        column (aliases ``kecamatan_code``, ``kode``).

    Raises
    ------
    planner.errors.InputError
        Missing or unreadable file, no code column, bad or repeated codes, no coordinate reference system.
    """
    import pyogrio

    path = Path(path)
    check_file(path, "kecamatan polygons")
    try:
        names = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
        layer = "kecamatan" if "kecamatan" in names else names[0]
        frame = gpd.read_file(path, layer=layer)
    except Exception as error:  # pyogrio raises several types for unreadable files
        raise InputError(f"{path}: cannot be read as a vector file ({brief(error)}); give a GeoPackage of "
                         "kecamatan polygons with a 'code' column.") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise InputError(f"{path}: layer '{layer}' has no geometry or no coordinate reference system; give "
                         "kecamatan polygons in EPSG:4326.")
    codes = pick_columns(pd.DataFrame(frame.drop(columns=frame.geometry.name)), _KECAMATAN_CODE, path)["code"]
    codes = kemendagri_codes(codes.astype(str).str.strip(), path, "code", parts=3)
    if codes.duplicated().any():
        raise InputError(f"{path}: code {codes[codes.duplicated()].iloc[0]!r} appears more than once; give one "
                         "row per kecamatan.")
    geometry = frame.geometry.to_crs(STORAGE_CRS).make_valid()
    return gpd.GeoDataFrame({"kecamatan_code": codes.to_numpy()}, geometry=geometry.to_numpy(), crs=STORAGE_CRS)


# -------------------------------------------------------------------------------------------- building


def build_demand(grid: pd.DataFrame, regions: gpd.GeoDataFrame, *, source: str = "grid",
                 kecamatan: gpd.GeoDataFrame | None = None,
                 log: Callable[[str], object] = print) -> tuple[gpd.GeoDataFrame, GridReport]:
    """The ``demand`` layer from a grid: cells assigned to regencies and rescaled (rules in the module doc).

    Parameters
    ----------
    grid : pandas.DataFrame
        ``lon``, ``lat`` (degrees), ``population`` (persons >= 0), as ``read_grid`` returns it.
    regions : geopandas.GeoDataFrame
        ``region_code``, ``population`` (persons, the totals to conserve) and polygons, EPSG:4326.
    source : str
        Name of the grid file, for messages.
    kecamatan : geopandas.GeoDataFrame, optional
        ``kecamatan_code``, ``census_population`` (persons; NaN when unknown) and polygons, EPSG:4326.
    log : callable
        Receives one line per message.

    Returns
    -------
    (geopandas.GeoDataFrame, GridReport)
        The layer (point_id, region_code, population, geometry; EPSG:4326) and what was done.

    Raises
    ------
    planner.errors.InputError
        When no cell with people lies inside or within ``GRID_TOLERANCE_KM`` of any regency.
    """
    cells = grid.loc[grid["population"] > 0].reset_index(drop=True)
    located = locate(cells["lon"].to_numpy(), cells["lat"].to_numpy(), regions.geometry,
                     max_km=GRID_TOLERANCE_KM)
    far = located.nearest < 0
    if far.all():
        raise InputError(f"{source}: none of its {len(cells):,} cells with people lies inside or within "
                         f"{GRID_TOLERANCE_KM:g} km of a regency of the boundaries; give a grid of the same "
                         "country (lon/lat in degrees, EPSG:4326).")
    codes = regions["region_code"].to_numpy()
    kept = cells.loc[~far].assign(region_code=codes[located.nearest[~far]]).reset_index(drop=True)
    totals = regions.set_index("region_code")["population"].astype(float)
    factors = _factors(kept, totals)
    shaping = _kecamatan_targets(kept, kecamatan)
    population, moved, implausible = _rescaled(kept, totals, shaping)
    outside = located.distance_km[~far] > 0
    report_cells = {
        "cells_read": len(grid), "cells_empty": len(grid) - len(cells), "cells_far": int(far.sum()),
        "people_far": float(cells.loc[far, "population"].sum()), "cells_nearest": int(outside.sum()),
        "nearest_max_km": float(located.distance_km[~far].max(initial=0.0))}
    kept = kept.assign(population=population).loc[population > 0]
    missing = sorted(set(totals.index) - set(kept["region_code"]))
    layer = pd.concat([_cell_points(kept), _representative_points(regions, missing)], ignore_index=True)
    demand = gpd.GeoDataFrame(layer[["point_id", "region_code", "population"]],
                              geometry=gpd.points_from_xy(layer["lon"], layer["lat"]), crs=STORAGE_CRS)
    report = GridReport(**report_cells, cells_kept=len(kept), regencies_without_cells=tuple(missing),
                        **factors, kecamatan_without_cells=shaping.without_cells,
                        kecamatan_shaped=shaping.shaped - implausible, kecamatan_implausible=implausible,
                        people_moved_kecamatan=moved)
    _log_grid(report, source, log)
    return demand, report


@dataclass(frozen=True)
class _Shaping:
    """Per kept cell: its kecamatan's census target (NaN when not shaped), and the kecamatan code."""

    target: np.ndarray
    kecamatan: np.ndarray
    shaped: int = 0
    without_cells: int = 0


def _kecamatan_targets(cells: pd.DataFrame, kecamatan: gpd.GeoDataFrame | None) -> _Shaping:
    """The census population of the kecamatan holding each cell, when known and in the cell's regency."""
    nothing = np.full(len(cells), np.nan)
    if kecamatan is None:
        return _Shaping(nothing, np.full(len(cells), "", dtype=object))
    inside = points_inside(cells["lon"].to_numpy(), cells["lat"].to_numpy(), kecamatan.geometry)
    code = np.where(inside >= 0, kecamatan["kecamatan_code"].to_numpy()[np.maximum(inside, 0)], "")
    census = kecamatan["census_population"].to_numpy(dtype=float)
    target = np.where(inside >= 0, census[np.maximum(inside, 0)], np.nan)
    same_regency = pd.Series(code).str[:5].to_numpy() == cells["region_code"].to_numpy()
    target = np.where(same_regency, target, np.nan)
    code = np.where(np.isnan(target), "", code).astype(object)
    known = set(kecamatan.loc[kecamatan["census_population"].notna(), "kecamatan_code"])
    shaped = set(code[code != ""])
    return _Shaping(target, code, shaped=len(shaped), without_cells=len(known - shaped))


def _rescaled(cells: pd.DataFrame, totals: pd.Series, shaping: _Shaping) -> tuple[np.ndarray, float, int]:
    """Cell populations summing to each regency's total, shaped by kecamatan where known and plausible; the
    people moved by the shaping against regency-only scaling; the kecamatan left unshaped as implausible."""
    region = cells["region_code"].to_numpy()
    weight = cells["population"].to_numpy(dtype=float)
    total = pd.Series(region).map(totals).to_numpy(dtype=float)
    by_region = pd.Series(weight).groupby(region).transform("sum").to_numpy()
    plain = weight * total / by_region
    known = ~np.isnan(shaping.target)
    kecamatan_plain = pd.Series(np.where(known, plain, 0.0)).groupby(shaping.kecamatan).transform("sum")
    factor = np.divide(shaping.target, kecamatan_plain.to_numpy(), out=np.full(len(weight), np.inf),
                       where=known & (kecamatan_plain.to_numpy() > 0))
    implausible = known & ((factor > KECAMATAN_FACTOR_LIMIT) | (factor < 1 / KECAMATAN_FACTOR_LIMIT))
    dropped = len(set(shaping.kecamatan[implausible]))
    known &= ~implausible
    if not known.any():
        return plain, 0.0, dropped
    kecamatan_weight = pd.Series(np.where(known, weight, 0.0)).groupby(shaping.kecamatan).transform("sum")
    in_known = np.divide(weight * shaping.target, kecamatan_weight.to_numpy(), out=np.zeros(len(weight)),
                         where=known)
    first = known & ~pd.Series(shaping.kecamatan).duplicated().to_numpy()
    known_total = pd.Series(np.where(first, shaping.target, 0.0)).groupby(region).transform("sum").to_numpy()
    rest_weight = pd.Series(np.where(known, 0.0, weight)).groupby(region).transform("sum").to_numpy()
    left = total - known_total
    rest = np.where(left > 0, weight * np.divide(left, rest_weight, out=np.zeros(len(weight)),
                                                 where=rest_weight > 0), plain)
    value = np.where(known, in_known, rest)
    value_sum = pd.Series(value).groupby(region).transform("sum").to_numpy()
    value = value * np.divide(total, value_sum, out=np.zeros(len(value)), where=value_sum > 0)
    return value, float(np.abs(value - plain).sum() / 2), dropped


def _factors(cells: pd.DataFrame, totals: pd.Series) -> dict:
    grid = cells.groupby("region_code")["population"].sum()
    population = totals.reindex(grid.index)
    factor = population / grid
    return {"grid_people": float(grid.sum()), "population": float(totals.sum()),
            "people_changed": float((population - grid).abs().sum()),
            "factor_min": (str(factor.idxmin()), float(factor.min())),
            "factor_max": (str(factor.idxmax()), float(factor.max()))}


def _cell_points(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells with their ids ``g<lon>_<lat>`` (4 decimals; ``_2``, ``_3`` ... appended to repeats)."""
    ids = ("g" + cells["lon"].map("{:.4f}".format) + "_" + cells["lat"].map("{:.4f}".format)).to_numpy()
    ids = pd.Series(ids, dtype=object)
    if ids.duplicated().any():
        repeat = ids.groupby(ids).cumcount().to_numpy()
        ids = ids.where(repeat == 0, ids + "_" + (repeat + 1).astype(str))
    return pd.DataFrame({"point_id": ids.to_numpy(), "region_code": cells["region_code"].to_numpy(),
                         "population": cells["population"].to_numpy(dtype=float),
                         "lon": cells["lon"].to_numpy(), "lat": cells["lat"].to_numpy()})


def _representative_points(regions: gpd.GeoDataFrame, codes: list[str]) -> pd.DataFrame:
    """One point per regency in ``codes``, at its polygon's representative point, with its population."""
    chosen = regions.loc[regions["region_code"].isin(codes)]
    points = chosen.geometry.representative_point()
    return pd.DataFrame({"point_id": "r" + chosen["region_code"], "region_code": chosen["region_code"],
                         "population": chosen["population"].astype(float), "lon": points.x, "lat": points.y})


def _log_grid(report: GridReport, source: str, log: Callable[[str], object]) -> None:
    log(f"grid {Path(source).name}: {report.cells_read:,} cells; {report.cells_empty:,} without people dropped; "
        f"{report.cells_far:,} farther than {GRID_TOLERANCE_KM:g} km from every regency dropped "
        f"({report.people_far:,.0f} grid people)")
    log(f"grid cells kept: {report.cells_kept:,} ({report.cells_nearest:,} outside every regency polygon given "
        f"to the nearest regency, at most {report.nearest_max_km:.1f} km away)")
    low, high = report.factor_min, report.factor_max
    log(f"grid rescaled to the regions' population: {report.grid_people:,.0f} grid people -> "
        f"{report.population:,.0f} (national factor {report.population / report.grid_people:.3f}); "
        f"{report.people_changed:,.0f} people added or removed over all regencies; factor per regency from "
        f"{low[1]:.3f} ({low[0]}) to {high[1]:.3f} ({high[0]})")
    if report.kecamatan_shaped or report.kecamatan_without_cells:
        log(f"grid shaped by kecamatan: {report.kecamatan_shaped:,} kecamatan scaled to their census population; "
            f"left to their regency: {report.kecamatan_without_cells:,} with a census figure but no cell, "
            f"{report.kecamatan_implausible:,} whose census figure is more than {KECAMATAN_FACTOR_LIMIT:g} times "
            f"off their grid people; {report.people_moved_kecamatan:,.0f} people moved between places of the "
            "same regency")
    if report.regencies_without_cells:
        log(f"regencies without a grid cell ({len(report.regencies_without_cells)}), one demand point each at "
            "the polygon's representative point: " + ", ".join(report.regencies_without_cells))
