"""Building blocks the dispatch services share. Each runs inside the caller's transaction, with
the rows it changes already locked (see the package docstring for the locking order)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from cad.exceptions import Conflict, InvalidTransition
from cad.models import Incident, IncidentStatus
from cad.services import incident_set_status, incident_system_log
from core.audit import actor_name, audit_record
from dispatch import events
from dispatch.models import (
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    Divert,
    DivertStatus,
    InspectorTask,
    InspectorTaskStatus,
    Unit,
    UnitStatus,
    UnitStatusChange,
)
from dispatch.services.reported import Reported
from monitoring.models import AlertKind
from monitoring.services import alerts_settle, incident_subject

DIVERT_SUBJECT_PREFIX = "divert:"


def divert_escalate_minutes() -> int:
    """How long an approved (or unreviewed) divert may leave its incident without a unit."""
    return int(getattr(settings, "DIVERT_ESCALATE_MINUTES", 5))


def divert_subject(divert_id: int) -> str:
    """The subject of the alerts about one divert (its escalation)."""
    return f"{DIVERT_SUBJECT_PREFIX}{divert_id}"


def divert_subject_sql(divert_pk):
    """`divert_subject` as a query expression, e.g. of `OuterRef("pk")`."""
    return Concat(Value(DIVERT_SUBJECT_PREFIX), Cast(divert_pk, CharField()))


def open_assignment_of(unit: Unit) -> Assignment | None:
    return (
        Assignment.objects.filter(unit=unit, status__in=OPEN_ASSIGNMENT_STATUSES)
        .select_related("incident")
        .first()
    )


def incident_open_assignment(incident: Incident) -> Assignment | None:
    """One open assignment on the incident (with its unit), or None when no unit is on it."""
    return (
        Assignment.objects.filter(incident=incident, status__in=OPEN_ASSIGNMENT_STATUSES)
        .select_related("unit")
        .first()
    )


def incident_has_unit(incident: Incident) -> bool:
    return Assignment.objects.filter(
        incident=incident, status__in=OPEN_ASSIGNMENT_STATUSES
    ).exists()


def unit_move(
    *,
    actor,
    unit: Unit,
    to: str,
    now: datetime,
    incident: Incident | None = None,
    reason: str = "",
    reported: Reported | None = None,
) -> None:
    """Change a locked unit's status along its transition table and record the history row.
    `reported` carries a crew's device time (the change is dated by it); without it the
    change happened at `now`."""
    if not unit.can_transition(to):
        raise InvalidTransition(
            f"{unit.call_sign} cannot go from {unit.status} to {to}.", code="invalid_transition"
        )
    reported = reported or Reported(received_at=now)
    UnitStatusChange.objects.create(
        unit=unit,
        at=reported.occurred_at,
        received_at=reported.received_at,
        device_at=reported.device_at,
        by=actor,
        from_status=unit.status,
        to_status=to,
        incident=incident,
        reason=reason[:300],
    )
    unit.status, unit.status_changed_at = to, reported.occurred_at
    unit.save(update_fields=["status", "status_changed_at", "updated_at"])


def _assignment_open(*, actor, unit: Unit, incident: Incident, assigned_at: datetime) -> Assignment:
    """Create the unit's open assignment. The partial unique constraint is the last word: a
    second open assignment for a unit is refused by the database even if a lock was missed."""
    try:
        with transaction.atomic():
            return Assignment.objects.create(
                unit=unit, incident=incident, assigned_at=assigned_at, assigned_by=actor
            )
    except IntegrityError:
        raise Conflict(
            f"{unit.call_sign} is already committed to another incident.", code="unit_committed"
        ) from None


def commit_unit(
    *,
    actor,
    unit: Unit,
    incident: Incident,
    now: datetime,
    unit_reason: str,
    incident_reason: str,
    reported: Reported | None = None,
) -> Assignment:
    """Send a locked unit to a locked incident: open its assignment, mark it ASSIGNED and, if
    the incident was waiting, mark the incident RESOURCED. Shared by assign, divert, override.
    `reported`: a unit committing itself by a status with a device time is assigned at it."""
    reported = reported or Reported(received_at=now)
    assignment = _assignment_open(
        actor=actor, unit=unit, incident=incident, assigned_at=reported.occurred_at
    )
    unit_move(
        actor=actor,
        unit=unit,
        to=UnitStatus.ASSIGNED,
        now=now,
        incident=incident,
        reason=unit_reason,
        reported=reported,
    )
    if incident.status == IncidentStatus.OPEN:
        incident_set_status(
            actor=actor,
            incident=incident,
            status=IncidentStatus.RESOURCED,
            now=now,
            reason=incident_reason,
        )
    return assignment


def assignment_end(
    *, actor, assignment: Assignment, status: str, reason: str, now: datetime, incident: Incident
) -> None:
    """End an open assignment; if it was the last unit on an incident nobody has reached, the
    incident goes back to OPEN and so back onto the outstanding list."""
    assignment.status = status
    assignment.ended_at, assignment.ended_by, assignment.ended_reason = now, actor, reason[:300]
    assignment.save(update_fields=["status", "ended_at", "ended_by", "ended_reason"])
    if incident.status == IncidentStatus.RESOURCED and not incident_has_unit(incident):
        incident_set_status(
            actor=actor,
            incident=incident,
            status=IncidentStatus.OPEN,
            now=now,
            reason=f"no unit committed after {assignment.unit.call_sign} left",
        )
        incident_system_log(
            incident=incident,
            now=now,
            text="No unit is committed any more: back on the outstanding list.",
        )


def divert_unresourced_settle(*, incident: Incident, now: datetime, reason: str) -> None:
    """The incident has a unit again (or is closed): its DIVERT_UNRESOURCED alert settles, and
    so does the escalation of a divert away from it that was still awaiting review."""
    alerts_settle(
        subject=incident_subject(incident),
        kinds=[AlertKind.DIVERT_UNRESOURCED],
        reason=reason,
        now=now,
    )
    pending = Divert.objects.filter(from_incident=incident, status=DivertStatus.PENDING_REVIEW)
    for divert_id in pending.values_list("pk", flat=True):
        alerts_settle(
            subject=divert_subject(divert_id), kinds=[AlertKind.ESCALATED], reason=reason, now=now
        )


def task_close(
    *,
    actor,
    task: InspectorTask,
    outcome: str,
    now: datetime,
    unit: Unit | None = None,
    assignment: Assignment | None = None,
) -> None:
    """Resolve a locked inspector task with its outcome; its escalation alert settles."""
    task.status = InspectorTaskStatus.RESOLVED
    task.resolved_at, task.resolved_by = now, actor
    task.unit, task.assignment, task.outcome = unit, assignment, outcome[:2000]
    task.save(
        update_fields=["status", "resolved_at", "resolved_by", "unit", "assignment", "outcome"]
    )
    alerts_settle(
        subject=divert_subject(task.divert_id),
        kinds=[AlertKind.ESCALATED],
        reason="replacement found",
        now=now,
    )
    audit_record(
        actor=actor,
        action="inspector_task.resolved",
        obj=task.incident,
        at=now,
        summary=outcome[:300],
        data={
            "inspector_task": task.pk,
            "divert": task.divert_id,
            "unit": unit.pk if unit else None,
            "assignment": assignment.pk if assignment else None,
        },
    )
    events.publish_inspector_task("resolved", task)


def tasks_close_for(
    *,
    actor,
    incident: Incident,
    unit: Unit,
    assignment: Assignment,
    now: datetime,
    skip_task_id: int | None = None,
) -> None:
    """The original incident got a unit some other way: close its open inspector tasks with that
    outcome. A task row another transaction holds is being resolved there: skip it (and the
    escalation scan closes it if that transaction rolls back)."""
    tasks = (
        InspectorTask.objects.select_for_update(skip_locked=True)
        .filter(incident=incident, status=InspectorTaskStatus.OPEN)
        .exclude(pk=skip_task_id)
    )
    for task in tasks:
        task_close(
            actor=actor,
            task=task,
            outcome=f"Resourced: {unit.call_sign} assigned by {actor_name(actor)}.",
            now=now,
            unit=unit,
            assignment=assignment,
        )


def assign(
    *,
    actor,
    unit: Unit,
    incident: Incident,
    now: datetime,
    how: str = "",
    skip_task_id: int | None = None,
    reported: Reported | None = None,
) -> Assignment:
    """Commit a locked, available unit to a locked incident: the one path of `unit_assign`,
    a status report naming an incident (with its `reported` times) and the inspector's
    replacement."""
    if not incident.is_open:
        raise Conflict(f"{incident.reference} is closed.", code="incident_closed")
    current = open_assignment_of(unit)
    if current is not None:
        if current.incident_id == incident.pk:
            raise Conflict(
                f"{unit.call_sign} is already assigned to {incident.reference}.",
                code="already_assigned",
            )
        raise Conflict(
            f"{unit.call_sign} is committed to {current.incident.reference}: moving it to "
            f"{incident.reference} is a divert, which the controller reviews.",
            code="unit_committed",
        )
    if unit.status != UnitStatus.AVAILABLE:
        raise Conflict(
            f"{unit.call_sign} is {UnitStatus(unit.status).label.lower()}, not available.",
            code="unit_unavailable",
        )
    assignment = commit_unit(
        actor=actor,
        unit=unit,
        incident=incident,
        now=now,
        unit_reason=how or "assigned",
        incident_reason=f"{unit.call_sign} assigned",
        reported=reported,
    )
    incident_system_log(
        incident=incident,
        now=now,
        text=f"{unit.call_sign} assigned by {actor_name(actor)}"
        + (f" ({how})" if how else "")
        + ".",
    )
    audit_record(
        actor=actor,
        action="unit.assigned",
        obj=incident,
        at=now,
        summary=f"{unit.call_sign} assigned to {incident.reference}",
        data={"unit": unit.pk, "assignment": assignment.pk, "how": how},
    )
    divert_unresourced_settle(incident=incident, now=now, reason=f"{unit.call_sign} assigned")
    tasks_close_for(
        actor=actor,
        incident=incident,
        unit=unit,
        assignment=assignment,
        now=now,
        skip_task_id=skip_task_id,
    )
    events.publish_unit("assigned", unit, incident=incident.pk, assignment=assignment.pk)
    return assignment
