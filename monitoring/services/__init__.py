"""Every write about alerts: recording, acknowledging and settling them (`alerts`), the alerts
about one incident's response time (`response`), the scan that raises them (`scan`) and the
cursor through which the scan and the changes that move thresholds agree (`cursor`)."""

from monitoring.services.alerts import (
    AlertSpec,
    alert_acknowledge,
    alert_raise,
    alert_raise_again,
    alert_reopen,
    alerts_raise_many,
    alerts_settle,
    alerts_settle_incident,
    alerts_settle_subjects,
    incident_subject,
)
from monitoring.services.cursor import CURSOR_NAME, cursor_at, cursor_hold
from monitoring.services.response import (
    DueAlert,
    breach_escalate,
    breaches_escalate,
    escalate_after,
    incident_response_check,
    on_incident_changed,
    on_incident_created,
    response_alert_record,
    response_alerts_record,
)
from monitoring.services.scan import (
    ScanResult,
    candidates_query,
    lookback,
    on_grade_policy_changed,
    scan_response_times,
)

__all__ = [
    "CURSOR_NAME",
    "AlertSpec",
    "DueAlert",
    "ScanResult",
    "alert_acknowledge",
    "alert_raise",
    "alert_raise_again",
    "alert_reopen",
    "alerts_raise_many",
    "alerts_settle",
    "alerts_settle_incident",
    "alerts_settle_subjects",
    "breach_escalate",
    "breaches_escalate",
    "candidates_query",
    "cursor_at",
    "cursor_hold",
    "escalate_after",
    "incident_response_check",
    "incident_subject",
    "lookback",
    "on_grade_policy_changed",
    "on_incident_changed",
    "on_incident_created",
    "response_alert_record",
    "response_alerts_record",
    "scan_response_times",
]
