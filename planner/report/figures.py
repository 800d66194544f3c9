"""Every figure of the report: which function draws it, the file it is written to, and PNG rendering."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from planner.allocation.results import PlanResult
from planner.regions import RegionDataset
from planner.report.charts import marginal_chart, reach_chart, spend_chart
from planner.report.focus import focus_map
from planner.report.layers import focus_layers, national_layers
from planner.report.mapkit import DPI
from planner.report.maps import national_map, reach_map, rollout_map
from planner.report.unreached import unreached_map

#: Figure name -> file inside the results folder (``{focus}`` = province code).
FIGURE_FILES = {
    "national": "maps/national_allocation.png",
    "rollout": "maps/rollout_by_year.png",
    "reach": "maps/reach_share_and_gain.png",
    "unreached": "maps/unreached.png",
    "focus": "maps/focus_{focus}.png",
    "spend": "charts/spend_vs_budget.png",
    "reach_chart": "charts/workers_reached.png",
    "marginal": "charts/marginal_value_of_budget.png",
}
MAPS = ("national", "rollout", "reach", "unreached", "focus")
CHARTS = ("spend", "reach_chart", "marginal")


def figure_file(name: str, focus: str) -> str:
    """Relative path of figure ``name`` in a results folder."""
    return FIGURE_FILES[name].format(focus=focus)


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """PNG bytes of ``fig`` at ``dpi`` (metadata records the dpi); the figure is closed."""
    stream = io.BytesIO()
    try:
        fig.savefig(stream, format="png", dpi=dpi, facecolor="white")
    finally:
        plt.close(fig)
    return stream.getvalue()


def render_figures(result: PlanResult, dataset: RegionDataset, *, focus: str = "16", lang: str = "en",
                   names: tuple[str, ...] = MAPS + CHARTS,
                   progress: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """Draw the named figures and return their PNG bytes (maps share one projection of the regions).

    Parameters
    ----------
    result : PlanResult
    dataset : RegionDataset
    focus : str
        Province code of the close-up.
    lang : str
        ``"en"`` or ``"id"``.
    names : tuple of str
        Keys of ``FIGURE_FILES``.
    progress : callable, optional
        Called with a short message per figure.

    Returns
    -------
    dict
        Name -> PNG bytes (``DPI`` dots per inch). ``unreached`` is left out when the result has no
        ``unreached`` table (no sites were placed).
    """
    say = progress or (lambda message: None)
    if result.unreached is None:
        names = tuple(name for name in names if name != "unreached")
    national = (national_layers(result, dataset) if set(names) & {"national", "rollout", "reach", "unreached"}
                else None)
    drawers = {
        "national": lambda: national_map(result, dataset, lang, layers=national),
        "rollout": lambda: rollout_map(result, dataset, lang, layers=national),
        "reach": lambda: reach_map(result, dataset, lang, layers=national),
        "unreached": lambda: unreached_map(result, dataset, lang, layers=national),
        "focus": lambda: focus_map(result, dataset, focus, lang, layers=focus_layers(result, dataset, focus)),
        "spend": lambda: spend_chart(result, lang),
        "reach_chart": lambda: reach_chart(result, lang),
        "marginal": lambda: marginal_chart(result, lang),
    }
    images = {}
    for name in names:
        say(f"drawing {figure_file(name, focus)}")
        images[name] = figure_png(drawers[name]())
    return images


def save_images(images: dict[str, bytes], folder: Path, focus: str) -> list[Path]:
    """Write PNG bytes to their files under ``folder`` (creating ``maps/`` and ``charts/``)."""
    written = []
    for name, png in images.items():
        path = Path(folder) / figure_file(name, focus)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        written.append(path)
    return written
