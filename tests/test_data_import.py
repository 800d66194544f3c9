"""Tests of planner.data_import: a tiny hand-checkable import, and the real official data in ../shared."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from planner.data_import import (
    EMPLOYMENT_RATIO,
    INFORMAL_SHARE,
    import_official_data,
    normalise_place_names,
    split_integer,
)
from planner.errors import InputError
from planner.regions import load_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared"
INDONESIA = SHARED / "data" / "indonesia"
needs_shared = pytest.mark.skipif(not INDONESIA.is_dir(), reason="../shared/data/indonesia is absent")
CENSUS_TOTAL_2010 = 237_550_291


# ------------------------------------------------------------------------------------ tiny hand-made data
#
# Province 16 with three regencies. BPS 2010 knew two of them: ALPHA (BPS 1605 -> Kemendagri 16.01) and
# KOTA GAMMA (BPS 1672 -> 16.71). Beta Baru (16.02) was carved out of Alpha after 2010.
# Alpha's 2010 kecamatan: PANGKALAN LAPAM 1000 (spelt 'Pangkalan Lampam' in 2025), TANJUNG II 2000
# ('Tanjung Dua'), LAMA 300 (renamed: not found), BARU JAYA 700 (now in Beta Baru). 2025 has two new
# names: Mekar (16.01) and Sinar (16.02). So Beta Baru = 700 + half of LAMA's 300 = 850 and
# Alpha = 3000 + 150 = 3150.
# Kota Gamma: ILIR BARAT II 5000, BUKIT KECIL 4000; 2025 adds Jakabaring next to Bukitkecil, which shares
# Bukitkecil's 4000 equally with it (2000 each).


def _write_tiny(folder: Path) -> dict[str, Path]:
    regions = gpd.GeoDataFrame(
        {"kode": ["16.01", "16.02", "1671"], "nama": ["KABUPATEN ALPHA", "Kabupaten Beta Baru", "GAMMA"]},
        geometry=[box(104.0, -3.0, 104.5, -2.5), box(104.5, -3.0, 105.0, -2.5),
                  box(104.0, -3.5, 104.2, -3.3)],
        crs="EPSG:4326")
    paths = {name: folder / name for name in ("tiny.gpkg", "census.csv", "crosswalk.csv", "kecamatan.csv")}
    regions.to_file(paths["tiny.gpkg"], layer="regencies")
    pd.DataFrame({
        "PROVINCIAL_CODE": "1600", "REGIONAL_CODE": ["1605"] * 4 + ["1672"] * 2,
        "REGION": ["ALPHA"] * 4 + ["KOTA GAMMA"] * 2,
        "DISTRICT": ["PANGKALAN LAPAM", "TANJUNG II", "LAMA", "BARU JAYA", "ILIR BARAT II", "BUKIT KECIL"],
        "TOTAL_POPULATION": [1000, 2000, 300, 700, 5000, 4000],
    }).to_csv(paths["census.csv"], index=False)
    pd.DataFrame({"REGIONAL_CODE": ["1605", "1672"], "code": ["16.01", "16.71"]}).to_csv(
        paths["crosswalk.csv"], index=False)
    pd.DataFrame({
        "code": ["16.01.01", "16.01.02", "16.01.03", "16.02.01", "16.02.02",
                 "16.71.01", "16.71.02", "16.71.03"],
        "name": ["Pangkalan Lampam", "Tanjung Dua", "Mekar", "Baru Jaya", "Sinar",
                 "Ilir Barat Dua", "Bukitkecil", "Jakabaring"],
        "lat": [-2.6, -2.7, -2.8, -2.6, -2.9, -3.35, -3.45, -3.44],
        "lng": [104.1, 104.2, 104.3, 104.6, 104.8, 104.05, 104.15, 104.16],
    }).to_csv(paths["kecamatan.csv"], index=False)
    return paths


def _tiny_import(paths: dict[str, Path], out: Path, **changes):
    arguments = {"boundaries": paths["tiny.gpkg"], "population": paths["census.csv"], "out": out,
                 "crosswalk": paths["crosswalk.csv"], "points": paths["kecamatan.csv"],
                 "log": lambda line: None}
    arguments.update(changes)
    return import_official_data(**arguments)


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Path]:
    return _write_tiny(tmp_path)


def test_tiny_import_splits_the_new_regency_from_its_parent_by_kecamatan(tiny, tmp_path):
    report = _tiny_import(tiny, tmp_path / "tiny_out.gpkg")
    regions = load_dataset(tmp_path / "tiny_out.gpkg").regions.set_index("region_code")
    assert regions["population"].to_dict() == {"16.01": 3150, "16.02": 850, "16.71": 9000}
    assert regions.loc["16.02", "parent_region_code"] == "16.01"
    assert regions["population_estimated"].to_dict() == {"16.01": True, "16.02": True, "16.71": False}
    assert report.split_regions == ("16.02",)
    assert report.parents == (("16.02", "16.01", "kecamatan names"),)
    assert report.population_total == 13_000
    assert report.population_conserved_relative_error == 0.0
    assert regions.loc["16.71", "workers_informal"] == pytest.approx(9000 * EMPLOYMENT_RATIO * INFORMAL_SHARE)


def test_tiny_import_names_regions_officially_and_fills_the_schema(tiny, tmp_path):
    _tiny_import(tiny, tmp_path / "tiny_out.gpkg")
    dataset = load_dataset(tmp_path / "tiny_out.gpkg")
    regions = dataset.regions.set_index("region_code")
    assert regions["region_name"].to_dict() == {"16.01": "Kabupaten Alpha", "16.02": "Kabupaten Beta Baru",
                                                "16.71": "Kota Gamma"}
    assert set(regions["province_name"]) == {"Sumatera Selatan"}
    assert (regions["cost_index"] == 1.0).all()
    assert not regions["geometry_approximate"].any()
    assert regions.loc["16.01", "area_km2"] == pytest.approx(0.5 * 0.5 * 111.3**2 * np.cos(np.radians(2.75)),
                                                             rel=0.02)
    assert dataset.provinces["population"].tolist() == [13_000]


def test_tiny_import_gives_each_kecamatan_its_2010_people_and_shares_the_rest(tiny, tmp_path):
    report = _tiny_import(tiny, tmp_path / "tiny_out.gpkg")
    points = load_dataset(tmp_path / "tiny_out.gpkg").points.set_index("point_id")
    assert points["population"].to_dict() == {
        "16.01.01": 1000, "16.01.02": 2000, "16.01.03": 150,  # Mekar: LAMA's 300 shared with Sinar
        "16.02.01": 700, "16.02.02": 150,
        "16.71.01": 5000, "16.71.02": 2000, "16.71.03": 2000,  # Jakabaring pooled with Bukitkecil
    }
    estimated = set(points.index[points["population_estimated"]])
    assert estimated == {"16.01.03", "16.02.02", "16.71.02", "16.71.03"}
    assert report.n_points == 8
    assert report.kecamatan_matched_share_count == pytest.approx(5 / 6)
    assert report.kecamatan_matched_share_people == pytest.approx(12_700 / 13_000)


def test_tiny_import_logs_match_rates_and_every_unmatched_name(tiny, tmp_path):
    lines: list[str] = []
    _tiny_import(tiny, tmp_path / "tiny_out.gpkg", log=lines.append)
    text = "\n".join(lines)
    assert "5 of 6 census kecamatan matched" in text
    assert "LAMA" in text and "Mekar (16.01.03)" in text and "Sinar (16.02.02)" in text
    assert "Jakabaring (16.71.03)" in text
    assert "16.02<-16.01" in text
    assert "relative error 0.00e+00" in text


def test_tiny_import_without_points_keeps_regions_but_needs_kecamatan_for_splits(tiny, tmp_path):
    with pytest.raises(InputError, match="pass the kecamatan centroids"):
        _tiny_import(tiny, tmp_path / "tiny_out.gpkg", points=None)
    unsplit = tmp_path / "unsplit.gpkg"
    gpd.read_file(tiny["tiny.gpkg"]).query("kode != '16.02'").to_file(unsplit, layer="regencies")
    report = _tiny_import(tiny, tmp_path / "tiny_out.gpkg", points=None, boundaries=unsplit)
    dataset = load_dataset(tmp_path / "tiny_out.gpkg")
    assert dataset.points is None and report.n_points == 0
    assert dataset.regions.set_index("region_code")["population"].to_dict() == {"16.01": 4000, "16.71": 9000}


@pytest.mark.parametrize(("which", "edit", "message"), [
    ("census.csv", lambda f: f.drop(columns="TOTAL_POPULATION"), "missing column 'TOTAL_POPULATION'"),
    ("census.csv", lambda f: f.assign(TOTAL_POPULATION=["x", 1, 1, 1, 1, 1]), "give a finite number"),
    ("crosswalk.csv", lambda f: f.drop(columns="code"), "missing column 'code'"),
    ("crosswalk.csv", lambda f: f.assign(code=["16.01", "16.99"]), "'16.99' .* is not in the boundaries"),
    ("crosswalk.csv", lambda f: f.iloc[:1], "REGIONAL_CODE '1672' .* is missing"),
    ("kecamatan.csv", lambda f: f.drop(columns="lat"), "missing column 'lat'"),
])
def test_bad_tables_raise_input_error_naming_the_file(tiny, tmp_path, which, edit, message):
    edit(pd.read_csv(tiny[which], dtype=str)).to_csv(tiny[which], index=False)
    with pytest.raises(InputError, match=message) as raised:
        _tiny_import(tiny, tmp_path / "tiny_out.gpkg")
    assert which in str(raised.value)


def test_missing_or_unreadable_files_raise_input_error_naming_the_file(tiny, tmp_path):
    with pytest.raises(InputError, match=r"nowhere\.gpkg: file not found"):
        _tiny_import(tiny, tmp_path / "tiny_out.gpkg", boundaries=tmp_path / "nowhere.gpkg")
    with pytest.raises(InputError, match=r"census\.csv: layer .* has no geometry"):
        _tiny_import(tiny, tmp_path / "tiny_out.gpkg", boundaries=tiny["census.csv"])
    with pytest.raises(InputError, match=r"tiny.gpkg: cannot be read as a CSV"):
        _tiny_import(tiny, tmp_path / "tiny_out.gpkg", population=tiny["tiny.gpkg"])
    with pytest.raises(InputError, match=r"\.gpkg'"):
        _tiny_import(tiny, tmp_path / "tiny_out.csv")
    with pytest.raises(InputError, match="informal_share"):
        _tiny_import(tiny, tmp_path / "tiny_out.gpkg", informal_share=1.5)


def test_census_with_bps_codes_and_no_crosswalk_is_refused(tiny, tmp_path):
    with pytest.raises(InputError, match=r"census\.csv: REGIONAL_CODE '1605' .* pass the BPS-to-Kemendagri"):
        _tiny_import(tiny, tmp_path / "tiny_out.gpkg", crosswalk=None)


def test_a_failed_import_leaves_the_existing_output_intact_and_no_temporary_file(tiny, tmp_path):
    out = tmp_path / "tiny_out.gpkg"
    _tiny_import(tiny, out)
    before = out.read_bytes()
    pd.read_csv(tiny["census.csv"]).drop(columns="DISTRICT").to_csv(tiny["census.csv"], index=False)
    with pytest.raises(InputError):
        _tiny_import(tiny, out)
    assert out.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []


def test_a_failure_while_writing_leaves_the_existing_output_intact(tiny, tmp_path, monkeypatch):
    out = tmp_path / "tiny_out.gpkg"
    _tiny_import(tiny, out)
    before = out.read_bytes()

    def broken_write(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", broken_write)
    with pytest.raises(InputError, match="disk full"):
        _tiny_import(tiny, out)
    assert out.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir() if ".tmp" in path.name] == []


def test_normalised_names_match_across_spellings():
    pairs = [("ILIR BARAT II", "Ilir Barat Dua"), ("BUKIT KECIL", "Bukitkecil"), ("P HARUKU", "Pulau Haruku"),
             ("SAMA DUA", "Samadua"), ("ALANG ALANG LEBAR", "Alang-alang Lebar"), ("DJATI", "Jati"),
             ("KOTA KAYU AGUNG", "Kayu Agung"), ("Misool", "Misool (Misool Utara)")]
    left, right = (pd.Series(side) for side in zip(*pairs, strict=True))
    assert (normalise_place_names(left) == normalise_place_names(right)).all()
    assert normalise_place_names(pd.Series(["Ilir Barat I"]))[0] != normalise_place_names(
        pd.Series(["Ilir Barat II"]))[0]


@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(0, 1e6)), min_size=1, max_size=30),
       st.integers(0, 10**7))
def test_split_integer_shares_are_whole_and_sum_to_each_total(members, total):
    groups = pd.Series([group for group, _ in members])
    weights = pd.Series([weight for _, weight in members])
    totals = pd.Series(total, index=sorted(set(groups)))
    shares = split_integer(totals, weights, groups)
    assert (shares >= 0).all()
    assert (shares.groupby(groups).sum() == total).all()


# --------------------------------------------------------------------------------------- real official data


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    if not INDONESIA.is_dir():
        pytest.skip("../shared/data/indonesia is absent")
    out = tmp_path_factory.mktemp("real") / "indonesia.gpkg"
    lines: list[str] = []
    report = import_official_data(
        INDONESIA / "regencies_2025.gpkg", INDONESIA / "sp2010_population_by_kecamatan.csv", out,
        crosswalk=INDONESIA / "bps2010_regency_to_kemendagri.csv",
        points=INDONESIA / "kecamatan_centroids_2025.csv", log=lines.append)
    return report, load_dataset(out), lines


@needs_shared
def test_real_import_has_514_regions_and_38_provinces(real):
    report, dataset, _ = real
    assert report.n_regions == len(dataset.regions) == 514
    assert len(dataset.provinces) == 38
    assert dataset.regions["region_code"].is_unique


@needs_shared
def test_real_import_conserves_the_2010_census_population(real):
    report, dataset, _ = real
    assert dataset.regions["population"].sum() == pytest.approx(CENSUS_TOTAL_2010, rel=1e-3)
    assert report.population_total == pytest.approx(CENSUS_TOTAL_2010, rel=1e-3)
    assert report.population_conserved_relative_error <= 1e-3
    assert dataset.provinces["population"].sum() == dataset.regions["population"].sum()


@needs_shared
def test_real_import_flags_the_17_regencies_created_after_2010_with_their_parent(real):
    report, dataset, _ = real
    regions = dataset.regions.set_index("region_code")
    assert len(report.split_regions) == 17
    children = regions.loc[list(report.split_regions)]
    assert children["population_estimated"].all()
    assert children["parent_region_code"].isin(regions.index).all()
    assert (children["parent_region_code"].str[:2] == children.index.str[:2]).all()
    assert (children["population"] > 0).all()
    assert regions.loc["32.18", "parent_region_code"] == "32.07"  # Pangandaran from Ciamis
    assert regions.loc["64.11", "parent_region_code"] == "64.07"  # Mahakam Ulu from Kutai Barat
    assert regions["parent_region_code"].notna().sum() == 17


@needs_shared
def test_real_import_has_kota_palembang_with_its_census_population(real):
    _, dataset, _ = real
    palembang = dataset.regions.set_index("region_code").loc["16.71"]
    assert palembang["region_name"] == "Kota Palembang"
    assert palembang["province_name"] == "Sumatera Selatan"
    assert palembang["population"] == pytest.approx(1_455_284, rel=0.01)
    assert not palembang["population_estimated"]


@needs_shared
def test_real_import_points_sum_to_their_regency(real):
    report, dataset, _ = real
    points = dataset.points
    assert points is not None and len(points) == report.n_points == 7285
    sums = points.groupby("region_code")["population"].sum()
    regions = dataset.regions.set_index("region_code")["population"]
    assert (sums == regions.reindex(sums.index)).all()
    assert (points["population"] >= 0).all()


@needs_shared
def test_real_import_reports_its_match_rates(real):
    report, _, lines = real
    assert report.regencies_matched == 497
    assert report.kecamatan_matched_share_count >= 0.95
    assert report.kecamatan_matched_share_people >= 0.97
    text = "\n".join(lines)
    assert "497 of 514 matched to a 2010 regency" in text
    assert "census kecamatan matched by name" in text and "of the people" in text
    assert "relative error" in text
    assert len(report.unmatched_kecamatan) > 0
    assert all(line.strip() in text for line in report.unmatched_kecamatan)


@needs_shared
def test_real_census_file_without_a_column_is_refused_naming_it(tmp_path):
    broken = tmp_path / "census_without_district.csv"
    pd.read_csv(INDONESIA / "sp2010_population_by_kecamatan.csv", dtype=str).drop(columns="DISTRICT").to_csv(
        broken, index=False)
    with pytest.raises(InputError, match=r"census_without_district\.csv: missing column 'DISTRICT'"):
        import_official_data(INDONESIA / "regencies_2025.gpkg", broken, tmp_path / "out.gpkg",
                             crosswalk=INDONESIA / "bps2010_regency_to_kemendagri.csv", log=lambda line: None)
    assert not (tmp_path / "out.gpkg").exists()
