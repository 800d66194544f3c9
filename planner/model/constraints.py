"""Constraint families of the allocation model: one function per family, each ``(m, inputs) -> None``.

Notation: N[r,k,t] open outlets of kind k in region r at the end of year t (integer), E[r,k] existing
outlets, x[r,k,t] = N[r,k,t] - N[r,k,t-1] new openings (N[r,k,t0-1] = E[r,k]), R[r,t] workers reached,
W[r,t] informal workers, c_r regional cost index.
"""

from __future__ import annotations

import pandas as pd
import pulp

from planner.inputs import PlanInputs
from planner.model.variables import AllocationModel
from planner.pulp_compat import affine
from planner.scenario import KINDS

LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ
IDR_PER_UNIT = 1e9  # budget rows are written in billions of IDR (well scaled for the solver)


def _new_terms(row: tuple, coefficient: float) -> tuple[list[tuple[pulp.LpVariable, float]], float]:
    """Terms and constant of coefficient * x[r,k,t] = coefficient * (N[t] - N[t-1])."""
    terms = [(row.var, coefficient)]
    if row.previous is None:
        return terms, -coefficient * row.existing
    return [*terms, (row.previous, -coefficient)], 0.0


def add_monotone_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """Outlets stay open: N[r,k,t] >= N[r,k,t-1] for every year after the first (x >= 0)."""
    later = m.counts[m.counts["previous"].notna()]
    for row in later.itertuples(index=False):
        m.add("monotone", (row.region_code, row.kind, row.year),
              pulp.LpConstraint(affine([(row.var, 1.0), (row.previous, -1.0)]), GE, rhs=0.0))


def count_table(m: AllocationModel) -> pd.DataFrame:
    """One row per region and year: ``region_code``, ``year``, ``var`` (share), ``workers``, ``gerai``,
    ``kanal`` (the count variables)."""
    wide = m.counts.pivot_table(index=["region_code", "year"], columns="kind", values="var", aggfunc="first")
    return m.reached.set_index(["region_code", "year"]).join(wide).reset_index()


def add_reach_constraints(m: AllocationModel, inputs: PlanInputs, planes: pd.DataFrame | None = None) -> None:
    """Reach under the concave envelope: S[r,t] <= a_p + b_p N[r,gerai,t] + c_p N[r,kanal,t] for the planes
    p of region r (shares; R[r,t] = W[r,t] S[r,t]). ``planes`` defaults to every plane of every region for
    every year; a ``year`` column restricts a plane to that year (the solve loop adds the rest on demand).
    """
    planes = inputs.planes if planes is None else planes
    on = ["region_code", "year"] if "year" in planes.columns else ["region_code"]
    table = count_table(m).merge(planes, on=on)
    for row in table.itertuples(index=False):
        terms = [(row.var, 1.0), (row.gerai, -row.slope_gerai), (row.kanal, -row.slope_kanal)]
        m.add("reach", (row.region_code, row.year, row.plane),
              pulp.LpConstraint(affine(terms), LE, rhs=row.intercept))


def add_target_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """National targets: sum_r (N[r,k,T] - E[r,k]) = target_k ("exact") or <= target_k ("at_most")."""
    last = m.counts[m.counts["year"] == inputs.years[-1]]
    for kind in KINDS:
        rules = inputs.scenario.kind(kind)
        rows = last[last["kind"] == kind]
        rhs = rules.target + float(rows["existing"].sum())
        terms = [(v, 1.0) for v in rows["var"]]
        if rules.target_mode == "exact":
            terms += m.slack("target", kind)
        m.add("target", kind, pulp.LpConstraint(affine(terms), EQ if rules.target_mode == "exact" else LE, rhs=rhs))


def spend_terms(m: AllocationModel, inputs: PlanInputs, year: int) -> tuple[list, float]:
    """Terms and constant of the year's spend in billions of IDR: capex of openings + opex of all open outlets."""
    cost = inputs.regions.set_index("region_code")["cost_index"]
    rows = m.counts[m.counts["year"] == year]
    terms: list[tuple[pulp.LpVariable, float]] = []
    constant = 0.0
    for row in rows.itertuples(index=False):
        rules = inputs.scenario.kind(row.kind)
        index = float(cost[row.region_code])
        new, const = _new_terms(row, rules.capex_idr * index / IDR_PER_UNIT)
        terms += [*new, (row.var, rules.opex_idr_per_year * index / IDR_PER_UNIT)]
        constant += const
    return terms, constant


def add_budget_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """Yearly budget: spend[t] <= B[t] (+ carry[t-1] - carry[t] with carry-over), in billions of IDR, where
    spend[t] = sum_{r,k} c_r (capex_k x[r,k,t] + opex_k N[r,k,t])."""
    budgets = inputs.scenario.budgets()
    carried = None
    for year in inputs.years:
        terms, constant = spend_terms(m, inputs, year)
        if inputs.scenario.budget_carry_over:
            carry = pulp.LpVariable(f"carry_{year}", 0.0)
            terms.append((carry, 1.0))
            if carried is not None:
                terms.append((carried, -1.0))
            carried = carry
        terms += [(v, -c) for v, c in m.slack("budget", year)]  # slack in IDR bn (budget rows are in bn)
        m.add("budget", year, pulp.LpConstraint(affine(terms, constant), LE, rhs=budgets[year] / IDR_PER_UNIT))


