"""The national site-level bound is never below the optimum of the full site-level MIP (small instances)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from planner.inputs import build_inputs
from planner.national.bound import lp_value, national_bound, region_lp, region_plane
from planner.national.exact import build_site_mip, solve_site_mip
from planner.national.model import national_data
from planner.national.value import plan_value
from planner.solve import SolverOptions
from tests.conftest import tiny_dataset, tiny_scenario


def fine_dataset(seed: int, n_regions: int = 3, n_points: int = 25, n_sites: int = 5, side: float = 0.3):
    """``tiny_dataset`` squares of ``side`` degrees with random demand points and candidate sites."""
    rng = np.random.default_rng(seed)
    dataset = tiny_dataset([1000.0 * (i + 1) for i in range(n_regions)], side_deg=side)
    demand, sites = [], []
    for i, code in enumerate(dataset.regions["region_code"]):
        lon = 100 + side * (i + rng.random(n_points))
        lat = side * rng.random(n_points)
        population = rng.integers(1, 100, n_points).astype(float)
        population *= float(dataset.regions["population"].iloc[i]) / population.sum()
        demand.append(pd.DataFrame({"point_id": [f"{code}-d{j}" for j in range(n_points)], "region_code": code,
                                    "population": population, "lon": lon, "lat": lat}))
        pick = rng.choice(n_points, n_sites, replace=False)
        sites.append(pd.DataFrame({"site_id": [f"{code}-s{j}" for j in range(n_sites)], "region_code": code,
                                   "name": "x", "allows_gerai": True, "allows_kanal": rng.random(n_sites) < 0.8,
                                   "lon": lon[pick], "lat": lat[pick]}))
    return dataclasses.replace(dataset, demand=pd.concat(demand, ignore_index=True),
                               sites=pd.concat(sites, ignore_index=True))


def small_instance(seed: int, **changes):
    scenario = tiny_scenario(**{"gerai.radius_km": 12.0, "kanal.radius_km": 5.0, "kanal.target": 2,
                                "population_growth_rate": 0.02, "base_population_year": 2012, **changes})
    dataset = fine_dataset(seed)
    return national_data(dataset, build_inputs(dataset, scenario))


def varied_instance(seed: int, **changes):
    """``small_instance(seed)``, with an at-most gerai target and tighter budgets for odd seeds (the five
    instances the bounds and the search are checked on)."""
    tighter = {"gerai.target_mode": "at_most", "budget_idr": [1.5e9, 2.6e9]} if seed % 2 else {}
    return small_instance(seed, **tighter, **changes)


@pytest.mark.parametrize("seed", range(5))
def test_bound_is_never_below_the_exact_optimum(seed):
    data = varied_instance(seed)
    tree = data.tree()
    mip = build_site_mip(data, tree, set(data.inputs.regions["region_code"]))
    outcome, opened = solve_site_mip(mip, SolverOptions(gap=0.0))
    assert outcome.status == "optimal"
    bound = national_bound(data, tree, time_limit=60)
    assert bound.bound >= outcome.objective * (1 - 1e-9)
    placed = opened.assign(year=[data.years[t] for t in opened["year_index"]], site_id="s")
    assert plan_value(placed, data, tree).objective == pytest.approx(outcome.objective, rel=1e-6)


def test_planes_are_valid_at_every_count_pair_and_tight_at_their_own():
    data = small_instance(7)
    tree = data.tree()
    for _code, own in data.sites.assign(kind="gerai").groupby("region_code"):
        lp, _factor = region_lp(data, tree, pd.concat([own, own.assign(kind="kanal")]))
        exact = {(g, k): lp_value(lp, g, k) for g in range(4) for k in range(4)}
        for (g, k), value in exact.items():
            a, b, c, at_pair = region_plane(lp, g, k, iterations=400)
            assert at_pair == pytest.approx(a + b * g + c * k)
            assert at_pair <= value * 1.02 + 1e-3  # the subgradient gets close to the LP bound
            for (g2, k2), other in exact.items():
                assert a + b * g2 + c * k2 >= other * (1 - 1e-9) - 1e-6  # weak duality: valid everywhere


def test_existing_outlets_count_in_the_exact_optimum_and_the_bound():
    data = small_instance(2, **{"gerai.existing_total": 1})
    tree = data.tree()
    code = data.inputs.existing["region_code"].iloc[0]
    site = data.sites[data.sites["region_code"] == code].iloc[0]
    existing = pd.DataFrame({"region_code": [code], "site_id": ["old"], "lon": [site["lon"]], "lat": [site["lat"]],
                             "kind": ["gerai"], "year": [data.years[0] - 1]})
    mip = build_site_mip(data, tree, set(data.inputs.regions["region_code"]), existing=existing)
    outcome, opened = solve_site_mip(mip, SolverOptions(gap=0.0))
    assert outcome.status == "optimal" and mip.constant > 0
    placed = pd.concat([existing, opened.assign(year=[data.years[t] for t in opened["year_index"]], site_id="s")])
    assert plan_value(placed, data, tree).objective == pytest.approx(outcome.objective, rel=1e-6)
    assert national_bound(data, tree, extra=existing, time_limit=60).bound >= outcome.objective * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_national_lagrangian_bound_is_never_below_the_exact_optimum(seed):
    from planner.national.lagrange import lagrangian_bound
    from tests.test_national_improve import naive_plan

    data = varied_instance(seed)
    tree = data.tree()
    optimum, _ = solve_site_mip(build_site_mip(data, tree, set(data.inputs.regions["region_code"])),
                                SolverOptions(gap=0.0))
    start = national_bound(data, tree, time_limit=30)
    _, placed = naive_plan(data, start.counts)
    value = plan_value(placed, data, tree).objective
    bound = lagrangian_bound(data, tree, placed, start.counts, value, time_limit=8)
    assert bound.bound >= optimum.objective * (1 - 1e-9)
    assert bound.bound <= optimum.objective * 1.05  # each person paid once: close on these instances


def test_national_lagrangian_planes_bound_the_top_sites_at_every_count():
    from planner.national.lagrange import national_cover, plane_table

    data = small_instance(3)
    tree = data.tree()
    nc = national_cover(data, tree)
    prices = nc.weights * np.random.default_rng(0).uniform(0, 1, nc.weights.shape)
    values = nc.matrix.T @ prices
    code, year = data.inputs.regions["region_code"].iloc[0], data.years[-1]
    table = plane_table(nc, data, prices, {(code, year): {(1, 1)}})
    a, b, c = table[(table["region_code"] == code) & (table["year"] == year)][
        ["intercept", "slope_gerai", "slope_kanal"]].to_numpy()[0] * 1e6
    own = {kind: np.sort(values[np.flatnonzero((nc.group_region[nc.group] == code) & (nc.group_kind[nc.group] == kind)),
                                -1])[::-1] for kind in ("gerai", "kanal")}
    for g in range(len(own["gerai"]) + 1):
        for k in range(len(own["kanal"]) + 1):
            best = own["gerai"][:g].sum() + own["kanal"][:k].sum()
            assert a + b * g + c * k >= best * (1 - 1e-9) - 1e-9
    assert a + b + c == pytest.approx(own["gerai"][:1].sum() + own["kanal"][:1].sum())  # tight at its pair
