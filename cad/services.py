"""Every write to contacts and incidents. One function per action, one transaction each; each
validates, writes the audit trail and schedules the live push after commit.

Safety rules kept here (DESIGN.md section 2, rules 1-5):
- every contact is recorded, with its number in E.164 (or kept as given and flagged);
- an incident starts at the recommended grade and its DA qualifier follows the assessment;
  removing the qualifier needs a written reason;
- nothing the system learns later (a log line, a corrected address) ever lowers the minimum
  grade on its own; it can only raise it;
- grading below the minimum needs a reason, and below a marker's floor or a DA Immediate also a
  supervisor; meanwhile the incident keeps its safer grade.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cad import context as call_context
from cad import events
from cad.clock import target_for
from cad.exceptions import (
    Conflict,
    InvalidTransition,
    NotFound,
    ReasonRequired,
    ValidationFailed,
)
from cad.grading import Assessment, assess
from cad.models import (
    Area,
    Channel,
    ClosingCode,
    Contact,
    Grade,
    GradeChange,
    GradeRequest,
    Incident,
    IncidentLogEntry,
    IncidentStatus,
    IncidentTag,
    OpeningCode,
    ReferenceSequence,
)
from cad.normalise import normalise_address, normalise_name, normalise_phone
from cad.signals import incident_changed, incident_created
from core.audit import audit_record
from core.roles import Role, has_role
from core.validation import clean_choice as _choice
from core.validation import clean_text as _text

logger = logging.getLogger(__name__)

MAX_NARRATIVE = 20_000
MAX_LOG_TEXT = 10_000
MAX_REASON = 2_000
MAX_NAMED_PEOPLE = 20


# --- Validation helpers --------------------------------------------------------------------------


def _names(values: Iterable[str] | None) -> list[str]:
    """Named people as typed (trimmed, de-duplicated by their normalised form)."""
    names, seen = [], set()
    for value in values or ():
        name = _text(value, "a named person", 200)
        key = normalise_name(name)
        if key and key not in seen:
            seen.add(key)
            names.append(name)
    if len(names) > MAX_NAMED_PEOPLE:
        raise ValidationFailed(
            f"At most {MAX_NAMED_PEOPLE} named people per incident.", code="too_many_names"
        )
    return names


def _opening_code(code: str | None) -> OpeningCode | None:
    if not code:
        return None
    found = OpeningCode.objects.filter(code=code, active=True).first()
    if found is None:
        raise ValidationFailed(
            f"Unknown opening code '{code}'. See /api/v1/opening-codes/ for the list.",
            code="unknown_opening_code",
        )
    return found


# --- Assessment ----------------------------------------------------------------------------------


def call_query(
    *,
    phone: str = "",
    address: str = "",
    names=(),
    channel: str = Channel.EMERGENCY,
    silent: bool = False,
    now: datetime | None = None,
    exclude_incident_id: int | None = None,
) -> call_context.CallQuery:
    return call_context.CallQuery(
        phone=normalise_phone(phone).e164,
        address=normalise_address(address),
        names=tuple(n for n in (normalise_name(x) for x in names) if n),
        channel=channel,
        silent=silent,
        now=now or timezone.now(),
        exclude_incident_id=exclude_incident_id,
    )


def call_assess(
    *,
    narrative: str = "",
    channel: str = Channel.EMERGENCY,
    caller_phone: str = "",
    caller_name: str = "",
    address: str = "",
    named_people: Iterable[str] = (),
    silent: bool = False,
    now: datetime | None = None,
    exclude_incident_id: int | None = None,
) -> tuple[Assessment, list[call_context.ContextResult]]:
    """Assess a call with its context (markers, intelligence, previous contacts). Records
    nothing. Raises ValidationFailed for an unknown channel or an over-long narrative."""
    _choice(channel, Channel, "channel")
    narrative = _text(narrative, "narrative", MAX_NARRATIVE)
    names = ([caller_name] if caller_name else []) + _names(named_people)
    query = call_query(
        phone=_text(caller_phone, "caller_phone", 60),
        address=_text(address, "address", 300),
        names=names,
        channel=channel,
        silent=silent,
        now=now,
        exclude_incident_id=exclude_incident_id,
    )
    results = call_context.gather_context(query)
    return assess(narrative=narrative, channel=channel, silent=silent, context=results), results


def _merge_assessment(stored: dict, fresh: dict, *, replace_context: bool) -> dict:
    """Fold a fresh assessment into the stored one without ever lowering anything: findings
    and reasons accumulate, DA stays DA, grades only become more urgent. With
    `replace_context` the context panel and banners are the fresh ones (the details changed)."""
    merged = {**fresh, **stored}
    for key in ("indicators", "risk_factors"):
        old = list(stored.get(key) or [])
        seen = {(f.get("code"), f.get("evidence")) for f in old}
        merged[key] = old + [
            f for f in fresh.get(key) or [] if (f.get("code"), f.get("evidence")) not in seen
        ]
    old_reasons = list(stored.get("reasons") or [])
    merged["reasons"] = old_reasons + [
        r for r in fresh.get("reasons") or [] if r not in old_reasons
    ]
    merged["domestic_abuse"] = bool(stored.get("domestic_abuse") or fresh.get("domestic_abuse"))
    for key in ("minimum_grade", "recommended_grade", "context_floor"):
        merged[key] = Grade.more_urgent(stored.get(key) or "", fresh.get(key) or "")
    if replace_context:
        merged["context"] = fresh.get("context") or {}
        merged["banners"] = fresh.get("banners") or []
    return merged


def _assessment_text(incident: Incident) -> str:
    """Everything people have said about the incident: the narrative and every note."""
    lines = incident.log_entries.filter(kind=IncidentLogEntry.Kind.NOTE).values_list(
        "text", flat=True
    )
    return "\n".join(lines) or incident.narrative


def _apply_reassessment(
    *, actor, incident: Incident, fresh: dict, now: datetime, why: str, replace_context: bool
) -> list[str]:
    """Merge `fresh` into a locked incident. Raises the DA qualifier when new evidence shows
    DA, and the grade itself when it has fallen below the new minimum. Returns what changed."""
    stored = incident.assessment or {}
    merged = _merge_assessment(stored, fresh, replace_context=replace_context)
    changed = []
    if merged["minimum_grade"] != incident.minimum_grade:
        changed.append(f"minimum grade {incident.minimum_grade} -> {merged['minimum_grade']}")
    if merged["recommended_grade"] != incident.recommended_grade:
        changed.append(
            f"recommended grade {incident.recommended_grade} -> {merged['recommended_grade']}"
        )
    newly_da = bool(fresh.get("domestic_abuse")) and not stored.get("domestic_abuse")
    if newly_da and not incident.domestic_abuse:
        incident.domestic_abuse = True
        incident.domestic_abuse_removed_reason = ""
        changed.append("DA qualifier added (new evidence of domestic abuse)")
    incident.assessment = merged
    incident.minimum_grade = merged["minimum_grade"] or incident.minimum_grade
    incident.recommended_grade = merged["recommended_grade"] or incident.recommended_grade
    incident.save(
        update_fields=[
            "assessment",
            "minimum_grade",
            "recommended_grade",
            "domestic_abuse",
            "domestic_abuse_removed_reason",
            "updated_at",
        ]
    )
    if changed:
        incident_system_log(
            incident=incident, now=now, text=f"Reassessed after {why}: " + "; ".join(changed)
        )
        audit_record(
            actor=actor,
            action="incident.reassessed",
            obj=incident,
            at=now,
            summary=f"Reassessed after {why}: " + "; ".join(changed),
            data={
                "why": why,
                "changes": changed,
                "minimum_grade": incident.minimum_grade,
                "recommended_grade": incident.recommended_grade,
                "domestic_abuse": incident.domestic_abuse,
            },
        )
    if incident.is_open and Grade.is_below(incident.grade, incident.minimum_grade):
        _apply_grade(
            actor=None,
            incident=incident,
            grade=incident.minimum_grade,
            reason=f"Raised to the new minimum grade after {why}",
            now=now,
        )
        changed.append(f"grade raised to {incident.minimum_grade}")
    return changed


def _isolated(what: str, fn: Callable[[], None], *, incident: Incident, now: datetime) -> bool:
    """Run another app's hook (context attach, signal receivers) in a savepoint. A failing hook
    must not stop a call being recorded: it is logged and flagged on the incident so the
    handler knows to check by hand."""
    try:
        with transaction.atomic():
            fn()
        return True
    except Exception:
        logger.exception("%s failed for incident %s", what, incident.pk)
        incident_system_log(
            incident=incident, now=now, text=f"Warning: {what} failed; check manually."
        )
        incident.flags = [*incident.flags, {"code": "hook_failed", "text": f"{what} failed"}]
        incident.save(update_fields=["flags"])
        return False


def _attach_context(*, incident: Incident, results, actor, now: datetime) -> None:
    """Let each provider persist what it found (e.g. the intelligence check), one at a time so
    one provider's failure cannot undo another's record."""
    for result in results:
        _isolated(
            f"{result.provider} context",
            lambda result=result: call_context.attach_context(
                incident=incident, results=[result], actor=actor
            ),
            incident=incident,
            now=now,
        )


# --- Contacts ------------------------------------------------------------------------------------


def contact_create(
    *,
    actor,
    channel: str,
    summary: str = "",
    caller_phone: str = "",
    caller_name: str = "",
    address: str = "",
    incident: Incident | None = None,
    now: datetime | None = None,
) -> Contact:
    """Record a contact on any channel (`incident` links a contact to the incident it raised or
    concerns). An unparseable number is kept as given and flagged, never dropped.

    Raises ValidationFailed for an unknown channel, an over-long field, or a contact that raised
    no incident and says nothing (`summary` is required then)."""
    _choice(channel, Channel, "channel")
    now = now or timezone.now()
    phone = normalise_phone(_text(caller_phone, "caller_phone", 60))
    address = _text(address, "address", 300)
    summary = _text(summary, "summary", MAX_NARRATIVE)
    if incident is None and not summary:
        raise ValidationFailed("Say what the contact was about (summary).", code="summary_required")
    with transaction.atomic():
        contact = Contact.objects.create(
            channel=channel,
            received_at=now,
            handler=actor,
            caller_name=_text(caller_name, "caller_name", 200),
            caller_phone=phone.stored,
            caller_phone_raw=phone.raw,
            phone_valid=phone.valid,
            address=address,
            address_normalised=normalise_address(address).normalised,
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


# --- Incidents -----------------------------------------------------------------------------------


def _next_reference(now: datetime) -> str:
    """CAD-YYYYMMDD-NNNN, numbered per Europe/London day. One atomic upsert, so two calls taken
    at the same moment never share a number."""
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
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Incident:
    """Take a call: record its contact, assess it with its context, create the incident at the
    recommended grade, and let the context providers attach what they found (the intelligence
    check). `domestic_abuse` None follows the assessment; True adds the DA qualifier (minimum
    PRIORITY); False on a call assessed as DA needs `domestic_abuse_reason`. `confirm_grade`
    records the handler accepting the recommended grade. A repeated `idempotency_key` returns
    the first incident (with `replayed` True) and records nothing.

    Raises ValidationFailed (unknown channel/area/opening code, a non-999 call with no
    narrative) and ReasonRequired."""
    now = now or timezone.now()
    idempotency_key = _text(idempotency_key, "idempotency_key", 80) or None
    if idempotency_key:
        existing = Incident.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            existing.replayed = True
            return existing
    _choice(channel, Channel, "channel")
    _choice(area, Area, "area")
    narrative = _text(narrative, "narrative", MAX_NARRATIVE)
    if not narrative and channel != Channel.EMERGENCY:
        # Only a 999 call may be silent or abandoned before anyone speaks.
        raise ValidationFailed("Say what the call is about (narrative).", code="narrative_required")
    code = _opening_code(opening_code)
    phone = normalise_phone(_text(caller_phone, "caller_phone", 60))
    address = _text(address, "address", 300)
    caller_name = _text(caller_name, "caller_name", 200)
    people = _names(named_people)
    domestic_abuse_reason = _text(domestic_abuse_reason, "domestic_abuse_reason", MAX_REASON)
    assessment, results = call_assess(
        narrative=narrative,
        channel=channel,
        caller_phone=phone.raw,
        caller_name=caller_name,
        address=address,
        named_people=people,
        silent=silent,
        now=now,
    )
    summary = assessment.as_dict()
    recommended, minimum = assessment.recommended_grade, assessment.minimum_grade
    da = assessment.domestic_abuse if domestic_abuse is None else bool(domestic_abuse)
    if assessment.domestic_abuse and not da and not domestic_abuse_reason:
        raise ReasonRequired(
            "The call fits the domestic abuse definition: give a reason to record it without the "
            "DA qualifier.",
            code="reason_required",
        )
    if da and not assessment.domestic_abuse:
        # The handler knows more than the words: any DA call is at least PRIORITY.
        minimum = Grade.more_urgent(minimum, Grade.PRIORITY)
        recommended = Grade.more_urgent(recommended, Grade.PRIORITY)
        summary["reasons"] = [
            *summary.get("reasons", []),
            "DA qualifier added by the call handler: at least PRIORITY",
        ]
    summary["minimum_grade"], summary["recommended_grade"] = minimum, recommended
    flags = []
    if not narrative:
        flags.append({"code": "empty_narrative", "text": "Empty narrative (silent call?)"})
    if not phone.valid:
        flags.append(
            {"code": "phone_unparsed", "text": f"Caller number not recognised: '{phone.raw}'"}
        )
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                reference=_next_reference(now),
                channel=channel,
                received_at=now,
                created_by=actor,
                caller_name=caller_name,
                caller_phone=phone.stored,
                phone_valid=phone.valid,
                address=address,
                address_normalised=normalise_address(address).normalised,
                latitude=latitude,
                longitude=longitude,
                area=area,
                narrative=narrative,
                silent=silent,
                named_people=people,
                flags=flags,
                opening_code=code,
                domestic_abuse=da,
                domestic_abuse_removed_reason="" if da else domestic_abuse_reason,
                grade=recommended,
                recommended_grade=recommended,
                minimum_grade=minimum,
                assessment=summary,
                graded_by=actor if confirm_grade else None,
                graded_at=now if confirm_grade else None,
                target_response_at=target_for(recommended, area, now),
                idempotency_key=idempotency_key,
            )
            contact_create(
                actor=actor,
                channel=channel,
                summary=narrative,
                caller_phone=phone.raw,
                caller_name=caller_name,
                address=address,
                incident=incident,
                now=now,
            )
            GradeChange.objects.create(
                incident=incident,
                at=now,
                by=actor if confirm_grade else None,
                from_grade="",
                to_grade=recommended,
                recommended_grade=recommended,
                minimum_grade=minimum,
                reason="Recommended grade, confirmed by the call handler"
                if confirm_grade
                else "Initial grade: the system's recommendation",
            )
            if narrative:
                IncidentLogEntry.objects.create(
                    incident=incident, at=now, author=actor, text=narrative
                )
            for flag in flags:
                incident_system_log(incident=incident, now=now, text=f"Flag: {flag['text']}")
            if assessment.domestic_abuse and not da:
                incident_system_log(
                    incident=incident,
                    now=now,
                    text=f"DA qualifier removed by the call handler: {domestic_abuse_reason}",
                )
            audit_record(
                actor=actor,
                action="incident.created",
                obj=incident,
                at=now,
                summary=f"{incident.reference} created, graded {incident.grade}",
                data={
                    "channel": channel,
                    "grade": incident.grade,
                    "grade_confirmed": confirm_grade,
                    "recommended_grade": recommended,
                    "minimum_grade": minimum,
                    "domestic_abuse": da,
                    "assessed_domestic_abuse": assessment.domestic_abuse,
                    "domestic_abuse_reason": domestic_abuse_reason,
                    "opening_code": code.code if code else None,
                    "flags": [f["code"] for f in flags],
                    "reasons": summary.get("reasons", []),
                },
            )
            _attach_context(incident=incident, results=results, actor=actor, now=now)
            _isolated(
                "incident_created receivers",
                lambda: incident_created.send(sender=Incident, incident=incident, actor=actor),
                incident=incident,
                now=now,
            )
            events.publish_incident("created", incident)
    except IntegrityError:
        # Two submissions with one key raced: the loser returns the winner's incident.
        if idempotency_key:
            existing = Incident.objects.filter(idempotency_key=idempotency_key).first()
            if existing:
                existing.replayed = True
                return existing
        raise
    incident.replayed = False
    return incident


def _lock(incident_id: int) -> Incident:
    """Lock the incident row for an update. NO KEY UPDATE, so inserts of rows that reference
    the incident (log lines, alerts) are not blocked while it is held. Every service that also
    locks a GradeRequest locks the incident first (one lock order: no deadlock)."""
    try:
        return Incident.objects.select_for_update(no_key=True).get(pk=incident_id)
    except Incident.DoesNotExist:
        raise NotFound(f"Incident {incident_id} does not exist.") from None


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
    new = {}
    if caller_name is not None:
        new["caller_name"] = _text(caller_name, "caller_name", 200)
    if caller_phone is not None:
        phone = normalise_phone(_text(caller_phone, "caller_phone", 60))
        new["caller_phone"] = phone.stored
        new["phone_valid"] = phone.valid
    if address is not None:
        new["address"] = _text(address, "address", 300)
        new["address_normalised"] = normalise_address(new["address"]).normalised
    if named_people is not None:
        new["named_people"] = _names(named_people)
    if area is not None:
        new["area"] = _choice(area, Area, "area")
    if opening_code is not None:
        code = _opening_code(opening_code)
        new["opening_code_id"] = code.code if code else None
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
    if not current.is_open:
        raise InvalidTransition(f"{current.reference} is closed; its details cannot change.")
    who_or_where = {"caller_name", "caller_phone", "address", "named_people"} & set(changes)
    results, fresh = [], None
    if who_or_where:
        # Gathered before the lock: the checks read other apps' records and may be slow.
        after = {**{f: getattr(current, f) for f in new}, **new}
        assessment, results = call_assess(
            narrative=_assessment_text(current),
            channel=current.channel,
            caller_phone=after.get("caller_phone", current.caller_phone),
            caller_name=after.get("caller_name", current.caller_name),
            address=after.get("address", current.address),
            named_people=after.get("named_people", current.named_people),
            silent=current.silent,
            now=now,
            exclude_incident_id=current.pk,
        )
        fresh = assessment.as_dict()
    with transaction.atomic():
        incident = _lock(current.pk)
        if not incident.is_open:
            raise InvalidTransition(f"{incident.reference} is closed; its details cannot change.")
        for field, value in new.items():
            setattr(incident, field, value)
        if "area" in changes:
            incident.target_response_at = target_for(
                incident.grade, incident.area, incident.received_at
            )
        flags = [f for f in incident.flags if f.get("code") != "phone_unparsed"]
        if not incident.phone_valid:
            flags.append(
                {
                    "code": "phone_unparsed",
                    "text": f"Caller number not recognised: '{incident.caller_phone}'",
                }
            )
        incident.flags = flags
        incident.save()
        described = {
            field.removesuffix("_id"): [str(old or ""), str(value or "")]
            for field, (old, value) in changes.items()
            if field not in ("address_normalised", "phone_valid")
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
        if fresh is not None:
            _apply_reassessment(
                actor=actor,
                incident=incident,
                fresh=fresh,
                now=now,
                why="a change of details",
                replace_context=True,
            )
            _attach_context(incident=incident, results=results, actor=actor, now=now)
        incident_changed.send(
            sender=Incident,
            incident=incident,
            actor=actor,
            changes={f: tuple(v) for f, v in described.items()},
        )
        events.publish_incident("updated", incident, change="details")
    return incident


def incident_log_add(
    *, actor, incident: Incident, text: str, now: datetime | None = None
) -> IncidentLogEntry:
    """Append a line to the incident log (append-only: nothing edits or deletes a line). The
    call is reassessed with the new words; anything it finds can only raise the minimum grade.

    Raises NotFound and ValidationFailed (empty or over-long text)."""
    now = now or timezone.now()
    text = _text(text, "text", MAX_LOG_TEXT)
    if not text:
        raise ValidationFailed("A log line needs some text.", code="text_required")
    with transaction.atomic():
        incident = _lock(incident.pk)
        entry = IncidentLogEntry.objects.create(incident=incident, at=now, author=actor, text=text)
        audit_record(
            actor=actor,
            action="incident.log_added",
            obj=incident,
            at=now,
            summary=text[:200],
            data={"entry": entry.pk},
        )
        if incident.is_open:
            fresh = assess(
                narrative=_assessment_text(incident),
                channel=incident.channel,
                silent=incident.silent,
                context=[],
            ).as_dict()
            _apply_reassessment(
                actor=actor,
                incident=incident,
                fresh=fresh,
                now=now,
                why="a new log line",
                replace_context=False,
            )
        events.publish_incident("updated", incident, change="log")
    return entry


def incident_system_log(
    *, incident: Incident, text: str, now: datetime | None = None
) -> IncidentLogEntry:
    """A line the system writes (assignment, divert, alert...), inside the caller's transaction."""
    return IncidentLogEntry.objects.create(
        incident=incident,
        at=now or timezone.now(),
        author=None,
        kind=IncidentLogEntry.Kind.SYSTEM,
        text=text,
    )


