"""Recording contacts: every call, switchboard message or other contact is on the record, with
its number in E.164 (or kept as given and flagged) (DESIGN.md section 2, rule 1).

A contact about an incident that already exists is a further call about it. Several calls about
one event are the normal case in a control room (the founding victim's earlier call was one), so
a further call is never a mere note: it goes on the incident's log, and it is read again
together with everything said before and the call's context, exactly as a new call would be.
What it finds can only raise the minimum grade and set the DA qualifier; lowering stays with the
handler and the usual reason and sign-off rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import NotFound, ValidationFailed
from cad.models import Channel, Contact, Incident, IncidentLogEntry
from cad.normalise import Phone, normalise_address, normalise_phone
from cad.services.assessment import attach_context, context_assess, reassess
from cad.services.inputs import MAX_ADDRESS, MAX_NAME, MAX_NARRATIVE, MAX_PHONE
from cad.services.rollups import contact_rollup_add
from cad.services.trail import held_add, incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_choice, clean_text
from premises.addressing import address_fields, address_query_from, address_query_of
from premises.selectors import Resolution, premises_resolve

# How many merges a further contact follows to find the incident that carries on the event.
MAX_MERGE_HOPS = 20


@dataclass(frozen=True)
class _ContactDetails:
    channel: str
    phone: Phone
    caller_name: str
    address: str
    summary: str
    # The address resolved to the premises register (the UPRN the handler picked wins).
    resolution: Resolution


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
    """Record a contact on any channel. An unparseable number is kept as given and flagged,
    never dropped. The address is resolved to the premises register (`uprn`: the premises the
    handler picked), unless the caller already resolved it (`address_resolution`).

    With `incident` it is a further contact about that incident (a contact about an incident
    that was merged goes to the one it was merged into): a log line on the incident
    (kind CONTACT, or SYSTEM when nothing was said), then, while the incident is open, a
    reassessment of its narrative, notes, DA answers and this contact with the call's context
    (a number or address new to the incident also has its context attached, e.g. an
    intelligence check). It can only raise the minimum grade and set the DA qualifier; a grade
    left below the new minimum is raised (the response target follows). `incident.updated` is
    pushed.

    Raises ValidationFailed for an unknown channel, an over-long field, or a contact that raised
    no incident and says nothing (`summary` is required then); NotFound."""
    clean_choice(channel, Channel, "channel")
    now = now or timezone.now()
    address = clean_text(address, "address", MAX_ADDRESS)
    summary = clean_text(summary, "summary", MAX_NARRATIVE)
    if incident is None and not summary:
        raise ValidationFailed("Say what the contact was about (summary).", code="summary_required")
    if address_resolution is None:
        uprn = clean_text(uprn, "uprn", 12) or None
        address_resolution = premises_resolve(address=address, uprn=uprn)
    details = _ContactDetails(
        channel=channel,
        phone=normalise_phone(clean_text(caller_phone, "caller_phone", MAX_PHONE)),
        caller_name=clean_text(caller_name, "caller_name", MAX_NAME),
        address=address,
        summary=summary,
        resolution=address_resolution,
    )
    if incident is not None:
        return _further_contact(actor=actor, incident=incident, details=details, now=now)
    with transaction.atomic():
        return _contact_insert(actor=actor, details=details, incident=None, now=now)


def contact_record_first(
    *,
    actor,
    incident: Incident,
    channel: str,
    summary: str,
    phone: Phone,
    caller_name: str,
    address: str,
    address_resolution: Resolution,
    now: datetime,
) -> Contact:
    """The contact that raised `incident`, inside `incident_create`'s transaction (its words are
    the incident's narrative, already assessed; its address already resolved)."""
    details = _ContactDetails(
        channel=channel,
        phone=phone,
        caller_name=caller_name,
        address=address,
        summary=summary,
        resolution=address_resolution,
    )
    contact = _contact_insert(actor=actor, details=details, incident=incident, now=now)
    held_add(incident, "contacts", contact)
    return contact


