"""Check that a results folder is reproducible: re-run the plan its ``summary.json`` records, compare the tables.

``planner run --check-manifest DIR`` reads ``DIR/summary.json``, checks that every input file recorded in its
``manifest`` still has the recorded SHA-256, rebuilds the scenario from ``summary.scenario`` and checks its
hash, re-runs the plan with the recorded solver, gap, time limit and seed into a temporary folder, and compares
``allocation.csv``, ``reach.csv``, ``budget.csv`` (and ``sites.csv`` when present) byte for byte, and
``summary.json`` without its timings. Outcomes: identical (exit 0); an input missing or changed (``InputError``,
exit 2); the re-run differs (``ReproducibilityError``, exit 6).

Not recorded, so taken as the solver's default: the number of threads. A run that stopped at its time limit
(status ``feasible``) need not reproduce, since how far a solver gets in a given time depends on the machine.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from planner.allocation.plan import versions
from planner.allocation.summary import PlanSummary
from planner.errors import InputError, ReproducibilityError
from planner.hashing import file_sha256
from planner.scenario import Scenario, scenario_from_dict

#: Tables compared byte for byte (``sites.csv`` only when the recorded run wrote one).
TABLES = ("allocation.csv", "reach.csv", "budget.csv", "sites.csv")
Report = Callable[[str], None]


@dataclass(frozen=True)
class ManifestCheck:
    """What re-running a recorded plan showed.

    Attributes
    ----------
    folder : pathlib.Path
        The results folder checked.
    lines : tuple of str
        One line per check: inputs, scenario, versions, each table, the summary.
    differs : tuple of str
        Names of the files whose re-run differs (empty when everything is identical).
    """

    folder: Path
    lines: tuple[str, ...]
    differs: tuple[str, ...]

    @property
    def identical(self) -> bool:
        """True when every compared file is identical."""
        return not self.differs


def read_summary(folder: str | Path) -> PlanSummary:
    """The ``summary.json`` of a results folder, with the fields a re-run needs.

    Raises
    ------
    planner.errors.InputError
        When the folder or its summary is missing, unreadable or lacks a manifest.
    """
    path = Path(folder) / "summary.json"
    if not Path(folder).is_dir():
        raise InputError(f"{folder}: results folder not found; give a folder written by 'planner run --out'.")
    if not path.is_file():
        raise InputError(f"{folder}: has no summary.json; give a folder written by 'planner run --out'.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: is not valid JSON ({error}); it cannot be checked, re-run the plan.") from None
    for key in ("manifest", "scenario", "dataset", "solver", "gap_requested", "time_limit"):
        if not isinstance(data, dict) or key not in data:
            raise InputError(f"{path}: has no '{key}' field; only folders written by 'planner run' of this version "
                             "can be checked.")
    manifest = data["manifest"]
    for key in ("inputs", "scenario_sha256", "seed"):
        if not isinstance(manifest, dict) or key not in manifest:
            raise InputError(f"{path}: field 'manifest' has no '{key}'; re-run the plan to record a full manifest.")
    return PlanSummary.from_dict(data, str(path))


def check_inputs(summary: PlanSummary, where: str) -> list[str]:
    """Check that every recorded input file exists and still has its recorded SHA-256.

    Returns
    -------
    list of str
        One line per file.

    Raises
    ------
    planner.errors.InputError
        Naming the first file that is missing or changed.
    """
    lines = []
    for name, recorded in sorted(summary.manifest["inputs"].items()):
        path = Path(name)
        if not path.is_file():
            relative = "" if path.is_absolute() else " (a relative path: check from the folder the run started in)"
            raise InputError(f"{name}: input file of the run in {where} is missing{relative} (recorded sha256 "
                             f"{recorded[:12]}...); restore it to check the run.")
        now = file_sha256(path)
        if now != recorded:
            raise InputError(f"{name}: input file changed since the run in {where} (sha256 {now[:12]}... now, "
                             f"{recorded[:12]}... recorded); restore the recorded file to check the run.")
        lines.append(f"input {name}: sha256 as recorded ({recorded[:12]}...)")
    if summary.dataset not in summary.manifest["inputs"]:
        raise InputError(f"{where}: the plan was made from region data '{summary.dataset}', not a file with a "
                         "recorded hash; only runs from a region file can be checked.")
    return lines


def rebuild_scenario(summary: PlanSummary, where: str) -> Scenario:
    """The scenario recorded in ``summary.scenario``, checked against the manifest's ``scenario_sha256``."""
    scenario = scenario_from_dict(summary.scenario, f"{where}, field 'scenario'")
    recorded = summary.manifest["scenario_sha256"]
    if scenario.sha256() != recorded:
        raise InputError(f"{where}: field 'scenario' hashes to {scenario.sha256()[:12]}..., not the recorded "
                         f"scenario_sha256 {recorded[:12]}...; the summary was edited, re-run the plan.")
    return scenario


def recorded_actuals(summary: PlanSummary, scenario: Scenario) -> str | None:
    """The ``--actuals`` file of the run (recorded as such; older summaries: the recorded input that is neither
    the dataset nor a scenario file)."""
    if "actuals" in summary.manifest:
        return summary.manifest["actuals"]
    known = {summary.dataset, scenario.existing_outlets_csv, scenario.actuals_csv}
    others = [name for name in summary.manifest["inputs"] if name not in known]
    return others[0] if others else None


def version_lines(recorded: dict[str, str] | None) -> list[str]:
    """One line saying whether the library versions match those recorded, naming any that differ."""
    current = versions()
    changed = [f"{name} {old} -> {current.get(name, 'absent')}" for name, old in sorted((recorded or {}).items())
               if current.get(name) != old]
    return [f"versions differ: {', '.join(changed)}" if changed else "versions: as recorded"]


