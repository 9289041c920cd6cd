"""Server-side SVG bar charts: the geometry is computed here and drawn by
`reports/_chart.html`. No library and no script: the SVG is plain markup, readable without
JavaScript, and each bar carries a <title> with its exact value."""

import math
from dataclasses import dataclass

from reports.formatting import with_unit
from reports.results import ChartData

WIDTH, HEIGHT = 760, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 28, 42
TICKS = 5


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    style: str
    title: str


def _nice_ceiling(value: float) -> float:
    """A round top for the axis (1, 2, 2.5, 5 or 10 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _whole_step(at_least: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, 100... that is at least `at_least`."""
    power = 1
    while True:
        for multiple in (1, 2, 5):
            if power * multiple >= at_least:
                return power * multiple
        power *= 10


def _axis(chart: ChartData, peak: float) -> list[float]:
    """The axis ticks, from 0 to the top of the scale. A count (a chart with no unit) steps in
    whole numbers, so its axis never reads "0.2 diverts"; a measure (%, minutes, hours) has
    TICKS even steps up to a round top."""
    if chart.unit or chart.max_value:
        top = chart.max_value or _nice_ceiling(peak)
        return [top * i / TICKS for i in range(TICKS + 1)]
    step = _whole_step(peak / TICKS)
    steps = max(1, math.ceil(peak / step))
    return [step * i for i in range(steps + 1)]


def _format(value: float, unit: str) -> str:
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return with_unit(text, unit)


def chart_svg_context(chart: ChartData) -> dict:
    """Everything the template needs to draw `chart`: bars, axis ticks, labels and legend."""
    categories, series = chart.categories, chart.series
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if chart.stacked:
        peaks = [sum((s.values[i] or 0) for s in series) for i in range(len(categories))]
    else:
        peaks = [(v or 0) for s in series for v in s.values]
    axis = _axis(chart, max(peaks, default=0))
    top = axis[-1]
    band = plot_w / max(len(categories), 1)
    gap = band * 0.18
    groups = 1 if chart.stacked else max(len(series), 1)
    bar_w = (band - gap) / groups

    def y_of(value: float) -> float:
        return TOP + plot_h - plot_h * min(value, top) / top

    bars = []
    for index, category in enumerate(categories):
        base = 0.0
        for number, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else None
            if value is None:
                continue
            x = LEFT + index * band + gap / 2 + (0 if chart.stacked else number * bar_w)
            low, high = (base, base + value) if chart.stacked else (0, value)
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(y_of(high), 1),
                    width=round(max(bar_w - 1, 1), 1),
                    height=round(max(y_of(low) - y_of(high), 0), 1),
                    style=one.style,
                    title=f"{category}: {one.label} {_format(value, chart.unit)}",
                )
            )
            if chart.stacked:
                base += value
    ticks = [{"y": round(y_of(value), 1), "label": _format(value, chart.unit)} for value in axis]
    step = max(1, math.ceil(len(categories) / 24))
    labels = [
        {"x": round(LEFT + i * band + band / 2, 1), "text": c}
        for i, c in enumerate(categories)
        if i % step == 0
    ]
    legend = [
        {"x": LEFT + i * 170, "style": s.style, "label": s.label} for i, s in enumerate(series)
    ]
    values_text = "; ".join(bar.title for bar in bars)
    return {
        "key": chart.key,
        "title": chart.title,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 16,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "legend": legend if len(series) > 1 else [],
        "empty": not any(peaks),
        "description": f"{chart.title}. {values_text}" if bars else f"{chart.title}: no data.",
    }
