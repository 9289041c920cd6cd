"""An incident's status as units move (OPEN, RESOURCED, AT_SCENE), and closing it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import Conflict, InvalidTransition, ValidationFailed
from cad.models import ClosingCode, Grade, Incident, IncidentStatus
from cad.services.grade import supervisor_needed, withdraw_pending_requests
from cad.services.inputs import MAX_LOG_TEXT
from cad.services.trail import announce_change, incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.roles import DOWNGRADE_SIGNERS, has_role
from core.validation import clean_choice, clean_text


def incident_set_status(
    *,
    actor,
    incident: Incident,
    status: str,
    now: datetime | None = None,
    reason: str = "",
    arrived_at: datetime | None = None,
) -> Incident:
    """Move an incident along its transition table as units move (dispatch calls this):
    RESOURCED when a unit is sent, AT_SCENE when the first arrives (the response clock stops),
    OPEN when the last unit leaves before arriving. The incident row is locked and `incident`
    is refreshed in place. Closing goes through `incident_close` (it needs a code and a note).
    `arrived_at`: when the first unit arrived, if not `now` (a crew's status sent late with its
    device time); the response clock stops then, and the change is recorded at `now`.

    Raises ValidationFailed (unknown status) and InvalidTransition (not in the table)."""
    now = now or timezone.now()
    clean_choice(status, IncidentStatus, "status")
    if status == IncidentStatus.CLOSED:
        raise InvalidTransition(
            "Close an incident with its closing code and resolution note (incident_close).",
            code="close_needs_code",
        )
    with transaction.atomic():
        locked = lock_row(Incident, incident.pk)
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
            locked.first_arrived_at = arrived_at or now
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
        announce_change(
            incident=incident,
            actor=actor,
            now=now,
            changes={"status": (old, status)},
            change="status",
        )
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
    needs a supervisor (`supervisor_needed(incident, RESOLUTION)`), needs the SUPERVISOR role.
    Receivers of `incident_changed` may refuse (e.g. units still committed) by raising a domain
    error, which undoes the whole close.

    Raises NotFound, ValidationFailed (unknown code, missing note), Conflict
    (`supervisor_required`) and InvalidTransition."""
    now = now or timezone.now()
    resolution_note = clean_text(resolution_note, "resolution_note", MAX_LOG_TEXT)
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
        incident = lock_row(Incident, incident.pk)
        if not incident.can_transition(IncidentStatus.CLOSED):
            raise InvalidTransition(f"{incident.reference} is already closed.")
        _refuse_unsigned_resolution(actor, incident)
        old = incident.status
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = now
        incident.closing_code = code
        incident.resolution_note = resolution_note
        incident.save(
            update_fields=["status", "closed_at", "closing_code", "resolution_note", "updated_at"]
        )
        withdraw_pending_requests(incident=incident, now=now, why="the incident was closed")
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
        announce_change(
            incident=incident,
            actor=actor,
            now=now,
            changes={"status": (old, IncidentStatus.CLOSED)},
            change="status",
        )
    return incident


def _refuse_unsigned_resolution(actor, incident: Incident) -> None:
    """Closing an incident no unit reached is a downgrade to RESOLUTION in all but name: it
    needs the same sign-off (and leaves any pending request standing)."""
    if incident.first_arrived_at is not None or has_role(actor, *DOWNGRADE_SIGNERS):
        return
    why = supervisor_needed(incident, Grade.RESOLUTION)
    if why:
        raise Conflict(
            f"{incident.reference} cannot be closed without a supervisor: no unit has "
            f"arrived and resolving it without deployment needs sign-off ({why}). Ask a "
            "supervisor to close it.",
            code="supervisor_required",
        )
