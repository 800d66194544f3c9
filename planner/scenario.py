"""A validated, immutable planning scenario, read from and written to TOML.

The default scenario ``bpjs-2014`` lives in ``planner/scenarios/bpjs-2014.toml`` with the reasoning for
every figure; a user's TOML file is laid over it (so it may give only what differs), and ``--set KEY=VALUE``
overrides are laid over that. Unknown keys, wrong types and impossible values are errors naming the key.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from planner.errors import InputError, brief

KINDS = ("gerai", "kanal")
OBJECTIVES = ("worker_years", "final_reach")
REACH_MODELS = ("auto", "areal", "points")
KANAL_RULES = ("none", "region", "province")
TARGET_MODES = ("exact", "at_most")
DEFAULT_NAME = "bpjs-2014"


@dataclass(frozen=True)
class KindRules:
    """Targets, costs and limits of one kind of outlet (amounts in IDR, distances in km)."""

    target: int
    target_mode: str
    capex_idr: float
    opex_idr_per_year: float
    radius_km: float
    max_new_per_region: int
    rollout_per_year: int
    service_capacity_workers: float
    existing_total: int


@dataclass(frozen=True)
class Lock:
    """At least ``count`` new outlets of ``kind`` open in ``region_code`` in ``year``."""

    region_code: str
    kind: str
    year: int
    count: int


@dataclass(frozen=True)
class Scenario:
    """Everything a plan depends on besides the region data.

    Attributes
    ----------
    years : tuple of int
        Consecutive plan years.
    budget_idr : tuple of float
        Budget per plan year before ``budget_scale``, IDR.
    population_growth_rate : float
        Yearly growth of population and informal workers from ``base_population_year`` (fraction).
    population_growth_by_province : tuple of (str, float)
        Province code -> yearly growth rate, overriding the national rate.
    gerai, kanal : KindRules
        Per-kind targets, costs (IDR), radius (km) and limits.
    locks : tuple of Lock
        Openings that must happen.

    Examples
    --------
    >>> scenario = default_scenario()
    >>> scenario.gerai.target, scenario.kanal.target
    (497, 800)
    >>> scenario.with_overrides(["budget_scale=1.2"]).budget_scale
    1.2
    """

    name: str
    description: str
    years: tuple[int, ...]
    objective: str
    reach_model: str
    base_population_year: int
    population_growth_rate: float
    population_growth_by_province: tuple[tuple[str, float], ...]
    budget_idr: tuple[float, ...]
    budget_scale: float
    budget_carry_over: bool
    province_min_gerai: int
    kanal_requires_gerai: str
    existing_outlets_csv: str
    actuals_csv: str
    gerai: KindRules
    kanal: KindRules
    locks: tuple[Lock, ...]

    def kind(self, kind: str) -> KindRules:
        """Rules of ``kind`` ("gerai" or "kanal")."""
        return self.gerai if kind == "gerai" else self.kanal

    def budgets(self) -> dict[int, float]:
        """Budget per year in IDR, ``budget_scale`` applied."""
        return {year: amount * self.budget_scale for year, amount in zip(self.years, self.budget_idr, strict=True)}

    def growth_rate(self, province_code: str) -> float:
        """Yearly population growth of a province (fraction)."""
        return dict(self.population_growth_by_province).get(province_code, self.population_growth_rate)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary in the TOML layout (for writing and hashing)."""
        data = asdict(self)
        data["years"] = list(self.years)
        data["budget_idr"] = list(self.budget_idr)
        data["population_growth_by_province"] = dict(self.population_growth_by_province)
        data["locks"] = [asdict(lock) for lock in self.locks]
        return data

    def to_toml(self) -> str:
        """The scenario as TOML text (reads back to an equal scenario)."""
        return tomli_w.dumps(self.to_dict())

    def sha256(self) -> str:
        """Hash of the scenario's canonical TOML, identifying it in manifests and sweep caches."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()

    def with_overrides(self, assignments: list[str] | tuple[str, ...]) -> Scenario:
        """A new scenario with ``KEY=VALUE`` overrides applied (e.g. ``gerai.capex_idr=4e8``)."""
        data = self.to_dict()
        for assignment in assignments:
            _apply_assignment(data, assignment)
        return scenario_from_dict(data, "--set")

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with top-level fields replaced."""
        return scenario_from_dict({**self.to_dict(), **{k: _plain(v) for k, v in changes.items()}}, "replace")


