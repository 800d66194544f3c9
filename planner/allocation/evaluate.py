"""Evaluate any plan (optimised or baseline) with the same reach model and cost rules, from its tables.

A plan is a table ``region_code, kind, year, new`` (new openings). Everything here is recomputed from
that table and the plan inputs, independently of the solver, so it serves the baselines, the summary and
the verification alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.inputs import PlanInputs
from planner.reach import share_lookup
from planner.scenario import KINDS


def cumulative_counts(inputs: PlanInputs, plan: pd.DataFrame) -> pd.DataFrame:
    """Open outlets per region, kind and year (existing + new so far).

    Parameters
    ----------
    inputs : PlanInputs
    plan : pandas.DataFrame
        ``region_code``, ``kind``, ``year``, ``new`` (rows may be missing: zero).

    Returns
    -------
    pandas.DataFrame
        ``region_code``, ``kind``, ``year``, ``existing``, ``new``, ``cumulative``, for every region, kind
        and plan year.
    """
    index = pd.MultiIndex.from_product([inputs.regions["region_code"], KINDS, inputs.years],
                                       names=["region_code", "kind", "year"])
    new = plan.groupby(["region_code", "kind", "year"])["new"].sum().reindex(index, fill_value=0)
    table = new.reset_index()
    existing = inputs.existing.groupby(["region_code", "kind"])["count"].sum()
    table["existing"] = [int(existing.get((code, kind), 0)) for code, kind in
                         zip(table["region_code"], table["kind"], strict=True)]
    table["new"] = table["new"].astype(int)
    table["cumulative"] = table["existing"] + table.groupby(["region_code", "kind"])["new"].cumsum()
    return table[["region_code", "kind", "year", "existing", "new", "cumulative"]]


def reach_table(inputs: PlanInputs, counts: pd.DataFrame) -> pd.DataFrame:
    """Workers within reach per region and year, read from the exact reach table.

    Returns
    -------
    pandas.DataFrame
        ``region_code``, ``year``, ``workers_informal``, ``share_reached``, ``workers_reached`` (persons).
    """
    wide = counts.pivot_table(index=["region_code", "year"], columns="kind", values="cumulative",
                              aggfunc="sum").reset_index()
    wide = wide.rename(columns={"gerai": "n_gerai", "kanal": "n_kanal"})
    share = share_lookup(inputs.grid, wide)
    table = wide[["region_code", "year"]].assign(share_reached=share)
    table = table.merge(inputs.workers, on=["region_code", "year"])
    limit = inputs.service_limit(wide["n_gerai"].to_numpy(), wide["n_kanal"].to_numpy())
    table["workers_reached"] = np.minimum(table["workers_informal"] * table["share_reached"], limit)
    table["share_reached"] = table["workers_reached"] / table["workers_informal"].where(
        table["workers_informal"] > 0, 1.0)
    return table[["region_code", "year", "workers_informal", "share_reached", "workers_reached"]]


def spend_table(inputs: PlanInputs, counts: pd.DataFrame) -> pd.DataFrame:
    """Capex, opex and spend per year in IDR, against the budget.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``budget``, ``capex``, ``opex``, ``spend`` (IDR), ``budget_left`` (IDR, before carry-over).
    """
    cost = inputs.regions.set_index("region_code")["cost_index"]
    index = counts["region_code"].map(cost).to_numpy(float)
    capex = counts["kind"].map({k: inputs.scenario.kind(k).capex_idr for k in KINDS}).to_numpy(float)
    opex = counts["kind"].map({k: inputs.scenario.kind(k).opex_idr_per_year for k in KINDS}).to_numpy(float)
    table = counts.assign(capex=capex * index * counts["new"], opex=opex * index * counts["cumulative"])
    yearly = table.groupby("year")[["capex", "opex"]].sum().reindex(list(inputs.years), fill_value=0.0)
    yearly["spend"] = yearly["capex"] + yearly["opex"]
    budgets = inputs.scenario.budgets()
    yearly.insert(0, "budget", [budgets[year] for year in yearly.index])
    yearly["budget_left"] = yearly["budget"] - yearly["spend"]
    return yearly.reset_index()


def budget_breaches(inputs: PlanInputs, spend: pd.DataFrame, tolerance_idr: float = 1.0) -> list[int]:
    """Years whose spend exceeds the budget (with carry-over: the cumulative budget), IDR tolerance."""
    if inputs.scenario.budget_carry_over:
        over = spend["spend"].cumsum() > spend["budget"].cumsum() + tolerance_idr
    else:
        over = spend["spend"] > spend["budget"] + tolerance_idr
    return [int(year) for year in spend.loc[over, "year"]]


def objective_value(inputs: PlanInputs, reach: pd.DataFrame) -> float:
    """The scenario's objective for a reach table: worker-years, or final-year workers reached."""
    if inputs.scenario.objective == "final_reach":
        reach = reach[reach["year"] == inputs.years[-1]]
    return float(reach["workers_reached"].sum())


def evaluate(inputs: PlanInputs, plan: pd.DataFrame) -> dict:
    """Objective, final-year reach, spend and budget fit of a plan.

    Returns
    -------
    dict
        ``counts``, ``reach``, ``spend`` tables and ``objective`` (persons or person-years),
        ``workers_reached_final`` (persons), ``fits_budget`` (bool), ``years_over_budget`` (list of int).
    """
    counts = cumulative_counts(inputs, plan)
    reach = reach_table(inputs, counts)
    spend = spend_table(inputs, counts)
    breaches = budget_breaches(inputs, spend)
    final = reach[reach["year"] == inputs.years[-1]]
    return {"counts": counts, "reach": reach, "spend": spend, "objective": objective_value(inputs, reach),
            "workers_reached_final": float(final["workers_reached"].sum()),
            "fits_budget": not breaches, "years_over_budget": breaches}



