"""Place the outlets an allocation decided (counts per regency, kind and year) on sites (no PuLP here).

:func:`place_sequences` (what ``planner run`` uses) opens the prefixes of each regency's nested greedy site
sequences (:mod:`planner.siting.sequence`), so the sites cover exactly what the points model's reach table
promised. :func:`place_sites`, below, solves an MCLP per regency and year instead:

Per regency (a site covers only demand of its own regency), year by year (sites opened earlier stay open:
they are the MCLP's ``existing`` sites), kind by kind in the order gerai, then kanal (then any other kind,
alphabetically): each later kind's demand weight is the population the earlier kinds leave uncovered in
that year. Each solve is :func:`planner.siting.mclp.solve_mclp`.

Existing outlets (before the first year) have no known location: they are placed first, by the same MCLP
(a best-case assumption for the existing network), and are returned only on request.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from planner.checks import invalid_numbers
from planner.errors import InputError
from planner.siting.coverage import coverage_from_points, haversine_km
from planner.siting.mclp import solve_mclp
from planner.siting.sequence import RegencySequence, SiteSequences

KIND_ORDER = ("gerai", "kanal")
POINT_COLUMNS = ("point_id", "region_code", "name", "lon", "lat", "population")
COUNT_COLUMNS = ("region_code", "kind", "year", "new", "cumulative")
OUTPUT_COLUMNS = ("region_code", "site_id", "name", "lon", "lat", "kind", "year", "workers_covered")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame with columns {', '.join(columns)}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what}: missing column '{missing[0]}'; expected columns {', '.join(columns)}.")


def _numbers(frame: pd.DataFrame, column: str, what: str, whole: bool = False) -> np.ndarray:
    values, bad = invalid_numbers(frame[column], None if column in ("lon", "lat") else 0.0, whole)
    if bad.any():
        row = frame.index[np.flatnonzero(bad)[0]]
        kind = "a whole number >= 0" if whole else ("a finite number" if column in ("lon", "lat")
                                                    else "a finite number >= 0")
        raise InputError(f"{what}: column '{column}' at row {row} is {frame[column].loc[row]!r}; "
                         f"it must be {kind}.")
    return values


def validate_points(points: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of the demand points (ids as str, numbers as float), sorted by region_code, point_id."""
    _require(points, POINT_COLUMNS, "points")
    frame = points.loc[:, list(POINT_COLUMNS)].copy()
    for column in ("point_id", "region_code", "name"):
        frame[column] = frame[column].astype(str)
    for column in ("lon", "lat", "population"):
        frame[column] = _numbers(frame, column, "points")
    if (frame["lat"].abs() > 90).any():
        raise InputError("points: column 'lat' has a value outside [-90, 90]; give lon/lat in degrees.")
    duplicated = frame["point_id"].duplicated()
    if duplicated.any():
        raise InputError(f"points: point_id {frame['point_id'][duplicated].iloc[0]!r} appears twice; "
                         "point ids must be unique.")
    return frame.sort_values(["region_code", "point_id"], kind="stable").reset_index(drop=True)


def validate_counts(counts: pd.DataFrame, radius_km: dict[str, float]) -> pd.DataFrame:
    """Checked copy of the counts, with ``existing`` (cumulative minus new opened so far) per row."""
    _require(counts, COUNT_COLUMNS, "counts")
    frame = counts.loc[:, list(COUNT_COLUMNS)].copy()
    frame["region_code"], frame["kind"] = frame["region_code"].astype(str), frame["kind"].astype(str)
    for column in ("year", "new", "cumulative"):
        frame[column] = _numbers(frame, column, "counts", whole=True).astype(np.int64)
    unknown = sorted(set(frame["kind"]) - set(radius_km))
    if unknown:
        raise InputError(f"counts: kind {unknown[0]!r} has no radius; add it to radius_km "
                         f"(given: {', '.join(sorted(radius_km)) or 'none'}).")
    for kind, radius in radius_km.items():
        if not isinstance(radius, int | float) or not np.isfinite(radius) or radius <= 0:
            raise InputError(f"radius_km[{kind!r}] = {radius!r}; give a coverage radius in km > 0.")
    key = ["region_code", "kind", "year"]
    if frame.duplicated(key).any():
        row = frame[frame.duplicated(key)].iloc[0]
        raise InputError(f"counts: region_code {row['region_code']}, kind {row['kind']}, year {row['year']} "
                         "appears twice; give one row per region, kind and year.")
    frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
    frame["existing"] = frame["cumulative"] - frame.groupby(["region_code", "kind"])["new"].cumsum()
    spread = frame.groupby(["region_code", "kind"])["existing"].agg(["min", "max"])
    bad = spread[(spread["min"] != spread["max"]) | (spread["min"] < 0)]
    if len(bad):
        region, kind = bad.index[0]
        raise InputError(f"counts: region_code {region}, kind {kind}: cumulative does not equal the outlets "
                         "before the first year plus the new ones opened so far; fix 'new' or 'cumulative'.")
    return frame


