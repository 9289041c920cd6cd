"""How each report lays out its numbers: a summary, charts and tables (`reports.results`), one
module per report; and the renderings shared by every report: SVG charts (`charts`) and CSV
(`csv_export`). The numbers themselves come from `reports.queries`.

Each report is one function `report_<name>(filters, *, now, limit=None, offset=0)` returning
a `ReportResult`; `limit` and `offset` page the row-list tables, `limit=None` is every row.
"""

from reports.presentation.breaches import report_breaches
from reports.presentation.contacts import report_contacts
from reports.presentation.diverts import report_diverts
from reports.presentation.downgrades import report_downgrades
from reports.presentation.markers import report_markers
from reports.presentation.response_times import report_response_times
from reports.presentation.staffing import report_staffing

__all__ = [
    "report_breaches",
    "report_contacts",
    "report_diverts",
    "report_downgrades",
    "report_markers",
    "report_response_times",
    "report_staffing",
]
