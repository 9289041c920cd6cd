"""Response-time alerts about one incident: recording DUE_SOON, BREACHED and ESCALATED with the
incident's log line, checking one incident at once, and settling what no longer applies when
a unit arrives, the incident closes, or a regrade or area change moves its target.

When each threshold falls is the response clock's rule (`cad.clock`); this module records it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from cad import clock
from cad.models import Incident, IncidentStatus
from cad.services import incident_system_log
from core.notifications import notify
from core.roles import Role
from monitoring.models import RESPONSE_TIME_KINDS, Alert, AlertKind, AlertStatus
from monitoring.services.alerts import (
    alert_raise_again,
    alerts_settle,
    alerts_settle_incident,
    incident_subject,
)
from monitoring.services.cursor import cursor_hold

# What a response-time alert needs of its incident (the scan loads only these).
ALERT_FIELDS = ("id", "reference", "grade", "status", "target_response_at", "domestic_abuse")
# How a regrade or an area change settles the alerts of the target it replaced: such an alert
# comes due again if a later change brings the same target back.
RETARGET_REASONS = ("regraded", "area changed")


def settled_by_retarget(status: str, reason: str) -> bool:
    return status == AlertStatus.SETTLED and reason.startswith(RETARGET_REASONS)


def escalate_after() -> timedelta:
    """How long a BREACHED alert may stay unacknowledged before it is ESCALATED."""
    return timedelta(minutes=float(getattr(settings, "CAD_BREACH_ESCALATE_AFTER_MINUTES", 2)))


def _alert_message(kind: str, incident) -> str:
    local = timezone.localtime(incident.target_response_at).strftime("%H:%M:%S")
    flags = []
    if incident.domestic_abuse:
        flags.append("DA")
    if getattr(incident, "context_floor", ""):
        flags.append("MARKER")
    prefix = f"{incident.reference} {incident.grade}" + (f" [{' '.join(flags)}]" if flags else "")
    if kind == AlertKind.BREACHED:
        return f"{prefix}: response target {local} passed, no unit at scene"
    if kind == AlertKind.DUE_SOON:
        return f"{prefix}: response target {local} due soon, no unit at scene"
    return f"{prefix}: breach unacknowledged, escalated to inspector and supervisor"


def _alert_data(incident) -> dict:
    return {
        "reference": incident.reference,
        "grade": incident.grade,
        "domestic_abuse": bool(incident.domestic_abuse),
        "marker": bool(getattr(incident, "context_floor", "")),
        "target_response_at": incident.target_response_at.isoformat()
        if incident.target_response_at
        else None,
    }


def response_alert_record(
    *, kind: str, incident, threshold_at: datetime, now: datetime, due_soon_open: bool = True
) -> Alert | None:
    """Record one DUE_SOON or BREACHED alert (or reopen it after a regrade back) and log it on
    the incident; a breach settles the due-soon warning it supersedes (when one may be open).
    `incident` carries `context_floor` (the marker floor). Returns the alert, or None when it
    was already recorded. Runs inside the caller's transaction."""
    subject = incident_subject(incident)
    if kind == AlertKind.DUE_SOON and _warned_for_target(subject, incident, threshold_at):
        return None
    alert = alert_raise_again(
        kind=kind,
        subject=subject,
        threshold_at=threshold_at,
        incident=incident,
        message=_alert_message(kind, incident),
        data=_alert_data(incident),
        now=now,
    )
    if alert is None:
        return None
    incident_system_log(incident=incident, now=now, text=f"Alert {kind}: {alert.message}")
    if kind == AlertKind.BREACHED and due_soon_open:
        alerts_settle(
            subject=subject, kinds=[AlertKind.DUE_SOON], reason="superseded by breach", now=now
        )
    return alert


def _warned_for_target(subject: str, incident, threshold_at: datetime) -> bool:
    """One warning per target: the incident was already warned about this target under an
    earlier due-soon lead (the lead changed since, so the threshold differs)."""
    earlier = (
        Alert.objects.filter(
            kind=AlertKind.DUE_SOON,
            subject=subject,
            data__target_response_at=incident.target_response_at.isoformat(),
        )
        .exclude(threshold_at=threshold_at)
        .values_list("status", "settled_reason")
    )
    return any(not settled_by_retarget(status, reason) for status, reason in earlier)


def breach_escalate(*, breach: Alert, incident, now: datetime) -> Alert | None:
    """Record the ESCALATED alert for a breach left unacknowledged, log it and tell every
    inspector and supervisor. Returns it, or None when it was already recorded."""
    alert = alert_raise_again(
        kind=AlertKind.ESCALATED,
        subject=breach.subject,
        threshold_at=breach.raised_at + escalate_after(),
        incident=incident,
        message=_alert_message(AlertKind.ESCALATED, incident),
        data={**(breach.data or {}), "breach_alert": breach.pk},
        now=now,
    )
    if alert is None:
        return None
    incident_system_log(incident=incident, now=now, text=f"Alert ESCALATED: {alert.message}")
    _notify_escalation(alert, now)
    return alert


