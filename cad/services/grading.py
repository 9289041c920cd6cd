"""Grading an incident and its DA qualifier (DESIGN.md section 2, rules 2 and 4): grading below
the minimum needs a written reason, and below a marker's floor or a DA Immediate also a
supervisor; meanwhile the incident keeps its safer grade. Removing the DA qualifier needs a
written reason; adding it makes the incident at least PRIORITY."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import InvalidTransition, ReasonRequired
from cad.models import Grade, GradeRequest, Incident
from cad.services.grade import apply_grade, supervisor_needed
from cad.services.grade_requests import downgrade_request
from cad.services.inputs import MAX_REASON
from cad.services.trail import announce_change, incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.roles import DOWNGRADE_SIGNERS, has_role
from core.validation import (
    REASON_OF_SUBSTANCE_MIN_CHARACTERS,
    clean_choice,
    clean_text,
    is_reason_of_substance,
)


def incident_grade(
    *, actor, incident: Incident, grade: str, reason: str = "", now: datetime | None = None
) -> Incident | GradeRequest:
    """Grade an incident (DESIGN.md rule 4). Returns the incident, or a pending GradeRequest
    when the grade needs a supervisor (the incident keeps its safer grade meanwhile). A
    supervisor's own grading is its sign-off.

    Raises ValidationFailed (unknown grade), ReasonRequired (below the minimum grade, or a
    downgrade needing sign-off, without a written reason; `reason_of_substance_required` for a
    supervisor's own such downgrade with a reason under 20 characters or a repeated pattern),
    Conflict (a request is already pending) and InvalidTransition (closed incident)."""
    now = now or timezone.now()
    clean_choice(grade, Grade, "grade")
    reason = clean_text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        incident = lock_row(Incident, incident.pk)
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
        if why and not has_role(actor, *DOWNGRADE_SIGNERS):
            return downgrade_request(
                actor=actor, incident=incident, grade=grade, reason=reason, why=why, now=now
            )
        if why and not is_reason_of_substance(reason):
            # Nobody else signs a supervisor's own downgrade of a DA or marked call: its
            # written reason is all QA has to review it by (listed as self-approved).
            raise ReasonRequired(
                f"Lowering to {grade} is your own sign-off ({why}): write a reason of at least "
                f"{REASON_OF_SUBSTANCE_MIN_CHARACTERS} characters that says why.",
                code="reason_of_substance_required",
            )
        return apply_grade(
            actor=actor,
            incident=incident,
            grade=grade,
            reason=reason,
            now=now,
            approved_by=actor if why else None,
        )


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
    reason = clean_text(reason, "reason", MAX_REASON)
    with transaction.atomic():
        incident = lock_row(Incident, incident.pk)
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
        qualifier_set(
            actor=actor, incident=incident, domestic_abuse=domestic_abuse, reason=reason, now=now
        )
        announce_change(
            incident=incident,
            actor=actor,
            now=now,
            changes={"domestic_abuse": (not incident.domestic_abuse, incident.domestic_abuse)},
            change="domestic_abuse",
        )
    return incident


def qualifier_set(
    *, actor, incident: Incident, domestic_abuse: bool, reason: str, now: datetime
) -> None:
    """Set or clear the DA qualifier on a locked, open incident (the caller checked the reason
    and announces the change). Setting it makes the minimum grade at least PRIORITY and raises
    a grade left below it."""
    incident.domestic_abuse = bool(domestic_abuse)
    incident.domestic_abuse_removed_reason = "" if domestic_abuse else reason
    fields = ["domestic_abuse", "domestic_abuse_removed_reason", "updated_at"]
    if domestic_abuse and Grade.is_below(incident.minimum_grade, Grade.PRIORITY):
        incident.minimum_grade = Grade.PRIORITY
        fields.append("minimum_grade")
    incident.save(update_fields=fields)
    _record_qualifier_change(actor=actor, incident=incident, reason=reason, now=now)
    if Grade.is_below(incident.grade, incident.minimum_grade):
        apply_grade(
            actor=None,
            incident=incident,
            grade=incident.minimum_grade,
            reason="Raised to PRIORITY: the incident is domestic abuse",
            now=now,
        )


def _record_qualifier_change(*, actor, incident: Incident, reason: str, now: datetime) -> None:
    added = incident.domestic_abuse
    text = "DA qualifier " + (
        "added" + (f": {reason}" if reason else "") if added else f"removed: {reason}"
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