def incident_tag_add(
    *, actor, incident: Incident, tag: str, now: datetime | None = None
) -> IncidentTag:
    """Tag an incident (e.g. DIVERT). Idempotent; tags are never removed.

    Raises ValidationFailed for an empty or malformed tag."""
    now = now or timezone.now()
    tag = _text(tag, "tag", 32).upper()
    if not tag or not tag.replace("_", "").isalnum():
        raise ValidationFailed(
            "A tag is one word of letters, digits and underscores.", code="invalid_tag"
        )
    with transaction.atomic():
        tag_row, created = IncidentTag.objects.get_or_create(
            incident=incident, tag=tag, defaults={"added_at": now, "added_by": actor}
        )
        if created:
            audit_record(
                actor=actor,
                action="incident.tagged",
                obj=incident,
                at=now,
                summary=f"Tagged {tag}",
                data={"tag": tag},
            )
            incident_system_log(incident=incident, now=now, text=f"Tagged {tag}")
            events.publish_incident("updated", incident, change="tag", tag=tag)
    return tag_row


def incident_set_status(
    *, actor, incident: Incident, status: str, now: datetime | None = None, reason: str = ""
) -> Incident:
    """Move an incident along its transition table as units move (dispatch calls this):
    RESOURCED when a unit is sent, AT_SCENE when the first arrives (the response clock stops),
    OPEN when the last unit leaves before arriving. The incident row is locked and `incident`
    is refreshed in place. Closing goes through `incident_close` (it needs a code and a note).

    Raises ValidationFailed (unknown status) and InvalidTransition (not in the table)."""
    now = now or timezone.now()
    _choice(status, IncidentStatus, "status")
    if status == IncidentStatus.CLOSED:
        raise InvalidTransition(
            "Close an incident with its closing code and resolution note (incident_close).",
            code="close_needs_code",
        )
    with transaction.atomic():
        locked = _lock(incident.pk)
        if locked.status == status:
            _refresh(incident, locked)
            return incident
        if not locked.can_transition(status):
            raise InvalidTransition(
                f"{locked.reference} cannot go from {locked.status} to {status}."
            )
        old = locked.status
        locked.status = status
        fields = ["status", "updated_at"]
        if status == IncidentStatus.AT_SCENE and locked.first_arrived_at is None:
            locked.first_arrived_at = now
            fields.append("first_arrived_at")
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="incident.status_changed",
            obj=locked,
            at=now,
            summary=f"{old} -> {status}" + (f": {reason}" if reason else ""),
            data={"from": old, "to": status, "reason": reason},
        )
        _refresh(incident, locked)
        incident_changed.send(
            sender=Incident, incident=incident, actor=actor, changes={"status": (old, status)}
        )
        events.publish_incident("updated", incident, change="status")
    return incident


