"""Response-time alerts about one incident: recording DUE_SOON, BREACHED and ESCALATED with the
incident's log line, checking one incident at once, and settling what no longer applies when
a unit arrives, the incident closes, or a regrade or area change moves its target.

When each threshold falls is the response clock's rule (`cad.clock`); this module records it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.fields.json import KT
from django.utils import timezone

from cad import clock
from cad.models import Incident, IncidentStatus
from cad.services import incident_system_logs
from core.notifications import notify
from core.roles import Role
from monitoring.models import RESPONSE_TIME_KINDS, Alert, AlertKind, AlertStatus
from monitoring.services.alerts import (
    AlertSpec,
    alerts_raise_many,
    alerts_settle_incident,
    alerts_settle_subjects,
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


@dataclass(frozen=True)
class DueAlert:
    """A DUE_SOON or BREACHED threshold that has passed for one incident, to record.
    `incident` carries `context_floor` (the marker floor); `due_soon_open`: a due-soon warning
    may be open (a breach then settles it)."""

    kind: str
    incident: Incident
    threshold_at: datetime
    due_soon_open: bool = True


def response_alert_record(
    *, kind: str, incident, threshold_at: datetime, now: datetime, due_soon_open: bool = True
) -> Alert | None:
    """Record one DUE_SOON or BREACHED alert (see `response_alerts_record`). Returns the alert,
    or None when it was already recorded. Runs inside the caller's transaction."""
    raised = response_alerts_record(
        [DueAlert(kind, incident, threshold_at, due_soon_open)], now=now
    )
    return raised[0] if raised else None


def response_alerts_record(
    due: list[DueAlert], *, now: datetime, due_soon_recorded: dict | None = None
) -> list[Alert]:
    """Record DUE_SOON and BREACHED alerts (or reopen one after a regrade back) and log each on
    its incident; a breach settles the due-soon warning it supersedes (when one may be open).
    One warning per target: a DUE_SOON is skipped when the incident was already warned about
    the same target under another due-soon lead. Batched: one query to check the warnings, one
    INSERT of the alerts, one of their audit events, one of the log lines, one settle.
    `due_soon_recorded`: the DUE_SOON alerts already recorded about these incidents, when the
    caller has read them (see `due_soon_rows`). Returns the alerts recorded, in the order of
    `due`. Runs inside the caller's transaction."""
    warned = _warned_for_targets(
        [d for d in due if d.kind == AlertKind.DUE_SOON], due_soon_recorded
    )
    due = [d for d in due if not (d.kind == AlertKind.DUE_SOON and d.incident.pk in warned)]
    by_incident = {d.incident.pk: d for d in due}
    raised = alerts_raise_many(
        [
            AlertSpec(
                kind=d.kind,
                subject=incident_subject(d.incident),
                threshold_at=d.threshold_at,
                incident=d.incident,
                message=_alert_message(d.kind, d.incident),
                data=_alert_data(d.incident),
            )
            for d in due
        ],
        now=now,
    )
    if not raised:
        return []
    incident_system_logs(
        [(by_incident[a.incident_id].incident, f"Alert {a.kind}: {a.message}") for a in raised],
        now=now,
    )
    superseding = [
        a.subject
        for a in raised
        if a.kind == AlertKind.BREACHED and by_incident[a.incident_id].due_soon_open
    ]
    alerts_settle_subjects(
        subjects=superseding, kinds=[AlertKind.DUE_SOON], reason="superseded by breach", now=now
    )
    return raised


def due_soon_rows(qs) -> dict[str, list[tuple]]:
    """{subject: [(threshold_at, target_response_at ISO, status, settled_reason), ...]} of the
    DUE_SOON alerts in `qs`."""
    earlier = defaultdict(list)
    for subject, threshold_at, target, status, reason in qs.filter(
        kind=AlertKind.DUE_SOON
    ).values_list(
        "subject", "threshold_at", KT("data__target_response_at"), "status", "settled_reason"
    ):
        earlier[subject].append((threshold_at, target, status, reason))
    return earlier


def _warned_for_targets(due: list[DueAlert], recorded: dict | None = None) -> set[int]:
    """The incidents among `due` (DUE_SOON) already warned about their current target under an
    earlier due-soon lead (the lead changed since, so the threshold differs): one query, or
    none with `recorded` (`due_soon_rows` of these incidents)."""
    if not due:
        return set()
    earlier = recorded
    if earlier is None:
        earlier = due_soon_rows(
            Alert.objects.filter(subject__in=[incident_subject(d.incident) for d in due])
        )
    return {
        d.incident.pk
        for d in due
        if any(
            target == d.incident.target_response_at.isoformat()
            and threshold_at != d.threshold_at
            and not settled_by_retarget(status, reason)
            for threshold_at, target, status, reason in earlier.get(
                incident_subject(d.incident), ()
            )
        )
    }


def breach_escalate(*, breach: Alert, incident, now: datetime) -> Alert | None:
    """Record the ESCALATED alert for one breach (see `breaches_escalate`). Returns it, or
    None when it was already recorded."""
    raised = breaches_escalate([(breach, incident)], now=now)
    return raised[0] if raised else None


def breaches_escalate(pairs: list[tuple[Alert, Incident]], *, now: datetime) -> list[Alert]:
    """Record the ESCALATED alert for each (breach left unacknowledged, its incident), log it
    and tell every inspector and supervisor. Batched like `response_alerts_record`. Returns
    the alerts recorded, in order."""
    incidents = {incident.pk: incident for _, incident in pairs}
    raised = alerts_raise_many(
        [
            AlertSpec(
                kind=AlertKind.ESCALATED,
                subject=breach.subject,
                threshold_at=breach.raised_at + escalate_after(),
                incident=incident,
                message=_alert_message(AlertKind.ESCALATED, incident),
                data={**(breach.data or {}), "breach_alert": breach.pk},
            )
            for breach, incident in pairs
        ],
        now=now,
    )
    if not raised:
        return []
    incident_system_logs(
        [(incidents[a.incident_id], f"Alert ESCALATED: {a.message}") for a in raised], now=now
    )
    users = _escalation_audience()
    for alert in raised:
        _notify_escalation(alert, users, now)
    return raised


def _escalation_audience() -> list:
    """Every active inspector and supervisor."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.INSPECTOR, Role.SUPERVISOR])
        .distinct()
    )


def _notify_escalation(alert: Alert, users: list, now: datetime) -> None:
    """Tell each of `users` once (the dedupe key)."""
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
