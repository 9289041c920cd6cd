"""The marker compliance report: its summary, chart and table."""

from datetime import datetime

from reports.filters import ReportFilters
from reports.presentation.common import paged_table
from reports.queries.common import percent
from reports.queries.markers import MARKER_ISSUES, MarkerCompliance, marker_compliance
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem

MARKER_COLUMNS = [
    Column("issue_label", "What"),
    Column("marker_id", "Marker", "marker"),
    Column("address", "Address"),
    Column("victim_name", "Victim"),
    Column("oic", "OIC"),
    Column("grade_floor", "Floor", "grade"),
    Column("status", "Status"),
    Column("starts_at", "Started", "datetime"),
    Column("expires_at", "Expires", "datetime"),
    Column("event_at", "When", "datetime"),
    Column("victim_told", "Victim reached", "bool"),
    Column("detail", "Detail"),
]


def report_markers(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Marker compliance: markers started in the range without a START contact recorded within
    72 hours; markers withdrawn or extended in the range (with the contact behind each); markers
    that expired in the range without a REVIEW contact. The marker table is paged."""
    numbers = marker_compliance(filters, now=now)
    return ReportResult(
        name="markers",
        title="Marker compliance",
        filters=filters,
        summary=_summary(numbers),
        charts=[
            ChartData(
                "issues",
                "Marker events needing attention",
                list(MARKER_ISSUES.values()),
                [Series("Markers", [numbers.by_issue[key] for key in MARKER_ISSUES], "warn")],
            )
        ],
        tables=[
            paged_table(
                "markers", "Markers", MARKER_COLUMNS, numbers.rows, limit=limit, offset=offset
            )
        ],
        notes=[
            "START: any recorded START contact attempt within 72 hours of the start counts; "
            "'Victim reached' says whether she was actually contacted.",
            "Markers started less than 72 hours ago without a START contact are not yet "
            "counted as missed.",
        ],
    )


def _summary(numbers: MarkerCompliance) -> list[SummaryItem]:
    counts, by_issue = numbers.counts, numbers.by_issue
    no_start = by_issue["NO_START_CONTACT"]
    no_review = by_issue["EXPIRED_WITHOUT_REVIEW"]
    not_told = counts["withdrawn"] - counts["withdrawn_told"]
    return [
        SummaryItem("started", "Markers started", counts["started"]),
        SummaryItem(
            "start_in_time_percent",
            "START contact within 72 h",
            percent(counts["start_in_time"], counts["started"] - counts["start_pending"]),
            "%",
        ),
        SummaryItem.attention("no_start_contact", "No START contact within 72 h", no_start),
        SummaryItem("withdrawn", "Withdrawn", counts["withdrawn"]),
        SummaryItem.attention("withdrawn_not_told", "Withdrawn, victim not reached", not_told),
        SummaryItem("extended", "Extended", counts["extended"]),
        SummaryItem("expired", "Expired", counts["expired"]),
        SummaryItem.attention(
            "expired_without_review", "Expired without a review contact", no_review
        ),
    ]
