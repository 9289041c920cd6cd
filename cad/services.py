"""Every write to contacts and incidents. One function per action, one transaction each; each
validates, writes the audit trail and schedules the live push after commit."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cad import context as call_context
from cad import events
from cad.exceptions import Conflict, InvalidTransition, NotFound, ReasonRequired, ValidationFailed
from cad.grading import Assessment, assess
from cad.models import (
    Area,
    Channel,
    Contact,
    Grade,
    GradeChange,
    GradePolicy,
    GradeRequest,
    Incident,
    IncidentLogEntry,
    IncidentStatus,
    IncidentTag,
    OpeningCode,
    ReferenceSequence,
    target_for,
)
from cad.normalise import normalise_address, normalise_name, normalise_phone
from cad.signals import incident_changed, incident_created
from core.audit import audit_record
from core.roles import Role, has_role

MAX_NARRATIVE = 20_000
MAX_LOG_TEXT = 10_000


# --- Validation helpers --------------------------------------------------------------------------


def _choice(value: str, choices, what: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            f"Unknown {what} '{value}'. Use one of: {', '.join(choices.values)}.",
            code=f"unknown_{what}",
        )
    return value


def _text(value: str | None, what: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationFailed(f"{what} is longer than {limit} characters.", code="too_long")
    return value


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
    silent: bool = False,
    now: datetime | None = None,
) -> tuple[Assessment, list[call_context.ContextResult]]:
    """Assess a call with its context, recording nothing."""
    _choice(channel, Channel, "channel")
    narrative = _text(narrative, "narrative", MAX_NARRATIVE)
    query = call_query(
        phone=caller_phone,
        address=address,
        names=[caller_name] if caller_name else [],
        channel=channel,
        silent=silent,
        now=now,
    )
    results = call_context.gather_context(query)
    return assess(narrative=narrative, channel=channel, silent=silent, context=results), results


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
    """Record a contact. An unparseable number is kept as given and flagged, never dropped."""
    _choice(channel, Channel, "channel")
    now = now or timezone.now()
    phone = normalise_phone(_text(caller_phone, "caller_phone", 60))
    address = _text(address, "address", 300)
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
        summary=_text(summary, "summary", MAX_NARRATIVE),
        incident=incident,
    )
    audit_record(
        actor=actor,
        action="contact.recorded",
        obj=contact,
        at=now,
        summary=f"{channel} contact recorded",
        data={
            "channel": channel,
            "phone": contact.caller_phone,
            "phone_valid": phone.valid,
            "incident": incident.pk if incident else None,
        },
    )
    return contact


# --- Incidents -----------------------------------------------------------------------------------


def _next_reference(now: datetime) -> str:
    day = timezone.localdate(now)
    ReferenceSequence.objects.get_or_create(day=day)
    ReferenceSequence.objects.filter(day=day).update(last=F("last") + 1)
    number = ReferenceSequence.objects.filter(day=day).values_list("last", flat=True).get()
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
    latitude: float | None = None,
    longitude: float | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Incident:
    """Take a call: record its contact, assess it with its context, create the incident graded
    at the recommended grade, and let the context providers attach what they found (e.g. the
    intelligence check). A repeated `idempotency_key` returns the first incident."""
    now = now or timezone.now()
    if idempotency_key:
        idempotency_key = _text(idempotency_key, "idempotency_key", 80)
        existing = Incident.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    _choice(channel, Channel, "channel")
    _choice(area, Area, "area")
    narrative = _text(narrative, "narrative", MAX_NARRATIVE)
    if not narrative and not (silent and channel == Channel.EMERGENCY):
        if channel != Channel.EMERGENCY:
            raise ValidationFailed("A narrative is required.", code="narrative_required")
    code = None
    if opening_code:
        code = OpeningCode.objects.filter(code=opening_code, active=True).first()
        if code is None:
            raise ValidationFailed(
                f"Unknown opening code '{opening_code}'.", code="unknown_opening_code"
            )
    phone = normalise_phone(_text(caller_phone, "caller_phone", 60))
    address = _text(address, "address", 300)
    caller_name = _text(caller_name, "caller_name", 200)
    assessment, results = call_assess(
        narrative=narrative,
        channel=channel,
        caller_phone=phone.raw,
        caller_name=caller_name,
        address=address,
        silent=silent,
        now=now,
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
                opening_code=code,
                domestic_abuse=assessment.domestic_abuse,
                grade=assessment.recommended_grade,
                recommended_grade=assessment.recommended_grade,
                minimum_grade=assessment.minimum_grade,
                assessment=assessment.as_dict(),
                target_response_at=target_for(assessment.recommended_grade, area, now),
                idempotency_key=idempotency_key or None,
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
                by=None,
                from_grade="",
                to_grade=incident.grade,
                recommended_grade=incident.recommended_grade,
                minimum_grade=incident.minimum_grade,
                reason="Initial grade: the system's recommendation",
            )
            if narrative:
                IncidentLogEntry.objects.create(
                    incident=incident, at=now, author=actor, text=narrative
                )
            flags = []
            if not narrative:
                flags.append("empty narrative (silent call)")
            if not phone.valid:
                flags.append(f"caller number could not be parsed: '{phone.raw}'")
            for flag in flags:
                IncidentLogEntry.objects.create(
                    incident=incident,
                    at=now,
                    author=None,
                    kind=IncidentLogEntry.Kind.SYSTEM,
                    text=f"Flag: {flag}",
                )
            audit_record(
                actor=actor,
                action="incident.created",
                obj=incident,
                at=now,
                summary=f"{incident.reference} created, graded {incident.grade}",
                data={
                    "grade": incident.grade,
                    "recommended_grade": incident.recommended_grade,
                    "minimum_grade": incident.minimum_grade,
                    "domestic_abuse": incident.domestic_abuse,
                    "flags": flags,
                    "reasons": assessment.reasons,
                },
            )
            call_context.attach_context(incident=incident, results=results, actor=actor)
            incident_created.send(sender=Incident, incident=incident, actor=actor)
            events.publish_incident("created", incident)
    except IntegrityError:
        if idempotency_key:
            existing = Incident.objects.filter(idempotency_key=idempotency_key).first()
            if existing:
                return existing
        raise
    return incident


def _lock(incident_id: int) -> Incident:
    try:
        return Incident.objects.select_for_update().get(pk=incident_id)
    except Incident.DoesNotExist:
        raise NotFound(f"Incident {incident_id} does not exist.") from None


def incident_log_add(
    *, actor, incident: Incident, text: str, now: datetime | None = None
) -> IncidentLogEntry:
    """Append a line to the incident log."""
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
    """Tag an incident (e.g. DIVERT). Idempotent; tags are never removed."""
    now = now or timezone.now()
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
        events.publish_incident("updated", incident, change="tag")
    return tag_row


def incident_set_status(
    *, actor, incident: Incident, status: str, now: datetime | None = None, reason: str = ""
) -> Incident:
    """Move an incident along its transition table (used by dispatch as units move).

    Must be called inside the caller's transaction with the incident locked."""
    now = now or timezone.now()
    if incident.status == status:
        return incident
    if not incident.can_transition(status):
        raise InvalidTransition(
            f"{incident.reference} cannot go from {incident.status} to {status}."
        )
    old = incident.status
    incident.status = status
    fields = ["status", "updated_at"]
    if status == IncidentStatus.AT_SCENE and incident.first_arrived_at is None:
        incident.first_arrived_at = now
        fields.append("first_arrived_at")
    incident.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="incident.status_changed",
        obj=incident,
        at=now,
        summary=f"{old} -> {status}" + (f": {reason}" if reason else ""),
        data={"from": old, "to": status, "reason": reason},
    )
    incident_changed.send(
        sender=Incident, incident=incident, actor=actor, changes={"status": (old, status)}
    )
    events.publish_incident("updated", incident, change="status")
    return incident


