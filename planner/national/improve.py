"""National improvement: large-neighbourhood search over windows of neighbouring regencies.

A window is a regency and its nearest neighbours (by the centre of their people). Everything outside it is
fixed; inside it, outlets are moved, swapped and re-timed among the regencies' best candidate sites by the
exact site-level MIP of the window for all years at once (:mod:`planner.national.exact`), counting as
reached what outside outlets already reach. Two kinds of window:

- counts kept (``rules=None``): every regency of the window keeps its counts N[r,k,t] of the plan, so every
  scenario rule, all stated on counts, still holds;
- counts free (``rules``, a :class:`planner.national.exact.CountRules`): the window's counts are variables
  of the allocation model's rules with every other regency's fixed at the current plan's, so an outlet may
  move from one regency of the window to its neighbour (across the border, where the people are) or open a
  year earlier where the budget left by the rest of the plan allows it.

A window's plan is accepted only when it verifies: a higher national value measured from scratch by
:func:`planner.national.value.plan_value` (cross-border coverage counted once) and, with counts kept, the
same counts per regency, kind and year; with counts free, ``check`` (the caller's independent check of every
rule on the new counts, recomputed from the placement) finds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner.national.exact import CountRules, build_site_mip, solve_site_mip
from planner.national.model import NationalData, cover
from planner.national.value import PlanValue, first_reached, plan_value
from planner.scenario import KINDS
from planner.solve import SolverOptions

WINDOW = 3          # regencies per window
CANDIDATES = 12     # best new candidate sites per regency and kind offered to the window MIP
WINDOW_SECONDS = 20.0
WINDOW_GAP = 1e-2   # relative gap each window MIP is solved to (1e-4: +0.90 % in 600 s official, 1e-2: +1.09 %)


def _centres(data: NationalData) -> pd.DataFrame:
    weight = data.demand["weight"].to_numpy() + 1e-9
    frame = data.demand.assign(wx=data.demand["lon"] * weight, wy=data.demand["lat"] * weight, w=weight)
    sums = frame.groupby("region_code")[["wx", "wy", "w"]].sum()
    return pd.DataFrame({"lon": sums["wx"] / sums["w"], "lat": sums["wy"] / sums["w"]})


def _candidates(data: NationalData, tree: cKDTree, codes: list, reached: np.ndarray) -> pd.DataFrame:
    """Per regency and kind, the sites covering the most final-year weight not yet reached."""
    last = data.weights(len(data.years) - 1) * (reached > data.years[-1])
    rows = []
    for code in codes:
        own = data.sites[data.sites["region_code"] == code]
        for kind in KINDS:
            allowed = own[own[f"allows_{kind}"]]
            if not len(allowed):
                continue
            gain = cover(tree, allowed["lon"], allowed["lat"], data.radius[kind]).T @ last
            best = np.argsort(-gain)[:CANDIDATES]
            rows.append(allowed.iloc[best][["region_code", "lon", "lat"]].assign(kind=kind))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["region_code", "lon", "lat", "kind"])


def _fixed_counts(counts: pd.DataFrame, codes: list) -> dict:
    rows = counts[counts["region_code"].isin(codes)]
    return {(r, k, int(t)): int(n) for r, k, t, n in
            zip(rows["region_code"], rows["kind"], rows["year"], rows["cumulative"], strict=True)}


def open_counts(placed: pd.DataFrame, years) -> dict:
    """(region_code, kind, year) -> outlets open at the end of the year (existing included)."""
    out = {}
    for year in years:
        for (code, kind), n in placed[placed["year"] <= year].groupby(["region_code", "kind"]).size().items():
            out[(code, kind, int(year))] = int(n)
    return out


def _window_plan(data: NationalData, tree: cKDTree, counts: pd.DataFrame, placed: pd.DataFrame, codes: list,
                 seconds: float, rules: CountRules | None = None) -> pd.DataFrame | None:
    """The window's best re-placement (new outlets of its regencies), or None when none was found."""
    inside = placed["region_code"].isin(codes)
    first = placed["year"] < data.years[0]
    outside = first_reached(placed[~inside], data, tree) if (~inside).any() else \
        np.full(len(data.demand), np.iinfo(np.int64).max)
    movable = placed[inside & ~first]
    fixed = None if rules is not None else _fixed_counts(counts, codes)
    if rules is not None:
        rules.window(set(codes), open_counts(placed, data.years))
    mip = build_site_mip(data, tree, set(codes), counts=fixed, rules=rules,
                         existing=placed[inside & first], movable=movable, reached_before=outside,
                         candidates=pd.concat([_candidates(data, tree, codes, outside),
                                               movable[["region_code", "lon", "lat", "kind"]]]))
    outcome, opened = solve_site_mip(mip, SolverOptions(time_limit=seconds, gap=WINDOW_GAP, threads=1))
    if not outcome.has_solution:
        return None
    years = np.array(data.years)
    return opened.assign(year=years[opened["year_index"].to_numpy(int)],
                         site_id=[f"{r}@{x:.5f},{y:.5f}-{k}" for r, x, y, k in
                                  zip(opened["region_code"], opened["lon"], opened["lat"], opened["kind"],
                                      strict=True)]).drop(columns="year_index")


