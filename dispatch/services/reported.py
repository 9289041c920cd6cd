"""When a unit's status happened: the crew's device time, checked against what is known.

A mobile data terminal out of signal sends AT_SCENE minutes after the crew pressed it. Stamping
it on receipt would move the arrival (and the response figures, the clock, the breach) by
however long the network took, so a status may carry the device's own time (`at`). Both are
kept: the status history row has the device time, the receipt time and the time used; the
arrival, the stopping of the response clock and the response figures use the device time.

The device time is refused (ValidationFailed, 400) when it cannot be true:
- without a UTC offset (`device_time_naive`): a wall-clock time is ambiguous;
- ahead of the server by more than the allowed clock skew (`device_time_in_future`); within
  the skew it is taken as the receipt time (a fast device clock);
- older than the configured window (`device_time_too_old`): past that a late message is a
  correction for the control room to make, not a status;
- before the unit's assignment (`device_time_before_assignment`); for a unit with no
  assignment, before its last status change (`device_time_before_last_status`) and, when it
  commits itself to an incident, before the call was received (`device_time_before_incident`).

Settings: `UNIT_STATUS_DEVICE_TIME_WINDOW_MINUTES` (default 60) and
`UNIT_STATUS_CLOCK_SKEW_SECONDS` (default 30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from cad.exceptions import ValidationFailed


def device_time_window() -> timedelta:
    """How old a device time may be when it arrives."""
    return timedelta(minutes=getattr(settings, "UNIT_STATUS_DEVICE_TIME_WINDOW_MINUTES", 60))


def clock_skew() -> timedelta:
    """How far ahead of the server a device clock may run."""
    return timedelta(seconds=getattr(settings, "UNIT_STATUS_CLOCK_SKEW_SECONDS", 30))


@dataclass(frozen=True)
class Reported:
    """A status report's times: `received_at` (the server's clock when it arrived) and
    `device_at` (the crew's device time as sent, None without one)."""

    received_at: datetime
    device_at: datetime | None = None

    @property
    def occurred_at(self) -> datetime:
        """The time the status is taken to have happened: the device time, never later than
        its receipt (a fast device clock within the skew counts as receipt)."""
        if self.device_at is None:
            return self.received_at
        return min(self.device_at, self.received_at)

    @property
    def late_by(self) -> timedelta:
        return self.received_at - self.occurred_at

    def describe(self) -> str:
        """' (device time 14:03:10, received 9 min later)' for a late report, else ''."""
        minutes = int(self.late_by.total_seconds() // 60)
        if self.device_at is None or minutes < 1:
            return ""
        device = timezone.localtime(self.occurred_at).strftime("%H:%M:%S")
        return f" (device time {device}, received {minutes} min later)"


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%d/%m %H:%M:%S")


def status_reported(
    *, at: datetime | None, now: datetime, unit, assignment=None, incident=None
) -> Reported:
    """Check a device time `at` for a status of the locked `unit` and return the report's
    times. `assignment` is the unit's open assignment; `incident` the one a free unit is
    committing itself to. Without `at` the report happened on receipt (`now`).

    Raises ValidationFailed with the codes listed in the module docstring."""
    if at is None:
        return Reported(received_at=now)
    if timezone.is_naive(at):
        raise ValidationFailed(
            "The device time (at) needs a UTC offset, e.g. 2026-11-28T14:03:10+00:00.",
            code="device_time_naive",
        )
    if at > now + clock_skew():
        raise ValidationFailed(
            f"The device time {_local(at)} is in the future (server time {_local(now)}): check "
            "the device clock.",
            code="device_time_in_future",
        )
    window = device_time_window()
    if at < now - window:
        raise ValidationFailed(
            f"The device time {_local(at)} is more than {int(window.total_seconds() // 60)} "
            "minutes old: ask the control room to record what happened.",
            code="device_time_too_old",
        )
    if assignment is not None:
        # Only the assignment bounds it: a status the dispatcher recorded by radio after the
        # device time does not make the device's arrival untrue.
        bounds = [(assignment.assigned_at, "its assignment", "before_assignment")]
    else:
        bounds = [(unit.status_changed_at, "its last status change", "before_last_status")]
    if incident is not None:
        bounds.append((incident.received_at, "the call was received", "before_incident"))
    for bound, what, code in sorted(bounds, key=lambda b: b[0]):
        if at < bound:
            raise ValidationFailed(
                f"The device time {_local(at)} is before {what} ({_local(bound)}) for "
                f"{unit.call_sign}.",
                code=f"device_time_{code}",
            )
    return Reported(received_at=now, device_at=at)