# --- Grading -------------------------------------------------------------------------------------


def supervisor_needed(incident: Incident, grade: str) -> str:
    """Why lowering `incident` to `grade` needs a supervisor's sign-off, or "" if it does not."""
    context_floor = (incident.assessment or {}).get("context_floor", "")
    if context_floor and Grade.is_below(grade, context_floor):
        return f"below the floor set by a location marker or record ({context_floor})"
    if incident.domestic_abuse:
        if incident.recommended_grade == Grade.IMMEDIATE and grade != Grade.IMMEDIATE:
            return "a domestic abuse call the system assessed as IMMEDIATE"
        if grade == Grade.RESOLUTION:
            return "a domestic abuse call cannot be resolved without deployment"
    return ""


def _apply_grade(
    *, actor, incident: Incident, grade: str, reason: str, now: datetime, approved_by=None
) -> Incident:
    old = incident.grade
    incident.grade = grade
    incident.graded_by = actor
    incident.graded_at = now
    incident.target_response_at = target_for(grade, incident.area, incident.received_at)
    incident.save(
        update_fields=["grade", "graded_by", "graded_at", "target_response_at", "updated_at"]
    )
    GradeChange.objects.create(
        incident=incident,
        at=now,
        by=actor,
        from_grade=old,
        to_grade=grade,
        recommended_grade=incident.recommended_grade,
        minimum_grade=incident.minimum_grade,
        reason=reason,
        approved_by=approved_by,
    )
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
            "approved_by": approved_by.get_username() if approved_by else None,
            "recommended_grade": incident.recommended_grade,
            "minimum_grade": incident.minimum_grade,
        },
    )
    if old != grade:
        incident_system_log(
            incident=incident,
            now=now,
            text=f"Grade changed {old} -> {grade}" + (f" ({reason})" if reason else ""),
        )
        incident_changed.send(
            sender=Incident, incident=incident, actor=actor, changes={"grade": (old, grade)}
        )
    events.publish_incident("updated", incident, change="grade")
    return incident


