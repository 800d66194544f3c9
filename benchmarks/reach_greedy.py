"""How far the greedy site sequences (the points model's reach tables) are from the MCLP optimum.

For a seeded sample of regencies of a region dataset with demand and sites (e.g. the official data imported
with ``--grid`` and ``--sites``), the covered share of each greedy prefix ``G[:p]`` (gerai radius) and of the
kanal sequence built after no gerai (``K[:p]``, kanal radius) is compared with the optimum of the maximal
covering problem for the same p (``planner.siting.solve_mclp``, proven to 0.01 %). Prints, per kind and p,
the median and worst shortfall in percentage points of the regency's people, and the seconds spent.

Usage: python -m benchmarks.reach_greedy --regions official_fine.gpkg [--sample 40] [--seed 0] [--max-p 6]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from planner.regions import load_dataset
from planner.siting import solve_mclp
from planner.siting.coverage import coverage_from_points
from planner.siting.sequence import covered_table, first_cover, greedy_order

RADIUS = {"gerai": 15.0, "kanal": 5.0}


def regency_rows(demand: pd.DataFrame, sites: pd.DataFrame, code: str, kind: str, max_p: int,
                 seconds: float) -> list[dict]:
    """Greedy vs optimum covered share for p = 1..max_p in one regency and kind."""
    people = demand[demand["region_code"] == code]
    here = sites[(sites["region_code"] == code) & sites[f"allows_{kind}"]]
    if people.empty or here.empty or people["population"].sum() <= 0:
        return []
    weights = people["population"].to_numpy(float)
    cover = coverage_from_points(people[["lon", "lat"]].to_numpy(float), here[["lon", "lat"]].to_numpy(float),
                                 RADIUS[kind]).tocsc()
    order = greedy_order(cover, weights, min(max_p, len(here)))
    greedy = covered_table(weights, first_cover(cover, order), np.zeros(len(weights), dtype=np.int64),
                           len(order), 0)[:, 0]
    rows = []
    for p in range(1, len(order) + 1):
        began = time.perf_counter()
        best = solve_mclp(weights, p, coverage=cover, gap=1e-4, time_limit=seconds)
        rows.append({"region_code": code, "kind": kind, "p": p, "demand": len(weights), "sites": len(here),
                     "greedy": greedy[p] / weights.sum(), "optimum": best.objective / weights.sum(),
                     "status": best.status, "seconds": time.perf_counter() - began})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", required=True)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-p", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per MCLP solve")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.regions)
    demand, sites = dataset.demand_points(), dataset.candidate_sites()
    codes = sorted(demand["region_code"].unique())
    sample = sorted(np.random.default_rng(args.seed).choice(codes, size=min(args.sample, len(codes)), replace=False))
    rows = []
    for code in sample:
        for kind in RADIUS:
            found = regency_rows(demand, sites, code, kind, args.max_p, args.seconds)
            rows += found
            worst = max((100.0 * (r["optimum"] - r["greedy"]) for r in found), default=0.0)
            print(f"{code} {kind}: {len(found)} solves, worst shortfall {worst:.2f} points", flush=True)
    table = pd.DataFrame(rows)
    table["shortfall_points"] = 100.0 * (table["optimum"] - table["greedy"])
    print(f"{len(sample)} regencies (seed {args.seed}); MCLP proven optimal in "
          f"{(table['status'] == 'optimal').mean():.0%} of {len(table)} solves, {table['seconds'].sum():.1f} s")
    print("| kind | p | regencies | median shortfall (points) | worst shortfall (points) | median MCLP s |")
    print("|---|---|---|---|---|---|")
    for (kind, p), group in table.groupby(["kind", "p"]):
        print(f"| {kind} | {p} | {len(group)} | {group['shortfall_points'].median():.2f} | "
              f"{group['shortfall_points'].max():.2f} | {group['seconds'].median():.2f} |")
    for kind, group in table.groupby("kind"):
        worst = group.loc[group["shortfall_points"].idxmax()]
        print(f"{kind}: all p, median {group['shortfall_points'].median():.2f} points, worst "
              f"{worst['shortfall_points']:.2f} points ({worst['region_code']}, p={worst['p']})")


if __name__ == "__main__":
    main()
