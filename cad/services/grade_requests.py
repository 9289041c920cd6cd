"""Downgrades that need a supervisor: the request, and the supervisor's approval or refusal.
Meanwhile the incident keeps its safer grade (DESIGN.md section 2, rule 4)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad import events
from cad.exceptions import Conflict, InvalidTransition, NotFound
from cad.models import GradeRequest, Incident
from cad.services.grade import apply_grade
from cad.services.inputs import MAX_REASON
from cad.services.trail import incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.validation import clean_text


def downgrade_request(
    *, actor, incident: Incident, grade: str, reason: str, why: str, now: datetime
) -> GradeRequest:
    """Ask a supervisor to sign off lowering a locked incident to `grade` (`why` says which
    rule needs the sign-off). Raises Conflict (`request_pending`) if one is already waiting."""
    if GradeRequest.objects.filter(incident=incident, status=GradeRequest.Status.PENDING).exists():
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
    events.publish_incident("updated", incident, change="grade_request", grade_request=request.pk)
    events.publish_grade_request("requested", request)
    return request


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
    note = clean_text(note, "note", MAX_REASON)
    with transaction.atomic():
        incident, request = _lock_with_incident(grade_request.pk)
        _check_decidable(actor=actor, incident=incident, request=request)
        request.status = GradeRequest.Status.APPROVED if approve else GradeRequest.Status.REFUSED
        request.decided_by, request.decided_at, request.decision_note = actor, now, note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        verb = "approved" if approve else "refused"
        _audit_decision(actor=actor, incident=incident, request=request, verb=verb, now=now)
        if approve:
            apply_grade(
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


def _lock_with_incident(request_id: int) -> tuple[Incident, GradeRequest]:
    """Lock the request's incident, then the request: the one lock order every service that
    touches both keeps (as incident_grade and incident_close), so none deadlocks."""
    incident_id = (
        GradeRequest.objects.filter(pk=request_id).values_list("incident_id", flat=True).first()
    )
    if incident_id is None:
        raise NotFound("That grade request does not exist.")
    incident = lock_row(Incident, incident_id)
    return incident, lock_row(GradeRequest, request_id, no_key=False)


def _check_decidable(*, actor, incident: Incident, request: GradeRequest) -> None:
    if request.status != GradeRequest.Status.PENDING:
        raise Conflict(
            f"This request was already {request.status.lower()}.", code="already_decided"
        )
    if request.requested_by_id == actor.pk:
        raise Conflict("A supervisor cannot sign off their own downgrade.", code="self_approval")
    if not incident.is_open:
        raise InvalidTransition(f"{incident.reference} is closed.")


def _audit_decision(
    *, actor, incident: Incident, request: GradeRequest, verb: str, now: datetime
) -> None:
    note = request.decision_note
    audit_record(
        actor=actor,
        action=f"incident.downgrade_{verb}",
        obj=incident,
        at=now,
        summary=f"Downgrade to {request.requested_grade} {verb}" + (f": {note}" if note else ""),
        data={
            "grade_request": request.pk,
            "requested_by": request.requested_by.get_username(),
            "requested_grade": request.requested_grade,
            "reason": request.reason,
            "note": note,
        },
    )