def incident_grade(
    *, actor, incident: Incident, grade: str, reason: str = "", now: datetime | None = None
) -> Incident | GradeRequest:
    """Grade an incident. Returns the incident, or a pending GradeRequest when the grade needs a
    supervisor (the incident keeps its safer grade meanwhile).

    Raises ReasonRequired below the minimum grade without a written reason, and
    InvalidTransition on a closed incident."""
    now = now or timezone.now()
    _choice(grade, Grade, "grade")
    reason = _text(reason, "reason", 2000)
    with transaction.atomic():
        incident = _lock(incident.pk)
        if not incident.is_open:
            raise InvalidTransition(f"{incident.reference} is closed; it cannot be regraded.")
        below_minimum = Grade.is_below(grade, incident.minimum_grade)
        if below_minimum and not reason:
            raise ReasonRequired(
                f"{grade} is below the minimum grade {incident.minimum_grade}: give a written reason."
            )
        why = (
            supervisor_needed(incident, grade)
            if Grade.is_below(grade, incident.grade) or below_minimum
            else ""
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
                why_supervisor=why,
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
            return request
        approved_by = actor if why else None
        return _apply_grade(
            actor=actor,
            incident=incident,
            grade=grade,
            reason=reason,
            now=now,
            approved_by=approved_by,
        )


def grade_request_decide(
    *,
    actor,
    grade_request: GradeRequest,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> GradeRequest:
    """A supervisor approves (the grade applies) or refuses (the incident keeps its grade)."""
    now = now or timezone.now()
    note = _text(note, "note", 2000)
    with transaction.atomic():
        try:
            request = GradeRequest.objects.select_for_update().get(pk=grade_request.pk)
        except GradeRequest.DoesNotExist:
            raise NotFound("That grade request does not exist.") from None
        if request.status != GradeRequest.Status.PENDING:
            raise Conflict(
                f"This request was already {request.status.lower()}.", code="already_decided"
            )
        if request.requested_by_id == actor.pk and not actor.is_superuser:
            raise Conflict(
                "A supervisor cannot sign off their own downgrade.", code="self_approval"
            )
        incident = _lock(request.incident_id)
        request.status = GradeRequest.Status.APPROVED if approve else GradeRequest.Status.REFUSED
        request.decided_by, request.decided_at, request.decision_note = actor, now, note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action=f"incident.downgrade_{request.status.lower()}",
            obj=incident,
            at=now,
            summary=f"Downgrade to {request.requested_grade} {request.status.lower()}"
            + (f": {note}" if note else ""),
            data={"grade_request": request.pk, "note": note},
        )
        if approve and incident.is_open:
            _apply_grade(
                actor=request.requested_by,
                incident=incident,
                grade=request.requested_grade,
                reason=request.reason,
                now=now,
                approved_by=actor,
            )
        else:
            incident_system_log(
                incident=incident,
                now=now,
                text=f"Downgrade to {request.requested_grade} refused by supervisor"
                + (f": {note}" if note else ""),
            )
            events.publish_incident("updated", incident, change="grade_request")
    return request


def grade_policy_defaults() -> dict[str, GradePolicy]:
    return {p.grade: p for p in GradePolicy.objects.all()}
