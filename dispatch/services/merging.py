"""Reacting to two incidents being merged in cad: the units committed to the merged incident move
to the survivor with their progress, so no crew is left driving to a closed incident and the
survivor is not left looking unresourced."""

from __future__ import annotations

from datetime import datetime

from cad.exceptions import Conflict
from cad.models import Incident, IncidentStatus
from cad.services import incident_set_status, incident_system_log
from core.audit import audit_record
from core.locks import lock_rows_in_order
from dispatch import events
from dispatch.models import OPEN_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Unit
from dispatch.services.steps import open_assignment_of


def incident_units_move(*, actor, incident: Incident, into: Incident, now: datetime) -> list[str]:
    """Move every unit committed to `incident` onto `into`, keeping its progress (ASSIGNED,
    EN_ROUTE or AT_SCENE): the old assignment ends as MOVED, a new one opens on `into`, and
    `into` becomes RESOURCED (or AT_SCENE when a moved unit is at scene). Runs inside cad's
    merge transaction, before cad locks the incidents, so the dispatch locking order holds:
    the units, then the incidents in ascending id. Returns the call signs moved.

    Raises Conflict (`incident_closed`) when `into` is closed."""
    unit_ids = list(
        Assignment.objects.filter(
            incident_id=incident.pk, status__in=OPEN_ASSIGNMENT_STATUSES
        ).values_list("unit_id", flat=True)
    )
    if not unit_ids:
        return []
    units = lock_rows_in_order(Unit, unit_ids)
    locked = lock_rows_in_order(Incident, [incident.pk, into.pk])
    source, target = locked[incident.pk], locked[into.pk]
    if not target.is_open:
        raise Conflict(f"{target.reference} is closed.", code="incident_closed")
    moved = []
    for unit in units.values():
        current = open_assignment_of(unit)
        if current is not None and current.incident_id == source.pk:
            _move(actor=actor, unit=unit, current=current, source=source, target=target, now=now)
            moved.append(unit.call_sign)
    return moved


def _move(
    *, actor, unit: Unit, current: Assignment, source: Incident, target: Incident, now: datetime
) -> Assignment:
    progress, arrived_at = current.status, current.arrived_at
    current.status = AssignmentStatus.MOVED
    current.ended_at, current.ended_by = now, actor
    current.ended_reason = f"moved to {target.reference}: the incidents were merged"
    current.save(update_fields=["status", "ended_at", "ended_by", "ended_reason"])
    moved = Assignment.objects.create(
        unit=unit,
        incident=target,
        status=progress,
        assigned_at=now,
        assigned_by=actor,
        arrived_at=arrived_at,
    )
    label = AssignmentStatus(progress).label.lower()
    incident_system_log(
        incident=source,
        now=now,
        text=f"{unit.call_sign} ({label}) moved to {target.reference}: the incidents were merged.",
    )
    incident_system_log(
        incident=target,
        now=now,
        text=f"{unit.call_sign} ({label}) moved here from {source.reference} (merged).",
    )
    wanted = IncidentStatus.AT_SCENE if progress == AssignmentStatus.AT_SCENE else None
    if wanted is None and target.status == IncidentStatus.OPEN:
        wanted = IncidentStatus.RESOURCED
    if wanted and target.status != wanted and target.can_transition(wanted):
        incident_set_status(
            actor=actor,
            incident=target,
            status=wanted,
            now=now,
            reason=f"{unit.call_sign} moved from {source.reference}",
        )
    audit_record(
        actor=actor,
        action="unit.moved",
        obj=target,
        at=now,
        summary=f"{unit.call_sign} moved from {source.reference} to {target.reference} (merge)",
        data={
            "unit": unit.pk,
            "from_incident": source.pk,
            "from_assignment": current.pk,
            "assignment": moved.pk,
            "status": progress,
        },
    )
    events.publish_unit("assigned", unit, incident=target.pk)
    return moved


def on_incident_merging(sender, incident, into, actor=None, now=None, **kwargs):
    """`cad.signals.incident_merging` receiver: move the merged incident's units."""
    incident_units_move(actor=actor, incident=incident, into=into, now=now)
