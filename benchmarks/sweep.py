"""Sweep benchmark (issue 6): 20 national scenarios on a Dask LocalCluster with 1 and with 2 workers.

The grid is ``budget_scale`` 1.0..1.45 (10 values, step 0.05; the default scenario needs at least about 0.95) x
``gerai.radius_km`` 10 and 20 on the embedded default dataset, each plan solved to the default 0.1 % gap
with one solver thread. Each run starts from an empty sweep folder (no cache), so the wall time includes
starting the cluster and its workers importing planner. Prints wall seconds, scenarios per minute, the
speed-up of 2 workers over 1, the sum of per-scenario solve seconds, and whether both runs gave the same
``sweep.csv`` bytes.

Usage: python benchmarks/sweep.py [--workers 1,2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import dask

from planner.sweep import run_sweep

GRID = {"budget_scale": "1.0:1.45:10", "gerai.radius_km": [10.0, 20.0]}


def _one_run(workers: int, out: Path) -> dict:
    began = time.perf_counter()
    result = run_sweep(None, GRID, out=out, workers=workers)
    wall = time.perf_counter() - began
    solve = sum(json.loads(path.read_text())["seconds"] for path in (out / "cache").glob("*.json"))
    statuses = result.table["status"].value_counts().to_dict()
    return {"workers": workers, "wall": wall, "scenarios": len(result.table), "solve_sum": solve,
            "statuses": statuses, "csv": (out / "sweep.csv").read_bytes(),
            "max_gap": float(result.table["gap"].max())}


def main() -> None:
    """Run the sweep once per worker count and print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--keep", help="keep the sweep folders under this folder (default: temporary)")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    runs = []
    try:
        for workers in (int(text) for text in args.workers.split(",")):
            out = root / f"workers-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            print(f"running 20 scenarios with {workers} worker(s) ...", file=sys.stderr, flush=True)
            runs.append(_one_run(workers, out))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, "
          f"dask {dask.__version__}; {date.today().isoformat()}; load average at start {load:.2f}")
    print(f"grid: {GRID} on the embedded default dataset, gap 0.1 %, 1 solver thread per plan")
    print(f"{'workers':>7} {'scenarios':>9} {'wall s':>8} {'per min':>8} {'speed-up':>8} {'solve-sum s':>11} "
          f"{'max gap':>8}  statuses")
    for run in runs:
        speed = runs[0]["wall"] / run["wall"]
        print(f"{run['workers']:>7} {run['scenarios']:>9} {run['wall']:>8.1f} "
              f"{60 * run['scenarios'] / run['wall']:>8.1f} {speed:>8.2f} {run['solve_sum']:>11.1f} "
              f"{run['max_gap']:>8.4%}  {run['statuses']}")
    if len(runs) > 1:
        same = all(run["csv"] == runs[0]["csv"] for run in runs)
        print(f"sweep.csv identical across worker counts: {same}")


if __name__ == "__main__":
    main()
