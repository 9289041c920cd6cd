"""Taking a call: the incident starts at the recommended grade, its DA qualifier follows the
assessment, and removing the qualifier needs a written reason (DESIGN.md section 2, rule 2).

`incident_create` runs in named steps: validate the call, assess it with its context, decide
its first grade and qualifier, then write the incident and everything that goes with it in one
transaction, every row stamped with the one `now` the service was given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from cad import events, refdata
from cad.clock import target_for
from cad.exceptions import ReasonRequired, ValidationFailed
from cad.grading import Assessment
from cad.models import (
    Area,
    Channel,
    Grade,
    GradeChange,
    Incident,
    IncidentLogEntry,
    OpeningCode,
    ReferenceSequence,
)
from cad.normalise import Phone, normalise_address, normalise_phone
from cad.services.assessment import call_assess, context_hooks, isolated_all
from cad.services.contacts import contact_record_first
from cad.services.da_floor import clean_da_answers, describe_answers
from cad.services.inputs import (
    MAX_ADDRESS,
    MAX_NAME,
    MAX_NARRATIVE,
    MAX_PHONE,
    MAX_REASON,
    clean_names,
    opening_code_get,
    phone_unparsed_flag,
)
from cad.services.linking import duplicates_declined_record, offered_incidents
from cad.services.thrive import clean_thrive_panel, thrive_record_first
from cad.services.trail import (
    created_rows,
    held_add,
    held_done,
    hold_new,
    incident_system_log,
)
from cad.signals import incident_created
from core.audit import audit_record
from core.validation import clean_choice, clean_text
from premises.addressing import address_fields, address_query_from
from premises.selectors import Resolution, premises_resolve

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Call:
    """A call's validated details, as the handler gave them."""

    channel: str
    area: str
    narrative: str
    opening_code: OpeningCode | None
    phone: Phone
    address: str
    caller_name: str
    named_people: list[str]
    silent: bool
    domestic_abuse_reason: str
    confirm_grade: bool  # the handler accepted the recommended grade
    latitude: float | None
    longitude: float | None
    # Open incidents the handler was offered as possibly the same, and recorded this one anyway.
    declined: list[Incident]
    # The address resolved to the premises register (the UPRN the handler picked wins).
    resolution: Resolution
    da_answers: dict[str, str]  # the handler's answers to the DA questions
    thrive: dict | None  # the headings the handler confirmed or wrote; None: not confirmed


@dataclass(frozen=True)
class _FirstGrading:
    """The grade and qualifier an incident starts with."""

    assessed: Assessment
    summary: dict  # the stored assessment, with the handler's DA decision folded in
    recommended: str
    minimum: str
    domestic_abuse: bool


