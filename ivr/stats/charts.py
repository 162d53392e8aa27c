"""Geometry for the staff page's plots, computed here so the templates only draw SVG shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from ivr.line.schedule import OpeningHours
from ivr.line.spoken import WEEKDAYS

CELL_W, CELL_H = 30, 26
LEFT, TOP = 64, 22
BAR_H, BAR_GAP, BAR_LEFT, BAR_MAX = 22, 8, 260, 360
LOW, HIGH = (238, 242, 246), (24, 78, 119)  # empty cell, busiest cell


@dataclass(frozen=True)
class Cell:
    """One weekday-hour square of the heat map."""

    weekday: int
    hour: int
    x: int
    y: int
    count: int
    fill: str
    dark: bool
    title: str


@dataclass(frozen=True)
class Box:
    """An outline over the opening hours of one weekday."""

    x: float
    y: int
    width: float


@dataclass(frozen=True)
class HeatMap:
    """The heat map: cells, opening-hours outlines, labels and the drawing's size."""

    cells: tuple[Cell, ...]
    open_boxes: tuple[Box, ...]
    rows: tuple[tuple[int, str], ...]  # (y, weekday name)
    columns: tuple[tuple[int, str], ...]  # (x, hour)
    width: int
    height: int
    cell_w: int = CELL_W
    cell_h: int = CELL_H


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart."""

    y: int
    label: str
    value: int
    width: int


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: its bars and the drawing's size."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    left: int = BAR_LEFT
    bar_h: int = BAR_H


def shade(count: int, most: int) -> tuple[str, bool]:
    """Return the fill for a count (darker is busier) and whether its text should be light."""
    share = count / most if most else 0.0
    rgb = [round(low + (high - low) * share) for low, high in zip(LOW, HIGH, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb), share > 0.5


def heat_map(counts: Sequence[Sequence[int]], hours: OpeningHours) -> HeatMap:
    """Lay out calls by weekday (rows, Monday first) and hour (columns), with the opening hours outlined."""
    most = max((n for row in counts for n in row), default=0)
    cells = []
    for weekday, row in enumerate(counts):
        for hour, count in enumerate(row):
            fill, dark = shade(count, most)
            title = f"{WEEKDAYS[weekday]} kl. {hour:02d}-{(hour + 1) % 24:02d}: {count} opkald"
            cells.append(
                Cell(weekday, hour, LEFT + hour * CELL_W, TOP + weekday * CELL_H, count, fill, dark, title)
            )
    start, end = _hour(hours.opens), _hour(hours.closes)
    boxes = tuple(
        Box(LEFT + start * CELL_W, TOP + weekday * CELL_H, (end - start) * CELL_W)
        for weekday in sorted(hours.weekdays)
    )
    return HeatMap(
        cells=tuple(cells),
        open_boxes=boxes,
        rows=tuple((TOP + i * CELL_H + CELL_H // 2, name) for i, name in enumerate(WEEKDAYS)),
        columns=tuple((LEFT + h * CELL_W + CELL_W // 2, f"{h:02d}") for h in range(24)),
        width=LEFT + 24 * CELL_W + 4,
        height=TOP + len(WEEKDAYS) * CELL_H + 4,
    )


def bar_chart(rows: Sequence[tuple[str, int]]) -> BarChart:
    """Lay out labelled counts as horizontal bars scaled to the largest."""
    most = max((value for _, value in rows), default=0)
    bars = tuple(
        Bar(i * (BAR_H + BAR_GAP), label, value, round(BAR_MAX * value / most) if most else 0)
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(bars, BAR_LEFT + BAR_MAX + 60, max(len(bars) * (BAR_H + BAR_GAP), BAR_H))


def _hour(at: time) -> float:
    return at.hour + at.minute / 60
