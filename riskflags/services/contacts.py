"""Recording attempts to contact the victim. A contact record adds to the marker's history and
edits nothing, so it is allowed on an ended marker too (e.g. telling her it has expired)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import ValidationFailed
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_choice, clean_text
from riskflags import events
from riskflags.models import ContactMethod, ContactOutcome, ContactPurpose, Marker, VictimContact
from riskflags.services.rules import CLOCK_SKEW, aware, require_manager, require_marker_manager


def victim_contact_record(
    *,
    actor,
    marker: Marker,
    purpose: str,
    method: str,
    outcome: str,
    notes: str = "",
    contacted_at: datetime | None = None,
    now: datetime | None = None,
) -> VictimContact:
    """Record one attempt to contact the victim and its outcome. Allowed on an ended marker too
    (e.g. telling her it has expired): a contact record adds to the history, it edits nothing."""
    now = now or timezone.now()
    require_manager(actor)
    clean_choice(purpose, ContactPurpose, "purpose")
    clean_choice(method, ContactMethod, "method")
    clean_choice(outcome, ContactOutcome, "outcome")
    notes = clean_text(notes, "notes", 5000)
    contacted_at = aware(contacted_at, "contacted_at") or now
    if contacted_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            "A contact attempt cannot be recorded in the future.", code="contacted_in_future"
        )
    with transaction.atomic():
        marker = lock_row(Marker, marker.pk, no_key=False)
        require_marker_manager(actor, marker)
        contact = VictimContact.objects.create(
            marker=marker,
            purpose=purpose,
            method=method,
            outcome=outcome,
            notes=notes,
            contacted_at=contacted_at,
            recorded_at=now,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="marker.contact_recorded",
            obj=marker,
            at=now,
            summary=(
                f"{ContactPurpose(purpose).label.split(':')[0]} contact by "
                f"{ContactMethod(method).label.lower()}: {ContactOutcome(outcome).label.lower()}"
            ),
            data={
                "contact": contact.pk,
                "purpose": purpose,
                "method": method,
                "outcome": outcome,
                "notes": notes,
                "contacted_at": contacted_at,
            },
        )
        events.publish_marker("contact_recorded", marker, contact=contact.pk, purpose=purpose)
    return contact