def incident_create(
    *,
    actor,
    channel: str,
    narrative: str = "",
    caller_phone: str = "",
    caller_name: str = "",
    address: str = "",
    silent: bool = False,
    area: str = Area.URBAN,
    opening_code: str | None = None,
    named_people: Iterable[str] = (),
    domestic_abuse: bool | None = None,
    domestic_abuse_reason: str = "",
    confirm_grade: bool = False,
    latitude: float | None = None,
    longitude: float | None = None,
    uprn: str = "",
    da_answers: dict[str, str] | None = None,
    thrive: dict | None = None,
    idempotency_key: str | None = None,
    declined_duplicates: Iterable[int] = (),
    now: datetime | None = None,
    respond: Callable[[Incident], Any] | None = None,
) -> Incident:
    """Take a call: record its contact, assess it with its context, create the incident at the
    recommended grade, and let the context providers attach what they found (the intelligence
    check). `domestic_abuse` None follows the assessment; True adds the DA qualifier (minimum
    PRIORITY); False on a call assessed as DA needs `domestic_abuse_reason`. `confirm_grade`
    records the handler accepting the recommended grade. `uprn`: the premises the handler picked
    from the register; the address is resolved to premises either way, and the premises'
    coordinates are used when none are given. `da_answers` are the handler's answers
    to the DA questions ({code: "yes"|"no"|"unknown"}); they feed the assessment, and answers
    confirming DA hold the call at PRIORITY (IMMEDIATE when the person is there now or trying
    to get in) unless a supervisor signs off. `thrive` is the handler's THRIVE: the headings
    given ({heading: {"text", "level"}}) replace the engine's suggestion, the rest are the
    suggestion confirmed (`{}` confirms it all); None records the suggestion unconfirmed.
    `declined_duplicates` are the ids of the open incidents the handler was offered as possibly
    the same and declined: recorded on the new incident and on each of them. A repeated
    `idempotency_key` returns the first incident (with `replayed` True) and records nothing.
    `respond(incident)`, when given (the API's 201 body), runs at the end of the create's
    transaction with the rows it wrote (`created_rows`), and its value is set as
    `incident.response`: what it writes (the reads of intelligence and markers it audits)
    commits with the call or not at all, so a database lost between the two cannot leave a
    saved call answered as failed. If it raises anything but a database outage, the call is
    kept, the error logged and `incident.response` is None (build it afterwards).

    A 999 call with no narrative is silent or abandoned (recorded as silent). A call with no
    narrative, no address or location and no caller number is refused unless marked `silent`
    (code `call_empty`): a blank form is not a call.

    Raises ValidationFailed (unknown channel/area/opening code/declined incident, a non-999
    call with no narrative, an empty call (`call_empty`), a bad DA answer or THRIVE heading)
    and ReasonRequired."""
    # Reference data (grade policies, opening codes) is read from this process's cache, its
    # version checked once for the whole call.
    with refdata.scope():
        return _incident_create(
            actor=actor,
            channel=channel,
            narrative=narrative,
            caller_phone=caller_phone,
            caller_name=caller_name,
            address=address,
            silent=silent,
            area=area,
            opening_code=opening_code,
            named_people=named_people,
            domestic_abuse=domestic_abuse,
            domestic_abuse_reason=domestic_abuse_reason,
            confirm_grade=confirm_grade,
            latitude=latitude,
            longitude=longitude,
            uprn=uprn,
            da_answers=da_answers,
            thrive=thrive,
            idempotency_key=idempotency_key,
            declined_duplicates=declined_duplicates,
            now=now,
            respond=respond,
        )


def _incident_create(
    *,
    actor,
    channel,
    narrative,
    caller_phone,
    caller_name,
    address,
    silent,
    area,
    opening_code,
    named_people,
    domestic_abuse,
    domestic_abuse_reason,
    confirm_grade,
    latitude,
    longitude,
    uprn,
    da_answers,
    thrive,
    idempotency_key,
    declined_duplicates,
    now,
    respond,
) -> Incident:
    now = now or timezone.now()
    idempotency_key = clean_text(idempotency_key, "idempotency_key", 80) or None
    if replayed := _replayed(idempotency_key):
        return replayed
    call = _validated_call(
        channel=channel,
        area=area,
        narrative=narrative,
        opening_code=opening_code,
        caller_phone=caller_phone,
        address=address,
        caller_name=caller_name,
        named_people=named_people,
        silent=silent,
        domestic_abuse_reason=domestic_abuse_reason,
        confirm_grade=confirm_grade,
        latitude=latitude,
        longitude=longitude,
        declined_duplicates=declined_duplicates,
        uprn=uprn,
        da_answers=da_answers,
        thrive=thrive,
    )
    assessed, results = call_assess(
        narrative=call.narrative,
        channel=call.channel,
        caller_phone=call.phone.raw,
        caller_name=call.caller_name,
        address=call.address,
        named_people=call.named_people,
        silent=call.silent,
        now=now,
        place=address_query_from(call.resolution),
        da_answers=call.da_answers,
    )
    grading = _first_grading(call, assessed, domestic_abuse)
    try:
        incident = _incident_write(
            call,
            grading,
            results,
            actor=actor,
            idempotency_key=idempotency_key,
            now=now,
            respond=respond,
        )
    except IntegrityError:
        # Two submissions with one key raced: the loser returns the winner's incident.
        if replayed := _replayed(idempotency_key):
            return replayed
        raise
    incident.replayed = False
    return incident


