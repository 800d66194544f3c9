"""The window search never loses value, keeps every count rule, and reaches the proven optimum on small instances."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.allocation.site_level import CountRulesCheck, placement_counts
from planner.allocation.verify import verify_counts
from planner.national.bound import national_bound
from planner.national.exact import CountRules, build_site_mip, solve_site_mip
from planner.national.improve import improve_plan, open_counts
from planner.national.value import plan_value
from planner.solve import SolverOptions
from tests.test_national_bound import varied_instance


def naive_plan(data, counts: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The count table and a feasible placement: each regency's first sites in list order, opened when its
    count first needs them."""
    rows, placed = [], []
    for (code, year), pair in sorted(counts.items()):
        for kind, number in zip(("gerai", "kanal"), pair, strict=True):
            rows.append((code, kind, year, number))
    table = pd.DataFrame(rows, columns=["region_code", "kind", "year", "cumulative"])
    for (code, kind), group in table.groupby(["region_code", "kind"]):
        sites = data.sites[(data.sites["region_code"] == code) & data.sites[f"allows_{kind}"]]
        opened = 0
        for year, number in zip(group["year"], group["cumulative"], strict=True):
            for _, site in sites.iloc[opened:number].iterrows():
                placed.append((code, f"{site['site_id']}-{kind}", site["lon"], site["lat"], kind, year))
            opened = max(opened, number)
    return table, pd.DataFrame(placed, columns=["region_code", "site_id", "lon", "lat", "kind", "year"])


def search_small_instance(seed: int) -> dict:
    """Small instance ``seed`` (odd seeds: at-most target, tighter budgets) solved three ways: the full
    site-level MIP's optimum, the national bound, and the window search from a naive placement (also used by
    ``benchmarks/national_sites.py --synthetic``)."""
    data = varied_instance(seed)
    tree = data.tree()
    optimum, _ = solve_site_mip(build_site_mip(data, tree, set(data.inputs.regions["region_code"])),
                                SolverOptions(gap=0.0))
    bound = national_bound(data, tree, time_limit=60)
    counts, placed = naive_plan(data, bound.counts)
    start = plan_value(placed, data, tree)
    improved, value = improve_plan(data, tree, counts, placed, start, seconds=60)
    return {"data": data, "tree": tree, "optimum": optimum, "bound": bound, "start": start,
            "improved": improved, "value": value}


def test_search_reaches_the_optimum_on_most_small_instances():
    matched = 0
    for seed in range(5):
        run = search_small_instance(seed)
        data, tree, optimum, bound, start = run["data"], run["tree"], run["optimum"], run["bound"], run["start"]
        improved, value = run["improved"], run["value"]
        assert value >= start.objective
        assert value <= optimum.objective * (1 + 1e-9) <= bound.bound * (1 + 1e-9)
        assert plan_value(improved, data, tree).objective == pytest.approx(value)
        matched += value >= optimum.objective * (1 - 1e-6)
    assert matched >= 3


def _moved_gerai(data, placed: pd.DataFrame) -> pd.DataFrame | None:
    """``placed`` with its last-opened gerai moved to a free site of another regency, same year, when the
    count rules allow it (else None): a plan whose counts a count-keeping search cannot mend."""
    gerai = placed[(placed["kind"] == "gerai") & (placed["year"] >= data.years[0])].sort_values("year")
    if not len(gerai):
        return None
    last = gerai.index[-1]
    source = placed.loc[last, "region_code"]
    for code in data.inputs.regions["region_code"]:
        if code == source:
            continue
        used = set(zip(placed["lon"], placed["lat"], placed["kind"], strict=True))
        free = data.sites[(data.sites["region_code"] == code) & data.sites["allows_gerai"]]
        free = free[[(x, y, "gerai") not in used for x, y in zip(free["lon"], free["lat"], strict=True)]]
        if not len(free):
            continue
        moved = placed.copy()
        moved.loc[last, ["region_code", "site_id", "lon", "lat"]] = [code, free["site_id"].iloc[0] + "-gerai",
                                                                     free["lon"].iloc[0], free["lat"].iloc[0]]
        if not verify_counts(data.inputs, placement_counts(data.inputs, moved)):
            return moved
    return None


def test_free_count_windows_move_outlets_across_borders_within_every_rule():
    """From a plan with one gerai moved to another regency (counts still legal, value lower), windows with free
    counts keep every count rule (recounted independently), never lose value, never pass the optimum, move
    counts back where it pays, and reach the proven optimum on most instances (measured: 5 of 5), where windows
    that keep the counts stay below it."""
    matched, moved_back, tried, kept_short = 0, 0, 0, 0
    for seed in range(5):
        run = search_small_instance(seed)
        data, tree, optimum, improved = run["data"], run["tree"], run["optimum"], run["improved"]
        start = _moved_gerai(data, improved)
        if start is None:
            continue
        tried += 1
        check = CountRulesCheck(data.inputs)
        before = plan_value(start, data, tree)
        searched, value = improve_plan(data, tree, None, start, before, seconds=60, rules=CountRules(data),
                                       check=check)
        assert check(searched) == []
        assert before.objective <= value <= optimum.objective * (1 + 1e-9)
        assert plan_value(searched, data, tree).objective == pytest.approx(value)
        matched += value >= optimum.objective * (1 - 1e-6)
        moved_back += open_counts(searched, data.years) != open_counts(start, data.years)
        counts = pd.DataFrame([(r, k, t, n) for (r, k, t), n in open_counts(start, data.years).items()],
                              columns=["region_code", "kind", "year", "cumulative"])
        _, kept = improve_plan(data, tree, counts, start, before, seconds=60)
        kept_short += kept < optimum.objective * (1 - 1e-6)  # measured: 5 of 5 (free counts: 0 of 5)
    assert tried >= 4 and matched >= 4 and moved_back >= 3 and kept_short >= 3


def test_a_window_whose_counts_the_check_refuses_is_not_taken():
    run = search_small_instance(0)
    data, tree, improved = run["data"], run["tree"], run["improved"]
    start = _moved_gerai(data, improved)
    before = plan_value(start, data, tree)
    searched, value = improve_plan(data, tree, None, start, before, seconds=30, rules=CountRules(data),
                                   check=lambda placed: ["refused"])
    assert open_counts(searched, data.years) == open_counts(start, data.years)
    assert value >= before.objective


def test_a_window_with_only_its_own_and_the_shared_rules_has_the_same_optimum_as_with_every_rule():
    """The fixed regencies' own rules left out and their counts folded into the shared rules' constants: the
    window MIP keeps its optimum, and holds a fraction of the rules."""
    run = search_small_instance(1)
    data, tree, improved = run["data"], run["tree"], run["improved"]
    start = _moved_gerai(data, improved)
    opened = open_counts(start, data.years)
    codes = sorted(data.inputs.regions["region_code"])
    for window in ([codes[0]], codes[1:3]):
        objectives, sizes = [], []
        for reduce in (True, False):
            rules = CountRules(data, reduce=reduce).window(set(window), opened)
            mip = build_site_mip(data, tree, set(window), rules=rules, existing=start[start["year"] < data.years[0]],
                                 movable=start[start["year"] >= data.years[0]])
            outcome, _ = solve_site_mip(mip, SolverOptions(gap=0.0))
            objectives.append(outcome.objective)
            sizes.append(len(mip.problem.constraints))
        assert objectives[0] == pytest.approx(objectives[1], rel=1e-9)
        assert sizes[0] < sizes[1]
