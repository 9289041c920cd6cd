"""Staffing gaps: the time each role of a shift had fewer staff signed on than its minimum, and
the STAFFING_GAP alerts raised and acknowledged for it."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from monitoring.models import Alert, AlertKind
from reports.filters import ReportFilters
from reports.queries.common import minutes, username
from staffing.models import Shift
from staffing.services import gap_subject


@dataclass
class StaffingGaps:
    """`shifts`: shifts started in the range; `checked`: shift roles with a minimum; `rows`: one
    per shift role with a gap; `gap_seconds_by_role`: {role: seconds below minimum}."""

    shifts: int
    checked: int
    rows: list[dict]
    gap_seconds_by_role: dict[str, float]


def staffing_gaps(filters: ReportFilters, *, now: datetime) -> StaffingGaps:
    """For every shift starting in the range (up to now), each required role's time below its
    minimum (up to the shift's end or now), narrowed by `role`."""
    shifts = list(
        Shift.objects.filter(starts_at__gte=filters.start_at, starts_at__lt=filters.end_at)
        .filter(starts_at__lt=now)
        .prefetch_related("requirements", "sign_ons")
        .order_by("starts_at", "id")
    )
    alerts = _gap_alerts(shifts)
    rows, checked, gap_by_role = [], 0, defaultdict(float)
    for shift in shifts:
        for requirement in shift.requirements.all():
            if requirement.minimum <= 0 or (filters.role and requirement.role != filters.role):
                continue
            checked += 1
            gap_seconds, row = _gap_row(shift, requirement, now, alerts)
            if gap_seconds > 0:
                gap_by_role[requirement.role] += gap_seconds
                rows.append(row)
    return StaffingGaps(len(shifts), checked, rows, dict(gap_by_role))


def _gap_alerts(shifts: list[Shift]) -> dict[str, list[Alert]]:
    """{alert subject: STAFFING_GAP alerts, oldest first} for every role of the shifts."""
    subjects = [
        gap_subject(shift.pk, requirement.role)
        for shift in shifts
        for requirement in shift.requirements.all()
    ]
    alerts = defaultdict(list)
    for alert in (
        Alert.objects.filter(kind=AlertKind.STAFFING_GAP, subject__in=subjects)
        .select_related("acknowledged_by")
        .order_by("raised_at", "id")
    ):
        alerts[alert.subject].append(alert)
    return alerts


def _gap_row(shift: Shift, requirement, now: datetime, alerts: dict) -> tuple[float, dict]:
    """(seconds below the minimum, the row that shows it)."""
    end = min(shift.ends_at, now)
    intervals = [
        (sign_on.signed_on_at, sign_on.signed_off_at or end)
        for sign_on in shift.sign_ons.all()
        if sign_on.role == requirement.role
    ]
    gap_seconds, lowest, highest = _gap(intervals, shift.starts_at, end, requirement.minimum)
    raised = alerts.get(gap_subject(shift.pk, requirement.role), [])
    acknowledged = next((a for a in raised if a.acknowledged_at), None)
    return gap_seconds, {
        "shift_id": shift.pk,
        "shift": shift.name,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "role": requirement.role,
        "minimum": requirement.minimum,
        "lowest_on": lowest,
        "most_on": highest,
        "gap_minutes": minutes(gap_seconds),
        "alerts_raised": len(raised),
        "acknowledged_by": username(acknowledged.acknowledged_by) if acknowledged else "",
        "acknowledged_at": acknowledged.acknowledged_at if acknowledged else None,
    }


def _gap(intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime, minimum: int):
    """Seconds in [start, end) with fewer than `minimum` staff on, and the lowest/highest
    number on at any moment."""
    events = []
    for on, off in intervals:
        on, off = max(on, start), min(off, end)
        if off > on:
            events += [(on, 1), (off, -1)]
    events.sort()
    on_now, at, gap, lowest, highest = 0, start, 0.0, None, 0
    for moment, change in [*events, (end, 0)]:
        if moment > at:
            lowest = on_now if lowest is None else min(lowest, on_now)
            if on_now < minimum:
                gap += (moment - at).total_seconds()
            at = moment
        on_now += change
        highest = max(highest, on_now)
    return gap, (lowest if lowest is not None else 0), highest
