"""Solved model -> tidy tables with a fixed schema, the summary, and an atomic writer.

Tables (DESIGN.md, "Outputs"):

``allocation.csv``  region_code, region_name, province_code, province_name, year, kind, existing, new,
                    cumulative (outlets open at the end of the year, existing included)
``reach.csv``       region_code, year, workers_informal, workers_reached, share_reached
``budget.csv``      year, budget, capex, opex, spend, budget_left (IDR), marginal_workers_per_billion_idr
``summary.json``    status, objective, bound, gap, timings, totals, baselines, manifest, ...
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.errors import InputError

ALLOCATION_COLUMNS = ["region_code", "region_name", "province_code", "province_name", "year", "kind", "existing",
                      "new", "cumulative"]
REACH_COLUMNS = ["region_code", "year", "workers_informal", "workers_reached", "share_reached"]
BUDGET_COLUMNS = ["year", "budget", "capex", "opex", "spend", "budget_left", "marginal_workers_per_billion_idr"]
FLOAT_FORMAT = "%.6f"


@dataclass
class PlanResult:
    """A verified plan: its tables and summary (the same as ``planner run`` writes).

    Attributes
    ----------
    allocation, reach, budget : pandas.DataFrame
        The output tables (schemas in this module's docstring).
    summary : dict
        Status, objective (persons or person-years), bound, gap (fraction), timings (s), totals, baselines,
        manifest.
    baseline_reach : dict
        Baseline name -> its reach table (for charts).
    sites : pandas.DataFrame or None
        Site placement (``region_code, site_id, name, lon, lat, kind, year, workers_covered``) when the
        dataset has points.
    """

    allocation: pd.DataFrame
    reach: pd.DataFrame
    budget: pd.DataFrame
    summary: dict
    baseline_reach: dict[str, pd.DataFrame] = field(default_factory=dict)
    sites: pd.DataFrame | None = None

    @property
    def status(self) -> str:
        """Solver status: optimal, feasible, infeasible, unbounded or no_solution."""
        return self.summary["status"]


def allocation_table(counts: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """The allocation table from cumulative counts and region names, sorted, fixed columns."""
    names = regions[["region_code", "region_name", "province_code", "province_name"]]
    table = counts.merge(names, on="region_code")
    return table[ALLOCATION_COLUMNS].sort_values(["region_code", "year", "kind"]).reset_index(drop=True)


def _write_tables(result: PlanResult, folder: Path) -> None:
    result.allocation.to_csv(folder / "allocation.csv", index=False)
    result.reach[REACH_COLUMNS].to_csv(folder / "reach.csv", index=False, float_format=FLOAT_FORMAT)
    result.budget[BUDGET_COLUMNS].to_csv(folder / "budget.csv", index=False, float_format=FLOAT_FORMAT)
    if result.sites is not None:
        result.sites.to_csv(folder / "sites.csv", index=False, float_format=FLOAT_FORMAT)
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2, sort_keys=True, default=float) + "\n",
                                         encoding="utf-8")


def check_output_dir(out: str | Path) -> Path:
    """Check that ``out`` can become a results folder (not a file, parent writable) before any work."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: is a file, not a folder; give --out a folder path (it is created if missing).")
    parent = out.resolve().parent
    if not parent.exists():
        raise InputError(f"{parent}: folder does not exist; create it or choose another --out.")
    if not parent.is_dir():
        raise InputError(f"{parent}: is a file, not a folder, so {out} cannot be made inside it; choose another "
                         "--out.")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise InputError(f"{out}: is not writable; choose another --out.")
    return out


def write_results(result: PlanResult, out: str | Path,
                  extras: list[Callable[[PlanResult, Path], None]] = ()) -> Path:
    """Write every output into a temporary sibling folder, then swap it into place.

    An interrupted or failed run leaves an earlier ``out`` untouched and no half-written folder.

    Parameters
    ----------
    result : PlanResult
    out : str or pathlib.Path
        Results folder (created or replaced as a whole).
    extras : list of callables
        Writers ``(result, folder)`` for further files (maps, report), run inside the temporary folder.

    Returns
    -------
    pathlib.Path
        The results folder.
    """
    out = check_output_dir(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.resolve().parent))
    try:
        _write_tables(result, staging)
        for writer in extras:
            writer(result, staging)
        previous = None
        if out.exists():
            previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.resolve().parent))
            os.rmdir(previous)
            os.rename(out, previous)
        os.rename(staging, out)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
