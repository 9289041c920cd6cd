"""The response-time and divert reports' faster queries give exactly what the queries before them
gave: the same cells and rows, compared on the same data, across Europe/London midnights and
both clock changes, arrival times on and just off a 6-second step, incidents still open before
and after their target, diverts of every outcome, and every filter."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractHour

from cad.models import Incident
from dispatch.models import Assignment, Divert, DivertStatus
from reports.filters import parse_filters
from reports.queries import response_times
from reports.queries.common import breached_q, incidents_in_range, report_queries
from reports.queries.diverts import (
    ROW_RELATIONS,
    _with_review,
    divert_counts,
    divert_row,
    divert_rows,
    with_outcome,
)
from reports.registry import REPORTS, run_report
from tests.reports import factories as f

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# 2026: the clocks go forward on 29 March at 01:00 UTC and back on 25 October at 01:00 UTC.
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def filters(date_from: str, date_to: str, report: str = "response-times", **extra):
    params = {"date_from": date_from, "date_to": date_to, **extra}
    return parse_filters(
        params, allowed=REPORTS[report].filters, today=date(2026, 12, 31), report="test"
    )


# --- The response-time report's cells as they were computed before (the oracle) -------------


def cells_as_before(report_filters, now) -> list:
    """The grouped query the report ran before: EXTRACT and AT TIME ZONE on every incident."""
    target = F("target_response_at")
    unattended = Q(first_arrived_at__isnull=True)
    state = Case(
        When(target_response_at__isnull=True, then=Value(0)),
        When(first_arrived_at__lte=target, then=Value(1)),
        When(first_arrived_at__gt=target, then=Value(2)),
        When(unattended & Q(closed_at__lte=target), then=Value(3)),
        When(unattended & Q(closed_at__isnull=True, target_response_at__gte=now), then=Value(4)),
        default=Value(5),
        output_field=IntegerField(),
    )
    step = Func(
        F("first_arrived_at"),
        F("received_at"),
        template="(FLOOR(EXTRACT(EPOCH FROM (%(expressions)s))::float8 / 6))::integer",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )
    rows = (
        incidents_in_range(report_filters)
        .annotate(hour=ExtractHour("received_at", tzinfo=LONDON), state=state, step=step)
        .values_list("grade", "hour", "state", "step")
        .annotate(n=Count("id"))
        .order_by()
    )
    return sorted(
        (grade, hour, response_times.RESPONSE_STATES[s], None if n is None else n * 6, count)
        for grade, hour, s, n, count in rows
    )


def cells_now(report_filters, now) -> list:
    return sorted(response_times._compliance_cells(report_filters, now))


def london_hours_in_python(report_filters) -> dict[int, int]:
    """{hour: incidents} read in Python from each incident's time."""
    hours: dict[int, int] = {}
    for received_at in incidents_in_range(report_filters).values_list("received_at", flat=True):
        hour = received_at.astimezone(LONDON).hour
        hours[hour] = hours.get(hour, 0) + 1
    return hours


@pytest.fixture
def a_year_of_edges():
    """Calls at the edges that matter, with every response state."""
    seconds = timedelta(seconds=1)
    made = []
    for received_at in [
        utc(2026, 3, 28, 23, 59, 59),  # 23:59:59 GMT on the Saturday
        utc(2026, 3, 29, 0, 30),  # 00:30 GMT, the last half hour before the change
        utc(2026, 3, 29, 0, 59, 59, 999999),  # 00:59:59.999999 GMT
        utc(2026, 3, 29, 1, 0),  # 02:00 BST: 01:00 local never happened
        utc(2026, 6, 30, 23, 0),  # 00:00 BST on 1 July: a London midnight, not a UTC one
        utc(2026, 6, 30, 22, 59, 59),  # 23:59:59 BST on 30 June
        utc(2026, 10, 25, 0, 30),  # 01:30 BST, the first time round
        utc(2026, 10, 25, 1, 30),  # 01:30 GMT, the second time round
        utc(2026, 10, 25, 23, 30),  # 23:30 GMT
    ]:
        made += [
            f.incident(received_at=received_at, grade="IMMEDIATE", arrived_after=10),
            f.incident(received_at=received_at, grade="PRIORITY", target_minutes=60),
            f.incident(
                received_at=received_at, grade="PRIORITY", target_minutes=60, closed_after=20
            ),
            f.incident(received_at=received_at, grade="SCHEDULED", target_minutes=None),
            f.incident(
                received_at=received_at,
                grade="IMMEDIATE",
                arrived_after=20,
                domestic_abuse=True,
                area="RURAL",
            ),
        ]
    # Arrivals exactly on a 6-second step, a microsecond short of one, and over a day later.
    base = utc(2026, 8, 10, 12)
    for after in [
        timedelta(seconds=36),
        timedelta(seconds=36) - timedelta(microseconds=1),
        timedelta(seconds=35, microseconds=999999),
        timedelta(days=1, seconds=6),
        timedelta(days=2, hours=3) - timedelta(microseconds=1),
        timedelta(0),
    ]:
        made.append(
            Incident.objects.filter(pk=f.incident(received_at=base, grade="PRIORITY").pk).update(
                first_arrived_at=base + after, status="AT_SCENE"
            )
        )
    # Still open: one before its target, one after it (the report's now is NOW).
    f.incident(received_at=NOW - timedelta(minutes=5), grade="PRIORITY", target_minutes=60)
    f.incident(received_at=NOW - 2 * seconds - timedelta(hours=2), grade="PRIORITY")
    return made


