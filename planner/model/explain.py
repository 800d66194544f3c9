"""Explain an infeasible scenario in the user's terms, found by an elastic re-solve (not guessed).

Every hard rule gets a non-negative slack; the elastic model minimises the weighted slack, so the rules
that must give way, and by how much, come from the solver. Budget slack is cheapest (1 per billion IDR):
the answer says first how much more money the targets need, year by year; targets, floors and locks only
give way when no amount of money helps (caps, rollout capacity).
"""

from __future__ import annotations

from planner.inputs import PlanInputs
from planner.model.build import build_model
from planner.solve import SolverOptions, solve

MEANINGFUL_SLACK = 0.05  # IDR bn or outlets: smaller slack is solver noise
#: Penalty per unit of slack: budget per billion IDR, the others per outlet.
WEIGHTS = {"budget": 1.0, "rollout": 1_000.0, "target": 10_000.0, "province_floor": 10_000.0,
           "lock": 10_000.0, "actual": 10_000.0}


def _budget_sentence(amounts: dict[int, float], inputs: PlanInputs) -> str:
    scenario = inputs.scenario
    budgets = scenario.budgets()
    years = "; ".join(f"{year}: needs IDR {budgets[year] / 1e9 + amount:,.1f} bn, budget "
                      f"IDR {budgets[year] / 1e9:,.1f} bn" for year, amount in sorted(amounts.items()))
    return (f"the targets ({scenario.gerai.target} gerai, {scenario.kanal.target} kanal) need IDR "
            f"{sum(amounts.values()):,.1f} bn more than the budgets allow ({years}); raise budget_idr or "
            "budget_scale, or lower the targets")


def _sentence(family: str, key: object, amount: float, inputs: PlanInputs) -> str:
    scenario = inputs.scenario
    if family == "rollout":
        kind, year = key
        return (f"{kind} openings in {year} exceed rollout_per_year {scenario.kind(kind).rollout_per_year} by "
                f"{amount:.0f}; raise {kind}.rollout_per_year or lower the target")
    if family == "target":
        return (f"only {scenario.kind(key).target - amount:.0f} of the {scenario.kind(key).target} {key} fit "
                f"within the caps, rollout capacity and locks; lower {key}.target or raise the caps")
    if family == "province_floor":
        return (f"province {key} cannot get {scenario.province_min_gerai} gerai (short by {amount:.0f}); lower "
                "province_min_gerai or raise gerai.max_new_per_region")
    region, kind, year = key
    word = "actual opening" if family == "actual" else "lock"
    return (f"the {word} of {kind} in {region} in {year} cannot be met (short by {amount:.0f}); check it "
            "against the budget, rollout capacity and targets")


def explain_infeasibility(inputs: PlanInputs, time_limit: float = 60.0) -> list[str]:
    """Sentences naming each rule that must give way for the scenario to become feasible, and by how much.

    Parameters
    ----------
    inputs : PlanInputs
    time_limit : float
        Seconds for the elastic solve.

    Returns
    -------
    list of str
        Most important first (budget years in order); empty if the elastic model needs no slack.
    """
    last = inputs.years[-1]

    def weight(family: str, key: object) -> float:
        if family == "budget":  # money needed later is cheaper: the answer says how much is needed by when
            return WEIGHTS[family] * (1.0 + 0.01 * (last - int(key)))
        return WEIGHTS.get(family, 1.0)

    m = build_model(inputs, slack_weight=weight)
    outcome = solve(m.problem, SolverOptions(time_limit=time_limit))
    if not outcome.has_solution:
        return ["the rules conflict in a way the elastic model could not resolve; check caps, locks and targets"]
    used = {family: {key: outcome.values.get(variable.name, 0.0) for key, (variable, _) in keys.items()}
            for family, keys in m.slacks.items()}
    used = {family: {key: amount for key, amount in keys.items() if amount > MEANINGFUL_SLACK}
            for family, keys in used.items()}
    sentences = [_budget_sentence(used["budget"], inputs)] if used.get("budget") else []
    for family in ["rollout", "target", "province_floor", "lock", "actual"]:
        for key, amount in sorted(used.get(family, {}).items(), key=lambda item: str(item[0])):
            sentences.append(_sentence(family, key, amount, inputs))
    return sentences
