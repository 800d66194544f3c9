"""A plan's outlets placed on the site sequences, and reach measured from them (planner.allocation.plan,
evaluate.measured_reach, verify.verify_sites), on two hand-checkable regencies on the equator.

0.1 degree of longitude = 11.1 km. Regency 11.01 (lon 100.0-100.5) has people at 100.10 (1,000), 100.25 (600)
and 100.45 (400), and sites a1, a2, a3 on them. Regency 11.02 (lon 100.5-101.0) has people at 100.55 (1,200)
and 100.90 (800), and sites b1 on the first and b2 on the second; b2 does not allow a gerai. Gerai reach
15 km, kanal 5 km, so a gerai at a3 (100.45) also reaches the 1,200 people at 100.55 across the border.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.allocation.evaluate import cumulative_counts, measured_reach
from planner.allocation.plan import plan
from planner.allocation.verify import verify_sites
from planner.errors import InputError
from planner.inputs import build_inputs, with_kanal_reference
from planner.regions import validate_demand, validate_sites
from planner.scenario import Lock

PEOPLE = [("d1", "11.01", 100.10, 1000.0), ("d2", "11.01", 100.25, 600.0), ("d3", "11.01", 100.45, 400.0),
          ("d4", "11.02", 100.55, 1200.0), ("d5", "11.02", 100.90, 800.0)]
SITES = [("a1", "11.01", 100.10, True), ("a2", "11.01", 100.25, True), ("a3", "11.01", 100.45, True),
         ("b1", "11.02", 100.55, True), ("b2", "11.02", 100.90, False)]


def fine_dataset(people: list = PEOPLE, site_list: list = SITES):
    """Two regencies of 1,000 informal workers and 2,000 people each, with demand and site layers (``people``:
    (id, regency, lon, persons); ``site_list``: (id, regency, lon, allows a gerai); all at latitude 0.2)."""
    base = tiny_dataset([1000.0, 1000.0])
    demand = gpd.GeoDataFrame({"point_id": [p[0] for p in people], "region_code": [p[1] for p in people],
                               "population": [p[3] for p in people]},
                              geometry=gpd.points_from_xy([p[2] for p in people], [0.2] * len(people)),
                              crs="EPSG:4326")
    sites = gpd.GeoDataFrame({"site_id": [s[0] for s in site_list], "region_code": [s[1] for s in site_list],
                              "name": [s[0].upper() for s in site_list], "allows_gerai": [s[3] for s in site_list],
                              "allows_kanal": True},
                             geometry=gpd.points_from_xy([s[2] for s in site_list], [0.2] * len(site_list)),
                             crs="EPSG:4326")
    return dataclasses.replace(base, demand=validate_demand(demand, base.regions),
                               sites=validate_sites(sites, base.regions["region_code"]))


def scenario(**changes):
    return tiny_scenario(reach_model="points", **{"kanal.target": 1, **changes})


def test_a_regency_cannot_take_more_outlets_of_a_kind_than_its_sites_allow():
    caps = build_inputs(fine_dataset(), scenario()).max_total.set_index(["region_code", "kind"])["max_total"]
    assert caps[("11.01", "gerai")] == 3 and caps[("11.02", "gerai")] == 1  # b2 allows no gerai
    assert caps[("11.02", "kanal")] == 2


def test_a_lock_beyond_the_sites_is_a_user_error():
    locked = scenario().replace(locks=(Lock("11.02", "gerai", 2014, 2),))
    with pytest.raises(InputError, match=r"11\.02.*only 1 candidate sites allow a gerai"):
        build_inputs(fine_dataset(), locked)


def test_placed_sites_reconcile_with_the_table_and_reach_is_measured_from_them():
    result = plan(fine_dataset(), scenario(), sites=True)
    summary, placed = result.summary, result.sites
    assert summary["reach_source"] == "sites"
    assert not placed.duplicated(["site_id", "kind"]).any()
    assert "b2" not in set(placed.loc[placed["kind"] == "gerai", "site_id"])
    assert summary["workers_reached_final_difference"] == pytest.approx(
        summary["workers_reached_final"] - summary["workers_reached_final_model"])
    # every worker is either within reach of a placed outlet or on an unreached point, never both
    final = result.reach[result.reach["year"] == 2015]
    assert final["workers_reached"].sum() + result.unreached["workers_unreached"].sum() == pytest.approx(
        final["workers_informal"].sum())
    for name, baseline in summary["baselines"].items():
        assert "objective_measured" in baseline and "workers_reached_final_model" in baseline, name


def test_without_sites_the_reach_is_the_model_estimate_and_labelled_so():
    result = plan(fine_dataset(), scenario(), sites=False)
    assert result.summary["reach_source"] == "model" and result.sites is None and result.unreached is None
    assert result.summary["workers_reached_final"] == result.summary["workers_reached_final_model"]


def _placed(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    where = {s[0]: s[2] for s in SITES}
    return pd.DataFrame([{"region_code": code, "site_id": site, "kind": kind, "year": year, "lon": where[site],
                          "lat": 0.2} for code, site, kind, year in rows])


def test_a_person_reached_from_two_regencies_is_counted_once():
    inputs = build_inputs(fine_dataset(), scenario())
    counts = cumulative_counts(inputs, pd.DataFrame({"region_code": ["11.01", "11.02"], "kind": "gerai",
                                                     "year": 2014, "new": 1}))
    both = measured_reach(inputs, counts, _placed([("11.01", "a3", "gerai", 2014), ("11.02", "b1", "gerai", 2014)]))
    shares = both.reach.query("year == 2014").set_index("region_code")["share_reached"]
    assert shares["11.01"] == pytest.approx(400 / 2000)  # a3 reaches d3 only in its own regency
    assert shares["11.02"] == pytest.approx(1200 / 2000)  # d4 reached by a3 and by b1: once
    alone = measured_reach(inputs, counts, _placed([("11.01", "a3", "gerai", 2014)]))
    assert alone.reach.query("year == 2014").set_index("region_code")["share_reached"]["11.02"] == \
        pytest.approx(1200 / 2000)  # across the border
    never = inputs.years[-1] + 1
    assert alone.own_regency[inputs.sequences.demand["point_id"].to_numpy() == "d4"].tolist() == [never]


def test_verify_flags_sites_that_do_not_cover_what_the_table_promised():
    inputs = build_inputs(fine_dataset(), scenario())
    counts = cumulative_counts(inputs, pd.DataFrame({"region_code": ["11.01"], "kind": "gerai", "year": 2014,
                                                     "new": 1}))
    first = inputs.sequences.sites["site_id"].to_numpy()[inputs.sequences.regencies["11.01"].gerai[0]]
    assert first == "a1"  # the most people within 15 km: d1 (1,000; d2 is 16.7 km away)
    right = _placed([("11.01", "a1", "gerai", 2014)])
    assert verify_sites(inputs, counts, right, measured_reach(inputs, counts, right).own_regency) == []
    wrong = _placed([("11.01", "a3", "gerai", 2014)])
    problems = verify_sites(inputs, counts, wrong, measured_reach(inputs, counts, wrong).own_regency)
    assert problems and "11.01 2014" in problems[0]
    twice = _placed([("11.02", "b2", "gerai", 2014), ("11.02", "b2", "gerai", 2015)])
    problems = verify_sites(inputs, counts, twice, np.full(len(inputs.sequences.demand), 9999))
    assert any("more than one gerai" in p for p in problems) and any("does not allow" in p for p in problems)


def test_kanal_sequences_rebuilt_after_another_gerai_count_change_only_those_tables():
    inputs = build_inputs(fine_dataset(), scenario())
    assert {code: s.reference for code, s in inputs.sequences.regencies.items()} == {"11.01": 1, "11.02": 1}
    rebuilt = with_kanal_reference(inputs, {"11.01": 0, "11.02": 1})
    assert rebuilt.sequences.regencies["11.01"].reference == 0
    assert rebuilt.sequences.regencies["11.02"] is inputs.sequences.regencies["11.02"]
    before, after = (frame.set_index(["region_code", "n_gerai", "n_kanal"])["share"] for frame in
                     (inputs.grid, rebuilt.grid))
    # after no gerai, the first kanal goes where the most people are: a1 (1,000 of 2,000 people within 5 km)
    assert after[("11.01", 0, 1)] == pytest.approx(0.5) and before[("11.01", 0, 1)] < 0.5
    assert after.xs("11.02").equals(before.xs("11.02"))
    assert with_kanal_reference(rebuilt, {"11.01": 0}) is rebuilt  # nothing to change
