"""Reach of one plan three ways: measured from its placed sites, the fine model's table, the coarse points' claim.

Reads a ``planner run`` results folder (``allocation.csv``, ``reach.csv``, ``summary.json``) made on a dataset
with fine ``demand`` and ``sites`` layers and a coarse ``points`` layer (e.g. the official data imported with
``--grid``, ``--sites`` and ``--points``), re-evaluates the same allocation with the reach tables the coarse
points alone give (points as both demand and sites, as before the fine layers existed), and prints the
final-year share of informal workers within reach nationally and per province.

Usage: python -m benchmarks.reach_compare --regions official_fine.gpkg --results /tmp/reach_official
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd

from planner.allocation.evaluate import evaluate
from planner.allocation.summary import PlanSummary
from planner.inputs import build_inputs
from planner.regions import load_dataset
from planner.scenario import Scenario, scenario_from_dict


def coarse_claim(regions: str, allocation: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Final-year reach of the allocation by the coarse points' tables (``region_code``, ``workers_reached``)."""
    dataset = load_dataset(regions)
    coarse = dataclasses.replace(dataset, demand=None, sites=None)
    inputs = build_inputs(coarse, scenario)
    plan = allocation.loc[allocation["new"] > 0, ["region_code", "kind", "year", "new"]]
    reach = evaluate(inputs, plan).reach
    return reach[reach["year"] == inputs.years[-1]][["region_code", "workers_reached"]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", required=True)
    parser.add_argument("--results", required=True)
    args = parser.parse_args(argv)
    folder = Path(args.results)
    summary = PlanSummary.from_json((folder / "summary.json").read_text(), str(folder / "summary.json"))
    scenario = scenario_from_dict(summary.scenario)
    allocation = pd.read_csv(folder / "allocation.csv", dtype={"region_code": str, "province_code": str})
    measured = pd.read_csv(folder / "reach.csv", dtype={"region_code": str})
    final = measured[measured["year"] == measured["year"].max()]
    claim = coarse_claim(args.regions, allocation, scenario).rename(columns={"workers_reached": "coarse"})
    table = final.merge(claim, on="region_code")
    names = allocation.drop_duplicates("region_code").set_index("region_code")[["province_code", "province_name"]]
    table = table.join(names, on="region_code")
    national = table[["workers_informal", "workers_reached", "coarse"]].sum()
    model = summary.workers_reached_final_model
    print(f"reach_source {summary.reach_source}: measured {summary.workers_reached_final:,.0f}, "
          f"fine model {float('nan') if model is None else model:,.0f}, of "
          f"{summary.workers_informal:,.0f} informal workers")
    print(f"national final-year share: measured {national['workers_reached'] / national['workers_informal']:.1%}, "
          f"fine model {(model or 0) / summary.workers_informal:.1%}, "
          f"coarse points claimed {national['coarse'] / national['workers_informal']:.1%}")
    provinces = table.groupby(["province_code", "province_name"])[["workers_informal", "workers_reached",
                                                                    "coarse"]].sum()
    print("| province | informal workers | measured share | coarse points claimed |")
    print("|---|---|---|---|")
    for (code, name), row in provinces.iterrows():
        share = row["workers_reached"] / row["workers_informal"]
        print(f"| {code} {name} | {row['workers_informal']:,.0f} | {share:.1%} | "
              f"{row['coarse'] / row['workers_informal']:.1%} |")


if __name__ == "__main__":
    main()
