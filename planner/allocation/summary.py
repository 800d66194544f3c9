"""The plan's summary as typed, frozen records: ``PlanSummary`` (what ``summary.json`` holds) and its baselines.

A typo in a field name is an ``AttributeError`` where the code is written, not a ``KeyError`` at report time.
``PlanSummary.to_dict()`` gives exactly the keys and values ``summary.json`` has always had (optional keys
left out when unset), ``to_json()`` the file's text, and ``from_json``/``from_dict`` parse a file back
(keys this version does not know are kept in ``extra`` and written back unchanged).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from planner.errors import InputError


def plain_json(value: Any) -> Any:
    """JSON-ready value: numpy scalars as Python numbers, NaN and infinite numbers as None."""
    if isinstance(value, dict):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return float(value)


def _record(cls: type, data: dict, optional: tuple[str, ...], where: str) -> tuple[dict, dict]:
    """Known fields of ``cls`` found in ``data`` (required ones checked) and the keys it does not know."""
    names = {item.name for item in fields(cls)} - {"extra"}
    missing = [name for name in sorted(names - set(data)) if name not in optional]
    if missing:
        raise InputError(f"{where}: missing field '{missing[0]}'; give a summary written by 'planner run'.")
    return ({key: value for key, value in data.items() if key in names},
            {key: value for key, value in data.items() if key not in names})


@dataclass(frozen=True)
class BaselineSummary:
    """One baseline plan evaluated like the plan: objective and final-year workers (persons or
    person-years), budget fit, totals, rules broken and the plan's gain over it (absolute and %)."""

    objective: float
    workers_reached_final: float
    workers_reached_final_model: float
    fits_budget: bool
    years_over_budget: list[int]
    totals: dict[str, int]
    rules_broken: list[str]
    gain_objective: float
    gain_objective_percent: float | None
    gain_workers_final: float
    gain_workers_final_percent: float | None
    objective_measured: float | None = None  # written only when the plan's sites were placed
    extra: dict = field(default_factory=dict)

    OPTIONAL = ("objective_measured",)

    def to_dict(self) -> dict:
        """The baseline's entry of ``summary.json``."""
        data = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "extra"}
        if self.objective_measured is None:
            del data["objective_measured"]
        return plain_json({**data, **self.extra})

    @classmethod
    def from_dict(cls, data: dict, where: str = "summary.json") -> BaselineSummary:
        """Parse a baseline's entry of ``summary.json``."""
        known, extra = _record(cls, data, cls.OPTIONAL, where)
        return cls(**known, extra=extra)


@dataclass(frozen=True)
class PlanSummary:
    """What a plan achieved and how it was made (``summary.json``); units in the README's output section.

    Objectives in persons (``final_reach``) or person-years (``worker_years``) as ``objective_unit`` says;
    gaps as fractions; money in IDR; timings in seconds. ``scenario``, ``manifest``, ``phases`` and
    ``reference_passes`` are passed through as recorded; ``custom_rules`` lists the planner's own rules
    (``plan(..., extra_constraints=...)``: rule name, rows added, checked).
    """

    status: str
    objective: float
    stopped_early: bool
    objective_unit: str
    objective_model: float | None
    bound: float | None
    gap: float | None
    gap_requested: float
    solver: str
    time_limit: float | None
    phases: list[dict]
    reach_model: str
    envelope_overestimate_max_share: float | None
    totals: dict[str, int]
    existing: dict[str, int]
    workers_informal: float
    workers_reached_final: float
    spend_idr: float
    binding_budget_years: list[int]
    baselines: dict[str, BaselineSummary]
    regions: int
    dataset: str | None
    manifest: dict
    scenario: dict
    workers_reached_final_model: float | None = None
    workers_reached_final_difference: float | None = None
    objective_measured: float | None = None
    reach_source: str = "model"
    reference_passes: list[dict] = field(default_factory=list)
    custom_rules: list[dict] = field(default_factory=list)
    site_level: dict | None = None  # written only when the site-level phase ran (--site-level)
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    verify_seconds: float = 0.0
    total_seconds: float = 0.0
    sites_seconds: float | None = None  # written only when sites were placed
    extra: dict = field(default_factory=dict)

    OPTIONAL = ("workers_reached_final_model", "workers_reached_final_difference", "objective_measured",
                "reach_source", "reference_passes", "custom_rules", "site_level", "build_seconds", "solve_seconds",
                "verify_seconds", "total_seconds", "sites_seconds")

    def to_dict(self) -> dict:
        """The keys and values of ``summary.json`` (plain JSON types; ``sites_seconds`` only when set)."""
        data = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "extra"}
        data["baselines"] = {name: baseline.to_dict() for name, baseline in self.baselines.items()}
        if self.sites_seconds is None:
            del data["sites_seconds"]
        if self.site_level is None:
            del data["site_level"]
        return plain_json({**data, **self.extra})

    def to_json(self) -> str:
        """``summary.json``'s text: strict JSON, sorted keys, NaN and infinite numbers as null."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"

    def __getitem__(self, key: str) -> Any:
        """``summary["gap"]`` for notebooks written against the old dict (reads ``to_dict()``)."""
        return self.to_dict()[key]

    def __contains__(self, key: object) -> bool:
        """``"site_level" in summary``: whether summary.json has that key (optional keys may be absent)."""
        return key in self.to_dict()

    @property
    def comparison(self) -> BaselineSummary:
        """The baseline the headline compares with: one gerai per regency."""
        return self.baselines["one_per_regency"]

    @classmethod
    def from_dict(cls, data: dict, where: str = "summary.json") -> PlanSummary:
        """Parse the summary of a results folder (as ``json.loads`` gives it).

        Raises
        ------
        planner.errors.InputError
            When it is not an object or a field the planner needs is missing.
        """
        if not isinstance(data, dict):
            raise InputError(f"{where}: is not a JSON object; give a summary written by 'planner run'.")
        known, extra = _record(cls, data, cls.OPTIONAL, where)
        if not isinstance(known["baselines"], dict):
            raise InputError(f"{where}: field 'baselines' is not an object; re-run the plan.")
        known["baselines"] = {name: BaselineSummary.from_dict(entry, f"{where}, baseline '{name}'")
                              for name, entry in known["baselines"].items()}
        return cls(**known, extra=extra)

    @classmethod
    def from_json(cls, text: str, where: str = "summary.json") -> PlanSummary:
        """Parse ``summary.json``'s text (see :meth:`from_dict`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{where}: is not valid JSON ({error.msg} at line {error.lineno}); re-run the "
                             "plan.") from None
        return cls.from_dict(data, where)
