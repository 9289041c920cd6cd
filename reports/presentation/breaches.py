"""The breaches report: its summary, chart and table."""

from datetime import datetime

from reports.filters import ReportFilters
from reports.queries.breaches import LATENESS_BUCKETS, breach_rows, breach_totals
from reports.queries.common import minutes
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem, Table

BREACH_COLUMNS = [
    Column("reference", "Incident", "incident"),
    Column("grade", "Grade", "grade"),
    Column("domestic_abuse", "DA", "bool"),
    Column("area", "Area"),
    Column("received_at", "Received", "datetime"),
    Column("target_response_at", "Target", "datetime"),
    Column("first_arrived_at", "First arrival", "datetime"),
    Column("minutes_late", "Minutes late", "minutes"),
    Column("state", "State"),
    Column("divert_before", "Divert before breach", "bool"),
    Column("acknowledged_by", "Alert acknowledged by"),
    Column("acknowledged_at", "Acknowledged at", "datetime"),
    Column("escalated", "Escalated", "bool"),
]


def report_breaches(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Every breached incident: how late, whether a divert preceded the breach, who
    acknowledged the BREACHED alert and when. The incident table is paged."""
    totals = breach_totals(filters, now=now)
    rows = breach_rows(filters, now=now, limit=limit, offset=offset)
    return ReportResult(
        name="breaches",
        title="Breaches",
        filters=filters,
        summary=_summary(totals),
        charts=[
            ChartData(
                "lateness",
                "Breaches by how late",
                [_bucket_label(low, high) for low, high in LATENESS_BUCKETS],
                [
                    Series(
                        "Breaches", [totals[f"bucket_{low}"] for low, _ in LATENESS_BUCKETS], "bad"
                    )
                ],
            )
        ],
        tables=[
            Table(
                "breaches",
                "Breached incidents",
                BREACH_COLUMNS,
                rows,
                totals["breached"],
                offset,
                paged=True,
            )
        ],
        notes=[
            "Lateness runs from the target to the first arrival; for an incident never attended, "
            "to its closure or, while it is still open, to now.",
            "Acknowledgement is that of the incident's latest BREACHED alert.",
        ],
    )


def _summary(totals: dict) -> list[SummaryItem]:
    count = totals["breached"]
    unacknowledged = count - totals["acknowledged"]
    return [
        SummaryItem.attention("breached", "Breached incidents", count),
        SummaryItem("domestic_abuse", "of which DA", totals["domestic_abuse"]),
        SummaryItem("not_attended", "Never attended", totals["not_attended"]),
        SummaryItem("divert_before", "Divert before the breach", totals["divert_before"]),
        SummaryItem.attention("unacknowledged", "Alert not acknowledged", unacknowledged, "warn"),
        SummaryItem(
            "median_minutes_late",
            "Median lateness",
            minutes(totals["median_late_seconds"]),
            "min",
        ),
        SummaryItem(
            "max_minutes_late", "Worst lateness", minutes(totals["max_late_seconds"]), "min"
        ),
    ]


def _bucket_label(low: int, high: int | None) -> str:
    return f"{low}+ min" if high is None else f"{low}-{high} min"
