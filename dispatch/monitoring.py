"""Response-time monitoring: the scan that raises DUE_SOON, BREACHED and ESCALATED alerts, the
listeners that settle them, and the grade policy service.

Nobody has to watch the clock (DESIGN.md rule 9). Every second the scan selects, through the
partial index on open unattended incidents (`cad_incident_unattended_idx`), the incidents whose
next threshold fell since the previous scan, and records each alert exactly once: the unique
constraint on (kind, subject, threshold_at) decides, so overlapping scans, a retried task or a
second beat process create nothing twice. Only newly recorded alerts are published, after commit.

The scan keeps a cursor (`MonitorCursor`): the `now` of the latest committed scan. It looks at
thresholds after the cursor less a short lookback, so its cost depends on how many thresholds
fell in the last second or so, not on how many incidents are open or already alerted. A stopped
worker resumes from the cursor and catches up everything that fell while it was down. Changes
that can move a threshold into the past (a regrade, a new incident under a policy whose lead is
longer than its target) are checked at once, inside the transaction that made them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone

from cad.exceptions import NotFound, ValidationFailed
from cad.models import Grade, GradePolicy, Incident, IncidentStatus
from cad.services import incident_system_log
from core.audit import audit_record
from core.live import ALL, publish
from core.notifications import notify
from core.roles import Role
from dispatch.alerts import (
    alert_raise_again,
    alerts_published_together,
    alerts_settle,
    alerts_settle_incident,
    incident_subject,
)
from dispatch.models import (
    RESPONSE_TIME_KINDS,
    Alert,
    AlertKind,
    AlertStatus,
    MonitorCursor,
)

logger = logging.getLogger(__name__)

CURSOR_NAME = "response_times"
UNATTENDED = (IncidentStatus.OPEN, IncidentStatus.RESOURCED)
MAX_POLICY_MINUTES = 24 * 60 * 7


def escalate_after() -> timedelta:
    """How long a BREACHED alert may stay unacknowledged before it is ESCALATED."""
    return timedelta(minutes=float(getattr(settings, "CAD_BREACH_ESCALATE_AFTER_MINUTES", 2)))


def lookback() -> timedelta:
    """How far before the cursor each scan looks again: covers clock skew between hosts and a
    row committed just after the previous scan read. Anything already recorded is skipped.
    Kept short because every scan re-reads what fell in this window; changes that put a
    threshold in the past (regrades, new incidents) are checked at once, not left to the scan."""
    return timedelta(seconds=float(getattr(settings, "CAD_SCAN_LOOKBACK_SECONDS", 5)))


# --- Thresholds ----------------------------------------------------------------------------------


def due_soon_lead(policy: GradePolicy | None) -> timedelta:
    return timedelta(minutes=(policy.due_soon_minutes or 0) if policy else 0)


def passed_threshold(
    *, target_at: datetime | None, lead: timedelta, now: datetime
) -> tuple[str, datetime] | None:
    """The latest response-time threshold that has passed at `now`: (BREACHED, target) once the
    target has passed, else (DUE_SOON, target - lead) once that has, else None. A breach makes
    the due-soon warning moot, so only the breach is raised."""
    if target_at is None:
        return None
    if target_at <= now:
        return AlertKind.BREACHED, target_at
    if lead and target_at - lead <= now:
        return AlertKind.DUE_SOON, target_at - lead
    return None


def _alert_message(kind: str, incident, threshold_at: datetime) -> str:
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


def _record(
    kind: str, incident, threshold_at: datetime, now: datetime, *, due_soon_open: bool = True
) -> Alert | None:
    """Record one response-time alert (or reopen it after a regrade back); log it on the
    incident; a breach settles the due-soon warning it supersedes (when one may be open)."""
    subject = incident_subject(incident)
    alert = alert_raise_again(
        kind=kind,
        subject=subject,
        threshold_at=threshold_at,
        incident=incident,
        message=_alert_message(kind, incident, threshold_at),
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


def _escalate(breach: Alert, incident, now: datetime) -> Alert | None:
    alert = alert_raise_again(
        kind=AlertKind.ESCALATED,
        subject=breach.subject,
        threshold_at=breach.raised_at + escalate_after(),
        incident=incident,
        message=_alert_message(AlertKind.ESCALATED, incident, breach.threshold_at),
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


# --- The scan ------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """What one scan did. `raised` holds only alerts this scan recorded (or reopened)."""

    now: datetime
    since: datetime | None
    candidates: int = 0
    raised: list[Alert] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for a in self.raised if a.kind == kind)


def _unattended():
    return Incident.objects.filter(
        status__in=UNATTENDED, first_arrived_at__isnull=True, target_response_at__isnull=False
    )


def candidates_query(*, since: datetime | None, now: datetime, policies: dict):
    """Unattended incidents with a threshold in (since, now], through the partial index.

    One range on target_response_at per grade for the due-soon threshold (target - lead) and
    one for the breach (target): the planner ORs index ranges, each about one second wide."""
    ranges = Q(target_response_at__lte=now)
    if since is not None:
        ranges &= Q(target_response_at__gt=since)
    for grade, policy in policies.items():
        lead = due_soon_lead(policy)
        if not lead:
            continue
        due = Q(grade=grade, target_response_at__lte=now + lead)
        if since is not None:
            due &= Q(target_response_at__gt=since + lead)
        ranges |= due
    return (
        _unattended()
        .filter(ranges)
        .only("id", "reference", "grade", "status", "target_response_at", "domestic_abuse")
        .annotate(context_floor=KT("assessment__context_floor"))
        .order_by("target_response_at", "id")
    )


def _candidates(*, since: datetime | None, now: datetime, policies: dict) -> list[Incident]:
    return list(candidates_query(since=since, now=now, policies=policies))


def _existing_keys(kinds, subjects) -> dict[tuple[str, str, datetime], tuple[str, str]]:
    """The recorded alerts among `subjects`: (kind, subject, threshold_at) -> (status, reason)."""
    if not subjects:
        return {}
    rows = Alert.objects.filter(kind__in=list(kinds), subject__in=list(subjects)).values_list(
        "kind", "subject", "threshold_at", "status", "settled_reason"
    )
    return {(k, s, t): (status, reason) for k, s, t, status, reason in rows}


def _may_come_due_again(recorded: tuple[str, str] | None) -> bool:
    """A recorded key comes due again only when a regrade settled it and a later regrade
    brought the same target back."""
    if recorded is None:
        return True
    status, reason = recorded
    return status == AlertStatus.SETTLED and reason.startswith("regraded")


def _breaches_to_escalate(*, since: datetime | None, now: datetime) -> list[Alert]:
    """Open (unacknowledged) BREACHED alerts raised at least `escalate_after` ago, whose
    escalation time fell in (since, now]: through the partial index on open alerts."""
    after = escalate_after()
    qs = Alert.objects.filter(
        status=AlertStatus.OPEN, kind=AlertKind.BREACHED, raised_at__lte=now - after
    )
    if since is not None:
        qs = qs.filter(raised_at__gt=since - after)
    return list(qs.order_by("raised_at", "id"))


def _advance_cursor(now: datetime) -> None:
    """Move the cursor forward to `now` (never back). Runs last in the scan's transaction so the
    row lock is held briefly; a scan that rolls back leaves the cursor where it was."""
    if MonitorCursor.objects.filter(name=CURSOR_NAME, scanned_through_at__lt=now).update(
        scanned_through_at=now
    ):
        return
    if MonitorCursor.objects.filter(name=CURSOR_NAME).exists():
        return
    try:
        with transaction.atomic():
            MonitorCursor.objects.create(name=CURSOR_NAME, scanned_through_at=now)
    except IntegrityError:
        # A concurrent first scan created it; move it forward if we are later.
        MonitorCursor.objects.filter(name=CURSOR_NAME, scanned_through_at__lt=now).update(
            scanned_through_at=now
        )


def _claim_cursor(now: datetime) -> datetime | None:
    """The cursor before this scan. On PostgreSQL one statement reads it and moves it forward
    to `now`, locking its row for the scan's transaction: a second beat's scan waits for this one
    to commit and then sees what it recorded. (Elsewhere the scan moves it at the end.)"""
    if connection.vendor != "postgresql":
        return (
            MonitorCursor.objects.filter(name=CURSOR_NAME)
            .values_list("scanned_through_at", flat=True)
            .first()
        )
    table = connection.ops.quote_name(MonitorCursor._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH old AS (SELECT name, scanned_through_at FROM {table} WHERE name = %s FOR UPDATE) "
            f"UPDATE {table} AS c SET scanned_through_at = GREATEST(old.scanned_through_at, %s) "
            "FROM old WHERE c.name = old.name RETURNING old.scanned_through_at",
            [CURSOR_NAME, now],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    _advance_cursor(now)  # the first scan ever: create it
    return None


def scan_response_times(*, now: datetime | None = None) -> ScanResult:
    """Record every DUE_SOON, BREACHED and ESCALATED alert whose time has come, exactly once.

    Idempotent: running it again (or twice at once) records nothing new. Safe to run every
    second. Returns what this scan recorded."""
    now = now or timezone.now()
    policies = {p.grade: p for p in GradePolicy.objects.all()}
    with transaction.atomic(), alerts_published_together():
        cursor_at = _claim_cursor(now)
        since = cursor_at - lookback() if cursor_at else None
        result = ScanResult(now=now, since=since)

        incidents = _candidates(since=since, now=now, policies=policies)
        result.candidates = len(incidents)
        due = []
        for incident in incidents:
            passed = passed_threshold(
                target_at=incident.target_response_at,
                lead=due_soon_lead(policies.get(incident.grade)),
                now=now,
            )
            if passed:
                due.append((incident, *passed))
        if due:
            recorded = _existing_keys(
                (AlertKind.DUE_SOON, AlertKind.BREACHED),
                {incident_subject(i) for i, _, _ in due},
            )
            due_soon_open = {
                subject
                for (kind, subject, _), (status, _) in recorded.items()
                if kind == AlertKind.DUE_SOON and status != AlertStatus.SETTLED
            }
            for incident, kind, threshold_at in due:
                subject = incident_subject(incident)
                if not _may_come_due_again(recorded.get((kind, subject, threshold_at))):
                    continue
                alert = _record(
                    kind, incident, threshold_at, now, due_soon_open=subject in due_soon_open
                )
                if alert is not None:
                    result.raised.append(alert)

        breaches = _breaches_to_escalate(since=since, now=now)
        if breaches:
            escalated = {
                (subject, threshold_at)
                for _, subject, threshold_at in _existing_keys(
                    (AlertKind.ESCALATED,), {b.subject for b in breaches}
                )
            }
            waiting = [
                b for b in breaches if (b.subject, b.raised_at + escalate_after()) not in escalated
            ]
            incidents_by_id = {
                i.pk: i
                for i in _unattended()
                .filter(pk__in=[b.incident_id for b in waiting if b.incident_id])
                .only("id", "reference", "grade", "status", "target_response_at", "domestic_abuse")
                .annotate(context_floor=KT("assessment__context_floor"))
            }
            for breach in waiting:
                incident = incidents_by_id.get(breach.incident_id)
                if incident is None:
                    continue  # attended or closed meanwhile: its alerts are being settled
                alert = _escalate(breach, incident, now)
                if alert is not None:
                    result.raised.append(alert)

        if connection.vendor != "postgresql":
            _advance_cursor(now)
        if not result.raised and connection.vendor == "postgresql":
            # A quiet scan only moved the cursor: no need to wait for the disk. Should the
            # database crash before it is flushed, the next scan simply looks again.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
    if result.raised:
        # Bounded: a catch-up after an outage may raise hundreds at once.
        shown = ", ".join(f"{a.kind} {a.subject}" for a in result.raised[:20])
        more = len(result.raised) - 20
        logger.info(
            "response-time scan raised %d alert(s): %s%s",
            len(result.raised),
            shown,
            f" and {more} more" if more > 0 else "",
        )
    return result


def incident_response_check(*, incident: Incident, now: datetime | None = None) -> list[Alert]:
    """Check one incident at once (after a change that may have moved its thresholds into the
    past). Runs inside the caller's transaction; returns the alerts recorded."""
    now = now or timezone.now()
    if incident.status not in UNATTENDED or incident.first_arrived_at is not None:
        return []
    policy = GradePolicy.objects.filter(grade=incident.grade).first()
    passed = passed_threshold(
        target_at=incident.target_response_at, lead=due_soon_lead(policy), now=now
    )
    if not passed:
        return []
    incident.context_floor = (incident.assessment or {}).get("context_floor", "")
    alert = _record(passed[0], incident, passed[1], now)
    return [alert] if alert else []


