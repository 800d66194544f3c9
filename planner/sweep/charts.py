"""Charts of a sweep: the reach-vs-budget frontier and the Monte Carlo robustness map, as PNG bytes."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from planner.regions import RegionDataset
from planner.sweep.executor import SOLVED


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=130, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _scale(values: pd.Series, unit: str) -> tuple[float, str]:
    top = float(values.max()) if len(values) else 0.0
    if top >= 1e6:
        return 1e6, f"million {unit}"
    if top >= 1e4:
        return 1e3, f"thousand {unit}"
    return 1.0, unit


def _x_axis(table: pd.DataFrame, grid_keys: Sequence[str]) -> tuple[str, float, str, list[str]]:
    """Column, divisor and label of the x axis, and the grid keys that split the series."""
    if table["budget_idr"].max() > table["budget_idr"].min() or not grid_keys:
        series = [key for key in grid_keys if not key.startswith("budget")]
        return "budget_idr", 1e9, "total budget over the plan years (IDR billion)", series
    return grid_keys[0], 1.0, grid_keys[0], list(grid_keys[1:])


def _label(keys: Sequence[str], values: tuple) -> str:
    return ", ".join(f"{key} = {value:g}" for key, value in zip(keys, values, strict=True)) or "optimised plan"


def _panel(axes, table: pd.DataFrame, x_column: str, x_scale: float, series_keys: Sequence[str],
           columns: tuple[str, str, str, str], monte_carlo: bool) -> None:
    value, baseline, label, unit = columns
    solved = table[table["status"].isin(SOLVED)]
    scale, unit = _scale(solved[value], unit)
    groups = solved.groupby(series_keys, sort=True) if series_keys else [((), solved)]
    for number, (values, group) in enumerate(groups):
        values = values if isinstance(values, tuple) else (values,)
        colour, name = f"C{number % 10}", _label(series_keys, values)
        by_x = group.groupby(x_column)
        x = by_x[x_column].first() / x_scale
        median = by_x[value].median() / scale
        axes.plot(x, median, "o-", color=colour, label=name)
        if monte_carlo:
            low, high = by_x[value].quantile(0.1) / scale, by_x[value].quantile(0.9) / scale
            axes.errorbar(x, median, yerr=[median - low, high - median], fmt="none", ecolor=colour, capsize=4)
            axes.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
        axes.plot(x, by_x[baseline].median() / scale, "s--", color=colour, alpha=0.7, markersize=4,
                  label="one gerai per regency" + (f" ({name})" if series_keys else ""))
    failed = table[~table["status"].isin(SOLVED)]
    if len(failed) and len(solved):
        axes.plot(failed[x_column] / x_scale, [axes.get_ylim()[0]] * len(failed), "x", color="firebrick",
                  label=f"no plan ({len(failed)}: infeasible or failed)", clip_on=False)
    axes.set_title(label, fontsize=10)
    axes.set_ylabel(unit)
    axes.grid(alpha=0.3)


def frontier_png(table: pd.DataFrame, grid_keys: Sequence[str], monte_carlo: bool,
                 objective: str = "worker_years") -> bytes:
    """Workers reached in the final year (left) and the objective (right) against budget (or the first varied
    key), one series per combination of the other varied keys, the one-gerai-per-regency baseline dashed;
    Monte Carlo: median with 10-90 % bars and band. ``objective`` is the scenario's (``worker_years``/``final_reach``).

    Returns
    -------
    bytes
        PNG image.
    """
    x_column, x_scale, x_label, series_keys = _x_axis(table, grid_keys)
    panels_data = (("workers_reached_final", "baseline_workers_reached_final",
                    "Informal workers within reach in the final year", "workers"),
                   ("objective", "baseline_objective", "Objective: informal workers reached, summed over the years"
                    if objective == "worker_years" else "Objective: final-year reach",
                    "worker-years" if objective == "worker_years" else "workers"))
    figure, panels = plt.subplots(1, 2, figsize=(13, 5))
    for axes, columns in zip(panels, panels_data, strict=True):
        _panel(axes, table, x_column, x_scale, series_keys, columns, monte_carlo)
        axes.set_xlabel(x_label)
    title = "Reach frontier: optimised plan (solid) vs one gerai per regency (dashed)"
    figure.suptitle(title + (" - median of Monte Carlo runs, bars: 10-90 % of runs" if monte_carlo else ""))
    if table["status"].isin(SOLVED).any():
        panels[1].legend(fontsize=8, loc="best")
    else:
        panels[0].text(0.5, 0.5, "no scenario of this sweep has a plan", ha="center", transform=panels[0].transAxes)
    figure.tight_layout()
    return _png(figure)


def robustness_png(dataset: RegionDataset, robustness: pd.DataFrame) -> bytes:
    """Map of the share of Monte Carlo runs in which each regency gets at least one new gerai.

    Returns
    -------
    bytes
        PNG image.
    """
    regions = dataset.regions[["region_code", "geometry", "geometry_approximate"]].merge(
        robustness[["region_code", "share_new_gerai", "runs"]], on="region_code")
    figure, axes = plt.subplots(figsize=(12, 5.6))
    regions.plot(column="share_new_gerai", ax=axes, cmap="YlGnBu", vmin=0.0, vmax=1.0, edgecolor="white",
                 linewidth=0.15, legend=True, missing_kwds={"color": "lightgrey"},
                 legend_kwds={"label": "share of runs with at least one new gerai", "orientation": "horizontal",
                              "shrink": 0.5, "pad": 0.04})
    dataset.provinces.boundary.plot(ax=axes, color="dimgrey", linewidth=0.4)
    runs = int(robustness["runs"].max()) if len(robustness) else 0
    axes.set_title(f"Robustness: where new gerai open across {runs} Monte Carlo plans", pad=16)
    axes.set_axis_off()
    approximate = int(regions["geometry_approximate"].sum())
    if approximate:
        axes.text(0.5, 1.01, f"Note: {approximate} of {len(regions)} regency boundaries are approximate "
                             "(for orientation only, not for measuring areas or distances).",
                  transform=axes.transAxes, fontsize=8, color="dimgrey", ha="center", va="bottom")
    return _png(figure)
