"""Times are stored in UTC and shown in Europe/London, from datetimes or stored ISO strings."""

from datetime import UTC, datetime

from core.timefmt import DATE, local_display


def test_a_summer_time_is_shown_an_hour_ahead_of_utc():
    assert local_display(datetime(2026, 7, 1, 9, 30, tzinfo=UTC)) == "01 Jul 2026 10:30"


def test_a_stored_iso_string_is_shown_the_same_way_as_a_datetime():
    assert local_display("2026-07-01T09:30:00+00:00", DATE) == "01 Jul 2026"
    assert local_display("2026-12-01T09:30:00Z") == "01 Dec 2026 09:30"


def test_nothing_shows_as_empty_and_text_that_is_not_a_time_comes_back_as_given():
    assert local_display(None) == ""
    assert local_display("not a time") == "not a time"
    assert local_display("2026-13-45T99:00:00") == "2026-13-45T99:00:00"
