"""The outcome of a review with the victim: withdraw the marker, or extend it. Both are refused
until an attempt to contact the victim about it is recorded."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import ReasonRequired, ValidationFailed
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_text
from riskflags import events
from riskflags.models import (
    MAX_MARKER_DAYS,
    MAX_MARKER_DURATION,
    ContactOutcome,
    ContactPurpose,
    Marker,
    MarkerStatus,
)
from riskflags.services.rules import (
    MAX_REASON,
    aware,
    contact_required,
    local,
    require_active,
    require_manager,
    require_marker_manager,
    tell_oic_unless_actor,
)


def marker_withdraw(*, actor, marker: Marker, reason: str, now: datetime | None = None) -> Marker:
    """Withdraw an ACTIVE marker. Refused (Conflict) until a WITHDRAWAL contact attempt is
    recorded, and for a marker that has already ended."""
    now = now or timezone.now()
    require_manager(actor)
    reason = clean_text(reason, "reason", MAX_REASON)
    if not reason:
        raise ReasonRequired("A reason for the withdrawal is required.")
    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        require_marker_manager(actor, marker)
        require_active(marker, now, "withdrawn")
        contact_required(marker, ContactPurpose.WITHDRAWAL, "withdrawn")
        marker.status = MarkerStatus.WITHDRAWN
        marker.withdrawn_at = now
        marker.withdrawn_by = actor
        marker.withdrawal_reason = reason
        marker.updated_at = now
        marker.save()
        contacts = list(
            marker.contacts.filter(purpose=ContactPurpose.WITHDRAWAL).values_list("pk", "outcome")
        )
        audit_record(
            actor=actor,
            action="marker.withdrawn",
            obj=marker,
            at=now,
            summary=f"Marker withdrawn: {reason}",
            data={
                "reason": reason,
                "withdrawal_contacts": [{"id": pk, "outcome": o} for pk, o in contacts],
                "victim_contacted": any(o == ContactOutcome.CONTACTED for _, o in contacts),
            },
        )
        tell_oic_unless_actor(
            actor,
            marker,
            kind="marker.withdrawn",
            text=f"Marker #{marker.pk} at {marker.address} was withdrawn: {reason}",
            key="withdrawn",
            now=now,
        )
        events.publish_marker("withdrawn", marker)
    return marker


def marker_extend(
    *, actor, marker: Marker, expires_at: datetime, reason: str, now: datetime | None = None
) -> Marker:
    """Move an ACTIVE marker's expiry later, to at most 183 days from now. Refused (Conflict)
    until an EXTENSION contact attempt is recorded since the marker was last extended."""
    now = now or timezone.now()
    require_manager(actor)
    reason = clean_text(reason, "reason", MAX_REASON)
    if not reason:
        raise ReasonRequired("A reason for the extension is required.")
    expires_at = aware(expires_at, "expires_at")
    if expires_at is None:
        raise ValidationFailed(
            "The new expiry (expires_at) is required.", code="expires_at_required"
        )
    if expires_at - now > MAX_MARKER_DURATION:
        raise ValidationFailed(
            f"An extension runs at most {MAX_MARKER_DAYS} days (six months) from today, so the "
            f"new expiry must be on or before {local(now + MAX_MARKER_DURATION)}.",
            code="marker_too_long",
        )
    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        require_marker_manager(actor, marker)
        require_active(marker, now, "extended")
        if expires_at <= marker.expires_at:
            raise ValidationFailed(
                f"The new expiry must be later than the current one ({local(marker.expires_at)}). "
                "To end a marker early, withdraw it.",
                code="extension_not_later",
            )
        contact_required(marker, ContactPurpose.EXTENSION, "extended")
        previous = marker.expires_at
        marker.expires_at = expires_at
        marker.last_extended_at = now
        marker.updated_at = now
        marker.save()
        audit_record(
            actor=actor,
            action="marker.extended",
            obj=marker,
            at=now,
            summary=f"Marker extended to {local(expires_at)}: {reason}",
            data={"reason": reason, "from": previous, "to": expires_at},
        )
        tell_oic_unless_actor(
            actor,
            marker,
            kind="marker.extended",
            text=f"Marker #{marker.pk} at {marker.address} extended to {local(expires_at)}.",
            key=f"extended:{expires_at.isoformat()}",
            now=now,
        )
        events.publish_marker("extended", marker)
    return marker
