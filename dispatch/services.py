"""Every write for units, assignments, diverts, controller reviews and inspector tasks.

One function per action, one transaction each. Each validates, locks what it changes, writes the
audit trail and the incident's system log, and schedules the live push after commit.

Locking order, kept everywhere so two actions cannot deadlock: the divert or inspector task row
(when there is one), then the unit, then the incidents in ascending id. Rows are locked FOR NO KEY
UPDATE (as cad locks incidents): a lock that does not block the key-share locks taken by inserts
referencing the row (log entries, audit rows, alerts), and never escalates against cad's. Open inspector tasks are
taken with SKIP LOCKED from inside an assignment, so that path never waits on a task row.

The rule these services enforce (DESIGN.md rule 8): a divert can never orphan an incident. Moving a
committed unit is always a divert: it tags the original DIVERT, puts it back on the outstanding
list, raises DIVERT_UNRESOURCED when no unit is left on it, and waits for a controller; an approved
divert opens an inspector task that escalates if nobody finds a replacement in time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from cad.models import Incident, IncidentStatus
from cad.services import incident_set_status, incident_system_log, incident_tag_add
from core.audit import audit_record
from core.notifications import notify
from core.roles import Role, has_role
from core.validation import clean_choice as _choice
from core.validation import clean_text as _text
from dispatch import events
from dispatch.alerts import alert_raise, alerts_settle, incident_subject
from dispatch.models import (
    OPEN_ASSIGNMENT_STATUSES,
    Alert,
    AlertKind,
    Assignment,
    AssignmentStatus,
    Divert,
    DivertDecision,
    DivertStatus,
    InspectorTask,
    InspectorTaskStatus,
    Unit,
    UnitStatus,
    UnitStatusChange,
    UnitType,
)

DIVERT_TAG = "DIVERT"
CALL_SIGN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
CAPABILITY_PATTERN = re.compile(r"^[A-Z0-9_]{1,30}$")
# Roles that direct units from the control room (officers may only move their own unit).
CONTROL_ROOM = (Role.DISPATCHER, Role.CONTROLLER, Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN)
# The forward order of a commitment: a unit never goes back from AT_SCENE to EN_ROUTE.
PROGRESS = {UnitStatus.ASSIGNED: 0, UnitStatus.EN_ROUTE: 1, UnitStatus.AT_SCENE: 2}


def divert_escalate_minutes() -> int:
    return int(getattr(settings, "DIVERT_ESCALATE_MINUTES", 5))


# --- Validation helpers --------------------------------------------------------------------------


def _call_sign(value: str) -> str:
    call_sign = (value or "").strip().upper()
    if not CALL_SIGN_PATTERN.match(call_sign):
        raise ValidationFailed(
            "A call sign is 2 to 20 letters, digits or hyphens (e.g. BX21).",
            code="invalid_call_sign",
        )
    return call_sign


def _capabilities(values) -> list[str]:
    found = []
    for value in values or ():
        code = str(value).strip().upper()
        if not CAPABILITY_PATTERN.match(code):
            raise ValidationFailed(
                f"Capability '{value}' must be letters, digits or underscores.",
                code="invalid_capability",
            )
        if code not in found:
            found.append(code)
    return found


def _position(latitude, longitude) -> tuple[float | None, float | None]:
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(
            "Give both latitude and longitude, or neither.", code="incomplete_position"
        )
    if latitude is None:
        return None, None
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "Latitude and longitude must be numbers.", code="invalid_position"
        ) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValidationFailed("That position is not on the Earth.", code="invalid_position")
    return latitude, longitude


def _officers(usernames) -> list:
    usernames = [str(u).strip() for u in usernames or () if str(u).strip()]
    users = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    missing = sorted(set(usernames) - {u.get_username() for u in users})
    if missing:
        raise ValidationFailed(
            f"Unknown or inactive user(s): {', '.join(missing)}.", code="unknown_officer"
        )
    return users


def _name(actor) -> str:
    return actor.get_username() if actor is not None else "system"


# --- Locks and small reads used inside a transaction ---------------------------------------------


def _lock_unit(unit_id: int) -> Unit:
    try:
        return Unit.objects.select_for_update(no_key=True).get(pk=unit_id)
    except Unit.DoesNotExist:
        raise NotFound(f"Unit {unit_id} does not exist.") from None


def _lock_incident(incident_id: int) -> Incident:
    try:
        return Incident.objects.select_for_update(no_key=True).get(pk=incident_id)
    except Incident.DoesNotExist:
        raise NotFound(f"Incident {incident_id} does not exist.") from None


def _lock_incidents(*incident_ids: int) -> dict[int, Incident]:
    """Lock several incidents in ascending id order (the deadlock-free order)."""
    return {pk: _lock_incident(pk) for pk in sorted(set(incident_ids))}


def _open_assignment(unit: Unit) -> Assignment | None:
    return (
        Assignment.objects.filter(unit=unit, status__in=OPEN_ASSIGNMENT_STATUSES)
        .select_related("incident")
        .first()
    )


def _incident_has_unit(incident: Incident) -> bool:
    return Assignment.objects.filter(
        incident=incident, status__in=OPEN_ASSIGNMENT_STATUSES
    ).exists()


# --- Building blocks (each runs inside the caller's transaction, with the rows locked) ------------


def _unit_move(
    *, actor, unit: Unit, to: str, now: datetime, incident: Incident | None = None, reason: str = ""
) -> None:
    """Change a locked unit's status along its transition table and record the history row."""
    if not unit.can_transition(to):
        raise InvalidTransition(
            f"{unit.call_sign} cannot go from {unit.status} to {to}.", code="invalid_transition"
        )
    UnitStatusChange.objects.create(
        unit=unit,
        at=now,
        by=actor,
        from_status=unit.status,
        to_status=to,
        incident=incident,
        reason=reason[:300],
    )
    unit.status, unit.status_changed_at = to, now
    unit.save(update_fields=["status", "status_changed_at", "updated_at"])


