"""Every PuLP-version detail in one place (PuLP 3.3 installs here; 4.x changes the expression API).

Model-building code calls these helpers instead of touching PuLP internals, so a PuLP upgrade is a change
to this module only.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import pulp

PULP_VERSION = pulp.__version__
# PuLP 3.3 warns about every 4.0 change on each call (LpVariable(...), constraints as a dict, PULP_CBC_CMD);
# this module is where those APIs are used on purpose, so the warnings are silenced here.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulp(\..*)?")


def affine(pairs: Iterable[tuple[pulp.LpVariable, float]], constant: float = 0.0) -> pulp.LpAffineExpression:
    """Linear expression from (variable, coefficient) pairs in one call (the fast PuLP path).

    Parameters
    ----------
    pairs : iterable of (pulp.LpVariable, float)
        Terms; a variable repeated has its coefficients added.
    constant : float
        Constant term.

    Returns
    -------
    pulp.LpAffineExpression
    """
    summed: dict[pulp.LpVariable, float] = {}
    for variable, coefficient in pairs:  # PuLP keeps the last coefficient of a repeated variable: add them
        summed[variable] = summed.get(variable, 0.0) + coefficient
    expression = pulp.LpAffineExpression(list(summed.items()))
    if constant:
        expression.constant = float(constant)
    return expression


def constraint_terms(constraint: pulp.LpConstraint) -> list[tuple[pulp.LpVariable, float]]:
    """The (variable, coefficient) pairs of a constraint's left-hand side."""
    return list(constraint.items())


def constraint_bounds(constraint: pulp.LpConstraint) -> tuple[float, float]:
    """Lower and upper bound of a constraint's linear part (``lhs + constant  sense  0``)."""
    rhs = -float(constraint.constant)
    if constraint.sense == pulp.LpConstraintLE:
        return float("-inf"), rhs
    if constraint.sense == pulp.LpConstraintGE:
        return rhs, float("inf")
    return rhs, rhs


def is_integer(variable: pulp.LpVariable) -> bool:
    """True for integer and binary variables."""
    return variable.cat == pulp.LpInteger


def variable_bounds(variable: pulp.LpVariable) -> tuple[float, float]:
    """Bounds of a variable with None mapped to -inf/+inf."""
    low = float("-inf") if variable.lowBound is None else float(variable.lowBound)
    high = float("inf") if variable.upBound is None else float(variable.upBound)
    return low, high


def is_maximize(problem: pulp.LpProblem) -> bool:
    """True when the problem maximises its objective."""
    return problem.sense == pulp.LpMaximize


def cbc_command(time_limit: float | None, gap: float, log_path: str, threads: int | None,
                warm_start: bool) -> pulp.LpSolver:
    """PuLP's bundled CBC command-line solver, configured for one run (``PULP_CBC_CMD`` is gone in PuLP 4)."""
    return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap, logPath=log_path,
                             threads=threads, warmStart=warm_start, options=["randomSeed 1"])


def cbc_available() -> bool:
    """True when PuLP can run its CBC binary here."""
    return bool(pulp.PULP_CBC_CMD(msg=False).available())
