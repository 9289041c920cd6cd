"""Every number in the reports comes from here. Reports only read: nothing in this module writes.

Each report is one function `report_<name>(filters, *, now, limit=None, offset=0)` returning a
`ReportResult`. Aggregates are computed in the database, one query per aggregate where possible
(PostgreSQL `percentile_cont` for medians and 90th percentiles). On SQLite (the embedded demo),
which has no ordered-set aggregates, percentiles are computed in Python over the bounded set of
durations, so the demo never crashes. Row-list tables are paged (`limit`, `offset`); `limit=None`
returns every row (the CSV export).
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from cad.exceptions import NotFound
from cad.models import Channel, Contact, Grade, GradeChange, GradeRequest, Incident
from core.audit import audit_trail
from core.models import AuditEvent
from dispatch.models import Assignment, Divert, DivertStatus
from monitoring.models import Alert, AlertKind
from reports.filters import LONDON, ReportFilters
from reports.models import DivertFinding, DivertUrgentFlag, FindingOutcome
from reports.results import ChartData, Column, ReportResult, Series, SummaryItem, Table
from riskflags.models import ContactOutcome, ContactPurpose, Marker, MarkerStatus
from staffing.models import Shift

# A high-risk divert (DA or Immediate) whose incident waited longer than this for another unit
# is suggested for urgent review.
URGENT_RESOURCE_MINUTES = 15
DIVERT_OUTCOME_LABELS = {
    "OVERRIDDEN": "Overridden: unit sent back",
    "RE_RESOURCED": "Re-resourced",
    "NEVER_RE_RESOURCED": "Never re-resourced",
}
START_CONTACT_HOURS = 72
REPEAT_CONTACT_DAYS = 30
REPEAT_CONTACT_MINIMUM = 3
HOURS = list(range(24))


# --- Helpers -------------------------------------------------------------------------------------


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


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


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 1)


def _minutes_between(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return _minutes((later - earlier).total_seconds())


def _grade_rank(field: str) -> Case:
    return Case(
        *[When(**{field: grade}, then=Value(rank)) for rank, grade in enumerate(Grade.values)],
        default=Value(None),
        output_field=IntegerField(),
    )


def _page(queryset_or_list, limit: int | None, offset: int):
    if limit is None:
        return list(queryset_or_list[offset:]) if offset else list(queryset_or_list)
    return list(queryset_or_list[offset : offset + limit])


def _username(user) -> str:
    return user.get_username() if user is not None else ""


def incidents_in_range(filters: ReportFilters) -> QuerySet[Incident]:
    """Incidents received in the range, narrowed by grade, area, opening code and DA."""
    incidents = Incident.objects.filter(
        received_at__gte=filters.start_at, received_at__lt=filters.end_at
    )
    if filters.grade:
        incidents = incidents.filter(grade=filters.grade)
    if filters.area:
        incidents = incidents.filter(area=filters.area)
    if filters.opening_code:
        incidents = incidents.filter(opening_code_id=filters.opening_code)
    if filters.domestic_abuse is not None:
        incidents = incidents.filter(domestic_abuse=filters.domestic_abuse)
    return incidents


def _incident_filter_q(filters: ReportFilters, prefix: str) -> Q:
    """The incident filters (area, opening code, DA) applied through a relation."""
    q = Q()
    if filters.area:
        q &= Q(**{f"{prefix}area": filters.area})
    if filters.opening_code:
        q &= Q(**{f"{prefix}opening_code_id": filters.opening_code})
    if filters.domestic_abuse is not None:
        q &= Q(**{f"{prefix}domestic_abuse": filters.domestic_abuse})
    return q


def _response_end(now: datetime) -> Coalesce:
    """When the response clock stopped: first arrival, else closure, else now."""
    return Coalesce("first_arrived_at", "closed_at", Value(now, output_field=DateTimeField()))


# --- Response-time compliance -------------------------------------------------------------------


# Time to arrival is grouped into 6-second steps (0.1 minute, the precision shown) so that one
# grouped query returns every count and a histogram from which all medians and 90th percentiles
# are read: one scan of the range instead of a sort per grouping.
ARRIVAL_STEP_SECONDS = 6


RESPONSE_STATES = ("NO_TARGET", "WITHIN", "LATE", "CLOSED_UNATTENDED", "PENDING", "MISSED")


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


def _compliance_cells(incidents: QuerySet, now: datetime):
    """(grade, hour, state, arrival step in seconds or None, how many) for the incidents."""
    grouped = incidents.annotate(
        hour=ExtractHour("received_at", tzinfo=LONDON), state=_response_state(now)
    )
    if is_postgres():
        # float8 and integer arithmetic: EXTRACT gives numeric, which is slow to sort.
        step = Func(
            F("first_arrived_at"),
            F("received_at"),
            template="(FLOOR(EXTRACT(EPOCH FROM (%(expressions)s))::float8 / "
            f"{ARRIVAL_STEP_SECONDS}))::integer",
            arg_joiner=" - ",
            output_field=IntegerField(),
        )
        rows = (
            grouped.annotate(step=step)
            .values_list("grade", "hour", "state", "step")
            .annotate(n=Count("id"))
            .order_by()
        )
        for grade, hour, state, step_number, count in rows:
            step_seconds = None if step_number is None else step_number * ARRIVAL_STEP_SECONDS
            yield grade, hour, RESPONSE_STATES[state], step_seconds, count
        return
    # SQLite (the embedded demo) has no interval arithmetic: steps are taken in Python.
    rows = grouped.values_list("grade", "hour", "state", "received_at", "first_arrived_at")
    for grade, hour, state, received_at, arrived_at in rows.iterator():
        step = None
        if arrived_at is not None:
            seconds = (arrived_at - received_at).total_seconds()
            step = float(seconds // ARRIVAL_STEP_SECONDS * ARRIVAL_STEP_SECONDS)
        yield grade, hour, RESPONSE_STATES[state], step, 1


def _compliance_row(cell: dict | None) -> dict:
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
        "compliance_percent": _pct(within, within + late + missed),
        "median_minutes": _minutes(weighted_percentile(arrivals, 0.5)),
        "p90_minutes": _minutes(weighted_percentile(arrivals, 0.9)),
    }


COMPLIANCE_COLUMNS = [
    Column("incidents", "Incidents", "int"),
    Column("with_target", "With a target", "int"),
    Column("attended_within_target", "Attended within target", "int"),
    Column("attended_late", "Attended late", "int"),
    Column("not_attended_breached", "Not attended, target passed", "int"),
    Column("pending", "Open, target not yet reached", "int"),
    Column("closed_unattended", "Closed before target without attendance", "int"),
    Column("compliance_percent", "Within target %", "percent"),
    Column("median_minutes", "Median to arrival (min)", "minutes"),
    Column("p90_minutes", "90th percentile to arrival (min)", "minutes"),
]


def report_response_times(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Response-time compliance by grade and by hour of day (Europe/London).

    Within target: first arrival at or before `target_response_at`. Breached: arrived after
    it, or not attended by the time it passed (still open, or closed after it). Incidents still
    open before their target, and those closed before it without attendance (resolved by
    phone), are left out of the percentage. Median and 90th percentile are of time from the
    call to the first arrival, over attended incidents, read at 6-second precision.
    """

    def cell():
        return {"states": defaultdict(int), "arrivals": defaultdict(int)}

    by_grade, by_hour, overall = defaultdict(cell), defaultdict(cell), cell()
    for grade, hour, state, step, count in _compliance_cells(incidents_in_range(filters), now):
        for target in (by_grade[grade], by_hour[hour], overall):
            target["states"][state] += count
            if step is not None:
                target["arrivals"][step] += count

    grade_rows = [
        {"grade": grade, **_compliance_row(by_grade.get(grade))} for grade in Grade.values
    ]
    hour_rows = [{"hour": f"{hour:02d}:00", **_compliance_row(by_hour.get(hour))} for hour in HOURS]
    total = _compliance_row(overall)
    return ReportResult(
        name="response-times",
        title="Response-time compliance",
        filters=filters,
        summary=[
            SummaryItem("incidents", "Incidents", total["incidents"]),
            SummaryItem(
                "compliance_percent",
                "Attended within target",
                total["compliance_percent"],
                "%",
                tone="bad"
                if total["compliance_percent"] is not None and total["compliance_percent"] < 90
                else "",
            ),
            SummaryItem("attended_within_target", "Within target", total["attended_within_target"]),
            SummaryItem(
                "breached",
                "Breached (late or not attended)",
                total["attended_late"] + total["not_attended_breached"],
                tone="bad" if total["attended_late"] + total["not_attended_breached"] else "",
            ),
            SummaryItem("median_minutes", "Median to arrival", total["median_minutes"], "min"),
            SummaryItem("p90_minutes", "90th percentile to arrival", total["p90_minutes"], "min"),
        ],
        charts=[
            ChartData(
                "by_grade",
                "Attended within target, by grade",
                [Grade(g).label for g in Grade.values],
                [Series("Within target %", [r["compliance_percent"] for r in grade_rows], "ok")],
                unit="%",
                max_value=100,
            ),
            ChartData(
                "by_hour",
                "Attended within target, by hour of the call",
                [r["hour"][:2] for r in hour_rows],
                [Series("Within target %", [r["compliance_percent"] for r in hour_rows], "s0")],
                unit="%",
                max_value=100,
            ),
        ],
        tables=[
            Table(
                "by_grade",
                "By grade",
                [Column("grade", "Grade", "grade"), *COMPLIANCE_COLUMNS],
                grade_rows,
                len(grade_rows),
            ),
            Table(
                "by_hour",
                "By hour of the call (Europe/London)",
                [Column("hour", "Hour"), *COMPLIANCE_COLUMNS],
                hour_rows,
                len(hour_rows),
            ),
        ],
        notes=[
            "Within target %: attended at or before the target, out of incidents whose target "
            "has passed or that were attended. Open incidents not yet at their target, and those "
            "closed before it without attendance, are not counted.",
        ],
    )


