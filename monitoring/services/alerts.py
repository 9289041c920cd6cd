"""Recording, acknowledging and settling alerts: the one implementation every feature uses
(the response-time scan, diverts in `dispatch`, staffing gaps in `staffing`).

An alert is about a subject, a stable key such as "incident:42" or "shift:7:DISPATCHER"; it is
recorded once per (kind, subject, threshold): the unique constraint decides.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from cad.exceptions import Conflict
from cad.models import Incident
from cad.services import incident_system_log
from core.audit import audit_event, audit_record, audit_record_many
from core.locks import lock_row
from monitoring import events
from monitoring.models import Alert, AlertStatus

logger = logging.getLogger(__name__)


def incident_subject(incident) -> str:
    """The subject of the alerts about one incident (response times, an unresourced divert)."""
    return f"incident:{incident.pk}"


def _publish(kind: str, alert: Alert) -> None:
    """Publish an alert change after commit (`core.live` sends a transaction's pushes to each
    group as one message)."""
    events.publish_alert(kind, alert)


def alert_raise(
    *,
    kind: str,
    subject: str,
    threshold_at: datetime,
    incident=None,
    message: str = "",
    data: dict | None = None,
    now: datetime | None = None,
) -> Alert | None:
    """Record an alert once. Returns the new alert, or None when it was already recorded: the
    unique constraint decides, so concurrent scans or a second beat cannot both record it.
    Only a newly recorded alert is audited and published (after commit)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                subject=subject,
                incident=incident,
                threshold_at=threshold_at,
                raised_at=now,
                message=message[:300],
                data=data or {},
            )
    except IntegrityError:
        return None
    audit_record(
        actor=None,
        action="alert.raised",
        obj=incident if incident is not None else alert,
        at=now,
        summary=f"{kind}: {message}"[:300],
        data={"alert": alert.pk, "kind": kind, "subject": subject, "threshold_at": threshold_at},
    )
    _publish("raised", alert)
    return alert


@dataclass
class AlertSpec:
    """One alert to record with `alerts_raise_many` (the arguments of `alert_raise`)."""

    kind: str
    subject: str
    threshold_at: datetime
    incident: Incident | None = None
    message: str = ""
    data: dict = field(default_factory=dict)


def _raised_event(alert: Alert, incident, now: datetime):
    return audit_event(
        actor=None,
        action="alert.raised",
        obj=incident if incident is not None else alert,
        at=now,
        summary=f"{alert.kind}: {alert.message}"[:300],
        data={
            "alert": alert.pk,
            "kind": alert.kind,
            "subject": alert.subject,
            "threshold_at": alert.threshold_at,
        },
    )


