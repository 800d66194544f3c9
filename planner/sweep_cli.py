"""``planner sweep``: argument parsing and output for scenario sweeps (the work is in ``planner.sweep``)."""

from __future__ import annotations

import argparse


def add_sweep_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``planner sweep`` on the CLI's sub-command parser."""
    sweep = commands.add_parser("sweep", help="run a grid or Monte Carlo of scenarios on Dask")
    sweep.add_argument("scenario", nargs="?", help="base scenario TOML (default: bpjs-2014)")
    sweep.add_argument("--out", required=True, help="sweep folder (results cache, sweep.csv, charts)")


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run ``planner sweep`` (implemented in ``planner.sweep``)."""
    from planner.errors import InputError

    raise InputError("planner sweep is not available in this version; use planner run per scenario.")
