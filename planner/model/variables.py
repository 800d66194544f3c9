"""Decision variables of the allocation model, held in tables keyed by region_code/kind/year."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pulp

from planner.inputs import PlanInputs
from planner.scenario import KINDS


@dataclass
class AllocationModel:
    """A built allocation model.

    Attributes
    ----------
    problem : pulp.LpProblem
        The MILP.
    counts : pandas.DataFrame
        ``region_code``, ``kind``, ``year``, ``var`` (open outlets at the end of the year, integer),
        ``previous`` (the variable of the year before, or None in the first year), ``existing``.
    reached : pandas.DataFrame
        ``region_code``, ``year``, ``var`` (share of informal workers within reach, continuous in [0, 1]),
        ``workers`` (informal workers W[r,t], persons).
    registry : dict
        family -> key -> constraint name, so duals and slacks come back as tables without parsing names.
    slacks : dict
        Elastic models only: family -> key -> (slack variable, penalty weight per unit of slack).
    slack_weight : callable or None
        Elastic models only: ``(family, key) -> penalty weight`` of one unit of a row's slack (IDR bn for
        budget rows, outlets for the others); None builds the ordinary model, without slacks.
    custom : list
        The rows each of a planner's own rules added (``planner.model.custom.CustomRows``), in order.
    row_duals : dict
        Constraint name -> row dual of the last LP solved on this model (empty until one is recorded).
    """

    problem: pulp.LpProblem
    counts: pd.DataFrame
    reached: pd.DataFrame
    registry: dict[str, dict[object, str]] = field(default_factory=dict)
    slacks: dict[str, dict[object, tuple[pulp.LpVariable, float]]] = field(default_factory=dict)
    slack_weight: Callable[[str, object], float] | None = None
    custom: list = field(default_factory=list)
    row_duals: dict[str, float] = field(default_factory=dict)

    def duals(self, family: str) -> pd.Series:
        """Row duals of one constraint family, keyed by the family's key (e.g. year -> dual).

        Parameters
        ----------
        family : str
            A family in ``registry`` (``budget``, ``target``, ...).

        Returns
        -------
        pandas.Series
            Named ``dual``, indexed by the keys the family's rows were added with, in the model's units
            (objective units per unit of the row's right-hand side); NaN where no dual was recorded.

        Raises
        ------
        KeyError
            When the model has no such family.
        """
        if family not in self.registry:
            raise KeyError(f"no constraint family '{family}'; the model has {sorted(self.registry)}")
        rows = self.registry[family]
        return pd.Series([self.row_duals.get(name, float("nan")) for name in rows.values()],
                         index=list(rows), name="dual", dtype=float)

    def slack(self, family: str, key: object) -> list[tuple[pulp.LpVariable, float]]:
        """Terms of a non-negative slack for this row in an elastic model (none otherwise)."""
        if self.slack_weight is None:
            return []
        variable = pulp.LpVariable(f"slack_{family}__{_safe(key)}", 0.0)
        self.slacks.setdefault(family, {})[key] = (variable, self.slack_weight(family, key))
        return [(variable, 1.0)]

    def add(self, family: str, key: object, constraint: pulp.LpConstraint) -> None:
        """Add a constraint named ``family__key`` and record it in the registry."""
        name = f"{family}__{_safe(key)}"
        constraint.name = name
        self.problem.addConstraint(constraint, name)
        self.registry.setdefault(family, {})[key] = name


def _safe(key: object) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return "_".join(str(part).replace(".", "_").replace("-", "_") for part in parts)


def count_var_name(region_code: str, kind: str, year: int) -> str:
    """Name of the open-outlet count variable of a region, kind and year."""
    return f"open_{region_code.replace('.', '_')}_{kind}_{year}"


def add_count_variables(problem: pulp.LpProblem, inputs: PlanInputs) -> pd.DataFrame:
    """Integer open-outlet counts N[r,k,t] with existing[r,k] <= N[r,k,t] <= max_total[r,k].

    New openings in year t are N[r,k,t] - N[r,k,t-1] (with N[r,k,t0-1] = existing[r,k]); they are
    expressions, not variables, so every count is integer by construction.
    """
    index = pd.MultiIndex.from_product([inputs.regions["region_code"], KINDS], names=["region_code", "kind"])
    existing = inputs.existing.groupby(["region_code", "kind"])["count"].sum().reindex(index, fill_value=0)
    cap = inputs.max_total.set_index(["region_code", "kind"])["max_total"].reindex(index)
    rows = []
    for (code, kind), low, high in zip(index, existing.to_numpy(int), cap.to_numpy(int), strict=True):
        previous = None
        for year in inputs.years:
            var = pulp.LpVariable(count_var_name(code, kind, year), int(low), int(high), cat=pulp.LpInteger)
            rows.append((code, kind, year, var, previous, int(low)))
            previous = var
    return pd.DataFrame(rows, columns=["region_code", "kind", "year", "var", "previous", "existing"])


def reach_var_name(region_code: str, year: int) -> str:
    """Name of the reached-share variable of a region and year."""
    return f"share_{region_code.replace('.', '_')}_{year}"


def add_reach_variables(problem: pulp.LpProblem, inputs: PlanInputs) -> pd.DataFrame:
    """Continuous share reached S[r,t] in [0, 1]; workers reached R[r,t] = W[r,t] S[r,t] (persons).

    Working in shares keeps every reach row's coefficients of order one (well scaled for the solver).
    """
    workers = inputs.workers
    variables = [pulp.LpVariable(reach_var_name(code, year), 0.0, 1.0)
                 for code, year in zip(workers["region_code"], workers["year"], strict=True)]
    return workers.rename(columns={"workers_informal": "workers"}).assign(var=variables)
