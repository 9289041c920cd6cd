"""What happens to markers by themselves, run by the `riskflags.lifecycle` beat task: at
`expires_at` expiry, or REVIEW_OVERDUE when the victim was not contacted for the review (with
daily alerts until she is), the alert when no START contact is recorded within 72 hours, and the
review reminders 14 and 3 days before expiry. Each is idempotent."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.locks import lock_row
from riskflags import events, selectors
from riskflags.models import (
    IN_FORCE,
    REVIEW_OVERDUE_ALERT_EVERY,
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
    """A marker whose `expires_at` has passed ends only if the victim was contacted for its
    review (a REVIEW or WITHDRAWAL contact attempt since its start or last extension): then it
    is EXPIRED and its OIC told. Otherwise it becomes REVIEW_OVERDUE (still in force; its OIC
    and supervisor are alerted, then daily by `marker_review_overdue_alert`). A REVIEW_OVERDUE
    marker expires once such a contact is recorded. Idempotent: a marker not due is left alone
    and None is returned."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        due = marker.status in IN_FORCE and marker.expires_at <= now
        if not due:
            return None
        if not selectors.marker_has_review_contact(marker):
            if marker.status == MarkerStatus.REVIEW_OVERDUE:
                return None
            _review_overdue(marker, now=now)
            return marker
        was_overdue = marker.status == MarkerStatus.REVIEW_OVERDUE
        marker.status = MarkerStatus.EXPIRED
        marker.expired_at = now if was_overdue else marker.expires_at
        marker.updated_at = now
        marker.save()
        late = f", {local(now)}, after the victim was contacted" if was_overdue else ""
        audit_record(
            actor=None,
            action="marker.expired",
            obj=marker,
            at=now,
            summary=f"Marker expired (expiry {local(marker.expires_at)}{late})",
            data={"expires_at": marker.expires_at, "was_review_overdue": was_overdue},
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


def _review_overdue(marker: Marker, *, now: datetime) -> None:
    """The expiry came with the victim not yet told: the marker stays in force, REVIEW_OVERDUE,
    and the OIC and supervisor get the first of the daily alerts."""
    marker.status = MarkerStatus.REVIEW_OVERDUE
    marker.review_overdue_at = now
    marker.updated_at = now
    marker.save()
    audit_record(
        actor=None,
        action="marker.review_overdue",
        obj=marker,
        at=now,
        summary=(
            f"Expiry reached ({local(marker.expires_at)}) with no review contact recorded: the "
            "marker stays in force until the victim is contacted"
        ),
        data={"expires_at": marker.expires_at, "review_period_start": marker.review_period_start},
    )
    _alert_review_overdue(marker, now=now)
    events.publish_marker("review_overdue", marker)


def _alert_review_overdue(marker: Marker, *, now: datetime) -> bool:
    """Today's alert to the OIC and supervisor(s); False when today's was already sent."""
    days = int(
        (now - (marker.review_overdue_at or marker.expires_at)) // REVIEW_OVERDUE_ALERT_EVERY
    )
    due_for = (marker.review_overdue_at or marker.expires_at) + days * REVIEW_OVERDUE_ALERT_EVERY
    if not _reminder_once(
        marker=marker, kind=ReminderKind.REVIEW_OVERDUE, due_for=due_for, now=now
    ):
        return False
    supervisors = supervisors_for(marker)
    text = (
        f"Marker #{marker.pk} at {marker.address}: expiry reached on "
        f"{local(marker.expires_at)}, victim not yet told. It has not lapsed: its floor still "
        f"applies. Contact {marker.victim_name} and record the attempt and its outcome, then "
        f"extend the marker or let it end. OIC: {marker.oic.username}."
    )
    for user in [marker.oic, *[s for s in supervisors if s.pk != marker.oic_id]]:
        tell(
            user,
            marker,
            kind="marker.review_overdue",
            text=text,
            key=f"review-overdue:{due_for.isoformat()}",
            now=now,
        )
    return True


def marker_review_overdue_alert(*, marker_id: int, now: datetime | None = None) -> bool:
    """The daily alert for a REVIEW_OVERDUE marker with no contact attempt recorded since its
    start or last extension. At most one a day; True when one was sent now."""
    now = now or timezone.now()
    with transaction.atomic():
        marker = lock_row(Marker, marker_id, no_key=False)
        if marker.status != MarkerStatus.REVIEW_OVERDUE:
            return False
        if selectors.marker_has_review_contact(marker, any_outcome_purpose=True):
            return False
        sent = _alert_review_overdue(marker, now=now)
        if sent:
            audit_record(
                actor=None,
                action="marker.review_overdue_alert",
                obj=marker,
                at=now,
                summary="Review overdue, victim not yet told: OIC and supervisor alerted again",
                data={"expires_at": marker.expires_at},
            )
    return sent


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
    """The periodic sweep: expire due markers (or make them REVIEW_OVERDUE), alert daily on
    review-overdue ones, alert on missing START contacts, send review reminders. Returns counts
    by step. Idempotent: running it again at the same time changes nothing. One marker's
    failure is logged and does not stop the others. At most `limit` markers per step per run,
    so a backlog (e.g. after an import) is worked off over a few runs instead of one long one;
    expiry goes first."""

    now = now or timezone.now()
    counts = {
        "expired": 0,
        "review_overdue": 0,
        "review_overdue_alerts": 0,
        "start_contact_overdue": 0,
        "review_reminders": 0,
        "failed": 0,
    }
    for marker_id in selectors.marker_ids_due_to_expire(now=now, limit=limit):
        try:
            marker = marker_expire(marker_id=marker_id, now=now)
        except Exception:
            counts["failed"] += 1
            logger.exception("marker expiry failed for marker %s", marker_id)
            continue
        if marker is not None:
            counts["expired" if marker.status == MarkerStatus.EXPIRED else "review_overdue"] += 1
    steps = (
        (
            "review_overdue_alerts",
            selectors.marker_ids_review_overdue,
            marker_review_overdue_alert,
        ),
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