# --- Breaches ------------------------------------------------------------------------------------

LATENESS_BUCKETS = [(0, 15), (15, 30), (30, 60), (60, 120), (120, None)]


def _divert_before() -> Exists:
    """A divert away from the incident at or before its target time."""
    return Exists(
        Divert.objects.filter(
            from_incident=OuterRef("pk"), requested_at__lte=OuterRef("target_response_at")
        )
    )


def breached_incidents(
    filters: ReportFilters, *, now: datetime, annotate: bool = True
) -> QuerySet[Incident]:
    """Incidents received in the range whose response clock ran past the target: arrived late,
    or not attended by the target (still open, or closed after it). `annotate` adds what a row
    shows: the clock's end, the divert before it, and the BREACHED alert's acknowledgement."""
    target = F("target_response_at")
    incidents = (
        incidents_in_range(filters)
        .filter(target_response_at__isnull=False)
        .filter(
            Q(first_arrived_at__gt=target)
            | Q(first_arrived_at__isnull=True, closed_at__isnull=True, target_response_at__lt=now)
            | Q(first_arrived_at__isnull=True, closed_at__gt=target)
        )
    )
    if not annotate:
        return incidents
    breached_alert = Alert.objects.filter(
        incident=OuterRef("pk"), kind=AlertKind.BREACHED
    ).order_by("-threshold_at", "-id")
    return incidents.annotate(
        response_end_at=_response_end(now),
        divert_before=_divert_before(),
        alert_acknowledged_at=Subquery(breached_alert.values("acknowledged_at")[:1]),
        alert_acknowledged_by=Subquery(breached_alert.values("acknowledged_by__username")[:1]),
        alert_raised_at=Subquery(breached_alert.values("raised_at")[:1]),
        escalated=Exists(Alert.objects.filter(incident=OuterRef("pk"), kind=AlertKind.ESCALATED)),
    )


def _bucket_label(low: int, high: int | None) -> str:
    return f"{low}+ min" if high is None else f"{low}-{high} min"