def _contact_insert(
    *, actor, details: _ContactDetails, incident: Incident | None, now: datetime
) -> Contact:
    phone = details.phone
    contact = Contact.objects.create(
        channel=details.channel,
        received_at=now,
        handler=actor,
        caller_name=details.caller_name,
        caller_phone=phone.stored,
        caller_phone_raw=phone.raw,
        phone_valid=phone.valid,
        address=details.address,
        address_normalised=normalise_address(details.address).normalised,
        **address_fields(details.resolution),
        summary=details.summary,
        incident=incident,
    )
    contact_rollup_add(contact)
    audit_record(
        actor=actor,
        action="contact.recorded",
        obj=contact,
        at=now,
        summary=f"{details.channel} contact recorded"
        + ("" if phone.valid else f" (number not recognised: '{phone.raw}')"),
        data={
            "channel": details.channel,
            "phone": contact.caller_phone,
            "phone_valid": phone.valid,
            "incident": incident.pk if incident else None,
        },
    )
    events.publish_contact("recorded", contact)
    return contact


def carrying_incident(incident: Incident) -> Incident:
    """The incident that carries on the event: `incident`, or the one it was merged into (and
    so on). Raises NotFound."""
    current = Incident.objects.filter(pk=incident.pk).first()
    if current is None:
        raise NotFound(f"Incident {incident.pk} does not exist.")
    for _ in range(MAX_MERGE_HOPS):
        if current.merged_into_id is None:
            break
        current = Incident.objects.get(pk=current.merged_into_id)
    return current


def _further_contact(
    *, actor, incident: Incident, details: _ContactDetails, now: datetime
) -> Contact:
    current = carrying_incident(incident)
    fresh, results, new_details = None, [], False
    if current.is_open:
        # Gathered before the lock: the context providers read other apps' records.
        fresh, results, new_details = _contact_assessment(current, details, now=now)
    with transaction.atomic():
        locked = lock_row(Incident, current.pk)
        if locked.merged_into_id is not None:
            # Merged while this call was being read: it belongs to the survivor, read with its log.
            locked = lock_row(Incident, carrying_incident(locked).pk)
            fresh, results, new_details = None, [], False
            if locked.is_open:
                fresh, results, new_details = _contact_assessment(locked, details, now=now)
        contact = _contact_insert(actor=actor, details=details, incident=locked, now=now)
        _contact_log_line(actor=actor, incident=locked, contact=contact, now=now)
        if fresh is not None and locked.is_open:
            reassess(
                actor=actor,
                incident=locked,
                fresh=fresh,
                now=now,
                why=f"a further {details.channel} contact",
                replace_context=False,
            )
            if new_details:
                attach_context(incident=locked, results=results, actor=actor, now=now)
        events.publish_incident("updated", locked, change="contact", contact=contact.pk)
    return contact


def _contact_assessment(incident: Incident, details: _ContactDetails, *, now: datetime):
    """The engine's reading of the incident with this contact: its narrative, notes and earlier
    contacts plus these words, with the context of the contact's number and address (or the
    incident's when it gave none), on the more urgent channel of the two (a 999 call about a
    101 incident is read as a 999 call). Returns (assessment dict, context results, whether the
    number or the address is new to the incident)."""
    address = normalise_address(details.address).normalised
    new_details = bool(
        (details.phone.e164 and details.phone.e164 != incident.caller_phone)
        or (address and address != incident.address_normalised)
    )
    channel = (
        Channel.EMERGENCY
        if Channel.EMERGENCY in (details.channel, incident.channel)
        else incident.channel
    )
    fresh, results = context_assess(
        incident=incident,
        extra_text=details.summary,
        channel=channel,
        caller_phone=details.phone.e164 or incident.caller_phone,
        caller_name=details.caller_name or incident.caller_name,
        address=details.address or incident.address,
        place=address_query_from(details.resolution)
        if details.address
        else address_query_of(incident),
        now=now,
    )
    return fresh, results, new_details


def _contact_log_line(*, actor, incident: Incident, contact: Contact, now: datetime) -> None:
    """The further contact on the incident's log: its words as a CONTACT line (read with the
    notes whenever the incident is reassessed), or a system line when nothing was said."""
    who = " ".join(part for part in (contact.caller_name, contact.caller_phone) if part)
    if contact.summary:
        IncidentLogEntry.objects.create(
            incident=incident,
            at=now,
            author=actor,
            kind=IncidentLogEntry.Kind.CONTACT,
            text=contact.summary,
            contact=contact,
        )
        return
    entry = incident_system_log(
        incident=incident,
        now=now,
        text=f"Further {contact.get_channel_display()} contact"
        + (f" from {who}" if who else "")
        + ": nothing said.",
    )
    entry.contact = contact
    entry.save(update_fields=["contact"])
