"""Diverts: moving a committed unit to another incident, and the controller's review of it.

The rule (DESIGN.md rule 8): a divert can never orphan an incident. Moving a committed unit is
always a divert: it tags the original DIVERT, puts it back on the outstanding list, raises
DIVERT_UNRESOURCED when no unit is left on it, and waits for a controller; an approved divert
opens an inspector task that escalates if nobody finds a replacement in time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, ValidationFailed
from cad.models import DIVERT_TAG, Incident
from cad.services import incident_system_log, incident_tag_add
from core.audit import actor_name, audit_record
from core.locks import lock_row, lock_rows_in_order
from core.notifications import notify
from core.roles import Role, has_role
from core.validation import clean_choice as _choice
from core.validation import clean_text as _text
from dispatch import events
from dispatch.models import (
    Assignment,
    AssignmentStatus,
    Divert,
    DivertDecision,
    DivertStatus,
    InspectorTask,
    Unit,
)
from dispatch.services.steps import (
    assignment_end,
    commit_unit,
    divert_escalate_minutes,
    divert_subject,
    divert_unresourced_settle,
    incident_has_unit,
    incident_open_assignment,
    open_assignment_of,
    task_close,
)
from monitoring.models import AlertKind
from monitoring.services import alert_raise, incident_subject

# --- The divert ----------------------------------------------------------------------------------


def unit_divert(
    *, actor, unit: Unit, to_incident: Incident, reason: str, now: datetime | None = None
) -> Divert:
    """Move a committed unit to another incident. Never silent: records from, to, who, why and
    both grades; tags the original DIVERT (for good); puts it back on the outstanding list at the
    top of its grade; raises DIVERT_UNRESOURCED when no unit is left on it; and opens the
    controller's review.

    Raises ValidationFailed (`reason_required`, `same_incident`), Conflict
    (`unit_not_committed`, `incident_closed`), NotFound."""
    now = now or timezone.now()
    reason = _text(reason, "reason", 2000)
    if not reason:
        raise ValidationFailed("Say why the unit is being diverted.", code="reason_required")
    with transaction.atomic():
        unit = lock_row(Unit, unit.pk)
        current = _divertible_commitment(unit, to_incident)
        locked = lock_rows_in_order(Incident, [current.incident_id, to_incident.pk])
        original, target = locked[current.incident_id], locked[to_incident.pk]
        if not target.is_open:
            raise Conflict(f"{target.reference} is closed.", code="incident_closed")
        divert = _divert_move(
            actor=actor,
            unit=unit,
            current=current,
            original=original,
            target=target,
            reason=reason,
            now=now,
        )
        incident_tag_add(actor=actor, incident=original, tag=DIVERT_TAG, now=now)
        unresourced = not incident_has_unit(original)
        _divert_record_trail(divert=divert, unresourced=unresourced, now=now)
        if unresourced:
            _divert_unresourced_raise(divert=divert, now=now)
        events.publish_unit("diverted", unit, incident=target.pk, divert=divert.pk)
        events.publish_divert("created", divert)
    return divert


def _divertible_commitment(unit: Unit, to_incident: Incident) -> Assignment:
    """The locked unit's commitment that the divert ends (it must have one, elsewhere)."""
    current = open_assignment_of(unit)
    if current is None:
        raise Conflict(
            f"{unit.call_sign} is not committed to an incident: assign it instead of diverting it.",
            code="unit_not_committed",
        )
    if current.incident_id == to_incident.pk:
        raise ValidationFailed(
            f"{unit.call_sign} is already on {current.incident.reference}.", code="same_incident"
        )
    return current


def _divert_move(
    *,
    actor,
    unit: Unit,
    current: Assignment,
    original: Incident,
    target: Incident,
    reason: str,
    now: datetime,
) -> Divert:
    """End the unit's commitment to the original, commit it to the target, and record the
    divert with both grades (as they were at that moment) for the controller's review."""
    status_before = unit.status
    assignment_end(
        actor=actor,
        assignment=current,
        status=AssignmentStatus.DIVERTED,
        reason=f"diverted to {target.reference}: {reason}",
        now=now,
        incident=original,
    )
    new_assignment = commit_unit(
        actor=actor,
        unit=unit,
        incident=target,
        now=now,
        unit_reason=f"diverted from {original.reference}: {reason}",
        incident_reason=f"{unit.call_sign} diverted here",
    )
    return Divert.objects.create(
        unit=unit,
        from_incident=original,
        to_incident=target,
        from_assignment=current,
        to_assignment=new_assignment,
        from_grade=original.grade,
        to_grade=target.grade,
        from_domestic_abuse=original.domestic_abuse,
        to_domestic_abuse=target.domestic_abuse,
        unit_status_before=status_before,
        reason=reason,
        requested_by=actor,
        requested_at=now,
    )


