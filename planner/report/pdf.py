"""report.pdf: the management report as A4 pages a manager can print (matplotlib's PDF backend, no system
packages).

Pages: a cover (title, status and proven gap, headline numbers), one page per map (the figures already drawn
for the PNGs and report.html, placed on A4 landscape), the focus province (Palembang branch) table, the
per-province table, the per-year budget table with the spending chart, and the assumptions with the solver's
status. Tables, headline and assumption lines are the ones report.html shows
(:mod:`planner.report.html_sections`).
"""

from __future__ import annotations

import datetime as _dt
import io
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.figures import MAPS, render_figures
from planner.report.focus import check_focus
from planner.report.html_sections import (
    assumption_items,
    budget_columns,
    focus_columns,
    headline_cards,
    province_columns,
    site_level_text,
    solver_detail,
    status_sentence,
)
from planner.report.i18n import translator
from planner.report.mapkit import source_line
from planner.report.tables import budget_table, focus_table, headline, province_table

A4_PORTRAIT = (8.27, 11.69)
A4_LANDSCAPE = (11.69, 8.27)
BLUE, OK_GREEN, WARN = "#0072B2", "#009E73", "#D55E00"
#: The figures (drawn at 200 dpi) go into the PDF at 150 dpi: sharp on paper, and a quarter of the 200 dpi
#: pixels to compress (the PDF is written in about half the time).
PDF_SCALE = 0.75
#: The map figures of the PDF, in page order (``unreached`` only when the result has it).
PDF_MAPS = ("national", "rollout", "reach", "unreached", "focus")


class _Pages:
    """A PdfPages with numbered A4 pages and a common footer."""

    def __init__(self, pdf: PdfPages, footer: str, t):
        self.pdf, self.footer, self.t, self.count = pdf, footer, t, 0

    def new(self, size: tuple[float, float] = A4_PORTRAIT) -> Figure:
        return plt.figure(figsize=size)

    def save(self, fig: Figure) -> None:
        self.count += 1
        footer = textwrap.shorten(self.footer, int(fig.get_figwidth() * 15))
        fig.text(0.5, 0.012, f"{footer}  ·  {self.t('pdf_page', n=self.count)}", ha="center", va="bottom",
                 fontsize=7.5, color="#555555")
        self.pdf.savefig(fig)
        plt.close(fig)


def _cover(pages: _Pages, result: PlanResult, thumbnail: bytes | None, focus: str, t, lang: str) -> None:
    numbers = headline(result)
    fig = pages.new()
    scenario = result.summary.scenario
    fig.text(0.08, 0.93, t("report_title", first=numbers["first_year"], last=numbers["final_year"]),
             fontsize=20, fontweight="bold", va="top")
    sub = t("scenario_line", name=scenario["name"], description=scenario["description"])
    fig.text(0.08, 0.885, textwrap.fill(sub, 95) + f"\n{_dt.date.today().isoformat()}", fontsize=9.5, va="top",
             color="#444444")
    optimal = result.summary.status in ("optimal", "site_level")
    status = textwrap.fill(status_sentence(result.summary, t, lang), 76)
    fig.text(0.08, 0.80, status, fontsize=11, fontweight="bold", va="top", color="#1a1a1a",
             bbox={"boxstyle": "round,pad=0.6", "facecolor": "#e6f2ea" if optimal else "#fff3e0",
                   "edgecolor": OK_GREEN if optimal else WARN}, gid="status")
    below = 0.74 - 0.02 * status.count("\n")  # a longer status (outlets moved at site level) wraps
    fig.text(0.08, below, t("headline"), fontsize=14, fontweight="bold", va="top", color=BLUE)
    y = below - 0.04
    for big, text in headline_cards(numbers, t, lang):
        fig.text(0.08, y, big, fontsize=22, fontweight="bold", color=BLUE, va="top", gid="headline")
        wrapped = textwrap.fill(text, 62)
        fig.text(0.08, y - 0.045, wrapped, fontsize=10, va="top")
        y -= 0.075 + 0.016 * wrapped.count("\n")
    contents = [t("maps"), t("branch_16") if focus == "16" else t("branch_other"), t("provinces"),
                t("budget_table"), f"{t('assumptions')}, {t('solver').lower()}"]
    fig.text(0.62, below, t("pdf_contents"), fontsize=12, fontweight="bold", va="top", color=BLUE)
    fig.text(0.62, below - 0.04, "\n".join(f"•  {line}" for line in contents), fontsize=10, va="top",
             linespacing=1.6)
    if thumbnail is not None:
        ax = fig.add_axes([0.06, 0.05, 0.88, y - 0.08])
        ax.imshow(_pixels(thumbnail, 0.5), interpolation="none")
        ax.set_axis_off()
        ax.set_gid("map")
    pages.save(fig)


