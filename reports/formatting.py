"""How the reports write times and units, in one place for the pages, the CSV and the JSON.

Reports are read in the control room's own time: every hour and date they show is
Europe/London, whatever the server's zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local_time_text(value: datetime) -> str:
    """`value` as 'DD/MM/YYYY HH:MM' in Europe/London, the way the control room writes it."""
    return value.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def local_iso(value: datetime) -> str:
    """`value` as ISO 8601 in Europe/London with its UTC offset, to the second:
    '2025-10-26T01:30:00+01:00'. The offset tells the two 01:xx hours of the autumn clock
    change apart, which local time alone cannot."""
    return value.astimezone(LONDON).isoformat(timespec="seconds")


def with_unit(text, unit: str) -> str:
    """A figure with its unit: '92.5%', '14 min', '3' (a count has no unit)."""
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else f"{text}"
