"""The writers ``planner run --out DIR`` calls inside its staging folder: figures, GIS files, Excel, report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.export import write_allocation_gpkg, write_sites_gpkg, write_tables_xlsx
from planner.report.figures import CHARTS, MAPS, render_figures, save_images
from planner.report.focus import check_focus
from planner.report.html import write_report_html
from planner.report.i18n import check_lang
from planner.report.interactive import write_map_html
from planner.report.pdf import write_report_pdf

Writer = Callable[[PlanResult, Path], None]


def report_writers(dataset: RegionDataset, *, focus: str = "16", lang: str = "en", interactive: bool = True,
                   progress: Callable[[str], None] | None = None) -> list[Writer]:
    """Writers for ``write_results(result, out, extras)``: maps, charts, GIS files, Excel and the report.

    Each writer is called as ``writer(result, folder)`` and writes, under ``folder``:

    - ``maps/national_allocation.png``, ``maps/rollout_by_year.png``, ``maps/reach_share_and_gain.png``,
      ``maps/unreached.png`` (when sites were placed), ``maps/focus_<focus>.png`` and
      ``charts/spend_vs_budget.png``, ``charts/workers_reached.png``,
      ``charts/marginal_value_of_budget.png`` (PNG, 200 dpi);
    - ``allocation.gpkg`` (layers ``allocation`` and ``provinces``) and, when the result has sites,
      ``sites.gpkg``;
    - ``tables.xlsx``;
    - ``report.html`` (self-contained, figures embedded) and ``report.pdf`` (A4 pages);
    - ``map.html`` (interactive, self-contained, works offline) unless ``interactive`` is False.

    Parameters
    ----------
    dataset : RegionDataset
        The regions the plan is made for.
    focus : str
        Province code of the close-up map and report section (``"16"``: South Sumatra, Palembang branch).
    lang : str
        ``"en"`` or ``"id"``.
    interactive : bool
        Write ``map.html`` (``planner run --no-interactive`` skips it).
    progress : callable, optional
        Called with a short message at each step.

    Returns
    -------
    list of callables

    Raises
    ------
    planner.errors.InputError
        On an unknown language or a focus code that is not a province of ``dataset``.

    Examples
    --------
    >>> from planner.allocation.results import write_results                      # doctest: +SKIP
    >>> write_results(plan(), "out", report_writers(load_dataset()))   # doctest: +SKIP
    """
    check_lang(lang)
    focus = check_focus(dataset, focus)
    say = progress or (lambda message: None)
    drawn: dict[str, object] = {}

    def figures(result: PlanResult, folder: Path) -> None:
        images = render_figures(result, dataset, focus=focus, lang=lang, names=MAPS + CHARTS, progress=say)
        save_images(images, folder, focus)
        drawn.update(result=result, images=images)

    def gis(result: PlanResult, folder: Path) -> None:
        say("writing allocation.gpkg" + (" and sites.gpkg" if result.sites is not None else ""))
        write_allocation_gpkg(result, dataset, Path(folder) / "allocation.gpkg")
        write_sites_gpkg(result, Path(folder) / "sites.gpkg")

    def excel(result: PlanResult, folder: Path) -> None:
        say("writing tables.xlsx")
        write_tables_xlsx(result, dataset, Path(folder) / "tables.xlsx", focus)

    def report(result: PlanResult, folder: Path) -> None:
        say("writing report.html")
        images = drawn.get("images") if drawn.get("result") is result else None
        write_report_html(result, dataset, Path(folder) / "report.html", images, focus=focus, lang=lang,
                          progress=say, map_link="map.html" if interactive else None)
        say("writing report.pdf")
        write_report_pdf(result, dataset, Path(folder) / "report.pdf", images, focus=focus, lang=lang, progress=say)

    def web_map(result: PlanResult, folder: Path) -> None:
        say("writing map.html")
        write_map_html(result, dataset, Path(folder) / "map.html", lang=lang, progress=say)

    return [figures, gis, excel, report] + ([web_map] if interactive else [])