def _assignment_open(*, actor, unit: Unit, incident: Incident, now: datetime) -> Assignment:
    """Create the unit's open assignment. The partial unique constraint is the last word: a
    second open assignment for a unit is refused by the database even if a lock was missed."""
    try:
        with transaction.atomic():
            return Assignment.objects.create(
                unit=unit, incident=incident, assigned_at=now, assigned_by=actor
            )
    except IntegrityError:
        raise Conflict(
            f"{unit.call_sign} is already committed to another incident.", code="unit_committed"
        ) from None


def _commit_unit(
    *, actor, unit: Unit, incident: Incident, now: datetime, unit_reason: str, incident_reason: str
) -> Assignment:
    """Send a locked unit to a locked incident: open its assignment, mark it ASSIGNED and, if
    the incident was waiting, mark the incident RESOURCED. Shared by assign, divert, override."""
    assignment = _assignment_open(actor=actor, unit=unit, incident=incident, now=now)
    _unit_move(
        actor=actor,
        unit=unit,
        to=UnitStatus.ASSIGNED,
        now=now,
        incident=incident,
        reason=unit_reason,
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


def _assignment_end(
    *, actor, assignment: Assignment, status: str, reason: str, now: datetime, incident: Incident
) -> None:
    """End an open assignment; if it was the last unit on an incident nobody has reached, the
    incident goes back to OPEN and so back onto the outstanding list."""
    assignment.status = status
    assignment.ended_at, assignment.ended_by, assignment.ended_reason = now, actor, reason[:300]
    assignment.save(update_fields=["status", "ended_at", "ended_by", "ended_reason"])
    if incident.status == IncidentStatus.RESOURCED and not _incident_has_unit(incident):
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


def _divert_unresourced_settle(*, incident: Incident, now: datetime, reason: str) -> None:
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
            subject=f"divert:{divert_id}", kinds=[AlertKind.ESCALATED], reason=reason, now=now
        )