def _check_existing(frame: pd.DataFrame, existing: pd.DataFrame | None) -> None:
    if existing is None:
        return
    _require(existing, ("region_code", "kind", "count"), "existing")
    given = existing.assign(region_code=existing["region_code"].astype(str), kind=existing["kind"].astype(str))
    given["count"] = _numbers(given, "count", "existing", whole=True)
    implied = frame.groupby(["region_code", "kind"])["existing"].first()
    for row in given.itertuples(index=False):
        expected = implied.get((row.region_code, row.kind), 0)
        if int(row.count) != int(expected):
            raise InputError(f"existing: region_code {row.region_code}, kind {row.kind} has count {row.count} "
                             f"but counts imply {expected} (cumulative minus new); make them agree.")


def _kinds(kinds) -> list[str]:
    first = [k for k in KIND_ORDER if k in set(kinds)]
    return first + sorted(set(kinds) - set(KIND_ORDER))


def _attribute(newly: np.ndarray, sites: np.ndarray, cover, pts: pd.DataFrame) -> np.ndarray:
    """Population newly covered, credited to the nearest new site covering each point (ties: first)."""
    credit = np.zeros(len(sites))
    points = np.flatnonzero(newly)
    if not len(points) or not len(sites):
        return credit
    reach = cover[points][:, sites].toarray()
    lon, lat = pts["lon"].to_numpy(), pts["lat"].to_numpy()
    distance = haversine_km(lon[points, None], lat[points, None], lon[None, sites], lat[None, sites])
    nearest = np.argmin(np.where(reach, distance, np.inf), axis=1)
    np.add.at(credit, nearest, pts["population"].to_numpy()[points])
    return credit


def _extra_points(order: np.ndarray, count: int) -> np.ndarray:
    """``count`` more outlets on already used points, most populous first, cycling."""
    return order[np.arange(count) % len(order)]


class _Region:
    """Placement state of one regency: open outlets per kind and what they cover."""

    def __init__(self, pts: pd.DataFrame, kinds: list[str], radius_km: dict[str, float]):
        self.pts, self.kinds = pts.reset_index(drop=True), kinds
        xy = self.pts[["lon", "lat"]].to_numpy()
        self.cover = {k: coverage_from_points(xy, xy, float(radius_km[k])) for k in kinds}
        self.outlets: dict[str, list[int]] = {k: [] for k in kinds}
        self.covered = {k: np.zeros(len(self.pts), dtype=bool) for k in kinds}
        self.by_population = np.lexsort((np.arange(len(self.pts)), -self.pts["population"].to_numpy()))

    def open(self, kind: str, count: int, free: np.ndarray, time_limit: float
             ) -> tuple[np.ndarray, np.ndarray, dict]:
        """Open ``count`` more outlets of ``kind``; weights = population on ``free`` points."""
        distinct = np.unique(self.outlets[kind]).astype(np.int64)
        p = min(len(distinct) + count, len(self.pts))
        weights = self.pts["population"].to_numpy() * free
        result = solve_mclp(weights, p, coverage=self.cover[kind], existing=distinct, time_limit=time_limit)
        fresh = np.setdiff1d(result.selected, distinct)
        positions = np.concatenate([fresh, _extra_points(self.by_population, count - len(fresh))])
        newly = result.covered & ~self.covered[kind] & free
        credit = np.zeros(len(positions))
        credit[:len(fresh)] = _attribute(newly, fresh, self.cover[kind], self.pts)
        self.outlets[kind].extend(int(i) for i in positions)
        self.covered[kind] = result.covered.copy()
        record = {"p": p, "status": result.status, "gap": result.gap, "objective": result.objective}
        return positions.astype(np.int64), credit, record


