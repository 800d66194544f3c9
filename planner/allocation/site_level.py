"""The optional site-level phase of a plan (issue 15): the placed plan valued nationally (each demand point once,
across borders), a proven bound on every plan under the scenario's rules, and the window search's improved
placement, kept only when it verifies. The search may move outlets between neighbouring regencies (their counts
change within the scenario's rules); the plan then continues with the new counts, checked here rule by rule.

Imported by :func:`planner.allocation.plan.plan` only when ``site_level=True``, so a plan without it does not
load ``planner.national``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.allocation.evaluate import cumulative_counts, measured_reach
from planner.allocation.verify import _site_rules, verify_counts
from planner.inputs import PlanInputs
from planner.reach import EARTH_RADIUS_KM, unit_vectors
from planner.regions import RegionDataset
from planner.scenario import KINDS

Progress = Callable[[str], None]
PLACED = ["region_code", "site_id", "name", "lon", "lat", "kind", "year", "workers_covered", "existing"]


def _cumulative(placed: pd.DataFrame, years) -> pd.Series:
    """Open outlets per (region_code, kind, year) at the end of each plan year."""
    rows = [placed[placed["year"] <= year].groupby(["region_code", "kind"]).size().reset_index(name="cumulative")
            .assign(year=int(year)) for year in years]
    return pd.concat(rows, ignore_index=True).set_index(["region_code", "kind", "year"])["cumulative"]


def count_problems(counts: pd.DataFrame, placed: pd.DataFrame, years) -> list[str]:
    """One line per (regency, kind, year) whose open outlets in ``placed`` differ from the plan's counts."""
    want = counts.set_index(["region_code", "kind", "year"])["cumulative"].astype(int)
    found = _cumulative(placed, years)
    have = found.reindex(want.index, fill_value=0)
    extra = found.drop(want.index, errors="ignore")
    off = want[want != have]
    lines = [f"sites {r} {k} {t}: {have[(r, k, t)]} open, the plan counts {n}" for (r, k, t), n in off.items()]
    return lines + [f"sites {r} {k} {t}: {n} open, the plan has none" for (r, k, t), n in extra[extra > 0].items()]


def placement_counts(inputs: PlanInputs, placed: pd.DataFrame) -> pd.DataFrame:
    """The counts table (``region_code, kind, year, existing, new, cumulative``) of a placement: its outlets
    opened in the plan years, on top of the scenario's existing ones."""
    new = placed[placed["year"] >= inputs.years[0]].groupby(["region_code", "kind", "year"]).size()
    return cumulative_counts(inputs, new.rename("new").reset_index())


@dataclass(frozen=True)
class CountRulesCheck:
    """For the search (picklable: it runs in a second process): the count rules a placement breaks, recounted
    from its outlets by :func:`planner.allocation.verify.verify_counts`."""

    inputs: PlanInputs

    def __call__(self, placed: pd.DataFrame) -> list[str]:
        """One line per broken rule; empty when the placement's counts obey every count rule."""
        return verify_counts(self.inputs, placement_counts(self.inputs, placed))


def outlets_moved(before: pd.DataFrame, after: pd.DataFrame) -> int:
    """Outlets the search moved to another regency or another opening year: the sum of the positive
    differences of the openings per regency, kind and year (``new`` of two counts tables)."""
    keys = ["region_code", "kind", "year"]
    old, new = before.set_index(keys)["new"], after.set_index(keys)["new"]
    return int((new.sub(old, fill_value=0)).clip(lower=0).sum())


