"""A year of synthetic control-room data for the report benchmarks (PostgreSQL).

Bulk inserts bare rows (no services, no audit trail, no live pushes): it exists only to measure
how the report queries scale, never to seed a real system. Deterministic for a given seed.
Realistic proportions: grades, DA share, response times with late and missed arrivals, a
handful of repeat callers, contacts that raised no incident, downgrades and refused sign-offs,
breach alerts with acknowledgements, diverts with every outcome, markers with and without
victim contacts, and two shifts a day with occasional gaps.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from cad.models import (
    Area,
    Channel,
    ClosingCode,
    Contact,
    GradeChange,
    GradePolicy,
    GradeRequest,
    Incident,
    OpeningCode,
)
from cad.services.rollups import contact_rollups_rebuild
from core.models import AuditEvent
from dispatch.models import Assignment, AssignmentStatus, Divert, DivertStatus, Unit
from monitoring.models import Alert, AlertKind, AlertStatus
from monitoring.services import incident_subject
from riskflags.models import Marker, VictimContact
from staffing.models import Shift, ShiftRequirement, SignOn

BATCH = 5_000
DAY_SECONDS = 86_400
GRADE_WEIGHTS = {"IMMEDIATE": 20, "PRIORITY": 40, "SCHEDULED": 25, "RESOLUTION": 15}
# Calls by hour of day: quiet small hours, busy evenings.
HOUR_WEIGHTS = [3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 8, 7, 6, 4]


@dataclass
class SyntheticCounts:
    incidents: int = 0
    contacts: int = 0
    grade_changes: int = 0
    grade_requests: int = 0
    alerts: int = 0
    diverts: int = 0
    markers: int = 0
    shifts: int = 0
    extra: dict = field(default_factory=dict)


@dataclass
class _World:
    """What every step of the generator draws on: one random stream (steps run in a fixed
    order, so a seed always gives the same data), the time span and the synthetic staff."""

    rng: random.Random
    start: datetime
    end: datetime
    days: int
    handler: object
    supervisor: object
    controller: object
    oic: object
    repeat_phones: list[str]


def _user(username: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    return user


def _bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def generate(*, incidents: int, end: datetime, days: int = 365, seed: int = 8) -> SyntheticCounts:
    """Insert `incidents` incidents (and everything around them) received over the `days`
    before `end`. Returns what was made."""
    world = _World(
        rng=random.Random(seed),
        start=end - timedelta(days=days),
        end=end,
        days=days,
        handler=_user("syn_handler"),
        supervisor=_user("syn_super"),
        controller=_user("syn_ctrl"),
        oic=_user("syn_oic"),
        repeat_phones=[f"+44770090{n:04d}" for n in range(400)],
    )
    counts = SyntheticCounts()
    with transaction.atomic():
        made = _incidents(world, incidents)
        counts.incidents = len(made)
        counts.contacts = _contacts(world, made, incidents)
        # Bulk-inserted without the contact service: count them as it would have.
        contact_rollups_rebuild()
        counts.grade_changes, counts.grade_requests = _gradings(world, made)
        counts.alerts = _breach_alerts(world, made)
        counts.diverts = _diverts(world, made, incidents)
        counts.markers = _markers(world, incidents)
        counts.shifts = _shifts(world)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts


def _incidents(world: _World, how_many: int) -> list[Incident]:
    policies = {p.grade: p for p in GradePolicy.objects.all()}
    codes = list(OpeningCode.objects.values_list("code", flat=True)) or [None]
    closing = ClosingCode.objects.first() or ClosingCode.objects.create(code="SYN", label="Syn")
    repeat_addresses = [f"{n} REPEAT ROAD LEEDS" for n in range(300)]
    made = [
        _incident(world, n, policies, codes, closing, repeat_addresses) for n in range(how_many)
    ]
    return _bulk(Incident, made)


def _incident(world: _World, n: int, policies, codes, closing, repeat_addresses) -> Incident:
    """One incident with realistic grade, area, DA share and response (within target, late,
    resolved by phone, or never attended)."""
    rng, grades = world.rng, list(GRADE_WEIGHTS)
    day = rng.randrange(world.days)
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    received_at = world.start + timedelta(
        seconds=day * DAY_SECONDS + hour * 3600 + rng.randrange(3600)
    )
    grade = rng.choices(grades, list(GRADE_WEIGHTS.values()))[0]
    area = Area.RURAL if rng.random() < 0.25 else Area.URBAN
    policy = policies.get(grade)
    minutes = policy.target_minutes(area) if policy else None
    target = received_at + timedelta(minutes=minutes) if minutes else None
    domestic_abuse = rng.random() < 0.12
    arrived, closed = _response(world, grade, received_at, target, minutes)
    phone = (
        rng.choice(world.repeat_phones)
        if rng.random() < 0.03
        else f"+4477{rng.randrange(10**8):08d}"
    )
    address = (
        rng.choice(repeat_addresses)
        if rng.random() < 0.02
        else f"{rng.randrange(1, 400)} STREET {rng.randrange(20_000)} LEEDS"
    )
    recommended = grade
    if rng.random() < 0.08 and grade != "IMMEDIATE":  # downgraded from the recommendation
        recommended = grades[grades.index(grade) - 1]
    return Incident(
        reference=f"SYN-{n:07d}",
        status="CLOSED" if closed else ("AT_SCENE" if arrived else "OPEN"),
        channel=Channel.EMERGENCY if grade == "IMMEDIATE" else Channel.NON_EMERGENCY,
        received_at=received_at,
        caller_phone=phone,
        address=address.title(),
        address_normalised=address,
        area=area,
        narrative="Synthetic incident",
        opening_code_id=rng.choice(codes),
        domestic_abuse=domestic_abuse,
        grade=grade,
        recommended_grade=recommended,
        minimum_grade=recommended if rng.random() < 0.5 else grade,
        graded_at=received_at + timedelta(minutes=2),
        graded_by=world.handler,
        target_response_at=target,
        first_arrived_at=arrived,
        closed_at=closed,
        closing_code=closing if closed else None,
        resolution_note="Synthetic" if closed else "",
    )


def _response(world: _World, grade: str, received_at, target, minutes):
    """(first arrival, closure) of one incident; either may be None."""
    rng = world.rng
    roll = rng.random()
    arrived = closed = None
    if target is not None and grade != "RESOLUTION":
        if roll < 0.83:  # within target
            arrived = received_at + timedelta(minutes=minutes * rng.uniform(0.2, 0.98))
        elif roll < 0.95:  # late
            arrived = target + timedelta(minutes=rng.expovariate(1 / 20))
        elif roll < 0.98:  # resolved by phone before the target
            closed = received_at + timedelta(minutes=minutes * rng.uniform(0.1, 0.9))
        # else never attended (closed late below, or still open)
    if arrived:
        closed = arrived + timedelta(minutes=rng.randrange(20, 240))
    elif closed is None and received_at < world.end - timedelta(days=2):
        closed = (target or received_at) + timedelta(minutes=rng.randrange(5, 600))
    return arrived, closed


def _contacts(world: _World, made: list[Incident], incidents: int) -> int:
    """A contact per incident, and a fifth as many again that raised no incident."""
    rng = world.rng
    contacts = [
        Contact(
            channel=i.channel,
            received_at=i.received_at,
            caller_phone=i.caller_phone,
            address=i.address,
            address_normalised=i.address_normalised,
            incident_id=i.pk,
        )
        for i in made
    ]
    for _ in range(incidents // 5):
        at = world.start + timedelta(seconds=rng.randrange(world.days * DAY_SECONDS))
        contacts.append(
            Contact(
                channel=rng.choice([Channel.SWITCHBOARD, Channel.NON_EMERGENCY, Channel.ONLINE]),
                received_at=at,
                caller_phone=rng.choice(world.repeat_phones)
                if rng.random() < 0.05
                else f"+4478{rng.randrange(10**8):08d}",
            )
        )
    return len(_bulk(Contact, contacts))


def _gradings(world: _World, made: list[Incident]) -> tuple[int, int]:
    """Each incident's grading, its downgrade if any, and a few refused sign-off requests."""
    grades = list(GRADE_WEIGHTS)
    changes, requests = [], []
    for i in made:
        changes.append(_grade_change(world, i, "", i.recommended_grade, at=i.graded_at))
        if i.grade != i.recommended_grade:
            change = _grade_change(
                world, i, i.recommended_grade, i.grade, at=i.graded_at + timedelta(minutes=1)
            )
            change.reason = "Caller says the suspect has left"
            signed = i.domestic_abuse or i.minimum_grade == i.recommended_grade
            change.approved_by = world.supervisor if signed else None
            changes.append(change)
        elif i.grade != "RESOLUTION" and world.rng.random() < 0.01:
            requests.append(
                GradeRequest(
                    incident_id=i.pk,
                    from_grade=i.grade,
                    requested_grade=grades[grades.index(i.grade) + 1],
                    reason="Caller calmer now",
                    why_supervisor="below the marker floor",
                    status=GradeRequest.Status.REFUSED,
                    requested_by=world.handler,
                    requested_at=i.graded_at + timedelta(minutes=3),
                    decided_by=world.supervisor,
                    decided_at=i.graded_at + timedelta(minutes=6),
                    decision_note="Marker at the address",
                )
            )
    return len(_bulk(GradeChange, changes)), len(_bulk(GradeRequest, requests))


