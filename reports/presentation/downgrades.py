"""The downgrades report: its summary, chart and tables."""

from datetime import datetime

from cad.models import Grade
from reports.filters import ReportFilters
from reports.presentation.common import grade_labels
from reports.queries.downgrades import (
    DowngradeCounts,
    da_below_immediate_rows,
    downgrade_counts,
    downgrade_rows,
)
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem, Table

DOWNGRADE_COLUMNS = [
    Column("at", "When", "datetime"),
    Column("reference", "Incident", "incident"),
    Column("domestic_abuse", "DA", "bool"),
    Column("from_grade", "From", "grade"),
    Column("to_grade", "To", "grade"),
    Column("recommended_grade", "Recommended", "grade"),
    Column("minimum_grade", "Minimum", "grade"),
    Column("below", "Below"),
    Column("applied", "Applied", "bool"),
    Column("reason", "Reason"),
    Column("by", "Who"),
    Column("supervisor_decision", "Supervisor's decision"),
    Column("self_approved", "Self-approved", "bool"),
]
DA_BELOW_IMMEDIATE_COLUMNS = [
    Column("reference", "Incident", "incident"),
    Column("received_at", "Received", "datetime"),
    Column("grade", "Grade", "grade"),
    Column("recommended_grade", "Recommended", "grade"),
    Column("minimum_grade", "Minimum", "grade"),
    Column("graded_by", "Graded by"),
    Column("graded_at", "Graded at", "datetime"),
    Column("reason", "Reason"),
    Column("signed_off_by", "Signed off by"),
]


def report_downgrades(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Every grading below the recommended or minimum grade, with reason, who and the
    supervisor's decision (including sign-off requests refused or still pending); and DA calls
    graded below Immediate. Both tables are paged."""
    counts = downgrade_counts(filters)
    rows = downgrade_rows(filters, limit=limit, offset=offset)
    da_rows, da_total = da_below_immediate_rows(filters, limit=limit, offset=offset)
    return ReportResult(
        name="downgrades",
        title="Downgrades",
        filters=filters,
        summary=_summary(counts, da_total),
        charts=[_by_grade_chart(counts.by_grade)],
        tables=[
            Table(
                "downgrades",
                "Gradings below the recommended or minimum grade",
                DOWNGRADE_COLUMNS,
                rows,
                counts.changes["total"] + counts.requests["total"],
                offset,
                paged=True,
            ),
            Table(
                "da_below_immediate",
                "DA calls graded below Immediate",
                DA_BELOW_IMMEDIATE_COLUMNS,
                da_rows,
                da_total,
                offset,
                paged=True,
            ),
        ],
        notes=[
            "A downgrade that needed a supervisor and was refused, withdrawn or is still "
            "pending was never applied; it is listed with Applied = no.",
            "Self-approved: a supervisor's own downgrade of a DA or marked call, which no "
            "second person signed off; QA reviews its written reason.",
        ],
    )


def _summary(counts: DowngradeCounts, da_total: int) -> list[SummaryItem]:
    changes, requests = counts.changes, counts.requests
    return [
        SummaryItem("downgrades", "Graded below recommended or minimum", changes["total"]),
        SummaryItem.attention(
            "below_minimum", "Below the minimum grade", changes["below_minimum"], "warn"
        ),
        SummaryItem("signed_off", "Signed off by a supervisor", changes["signed_off"]),
        SummaryItem.attention(
            "self_approved",
            "Self-approved by the supervisor who graded",
            changes["self_approved"],
            "warn",
        ),
        SummaryItem("refused", "Sign-off refused", requests["refused"]),
        SummaryItem("pending", "Sign-off pending", requests["pending"]),
        SummaryItem.attention("da_below_immediate", "DA calls graded below Immediate", da_total),
    ]


def _by_grade_chart(by_grade: dict) -> ChartData:
    below_minimum = [by_grade.get(g, {}).get("below_minimum", 0) for g in Grade.values]
    every = [by_grade.get(g, {}).get("n", 0) for g in Grade.values]
    return ChartData(
        "by_grade",
        "Downgrades by grade given",
        grade_labels(),
        [
            Series("Below minimum", below_minimum, "bad"),
            Series(
                "Below recommended only",
                [n - below for n, below in zip(every, below_minimum, strict=True)],
                "warn",
            ),
        ],
        stacked=True,
    )
