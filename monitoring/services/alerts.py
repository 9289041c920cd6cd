"""Recording, acknowledging and settling alerts: the one implementation every feature uses
(the response-time scan, diverts in `dispatch`, staffing gaps in `staffing`).

An alert is about a subject, a stable key such as "incident:42" or "shift:7:DISPATCHER"; it is
recorded once per (kind, subject, threshold): the unique constraint decides.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cad.exceptions import Conflict
from cad.models import Incident
from cad.services import incident_system_log
from core.audit import audit_record
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


@contextmanager
def alerts_published_together():
    """Kept for the scan: `core.live` now sends every push of one transaction together, one
    channel-layer message per group, off the request path, so a scan that records many alerts
    at once (catching up after a restart) publishes them in one go whether or not it uses
    this block."""
    yield


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
    alerts = list(
        qs.filter(status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED])
        .select_related("incident")
        .select_for_update(of=("self",))
    )
    for alert in alerts:
        # Never settled before it was raised: an arrival reported late with its device time
        # settles alerts raised in between at the time they were raised at the earliest.
        alert.status, alert.settled_at, alert.settled_reason = (
            AlertStatus.SETTLED,
            max(now, alert.raised_at),
            reason[:200],
        )
        alert.save(update_fields=["status", "settled_at", "settled_reason"])
        _publish("settled", alert)
    if alerts:
        audited = incident if incident is not None else alerts[0].incident
        audit_record(
            actor=None,
            action="alert.settled",
            obj=audited if audited is not None else alerts[0],
            at=now,
            summary=f"{len(alerts)} alert(s) settled: {reason}"[:300],
            data={"alerts": [a.pk for a in alerts], "reason": reason},
        )
    return len(alerts)


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