@pytest.mark.parametrize(
    "date_from, date_to, extra",
    [
        ("2025-11-05", "2026-11-05", {}),  # a year, with both clock changes
        ("2026-03-29", "2026-03-29", {}),  # the spring day alone
        ("2026-10-25", "2026-10-25", {}),  # the autumn day alone
        ("2026-07-01", "2026-10-24", {}),  # from a BST midnight to before the change
        ("2026-03-28", "2026-03-28", {}),  # ending at the midnight before the change
        ("2025-11-05", "2026-11-05", {"grade": "PRIORITY"}),
        ("2025-11-05", "2026-11-05", {"area": "RURAL"}),
        ("2025-11-05", "2026-11-05", {"domestic_abuse": "true"}),
        ("2025-11-05", "2026-11-05", {"domestic_abuse": "false", "area": "URBAN"}),
    ],
)
def test_response_time_cells_are_those_computed_before(a_year_of_edges, date_from, date_to, extra):
    report_filters = filters(date_from, date_to, **extra)

    assert cells_now(report_filters, NOW) == cells_as_before(report_filters, NOW)


def test_hours_are_read_in_europe_london_across_both_clock_changes(a_year_of_edges):
    report_filters = filters("2025-11-05", "2026-11-05")

    result = response_times.response_time_compliance(report_filters, now=NOW)

    counted = {int(row["hour"][:2]): row["incidents"] for row in result.by_hour if row["incidents"]}
    assert counted == london_hours_in_python(report_filters)
    assert counted[2] == 5  # 02:00 BST on the spring morning, never 01:00
    assert counted[1] == 10  # 01:30 BST and 01:30 GMT on the autumn morning


def test_the_report_reads_the_data_as_it_is_when_it_runs(a_year_of_edges):
    report_filters = filters("2025-11-05", "2026-11-05")
    pending = Incident.objects.filter(received_at=NOW - timedelta(minutes=5)).get()
    before = response_times.response_time_compliance(report_filters, now=NOW).total

    Incident.objects.filter(pk=pending.pk).update(
        first_arrived_at=pending.received_at + timedelta(minutes=3), status="AT_SCENE"
    )

    after = response_times.response_time_compliance(report_filters, now=NOW).total
    assert (after["pending"], after["attended_within_target"]) == (
        before["pending"] - 1,
        before["attended_within_target"] + 1,
    )
    assert cells_now(report_filters, NOW) == cells_as_before(report_filters, NOW)


def test_utc_offsets_list_each_clock_change_in_the_range():
    start = datetime(2025, 11, 5, tzinfo=LONDON)
    end = datetime(2026, 11, 6, tzinfo=LONDON)

    assert response_times.utc_offsets(start, end) == [
        (start, 0),
        (utc(2026, 3, 29, 1), 3600),
        (utc(2026, 10, 25, 1), 0),
    ]
    assert response_times.utc_offsets(datetime(2026, 7, 1, tzinfo=LONDON), end) == [
        (utc(2026, 6, 30, 23), 3600),
        (utc(2026, 10, 25, 1), 0),
    ]


# --- The divert list as it was computed before (the oracle) -----------------------------------


