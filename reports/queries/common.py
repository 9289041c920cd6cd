"""What the report queries share: the incidents of a range, the breach condition, percentiles,
paging and unit conversions.

Percentiles are PostgreSQL's `percentile_cont` where the database can compute them; SQLite (the
embedded demo) has no ordered-set aggregates, so there they are computed in Python over the
bounded set of durations, with the same interpolation, and the demo never crashes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from cad.models import Grade, Incident
from reports.filters import ReportFilters

HOURS = list(range(24))


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def report_queries() -> Iterator[None]:
    """Where a report's queries run: one transaction in which PostgreSQL does not
    JIT-compile. A year's report query is costed far above `jit_above_cost`, so PostgreSQL
    compiles its expressions to machine code first: measured on a year of data, 100 to 300 ms
    of compiling per query (the divert list's nested subqueries the most) to save a few ms of
    running. `SET LOCAL` ends with the transaction, so a pooled connection (PgBouncer's
    transaction pooling) is handed back as it came."""
    with transaction.atomic():
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(f) WITHIN GROUP (ORDER BY expr)`; NULLs are ignored."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def seconds_between(later, earlier) -> Func:
    """PostgreSQL: seconds from `earlier` to `later` (NULL if either is NULL)."""
    return Func(
        later,
        earlier,
        template="EXTRACT(EPOCH FROM (%(expressions)s))",
        arg_joiner=" - ",
        output_field=FloatField(),
    )


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks: the same answer as `percentile_cont`."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def weighted_percentile(histogram: dict[float, int], fraction: float) -> float | None:
    """`percentile` over values given as {value: how many}: linear interpolation between the
    closest ranks, like `percentile_cont`."""
    total = sum(histogram.values())
    if not total:
        return None
    position = (total - 1) * fraction
    lower_rank = int(position)
    upper_rank = min(lower_rank + 1, total - 1)
    found, seen = {}, 0
    for value in sorted(histogram):
        count = histogram[value]
        for rank in (lower_rank, upper_rank):
            if seen <= rank < seen + count:
                found[rank] = value
        seen += count
        if upper_rank in found:
            break
    low, high = found[lower_rank], found[upper_rank]
    return low + (high - low) * (position - lower_rank)


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent to one decimal place; None when there is no whole."""
    return round(100.0 * part / whole, 1) if whole else None


def minutes(seconds: float | None) -> float | None:
    """Seconds as minutes to one decimal place (the precision every report shows)."""
    return None if seconds is None else round(seconds / 60.0, 1)


def minutes_between(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return minutes((later - earlier).total_seconds())


def grade_rank(field: str) -> Case:
    """A grade column as its urgency rank (0 = Immediate); NULL for a blank grade."""
    return Case(
        *[When(**{field: grade}, then=Value(rank)) for rank, grade in enumerate(Grade.values)],
        default=Value(None),
        output_field=IntegerField(),
    )


def page(rows, limit: int | None, offset: int) -> list:
    """One page of a queryset or list; `limit=None` is every row from `offset` (the CSV)."""
    if limit is None:
        return list(rows[offset:]) if offset else list(rows)
    return list(rows[offset : offset + limit])


def username(user) -> str:
    return user.get_username() if user is not None else ""


def incident_filter_q(filters: ReportFilters, prefix: str = "") -> Q:
    """The incident filters (area, opening code, DA) on an incident, or through a relation
    when `prefix` is given (`"incident__"`). Grade is left to the caller: which grade counts
    (the current one, the one given, the one asked for) depends on the report."""
    q = Q()
    if filters.area:
        q &= Q(**{f"{prefix}area": filters.area})
    if filters.opening_code:
        q &= Q(**{f"{prefix}opening_code_id": filters.opening_code})
    if filters.domestic_abuse is not None:
        q &= Q(**{f"{prefix}domestic_abuse": filters.domestic_abuse})
    return q


def incidents_in_range(filters: ReportFilters) -> QuerySet[Incident]:
    """Incidents received in the range, narrowed by grade, area, opening code and DA."""
    incidents = Incident.objects.filter(
        received_at__gte=filters.start_at, received_at__lt=filters.end_at
    ).filter(incident_filter_q(filters))
    if filters.grade:
        incidents = incidents.filter(grade=filters.grade)
    return incidents


def response_end(now: datetime) -> Coalesce:
    """When an incident's response clock stopped: first arrival, else closure, else now."""
    return Coalesce("first_arrived_at", "closed_at", Value(now, output_field=DateTimeField()))


def breached_q(now: datetime, prefix: str = "") -> Q:
    """The incident's response clock ran past its target: it arrived late, or was not attended
    by the target (still open after it, or closed after it). Through a relation when `prefix`
    is given (`"from_incident__"`)."""

    def q(**lookups) -> Q:
        return Q(**{prefix + name: value for name, value in lookups.items()})

    target = F(prefix + "target_response_at")
    return q(target_response_at__isnull=False) & (
        q(first_arrived_at__gt=target)
        | q(first_arrived_at__isnull=True, closed_at__isnull=True, target_response_at__lt=now)
        | q(first_arrived_at__isnull=True, closed_at__gt=target)
    )
