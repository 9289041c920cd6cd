"""Response-time compliance: how many incidents were attended within their target, and how long
the first arrival took (median, 90th percentile), by grade and by hour of the call.

Time to arrival is grouped into 6-second steps (0.1 minute, the precision shown) so that one
grouped query returns every count and a histogram from which all medians and 90th percentiles
are read: one scan of the range instead of a sort per grouping.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import ExtractHour

from cad.models import Grade
from reports.filters import ReportFilters
from reports.formatting import LONDON
from reports.queries.common import (
    HOURS,
    incidents_in_range,
    is_postgres,
    minutes,
    percent,
    weighted_percentile,
)

ARRIVAL_STEP_SECONDS = 6
RESPONSE_STATES = ("NO_TARGET", "WITHIN", "LATE", "CLOSED_UNATTENDED", "PENDING", "MISSED")


@dataclass
class Compliance:
    """One row per grade, one per hour (Europe/London, "HH:00"), and the whole range; each
    row's keys are those of `compliance_row`."""

    by_grade: list[dict]
    by_hour: list[dict]
    total: dict


def response_time_compliance(filters: ReportFilters, *, now: datetime) -> Compliance:
    """Within target: first arrival at or before `target_response_at`. Breached: arrived after
    it, or not attended by the time it passed (still open, or closed after it). Incidents still
    open before their target, and those closed before it without attendance (resolved by
    phone), are left out of the percentage. Median and 90th percentile are of time from the
    call to the first arrival, over attended incidents, read at 6-second precision."""

    def cell():
        return {"states": defaultdict(int), "arrivals": defaultdict(int)}

    by_grade, by_hour, overall = defaultdict(cell), defaultdict(cell), cell()
    for grade, hour, state, step, count in _compliance_cells(filters, now):
        for target in (by_grade[grade], by_hour[hour], overall):
            target["states"][state] += count
            if step is not None:
                target["arrivals"][step] += count
    return Compliance(
        by_grade=[
            {"grade": grade, **compliance_row(by_grade.get(grade))} for grade in Grade.values
        ],
        by_hour=[{"hour": f"{hour:02d}:00", **compliance_row(by_hour.get(hour))} for hour in HOURS],
        total=compliance_row(overall),
    )


def compliance_row(cell: dict | None) -> dict:
    """The counts, percentage and arrival times of one grouping."""
    states = defaultdict(int, (cell or {}).get("states", {}))
    arrivals = (cell or {}).get("arrivals", {})
    within, late, missed = states["WITHIN"], states["LATE"], states["MISSED"]
    return {
        "incidents": sum(states.values()),
        "with_target": sum(states.values()) - states["NO_TARGET"],
        "attended_within_target": within,
        "attended_late": late,
        "not_attended_breached": missed,
        "pending": states["PENDING"],
        "closed_unattended": states["CLOSED_UNATTENDED"],
        "compliance_percent": percent(within, within + late + missed),
        "median_minutes": minutes(weighted_percentile(arrivals, 0.5)),
        "p90_minutes": minutes(weighted_percentile(arrivals, 0.9)),
    }


def _response_state(now: datetime) -> Case:
    """Each incident's place in the compliance count, in one column."""
    target = F("target_response_at")
    unattended = Q(first_arrived_at__isnull=True)
    # Small integers (RESPONSE_STATES) keep the grouped sort narrow.
    return Case(
        When(target_response_at__isnull=True, then=Value(0)),
        When(first_arrived_at__lte=target, then=Value(1)),
        When(first_arrived_at__gt=target, then=Value(2)),
        When(unattended & Q(closed_at__lte=target), then=Value(3)),
        When(unattended & Q(closed_at__isnull=True, target_response_at__gte=now), then=Value(4)),
        default=Value(5),
        output_field=IntegerField(),
    )


