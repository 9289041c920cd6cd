"""The support operators' queue of deeper checks (national systems not connected here): asked
for, taken by one operator, completed with a note of what was searched, or cancelled."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events as cad_events
from cad.exceptions import Conflict, InvalidTransition, ValidationFailed
from cad.models import Incident
from cad.services import incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_choice, clean_text
from intelligence import events
from intelligence.models import CheckRequest
from intelligence.services.queries import MAX_NOTE, MAX_SUMMARY


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
    reason = clean_text(reason, "reason", MAX_NOTE, required=True)
    subject = clean_text(subject, "subject", 300)
    systems = clean_text(systems, "systems", 200)
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


def _audited(request: CheckRequest):
    """What a request's audit event is about: its incident (so the incident's trail shows the
    deeper check), or the request itself when it has none."""
    return request.incident if request.incident_id else request


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
            obj=_audited(request),
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
    clean_choice(outcome, CheckRequest.Outcome, "outcome")
    note = clean_text(note, "note", MAX_SUMMARY)
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
            obj=_audited(request),
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
    """Cancel a request that is no longer needed, with the reason. Raises ValidationFailed (no
    reason) and InvalidTransition (already done or cancelled)."""
    now = now or timezone.now()
    reason = clean_text(reason, "reason", MAX_NOTE, required=True)
    with transaction.atomic():
        request = lock_row(CheckRequest, request.pk, no_key=False)
        _transition(request, CheckRequest.Status.CANCELLED)
        request.outcome_note = reason
        request.completed_by, request.completed_at = actor, now
        request.save(update_fields=["status", "outcome_note", "completed_by", "completed_at"])
        audit_record(
            actor=actor,
            action="intel.request_cancelled",
            obj=_audited(request),
            at=now,
            summary=f"Check request {request.pk} cancelled: {reason}",
            data={"request": request.pk, "reason": reason},
        )
        events.publish_request("updated", request)
    return request