def _incident_write(
    call: _Call,
    grading: _FirstGrading,
    results,
    *,
    actor,
    idempotency_key,
    now: datetime,
    respond: Callable[[Incident], Any] | None = None,
) -> Incident:
    """One transaction: the incident and its record, then what the context providers found and
    the receivers of `incident_created`, each isolated so a failing one cannot lose the call."""
    # The number is taken before the transaction (its own statement, committed at once), so
    # the day's counter row is locked for that statement only, not for the whole create: calls
    # taken at the same moment no longer queue behind each other's transactions.
    reference = _next_reference(now)
    with transaction.atomic():
        incident = _incident_insert(
            call,
            grading,
            actor=actor,
            idempotency_key=idempotency_key,
            now=now,
            reference=reference,
        )
        # Everything written about the incident from here is held on it, for the 201 body.
        hold_new(incident)
        _record_call(incident, call, grading, actor=actor, now=now)
        duplicates_declined_record(actor=actor, incident=incident, offered=call.declined, now=now)
        thrive_record_first(actor=actor, incident=incident, panel=call.thrive, now=now)
        # The providers' records and the receivers of `incident_created`, in one savepoint
        # (each in its own only when one fails), so a failing one cannot lose the call.
        isolated_all(
            [
                *context_hooks(incident=incident, results=results, actor=actor),
                (
                    "incident_created receivers",
                    lambda: incident_created.send(
                        sender=Incident, incident=incident, actor=actor, now=now
                    ),
                ),
            ],
            incident,
            now,
        )
        events.publish_incident("created", incident)
        held_done(incident)
        incident.response = _respond(respond, incident)
    return incident


def _respond(respond, incident: Incident):
    """`respond(incident)` at the end of the create's transaction (`incident_create`); None when
    there is none or it failed with anything but a database error. A database error has aborted
    the transaction (PostgreSQL accepts nothing more in it), so it is raised: the call is rolled
    back and the client told so (an outage, `core.dbhealth`: 503), never saved behind an error.
    No savepoint of its own: the create keeps to one (`isolated_all`)."""
    if respond is None:
        return None
    try:
        with created_rows(incident):
            return respond(incident)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("the create's response for %s failed; built after commit", incident.pk)
        return None


def _replayed(idempotency_key: str | None) -> Incident | None:
    """The incident already taken with this key, marked `replayed`, or None."""
    if not idempotency_key:
        return None
    existing = Incident.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        existing.replayed = True
    return existing