def add_rollout_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """Opening capacity: sum_r x[r,k,t] <= rollout_k for every kind and year."""
    for (kind, year), rows in m.counts.groupby(["kind", "year"], sort=True):
        terms, constant = [], 0.0
        for row in rows.itertuples(index=False):
            new, const = _new_terms(row, 1.0)
            terms += new
            constant += const
        terms += [(v, -c) for v, c in m.slack("rollout", (kind, year))]
        m.add("rollout", (kind, year), pulp.LpConstraint(
            affine(terms, constant), LE, rhs=inputs.scenario.kind(kind).rollout_per_year))


def add_province_floor_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """Every province has at least ``province_min_gerai`` gerai open in the final year:
    sum_{r in p} N[r,gerai,T] >= floor."""
    floor = inputs.scenario.province_min_gerai
    if floor <= 0:
        return
    province = inputs.regions.set_index("region_code")["province_code"]
    last = m.counts[(m.counts["year"] == inputs.years[-1]) & (m.counts["kind"] == "gerai")]
    for code, rows in last.groupby(last["region_code"].map(province), sort=True):
        terms = [(v, 1.0) for v in rows["var"]] + m.slack("province_floor", code)
        m.add("province_floor", code, pulp.LpConstraint(affine(terms), GE, rhs=float(floor)))


def add_kanal_rule_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """Kanal only where a gerai is open: N[r,kanal,t] <= K_r N[r,gerai,t] per region (K_r = the region's
    kanal cap), or the same summed over a province; a gerai count >= 1 lifts the limit, 0 forbids kanal."""
    rule = inputs.scenario.kanal_requires_gerai
    if rule == "none":
        return
    wide = m.counts.pivot_table(index=["region_code", "year"], columns="kind", values="var", aggfunc="first")
    caps = inputs.max_total.pivot_table(index="region_code", columns="kind", values="max_total")
    wide = wide.reset_index().merge(caps["kanal"].rename("kanal_cap").reset_index(), on="region_code")
    if rule == "province":
        province = inputs.regions.set_index("region_code")["province_code"]
        wide["group"] = wide["region_code"].map(province)
    else:
        wide["group"] = wide["region_code"]
    for (group, year), rows in wide.groupby(["group", "year"], sort=True):
        cap = float(rows["kanal_cap"].sum())
        terms = [(v, 1.0) for v in rows["kanal"]] + [(v, -cap) for v in rows["gerai"]]
        m.add("kanal_rule", (group, year), pulp.LpConstraint(affine(terms), LE, rhs=0.0))


def add_service_capacity_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """Optional service capacity: W[r,t] S[r,t] <= s_gerai N[r,gerai,t] + s_kanal N[r,kanal,t] (workers),
    written in shares; a kind without a capacity (0) is unlimited."""
    if not inputs.has_service_capacity:
        return
    capacity = {kind: inputs.scenario.kind(kind).service_capacity_workers for kind in KINDS}
    for row in count_table(m).itertuples(index=False):
        unlimited = {kind: capacity[kind] <= 0 for kind in KINDS}  # one such outlet lifts the limit (S <= 1)
        big = {kind: 1.0 if unlimited[kind] else capacity[kind] / max(row.workers, 1.0) for kind in KINDS}
        terms = [(row.var, 1.0), (row.gerai, -big["gerai"]), (row.kanal, -big["kanal"])]
        m.add("service_capacity", (row.region_code, row.year), pulp.LpConstraint(affine(terms), LE, rhs=0.0))


def add_lock_constraints(m: AllocationModel, inputs: PlanInputs) -> None:
    """Locked openings: x[r,k,t] >= count (scenario locks) or x[r,k,t] = count (actual openings)."""
    if inputs.locks.empty:
        return
    counts = {(row.region_code, row.kind, row.year): row for row in m.counts.itertuples(index=False)}
    for lock in inputs.locks.itertuples(index=False):
        row = counts[(lock.region_code, lock.kind, int(lock.year))]
        new, constant = _new_terms(row, 1.0)
        family = "actual" if lock.exact else "lock"
        slack = m.slack(family, (lock.region_code, lock.kind, lock.year))
        m.add(family, (lock.region_code, lock.kind, lock.year), pulp.LpConstraint(
            affine(new + slack, constant), EQ if lock.exact else GE, rhs=float(lock.count)))


def objective_terms(m: AllocationModel, inputs: PlanInputs) -> list[tuple[pulp.LpVariable, float]]:
    """Worker-years reached, sum over r and t of W[r,t] S[r,t], or final-year reach, sum over r of
    W[r,T] S[r,T] (persons)."""
    rows = m.reached if inputs.scenario.objective == "worker_years" else \
        m.reached[m.reached["year"] == inputs.years[-1]]
    return list(zip(rows["var"], rows["workers"].astype(float), strict=True))


def slack_penalty_terms(m: AllocationModel) -> list[tuple[pulp.LpVariable, float]]:
    """Sum of all elastic slacks, each in its penalty unit."""
    return [(v, scale) for family in m.slacks.values() for v, scale in family.values()]


__all__ = [name for name in dir() if name.startswith("add_")] + ["objective_terms", "spend_terms"]

