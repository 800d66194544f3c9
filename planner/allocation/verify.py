"""Independent check of a plan from its output tables: every rule of the scenario recomputed.

Used after every solve (a violated check is a bug and stops the run) and by the property tests.
"""

from __future__ import annotations

import pandas as pd

from planner.allocation.evaluate import budget_breaches, spend_table
from planner.inputs import PlanInputs
from planner.scenario import KINDS

SHARE_TOLERANCE = 1e-6


def _targets(inputs: PlanInputs, counts: pd.DataFrame) -> list[str]:
    problems = []
    for kind in KINDS:
        rules = inputs.scenario.kind(kind)
        total = int(counts.loc[counts["kind"] == kind, "new"].sum())
        if rules.target_mode == "exact" and total != rules.target:
            problems.append(f"{kind}: {total} new outlets, target {rules.target} (exact)")
        if rules.target_mode == "at_most" and total > rules.target:
            problems.append(f"{kind}: {total} new outlets, target at most {rules.target}")
    return problems


def _budgets(inputs: PlanInputs, counts: pd.DataFrame) -> list[str]:
    spend = spend_table(inputs, counts)
    return [f"budget {year}: spend IDR {spend.loc[spend['year'] == year, 'spend'].item():,.0f} exceeds "
            f"IDR {spend.loc[spend['year'] == year, 'budget'].item():,.0f}"
            for year in budget_breaches(inputs, spend, tolerance_idr=1e3)]


def _rollout_and_caps(inputs: PlanInputs, counts: pd.DataFrame) -> list[str]:
    problems = []
    yearly = counts.groupby(["kind", "year"])["new"].sum()
    for (kind, year), total in yearly.items():
        if total > inputs.scenario.kind(kind).rollout_per_year:
            problems.append(f"rollout {kind} {year}: {total} openings > {inputs.scenario.kind(kind).rollout_per_year}")
    if (counts["new"] < 0).any():
        row = counts[counts["new"] < 0].iloc[0]
        problems.append(f"negative openings in {row['region_code']} {row['kind']} {row['year']}")
    caps = inputs.max_total.set_index(["region_code", "kind"])["max_total"]
    final = counts[counts["year"] == inputs.years[-1]]
    over = final[final["cumulative"].to_numpy() > caps.reindex(list(zip(final["region_code"], final["kind"],
                                                                        strict=True))).to_numpy()]
    problems += [f"cap {row.region_code} {row.kind}: {row.cumulative} open > cap" for row in over.itertuples()]
    return problems


def _locks(inputs: PlanInputs, counts: pd.DataFrame) -> list[str]:
    new = counts.set_index(["region_code", "kind", "year"])["new"]
    problems = []
    for lock in inputs.locks.itertuples(index=False):
        got = int(new.get((lock.region_code, lock.kind, int(lock.year)), 0))
        if (lock.exact and got != lock.count) or got < lock.count:
            problems.append(f"lock {lock.region_code} {lock.kind} {lock.year}: {got} opened, "
                            f"{'exactly' if lock.exact else 'at least'} {lock.count} required")
    return problems


def _floors_and_kanal_rule(inputs: PlanInputs, counts: pd.DataFrame) -> list[str]:
    problems = []
    province = inputs.regions.set_index("region_code")["province_code"]
    scenario = inputs.scenario
    gerai = counts[counts["kind"] == "gerai"].assign(province_code=lambda t: t["region_code"].map(province))
    final = gerai[gerai["year"] == inputs.years[-1]].groupby("province_code")["cumulative"].sum()
    short = final[final < scenario.province_min_gerai]
    floor = scenario.province_min_gerai
    problems += [f"province {code}: {count} gerai < floor {floor}" for code, count in short.items()]
    if scenario.kanal_requires_gerai != "none":
        wide = counts.pivot_table(index=["region_code", "year"], columns="kind", values="cumulative").reset_index()
        group = wide["region_code"] if scenario.kanal_requires_gerai == "region" else wide["region_code"].map(province)
        sums = wide.groupby([group, wide["year"]])[["gerai", "kanal"]].sum()
        bad = sums[(sums["kanal"] > 0) & (sums["gerai"] < 1)]
        problems += [f"kanal without gerai in {key[0]} {key[1]}" for key in bad.index]
    return problems


def _reach(inputs: PlanInputs, counts: pd.DataFrame, reach: pd.DataFrame) -> list[str]:
    problems = []
    over = reach[reach["workers_reached"] > reach["workers_informal"] * (1 + SHARE_TOLERANCE)]
    problems += [f"reach {row.region_code} {row.year}: more workers reached than exist" for row in over.itertuples()]
    wide = counts.pivot_table(index=["region_code", "year"], columns="kind", values="cumulative")
    limit = pd.Series(inputs.service_limit(wide["gerai"].to_numpy(), wide["kanal"].to_numpy()), index=wide.index)
    reached = reach.set_index(["region_code", "year"])["workers_reached"]
    bad = reached[reached > limit.reindex(reached.index) * (1 + SHARE_TOLERANCE) + 1.0]
    problems += [f"service capacity {code} {year}: reach above capacity" for code, year in bad.index]
    return problems


def verify_plan(inputs: PlanInputs, counts: pd.DataFrame, reach: pd.DataFrame) -> list[str]:
    """Every rule of the scenario recomputed from the plan's tables.

    Parameters
    ----------
    inputs : PlanInputs
    counts : pandas.DataFrame
        ``region_code, kind, year, existing, new, cumulative`` (from ``evaluate.cumulative_counts``).
    reach : pandas.DataFrame
        ``region_code, year, workers_informal, workers_reached``.

    Returns
    -------
    list of str
        One line per violated rule; empty when the plan obeys every rule.
    """
    return (_targets(inputs, counts) + _budgets(inputs, counts) + _rollout_and_caps(inputs, counts)
            + _locks(inputs, counts) + _floors_and_kanal_rule(inputs, counts) + _reach(inputs, counts, reach))
