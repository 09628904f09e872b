"""A bar chart of counts per day, drawn on the server as numbers for an inline SVG.

No JavaScript and no chart library: the template (``console/_chart.html``) draws the bars
from the geometry computed here, with ``role="img"``, a title and a description, and the
same numbers as a table for screen readers and for copying.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 720
HEIGHT = 220
LEFT = 44  # room for the y-axis labels
BOTTOM = 24  # room for the x-axis labels
TOP = 8


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True, slots=True)
class Label:
    text: str
    x: float


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    total: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at least ``value`` (4 at least, for even ticks)."""
    if value <= 4:
        return 4
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def bars(series: list[tuple[date, int]]) -> Chart:
    """Geometry for ``series`` (oldest first) in a WIDTH × HEIGHT view box."""
    plot_width = WIDTH - LEFT - 4
    plot_height = HEIGHT - BOTTOM - TOP
    baseline = HEIGHT - BOTTOM
    peak = max((value for _, value in series), default=0)
    top = _nice_ceiling(peak)
    slot = plot_width / max(len(series), 1)
    gap = min(2.0, slot * 0.2)
    drawn = []
    for i, (day, value) in enumerate(series):
        height = plot_height * value / top
        drawn.append(
            Bar(day, value, LEFT + i * slot + gap / 2, baseline - height, slot - gap, height)
        )
    ticks = [Tick(top * k // 4, baseline - plot_height * k / 4) for k in range(5)]
    labels = []
    if series:
        for i in sorted({0, len(series) // 2, len(series) - 1}):
            labels.append(Label(day_label(series[i][0]), LEFT + (i + 0.5) * slot))
    return Chart(drawn, ticks, labels, sum(v for _, v in series), peak)
