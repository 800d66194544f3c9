"""Tests of planner.data_locate: containment (tiled polygons, overlaps), nearest polygon and its distance."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import MultiPolygon, box

import planner.data_locate as data_locate
from planner.data_locate import locate, points_inside

# Polygon 0: an 'island chain' of two squares 3 degrees apart (one bounding box over many tiles); polygon 1: a
# square overlapping polygon 0's first square on its eastern half; polygon 2: a long thin strip over 4 tiles.
POLYGONS = gpd.GeoSeries([MultiPolygon([box(100.0, 0.0, 100.4, 0.4), box(103.0, 0.0, 103.4, 0.4)]),
                          box(100.2, 0.0, 100.8, 0.4), box(100.0, 1.0, 102.0, 1.1)], crs="EPSG:4326")
LON = np.array([100.1, 100.3, 100.6, 103.2, 101.5, 101.5, 104.0])
LAT = np.array([0.2, 0.2, 0.2, 0.2, 1.05, 0.7, 0.2])


def test_points_fall_in_the_polygon_holding_them_and_overlaps_go_to_the_first():
    assert points_inside(LON, LAT, POLYGONS).tolist() == [0, 0, 1, 0, 2, -1, -1]


def test_tiling_does_not_change_the_answer(monkeypatch):
    tiled = points_inside(LON, LAT, POLYGONS)
    monkeypatch.setattr(data_locate, "TILE_DEGREES", 1000.0)
    assert points_inside(LON, LAT, POLYGONS).tolist() == tiled.tolist()


def test_points_outside_go_to_the_nearest_polygon_with_its_distance():
    located = locate(LON, LAT, POLYGONS)
    assert located.nearest.tolist() == [0, 0, 1, 0, 2, 2, 0]
    assert located.distance_km[:5].tolist() == [0.0] * 5
    degree = 111.32  # km per degree on the equator
    assert located.distance_km[5] == pytest.approx(0.3 * degree, rel=0.01)   # 0.3 deg south of the strip
    assert located.distance_km[6] == pytest.approx(0.6 * degree, rel=0.01)   # 0.6 deg east of 103.4


def test_the_search_limit_leaves_far_points_without_a_polygon():
    located = locate(LON, LAT, POLYGONS, max_km=40.0)
    assert located.nearest.tolist() == [0, 0, 1, 0, 2, 2, -1]
    assert np.isinf(located.distance_km[6])
