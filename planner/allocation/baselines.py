"""Rule-of-thumb plans the optimised plan is compared with, evaluated by the same reach model.

``one_per_regency``
    One new gerai per regency/city in descending order of informal workers until the gerai target is met
    (with 514 regencies and 497 gerai the smallest get none); kanal by largest remainder in proportion to
    informal workers.
``proportional``
    Both kinds by largest remainder in proportion to informal workers.
``greedy``
    Year by year, the opening with the most extra worker-years per rupiah that still fits the year's budget,
    rollout capacity, regional cap and target, until nothing fits.

The first two open in the same yearly counts per kind as the optimised plan, so only placement differs:
within a kind, openings are ordered by priority (larger informal workforce first; a region's second unit
after the others' first, Sainte-Laguë order) and the first year's count takes the first units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.allocation.evaluate import cumulative_counts, reach_table
from planner.inputs import PlanInputs, largest_remainder
from planner.reach import share_cube
from planner.scenario import KINDS


def _priority_units(codes: np.ndarray, workers: np.ndarray, units: np.ndarray) -> list[str]:
    """Region codes repeated by their unit counts, in Sainte-Laguë priority order (W / (j + 0.5))."""
    rows = [(w / (j + 0.5), code) for code, w, n in zip(codes, workers, units, strict=True) for j in range(int(n))]
    rows.sort(key=lambda item: (-item[0], item[1]))
    return [code for _, code in rows]


def _schedule(units: list[str], kind: str, yearly: dict[int, int]) -> pd.DataFrame:
    rows, position = [], 0
    for year, count in yearly.items():
        for code in units[position: position + count]:
            rows.append((code, kind, year, 1))
        position += count
    table = pd.DataFrame(rows, columns=["region_code", "kind", "year", "new"])
    return table.groupby(["region_code", "kind", "year"], as_index=False)["new"].sum()


def _yearly_totals(plan: pd.DataFrame, kind: str, years: tuple[int, ...]) -> dict[int, int]:
    totals = plan[plan["kind"] == kind].groupby("year")["new"].sum()
    return {year: int(totals.get(year, 0)) for year in years}


def one_per_regency(inputs: PlanInputs, reference: pd.DataFrame) -> pd.DataFrame:
    """One gerai per regency (largest informal workforce first), kanal proportional; yearly counts of
    ``reference`` (the optimised plan, ``region_code, kind, year, new``)."""
    regions = inputs.regions.sort_values(["workers_informal", "region_code"], ascending=[False, True])
    gerai_total = sum(_yearly_totals(reference, "gerai", inputs.years).values())
    gerai_units = list(regions["region_code"].to_numpy()[:gerai_total])
    if gerai_total > len(regions):  # more gerai than regencies: a second round, same order
        extra = largest_remainder(regions["workers_informal"].to_numpy(float), gerai_total - len(regions))
        gerai_units += _priority_units(regions["region_code"].to_numpy(), regions["workers_informal"].to_numpy(float),
                                       extra)
    kanal = _proportional_units(inputs, reference, "kanal")
    return pd.concat([_schedule(gerai_units, "gerai", _yearly_totals(reference, "gerai", inputs.years)), kanal],
                     ignore_index=True)


def _proportional_units(inputs: PlanInputs, reference: pd.DataFrame, kind: str) -> pd.DataFrame:
    yearly = _yearly_totals(reference, kind, inputs.years)
    codes = inputs.regions["region_code"].to_numpy()
    workers = inputs.regions["workers_informal"].to_numpy(float)
    units = largest_remainder(workers, sum(yearly.values()))
    return _schedule(_priority_units(codes, workers, units), kind, yearly)


def proportional(inputs: PlanInputs, reference: pd.DataFrame) -> pd.DataFrame:
    """Both kinds by largest remainder in proportion to informal workers; yearly counts of ``reference``."""
    return pd.concat([_proportional_units(inputs, reference, kind) for kind in KINDS], ignore_index=True)


def greedy(inputs: PlanInputs) -> pd.DataFrame:
    """Year-by-year greedy by marginal worker-years per rupiah (see module docstring).

    Returns
    -------
    pandas.DataFrame
        ``region_code``, ``kind``, ``year``, ``new``.
    """
    scenario = inputs.scenario
    codes = list(inputs.regions["region_code"])
    cube = share_cube(inputs.grid, codes)
    rows_of = np.arange(len(codes))
    existing = inputs.existing.groupby(["region_code", "kind"])["count"].sum()
    counts = np.array([[existing.get((c, k), 0) for k in KINDS] for c in codes], dtype=int)
    cost = inputs.regions.set_index("region_code")["cost_index"].reindex(codes).to_numpy(float)
    workers = inputs.workers.pivot_table(index="region_code", columns="year", values="workers_informal").reindex(codes)
    price = np.column_stack([(scenario.kind(k).capex_idr + scenario.kind(k).opex_idr_per_year) * cost for k in KINDS])
    opex = np.array([scenario.kind(k).opex_idr_per_year for k in KINDS])
    placed = np.zeros(len(KINDS), dtype=int)
    targets = np.array([scenario.kind(k).target for k in KINDS])
    rollout = np.array([scenario.kind(k).rollout_per_year for k in KINDS])
    rows = []
    for position, year in enumerate(scenario.years):
        later = scenario.years[position:] if scenario.objective == "worker_years" else scenario.years[-1:]
        weight = workers[list(later)].sum(axis=1).to_numpy(float)
        money = scenario.budgets()[year] - float(((counts * opex) * cost[:, None]).sum())
        opened = np.zeros(len(KINDS), dtype=int)
        while True:
            here = cube[rows_of, counts[:, 0], counts[:, 1]]
            gains = np.column_stack([cube[rows_of, counts[:, 0] + 1, counts[:, 1]] - here,
                                     cube[rows_of, counts[:, 0], counts[:, 1] + 1] - here])
            value = gains * weight[:, None] / price
            allowed = ~np.isnan(value) & (price <= money) & (opened < rollout)[None, :] & (placed < targets)[None, :]
            value = np.where(allowed, value, -np.inf)
            best = np.unravel_index(int(np.argmax(value)), value.shape)
            if not np.isfinite(value[best]) or value[best] < 0:
                break
            region, kind = int(best[0]), int(best[1])
            counts[region, kind] += 1
            opened[kind] += 1
            placed[kind] += 1
            money -= price[region, kind]
            rows.append((codes[region], KINDS[kind], year, 1))
    table = pd.DataFrame(rows, columns=["region_code", "kind", "year", "new"])
    return table.groupby(["region_code", "kind", "year"], as_index=False)["new"].sum()


__all__ = ["cumulative_counts", "greedy", "one_per_regency", "proportional", "reach_table"]
