"""Where a unit is: the crew's device (or a dispatcher on its behalf) reports a position, which
ranks the unit for "nearest first" (`dispatch.selectors.units_recommended`) and moves it on the
live map."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cad.exceptions import ValidationFailed
from core.audit import audit_record
from core.locks import lock_row
from dispatch import events
from dispatch.models import Unit
from dispatch.services.reported import clock_skew, device_time_window
from dispatch.services.units import _may_move_unit, _position

MAX_ACCURACY_M = 100_000.0


def _accuracy(value) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            "accuracy_m must be a number of metres.", code="invalid_accuracy"
        ) from None
    if not (0 <= value <= MAX_ACCURACY_M):
        raise ValidationFailed(
            f"accuracy_m must be between 0 and {MAX_ACCURACY_M:.0f} metres.",
            code="invalid_accuracy",
        )
    return value


def _recorded(recorded_at: datetime | None, now: datetime) -> datetime:
    if recorded_at is None:
        return now
    if timezone.is_naive(recorded_at):
        raise ValidationFailed(
            "recorded_at needs a UTC offset, e.g. 2026-11-28T14:03:10+00:00.",
            code="position_time_naive",
        )
    if recorded_at > now + clock_skew():
        raise ValidationFailed(
            "recorded_at is in the future: check the device clock.", code="position_time_in_future"
        )
    if recorded_at < now - device_time_window():
        raise ValidationFailed(
            "recorded_at is too old to be where the unit is now.", code="position_time_too_old"
        )
    return min(recorded_at, now)


def unit_position_report(
    *,
    actor,
    unit: Unit,
    latitude,
    longitude,
    accuracy_m=None,
    recorded_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[Unit, bool]:
    """Record where `unit` is: WGS84 `latitude`/`longitude` in degrees, `accuracy_m` (metres,
    optional), `recorded_at` (the device's time with its offset; default: on receipt).

    Only the unit's crew or the control room (`core.roles.UNIT_DIRECTORS`) may report it. A
    report older than the position already held (messages overtaking each other in the network)
    is accepted but changes nothing. Returns (unit, stored). A stored position is audited
    (`unit.position`) and pushed live as a `unit.position` event with the coordinates.

    Raises Forbidden (`not_crew`) and ValidationFailed (`incomplete_position`,
    `invalid_position` for a missing or off-Earth coordinate, `invalid_accuracy`,
    `position_time_naive`, `position_time_in_future` beyond `UNIT_STATUS_CLOCK_SKEW_SECONDS`,
    `position_time_too_old` past `UNIT_STATUS_DEVICE_TIME_WINDOW_MINUTES`)."""
    now = now or timezone.now()
    if latitude is None or longitude is None:
        raise ValidationFailed("Give both latitude and longitude.", code="incomplete_position")
    latitude, longitude = _position(latitude, longitude)
    accuracy_m = _accuracy(accuracy_m)
    at = _recorded(recorded_at, now)
    with transaction.atomic():
        unit = lock_row(Unit, unit.pk)
        _may_move_unit(actor, unit)
        if unit.position_at is not None and at < unit.position_at:
            return unit, False
        unit.latitude, unit.longitude = latitude, longitude
        unit.position_accuracy_m = accuracy_m
        unit.position_at = at
        unit.save(
            update_fields=[
                "latitude",
                "longitude",
                "position_accuracy_m",
                "position_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="unit.position",
            obj=unit,
            at=now,
            summary=f"{unit.call_sign} at {latitude:.5f}, {longitude:.5f}",
            data={
                "latitude": latitude,
                "longitude": longitude,
                "accuracy_m": accuracy_m,
                "recorded_at": at.isoformat(),
            },
        )
        events.publish_unit(
            "position",
            unit,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
            position_at=at.isoformat(),
        )
    return unit, True
