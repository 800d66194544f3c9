"""Benchmark of the site-level phase (issue 15): the two-step plan valued at site level, the proven national
bound, the window search, the gap; on the official fine data, a province subset, or the default dataset.

Steps: load the dataset; the allocation plan with its outlets placed on the site sequences
(``planner.allocation.plan.plan(..., sites=True)``, existing outlets included, year before the first);
then ``planner.national.run.site_level`` with the phase's
time limit. Prints the two-step plan's site-level value, the bound, the improved value, the gap reached at
1, 3 and 10 minutes of the phase, wall seconds and peak memory (``resource.getrusage``: this process, and the
largest child, the search's process beside the bound).

``--province CODE`` keeps one province and scales the scenario to it (targets at most 2 gerai and 3 kanal per
regency, budget in proportion, no locks) and, with ``--exact``, proves the site-level optimum by the full MIP
(``planner.national.exact``) to check bound >= optimum.

Usage: python benchmarks/national_sites.py [--regions /work/wt/official_fine.gpkg] [--seconds 600]
       [--method auto|descent|lp|subgradient|national|regency] [--province 65 --exact]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OFFICIAL = REPO.parent / "official_fine.gpkg"
CHECKPOINTS = (60.0, 180.0, 600.0)


def province_subset(dataset, code: str):
    """The dataset restricted to one province's regencies (every layer)."""
    keep = set(dataset.regions.loc[dataset.regions["province_code"] == code, "region_code"])
    layers = {name: getattr(dataset, name) for name in ("points", "demand", "sites")}
    trimmed = {name: None if layer is None else layer[layer["region_code"].isin(keep)].reset_index(drop=True)
               for name, layer in layers.items()}
    return dataclasses.replace(dataset, regions=dataset.regions[dataset.regions["region_code"].isin(keep)]
                               .reset_index(drop=True),
                               provinces=dataset.provinces[dataset.provinces["province_code"] == code], **trimmed)


def province_scenario(scenario, n_regions: int, n_total: int, years: int | None = None):
    """The default scenario scaled to a subset of ``n_regions`` of ``n_total`` regencies (and its first
    ``years`` years)."""
    share = n_regions / n_total
    if years:
        scenario = scenario.replace(years=list(scenario.years[:years]), budget_idr=list(scenario.budget_idr[:years]))
    return scenario.replace(locks=()).with_overrides([
        "gerai.target_mode=at_most", "kanal.target_mode=at_most", f"gerai.target={2 * n_regions}",
        f"kanal.target={3 * n_regions}", "gerai.existing_total=1", f"budget_scale={share:.6f}",
        f"gerai.rollout_per_year={n_regions}", f"kanal.rollout_per_year={2 * n_regions}"])


def two_step(dataset, scenario):
    """The allocation plan's counts and its outlets as main's placement puts them (``plan(..., sites=True)``:
    prefixes of the regencies' greedy site sequences, existing outlets included)."""
    from planner.allocation.plan import plan

    result = plan(dataset, scenario, sites=True)
    if result.sites is None:
        raise SystemExit("the dataset has no demand points and candidate sites: nothing to place")
    return result.allocation, result.sites[["region_code", "site_id", "lon", "lat", "kind", "year"]]


def gap_at(history: list, checkpoint: float) -> float | None:
    """Gap (bound / value - 1) at a moment of the phase from its (seconds, bound, value) records."""
    seen = [(b, v) for s, b, v in history if s <= checkpoint]
    if not seen:
        return None
    return min(b for b, _ in seen) / max(v for _, v in seen) - 1


