"""What a check looks for: a number, an address and names, validated and normalised."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from cad.exceptions import ValidationFailed
from cad.models import Incident
from cad.normalise import normalise_address, normalise_name, normalise_phone
from core.validation import clean_text
from intelligence.check import CheckQuery
from premises.addressing import address_query_of

MAX_PHONE = 60
MAX_ADDRESS = 300
MAX_NAME = 200
MAX_NAMES = 20
MAX_SUMMARY = 5000
MAX_NOTE = 2000


def valid_phone(raw: str, what: str = "phone") -> str:
    """`raw` in E.164, or "" when empty. Raises ValidationFailed (`invalid_phone`) for a number
    that cannot be parsed: a record or a search needs a number it can match."""
    raw = clean_text(raw, what, MAX_PHONE)
    if not raw:
        return ""
    phone = normalise_phone(raw)
    if not phone.e164 or not phone.valid:
        raise ValidationFailed(
            f"{what}: '{raw}' is not a valid phone number.",
            code="invalid_phone",
            fields={what: ["Not a valid phone number."]},
        )
    return phone.e164


def _names(values: Iterable[str]) -> tuple[str, ...]:
    values = [v for v in values if v is not None]
    if len(values) > MAX_NAMES:
        raise ValidationFailed(f"At most {MAX_NAMES} names.", code="too_many")
    names = []
    for value in values:
        name = normalise_name(clean_text(value, "name", MAX_NAME))
        if name and len(name) < 2:
            raise ValidationFailed(f"Name '{value}' is too short to search.", code="name_too_short")
        if name and name not in names:
            names.append(name)
    return tuple(names)


def check_query_build(
    *,
    phone: str = "",
    address: str = "",
    names: Iterable[str] = (),
    now: datetime | None = None,
    exclude_incident_id: int | None = None,
    counts_current_call: bool = False,
) -> CheckQuery:
    """Validate and normalise what to check. Raises ValidationFailed for a malformed number,
    an over-long value or no criteria at all."""
    query = CheckQuery(
        phone=valid_phone(phone),
        address=normalise_address(clean_text(address, "address", MAX_ADDRESS)),
        names=_names(names),
        now=now or timezone.now(),
        exclude_incident_id=exclude_incident_id,
        counts_current_call=counts_current_call,
    )
    if query.empty:
        raise ValidationFailed(
            "Give a phone number, an address or a name to check.", code="empty_query"
        )
    return query


def incident_check_query(incident: Incident, *, now: datetime) -> CheckQuery:
    """What to check for an incident: its caller's number, its address, the caller and every
    person named in the call. An unparseable number is skipped (cad flags it)."""
    phone = normalise_phone(incident.caller_phone).e164 if incident.caller_phone else ""
    raw_names = [incident.caller_name]
    for person in getattr(incident, "named_people", None) or []:
        raw_names.append(person.get("name", "") if isinstance(person, dict) else str(person))
    names = tuple(n for n in dict.fromkeys(normalise_name(x) for x in raw_names) if len(n) >= 2)
    return CheckQuery(
        phone=phone,
        address=normalise_address(incident.address),
        names=names[:MAX_NAMES],
        now=now,
        exclude_incident_id=incident.pk,
        counts_current_call=True,
        # Its address as resolved when it was written (no new resolution).
        place=address_query_of(incident) if incident.address_parts else None,
    )
