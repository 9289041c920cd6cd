"""Times as people read them: stored in UTC, shown in Europe/London (the project's TIME_ZONE)."""

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

DATE_TIME = "%d %b %Y %H:%M"
DATE = "%d %b %Y"


def local_display(value: datetime | str | None, fmt: str = DATE_TIME) -> str:
    """An aware datetime, or an ISO 8601 string as stored in a JSON result, formatted with
    `fmt` in local time. "" for no value; a string that is not a date and time comes back as
    given, so a display never fails on odd stored data."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            return value
        if parsed is None:
            return value
        value = parsed
    return timezone.localtime(value).strftime(fmt)
