"""Nested greedy site sequences, their exact reach table, and the placement that opens their prefixes.

The hand-checked regency ``16.02`` lies on the equator (0.1 degree of longitude = 11.1 km):

- demand A (lon 100.00, 50 people), B (100.10, 30), C (100.30, 40);
- sites s1 (100.05: 5.6 km from A and B), s2 (100.30: on C), s3 (100.20: 11.1 km from B and C).

With a 15 km gerai radius s1 covers A+B (80), s2 covers C (40), s3 covers B+C (70): greedy opens s1, then s2
(C's 40; s3 ties at 40 and comes later in id order), then s3. With a 1 km kanal radius only s2 covers anyone (C).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from planner.siting.place import place_sequences
from planner.siting.sequence import build_sequences, covered_table, first_cover, greedy_order, with_references

RADIUS = {"gerai": 15.0, "kanal": 1.0}
DEMAND = pd.DataFrame({"point_id": ["A", "B", "C"], "region_code": "16.02", "population": [50.0, 30.0, 40.0],
                       "lon": [100.0, 100.1, 100.3], "lat": 0.0})
SITES = pd.DataFrame({"site_id": ["s1", "s2", "s3"], "region_code": "16.02", "name": ["S1", "S2", "S3"],
                      "lon": [100.05, 100.3, 100.2], "lat": 0.0, "allows_gerai": True, "allows_kanal": True})


def _lengths(gerai: int, kanal: int, code: str = "16.02") -> pd.DataFrame:
    return pd.DataFrame({"region_code": code, "kind": ["gerai", "kanal"], "max_total": [gerai, kanal]})


def _sequences(sites: pd.DataFrame = SITES, reference: int = 1):
    return build_sequences(DEMAND, sites, RADIUS, _lengths(3, 3), {"16.02": reference})


def _ids(sequences, kind: str) -> list[str]:
    sequence = sequences.regencies["16.02"]
    return sequences.sites["site_id"].to_numpy()[getattr(sequence, kind)].tolist()


def test_greedy_opens_the_site_covering_most_uncovered_people_each_step():
    sequences = _sequences()
    assert _ids(sequences, "gerai") == ["s1", "s2", "s3"]
    # kanal after the first gerai: only C is left and only s2 reaches it; then the others, which add nothing
    assert _ids(sequences, "kanal") == ["s2", "s1", "s3"]


def test_table_is_the_exact_population_of_the_two_prefixes():
    table = _sequences().regencies["16.02"].table
    expected = np.array([[0, 40, 40, 40], [80, 120, 120, 120], [120, 120, 120, 120], [120, 120, 120, 120]])
    np.testing.assert_allclose(table, expected)


def test_share_grid_divides_by_the_regency_people_and_stays_flat_beyond_the_sites():
    grid = _sequences().share_grid(_lengths(5, 4)).set_index(["n_gerai", "n_kanal"])["share"]
    assert grid[(1, 0)] == pytest.approx(80 / 120) and grid[(0, 1)] == pytest.approx(40 / 120)
    assert grid[(5, 4)] == pytest.approx(1.0) and grid[(0, 4)] == pytest.approx(40 / 120)


def test_a_site_that_does_not_allow_a_kanal_never_gets_one():
    sites = SITES.assign(allows_kanal=[True, False, True])
    sequences = _sequences(sites)
    assert _ids(sequences, "kanal") == ["s1", "s3"]
    np.testing.assert_allclose(sequences.regencies["16.02"].table[:, 2], [0, 80, 120, 120])  # kanal add nothing
    assert sequences.site_counts().set_index(["region_code", "kind"])["sites"].to_dict() == {
        ("16.02", "gerai"): 3, ("16.02", "kanal"): 2}


def test_kanal_sequence_rebuilt_after_no_gerai_opens_the_best_kanal_site_first():
    sequences = with_references(_sequences(), {"16.02": 0})
    assert sequences.regencies["16.02"].reference == 0
    assert _ids(sequences, "kanal")[0] == "s2"
    assert _ids(sequences, "gerai") == ["s1", "s2", "s3"]  # the gerai sequence does not change


def test_greedy_order_first_cover_and_table_on_a_matrix():
    cover = sp.csc_matrix(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool))
    weights = np.array([1.0, 1.0, 5.0, 4.0])
    order = greedy_order(cover, weights, 3)
    assert order.tolist() == [2, 0, 1]  # 9, then 2 (site 0 covers points 0 and 1), then nothing left
    first = first_cover(cover, order)
    assert first.tolist() == [1, 1, 0, 0]
    table = covered_table(weights, first, np.full(4, 0), 3, 0)
    np.testing.assert_allclose(table[:, 0], [0.0, 9.0, 11.0, 11.0])


def _counts(rows: list[tuple[str, str, int, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["region_code", "kind", "year", "existing", "cumulative"])
    frame["new"] = frame["cumulative"] - frame.groupby(["region_code", "kind"])["cumulative"].shift(
        fill_value=0).where(frame.groupby(["region_code", "kind"]).cumcount() > 0, frame["existing"])
    return frame


def test_placement_opens_prefixes_year_by_year_and_credits_each_person_once():
    counts = _counts([("16.02", "gerai", 2014, 1, 1), ("16.02", "gerai", 2015, 1, 2),
                      ("16.02", "kanal", 2014, 0, 1), ("16.02", "kanal", 2015, 0, 1)])
    placed = place_sequences(_sequences(), counts)
    rows = placed[["site_id", "kind", "year", "workers_covered", "existing"]].to_dict("records")
    assert rows == [
        {"site_id": "s1", "kind": "gerai", "year": 2013, "workers_covered": 80.0, "existing": True},
        {"site_id": "s2", "kind": "kanal", "year": 2014, "workers_covered": 40.0, "existing": False},
        {"site_id": "s2", "kind": "gerai", "year": 2015, "workers_covered": 0.0, "existing": False},
    ]


def test_placement_in_workers_scales_by_the_regency_workers_of_the_opening_year():
    counts = _counts([("16.02", "gerai", 2014, 0, 1)])
    workers = pd.DataFrame({"region_code": ["16.02"], "year": [2014], "workers_informal": [60.0]})
    placed = place_sequences(_sequences(), counts, workers)
    assert placed["workers_covered"].tolist() == [pytest.approx(80 * 60 / 120)]


def test_counts_beyond_the_sites_open_each_site_once():
    counts = _counts([("16.02", "gerai", 2014, 0, 5)])
    placed = place_sequences(_sequences(), counts)
    assert placed["site_id"].tolist() == ["s1", "s2", "s3"]