def _notify_escalation(alert: Alert, now: datetime) -> None:
    """Tell every active inspector and supervisor, each once (the dedupe key)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.INSPECTOR, Role.SUPERVISOR])
        .distinct()
    )
    for user in users:
        notify(
            user=user,
            kind="alert.escalated",
            text=alert.message,
            link="/monitoring/alerts/",
            dedupe_key=f"alert:{alert.pk}",
            now=now,
        )


def incident_response_check(*, incident: Incident, now: datetime | None = None) -> list[Alert]:
    """Check one incident at once, after a change that may have moved its thresholds behind the
    scan. Runs inside the caller's transaction and holds the scan's cursor until it commits
    (`cursor.cursor_hold`); checks at `now` or at the cursor, whichever is later, since the
    scan never looks again at what fell before its cursor. Returns the alerts recorded."""
    now = now or timezone.now()
    if not clock.clock_running(incident):
        return []
    behind = cursor_hold()
    now = max(now, behind) if behind else now
    policy = clock.policy_for(incident.grade)  # cached per process (`cad.refdata`)
    passed = clock.passed_threshold(
        target_at=incident.target_response_at, lead=clock.due_soon_lead(policy), now=now
    )
    if not passed:
        return []
    incident.context_floor = (incident.assessment or {}).get("context_floor", "")
    kind, threshold_at = passed
    alert = response_alert_record(
        kind=AlertKind(kind), incident=incident, threshold_at=threshold_at, now=now
    )
    return [alert] if alert else []


# --- Reacting to incident changes (cad.signals, inside cad's transaction) -----------------------


def on_incident_changed(sender, incident, actor=None, changes=None, **kwargs):
    """`cad.signals.incident_changed` receiver: arrival at scene or closure settles every open
    alert about the incident; a regrade or an area change settles the response-time alerts for
    the old target and checks the new one at once."""
    changes = changes or {}
    new_status = changes["status"][1] if "status" in changes else None
    stops = new_status in (IncidentStatus.AT_SCENE, IncidentStatus.CLOSED)
    retarget = [name for name in ("grade", "area") if name in changes]
    if not stops and not retarget:
        return
    # Agree with the scan first (see `cursor`): it cannot raise for the old state after this
    # settles, nor miss the new state's thresholds.
    cursor_hold()
    if new_status == IncidentStatus.AT_SCENE:
        arrived_at = incident.first_arrived_at or timezone.now()
        # A status sent late with its device time can arrive after an alert whose threshold
        # the unit had in fact beaten: say so on those, so nobody reads them as real breaches.
        alerts_settle_incident(
            incident=incident,
            kinds=RESPONSE_TIME_KINDS,
            keep_ids=Alert.objects.filter(
                incident=incident, threshold_at__lte=arrived_at
            ).values_list("pk", flat=True),
            reason="unit was at scene before this threshold (its status was reported late)",
            now=arrived_at,
        )
        alerts_settle_incident(incident=incident, reason="unit at scene", now=arrived_at)
    elif new_status == IncidentStatus.CLOSED:
        alerts_settle_incident(
            incident=incident, reason="incident closed", now=incident.closed_at or timezone.now()
        )
    if retarget and incident.status in clock.CLOCK_RUNNING_STATUSES:
        # A new grade or a new area means a new target (cad recomputed it): settle what no
        # longer applies and check the new target at once.
        reason = "; ".join(
            f"{'regraded' if name == 'grade' else 'area changed'} "
            f"{changes[name][0]} -> {changes[name][1]}"
            for name in retarget
        )
        now = (incident.graded_at if "grade" in changes else None) or timezone.now()
        alerts_settle_incident(
            incident=incident,
            kinds=RESPONSE_TIME_KINDS,
            keep_ids=_alerts_still_valid(incident),
            reason=reason,
            now=now,
        )
        incident_response_check(incident=incident, now=now)


def _alerts_still_valid(incident: Incident) -> list[int]:
    """After a regrade, the open response-time alerts that the new target leaves true (a grade
    with the same target: its breach, and its warning whatever lead it was given under): they
    stay open rather than being settled and raised again."""
    if incident.target_response_at is None:
        return []
    target = incident.target_response_at
    alerts = list(
        Alert.objects.filter(
            incident=incident,
            kind__in=RESPONSE_TIME_KINDS,
            status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
        )
    )
    keep = {
        a.pk
        for a in alerts
        if (a.kind == AlertKind.BREACHED and a.threshold_at == target)
        or (
            a.kind == AlertKind.DUE_SOON
            and (a.data or {}).get("target_response_at") == target.isoformat()
        )
    }
    keep |= {
        a.pk
        for a in alerts
        if a.kind == AlertKind.ESCALATED and (a.data or {}).get("breach_alert") in keep
    }
    return sorted(keep)


def on_incident_created(sender, incident, actor=None, **kwargs):
    """`cad.signals.incident_created` receiver: a policy whose due-soon lead is as long as its
    target makes the warning due at once; record it now rather than never."""
    incident_response_check(incident=incident, now=incident.received_at)
