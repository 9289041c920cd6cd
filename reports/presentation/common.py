"""Chart categories and table shapes shared by several reports."""

from cad.models import Grade
from reports.queries.common import page
from reports.results import Column, Table


def grade_labels() -> list[str]:
    """Every grade's label, most urgent first: the categories of a by-grade chart."""
    return [Grade(grade).label for grade in Grade.values]


def hour_labels(rows: list[dict]) -> list[str]:
    """The hours of rows keyed "HH:00", as "HH": the categories of a by-hour chart."""
    return [row["hour"][:2] for row in rows]


def paged_table(
    key: str, title: str, columns: list[Column], every_row: list[dict], *, limit, offset: int
) -> Table:
    """A row-list table over rows computed whole (in Python): one page of them, and how many
    there are in all."""
    return Table(
        key, title, columns, page(every_row, limit, offset), len(every_row), offset, paged=True
    )