def _stages(region_counts: pd.DataFrame, kinds: list[str]) -> list[tuple[int, dict[str, int]]]:
    """(year, cumulative outlets per kind) stages; the first is the existing network (year before the first)."""
    years = sorted(region_counts["year"].unique())
    existing = region_counts.groupby("kind")["existing"].first().to_dict()
    stages = [(int(years[0]) - 1, {k: int(existing.get(k, 0)) for k in kinds})]
    table = region_counts.set_index(["year", "kind"])["cumulative"]
    current = dict(stages[0][1])
    for year in years:
        for kind in kinds:
            current[kind] = int(table.get((year, kind), current[kind]))
        stages.append((int(year), dict(current)))
    return stages


def place_region(pts: pd.DataFrame, region_counts: pd.DataFrame, radius_km: dict[str, float],
                 time_limit: float, include_existing: bool) -> tuple[list[dict], list[dict]]:
    """Rows of the placed outlets of one regency and one record per MCLP solve."""
    code = str(region_counts["region_code"].iloc[0])
    kinds = _kinds(region_counts["kind"].unique())
    state = _Region(pts, kinds, radius_km)
    deadline = time.perf_counter() + time_limit
    rows, solves, seen = [], [], {}
    for index, (year, targets) in enumerate(_stages(region_counts, kinds)):
        free = np.ones(len(state.pts), dtype=bool)
        for kind in kinds:
            count = targets[kind] - len(state.outlets[kind])
            if count > 0:
                left = max(deadline - time.perf_counter(), 1.0)
                positions, credit, record = state.open(kind, count, free, left)
                solves.append({"region_code": code, "kind": kind, "year": year, **record})
                for position, workers in zip(positions, credit, strict=True):
                    point = state.pts.iloc[int(position)]
                    seen[(kind, position)] = seen.get((kind, position), 0) + 1
                    suffix = "" if seen[(kind, position)] == 1 else f"-{seen[(kind, position)]}"
                    if index > 0 or include_existing:
                        rows.append({"region_code": code, "site_id": f"{point['point_id']}-{kind}{suffix}",
                                     "name": point["name"], "lon": point["lon"], "lat": point["lat"],
                                     "kind": kind, "year": year, "workers_covered": float(workers)})
            free &= ~state.covered[kind]
    return rows, solves