def _validated_call(
    *,
    channel,
    area,
    narrative,
    opening_code,
    caller_phone,
    address,
    caller_name,
    named_people,
    silent,
    domestic_abuse_reason,
    confirm_grade,
    latitude,
    longitude,
    declined_duplicates,
    uprn,
    da_answers,
    thrive,
) -> _Call:
    clean_choice(channel, Channel, "channel")
    clean_choice(area, Area, "area")
    narrative = clean_text(narrative, "narrative", MAX_NARRATIVE)
    if not narrative and channel != Channel.EMERGENCY:
        # Only a 999 call may be silent or abandoned before anyone speaks.
        raise ValidationFailed("Say what the call is about (narrative).", code="narrative_required")
    address = clean_text(address, "address", MAX_ADDRESS)
    uprn = clean_text(uprn, "uprn", 12)
    caller_phone = clean_text(caller_phone, "caller_phone", MAX_PHONE)
    located = bool(address or uprn or latitude is not None or longitude is not None)
    if not (narrative or located or caller_phone or silent):
        # Nothing to act on and nobody to call back: a blank form, not a call. A 999 call where
        # nobody speaks is recorded by ticking silent (its number or location, when there is
        # one, is what the check and the call-back work from).
        raise ValidationFailed(
            "This call has no narrative, no address or location and no caller number. Type "
            "what the call is about, where, or the caller's number; or mark it silent or "
            "abandoned.",
            code="call_empty",
            fields={"narrative": ["Required unless the call is silent or abandoned."]},
        )
    # A 999 call in which nobody spoke is a silent or abandoned call: recorded as one, so the
    # record says silent whenever the grading gives the silent-call reason (cad.grading).
    silent = bool(silent) or (channel == Channel.EMERGENCY and not narrative)
    resolution = premises_resolve(address=address, uprn=uprn or None)
    if resolution.premises is not None and latitude is None and longitude is None:
        latitude, longitude = resolution.premises.latitude, resolution.premises.longitude
    return _Call(
        channel=channel,
        area=area,
        narrative=narrative,
        opening_code=opening_code_get(opening_code),
        phone=normalise_phone(caller_phone),
        address=address or (resolution.premises.one_line if resolution.premises else ""),
        caller_name=clean_text(caller_name, "caller_name", MAX_NAME),
        named_people=clean_names(named_people),
        silent=silent,
        domestic_abuse_reason=clean_text(
            domestic_abuse_reason, "domestic_abuse_reason", MAX_REASON
        ),
        confirm_grade=confirm_grade,
        latitude=latitude,
        longitude=longitude,
        declined=offered_incidents(declined_duplicates),
        resolution=resolution,
        da_answers=clean_da_answers(da_answers),
        thrive=None if thrive is None else clean_thrive_panel(thrive, partial=True),
    )


def _first_grading(call: _Call, assessed: Assessment, domestic_abuse: bool | None) -> _FirstGrading:
    """The recommended grade and the DA qualifier: the handler's word on DA wins, but removing
    an assessed qualifier needs a reason and adding one makes the call at least PRIORITY."""
    summary = assessed.as_dict()
    recommended, minimum = assessed.recommended_grade, assessed.minimum_grade
    da = assessed.domestic_abuse if domestic_abuse is None else bool(domestic_abuse)
    if assessed.domestic_abuse and not da and not call.domestic_abuse_reason:
        raise ReasonRequired(
            "The call fits the domestic abuse definition: give a reason to record it without the "
            "DA qualifier.",
            code="reason_required",
        )
    if da and not assessed.domestic_abuse:
        # The handler knows more than the words: any DA call is at least PRIORITY.
        minimum = Grade.more_urgent(minimum, Grade.PRIORITY)
        recommended = Grade.more_urgent(recommended, Grade.PRIORITY)
        summary["reasons"] = [
            *summary.get("reasons", []),
            "DA qualifier added by the call handler: at least PRIORITY",
        ]
    summary["minimum_grade"], summary["recommended_grade"] = minimum, recommended
    return _FirstGrading(
        assessed=assessed,
        summary=summary,
        recommended=recommended,
        minimum=minimum,
        domestic_abuse=da,
    )


def _call_flags(call: _Call) -> list[dict]:
    """What the handler must know about the call itself (silent, unreadable number)."""
    flags = []
    if not call.narrative:
        flags.append({"code": "empty_narrative", "text": "Empty narrative (silent call?)"})
    if not call.phone.valid:
        flags.append(phone_unparsed_flag(call.phone.raw))
    return flags