def list_as_before(report_filters, now) -> list:
    """The divert list as the single query before gave it: the incident's breach read through
    a join, every row ordered and read in one go with its relations."""
    other_unit_on = Assignment.objects.filter(
        incident=OuterRef("from_incident"), assigned_at__lt=OuterRef("requested_at")
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=OuterRef("requested_at")))
    next_assignment = Assignment.objects.filter(
        incident=OuterRef("from_incident"), assigned_at__gte=OuterRef("requested_at")
    ).order_by("assigned_at", "id")
    resourced = Divert.objects.annotate(
        other_unit_on=Exists(other_unit_on.exclude(pk=OuterRef("from_assignment"))),
        next_assignment_at=Subquery(next_assignment.values("assigned_at")[:1]),
        incident_breached=Case(
            When(breached_q(now, "from_incident__"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    diverts = with_outcome(_with_review(resourced)).filter(
        requested_at__gte=report_filters.start_at, requested_at__lt=report_filters.end_at
    )
    for name, lookup in [
        ("grade", "from_grade"),
        ("domestic_abuse", "from_domestic_abuse"),
        ("area", "from_incident__area"),
        ("opening_code", "from_incident__opening_code_id"),
        ("outcome", "outcome"),
        ("urgent", "urgent"),
    ]:
        value = getattr(report_filters, name)
        if value not in ("", None):
            diverts = diverts.filter(**{lookup: value})
    if report_filters.reviewed is not None:
        diverts = diverts.filter(finding__isnull=not report_filters.reviewed)
    return list(
        diverts.select_related(*ROW_RELATIONS).order_by(
            Case(When(Q(urgent=True, finding__isnull=True), then=Value(0)), default=Value(1)),
            "-requested_at",
            "-id",
        )
    )


def rows_of(report_filters, now, *, page_size: int) -> list[dict]:
    """Every row of the list, read `page_size` at a time."""
    total = divert_counts(report_filters, now=now)["total"]
    rows = []
    for offset in range(0, total, page_size):
        rows += divert_rows(report_filters, now=now, limit=page_size, offset=offset)
    return rows


def breached_in_python(incident: Incident, now: datetime) -> bool:
    target = incident.target_response_at
    if target is None:
        return False
    if incident.first_arrived_at is not None:
        return incident.first_arrived_at > target
    if incident.closed_at is None:
        return target < now
    return incident.closed_at > target


@pytest.fixture
def diverts_of_every_kind():
    """Diverts from DA and Immediate calls and others, overridden, re-resourced quickly or
    slowly, never re-resourced, with another unit already on, breached or not, still open."""
    made = []
    for day, grade, da, status, resourced_after, area in [
        (3, "IMMEDIATE", False, DivertStatus.APPROVED, None, "URBAN"),
        (4, "IMMEDIATE", False, DivertStatus.APPROVED, 5, "RURAL"),
        (5, "PRIORITY", True, DivertStatus.APPROVED, 40, "URBAN"),
        (6, "PRIORITY", False, DivertStatus.OVERRIDDEN, None, "URBAN"),
        (7, "SCHEDULED", False, DivertStatus.PENDING_REVIEW, 2, "RURAL"),
        (8, "IMMEDIATE", True, DivertStatus.APPROVED, 16, "URBAN"),
    ]:
        received_at = utc(2026, 10, day, 9)
        incident = f.incident(
            received_at=received_at,
            grade=grade,
            domestic_abuse=da,
            area=area,
            # Attended late after a slow re-resourcing, in time after a quick one.
            arrived_after=None if resourced_after is None else 30 if resourced_after > 10 else 10,
        )
        at = received_at + timedelta(minutes=4)
        made.append(f.divert(from_incident=incident, at=at, status=status))
        if resourced_after is not None:
            f.assignment(
                incident=incident, unit=f.unit(), at=at + timedelta(minutes=resourced_after)
            )
    # Another unit already on the incident when its unit was diverted.
    covered = f.incident(received_at=utc(2026, 10, 9, 9), grade="IMMEDIATE")
    f.assignment(incident=covered, unit=f.unit(), at=utc(2026, 10, 9, 9, 1))
    made.append(f.divert(from_incident=covered, at=utc(2026, 10, 9, 9, 4)))
    # Diverted twice, on either side of the clock change, and still open.
    twice = f.incident(
        received_at=utc(2026, 10, 24, 23, 50), grade="IMMEDIATE", domestic_abuse=True
    )
    made.append(f.divert(from_incident=twice, at=utc(2026, 10, 25, 0, 59)))
    made.append(f.divert(from_incident=twice, at=utc(2026, 10, 25, 1, 1)))
    return made


DIVERT_FILTERS = [
    {},
    {"grade": "IMMEDIATE"},
    {"domestic_abuse": "true"},
    {"area": "RURAL"},
    {"outcome": "NEVER_RE_RESOURCED"},
    {"outcome": "RE_RESOURCED", "urgent": "true"},
    {"urgent": "false"},
    {"reviewed": "false"},
]


@pytest.mark.parametrize("extra", DIVERT_FILTERS)
def test_divert_rows_are_those_computed_before_on_every_page(diverts_of_every_kind, extra):
    report_filters = filters("2026-10-01", "2026-10-31", report="diverts", **extra)
    old_diverts = list_as_before(report_filters, NOW)

    every_row = divert_rows(report_filters, now=NOW, limit=None, offset=0)

    assert [row["divert_id"] for row in every_row] == [d.pk for d in old_diverts]
    assert [row["incident_breached"] for row in every_row] == [
        d.incident_breached for d in old_diverts
    ]
    assert rows_of(report_filters, NOW, page_size=2) == every_row
    assert every_row == [divert_row(d) for d in old_diverts]


def test_a_divert_reads_its_incidents_breach_as_it_is_now(diverts_of_every_kind):
    report_filters = filters("2026-10-01", "2026-10-31", report="diverts")

    rows = divert_rows(report_filters, now=NOW, limit=None, offset=0)

    incidents = Incident.objects.in_bulk([row["incident_id"] for row in rows])
    assert [row["incident_breached"] for row in rows] == [
        breached_in_python(incidents[row["incident_id"]], NOW) for row in rows
    ]
    assert any(row["incident_breached"] for row in rows)
    assert not all(row["incident_breached"] for row in rows)


def test_every_report_over_a_year_runs_inside_report_queries(diverts_of_every_kind):
    for name in REPORTS:
        result = run_report(
            name,
            {"date_from": "2025-11-05", "date_to": "2026-11-05"},
            now=NOW,
            today=date(2026, 11, 5),
            limit=50,
        )
        assert result.name == name
    with report_queries():
        assert Incident.objects.exists()
