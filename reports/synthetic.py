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
from core.models import AuditEvent
from dispatch.models import Assignment, AssignmentStatus, Divert, DivertStatus, Unit
from monitoring.models import Alert, AlertKind, AlertStatus
from riskflags.models import Marker, VictimContact
from staffing.models import Shift, ShiftRequirement, SignOn

BATCH = 5_000
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


def _user(username: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    return user


def _bulk(model, rows: list) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def generate(*, incidents: int, end: datetime, days: int = 365, seed: int = 8) -> SyntheticCounts:
    """Insert `incidents` incidents (and everything around them) received over the `days`
    before `end`. Returns what was made."""
    rng = random.Random(seed)
    counts = SyntheticCounts()
    start = end - timedelta(days=days)
    handler, supervisor, controller = _user("syn_handler"), _user("syn_super"), _user("syn_ctrl")
    oic = _user("syn_oic")
    policies = {p.grade: p for p in GradePolicy.objects.all()}
    codes = list(OpeningCode.objects.values_list("code", flat=True)) or [None]
    closing = ClosingCode.objects.first() or ClosingCode.objects.create(code="SYN", label="Syn")
    grades, weights = list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values())
    repeat_phones = [f"+44770090{n:04d}" for n in range(400)]
    repeat_addresses = [f"{n} REPEAT ROAD LEEDS" for n in range(300)]
    day_seconds = 86_400

    with transaction.atomic():
        made: list[Incident] = []
        for n in range(incidents):
            day = rng.randrange(days)
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            received_at = start + timedelta(
                seconds=day * day_seconds + hour * 3600 + rng.randrange(3600)
            )
            grade = rng.choices(grades, weights)[0]
            area = Area.RURAL if rng.random() < 0.25 else Area.URBAN
            policy = policies.get(grade)
            minutes = policy.target_minutes(area) if policy else None
            target = received_at + timedelta(minutes=minutes) if minutes else None
            domestic_abuse = rng.random() < 0.12
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
            elif closed is None and received_at < end - timedelta(days=2):
                closed = (target or received_at) + timedelta(minutes=rng.randrange(5, 600))
            phone = (
                rng.choice(repeat_phones)
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
            made.append(
                Incident(
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
                    graded_by=handler,
                    target_response_at=target,
                    first_arrived_at=arrived,
                    closed_at=closed,
                    closing_code=closing if closed else None,
                    resolution_note="Synthetic" if closed else "",
                )
            )
        made = _bulk(Incident, made)
        counts.incidents = len(made)

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
        for _ in range(incidents // 5):  # contacts that raised no incident
            at = start + timedelta(seconds=rng.randrange(days * day_seconds))
            contacts.append(
                Contact(
                    channel=rng.choice(
                        [Channel.SWITCHBOARD, Channel.NON_EMERGENCY, Channel.ONLINE]
                    ),
                    received_at=at,
                    caller_phone=rng.choice(repeat_phones)
                    if rng.random() < 0.05
                    else f"+4478{rng.randrange(10**8):08d}",
                )
            )
        counts.contacts = len(_bulk(Contact, contacts))

        changes, requests = [], []
        for i in made:
            changes.append(
                GradeChange(
                    incident_id=i.pk,
                    at=i.graded_at,
                    by=handler,
                    from_grade="",
                    to_grade=i.recommended_grade,
                    recommended_grade=i.recommended_grade,
                    minimum_grade=i.minimum_grade,
                )
            )
            if i.grade != i.recommended_grade:
                signed = i.domestic_abuse or i.minimum_grade == i.recommended_grade
                changes.append(
                    GradeChange(
                        incident_id=i.pk,
                        at=i.graded_at + timedelta(minutes=1),
                        by=handler,
                        from_grade=i.recommended_grade,
                        to_grade=i.grade,
                        recommended_grade=i.recommended_grade,
                        minimum_grade=i.minimum_grade,
                        reason="Caller says the suspect has left",
                        approved_by=supervisor if signed else None,
                    )
                )
            elif i.grade != "RESOLUTION" and rng.random() < 0.01:
                requests.append(
                    GradeRequest(
                        incident_id=i.pk,
                        from_grade=i.grade,
                        requested_grade=grades[grades.index(i.grade) + 1],
                        reason="Caller calmer now",
                        why_supervisor="below the marker floor",
                        status=GradeRequest.Status.REFUSED,
                        requested_by=handler,
                        requested_at=i.graded_at + timedelta(minutes=3),
                        decided_by=supervisor,
                        decided_at=i.graded_at + timedelta(minutes=6),
                        decision_note="Marker at the address",
                    )
                )
        counts.grade_changes = len(_bulk(GradeChange, changes))
        counts.grade_requests = len(_bulk(GradeRequest, requests))

        alerts = []
        for i in made:
            if i.target_response_at is None or i.target_response_at >= end:
                continue
            stopped = i.first_arrived_at or i.closed_at or end
            if stopped > i.target_response_at:
                acked = rng.random() < 0.85
                alerts.append(
                    Alert(
                        kind=AlertKind.BREACHED,
                        subject=f"incident:{i.pk}",
                        incident_id=i.pk,
                        threshold_at=i.target_response_at,
                        raised_at=i.target_response_at,
                        status=AlertStatus.SETTLED if acked else AlertStatus.OPEN,
                        acknowledged_at=i.target_response_at + timedelta(seconds=rng.randrange(300))
                        if acked
                        else None,
                        acknowledged_by=supervisor if acked else None,
                    )
                )
        counts.alerts = len(_bulk(Alert, alerts))

        units = _bulk(
            Unit,
            [
                Unit(call_sign=f"SYN{n:04d}", status_changed_at=start, created_at=start)
                for n in range(300)
            ],
        )
        risky = [i for i in made if i.grade in ("IMMEDIATE", "PRIORITY")]
        chosen = rng.sample(risky, min(len(risky), max(1, incidents // 100)))
        pairs = []
        for index, original in enumerate(chosen):
            unit = units[index % len(units)]
            at = original.received_at + timedelta(minutes=rng.randrange(2, 10))
            target_incident = rng.choice(risky)
            pairs.append((original, target_incident, unit, at))
        firsts = _bulk(
            Assignment,
            [
                Assignment(
                    unit=u,
                    incident_id=o.pk,
                    assigned_at=at - timedelta(minutes=2),
                    ended_at=at,
                    status=AssignmentStatus.DIVERTED,
                )
                for o, _, u, at in pairs
            ],
        )
        seconds = _bulk(
            Assignment,
            [
                Assignment(
                    unit=u,
                    incident_id=t.pk,
                    assigned_at=at,
                    ended_at=at + timedelta(hours=1),
                    status=AssignmentStatus.CLEARED,
                )
                for _, t, u, at in pairs
            ],
        )
        diverts, replacements = [], []
        for (original, target_incident, unit, at), first, second in zip(
            pairs, firsts, seconds, strict=True
        ):
            roll = rng.random()
            status = DivertStatus.OVERRIDDEN if roll < 0.2 else DivertStatus.APPROVED
            if roll < 0.85:
                replacements.append(
                    Assignment(
                        unit=units[(units.index(unit) + 150) % len(units)],
                        incident_id=original.pk,
                        assigned_at=at + timedelta(minutes=rng.randrange(1, 40)),
                        ended_at=at + timedelta(hours=2),
                        status=AssignmentStatus.CLEARED,
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
                    requested_by=controller,
                    requested_at=at,
                    status=status,
                    reviewed_by=controller,
                    reviewed_at=at + timedelta(minutes=5),
                )
            )
        _bulk(Assignment, replacements)
        counts.diverts = len(_bulk(Divert, diverts))

        markers, victim_contacts, events = [], [], []
        for n in range(max(10, incidents // 500)):
            starts = start + timedelta(seconds=rng.randrange(days * day_seconds))
            markers.append(
                Marker(
                    address=f"{n} Marker Street, Leeds",
                    address_normalised=f"{n} MARKER STREET LEEDS",
                    victim_name="Synthetic Victim",
                    reason="Synthetic",
                    oic=oic,
                    starts_at=starts,
                    expires_at=starts + timedelta(days=rng.randrange(30, 183)),
                    status="ACTIVE",
                    created_at=starts,
                    updated_at=starts,
                )
            )
        markers = _bulk(Marker, markers)
        for marker in markers:
            if rng.random() < 0.8:
                victim_contacts.append(
                    VictimContact(
                        marker=marker,
                        purpose="START",
                        method="PHONE",
                        outcome="CONTACTED",
                        contacted_at=marker.starts_at + timedelta(hours=rng.randrange(1, 120)),
                        recorded_at=marker.starts_at,
                    )
                )
            if rng.random() < 0.6:
                victim_contacts.append(
                    VictimContact(
                        marker=marker,
                        purpose="REVIEW",
                        method="VISIT",
                        outcome="CONTACTED",
                        contacted_at=marker.expires_at - timedelta(days=7),
                        recorded_at=marker.expires_at - timedelta(days=7),
                    )
                )
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
        Marker.objects.filter(pk__in=[m.pk for m in markers], expires_at__lte=end).update(
            status="EXPIRED"
        )
        _bulk(VictimContact, victim_contacts)
        _bulk(AuditEvent, events)
        counts.markers = len(markers)

        staff = [_user(f"syn_staff_{n}") for n in range(12)]
        shifts, requirements, sign_ons = [], [], []
        for day in range(days):
            for offset, name in ((7, "Day"), (19, "Night")):
                begins = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
                    days=day, hours=offset
                )
                if begins >= end:
                    continue
                shifts.append(
                    Shift(
                        name=name,
                        starts_at=begins,
                        ends_at=begins + timedelta(hours=12),
                        created_at=begins,
                    )
                )
        shifts = _bulk(Shift, shifts)
        for shift in shifts:
            for role, minimum in (("SUPPORT_OPERATOR", 2), ("CALL_HANDLER", 4), ("DISPATCHER", 2)):
                requirements.append(ShiftRequirement(shift=shift, role=role, minimum=minimum))
                on = minimum - (1 if rng.random() < 0.1 else 0)
                for seat in range(on):
                    sign_ons.append(
                        SignOn(
                            shift=shift,
                            user=staff[seat],
                            role=role,
                            position=f"{role}-{seat}",
                            signed_on_at=shift.starts_at,
                            signed_off_at=shift.ends_at,
                        )
                    )
        _bulk(ShiftRequirement, requirements)
        _bulk(SignOn, sign_ons)
        counts.shifts = len(shifts)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts
