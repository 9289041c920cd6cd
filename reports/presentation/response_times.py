"""The response-time compliance report: its summary, charts and tables."""

from datetime import datetime

from reports.filters import ReportFilters
from reports.presentation.common import grade_labels, hour_labels
from reports.queries.response_times import response_time_compliance
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem, Table

COMPLIANCE_TARGET_PERCENT = 90

COMPLIANCE_COLUMNS = [
    Column("incidents", "Incidents", "int"),
    Column("with_target", "With a target", "int"),
    Column("attended_within_target", "Attended within target", "int"),
    Column("attended_late", "Attended late", "int"),
    Column("not_attended_breached", "Not attended, target passed", "int"),
    Column("pending", "Open, target not yet reached", "int"),
    Column("closed_unattended", "Closed before target without attendance", "int"),
    Column("compliance_percent", "Within target %", "percent"),
    Column("median_minutes", "Median to arrival (min)", "minutes"),
    Column("p90_minutes", "90th percentile to arrival (min)", "minutes"),
]


def report_response_times(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Response-time compliance by grade and by hour of day (Europe/London); how each figure
    is counted is in `queries.response_times.response_time_compliance`. Nothing is paged."""
    numbers = response_time_compliance(filters, now=now)
    return ReportResult(
        name="response-times",
        title="Response-time compliance",
        filters=filters,
        summary=_summary(numbers.total),
        charts=[
            _compliance_chart("by_grade", "by grade", grade_labels(), numbers.by_grade, "ok"),
            _compliance_chart(
                "by_hour", "by hour of the call", hour_labels(numbers.by_hour), numbers.by_hour
            ),
        ],
        tables=[
            Table(
                "by_grade",
                "By grade",
                [Column("grade", "Grade", "grade"), *COMPLIANCE_COLUMNS],
                numbers.by_grade,
                len(numbers.by_grade),
            ),
            Table(
                "by_hour",
                "By hour of the call (Europe/London)",
                [Column("hour", "Hour"), *COMPLIANCE_COLUMNS],
                numbers.by_hour,
                len(numbers.by_hour),
            ),
        ],
        notes=[
            "Within target %: attended at or before the target, out of incidents whose target "
            "has passed or that were attended. Open incidents not yet at their target, and those "
            "closed before it without attendance, are not counted.",
        ],
    )


def _summary(total: dict) -> list[SummaryItem]:
    rate = total["compliance_percent"]
    breached = total["attended_late"] + total["not_attended_breached"]
    return [
        SummaryItem("incidents", "Incidents", total["incidents"]),
        SummaryItem(
            "compliance_percent",
            "Attended within target",
            rate,
            "%",
            tone="bad" if rate is not None and rate < COMPLIANCE_TARGET_PERCENT else "",
        ),
        SummaryItem("attended_within_target", "Within target", total["attended_within_target"]),
        SummaryItem.attention("breached", "Breached (late or not attended)", breached),
        SummaryItem("median_minutes", "Median to arrival", total["median_minutes"], "min"),
        SummaryItem("p90_minutes", "90th percentile to arrival", total["p90_minutes"], "min"),
    ]


def _compliance_chart(
    key: str, by: str, categories: list[str], rows: list[dict], style: str = "s0"
) -> ChartData:
    return ChartData(
        key,
        f"Attended within target, {by}",
        categories,
        [Series("Within target %", [row["compliance_percent"] for row in rows], style)],
        unit="%",
        max_value=100,
    )