Check = Callable[[pd.DataFrame], list]


def _try(data: NationalData, tree: cKDTree, counts: pd.DataFrame, current: pd.DataFrame, codes: list,
         seconds: float, rules: CountRules | None = None, check: Check | None = None
         ) -> tuple[float, pd.DataFrame | None]:
    """The window's re-placement and its national value (-inf when none was found or it fails to verify)."""
    proposal = _window_plan(data, tree, counts, current, codes, seconds, rules)
    if proposal is None:
        return -np.inf, None
    keep = current[~(current["region_code"].isin(codes) & (current["year"] >= data.years[0]))]
    candidate = pd.concat([keep, proposal], ignore_index=True)
    if open_counts(current, data.years) != open_counts(candidate, data.years):
        # counts kept: a change is a bug; counts free: the MIP kept the rules, an independent recount must agree
        if rules is None or (check is not None and check(candidate)):
            return -np.inf, None
    return plan_value(candidate, data, tree).objective, candidate


def improve_plan(data: NationalData, tree: cKDTree, counts: pd.DataFrame, placed: pd.DataFrame, value: PlanValue,
                 seconds: float, log=None, record=None, rules: CountRules | None = None,
                 check: Check | None = None, incoming=None) -> tuple[pd.DataFrame, float]:
    """Window search from the placed plan (module docstring); returns the plan and its value.

    Windows are tried around regencies in order of the final-year workers their own demand leaves
    unreached (most first), until ``seconds`` have passed; ``record(value)`` is called at each accepted
    window. With ``rules`` the windows' counts are free under the scenario's rules (module docstring) and
    ``check(placement)`` (optional) lists the rules a proposal's counts break, recounted independently.
    ``incoming()`` (optional; with ``rules`` only, since its counts differ), asked before each window, returns
    None or another verified plan and its value (from the bound's prices, :mod:`planner.national.heuristic`);
    the search continues from it when it is worth more than its own.
    """
    began = time.perf_counter()
    centres = _centres(data)
    near = cKDTree(centres[["lon", "lat"]].to_numpy())
    unreached = data.demand.assign(u=data.weights(len(data.years) - 1) * (value.first_year > data.years[-1]))
    order = list(unreached.groupby("region_code")["u"].sum().sort_values(ascending=False).index)
    best, current = value.objective, placed.reset_index(drop=True)
    tried, improved = 0, True
    while improved and seconds - (time.perf_counter() - began) >= 5:
        improved = False  # one pass over every window; another while a pass gained
        for code in order:
            left = seconds - (time.perf_counter() - began)
            if left < 5:
                break
            offered = incoming() if incoming is not None and rules is not None else None  # its counts differ
            if offered is not None and offered[1] > best * (1 + 1e-9):
                if log:
                    log(f"continuing from the plan of the bound's prices: {best:,.0f} -> {offered[1]:,.0f} "
                        f"({time.perf_counter() - began:.0f} s)")
                best, current, improved = offered[1], offered[0].reset_index(drop=True), True
                if record:
                    record(best)
            _, index = near.query(centres.loc[code, ["lon", "lat"]].to_numpy(float), k=min(WINDOW, len(centres)))
            codes = [centres.index[i] for i in np.atleast_1d(index)]
            tried += 1
            found, candidate = _try(data, tree, counts, current, codes, min(WINDOW_SECONDS, left), rules, check)
            if found > best * (1 + 1e-9):
                if log:
                    log(f"window {'+'.join(codes)}: {best:,.0f} -> {found:,.0f} ({time.perf_counter() - began:.0f} s)")
                best, current, improved = found, candidate, True
                if record:
                    record(found)
    if log:
        log(f"search: {tried} windows, {best / value.objective - 1:+.3%} over the two-step plan")
    return current, best
