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
LEFT = 56  # room for the y-axis labels
BOTTOM = 32  # room for the x-axis labels
TOP = 16  # room for the top tick label


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
    anchor: str  # start, middle, end: the first and last stay inside the view box


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


def _nice_step(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at least ``value`` / 4: four even steps reach it."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step * 4 >= value:
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
    step = _nice_step(peak)
    top = step * 4
    slot = plot_width / max(len(series), 1)
    gap = min(2.0, slot * 0.2)
    drawn = []
    for i, (day, value) in enumerate(series):
        height = plot_height * value / top
        drawn.append(
            Bar(day, value, LEFT + i * slot + gap / 2, baseline - height, slot - gap, height)
        )
    ticks = [Tick(step * k, baseline - plot_height * k / 4) for k in range(5)]
    labels = []
    if series:
        last = len(series) - 1
        for i in sorted({0, last // 2, last}):
            anchor = "start" if i == 0 else "end" if i == last else "middle"
            x = LEFT if i == 0 else WIDTH - 4 if i == last else LEFT + (i + 0.5) * slot
            labels.append(Label(day_label(series[i][0]), x, anchor))
    return Chart(drawn, ticks, labels, sum(v for _, v in series), peak)
