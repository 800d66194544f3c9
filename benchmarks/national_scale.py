"""Scale check of the national bound (issue 15): the per-regency covering problems on the official 1 km grid
and on a simulated grid ``--factor`` times finer in count (each 1 km cell split into that many points
jittered uniformly within its square, people shared equally), for a sample of regencies.

Prints, per grid: demand points, seconds and merged rows per regency (build + one plane), the projected
seconds for all 514 regencies on one core and peak memory of this process. The count model on top does not
grow with the grid (it has one reach variable per regency and year).

Usage: python benchmarks/national_scale.py [--regions /work/wt/official_fine.gpkg] [--factor 10]
       [--sample 24]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
OFFICIAL = REPO.parent / "official_fine.gpkg"
CELL_DEG = 1.0 / 111.32  # about 1 km of latitude


def finer(demand: pd.DataFrame, factor: int, seed: int = 0) -> pd.DataFrame:
    """Every cell split into ``factor`` points jittered within its square, people shared equally."""
    rng = np.random.default_rng(seed)
    n = len(demand) * factor
    repeat = demand.loc[demand.index.repeat(factor)].reset_index(drop=True)
    repeat["lon"] = repeat["lon"].to_numpy() + (rng.random(n) - 0.5) * CELL_DEG
    repeat["lat"] = repeat["lat"].to_numpy() + (rng.random(n) - 0.5) * CELL_DEG
    repeat["weight"] = repeat["weight"].to_numpy() / factor
    repeat["point_id"] = np.arange(n).astype(str)
    return repeat


def measure(data, codes: list, pair=(3, 5)) -> tuple[float, int]:
    """Seconds and merged rows over the sampled regencies (build + one plane each)."""
    from planner.national.bound import _site_table, region_lp, region_plane

    tree = data.tree()
    sites = _site_table(data, None)
    began, rows = time.perf_counter(), 0
    for code in codes:
        lp, _ = region_lp(data, tree, sites[sites["region_code"] == code])
        region_plane(lp, *pair)
        rows += len(lp.weights)
    return time.perf_counter() - began, rows


def main(argv: list[str] | None = None) -> int:
    """Measure both grids on the same regencies; 0 on success, 1 when the dataset is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=Path, default=OFFICIAL)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--sample", type=int, default=24)
    args = parser.parse_args(argv)
    if not args.regions.is_file():
        print(f"{args.regions} is absent: nothing to measure", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO))
    from planner.inputs import build_inputs
    from planner.national.model import national_data
    from planner.regions import load_dataset
    from planner.scenario import default_scenario

    dataset = load_dataset(args.regions)
    data = national_data(dataset, build_inputs(dataset, default_scenario()))
    codes = sorted(data.demand["region_code"].unique())
    sample = list(np.random.default_rng(1).choice(codes, args.sample, replace=False))
    for label, grid in (("1 km grid", data), (f"{args.factor}x points", None)):
        if grid is None:
            factor = np.repeat(data.factor, args.factor, axis=0)
            grid = dataclasses.replace(data, demand=finer(data.demand, args.factor), factor=factor)
        seconds, rows = measure(grid, sample)
        print(f"{label}: {len(grid.demand):,} points; {args.sample} regencies in {seconds:.1f} s "
              f"({rows / args.sample:,.0f} merged rows each); all {len(codes)} projected "
              f"{seconds / args.sample * len(codes):,.0f} s on one core; peak memory "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
