"""Report tables from a plan: per province, per year, the focus province's regencies, and the headline.

Tables keep machine column names (``gerai_new``, ``workers_reached``); the HTML and Excel writers put the
translated headers on them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.geo import highlighted_regions, wide_plan
from planner.scenario import KINDS

PROVINCE_COLUMNS = ["province_code", "province_name", "gerai_existing", "gerai_new", "kanal_new",
                    "workers_informal", "workers_reached", "share_reached"]
FOCUS_COLUMNS = ["region_code", "region_name", "gerai_existing", "gerai_new", "gerai_when", "kanal_new",
                 "kanal_when", "workers_informal", "workers_reached", "share_reached"]


def _region_totals(result: PlanResult, dataset: RegionDataset) -> pd.DataFrame:
    wide = wide_plan(result)
    names = dataset.regions[["region_code", "region_name", "province_code", "province_name"]]
    table = names.merge(wide, on="region_code", how="inner")
    for kind in KINDS:
        table[f"{kind}_new"] = table[f"{kind}_new_total"]
    return table


def province_table(result: PlanResult, dataset: RegionDataset) -> pd.DataFrame:
    """Per province: gerai before the plan, new gerai and kanal, informal workers and those within reach.

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset

    Returns
    -------
    pandas.DataFrame
        ``PROVINCE_COLUMNS``, one row per province, sorted by code; workers in persons (final plan year),
        share as a fraction.

    Examples
    --------
    >>> table = province_table(plan(), load_dataset())              # doctest: +SKIP
    >>> int(table["gerai_new"].sum())                                # doctest: +SKIP
    497
    """
    regions = _region_totals(result, dataset)
    sums = ["gerai_existing", "gerai_new", "kanal_new", "workers_informal", "workers_reached"]
    table = regions.groupby(["province_code", "province_name"], as_index=False)[sums].sum()
    table["share_reached"] = table["workers_reached"] / table["workers_informal"].where(table["workers_informal"] > 0)
    return table[PROVINCE_COLUMNS].sort_values("province_code").reset_index(drop=True)


def budget_table(result: PlanResult) -> pd.DataFrame:
    """Per year: budget, capital, running, total spend and what is left (IDR), and the marginal value.

    Returns
    -------
    pandas.DataFrame
        ``year, budget, capex, opex, spend, budget_left`` in IDR and ``marginal_workers_per_billion_idr``.
    """
    columns = ["year", "budget", "capex", "opex", "spend", "budget_left", "marginal_workers_per_billion_idr"]
    return result.budget[columns].sort_values("year").reset_index(drop=True)


def _when(result: PlanResult, codes: list[str], kind: str) -> str:
    rows = result.allocation[(result.allocation["region_code"].isin(codes)) & (result.allocation["kind"] == kind)
                             & (result.allocation["new"] > 0)]
    per_year = rows.groupby("year")["new"].sum()
    return ", ".join(f"{int(year)}: {int(count)}" for year, count in per_year.items())


def focus_table(result: PlanResult, dataset: RegionDataset, focus: str = "16", *, detail: bool = False,
                rest_label: str | None = None) -> pd.DataFrame:
    """What each named regency/city of province ``focus`` gets and when, then the rest of the province.

    For South Sumatra the named ones are the Palembang branch's five (Kota Palembang, Ogan Komering Ilir,
    Ogan Ilir, Musi Banyuasin, Banyuasin).

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset
    focus : str
        Province code.
    detail : bool
        True: one row per regency/city of the province (named ones first), no aggregate row.
    rest_label : str, optional
        Name of the aggregate row (default ``"rest of <province>"``).

    Returns
    -------
    pandas.DataFrame
        ``FOCUS_COLUMNS``; ``*_when`` read like ``"2014: 1, 2016: 2"`` (year: new outlets).
    """
    regions = _region_totals(result, dataset)
    regions = regions[regions["province_code"] == focus]
    named = [code for code in highlighted_regions(result, dataset, focus) if code in set(regions["region_code"])]
    others = [code for code in regions["region_code"] if code not in named]
    groups = [[code] for code in named + (others if detail else [])]
    if not detail and others:
        groups.append(others)
    rows = []
    for codes in groups:
        part = regions[regions["region_code"].isin(codes)]
        single = len(codes) == 1 and (detail or codes[0] in named)
        name = part["region_name"].iloc[0] if single else (
            rest_label or f"rest of {part['province_name'].iloc[0]}")
        rows.append({"region_code": codes[0] if single else "", "region_name": name,
                     "gerai_existing": int(part["gerai_existing"].sum()), "gerai_new": int(part["gerai_new"].sum()),
                     "gerai_when": _when(result, codes, "gerai"), "kanal_new": int(part["kanal_new"].sum()),
                     "kanal_when": _when(result, codes, "kanal"),
                     "workers_informal": float(part["workers_informal"].sum()),
                     "workers_reached": float(part["workers_reached"].sum())})
    table = pd.DataFrame(rows, columns=FOCUS_COLUMNS[:-1])
    table["share_reached"] = table["workers_reached"] / table["workers_informal"].where(table["workers_informal"] > 0)
    return table


def headline(result: PlanResult) -> dict:
    """The numbers a manager reads first (persons, IDR, fractions), from the result's summary and tables.

    Returns
    -------
    dict
        ``final_year``, ``workers_reached``, ``workers_informal``, ``share``, ``objective``, ``objective_unit``,
        ``baseline_workers``, ``gain_workers``, ``gain_workers_percent``, ``gain_objective``,
        ``gain_objective_percent``, ``spend_idr``, ``totals``, ``status``, ``gap``, ``reach_source`` ("sites":
        measured from the placed outlets, or "model": the allocation model's estimate), ``workers_reached_model``
        (the model's estimate when reach is measured, else None), ``sites_placed`` (None without sites).
    """
    summary = result.summary
    base = summary.baselines.get("one_per_regency")
    reached = float(summary.workers_reached_final)
    informal = float(summary.workers_informal)
    return {
        "first_year": int(result.allocation["year"].min()), "final_year": int(result.allocation["year"].max()),
        "workers_reached": reached, "workers_informal": informal,
        "share": reached / informal if informal > 0 else None,
        "objective": float(summary.objective), "objective_unit": summary.objective_unit,
        "baseline_workers": base and base.workers_reached_final, "gain_workers": base and base.gain_workers_final,
        "gain_workers_percent": base and base.gain_workers_final_percent,
        "gain_objective": base and base.gain_objective, "gain_objective_percent": base and base.gain_objective_percent,
        "spend_idr": float(summary.spend_idr), "totals": dict(summary.totals),
        "status": summary.status, "gap": summary.gap,
        "reach_source": summary.reach_source,
        "workers_reached_model": summary.workers_reached_final_model,
        "sites_placed": None if result.sites is None else len(result.sites),
    }


def comparison_table(results: Mapping[str, PlanResult]) -> pd.DataFrame:
    """One row per named result: status, gap, openings, workers within reach, gain over one gerai per regency.

    Parameters
    ----------
    results : mapping
        Scenario label -> PlanResult.

    Returns
    -------
    pandas.DataFrame
        ``scenario, status, gap, gerai_new, kanal_new, spend_idr, workers_reached_final, objective,
        gain_over_one_per_regency_percent`` (gap as a fraction, IDR, persons, the objective's unit).
    """
    rows = []
    for label, result in results.items():
        numbers = headline(result)
        rows.append({"scenario": label, "status": numbers["status"], "gap": numbers["gap"],
                     "gerai_new": numbers["totals"].get("gerai", 0), "kanal_new": numbers["totals"].get("kanal", 0),
                     "spend_idr": numbers["spend_idr"], "workers_reached_final": numbers["workers_reached"],
                     "objective": numbers["objective"],
                     "gain_over_one_per_regency_percent": numbers["gain_objective_percent"]})
    return pd.DataFrame(rows)