def _divert_record_trail(*, divert: Divert, unresourced: bool, now: datetime) -> None:
    """Both incidents' logs and audit trails say who moved which unit where, and why."""
    unit, original, target = divert.unit, divert.from_incident, divert.to_incident
    who, reason = actor_name(divert.requested_by), divert.reason
    left = (
        "No unit is now committed to this incident. "
        if unresourced
        else "Other units remain committed. "
    )
    incident_system_log(
        incident=original,
        now=now,
        text=f"DIVERT: {unit.call_sign} ({divert.unit_status_before.lower()}) diverted by {who} "
        f"to {target.reference} ({target.grade}): {reason}. {left}Awaiting controller review.",
    )
    incident_system_log(
        incident=target,
        now=now,
        text=f"{unit.call_sign} diverted here by {who} from {original.reference} "
        f"({original.grade}): {reason}.",
    )
    for incident in (original, target):
        audit_record(
            actor=divert.requested_by,
            action="unit.diverted",
            obj=incident,
            at=now,
            summary=f"{unit.call_sign} diverted {original.reference} -> {target.reference}: "
            f"{reason}",
            data={
                "divert": divert.pk,
                "unit": unit.pk,
                "from_incident": original.pk,
                "to_incident": target.pk,
                "from_grade": original.grade,
                "to_grade": target.grade,
                "reason": reason,
            },
        )


def _divert_unresourced_raise(*, divert: Divert, now: datetime) -> None:
    """The divert left its original incident with no unit: tell the floor at once."""
    original, target = divert.from_incident, divert.to_incident
    alert_raise(
        kind=AlertKind.DIVERT_UNRESOURCED,
        subject=incident_subject(original),
        threshold_at=now,
        incident=original,
        message=f"{original.reference} ({original.grade}) has no unit: {divert.unit.call_sign} "
        f"diverted to {target.reference} ({target.grade})",
        data={"divert": divert.pk, "unit": divert.unit_id, "to_incident": target.pk},
        now=now,
    )


# --- The controller's review ---------------------------------------------------------------------


def divert_review(
    *, actor, divert: Divert, decision: str, note: str = "", now: datetime | None = None
) -> Divert:
    """The controller's review of a divert.

    APPROVE: the divert stands and an inspector task opens to find the original another unit
    (closed at once if the original already has one). OVERRIDE (a note is required): the unit is
    sent back to the original incident and its crew is told.

    Raises Forbidden (`not_controller`), ValidationFailed (`unknown_decision`,
    `note_required`), Conflict (`already_reviewed`, `self_review`, `unit_moved`,
    `incident_closed`), NotFound."""
    now = now or timezone.now()
    if not has_role(actor, Role.CONTROLLER):
        raise Forbidden("Only a controller reviews diverts.", code="not_controller")
    _choice(decision, DivertDecision, "decision")
    note = _text(note, "note", 2000)
    if decision == DivertDecision.OVERRIDE and not note:
        raise ValidationFailed(
            "Say why the divert is overridden: the crew is told.", code="note_required"
        )
    with transaction.atomic():
        divert = lock_row(Divert, divert.pk)
        if divert.status != DivertStatus.PENDING_REVIEW:
            raise Conflict(
                f"This divert was already reviewed ({DivertStatus(divert.status).label.lower()}"
                f" by {actor_name(divert.reviewed_by)}).",
                code="already_reviewed",
            )
        if actor is not None and divert.requested_by_id == actor.pk and not actor.is_superuser:
            raise Conflict(
                "A divert must be reviewed by another controller, not by whoever made it.",
                code="self_review",
            )
        if decision == DivertDecision.APPROVE:
            _divert_approve(actor=actor, divert=divert, note=note, now=now)
        else:
            _divert_override(actor=actor, divert=divert, note=note, now=now)
        divert.reviewed_by, divert.reviewed_at, divert.review_note = actor, now, note
        divert.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        events.publish_divert("reviewed", divert)
    return divert


