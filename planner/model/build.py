"""Assemble the allocation MILP: reads like a table of contents of the constraint families."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pulp

from planner.inputs import PlanInputs
from planner.model import constraints as c
from planner.model.variables import AllocationModel, add_count_variables, add_reach_variables
from planner.pulp_compat import affine


def build_model(inputs: PlanInputs, planes: pd.DataFrame | None = None,
                slack_weight: Callable[[str, object], float] | None = None) -> AllocationModel:
    """Build the allocation model.

    Parameters
    ----------
    inputs : PlanInputs
        Tables from ``planner.inputs.build_inputs``.
    planes : pandas.DataFrame, optional
        Subset of ``inputs.planes`` to add as reach rows (the rest are added on demand by the solve loop);
        default all planes.
    slack_weight : callable, optional
        Build the elastic variant: every hard rule gets a non-negative slack, weighted by
        ``slack_weight(family, key)``, and the objective minimises the weighted slack (used to explain an
        infeasible scenario).

    Returns
    -------
    AllocationModel
    """
    elastic = slack_weight is not None
    sense = pulp.LpMinimize if elastic else pulp.LpMaximize
    problem = pulp.LpProblem(f"allocation_{inputs.scenario.name}".replace("-", "_"), sense)
    m = AllocationModel(problem, add_count_variables(problem, inputs), add_reach_variables(problem, inputs),
                        slack_weight=slack_weight)
    c.add_monotone_constraints(m, inputs)
    if not elastic:
        c.add_reach_constraints(m, inputs, planes)
        c.add_service_capacity_constraints(m, inputs)
    c.add_target_constraints(m, inputs)
    c.add_budget_constraints(m, inputs)
    c.add_rollout_constraints(m, inputs)
    c.add_province_floor_constraints(m, inputs)
    c.add_kanal_rule_constraints(m, inputs)
    c.add_lock_constraints(m, inputs)
    objective = c.slack_penalty_terms(m) if elastic else c.objective_terms(m, inputs)
    problem.setObjective(affine(objective))
    return m
