"""What the management report's sections say, as plain data: formatted text, table cells, figures.

The HTML page is rendered from ``templates/report.html.j2`` (:mod:`planner.report.html`), which escapes every
value; the PDF (:mod:`planner.report.pdf`) reads the same headers, cells and lines.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pandas as pd

from planner.allocation.results import PlanResult
from planner.allocation.summary import PlanSummary
from planner.regions import RegionDataset
from planner.report.i18n import idr_billion, millions, number, percent
from planner.report.mapkit import source_line
from planner.scenario import KINDS


def gap_text(gap: float | None, lang: str) -> str:
    """A proven gap (fraction) as a percentage with enough decimals to be honest (``0.069 %``)."""
    if gap is None:
        return "n/a"
    return percent(gap, lang, 3 if gap < 0.01 else 2)


def figure_spec(png: bytes, alt: str, caption: str, gid: str) -> dict[str, str]:
    """An embedded PNG for the ``figure`` macro: element id, alt text, caption and the base64 data."""
    return {"id": gid, "alt": alt, "caption": caption, "data": base64.b64encode(png).decode("ascii")}


def table_spec(frame: pd.DataFrame, headers: dict[str, str], formats: dict[str, Callable | None], *,
               total: dict[str, object] | None = None, table_id: str = "") -> dict:
    """A table for the ``table`` macro: ``frame``'s columns in ``headers`` order, cells formatted by
    ``formats[column]`` (right-aligned numbers; a column without a format is shown as text), optional total row.

    Returns
    -------
    dict
        ``id``, ``headers`` (list of str), ``rows`` (lists of ``{"text", "num"}`` cells), ``total`` (cells or None).
    """
    columns = list(headers)
    rows = [[_cell(record[c], formats.get(c)) for c in columns] for record in frame[columns].to_dict("records")]
    total_row = None
    if total is not None:
        total_row = [_cell(total.get(c, ""), formats.get(c) if c in total and not isinstance(total[c], str)
                           else None) for c in columns]
    return {"id": table_id, "headers": [headers[c] for c in columns], "rows": rows, "total": total_row}


def _cell(value: object, formatter: Callable | None) -> dict[str, object]:
    if formatter is None:
        return {"text": str(value), "num": False}
    text = "n/a" if value is None or (isinstance(value, float) and value != value) else formatter(value)
    return {"text": text, "num": True}


def site_level_text(summary: PlanSummary, t, lang: str) -> str | None:
    """The site-level sentence (bound on every plan, this plan's value, their gap), or None without a
    ``site_level`` block (a run without ``--site-level``)."""
    national = summary.site_level
    if not national:
        return None
    gap = national.get("gap")
    return t("site_level_line", bound=number(national["bound"], lang), objective=number(national["objective"], lang),
             unit=t("unit_" + summary.objective_unit),
             gap="n/a" if gap is None else percent(gap, lang, 2))


def status_sentence(summary: PlanSummary, t, lang: str) -> str:
    """The plan's status in words: optimal, time-limited, or improved at site level (outlets moved)."""
    gap = gap_text(summary.gap, lang)
    if summary.status == "site_level":
        national = summary.site_level or {}
        moved = int(national.get("outlets_moved", 0))
        return t("status_site_level", gap=gap, site_gap=gap_text(national.get("gap"), lang),
                 moved=t("n_outlets_one" if moved == 1 else "n_outlets", n=number(moved, lang)))
    if summary.status in ("optimal", "feasible"):
        return t(f"status_{summary.status}", gap=gap)
    return str(summary.status)


def status_spec(result: PlanResult, t, lang: str) -> dict[str, object]:
    """The solver status line (``css`` class, ``warn`` sign, ``text``; ``site_level``: the site-level sentence or
    None); a time-limited (``feasible``) plan is flagged in a warning box."""
    summary = result.summary
    national = site_level_text(summary, t, lang)
    text = status_sentence(summary, t, lang)
    if summary.status in ("optimal", "site_level"):
        return {"css": "ok", "warn": False, "text": text, "site_level": national}
    if summary.status == "feasible":
        return {"css": "warn", "warn": True, "text": text, "site_level": national}
    return {"css": "warn", "warn": False, "text": text, "site_level": national}


def _signed(text: str) -> str:
    return text if text.startswith("-") else "+" + text


def reach_note(numbers: dict, t, lang: str) -> str:
    """How the reach was measured: from the placed sites (with the model's estimate beside it) or by the model."""
    if numbers.get("reach_source") != "sites":
        return t("reach_model")
    note = t("reach_measured", sites=number(numbers.get("sites_placed") or 0, lang))
    if numbers.get("workers_reached_model") is not None:
        note += "; " + t("reach_model_beside", workers=millions(numbers["workers_reached_model"], lang))
    return note


def headline_cards(numbers: dict, t, lang: str) -> list[tuple[str, str]]:
    """(big number, sentence) of each headline card: within reach, gain over one gerai per regency, cost."""
    year, first = numbers["final_year"], numbers["first_year"]
    cards = [(millions(numbers["workers_reached"], lang),
              t("h_reached", year=year) + " " + t("of_total", total=millions(numbers["workers_informal"], lang),
                                                  share=percent(numbers["share"], lang))
              + "; " + reach_note(numbers, t, lang))]
    if numbers["gain_workers"] is not None:
        unit = t("unit_" + numbers["objective_unit"])
        gain = _signed(millions(numbers["gain_workers"], lang))
        detail = t("h_gain", baseline=millions(numbers["baseline_workers"], lang), year=year)
        gain_pct = _signed(percent((numbers["gain_objective_percent"] or 0.0) / 100.0, lang))
        detail += "; " + t("h_gain_obj", objective_unit=unit, first=first, last=year,
                           gain=_signed(millions(numbers["gain_objective"], lang)), pct=gain_pct)
        cards.append((gain, detail))
    totals = numbers["totals"]
    cards.append((idr_billion(numbers["spend_idr"], lang),
                  t("h_cost", first=first, last=year, gerai=totals.get("gerai", 0), kanal=totals.get("kanal", 0))))
    return cards


def _fmt_int(lang: str):
    return lambda value: number(float(value), lang)


def _fmt_share(lang: str):
    return lambda value: percent(float(value), lang)


def _fmt_bn(lang: str):
    return lambda value: number(float(value) / 1e9, lang, 1)


def province_columns(table: pd.DataFrame, t, lang: str) -> tuple[dict, dict, dict]:
    """Headers, cell formats and the total row of the per-province table (shared by HTML and PDF)."""
    headers = {"province_code": t("col_code"), "province_name": t("col_province"),
               "gerai_existing": t("col_existing_gerai"), "gerai_new": t("col_new_gerai"),
               "kanal_new": t("col_new_kanal"), "workers_informal": t("col_workers"),
               "workers_reached": t("col_reached"), "share_reached": t("col_share")}
    integer, share = _fmt_int(lang), _fmt_share(lang)
    formats = {c: integer for c in ("gerai_existing", "gerai_new", "kanal_new", "workers_informal",
                                    "workers_reached")} | {"share_reached": share}
    sums = {c: float(table[c].sum()) for c in formats if c != "share_reached"}
    informal = sums["workers_informal"]
    total = {"province_code": "", "province_name": t("total"), **sums,
             "share_reached": sums["workers_reached"] / informal if informal else None}
    return headers, formats, total


def budget_columns(table: pd.DataFrame, t, lang: str) -> tuple[dict, dict, dict]:
    """Headers, cell formats (billion IDR) and the total row of the per-year budget table."""
    headers = {"year": t("col_year"), "budget": t("col_budget"), "capex": t("col_capex"), "opex": t("col_opex"),
               "spend": t("col_spend"), "budget_left": t("col_left"),
               "marginal_workers_per_billion_idr": t("col_marginal")}
    bn = _fmt_bn(lang)
    formats = {c: bn for c in ("budget", "capex", "opex", "spend", "budget_left")}
    formats["marginal_workers_per_billion_idr"] = _fmt_int(lang)
    formats["year"] = str
    sums = {c: float(table[c].sum()) for c in ("budget", "capex", "opex", "spend", "budget_left")}
    return headers, formats, {"year": t("total"), **sums}


def focus_columns(t, lang: str) -> tuple[dict, dict]:
    """Headers and cell formats of the focus province's tables."""
    headers = {"region_code": t("col_code"), "region_name": t("col_region"),
               "gerai_existing": t("col_existing_gerai"), "gerai_new": t("col_new_gerai"),
               "gerai_when": t("col_when_gerai"), "kanal_new": t("col_new_kanal"), "kanal_when": t("col_when_kanal"),
               "workers_informal": t("col_workers"), "workers_reached": t("col_reached"),
               "share_reached": t("col_share")}
    integer = _fmt_int(lang)
    formats = {c: integer for c in ("gerai_existing", "gerai_new", "kanal_new", "workers_informal",
                                    "workers_reached")} | {"share_reached": _fmt_share(lang)}
    return headers, formats


def focus_tables(summary: pd.DataFrame, detail: pd.DataFrame, t, lang: str) -> dict:
    """The focus province's table (named regencies + the rest) and, folded, every regency of it.

    Returns
    -------
    dict
        ``summary`` and ``detail`` (table specs, see :func:`table_spec`) and ``detail_label``.
    """
    headers, formats = focus_columns(t, lang)
    for frame in (summary, detail):
        for kind in KINDS:
            frame[f"{kind}_when"] = frame[f"{kind}_when"].replace("", t("when_none"))
    return {"summary": table_spec(summary, headers, formats, table_id="focus-table"),
            "detail_label": f"{t('col_region')}: {len(detail)}",
            "detail": table_spec(detail, headers, formats, table_id="focus-detail")}


def assumption_items(result: PlanResult, dataset: RegionDataset, t, lang: str) -> dict[str, list[str]]:
    """Heading -> lines: targets, costs, radii, budgets, rules, data sources and what is estimated."""
    scenario = result.summary.scenario
    years = scenario["years"]
    items = {t("a_targets"): [f"{kind}: " + t("a_target_text", target=scenario[kind]["target"],
                                              mode=scenario[kind]["target_mode"]) + "; "
                              + t("a_existing", count=result.summary.existing.get(kind, 0)) for kind in KINDS],
             t("a_costs"): [f"{kind}: {t('a_capex')} {idr_billion(scenario[kind]['capex_idr'], lang, 3)}, "
                            f"{t('a_opex')} {idr_billion(scenario[kind]['opex_idr_per_year'], lang, 3)}"
                            for kind in KINDS],
             t("a_radii"): [f"{kind}: {number(scenario[kind]['radius_km'], lang, 1)} km" for kind in KINDS],
             t("a_budget"): [", ".join(f"{year}: {idr_billion(amount * scenario['budget_scale'], lang)}"
                                       for year, amount in zip(years, scenario["budget_idr"], strict=True))
                             + f" (x {number(scenario['budget_scale'], lang, 2)})"],
             t("a_rules"): _rules(result, t, lang),
             t("a_data"): [source_line(dataset, t), str(dataset.source)],
             t("a_estimated"): _estimated(dataset, t)}
    return items


def _rules(result: PlanResult, t, lang: str) -> list[str]:
    scenario = result.summary.scenario
    locks = ", ".join(f"{lock['region_code']} {lock['kind']} {lock['year']} x{lock['count']}"
                      for lock in scenario.get("locks", [])) or t("when_none")
    return [t("a_growth", rate=percent(scenario["population_growth_rate"], lang, 2),
              year=scenario["base_population_year"]),
            t("a_province_min", n=scenario["province_min_gerai"], year=scenario["years"][-1]),
            t("a_kanal_rule", rule=scenario["kanal_requires_gerai"]),
            t("a_carry", value=t("yes") if scenario["budget_carry_over"] else t("no")),
            t("a_reach_model", model=result.summary.reach_model),
            t("a_objective", objective=scenario["objective"]), t("a_locks", locks=locks)]


def _estimated(dataset: RegionDataset, t) -> list[str]:
    regions = dataset.regions
    total = len(regions)
    lines = []
    for column, key in (("population_estimated", "a_est_population"), ("geometry_approximate", "a_est_geometry")):
        count = int(regions[column].sum()) if column in regions.columns else 0
        if count:
            lines.append(t(key, n=count, total=total))
    if not lines:
        lines.append(t("a_est_nothing"))
    lines.append(t("a_est_workers"))
    return lines


def solver_detail(result: PlanResult, t, lang: str) -> str:
    """One line: solver, objective and bound, build and solve seconds."""
    summary = result.summary
    unit = t("unit_" + summary.objective_unit)
    bound = summary.bound
    detail = t("status_detail", solver=summary.solver, objective=number(summary.objective, lang),
               unit=unit, bound="n/a" if bound is None else number(bound, lang),
               build=float(summary.build_seconds), solve=float(summary.solve_seconds))
    return detail
