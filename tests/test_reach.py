"""Reach tables and measured reach (planner.reach): each demand point is reached by the first outlet whose
kind's radius covers it, counted once however many outlets (of however many regencies) cover it."""

from __future__ import annotations

import pandas as pd

from planner.reach import first_reached

# on the equator 0.1 degree of longitude = 11.1 km
DEMAND = pd.DataFrame({"region_code": ["a", "a", "a", "b"], "lon": [0.0, 0.1, 0.4, 0.5], "lat": 0.0})
RADIUS = {"gerai": 15.0, "kanal": 5.0}


def test_each_kind_reaches_within_its_own_radius_from_the_year_it_opens():
    placed = pd.DataFrame({"region_code": ["a", "a"], "kind": ["kanal", "gerai"], "year": [2014, 2016],
                           "lon": [0.0, 0.45], "lat": 0.0})
    any_outlet, own = first_reached(DEMAND, placed, RADIUS, never=2019)
    # the kanal reaches only the point it stands on (5 km); the 2016 gerai reaches 0.4 and 0.5 (5.6 km each)
    assert any_outlet.tolist() == [2014, 2019, 2016, 2016]
    assert own.tolist() == [2014, 2019, 2016, 2019]  # the point at 0.5 lies in regency b


def test_a_point_covered_by_several_outlets_takes_the_earliest_year():
    placed = pd.DataFrame({"region_code": ["b", "a"], "kind": ["gerai", "gerai"], "year": [2015, 2017],
                           "lon": [0.5, 0.4], "lat": 0.0})
    any_outlet, own = first_reached(DEMAND, placed, RADIUS, never=2019)
    assert any_outlet.tolist() == [2019, 2019, 2015, 2015]
    assert own.tolist() == [2019, 2019, 2017, 2015]


def test_no_outlets_reach_nobody():
    empty = pd.DataFrame(columns=["region_code", "kind", "year", "lon", "lat"])
    assert first_reached(DEMAND, empty, RADIUS, never=2019)[0].tolist() == [2019] * 4
