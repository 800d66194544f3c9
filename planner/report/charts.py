"""Charts of a plan: spending against the budget, reach over time against the baselines, value of budget.

Each function takes a :class:`~planner.allocation.results.PlanResult` and returns a matplotlib Figure sized for half an
A4 page; amounts in billion IDR, workers in millions.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from planner.allocation.results import PlanResult
from planner.report.i18n import number, translator
from planner.report.mapkit import FONT, OKABE_ITO

CHART_SIZE = (8.27, 4.6)
BASELINE_STYLE = {"one_per_regency": (OKABE_ITO["orange"], "--", "s"),
                  "proportional": (OKABE_ITO["sky_blue"], ":", "^"),
                  "greedy": (OKABE_ITO["green"], "-.", "D")}


def _axes(title: str) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=CHART_SIZE, layout="constrained")
    ax.set_title(title, fontsize=FONT["title"], loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT["legend"])
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def spend_chart(result: PlanResult, lang: str = "en") -> Figure:
    """Capital and running spend per year (stacked bars, billion IDR) against the year's budget (line).

    Returns
    -------
    matplotlib.figure.Figure
        One axes with a legend naming capital, running and budget.
    """
    t = translator(lang)
    budget = result.budget.sort_values("year")
    years = budget["year"].astype(int).to_numpy()
    capex = budget["capex"].to_numpy(float) / 1e9
    opex = budget["opex"].to_numpy(float) / 1e9
    fig, ax = _axes(t("spend_title"))
    x = np.arange(len(years))
    ax.bar(x, capex, width=0.6, color=OKABE_ITO["vermillion"], label=t("capex"))
    ax.bar(x, opex, width=0.6, bottom=capex, color=OKABE_ITO["blue"], label=t("opex"))
    limit = budget["budget"].to_numpy(float) / 1e9
    ax.plot(x, limit, color="black", marker="_", markersize=28, markeredgewidth=2.2, linestyle="none",
            label=t("budget"))
    for position, spend, cap in zip(x, capex + opex, limit, strict=True):
        ax.annotate(number(spend, lang), (position, spend), xytext=(0, -5), textcoords="offset points",
                    ha="center", va="top", fontsize=FONT["legend"], color="white", fontweight="bold")
        ax.annotate(number(cap, lang), (position + 0.3, cap), xytext=(3, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=FONT["footer"] + 0.5)
    ax.set_xticks(x, [str(year) for year in years])
    ax.set_ylabel(t("idr_bn"), fontsize=FONT["legend"])
    ax.margins(y=0.12)
    ax.legend(fontsize=FONT["legend"], frameon=False, loc="upper left")
    return fig


def reach_chart(result: PlanResult, lang: str = "en") -> Figure:
    """Informal workers within reach per year (millions): the plan, each baseline, and all informal workers.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one line per series and a legend.
    """
    t = translator(lang)
    fig, ax = _axes(t("reach_chart_title"))
    totals = result.reach.groupby("year")[["workers_reached", "workers_informal"]].sum() / 1e6
    years = totals.index.astype(int).to_numpy()
    ax.plot(years, totals["workers_informal"], color="#777777", linewidth=1.2, linestyle="-",
            label=t("informal_total"))
    for name, table in result.baseline_reach.items():
        colour, style, marker = BASELINE_STYLE.get(name, ("#999999", "--", "o"))
        series = table.groupby("year")["workers_reached"].sum() / 1e6
        ax.plot(series.index.astype(int), series.to_numpy(), color=colour, linestyle=style, marker=marker,
                linewidth=1.6, label=t(name) if name in BASELINE_STYLE else name)
    ax.plot(years, totals["workers_reached"], color=OKABE_ITO["vermillion"], linewidth=2.6, marker="o",
            label=t("plan"))
    last = totals["workers_reached"].iloc[-1]
    ax.annotate(number(last, lang, 1), (years[-1], last), xytext=(6, -4), textcoords="offset points",
                fontsize=FONT["footer"] + 0.5, color=OKABE_ITO["vermillion"], ha="left", va="top")
    ax.set_xticks(years, [str(year) for year in years])
    ax.set_ylabel(t("workers_m"), fontsize=FONT["legend"])
    low = min([totals["workers_reached"].min()] + [float(table.groupby("year")["workers_reached"].sum().min()) / 1e6
                                                    for table in result.baseline_reach.values()])
    ax.set_ylim(bottom=max(0.0, np.floor(0.9 * low / 5.0) * 5.0))
    ax.legend(fontsize=FONT["legend"], frameon=False, loc="lower right")
    return fig


def marginal_chart(result: PlanResult, lang: str = "en") -> Figure:
    """Marginal value of budget per year: extra workers reached per extra billion IDR (``budget.csv``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes of bars, one per year, with value labels.
    """
    t = translator(lang)
    budget = result.budget.sort_values("year")
    years = budget["year"].astype(int).to_numpy()
    values = budget["marginal_workers_per_billion_idr"].fillna(0.0).to_numpy(float)
    fig, ax = _axes(t("marginal_title"))
    x = np.arange(len(years))
    ax.bar(x, values, width=0.6, color=OKABE_ITO["green"])
    for position, value in zip(x, values, strict=True):
        ax.annotate(number(value, lang), (position, value), xytext=(0, 4), textcoords="offset points",
                    ha="center", fontsize=FONT["footer"] + 0.5)
    ax.set_xticks(x, [str(year) for year in years])
    unit = t("unit_" + result.summary.objective_unit)
    ax.set_ylabel(t("marginal_axis", unit=unit), fontsize=FONT["legend"])
    ax.yaxis.set_major_formatter(lambda value, _: number(value, lang))
    ax.margins(y=0.15)
    return fig
