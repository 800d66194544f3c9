"""The allocation solve strategy (planner.model.strategy) on tiny instances whose optimum is found by brute force.

Where a reach table is not concave the model works on its concave envelope, which overestimates the table at
some counts; the solve must still find the plan that is best on the table itself and report the gap of that
plan's exact objective against a valid bound.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pandas as pd
import pytest
from conftest import tiny_dataset, tiny_scenario

from planner.inputs import build_inputs
from planner.model import strategy
from planner.reach import envelope_planes
from planner.solve import SolverOptions

WORKERS = 100_000.0
#: Share reached by 0, 1, 2 gerai: region 11.01 is reached only by a pair (a town between two sites, say),
#: region 11.02 has the usual diminishing returns. The envelope of 11.01 credits one gerai with 0.5.
TABLE = {"11.01": (0.0, 0.0, 1.0), "11.02": (0.0, 0.6, 0.7)}


def non_concave_inputs():
    """Two regencies of 100,000 workers, two years, 2 new gerai in all (at most 2 per regency), no kanal."""
    scenario = tiny_scenario(**{"gerai.max_new_per_region": 2, "kanal.max_new_per_region": 0})
    inputs = build_inputs(tiny_dataset([WORKERS, WORKERS]), scenario)
    grid = pd.DataFrame([(code, g, 0, share) for code, shares in TABLE.items() for g, share in enumerate(shares)],
                        columns=["region_code", "n_gerai", "n_kanal", "share"])
    planes, envelope = envelope_planes(grid)
    return replace(inputs, grid=grid, planes=planes, reach_model="points",
                   envelope_overestimate=float((envelope["envelope"] - envelope["share"]).max()))


def brute_force_optimum() -> tuple[float, tuple]:
    """Best worker-years over every count choice: per year and regency 0..2 gerai, never closing, 2 new by
    the final year (the budget and rollout allow everything)."""
    best = (-1.0, ())
    for counts in itertools.product(range(3), repeat=4):  # (11.01 2014, 11.02 2014, 11.01 2015, 11.02 2015)
        first, last = counts[:2], counts[2:]
        if sum(last) != 2 or any(b < a for a, b in zip(first, last, strict=True)):
            continue
        value = WORKERS * sum(TABLE[code][n] for year in (first, last) for code, n in zip(TABLE, year, strict=True))
        best = max(best, (value, counts))
    return best


def final_gerai(solution) -> tuple[int, int]:
    return tuple(round(solution.values[f"open_11_0{i}_gerai_2015"]) for i in (1, 2))


def test_the_envelope_alone_would_pick_the_wrong_plan():
    # on the envelope, one gerai in each regency is worth 0.5 + 0.6 = 1.1 shares, two in 11.01 only 1.0;
    # on the table the split plan is worth 0.6 and the pair 1.0
    inputs = non_concave_inputs()
    one_each = inputs.planes[inputs.planes["region_code"] == "11.01"]
    assert (one_each["intercept"] + one_each["slope_gerai"]).min() == pytest.approx(0.5)
    assert brute_force_optimum() == (pytest.approx(2 * WORKERS), (2, 0, 2, 0))


def test_the_solve_models_overestimated_regencies_exactly_and_proves_the_true_optimum():
    _, solution = strategy.solve_allocation(non_concave_inputs(), SolverOptions(gap=0.001))
    optimum, counts = brute_force_optimum()
    assert final_gerai(solution) == counts[2:]
    assert solution.objective == pytest.approx(optimum)
    assert solution.model_objective == pytest.approx(optimum)  # the chosen regency is modelled exactly
    assert solution.bound >= optimum - 1e-6 and solution.gap <= 0.001
    assert solution.status == "optimal"
    rounds = [phase for phase in solution.phases if phase.get("regions_made_exact")]
    assert rounds and "11.01" in rounds[0]["regions_made_exact"]
    assert all({"objective", "objective_exact", "bound", "seconds", "exact_regions"} <= set(phase)
               for phase in solution.phases[1:])


def test_without_the_exactness_step_the_plan_is_wrong_and_the_gap_says_so(monkeypatch):
    # switched off, the envelope's plan (one gerai each) stays; its exact objective is far below the bound,
    # and the reported gap is that honest distance, not the model's own gap
    monkeypatch.setattr(strategy.ExactCells, "add_overestimated", lambda self, values, objective: [])
    _, solution = strategy.solve_allocation(non_concave_inputs(), SolverOptions(gap=0.001))
    optimum, _ = brute_force_optimum()
    assert final_gerai(solution) == (1, 1)
    assert solution.objective == pytest.approx(0.6 * 2 * WORKERS)
    assert solution.bound >= optimum - 1e-6
    assert solution.gap == pytest.approx((solution.bound - solution.objective) / solution.objective)
    assert solution.status == "feasible"