def synthetic() -> int:
    """The tests' 5 small synthetic instances: full MIP optimum, bound, search from a naive placement."""
    sys.path.insert(0, str(REPO))
    from tests.test_national_improve import search_small_instance

    matched = 0
    for seed in range(5):
        run = search_small_instance(seed)
        optimum, bound, start, value = run["optimum"], run["bound"], run["start"], run["value"]
        matched += value >= optimum.objective * (1 - 1e-6)
        print(f"seed {seed}: optimum {optimum.objective:,.1f} ({optimum.status}), bound {bound.bound:,.1f} "
              f"(+{bound.bound / optimum.objective - 1:.3%}), naive {start.objective:,.1f}, searched {value:,.1f}")
    print(f"search reached the optimum on {matched} of 5")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the phase once and print its figures; 0 on success, 1 when the dataset is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=Path, default=OFFICIAL)
    parser.add_argument("--seconds", type=float, default=600.0, help="site-level phase limit (s)")
    parser.add_argument("--province", help="keep one province (its code)")
    parser.add_argument("--exact", action="store_true", help="also prove the optimum by the full MIP")
    parser.add_argument("--years", type=int, help="with --province: keep only the first YEARS plan years")
    parser.add_argument("--synthetic", action="store_true", help="the 5 synthetic instances of the tests")
    parser.add_argument("--cache", type=Path, help="folder to keep the two-step plan in between runs")
    parser.add_argument("--method", choices=("auto", "descent", "lp", "subgradient", "national", "regency"),
                        default="auto",
                        help="bound: descent on the Lagrangian dual (descent, = auto), cutting planes with "
                             "subgradient prices (subgradient) or covering LP prices (lp), one price per demand "
                             "point and year between count MILPs (national), per-regency planes (regency)")
    args = parser.parse_args(argv)
    if args.synthetic:
        return synthetic()
    if not args.regions.is_file():
        print(f"{args.regions} is absent: nothing to measure", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO))
    from planner.inputs import build_inputs
    from planner.national.model import national_data
    from planner.national.run import site_level
    from planner.regions import load_dataset
    from planner.scenario import default_scenario

    began = time.perf_counter()
    dataset, scenario = load_dataset(args.regions), default_scenario()
    if args.province:
        total = len(dataset.regions)
        dataset = province_subset(dataset, args.province)
        scenario = province_scenario(scenario, len(dataset.regions), total, args.years)
    cache = args.cache / f"two_step_{args.province or 'all'}" if args.cache else None
    if cache is not None and (cache / "placed.csv").is_file():
        import pandas as pd

        counts = pd.read_csv(cache / "counts.csv", dtype={"region_code": str})
        placed = pd.read_csv(cache / "placed.csv", dtype={"region_code": str})
    else:
        counts, placed = two_step(dataset, scenario)
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            counts.to_csv(cache / "counts.csv", index=False)
            placed.to_csv(cache / "placed.csv", index=False)
    data = national_data(dataset, build_inputs(dataset, scenario))
    print(f"setup (load, plan, placement): {time.perf_counter() - began:.0f} s; {len(data.demand):,} demand "
          f"points, {len(data.sites):,} sites, {len(placed):,} outlets placed", flush=True)
    timeline: list = []
    phase = time.perf_counter()

    def log(line: str) -> None:
        print(f"  [{time.perf_counter() - phase:6.0f} s] {line}", flush=True)

    result, _ = site_level(data, counts, placed, time_limit=args.seconds, log=log, timeline=timeline,
                           bound_method=args.method)
    print(f"site level: {result.to_dict()}")
    for checkpoint in CHECKPOINTS:
        gap = gap_at(timeline, checkpoint)
        print(f"gap at {checkpoint / 60:.0f} min: " + ("no bound yet" if gap is None or gap == float("inf")
                                                      else f"{gap:.3%}"))
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB (this process)"
          + (f" + {child:,.0f} MB (the search's process, beside it)" if child else "")
          + f"; wall {time.perf_counter() - began:.0f} s")
    if args.exact:
        from planner.national.exact import build_site_mip, solve_site_mip
        from planner.solve import SolverOptions

        mip = build_site_mip(data, data.tree(), set(data.inputs.regions["region_code"]),
                             existing=placed[placed["year"] < data.years[0]])
        outcome, _ = solve_site_mip(mip, SolverOptions(time_limit=1800, gap=0.0))
        print(f"full MIP: {outcome.status}, optimum {outcome.objective:,.0f}, MIP bound {outcome.bound:,.0f}; "
              f"national bound >= optimum: {result.bound >= outcome.objective * (1 - 1e-9)}; improved plan / "
              f"optimum = {result.objective / outcome.objective:.6f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
