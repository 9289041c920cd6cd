"""The divert tag list (QA review of diverts): its summary, chart and table."""

from datetime import datetime

from reports.filters import ReportFilters
from reports.models import DivertOutcome, FindingOutcome
from reports.queries.diverts import (
    URGENT_RESOURCE_MINUTES,
    divert_counts,
    divert_rows,
    listed_total,
)
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem, Table

DIVERT_COLUMNS = [
    Column("reference", "Incident", "divert"),
    Column("grade", "Grade", "grade"),
    Column("domestic_abuse", "DA", "bool"),
    Column("unit", "Unit"),
    Column("to_reference", "Diverted to"),
    Column("to_grade", "To grade", "grade"),
    Column("requested_at", "When", "datetime"),
    Column("requested_by", "By"),
    Column("reason", "Reason"),
    Column("controller_decision", "Controller"),
    Column("outcome_label", "Outcome"),
    Column("minutes_to_resource", "Minutes to re-resource", "minutes"),
    Column("incident_breached", "Breached", "bool"),
    Column("urgent", "Urgent review", "bool"),
    Column("urgent_reason", "Why urgent"),
    Column("finding_label", "QA finding"),
    Column("finding_notes", "QA notes"),
    Column("finding_by", "Reviewer"),
    Column("finding_at", "Reviewed at", "datetime"),
]
# The chart's short labels, in the order of DivertOutcome.
OUTCOME_CATEGORIES = ["Overridden", "Re-resourced", "Never re-resourced"]


def report_diverts(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """The DIVERT tag list with outcomes, QA findings, reviewed/unreviewed counts and the
    urgent-review flag. `reviewed` narrows the rows; the counts always show both. The divert
    table is paged."""
    counts = divert_counts(filters, now=now)
    return ReportResult(
        name="diverts",
        title="Divert tag list",
        filters=filters,
        summary=_summary(counts),
        charts=[
            ChartData(
                "outcomes",
                "Diverts by outcome and review",
                OUTCOME_CATEGORIES,
                [Series("Diverts", [counts[outcome] for outcome in DivertOutcome.values], "s0")],
            )
        ],
        tables=[
            Table(
                "diverts",
                "Diverts",
                DIVERT_COLUMNS,
                divert_rows(filters, now=now, limit=limit, offset=offset),
                listed_total(counts, filters.reviewed),
                offset,
                paged=True,
            )
        ],
        notes=[
            "Re-resourced: another unit was assigned to the original incident after the divert "
            "(or one was already on it); minutes run from the divert. Overridden: the controller "
            "sent the unit back.",
            f"Suggested for urgent review: a DA or Immediate call never re-resourced, "
            f"re-resourced after more than {URGENT_RESOURCE_MINUTES} minutes, or breached. A "
            "reviewer may set or clear the flag.",
        ],
    )


def _summary(counts: dict) -> list[SummaryItem]:
    unreviewed = counts["total"] - counts["reviewed"]
    urgent = counts["urgent_unreviewed"]
    never = counts[DivertOutcome.NEVER_RE_RESOURCED.value]
    return [
        SummaryItem("diverts", "Diverts", counts["total"]),
        SummaryItem("reviewed", "Reviewed", counts["reviewed"]),
        SummaryItem.attention("unreviewed", "Unreviewed", unreviewed, "warn"),
        SummaryItem.attention("urgent_unreviewed", "Urgent, unreviewed", urgent),
        SummaryItem("overridden", "Overridden", counts[DivertOutcome.OVERRIDDEN.value]),
        SummaryItem("re_resourced", "Re-resourced", counts[DivertOutcome.RE_RESOURCED.value]),
        SummaryItem.attention("never_re_resourced", "Never re-resourced", never),
        SummaryItem(
            "not_appropriate", "Found not appropriate", counts[FindingOutcome.NOT_APPROPRIATE.value]
        ),
        SummaryItem(
            "learning", "Learning identified", counts[FindingOutcome.LEARNING_IDENTIFIED.value]
        ),
    ]