def _pixels(png: bytes, scale: float = PDF_SCALE) -> np.ndarray:
    """RGB pixels of a PNG, resampled by ``scale`` (embedded as they are: ``interpolation="none"``)."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        if scale != 1.0:
            rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS)
        return np.asarray(rgb)


def _image_page(pages: _Pages, png: bytes, caption: str) -> None:
    image = _pixels(png)
    height, width = image.shape[:2]
    size = A4_LANDSCAPE if width >= height else A4_PORTRAIT
    fig = pages.new(size)
    ax = fig.add_axes([0.03, 0.07, 0.94, 0.90])
    ax.imshow(image, interpolation="none")
    ax.set_axis_off()
    ax.set_gid("map")
    fig.text(0.03, 0.035, textwrap.fill(caption, 150), fontsize=9, color="#333333", va="bottom")
    pages.save(fig)


def _cells(frame: pd.DataFrame, headers: dict, formats: dict, total: dict | None) -> list[list[str]]:
    def cell(value, formatter) -> str:
        if formatter is None or isinstance(value, str):
            return str(value)
        if value is None or (isinstance(value, float) and value != value):
            return "n/a"
        return formatter(value)

    rows = [[cell(record[c], formats.get(c)) for c in headers] for record in frame[list(headers)].to_dict("records")]
    if total is not None:
        rows.append([cell(total.get(c, ""), formats.get(c)) for c in headers])
    return rows


def _table(fig: Figure, rect: list[float], frame: pd.DataFrame, headers: dict, formats: dict,
           total: dict | None = None, fontsize: float = 7.5, widths: list[float] | None = None) -> None:
    """Draw a table as plain text cells and rules in ``rect`` (left, bottom, width, height; figure fraction).

    Rows get equal heights; numeric columns are right-aligned. (matplotlib.table lays out every cell again at
    each draw and took most of the PDF's time.)
    """
    rows = _cells(frame, headers, formats, total)
    left, bottom, width, height = rect
    widths = widths or [1.0 / len(headers)] * len(headers)
    scale = width / sum(widths)
    edges = np.r_[left, left + np.cumsum(widths) * scale]
    numeric = [column in formats and formats[column] is not str for column in headers]
    labels = [textwrap.fill(str(label), max(6, int(width_ * scale * fig.get_figwidth() * 72 / fontsize / 0.6)))
              for label, width_ in zip(headers.values(), widths, strict=True)]
    header_lines = max(label.count("\n") + 1 for label in labels)
    unit = height / (len(rows) + 1.15 * header_lines)
    top = bottom + height
    head = top - 1.15 * header_lines * unit
    fig.patches.append(Rectangle((left, head), width, top - head, transform=fig.transFigure, facecolor="#eeeeee",
                                 edgecolor="none", zorder=0))
    rules = [[(left, top - 1.15 * header_lines * unit - i * unit), (left + width, top - 1.15 * header_lines * unit
                                                                  - i * unit)] for i in range(len(rows) + 1)]
    fig.add_artist(LineCollection([[(left, top), (left + width, top)], *rules], colors="#bbbbbb", linewidths=0.4,
                                  transform=fig.transFigure, gid="table"))
    pad = 0.004
    for column, label in enumerate(labels):
        x, align = (edges[column + 1] - pad, "right") if numeric[column] else (edges[column] + pad, "left")
        fig.text(x, (top + head) / 2, label, ha=align, va="center", fontsize=fontsize, fontweight="bold",
                 multialignment=align)
        for index, row in enumerate(rows):
            bold = total is not None and index == len(rows) - 1
            fig.text(x, head - (index + 0.5) * unit, row[column], ha=align, va="center", fontsize=fontsize,
                     fontweight="bold" if bold else "normal")


def _heading(fig: Figure, title: str, y: float = 0.955, note: str | None = None) -> None:
    fig.text(0.05, y, title, fontsize=14, fontweight="bold", color=BLUE, va="top")
    if note:
        fig.text(0.05, y - 0.03, textwrap.fill(note, 120), fontsize=8.5, color="#444444", va="top")


def _focus_page(pages: _Pages, result: PlanResult, dataset: RegionDataset, focus: str, t, lang: str) -> None:
    name = dataset.provinces.loc[dataset.provinces["province_code"] == focus, "province_name"].iloc[0]
    branch = t("branch_16") if focus == "16" else t("branch_other")
    headers, formats = focus_columns(t, lang)
    fig = pages.new(A4_LANDSCAPE)
    _heading(fig, t("focus_section", province=name, branch=branch), note=t("focus_intro"))
    for frame, rect in ((focus_table(result, dataset, focus, rest_label=t("rest_of", province=name)),
                         [0.05, 0.62, 0.90, 0.27]),
                        (focus_table(result, dataset, focus, detail=True), [0.05, 0.06, 0.90, 0.525])):
        for kind in ("gerai", "kanal"):
            frame[f"{kind}_when"] = frame[f"{kind}_when"].replace("", t("when_none"))
        frame["region_name"] = frame["region_name"].str.slice(0, 34)
        _table(fig, rect, frame, headers, formats, fontsize=7.0,
               widths=[0.05, 0.17, 0.06, 0.06, 0.16, 0.06, 0.16, 0.10, 0.10, 0.06])
    fig.text(0.05, 0.595, f"{t('col_region')}: {t('pdf_every_region', province=name)}", fontsize=10,
             fontweight="bold", va="bottom")
    pages.save(fig)


def _province_page(pages: _Pages, result: PlanResult, dataset: RegionDataset, t, lang: str) -> None:
    table = province_table(result, dataset)
    headers, formats, total = province_columns(table, t, lang)
    fig = pages.new()
    _heading(fig, t("provinces"), note=headline_cards(headline(result), t, lang)[0][1])
    rows = len(table) + 2
    height = min(0.86, 0.0215 * rows)
    _table(fig, [0.05, 0.90 - height, 0.90, height], table, headers, formats, total,
           widths=[0.06, 0.26, 0.09, 0.09, 0.09, 0.15, 0.15, 0.11])
    pages.save(fig)


def _budget_page(pages: _Pages, result: PlanResult, images: Mapping[str, bytes], t, lang: str) -> None:
    table = budget_table(result)
    headers, formats, total = budget_columns(table, t, lang)
    fig = pages.new()
    _heading(fig, t("budget_table"), note=t("idr_bn"))
    _table(fig, [0.05, 0.70, 0.90, 0.20], table, headers, formats, total, fontsize=8.5)
    if "spend" in images:
        ax = fig.add_axes([0.05, 0.08, 0.90, 0.58])
        ax.imshow(_pixels(images["spend"]), interpolation="none")
        ax.set_axis_off()
    pages.save(fig)


def _assumptions_page(pages: _Pages, result: PlanResult, dataset: RegionDataset, t, lang: str) -> None:
    fig = pages.new()
    _heading(fig, t("assumptions"))
    lines: list[tuple[str, bool]] = []
    for title, items in assumption_items(result, dataset, t, lang).items():
        lines.append((title, True))
        lines += [(textwrap.fill(item, 105, initial_indent="•  ", subsequent_indent="    "), False) for item in items]
    lines.append((t("solver"), True))
    status = status_sentence(result.summary, t, lang)
    lines += [(textwrap.fill("•  " + status, 105), False),
              (textwrap.fill("•  " + solver_detail(result, t, lang), 105, subsequent_indent="    "), False)]
    national = site_level_text(result.summary, t, lang)
    if national:
        lines.append((textwrap.fill("•  " + national, 105, subsequent_indent="    "), False))
    y = 0.91
    for text, bold in lines:
        y -= 0.012 if bold else 0.0
        fig.text(0.06, y, text, fontsize=10.5 if bold else 8.5, fontweight="bold" if bold else "normal",
                 va="top", gid="heading" if bold else None)
        y -= 0.0165 * (text.count("\n") + 1) + (0.004 if bold else 0.002)
    pages.save(fig)


def write_report_pdf(result: PlanResult, dataset: RegionDataset, path: str | Path,
                     images: Mapping[str, bytes] | None = None, *, focus: str = "16", lang: str = "en",
                     progress: Callable[[str], None] | None = None) -> Path:
    """Write report.pdf: A4 pages with the headline, maps, tables, assumptions, status and proven gap.

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset
        The regions the plan was made for.
    path : str or pathlib.Path
        The ``.pdf`` file to write.
    images : mapping, optional
        Figure name -> PNG bytes (as drawn for the report); missing ones are drawn.
    focus : str
        Province code of the close-up (``"16"``: the Palembang branch).
    lang : str
        ``"en"`` or ``"id"``.
    progress : callable, optional

    Returns
    -------
    pathlib.Path
        ``path``; the PDF has at least six pages (cover, four maps, focus, provinces, budget, assumptions).
    """
    focus = check_focus(dataset, focus)
    t = translator(lang)
    images = dict(images or {})
    wanted = [name for name in (*MAPS, "spend", "unreached") if name not in images]
    if result.unreached is None and "unreached" in wanted:
        wanted.remove("unreached")
    if wanted:
        images.update(render_figures(result, dataset, focus=focus, lang=lang, names=tuple(wanted),
                                     progress=progress))
    path = Path(path)
    footer = f"{t('report_title', first=min(result.allocation['year']), last=max(result.allocation['year']))}  ·  " \
             f"{source_line(dataset, t)}"
    with PdfPages(path, metadata={"Title": t("report_title", first=min(result.allocation["year"]),
                                                            last=max(result.allocation["year"])),
                                  "Creator": "planner"}) as pdf:
        pages = _Pages(pdf, footer, t)
        _cover(pages, result, images.get("national"), focus, t, lang)
        for name in PDF_MAPS:
            if name in images:
                _image_page(pages, images[name], t(f"cap_{name}"))
        _focus_page(pages, result, dataset, focus, t, lang)
        _province_page(pages, result, dataset, t, lang)
        _budget_page(pages, result, images, t, lang)
        _assumptions_page(pages, result, dataset, t, lang)
    return path
