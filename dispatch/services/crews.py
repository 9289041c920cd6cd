"""Crews: the officers on a unit. An officer crews one unit at a time.

Locking: a crew change takes its officers' user rows first (id order), then the units (id
order), so two desks putting one officer on two units serialise and the second sees the first's
crew. No other service locks a user row, so this order cannot deadlock with the unit-then-
incident order of the rest of dispatch.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cad.exceptions import Conflict, ValidationFailed
from cad.services import incident_system_log
from core.audit import actor_name, audit_record
from core.locks import lock_rows_in_order
from core.roles import Role
from dispatch import events
from dispatch.models import Unit
from dispatch.services.steps import open_assignment_of


def officers_locked(usernames) -> list:
    """The active users named, locked in id order until the transaction ends: a crew change
    takes its officers' rows before any unit's, so two desks crewing one officer onto two
    units serialise and the second sees the first's crew."""
    usernames = [str(u).strip() for u in usernames or () if str(u).strip()]
    users = get_user_model().objects.filter(username__in=usernames, is_active=True)
    users = list(lock_rows_in_order(users, users.values_list("pk", flat=True)).values())
    missing = sorted(set(usernames) - {u.get_username() for u in users})
    if missing:
        raise ValidationFailed(
            f"Unknown or inactive user(s): {', '.join(missing)}.", code="unknown_officer"
        )
    # A crew member reads the briefing of the unit's incident, intelligence included: only
    # officers crew units, so putting a desk on a crew cannot widen what it reads.
    not_officers = sorted(
        u.get_username() for u in users if not u.groups.filter(name=Role.OFFICER).exists()
    )
    if not_officers:
        raise ValidationFailed(
            f"Only officers crew units; not an officer: {', '.join(not_officers)}.",
            code="not_an_officer",
        )
    return users


def _crewing_elsewhere(crew, unit_id: int | None) -> dict:
    """{officer: [the other units they crew]} for the officers of `crew` already on a unit."""
    elsewhere: dict = {}
    others = (
        Unit.officers.through.objects.filter(user__in=crew)
        .exclude(unit_id=unit_id)
        .select_related("unit")
        .order_by("unit__call_sign")
    )
    by_id = {officer.pk: officer for officer in crew}
    for row in others:
        elsewhere.setdefault(by_id[row.user_id], []).append(row.unit)
    return elsewhere


def one_unit_each(*, actor, crew, unit_id: int | None, move: bool, now: datetime) -> None:
    """An officer crews one unit at a time. Officers already on another unit are refused
    (Conflict `officer_on_another_unit`, naming the unit) unless `move` says to take them off
    it; a move is written to the other unit's audit trail and, when that unit is committed,
    to its incident's log."""
    elsewhere = _crewing_elsewhere(crew, unit_id)
    if not elsewhere:
        return
    if not move:
        named = "; ".join(
            f"{officer.get_username()} already crews {', '.join(u.call_sign for u in units)}"
            for officer, units in elsewhere.items()
        )
        raise Conflict(
            f"An officer crews one unit at a time: {named}. Move them explicitly (move) to "
            "take them off it.",
            code="officer_on_another_unit",
            fields={o.get_username(): [u.call_sign for u in us] for o, us in elsewhere.items()},
        )
    others = {u.pk for units in elsewhere.values() for u in units}
    for other in lock_rows_in_order(Unit, others).values():
        leaving = [o for o, units in elsewhere.items() if other.pk in {u.pk for u in units}]
        _officers_move_off(actor=actor, unit=other, officers=leaving, now=now)


def _officers_move_off(*, actor, unit: Unit, officers: list, now: datetime) -> None:
    """Take `officers` off a locked unit they are moving away from, and say so."""
    unit.officers.remove(*officers)
    names = ", ".join(o.get_username() for o in officers)
    left = ", ".join(unit.officers.values_list("username", flat=True).order_by("username"))
    audit_record(
        actor=actor,
        action="unit.crew_moved_off",
        obj=unit,
        at=now,
        summary=f"{names} moved off {unit.call_sign} to another unit; crew now: {left or 'none'}",
        data={"officers": [o.get_username() for o in officers], "crew_left": left},
    )
    current = open_assignment_of(unit)
    if current is not None:
        incident_system_log(
            incident=current.incident,
            now=now,
            text=f"{names} moved off {unit.call_sign} to another unit by {actor_name(actor)}; "
            f"{unit.call_sign} crew now: {left or 'nobody'}.",
        )
    events.publish_unit("crew", unit)


def unit_crew_set(
    *, actor, unit: Unit, officers, move: bool = False, now: datetime | None = None
) -> Unit:
    """Set the officers crewing a unit (they may update its status and are told of overrides).

    An officer crews one unit at a time: naming one who is on another unit is refused unless
    `move` is true, which takes them off that unit (audited there, and logged on its incident
    when it is committed to one). Locks the officers' rows, then the units in id order.

    Raises ValidationFailed (`unknown_officer`, `not_an_officer`), Conflict
    (`officer_on_another_unit`, naming the unit), NotFound."""
    now = now or timezone.now()
    with transaction.atomic():
        crew = officers_locked(officers)
        elsewhere = _crewing_elsewhere(crew, unit.pk) if move else {}
        # The units in id order: the one crewed and those its officers leave.
        others = {u.pk for units in elsewhere.values() for u in units}
        unit = lock_rows_in_order(Unit, others | {unit.pk})[unit.pk]
        one_unit_each(actor=actor, crew=crew, unit_id=unit.pk, move=move, now=now)
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