def _real_sites(improved: pd.DataFrame, original: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame | None:
    """The search's outlets with the candidate sites' ids and names (it names moved outlets by coordinates);
    None when one does not sit on a candidate site of its regency."""
    table = sites.assign(key_lon=sites["lon"].round(5), key_lat=sites["lat"].round(5))
    table = table.drop_duplicates(["region_code", "key_lon", "key_lat"])
    keyed = improved.assign(key_lon=improved["lon"].astype(float).round(5),
                            key_lat=improved["lat"].astype(float).round(5))
    keyed = keyed.drop(columns=[c for c in ("site_id", "name") if c in keyed.columns])
    found = keyed.merge(table[["region_code", "key_lon", "key_lat", "site_id", "name"]],
                        on=["region_code", "key_lon", "key_lat"], how="left")
    if found["site_id"].isna().any() or len(found) != len(improved):
        return None
    first = int(original.loc[~original["existing"], "year"].min()) if (~original["existing"]).any() else None
    found["existing"] = found["year"] < first if first is not None else True
    return found.drop(columns=["key_lon", "key_lat"])


def _workers_covered(placed: pd.DataFrame, inputs: PlanInputs) -> np.ndarray:
    """Per outlet (row of ``placed``): final-year informal workers of its own regency it newly covers in opening
    order (as ``planner.siting.place_sequences``: existing first, then year by year, gerai before kanal)."""
    sequences = inputs.sequences
    demand = sequences.demand
    region = demand["region_code"].to_numpy()
    placed = placed.reset_index(drop=True)
    order = np.lexsort((placed["kind"].map({k: i for i, k in enumerate(KINDS)}).to_numpy(),
                        placed["year"].to_numpy()))
    rank = np.empty(len(placed), dtype=np.int64)
    rank[order] = np.arange(len(placed))
    best = np.full(len(demand), len(placed), dtype=np.int64)
    for kind, outlets in placed.groupby("kind"):
        chord = 2.0 * np.sin(float(sequences.radius_km[kind]) / EARTH_RADIUS_KM / 2.0)
        found = sequences.demand_tree.query_ball_point(
            unit_vectors(outlets["lon"].to_numpy(float), outlets["lat"].to_numpy(float)), chord)
        lengths = np.array([len(rows) for rows in found], dtype=np.int64)
        rows = np.concatenate([np.asarray(r, dtype=np.int64) for r in found]) if lengths.sum() else \
            np.zeros(0, dtype=np.int64)
        column = np.repeat(np.arange(len(outlets)), lengths)
        same = region[rows] == outlets["region_code"].to_numpy()[column]
        np.minimum.at(best, rows[same], rank[outlets.index.to_numpy()][column[same]])
    people = demand["population"].to_numpy(float)
    final = inputs.workers[inputs.workers["year"] == inputs.years[-1]].set_index("region_code")["workers_informal"]
    total = pd.Series(people).groupby(region).sum()
    codes = pd.Series(region)
    per_person = (codes.map(final) / codes.map(total)).fillna(0.0).to_numpy()
    hit = best < len(placed)
    covered = np.bincount(best[hit], weights=(people * per_person)[hit], minlength=len(placed))
    return covered[rank]


def verified_placement(inputs: PlanInputs, counts: pd.DataFrame, placed: pd.DataFrame, improved: pd.DataFrame,
                       move_counts: bool = False) -> tuple[pd.DataFrame | None, list[str]]:
    """The search's placement as a ``result.sites`` table, and the rules it breaks (empty when it verifies).

    It verifies when every outlet sits on a candidate site of its regency that allows its kind, no site holds
    two outlets of a kind, the existing outlets are where they were, and the open outlets per regency, kind
    and year equal the plan's counts or, with ``move_counts``, obey every count rule of the scenario
    (:func:`planner.allocation.verify.verify_counts` on the placement's counts). (The reach tables'
    reconciliation of ``verify_sites`` does not apply: the search moves outlets off the greedy sequences on
    purpose; reach is measured from the sites afterwards.)
    """
    table = _real_sites(improved, placed, inputs.sequences.sites)
    if table is None:
        return None, ["sites: an outlet of the search is not on a candidate site of its regency"]
    problems = _site_rules(inputs, table)
    problems += (verify_counts(inputs, placement_counts(inputs, table)) if move_counts
                 else count_problems(counts, table, inputs.years))
    keys = ["region_code", "site_id", "kind"]
    before = placed.loc[placed["existing"], keys].sort_values(keys).reset_index(drop=True)
    after = table.loc[table["existing"], keys].sort_values(keys).reset_index(drop=True)
    if not before.equals(after):
        problems.append("sites: the search moved an existing outlet")
    if problems:
        return None, problems
    table["workers_covered"] = _workers_covered(table, inputs)
    table = table[PLACED].sort_values(["region_code", "year", "kind", "site_id"]).reset_index(drop=True)
    return table, []


def site_level_phase(dataset: RegionDataset, inputs: PlanInputs, counts: pd.DataFrame, placed: pd.DataFrame,
                     measured: dict, seconds: float, say: Progress, move_counts: bool = True
                     ) -> tuple[dict, pd.DataFrame, dict, pd.DataFrame]:
    """Run :func:`planner.national.run.site_level` on a placed plan and keep its placement if it verifies.

    Parameters
    ----------
    dataset, inputs : RegionDataset, PlanInputs
        The plan's data and tables (with site sequences).
    counts : pandas.DataFrame
        ``region_code, kind, year, existing, new, cumulative`` of the plan.
    placed : pandas.DataFrame
        The plan's outlets as placed on the sequences (``result.sites`` columns).
    measured : dict
        :func:`planner.allocation.evaluate.measured_reach` of ``placed``.
    seconds : float
        Time limit of the phase, s.
    say : callable
        Progress lines.
    move_counts : bool
        Let the search move outlets between neighbouring regencies within the scenario's count rules (the
        caller turns it off when rules the phase does not know apply: a planner's own rules, service
        capacity).

    Returns
    -------
    (dict, pandas.DataFrame, dict, pandas.DataFrame)
        summary.json's ``site_level`` (objective, bound, gap, seconds, method, plus ``accepted``,
        ``objective_two_step`` and ``outlets_moved``), the sites (improved when accepted), their measured
        reach, and the counts table of the sites (the plan's when nothing moved).
    """
    from planner.national.model import national_data
    from planner.national.run import site_level
    from planner.national.value import plan_value
    from planner.solve import relative_gap

    say(f"site-level phase: national value, proven bound and window search ({seconds:.0f} s)")
    data = national_data(dataset, inputs)
    start = placed[["region_code", "site_id", "lon", "lat", "kind", "year"]]
    two_step = plan_value(start, data).objective
    result, improved = site_level(data, counts, start, time_limit=seconds, log=say, move_counts=move_counts,
                                  check=CountRulesCheck(inputs) if move_counts else None)
    record = result.to_dict()
    table, problems = (None, []) if improved is start else verified_placement(inputs, counts, placed, improved,
                                                                              move_counts)
    accepted = table is not None and result.objective > two_step
    new_counts = counts
    if not accepted:
        if problems:
            say("site-level placement rejected: " + "; ".join(problems[:3]))
        record.update(objective=two_step, gap=relative_gap(two_step, result.bound))
        table, new_measured = placed, measured
    else:
        new_counts = placement_counts(inputs, table) if move_counts else counts
        new_measured = measured_reach(inputs, new_counts, table)
    record.update(accepted=bool(accepted), objective_two_step=float(two_step),
                  outlets_moved=outlets_moved(counts, new_counts))
    say(f"site level: plan {record['objective']:,.0f}, bound {record['bound']:,.0f}, gap {record['gap']:.2%}"
        + (f"; {record['outlets_moved']} outlets moved to another regency or year" if record["outlets_moved"]
           else ""))
    return record, table, new_measured, new_counts