def comparable_summary(summary: dict) -> dict:
    """The summary without what changes from run to run: every ``*_seconds`` key and each phase's seconds."""

    def strip(value):
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items()
                    if not (key.endswith("_seconds") or key == "seconds")}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return strip(summary)


def _differences(old, new, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new), key=str):
            found += _differences(old.get(key), new.get(key), f"{prefix}{key}.")
        return found
    return [] if old == new else [prefix.rstrip(".")]


def compare_folders(recorded: Path, rerun: Path) -> tuple[list[str], list[str]]:
    """Compare the tables byte for byte and the summaries without timings.

    Returns
    -------
    (lines, differs)
        One line per file, and the names of the files that differ.
    """
    lines, differs = [], []
    for name in TABLES:
        old, new = recorded / name, rerun / name
        if not old.exists() and not new.exists():
            continue
        if not old.exists() or not new.exists():
            lines.append(f"{name}: only in the {'re-run' if new.exists() else 'recorded results'}")
            differs.append(name)
            continue
        a, b = old.read_bytes(), new.read_bytes()
        if a == b:
            lines.append(f"{name}: identical ({len(a):,} bytes)")
            continue
        line = next(i for i, (x, y) in enumerate(zip([*a.splitlines(), None], [*b.splitlines(), None],
                                                     strict=False), 1) if x != y)
        lines.append(f"{name}: differs (first at line {line})")
        differs.append(name)
    old_summary = comparable_summary(json.loads((recorded / "summary.json").read_text(encoding="utf-8")))
    new_summary = comparable_summary(json.loads((rerun / "summary.json").read_text(encoding="utf-8")))
    keys = _differences(old_summary, new_summary)
    if keys:
        lines.append(f"summary.json (timings left out): differs in {', '.join(keys[:8])}"
                     f"{f' and {len(keys) - 8} more' if len(keys) > 8 else ''}")
        differs.append("summary.json")
    else:
        lines.append("summary.json (timings left out): identical")
    return lines, differs


def check_manifest(folder: str | Path, report: Report | None = None,
                   progress: Callable[[str], None] | None = None) -> ManifestCheck:
    """Re-run the plan recorded in ``folder/summary.json`` into a temporary folder and compare the results.

    Parameters
    ----------
    folder : str or pathlib.Path
        A results folder written by ``planner run --out``.
    report : callable, optional
        Called with each line of the check as it is made (what matches and what differs).
    progress : callable, optional
        Progress messages of the re-run.

    Returns
    -------
    ManifestCheck
        When every compared file is identical.

    Raises
    ------
    planner.errors.InputError
        The summary is missing or unreadable, the plan used custom rules (code the manifest cannot hold),
        an input file is missing or changed, or the recorded scenario does not match its hash (exit 2).
    planner.errors.ReproducibilityError
        The re-run differs (exit 6); the lines name each file that differs.

    Examples
    --------
    >>> check_manifest("results", report=print)                    # doctest: +SKIP
    input .../indonesia_default.gpkg: sha256 as recorded (0d31202a745f...)
    ...
    allocation.csv: identical (307,211 bytes)
    """
    from planner.allocation.plan import plan
    from planner.allocation.results import write_results

    folder = Path(folder)
    say = report or (lambda line: None)
    where = str(folder / "summary.json")
    summary = read_summary(folder)
    if summary.custom_rules:
        names = ", ".join(f"'{rule['rule']}'" for rule in summary.custom_rules)
        raise InputError(f"{where}: the plan was made with the custom rule(s) {names} (code passed to "
                         "plan(extra_constraints=...)), which --check-manifest cannot re-create; re-run it with "
                         "the same rules from Python and compare the tables.")
    if (summary.site_level or {}).get("accepted"):
        raise InputError(f"{where}: the plan was improved by the site-level phase (--site-level), a time-limited "
                         "search whose result depends on the machine's speed, which --check-manifest cannot "
                         "re-create; re-run `planner run --site-level` with the same inputs and compare the "
                         "site_level figures.")
    lines = check_inputs(summary, where)
    scenario = rebuild_scenario(summary, where)
    lines.append(f"scenario '{scenario.name}': sha256 as recorded ({scenario.sha256()[:12]}...)")
    lines += version_lines(summary.manifest.get("versions"))
    actuals = recorded_actuals(summary, scenario)
    seed = int(summary.manifest["seed"])
    lines.append(f"re-running with {summary.solver}, gap {summary.gap_requested}, time limit "
                 f"{summary.time_limit} s, seed {seed}" + (f", actuals {actuals}" if actuals else ""))
    for line in lines:
        say(line)
    with tempfile.TemporaryDirectory(prefix="planner-check-") as scratch:
        result = plan(summary.dataset, scenario, solver=summary.solver, time_limit=summary.time_limit,
                      gap=summary.gap_requested, actuals=actuals, seed=seed, progress=progress,
                      threads=summary.manifest.get("threads"),
                      sites=(folder / "sites.csv").exists())
        rerun = write_results(result, Path(scratch) / "rerun")
        compared, differs = compare_folders(folder, rerun)
    for line in compared:
        say(line)
    check = ManifestCheck(folder, tuple(lines + compared), tuple(differs))
    if differs:
        note = " (the recorded run stopped before proving its gap, so it need not repeat)" if (
            summary.status == "feasible") else ""
        raise ReproducibilityError(f"{folder}: re-running the recorded plan gives a different "
                                   f"{', '.join(differs)}{note}; compare the lines above and the versions.")
    return check