def _refresh(target: Incident, source: Incident) -> None:
    for field in ("status", "first_arrived_at", "closed_at", "updated_at", "grade"):
        setattr(target, field, getattr(source, field))


def incident_close(
    *,
    actor,
    incident: Incident,
    closing_code: str,
    resolution_note: str,
    now: datetime | None = None,
) -> Incident:
    """Close an incident with a closing code and a resolution note. Pending downgrade requests
    are withdrawn. Closing an incident no unit reached, when resolving it without deployment
    needs a supervisor (`supervisor_needed(incident, RESOLUTION)`), needs the SUPERVISOR role. Receivers of `incident_changed` may refuse (e.g. units still committed) by
    raising a domain error, which undoes the whole close.

    Raises NotFound, ValidationFailed (unknown code, missing note), Conflict
    (`supervisor_required`) and InvalidTransition."""
    now = now or timezone.now()
    resolution_note = _text(resolution_note, "resolution_note", MAX_LOG_TEXT)
    code = ClosingCode.objects.filter(code=closing_code or "", active=True).first()
    if code is None:
        raise ValidationFailed(
            f"Unknown closing code '{closing_code}'. See /api/v1/closing-codes/ for the list.",
            code="unknown_closing_code",
        )
    if not resolution_note:
        raise ValidationFailed(
            "Say how the incident was resolved (resolution note).", code="note_required"
        )
    with transaction.atomic():
        incident = _lock(incident.pk)
        if not incident.can_transition(IncidentStatus.CLOSED):
            raise InvalidTransition(f"{incident.reference} is already closed.")
        if incident.first_arrived_at is None and not has_role(actor, Role.SUPERVISOR):
            why = supervisor_needed(incident, Grade.RESOLUTION)
            if why:
                # Closing an incident no unit reached is a downgrade to RESOLUTION in all but
                # name: it needs the same sign-off (and leaves any pending request standing).
                raise Conflict(
                    f"{incident.reference} cannot be closed without a supervisor: no unit has "
                    f"arrived and resolving it without deployment needs sign-off ({why}). Ask a "
                    "supervisor to close it.",
                    code="supervisor_required",
                )
        old = incident.status
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = now
        incident.closing_code = code
        incident.resolution_note = resolution_note
        incident.save(
            update_fields=["status", "closed_at", "closing_code", "resolution_note", "updated_at"]
        )
        _withdraw_pending_requests(incident=incident, now=now, why="the incident was closed")
        incident_system_log(
            incident=incident, now=now, text=f"Closed: {code.label}. {resolution_note}"
        )
        audit_record(
            actor=actor,
            action="incident.closed",
            obj=incident,
            at=now,
            summary=f"Closed ({code.code}): {resolution_note}",
            data={"from": old, "closing_code": code.code, "resolution_note": resolution_note},
        )
        incident_changed.send(
            sender=Incident,
            incident=incident,
            actor=actor,
            changes={"status": (old, IncidentStatus.CLOSED)},
        )
        events.publish_incident("updated", incident, change="status")
    return incident


