"""Fit the few global numbers of the default's rural spread (``demand_default.SPREAD``) against the 1 km grid.

Reads ``../shared/data/indonesia/population_grid_1km.parquet`` (never copied into the repository) and the
embedded default's ``regions``, ``provinces`` and ``points`` layers. For a candidate ``Spread`` it builds the
demand (urban people on the settlements, rural people on the lattice cells) and measures, for fitting site
sets distinct from the evaluation's (seeded random settlements and lattice cells, every settlement, the
most populous settlement of every regency), the share of people within 5 km and 15 km on the default's
demand and on the grid. The loss is the sum over site sets and radii of |national error| + median
|province error| (percentage points); it is minimised by Nelder-Mead from a few starts, inside bounds.

Run ``python data/regions/fit_demand.py`` from the repository root: it prints the fitted numbers, which
are then typed into ``demand_default.SPREAD`` and the data card (README.md). Only those numbers leave
this script.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import minimize

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import demand_default as dd  # noqa: E402
import evaluate_default as ev  # noqa: E402

#: Bounds of the fitted numbers: kernel_share, kernel_km, coast_share, coast_km, urban_factor.
BOUNDS = [(0.0, 1.0), (1.0, 15.0), (0.0, 1.0), (2.0, 60.0), (0.0, 1.0)]
RADII_KM = (5.0, 15.0)


def fitting_inputs(gpkg: Path = ev.GPKG) -> dict:
    """Regions, settlements, lattice cells, their coast distances and kernel pairs (independent of the fit)."""
    regions = gpd.read_file(gpkg, layer="regions")
    provinces = gpd.read_file(gpkg, layer="provinces")
    points = gpd.read_file(gpkg, layer="points")
    towns = pd.DataFrame({"point_id": points["point_id"], "region_code": points["region_code"],
                          "name": points["name"], "lon": points.geometry.x, "lat": points.geometry.y})
    towns["weight"] = dd.settlement_weights(towns)
    cells = dd.lattice_cells(regions)
    coast = dd.coast_distance_km(cells, provinces)
    pairs = dd.kernel_pairs(cells, towns, dd.KERNEL_CUTOFF * BOUNDS[1][1])
    return {"regions": regions, "towns": towns, "cells": cells, "coast": coast, "pairs": pairs}


def fitting_site_sets(inputs: dict) -> dict[str, pd.DataFrame]:
    """Site sets of the fit (seeds differ from the evaluation's)."""
    towns, cells = inputs["towns"], inputs["cells"]
    rng = np.random.default_rng(20261202)
    pool = pd.concat([towns[["lon", "lat"]], cells[["lon", "lat"]]], ignore_index=True)
    top = towns.sort_values(["weight", "point_id"], ascending=[False, True]).drop_duplicates("region_code")
    return {"random_2000": pool.iloc[rng.choice(len(pool), 2000, replace=False)],
            "random_towns_800": towns.iloc[rng.choice(len(towns), 800, replace=False)],
            "all_towns": towns, "top_town_per_regency": top}


def masks(points: pd.DataFrame, site_sets: dict[str, pd.DataFrame]) -> dict[tuple[str, float], np.ndarray]:
    """Which points are within each radius of each site set."""
    return {(name, radius): ev.reached(points, [(sites, radius)])
            for name, sites in site_sets.items() for radius in RADII_KM}


def demand_weights(theta: np.ndarray, inputs: dict) -> np.ndarray:
    """People on [settlements, cells] (floats) for the spread ``theta``."""
    spread = dd.Spread(*theta)
    regions, towns, cells = inputs["regions"], inputs["towns"], inputs["cells"]
    population = regions.set_index("region_code")["population"].astype(float)
    urban = dd.town_shares(regions, spread) * population
    town_share = towns["weight"] / towns.groupby("region_code")["weight"].transform("sum")
    rural = dd.rural_weights(cells, inputs["pairs"], towns["weight"].to_numpy(), inputs["coast"], spread)
    return np.concatenate([town_share.to_numpy() * towns["region_code"].map(urban).to_numpy(),
                           rural * cells["region_code"].map(population - urban).to_numpy()])


def loss(theta, inputs, demand_province, demand_masks, grid_shares) -> float:
    """Sum over site sets and radii of |national error| + median |province error|, percentage points."""
    if theta[0] + theta[2] > 1.0 or any(not lo <= t <= hi for t, (lo, hi) in zip(theta, BOUNDS, strict=True)):
        return 1e6
    weight = demand_weights(theta, inputs)
    total = np.bincount(demand_province, weights=weight)
    national_total = weight.sum()
    value = 0.0
    for key, mask in demand_masks.items():
        national, by_province = grid_shares[key]
        covered = np.bincount(demand_province, weights=weight * mask, minlength=len(total))
        value += abs(100 * (covered.sum() / national_total - national))
        value += float(np.median(np.abs(100 * (covered / np.maximum(total, 1.0) - by_province))))
    return value


def describe(theta, inputs, demand_province, demand_masks, grid_shares) -> None:
    """Print the national shares and the median province error of every (site set, radius) at ``theta``."""
    weight = demand_weights(np.asarray(theta), inputs)
    total = np.bincount(demand_province, weights=weight)
    for (name, radius), mask in demand_masks.items():
        national, by_province = grid_shares[(name, radius)]
        covered = np.bincount(demand_province, weights=weight * mask, minlength=len(total))
        median = np.median(np.abs(100 * (covered / np.maximum(total, 1.0) - by_province)))
        print(f"  {name} @{radius:g} km: default {100 * covered.sum() / weight.sum():.1f} %, grid "
              f"{100 * national:.1f} %, median |province error| {median:.1f} points")


def main() -> int:
    if not ev.SHARED_DATA.is_dir():
        print(f"{ev.SHARED_DATA} is absent: nothing to fit against.")
        return 0
    start = time.perf_counter()
    inputs = fitting_inputs()
    sites = fitting_site_sets(inputs)
    points = pd.concat([inputs["towns"][["lon", "lat", "region_code"]],
                        inputs["cells"][["lon", "lat", "region_code"]]], ignore_index=True)
    province_codes = np.array(sorted(set(points["region_code"].str[:2])))
    demand_province = np.searchsorted(province_codes, points["region_code"].str[:2].to_numpy())
    demand_masks = masks(points, sites)
    grid = ev.load_grid()
    grid_province = np.searchsorted(province_codes, grid["province_code"].astype(str).to_numpy())
    grid_total = np.bincount(grid_province, weights=grid["population"], minlength=len(province_codes))
    grid_shares = {}
    for key, mask in masks(grid, sites).items():
        covered = np.bincount(grid_province, weights=grid["population"] * mask, minlength=len(province_codes))
        grid_shares[key] = (covered.sum() / grid_total.sum(), covered / grid_total)
    print(f"inputs ready in {time.perf_counter() - start:.0f} s: {len(inputs['cells'])} cells, "
          f"{len(inputs['towns'])} settlements, {inputs['pairs'].nnz} kernel pairs")
    args = (inputs, demand_province, demand_masks, grid_shares)
    best = None
    for start_theta in ([0.5, 6.0, 0.2, 10.0, 0.5], [0.3, 3.0, 0.3, 20.0, 0.8], [0.7, 9.0, 0.1, 5.0, 0.3]):
        result = minimize(loss, np.array(start_theta), args=args, method="Nelder-Mead",
                          options={"maxfev": 400, "xatol": 1e-3, "fatol": 1e-3})
        print(f"start {start_theta}: loss {result.fun:.2f} at {np.round(result.x, 3).tolist()}")
        if best is None or result.fun < best.fun:
            best = result
    print(f"uniform only (no kernel, no coast, urban on the points): loss {loss([0, 5, 0, 10, 1], *args):.2f}")
    describe([0, 5, 0, 10, 1], *args)
    print("fitted Spread(kernel_share, kernel_km, coast_share, coast_km, urban_factor) = "
          f"{np.round(best.x, 3).tolist()}, loss {best.fun:.2f} over {len(demand_masks)} (set, radius) pairs "
          f"({time.perf_counter() - start:.0f} s)")
    describe(best.x, *args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