def _divert_approve(*, actor, divert: Divert, note: str, now: datetime) -> None:
    """The divert stands; the inspector is asked to find the original another unit."""
    original = lock_row(Incident, divert.from_incident_id)
    divert.status = DivertStatus.APPROVED
    task = InspectorTask.objects.create(
        divert=divert,
        incident=original,
        opened_at=now,
        escalate_at=now + timedelta(minutes=divert_escalate_minutes()),
    )
    said = f": {note}" if note else ""
    incident_system_log(
        incident=original,
        now=now,
        text=f"Divert of {divert.unit.call_sign} approved by controller {actor_name(actor)}"
        f"{said}. Inspector task opened to find another unit.",
    )
    audit_record(
        actor=actor,
        action="divert.approved",
        obj=original,
        at=now,
        summary=f"Divert of {divert.unit.call_sign} approved{said}",
        data={"divert": divert.pk, "inspector_task": task.pk, "note": note},
    )
    events.publish_inspector_task("opened", task)
    current = incident_open_assignment(original)
    if current is not None:
        task_close(
            actor=actor,
            task=task,
            outcome=f"Already resourced when the divert was approved: {current.unit.call_sign}.",
            now=now,
            unit=current.unit,
            assignment=current,
        )
    elif not original.is_open:
        task_close(
            actor=actor, task=task, outcome=f"{original.reference} was already closed.", now=now
        )


def _divert_override(*, actor, divert: Divert, note: str, now: datetime) -> None:
    """The controller sends the unit back to the original incident; its crew is told."""
    unit = lock_row(Unit, divert.unit_id)
    current = open_assignment_of(unit)
    if current is None or current.pk != divert.to_assignment_id:
        where = f"now on {current.incident.reference}" if current else "no longer committed"
        raise Conflict(
            f"{unit.call_sign} has moved since the divert ({where}): assign a unit to the "
            "original incident directly.",
            code="unit_moved",
        )
    locked = lock_rows_in_order(Incident, [divert.from_incident_id, divert.to_incident_id])
    original, target = locked[divert.from_incident_id], locked[divert.to_incident_id]
    if not original.is_open:
        raise Conflict(
            f"{original.reference} is closed: there is nothing to send the unit back to.",
            code="incident_closed",
        )
    assignment_end(
        actor=actor,
        assignment=current,
        status=AssignmentStatus.RECALLED,
        reason=f"controller override: {note}",
        now=now,
        incident=target,
    )
    assignment = commit_unit(
        actor=actor,
        unit=unit,
        incident=original,
        now=now,
        unit_reason=f"controller override: {note}",
        incident_reason=f"{unit.call_sign} sent back by controller",
    )
    divert.status = DivertStatus.OVERRIDDEN
    _override_record_trail(
        actor=actor,
        divert=divert,
        unit=unit,
        original=original,
        target=target,
        assignment=assignment,
        note=note,
        now=now,
    )
    divert_unresourced_settle(
        incident=original, now=now, reason=f"{unit.call_sign} sent back by controller"
    )
    _override_tell_crew(divert=divert, unit=unit, original=original, note=note, now=now)
    events.publish_unit(
        "recalled", unit, incident=original.pk, from_incident=target.pk, divert=divert.pk
    )


def _override_record_trail(
    *,
    actor,
    divert: Divert,
    unit: Unit,
    original: Incident,
    target: Incident,
    assignment: Assignment,
    note: str,
    now: datetime,
) -> None:
    """Both incidents' logs and audit trails say the controller sent the unit back, and why."""
    who = actor_name(actor)
    incident_system_log(
        incident=original,
        now=now,
        text=f"Divert overridden by controller {who}: {unit.call_sign} sent back to "
        f"{original.reference}. {note}",
    )
    incident_system_log(
        incident=target,
        now=now,
        text=f"{unit.call_sign} recalled to {original.reference} by controller {who}: {note}",
    )
    for incident in (original, target):
        audit_record(
            actor=actor,
            action="divert.overridden",
            obj=incident,
            at=now,
            summary=f"Divert of {unit.call_sign} overridden: back to {original.reference}: {note}",
            data={"divert": divert.pk, "unit": unit.pk, "assignment": assignment.pk, "note": note},
        )


def _override_tell_crew(
    *, divert: Divert, unit: Unit, original: Incident, note: str, now: datetime
) -> None:
    """Every officer crewing the unit is told where to go back to, and why."""
    briefing = reverse("dispatch-unit-briefing", args=[unit.pk])
    for officer in unit.officers.filter(is_active=True):
        notify(
            user=officer,
            kind="divert.overridden",
            text=f"{unit.call_sign}: the controller has overridden your divert. Return to "
            f"{original.reference}, {original.address or 'address unknown'} ({original.grade}). "
            f"{note}",
            link=briefing,
            dedupe_key=f"{divert_subject(divert.pk)}:override",
            now=now,
        )