def _next_reference(now: datetime) -> str:
    """CAD-YYYYMMDD-NNNN, numbered per Europe/London day. One atomic upsert, so two calls taken
    at the same moment never share a number. Called outside the create's transaction (inside
    one only when the caller holds an outer transaction), so the counter row's lock lasts one
    statement: a create that then fails leaves its number unused (a gap, never a duplicate)."""
    day = timezone.localdate(now)
    table = connection.ops.quote_name(ReferenceSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 (table name only)
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        number = cursor.fetchone()[0]
    return f"CAD-{day:%Y%m%d}-{number:04d}"


def _incident_insert(
    call: _Call,
    grading: _FirstGrading,
    *,
    actor,
    idempotency_key,
    now: datetime,
    reference: str,
) -> Incident:
    da = grading.domestic_abuse
    confirm_grade = call.confirm_grade
    return Incident.objects.create(
        reference=reference,
        channel=call.channel,
        received_at=now,
        created_by=actor,
        caller_name=call.caller_name,
        caller_phone=call.phone.stored,
        phone_valid=call.phone.valid,
        address=call.address,
        address_normalised=normalise_address(call.address).normalised,
        **address_fields(call.resolution),
        latitude=call.latitude,
        longitude=call.longitude,
        area=call.area,
        narrative=call.narrative,
        silent=call.silent,
        named_people=call.named_people,
        flags=_call_flags(call),
        opening_code=call.opening_code,
        domestic_abuse=da,
        domestic_abuse_removed_reason="" if da else call.domestic_abuse_reason,
        da_answers=call.da_answers,
        grade=grading.recommended,
        recommended_grade=grading.recommended,
        minimum_grade=grading.minimum,
        assessment=grading.summary,
        graded_by=actor if confirm_grade else None,
        graded_at=now if confirm_grade else None,
        target_response_at=target_for(grading.recommended, call.area, now),
        idempotency_key=idempotency_key,
    )


def _record_call(
    incident: Incident,
    call: _Call,
    grading: _FirstGrading,
    *,
    actor,
    now: datetime,
) -> None:
    """The contact, the first grade's history row, the opening log lines and the audit event."""
    contact_record_first(
        actor=actor,
        incident=incident,
        channel=call.channel,
        summary=call.narrative,
        phone=call.phone,
        caller_name=call.caller_name,
        address=call.address,
        address_resolution=call.resolution,
        now=now,
    )
    first_grade = GradeChange.objects.create(
        incident=incident,
        at=now,
        by=actor if call.confirm_grade else None,
        from_grade="",
        to_grade=grading.recommended,
        recommended_grade=grading.recommended,
        minimum_grade=grading.minimum,
        reason="Recommended grade, confirmed by the call handler"
        if call.confirm_grade
        else "Initial grade: the system's recommendation",
    )
    held_add(incident, "grade_changes", first_grade)
    if call.narrative:
        entry = IncidentLogEntry.objects.create(
            incident=incident, at=now, author=actor, text=call.narrative
        )
        held_add(incident, "log_entries", entry)
    for flag in incident.flags:
        incident_system_log(incident=incident, now=now, text=f"Flag: {flag['text']}")
    qualifier_removed = grading.assessed.domestic_abuse and not grading.domestic_abuse
    if qualifier_removed:
        incident_system_log(
            incident=incident,
            now=now,
            text=f"DA qualifier removed by the call handler: {call.domestic_abuse_reason}",
        )
    if call.da_answers:
        incident_system_log(incident=incident, now=now, text=describe_answers(call.da_answers))
    audit_record(
        actor=actor,
        action="incident.created",
        obj=incident,
        at=now,
        summary=f"{incident.reference} created, graded {incident.grade}",
        data={
            "channel": call.channel,
            "grade": incident.grade,
            "grade_confirmed": call.confirm_grade,
            "recommended_grade": grading.recommended,
            "minimum_grade": grading.minimum,
            "domestic_abuse": grading.domestic_abuse,
            "assessed_domestic_abuse": grading.assessed.domestic_abuse,
            "domestic_abuse_reason": call.domestic_abuse_reason,
            "opening_code": call.opening_code.code if call.opening_code else None,
            "flags": [f["code"] for f in incident.flags],
            "reasons": grading.summary.get("reasons", []),
            "da_answers": call.da_answers,
        },
    )
