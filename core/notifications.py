"""Telling a member of staff something: a stored notification plus a live push to them."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.live import publish, user_group
from core.models import Notification


def notify(*, user, kind: str, text: str, link: str = "", dedupe_key: str = "", now=None):
    """Store and push a notification. With a `dedupe_key`, a second call for the same user and
    key does nothing and returns None (safe from retried or repeated tasks)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                user=user,
                created_at=now,
                kind=kind,
                text=text[:500],
                link=link[:300],
                dedupe_key=dedupe_key[:120],
            )
    except IntegrityError:
        return None
    audit_record(
        actor=None,
        action="notification.sent",
        obj=note,
        at=now,
        summary=text[:300],
        data={"user": user.pk, "kind": kind, "dedupe_key": dedupe_key},
    )
    publish(
        user_group(user.pk),
        {"type": "notification", "id": note.pk, "kind": kind, "text": note.text, "link": note.link},
    )
    return note


def notification_mark_read(*, actor, notification_id: int, now=None) -> int:
    return Notification.objects.filter(pk=notification_id, user=actor, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
