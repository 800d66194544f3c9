"""Independent check of a plan from its output tables: every rule of the scenario recomputed.

Used after every solve (a violated check is a bug and stops the run) and by the property tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.allocation.evaluate import budget_breaches, reached_population, spend_table
from planner.inputs import PlanInputs
from planner.reach import share_lookup
from planner.scenario import KINDS

SHARE_TOLERANCE = 1e-6
RECONCILE_TOLERANCE = 1e-3  # fraction of a regency's people: placed sites vs the reach table (0.1 %)


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


def verify_counts(inputs: PlanInputs, counts: pd.DataFrame) -> list[str]:
    """Every rule stated on the counts alone (targets, budgets, rollout, caps, locks, province floors, kanal
    rule), recomputed from ``counts`` (``region_code, kind, year, existing, new, cumulative``); one line per
    violated rule. :func:`verify_plan` adds the reach rules."""
    return (_targets(inputs, counts) + _budgets(inputs, counts) + _rollout_and_caps(inputs, counts)
            + _locks(inputs, counts) + _floors_and_kanal_rule(inputs, counts))


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
    return verify_counts(inputs, counts) + _reach(inputs, counts, reach)


def _site_rules(inputs: PlanInputs, placed: pd.DataFrame) -> list[str]:
    """At most one outlet of each kind per site, only where the site allows that kind."""
    problems = [f"site {row.site_id}: more than one {row.kind}"
                for row in placed[placed.duplicated(["site_id", "kind"])].itertuples()]
    allows = inputs.sequences.sites.set_index("site_id")[[f"allows_{kind}" for kind in KINDS]]
    for kind in KINDS:
        rows = placed[placed["kind"] == kind]
        ok = allows[f"allows_{kind}"].reindex(rows["site_id"]).fillna(False).to_numpy(bool)
        problems += [f"site {site}: a {kind} where the site does not allow one" for site in rows.loc[~ok, "site_id"]]
    return problems


def verify_sites(inputs: PlanInputs, counts: pd.DataFrame, placed: pd.DataFrame, own_regency: np.ndarray
                 ) -> list[str]:
    """The placed sites obey the site rules and cover, in their regency, what the reach table promised.

    Parameters
    ----------
    inputs : PlanInputs
        With ``sequences``.
    counts : pandas.DataFrame
        ``region_code, kind, year, existing, new, cumulative`` of the plan.
    placed : pandas.DataFrame
        Outlets placed (existing included): ``region_code``, ``site_id``, ``kind``, ``year``.
    own_regency : numpy.ndarray
        Per demand point of ``inputs.sequences.demand``, the first year an outlet of its own regency placed in
        ``placed`` reaches it (``planner.reach.first_reached``).

    Returns
    -------
    list of str
        One line per broken rule; for the points model, one per regency-year whose placed sites cover a
        population differing from the table's by more than ``RECONCILE_TOLERANCE`` of the regency's people.
    """
    problems = _site_rules(inputs, placed)
    if inputs.reach_model != "points":
        return problems
    measured = reached_population(inputs.sequences.demand, own_regency, inputs.years)
    measured = measured[measured["population"] > 0]
    wide = counts.pivot_table(index=["region_code", "year"], columns="kind", values="cumulative", aggfunc="sum")
    wide = wide.rename(columns={"gerai": "n_gerai", "kanal": "n_kanal"}).reset_index()
    table = measured.merge(wide, on=["region_code", "year"])
    table["promised"] = share_lookup(inputs.grid, table) * table["population"]
    off = (table["reached"] - table["promised"]).abs() > RECONCILE_TOLERANCE * table["population"]
    problems += [f"sites {row.region_code} {row.year}: placed sites cover {row.reached:,.0f} people, the reach "
                 f"table promised {row.promised:,.0f}" for row in table[off].itertuples()]
    return problems
