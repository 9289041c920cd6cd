"""Every write in intelligence: records, checks (only ever run by the system), the audit of who
saw a check, and the support operators' queue. One function per action, one transaction each."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cad import events as cad_events
from cad.exceptions import Conflict, InvalidTransition, ValidationFailed
from cad.models import Grade, Incident
from cad.normalise import normalise_address, normalise_name, normalise_phone
from cad.services import incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_text as _text
from intelligence import events
from intelligence.check import CheckQuery, CheckResult, check_compute
from intelligence.matching import numbers_key
from intelligence.models import (
    CheckRequest,
    CheckTrigger,
    IntelCheck,
    IntelRecord,
    IntelRecordAddress,
    IntelRecordPerson,
    IntelRecordPhone,
    Person,
    PersonName,
    RecordKind,
    RiskLevel,
)

logger = logging.getLogger(__name__)

MAX_PHONE = 60
MAX_ADDRESS = 300
MAX_NAME = 200
MAX_NAMES = 20
MAX_SUMMARY = 5000
MAX_NOTE = 2000
# Incident fields whose change re-runs the check.
CHECKED_FIELDS = {"caller_phone", "caller_name", "address", "address_normalised", "named_people"}
# An automatic check identical to one stored this recently is not stored again (the cad service
# may re-gather context and send `incident_changed` for the same edit).
DUPLICATE_WINDOW_SECONDS = 5


# --- Validation ------------------------------------------------------------------------------


def _phone(raw: str, what: str = "phone") -> str:
    raw = _text(raw, what, MAX_PHONE)
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
        name = normalise_name(_text(value, "name", MAX_NAME))
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
        phone=_phone(phone),
        address=normalise_address(_text(address, "address", MAX_ADDRESS)),
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
    )


# --- Checks ----------------------------------------------------------------------------------


def _log_line(result: dict) -> str:
    kinds: dict[str, int] = {}
    for record in result["records"]:
        kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
    records = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "no records"
    markers = ", ".join(m.get("status", "") for m in result["markers"])
    parts = [
        records,
        f"{len(result['previous_contacts'])} previous contacts",
        f"{len(result['previous_incidents'])} previous incidents",
        f"{len(result['markers'])} markers" + (f" ({markers})" if markers else ""),
    ]
    patterns = "; ".join(p["text"] for p in result["patterns"])
    return ", ".join(parts) + (f"; {patterns}" if patterns else "")


def _store(
    *,
    result: CheckResult,
    trigger: str,
    incident: Incident | None,
    ran_by,
    audit_actor,
    triggered_by=None,
) -> IntelCheck:
    """Write one check exactly as it ran, its audit event, the incident log line and the push.
    Must run inside the caller's transaction."""
    data = result.as_dict()
    query = result.query
    check = IntelCheck.objects.create(
        incident=incident,
        ran_at=query.now,
        ran_by=ran_by,
        trigger=trigger,
        phone=query.phone,
        address=query.address.raw[:MAX_ADDRESS],
        address_normalised=query.address.normalised[:MAX_ADDRESS],
        names=list(query.names),
        result=data,
        record_count=len(data["records"]),
        contact_count=len(data["previous_contacts"]),
        incident_count=len(data["previous_incidents"]),
        marker_count=len(data["markers"]),
        duration_ms=result.duration_ms,
    )
    who = ran_by.get_username() if ran_by else "system"
    summary = _log_line(data)
    audit_data = {
        "check": check.pk,
        "trigger": trigger,
        "ran_by": who,
        "triggered_by": triggered_by.get_username() if triggered_by else None,
        "query": data["query"],
        "records": [r["id"] for r in data["records"]],
        "previous_contacts": [c["id"] for c in data["previous_contacts"]],
        "previous_incidents": [i["id"] for i in data["previous_incidents"]],
        "markers": [m.get("id") for m in data["markers"]],
    }
    audit_record(
        actor=audit_actor,
        action="intel.check_ran",
        obj=incident if incident is not None else check,
        at=query.now,
        summary=f"Intelligence check {check.pk} ran ({who}): {summary}",
        data=audit_data,
    )
    if incident is not None:
        incident_system_log(
            incident=incident,
            now=query.now,
            text=f"Intelligence check ran ({'automatically' if ran_by is None else who}): "
            f"{summary}",
        )
        cad_events.publish_incident("updated", incident, change="intel_check", check=check.pk)
    events.publish_check(check)
    return check


NO_CHECK_YET = "No intelligence check: no number, address or name yet"


