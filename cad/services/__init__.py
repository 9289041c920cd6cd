"""Every write to contacts and incidents. One function per action, one transaction each; each
validates, writes the audit trail and schedules the live push after commit.

Safety rules kept here (DESIGN.md section 2, rules 1-5):
- every contact is recorded, with its number in E.164 (or kept as given and flagged);
- an incident starts at the recommended grade and its DA qualifier follows the assessment;
  removing the qualifier needs a written reason;
- nothing the system learns later (a log line, a corrected address) ever lowers the minimum
  grade on its own; it can only raise it (a handler's dismissal of context that was never the
  incident's, a probable marker match, lets the assessment start again);
- grading below the minimum needs a reason, and below a marker's floor or a DA Immediate also a
  supervisor; meanwhile the incident keeps its safer grade.

One module per subject, lowest first: `inputs` (shared input rules), `trail` (system log lines,
tags, views, change announcements), `grade` (applying a grade, when a supervisor is needed),
`assessment` (assessing and reassessing), `contacts` (every contact, and a further call about
an incident), `linking` (attaching a call to an open incident, or declining), `creation` (taking
a call), `details`, `log` (people's log lines), `grade_requests`, `grading`, `lifecycle` (status
and closing), `merging` (two incidents found to be one), `da_floor` and `da_answers` (the
handler's DA questions), `thrive` (THRIVE and its history).
Callers import from `cad.services`.
"""

from cad.services.assessment import call_assess, call_query, incident_context_withdrawn
from cad.services.contacts import contact_create
from cad.services.creation import incident_create
from cad.services.da_answers import incident_da_answers_record
from cad.services.details import incident_update_details
from cad.services.grade import supervisor_needed
from cad.services.grade_requests import grade_request_decide
from cad.services.grading import incident_grade, incident_set_domestic_abuse
from cad.services.inputs import MAX_LOG_TEXT, MAX_NAMED_PEOPLE, MAX_NARRATIVE, MAX_REASON
from cad.services.lifecycle import incident_close, incident_set_status
from cad.services.linking import call_attach
from cad.services.log import incident_log_add
from cad.services.merging import incident_merge
from cad.services.thrive import incident_thrive_record
from cad.services.trail import (
    created_rows,
    incident_system_log,
    incident_system_logs,
    incident_tag_add,
    incident_view_record,
)

__all__ = [
    "MAX_LOG_TEXT",
    "MAX_NAMED_PEOPLE",
    "MAX_NARRATIVE",
    "MAX_REASON",
    "call_assess",
    "created_rows",
    "call_attach",
    "call_query",
    "contact_create",
    "grade_request_decide",
    "incident_close",
    "incident_context_withdrawn",
    "incident_create",
    "incident_da_answers_record",
    "incident_grade",
    "incident_log_add",
    "incident_merge",
    "incident_set_domestic_abuse",
    "incident_set_status",
    "incident_system_log",
    "incident_system_logs",
    "incident_tag_add",
    "incident_thrive_record",
    "incident_update_details",
    "incident_view_record",
    "supervisor_needed",
]
