"""Recording, acknowledging and settling alerts: the one implementation every feature uses
(the response-time scan, diverts, staffing)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cad.exceptions import Conflict, NotFound
from core.audit import audit_record
from dispatch import events
from dispatch.models import Alert, AlertStatus


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
    events.publish_alert("raised", alert)
    return alert


def alert_acknowledge(*, actor, alert: Alert, now: datetime | None = None) -> Alert:
    """Acknowledge an open alert (who and when are audited)."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            alert = Alert.objects.select_for_update().get(pk=alert.pk)
        except Alert.DoesNotExist:
            raise NotFound("That alert does not exist.") from None
        if alert.status != AlertStatus.OPEN:
            raise Conflict(f"This alert is already {alert.status.lower()}.", code="alert_not_open")
        alert.status, alert.acknowledged_at, alert.acknowledged_by = (
            AlertStatus.ACKNOWLEDGED,
            now,
            actor,
        )
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        audit_record(
            actor=actor,
            action="alert.acknowledged",
            obj=alert.incident or alert,
            at=now,
            summary=f"{alert.kind} acknowledged",
            data={"alert": alert.pk, "kind": alert.kind},
        )
        events.publish_alert("acknowledged", alert)
    return alert


def alerts_settle(*, subject: str, kinds=None, reason: str, now: datetime | None = None) -> int:
    """Settle the open (or acknowledged) alerts about `subject`; returns how many. Call inside
    the transaction that ended the condition."""
    now = now or timezone.now()
    qs = Alert.objects.filter(
        subject=subject, status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]
    )
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    alerts = list(qs.select_for_update())
    for alert in alerts:
        alert.status, alert.settled_at, alert.settled_reason = (
            AlertStatus.SETTLED,
            now,
            reason[:200],
        )
        alert.save(update_fields=["status", "settled_at", "settled_reason"])
        events.publish_alert("settled", alert)
    return len(alerts)


def incident_subject(incident) -> str:
    return f"incident:{incident.pk}"
