"""Report layer: plan tables + regions in; maps, charts, GIS/Excel files and the HTML report out. No solving.

Public entry points (all take a :class:`~planner.allocation.results.PlanResult` and, for maps, the
:class:`~planner.regions.RegionDataset` it was planned on):

- maps: :func:`national_map`, :func:`rollout_map`, :func:`reach_map`, :func:`focus_map`,
  :func:`comparison_map` -> Figure
- charts: :func:`spend_chart`, :func:`reach_chart`, :func:`marginal_chart` -> Figure
- tables: :func:`province_table`, :func:`budget_table`, :func:`focus_table`, :func:`headline`,
  :func:`comparison_table`
- maps: also :func:`unreached_map` (where the informal workers beyond reach live)
- interactive: :func:`explore` (a folium map, shows inline in a notebook), :func:`write_map_html`
- files: :func:`write_report_html`, :func:`write_report_pdf`, :func:`write_map_html`,
  :func:`write_allocation_gpkg`, :func:`write_sites_gpkg`, :func:`write_tables_xlsx`, :func:`render_figures`
- :func:`report_writers`: what ``planner run --out DIR`` writes besides the CSV tables.
"""

from planner.report.charts import marginal_chart, reach_chart, spend_chart
from planner.report.export import allocation_regions, write_allocation_gpkg, write_sites_gpkg, write_tables_xlsx
from planner.report.figures import FIGURE_FILES, figure_png, render_figures
from planner.report.focus import focus_map
from planner.report.html import report_html, write_report_html
from planner.report.interactive import explore, map_html, write_map_html
from planner.report.maps import comparison_map, national_map, reach_map, rollout_map
from planner.report.pdf import write_report_pdf
from planner.report.tables import budget_table, comparison_table, focus_table, headline, province_table
from planner.report.unreached import unreached_grid, unreached_map
from planner.report.writers import report_writers

__all__ = [
    "FIGURE_FILES", "allocation_regions", "budget_table", "comparison_map", "comparison_table", "explore",
    "figure_png", "focus_map", "focus_table", "headline", "map_html", "marginal_chart", "national_map",
    "province_table", "reach_chart", "reach_map", "render_figures", "report_html", "report_writers", "rollout_map",
    "spend_chart", "unreached_grid", "unreached_map", "write_allocation_gpkg", "write_map_html",
    "write_report_html", "write_report_pdf", "write_sites_gpkg", "write_tables_xlsx",
]
