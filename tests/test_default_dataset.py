"""The embedded default dataset (data/regions/indonesia_default.gpkg): shape, totals, names, accuracy."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from planner.inputs import default_existing_outlets
from planner.regions import load_dataset
from planner.scenario import default_scenario

REPO = Path(__file__).resolve().parents[1]
#: ../shared beside the repository, or the checkout named by $PLANNER_SHARED (as evaluate_default.py reads it).
SHARED = Path(os.environ.get("PLANNER_SHARED", REPO.parent / "shared"))
DATA = REPO / "data" / "regions"

#: 2010 census population by 2010-era province (Kemendagri codes; 64 includes 65, 91 includes 93-95,
#: 92 includes 96), persons (BPS SP2010), as cited in data/regions/README.md.
POPULATION_2010 = {
    "11": 4_486_570, "12": 12_984_194, "13": 4_845_998, "14": 5_543_031, "15": 3_088_618,
    "16": 7_446_401, "17": 1_711_626, "18": 7_596_115, "19": 1_223_048, "21": 1_685_698,
    "31": 9_588_198, "32": 43_021_826, "33": 32_380_687, "34": 3_452_390, "35": 37_476_011,
    "36": 10_644_030, "51": 3_891_428, "52": 4_496_855, "53": 4_679_316, "61": 4_393_239,
    "62": 2_202_599, "63": 3_626_119, "64": 3_550_586, "71": 2_265_937, "72": 2_633_420,
    "73": 8_032_551, "74": 2_230_569, "75": 1_038_585, "76": 1_158_336, "81": 1_531_402,
    "82": 1_032_054, "91": 2_851_999, "92": 760_855,
}
ERA_OF = {"65": "64", "93": "91", "94": "91", "95": "91", "96": "92"}

#: Accuracy measured by data/regions/evaluate_default.py (2026-11-25) and stated in the data card, with a
#: small margin: the test fails if a rebuild makes the estimate clearly worse than the card says.
STATED = {"median_abs_pct_error": 21.9, "spearman": 0.936, "share_within_25pct": 0.575,
          "kecamatan_in_right_cell": 0.777}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_default_has_514_regencies_in_38_provinces(dataset):
    assert len(dataset.regions) == 514
    assert dataset.regions["region_code"].is_unique
    assert len(dataset.provinces) == 38
    assert dataset.provinces["province_code"].is_unique
    assert set(dataset.regions["province_code"]) == set(dataset.provinces["province_code"])


def test_every_regency_is_flagged_estimated_and_approximate(dataset):
    assert dataset.regions["population_estimated"].all()
    assert dataset.regions["geometry_approximate"].all()
    assert (dataset.regions["area_km2"] > 0).all()
    assert (dataset.regions["population"] > 0).all()


def test_regencies_add_up_to_the_2010_census_province_totals(dataset):
    era = dataset.regions["province_code"].map(lambda code: ERA_OF.get(code, code))
    totals = dataset.regions.groupby(era)["population"].sum()
    assert totals.to_dict() == pytest.approx(POPULATION_2010, abs=0.5)
    assert dataset.regions["population"].sum() == 237_550_291


def test_provinces_layer_sums_its_regencies(dataset):
    per_province = dataset.regions.groupby("province_code")["population"].sum()
    layer = dataset.provinces.set_index("province_code")["population"]
    assert (layer == per_province.reindex(layer.index)).all()
    derived = dataset.provinces.set_index("province_code")["geometry_approximate"]
    assert set(derived[derived].index) == {"64", "65", "91", "92", "93", "94", "95", "96"}


def test_informal_workers_follow_the_national_ratios(dataset):
    ratio = dataset.regions["workers_informal"] / dataset.regions["population"]
    expected = 110_810_000 / 237_550_291 * 0.6014
    assert ratio.between(expected - 1e-4, expected + 1e-4).all()


def test_palembang_branch_regencies_are_present_by_code_and_name(dataset):
    names = dataset.regions.set_index("region_code")["region_name"]
    assert names["16.71"] == "Kota Palembang"
    assert names["16.02"] == "Kabupaten Ogan Komering Ilir"
    assert names["16.10"] == "Kabupaten Ogan Ilir"
    assert names["16.06"] == "Kabupaten Musi Banyuasin"
    assert names["16.07"] == "Kabupaten Banyuasin"
    assert dataset.regions.set_index("region_code").loc["16.71", "is_kota"]


def test_every_regency_has_its_seat_among_at_least_one_point(dataset):
    points = dataset.points
    assert points is not None
    assert set(points["region_code"]) == set(dataset.regions["region_code"])
    seats = points[points["is_seat"]]
    assert seats["region_code"].is_unique and len(seats) == 514
    per_region = points.groupby("region_code")["population"].sum()
    regions = dataset.regions.set_index("region_code")["population"]
    assert (per_region.reindex(regions.index) == regions).all()


def test_default_file_is_small():
    assert (DATA / "indonesia_default.gpkg").stat().st_size < 25_000_000


def _module(name: str):
    """A script module of data/regions (``demand_default``, ``evaluate_default``), imported by name."""
    if str(DATA) not in sys.path:
        sys.path.insert(0, str(DATA))
    return importlib.import_module(name)


def test_demand_layer_holds_every_regency_total(dataset):
    demand = dataset.demand
    assert demand is not None and demand["point_id"].is_unique
    assert set(demand["kind"]) == {"settlement", "cell"}
    totals = demand.groupby("region_code")["population"].sum()
    expected = dataset.regions.set_index("region_code")["population"].astype(float)
    relative = (totals.reindex(expected.index) - expected).abs() / expected
    assert (relative <= 1e-3).all()
    assert demand["population"].sum() == pytest.approx(237_550_291, abs=514)


def test_demand_spreads_people_beyond_the_settlements(dataset):
    """Only the fitted part of the BPS urban share sits on the settlement points; every regency has
    lattice cells with people, and no demand point holds a whole regency."""
    demand_default = _module("demand_default")
    demand = dataset.demand
    on_towns = demand.loc[demand["kind"] == "settlement", "population"].sum() / demand["population"].sum()
    shares = demand_default.town_shares(dataset.regions)
    population = dataset.regions.set_index("region_code")["population"]
    expected = float((shares * population).sum() / population.sum())
    assert on_towns == pytest.approx(expected, abs=0.005)
    assert on_towns < 0.4
    cells = demand[demand["kind"] == "cell"].groupby("region_code").size()
    assert set(cells.index) == set(dataset.regions["region_code"])
    largest = demand.groupby("region_code")["population"].max() / population
    assert (largest < 0.95).all()


def test_every_regency_has_sites_for_its_caps(dataset):
    scenario = default_scenario()
    sites = dataset.sites
    assert sites is not None and sites["site_id"].is_unique
    assert sites["allows_gerai"].all() and sites["allows_kanal"].all()
    existing = default_existing_outlets(dataset.regions, scenario.gerai.existing_total).set_index("region_code")
    per_region = sites.groupby("region_code").size().reindex(dataset.regions["region_code"], fill_value=0)
    gerai_needed = existing["count"].reindex(per_region.index, fill_value=0) + scenario.gerai.max_new_per_region
    assert (per_region >= gerai_needed).all()
    assert (per_region >= scenario.kanal.max_new_per_region).all()
    assert (per_region >= _module("demand_default").MIN_SITES).all()
    settlements = set(dataset.points["point_id"])
    assert settlements <= set(sites["site_id"])


@pytest.mark.skipif(not (SHARED / "data" / "indonesia").is_dir(), reason="../shared is absent")
def test_reach_on_the_default_demand_matches_the_1km_grid(dataset):
    """One site per regency (its most populous settlement), 5 km: the new demand is within 5 points of the
    1 km grid nationally; the coarse settlement points, as the demand was before, are not."""
    evaluate_default = _module("evaluate_default")
    grid = evaluate_default.load_grid(SHARED / "data" / "indonesia")
    reach = evaluate_default.evaluation_site_sets(dataset)["top_town@5km"]
    found = evaluate_default.reach_error(evaluate_default.default_demand(dataset, "demand"), grid, reach)
    assert abs(found["error_pp"]) <= 5.0
    assert found["median_province_abs_pp"] <= 10.0
    coarse = evaluate_default.reach_error(evaluate_default.default_demand(dataset, "points"), grid, reach)
    assert abs(coarse["error_pp"]) > 5.0
    assert np.isfinite(found["grid"]) and 0.1 < found["grid"] < 0.9


@pytest.mark.skipif(not (SHARED / "data" / "indonesia").is_dir(), reason="../shared is absent")
def test_accuracy_against_the_2010_census_stays_as_stated(dataset):
    evaluate_default = _module("evaluate_default")
    shared = SHARED / "data" / "indonesia"
    result = evaluate_default.evaluate(dataset.regions[["region_code", "population"]], shared)
    result.update(evaluate_default.geometry_scores(dataset.regions, shared))
    assert result["units"] == 497
    assert result["median_abs_pct_error"] <= STATED["median_abs_pct_error"] + 1.0
    assert result["spearman"] >= STATED["spearman"] - 0.01
    assert result["share_within_25pct"] >= STATED["share_within_25pct"] - 0.02
    assert result["kecamatan_in_right_cell"] >= STATED["kecamatan_in_right_cell"] - 0.02
