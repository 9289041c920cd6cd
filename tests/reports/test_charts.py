"""Report charts: axes a reader can trust at a glance."""

from xml.etree import ElementTree

import pytest

from reports.presentation.charts import chart_svg_context
from reports.results import ChartData, Series


def _tick_labels(chart: ChartData) -> list[str]:
    return [tick["label"] for tick in chart_svg_context(chart)["ticks"]]


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        ([1, 0, 0], ["0", "1"]),
        ([3, 1], ["0", "1", "2", "3"]),
        ([7], ["0", "2", "4", "6", "8"]),
        ([12, 4], ["0", "5", "10", "15"]),
        ([230], ["0", "50", "100", "150", "200", "250"]),
        ([0, 0], ["0", "1"]),
    ],
)
def test_a_count_axis_ticks_in_whole_numbers(values, labels):
    chart = ChartData("outcomes", "Diverts", [str(i) for i in range(len(values))], [])
    chart.series.append(Series("Diverts", values))

    assert _tick_labels(chart) == labels


def test_a_stacked_count_axis_reaches_the_tallest_stack_in_whole_numbers():
    chart = ChartData(
        "by_hour",
        "Contacts",
        ["00", "01"],
        [Series("999", [1, 0]), Series("101", [2, 1])],
        stacked=True,
    )

    assert _tick_labels(chart) == ["0", "1", "2", "3"]


def test_a_percentage_axis_still_runs_to_100_in_fifths():
    chart = ChartData(
        "by_grade", "Within target", ["A"], [Series("%", [50.0])], unit="%", max_value=100
    )

    assert _tick_labels(chart) == ["0%", "20%", "40%", "60%", "80%", "100%"]


def test_an_hours_axis_may_show_fractions():
    chart = ChartData(
        "by_role", "Hours below minimum", ["DISPATCHER"], [Series("Hours", [0.5])], unit="h"
    )

    assert _tick_labels(chart) == ["0 h", "0.1 h", "0.2 h", "0.3 h", "0.4 h", "0.5 h"]


# --- The SVG pygal draws -----------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def _svg(chart: ChartData):
    return ElementTree.fromstring(str(chart_svg_context(chart)["svg"]))


def _y_axis_texts(root) -> list[str]:
    axis = next(g for g in root.iter(f"{SVG}g") if "y" in (g.get("class") or "").split())
    return [t.text for t in axis.iter(f"{SVG}text")]


@pytest.mark.parametrize("values", [[1, 0, 0], [3, 1], [7], [12, 4], [230]])
def test_the_drawn_count_axis_reads_in_whole_numbers(values):
    chart = ChartData("outcomes", "Diverts", [f"d{i}" for i in range(len(values))], [])
    chart.series.append(Series("Diverts", values))

    texts = _y_axis_texts(_svg(chart))

    assert texts == _tick_labels(chart)
    assert all(text.isdigit() for text in texts), texts
    assert int(texts[-1]) >= max(values)


def test_the_drawn_chart_is_labelled_and_has_no_style_or_script_for_the_csp_to_refuse():
    chart = ChartData(
        "by_hour", "Contacts by hour", ["00", "01"], [Series("999", [1, 0]), Series("101", [2, 1])]
    )
    markup = str(chart_svg_context(chart)["svg"])
    root = ElementTree.fromstring(markup)

    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Contacts by hour"
    assert "00: 999 1" in root.find(f"{SVG}desc").text
    assert "<style" not in markup and "<script" not in markup
    assert not [e for e in root.iter() if e.get("style") is not None or e.get("id")]
    bar_titles = [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "bar" for t in g]
    assert "01: 101 1" in bar_titles
    legend = [t.text for t in root.iter(f"{SVG}text") if t.text in ("999", "101")]
    assert legend == ["999", "101"]


def test_the_drawn_bars_keep_the_data():
    chart = ChartData("outcomes", "Diverts", ["a", "b"], [Series("Diverts", [2, 5], style="bad")])
    root = _svg(chart)

    values = [d.text for d in root.iter(f"{SVG}desc") if d.get("class") == "value"]
    series = [g for g in root.iter(f"{SVG}g") if "style-bad" in (g.get("class") or "")]

    assert values == ["2", "5"]
    assert series


def test_an_empty_chart_draws_nothing_and_says_so():
    chart = ChartData("outcomes", "Diverts", ["a"], [Series("Diverts", [0])])

    context = chart_svg_context(chart)

    assert context["empty"] and str(context["svg"]) == ""
