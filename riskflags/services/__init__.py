"""Every write to markers and victim contacts. One function per action, one transaction each;
each validates, writes the audit trail (the marker's history) and publishes after commit.

The rules (DESIGN.md rule 6): a marker lasts at most 183 days; it applies the moment it
is created and its OIC is told the victim must be informed; no START contact within 72 hours
alerts the OIC and the supervisor; review reminders 14 and 3 days before expiry; extension and
withdrawal are refused until a contact attempt for that purpose is recorded; at `expires_at` the
marker expires by itself only if the victim was contacted for its review; otherwise it is
REVIEW_OVERDUE (still in force, OIC and supervisor alerted daily) until a contact attempt is
recorded, then it is extended or ends. Nothing is deleted.

One module per subject: `rules` (who may change a marker, dates, numbers, telling the OIC),
`markers` (create, correct), `contacts` (victim contacts), `review` (withdraw, extend),
`lifecycle` (expiry or review-overdue, START contact alert, review reminders), `matches` (a
probable address match dismissed on an incident), `reads` (who read a marker). Callers import from
`riskflags.services`.
"""

from riskflags.services.contacts import victim_contact_record
from riskflags.services.lifecycle import (
    marker_expire,
    marker_review_overdue_alert,
    marker_review_remind,
    marker_start_contact_overdue,
    markers_lifecycle_run,
)
from riskflags.services.markers import (
    UNSET,
    DuplicateMarkers,
    marker_create,
    marker_duplicates,
    marker_update,
)
from riskflags.services.matches import marker_match_dismiss
from riskflags.services.reads import marker_list_viewed, markers_viewed
from riskflags.services.review import marker_extend, marker_withdraw
from riskflags.services.rules import CLOCK_SKEW, MAX_PHONES, can_manage_marker, supervisors_for

__all__ = [
    "CLOCK_SKEW",
    "DuplicateMarkers",
    "marker_duplicates",
    "MAX_PHONES",
    "UNSET",
    "can_manage_marker",
    "marker_create",
    "marker_expire",
    "marker_extend",
    "marker_review_overdue_alert",
    "marker_match_dismiss",
    "marker_review_remind",
    "marker_start_contact_overdue",
    "marker_update",
    "marker_withdraw",
    "markers_lifecycle_run",
    "markers_viewed",
    "marker_list_viewed",
    "supervisors_for",
    "victim_contact_record",
]
