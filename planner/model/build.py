"""Assemble the allocation MILP: reads like a table of contents of the constraint families."""

from __future__ import annotations

import pandas as pd
import pulp

from planner.inputs import PlanInputs
from planner.model import constraints as c
from planner.model.variables import AllocationModel, add_count_variables, add_reach_variables
from planner.pulp_compat import affine


def build_model(inputs: PlanInputs, planes: pd.DataFrame | None = None, elastic: bool = False) -> AllocationModel:
    """Build the allocation model.

    Parameters
    ----------
    inputs : PlanInputs
        Tables from ``planner.inputs.build_inputs``.
    planes : pandas.DataFrame, optional
        Subset of ``inputs.planes`` to add as reach rows (the rest are added on demand by the solve loop);
        default all planes.
    elastic : bool
        Build the elastic variant: every hard rule gets a non-negative slack and the objective minimises the
        total slack (used to explain an infeasible scenario).

    Returns
    -------
    AllocationModel
    """
    sense = pulp.LpMinimize if elastic else pulp.LpMaximize
    problem = pulp.LpProblem(f"allocation_{inputs.scenario.name}".replace("-", "_"), sense)
    m = AllocationModel(problem, add_count_variables(problem, inputs), add_reach_variables(problem, inputs),
                        elastic=elastic)
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
