"""The staffing gaps report: its summary, chart and table."""

from datetime import datetime

from reports.filters import ReportFilters
from reports.presentation.common import paged_table
from reports.queries.staffing import StaffingGaps, staffing_gaps
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem

GAP_COLUMNS = [
    Column("shift", "Shift"),
    Column("starts_at", "Starts", "datetime"),
    Column("ends_at", "Ends", "datetime"),
    Column("role", "Role"),
    Column("minimum", "Minimum", "int"),
    Column("lowest_on", "Fewest on", "int"),
    Column("most_on", "Most on", "int"),
    Column("gap_minutes", "Minutes below minimum", "minutes"),
    Column("alerts_raised", "Gap alerts", "int"),
    Column("acknowledged_by", "Acknowledged by"),
    Column("acknowledged_at", "Acknowledged at", "datetime"),
]


def report_staffing(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Staffing gaps by shift and role: for every shift starting in the range (up to now), the
    time each required role had fewer staff signed on than its minimum, and the STAFFING_GAP
    alerts raised and acknowledged for it. The gap table is paged."""
    numbers = staffing_gaps(filters, now=now)
    roles = sorted(numbers.gap_seconds_by_role)
    return ReportResult(
        name="staffing",
        title="Staffing gaps",
        filters=filters,
        summary=_summary(numbers),
        charts=[
            ChartData(
                "by_role",
                "Hours below minimum, by role",
                roles,
                [Series("Hours", [_hours(numbers.gap_seconds_by_role[r]) for r in roles], "warn")],
                unit="h",
            )
        ],
        tables=[
            paged_table(
                "gaps",
                "Staffing gaps by shift and role",
                GAP_COLUMNS,
                numbers.rows,
                limit=limit,
                offset=offset,
            )
        ],
        notes=[
            "A gap is any time during the shift (up to now) when fewer staff were signed on in a "
            "role than the shift requires. Gap alerts are matched by subject "
            "'shift:<id>:<role>'.",
        ],
    )


def _summary(numbers: StaffingGaps) -> list[SummaryItem]:
    rows = numbers.rows
    unalerted = sum(1 for row in rows if not row["alerts_raised"])
    return [
        SummaryItem("shifts", "Shifts", numbers.shifts),
        SummaryItem("requirements_checked", "Shift roles checked", numbers.checked),
        SummaryItem.attention("gaps", "Shift roles with a gap", len(rows), "warn"),
        SummaryItem(
            "gap_hours", "Hours below minimum", _hours(sum(numbers.gap_seconds_by_role.values()))
        ),
        SummaryItem.attention("gaps_without_alert", "Gaps with no alert raised", unalerted),
    ]


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 1)
