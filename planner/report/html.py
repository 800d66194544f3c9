"""The management report: ONE self-contained HTML file (images embedded), readable offline.

Sections: headline, status, maps, charts, per-province table, per-year budget, the focus province (the
Palembang branch for South Sumatra), assumptions and data, solver status with its proven gap.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from html import escape
from importlib import metadata
from pathlib import Path

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.figures import CHARTS, MAPS, render_figures
from planner.report.focus import check_focus
from planner.report.html_sections import (
    assumptions_section,
    budget_section,
    focus_tables,
    headline_section,
    image,
    province_section,
    solver_section,
    status_banner,
)
from planner.report.i18n import translator
from planner.report.tables import budget_table, focus_table, headline, province_table

CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1180px;
padding:0 24px 48px;color:#1a1a1a;line-height:1.45}
h1{font-size:1.7em;margin:24px 0 4px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:36px}
h3{margin:18px 0 6px;font-size:1.05em}.sub{color:#555;margin:0 0 12px}
.status{padding:10px 14px;border-radius:6px;font-weight:600}.ok{background:#e6f2ea;border:1px solid #009E73}
.warn{background:#fff3e0;border:2px solid #D55E00;color:#8a3300}
.cards{display:flex;gap:16px;flex-wrap:wrap}.card{flex:1 1 280px;border:1px solid #ccc;border-radius:8px;
padding:14px;background:#fafafa}.big{font-size:1.9em;font-weight:700;color:#0072B2}
figure{margin:18px 0}img{max-width:100%;height:auto;border:1px solid #ddd}figcaption{color:#555;font-size:.92em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:8px 0}th,td{border-bottom:1px solid #ddd;
padding:4px 8px;text-align:left;vertical-align:top}th{background:#f0f0f0}td.num{text-align:right;
font-variant-numeric:tabular-nums}tr.total td{font-weight:700;border-top:2px solid #999}.note{color:#555;margin:0}
footer{margin-top:40px;color:#666;font-size:.85em}
.maplink{font-size:1.1em;margin:18px 0}.maplink a{font-weight:700;color:#0072B2}
@media print{h2{page-break-before:auto}figure{page-break-inside:avoid}}
"""


def _focus_section(result: PlanResult, dataset: RegionDataset, focus: str, png: bytes | None, t, lang: str) -> str:
    name = dataset.provinces.loc[dataset.provinces["province_code"] == focus, "province_name"].iloc[0]
    branch = t("branch_16") if focus == "16" else t("branch_other")
    rest = t("rest_of", province=name)
    summary = focus_table(result, dataset, focus, rest_label=rest)
    detail = focus_table(result, dataset, focus, detail=True)
    figure = image(png, t("cap_focus"), t("cap_focus"), "focus-map") if png else ""
    return (f'<section id="focus"><h2>{escape(t("focus_section", province=name, branch=branch))}</h2>'
            f'<p>{escape(t("focus_intro"))}</p>{focus_tables(summary, detail, t, lang)}{figure}</section>')


def _figures_section(section: str, title: str, names: tuple[str, ...], images: Mapping[str, bytes], t) -> str:
    body = "".join(image(images[name], t(f"cap_{name}"), t(f"cap_{name}"), f"fig-{name}")
                   for name in names if name in images and name != "focus")
    return f'<section id="{section}"><h2>{escape(title)}</h2>{body}</section>'


def report_html(result: PlanResult, dataset: RegionDataset, images: Mapping[str, bytes], *, focus: str = "16",
                lang: str = "en", map_link: str | None = None) -> str:
    """The report page as one HTML string (figures given as PNG bytes by name, see ``FIGURE_FILES``); with
    ``map_link`` (a relative URL, e.g. ``map.html``) it links to the interactive map."""
    t = translator(lang)
    numbers = headline(result)
    scenario = result.summary["scenario"]
    title = t("report_title", first=numbers["first_year"], last=numbers["final_year"])
    sha = result.summary.get("manifest", {}).get("scenario_sha256", "?")[:12]
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(t("scenario_line", name=scenario["name"], description=scenario["description"]))}'
        f" &middot; {_dt.date.today().isoformat()}</p>",
        status_banner(result, t, lang),
        headline_section(numbers, t, lang),
        _map_link(map_link, t),
        _figures_section("maps", t("maps"), MAPS, images, t),
        _figures_section("charts", t("charts"), CHARTS, images, t),
        province_section(province_table(result, dataset), t, lang),
        budget_section(budget_table(result), t, lang),
        _focus_section(result, dataset, focus, images.get("focus"), t, lang),
        assumptions_section(result, dataset, t, lang),
        solver_section(result, t, lang),
        f"<footer>{escape(t('footer', version=_version(), sha=sha))}</footer>",
    ]
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n")


def _map_link(href: str | None, t) -> str:
    if not href:
        return ""
    return (f'<p class="maplink" id="map-link"><a href="{escape(href, quote=True)}">{escape(t("map_link_text"))}</a>'
            f" {escape(t('map_link_note'))}</p>")


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