def _plain(value: Any) -> Any:
    if isinstance(value, KindRules | Lock):
        return asdict(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _default_text() -> str:
    return (resources.files("planner") / "scenarios" / f"{DEFAULT_NAME}.toml").read_text(encoding="utf-8")


def default_scenario_text() -> str:
    """The default scenario's TOML text, with the reasoning behind every figure as comments."""
    return _default_text()


def default_scenario() -> Scenario:
    """The default scenario ``bpjs-2014``."""
    return scenario_from_dict(tomllib.loads(_default_text()), f"{DEFAULT_NAME}.toml")


def load_scenario(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Read a scenario TOML (laid over the default) and apply ``KEY=VALUE`` overrides.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Scenario file; None = the default scenario.
    overrides : sequence of str
        ``KEY=VALUE`` assignments, e.g. ``budget_scale=1.2`` or ``kanal.radius_km=3``.

    Returns
    -------
    Scenario

    Raises
    ------
    planner.errors.InputError
        Missing or unreadable file, invalid TOML, unknown keys, wrong types, impossible values.
    """
    data = tomllib.loads(_default_text())
    where = f"{DEFAULT_NAME}.toml"
    if path is not None:
        path = Path(path)
        user = read_toml(path, "scenario file not found; give the path of a .toml scenario ('planner scenario "
                               "show' prints one to start from)")
        _merge(data, user, str(path))
        where = str(path)
    scenario = scenario_from_dict(data, where)
    return scenario.with_overrides(list(overrides)) if overrides else scenario


def read_toml(path: Path, not_found: str) -> dict[str, Any]:
    """Parse a TOML file; a missing file or bad syntax is an ``InputError`` of one sentence.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    not_found : str
        What to say after ``"<path>: "`` when the file is missing (what it is and the fix), without the full stop.
    """
    if not path.is_file():
        raise InputError(f"{path}: {not_found}.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: is not valid TOML ({brief(error)}); fix the syntax.") from None


def _merge(base: dict[str, Any], update: dict[str, Any], where: str, prefix: str = "") -> None:
    for key, value in update.items():
        if key not in base:
            known = ", ".join(sorted(base))
            raise InputError(f"{where}: unknown key '{prefix}{key}'; known keys are {known}.")
        if isinstance(base[key], dict) and isinstance(value, dict) and key != "population_growth_by_province":
            _merge(base[key], value, where, f"{prefix}{key}.")
        else:
            base[key] = value


def _apply_assignment(data: dict[str, Any], assignment: str) -> None:
    if "=" not in assignment:
        raise InputError(f"--set {assignment!r}: expected KEY=VALUE, e.g. --set budget_scale=1.2.")
    key, text = (part.strip() for part in assignment.split("=", 1))
    *parents, leaf = key.split(".")
    node = data
    for parent in parents:
        if not isinstance(node.get(parent), dict):
            raise InputError(f"--set {key}: unknown field '{parent}'; see 'planner scenario show' for fields.")
        node = node[parent]
    if leaf not in node and parents != ["population_growth_by_province"]:
        raise InputError(f"--set {key}: unknown field '{leaf}'; see 'planner scenario show' for fields.")
    node[leaf] = _parse_value(text, node.get(leaf), key)


def _parse_value(text: str, current: Any, key: str) -> Any:
    try:
        if isinstance(current, bool):
            if text.lower() not in ("true", "false"):
                raise ValueError
            return text.lower() == "true"
        if isinstance(current, list):
            return [_parse_value(part, current[0] if current else 0.0, key) for part in text.split(",") if part]
        if isinstance(current, int):
            number = float(text)
            return int(number) if number.is_integer() else number
        if isinstance(current, float) or current is None:
            return float(text)
    except ValueError:
        raise InputError(f"--set {key}={text}: {text!r} is not a valid {type(current).__name__}; "
                         "give a value of that type.") from None
    return text


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InputError(message)


def _typed(value: Any, kind: type | tuple[type, ...], where: str, key: str) -> Any:
    ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple)
                                                                                    else (kind,)))
    _require(ok, f"{where}: '{key}' is {value!r}, expected {getattr(kind, '__name__', 'a number')}; fix the value.")
    _require(not isinstance(value, float) or math.isfinite(value),
             f"{where}: '{key}' is {value!r}; give a finite number.")
    return value


def _growth_rates(data: Any, where: str) -> tuple[tuple[str, float], ...]:
    growth = _typed(data, dict, where, "population_growth_by_province")
    rates = []
    for code, rate in sorted(growth.items()):
        key = f"population_growth_by_province.{code}"
        rate = float(_typed(rate, (int, float), where, key))
        _require(-0.1 < rate < 0.1, f"{where}: '{key}' is {rate}; give a yearly fraction such as 0.0185.")
        rates.append((str(code), rate))
    return tuple(rates)


def _kind_rules(data: Any, where: str, kind: str) -> KindRules:
    _require(isinstance(data, dict), f"{where}: '{kind}' must be a table of rules.")
    names = {f.name for f in fields(KindRules)}
    for key in sorted(set(data) - names):
        raise InputError(f"{where}: unknown key '{kind}.{key}'; known keys: {', '.join(sorted(names))}.")
    for key in sorted(names - set(data)):
        raise InputError(f"{where}: missing key '{kind}.{key}'; add it.")
    number = (int, float)
    rules = KindRules(
        target=_typed(data["target"], int, where, f"{kind}.target"),
        target_mode=str(data["target_mode"]),
        capex_idr=float(_typed(data["capex_idr"], number, where, f"{kind}.capex_idr")),
        opex_idr_per_year=float(_typed(data["opex_idr_per_year"], number, where, f"{kind}.opex_idr_per_year")),
        radius_km=float(_typed(data["radius_km"], number, where, f"{kind}.radius_km")),
        max_new_per_region=_typed(data["max_new_per_region"], int, where, f"{kind}.max_new_per_region"),
        rollout_per_year=_typed(data["rollout_per_year"], int, where, f"{kind}.rollout_per_year"),
        service_capacity_workers=float(_typed(data["service_capacity_workers"], number, where,
                                              f"{kind}.service_capacity_workers")),
        existing_total=_typed(data["existing_total"], int, where, f"{kind}.existing_total"),
    )
    _require(rules.target_mode in TARGET_MODES,
             f"{where}: '{kind}.target_mode' is {rules.target_mode!r}; use one of {', '.join(TARGET_MODES)}.")
    for key in ("target", "capex_idr", "opex_idr_per_year", "max_new_per_region", "rollout_per_year",
                "service_capacity_workers", "existing_total"):
        _require(getattr(rules, key) >= 0, f"{where}: '{kind}.{key}' is {getattr(rules, key)!r}; it must be >= 0.")
    _require(rules.radius_km > 0, f"{where}: '{kind}.radius_km' is {rules.radius_km!r}; it must be > 0 km.")
    return rules


def _locks(data: Any, where: str, years: tuple[int, ...]) -> tuple[Lock, ...]:
    _require(isinstance(data, list), f"{where}: 'locks' must be a list of [[locks]] tables.")
    locks = []
    for number, item in enumerate(data, start=1):
        _require(isinstance(item, dict) and set(item) == {"region_code", "kind", "year", "count"},
                 f"{where}: lock {number} needs exactly region_code, kind, year and count.")
        lock = Lock(str(item["region_code"]), str(item["kind"]), _typed(item["year"], int, where, "locks.year"),
                    _typed(item["count"], int, where, "locks.count"))
        _require(lock.kind in KINDS, f"{where}: lock {number} has kind {lock.kind!r}; use gerai or kanal.")
        _require(lock.year in years, f"{where}: lock {number} ({lock.region_code}) is in {lock.year}, "
                                     f"outside the plan years {years[0]}-{years[-1]}; move it into the plan.")
        _require(lock.count >= 1, f"{where}: lock {number} ({lock.region_code}) has count {lock.count}; "
                                  "it must be at least 1.")
        locks.append(lock)
    return tuple(locks)


def scenario_from_dict(data: dict[str, Any], where: str = "scenario") -> Scenario:
    """Validate a complete scenario dictionary (TOML layout) and freeze it.

    Raises
    ------
    planner.errors.InputError
        Naming ``where`` and the offending key and value.
    """
    names = {f.name for f in fields(Scenario)}
    for key in sorted(set(data) - names):
        raise InputError(f"{where}: unknown key '{key}'; known keys: {', '.join(sorted(names))}.")
    for key in sorted(names - set(data)):
        raise InputError(f"{where}: missing key '{key}'; add it.")
    years = tuple(_typed(y, int, where, "years") for y in _typed(data["years"], list, where, "years"))
    _require(len(years) >= 1, f"{where}: 'years' is empty; give at least one plan year.")
    _require(all(b == a + 1 for a, b in itertools.pairwise(years)),
             f"{where}: 'years' is {list(years)}; plan years must be consecutive and increasing.")
    budget = tuple(float(_typed(b, (int, float), where, "budget_idr")) for b in
                   _typed(data["budget_idr"], list, where, "budget_idr"))
    _require(len(budget) == len(years), f"{where}: 'budget_idr' has {len(budget)} values for {len(years)} years; "
                                        "give one budget per plan year.")
    for amount in (b for b in budget if b < 0):
        raise InputError(f"{where}: 'budget_idr' has {amount:g}; budgets must be >= 0 IDR.")
    scale = float(_typed(data["budget_scale"], (int, float), where, "budget_scale"))
    _require(scale >= 0, f"{where}: 'budget_scale' is {scale}; it must be >= 0.")
    scenario = Scenario(
        name=str(data["name"]), description=str(data["description"]), years=years,
        objective=str(data["objective"]), reach_model=str(data["reach_model"]),
        base_population_year=_typed(data["base_population_year"], int, where, "base_population_year"),
        population_growth_rate=float(_typed(data["population_growth_rate"], (int, float), where,
                                            "population_growth_rate")),
        population_growth_by_province=_growth_rates(data["population_growth_by_province"], where),
        budget_idr=budget, budget_scale=scale,
        budget_carry_over=_typed(data["budget_carry_over"], bool, where, "budget_carry_over"),
        province_min_gerai=_typed(data["province_min_gerai"], int, where, "province_min_gerai"),
        kanal_requires_gerai=str(data["kanal_requires_gerai"]),
        existing_outlets_csv=str(data["existing_outlets_csv"]), actuals_csv=str(data["actuals_csv"]),
        gerai=_kind_rules(data["gerai"], where, "gerai"), kanal=_kind_rules(data["kanal"], where, "kanal"),
        locks=_locks(data["locks"], where, years),
    )
    _check_choices(scenario, where)
    return scenario


def _check_choices(scenario: Scenario, where: str) -> None:
    for key, allowed in (("objective", OBJECTIVES), ("reach_model", REACH_MODELS),
                         ("kanal_requires_gerai", KANAL_RULES)):
        value = getattr(scenario, key)
        _require(value in allowed, f"{where}: '{key}' is {value!r}; use one of {', '.join(allowed)}.")
    _require(scenario.base_population_year <= scenario.years[0],
             f"{where}: 'base_population_year' {scenario.base_population_year} is after the first plan year "
             f"{scenario.years[0]}; use the census year (2010).")
    _require(-0.1 < scenario.population_growth_rate < 0.1,
             f"{where}: 'population_growth_rate' is {scenario.population_growth_rate}; give a yearly fraction "
             "such as 0.0149.")
    _require(scenario.province_min_gerai >= 0,
             f"{where}: 'province_min_gerai' is {scenario.province_min_gerai}; it must be >= 0.")


def write_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write ``scenario`` as TOML to ``path``."""
    Path(path).write_text(scenario.to_toml(), encoding="utf-8")


__all__ = ["KINDS", "KindRules", "Lock", "Scenario", "default_scenario", "load_scenario", "replace",
           "scenario_from_dict", "write_scenario"]
