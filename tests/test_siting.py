"""Site-level MCLP (planner.siting): hand-checked instances, published optima, properties, input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import MCLP_BENCH, NO_LEVERS, brute_force_mclp, mclp_instances, needs_mclp_bench, random_points
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.siting import (
    Levers,
    MCLPResult,
    coverage_from_points,
    place_sites,
    solve_mclp,
    solve_mclp_matrix,
)
from planner.siting.heuristic import greedy_curve
from planner.solve import SolverOptions

# Five demand points, three sites. Site A covers demand {0, 1}, B covers {1, 2, 3}, C covers {3, 4}.
WEIGHTS = np.array([10.0, 20.0, 30.0, 40.0, 55.0])
COVER = np.array([[1, 0, 0],
                  [1, 1, 0],
                  [0, 1, 0],
                  [0, 1, 1],
                  [0, 0, 1]], dtype=bool)


def test_one_site_covers_the_heaviest_catchment():
    # A covers 10 + 20 = 30, B covers 20 + 30 + 40 = 90, C covers 40 + 55 = 95: open C.
    result = solve_mclp(WEIGHTS, 1, coverage=COVER)
    assert result.objective == 95.0
    assert result.selected.tolist() == [2]
    assert result.covered.tolist() == [False, False, False, True, True]
    assert result.status == "optimal"
    assert result.gap == 0.0


def test_two_sites_cover_145_with_b_and_c():
    # A+B = 100, A+C = 10+20+40+55 = 125, B+C = 20+30+40+55 = 145.
    result = solve_mclp(WEIGHTS, 2, coverage=COVER)
    assert (result.objective, result.selected.tolist()) == (145.0, [1, 2])


def test_an_existing_site_stays_open_and_counts_toward_p():
    # A is open already; the one new site is C (A+C = 125 beats A+B = 100).
    result = solve_mclp(WEIGHTS, 2, coverage=COVER, existing=[0])
    assert (result.objective, result.selected.tolist()) == (125.0, [0, 2])


def test_p_equal_to_existing_opens_only_the_existing_sites():
    result = solve_mclp(WEIGHTS, 1, coverage=COVER, existing=[0])
    assert (result.objective, result.selected.tolist()) == (30.0, [0])


def test_distances_with_radius_give_the_same_plan_as_coverage():
    # Distance 1 where COVER is True, 5 elsewhere; radius 2 reproduces COVER.
    distances = np.where(COVER, 1.0, 5.0)
    assert solve_mclp(WEIGHTS, 2, distances=distances, radius=2.0).objective == 145.0
    # radius 5 covers everything: any site covers all 155.
    assert solve_mclp(WEIGHTS, 1, distances=distances, radius=5.0).objective == 155.0


def test_sparse_distances_count_only_stored_entries_and_a_stored_zero_is_covered():
    # Only three pairs are stored: demand 4 by site 0 at distance 0 (covered), demand 3 by site 1 at 3.0
    # (beyond radius 2), demand 0 by site 1 at 1.0. Site 0 covers 55, site 1 covers 10.
    distances = sp.csr_matrix(([0.0, 3.0, 1.0], ([4, 3, 0], [0, 1, 1])), shape=(5, 2))
    result = solve_mclp(WEIGHTS, 1, distances=distances, radius=2.0)
    assert (result.objective, result.selected.tolist()) == (55.0, [0])


def test_sparse_coverage_is_accepted():
    result = solve_mclp(WEIGHTS, 2, coverage=sp.csr_matrix(COVER))
    assert result.objective == 145.0


def test_p_as_large_as_the_sites_covers_everything_coverable():
    result = solve_mclp(WEIGHTS, 3, coverage=COVER)
    assert result.objective == WEIGHTS.sum() and result.selected.tolist() == [0, 1, 2]


def test_result_is_frozen():
    result = solve_mclp(WEIGHTS, 1, coverage=COVER)
    assert isinstance(result, MCLPResult)
    with pytest.raises(AttributeError):
        result.objective = 0.0


# --- coverage_from_points ---------------------------------------------------------------------------

def test_haversine_coverage_uses_great_circle_km():
    # One degree of longitude on the equator is 2 pi 6371.0088 / 360 = 111.195 km.
    demand = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]
    sites = [[0.0, 0.0]]
    assert coverage_from_points(demand, sites, 111.2).toarray().ravel().tolist() == [True, True, False]
    assert coverage_from_points(demand, sites, 111.19).toarray().ravel().tolist() == [True, False, False]


def test_euclidean_coverage_uses_crs_units_and_includes_the_boundary():
    cover = coverage_from_points([[0, 0], [3, 4], [6, 8]], [[0, 0], [6, 8]], 5.0, metric="euclidean")
    assert cover.toarray().tolist() == [[True, False], [True, True], [False, True]]
    assert sp.issparse(cover) and cover.dtype == bool


def test_groups_keep_coverage_inside_its_own_regency():
    # Two points 1 km apart but in different regencies: each site covers only its own point.
    xy = [[104.0, -3.0], [104.009, -3.0]]
    cover = coverage_from_points(xy, xy, 5.0, groups=(["16.01", "16.02"], ["16.01", "16.02"]))
    assert cover.toarray().tolist() == [[True, False], [False, True]]


def test_coverage_from_points_rejects_bad_input():
    with pytest.raises(InputError, match="metric"):
        coverage_from_points([[0, 0]], [[0, 0]], 1.0, metric="manhattan")
    with pytest.raises(InputError, match="radius"):
        coverage_from_points([[0, 0]], [[0, 0]], -1.0)
    with pytest.raises(InputError, match="latitude"):
        coverage_from_points([[0, 95]], [[0, 0]], 1.0)
    with pytest.raises(InputError, match="groups"):
        coverage_from_points([[0, 0]], [[0, 0]], 1.0, groups=(["a", "b"], ["a"]))


# --- input errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"coverage": COVER, "distances": np.ones((5, 3)), "radius": 1.0}, "exactly one"),
    ({}, "exactly one"),
    ({"coverage": COVER[:4]}, "shape"),
    ({"distances": np.ones((5, 3))}, "radius"),
    ({"coverage": COVER, "radius": 1.0}, "radius is only used"),
    ({"distances": np.full((5, 3), np.nan), "radius": 1.0}, "NaN"),
    ({"distances": -np.ones((5, 3)), "radius": 1.0}, "negative"),
    ({"coverage": COVER.astype(int) * 2}, "boolean"),
    ({"coverage": COVER, "existing": [0, 1]}, "less than"),
    ({"coverage": COVER, "existing": [7]}, "outside"),
    ({"coverage": COVER, "existing": [2, 2]}, "twice"),
    ({"coverage": COVER, "solver": "gurobi"}, "solver"),
    ({"coverage": COVER, "time_limit": -1}, "time limit"),
    ({"coverage": COVER, "gap": 2.0}, "gap"),
])
def test_bad_arguments_raise_input_error_with_a_sentence(kwargs, message):
    with pytest.raises(InputError, match=message):
        solve_mclp(WEIGHTS, 1, **kwargs)


@pytest.mark.parametrize(("weights", "p", "message"), [
    (WEIGHTS * -1, 1, "negative"),
    (np.array([1, np.nan, 1, 1, 1]), 1, "NaN"),
    (WEIGHTS[:, None], 1, "1-D"),
    (WEIGHTS, 4, "exceeds"),
    (WEIGHTS, 1.5, "whole number"),
])
def test_bad_weights_or_p_raise_input_error(weights, p, message):
    with pytest.raises(InputError, match=message):
        solve_mclp(weights, p, coverage=COVER)


def test_inputs_are_not_mutated():
    weights, cover = WEIGHTS.copy(), COVER.copy()
    solve_mclp(weights, 2, coverage=cover, existing=[0])
    assert np.array_equal(weights, WEIGHTS) and np.array_equal(cover, COVER)


# --- properties on small random instances -----------------------------------------------------------

@st.composite
def instances(draw, max_demand=8, max_sites=6):
    n_demand = draw(st.integers(1, max_demand))
    n_sites = draw(st.integers(1, max_sites))
    weights = np.array(draw(st.lists(st.integers(0, 20), min_size=n_demand, max_size=n_demand)), dtype=float)
    flat = draw(st.lists(st.booleans(), min_size=n_demand * n_sites, max_size=n_demand * n_sites))
    cover = np.array(flat, dtype=bool).reshape(n_demand, n_sites)
    p = draw(st.integers(0, n_sites))
    existing = draw(st.lists(st.integers(0, n_sites - 1), unique=True, max_size=p))
    return weights, cover, p, sorted(existing)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_planner_optimum_equals_brute_force_mclp(instance):
    weights, cover, p, existing = instance
    result = solve_mclp(weights, p, coverage=cover, existing=existing)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute_force_mclp(weights, cover, p, existing))


@FAST
@given(instances())
def test_objective_is_the_weight_covered_by_the_selected_sites(instance):
    weights, cover, p, existing = instance
    result = solve_mclp(weights, p, coverage=cover, existing=existing)
    covered = cover[:, result.selected].any(axis=1)
    assert len(result.selected) == p and len(np.unique(result.selected)) == p
    assert np.array_equal(result.covered, covered)
    assert result.objective == pytest.approx(float(weights[covered].sum()))
    assert set(existing) <= set(result.selected.tolist())


@FAST
@given(instances(), st.lists(st.booleans(), min_size=8, max_size=8))
def test_adding_a_candidate_site_never_lowers_the_optimum(instance, column):
    weights, cover, p, existing = instance
    extra = np.array(column[:len(weights)], dtype=bool)[:, None]
    before = solve_mclp(weights, p, coverage=cover, existing=existing).objective
    after = solve_mclp(weights, p, coverage=np.hstack([cover, extra]), existing=existing).objective
    assert after >= before - 1e-9


@FAST
@given(instances(max_demand=10, max_sites=7), st.sampled_from(["merge_demand", "drop_dominated", "start",
                                                               "fold_single", "bound", "branch", "all"]))
def test_each_lever_off_gives_the_same_optimum(instance, lever):
    weights, cover, p, existing = instance
    off = NO_LEVERS if lever == "all" else Levers(**{lever: False})
    options = SolverOptions()
    exact = brute_force_mclp(weights, cover, p, existing)
    result = solve_mclp_matrix(weights, sp.csr_matrix(cover), p, np.array(existing, dtype=np.int64), options, off)
    assert result.objective == pytest.approx(exact)


def _lever_instance() -> tuple[np.ndarray, np.ndarray]:
    """40 points, 14 sites, p = 4: greedy + swap finds 543, the subgradient's plan 558, the optimum is 561 and
    the Lagrangian bound (562.67) does not prove it, so the LP, the branch-and-bound and fixing all have work."""
    rng = np.random.default_rng(6)
    cover = rng.random((40, 14)) < 0.15
    return rng.integers(1, 60, 40).astype(float), cover


def _with_large_levers(weights: np.ndarray, cover: np.ndarray, p: int, levers: Levers) -> MCLPResult:
    """Solve with the phases of large instances (``SMALL_SITES`` patched where ``mclp`` reads it)."""
    from unittest import mock

    import planner.siting.mclp

    with mock.patch.object(planner.siting.mclp, "SMALL_SITES", 0):
        return solve_mclp_matrix(weights, sp.csr_matrix(cover), p, np.zeros(0, dtype=np.int64), SolverOptions(),
                                 levers)


def test_the_bound_lever_bounds_the_optimum_and_fixes_sites_before_the_mip():
    weights, cover = _lever_instance()
    optimum = brute_force_mclp(weights, cover, 4)
    on = _with_large_levers(weights, cover, 4, Levers(branch=False))
    assert on.status == "optimal" and on.objective == optimum == 561.0
    assert optimum <= on.stats["lagrangian_bound"] < on.stats["greedy_swap_value"] + 20
    assert on.stats["lagrangian_steps"] > 0 and on.stats["lp_bound"] >= optimum
    assert on.stats["fixed_closed"] > 0 and on.stats["mip_sites"] == 14 - on.stats["fixed_closed"]
    off = _with_large_levers(weights, cover, 4, Levers(bound=False, branch=False))
    assert off.objective == optimum and not {"lagrangian_bound", "fixed_closed"} & set(off.stats)
    assert off.stats["mip_sites"] == 14


def test_the_branch_lever_proves_the_optimum_without_the_mip():
    weights, cover = _lever_instance()
    optimum = brute_force_mclp(weights, cover, 4)
    on = _with_large_levers(weights, cover, 4, Levers())
    assert on.stats["lagrangian_value"] < optimum  # the plan before the search is not optimal
    assert on.stats["branch_finished"] and on.stats["branch_nodes"] > 1 and on.stats["branch_value"] == optimum
    assert "mip_seconds" not in on.stats
    assert on.status == "optimal" and on.gap == 0.0 and on.objective == optimum
    off = _with_large_levers(weights, cover, 4, Levers(branch=False))
    assert "branch_nodes" not in off.stats and "mip_seconds" in off.stats and off.objective == optimum


def test_cbc_gives_the_same_optimum():
    rng = np.random.default_rng(3)
    cover = rng.random((30, 12)) < 0.2
    weights = rng.integers(1, 50, 30).astype(float)
    highs = solve_mclp(weights, 4, coverage=cover)
    cbc = solve_mclp(weights, 4, coverage=cover, solver="cbc")
    assert cbc.objective == highs.objective == brute_force_mclp(weights, cover, 4)


def _plain(weights: np.ndarray, cover: sp.csr_matrix, p: int) -> MCLPResult:
    """Every lever off: the MIP alone decides."""
    return solve_mclp_matrix(weights, cover, p, np.zeros(0, dtype=np.int64), SolverOptions(), NO_LEVERS)


def test_a_mid_size_random_instance_is_solved_to_proven_optimality_by_the_mip():
    # 300 points in a 10 x 10 square, radius 1: large enough that the MIP (not only the bound) decides.
    weights, cover = random_points(7, 300, 10.0)
    full = solve_mclp(weights, 8, coverage=cover)
    plain = _plain(weights, cover, 8)
    assert full.status == plain.status == "optimal"
    assert full.objective == plain.objective


def test_the_lp_branch_and_bound_proves_the_plain_mips_optimum():
    # 1,200 points, radius 1 in a 20 x 20 square: the subgradient bound does not prove the plan; the LP
    # branch-and-bound does, without the MIP.
    weights, cover = random_points(11, 1200, 20.0)
    result = solve_mclp(weights, 30, coverage=cover)
    assert result.stats["branch_finished"] and "mip_seconds" not in result.stats
    plain = _plain(weights, cover, 30)
    assert result.status == plain.status == "optimal"
    assert result.objective == plain.objective
    assert result.stats["lp_bound"] >= result.objective


def test_without_the_branch_and_bound_the_lp_neighbourhood_and_mip_give_the_same_optimum():
    # The path an unfinished branch-and-bound takes: LP neighbourhood, local search, fixing, then the MIP.
    weights, cover = random_points(11, 1200, 20.0)
    result = solve_mclp_matrix(weights, cover, 30, np.zeros(0, dtype=np.int64), SolverOptions(),
                               Levers(branch=False))
    assert {"lp_bound", "neighbourhood_value", "mip_seconds"} <= set(result.stats)
    assert "branch_nodes" not in result.stats
    assert result.status == "optimal"
    assert result.objective == _plain(weights, cover, 30).objective


# --- published optima ---------------------------------------------------------------------------------

@needs_mclp_bench
@pytest.mark.parametrize(("radius", "p", "optimum"), [(10.0, 7, 633.0), (10.0, 8, 638.0), (10.0, 9, 640.0),
                                                      (15.0, 5, 640.0)])
def test_swain_55_node_published_optima(radius, p, optimum):
    nodes, distances = mclp_instances().read_swain(MCLP_BENCH)
    result = solve_mclp(nodes["population"].to_numpy(), p, distances=distances, radius=radius)
    assert result.status == "optimal"
    assert result.objective == optimum


@needs_mclp_bench
def test_new_york_coverage_matches_the_authors_formula_in_float32_and_float64():
    bench = mclp_instances()
    instance = bench.read_maximo("NewYork", MCLP_BENCH)
    assert instance.demand.sum() == 1585873
    cover = bench.maximo_coverage(instance, 400.0)
    assert cover.shape == (2713, 2713) and cover.diagonal().all()
    assert (cover != cover.T).nnz == 0


# --- place_sites ----------------------------------------------------------------------------------------

def _points(rows):
    return pd.DataFrame(rows, columns=["point_id", "region_code", "name", "lon", "lat", "population"])


def _counts(rows):
    return pd.DataFrame(rows, columns=["region_code", "kind", "year", "new", "cumulative"])


# Regency 16.02: points a and b 0.05 degrees apart (5.6 km), c 0.5 degrees east of a (56 km).
POINTS = _points([
    ("a", "16.02", "A", 104.00, -3.0, 100.0),
    ("b", "16.02", "B", 104.05, -3.0, 50.0),
    ("c", "16.02", "C", 104.50, -3.0, 80.0),
])


def test_one_gerai_goes_where_it_covers_most_people():
    # Radius 10 km: a site at a or b covers a + b = 150; at c only 80.
    placed = place_sites(POINTS, _counts([("16.02", "gerai", 2014, 1, 1)]), {"gerai": 10.0})
    assert placed[["site_id", "kind", "year"]].to_dict("records") == [
        {"site_id": "a-gerai", "kind": "gerai", "year": 2014}]
    assert placed["workers_covered"].tolist() == [150.0]
    assert list(placed.columns) == ["region_code", "site_id", "name", "lon", "lat", "kind", "year",
                                    "workers_covered"]


def test_kanal_covers_what_the_gerai_leave_uncovered():
    # The gerai covers a + b (150); the kanal, radius 10 km, then serves c (80), not a or b again.
    counts = _counts([("16.02", "gerai", 2014, 1, 1), ("16.02", "kanal", 2014, 1, 1)])
    placed = place_sites(POINTS, counts, {"gerai": 10.0, "kanal": 10.0})
    assert placed.set_index("kind")["site_id"].to_dict() == {"gerai": "a-gerai", "kanal": "c-kanal"}
    assert placed.set_index("kind")["workers_covered"].to_dict() == {"gerai": 150.0, "kanal": 80.0}


def test_sites_opened_earlier_stay_open_in_later_years():
    # 2014: one gerai (at a, 150 people); 2015: a second one, which can only add c (80).
    counts = _counts([("16.02", "gerai", 2014, 1, 1), ("16.02", "gerai", 2015, 1, 2)])
    placed = place_sites(POINTS, counts, {"gerai": 10.0})
    assert placed[["site_id", "year", "workers_covered"]].to_dict("records") == [
        {"site_id": "a-gerai", "year": 2014, "workers_covered": 150.0},
        {"site_id": "c-gerai", "year": 2015, "workers_covered": 80.0}]


def test_existing_outlets_are_placed_first_and_counted_in_cumulative():
    # One gerai existed before 2014 (assumed at a, the best point); the new 2014 gerai adds c.
    counts = _counts([("16.02", "gerai", 2014, 1, 2)])
    existing = pd.DataFrame({"region_code": ["16.02"], "kind": ["gerai"], "count": [1]})
    placed = place_sites(POINTS, counts, {"gerai": 10.0}, existing=existing)
    assert placed[["site_id", "workers_covered"]].to_dict("records") == [
        {"site_id": "c-gerai", "workers_covered": 80.0}]
    with_existing = place_sites(POINTS, counts, {"gerai": 10.0}, include_existing=True)
    assert with_existing[["site_id", "year"]].to_dict("records") == [
        {"site_id": "a-gerai", "year": 2013}, {"site_id": "c-gerai", "year": 2014}]


def test_more_outlets_than_points_share_points_and_counts_are_kept():
    counts = _counts([("16.02", "gerai", 2014, 5, 5)])
    placed = place_sites(POINTS, counts, {"gerai": 10.0})
    assert len(placed) == 5
    assert placed["site_id"].is_unique
    assert placed["workers_covered"].sum() == POINTS["population"].sum()
    assert sorted(placed["site_id"])[:2] == ["a-gerai", "a-gerai-2"]


def test_a_site_never_covers_another_regency():
    # b moved to regency 16.03 (5.6 km from a): a gerai at a in 16.02 covers only a.
    points = POINTS.assign(region_code=["16.02", "16.03", "16.02"])
    counts = _counts([("16.02", "gerai", 2014, 1, 1), ("16.03", "gerai", 2014, 1, 1)])
    placed = place_sites(points, counts, {"gerai": 10.0}).set_index("region_code")
    assert placed["workers_covered"].to_dict() == {"16.02": 100.0, "16.03": 50.0}


def test_place_sites_reports_each_solve_and_does_not_mutate_inputs():
    counts = _counts([("16.02", "gerai", 2014, 1, 1)])
    before = POINTS.copy(), counts.copy()
    placed = place_sites(POINTS, counts, {"gerai": 10.0})
    assert placed.attrs["solves"]["status"].tolist() == ["optimal"]
    pd.testing.assert_frame_equal(POINTS, before[0])
    pd.testing.assert_frame_equal(counts, before[1])


@pytest.mark.parametrize(("counts", "radius", "message"), [
    (_counts([("16.02", "gerai", 2014, 1, 3)]), {"gerai": 10.0}, None),
    (_counts([("16.02", "gerai", 2014, 1, 1), ("16.02", "gerai", 2015, 1, 1)]), {"gerai": 10.0},
     "cumulative"),
    (_counts([("16.02", "kanal", 2014, 1, 1)]), {"gerai": 10.0}, "no radius"),
    (_counts([("16.02", "gerai", 2014, 1, 1)]), {"gerai": -1.0}, "radius"),
    (_counts([("16.02", "gerai", 2014, -1, 1)]), {"gerai": 10.0}, "whole number"),
    (_counts([("99.99", "gerai", 2014, 1, 1)]), {"gerai": 10.0}, "no demand points"),
    (_counts([("16.02", "gerai", 2014, 1, 1)] * 2), {"gerai": 10.0}, "appears twice"),
])
def test_place_sites_input_errors(counts, radius, message):
    if message is None:  # 2 existing + 1 new is consistent: no error, 1 row
        assert len(place_sites(POINTS, counts, radius)) == 1
        return
    with pytest.raises(InputError, match=message):
        place_sites(POINTS, counts, radius)


def test_place_sites_rejects_a_missing_column_and_a_disagreeing_existing_table():
    with pytest.raises(InputError, match="population"):
        place_sites(POINTS.drop(columns="population"), _counts([("16.02", "gerai", 2014, 1, 1)]),
                    {"gerai": 10.0})
    existing = pd.DataFrame({"region_code": ["16.02"], "kind": ["gerai"], "count": [2]})
    with pytest.raises(InputError, match="existing"):
        place_sites(POINTS, _counts([("16.02", "gerai", 2014, 1, 1)]), {"gerai": 10.0}, existing=existing)


@FAST
@given(instances(max_demand=10, max_sites=7))
def test_lagrangian_bound_and_local_search_keep_the_optimum(instance):
    # Force the Lagrangian bound, fixing and iterated local search on tiny instances (normally skipped).
    from unittest import mock

    import planner.siting.mclp

    weights, cover, p, existing = instance
    with mock.patch.object(planner.siting.mclp, "SMALL_SITES", 0):
        result = solve_mclp(weights, p, coverage=cover, existing=existing)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute_force_mclp(weights, cover, p, existing))


def test_the_greedy_curve_adds_the_best_site_each_step_and_stays_flat_once_all_is_covered():
    # A covers {0, 1}, B covers {1, 2, 3}, C covers {3, 4}; weights 5, 1, 2, 4, 3.
    cover = sp.csr_matrix(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool))
    weights = np.array([5.0, 1.0, 2.0, 4.0, 3.0])
    picks, curve = greedy_curve(cover, weights, 5)
    assert picks.tolist() == [1, 0, 2]  # B (7), then A (+5), then C (+3)
    assert curve.tolist() == [0.0, 7.0, 12.0, 15.0, 15.0, 15.0]
    picks, curve = greedy_curve(cover, weights, 2, opened=np.array([2]))  # C open: A adds 6, then B 2
    assert picks.tolist() == [0, 1] and curve.tolist() == [0.0, 6.0, 8.0]


def test_mclp_stats_are_typed_and_a_misspelt_field_is_an_error():
    from planner.siting import MCLPStats

    stats = MCLPStats(demand_in=3)
    stats.update(mip_sites=2)
    assert "mip_sites" in stats and "mip_seconds" not in stats and stats["demand_in"] == 3
    assert stats.merged(MCLPStats(mip_sites=5)).to_dict() == {"demand_in": 3, "mip_sites": 5}
    with pytest.raises(AttributeError):
        stats.mip_sties = 4
    with pytest.raises(AttributeError):
        stats.update(lp_bonud=1.0)
    with pytest.raises(KeyError):
        stats["mip_seconds"]