def place_sites(points: pd.DataFrame, counts: pd.DataFrame, radius_km: dict[str, float],
                existing: pd.DataFrame | None = None, time_limit_per_region: float = 10.0, *,
                include_existing: bool = False) -> pd.DataFrame:
    """Place the outlets an allocation decided on demand points, regency by regency, year by year.

    Each regency is solved on its own (a site covers only demand points of its own regency). Years are
    solved in order, with every outlet opened earlier kept open (the MCLP's ``existing`` sites). Within a
    year gerai are placed first, then kanal (then other kinds, alphabetically), and each later kind's
    demand weight is the population the earlier kinds leave uncovered in that year. Counts are respected
    exactly: when a regency has fewer points than outlets of a kind, several outlets share a point (the most
    populous points first); they cover nothing new.

    Parameters
    ----------
    points : pandas.DataFrame
        Demand points and candidate sites: point_id (unique), region_code, name, lon, lat (degrees),
        population (persons, >= 0).
    counts : pandas.DataFrame
        region_code, kind, year, new, cumulative: outlets per regency, kind and year; ``cumulative``
        includes the outlets that existed before the first year.
    radius_km : dict
        Kind -> coverage radius, km of great-circle distance, e.g. ``{"gerai": 15.0, "kanal": 5.0}``.
    existing : pandas.DataFrame, optional
        region_code, kind, count of outlets before the first year; checked against ``counts``
        (cumulative minus new), from which they are otherwise derived. Their locations are unknown: they
        are placed first by the same MCLP (a best-case assumption for the existing network).
    time_limit_per_region : float
        Seconds per regency; each solve gets the regency's remaining time (at least 1 s).
    include_existing : bool
        Also return the assumed existing outlets, with ``year`` = the year before the first.

    Returns
    -------
    pandas.DataFrame
        One row per new outlet: region_code, site_id (``<point_id>-<kind>``, with ``-2``, ``-3``... for
        outlets sharing a point), name, lon, lat, kind, year, workers_covered. ``workers_covered`` is the
        population weight (as passed in ``points.population``, persons) newly covered by that outlet: not
        covered before by outlets of the same kind nor, that year, of kinds placed before it; a point newly
        covered by several new outlets is credited to the nearest. ``attrs["solves"]`` holds one row per
        MCLP solve (region_code, kind, year, p, status, gap, objective).

    Raises
    ------
    InputError
        Missing columns, negative or non-numeric values, counts inconsistent with cumulative, a kind without
        a radius, a regency with outlets but no points.

    Examples
    --------
    >>> points = pd.DataFrame({"point_id": ["a", "b", "c"], "region_code": "16.02", "name": ["A", "B", "C"],
    ...                        "lon": [104.0, 104.05, 104.5], "lat": [-3.0, -3.0, -3.0],
    ...                        "population": [100, 50, 80]})
    >>> counts = pd.DataFrame({"region_code": "16.02", "kind": ["gerai"], "year": [2014], "new": [1],
    ...                        "cumulative": [1]})
    >>> place_sites(points, counts, {"gerai": 10.0})[["site_id", "year", "workers_covered"]].to_dict("records")
    [{'site_id': 'a-gerai', 'year': 2014, 'workers_covered': 150.0}]
    """

    if not isinstance(radius_km, dict) or not radius_km:
        raise InputError("radius_km must be a dict kind -> coverage radius in km, e.g. {'gerai': 10.0}.")
    if not isinstance(time_limit_per_region, int | float) or not time_limit_per_region > 0:
        raise InputError(f"time_limit_per_region {time_limit_per_region!r} must be a number of seconds > 0.")
    pts = validate_points(points)
    frame = validate_counts(counts, radius_km)
    _check_existing(frame, existing)
    groups = dict(tuple(pts.groupby("region_code", sort=True)))
    rows, solves = [], []
    for code, region_counts in frame.groupby("region_code", sort=True):
        wanted = int(region_counts["cumulative"].max())
        if code not in groups:
            if wanted:
                raise InputError(f"points: region_code {code} has no demand points but counts ask for "
                                 f"{wanted} outlets there; add its points or drop it from counts.")
            continue
        region_rows, region_solves = place_region(groups[code], region_counts, radius_km,
                                                  float(time_limit_per_region), include_existing)
        rows += region_rows
        solves += region_solves
    result = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))
    result = result.astype({"year": np.int64, "workers_covered": float, "lon": float, "lat": float})
    rank = {kind: position for position, kind in enumerate(_kinds(result["kind"].unique()))}
    result = result.sort_values(["region_code", "year", "kind", "site_id"], kind="stable",
                                key=lambda c: c.map(rank) if c.name == "kind" else c).reset_index(drop=True)
    result.attrs["solves"] = pd.DataFrame(solves, columns=["region_code", "kind", "year", "p", "status", "gap",
                                                           "objective"])
    return result


