"""Correcting an incident's details: the caller, the number, the address, the named people, the
area or the opening code. A change of who or where re-runs the context (so the intelligence
check runs again) and the assessment, which can only raise the minimum grade."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.clock import target_for
from cad.exceptions import InvalidTransition, NotFound
from cad.models import Area, Incident
from cad.normalise import normalise_address, normalise_phone
from cad.services.assessment import assessment_text, attach_context, call_assess, reassess
from cad.services.inputs import (
    MAX_ADDRESS,
    MAX_NAME,
    MAX_PHONE,
    clean_names,
    opening_code_get,
    phone_unparsed_flag,
)
from cad.services.trail import announce_change, incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_choice, clean_text
from premises.addressing import address_fields_for

# The details that say who called or where: a change to any re-runs the context and assessment.
WHO_OR_WHERE = {"caller_name", "caller_phone", "address", "named_people"}
# Fields stored alongside another (derived from it): not described as changes of their own.
DERIVED = ("address_normalised", "phone_valid")


def incident_update_details(
    *,
    actor,
    incident: Incident,
    caller_name: str | None = None,
    caller_phone: str | None = None,
    address: str | None = None,
    named_people: Iterable[str] | None = None,
    area: str | None = None,
    opening_code: str | None = None,
    now: datetime | None = None,
) -> Incident:
    """Correct or add the caller, the address, the named people, the area or the opening code
    (None leaves a field as it is). A change of caller, address or people re-runs the context
    (so the intelligence check runs again on the new details) and the assessment; the minimum
    grade can only rise. Sends `incident_changed` with the changes.

    Raises NotFound, ValidationFailed, and InvalidTransition on a closed incident."""
    now = now or timezone.now()
    new = _new_values(
        caller_name=caller_name,
        caller_phone=caller_phone,
        address=address,
        named_people=named_people,
        area=area,
        opening_code=opening_code,
    )
    current = Incident.objects.filter(pk=incident.pk).first()
    if current is None:
        raise NotFound(f"Incident {incident.pk} does not exist.")
    changes = {
        field: (getattr(current, field), value)
        for field, value in new.items()
        if getattr(current, field) != value
    }
    if not changes:
        return current
    _refuse_if_closed(current)
    results, fresh = [], None
    if WHO_OR_WHERE & set(changes):
        # Gathered before the lock: the checks read other apps' records and may be slow.
        results, fresh = _reassessment_for(current, new, now=now)
    with transaction.atomic():
        incident = lock_row(Incident, current.pk)
        _refuse_if_closed(incident)
        _apply_details(incident, new, area_changed="area" in changes)
        described = _record_details_change(actor=actor, incident=incident, changes=changes, now=now)
        if fresh is not None:
            reassess(
                actor=actor,
                incident=incident,
                fresh=fresh,
                now=now,
                why="a change of details",
                replace_context=True,
            )
            attach_context(incident=incident, results=results, actor=actor, now=now)
        announce_change(
            incident=incident,
            actor=actor,
            now=now,
            changes={f: tuple(v) for f, v in described.items()},
            change="details",
        )
    return incident


def _new_values(
    *, caller_name, caller_phone, address, named_people, area, opening_code
) -> dict[str, object]:
    """The validated new value of every field given, by model field name."""
    new: dict[str, object] = {}
    if caller_name is not None:
        new["caller_name"] = clean_text(caller_name, "caller_name", MAX_NAME)
    if caller_phone is not None:
        phone = normalise_phone(clean_text(caller_phone, "caller_phone", MAX_PHONE))
        new["caller_phone"] = phone.stored
        new["phone_valid"] = phone.valid
    if address is not None:
        new["address"] = clean_text(address, "address", MAX_ADDRESS)
        new["address_normalised"] = normalise_address(new["address"]).normalised
    if named_people is not None:
        new["named_people"] = clean_names(named_people)
    if area is not None:
        new["area"] = clean_choice(area, Area, "area")
    if opening_code is not None:
        code = opening_code_get(opening_code)
        new["opening_code_id"] = code.code if code else None
    return new


def _refuse_if_closed(incident: Incident) -> None:
    if not incident.is_open:
        raise InvalidTransition(f"{incident.reference} is closed; its details cannot change.")


def _reassessment_for(current: Incident, new: dict, *, now: datetime) -> tuple[list, dict]:
    """The context and the fresh assessment for the incident with its new details."""
    after = {**{f: getattr(current, f) for f in new}, **new}
    assessment, results = call_assess(
        narrative=assessment_text(current),
        channel=current.channel,
        caller_phone=after.get("caller_phone", current.caller_phone),
        caller_name=after.get("caller_name", current.caller_name),
        address=after.get("address", current.address),
        named_people=after.get("named_people", current.named_people),
        silent=current.silent,
        now=now,
        exclude_incident_id=current.pk,
        da_answers=current.da_answers,
    )
    return results, assessment.as_dict()


def _apply_details(incident: Incident, new: dict, *, area_changed: bool) -> None:
    """Write the new details on the locked incident: a new area means a new target, and the
    unparsed-number flag follows the number."""
    for field, value in new.items():
        setattr(incident, field, value)
    if "address" in new:
        for field, value in address_fields_for(incident.address).items():
            setattr(incident, field, value)
    if area_changed:
        incident.target_response_at = target_for(
            incident.grade, incident.area, incident.received_at
        )
    flags = [f for f in incident.flags if f.get("code") != "phone_unparsed"]
    if not incident.phone_valid:
        flags.append(phone_unparsed_flag(incident.caller_phone))
    incident.flags = flags
    incident.save()


def _record_details_change(
    *, actor, incident: Incident, changes: dict, now: datetime
) -> dict[str, list[str]]:
    """Log and audit what changed. Returns {field: [old, new]} as shown to people."""
    described = {
        field.removesuffix("_id"): [str(old or ""), str(value or "")]
        for field, (old, value) in changes.items()
        if field not in DERIVED
    }
    incident_system_log(
        incident=incident,
        now=now,
        text="Details changed: "
        + "; ".join(f"{f} '{old}' -> '{value}'" for f, (old, value) in described.items()),
    )
    audit_record(
        actor=actor,
        action="incident.details_updated",
        obj=incident,
        at=now,
        summary="Details changed: " + ", ".join(described),
        data={"changes": described},
    )
    return described
