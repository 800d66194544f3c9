"""Benchmark of the full official import (issue 12): boundaries, census, crosswalk, kecamatan points, the 1 km
population grid, the village sites and the kecamatan polygons from ../shared, into a temporary folder.

Prints the wall seconds, CPU seconds and peak memory of this process (``resource.getrusage``; it does little
else), the grid cells kept, the sites kept and the largest per-regency rescaling factor, then checks that the
written file loads with ``planner.regions.load_dataset`` (not timed). Goal: import <= 60 s.

Usage: python benchmarks/import_official.py [--shared ../shared/data/indonesia] [--keep OUT.gpkg]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "indonesia"
GOAL_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    """Run the import once and print its figures; returns 0 (1 when the shared data is absent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="folder of the official files")
    parser.add_argument("--keep", type=Path, help="also copy the written GeoPackage here")
    args = parser.parse_args(argv)
    data = args.shared
    if not data.is_dir():
        print(f"{data} is absent: nothing to measure", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO))
    from planner.data_import import import_official_data
    from planner.regions import load_dataset

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "official_fine.gpkg"
        before = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = before.ru_utime + before.ru_stime
        began = time.perf_counter()
        report = import_official_data(
            data / "regencies_2025.gpkg", data / "sp2010_population_by_kecamatan.csv", out,
            crosswalk=data / "bps2010_regency_to_kemendagri.csv", points=data / "kecamatan_centroids_2025.csv",
            grid=data / "population_grid_1km.parquet", sites=data / "village_centroids_2025.csv",
            kecamatan=data / "kecamatan_2025.gpkg", log=lambda line: None)
        wall = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - cpu_before
        peak_mb = usage.ru_maxrss / 1024
        size_mb = out.stat().st_size / 1e6
        loaded = time.perf_counter()
        dataset = load_dataset(out)
        load_seconds = time.perf_counter() - loaded
        if args.keep:
            shutil.copyfile(out, args.keep)
    grid, sites = report.grid, report.sites
    print(f"import_official on {date.today()} ({platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; 1-minute load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; planner from {Path(sys.modules['planner'].__file__).parent})")
    print(f"wall seconds: {wall:.1f} (goal <= {GOAL_SECONDS:.0f}: {'met' if wall <= GOAL_SECONDS else 'missed'}); "
          f"CPU seconds (user + system) {cpu:.1f}")
    print(f"peak memory: {peak_mb:,.0f} MB; file {size_mb:.1f} MB; load_dataset {load_seconds:.1f} s")
    print(f"regions: {report.n_regions}; points: {report.n_points:,}")
    print(f"grid cells kept: {grid.cells_kept:,} of {grid.cells_read:,} ({grid.cells_empty:,} without people, "
          f"{grid.cells_far:,} far; {grid.cells_nearest:,} given to the nearest regency, at most "
          f"{grid.nearest_max_km:.1f} km)")
    print(f"rescaling: {grid.grid_people:,.0f} grid people -> {grid.population:,.0f}; per regency factor "
          f"{grid.factor_min[1]:.3f} ({grid.factor_min[0]}) to {grid.factor_max[1]:.3f} ({grid.factor_max[0]}); "
          f"{grid.people_changed:,.0f} people added or removed; {grid.people_moved_kecamatan:,.0f} moved by "
          f"kecamatan shaping ({grid.kecamatan_shaped:,} kecamatan)")
    print(f"sites kept: {sites.n_sites:,} (by code {sites.by_code:,}, by polygon {sites.by_polygon:,}, nearest "
          f"{sites.by_nearest:,}, refused {sites.refused}); per regency min/median/max "
          f"{sites.per_regency[0]}/{sites.per_regency[1]:.0f}/{sites.per_regency[2]}")
    print(f"loaded: {len(dataset.regions)} regions, {len(dataset.demand):,} demand points, "
          f"{len(dataset.sites):,} sites")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
