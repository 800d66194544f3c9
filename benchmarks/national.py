"""National benchmark of the allocation optimiser (issue 3).

For the default scenario on (a) the embedded default dataset and (b) the official data imported from
../shared (when present), runs the default ``planner run`` solve (gap 0.1 %) in a fresh process and prints
build seconds, solve seconds, wall seconds, status, proven gap, objective, bound, peak memory and which budget
years bind; then, in the same run, the naive formulation (integer counts, tangent cuts of each kind's curve
at half-integer points, the two kinds' reach added and capped by W, see docs/architecture.md) solved by HiGHS with the
same wall time, and its gap.

Usage: python benchmarks/national.py [--only default|official] [--naive-seconds S]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "indonesia"

CHILD = r"""
import json, resource, sys, time
began = time.perf_counter()
from planner.allocation.plan import plan
result = plan(sys.argv[1] if sys.argv[1] != "-" else None)
s = result.summary
print(json.dumps({"status": s.status, "gap": s.gap, "objective": s.objective, "bound": s.bound,
                  "build_seconds": s.build_seconds, "solve_seconds": s.solve_seconds,
                  "wall_seconds": time.perf_counter() - began, "binding": s.binding_budget_years,
                  "reach_model": s.reach_model, "phases": s.phases,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

NAIVE = r"""
import json, resource, sys, time
import numpy as np, pandas as pd, pulp
from planner.regions import load_dataset
from planner.scenario import default_scenario
from planner.inputs import build_inputs
from planner.model.build import build_model
from planner.model.constraints import count_table, LE
from planner.pulp_compat import affine
from planner.solve import SolverOptions, solve

began = time.perf_counter()
inputs = build_inputs(load_dataset(sys.argv[1] if sys.argv[1] != "-" else None), default_scenario())
m = build_model(inputs, planes=inputs.planes.iloc[:0])
table = count_table(m)
grid = inputs.grid
# each kind's own curve, the other kind at its smallest count in the table (its existing outlets)
low_gerai = grid.groupby("region_code")["n_gerai"].transform("min")
low_kanal = grid.groupby("region_code")["n_kanal"].transform("min")
curves = {"gerai": grid[grid["n_kanal"] == low_kanal].set_index(["region_code", "n_gerai"])["share"],
          "kanal": grid[grid["n_gerai"] == low_gerai].set_index(["region_code", "n_kanal"])["share"]}
def concave(values):
    # upper concave envelope at every count: tangent cuts assume a concave curve, the tables need not be one
    hull = []
    for x, y in enumerate(values):
        while len(hull) >= 2 and ((hull[-1][1] - hull[-2][1]) * (x - hull[-2][0])
                                  <= (y - hull[-2][1]) * (hull[-1][0] - hull[-2][0])):
            hull.pop()
        hull.append((x, y))
    xs, ys = zip(*hull)
    return np.interp(np.arange(len(values)), xs, ys)


for row in table.itertuples(index=False):
    parts = []
    for kind, count in (("gerai", row.gerai), ("kanal", row.kanal)):
        part = pulp.LpVariable(f"naive_{kind}_{row.region_code.replace('.', '_')}_{row.year}", 0.0, 1.0)
        parts.append(part)
        series = curves[kind].loc[row.region_code].sort_index()
        curve, n = concave(series.to_numpy()), series.index.to_numpy(dtype=float)
        for low in range(len(curve) - 1):  # tangent at the half-integer point between two counts
            point = n[low] + 0.5
            slope = curve[low + 1] - curve[low]
            value = curve[low] + slope * 0.5
            m.add("naive_reach", (kind, row.region_code, row.year, low),
                  pulp.LpConstraint(affine([(part, 1.0), (count, -slope)]), LE, rhs=value - slope * point))
    m.add("naive_sum", (row.region_code, row.year),
          pulp.LpConstraint(affine([(row.var, 1.0), (parts[0], -1.0), (parts[1], -1.0)]), LE, rhs=0.0))
build = time.perf_counter() - began
outcome = solve(m.problem, SolverOptions(time_limit=float(sys.argv[2]), gap=0.001))
print(json.dumps({"status": outcome.status, "gap": outcome.gap, "objective": outcome.objective,
                  "bound": outcome.bound, "build_seconds": build, "solve_seconds": outcome.seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _official(folder: Path) -> str | None:
    if not SHARED.is_dir():
        return None
    from planner.data_import import import_official_data

    out = folder / "official.gpkg"
    import_official_data(SHARED / "regencies_2025.gpkg", SHARED / "sp2010_population_by_kecamatan.csv", out,
                         crosswalk=SHARED / "bps2010_regency_to_kemendagri.csv",
                         points=SHARED / "kecamatan_centroids_2025.csv", log=lambda message: None)
    return str(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("default", "official"))
    parser.add_argument("--naive-seconds", type=float, default=None,
                        help="time limit of the naive solve (default: planner's wall time of the same dataset)")
    args = parser.parse_args()
    print(f"# national benchmark, {date.today()}, {platform.node()}, {platform.processor() or platform.machine()}, "
          f"2 cores")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        datasets = {"default": "-", "official": _official(Path(folder))}
        for name, path in datasets.items():
            if (args.only and name != args.only) or path is None:
                if path is None:
                    print(f"{name}: skipped (../shared is absent)")
                continue
            began = time.perf_counter()
            ours = _child(CHILD, path)
            wall = time.perf_counter() - began
            naive = _child(NAIVE, path, str(args.naive_seconds or ours["build_seconds"] + ours["solve_seconds"]))
            rows.append((name, ours, naive, wall))
            print(json.dumps({"dataset": name, "planner": ours, "naive": naive, "process_wall_seconds": wall}))
    print()
    print("| dataset | reach model | build s | solve s | wall s (process) | status | proven gap | objective "
          "(worker-years) | peak MB | budget years binding | naive: solve s | naive gap |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, ours, naive, wall in rows:
        naive_gap = "none" if naive["gap"] is None else f"{naive['gap']:.2%}"
        print(f"| {name} | {ours['reach_model']} | {ours['build_seconds']:.1f} | {ours['solve_seconds']:.1f} | "
              f"{wall:.1f} | {ours['status']} | {ours['gap']:.3%} | {ours['objective']:,.0f} | "
              f"{ours['peak_mb']:.0f} | {', '.join(map(str, ours['binding']))} | {naive['solve_seconds']:.1f} | "
              f"{naive_gap} |")


if __name__ == "__main__":
    main()
