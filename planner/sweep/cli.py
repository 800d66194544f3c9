"""``planner sweep``: argument parsing and output for scenario sweeps (the work is in ``planner.sweep``)."""

from __future__ import annotations

import argparse
import sys

SWEEP_EPILOG = """examples:
  planner sweep --vary budget_scale=1.0:1.6:7 --vary gerai.radius_km=10,15 --out sweeps/budget
  planner sweep --samples 50 --seed 1 --out sweeps/mc          (Monte Carlo of costs, radii, informal shares)
  planner sweep --vary budget_scale=1.2 --samples 20 --scheduler tcp://10.0.0.5:8786 --out sweeps/mc

SPEC is a list (10,15,20) or an inclusive range start:stop:count (0.6:1.4:9 = 9 values). Keys are numeric
scenario fields ('planner scenario show') or workers_informal_factor[.<province_code>] (multiplies informal
workers). Re-running the same command with the same --out resumes: finished scenarios come from DIR/cache.
"""


def add_sweep_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``planner sweep`` on the CLI's sub-command parser."""
    from planner.allocation.plan import DEFAULT_GAP, DEFAULT_TIME_LIMIT

    sweep = commands.add_parser("sweep", help="run a grid or Monte Carlo of scenarios on Dask",
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=SWEEP_EPILOG)
    sweep.add_argument("scenario", nargs="?", help="base scenario TOML (default: bpjs-2014)")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a field of the base scenario (repeatable)")
    sweep.add_argument("--vary", action="append", default=[], metavar="KEY=SPEC",
                       help="vary a key over a list or start:stop:count range (repeatable: a grid)")
    sweep.add_argument("--samples", type=int, default=0, help="Monte Carlo draws per grid point (default 0)")
    sweep.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
    sweep.add_argument("--distributions", metavar="FILE",
                       help="TOML of uncertain inputs (default: the documented built-in distributions)")
    sweep.add_argument("--out", required=True, help="sweep folder (results cache, sweep.csv, charts)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="existing Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--workers", type=int, default=None,
                       help="worker processes of a local cluster (default: one per core; 0 = in this process)")
    sweep.add_argument("--regions", help="region GeoPackage (default: the embedded default dataset)")
    sweep.add_argument("--solver", choices=("highs", "cbc"), default="highs", help="MILP solver (default highs)")
    sweep.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                       help=f"seconds per scenario (default {DEFAULT_TIME_LIMIT:g})")
    sweep.add_argument("--gap", type=float, default=DEFAULT_GAP,
                       help=f"relative gap to prove per scenario, a fraction (default {DEFAULT_GAP})")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run ``planner sweep``: parse the SPECs, run the sweep, print where the results are."""
    from planner.errors import InputError
    from planner.scenario import load_scenario
    from planner.sweep import run_sweep, text_progress_bar
    from planner.sweep.specs import load_distributions, parse_vary

    if args.distributions and not args.samples:
        raise InputError("--distributions needs --samples N (the number of Monte Carlo draws); add --samples.")
    vary = parse_vary(args.vary)
    if not vary and not args.samples:
        raise InputError("nothing to sweep: give --vary KEY=SPEC (e.g. budget_scale=1.0:1.6:7) or --samples N.")
    base = load_scenario(args.scenario, args.overrides)
    distributions = load_distributions(args.distributions) if args.distributions else None
    try:
        result = run_sweep(base, vary, args.samples, args.seed, out=args.out, regions=args.regions,
                           workers=args.workers, scheduler=args.scheduler, time_limit=args.time_limit,
                           gap=args.gap, solver=args.solver, distributions=distributions,
                           progress=None if args.quiet else text_progress_bar(sys.stderr))
    except KeyboardInterrupt:
        print(f"\nplanner: interrupted; finished scenarios are kept in {args.out}/cache: run the same command "
              "again to resume.", file=sys.stderr)
        return 130
    _print_summary(result)
    return 0


def _print_summary(result) -> None:
    table = result.table
    statuses = table["status"].value_counts()
    print(f"{len(table)} scenarios: {result.cached} from the cache, {result.solved} solved now; "
          + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())))
    for name in ("sweep_csv", "frontier_png", "robustness_csv", "robustness_png"):
        if name in result.paths:
            print(f"wrote {result.paths[name]}")
