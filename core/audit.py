"""The one way to write the audit trail."""

from django.utils import timezone

from core.models import AuditEvent


def actor_name(user) -> str:
    """Who did something, as shown to people: a username, or "system" when no person did it."""
    return user.get_username() if user is not None else "system"


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id="",
    summary: str = "",
    data: dict | None = None,
    at=None,
) -> AuditEvent:
    """Append one audit event.

    `obj` is any model instance (its type and id are recorded); or give `object_type` and
    `object_id` for something that is not a row. `actor` None means the system did it.
    """
    event = audit_event(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        data=data,
        at=at,
    )
    event.save(force_insert=True)
    return event


def audit_event(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id="",
    summary: str = "",
    data: dict | None = None,
    at=None,
) -> AuditEvent:
    """One audit event, not yet saved (the arguments of `audit_record`): for
    `audit_record_many`."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
    return AuditEvent(
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        data=data or {},
    )


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append many audit events (built with `audit_event`) in one INSERT: a scan that records
    several alerts at once audits them together."""
    return AuditEvent.objects.bulk_create(events) if events else []


def audit_trail(obj=None, *, object_type: str = "", object_id=""):
    """The events about one object, oldest first."""
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
    return AuditEvent.objects.filter(
        object_type=object_type, object_id=str(object_id)
    ).select_related("actor")
