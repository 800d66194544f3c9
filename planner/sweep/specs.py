"""What a sweep varies: ``--vary KEY=SPEC`` grids, Monte Carlo distributions, and the cases they make.

A *case* is one scenario of a sweep: the values of its varied and sampled keys (the columns of
``sweep.csv``), the ``KEY=VALUE`` overrides that turn the base scenario into it, and the multipliers applied
to the regions' informal workers.

Keys are numeric scenario fields in ``--set`` notation (``budget_scale``, ``gerai.capex_idr``,
``kanal.radius_km``, ``population_growth_by_province.16``, ...) and, since informal workers live in the region
data rather than the scenario, the pseudo-keys ``workers_informal_factor`` (a national multiplier of every
regency's informal workers) and ``workers_informal_factor.<province_code>`` (one province's multiplier).

Monte Carlo distributions are data (``DEFAULT_DISTRIBUTIONS``); each sample ``i`` draws from its own numpy
Generator seeded by ``SeedSequence(seed, spawn_key=(i,))``, so sample ``i`` is the same whatever the number
of samples (a sweep extended from 20 to 50 samples reuses the first 20 from the cache).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.errors import InputError
from planner.scenario import Scenario, read_toml

FACTOR_KEY = "workers_informal_factor"
SAMPLE_COLUMN = "sample"
LAWS = ("lognormal", "uniform")
SIGNIFICANT_DIGITS = 6  # sampled values are rounded to this many significant digits (shown = used)


@dataclass(frozen=True)
class Distribution:
    """Uncertainty of one input, relative to its base value.

    Attributes
    ----------
    key : str
        Scenario key (``gerai.capex_idr``) or ``workers_informal_factor`` (base value 1).
    law : str
        ``lognormal``: mean = base value, ``spread`` = coefficient of variation (sd / mean);
        ``uniform``: base value x U(1 - spread, 1 + spread).
    spread : float
        Relative spread (fraction), see ``law``.
    per_province : bool
        Draw one value per province (columns ``key.<province_code>``) instead of one national value.
    reason : str
        Why this spread.
    """

    key: str
    law: str
    spread: float
    per_province: bool = False
    reason: str = ""


#: The documented uncertainty of the default scenario's inputs (``planner sweep --samples N``).
DEFAULT_DISTRIBUTIONS: tuple[Distribution, ...] = (
    Distribution("gerai.capex_idr", "lognormal", 0.20,
                 reason="fit-out of rented premises: quotes vary with the town and the building, about 20 %"),
    Distribution("gerai.opex_idr_per_year", "lognormal", 0.15,
                 reason="rent and salaries vary between towns; staff costs follow regional minimum wages"),
    Distribution("kanal.capex_idr", "lognormal", 0.20,
                 reason="kiosk hardware prices and installation differ by supplier and site"),
    Distribution("kanal.opex_idr_per_year", "lognormal", 0.15,
                 reason="connectivity and placement fees differ by partner and region"),
    Distribution("gerai.radius_km", "uniform", 0.30,
                 reason="half an hour by motorbike is 10-20 km depending on roads and terrain"),
    Distribution("kanal.radius_km", "uniform", 0.30,
                 reason="walk-in catchment of a market or office kiosk, 3.5-6.5 km"),
    Distribution(FACTOR_KEY, "lognormal", 0.15, per_province=True,
                 reason="informal shares come from national survey shares; provinces differ by about 15 %"),
)


@dataclass(frozen=True)
class Case:
    """One scenario of a sweep.

    Attributes
    ----------
    values : tuple of (str, float)
        Column -> value, in ``sweep.csv`` column order (varied keys, ``sample``, sampled keys).
    overrides : tuple of str
        ``KEY=VALUE`` scenario overrides (``Scenario.with_overrides``).
    factors : tuple of (str, float)
        ``"*"`` (national) or a province code -> multiplier of ``workers_informal``.
    """

    values: tuple[tuple[str, float | int], ...]
    overrides: tuple[str, ...]
    factors: tuple[tuple[str, float], ...]


def numeric_keys(scenario: Scenario) -> dict[str, float | int]:
    """Every numeric scenario field in ``--set`` notation with its current value."""
    found: dict[str, float | int] = {}

    def walk(node: Mapping, prefix: str) -> None:
        for name, value in node.items():
            if isinstance(value, Mapping):
                walk(value, f"{prefix}{name}.")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                found[f"{prefix}{name}"] = value

    walk(scenario.to_dict(), "")
    return found


def _is_factor_key(key: str, provinces: Sequence[str]) -> bool:
    return key == FACTOR_KEY or (key.startswith(FACTOR_KEY + ".") and key[len(FACTOR_KEY) + 1:] in provinces)


def _check_key(key: str, scenario: Scenario, provinces: Sequence[str], where: str) -> None:
    if _is_factor_key(key, provinces) or key in numeric_keys(scenario):
        return
    if key.startswith("population_growth_by_province.") and key.split(".", 1)[1] in provinces:
        return
    if key.startswith(FACTOR_KEY + "."):
        raise InputError(f"{where} {key}: province {key.split('.', 1)[1]!r} is not in the region data; use a "
                         f"two-digit province code such as {FACTOR_KEY}.{provinces[0]}.")
    raise InputError(f"{where} {key}: unknown or non-numeric key; use a numeric scenario field such as "
                     f"budget_scale or gerai.capex_idr ('planner scenario show' lists them) or {FACTOR_KEY}.")


def _number(text: str, key: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"--vary {key}={spec}: {text.strip()!r} is not a number; give numbers such as "
                         "10,15,20 or a range start:stop:count such as 0.6:1.4:9.") from None
    if not math.isfinite(value):
        raise InputError(f"--vary {key}={spec}: {text.strip()!r} is not a finite number; give finite values.")
    return value


def parse_spec(key: str, spec: str) -> list[float]:
    """Values of ``--vary KEY=SPEC``: a list ``10,15,20`` or an inclusive range ``start:stop:count``.

    Examples
    --------
    >>> parse_spec("budget_scale", "0.6:1.4:5")
    [0.6, 0.8, 1.0, 1.2, 1.4]
    >>> parse_spec("gerai.radius_km", "10,15,20")
    [10.0, 15.0, 20.0]
    """
    spec = spec.strip()
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise InputError(f"--vary {key}={spec}: a range is start:stop:count (e.g. 0.6:1.4:9, count values "
                             "with both ends included); add the count.")
        start, stop = _number(parts[0], key, spec), _number(parts[1], key, spec)
        count = _number(parts[2], key, spec)
        if count < 1 or not count.is_integer():
            raise InputError(f"--vary {key}={spec}: the count {parts[2].strip()!r} must be a whole number >= 1.")
        values = np.linspace(start, stop, int(count)).tolist()
    else:
        values = [_number(part, key, spec) for part in spec.split(",") if part.strip()]
        if not values:
            raise InputError(f"--vary {key}={spec}: no values given; give a list such as 10,15,20 or a range "
                             "such as 0.6:1.4:9.")
    return [float(f"{value:.12g}") for value in values]


def parse_vary(assignments: Sequence[str]) -> dict[str, list[float]]:
    """``["KEY=SPEC", ...]`` -> ``{key: values}`` (CLI form of ``run_sweep``'s ``vary``)."""
    vary: dict[str, list[float]] = {}
    for assignment in assignments:
        if "=" not in assignment:
            raise InputError(f"--vary {assignment!r}: expected KEY=SPEC, e.g. --vary budget_scale=0.6:1.4:9.")
        key, spec = (part.strip() for part in assignment.split("=", 1))
        if key in vary:
            raise InputError(f"--vary {key}: given twice; give each key once with all its values.")
        vary[key] = parse_spec(key, spec)
    return vary


def check_vary(vary: Mapping[str, Sequence[float] | str], scenario: Scenario,
               provinces: Sequence[str]) -> dict[str, list[float | int]]:
    """Validate keys and values of ``vary`` against the base scenario; values deduplicated, ints kept int.

    Raises
    ------
    planner.errors.InputError
        Unknown key, non-numeric value, a fraction for an integer field, or a value the scenario rejects.
    """
    checked: dict[str, list[float | int]] = {}
    numeric = numeric_keys(scenario)
    for key, values in vary.items():
        _check_key(key, scenario, provinces, "--vary")
        raw = parse_spec(key, values) if isinstance(values, str) else [
            _number(str(value), key, ",".join(map(str, values))) for value in values]
        if not raw:
            raise InputError(f"--vary {key}: no values given; give at least one value.")
        typed: list[float | int] = []
        for value in dict.fromkeys(raw):
            if isinstance(numeric.get(key), int):
                if not float(value).is_integer():
                    raise InputError(f"--vary {key}: {value:g} is not a whole number and {key} counts units; "
                                     "give whole numbers.")
                value = int(value)
            typed.append(value)
        for value in typed:
            _check_value(key, value, scenario)
        checked[key] = typed
    return checked


def _check_value(key: str, value: float | int, scenario: Scenario) -> None:
    if key.startswith(FACTOR_KEY):
        if value <= 0:
            raise InputError(f"--vary {key}: {value:g} must be > 0 (a multiplier of informal workers).")
        return
    try:
        scenario.with_overrides([f"{key}={value!r}"])
    except InputError as error:
        raise InputError(f"--vary {key}={value!r}: the scenario rejects this value ({error}).") from None


def load_distributions(path: str | Path) -> tuple[Distribution, ...]:
    """Read distributions from TOML: one table per key, e.g. ``["gerai.capex_idr"]`` with ``law``, ``spread``
    and optionally ``per_province`` and ``reason``.

    Raises
    ------
    planner.errors.InputError
        Missing file, invalid TOML, unknown law, negative spread.
    """
    data = read_toml(Path(path), "distributions file not found; give a TOML file or omit --distributions")
    found = []
    for key, table in data.items():
        if not isinstance(table, dict) or not {"law", "spread"} <= set(table):
            raise InputError(f"{path}: [\"{key}\"] needs law and spread, e.g. law = \"lognormal\", spread = 0.2.")
        law, spread = table["law"], table["spread"]
        if law not in LAWS:
            raise InputError(f"{path}: [\"{key}\"] law is {law!r}; use one of {', '.join(LAWS)}.")
        if not isinstance(spread, int | float) or not 0 <= spread < (1 if law == "uniform" else 10):
            raise InputError(f"{path}: [\"{key}\"] spread is {spread!r}; give a fraction >= 0 (uniform: < 1).")
        found.append(Distribution(key, law, float(spread), bool(table.get("per_province", False)),
                                  str(table.get("reason", ""))))
    return tuple(found)


def _multipliers(distribution: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    if distribution.law == "lognormal":
        sigma = math.sqrt(math.log1p(distribution.spread ** 2))
        return np.exp(sigma * rng.standard_normal(n) - sigma ** 2 / 2)
    return 1.0 + distribution.spread * rng.uniform(-1.0, 1.0, n)


def _round(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def draw_sample(index: int, seed: int, distributions: Sequence[Distribution], scenario: Scenario,
                provinces: Sequence[str], skip: Collection[str] = ()) -> dict[str, float | int]:
    """Sample ``index`` of a Monte Carlo: column -> value for every distribution (per-province ones expanded).

    Every distribution is drawn, in table order, so a value does not change when another key is varied
    instead of sampled; keys and columns in ``skip`` (the varied ones) are then left out.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    numeric = numeric_keys(scenario)
    values: dict[str, float | int] = {}
    for distribution in distributions:
        names = ([f"{distribution.key}.{code}" for code in provinces] if distribution.per_province
                 else [distribution.key])
        multipliers = _multipliers(distribution, rng, len(names))
        for name, multiplier in zip(names, multipliers, strict=True):
            base = 1.0 if _is_factor_key(name, provinces) else _base_value(distribution.key, numeric, scenario)
            value = _round(base * float(multiplier))
            if name not in skip and distribution.key not in skip:
                values[name] = round(value) if isinstance(base, int) else value
    return values


def _base_value(key: str, numeric: Mapping[str, float | int], scenario: Scenario) -> float | int:
    if key in numeric:
        return numeric[key]
    return scenario.growth_rate(key.split(".", 1)[1])  # population_growth_by_province.<code> not set yet


def _check_distributions(distributions: Sequence[Distribution], scenario: Scenario,
                         provinces: Sequence[str]) -> None:
    for distribution in distributions:
        if distribution.per_province and distribution.key != FACTOR_KEY:
            raise InputError(f"distribution {distribution.key}: per_province applies only to {FACTOR_KEY}; "
                             "remove per_province.")
        _check_key(distribution.key, scenario, provinces, "distribution")


def build_cases(scenario: Scenario, vary: Mapping[str, Sequence[float | int]], samples: int, seed: int,
                distributions: Sequence[Distribution], provinces: Sequence[str]) -> tuple[list[str], list[Case]]:
    """The sweep's columns and cases: the grid of ``vary`` (cartesian product) x ``samples`` draws.

    Keys in ``vary`` are not sampled. Without samples there is one case per grid point.

    Returns
    -------
    columns : list of str
        Case columns of ``sweep.csv``: varied keys, then ``sample`` and the sampled keys when sampling.
    cases : list of Case
    """
    if samples < 0:
        raise InputError(f"--samples {samples}: must be >= 0 (0 = no Monte Carlo).")
    _check_distributions(distributions, scenario, provinces)
    columns = list(vary)
    draws: list[dict[str, float | int]] = [{}]
    if samples:
        draws = [draw_sample(i, seed, distributions, scenario, provinces, skip=set(vary)) for i in range(samples)]
        if not draws[0]:
            raise InputError(f"--samples {samples}: there are no distributions to sample (every uncertain input "
                             "is varied or none is given); give --distributions FILE or drop --samples.")
        columns += [SAMPLE_COLUMN, *draws[0]]
    cases = []
    for point in itertools.product(*vary.values()):
        grid = dict(zip(vary, point, strict=True))
        for index, draw in enumerate(draws):
            values = {**grid, **({SAMPLE_COLUMN: index} if samples else {}), **draw}
            cases.append(_case(values))
    return columns, cases


def _case(values: dict[str, float | int]) -> Case:
    overrides, factors = [], []
    for key, value in values.items():
        if key == SAMPLE_COLUMN:
            continue
        if key.startswith(FACTOR_KEY):
            factors.append(("*" if key == FACTOR_KEY else key.split(".", 1)[1], float(value)))
        else:
            overrides.append(f"{key}={value!r}")
    return Case(tuple(values.items()), tuple(overrides), tuple(sorted(factors)))
