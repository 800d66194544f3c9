"""Command line: ``planner run``, ``planner data ...``, ``planner scenario ...``, ``planner sweep``.

Thin: parse arguments, call the public API, print. User errors print one sentence and exit non-zero.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from planner.allocation.summary import PlanSummary

EXIT_CODES = """exit codes:
  0  success
  1  internal error (a bug: please report it with the traceback)
  2  user error: bad file, field or value (the message names it and the fix)
  3  infeasible scenario (the message says which rule must give way and by how much)
  4  solver failure, or no plan within the time limit
  6  --check-manifest: re-running the recorded plan gives different results
"""


class _Parser(argparse.ArgumentParser):
    """argparse with the planner's error format: the usage line, then one ``planner: error:`` sentence, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"planner: error: {message}; see '{self.prog} --help'.\n")


def _progress(quiet: bool) -> Callable[[str], None]:
    began = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            print(f"[{time.perf_counter() - began:6.1f} s] {message}", file=sys.stderr, flush=True)

    return say


def _add_scenario_arguments(parser: argparse.ArgumentParser, optional_file: bool = True) -> None:
    if optional_file:
        parser.add_argument("scenario", nargs="?", help="scenario TOML (default: the built-in bpjs-2014)")
    else:
        parser.add_argument("scenario", help="scenario TOML to check")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a scenario field, e.g. --set budget_scale=1.2 (repeatable)")


def _add_solver_arguments(parser: argparse.ArgumentParser) -> None:
    from planner.allocation.plan import DEFAULT_GAP, DEFAULT_TIME_LIMIT

    parser.add_argument("--solver", choices=("highs", "cbc"), default="highs", help="MILP solver (default highs)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                        help=f"seconds for all solver calls (default {DEFAULT_TIME_LIMIT:g})")
    parser.add_argument("--gap", type=float, default=DEFAULT_GAP,
                        help=f"relative gap to prove, a fraction (default {DEFAULT_GAP}: 0.1 %%)")
    parser.add_argument("--threads", type=int, default=None, help="solver threads (default: solver's choice)")
    parser.add_argument("--seed", type=int, default=0, help="solver random seed (default 0)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="planner", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXIT_CODES,
        description="Plan where and when BPJS Ketenagakerjaan opens gerai (service outlets) and kanal (kiosks).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="optimise a rollout and write tables, maps and the report",
                              formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXIT_CODES)
    _add_scenario_arguments(run)
    run.add_argument("--regions", help="region GeoPackage (default: the embedded default dataset)")
    target = run.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="results folder (replaced as a whole when the run succeeds)")
    target.add_argument("--check-manifest", metavar="DIR",
                        help="re-run the plan recorded in DIR/summary.json (its inputs, scenario, solver, gap, time "
                             "limit and seed) and compare the tables byte for byte; other run options are ignored")
    run.add_argument("--actuals", help="CSV region_code,kind,year,count of real openings: re-plan the rest")
    run.add_argument("--focus", default="16", help="province code of the close-up map and report section (16)")
    run.add_argument("--lang", choices=("en", "id"), default="en", help="language of maps and report (en)")
    run.add_argument("--no-report", action="store_true", help="write the tables only (no maps, charts, report)")
    run.add_argument("--no-interactive", action="store_true",
                     help="skip the interactive map.html (for very large data; report.html and report.pdf stay)")
    run.add_argument("--no-sites", action="store_true",
                     help="skip placing outlets on the dataset's demand points (sites.csv)")
    run.add_argument("--site-level", action="store_true",
                     help="after placing the sites: value the plan nationally, prove a bound on every plan under "
                          "the rules and improve the placement across regency borders (summary 'site_level')")
    run.add_argument("--site-level-seconds", type=float, default=600.0,
                     help="time limit of the --site-level phase, s (600)")
    run.add_argument("--quiet", action="store_true", help="no progress messages")
    _add_solver_arguments(run)

    data = commands.add_parser("data", help="region data: import official files, show a dataset")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    show = data_commands.add_parser("show", help="summarise a region dataset")
    show.add_argument("--regions", help="region GeoPackage (default: embedded default)")
    imp = data_commands.add_parser("import", help="build a region GeoPackage from official boundaries and census")
    imp.add_argument("--boundaries", required=True, help="regency polygons with Kemendagri codes (GPKG/GeoJSON/SHP)")
    imp.add_argument("--layer", help="layer of the boundaries file")
    imp.add_argument("--population", required=True, help="BPS 2010 census by kecamatan (CSV)")
    imp.add_argument("--crosswalk", help="BPS 2010 regency code -> Kemendagri code (CSV)")
    imp.add_argument("--points", help="kecamatan centroids (CSV code,name,lat,lng): demand points and sites")
    imp.add_argument("--grid", help="population grid of cell centres (Parquet or CSV lon,lat,population): "
                                    "the 'demand' layer, rescaled to every regency's population")
    imp.add_argument("--sites", help="candidate sites (CSV code,name,lat,lng, e.g. village centroids): "
                                     "the 'sites' layer")
    imp.add_argument("--kecamatan", help="kecamatan polygons (GPKG with 'code'): shape the grid by each "
                                         "kecamatan's census population (needs --grid and --points)")
    imp.add_argument("--out", required=True, help="GeoPackage to write (.gpkg)")
    imp.add_argument("--quiet", action="store_true", help="print the summary only, not every mismatch")

    scenario = commands.add_parser("scenario", help="show or check a scenario")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    _add_scenario_arguments(scenario_commands.add_parser("show", help="print a scenario as TOML (default one)"))
    _add_scenario_arguments(scenario_commands.add_parser("check", help="validate a scenario file"), False)

    from planner.sweep.cli import add_sweep_parser

    add_sweep_parser(commands)
    return parser


