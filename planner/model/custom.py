"""A planner's own rules: constraints added to the allocation model by a function, and their check.

A rule is a function ``rule(m, inputs)`` that adds PuLP constraints to ``m.problem`` by the model's names:
``m.counts`` holds the open-outlet count variables (``region_code``, ``kind``, ``year``, ``var``: outlets
open at the end of the year, existing included) and ``m.reached`` the share-reached variables
(``region_code``, ``year``, ``var``, ``workers``). The rows it adds are recorded, and after solving every
one of them is recomputed from the plan's output tables (:func:`check_custom_rows`), like the built-in
rules are by :mod:`planner.allocation.verify`.

Example: at most 2 kanal open in any city (kota) by the end of each year::

    def city_kanal(m, inputs):
        cities = set(inputs.regions.loc[inputs.regions["region_name"].str.startswith("Kota"), "region_code"])
        rows = m.counts[(m.counts["kind"] == "kanal") & m.counts["region_code"].isin(cities)]
        for row in rows.itertuples():
            m.problem += row.var <= 2, f"custom_city_kanal__{row.region_code.replace('.', '_')}_{row.year}"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pulp

from planner.errors import InputError
from planner.inputs import PlanInputs
from planner.model.variables import AllocationModel, count_var_name, reach_var_name

#: ``rule(m, inputs) -> None``: adds constraints to ``m.problem``.
CustomRule = Callable[[AllocationModel, PlanInputs], None]
#: Largest violation of a custom row accepted when it is recomputed from the plan (outlets or shares).
TOLERANCE = 1e-6


@dataclass(frozen=True)
class CustomRows:
    """The rows one custom rule added.

    Attributes
    ----------
    rule : str
        The rule's name (its function name).
    rows : tuple of (str, pulp.LpConstraint)
        Name and expression of each constraint it added.
    """

    rule: str
    rows: tuple[tuple[str, pulp.LpConstraint], ...]


def rule_name(rule: CustomRule) -> str:
    """A readable name for a rule: its function name, or its class name for a callable object."""
    return getattr(rule, "__name__", type(rule).__name__)


def add_custom_rule(m: AllocationModel, inputs: PlanInputs, rule: CustomRule) -> CustomRows:
    """Apply ``rule`` to the model and record the rows it adds.

    Raises
    ------
    InputError
        The rule raised, or added no constraint, or used a variable the model does not have.
    """
    name = rule_name(rule)
    before = set(m.problem.constraints)
    try:
        rule(m, inputs)
    except Exception as error:  # a planner's code: report it as their error, in one sentence
        raise InputError(f"custom rule '{name}' failed ({type(error).__name__}: {error}); fix the rule "
                         "(it receives the model m and the inputs; see planner.model.custom).") from None
    added = tuple(row for row in m.problem.constraints if row not in before)
    if not added:
        raise InputError(f"custom rule '{name}' added no constraint; add rows with m.problem += ... "
                         "(see planner.model.custom).")
    known = {variable.name for variable in m.problem.variables()}
    for row in added:
        unknown = [variable.name for variable in m.problem.constraints[row].keys() if variable.name not in known]
        if unknown:
            raise InputError(f"custom rule '{name}': row '{row}' uses variable '{unknown[0]}', which the model "
                             "does not have; use the variables in m.counts['var'] and m.reached['var'].")
    return CustomRows(name, tuple((row, m.problem.constraints[row]) for row in added))


def plan_values(counts: pd.DataFrame, reach: pd.DataFrame) -> dict[str, float]:
    """Variable name -> value, from the plan's output tables (not from the solver).

    Parameters
    ----------
    counts : pandas.DataFrame
        ``region_code, kind, year, cumulative`` (outlets open at the end of the year).
    reach : pandas.DataFrame
        ``region_code, year, workers_informal, workers_reached``.
    """
    values = {count_var_name(code, kind, int(year)): float(cumulative) for code, kind, year, cumulative in
              counts[["region_code", "kind", "year", "cumulative"]].itertuples(index=False)}
    workers = reach["workers_informal"].to_numpy(float)
    share = reach["workers_reached"].to_numpy(float) / pd.Series(workers).where(workers > 0, 1.0).to_numpy()
    for code, year, value in zip(reach["region_code"], reach["year"], share, strict=True):
        values[reach_var_name(code, int(year))] = float(value)
    return values


def check_custom_rows(custom: list[CustomRows], counts: pd.DataFrame, reach: pd.DataFrame) -> list[str]:
    """Each custom row recomputed from the plan's tables: one line per violated row (empty when all hold).

    A row using a variable the tables do not hold (neither a count nor a share) is reported as unchecked.
    """
    values = plan_values(counts, reach)
    problems = []
    for rows in custom:
        for row, constraint in rows.rows:
            missing = [variable.name for variable in constraint.keys() if variable.name not in values]
            if missing:
                problems.append(f"custom rule '{rows.rule}', row {row}: uses '{missing[0]}', which the plan's "
                                "tables do not hold, so it cannot be checked")
                continue
            left = sum(coefficient * values[variable.name] for variable, coefficient in constraint.items())
            left += constraint.constant
            broken = ((constraint.sense == pulp.LpConstraintLE and left > TOLERANCE)
                      or (constraint.sense == pulp.LpConstraintGE and left < -TOLERANCE)
                      or (constraint.sense == pulp.LpConstraintEQ and abs(left) > TOLERANCE))
            if broken:
                problems.append(f"custom rule '{rows.rule}', row {row}: {left:+.6g} on the plan")
    return problems