def _task_close(
    *,
    actor,
    task: InspectorTask,
    outcome: str,
    now: datetime,
    unit: Unit | None = None,
    assignment: Assignment | None = None,
) -> None:
    task.status = InspectorTaskStatus.RESOLVED
    task.resolved_at, task.resolved_by = now, actor
    task.unit, task.assignment, task.outcome = unit, assignment, outcome[:2000]
    task.save(
        update_fields=["status", "resolved_at", "resolved_by", "unit", "assignment", "outcome"]
    )
    alerts_settle(
        subject=f"divert:{task.divert_id}",
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


def _tasks_close_for(
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
        _task_close(
            actor=actor,
            task=task,
            outcome=f"Resourced: {unit.call_sign} assigned by {_name(actor)}.",
            now=now,
            unit=unit,
            assignment=assignment,
        )


def _assign(
    *,
    actor,
    unit: Unit,
    incident: Incident,
    now: datetime,
    how: str = "",
    skip_task_id: int | None = None,
) -> Assignment:
    """Commit a locked, available unit to a locked incident."""
    if not incident.is_open:
        raise Conflict(f"{incident.reference} is closed.", code="incident_closed")
    current = _open_assignment(unit)
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
    assignment = _commit_unit(
        actor=actor,
        unit=unit,
        incident=incident,
        now=now,
        unit_reason=how or "assigned",
        incident_reason=f"{unit.call_sign} assigned",
    )
    incident_system_log(
        incident=incident,
        now=now,
        text=f"{unit.call_sign} assigned by {_name(actor)}" + (f" ({how})" if how else "") + ".",
    )
    audit_record(
        actor=actor,
        action="unit.assigned",
        obj=incident,
        at=now,
        summary=f"{unit.call_sign} assigned to {incident.reference}",
        data={"unit": unit.pk, "assignment": assignment.pk, "how": how},
    )
    _divert_unresourced_settle(incident=incident, now=now, reason=f"{unit.call_sign} assigned")
    _tasks_close_for(
        actor=actor,
        incident=incident,
        unit=unit,
        assignment=assignment,
        now=now,
        skip_task_id=skip_task_id,
    )
    events.publish_unit("assigned", unit, incident=incident.pk, assignment=assignment.pk)
    return assignment


# --- Units ---------------------------------------------------------------------------------------


def unit_create(
    *,
    actor,
    call_sign: str,
    unit_type: str = UnitType.RESPONSE_CAR,
    capabilities=(),
    home_station: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    officers=(),
    now: datetime | None = None,
) -> Unit:
    """Add a unit. It starts AVAILABLE (a new unit is on duty unless it is stood down), so
    setting it AVAILABLE again is accepted and changes nothing.

    Raises ValidationFailed on a bad call sign, type, capability or position, and Conflict
    (`call_sign_taken`) when the call sign is in use."""
    now = now or timezone.now()
    call_sign = _call_sign(call_sign)
    _choice(unit_type, UnitType, "unit_type")
    capabilities = _capabilities(capabilities)
    latitude, longitude = _position(latitude, longitude)
    home_station = _text(home_station, "home_station", 120)
    crew = _officers(officers)
    try:
        with transaction.atomic():
            unit = Unit.objects.create(
                call_sign=call_sign,
                unit_type=unit_type,
                capabilities=capabilities,
                home_station=home_station,
                latitude=latitude,
                longitude=longitude,
                position_at=now if latitude is not None else None,
                status=UnitStatus.AVAILABLE,
                status_changed_at=now,
                created_at=now,
            )
            unit.officers.set(crew)
            audit_record(
                actor=actor,
                action="unit.created",
                obj=unit,
                at=now,
                summary=f"{call_sign} ({unit_type}) created",
                data={
                    "call_sign": call_sign,
                    "unit_type": unit_type,
                    "capabilities": capabilities,
                    "officers": [u.get_username() for u in crew],
                },
            )
            events.publish_unit("created", unit)
    except IntegrityError:
        raise Conflict(
            f"Call sign {call_sign} is already in use.", code="call_sign_taken"
        ) from None
    return unit


def unit_crew_set(*, actor, unit: Unit, officers, now: datetime | None = None) -> Unit:
    """Set the officers crewing a unit (they may update its status and are told of overrides)."""
    now = now or timezone.now()
    crew = _officers(officers)
    with transaction.atomic():
        unit = _lock_unit(unit.pk)
        unit.officers.set(crew)
        audit_record(
            actor=actor,
            action="unit.crew_set",
            obj=unit,
            at=now,
            summary=f"{unit.call_sign} crew: {', '.join(u.get_username() for u in crew) or 'none'}",
            data={"officers": [u.get_username() for u in crew]},
        )
        events.publish_unit("crew", unit)
    return unit


def _may_move_unit(actor, unit: Unit) -> None:
    if has_role(actor, *CONTROL_ROOM):
        return
    if actor is not None and unit.officers.filter(pk=actor.pk).exists():
        return
    raise Forbidden(
        f"Only the crew of {unit.call_sign} or the control room may change its status.",
        code="not_crew",
    )


def unit_set_status(
    *,
    actor,
    unit: Unit,
    status: str,
    incident: Incident | None = None,
    note: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    now: datetime | None = None,
) -> Unit:
    """A unit reports its status (the crew, or the control room on its behalf).

    - AVAILABLE / UNAVAILABLE end any commitment (released before arrival, cleared after it).
    - ASSIGNED / EN_ROUTE / AT_SCENE move the unit's commitment forward; with `incident` given
      and the unit free, the unit commits itself to that incident first (self-deployment).
    - The first unit AT_SCENE stops the incident's response clock (`first_arrived_at`).
    Repeating the current status changes nothing (a retried request is harmless).

    Raises Forbidden (not the crew), InvalidTransition, Conflict (`unit_committed` when the
    incident given is not the unit's commitment: that is a divert) and ValidationFailed."""
    now = now or timezone.now()
    _choice(status, UnitStatus, "status")
    note = _text(note, "note", 300)
    latitude, longitude = _position(latitude, longitude)
    with transaction.atomic():
        unit = _lock_unit(unit.pk)
        _may_move_unit(actor, unit)
        if latitude is not None:
            unit.latitude, unit.longitude, unit.position_at = latitude, longitude, now
            unit.save(update_fields=["latitude", "longitude", "position_at", "updated_at"])
        current = _open_assignment(unit)
        if status in (UnitStatus.AVAILABLE, UnitStatus.UNAVAILABLE):
            if current is not None:
                _release(actor=actor, unit=unit, assignment=current, reason=note, now=now)
            if unit.status != status:
                _unit_move(actor=actor, unit=unit, to=status, now=now, reason=note)
                audit_record(
                    actor=actor,
                    action="unit.status_changed",
                    obj=unit,
                    at=now,
                    summary=f"{unit.call_sign} {status}" + (f": {note}" if note else ""),
                    data={"status": status, "note": note},
                )
                events.publish_unit("status", unit)
            return unit
        if current is None:
            if incident is None:
                raise ValidationFailed(
                    f"{unit.call_sign} is not committed to an incident: say which incident.",
                    code="incident_required",
                )
            target = _lock_incident(incident.pk)
            current = _assign(
                actor=actor, unit=unit, incident=target, now=now, how="self-deployed by the unit"
            )
        elif incident is not None and current.incident_id != incident.pk:
            raise Conflict(
                f"{unit.call_sign} is committed to {current.incident.reference}: moving it to "
                "another incident is a divert, which the controller reviews.",
                code="unit_committed",
            )
        if PROGRESS[status] < PROGRESS[UnitStatus(unit.status)]:
            raise InvalidTransition(
                f"{unit.call_sign} is already {unit.status}; it cannot go back to {status}.",
                code="invalid_transition",
            )
        if status == unit.status:
            return unit
        target = _lock_incident(current.incident_id)
        current.status = status
        fields = ["status"]
        if status == UnitStatus.AT_SCENE:
            current.arrived_at = now
            fields.append("arrived_at")
        current.save(update_fields=fields)
        _unit_move(actor=actor, unit=unit, to=status, now=now, incident=target, reason=note)
        label = UnitStatus(status).label.lower()
        incident_system_log(
            incident=target,
            now=now,
            text=f"{unit.call_sign} {label}" + (f": {note}" if note else "") + ".",
        )
        if status == UnitStatus.AT_SCENE:
            if target.status in (IncidentStatus.OPEN, IncidentStatus.RESOURCED):
                incident_set_status(
                    actor=actor,
                    incident=target,
                    status=IncidentStatus.AT_SCENE,
                    now=now,
                    reason=f"{unit.call_sign} at scene",
                )
            _divert_unresourced_settle(
                incident=target, now=now, reason=f"{unit.call_sign} at scene"
            )
        audit_record(
            actor=actor,
            action="unit.status_changed",
            obj=target,
            at=now,
            summary=f"{unit.call_sign} {status}" + (f": {note}" if note else ""),
            data={"unit": unit.pk, "status": status, "assignment": current.pk, "note": note},
        )
        events.publish_unit("status", unit, incident=target.pk)
    return unit


def _release(*, actor, unit: Unit, assignment: Assignment, reason: str, now: datetime) -> None:
    """End a commitment. After arrival the crew clears itself; before arrival only the control
    room may release a unit, with a reason, and an incident left with no unit raises the same
    DIVERT_UNRESOURCED alert as a divert (a release is never a silent way round the divert
    safeguards)."""
    arrived = assignment.status == AssignmentStatus.AT_SCENE
    if not arrived:
        if not has_role(actor, *CONTROL_ROOM):
            raise Conflict(
                f"{unit.call_sign} has not arrived at {assignment.incident.reference}: only the "
                "control room can release it before arrival. Ask the dispatcher.",
                code="release_before_arrival",
            )
        if not reason:
            raise ValidationFailed(
                f"Say why {unit.call_sign} is released before reaching "
                f"{assignment.incident.reference}.",
                code="reason_required",
            )
    incident = _lock_incident(assignment.incident_id)
    _assignment_end(
        actor=actor,
        assignment=assignment,
        status=AssignmentStatus.CLEARED if arrived else AssignmentStatus.RELEASED,
        reason=reason,
        now=now,
        incident=incident,
    )
    verb = "cleared from" if arrived else "released from"
    incident_system_log(
        incident=incident,
        now=now,
        text=f"{unit.call_sign} {verb} {incident.reference} by {_name(actor)}"
        + (f": {reason}" if reason else "")
        + ".",
    )
    audit_record(
        actor=actor,
        action="unit.released",
        obj=incident,
        at=now,
        summary=f"{unit.call_sign} {verb} {incident.reference}" + (f": {reason}" if reason else ""),
        data={"unit": unit.pk, "assignment": assignment.pk, "arrived": arrived, "reason": reason},
    )
    if not arrived and incident.is_open and not _incident_has_unit(incident):
        alert_raise(
            kind=AlertKind.DIVERT_UNRESOURCED,
            subject=incident_subject(incident),
            threshold_at=now,
            incident=incident,
            message=f"{incident.reference} ({incident.grade}) has no unit: {unit.call_sign} "
            f"released by {_name(actor)}: {reason}",
            data={"unit": unit.pk, "assignment": assignment.pk, "released": True},
            now=now,
        )
    events.publish_unit("released", unit, incident=incident.pk)


def unit_release(*, actor, unit: Unit, reason: str = "", now: datetime | None = None) -> Unit:
    """End the unit's commitment and make it available. The last unit leaving an incident nobody
    has reached puts that incident back on the outstanding list.

    Raises Conflict (`unit_not_committed`) when the unit has no commitment."""
    now = now or timezone.now()
    reason = _text(reason, "reason", 300)
    with transaction.atomic():
        unit = _lock_unit(unit.pk)
        _may_move_unit(actor, unit)
        current = _open_assignment(unit)
        if current is None:
            raise Conflict(
                f"{unit.call_sign} is not committed to an incident.", code="unit_not_committed"
            )
        _release(actor=actor, unit=unit, assignment=current, reason=reason, now=now)
        _unit_move(
            actor=actor,
            unit=unit,
            to=UnitStatus.AVAILABLE,
            now=now,
            incident=current.incident,
            reason=reason or "released",
        )
    return unit


# --- Assignment ----------------------------------------------------------------------------------


def unit_assign(
    *, actor, unit: Unit, incident: Incident, now: datetime | None = None
) -> Assignment:
    """Send an available unit to an incident. The unit's row is locked first, and the database
    allows one open assignment per unit, so of two dispatchers racing for one unit exactly one
    wins and the other gets a clear Conflict.

    Raises Conflict: `unit_committed` (committed elsewhere: that is a divert), `already_assigned`,
    `unit_unavailable`, `incident_closed`; NotFound."""
    now = now or timezone.now()
    with transaction.atomic():
        unit = _lock_unit(unit.pk)
        target = _lock_incident(incident.pk)
        return _assign(actor=actor, unit=unit, incident=target, now=now)


# --- Diverts -------------------------------------------------------------------------------------


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
        unit = _lock_unit(unit.pk)
        current = _open_assignment(unit)
        if current is None:
            raise Conflict(
                f"{unit.call_sign} is not committed to an incident: assign it instead of "
                "diverting it.",
                code="unit_not_committed",
            )
        if current.incident_id == to_incident.pk:
            raise ValidationFailed(
                f"{unit.call_sign} is already on {current.incident.reference}.",
                code="same_incident",
            )
        locked = _lock_incidents(current.incident_id, to_incident.pk)
        original, target = locked[current.incident_id], locked[to_incident.pk]
        if not target.is_open:
            raise Conflict(f"{target.reference} is closed.", code="incident_closed")
        status_before = unit.status
        _assignment_end(
            actor=actor,
            assignment=current,
            status=AssignmentStatus.DIVERTED,
            reason=f"diverted to {target.reference}: {reason}",
            now=now,
            incident=original,
        )
        new_assignment = _commit_unit(
            actor=actor,
            unit=unit,
            incident=target,
            now=now,
            unit_reason=f"diverted from {original.reference}: {reason}",
            incident_reason=f"{unit.call_sign} diverted here",
        )
        divert = Divert.objects.create(
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
        incident_tag_add(actor=actor, incident=original, tag=DIVERT_TAG, now=now)
        unresourced = not _incident_has_unit(original)
        incident_system_log(
            incident=original,
            now=now,
            text=(
                f"DIVERT: {unit.call_sign} ({status_before.lower()}) diverted by {_name(actor)} "
                f"to {target.reference} ({target.grade}): {reason}. "
                + (
                    "No unit is now committed to this incident. "
                    if unresourced
                    else "Other units remain committed. "
                )
                + "Awaiting controller review."
            ),
        )
        incident_system_log(
            incident=target,
            now=now,
            text=f"{unit.call_sign} diverted here by {_name(actor)} from {original.reference} "
            f"({original.grade}): {reason}.",
        )
        for incident in (original, target):
            audit_record(
                actor=actor,
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
        if unresourced:
            alert_raise(
                kind=AlertKind.DIVERT_UNRESOURCED,
                subject=incident_subject(original),
                threshold_at=now,
                incident=original,
                message=f"{original.reference} ({original.grade}) has no unit: {unit.call_sign} "
                f"diverted to {target.reference} ({target.grade})",
                data={"divert": divert.pk, "unit": unit.pk, "to_incident": target.pk},
                now=now,
            )
        events.publish_unit("diverted", unit, incident=target.pk, divert=divert.pk)
        events.publish_divert("created", divert)
    return divert


def _lock_divert(divert_id: int) -> Divert:
    try:
        return Divert.objects.select_for_update(no_key=True).get(pk=divert_id)
    except Divert.DoesNotExist:
        raise NotFound(f"Divert {divert_id} does not exist.") from None


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
        divert = _lock_divert(divert.pk)
        if divert.status != DivertStatus.PENDING_REVIEW:
            raise Conflict(
                f"This divert was already reviewed ({DivertStatus(divert.status).label.lower()}"
                f" by {_name(divert.reviewed_by)}).",
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
    original = _lock_incident(divert.from_incident_id)
    divert.status = DivertStatus.APPROVED
    task = InspectorTask.objects.create(
        divert=divert,
        incident=original,
        opened_at=now,
        escalate_at=now + timedelta(minutes=divert_escalate_minutes()),
    )
    incident_system_log(
        incident=original,
        now=now,
        text=f"Divert of {divert.unit.call_sign} approved by controller {_name(actor)}"
        + (f": {note}" if note else "")
        + ". Inspector task opened to find another unit.",
    )
    audit_record(
        actor=actor,
        action="divert.approved",
        obj=original,
        at=now,
        summary=f"Divert of {divert.unit.call_sign} approved" + (f": {note}" if note else ""),
        data={"divert": divert.pk, "inspector_task": task.pk, "note": note},
    )
    events.publish_inspector_task("opened", task)
    current = (
        Assignment.objects.filter(incident=original, status__in=OPEN_ASSIGNMENT_STATUSES)
        .select_related("unit")
        .first()
    )
    if current is not None:
        _task_close(
            actor=actor,
            task=task,
            outcome=f"Already resourced when the divert was approved: {current.unit.call_sign}.",
            now=now,
            unit=current.unit,
            assignment=current,
        )
    elif not original.is_open:
        _task_close(
            actor=actor, task=task, outcome=f"{original.reference} was already closed.", now=now
        )


def _divert_override(*, actor, divert: Divert, note: str, now: datetime) -> None:
    unit = _lock_unit(divert.unit_id)
    current = _open_assignment(unit)
    if current is None or current.pk != divert.to_assignment_id:
        where = f"now on {current.incident.reference}" if current else "no longer committed"
        raise Conflict(
            f"{unit.call_sign} has moved since the divert ({where}): assign a unit to the "
            "original incident directly.",
            code="unit_moved",
        )
    locked = _lock_incidents(divert.from_incident_id, divert.to_incident_id)
    original, target = locked[divert.from_incident_id], locked[divert.to_incident_id]
    if not original.is_open:
        raise Conflict(
            f"{original.reference} is closed: there is nothing to send the unit back to.",
            code="incident_closed",
        )
    _assignment_end(
        actor=actor,
        assignment=current,
        status=AssignmentStatus.RECALLED,
        reason=f"controller override: {note}",
        now=now,
        incident=target,
    )
    assignment = _commit_unit(
        actor=actor,
        unit=unit,
        incident=original,
        now=now,
        unit_reason=f"controller override: {note}",
        incident_reason=f"{unit.call_sign} sent back by controller",
    )
    divert.status = DivertStatus.OVERRIDDEN
    incident_system_log(
        incident=original,
        now=now,
        text=f"Divert overridden by controller {_name(actor)}: {unit.call_sign} sent back to "
        f"{original.reference}. {note}",
    )
    incident_system_log(
        incident=target,
        now=now,
        text=f"{unit.call_sign} recalled to {original.reference} by controller {_name(actor)}: "
        f"{note}",
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
    _divert_unresourced_settle(
        incident=original, now=now, reason=f"{unit.call_sign} sent back by controller"
    )
    briefing = reverse("dispatch-unit-briefing", args=[unit.pk])
    for officer in unit.officers.filter(is_active=True):
        notify(
            user=officer,
            kind="divert.overridden",
            text=f"{unit.call_sign}: the controller has overridden your divert. Return to "
            f"{original.reference}, {original.address or 'address unknown'} ({original.grade}). "
            f"{note}",
            link=briefing,
            dedupe_key=f"divert:{divert.pk}:override",
            now=now,
        )
    events.publish_unit(
        "recalled", unit, incident=original.pk, from_incident=target.pk, divert=divert.pk
    )


# --- Inspector tasks -----------------------------------------------------------------------------


def _lock_task(task_id: int) -> InspectorTask:
    try:
        return InspectorTask.objects.select_for_update(no_key=True).get(pk=task_id)
    except InspectorTask.DoesNotExist:
        raise NotFound(f"Inspector task {task_id} does not exist.") from None


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
        task = _lock_task(task.pk)
        if task.status != InspectorTaskStatus.OPEN:
            raise Conflict(
                f"This task is already resolved: {task.outcome}", code="already_resolved"
            )
        unit = _lock_unit(unit.pk)
        incident = _lock_incident(task.incident_id)
        assignment = _assign(
            actor=actor,
            unit=unit,
            incident=incident,
            now=now,
            how=f"replacement found by inspector for the divert of {task.divert.unit.call_sign}",
            skip_task_id=task.pk,
        )
        _task_close(
            actor=actor,
            task=task,
            outcome=f"{unit.call_sign} assigned by inspector {_name(actor)}"
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
    changes nothing. A task whose incident found a unit meanwhile is closed instead.
    Returns how many tasks escalated."""
    now = now or timezone.now()
    due = list(
        InspectorTask.objects.filter(
            status=InspectorTaskStatus.OPEN, escalated_at__isnull=True, escalate_at__lte=now
        )
        .order_by("escalate_at")
        .values_list("pk", flat=True)[:limit]
    )
    escalated = 0
    for task_id in due:
        with transaction.atomic():
            task = (
                InspectorTask.objects.select_for_update(skip_locked=True)
                .filter(pk=task_id, status=InspectorTaskStatus.OPEN, escalated_at__isnull=True)
                .select_related("divert__unit", "incident")
                .first()
            )
            if task is None:
                continue
            incident = task.incident
            current = (
                Assignment.objects.filter(incident=incident, status__in=OPEN_ASSIGNMENT_STATUSES)
                .select_related("unit")
                .first()
            )
            if current is not None or not incident.is_open:
                _task_close(
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
                continue
            minutes = divert_escalate_minutes()
            alert_raise(
                kind=AlertKind.ESCALATED,
                subject=f"divert:{task.divert_id}",
                threshold_at=task.escalate_at,
                incident=incident,
                message=f"{incident.reference} ({incident.grade}): approved divert of "
                f"{task.divert.unit.call_sign} has no replacement unit after {minutes} min",
                data={"inspector_task": task.pk, "divert": task.divert_id},
                now=now,
            )
            task.escalated_at = now
            task.save(update_fields=["escalated_at"])
            incident_system_log(
                incident=incident,
                now=now,
                text=f"ESCALATED: no replacement unit {minutes} minutes after the divert of "
                f"{task.divert.unit.call_sign} was approved.",
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
            escalated += 1
    return escalated + _pending_diverts_escalate(now=now, limit=limit)


def _pending_diverts_escalate(*, now: datetime, limit: int) -> int:
    """A divert nobody has reviewed yet must not leave its original incident unresourced
    forever: after DIVERT_ESCALATE_MINUTES with no unit on it, one ESCALATED alert (the alert's
    unique constraint makes it exactly once, whatever the number of runs)."""
    minutes = divert_escalate_minutes()
    escalated_subjects = Alert.objects.filter(
        kind=AlertKind.ESCALATED,
        subject=Concat(Value("divert:"), Cast(OuterRef("pk"), CharField())),
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
    escalated = 0
    for divert_id in due:
        with transaction.atomic():
            divert = (
                Divert.objects.select_for_update(skip_locked=True)
                .filter(pk=divert_id, status=DivertStatus.PENDING_REVIEW)
                .select_related("unit", "from_incident", "to_incident")
                .first()
            )
            if divert is None:
                continue
            incident = divert.from_incident
            if not incident.is_open or _incident_has_unit(incident):
                continue
            alert = alert_raise(
                kind=AlertKind.ESCALATED,
                subject=f"divert:{divert.pk}",
                threshold_at=divert.requested_at + timedelta(minutes=minutes),
                incident=incident,
                message=f"{incident.reference} ({incident.grade}): divert of "
                f"{divert.unit.call_sign} to {divert.to_incident.reference} still awaits review "
                f"and no unit is on it after {minutes} min",
                data={"divert": divert.pk, "pending_review": True},
                now=now,
            )
            if alert is None:
                continue
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
            escalated += 1
    return escalated


# --- Reacting to incidents closed elsewhere ------------------------------------------------------


def incident_closing_check(*, incident: Incident, actor, now: datetime | None = None) -> None:
    """Called (through `cad.signals.incident_changed`) inside the transaction that closes an
    incident. A unit still committed to it refuses the close (the whole close is undone), so a
    crew is never left driving to a closed incident; otherwise its open inspector tasks record
    the closure and its DIVERT_UNRESOURCED alert settles.

    Raises Conflict (`units_committed`)."""
    now = now or timezone.now()
    call_signs = list(
        Assignment.objects.filter(incident=incident, status__in=OPEN_ASSIGNMENT_STATUSES)
        .order_by("unit__call_sign")
        .values_list("unit__call_sign", flat=True)
    )
    if call_signs:
        raise Conflict(
            f"{', '.join(call_signs)} still committed to {incident.reference}: clear or release "
            "the unit(s) before closing it.",
            code="units_committed",
        )
    for task in InspectorTask.objects.select_for_update(skip_locked=True).filter(
        incident=incident, status=InspectorTaskStatus.OPEN
    ):
        _task_close(actor=actor, task=task, outcome=f"{incident.reference} closed.", now=now)
    _divert_unresourced_settle(incident=incident, now=now, reason="incident closed")


def on_incident_changed(sender, incident, actor=None, changes=None, **kwargs):
    """`cad.signals.incident_changed` receiver: a close runs `incident_closing_check`."""
    status_change = (changes or {}).get("status")
    if status_change and status_change[1] == IncidentStatus.CLOSED:
        incident_closing_check(incident=incident, actor=actor, now=incident.closed_at)


# --- Demo data -----------------------------------------------------------------------------------

# Call sign, type, capabilities, home station, latitude, longitude: around Leeds.
DEMO_UNITS = [
    ("BX21", UnitType.RESPONSE_CAR, [], "Elland Road", 53.7780, -1.5720),
    ("BX22", UnitType.RESPONSE_CAR, ["TASER"], "Elland Road", 53.7905, -1.5480),
    ("BX23", UnitType.VAN, ["CAGE"], "Elland Road", 53.7712, -1.5890),
    ("CH11", UnitType.RESPONSE_CAR, ["TASER"], "Chapeltown", 53.8196, -1.5313),
    ("CH12", UnitType.RESPONSE_CAR, [], "Chapeltown", 53.8250, -1.5190),
    ("CH14", UnitType.NEIGHBOURHOOD, [], "Chapeltown", 53.8139, -1.5402),
    ("WY61", UnitType.ARV, ["ARMED", "TASER", "MEDIC"], "Carr Gate", 53.7300, -1.5320),
    ("DG04", UnitType.DOG, ["DOG"], "Carr Gate", 53.7420, -1.5200),
    ("HD31", UnitType.RESPONSE_CAR, [], "Headingley", 53.8190, -1.5780),
    ("HD32", UnitType.VAN, ["CAGE"], "Headingley", 53.8260, -1.5920),
    ("KS41", UnitType.ROADS_POLICING, ["PURSUIT"], "Killingbeck", 53.8030, -1.4850),
    ("MT07", UnitType.MOTORCYCLE, ["PURSUIT"], "Millgarth", 53.7965, -1.5410),
]


def units_demo_seed(stdout=None) -> None:
    """A dozen units around Leeds, each with a demo officer on BX21. Idempotent."""
    existing = set(Unit.objects.values_list("call_sign", flat=True))
    for call_sign, unit_type, capabilities, station, latitude, longitude in DEMO_UNITS:
        if call_sign in existing:
            continue
        unit_create(
            actor=None,
            call_sign=call_sign,
            unit_type=unit_type,
            capabilities=capabilities,
            home_station=station,
            latitude=latitude,
            longitude=longitude,
        )
    officer = get_user_model().objects.filter(username="officer").first()
    unit = Unit.objects.filter(call_sign="BX21").first()
    if officer is not None and unit is not None:
        unit.officers.add(officer)