def intel_check_attach(
    *, incident: Incident, result: CheckResult | None, actor, now: datetime | None = None
) -> IntelCheck | None:
    """Store the check the system ran while the call was taken, or when cad re-gathered context
    after the caller, address or names changed. Runs it again, as of `now` (the cad service's
    time), if the call-time check could not run. Inside the incident's transaction.

    A call with nothing to check (no number, address or name yet, e.g. a silent call from a
    withheld number) stores nothing: no check ran, and the log says so. The check runs when
    details are added (`intel_check_on_change`). Returns None then."""
    query = (
        result.query
        if result is not None
        else incident_check_query(incident, now=now or timezone.now())
    )
    if query.empty:
        if not incident.log_entries.filter(text=NO_CHECK_YET).exists():
            incident_system_log(incident=incident, now=query.now, text=NO_CHECK_YET)
        return None
    if result is None:
        result = check_compute(query)
    first = not IntelCheck.objects.filter(incident=incident).exists()
    return _store(
        result=result,
        trigger=CheckTrigger.INCIDENT_CREATED if first else CheckTrigger.DETAILS_CHANGED,
        incident=incident,
        ran_by=None,
        audit_actor=None,
        triggered_by=actor,
    )


def intel_check_on_change(
    *, incident: Incident, actor, changes: dict, now: datetime | None = None
) -> IntelCheck | None:
    """Re-run the check, as the system, when an incident's caller, address or named people
    change. Returns None when nothing checked changed or an identical check was just stored."""
    if not CHECKED_FIELDS & set(changes or {}):
        return None
    now = now or timezone.now()
    query = incident_check_query(incident, now=now)
    if query.empty:
        return None
    latest = IntelCheck.objects.filter(incident=incident).order_by("-ran_at", "-id").first()
    if (
        latest is not None
        and latest.ran_by_id is None
        and latest.phone == query.phone
        and latest.address_normalised == query.address.normalised
        and sorted(latest.names) == sorted(query.names)
        and abs((now - latest.ran_at).total_seconds()) <= DUPLICATE_WINDOW_SECONDS
    ):
        return None
    with transaction.atomic():
        return _store(
            result=check_compute(query),
            trigger=CheckTrigger.DETAILS_CHANGED,
            incident=incident,
            ran_by=None,
            audit_actor=None,
            triggered_by=actor,
        )


def intel_check_run(
    *,
    actor,
    phone: str = "",
    address: str = "",
    names: Iterable[str] = (),
    incident: Incident | None = None,
    now: datetime | None = None,
) -> IntelCheck:
    """A person runs a check (a search, or a further check from an incident). With an incident
    and no criteria, the incident's number, address and names are checked.

    Raises ValidationFailed (malformed number, over-long value, nothing to check)."""
    now = now or timezone.now()
    names = list(names)
    if incident is not None and not (phone or address or any(names)):
        query = incident_check_query(incident, now=now)
        if query.empty:
            raise ValidationFailed(
                f"{incident.reference} has no number, address or name to check.",
                code="empty_query",
            )
    else:
        query = check_query_build(
            phone=phone,
            address=address,
            names=names,
            now=now,
            exclude_incident_id=incident.pk if incident is not None else None,
            counts_current_call=incident is not None,
        )
    with transaction.atomic():
        return _store(
            result=check_compute(query),
            trigger=CheckTrigger.MANUAL,
            incident=incident,
            ran_by=actor,
            audit_actor=actor,
        )


def intel_checks_viewed(*, actor, checks, via: str, now: datetime | None = None) -> None:
    """Record that `actor` saw these checks' results (API, search page, incident page)."""
    now = now or timezone.now()
    for check in checks:
        audit_record(
            actor=actor,
            action="intel.check_viewed",
            obj=check.incident if check.incident_id else check,
            at=now,
            summary=f"Intelligence check {check.pk} viewed ({via})",
            data={"check": check.pk, "via": via},
        )


def intel_record_viewed(*, actor, record: IntelRecord, now: datetime | None = None) -> None:
    audit_record(
        actor=actor,
        action="intel.record_viewed",
        obj=record,
        at=now or timezone.now(),
        summary=f"{record.kind} record {record.pk} viewed",
        data={"record": record.pk},
    )


