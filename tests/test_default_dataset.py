"""The embedded default dataset (data/regions/indonesia_default.gpkg): shape, totals, names, accuracy."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from planner.regions import load_dataset

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
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
    assert (DATA / "indonesia_default.gpkg").stat().st_size < 8_000_000


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
def test_accuracy_against_the_2010_census_stays_as_stated(dataset):
    spec = importlib.util.spec_from_file_location("evaluate_default", DATA / "evaluate_default.py")
    evaluate_default = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate_default)
    shared = SHARED / "data" / "indonesia"
    result = evaluate_default.evaluate(dataset.regions[["region_code", "population"]], shared)
    result.update(evaluate_default.geometry_scores(dataset.regions, shared))
    assert result["units"] == 497
    assert result["median_abs_pct_error"] <= STATED["median_abs_pct_error"] + 1.0
    assert result["spearman"] >= STATED["spearman"] - 0.01
    assert result["share_within_25pct"] >= STATED["share_within_25pct"] - 0.02
    assert result["kecamatan_in_right_cell"] >= STATED["kecamatan_in_right_cell"] - 0.02
