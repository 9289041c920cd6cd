"""Every write for units, assignments, diverts, controller reviews and inspector tasks, one
module per subject: `units` (adding, status, assign, release), `crews` (one unit per officer),
`reported` (a status's device time), `positions` (where a unit is), `diverts` (the divert and its review), `inspector`
(replacement and escalation), `closing` (an incident closed in cad), `merging` (units moving
when cad merges two incidents), `demo`; `steps` holds the building blocks they share.

One function per action, one transaction each. Each validates, locks what it changes, writes the
audit trail and the incident's system log, and schedules the live push after commit.

Locking order, kept everywhere so two actions cannot deadlock: the divert or inspector task row
(when there is one), then the unit, then the incidents in ascending id (`core.locks`). Rows are
locked FOR NO KEY UPDATE (as cad locks incidents): a lock that does not block the key-share
locks taken by inserts referencing the row (log entries, audit rows, alerts), and never
escalates against cad's. Open inspector tasks are taken with SKIP LOCKED from inside an
assignment, so that path never waits on a task row.
"""

from cad.models import DIVERT_TAG
from dispatch.services.closing import incident_closing_check, on_incident_changed
from dispatch.services.crews import unit_crew_set
from dispatch.services.demo import DEMO_UNITS, units_demo_seed
from dispatch.services.diverts import divert_review, unit_divert
from dispatch.services.inspector import diverts_escalate, inspector_task_resolve
from dispatch.services.merging import incident_units_move, on_incident_merging
from dispatch.services.positions import unit_position_report
from dispatch.services.steps import (
    divert_escalate_minutes,
    divert_subject,
)
from dispatch.services.units import (
    unit_assign,
    unit_create,
    unit_release,
    unit_set_status,
)

__all__ = [
    "DEMO_UNITS",
    "DIVERT_TAG",
    "divert_escalate_minutes",
    "divert_review",
    "divert_subject",
    "diverts_escalate",
    "incident_closing_check",
    "incident_units_move",
    "inspector_task_resolve",
    "on_incident_changed",
    "on_incident_merging",
    "unit_assign",
    "unit_create",
    "unit_crew_set",
    "unit_divert",
    "unit_position_report",
    "unit_release",
    "unit_set_status",
    "units_demo_seed",
]
