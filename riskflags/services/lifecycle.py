"""What happens to markers by themselves, run by the `riskflags.lifecycle` beat task: expiry at
`expires_at`, the alert when no START contact is recorded within 72 hours, and the review
reminders 14 and 3 days before expiry. Each is idempotent."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_row
from riskflags import events, selectors
from riskflags.models import (
    REVIEW_REMINDERS,
    START_CONTACT_WITHIN,
    ContactPurpose,
    Marker,
    MarkerReminder,
    MarkerStatus,
    ReminderKind,
)
from riskflags.services.rules import local, supervisors_for, tell

logger = logging.getLogger(__name__)


def marker_expire(*, marker_id: int, now: datetime | None = None) -> Marker | None:
    """Expire one marker whose `expires_at` has passed and tell its OIC. Idempotent: a marker
    that is not ACTIVE or not yet due is left alone and None is returned."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        if marker.status != MarkerStatus.ACTIVE or marker.expires_at > now:
            return None
        marker.status = MarkerStatus.EXPIRED
        marker.expired_at = marker.expires_at
        marker.updated_at = now
        marker.save()
        audit_record(
            actor=None,
            action="marker.expired",
            obj=marker,
            at=now,
            summary=f"Marker expired at {local(marker.expires_at)}",
            data={"expires_at": marker.expires_at},
        )
        tell(
            marker.oic,
            marker,
            kind="marker.expired",
            text=(
                f"Marker #{marker.pk} at {marker.address} has expired. It stays visible to call "
                f"handlers as history. Make sure {marker.victim_name} knows."
            ),
            key="expired",
            now=now,
        )
        events.publish_marker("expired", marker)
    return marker


def _reminder_once(*, marker: Marker, kind: str, due_for: datetime, now: datetime) -> bool:
    """Record that a reminder was sent; False when it already was (unique constraint)."""
    try:
        with transaction.atomic():
            MarkerReminder.objects.create(marker=marker, kind=kind, due_for=due_for, sent_at=now)
    except IntegrityError:
        return False
    return True


def marker_start_contact_overdue(*, marker_id: int, now: datetime | None = None) -> bool:
    """Alert the OIC and the supervisor(s) that no START contact was recorded within 72 hours.
    Exactly once per marker; True when the alert was sent now."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        if marker.status_at(now) != MarkerStatus.ACTIVE:
            return False
        if marker.created_at + START_CONTACT_WITHIN > now:
            return False
        if marker.contacts.filter(purpose=ContactPurpose.START).exists():
            return False
        if not _reminder_once(
            marker=marker,
            kind=ReminderKind.START_CONTACT_OVERDUE,
            due_for=marker.created_at,
            now=now,
        ):
            return False
        supervisors = supervisors_for(marker)
        text = (
            f"Marker #{marker.pk} at {marker.address}: no contact with {marker.victim_name} "
            f"recorded since it started on {local(marker.created_at)} (72 hours). She must be "
            f"told about the scheme. OIC: {marker.oic.username}."
        )
        for user in [marker.oic, *[s for s in supervisors if s.pk != marker.oic_id]]:
            tell(
                user,
                marker,
                kind="marker.start_contact_overdue",
                text=text,
                key="start-overdue",
                now=now,
            )
        audit_record(
            actor=None,
            action="marker.start_contact_overdue",
            obj=marker,
            at=now,
            summary="No START contact within 72 hours: OIC and supervisor alerted",
            data={"alerted": [marker.oic.username, *[s.username for s in supervisors]]},
        )
        events.publish_marker("start_contact_overdue", marker)
    return True


def marker_review_remind(*, marker_id: int, now: datetime | None = None) -> str | None:
    """Remind the OIC that the marker is due for review (14 and 3 days before expiry). Exactly
    once per threshold and expiry; returns the reminder kind sent, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        if marker.status_at(now) != MarkerStatus.ACTIVE:
            return None
        left = marker.expires_at - now
        kind = next((k for k, before in REVIEW_REMINDERS if left <= before), None)
        if kind is None:
            return None
        if not _reminder_once(marker=marker, kind=kind, due_for=marker.expires_at, now=now):
            return None
        days = max(0, int(left.total_seconds() // 86400))
        when = "in less than a day" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        tell(
            marker.oic,
            marker,
            kind="marker.review_due",
            text=(
                f"Marker #{marker.pk} at {marker.address} expires {when} "
                f"({local(marker.expires_at)}). Review it with {marker.victim_name}: record the "
                "contact, then extend it or let it expire."
            ),
            key=f"{kind}:{marker.expires_at.isoformat()}",
            now=now,
        )
        audit_record(
            actor=None,
            action="marker.review_reminder",
            obj=marker,
            at=now,
            summary=f"Review reminder sent to the OIC: expires {when}",
            data={"kind": kind, "expires_at": marker.expires_at},
        )
    return kind


def markers_lifecycle_run(*, now: datetime | None = None, limit: int = 500) -> dict:
    """The periodic sweep: expire due markers, alert on missing START contacts, send review
    reminders. Idempotent: running it again at the same time changes nothing. One marker's
    failure is logged and does not stop the others. At most `limit` markers per step per run,
    so a backlog (e.g. after an import) is worked off over a few runs instead of one long one;
    expiry goes first."""

    now = now or timezone.now()
    counts = {"expired": 0, "start_contact_overdue": 0, "review_reminders": 0, "failed": 0}
    steps = (
        ("expired", selectors.marker_ids_due_to_expire, marker_expire),
        (
            "start_contact_overdue",
            selectors.marker_ids_start_contact_overdue,
            marker_start_contact_overdue,
        ),
        ("review_reminders", selectors.marker_ids_due_for_review, marker_review_remind),
    )
    for name, find, act in steps:
        for marker_id in find(now=now, limit=limit):
            try:
                if act(marker_id=marker_id, now=now):
                    counts[name] += 1
            except Exception:
                counts["failed"] += 1
                logger.exception("marker lifecycle step %s failed for marker %s", name, marker_id)
    return counts
