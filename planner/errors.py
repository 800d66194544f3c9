"""Errors a user can act on, each with the exit code the CLI returns for it.

Exit codes (also listed in ``planner --help``):

====  ==========================================================
0     success
1     internal error (a bug: please report it with the traceback)
2     user error: bad file, field or value (the message names it)
3     infeasible scenario (the message says which rule and by how much)
4     solver failure, or no solution within the time limit
6     ``planner run --check-manifest``: the re-run differs from the recorded results
====  ==========================================================
"""

from __future__ import annotations


def brief(error: BaseException) -> str:
    """A library's error message on one line (whitespace and newlines collapsed), to quote inside a sentence."""
    return " ".join(str(error).split()) or type(error).__name__


class PlannerError(Exception):
    """A problem the user can fix; the message is one sentence naming file, field, value and fix."""

    exit_code = 2


class InputError(PlannerError):
    """Bad input: a missing or unreadable file, a missing column, a value out of range."""

    exit_code = 2


class InfeasibleError(PlannerError):
    """The scenario's rules cannot all hold at once; the message explains which and by how much."""

    exit_code = 3


class SolverError(PlannerError):
    """The solver failed, or found no plan within its time limit."""

    exit_code = 4


class ReproducibilityError(PlannerError):
    """Re-running a recorded plan (same inputs, scenario, solver settings) gave different tables."""

    exit_code = 6