def _run(args: argparse.Namespace) -> int:
    from planner.allocation.plan import plan
    from planner.allocation.results import check_output_dir, write_results
    from planner.regions import load_dataset
    from planner.scenario import load_scenario

    say = _progress(args.quiet)
    if args.check_manifest:
        return _check_manifest(args, say)
    out = check_output_dir(args.out)
    scenario = load_scenario(args.scenario, args.overrides)
    say(f"loading regions from {args.regions or 'the embedded default dataset'}")
    dataset = load_dataset(args.regions)
    extras = [] if args.no_report else _report_writers(dataset, args.focus, args.lang, not args.no_interactive,
                                                       say)  # checks --focus first
    result = plan(dataset, scenario, solver=args.solver, time_limit=args.time_limit, gap=args.gap,
                  actuals=args.actuals, threads=args.threads, seed=args.seed, progress=say,
                  sites=not args.no_sites, site_level=args.site_level, site_level_seconds=args.site_level_seconds)
    say(f"writing results to {out}")
    write_results(result, out, extras)
    _print_headline(result.summary, out)
    return 0


def _check_manifest(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    from planner.allocation.manifest import check_manifest
    from planner.errors import InputError

    given = [flag for flag, value in (("a scenario", args.scenario), ("--regions", args.regions),
                                      ("--set", args.overrides), ("--actuals", args.actuals)) if value]
    if given:
        raise InputError(f"--check-manifest {args.check_manifest}: {given[0]} cannot be combined with it (the "
                         "re-run uses what summary.json records); drop it.")
    check_manifest(args.check_manifest, report=print, progress=say)
    print(f"reproduced: re-running the plan recorded in {args.check_manifest} gives identical results")
    return 0


def _report_writers(dataset, focus: str, lang: str, interactive: bool, say: Callable[[str], None]) -> list:
    from planner.report import report_writers

    return report_writers(dataset, focus=focus, lang=lang, interactive=interactive, progress=say)


def _print_headline(summary: PlanSummary, out: Path) -> None:
    gap = "unknown (no bound)" if summary.gap is None else f"{summary.gap:.3%}"
    base = summary.comparison
    solver = f"solver {summary.solver}, {summary.build_seconds + summary.solve_seconds:.1f} s"
    if summary.status == "site_level":  # the count model's gap rates the moved plan by regency tables only
        print(f"status: improved at site level (site-level gap {summary.site_level['gap']:.2%}; by the regency "
              f"reach tables {gap} below the count model's bound; {solver})")
    else:
        print(f"status: {summary.status} (proven gap {gap}, {solver})")
    print(f"new outlets: {summary.totals['gerai']} gerai, {summary.totals['kanal']} kanal; "
          f"spend IDR {summary.spend_idr / 1e9:,.1f} bn")
    source = ("measured from the placed sites; the model estimated "
              f"{summary.workers_reached_final_model:,.0f}") if summary.reach_source == "sites" \
        else "the model's estimate; no sites placed"
    print(f"informal workers within reach by the final year: {summary.workers_reached_final:,.0f} of "
          f"{summary.workers_informal:,.0f} ({source})")
    percent = base.gain_objective_percent
    print(f"objective: {summary.objective:,.0f} {summary.objective_unit}; vs one gerai per regency: "
          f"{base.gain_objective:+,.0f}" + ("" if percent is None else f" ({percent:+.1f} %)"))
    national = summary.site_level
    if national:
        print(f"site level: no plan under these rules reaches more than {national['bound']:,.0f}; this plan "
              f"reaches {national['objective']:,.0f} (site-level gap {national['gap']:.2%})")
    if summary.status == "site_level":
        moved = national["outlets_moved"]
        print(f"note: the site-level phase moved {moved} outlet{'' if moved == 1 else 's'} to a neighbouring "
              "regency or another year, within every rule; the tables now describe its plan (by the regency reach "
              f"tables {gap} below the count model's bound).")
    if summary.status == "feasible":
        print(f"note: the solver stopped (time limit {summary.time_limit} s) before proving the requested gap "
              f"{summary.gap_requested:.3%}; the plan is within {gap} of the best possible "
              "(raise --time-limit to prove more).")
    print(f"results: {out}")


def _data(args: argparse.Namespace) -> int:
    if args.data_command == "import":
        from planner.data_import import import_official_data

        log = (lambda message: None) if args.quiet else print
        report = import_official_data(args.boundaries, args.population, args.out, layer=args.layer,
                                      crosswalk=args.crosswalk, points=args.points, grid=args.grid,
                                      sites=args.sites, kecamatan=args.kecamatan, log=log)
        print(f"wrote {report.output}: {report.n_regions} regions, {report.n_points} points, "
              f"{report.n_demand} demand points, {report.n_sites} sites, "
              f"population {report.population_total:,.0f} (conserved within "
              f"{report.population_conserved_relative_error:.4%})")
        return 0
    from planner.regions import load_dataset

    dataset = load_dataset(args.regions)
    regions = dataset.regions
    print(f"{dataset.source}: {len(regions)} regions in {regions['province_code'].nunique()} provinces, "
          f"population {regions['population'].sum():,.0f}, informal workers {regions['workers_informal'].sum():,.0f}, "
          f"points: {0 if dataset.points is None else len(dataset.points)}, "
          f"demand points: {0 if dataset.demand is None else len(dataset.demand)}, "
          f"sites: {0 if dataset.sites is None else len(dataset.sites)}")
    print(f"estimated populations: {int(regions['population_estimated'].sum())}, approximate geometries: "
          f"{int(regions['geometry_approximate'].sum())}")
    return 0


def _scenario(args: argparse.Namespace) -> int:
    from planner.scenario import default_scenario_text, load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    if args.scenario_command == "check":
        print(f"{args.scenario}: valid scenario '{scenario.name}' ({scenario.years[0]}-{scenario.years[-1]}, "
              f"{scenario.gerai.target} gerai, {scenario.kanal.target} kanal)")
        return 0
    print(default_scenario_text() if args.scenario is None and not args.overrides else scenario.to_toml(), end="")
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"planner: warning: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planner`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    from planner.errors import PlannerError, brief

    handlers = {"run": _run, "data": _data, "scenario": _scenario}
    try:
        if args.command == "sweep":
            from planner.sweep.cli import run_sweep_command

            return run_sweep_command(args)
        return handlers[args.command](args)
    except PlannerError as error:
        print(f"planner: error: {brief(error)}", file=sys.stderr)  # one line, whatever a library put in it
        return error.exit_code
    except KeyboardInterrupt:
        print("planner: interrupted; earlier results are left as they were.", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print("planner: internal error (a bug); please report it with the traceback above.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