def report_breaches(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Every breached incident: how late, whether a divert preceded the breach, who
    acknowledged the BREACHED alert and when."""
    breached = breached_incidents(filters, now=now)
    target = F("target_response_at")
    end = _response_end(now)
    breached_alerts = Alert.objects.filter(incident=OuterRef("pk"), kind=AlertKind.BREACHED)
    # Conditions are spelled out here rather than referring to the row annotations: an
    # aggregate over subquery annotations would make Django wrap the query in a subquery.
    aggregates = {
        "breached": Count("id"),
        "divert_before": Count("id", filter=Q(_divert_before())),
        "acknowledged": Count(
            "id", filter=Q(Exists(breached_alerts.filter(acknowledged_at__isnull=False)))
        ),
        "domestic_abuse": Count("id", filter=Q(domestic_abuse=True)),
        "not_attended": Count("id", filter=Q(first_arrived_at__isnull=True)),
    }
    for low, high in LATENESS_BUCKETS:
        condition = GreaterThan(end, target + timedelta(minutes=low))
        if high is not None:
            condition = Q(condition) & Q(LessThanOrEqual(end, target + timedelta(minutes=high)))
        aggregates[f"bucket_{low}"] = Count("id", filter=Q(condition))
    if is_postgres():
        lateness = seconds_between(end, F("target_response_at"))
        aggregates["median_late_seconds"] = PercentileCont(lateness, 0.5)
        aggregates["max_late_seconds"] = Max(lateness)
    base = breached_incidents(filters, now=now, annotate=False)
    totals = base.aggregate(**aggregates)
    if not is_postgres():
        late = [
            (stopped - due).total_seconds()
            for stopped, due in breached.values_list("response_end_at", "target_response_at")
        ]
        totals["median_late_seconds"] = percentile(late, 0.5)
        totals["max_late_seconds"] = max(late) if late else None

    rows = []
    page = breached.select_related("opening_code").order_by("-received_at", "-id")
    for incident in _page(page, limit, offset):
        if incident.first_arrived_at:
            state = "Arrived late"
        elif incident.closed_at:
            state = "Closed without attendance after the target"
        else:
            state = "Not attended: still open"
        rows.append(
            {
                "incident_id": incident.pk,
                "reference": incident.reference,
                "grade": incident.grade,
                "area": incident.area,
                "domestic_abuse": incident.domestic_abuse,
                "opening_code": incident.opening_code_id or "",
                "received_at": incident.received_at,
                "target_response_at": incident.target_response_at,
                "first_arrived_at": incident.first_arrived_at,
                "minutes_late": _minutes_between(
                    incident.response_end_at, incident.target_response_at
                ),
                "state": state,
                "divert_before": incident.divert_before,
                "alert_raised_at": incident.alert_raised_at,
                "acknowledged_by": incident.alert_acknowledged_by or "",
                "acknowledged_at": incident.alert_acknowledged_at,
                "escalated": incident.escalated,
            }
        )
    count = totals["breached"]
    return ReportResult(
        name="breaches",
        title="Breaches",
        filters=filters,
        summary=[
            SummaryItem("breached", "Breached incidents", count, tone="bad" if count else ""),
            SummaryItem("domestic_abuse", "of which DA", totals["domestic_abuse"]),
            SummaryItem("not_attended", "Never attended", totals["not_attended"]),
            SummaryItem("divert_before", "Divert before the breach", totals["divert_before"]),
            SummaryItem(
                "unacknowledged",
                "Alert not acknowledged",
                count - totals["acknowledged"],
                tone="warn" if count - totals["acknowledged"] else "",
            ),
            SummaryItem(
                "median_minutes_late",
                "Median lateness",
                _minutes(totals["median_late_seconds"]),
                "min",
            ),
            SummaryItem(
                "max_minutes_late", "Worst lateness", _minutes(totals["max_late_seconds"]), "min"
            ),
        ],
        charts=[
            ChartData(
                "lateness",
                "Breaches by how late",
                [_bucket_label(low, high) for low, high in LATENESS_BUCKETS],
                [
                    Series(
                        "Breaches", [totals[f"bucket_{low}"] for low, _ in LATENESS_BUCKETS], "bad"
                    )
                ],
            )
        ],
        tables=[
            Table(
                "breaches",
                "Breached incidents",
                [
                    Column("reference", "Incident", "incident"),
                    Column("grade", "Grade", "grade"),
                    Column("domestic_abuse", "DA", "bool"),
                    Column("area", "Area"),
                    Column("received_at", "Received", "datetime"),
                    Column("target_response_at", "Target", "datetime"),
                    Column("first_arrived_at", "First arrival", "datetime"),
                    Column("minutes_late", "Minutes late", "minutes"),
                    Column("state", "State"),
                    Column("divert_before", "Divert before breach", "bool"),
                    Column("acknowledged_by", "Alert acknowledged by"),
                    Column("acknowledged_at", "Acknowledged at", "datetime"),
                    Column("escalated", "Escalated", "bool"),
                ],
                rows,
                count,
                offset,
                paged=True,
            )
        ],
        notes=[
            "Lateness runs from the target to the first arrival; for an incident never attended, "
            "to its closure or, while it is still open, to now.",
            "Acknowledgement is that of the incident's latest BREACHED alert.",
        ],
    )


# --- Downgrades ----------------------------------------------------------------------------------


def _below(field: str, floor: str) -> GreaterThan:
    """`field`'s grade is less urgent than `floor`'s (false when `floor` is blank)."""
    return GreaterThan(_grade_rank(field), _grade_rank(floor))


def downgrade_changes(filters: ReportFilters) -> QuerySet[GradeChange]:
    """Gradings in the range below the recommended or the minimum grade."""
    changes = (
        GradeChange.objects.filter(at__gte=filters.start_at, at__lt=filters.end_at)
        .filter(_incident_filter_q(filters, "incident__"))
        .filter(Q(_below("to_grade", "minimum_grade")) | Q(_below("to_grade", "recommended_grade")))
    )
    if filters.grade:
        changes = changes.filter(to_grade=filters.grade)
    return changes


def downgrade_requests_not_applied(filters: ReportFilters) -> QuerySet[GradeRequest]:
    """Downgrades asked of a supervisor in the range that were not applied (pending, refused,
    withdrawn): an approved one appears as its GradeChange."""
    requests = GradeRequest.objects.filter(
        requested_at__gte=filters.start_at, requested_at__lt=filters.end_at
    ).exclude(status=GradeRequest.Status.APPROVED)
    requests = requests.filter(_incident_filter_q(filters, "incident__"))
    if filters.grade:
        requests = requests.filter(requested_grade=filters.grade)
    return requests


def _change_row(change: GradeChange) -> dict:
    incident = change.incident
    if change.approved_by_id:
        decision = f"Signed off by {_username(change.approved_by)}"
    else:
        decision = "No sign-off required"
    return {
        "at": change.at,
        "incident_id": incident.pk,
        "reference": incident.reference,
        "domestic_abuse": incident.domestic_abuse,
        "from_grade": change.from_grade,
        "to_grade": change.to_grade,
        "recommended_grade": change.recommended_grade,
        "minimum_grade": change.minimum_grade,
        "below": "Minimum"
        if Grade.is_below(change.to_grade, change.minimum_grade)
        else "Recommended",
        "applied": True,
        "reason": change.reason,
        "by": _username(change.by),
        "supervisor_decision": decision,
        "decided_at": change.at if change.approved_by_id else None,
    }


def _request_row(request: GradeRequest) -> dict:
    incident = request.incident
    below_minimum = Grade.is_below(request.requested_grade, incident.minimum_grade)
    label = GradeRequest.Status(request.status).label
    if request.status == GradeRequest.Status.PENDING:
        decision = "Pending: awaiting a supervisor"
    elif request.decided_by_id:
        decision = f"{label} by {_username(request.decided_by)}"
    else:
        decision = label
    if request.decision_note:
        decision += f": {request.decision_note}"
    return {
        "at": request.requested_at,
        "incident_id": incident.pk,
        "reference": incident.reference,
        "domestic_abuse": incident.domestic_abuse,
        "from_grade": request.from_grade,
        "to_grade": request.requested_grade,
        "recommended_grade": incident.recommended_grade,
        "minimum_grade": incident.minimum_grade,
        "below": "Minimum" if below_minimum else "Recommended",
        "applied": False,
        "reason": request.reason,
        "by": _username(request.requested_by),
        "supervisor_decision": decision,
        "decided_at": request.decided_at,
    }


def da_below_immediate(filters: ReportFilters) -> QuerySet[Incident]:
    """DA incidents received in the range whose current grade is below Immediate."""
    latest = GradeChange.objects.filter(incident=OuterRef("pk")).order_by("-at", "-id")
    return (
        incidents_in_range(filters)
        .filter(domestic_abuse=True)
        .exclude(grade=Grade.IMMEDIATE)
        .annotate(
            grade_reason=Subquery(latest.values("reason")[:1]),
            signed_off_by=Subquery(latest.values("approved_by__username")[:1]),
        )
        .select_related("graded_by")
        .order_by("-received_at", "-id")
    )


def report_downgrades(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Every grading below the recommended or minimum grade, with reason, who and the
    supervisor's decision (including sign-off requests refused or still pending); and DA calls
    graded below Immediate."""
    changes = downgrade_changes(filters)
    requests = downgrade_requests_not_applied(filters)
    change_counts = changes.aggregate(
        total=Count("id"),
        below_minimum=Count("id", filter=Q(_below("to_grade", "minimum_grade"))),
        signed_off=Count("id", filter=Q(approved_by__isnull=False)),
        da=Count("id", filter=Q(incident__domestic_abuse=True)),
    )
    request_counts = requests.aggregate(
        total=Count("id"),
        refused=Count("id", filter=Q(status=GradeRequest.Status.REFUSED)),
        pending=Count("id", filter=Q(status=GradeRequest.Status.PENDING)),
    )
    by_grade = {
        row["to_grade"]: row
        for row in changes.values("to_grade")
        .annotate(
            n=Count("id"), below_minimum=Count("id", filter=Q(_below("to_grade", "minimum_grade")))
        )
        .order_by()
    }

    # The two sources merged newest first; each is fetched only as far as the page needs.
    depth = None if limit is None else offset + limit
    change_page = changes.select_related("incident", "by", "approved_by").order_by("-at", "-id")
    request_page = requests.select_related("incident", "requested_by", "decided_by").order_by(
        "-requested_at", "-id"
    )
    merged = [_change_row(c) for c in _page(change_page, depth, 0)] + [
        _request_row(r) for r in _page(request_page, depth, 0)
    ]
    merged.sort(key=lambda row: row["at"], reverse=True)
    rows = merged[offset:] if limit is None else merged[offset : offset + limit]

    da = da_below_immediate(filters)
    da_total = da.count()
    da_rows = [
        {
            "incident_id": incident.pk,
            "reference": incident.reference,
            "received_at": incident.received_at,
            "grade": incident.grade,
            "recommended_grade": incident.recommended_grade,
            "minimum_grade": incident.minimum_grade,
            "graded_by": _username(incident.graded_by),
            "graded_at": incident.graded_at,
            "reason": incident.grade_reason or "",
            "signed_off_by": incident.signed_off_by or "",
        }
        for incident in _page(da, limit, offset)
    ]
    total_rows = change_counts["total"] + request_counts["total"]
    return ReportResult(
        name="downgrades",
        title="Downgrades",
        filters=filters,
        summary=[
            SummaryItem(
                "downgrades", "Graded below recommended or minimum", change_counts["total"]
            ),
            SummaryItem(
                "below_minimum",
                "Below the minimum grade",
                change_counts["below_minimum"],
                tone="warn" if change_counts["below_minimum"] else "",
            ),
            SummaryItem("signed_off", "Signed off by a supervisor", change_counts["signed_off"]),
            SummaryItem("refused", "Sign-off refused", request_counts["refused"]),
            SummaryItem("pending", "Sign-off pending", request_counts["pending"]),
            SummaryItem(
                "da_below_immediate",
                "DA calls graded below Immediate",
                da_total,
                tone="bad" if da_total else "",
            ),
        ],
        charts=[
            ChartData(
                "by_grade",
                "Downgrades by grade given",
                [Grade(g).label for g in Grade.values],
                [
                    Series(
                        "Below minimum",
                        [by_grade.get(g, {}).get("below_minimum", 0) for g in Grade.values],
                        "bad",
                    ),
                    Series(
                        "Below recommended only",
                        [
                            by_grade.get(g, {}).get("n", 0)
                            - by_grade.get(g, {}).get("below_minimum", 0)
                            for g in Grade.values
                        ],
                        "warn",
                    ),
                ],
                stacked=True,
            )
        ],
        tables=[
            Table(
                "downgrades",
                "Gradings below the recommended or minimum grade",
                [
                    Column("at", "When", "datetime"),
                    Column("reference", "Incident", "incident"),
                    Column("domestic_abuse", "DA", "bool"),
                    Column("from_grade", "From", "grade"),
                    Column("to_grade", "To", "grade"),
                    Column("recommended_grade", "Recommended", "grade"),
                    Column("minimum_grade", "Minimum", "grade"),
                    Column("below", "Below"),
                    Column("applied", "Applied", "bool"),
                    Column("reason", "Reason"),
                    Column("by", "Who"),
                    Column("supervisor_decision", "Supervisor's decision"),
                ],
                rows,
                total_rows,
                offset,
                paged=True,
            ),
            Table(
                "da_below_immediate",
                "DA calls graded below Immediate",
                [
                    Column("reference", "Incident", "incident"),
                    Column("received_at", "Received", "datetime"),
                    Column("grade", "Grade", "grade"),
                    Column("recommended_grade", "Recommended", "grade"),
                    Column("minimum_grade", "Minimum", "grade"),
                    Column("graded_by", "Graded by"),
                    Column("graded_at", "Graded at", "datetime"),
                    Column("reason", "Reason"),
                    Column("signed_off_by", "Signed off by"),
                ],
                da_rows,
                da_total,
                offset,
                paged=True,
            ),
        ],
        notes=[
            "A downgrade that needed a supervisor and was refused, withdrawn or is still "
            "pending was never applied; it is listed with Applied = no.",
        ],
    )


# --- Contact demand and repeat contacts ---------------------------------------------------------


def contacts_in(filters: ReportFilters, start_at: datetime, end_at: datetime) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(received_at__gte=start_at, received_at__lt=end_at)
    if filters.channel:
        contacts = contacts.filter(channel=filters.channel)
    if filters.grade:
        contacts = contacts.filter(incident__grade=filters.grade)
    return contacts.filter(_incident_filter_q(filters, "incident__"))


def _repeat_windows(times: list[datetime], start_at: datetime) -> int:
    """The most contacts in any 30-day window that ends at a contact inside the range."""
    best, first = 0, 0
    window = timedelta(days=REPEAT_CONTACT_DAYS)
    for last, at in enumerate(times):
        while times[first] <= at - window:
            first += 1
        if at >= start_at:
            best = max(best, last - first + 1)
    return best


def repeat_contacts(filters: ReportFilters) -> list[dict]:
    """Numbers and addresses with 3+ contacts within 30 days (a window ending in the range).

    One grouped query finds the candidates (3+ contacts in the range plus the 30 days before);
    only their contacts are then read, to slide the 30-day window in Python."""
    lookback_start = filters.start_at - timedelta(days=REPEAT_CONTACT_DAYS)
    contacts = contacts_in(filters, lookback_start, filters.end_at)
    found = []
    for kind, field in (("NUMBER", "caller_phone"), ("ADDRESS", "address_normalised")):
        # The keys first, as a list: joining the grouped subquery makes PostgreSQL build its
        # hash once per parallel worker.
        candidates = list(
            contacts.exclude(**{field: ""})
            .values(field)
            .annotate(n=Count("id"))
            .filter(n__gte=REPEAT_CONTACT_MINIMUM)
            .values_list(field, flat=True)
            .order_by()
        )
        if not candidates:
            continue
        grouped = defaultdict(list)
        rows = (
            contacts.filter(**{f"{field}__in": candidates})
            .order_by(field, "received_at", "id")
            .values_list(field, "received_at", "channel", "incident_id", "incident__domestic_abuse")
        )
        for key, received_at, channel, incident_id, domestic_abuse in rows.iterator():
            grouped[key].append((received_at, channel, incident_id, domestic_abuse))
        for key, items in grouped.items():
            times = [item[0] for item in items]
            most = _repeat_windows(times, filters.start_at)
            if most < REPEAT_CONTACT_MINIMUM:
                continue
            in_range = [item for item in items if item[0] >= filters.start_at]
            found.append(
                {
                    "kind": kind,
                    "key": key,
                    "contacts_in_range": len(in_range),
                    "most_in_30_days": most,
                    "first_at": in_range[0][0] if in_range else None,
                    "last_at": in_range[-1][0] if in_range else None,
                    "channels": ", ".join(sorted({item[1] for item in in_range})),
                    "incidents": len({item[2] for item in in_range if item[2]}),
                    "domestic_abuse": any(item[3] for item in in_range),
                }
            )
    found.sort(key=lambda r: (-r["most_in_30_days"], -r["contacts_in_range"], r["kind"], r["key"]))
    return found


def report_contacts(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Contact demand by channel and hour of day (Europe/London), and repeat contacts: the same
    number or address 3 or more times within 30 days."""
    contacts = contacts_in(filters, filters.start_at, filters.end_at)
    cells, channel_totals = defaultdict(int), defaultdict(lambda: defaultdict(int))
    for row in (
        contacts.annotate(hour=ExtractHour("received_at", tzinfo=LONDON))
        .values("hour", "channel")
        .annotate(n=Count("id"), with_incident=Count("incident_id"))
        .order_by()
    ):
        cells[(row["hour"], row["channel"])] = row["n"]
        channel_totals[row["channel"]]["n"] += row["n"]
        channel_totals[row["channel"]]["with_incident"] += row["with_incident"]
    channels = [filters.channel] if filters.channel else Channel.values
    hour_rows = []
    for hour in HOURS:
        row = {"hour": f"{hour:02d}:00"}
        for channel in channels:
            row[channel] = cells[(hour, channel)]
        row["total"] = sum(row[channel] for channel in channels)
        hour_rows.append(row)
    total = sum(row["n"] for row in channel_totals.values())
    channel_rows = [
        {
            "channel": channel,
            "contacts": channel_totals.get(channel, {}).get("n", 0),
            "with_incident": channel_totals.get(channel, {}).get("with_incident", 0),
            "share_percent": _pct(channel_totals.get(channel, {}).get("n", 0), total),
        }
        for channel in channels
    ]
    repeats = repeat_contacts(filters)
    repeat_page = repeats[offset:] if limit is None else repeats[offset : offset + limit]
    peak = max(hour_rows, key=lambda r: r["total"]) if total else None
    return ReportResult(
        name="contacts",
        title="Contact demand and repeat contacts",
        filters=filters,
        summary=[
            SummaryItem("contacts", "Contacts", total),
            SummaryItem(
                "per_day", "Per day (average)", round(total / filters.days, 1) if total else 0
            ),
            SummaryItem("peak_hour", "Busiest hour", peak["hour"] if peak else None),
            SummaryItem(
                "repeat_numbers",
                "Repeat numbers (3+ in 30 days)",
                sum(1 for r in repeats if r["kind"] == "NUMBER"),
                tone="warn" if any(r["kind"] == "NUMBER" for r in repeats) else "",
            ),
            SummaryItem(
                "repeat_addresses",
                "Repeat addresses (3+ in 30 days)",
                sum(1 for r in repeats if r["kind"] == "ADDRESS"),
                tone="warn" if any(r["kind"] == "ADDRESS" for r in repeats) else "",
            ),
        ],
        charts=[
            ChartData(
                "by_hour",
                "Contacts by hour and channel",
                [r["hour"][:2] for r in hour_rows],
                [
                    Series(Channel(channel).label, [r[channel] for r in hour_rows], f"s{i}")
                    for i, channel in enumerate(channels)
                ],
                stacked=True,
            )
        ],
        tables=[
            Table(
                "by_hour",
                "Contacts by hour (Europe/London) and channel",
                [
                    Column("hour", "Hour"),
                    *[Column(channel, Channel(channel).label, "int") for channel in channels],
                    Column("total", "Total", "int"),
                ],
                hour_rows,
                len(hour_rows),
            ),
            Table(
                "by_channel",
                "By channel",
                [
                    Column("channel", "Channel"),
                    Column("contacts", "Contacts", "int"),
                    Column("with_incident", "Raised an incident", "int"),
                    Column("share_percent", "Share %", "percent"),
                ],
                channel_rows,
                len(channel_rows),
            ),
            Table(
                "repeats",
                "Repeat contacts: same number or address, 3+ within 30 days",
                [
                    Column("kind", "By"),
                    Column("key", "Number or address"),
                    Column("contacts_in_range", "Contacts in range", "int"),
                    Column("most_in_30_days", "Most in 30 days", "int"),
                    Column("first_at", "First", "datetime"),
                    Column("last_at", "Last", "datetime"),
                    Column("channels", "Channels"),
                    Column("incidents", "Incidents", "int"),
                    Column("domestic_abuse", "Any DA", "bool"),
                ],
                repeat_page,
                len(repeats),
                offset,
                paged=True,
            ),
        ],
        notes=[
            "A repeat is counted when 3 or more contacts from one number or one normalised "
            "address fall within 30 days, the last of them inside the range (earlier contacts "
            "up to 30 days before the range count towards the window).",
        ],
    )


# --- Marker compliance ---------------------------------------------------------------------------

MARKER_ISSUES = {
    "NO_START_CONTACT": "No START contact within 72 hours",
    "WITHDRAWN": "Withdrawn",
    "EXTENDED": "Extended",
    "EXPIRED_WITHOUT_REVIEW": "Expired without a review contact",
}


def _first(contacts, purpose: str, *, until: datetime | None = None):
    found = [
        c for c in contacts if c.purpose == purpose and (until is None or c.contacted_at <= until)
    ]
    return min(found, key=lambda c: c.contacted_at) if found else None


def _latest(contacts, purpose: str, *, until: datetime | None = None):
    found = [
        c for c in contacts if c.purpose == purpose and (until is None or c.contacted_at <= until)
    ]
    return max(found, key=lambda c: c.contacted_at) if found else None


def _contact_text(contact) -> str:
    if contact is None:
        return "none recorded"
    when = contact.contacted_at.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")
    return f"{ContactOutcome(contact.outcome).label} by {contact.method.lower()} on {when}"


def _marker_row(marker: Marker, issue: str, at: datetime, detail: str, *, victim_told) -> dict:
    return {
        "issue": issue,
        "issue_label": MARKER_ISSUES[issue],
        "marker_id": marker.pk,
        "address": marker.address,
        "victim_name": marker.victim_name,
        "oic": _username(marker.oic),
        "grade_floor": marker.grade_floor,
        "status": marker.status,
        "starts_at": marker.starts_at,
        "expires_at": marker.expires_at,
        "event_at": at,
        "victim_told": victim_told,
        "detail": detail,
    }


def report_markers(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Marker compliance: markers started in the range without a START contact recorded within
    72 hours; markers withdrawn or extended in the range (with the contact behind each); markers
    that expired in the range without a REVIEW contact."""
    start, end = filters.start_at, filters.end_at
    markers = Marker.objects.select_related("oic").prefetch_related("contacts")
    if filters.grade:
        markers = markers.filter(grade_floor=filters.grade)
    extensions = list(
        AuditEvent.objects.filter(
            object_type=Marker._meta.label_lower,
            action="marker.extended",
            at__gte=start,
            at__lt=end,
        ).values_list("object_id", "at", "data")
    )
    extended_ids = {int(object_id) for object_id, _, _ in extensions}
    relevant = markers.filter(
        Q(starts_at__gte=start, starts_at__lt=end)
        | Q(withdrawn_at__gte=start, withdrawn_at__lt=end)
        | Q(expires_at__gte=start, expires_at__lt=end, expires_at__lte=now)
        | Q(pk__in=extended_ids)
    )
    by_id = {marker.pk: marker for marker in relevant}
    rows, counts = [], defaultdict(int)
    window = timedelta(hours=START_CONTACT_HOURS)
    for marker in by_id.values():
        contacts = list(marker.contacts.all())
        if start <= marker.starts_at < end:
            counts["started"] += 1
            first_start = _first(contacts, ContactPurpose.START)
            in_time = _first(contacts, ContactPurpose.START, until=marker.starts_at + window)
            if in_time is not None:
                counts["start_in_time"] += 1
            elif marker.starts_at + window > now:
                counts["start_pending"] += 1
            else:
                late = (
                    f"first START contact {_contact_text(first_start)}, "
                    f"{round((first_start.contacted_at - marker.starts_at).total_seconds() / 3600)} "
                    "hours after the start"
                    if first_start
                    else "no START contact recorded"
                )
                rows.append(
                    _marker_row(
                        marker,
                        "NO_START_CONTACT",
                        marker.starts_at + window,
                        late,
                        victim_told=bool(
                            first_start and first_start.outcome == ContactOutcome.CONTACTED
                        ),
                    )
                )
        if marker.withdrawn_at and start <= marker.withdrawn_at < end:
            contact = _latest(contacts, ContactPurpose.WITHDRAWAL, until=marker.withdrawn_at)
            counts["withdrawn"] += 1
            told = bool(contact and contact.outcome == ContactOutcome.CONTACTED)
            counts["withdrawn_told"] += told
            rows.append(
                _marker_row(
                    marker,
                    "WITHDRAWN",
                    marker.withdrawn_at,
                    f"{marker.withdrawal_reason} (withdrawal contact: {_contact_text(contact)})",
                    victim_told=told,
                )
            )
        expired = marker.status != MarkerStatus.WITHDRAWN and marker.expires_at <= now
        if expired and start <= marker.expires_at < end:
            counts["expired"] += 1
            review = _latest(contacts, ContactPurpose.REVIEW, until=marker.expires_at)
            if review is None:
                rows.append(
                    _marker_row(
                        marker,
                        "EXPIRED_WITHOUT_REVIEW",
                        marker.expires_at,
                        "no REVIEW contact recorded before expiry",
                        victim_told=False,
                    )
                )
    for object_id, at, data in extensions:
        marker = by_id.get(int(object_id))
        if marker is None:  # filtered out by grade
            continue
        counts["extended"] += 1
        contact = _latest(list(marker.contacts.all()), ContactPurpose.EXTENSION, until=at)
        told = bool(contact and contact.outcome == ContactOutcome.CONTACTED)
        new_expiry = (data or {}).get("to", "")
        reason = (data or {}).get("reason", "")
        rows.append(
            _marker_row(
                marker,
                "EXTENDED",
                at,
                f"{reason} (to {str(new_expiry)[:16].replace('T', ' ')}; extension contact: "
                f"{_contact_text(contact)})",
                victim_told=told,
            )
        )
    rows.sort(key=lambda r: (list(MARKER_ISSUES).index(r["issue"]), r["event_at"]), reverse=False)
    issue_counts = defaultdict(int)
    for row in rows:
        issue_counts[row["issue"]] += 1
    page = rows[offset:] if limit is None else rows[offset : offset + limit]
    no_start = issue_counts["NO_START_CONTACT"]
    no_review = issue_counts["EXPIRED_WITHOUT_REVIEW"]
    return ReportResult(
        name="markers",
        title="Marker compliance",
        filters=filters,
        summary=[
            SummaryItem("started", "Markers started", counts["started"]),
            SummaryItem(
                "start_in_time_percent",
                "START contact within 72 h",
                _pct(counts["start_in_time"], counts["started"] - counts["start_pending"]),
                "%",
            ),
            SummaryItem(
                "no_start_contact",
                "No START contact within 72 h",
                no_start,
                tone="bad" if no_start else "",
            ),
            SummaryItem("withdrawn", "Withdrawn", counts["withdrawn"]),
            SummaryItem(
                "withdrawn_not_told",
                "Withdrawn, victim not reached",
                counts["withdrawn"] - counts["withdrawn_told"],
                tone="bad" if counts["withdrawn"] - counts["withdrawn_told"] else "",
            ),
            SummaryItem("extended", "Extended", counts["extended"]),
            SummaryItem("expired", "Expired", counts["expired"]),
            SummaryItem(
                "expired_without_review",
                "Expired without a review contact",
                no_review,
                tone="bad" if no_review else "",
            ),
        ],
        charts=[
            ChartData(
                "issues",
                "Marker events needing attention",
                list(MARKER_ISSUES.values()),
                [Series("Markers", [issue_counts[key] for key in MARKER_ISSUES], "warn")],
            )
        ],
        tables=[
            Table(
                "markers",
                "Markers",
                [
                    Column("issue_label", "What"),
                    Column("marker_id", "Marker", "marker"),
                    Column("address", "Address"),
                    Column("victim_name", "Victim"),
                    Column("oic", "OIC"),
                    Column("grade_floor", "Floor", "grade"),
                    Column("status", "Status"),
                    Column("starts_at", "Started", "datetime"),
                    Column("expires_at", "Expires", "datetime"),
                    Column("event_at", "When", "datetime"),
                    Column("victim_told", "Victim reached", "bool"),
                    Column("detail", "Detail"),
                ],
                page,
                len(rows),
                offset,
                paged=True,
            )
        ],
        notes=[
            "START: any recorded START contact attempt within 72 hours of the start counts; "
            "'Victim reached' says whether she was actually contacted.",
            "Markers started less than 72 hours ago without a START contact are not yet "
            "counted as missed.",
        ],
    )


# --- Staffing gaps -------------------------------------------------------------------------------


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


def report_staffing(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """Staffing gaps by shift and role: for every shift starting in the range (up to now), the
    time each required role had fewer staff signed on than its minimum, and the STAFFING_GAP
    alerts raised and acknowledged for it."""
    shifts = (
        Shift.objects.filter(starts_at__gte=filters.start_at, starts_at__lt=filters.end_at)
        .filter(starts_at__lt=now)
        .prefetch_related("requirements", "sign_ons")
        .order_by("starts_at", "id")
    )
    shifts = list(shifts)
    subjects = {
        f"shift:{shift.pk}:{requirement.role}": (shift, requirement)
        for shift in shifts
        for requirement in shift.requirements.all()
    }
    alerts = defaultdict(list)
    for alert in (
        Alert.objects.filter(kind=AlertKind.STAFFING_GAP, subject__in=list(subjects))
        .select_related("acknowledged_by")
        .order_by("raised_at", "id")
    ):
        alerts[alert.subject].append(alert)

    rows, checked, gap_by_role = [], 0, defaultdict(float)
    for shift in shifts:
        end = min(shift.ends_at, now)
        for requirement in shift.requirements.all():
            if requirement.minimum <= 0 or (filters.role and requirement.role != filters.role):
                continue
            checked += 1
            intervals = [
                (sign_on.signed_on_at, sign_on.signed_off_at or end)
                for sign_on in shift.sign_ons.all()
                if sign_on.role == requirement.role
            ]
            gap_seconds, lowest, highest = _gap(
                intervals, shift.starts_at, end, requirement.minimum
            )
            if gap_seconds <= 0:
                continue
            gap_by_role[requirement.role] += gap_seconds
            raised = alerts.get(f"shift:{shift.pk}:{requirement.role}", [])
            acknowledged = next((a for a in raised if a.acknowledged_at), None)
            rows.append(
                {
                    "shift_id": shift.pk,
                    "shift": shift.name,
                    "starts_at": shift.starts_at,
                    "ends_at": shift.ends_at,
                    "role": requirement.role,
                    "minimum": requirement.minimum,
                    "lowest_on": lowest,
                    "most_on": highest,
                    "gap_minutes": _minutes(gap_seconds),
                    "alerts_raised": len(raised),
                    "acknowledged_by": _username(acknowledged.acknowledged_by)
                    if acknowledged
                    else "",
                    "acknowledged_at": acknowledged.acknowledged_at if acknowledged else None,
                }
            )
    page = rows[offset:] if limit is None else rows[offset : offset + limit]
    roles = sorted(gap_by_role)
    total_gap = sum(gap_by_role.values())
    unalerted = sum(1 for row in rows if not row["alerts_raised"])
    return ReportResult(
        name="staffing",
        title="Staffing gaps",
        filters=filters,
        summary=[
            SummaryItem("shifts", "Shifts", len(shifts)),
            SummaryItem("requirements_checked", "Shift roles checked", checked),
            SummaryItem("gaps", "Shift roles with a gap", len(rows), tone="warn" if rows else ""),
            SummaryItem("gap_hours", "Hours below minimum", round(total_gap / 3600, 1)),
            SummaryItem(
                "gaps_without_alert",
                "Gaps with no alert raised",
                unalerted,
                tone="bad" if unalerted else "",
            ),
        ],
        charts=[
            ChartData(
                "by_role",
                "Hours below minimum, by role",
                roles,
                [Series("Hours", [round(gap_by_role[r] / 3600, 1) for r in roles], "warn")],
            )
        ],
        tables=[
            Table(
                "gaps",
                "Staffing gaps by shift and role",
                [
                    Column("shift", "Shift"),
                    Column("starts_at", "Starts", "datetime"),
                    Column("ends_at", "Ends", "datetime"),
                    Column("role", "Role"),
                    Column("minimum", "Minimum", "int"),
                    Column("lowest_on", "Fewest on", "int"),
                    Column("most_on", "Most on", "int"),
                    Column("gap_minutes", "Minutes below minimum", "minutes"),
                    Column("alerts_raised", "Gap alerts", "int"),
                    Column("acknowledged_by", "Acknowledged by"),
                    Column("acknowledged_at", "Acknowledged at", "datetime"),
                ],
                page,
                len(rows),
                offset,
                paged=True,
            )
        ],
        notes=[
            "A gap is any time during the shift (up to now) when fewer staff were signed on in a "
            "role than the shift requires. Gap alerts are matched by subject "
            "'shift:<id>:<role>'.",
        ],
    )


# --- QA review of diverts ------------------------------------------------------------------------


def diverts_annotated(now: datetime) -> QuerySet[Divert]:
    """Every divert with its outcome for the original incident, the latest QA finding and the
    urgent-review flag (set by a reviewer, else suggested by the rule below)."""
    latest_finding = DivertFinding.objects.filter(divert=OuterRef("pk")).order_by(
        "-recorded_at", "-id"
    )
    latest_flag = DivertUrgentFlag.objects.filter(divert=OuterRef("pk")).order_by("-set_at", "-id")
    other_unit_on = Assignment.objects.filter(
        incident=OuterRef("from_incident"), assigned_at__lt=OuterRef("requested_at")
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("requested_at")))
    next_assignment = Assignment.objects.filter(
        incident=OuterRef("from_incident"), assigned_at__gte=OuterRef("requested_at")
    ).order_by("assigned_at", "id")
    incident_target = F("from_incident__target_response_at")
    breached = Q(from_incident__target_response_at__isnull=False) & (
        Q(from_incident__first_arrived_at__gt=incident_target)
        | Q(
            from_incident__first_arrived_at__isnull=True,
            from_incident__closed_at__isnull=True,
            from_incident__target_response_at__lt=now,
        )
        | Q(
            from_incident__first_arrived_at__isnull=True,
            from_incident__closed_at__gt=incident_target,
        )
    )
    diverts = Divert.objects.annotate(
        other_unit_on=Exists(other_unit_on.exclude(pk=OuterRef("from_assignment"))),
        next_assignment_at=Subquery(next_assignment.values("assigned_at")[:1]),
        finding=Subquery(latest_finding.values("outcome")[:1]),
        finding_notes=Subquery(latest_finding.values("notes")[:1]),
        finding_by=Subquery(latest_finding.values("recorded_by__username")[:1]),
        finding_at=Subquery(latest_finding.values("recorded_at")[:1]),
        urgent_flag=Subquery(latest_flag.values("urgent")[:1], output_field=BooleanField()),
        urgent_flag_reason=Subquery(latest_flag.values("reason")[:1]),
        incident_breached=Case(
            When(breached, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
    )
    overridden = Q(status=DivertStatus.OVERRIDDEN)
    never = ~overridden & Q(other_unit_on=False, next_assignment_at__isnull=True)
    slow = Q(
        other_unit_on=False,
        next_assignment_at__gt=F("requested_at") + timedelta(minutes=URGENT_RESOURCE_MINUTES),
    )
    high_risk = Q(from_domestic_abuse=True) | Q(from_grade="IMMEDIATE")
    return diverts.annotate(
        outcome=Case(
            When(overridden, then=Value("OVERRIDDEN")),
            When(never, then=Value("NEVER_RE_RESOURCED")),
            default=Value("RE_RESOURCED"),
        ),
        urgent_suggested=Case(
            When(high_risk & (never | slow | Q(incident_breached=True)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).annotate(
        urgent=Coalesce("urgent_flag", "urgent_suggested", output_field=BooleanField()),
    )


def divert_list(filters: ReportFilters, *, now: datetime) -> QuerySet[Divert]:
    """The DIVERT tag list for QA: diverts requested in the range, filtered by the original
    incident's grade (at the divert), DA, area, opening code, outcome, reviewed and urgent;
    urgent unreviewed first, then newest first."""
    diverts = diverts_annotated(now).filter(
        requested_at__gte=filters.start_at, requested_at__lt=filters.end_at
    )
    if filters.grade:
        diverts = diverts.filter(from_grade=filters.grade)
    if filters.domestic_abuse is not None:
        diverts = diverts.filter(from_domestic_abuse=filters.domestic_abuse)
    if filters.area:
        diverts = diverts.filter(from_incident__area=filters.area)
    if filters.opening_code:
        diverts = diverts.filter(from_incident__opening_code_id=filters.opening_code)
    if filters.outcome:
        diverts = diverts.filter(outcome=filters.outcome)
    if filters.urgent is not None:
        diverts = diverts.filter(urgent=filters.urgent)
    return diverts


def _divert_row(divert: Divert) -> dict:
    if divert.other_unit_on:
        re_resourced_at = divert.requested_at
    else:
        re_resourced_at = divert.next_assignment_at
    reasons = []
    if divert.urgent_flag is not None:
        reasons.append(f"set by QA: {divert.urgent_flag_reason}")
    elif divert.urgent_suggested:
        why = []
        if divert.outcome == "NEVER_RE_RESOURCED":
            why.append("never re-resourced")
        elif (
            re_resourced_at
            and (re_resourced_at - divert.requested_at).total_seconds()
            > URGENT_RESOURCE_MINUTES * 60
        ):
            why.append(f"re-resourced after more than {URGENT_RESOURCE_MINUTES} min")
        if divert.incident_breached:
            why.append("response target breached")
        risk = "DA" if divert.from_domestic_abuse else Grade(divert.from_grade).label
        reasons.append(f"{risk} call " + " and ".join(why))
    return {
        "divert_id": divert.pk,
        "incident_id": divert.from_incident_id,
        "reference": divert.from_incident.reference,
        "grade": divert.from_grade,
        "domestic_abuse": divert.from_domestic_abuse,
        "area": divert.from_incident.area,
        "unit": divert.unit.call_sign,
        "to_reference": divert.to_incident.reference,
        "to_grade": divert.to_grade,
        "requested_at": divert.requested_at,
        "requested_by": _username(divert.requested_by),
        "reason": divert.reason,
        "controller_decision": DivertStatus(divert.status).label,
        "reviewed_by": _username(divert.reviewed_by),
        "outcome": divert.outcome,
        "outcome_label": DIVERT_OUTCOME_LABELS[divert.outcome],
        "minutes_to_resource": _minutes_between(re_resourced_at, divert.requested_at),
        "incident_breached": divert.incident_breached,
        "urgent": bool(divert.urgent),
        "urgent_reason": "; ".join(reasons),
        "finding": divert.finding or "",
        "finding_label": FindingOutcome(divert.finding).label if divert.finding else "",
        "finding_notes": divert.finding_notes or "",
        "finding_by": divert.finding_by or "",
        "finding_at": divert.finding_at,
    }


def report_diverts(
    filters: ReportFilters, *, now: datetime, limit: int | None = None, offset: int = 0
) -> ReportResult:
    """The DIVERT tag list with outcomes, QA findings, reviewed/unreviewed counts and the
    urgent-review flag. `reviewed` narrows the rows; the counts always show both."""
    diverts = divert_list(filters, now=now)
    # One narrow read of every divert in the range (thousands a year at most), counted here:
    # aggregating over the subquery annotations would make Django nest the query.
    counts = defaultdict(int)
    for outcome, urgent, finding in diverts.values_list("outcome", "urgent", "finding"):
        counts["total"] += 1
        counts["reviewed"] += finding is not None
        counts["urgent_unreviewed"] += bool(urgent) and finding is None
        counts[outcome] += 1
        counts[finding] += finding is not None
    counts["overridden"] = counts["OVERRIDDEN"]
    counts["re_resourced"] = counts["RE_RESOURCED"]
    counts["never"] = counts["NEVER_RE_RESOURCED"]
    counts["appropriate"] = counts[FindingOutcome.APPROPRIATE]
    counts["not_appropriate"] = counts[FindingOutcome.NOT_APPROPRIATE]
    counts["learning"] = counts[FindingOutcome.LEARNING_IDENTIFIED]
    rows_qs = diverts
    if filters.reviewed is not None:
        rows_qs = rows_qs.filter(finding__isnull=not filters.reviewed)
    rows_total = rows_qs.count() if filters.reviewed is not None else counts["total"]
    rows_qs = rows_qs.select_related(
        "unit", "from_incident", "to_incident", "requested_by", "reviewed_by"
    ).order_by(
        Case(When(Q(urgent=True, finding__isnull=True), then=Value(0)), default=Value(1)),
        "-requested_at",
        "-id",
    )
    rows = [_divert_row(divert) for divert in _page(rows_qs, limit, offset)]
    unreviewed = counts["total"] - counts["reviewed"]
    return ReportResult(
        name="diverts",
        title="Divert tag list",
        filters=filters,
        summary=[
            SummaryItem("diverts", "Diverts", counts["total"]),
            SummaryItem("reviewed", "Reviewed", counts["reviewed"]),
            SummaryItem("unreviewed", "Unreviewed", unreviewed, tone="warn" if unreviewed else ""),
            SummaryItem(
                "urgent_unreviewed",
                "Urgent, unreviewed",
                counts["urgent_unreviewed"],
                tone="bad" if counts["urgent_unreviewed"] else "",
            ),
            SummaryItem("overridden", "Overridden", counts["overridden"]),
            SummaryItem("re_resourced", "Re-resourced", counts["re_resourced"]),
            SummaryItem(
                "never_re_resourced",
                "Never re-resourced",
                counts["never"],
                tone="bad" if counts["never"] else "",
            ),
            SummaryItem("not_appropriate", "Found not appropriate", counts["not_appropriate"]),
            SummaryItem("learning", "Learning identified", counts["learning"]),
        ],
        charts=[
            ChartData(
                "outcomes",
                "Diverts by outcome and review",
                ["Overridden", "Re-resourced", "Never re-resourced"],
                [
                    Series(
                        "Diverts",
                        [counts["overridden"], counts["re_resourced"], counts["never"]],
                        "s0",
                    )
                ],
            )
        ],
        tables=[
            Table(
                "diverts",
                "Diverts",
                [
                    Column("reference", "Incident", "divert"),
                    Column("grade", "Grade", "grade"),
                    Column("domestic_abuse", "DA", "bool"),
                    Column("unit", "Unit"),
                    Column("to_reference", "Diverted to"),
                    Column("to_grade", "To grade", "grade"),
                    Column("requested_at", "When", "datetime"),
                    Column("requested_by", "By"),
                    Column("reason", "Reason"),
                    Column("controller_decision", "Controller"),
                    Column("outcome_label", "Outcome"),
                    Column("minutes_to_resource", "Minutes to re-resource", "minutes"),
                    Column("incident_breached", "Breached", "bool"),
                    Column("urgent", "Urgent review", "bool"),
                    Column("urgent_reason", "Why urgent"),
                    Column("finding_label", "QA finding"),
                    Column("finding_notes", "QA notes"),
                    Column("finding_by", "Reviewer"),
                    Column("finding_at", "Reviewed at", "datetime"),
                ],
                rows,
                rows_total,
                offset,
                paged=True,
            )
        ],
        notes=[
            "Re-resourced: another unit was assigned to the original incident after the divert "
            "(or one was already on it); minutes run from the divert. Overridden: the controller "
            "sent the unit back.",
            f"Suggested for urgent review: a DA or Immediate call never re-resourced, "
            f"re-resourced after more than {URGENT_RESOURCE_MINUTES} minutes, or breached. A "
            "reviewer may set or clear the flag.",
        ],
    )


def divert_get(divert_id: int, *, now: datetime) -> dict:
    """One divert as a QA row. Raises NotFound."""
    divert = (
        diverts_annotated(now)
        .select_related("unit", "from_incident", "to_incident", "requested_by", "reviewed_by")
        .filter(pk=divert_id)
        .first()
    )
    if divert is None:
        raise NotFound(f"Divert {divert_id} does not exist.", code="divert_not_found")
    return _divert_row(divert)


def divert_qa_detail(divert_id: int, *, now: datetime) -> dict:
    """One divert as a QA row, with every finding and urgent flag recorded on it (newest
    first). Raises NotFound."""
    row = divert_get(divert_id, now=now)
    row["findings"] = list(
        DivertFinding.objects.filter(divert_id=divert_id).select_related("recorded_by")
    )
    row["urgent_flags"] = list(
        DivertUrgentFlag.objects.filter(divert_id=divert_id).select_related("set_by")
    )
    return row


def incident_qa_timeline(incident_id: int, *, now: datetime) -> dict:
    """What a QA reviewer needs to judge a divert: the incident, its diverts (as QA rows), and
    its timeline: the audit trail and the log, merged oldest first. Raises NotFound."""
    incident = (
        Incident.objects.select_related("opening_code", "graded_by").filter(pk=incident_id).first()
    )
    if incident is None:
        raise NotFound(f"Incident {incident_id} does not exist.", code="incident_not_found")
    diverts = [
        _divert_row(d)
        for d in diverts_annotated(now)
        .filter(from_incident=incident)
        .select_related("unit", "from_incident", "to_incident", "requested_by", "reviewed_by")
        .order_by("requested_at", "id")
    ]
    entries = [
        {
            "at": event.at,
            "source": "audit",
            "who": _username(event.actor) or "system",
            "what": event.action,
            "text": event.summary,
        }
        for event in audit_trail(incident)
    ]
    entries += [
        {
            "at": line.at,
            "source": "log",
            "who": _username(line.author) or "system",
            "what": line.kind.lower(),
            "text": line.text,
        }
        for line in incident.log_entries.select_related("author")
    ]
    entries.sort(key=lambda e: (e["at"], e["source"]))
    return {"incident": incident, "diverts": diverts, "timeline": entries}