def _insert_once(specs: list[AlertSpec], now: datetime) -> dict[tuple, Alert]:
    """One INSERT ... ON CONFLICT DO NOTHING for every spec: the unique constraint on (kind,
    subject, threshold_at) decides, as in `alert_raise`, but without a savepoint per alert.
    Returns the alerts this statement inserted, by key (a key already recorded, or recorded by
    a concurrent transaction that committed first, inserts nothing)."""
    fields = [f for f in Alert._meta.concrete_fields if not f.primary_key]
    alerts, rows, params = [], [], []
    for spec in specs:
        alert = Alert(
            kind=spec.kind,
            subject=spec.subject,
            incident=spec.incident,
            # In UTC, as read back from the database (the pushed payload shows the offset).
            threshold_at=spec.threshold_at.astimezone(UTC),
            raised_at=now.astimezone(UTC),
            message=spec.message[:300],
            data=spec.data or {},
        )
        alerts.append(alert)
        rows.append("(" + ", ".join(["%s"] * len(fields)) + ")")
        params += [f.get_db_prep_save(f.pre_save(alert, True), connection) for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(Alert._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES {', '.join(rows)} "
        "ON CONFLICT (kind, subject, threshold_at) DO NOTHING RETURNING id, kind, subject"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    by_pair = {(a.kind, a.subject): a for a in alerts}
    if len(by_pair) < len(alerts):
        # Two thresholds of one kind for one subject: read the rows back to tell them apart.
        found = Alert.objects.filter(pk__in=[row[0] for row in returned])
        return {(a.kind, a.subject, a.threshold_at): a for a in found}
    inserted = {}
    for pk, kind, subject in returned:
        alert = by_pair[(kind, subject)]
        alert.pk, alert._state.adding, alert._state.db = pk, False, connection.alias
        inserted[(alert.kind, alert.subject, alert.threshold_at)] = alert
    return inserted


def alerts_raise_many(specs: list[AlertSpec], *, now: datetime | None = None) -> list[Alert]:
    """Record many alerts, each at most once, in one INSERT, audited in one more; like
    `alert_raise_again` for each spec: a key already recorded and SETTLED is reopened
    (`alert_reopen`), one already open or acknowledged gives nothing. Returns the alerts
    recorded or reopened, in the order of `specs`; each is published after commit, one
    `alert.raised` message per alert as `alert_raise` sends. Call inside a transaction."""
    now = now or timezone.now()
    unique = {}
    for spec in specs:
        unique.setdefault((spec.kind, spec.subject, spec.threshold_at), spec)
    specs = list(unique.values())
    if not specs:
        return []
    by_key = _insert_once(specs, now)
    incidents = {spec.incident.pk: spec.incident for spec in specs if spec.incident is not None}
    events = []
    for alert in by_key.values():
        incident = incidents.get(alert.incident_id)
        if incident is not None:
            alert.incident = incident  # the caller's instance: no query to read it back
        events.append(_raised_event(alert, incident, now))
    audit_record_many(events)
    raised = []
    for spec in specs:
        alert = by_key.get((spec.kind, spec.subject, spec.threshold_at))
        if alert is not None:
            _publish("raised", alert)
            raised.append(alert)
            continue
        existing = Alert.objects.filter(
            kind=spec.kind, subject=spec.subject, threshold_at=spec.threshold_at
        ).first()
        if existing is not None and existing.status == AlertStatus.SETTLED:
            reopened = alert_reopen(alert=existing, message=spec.message, data=spec.data, now=now)
            if reopened is not None:
                raised.append(reopened)
    return raised


def alert_acknowledge(*, actor, alert: Alert, now: datetime | None = None) -> Alert:
    """Acknowledge an open alert: who and when are recorded, logged on its incident and
    audited; the board hears it after commit.

    Raises NotFound (no such alert), Conflict (`alert_not_open`: already acknowledged or
    settled)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident_id = (
            Alert.objects.filter(pk=alert.pk).values_list("incident_id", flat=True).first()
        )
        if incident_id is not None:
            # The incident first, then the alert: the order every service that settles an
            # incident's alerts uses (it holds the incident), so the two cannot deadlock.
            lock_row(Incident, incident_id)
        alert = lock_row(Alert, alert.pk, no_key=False)
        if alert.status != AlertStatus.OPEN:
            raise Conflict(f"This alert is already {alert.status.lower()}.", code="alert_not_open")
        alert.status, alert.acknowledged_at, alert.acknowledged_by = (
            AlertStatus.ACKNOWLEDGED,
            now,
            actor,
        )
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        if alert.incident_id:
            incident_system_log(
                incident=alert.incident,
                now=now,
                text=f"{alert.get_kind_display()} alert acknowledged by {actor.get_username()}",
            )
        audit_record(
            actor=actor,
            action="alert.acknowledged",
            obj=alert.incident or alert,
            at=now,
            summary=f"{alert.kind} acknowledged",
            data={"alert": alert.pk, "kind": alert.kind},
        )
        _publish("acknowledged", alert)
    return alert


def _settle(qs, *, reason: str, now: datetime, incident=None) -> int:
    """Settle the open or acknowledged alerts in `qs` (locked), publish each after commit and
    audit what was settled: the one implementation behind both settle functions."""
    return _settle_many(qs, reason=reason, now=now, incidents=[incident] if incident else [])


def _settle_many(qs, *, reason: str, now: datetime, incidents=()) -> int:
    """Settle the open or acknowledged alerts in `qs`: lock them, settle them in one UPDATE,
    publish each after commit, and audit them in one INSERT, one event for each incident (or
    for the first alert when it is about no incident). `incidents`: the callers' instances."""
    alerts = list(
        qs.filter(status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED])
        .select_related("incident")
        .select_for_update(of=("self",))
    )
    if not alerts:
        return 0
    reason = reason[:200]
    # Never settled before it was raised: an arrival reported late with its device time
    # settles alerts raised in between at the time they were raised at the earliest.
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(
        status=AlertStatus.SETTLED,
        settled_at=Greatest(F("raised_at"), Value(now)),
        settled_reason=reason,
    )
    known = {incident.pk: incident for incident in incidents if incident is not None}
    grouped = defaultdict(list)
    for alert in alerts:
        alert.status, alert.settled_at, alert.settled_reason = (
            AlertStatus.SETTLED,
            max(now, alert.raised_at),
            reason,
        )
        _publish("settled", alert)
        grouped[alert.incident_id].append(alert)
    audit_record_many(
        [
            audit_event(
                actor=None,
                action="alert.settled",
                obj=known.get(incident_id) or group[0].incident or group[0],
                at=now,
                summary=f"{len(group)} alert(s) settled: {reason}"[:300],
                data={"alerts": [a.pk for a in group], "reason": reason},
            )
            for incident_id, group in grouped.items()
        ]
    )
    return len(alerts)


def alerts_settle_subjects(
    *, subjects, kinds=None, reason: str, now: datetime | None = None
) -> int:
    """Settle the open (or acknowledged) alerts about any of `subjects` (one query, one update,
    one audit insert); returns how many. Call inside the transaction that ended the
    condition."""
    if not subjects:
        return 0
    qs = Alert.objects.filter(subject__in=list(subjects))
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return _settle_many(qs, reason=reason, now=now or timezone.now())


def alerts_settle(*, subject: str, kinds=None, reason: str, now: datetime | None = None) -> int:
    """Settle the open (or acknowledged) alerts about `subject`; returns how many. Call inside
    the transaction that ended the condition."""
    qs = Alert.objects.filter(subject=subject)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return _settle(qs, reason=reason, now=now or timezone.now())


def alert_raise_again(
    *,
    kind: str,
    subject: str,
    threshold_at: datetime,
    incident=None,
    message: str = "",
    data: dict | None = None,
    now: datetime | None = None,
) -> Alert | None:
    """Like `alert_raise`, but an alert with the same key that was SETTLED while its condition
    came back (a regrade and a regrade back, a filled staffing gap opening again at the same
    moment) is reopened instead of silently staying settled. Returns the raised or reopened
    alert, or None when it is already open or acknowledged."""
    now = now or timezone.now()
    alert = alert_raise(
        kind=kind,
        subject=subject,
        threshold_at=threshold_at,
        incident=incident,
        message=message,
        data=data,
        now=now,
    )
    if alert is not None:
        return alert
    existing = Alert.objects.filter(kind=kind, subject=subject, threshold_at=threshold_at).first()
    if existing is None or existing.status != AlertStatus.SETTLED:
        return None
    return alert_reopen(alert=existing, message=message, data=data, now=now)


def alert_reopen(
    *, alert: Alert, message: str = "", data: dict | None = None, now: datetime | None = None
) -> Alert | None:
    """Reopen a settled alert whose condition has returned. One conditional UPDATE decides, so
    two scans reopening the same alert publish it once. Returns the alert, or None."""
    now = now or timezone.now()
    reopened = Alert.objects.filter(pk=alert.pk, status=AlertStatus.SETTLED).update(
        status=AlertStatus.OPEN,
        raised_at=now,
        settled_at=None,
        settled_reason="",
        acknowledged_at=None,
        acknowledged_by=None,
        message=(message or alert.message)[:300],
        data=data if data is not None else alert.data,
    )
    if not reopened:
        return None
    alert.refresh_from_db()
    audit_record(
        actor=None,
        action="alert.reopened",
        obj=alert.incident if alert.incident_id else alert,
        at=now,
        summary=f"{alert.kind}: {alert.message}"[:300],
        data={"alert": alert.pk, "kind": alert.kind, "subject": alert.subject},
    )
    _publish("raised", alert)
    return alert


def alerts_settle_incident(
    *, incident, reason: str, kinds=None, keep_ids=(), now: datetime | None = None
) -> int:
    """Settle the open or acknowledged alerts about `incident` (optionally only `kinds`, and
    never those in `keep_ids`); returns how many. Call inside the transaction that ended the
    condition."""
    qs = Alert.objects.filter(incident=incident).exclude(pk__in=list(keep_ids))
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return _settle(qs, reason=reason, now=now or timezone.now(), incident=incident)
