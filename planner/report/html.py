"""The management report: ONE self-contained HTML file (images embedded), readable offline.

Sections: headline, status, maps, charts, per-province table, per-year budget, the focus province (the
Palembang branch for South Sumatra), assumptions and data, solver status with its proven gap.

The page is rendered from ``templates/report.html.j2`` (:mod:`planner.report.templating`): autoescaped, so a
region or scenario name is always shown as text, never read as HTML.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.figures import CHARTS, MAPS, render_figures
from planner.report.focus import check_focus
from planner.report.html_sections import (
    assumption_items,
    budget_columns,
    figure_spec,
    focus_tables,
    headline_cards,
    province_columns,
    solver_detail,
    status_spec,
    table_spec,
)
from planner.report.i18n import translator
from planner.report.tables import budget_table, focus_table, headline, province_table
from planner.report.templating import render

TEMPLATE = "report.html.j2"


def _focus_section(result: PlanResult, dataset: RegionDataset, focus: str, png: bytes | None, t, lang: str) -> dict:
    name = dataset.provinces.loc[dataset.provinces["province_code"] == focus, "province_name"].iloc[0]
    branch = t("branch_16") if focus == "16" else t("branch_other")
    rest = t("rest_of", province=name)
    summary = focus_table(result, dataset, focus, rest_label=rest)
    detail = focus_table(result, dataset, focus, detail=True)
    return {"title": t("focus_section", province=name, branch=branch), "intro": t("focus_intro"),
            **focus_tables(summary, detail, t, lang),
            "figure": figure_spec(png, t("cap_focus"), t("cap_focus"), "focus-map") if png else None}


def _figures_section(section: str, title: str, names: tuple[str, ...], images: Mapping[str, bytes], t) -> dict:
    return {"id": section, "title": title,
            "figures": [figure_spec(images[name], t(f"cap_{name}"), t(f"cap_{name}"), f"fig-{name}")
                        for name in names if name in images and name != "focus"]}


def _tables(result: PlanResult, dataset: RegionDataset, t, lang: str) -> dict:
    provinces = province_table(result, dataset)
    headers, formats, total = province_columns(provinces, t, lang)
    budget = budget_table(result)
    budget_headers, budget_formats, budget_total = budget_columns(budget, t, lang)
    return {"provinces": {"title": t("provinces"),
                          "table": table_spec(provinces, headers, formats, total=total, table_id="province-table")},
            "budget": {"title": t("budget_table"), "note": t("idr_bn"),
                       "table": table_spec(budget, budget_headers, budget_formats, total=budget_total,
                                           table_id="budget-table")}}


def report_context(result: PlanResult, dataset: RegionDataset, images: Mapping[str, bytes], *, focus: str = "16",
                   lang: str = "en", map_link: str | None = None) -> dict:
    """Everything ``templates/report.html.j2`` shows, as formatted text, table cells and base64 figures."""
    t = translator(lang)
    numbers = headline(result)
    scenario = result.summary.scenario
    sha = result.summary.manifest.get("scenario_sha256", "?")[:12]
    return {
        "lang": lang, "title": t("report_title", first=numbers["first_year"], last=numbers["final_year"]),
        "subtitle": t("scenario_line", name=scenario["name"], description=scenario["description"]),
        "date": _dt.date.today().isoformat(), "status": status_spec(result, t, lang),
        "headline": {"title": t("headline"),
                     "cards": [{"big": big, "text": text} for big, text in headline_cards(numbers, t, lang)]},
        "map_link": {"href": map_link, "text": t("map_link_text"), "note": t("map_link_note")} if map_link else None,
        "figure_sections": [_figures_section("maps", t("maps"), MAPS, images, t),
                            _figures_section("charts", t("charts"), CHARTS, images, t)],
        **_tables(result, dataset, t, lang),
        "focus": _focus_section(result, dataset, focus, images.get("focus"), t, lang),
        "assumptions": {"title": t("assumptions"), "groups": list(assumption_items(result, dataset, t, lang).items())},
        "solver": {"title": t("solver"), "detail": solver_detail(result, t, lang)},
        "footer": t("footer", version=_version(), sha=sha),
    }


def report_html(result: PlanResult, dataset: RegionDataset, images: Mapping[str, bytes], *, focus: str = "16",
                lang: str = "en", map_link: str | None = None) -> str:
    """The report page as one HTML string (figures given as PNG bytes by name, see ``FIGURE_FILES``); with
    ``map_link`` (a relative URL, e.g. ``map.html``) it links to the interactive map."""
    return render(TEMPLATE, **report_context(result, dataset, images, focus=focus, lang=lang, map_link=map_link))


def _version() -> str:
    try:
        return metadata.version("planner")
    except metadata.PackageNotFoundError:
        return "?"


def write_report_html(result: PlanResult, dataset: RegionDataset, path: str | Path,
                      images: Mapping[str, bytes] | None = None, *, focus: str = "16", lang: str = "en",
                      progress: Callable[[str], None] | None = None, map_link: str | None = None) -> Path:
    """Write the self-contained management report (figures embedded as base64 PNG).

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset
        The regions the plan was made for.
    path : str or pathlib.Path
        The ``.html`` file to write.
    images : mapping, optional
        Figure name -> PNG bytes (keys of ``planner.report.figures.FIGURE_FILES``); missing ones are drawn.
    focus : str
        Province code of the close-up section (``"16"``: South Sumatra, the Palembang branch).
    lang : str
        ``"en"`` or ``"id"``.
    progress : callable, optional
    map_link : str, optional
        Relative URL of the interactive map written beside the report (``map.html``).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    focus = check_focus(dataset, focus)
    images = dict(images or {})
    missing = tuple(name for name in MAPS + CHARTS if name not in images)
    if missing:
        images.update(render_figures(result, dataset, focus=focus, lang=lang, names=missing, progress=progress))
    path = Path(path)
    path.write_text(report_html(result, dataset, images, focus=focus, lang=lang, map_link=map_link),
                    encoding="utf-8")
    return path
