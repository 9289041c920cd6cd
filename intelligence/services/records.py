"""Recording intelligence: one record at a time (API, screens) or a file of them (import). A
record links to people (by name and date of birth), numbers and addresses, or no check could
ever find it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cad.exceptions import Conflict, ValidationFailed
from cad.normalise import normalise_address, normalise_name
from core.audit import audit_record
from core.validation import clean_choice, clean_text
from intelligence.matching import numbers_key
from intelligence.models import (
    IntelRecord,
    IntelRecordAddress,
    IntelRecordPerson,
    IntelRecordPhone,
    Person,
    PersonName,
    RecordKind,
    RiskLevel,
)
from intelligence.services.queries import (
    MAX_ADDRESS,
    MAX_NAME,
    MAX_NAMES,
    MAX_SUMMARY,
    valid_phone,
)
from premises.addressing import address_fields_for


@dataclass(frozen=True)
class PersonInput:
    name: str
    date_of_birth: date | None = None
    role: str = IntelRecordPerson.Role.SUBJECT
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordInput:
    """A validated intel record, ready to write."""

    kind: str
    summary: str
    occurred_at: datetime
    expires_at: datetime | None
    risk_level: str
    conditions: str
    source_reference: str | None
    people: tuple[PersonInput, ...]
    phones: tuple[str, ...]
    addresses: tuple[str, ...]


def _when(value, what: str, *, required: bool) -> datetime | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(f"{what} is required.", code=f"{what}_required")
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime(day.year, day.month, day.day) if day else None
        if parsed is None:
            raise ValidationFailed(
                f"{what}: '{text[:40]}' is not an ISO 8601 date or time.", code="invalid_datetime"
            )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _dob(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    day = parse_date(str(value).strip())
    if day is None:
        raise ValidationFailed(
            f"date_of_birth: '{str(value)[:20]}' is not a date (YYYY-MM-DD).", code="invalid_date"
        )
    return day


def intel_record_validate(
    *,
    kind: str,
    summary: str,
    occurred_at,
    expires_at=None,
    names: Iterable[str] = (),
    phones: Iterable[str] = (),
    addresses: Iterable[str] = (),
    people: Iterable[dict] = (),
    protected_person: str = "",
    restricted_person: str = "",
    risk_level: str = "",
    conditions: str = "",
    source_reference: str | None = None,
    now: datetime | None = None,
) -> RecordInput:
    """Check one record (API body or import row). Raises ValidationFailed with a clear message."""
    now = now or timezone.now()
    clean_choice(kind, RecordKind, "kind")
    summary = clean_text(summary, "summary", MAX_SUMMARY, required=True)
    occurred, expires = _period(occurred_at, expires_at, now=now)
    risk_level = clean_text(risk_level, "risk_level", 10).upper()
    if risk_level:
        clean_choice(risk_level, RiskLevel, "risk_level")
    person_inputs = _people(names, people, protected_person, restricted_person)
    phone_list = list(dict.fromkeys(p for p in (valid_phone(r, "phones") for r in phones) if p))
    address_list = [
        text
        for text in (clean_text(raw, "addresses", MAX_ADDRESS) for raw in addresses)
        if text and normalise_address(text).normalised
    ]
    _check_links(kind, person_inputs, phone_list, address_list)
    return RecordInput(
        kind=kind,
        summary=summary,
        occurred_at=occurred,
        expires_at=expires,
        risk_level=risk_level,
        conditions=clean_text(conditions, "conditions", MAX_SUMMARY),
        source_reference=clean_text(source_reference, "source_reference", 80) or None,
        people=tuple(person_inputs),
        phones=tuple(phone_list),
        addresses=tuple(address_list),
    )


def _period(occurred_at, expires_at, *, now: datetime) -> tuple[datetime, datetime | None]:
    """When the record happened (not in the future, give or take clock skew) and when it
    expires (after it happened), both aware."""
    occurred = _when(occurred_at, "occurred_at", required=True)
    if occurred > now + timedelta(minutes=5):
        raise ValidationFailed("occurred_at is in the future.", code="in_future")
    expires = _when(expires_at, "expires_at", required=False)
    if expires is not None and expires <= occurred:
        raise ValidationFailed("expires_at must be after occurred_at.", code="expiry_before_start")
    return occurred, expires


def _people(names, people, protected_person, restricted_person) -> list[PersonInput]:
    """The record's people, one per normalised name: plain names are subjects; a name given
    again with a role (protected, restricted...) takes that role."""
    found: dict[str, PersonInput] = {}

    def add(name, role=IntelRecordPerson.Role.SUBJECT, dob=None, aliases=()):
        name = clean_text(name, "name", MAX_NAME)
        key = normalise_name(name)
        if not key:
            return
        if len(key) < 2:
            raise ValidationFailed(f"Name '{name}' is too short.", code="name_too_short")
        alias_list = tuple(a for a in (clean_text(x, "alias", MAX_NAME) for x in aliases) if a)
        existing = found.get(key)
        if existing is not None and role == IntelRecordPerson.Role.SUBJECT:
            return
        found[key] = PersonInput(
            name=name,
            date_of_birth=_dob(dob) or (existing.date_of_birth if existing else None),
            role=role,
            aliases=alias_list or (existing.aliases if existing else ()),
        )

    for name in names:
        add(name)
    for person in people:
        if not isinstance(person, dict):
            raise ValidationFailed("people: each entry must be an object.", code="invalid")
        role = str(person.get("role") or IntelRecordPerson.Role.SUBJECT).upper()
        if role not in IntelRecordPerson.Role.values:
            raise ValidationFailed(f"Unknown person role '{role}'.", code="unknown_role")
        add(person.get("name"), role, person.get("date_of_birth"), person.get("aliases") or ())
    if protected_person:
        add(protected_person, IntelRecordPerson.Role.PROTECTED)
    if restricted_person:
        add(restricted_person, IntelRecordPerson.Role.RESTRICTED)
    if len(found) > MAX_NAMES:
        raise ValidationFailed(f"At most {MAX_NAMES} people per record.", code="too_many")
    return list(found.values())


def _check_links(kind: str, people: list[PersonInput], phones: list, addresses: list) -> None:
    if not (people or phones or addresses):
        raise ValidationFailed(
            "A record needs at least one name, phone number or address, or no check could "
            "ever find it.",
            code="unlinked_record",
        )
    if kind == RecordKind.COURT_ORDER and not any(
        p.role == IntelRecordPerson.Role.PROTECTED for p in people
    ):
        raise ValidationFailed(
            "A court order needs the protected person (protected_person).",
            code="protected_person_required",
        )


def _person_for(person: PersonInput, *, now: datetime) -> Person:
    """The person this name (and date of birth) refers to: an existing person with the same
    normalised name and the same (or no) date of birth, else a new one."""
    key = normalise_name(person.name)
    candidates = Person.objects.filter(
        names__name_normalised=key, date_of_birth=person.date_of_birth
    ).distinct()[:2]
    if len(candidates) == 1:
        found = candidates[0]
    else:
        found = Person.objects.create(
            display_name=person.name, date_of_birth=person.date_of_birth, created_at=now
        )
        PersonName.objects.create(
            person=found, name=person.name, name_normalised=key, kind=PersonName.Kind.PRIMARY
        )
    for alias in person.aliases:
        PersonName.objects.get_or_create(
            person=found,
            name_normalised=normalise_name(alias),
            defaults={"name": alias, "kind": PersonName.Kind.ALIAS},
        )
    return found


def _record_write(data: RecordInput, *, actor, now: datetime) -> IntelRecord:
    record = IntelRecord.objects.create(
        kind=data.kind,
        summary=data.summary,
        occurred_at=data.occurred_at,
        expires_at=data.expires_at,
        risk_level=data.risk_level,
        conditions=data.conditions,
        source_reference=data.source_reference,
        created_at=now,
        created_by=actor,
    )
    fields = []
    for person_input in data.people:
        person = _person_for(person_input, now=now)
        IntelRecordPerson.objects.create(record=record, person=person, role=person_input.role)
        if person_input.role == IntelRecordPerson.Role.PROTECTED:
            record.protected_person = person
            fields.append("protected_person")
        elif person_input.role == IntelRecordPerson.Role.RESTRICTED:
            record.restricted_person = person
            fields.append("restricted_person")
    if fields:
        record.save(update_fields=fields)
    IntelRecordPhone.objects.bulk_create(
        [IntelRecordPhone(record=record, phone=phone) for phone in data.phones]
    )
    seen = set()
    for raw in data.addresses:
        address = normalise_address(raw)
        if address.normalised in seen:
            continue
        seen.add(address.normalised)
        IntelRecordAddress.objects.create(
            record=record,
            address=raw,
            address_normalised=address.normalised,
            address_numbers=numbers_key(address.numbers),
            postcode=address.postcode,
            **address_fields_for(raw),
        )
    return record


def intel_record_create(*, actor, now: datetime | None = None, **fields) -> IntelRecord:
    """Record one piece of intelligence (fields as `intel_record_validate`).

    Raises ValidationFailed, or Conflict when `source_reference` was already recorded."""
    now = now or timezone.now()
    data = intel_record_validate(now=now, **fields)
    try:
        with transaction.atomic():
            if (
                data.source_reference
                and IntelRecord.objects.filter(source_reference=data.source_reference).exists()
            ):
                raise Conflict(
                    f"A record with source reference '{data.source_reference}' already exists.",
                    code="duplicate_source_reference",
                )
            record = _record_write(data, actor=actor, now=now)
            audit_record(
                actor=actor,
                action="intel.record_created",
                obj=record,
                at=now,
                summary=f"{record.kind} record created",
                data={
                    "kind": record.kind,
                    "people": [p.name for p in data.people],
                    "phones": list(data.phones),
                    "addresses": list(data.addresses),
                    "source_reference": data.source_reference,
                },
            )
    except IntegrityError:
        raise Conflict(
            f"A record with source reference '{data.source_reference}' already exists.",
            code="duplicate_source_reference",
        ) from None
    return record


@dataclass
class ImportOutcome:
    created: int = 0
    skipped: int = 0  # already imported (same source reference)
    rejected: list[tuple[int, str]] = None  # (line number, message)

    def __post_init__(self):
        if self.rejected is None:
            self.rejected = []


def intel_records_import(
    *, actor, rows: Iterable[tuple[int, dict]], source: str, now: datetime | None = None
) -> ImportOutcome:
    """Import validated rows: (line number, fields). Each row needs a `source_reference`; a
    reference already recorded is skipped, so importing a file twice changes nothing. Rows that
    fail validation are reported with their line number; the others are written (one savepoint
    per row, one audit event for the batch)."""
    now = now or timezone.now()
    outcome = ImportOutcome()
    created_ids = []
    with transaction.atomic():
        for line, fields in rows:
            try:
                if not (fields.get("source_reference") or "").strip():
                    raise ValidationFailed(
                        "source_reference is required for an import.",
                        code="source_reference_required",
                    )
                data = intel_record_validate(now=now, **fields)
            except ValidationFailed as exc:
                outcome.rejected.append((line, exc.message))
                continue
            except TypeError as exc:
                outcome.rejected.append((line, f"unexpected field: {exc}"))
                continue
            if IntelRecord.objects.filter(source_reference=data.source_reference).exists():
                outcome.skipped += 1
                continue
            with transaction.atomic():
                created_ids.append(_record_write(data, actor=actor, now=now).pk)
            outcome.created += 1
        if created_ids:
            audit_record(
                actor=actor,
                action="intel.records_imported",
                object_type="intelligence.import",
                object_id=source[:40],
                at=now,
                summary=f"{outcome.created} intel records imported from {source}"[:300],
                data={
                    "source": source,
                    "created": outcome.created,
                    "skipped": outcome.skipped,
                    "rejected": len(outcome.rejected),
                    "first_id": created_ids[0],
                    "last_id": created_ids[-1],
                },
            )
    return outcome
