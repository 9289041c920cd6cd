"""Inspector tasks: finding a replacement unit for an incident a divert left without one, and
escalating when nobody has, DIVERT_ESCALATE_MINUTES after the divert was approved (or, still
unreviewed, after it was made)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden
from cad.models import Incident, IncidentStatus
from cad.services import incident_system_log
from core.audit import audit_record
from core.locks import lock_row
from core.roles import Role, has_role
from core.validation import clean_text as _text
from dispatch import events
from dispatch.models import (
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    Divert,
    DivertStatus,
    InspectorTask,
    InspectorTaskStatus,
    Unit,
)
from dispatch.services.steps import (
    actor_name,
    assign,
    divert_escalate_minutes,
    divert_subject,
    divert_subject_sql,
    incident_has_unit,
    incident_open_assignment,
    task_close,
)
from monitoring.models import Alert, AlertKind
from monitoring.services import alert_raise


def inspector_task_resolve(
    *, actor, task: InspectorTask, unit: Unit, note: str = "", now: datetime | None = None
) -> InspectorTask:
    """The inspector assigns an available unit to the diverted incident; the task records it
    and the DIVERT_UNRESOURCED alert settles.

    Raises Forbidden (`not_inspector`), Conflict (`already_resolved`, `unit_committed`,
    `unit_unavailable`, `incident_closed`), NotFound. Nothing changes when it raises."""
    now = now or timezone.now()
    if not has_role(actor, Role.INSPECTOR):
        raise Forbidden("Only an inspector resolves inspector tasks.", code="not_inspector")
    note = _text(note, "note", 2000)
    with transaction.atomic():
        task = lock_row(InspectorTask, task.pk)
        if task.status != InspectorTaskStatus.OPEN:
            raise Conflict(
                f"This task is already resolved: {task.outcome}", code="already_resolved"
            )
        unit = lock_row(Unit, unit.pk)
        incident = lock_row(Incident, task.incident_id)
        assignment = assign(
            actor=actor,
            unit=unit,
            incident=incident,
            now=now,
            how=f"replacement found by inspector for the divert of {task.divert.unit.call_sign}",
            skip_task_id=task.pk,
        )
        task_close(
            actor=actor,
            task=task,
            outcome=f"{unit.call_sign} assigned by inspector {actor_name(actor)}"
            + (f": {note}" if note else "."),
            now=now,
            unit=unit,
            assignment=assignment,
        )
    return task


def diverts_escalate(*, now: datetime | None = None, limit: int = 200) -> int:
    """Escalate approved diverts still without a replacement unit after
    DIVERT_ESCALATE_MINUTES: one ESCALATED alert per task, recorded once (the task's
    `escalated_at` guard and the alert's unique constraint), so a retried or overlapping run
    changes nothing. A task whose incident found a unit meanwhile is closed instead. Then the
    same for diverts still awaiting review. Returns how many escalated."""
    now = now or timezone.now()
    due = list(
        InspectorTask.objects.filter(
            status=InspectorTaskStatus.OPEN, escalated_at__isnull=True, escalate_at__lte=now
        )
        .order_by("escalate_at")
        .values_list("pk", flat=True)[:limit]
    )
    escalated = sum(1 for task_id in due if _task_escalate(task_id, now=now))
    return escalated + _pending_diverts_escalate(now=now, limit=limit)


def _task_escalate(task_id: int, *, now: datetime) -> bool:
    """Escalate one overdue task in its own transaction; a task another run holds is skipped.
    Returns True when it escalated (False: skipped, or closed because a unit was found)."""
    with transaction.atomic():
        task = (
            InspectorTask.objects.select_for_update(skip_locked=True)
            .filter(pk=task_id, status=InspectorTaskStatus.OPEN, escalated_at__isnull=True)
            .select_related("divert__unit", "incident")
            .first()
        )
        if task is None:
            return False
        incident = task.incident
        current = incident_open_assignment(incident)
        if current is not None or not incident.is_open:
            task_close(
                actor=None,
                task=task,
                outcome=(
                    f"Resourced: {current.unit.call_sign}."
                    if current
                    else f"{incident.reference} closed."
                ),
                now=now,
                unit=current.unit if current else None,
                assignment=current,
            )
            return False
        minutes = divert_escalate_minutes()
        call_sign = task.divert.unit.call_sign
        alert_raise(
            kind=AlertKind.ESCALATED,
            subject=divert_subject(task.divert_id),
            threshold_at=task.escalate_at,
            incident=incident,
            message=f"{incident.reference} ({incident.grade}): approved divert of {call_sign} "
            f"has no replacement unit after {minutes} min",
            data={"inspector_task": task.pk, "divert": task.divert_id},
            now=now,
        )
        task.escalated_at = now
        task.save(update_fields=["escalated_at"])
        incident_system_log(
            incident=incident,
            now=now,
            text=f"ESCALATED: no replacement unit {minutes} minutes after the divert of "
            f"{call_sign} was approved.",
        )
        audit_record(
            actor=None,
            action="inspector_task.escalated",
            obj=incident,
            at=now,
            summary=f"No replacement unit after {minutes} min",
            data={"inspector_task": task.pk, "divert": task.divert_id},
        )
        events.publish_inspector_task("escalated", task)
    return True


def _pending_diverts_escalate(*, now: datetime, limit: int) -> int:
    """A divert nobody has reviewed yet must not leave its original incident unresourced
    forever: after DIVERT_ESCALATE_MINUTES with no unit on it, one ESCALATED alert (the alert's
    unique constraint makes it exactly once, whatever the number of runs)."""
    minutes = divert_escalate_minutes()
    escalated_subjects = Alert.objects.filter(
        kind=AlertKind.ESCALATED, subject=divert_subject_sql(OuterRef("pk"))
    )
    due = list(
        Divert.objects.filter(
            status=DivertStatus.PENDING_REVIEW,
            requested_at__lte=now - timedelta(minutes=minutes),
        )
        .exclude(from_incident__status=IncidentStatus.CLOSED)
        .exclude(
            Exists(
                Assignment.objects.filter(
                    incident=OuterRef("from_incident"), status__in=OPEN_ASSIGNMENT_STATUSES
                )
            )
        )
        .exclude(Exists(escalated_subjects))
        .order_by("requested_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for divert_id in due if _pending_divert_escalate(divert_id, now=now))


def _pending_divert_escalate(divert_id: int, *, now: datetime) -> bool:
    minutes = divert_escalate_minutes()
    with transaction.atomic():
        divert = (
            Divert.objects.select_for_update(skip_locked=True)
            .filter(pk=divert_id, status=DivertStatus.PENDING_REVIEW)
            .select_related("unit", "from_incident", "to_incident")
            .first()
        )
        if divert is None:
            return False
        incident = divert.from_incident
        if not incident.is_open or incident_has_unit(incident):
            return False
        alert = alert_raise(
            kind=AlertKind.ESCALATED,
            subject=divert_subject(divert.pk),
            threshold_at=divert.requested_at + timedelta(minutes=minutes),
            incident=incident,
            message=f"{incident.reference} ({incident.grade}): divert of "
            f"{divert.unit.call_sign} to {divert.to_incident.reference} still awaits review "
            f"and no unit is on it after {minutes} min",
            data={"divert": divert.pk, "pending_review": True},
            now=now,
        )
        if alert is None:
            return False
        incident_system_log(
            incident=incident,
            now=now,
            text=f"ESCALATED: the divert of {divert.unit.call_sign} has awaited controller "
            f"review for {minutes} minutes and no unit is committed.",
        )
        audit_record(
            actor=None,
            action="divert.escalated",
            obj=incident,
            at=now,
            summary=f"Divert awaiting review, no unit after {minutes} min",
            data={"divert": divert.pk},
        )
    return True
