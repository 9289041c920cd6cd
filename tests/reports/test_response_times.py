import pytest

from reports import presentation
from reports.queries import common, response_times
from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    """Three Immediate calls (within, late, never attended), three Priority calls (within,
    still before its target, closed by phone before its target) and one outside the range."""
    return {
        "within": f.incident(received_at=at(10, 10), grade="IMMEDIATE", arrived_after=10),
        "late": f.incident(received_at=at(10, 10, 30), grade="IMMEDIATE", arrived_after=30),
        "missed": f.incident(received_at=at(10, 14), grade="IMMEDIATE"),
        "priority": f.incident(
            received_at=at(11, 10), grade="PRIORITY", target_minutes=60, arrived_after=20
        ),
        "pending": f.incident(received_at=at(20, 11, 50), grade="PRIORITY", target_minutes=60),
        "by_phone": f.incident(
            received_at=at(12, 9), grade="PRIORITY", target_minutes=60, closed_after=30
        ),
        "february": f.incident(received_at=at(20, 10, month=2), arrived_after=50),
    }


def by(table, key, value):
    return next(row for row in table.rows if row[key] == value)


def test_compliance_by_grade_counts_within_late_and_never_attended(calls, march):
    result = presentation.report_response_times(march(), now=NOW)

    immediate = by(result.table("by_grade"), "grade", "IMMEDIATE")
    assert immediate["incidents"] == 3
    assert immediate["attended_within_target"] == 1
    assert immediate["attended_late"] == 1
    assert immediate["not_attended_breached"] == 1
    assert immediate["compliance_percent"] == 33.3
    assert immediate["median_minutes"] == 20.0
    assert immediate["p90_minutes"] == 28.0


def test_open_before_target_and_closed_by_phone_are_left_out_of_the_percentage(calls, march):
    result = presentation.report_response_times(march(), now=NOW)

    priority = by(result.table("by_grade"), "grade", "PRIORITY")
    assert priority["incidents"] == 3
    assert priority["pending"] == 1
    assert priority["closed_unattended"] == 1
    assert priority["compliance_percent"] == 100.0
    assert priority["median_minutes"] == 20.0


def test_overall_figures_and_hour_of_day(calls, march):
    result = presentation.report_response_times(march(), now=NOW)

    assert result.summary_value("incidents") == 6
    assert result.summary_value("compliance_percent") == 50.0
    assert result.summary_value("breached") == 2
    assert result.summary_value("median_minutes") == 20.0
    assert result.summary_value("p90_minutes") == 28.0
    ten = by(result.table("by_hour"), "hour", "10:00")
    assert (ten["incidents"], ten["compliance_percent"]) == (3, 66.7)
    assert by(result.table("by_hour"), "hour", "14:00")["compliance_percent"] == 0.0
    assert by(result.table("by_hour"), "hour", "03:00")["compliance_percent"] is None


def test_hours_are_europe_london_in_summer_time(march):
    from datetime import UTC, datetime

    f.incident(received_at=datetime(2025, 6, 10, 23, 30, tzinfo=UTC), arrived_after=5)

    result = presentation.report_response_times(
        march(date_from="2025-06-01", date_to="2025-06-30"), now=NOW
    )

    assert by(result.table("by_hour"), "hour", "00:00")["incidents"] == 1


def test_grade_filter_narrows_every_figure(calls, march):
    result = presentation.report_response_times(march(grade="PRIORITY"), now=NOW)

    assert result.summary_value("incidents") == 3
    assert by(result.table("by_grade"), "grade", "IMMEDIATE")["incidents"] == 0


def test_the_sqlite_fallback_gives_the_same_percentiles(calls, march, monkeypatch):
    monkeypatch.setattr(response_times, "is_postgres", lambda: False)

    result = presentation.report_response_times(march(), now=NOW)

    assert result.summary_value("median_minutes") == 20.0
    assert result.summary_value("p90_minutes") == 28.0
    assert by(result.table("by_grade"), "grade", "IMMEDIATE")["p90_minutes"] == 28.0


def test_percentile_interpolates_like_percentile_cont():
    assert common.percentile([10, 20, 30], 0.9) == pytest.approx(28)
    assert common.percentile([5], 0.5) == 5
    assert common.percentile([], 0.5) is None


def test_weighted_percentile_matches_the_plain_one():
    values = [6, 6, 12, 30, 30, 30, 90]
    histogram = {6: 2, 12: 1, 30: 3, 90: 1}

    for fraction in (0, 0.25, 0.5, 0.9, 1):
        assert common.weighted_percentile(histogram, fraction) == pytest.approx(
            common.percentile(values, fraction)
        )
    assert common.weighted_percentile({}, 0.5) is None