def _grade_change(world: _World, i: Incident, from_grade: str, to_grade: str, *, at):
    return GradeChange(
        incident_id=i.pk,
        at=at,
        by=world.handler,
        from_grade=from_grade,
        to_grade=to_grade,
        recommended_grade=i.recommended_grade,
        minimum_grade=i.minimum_grade,
    )


def _breach_alerts(world: _World, made: list[Incident]) -> int:
    """A BREACHED alert per breached incident, most of them acknowledged."""
    rng, alerts = world.rng, []
    for i in made:
        if i.target_response_at is None or i.target_response_at >= world.end:
            continue
        stopped = i.first_arrived_at or i.closed_at or world.end
        if stopped <= i.target_response_at:
            continue
        acked = rng.random() < 0.85
        alerts.append(
            Alert(
                kind=AlertKind.BREACHED,
                subject=incident_subject(i),
                incident_id=i.pk,
                threshold_at=i.target_response_at,
                raised_at=i.target_response_at,
                status=AlertStatus.SETTLED if acked else AlertStatus.OPEN,
                acknowledged_at=i.target_response_at + timedelta(seconds=rng.randrange(300))
                if acked
                else None,
                acknowledged_by=world.supervisor if acked else None,
            )
        )
    return len(_bulk(Alert, alerts))


