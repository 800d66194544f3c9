"""Map labels that do not collide: each label tries positions around its anchor, nearest first.

A small hand-written alternative to adjustText: labels are placed one by one in priority order; a
position is accepted when its box (with a margin) stays inside the axes and overlaps no label or marker
already there. Labels moved away from their anchor get a thin leader line. Required labels that find no
free position take the least-overlapping one; optional labels are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.patheffects as effects
import numpy as np
from matplotlib.axes import Axes
from matplotlib.transforms import Bbox

RADII_PT = (0.0, 9.0, 16.0, 26.0, 38.0, 52.0, 70.0)
ANGLES_DEG = (0, 45, 90, 135, 180, 225, 270, 315, 22.5, 67.5, 112.5, 157.5, 202.5, 247.5, 292.5, 337.5)
LEADER_FROM_PT = 12.0
MARGIN_PX = 3.0


@dataclass(frozen=True)
class Label:
    """One label: anchor in data units, text and style; ``required`` labels are always drawn."""

    x: float
    y: float
    text: str
    fontsize: float = 9.0
    weight: str = "normal"
    style: str = "normal"
    color: str = "#111111"
    required: bool = True
    centred: bool = True


def _alignment(angle: float) -> tuple[str, str]:
    dx, dy = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    ha = "left" if dx > 0.3 else "right" if dx < -0.3 else "center"
    va = "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"
    return ha, va


def _overlap(box: Bbox, others: list[Bbox]) -> float:
    total = 0.0
    for other in others:
        width = min(box.x1, other.x1) - max(box.x0, other.x0)
        height = min(box.y1, other.y1) - max(box.y0, other.y0)
        if width > 0 and height > 0:
            total += width * height
    return total


def _candidates(label: Label):
    radii = RADII_PT if label.centred else RADII_PT[1:]
    for radius in radii:
        for angle in (ANGLES_DEG[:1] if radius == 0 else ANGLES_DEG):
            yield radius, angle


def _make_text(ax: Axes, label: Label, radius: float, angle: float):
    dx, dy = radius * np.cos(np.radians(angle)), radius * np.sin(np.radians(angle))
    ha, va = _alignment(angle) if radius else ("center", "center")
    leader = dict(arrowstyle="-", color="#444444", linewidth=0.6, shrinkA=0, shrinkB=1.5) \
        if radius >= LEADER_FROM_PT else None
    text = ax.annotate(label.text, (label.x, label.y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                       multialignment="center",
                       fontsize=label.fontsize, fontweight=label.weight, fontstyle=label.style, color=label.color,
                       zorder=15, arrowprops=leader, annotation_clip=False)
    text.set_path_effects([effects.withStroke(linewidth=2.6, foreground="white")])
    return text


def _candidate_box(anchor: np.ndarray, size: tuple[float, float], radius_px: float, angle: float) -> Bbox:
    width, height = size
    x = anchor[0] + radius_px * np.cos(np.radians(angle))
    y = anchor[1] + radius_px * np.sin(np.radians(angle))
    ha, va = _alignment(angle) if radius_px else ("center", "center")
    x0 = x - width / 2 if ha == "center" else x if ha == "left" else x - width
    y0 = y - height / 2 if va == "center" else y if va == "bottom" else y - height
    return Bbox.from_extents(x0, y0, x0 + width, y0 + height).padded(MARGIN_PX)


def _best_position(label: Label, anchor: np.ndarray, size: tuple[float, float], frame: Bbox, hard: list[Bbox],
                   soft: list[Bbox], points_to_px: float) -> tuple[float, float, Bbox, tuple[float, float]]:
    best = None
    for radius, angle in _candidates(label):
        box = _candidate_box(anchor, size, radius * points_to_px, angle)
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        cost = (_overlap(box, hard) + (0.0 if inside else 1e9), _overlap(box, soft) + radius / 1000.0)
        if best is None or cost < best[3]:
            best = (radius, angle, box, cost)
        if cost[0] == 0.0 and cost[1] < 0.1:
            break
    return best


def place_labels(ax: Axes, labels: list[Label], obstacles: list[Bbox] | None = None,
                 soft_obstacles: list[Bbox] | None = None) -> list:
    """Draw ``labels`` (in the given priority order) without overlaps; return the drawn text artists.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes with final limits and aspect (positions are measured in display pixels).
    labels : list of Label
    obstacles : list of matplotlib.transforms.Bbox, optional
        Display-space boxes labels must not cover (legend, scale bar, important markers).
    soft_obstacles : list of matplotlib.transforms.Bbox, optional
        Boxes labels should avoid but may cover when nothing else fits (e.g. many small markers).

    Returns
    -------
    list of matplotlib.text.Annotation
        Each with gid ``label``.
    """
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    points_to_px = ax.figure.dpi / 72.0
    hard = list(obstacles or [])
    soft = list(soft_obstacles or [])
    drawn = []
    for label in labels:
        probe = _make_text(ax, label, 0.0, 0.0)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        anchor = ax.transData.transform((label.x, label.y))
        radius, angle, box, cost = _best_position(label, anchor, (extent.width, extent.height), frame, hard, soft,
                                                  points_to_px)
        if cost[0] > 0 and not label.required:
            continue
        text = _make_text(ax, label, radius, angle)
        text.set_gid("label")
        hard.append(box)
        drawn.append(text)
    return drawn


def point_boxes(ax: Axes, xs: np.ndarray, ys: np.ndarray, size_px: float = 6.0) -> list[Bbox]:
    """Display-space boxes of markers at data points (labels should not cover them)."""
    points = ax.transData.transform(np.column_stack([xs, ys])) if len(xs) else np.empty((0, 2))
    half = size_px / 2.0
    return [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in points]
