"""Applying a grade to a locked incident, and the rule for when lowering a grade needs a
supervisor (DESIGN.md rule 4). Used by grading, downgrade sign-off, reassessment and closing."""

from __future__ import annotations

from datetime import datetime

from cad import events
from cad.clock import target_for
from cad.models import Grade, GradeChange, GradeRequest, Incident
from cad.services.da_floor import floor_source
from cad.services.trail import incident_system_log
from cad.signals import incident_changed
from core.audit import audit_record


def supervisor_needed(incident: Incident, grade: str) -> str:
    """Why lowering `incident` to `grade` needs a supervisor's sign-off, or "" if it does not.

    DA counts when either the qualifier is set or the assessment found it, so removing the
    qualifier cannot be used to get round the sign-off. The context floor is a marker's, a
    record's or the one the handler's DA answers set (`cad.services.da_floor`)."""
    assessment = incident.assessment or {}
    context_floor = assessment.get("context_floor", "")
    if context_floor and Grade.is_below(grade, context_floor):
        return f"below the floor set by {floor_source(incident)} ({context_floor})"
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


def withdraw_pending_requests(*, incident: Incident, now: datetime, why: str) -> None:
    """Withdraw the incident's pending downgrade requests (audited), inside the transaction that
    holds the incident's lock (incident first, then its requests: one lock order)."""
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


def apply_grade(
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
    `actor` did it (None: the system); `graded_by` decided it (defaults to the actor). A grade
    applied other than by approving `grade_request` withdraws any pending downgrade."""
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
        withdraw_pending_requests(incident=incident, now=now, why=f"graded {grade} directly")
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
            sender=Incident,
            incident=incident,
            actor=actor,
            changes={"grade": (old, grade)},
            now=now,
        )
    events.publish_incident("updated", incident, change="grade")
    return incident