# --- Records ---------------------------------------------------------------------------------


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
    if kind not in RecordKind.values:
        raise ValidationFailed(
            f"Unknown kind '{kind}'. Use one of: {', '.join(RecordKind.values)}.",
            code="unknown_kind",
        )
    summary = _text(summary, "summary", MAX_SUMMARY, required=True)
    occurred = _when(occurred_at, "occurred_at", required=True)
    if occurred > now + timedelta(minutes=5):
        raise ValidationFailed("occurred_at is in the future.", code="in_future")
    expires = _when(expires_at, "expires_at", required=False)
    if expires is not None and expires <= occurred:
        raise ValidationFailed("expires_at must be after occurred_at.", code="expiry_before_start")
    risk_level = _text(risk_level, "risk_level", 10).upper()
    if risk_level and risk_level not in RiskLevel.values:
        raise ValidationFailed(
            f"Unknown risk_level '{risk_level}'. Use one of: {', '.join(RiskLevel.values)}.",
            code="unknown_risk_level",
        )
    person_inputs: dict[str, PersonInput] = {}

    def add(name, role=IntelRecordPerson.Role.SUBJECT, dob=None, aliases=()):
        name = _text(name, "name", MAX_NAME)
        key = normalise_name(name)
        if not key:
            return
        if len(key) < 2:
            raise ValidationFailed(f"Name '{name}' is too short.", code="name_too_short")
        alias_list = tuple(a for a in (_text(x, "alias", MAX_NAME) for x in aliases) if a)
        existing = person_inputs.get(key)
        if existing is not None and role == IntelRecordPerson.Role.SUBJECT:
            return
        person_inputs[key] = PersonInput(
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
    if len(person_inputs) > MAX_NAMES:
        raise ValidationFailed(f"At most {MAX_NAMES} people per record.", code="too_many")
    phone_list = []
    for raw in phones:
        e164 = _phone(raw, "phones")
        if e164 and e164 not in phone_list:
            phone_list.append(e164)
    address_list = []
    for raw in addresses:
        text = _text(raw, "addresses", MAX_ADDRESS)
        if text and normalise_address(text).normalised:
            address_list.append(text)
    if not (person_inputs or phone_list or address_list):
        raise ValidationFailed(
            "A record needs at least one name, phone number or address, or no check could "
            "ever find it.",
            code="unlinked_record",
        )
    if kind == RecordKind.COURT_ORDER and not any(
        p.role == IntelRecordPerson.Role.PROTECTED for p in person_inputs.values()
    ):
        raise ValidationFailed(
            "A court order needs the protected person (protected_person).",
            code="protected_person_required",
        )
    return RecordInput(
        kind=kind,
        summary=summary,
        occurred_at=occurred,
        expires_at=expires,
        risk_level=risk_level,
        conditions=_text(conditions, "conditions", MAX_SUMMARY),
        source_reference=_text(source_reference, "source_reference", 80) or None,
        people=tuple(person_inputs.values()),
        phones=tuple(phone_list),
        addresses=tuple(address_list),
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


# --- The check queue -------------------------------------------------------------------------


def check_request_create(
    *,
    actor,
    reason: str,
    incident: Incident | None = None,
    subject: str = "",
    systems: str = "",
    now: datetime | None = None,
) -> CheckRequest:
    """Ask a support operator for a deeper check (e.g. national systems not connected here)."""
    now = now or timezone.now()
    reason = _text(reason, "reason", MAX_NOTE, required=True)
    subject = _text(subject, "subject", 300)
    systems = _text(systems, "systems", 200)
    if incident is None and not subject:
        raise ValidationFailed(
            "Say who or what to check (subject), or give the incident.", code="subject_required"
        )
    if incident is not None and not subject:
        people = ", ".join(
            filter(None, [incident.caller_name, incident.caller_phone, incident.address])
        )
        subject = (people or incident.reference)[:300]
    with transaction.atomic():
        request = CheckRequest.objects.create(
            incident=incident,
            subject=subject,
            systems=systems,
            reason=reason,
            requested_by=actor,
            requested_at=now,
        )
        audit_record(
            actor=actor,
            action="intel.request_created",
            obj=incident if incident is not None else request,
            at=now,
            summary=f"Deeper check requested: {reason}",
            data={"request": request.pk, "subject": subject, "systems": systems},
        )
        if incident is not None:
            incident_system_log(
                incident=incident,
                now=now,
                text=f"Deeper intelligence check requested by {actor.get_username()}"
                + (f" ({systems})" if systems else "")
                + f": {reason}",
            )
        events.publish_request("created", request)
    return request


def _transition(request: CheckRequest, to: str) -> None:
    if not request.can_transition(to):
        raise InvalidTransition(
            f"Check request {request.pk} is {request.status}; it cannot become {to}.",
            code="invalid_transition",
        )
    request.status = to


def check_request_claim(*, actor, request: CheckRequest, now: datetime | None = None):
    """A support operator takes a request. Another operator's claim is a Conflict."""
    now = now or timezone.now()
    with transaction.atomic():
        request = lock_row(CheckRequest, request.pk, no_key=False)
        if request.status == CheckRequest.Status.IN_PROGRESS:
            if request.assigned_to_id == actor.pk:
                return request
            raise Conflict(
                f"Check request {request.pk} is already being worked by "
                f"{request.assigned_to.get_username()}.",
                code="already_claimed",
            )
        _transition(request, CheckRequest.Status.IN_PROGRESS)
        request.assigned_to, request.claimed_at = actor, now
        request.save(update_fields=["status", "assigned_to", "claimed_at"])
        audit_record(
            actor=actor,
            action="intel.request_claimed",
            obj=request.incident if request.incident_id else request,
            at=now,
            summary=f"Check request {request.pk} taken by {actor.get_username()}",
            data={"request": request.pk},
        )
        events.publish_request("updated", request)
    return request


def check_request_complete(
    *, actor, request: CheckRequest, outcome: str, note: str = "", now: datetime | None = None
) -> CheckRequest:
    """Record the outcome of a deeper check, by the operator who claimed it. Every outcome
    needs a note: which systems were searched (and what was found, or why it could not be
    done). An unclaimed (OPEN) request cannot be completed (InvalidTransition `not_claimed`)."""
    now = now or timezone.now()
    if outcome not in CheckRequest.Outcome.values:
        raise ValidationFailed(
            f"Unknown outcome '{outcome}'. Use one of: {', '.join(CheckRequest.Outcome.values)}.",
            code="unknown_outcome",
        )
    note = _text(note, "note", MAX_SUMMARY)
    if not note:
        raise ValidationFailed(
            "Say which systems were searched, and what was found or why the check could not "
            "be done.",
            code="note_required",
        )
    with transaction.atomic():
        request = lock_row(CheckRequest, request.pk, no_key=False)
        if request.status == CheckRequest.Status.OPEN:
            raise InvalidTransition(
                f"Check request {request.pk} has not been taken: take it (claim it) before "
                "recording its outcome.",
                code="not_claimed",
            )
        if request.status == CheckRequest.Status.IN_PROGRESS and request.assigned_to_id not in (
            None,
            actor.pk,
        ):
            raise Conflict(
                f"Check request {request.pk} is being worked by "
                f"{request.assigned_to.get_username()}.",
                code="already_claimed",
            )
        _transition(request, CheckRequest.Status.DONE)
        request.outcome, request.outcome_note = outcome, note
        request.completed_by, request.completed_at = actor, now
        request.save(
            update_fields=[
                "status",
                "outcome",
                "outcome_note",
                "completed_by",
                "completed_at",
            ]
        )
        audit_record(
            actor=actor,
            action="intel.request_completed",
            obj=request.incident if request.incident_id else request,
            at=now,
            summary=f"Deeper check {request.pk}: {request.get_outcome_display()}"
            + (f": {note}" if note else ""),
            data={"request": request.pk, "outcome": outcome, "note": note},
        )
        if request.incident_id:
            incident_system_log(
                incident=request.incident,
                now=now,
                text=f"Deeper intelligence check by {actor.get_username()}: "
                f"{request.get_outcome_display()}" + (f": {note}" if note else ""),
            )
            cad_events.publish_incident("updated", request.incident, change="intel_request")
        events.publish_request("updated", request)
    return request


def check_request_cancel(
    *, actor, request: CheckRequest, reason: str, now: datetime | None = None
) -> CheckRequest:
    now = now or timezone.now()
    reason = _text(reason, "reason", MAX_NOTE, required=True)
    with transaction.atomic():
        request = lock_row(CheckRequest, request.pk, no_key=False)
        _transition(request, CheckRequest.Status.CANCELLED)
        request.outcome_note = reason
        request.completed_by, request.completed_at = actor, now
        request.save(update_fields=["status", "outcome_note", "completed_by", "completed_at"])
        audit_record(
            actor=actor,
            action="intel.request_cancelled",
            obj=request.incident if request.incident_id else request,
            at=now,
            summary=f"Check request {request.pk} cancelled: {reason}",
            data={"request": request.pk, "reason": reason},
        )
        events.publish_request("updated", request)
    return request


def request_priority(grade: str | None) -> int:
    """Queue priority from the incident's grade: 0 is most urgent; no incident is last."""
    return Grade.rank(grade) if grade in Grade.values else len(Grade.values)
