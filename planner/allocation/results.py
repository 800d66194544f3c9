"""Solved model -> tidy tables with a fixed schema, the summary, and an atomic writer.

Tables (README.md, "What a run writes"):

``allocation.csv``  region_code, region_name, province_code, province_name, year, kind, existing, new,
                    cumulative (outlets open at the end of the year, existing included)
``reach.csv``       region_code, year, workers_informal, workers_reached, share_reached
``budget.csv``      year, budget, capex, opex, spend, budget_left (IDR), marginal_workers_per_billion_idr
``summary.json``    status, objective, bound, gap, timings, totals, baselines, manifest, ...
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.allocation.summary import PlanSummary, plain_json
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
    summary : PlanSummary
        Status, objective (persons or person-years), bound, gap (fraction), timings (s), totals, baselines,
        manifest (``summary.json``; ``summary["gap"]`` still reads like the old dict).
    baseline_reach : dict
        Baseline name -> its reach table (for charts).
    sites : pandas.DataFrame or None
        Site placement (``region_code, site_id, name, lon, lat, kind, year, workers_covered, existing``)
        when sites were placed: every outlet open by the final year on its candidate site, the existing ones
        with ``year`` = the year before the plan and ``existing`` True; ``workers_covered`` = informal workers
        it newly brings within reach of its regency, in opening order.
    unreached : pandas.DataFrame or None
        Where the informal workers beyond reach live in the final plan year, measured from the placed sites:
        one row per demand point not within reach of any open outlet (``point_id, region_code, lon, lat,
        workers_unreached``, persons). None when no sites were placed.
    """

    allocation: pd.DataFrame
    reach: pd.DataFrame
    budget: pd.DataFrame
    summary: PlanSummary
    baseline_reach: dict[str, pd.DataFrame] = field(default_factory=dict)
    sites: pd.DataFrame | None = None
    unreached: pd.DataFrame | None = None

    @property
    def status(self) -> str:
        """Solver status: optimal, feasible, infeasible, unbounded or no_solution."""
        return self.summary.status


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
    (folder / "summary.json").write_text(summary_json(result.summary), encoding="utf-8")


def summary_json(summary: PlanSummary | dict) -> str:
    """The summary as strict JSON text (sorted keys; NaN and infinite numbers, e.g. a missing bound, as null)."""
    if isinstance(summary, PlanSummary):
        return summary.to_json()
    return json.dumps(plain_json(summary), indent=2, sort_keys=True, allow_nan=False) + "\n"



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
    """Write every output into a hidden staging folder next to ``out``, then swap it into place.

    An interrupted or failed run leaves an earlier ``out`` untouched and no half-written ``out``. The staging
    folder is ``.OUT.partial-PID-XXXX`` (hidden); a run killed outright (SIGKILL, power cut) can leave one
    behind, and the next ``write_results`` next to it removes those whose process has ended. On Linux the
    swap is a single atomic exchange (``renameat2``), so ``out`` never disappears, even for a moment.

    Parameters
    ----------
    result : PlanResult
    out : str or pathlib.Path
        Results folder (created or replaced as a whole).
    extras : list of callables
        Writers ``(result, folder)`` for further files (maps, report), run inside the staging folder.

    Returns
    -------
    pathlib.Path
        The results folder.
    """
    out = check_output_dir(out)
    remove_stale_staging(out)
    staging = _make_staging(out, "partial")
    try:
        _write_tables(result, staging)
        for writer in extras:
            writer(result, staging)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


STAGING_KINDS = ("partial", "previous")


def _make_staging(out: Path, kind: str) -> Path:
    """A new empty hidden sibling ``.OUT.KIND-PID-XXXX`` (created with the user's umask, like ``out`` itself)."""
    for _ in range(100):
        path = out.resolve().parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{out}: cannot create a staging folder next to it")


def _swap_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):  # staging now holds the earlier results
        shutil.rmtree(staging, ignore_errors=True)
        return
    previous = _make_staging(out, "previous")
    os.rmdir(previous)
    os.rename(out, previous)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(previous, out)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_staging(out: str | Path) -> list[Path]:
    """Remove hidden staging folders ``.OUT.partial-PID-*`` / ``.OUT.previous-PID-*`` left next to ``out`` by
    runs that were killed; folders of running processes are kept. If ``out`` itself is missing (a run killed
    between the two renames of a system without an atomic swap), the earlier results are put back.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    out = Path(out)
    parent = out.resolve().parent
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.({'|'.join(STAGING_KINDS)})-(\d+)-[0-9a-f]+$")
    removed = []
    for path in sorted(parent.iterdir()) if parent.is_dir() else []:
        match = pattern.match(path.name)
        if not match or not path.is_dir() or _process_alive(int(match.group(2))):
            continue
        if match.group(1) == "previous" and not out.exists():
            os.rename(path, out)
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
