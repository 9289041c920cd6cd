"""Every write in intelligence: records, checks (only ever run by the system, or by a person
searching), the audit of who saw a check, and the support operators' queue. One function per
action, one transaction each.

One module per subject: `queries` (what a check looks for), `checks` (storing and viewing
checks), `records` (recording and importing intelligence), `queue` (deeper checks). Callers
import from `intelligence.services`.
"""

from intelligence.services.checks import (
    CHECKED_FIELDS,
    NO_CHECK_YET,
    intel_check_attach,
    intel_check_on_change,
    intel_check_run,
    intel_checks_viewed,
    intel_record_viewed,
)
from intelligence.services.queries import check_query_build, incident_check_query
from intelligence.services.queue import (
    check_request_cancel,
    check_request_claim,
    check_request_complete,
    check_request_create,
)
from intelligence.services.records import (
    ImportOutcome,
    PersonInput,
    RecordInput,
    intel_record_create,
    intel_record_validate,
    intel_records_import,
)

__all__ = [
    "CHECKED_FIELDS",
    "NO_CHECK_YET",
    "ImportOutcome",
    "PersonInput",
    "RecordInput",
    "check_query_build",
    "check_request_cancel",
    "check_request_claim",
    "check_request_complete",
    "check_request_create",
    "incident_check_query",
    "intel_check_attach",
    "intel_check_on_change",
    "intel_check_run",
    "intel_checks_viewed",
    "intel_record_create",
    "intel_record_validate",
    "intel_record_viewed",
    "intel_records_import",
]
