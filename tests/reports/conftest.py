from datetime import UTC, date, datetime

import pytest

from reports.filters import parse_filters

# March 2025: before the clocks change, so Europe/London is UTC and hours read plainly.
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
TODAY = date(2025, 3, 20)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def march():
    """Filters for 1-20 March 2025, plus any extra filter: march(grade="IMMEDIATE")."""

    def _filters(allowed=None, **extra):
        params = {"date_from": "2025-03-01", "date_to": "2025-03-20", **extra}
        return parse_filters(params, allowed=allowed or tuple(params), today=TODAY, report="test")

    return _filters
