"""Evaluate any plan (optimised or baseline) with the same reach model and cost rules, from its tables.

A plan is a table ``region_code, kind, year, new`` (new openings). Everything here is recomputed from
that table and the plan inputs, independently of the solver, so it serves the baselines, the summary and
the verification alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs import PlanInputs
from planner.reach import first_reached, share_lookup
from planner.scenario import KINDS


@dataclass(frozen=True)
class Evaluation:
    """A plan evaluated with the model's reach tables and cost rules (:func:`evaluate`).

    Attributes
    ----------
    counts : pandas.DataFrame
        :func:`cumulative_counts`.
    reach : pandas.DataFrame
        :func:`reach_table`.
    spend : pandas.DataFrame
        :func:`spend_table` (IDR).
    objective : float
        Persons or person-years, as the scenario's objective says.
    workers_reached_final : float
        Informal workers within reach in the final plan year (persons).
    fits_budget : bool
        No year spends more than its budget.
    years_over_budget : list of int
        The years that do.
    """

    counts: pd.DataFrame
    reach: pd.DataFrame
    spend: pd.DataFrame
    objective: float
    workers_reached_final: float
    fits_budget: bool
    years_over_budget: list[int]


@dataclass(frozen=True)
class MeasuredReach:
    """Reach measured from placed sites (:func:`measured_reach`).

    Attributes
    ----------
    reach : pandas.DataFrame
        As :func:`reach_table`, measured.
    unreached : pandas.DataFrame
        ``point_id, region_code, lon, lat, workers_unreached`` in the final year (persons).
    own_regency : numpy.ndarray
        Per demand point, the first year an outlet of its own regency reaches it.
    objective : float
        Persons or person-years.
    workers_reached_final : float
        Persons in the final plan year.
    """

    reach: pd.DataFrame
    unreached: pd.DataFrame
    own_regency: np.ndarray
    objective: float
    workers_reached_final: float


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


def evaluate(inputs: PlanInputs, plan: pd.DataFrame) -> Evaluation:
    """Objective, final-year reach, spend and budget fit of a plan.

    Returns
    -------
    Evaluation
        ``counts``, ``reach``, ``spend`` tables and ``objective`` (persons or person-years),
        ``workers_reached_final`` (persons), ``fits_budget`` (bool), ``years_over_budget`` (list of int).
    """
    counts = cumulative_counts(inputs, plan)
    reach = reach_table(inputs, counts)
    spend = spend_table(inputs, counts)
    breaches = budget_breaches(inputs, spend)
    final = reach[reach["year"] == inputs.years[-1]]
    return Evaluation(counts, reach, spend, objective_value(inputs, reach), float(final["workers_reached"].sum()),
                      not breaches, breaches)





def reached_population(demand: pd.DataFrame, first_year: np.ndarray, years: tuple[int, ...]) -> pd.DataFrame:
    """Population within reach per regency and year, from the first year each demand point is reached.

    Parameters
    ----------
    demand : pandas.DataFrame
        ``region_code``, ``population`` (persons).
    first_year : numpy.ndarray
        Per demand point, the first year an outlet reaches it (a year before ``years[0]`` counts from the
        first year; after ``years[-1]``: never).
    years : tuple of int
        Plan years.

    Returns
    -------
    pandas.DataFrame
        ``region_code``, ``year``, ``population`` (of the regency's demand points), ``reached`` (persons).
    """
    codes, region = np.unique(demand["region_code"].to_numpy(str), return_inverse=True)
    people = demand["population"].to_numpy(float)
    step = np.clip(first_year - years[0], 0, None)
    inside = first_year <= years[-1]
    reached = np.zeros((len(codes), len(years)))
    np.add.at(reached, (region[inside], step[inside]), people[inside])
    reached = reached.cumsum(axis=1)
    population = np.bincount(region, weights=people, minlength=len(codes))
    return pd.DataFrame({"region_code": np.repeat(codes, len(years)), "year": np.tile(np.asarray(years), len(codes)),
                         "population": np.repeat(population, len(years)), "reached": reached.ravel()})


def measured_reach(inputs: PlanInputs, counts: pd.DataFrame, placed: pd.DataFrame) -> MeasuredReach:
    """Reach measured from placed sites against all demand (each demand point once, across borders).

    A regency's workers reached in a year = its informal workers x (population within reach of an open outlet
    of any regency / population of its demand points), capped by the service capacity; a regency without
    people on demand points keeps the model's figure.

    Parameters
    ----------
    inputs : PlanInputs
        With ``sequences`` (demand points and radii).
    counts : pandas.DataFrame
        ``region_code, kind, year, existing, new, cumulative`` of the plan (for the model's fallback).
    placed : pandas.DataFrame
        Open outlets (existing included): ``region_code``, ``kind``, ``year``, ``lon``, ``lat``.

    Returns
    -------
    MeasuredReach
        ``reach`` (as :func:`reach_table`, measured), ``unreached`` (``point_id, region_code, lon, lat,
        workers_unreached`` in the final year), ``own_regency`` (per demand point, first year an outlet of its
        own regency reaches it), ``objective`` and ``workers_reached_final`` (persons).
    """
    demand, years = inputs.sequences.demand, inputs.years
    any_outlet, own = first_reached(demand, placed, inputs.sequences.radius_km, years[-1] + 1,
                                     inputs.sequences.demand_tree)
    people = reached_population(demand, any_outlet, years)
    table = reach_table(inputs, counts).merge(people, on=["region_code", "year"], how="left")
    known = table["population"].fillna(0).to_numpy() > 0
    share = np.where(known, table["reached"] / table["population"].where(known, 1.0), table["share_reached"])
    wide = counts.pivot_table(index=["region_code", "year"], columns="kind", values="cumulative", aggfunc="sum")
    wide = wide.reindex(list(zip(table["region_code"], table["year"], strict=True)))
    limit = inputs.service_limit(wide["gerai"].to_numpy(), wide["kanal"].to_numpy())
    table["workers_reached"] = np.minimum(table["workers_informal"] * np.minimum(share, 1.0), limit)
    table["share_reached"] = table["workers_reached"] / table["workers_informal"].where(
        table["workers_informal"] > 0, 1.0)
    reach = table[["region_code", "year", "workers_informal", "share_reached", "workers_reached"]]
    final = reach[reach["year"] == years[-1]]
    return MeasuredReach(reach, _unreached(inputs, demand, any_outlet, people), own, objective_value(inputs, reach),
                         float(final["workers_reached"].sum()))


def _unreached(inputs: PlanInputs, demand: pd.DataFrame, any_outlet: np.ndarray, people: pd.DataFrame) -> pd.DataFrame:
    final = inputs.years[-1]
    beyond = demand[any_outlet > final]
    per_person = people[people["year"] == final].set_index("region_code")
    workers = inputs.workers[inputs.workers["year"] == final].set_index("region_code")["workers_informal"]
    ratio = (workers.reindex(per_person.index) / per_person["population"].where(per_person["population"] > 0))
    unreached = beyond[["point_id", "region_code", "lon", "lat"]].copy()
    unreached["workers_unreached"] = beyond["population"].to_numpy(float) * \
        beyond["region_code"].map(ratio).fillna(0.0).to_numpy(float)
    return unreached.reset_index(drop=True)