def _openings(sequence: RegencySequence, counts: pd.DataFrame, first_year: int) -> list[tuple[str, int, int, bool]]:
    """(kind, position in the kind's sequence, year, existing) of every outlet opened along the count path,
    in opening order: the existing outlets first, then year by year gerai before kanal."""
    stages: dict[int, dict[str, int]] = {}
    existing = {}
    for row in counts.itertuples(index=False):
        stages.setdefault(int(row.year), {})[row.kind] = int(row.cumulative)
        existing[row.kind] = int(row.existing)
    opened = {kind: 0 for kind in KIND_ORDER}
    rows = []
    path = [(first_year - 1, existing), *sorted(stages.items())]
    for year, targets in path:
        for kind in KIND_ORDER:
            order = getattr(sequence, kind)
            stop = min(int(targets.get(kind, opened[kind])), len(order))
            rows += [(kind, position, year, year < first_year) for position in range(opened[kind], stop)]
            opened[kind] = max(opened[kind], stop)
    return rows


def _credit(sequence: RegencySequence, openings: list[tuple[str, int, int, bool]]) -> np.ndarray:
    """Population newly covered by each opening, in opening order (each demand point credited once)."""
    rank = {kind: np.full(len(getattr(sequence, kind)) + 1, len(openings)) for kind in KIND_ORDER}
    for position, (kind, index, _, _) in enumerate(openings):
        rank[kind][index] = position
    first = np.minimum(rank["gerai"][sequence.first_gerai], rank["kanal"][sequence.first_kanal])
    reached = first < len(openings)
    return np.bincount(first[reached], weights=sequence.people[reached], minlength=len(openings))


def place_sequences(sequences: SiteSequences, counts: pd.DataFrame,
                    workers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open the prefixes of each regency's site sequences that a plan's counts ask for, year by year.

    Year t opens ``G[g(t-1):g(t)]`` and ``K[k(t-1):k(t)]`` of the regency's gerai and kanal sequences
    (``planner.siting.sequence``); the outlets open before the first year are the first ``existing`` of each.
    The sites opened for counts (g, k) therefore cover, in their regency, exactly the reach table's value.
    Counts beyond a sequence (more outlets than sites allowing the kind) open nothing more.

    Parameters
    ----------
    sequences : planner.siting.sequence.SiteSequences
        Site sequences of every regency.
    counts : pandas.DataFrame
        ``region_code``, ``kind``, ``year``, ``existing``, ``new``, ``cumulative`` for every region, kind and year.
    workers : pandas.DataFrame, optional
        ``region_code``, ``year``, ``workers_informal`` (persons): to express ``workers_covered`` in workers
        (population covered x workers / population of the regency); population when omitted.

    Returns
    -------
    pandas.DataFrame
        ``region_code``, ``site_id``, ``name``, ``lon``, ``lat``, ``kind``, ``year``, ``workers_covered``,
        ``existing`` (True for the outlets open before the first year, whose ``year`` is the year before).
        ``workers_covered`` is what the outlet newly covers in its regency in opening order (existing first,
        then year by year gerai before kanal, each in sequence order).
    """
    first_year = int(counts["year"].min())
    factor = {}
    if workers is not None:
        factor = workers.set_index(["region_code", "year"])["workers_informal"].to_dict()
    rows = []
    for code, region_counts in counts.groupby("region_code", sort=True):
        sequence = sequences.regencies.get(code)
        if sequence is None:
            continue
        openings = _openings(sequence, region_counts, first_year)
        credit = _credit(sequence, openings)
        for (kind, index, year, existing), people in zip(openings, credit, strict=True):
            scale = 1.0
            if workers is not None and sequence.population > 0:
                scale = factor.get((code, max(year, first_year)), 0.0) / sequence.population
            rows.append((code, int(getattr(sequence, kind)[index]), kind, year, people * scale, existing))
    frame = pd.DataFrame(rows, columns=["region_code", "row", "kind", "year", "workers_covered", "existing"])
    site = sequences.sites.iloc[frame["row"].to_numpy()]
    frame = frame.assign(site_id=site["site_id"].to_numpy(), name=site["name"].to_numpy(),
                         lon=site["lon"].to_numpy(float), lat=site["lat"].to_numpy(float))
    return frame[[*OUTPUT_COLUMNS, "existing"]].astype({"year": np.int64, "workers_covered": float})
