"""Region loading and validation: schema, CRS, codes, counts, geometry, and the messages for bad files."""

from __future__ import annotations

import geopandas as gpd
import pytest
from conftest import tiny_dataset
from shapely.geometry import Polygon

from planner.errors import InputError
from planner.regions import load_dataset, load_regions, validate_regions


def write(frame: gpd.GeoDataFrame, path, layer="regions"):
    frame.to_file(path, layer=layer, driver="GPKG")
    return path


@pytest.fixture
def regions():
    return tiny_dataset([1000.0, 2000.0, 3000.0]).regions


def test_the_embedded_default_loads_with_its_three_layers():
    dataset = load_dataset()
    assert len(dataset.regions) == 514 and dataset.points is not None
    assert dataset.regions.crs.to_epsg() == 4326
    assert load_regions().loc[lambda r: r.region_code == "16.71", "region_name"].item() == "Kota Palembang"


def test_a_single_layer_file_is_read_whatever_its_layer_name(tmp_path, regions):
    path = write(regions, tmp_path / "one.gpkg", layer="kabupaten")
    assert len(load_regions(path)) == 3
    assert len(load_dataset(path).provinces) == 1


def test_missing_file_and_folder_are_reported(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_regions(tmp_path / "nope.gpkg")
    with pytest.raises(InputError, match="is a folder"):
        load_regions(tmp_path)


def test_an_unreadable_file_is_reported(tmp_path):
    path = tmp_path / "garbage.gpkg"
    path.write_text("not a geopackage", encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read"):
        load_regions(path)


def test_a_missing_column_names_the_column(tmp_path, regions):
    with pytest.raises(InputError, match="missing column 'workers_informal'"):
        load_regions(write(regions.drop(columns="workers_informal"), tmp_path / "r.gpkg"))


def test_no_crs_is_an_error_not_a_warning(regions):
    with pytest.raises(InputError, match="coordinate reference system"):
        validate_regions(regions.set_crs(None, allow_override=True))


def test_duplicate_codes_are_rejected(regions):
    regions.loc[1, "region_code"] = regions.loc[0, "region_code"]
    with pytest.raises(InputError, match="appears more than once"):
        validate_regions(regions)


@pytest.mark.parametrize("value", [-5.0, float("nan")])
def test_negative_or_missing_worker_counts_are_rejected(regions, value):
    regions.loc[0, "workers_informal"] = value
    with pytest.raises(InputError, match="workers_informal"):
        validate_regions(regions)


def test_invalid_and_empty_geometry_are_rejected(regions):
    bowtie = regions.copy()
    bowtie.loc[0, "geometry"] = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(InputError, match="invalid geometry"):
        validate_regions(bowtie)
    empty = regions.copy()
    empty.loc[0, "geometry"] = Polygon()
    with pytest.raises(InputError, match="empty geometry"):
        validate_regions(empty)


def test_province_code_must_match_the_region_code(regions):
    regions.loc[0, "province_code"] = "12"
    with pytest.raises(InputError, match="first two digits"):
        validate_regions(regions)


def test_a_badly_formed_code_shows_the_expected_form(regions):
    regions.loc[0, "region_code"] = "1601"
    with pytest.raises(InputError, match=r"codes look like '16\.02'"):
        validate_regions(regions)