# --- Settling: arrival, closure, regrade ---------------------------------------------------------


def on_incident_changed(sender, incident, actor=None, changes=None, **kwargs):
    """`cad.signals.incident_changed` receiver (inside the service's transaction): arrival at
    scene or closure settles every open alert about the incident; a regrade or an area
    change settles the response-time alerts for the old target and checks the new one at once."""
    changes = changes or {}
    if "status" in changes:
        new_status = changes["status"][1]
        if new_status == IncidentStatus.AT_SCENE:
            alerts_settle_incident(
                incident=incident,
                reason="unit at scene",
                now=incident.first_arrived_at or timezone.now(),
            )
        elif new_status == IncidentStatus.CLOSED:
            alerts_settle_incident(
                incident=incident,
                reason="incident closed",
                now=incident.closed_at or timezone.now(),
            )
    retarget = [name for name in ("grade", "area") if name in changes]
    if retarget and incident.status in UNATTENDED:
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
    with the same target): they stay open rather than being settled and raised again."""
    if incident.target_response_at is None:
        return []
    lead = due_soon_lead(GradePolicy.objects.filter(grade=incident.grade).first())
    valid = {(AlertKind.BREACHED, incident.target_response_at)}
    if lead:
        valid.add((AlertKind.DUE_SOON, incident.target_response_at - lead))
    alerts = list(
        Alert.objects.filter(
            incident=incident,
            kind__in=RESPONSE_TIME_KINDS,
            status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
        )
    )
    keep = {a.pk for a in alerts if (a.kind, a.threshold_at) in valid}
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


# --- Grade policies ------------------------------------------------------------------------------


def _minutes(value, what: str, *, allow_none: bool = True) -> int | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationFailed(f"{what} is required.", code="required")
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"{what} must be a whole number of minutes.", code="invalid"
        ) from None
    if minutes < 1 or minutes > MAX_POLICY_MINUTES:
        raise ValidationFailed(
            f"{what} must be between 1 and {MAX_POLICY_MINUTES} minutes.", code="out_of_range"
        )
    return minutes


_UNSET = object()


def grade_policy_update(
    *,
    actor,
    grade: str,
    urban_target_minutes=_UNSET,
    rural_target_minutes=_UNSET,
    due_soon_minutes=_UNSET,
    now: datetime | None = None,
) -> GradePolicy:
    """Change a grade's targets and due-soon lead (only the fields given). Applies to new
    gradings; incidents already graded keep their target until they are regraded (a regrade
    recomputes from when the call was received). A longer due-soon lead is applied to open
    incidents by the scan at once: the cursor is moved back so none is skipped.

    Raises ValidationFailed for an unknown grade, a non-positive value, or a lead that is not
    shorter than both targets."""
    now = now or timezone.now()
    if grade not in Grade.values:
        raise NotFound(f"Unknown grade '{grade}'. Use one of: {', '.join(Grade.values)}.")
    with transaction.atomic():
        policy, _ = GradePolicy.objects.select_for_update().get_or_create(grade=grade)
        before = {
            "urban_target_minutes": policy.urban_target_minutes,
            "rural_target_minutes": policy.rural_target_minutes,
            "due_soon_minutes": policy.due_soon_minutes,
        }
        if urban_target_minutes is not _UNSET:
            policy.urban_target_minutes = _minutes(urban_target_minutes, "urban_target_minutes")
        if rural_target_minutes is not _UNSET:
            policy.rural_target_minutes = _minutes(rural_target_minutes, "rural_target_minutes")
        if due_soon_minutes is not _UNSET:
            policy.due_soon_minutes = _minutes(due_soon_minutes, "due_soon_minutes")
        targets = [t for t in (policy.urban_target_minutes, policy.rural_target_minutes) if t]
        if policy.due_soon_minutes and targets and policy.due_soon_minutes >= min(targets):
            raise ValidationFailed(
                "due_soon_minutes must be shorter than the urban and rural targets.",
                code="due_soon_too_long",
                fields={"due_soon_minutes": ["Must be shorter than both targets."]},
            )
        if policy.due_soon_minutes and not targets:
            raise ValidationFailed(
                "A grade without a target has no due-soon warning.", code="due_soon_without_target"
            )
        after = {
            "urban_target_minutes": policy.urban_target_minutes,
            "rural_target_minutes": policy.rural_target_minutes,
            "due_soon_minutes": policy.due_soon_minutes,
        }
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if not changed:
            return policy
        policy.save()
        longer_lead = (after["due_soon_minutes"] or 0) - (before["due_soon_minutes"] or 0)
        if longer_lead > 0:
            rewind_to = now - timedelta(minutes=longer_lead)
            MonitorCursor.objects.filter(name=CURSOR_NAME, scanned_through_at__gt=rewind_to).update(
                scanned_through_at=rewind_to
            )
        audit_record(
            actor=actor,
            action="grade_policy.updated",
            obj=policy,
            at=now,
            summary=f"{grade} policy changed: "
            + ", ".join(f"{k} {v[0]} -> {v[1]}" for k, v in changed.items()),
            data={"grade": grade, "changes": changed},
        )
        publish(ALL, {"type": "grade_policy.updated", "grade": grade})
    return policy
