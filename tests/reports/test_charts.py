"""Report charts: axes a reader can trust at a glance."""

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
