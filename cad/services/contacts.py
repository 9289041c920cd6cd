"""Recording contacts: every call, switchboard message or other contact is on the record, with
its number in E.164 (or kept as given and flagged) (DESIGN.md section 2, rule 1)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import ValidationFailed
from cad.models import Channel, Contact, Incident
from cad.normalise import normalise_address, normalise_phone
from cad.services.inputs import MAX_ADDRESS, MAX_NAME, MAX_NARRATIVE, MAX_PHONE
from core.audit import audit_record
from core.validation import clean_choice, clean_text
from premises.addressing import address_fields
from premises.selectors import Resolution, premises_resolve


def contact_create(
    *,
    actor,
    channel: str,
    summary: str = "",
    caller_phone: str = "",
    caller_name: str = "",
    address: str = "",
    uprn: str = "",
    incident: Incident | None = None,
    address_resolution: Resolution | None = None,
    now: datetime | None = None,
) -> Contact:
    """Record a contact on any channel (`incident` links a contact to the incident it raised or
    concerns). An unparseable number is kept as given and flagged, never dropped. The address is
    resolved to the premises register (`uprn`: the premises the handler picked), unless the
    caller already resolved it (`address_resolution`).

    Raises ValidationFailed for an unknown channel, an over-long field, or a contact that raised
    no incident and says nothing (`summary` is required then)."""
    clean_choice(channel, Channel, "channel")
    now = now or timezone.now()
    phone = normalise_phone(clean_text(caller_phone, "caller_phone", MAX_PHONE))
    address = clean_text(address, "address", MAX_ADDRESS)
    summary = clean_text(summary, "summary", MAX_NARRATIVE)
    if incident is None and not summary:
        raise ValidationFailed("Say what the contact was about (summary).", code="summary_required")
    if address_resolution is None:
        uprn = clean_text(uprn, "uprn", 12) or None
        address_resolution = premises_resolve(address=address, uprn=uprn)
    with transaction.atomic():
        contact = Contact.objects.create(
            channel=channel,
            received_at=now,
            handler=actor,
            caller_name=clean_text(caller_name, "caller_name", MAX_NAME),
            caller_phone=phone.stored,
            caller_phone_raw=phone.raw,
            phone_valid=phone.valid,
            address=address,
            address_normalised=normalise_address(address).normalised,
            **address_fields(address_resolution),
            summary=summary,
            incident=incident,
        )
        audit_record(
            actor=actor,
            action="contact.recorded",
            obj=contact,
            at=now,
            summary=f"{channel} contact recorded"
            + ("" if phone.valid else f" (number not recognised: '{phone.raw}')"),
            data={
                "channel": channel,
                "phone": contact.caller_phone,
                "phone_valid": phone.valid,
                "incident": incident.pk if incident else None,
            },
        )
        events.publish_contact("recorded", contact)
    return contact
