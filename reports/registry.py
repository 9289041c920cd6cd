"""The reports: name, title, which filters apply, and the function that builds each."""

from collections.abc import Callable
from dataclasses import dataclass

from cad.exceptions import NotFound
from reports import presentation
from reports.filters import DATE_FILTERS, INCIDENT_FILTERS, parse_filters
from reports.queries.common import report_queries


@dataclass(frozen=True)
class ReportDefinition:
    name: str
    title: str
    description: str
    build: Callable
    filters: tuple[str, ...]


REPORTS: dict[str, ReportDefinition] = {
    d.name: d
    for d in [
        ReportDefinition(
            "response-times",
            "Response-time compliance",
            "Attended within target, median and 90th-percentile time to arrival, by grade and "
            "by hour.",
            presentation.report_response_times,
            INCIDENT_FILTERS,
        ),
        ReportDefinition(
            "breaches",
            "Breaches",
            "Every breached incident: how late, a divert before it, who acknowledged and when.",
            presentation.report_breaches,
            INCIDENT_FILTERS,
        ),
        ReportDefinition(
            "downgrades",
            "Downgrades",
            "Gradings below the recommended or minimum grade; DA calls below Immediate.",
            presentation.report_downgrades,
            INCIDENT_FILTERS,
        ),
        ReportDefinition(
            "contacts",
            "Contact demand",
            "Contacts by channel and hour; repeat numbers and addresses (3+ in 30 days).",
            presentation.report_contacts,
            (*INCIDENT_FILTERS, "channel"),
        ),
        ReportDefinition(
            "markers",
            "Marker compliance",
            "No START contact within 72 h; withdrawn or extended; expired without review.",
            presentation.report_markers,
            (*DATE_FILTERS, "grade"),
        ),
        ReportDefinition(
            "staffing",
            "Staffing gaps",
            "Time below the minimum, by shift and role, and the gap alerts raised.",
            presentation.report_staffing,
            (*DATE_FILTERS, "role"),
        ),
        ReportDefinition(
            "diverts",
            "Divert tag list",
            "Every divert: outcome, QA finding, urgent review.",
            presentation.report_diverts,
            (*INCIDENT_FILTERS, "outcome", "reviewed", "urgent"),
        ),
    ]
}

STANDARD_REPORTS = [d for d in REPORTS.values() if d.name != "diverts"]


def report_definition(name: str) -> ReportDefinition:
    """Raises NotFound (`unknown_report`)."""
    try:
        return REPORTS[name]
    except KeyError:
        raise NotFound(
            f"There is no report {name!r}. Reports: {', '.join(REPORTS)}.", code="unknown_report"
        ) from None


def run_report(name: str, params, *, now, today, limit: int | None, offset: int = 0):
    """Parse `params` for report `name` and run it. Raises NotFound (no such report) and
    ValidationFailed (bad filters)."""
    definition = report_definition(name)
    filters = parse_filters(params, allowed=definition.filters, today=today, report=name)
    with report_queries():
        return definition.build(filters, now=now, limit=limit, offset=offset)
