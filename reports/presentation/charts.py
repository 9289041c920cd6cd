"""Report charts drawn server-side as SVG by pygal (a plotting library: the geometry is its, not
ours), shown by `reports/_chart.html` inline in the page.

What this module decides and pygal does not: the value axis. A count (a chart with no unit)
steps in whole numbers (1, 2, 5, 10, 20...), so its axis never reads "0.2 diverts"; a measure
(%, minutes, hours) has TICKS even steps up to a round top (or its fixed `max_value`). The ticks
are handed to pygal as its `y_labels`.

Strict CSP: no inline script or style. pygal embeds a <style> and a tooltip <script> link in
every chart; both are removed here (`_strip`) and the chart is styled by class from
static/css/controlroom.css (`.report-chart .pygal-chart ...`). Each bar keeps its exact value
in a <title>, and the <svg> carries role="img" with a <title> and <desc> giving every value,
so it reads without a mouse or sight of it.
"""

import math
from xml.etree import ElementTree

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from reports.formatting import with_unit
from reports.results import ChartData

WIDTH, HEIGHT = 760, 250
TICKS = 5
SVG_NS = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")


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
    """The axis ticks, from 0 to the top of the scale: whole numbers for a count, TICKS even
    steps up to a round top for a measure."""
    if chart.unit or chart.max_value:
        top = chart.max_value or _nice_ceiling(peak)
        return [top * i / TICKS for i in range(TICKS + 1)]
    step = _whole_step(peak / TICKS)
    steps = max(1, math.ceil(peak / step))
    return [step * i for i in range(steps + 1)]


def _format(value: float, unit: str) -> str:
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return with_unit(text, unit)


def _peaks(chart: ChartData) -> list[float]:
    if chart.stacked:
        return [
            sum((s.values[i] or 0) for s in chart.series if i < len(s.values))
            for i in range(len(chart.categories))
        ]
    return [(v or 0) for s in chart.series for v in s.values]


def _tag(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _strip(root) -> None:
    """Remove what a strict CSP refuses or what needs pygal's script: the embedded <style> and
    <script> (in <defs>), the tooltip overlay (it carries a style attribute and only works with
    the script), and pygal's comments."""
    for parent in root.iter():
        for child in list(parent):
            if not isinstance(child.tag, str):
                parent.remove(child)  # a comment
                continue
            name, classes = _tag(child), (child.get("class") or "").split()
            if name in ("defs", "script", "style") or "tooltip-overlay" in classes:
                parent.remove(child)
            else:
                child.attrib.pop("style", None)
                child.attrib.pop("id", None)  # "activate-serie-0": repeated by every chart


def _label(root, chart: ChartData, description: str) -> None:
    """role="img" with a <title> (the chart's title) and a <desc> (every value)."""
    for old in [c for c in root if _tag(c) in ("title", "desc")]:
        root.remove(old)
    title = ElementTree.Element(f"{{{SVG_NS}}}title")
    title.text = chart.title
    desc = ElementTree.Element(f"{{{SVG_NS}}}desc")
    desc.text = description
    root.insert(0, desc)
    root.insert(0, title)
    root.set("role", "img")
    root.set("aria-label", chart.title)
    root.set("class", f"pygal-chart chart-{chart.key}")
    root.set("width", "100%")
    root.attrib.pop("id", None)
    root.attrib.pop("xmlns", None)  # pygal writes it as an attribute too: once is enough


def _style_series(root, chart: ChartData) -> None:
    """pygal numbers its series (`serie-0 color-0`); add each series' own style class (s0, bad,
    ok...) so the page's stylesheet colours it, in the plot and in the legend. Each bar gets a
    <title> with its exact value ("Mon: Diverts 3"), shown on hover without a script."""
    for series in root.iter():
        classes = (series.get("class") or "").split()
        if "series" not in classes or not any(c.startswith("serie-") for c in classes):
            continue
        index = next(int(c[6:]) for c in classes if c.startswith("serie-"))
        label = chart.series[index].label if index < len(chart.series) else ""
        for bar in series.iter():
            if "bar" not in (bar.get("class") or "").split():
                continue
            found = {d.get("class"): d.text for d in bar if _tag(d) == "desc"}
            title = ElementTree.SubElement(bar, f"{{{SVG_NS}}}title")
            title.text = f"{found.get('x_label', '')}: {label} {found.get('value', '')}"
    for element in root.iter():
        classes = (element.get("class") or "").split()
        for index, one in enumerate(chart.series):
            if f"serie-{index}" in classes or (
                f"color-{index}" in classes and _tag(element) == "rect"
            ):
                element.set("class", " ".join([*classes, f"style-{one.style}"]))


def chart_svg_context(chart: ChartData) -> dict:
    """Everything `reports/_chart.html` needs to show `chart`: `svg` (safe markup), `ticks` (the
    value axis labels, bottom up), `title`, `key`, `empty` and `description` (every value, for
    screen readers)."""
    peaks = _peaks(chart)
    axis = _axis(chart, max(peaks, default=0))
    labels = [_format(value, chart.unit) for value in axis]
    values = [
        f"{category}: {one.label} {_format(value, chart.unit)}"
        for index, category in enumerate(chart.categories)
        for one in chart.series
        if index < len(one.values) and (value := one.values[index]) is not None
    ]
    description = f"{chart.title}. {'; '.join(values)}" if values else f"{chart.title}: no data."
    context = {
        "key": chart.key,
        "title": chart.title,
        "ticks": [{"label": label} for label in labels],
        "empty": not any(peaks),
        "description": description,
        "svg": SafeString(""),
    }
    if context["empty"]:
        return context
    every = max(1, math.ceil(len(chart.categories) / 24))
    kind = pygal.StackedBar if chart.stacked else pygal.Bar
    plot = kind(
        width=WIDTH,
        height=HEIGHT,
        style=Style(font_family="inherit", background="transparent"),
        js=[],
        css=[],
        disable_xml_declaration=True,
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=max(1, len(chart.series)),
        range=(0, axis[-1]),
        y_labels=axis,
        y_labels_major_every=None,
        show_minor_y_labels=True,
        x_labels=chart.categories,
        x_labels_major_every=every,
        show_minor_x_labels=every == 1,
        truncate_label=-1,
        value_formatter=lambda value: _format(value, chart.unit),
        margin=8,
        spacing=6,
        print_values=False,
        no_prefix=True,
        tooltip_fancy_mode=False,
    )
    for one in chart.series:
        plot.add(one.label, [None if v is None else v for v in one.values])
    root = plot.render_tree()
    _strip(root)
    _label(root, chart, description)
    _style_series(root, chart)
    context["svg"] = mark_safe(ElementTree.tostring(root, encoding="unicode"))  # noqa: S308
    return context