def _diverts(world: _World, made: list[Incident], incidents: int) -> int:
    """A divert from one in a hundred Immediate or Priority incidents, with every outcome:
    overridden, re-resourced, never re-resourced."""
    rng = world.rng
    units = _bulk(
        Unit,
        [
            Unit(call_sign=f"SYN{n:04d}", status_changed_at=world.start, created_at=world.start)
            for n in range(300)
        ],
    )
    risky = [i for i in made if i.grade in ("IMMEDIATE", "PRIORITY")]
    chosen = rng.sample(risky, min(len(risky), max(1, incidents // 100)))
    pairs = []
    for index, original in enumerate(chosen):
        at = original.received_at + timedelta(minutes=rng.randrange(2, 10))
        pairs.append((original, rng.choice(risky), units[index % len(units)], at))
    firsts = _bulk(
        Assignment,
        [
            _assignment(u, o, at - timedelta(minutes=2), at, AssignmentStatus.DIVERTED)
            for o, _, u, at in pairs
        ],
    )
    seconds = _bulk(
        Assignment,
        [
            _assignment(u, t, at, at + timedelta(hours=1), AssignmentStatus.CLEARED)
            for _, t, u, at in pairs
        ],
    )
    diverts, replacements = [], []
    for (original, target_incident, unit, at), first, second in zip(
        pairs, firsts, seconds, strict=True
    ):
        roll = rng.random()
        if roll < 0.85:
            replacement = units[(units.index(unit) + 150) % len(units)]
            assigned_at = at + timedelta(minutes=rng.randrange(1, 40))
            replacements.append(
                _assignment(
                    replacement,
                    original,
                    assigned_at,
                    at + timedelta(hours=2),
                    AssignmentStatus.CLEARED,
                )
            )
        diverts.append(
            Divert(
                unit=unit,
                from_incident_id=original.pk,
                to_incident_id=target_incident.pk,
                from_assignment=first,
                to_assignment=second,
                from_grade=original.grade,
                to_grade=target_incident.grade,
                from_domestic_abuse=original.domestic_abuse,
                unit_status_before="EN_ROUTE",
                reason="Synthetic divert",
                requested_by=world.controller,
                requested_at=at,
                status=DivertStatus.OVERRIDDEN if roll < 0.2 else DivertStatus.APPROVED,
                reviewed_by=world.controller,
                reviewed_at=at + timedelta(minutes=5),
            )
        )
    _bulk(Assignment, replacements)
    return len(_bulk(Divert, diverts))


def _assignment(unit: Unit, incident: Incident, assigned_at, ended_at, status) -> Assignment:
    return Assignment(
        unit=unit,
        incident_id=incident.pk,
        assigned_at=assigned_at,
        ended_at=ended_at,
        status=status,
    )


def _markers(world: _World, incidents: int) -> int:
    """Markers with and without START and REVIEW contacts; a tenth of them extended."""
    rng = world.rng
    markers = []
    for n in range(max(10, incidents // 500)):
        starts = world.start + timedelta(seconds=rng.randrange(world.days * DAY_SECONDS))
        markers.append(
            Marker(
                address=f"{n} Marker Street, Leeds",
                address_normalised=f"{n} MARKER STREET LEEDS",
                victim_name="Synthetic Victim",
                reason="Synthetic",
                oic=world.oic,
                starts_at=starts,
                expires_at=starts + timedelta(days=rng.randrange(30, 183)),
                status="ACTIVE",
                created_at=starts,
                updated_at=starts,
            )
        )
    markers = _bulk(Marker, markers)
    victim_contacts, events = [], []
    for marker in markers:
        if rng.random() < 0.8:
            contacted_at = marker.starts_at + timedelta(hours=rng.randrange(1, 120))
            victim_contacts.append(
                _victim_contact(marker, "START", "PHONE", contacted_at, marker.starts_at)
            )
        if rng.random() < 0.6:
            review_at = marker.expires_at - timedelta(days=7)
            victim_contacts.append(_victim_contact(marker, "REVIEW", "VISIT", review_at, review_at))
        if rng.random() < 0.1:
            events.append(
                AuditEvent(
                    at=marker.starts_at + timedelta(days=20),
                    action="marker.extended",
                    object_type="riskflags.marker",
                    object_id=str(marker.pk),
                    summary="Synthetic extension",
                    data={"reason": "Synthetic", "to": marker.expires_at.isoformat()},
                )
            )
    Marker.objects.filter(pk__in=[m.pk for m in markers], expires_at__lte=world.end).update(
        status="EXPIRED"
    )
    _bulk(VictimContact, victim_contacts)
    _bulk(AuditEvent, events)
    return len(markers)


def _victim_contact(marker: Marker, purpose: str, method: str, contacted_at, recorded_at):
    return VictimContact(
        marker=marker,
        purpose=purpose,
        method=method,
        outcome="CONTACTED",
        contacted_at=contacted_at,
        recorded_at=recorded_at,
    )


def _shifts(world: _World) -> int:
    """Two twelve-hour shifts a day, each role one short of its minimum one time in ten."""
    rng = world.rng
    staff = [_user(f"syn_staff_{n}") for n in range(12)]
    midnight = world.start.replace(hour=0, minute=0, second=0, microsecond=0)
    shifts = []
    for day in range(world.days):
        for offset, name in ((7, "Day"), (19, "Night")):
            begins = midnight + timedelta(days=day, hours=offset)
            if begins < world.end:
                shifts.append(
                    Shift(
                        name=name,
                        starts_at=begins,
                        ends_at=begins + timedelta(hours=12),
                        created_at=begins,
                    )
                )
    shifts = _bulk(Shift, shifts)
    requirements, sign_ons = [], []
    for shift in shifts:
        for role, minimum in (("SUPPORT_OPERATOR", 2), ("CALL_HANDLER", 4), ("DISPATCHER", 2)):
            requirements.append(ShiftRequirement(shift=shift, role=role, minimum=minimum))
            on = minimum - (1 if rng.random() < 0.1 else 0)
            sign_ons += [
                SignOn(
                    shift=shift,
                    user=staff[seat],
                    role=role,
                    position=f"{role}-{seat}",
                    signed_on_at=shift.starts_at,
                    signed_off_at=shift.ends_at,
                )
                for seat in range(on)
            ]
    _bulk(ShiftRequirement, requirements)
    _bulk(SignOn, sign_ons)
    return len(shifts)
