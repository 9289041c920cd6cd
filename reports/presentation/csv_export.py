"""One report table as CSV text, for a spreadsheet.

UTF-8 with a byte-order mark: without it Excel reads the file as the local code page and shows
"Siobhán" as "SiobhÃ¡n". Datetimes are ISO 8601 in Europe/London with their UTC offset, so the
repeated 01:xx hour of the autumn clock change is unambiguous.
"""

import csv
from collections.abc import Iterator
from datetime import datetime

from reports.formatting import local_iso
from reports.results import Table

BYTE_ORDER_MARK = "\ufeff"


def csv_lines(table: Table) -> Iterator[str]:
    """The byte-order mark and header, then one line per row (every row the table holds).
    Encode as UTF-8."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK + writer.writerow([column.label for column in table.columns])
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
        return local_iso(value)
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
