"""One report table as CSV text, for a spreadsheet."""

import csv
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

from reports.results import Table


def csv_lines(table: Table) -> Iterator[str]:
    """The header, then one line per row (every row the table holds)."""
    writer = csv.writer(_Echo())
    yield writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        yield writer.writerow([csv_cell(row.get(column.key)) for column in table.columns])


def csv_cell(value) -> str:
    """Plain text for a CSV cell; a leading = + - @ is neutralised so a spreadsheet never runs
    free text (reasons, notes) as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Echo:
    """A file-like object that hands back what is written, so rows stream one by one."""

    def write(self, value):
        return value