def incident_set_domestic_abuse(
    *,
    actor,
    incident: Incident,
    domestic_abuse: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Incident:
    """Add or remove the DA qualifier. Removing it always needs a written reason. Adding it
    makes the minimum grade at least PRIORITY (raising the grade if it is lower).

    Raises NotFound, ReasonRequired and InvalidTransition on a closed incident."""
    now = now or timezone.now()
    reason = _text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        incident = _lock(incident.pk)
        if incident.domestic_abuse == bool(domestic_abuse):
            return incident
        if not incident.is_open:
            raise InvalidTransition(f"{incident.reference} is closed; it cannot change.")
        if not domestic_abuse and not reason:
            assessed = (incident.assessment or {}).get("domestic_abuse")
            raise ReasonRequired(
                "Give a written reason to remove the DA qualifier"
                + (" (the call fits the domestic abuse definition)." if assessed else "."),
            )
        incident.domestic_abuse = bool(domestic_abuse)
        incident.domestic_abuse_removed_reason = "" if domestic_abuse else reason
        fields = ["domestic_abuse", "domestic_abuse_removed_reason", "updated_at"]
        if domestic_abuse and Grade.is_below(incident.minimum_grade, Grade.PRIORITY):
            incident.minimum_grade = Grade.PRIORITY
            fields.append("minimum_grade")
        incident.save(update_fields=fields)
        text = "DA qualifier " + (
            "added" + (f": {reason}" if reason else "") if domestic_abuse else f"removed: {reason}"
        )
        incident_system_log(incident=incident, now=now, text=text)
        audit_record(
            actor=actor,
            action="incident.domestic_abuse_set",
            obj=incident,
            at=now,
            summary=text,
            data={
                "domestic_abuse": incident.domestic_abuse,
                "reason": reason,
                "assessed_domestic_abuse": (incident.assessment or {}).get("domestic_abuse"),
            },
        )
        if Grade.is_below(incident.grade, incident.minimum_grade):
            _apply_grade(
                actor=None,
                incident=incident,
                grade=incident.minimum_grade,
                reason="Raised to PRIORITY: the incident is domestic abuse",
                now=now,
            )
        incident_changed.send(
            sender=Incident,
            incident=incident,
            actor=actor,
            changes={"domestic_abuse": (not incident.domestic_abuse, incident.domestic_abuse)},
        )
        events.publish_incident("updated", incident, change="domestic_abuse")
    return incident


# --- Grading -------------------------------------------------------------------------------------


def supervisor_needed(incident: Incident, grade: str) -> str:
    """Why lowering `incident` to `grade` needs a supervisor's sign-off, or "" if it does not.

    DA counts when either the qualifier is set or the assessment found it, so removing the
    qualifier cannot be used to get round the sign-off."""
    assessment = incident.assessment or {}
    context_floor = assessment.get("context_floor", "")
    if context_floor and Grade.is_below(grade, context_floor):
        return f"below the floor set by a location marker or record ({context_floor})"
    if incident.domestic_abuse or assessment.get("domestic_abuse"):
        assessed_immediate = Grade.IMMEDIATE in (
            incident.recommended_grade,
            incident.minimum_grade,
        )
        if assessed_immediate and grade != Grade.IMMEDIATE:
            return "a domestic abuse call the system assessed as IMMEDIATE"
        if grade == Grade.RESOLUTION:
            return "a domestic abuse call cannot be resolved without deployment"
    return ""


def _withdraw_pending_requests(*, incident: Incident, now: datetime, why: str) -> None:
    for request in GradeRequest.objects.select_for_update().filter(
        incident=incident, status=GradeRequest.Status.PENDING
    ):
        request.status = GradeRequest.Status.WITHDRAWN
        request.decided_at = now
        request.decision_note = f"Withdrawn: {why}"
        request.save(update_fields=["status", "decided_at", "decision_note"])
        audit_record(
            actor=None,
            action="incident.downgrade_withdrawn",
            obj=incident,
            at=now,
            summary=f"Downgrade request to {request.requested_grade} withdrawn: {why}",
            data={"grade_request": request.pk},
        )


def _apply_grade(
    *,
    actor,
    incident: Incident,
    grade: str,
    reason: str,
    now: datetime,
    graded_by=None,
    approved_by=None,
    grade_request: GradeRequest | None = None,
) -> Incident:
    """Apply a grade to a locked incident: history row, audit, log, target from received_at.
    `actor` did it (None: the system); `graded_by` decided it (defaults to the actor)."""
    graded_by = graded_by or actor
    old = incident.grade
    incident.grade = grade
    incident.graded_by = graded_by
    incident.graded_at = now
    incident.target_response_at = target_for(grade, incident.area, incident.received_at)
    incident.save(
        update_fields=["grade", "graded_by", "graded_at", "target_response_at", "updated_at"]
    )
    GradeChange.objects.create(
        incident=incident,
        at=now,
        by=graded_by,
        from_grade=old,
        to_grade=grade,
        recommended_grade=incident.recommended_grade,
        minimum_grade=incident.minimum_grade,
        reason=reason,
        approved_by=approved_by,
    )
    if grade_request is None:
        # A fresh grading decision supersedes any downgrade still waiting for sign-off.
        _withdraw_pending_requests(incident=incident, now=now, why=f"graded {grade} directly")
    audit_record(
        actor=actor,
        action="incident.graded",
        obj=incident,
        at=now,
        summary=f"Graded {grade} (was {old})" + (f": {reason}" if reason else ""),
        data={
            "from": old,
            "to": grade,
            "reason": reason,
            "graded_by": graded_by.get_username() if graded_by else None,
            "approved_by": approved_by.get_username() if approved_by else None,
            "grade_request": grade_request.pk if grade_request else None,
            "recommended_grade": incident.recommended_grade,
            "minimum_grade": incident.minimum_grade,
        },
    )
    if old != grade:
        incident_system_log(
            incident=incident,
            now=now,
            text=f"Grade changed {old} -> {grade}"
            + (f" ({reason})" if reason else "")
            + (f", signed off by {approved_by.get_username()}" if approved_by else ""),
        )
        incident_changed.send(
            sender=Incident, incident=incident, actor=actor, changes={"grade": (old, grade)}
        )
    events.publish_incident("updated", incident, change="grade")
    return incident


def incident_grade(
    *, actor, incident: Incident, grade: str, reason: str = "", now: datetime | None = None
) -> Incident | GradeRequest:
    """Grade an incident (DESIGN.md rule 4). Returns the incident, or a pending GradeRequest
    when the grade needs a supervisor (the incident keeps its safer grade meanwhile). A
    supervisor's own grading is its sign-off.

    Raises ValidationFailed (unknown grade), ReasonRequired (below the minimum grade, or a
    downgrade needing sign-off, without a written reason), Conflict (a request is already
    pending) and InvalidTransition (closed incident)."""
    now = now or timezone.now()
    _choice(grade, Grade, "grade")
    reason = _text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        incident = _lock(incident.pk)
        if not incident.is_open:
            raise InvalidTransition(f"{incident.reference} is closed; it cannot be regraded.")
        below_minimum = Grade.is_below(grade, incident.minimum_grade)
        why = (
            supervisor_needed(incident, grade)
            if below_minimum or Grade.is_below(grade, incident.grade)
            else ""
        )
        if (below_minimum or why) and not reason:
            raise ReasonRequired(
                f"{grade} is below the minimum grade {incident.minimum_grade}: give a written "
                "reason."
                if below_minimum
                else f"Lowering to {grade} needs a supervisor ({why}): give a written reason."
            )
        if why and not has_role(actor, Role.SUPERVISOR):
            if GradeRequest.objects.filter(
                incident=incident, status=GradeRequest.Status.PENDING
            ).exists():
                raise Conflict(
                    f"{incident.reference} already has a downgrade waiting for a supervisor.",
                    code="request_pending",
                )
            request = GradeRequest.objects.create(
                incident=incident,
                from_grade=incident.grade,
                requested_grade=grade,
                reason=reason,
                why_supervisor=why[:300],
                requested_by=actor,
                requested_at=now,
            )
            audit_record(
                actor=actor,
                action="incident.downgrade_requested",
                obj=incident,
                at=now,
                summary=f"Downgrade to {grade} requested: {reason}",
                data={"grade_request": request.pk, "to": grade, "reason": reason, "why": why},
            )
            incident_system_log(
                incident=incident,
                now=now,
                text=f"Downgrade to {grade} requested, awaiting supervisor ({why}): {reason}",
            )
            events.publish_incident(
                "updated", incident, change="grade_request", grade_request=request.pk
            )
            events.publish_grade_request("requested", request)
            return request
        return _apply_grade(
            actor=actor,
            incident=incident,
            grade=grade,
            reason=reason,
            now=now,
            approved_by=actor if why else None,
        )


def grade_request_decide(
    *,
    actor,
    grade_request: GradeRequest,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> GradeRequest:
    """A supervisor approves (the requested grade applies, signed off by them) or refuses (the
    incident keeps its grade). Both are audited.

    Raises NotFound, Conflict (already decided, own request) and InvalidTransition (closed)."""
    now = now or timezone.now()
    note = _text(note, "note", MAX_REASON)
    with transaction.atomic():
        # Lock order: the incident first, then the request (as incident_grade/incident_close).
        incident_id = (
            GradeRequest.objects.filter(pk=grade_request.pk)
            .values_list("incident_id", flat=True)
            .first()
        )
        if incident_id is None:
            raise NotFound("That grade request does not exist.")
        incident = _lock(incident_id)
        try:
            request = GradeRequest.objects.select_for_update().get(pk=grade_request.pk)
        except GradeRequest.DoesNotExist:
            raise NotFound("That grade request does not exist.") from None
        if request.status != GradeRequest.Status.PENDING:
            raise Conflict(
                f"This request was already {request.status.lower()}.", code="already_decided"
            )
        if request.requested_by_id == actor.pk:
            raise Conflict(
                "A supervisor cannot sign off their own downgrade.", code="self_approval"
            )
        if not incident.is_open:
            raise InvalidTransition(f"{incident.reference} is closed.")
        request.status = GradeRequest.Status.APPROVED if approve else GradeRequest.Status.REFUSED
        request.decided_by, request.decided_at, request.decision_note = actor, now, note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        verb = "approved" if approve else "refused"
        audit_record(
            actor=actor,
            action=f"incident.downgrade_{verb}",
            obj=incident,
            at=now,
            summary=f"Downgrade to {request.requested_grade} {verb}"
            + (f": {note}" if note else ""),
            data={
                "grade_request": request.pk,
                "requested_by": request.requested_by.get_username(),
                "requested_grade": request.requested_grade,
                "reason": request.reason,
                "note": note,
            },
        )
        if approve:
            _apply_grade(
                actor=actor,
                incident=incident,
                grade=request.requested_grade,
                reason=request.reason,
                now=now,
                graded_by=request.requested_by,
                approved_by=actor,
                grade_request=request,
            )
        else:
            incident_system_log(
                incident=incident,
                now=now,
                text=f"Downgrade to {request.requested_grade} refused by "
                f"{actor.get_username()}; stays {incident.grade}" + (f": {note}" if note else ""),
            )
            events.publish_incident("updated", incident, change="grade_request")
        events.publish_grade_request(verb, request)
    return request


def incident_view_record(
    *, actor, incident: Incident, via: str, now: datetime | None = None
) -> None:
    """Audit that `actor` opened the whole incident (with its intelligence check and markers):
    every view of intelligence is on the record."""
    audit_record(
        actor=actor,
        action="incident.viewed",
        obj=incident,
        at=now or timezone.now(),
        summary=f"Viewed via {via}",
        data={"via": via},
    )
