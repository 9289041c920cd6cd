"""Units: adding one, its status as the crew reports it (`reported` checks a device time),
sending it to an incident and releasing it. Crews are in `crews`."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, InvalidTransition, ValidationFailed
from cad.models import Incident, IncidentStatus
from cad.services import incident_set_status, incident_system_log
from core.audit import actor_name, audit_record
from core.locks import lock_row
from core.roles import UNIT_DIRECTORS, has_role
from core.validation import clean_choice as _choice
from core.validation import clean_text as _text
from dispatch import events
from dispatch.models import Assignment, AssignmentStatus, Unit, UnitStatus, UnitType
from dispatch.services.crews import officers_locked, one_unit_each
from dispatch.services.reported import Reported, status_reported
from dispatch.services.steps import (
    assign,
    assignment_end,
    divert_unresourced_settle,
    incident_has_unit,
    open_assignment_of,
    unit_move,
)
from monitoring.models import AlertKind
from monitoring.services import alert_raise, incident_subject

CALL_SIGN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
CAPABILITY_PATTERN = re.compile(r"^[A-Z0-9_]{1,30}$")
# The forward order of a commitment: a unit never goes back from AT_SCENE to EN_ROUTE.
PROGRESS = {UnitStatus.ASSIGNED: 0, UnitStatus.EN_ROUTE: 1, UnitStatus.AT_SCENE: 2}


# --- Validation ----------------------------------------------------------------------------------


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


def _may_move_unit(actor, unit: Unit) -> None:
    if has_role(actor, *UNIT_DIRECTORS):
        return
    if actor is not None and unit.officers.filter(pk=actor.pk).exists():
        return
    raise Forbidden(
        f"Only the crew of {unit.call_sign} or the control room may change its status.",
        code="not_crew",
    )


# --- Adding units and crews ----------------------------------------------------------------------


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
    move: bool = False,
    now: datetime | None = None,
) -> Unit:
    """Add a unit. It starts AVAILABLE (a new unit is on duty unless it is stood down), so
    setting it AVAILABLE again is accepted and changes nothing. `officers` (usernames) crew it;
    one already crewing another unit is refused unless `move` (see `unit_crew_set`).

    Raises ValidationFailed on a bad call sign, type, capability or position, and Conflict
    (`call_sign_taken` when the call sign is in use, `officer_on_another_unit`)."""
    now = now or timezone.now()
    call_sign = _call_sign(call_sign)
    _choice(unit_type, UnitType, "unit_type")
    capabilities = _capabilities(capabilities)
    latitude, longitude = _position(latitude, longitude)
    home_station = _text(home_station, "home_station", 120)
    try:
        with transaction.atomic():
            crew = officers_locked(officers)
            one_unit_each(actor=actor, crew=crew, unit_id=None, move=move, now=now)
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


# --- Status as the crew reports it ---------------------------------------------------------------


def unit_set_status(
    *,
    actor,
    unit: Unit,
    status: str,
    incident: Incident | None = None,
    note: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    at: datetime | None = None,
    now: datetime | None = None,
) -> Unit:
    """A unit reports its status (the crew, or the control room on its behalf).

    - AVAILABLE / UNAVAILABLE end any commitment (released before arrival, cleared after it).
    - ASSIGNED / EN_ROUTE / AT_SCENE move the unit's commitment forward; with `incident` given
      and the unit free, the control room commits it to that incident first. A crew never
      commits itself: it moves only on an incident the control room assigned it (a crew that
      self-deploys radios the control room, which assigns it), so a crew cannot open another
      incident's briefing or settle its breach alerts by naming it.
    - The first unit AT_SCENE stops the incident's response clock (`first_arrived_at`).
    - `at`: the crew's device time (aware datetime). The status is dated by it (history row,
      arrival, the response clock and figures); the receipt time `now` is kept beside it and
      dates the log and audit entries. Rules and refusals: `dispatch.services.reported`.
    Repeating the current status changes nothing (a retried request is harmless).

    Raises Forbidden (`not_crew`; `not_assigned` when a crew names an incident the control
    room did not assign it), InvalidTransition, Conflict (`unit_committed` when the
    incident given is not the unit's commitment: that is a divert) and ValidationFailed
    (including the `device_time_*` codes)."""
    now = now or timezone.now()
    _choice(status, UnitStatus, "status")
    note = _text(note, "note", 300)
    latitude, longitude = _position(latitude, longitude)
    with transaction.atomic():
        unit = lock_row(Unit, unit.pk)
        _may_move_unit(actor, unit)
        current = open_assignment_of(unit)
        reported = status_reported(
            at=at,
            now=now,
            unit=unit,
            assignment=current,
            incident=incident if current is None and status in PROGRESS else None,
        )
        if latitude is not None:
            unit.latitude, unit.longitude = latitude, longitude
            unit.position_at = reported.occurred_at
            unit.save(update_fields=["latitude", "longitude", "position_at", "updated_at"])
        if status in (UnitStatus.AVAILABLE, UnitStatus.UNAVAILABLE):
            _stand_down(
                actor=actor, unit=unit, status=status, current=current, note=note, reported=reported
            )
            return unit
        current = _commitment(
            actor=actor, unit=unit, current=current, incident=incident, reported=reported
        )
        _progress(
            actor=actor, unit=unit, current=current, status=status, note=note, reported=reported
        )
    return unit


def _stand_down(
    *, actor, unit: Unit, status: str, current: Assignment | None, note: str, reported: Reported
) -> None:
    """AVAILABLE or UNAVAILABLE: end the commitment there is, then change the status."""
    now = reported.received_at
    if current is not None:
        _release(actor=actor, unit=unit, assignment=current, reason=note, now=now)
    if unit.status == status:
        return
    unit_move(actor=actor, unit=unit, to=status, now=now, reason=note, reported=reported)
    audit_record(
        actor=actor,
        action="unit.status_changed",
        obj=unit,
        at=now,
        summary=f"{unit.call_sign} {status}" + (f": {note}" if note else "") + reported.describe(),
        data={"status": status, "note": note, **_times(reported)},
    )
    events.publish_unit("status", unit)


def _times(reported: Reported) -> dict:
    """The report's times for the audit trail."""
    return {
        "occurred_at": reported.occurred_at.isoformat(),
        "received_at": reported.received_at.isoformat(),
        "device_at": reported.device_at.isoformat() if reported.device_at else None,
    }


def _commitment(
    *, actor, unit: Unit, current: Assignment | None, incident: Incident | None, reported: Reported
) -> Assignment:
    """The commitment a progress report is about: the unit's own, or (the control room naming
    an incident for a free unit) a new one. Naming another incident is a divert: refused."""
    if current is None:
        if incident is None:
            raise ValidationFailed(
                f"{unit.call_sign} is not committed to an incident: say which incident.",
                code="incident_required",
            )
        if not has_role(actor, *UNIT_DIRECTORS):
            raise Forbidden(
                f"The control room has not assigned {unit.call_sign} to that incident. Ask the "
                "dispatcher to assign you; a crew moves only on incidents it was assigned.",
                code="not_assigned",
            )
        target = lock_row(Incident, incident.pk)
        return assign(
            actor=actor,
            unit=unit,
            incident=target,
            now=reported.received_at,
            how="named in a status report",
            reported=reported,
        )
    if incident is not None and current.incident_id != incident.pk:
        raise Conflict(
            f"{unit.call_sign} is committed to {current.incident.reference}: moving it to "
            "another incident is a divert, which the controller reviews.",
            code="unit_committed",
        )
    return current


def _progress(
    *, actor, unit: Unit, current: Assignment, status: str, note: str, reported: Reported
) -> None:
    """Move a commitment forward (never back); the first arrival stops the incident's clock
    at the time the unit arrived (its device time when it sent one)."""
    if PROGRESS[status] < PROGRESS[UnitStatus(unit.status)]:
        raise InvalidTransition(
            f"{unit.call_sign} is already {unit.status}; it cannot go back to {status}.",
            code="invalid_transition",
        )
    if status == unit.status:
        return
    now, occurred = reported.received_at, reported.occurred_at
    target = lock_row(Incident, current.incident_id)
    current.status = status
    fields = ["status"]
    if status == UnitStatus.AT_SCENE:
        current.arrived_at = occurred
        fields.append("arrived_at")
    current.save(update_fields=fields)
    unit_move(
        actor=actor,
        unit=unit,
        to=status,
        now=now,
        incident=target,
        reason=note,
        reported=reported,
    )
    label = UnitStatus(status).label.lower()
    said = f": {note}" if note else ""
    incident_system_log(
        incident=target, now=now, text=f"{unit.call_sign} {label}{said}{reported.describe()}."
    )
    if status == UnitStatus.AT_SCENE:
        if target.status in (IncidentStatus.OPEN, IncidentStatus.RESOURCED):
            incident_set_status(
                actor=actor,
                incident=target,
                status=IncidentStatus.AT_SCENE,
                now=now,
                arrived_at=occurred,
                reason=f"{unit.call_sign} at scene{reported.describe()}",
            )
        divert_unresourced_settle(incident=target, now=now, reason=f"{unit.call_sign} at scene")
    audit_record(
        actor=actor,
        action="unit.status_changed",
        obj=target,
        at=now,
        summary=f"{unit.call_sign} {status}{said}{reported.describe()}",
        data={
            "unit": unit.pk,
            "status": status,
            "assignment": current.pk,
            "note": note,
            **_times(reported),
        },
    )
    events.publish_unit("status", unit, incident=target.pk)


# --- Assignment and release ----------------------------------------------------------------------


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
        unit = lock_row(Unit, unit.pk)
        target = lock_row(Incident, incident.pk)
        return assign(actor=actor, unit=unit, incident=target, now=now)


def _release(*, actor, unit: Unit, assignment: Assignment, reason: str, now: datetime) -> None:
    """End a commitment. After arrival the crew clears itself; before arrival only the control
    room may release a unit, with a reason, and an incident left with no unit raises the same
    DIVERT_UNRESOURCED alert as a divert (a release is never a silent way round the divert
    safeguards)."""
    arrived = assignment.status == AssignmentStatus.AT_SCENE
    if not arrived:
        if not has_role(actor, *UNIT_DIRECTORS):
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
    incident = lock_row(Incident, assignment.incident_id)
    assignment_end(
        actor=actor,
        assignment=assignment,
        status=AssignmentStatus.CLEARED if arrived else AssignmentStatus.RELEASED,
        reason=reason,
        now=now,
        incident=incident,
    )
    verb = "cleared from" if arrived else "released from"
    said = f": {reason}" if reason else ""
    incident_system_log(
        incident=incident,
        now=now,
        text=f"{unit.call_sign} {verb} {incident.reference} by {actor_name(actor)}{said}.",
    )
    audit_record(
        actor=actor,
        action="unit.released",
        obj=incident,
        at=now,
        summary=f"{unit.call_sign} {verb} {incident.reference}{said}",
        data={"unit": unit.pk, "assignment": assignment.pk, "arrived": arrived, "reason": reason},
    )
    if not arrived and incident.is_open and not incident_has_unit(incident):
        alert_raise(
            kind=AlertKind.DIVERT_UNRESOURCED,
            subject=incident_subject(incident),
            threshold_at=now,
            incident=incident,
            message=f"{incident.reference} ({incident.grade}) has no unit: {unit.call_sign} "
            f"released by {actor_name(actor)}: {reason}",
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
        unit = lock_row(Unit, unit.pk)
        _may_move_unit(actor, unit)
        current = open_assignment_of(unit)
        if current is None:
            raise Conflict(
                f"{unit.call_sign} is not committed to an incident.", code="unit_not_committed"
            )
        _release(actor=actor, unit=unit, assignment=current, reason=reason, now=now)
        unit_move(
            actor=actor,
            unit=unit,
            to=UnitStatus.AVAILABLE,
            now=now,
            incident=current.incident,
            reason=reason or "released",
        )
    return unit