def _compliance_cells(filters: ReportFilters, now: datetime):
    """(grade, hour, state, arrival step in seconds or None, how many) for the incidents of
    the range."""
    grouped = incidents_in_range(filters).annotate(state=_response_state(now))
    if is_postgres():
        rows = (
            grouped.annotate(
                hour=_london_hour(filters.start_at, filters.end_at), step=_arrival_step()
            )
            .values_list("grade", "hour", "state", "step")
            .annotate(n=Count("id"))
            .order_by()
        )
        for grade, hour, state, step_number, count in rows:
            step_seconds = None if step_number is None else step_number * ARRIVAL_STEP_SECONDS
            yield grade, hour, RESPONSE_STATES[state], step_seconds, count
        return
    # SQLite (the embedded demo) has no interval arithmetic: steps are taken in Python.
    rows = grouped.annotate(hour=ExtractHour("received_at", tzinfo=LONDON)).values_list(
        "grade", "hour", "state", "received_at", "first_arrived_at"
    )
    for grade, hour, state, received_at, arrived_at in rows.iterator():
        step = None
        if arrived_at is not None:
            seconds = (arrived_at - received_at).total_seconds()
            step = float(seconds // ARRIVAL_STEP_SECONDS * ARRIVAL_STEP_SECONDS)
        yield grade, hour, RESPONSE_STATES[state], step, 1


# PostgreSQL: `date_part` computes in float8, where EXTRACT (numeric since PostgreSQL 14) is
# several times slower over a year of incidents. Both give the same step: an arrival time in
# microseconds is either a multiple of 6 s or far enough from one for float8's rounding never to
# move it across a step. The hour is read from the seconds since the epoch plus Europe/London's
# offset at that moment (a range has one offset, then one more per clock change in it, all known
# here): converting every call's time `AT TIME ZONE 'Europe/London'` cost a third of the query.


def _london_hour(start_at: datetime, end_at: datetime) -> Func:
    """The hour (0-23) in Europe/London of a call received in [start_at, end_at)."""
    (_, offset), *changes = utc_offsets(start_at, end_at)
    offset_seconds = Case(
        *[When(received_at__gte=at, then=Value(seconds)) for at, seconds in reversed(changes)],
        default=Value(offset),
        output_field=IntegerField(),
    )
    epoch = Func(F("received_at"), template="date_part('epoch', %(expressions)s)")
    return Func(
        epoch,
        offset_seconds,
        template="MOD(FLOOR((%(expressions)s) / 3600)::integer, 24)",
        arg_joiner=" + ",
        output_field=IntegerField(),
    )


def utc_offsets(start_at: datetime, end_at: datetime) -> list[tuple[datetime, int]]:
    """Europe/London's offset from UTC in seconds at `start_at`, then at each moment in
    (start_at, end_at) when it changes: [(from, seconds), ...]."""

    def offset_at(moment: datetime) -> int:
        return int(moment.astimezone(LONDON).utcoffset().total_seconds())

    # In UTC: arithmetic on times in a zone is wall-clock arithmetic, blind to the change.
    start_at, end_at = start_at.astimezone(UTC), end_at.astimezone(UTC)
    found = [(start_at, offset_at(start_at))]
    day = timedelta(days=1)
    moment = start_at
    while moment < end_at:
        later = min(moment + day, end_at)
        if offset_at(later) != found[-1][1]:
            # The change fell in (moment, later]: narrow it to the second.
            low, high = moment, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle -= timedelta(microseconds=middle.microsecond)
                if offset_at(middle) == found[-1][1]:
                    low = middle
                else:
                    high = middle
            if high < end_at:
                found.append((high, offset_at(high)))
        moment = later
    return found


def _arrival_step() -> Func:
    """Time from the call to the first arrival in whole ARRIVAL_STEP_SECONDS (rounded down);
    NULL when nobody arrived."""
    return Func(
        F("first_arrived_at"),
        F("received_at"),
        template=f"FLOOR(date_part('epoch', %(expressions)s) / {ARRIVAL_STEP_SECONDS})::integer",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )
