"""Metamorphic properties of the optimiser on random small instances (seeded, so failures reproduce)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.allocation.plan import plan
from planner.scenario import Lock

SEEDS = [1, 2, 3]


def random_case(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 7))
    workers = rng.integers(5_000, 200_000, size=n).astype(float)
    provinces = ["11" if i % 2 else "12" for i in range(n)]
    scenario = tiny_scenario(**{"gerai.target": int(rng.integers(2, 5)), "kanal.target": int(rng.integers(0, 5)),
                                "gerai.opex_idr_per_year": 2e8, "budget_idr": [float(rng.uniform(1.5e9, 4e9)), 8e9],
                                "province_min_gerai": int(rng.integers(0, 2))})
    return workers, provinces, scenario


@pytest.mark.parametrize("seed", SEEDS)
def test_more_budget_never_lowers_the_optimum(seed):
    workers, provinces, scenario = random_case(seed)
    dataset = tiny_dataset(list(workers), provinces)
    base = plan(dataset, scenario, gap=0.0)
    richer = plan(dataset, scenario.replace(budget_scale=1.5), gap=0.0)
    assert richer.summary["objective"] >= base.summary["objective"] * (1 - 1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_locking_a_plans_own_choices_reproduces_its_objective(seed):
    workers, provinces, scenario = random_case(seed)
    dataset = tiny_dataset(list(workers), provinces)
    first = plan(dataset, scenario, gap=0.0)
    opened = first.allocation[first.allocation["new"] > 0]
    locks = tuple(Lock(row.region_code, row.kind, int(row.year), int(row.new)) for row in opened.itertuples())
    again = plan(dataset, scenario.replace(locks=locks), gap=0.0)
    assert again.summary["objective"] == pytest.approx(first.summary["objective"], rel=1e-6)
    pd.testing.assert_frame_equal(again.allocation, first.allocation)


@pytest.mark.parametrize("seed", SEEDS)
def test_doubling_every_worker_count_doubles_the_objective(seed):
    workers, provinces, scenario = random_case(seed)
    once = plan(tiny_dataset(list(workers), provinces), scenario, gap=0.0)
    twice = plan(tiny_dataset(list(2 * workers), provinces), scenario, gap=0.0)
    assert twice.summary["objective"] == pytest.approx(2 * once.summary["objective"], rel=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_permuting_region_order_changes_nothing(seed):
    workers, provinces, scenario = random_case(seed)
    dataset = tiny_dataset(list(workers), provinces)
    order = np.random.default_rng(seed).permutation(len(workers))
    shuffled = dataset.regions.iloc[order].reset_index(drop=True)
    from planner.regions import RegionDataset

    permuted = RegionDataset(shuffled, dataset.provinces, None, "tiny-permuted")
    a, b = plan(dataset, scenario, gap=0.0), plan(permuted, scenario, gap=0.0)
    assert b.summary["objective"] == pytest.approx(a.summary["objective"], rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_reach_never_exceeds_workers_and_baselines_never_beat_the_bound(seed):
    workers, provinces, scenario = random_case(seed)
    result = plan(tiny_dataset(list(workers), provinces), scenario, gap=0.0)
    assert (result.reach["workers_reached"] <= result.reach["workers_informal"] * (1 + 1e-9)).all()
    for name, baseline in result.summary["baselines"].items():
        if not baseline["rules_broken"]:
            assert baseline["objective"] <= result.summary["bound"] * (1 + 1e-6), name
