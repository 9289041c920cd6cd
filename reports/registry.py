"""The reports: name, title, who may read them, which filters apply, and the selector."""

from collections.abc import Callable
from dataclasses import dataclass

from core.roles import Role
from reports import selectors
from reports.filters import DATE_FILTERS, INCIDENT_FILTERS

READERS = (Role.SUPERVISOR, Role.INSPECTOR, Role.QA_REVIEWER, Role.ADMIN)
QA_WRITERS = (Role.QA_REVIEWER,)


@dataclass(frozen=True)
class ReportDefinition:
    name: str
    title: str
    description: str
    selector: Callable
    filters: tuple[str, ...]


REPORTS: dict[str, ReportDefinition] = {
    d.name: d
    for d in [
        ReportDefinition(
            "response-times",
            "Response-time compliance",
            "Attended within target, median and 90th-percentile time to arrival, by grade and "
            "by hour.",
            selectors.report_response_times,
            INCIDENT_FILTERS,
        ),
        ReportDefinition(
            "breaches",
            "Breaches",
            "Every breached incident: how late, a divert before it, who acknowledged and when.",
            selectors.report_breaches,
            INCIDENT_FILTERS,
        ),
        ReportDefinition(
            "downgrades",
            "Downgrades",
            "Gradings below the recommended or minimum grade; DA calls below Immediate.",
            selectors.report_downgrades,
            INCIDENT_FILTERS,
        ),
        ReportDefinition(
            "contacts",
            "Contact demand",
            "Contacts by channel and hour; repeat numbers and addresses (3+ in 30 days).",
            selectors.report_contacts,
            (*INCIDENT_FILTERS, "channel"),
        ),
        ReportDefinition(
            "markers",
            "Marker compliance",
            "No START contact within 72 h; withdrawn or extended; expired without review.",
            selectors.report_markers,
            (*DATE_FILTERS, "grade"),
        ),
        ReportDefinition(
            "staffing",
            "Staffing gaps",
            "Time below the minimum, by shift and role, and the gap alerts raised.",
            selectors.report_staffing,
            (*DATE_FILTERS, "role"),
        ),
        ReportDefinition(
            "diverts",
            "Divert tag list",
            "Every divert: outcome, QA finding, urgent review.",
            selectors.report_diverts,
            (*INCIDENT_FILTERS, "outcome", "reviewed", "urgent"),
        ),
    ]
}

STANDARD_REPORTS = [d for d in REPORTS.values() if d.name != "diverts"]


def report_definition(name: str) -> ReportDefinition:
    from cad.exceptions import NotFound

    try:
        return REPORTS[name]
    except KeyError:
        raise NotFound(
            f"There is no report {name!r}. Reports: {', '.join(REPORTS)}.", code="unknown_report"
        ) from None


def run_report(name: str, params, *, now, today, limit: int | None, offset: int = 0):
    """Parse `params` for report `name` and run it. Raises NotFound (no such report) and
    ValidationFailed (bad filters)."""
    from reports.filters import parse_filters

    definition = report_definition(name)
    filters = parse_filters(params, allowed=definition.filters, today=today, report=name)
    return definition.selector(filters, now=now, limit=limit, offset=offset)
