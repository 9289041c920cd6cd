"""Hand-built report fixtures: bare rows with exactly the times a test needs, so every report
number has a known answer. (The services are tested by their own apps; reports only read.)"""

import itertools
from datetime import UTC, datetime, timedelta

from cad.models import ClosingCode, Contact, GradeChange, GradeRequest, Incident
from cad.services.rollups import contact_rollup_add
from core.models import AuditEvent
from dispatch.models import Assignment, AssignmentStatus, Divert, DivertStatus, Unit
from monitoring.models import Alert, AlertKind, AlertStatus
from riskflags.models import Marker, VictimContact
from staffing.models import Shift, ShiftRequirement, SignOn
from tests.factories import staff

_seq = itertools.count(1)


def incident(
    *,
    received_at: datetime,
    grade: str = "IMMEDIATE",
    target_minutes: int | None = 15,
    arrived_after: int | None = None,
    closed_after: int | None = None,
    recommended_grade: str | None = None,
    minimum_grade: str | None = None,
    domestic_abuse: bool = False,
    area: str = "URBAN",
    opening_code: str | None = None,
    **extra,
) -> Incident:
    """An incident received at `received_at`; arrival and closure given in minutes after it."""
    closed = {}
    if closed_after is not None:
        closed = {
            "status": "CLOSED",
            "closed_at": received_at + timedelta(minutes=closed_after),
            "closing_code": ClosingCode.objects.filter(active=True).first()
            or ClosingCode.objects.create(code="TEST", label="Test"),
            "resolution_note": "closed by the test",
        }
    elif arrived_after is not None:
        closed = {"status": "AT_SCENE"}
    return Incident.objects.create(
        reference=f"RPT-{next(_seq):06d}",
        channel="999",
        received_at=received_at,
        area=area,
        grade=grade,
        recommended_grade=recommended_grade or grade,
        minimum_grade=minimum_grade or grade,
        domestic_abuse=domestic_abuse,
        opening_code_id=opening_code,
        target_response_at=received_at + timedelta(minutes=target_minutes)
        if target_minutes
        else None,
        first_arrived_at=received_at + timedelta(minutes=arrived_after)
        if arrived_after is not None
        else None,
        graded_at=received_at,
        **closed,
        **extra,
    )


def unit(call_sign: str | None = None) -> Unit:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    return Unit.objects.create(
        call_sign=call_sign or f"RU{next(_seq):04d}", status_changed_at=at, created_at=at
    )


def assignment(
    *, incident: Incident, unit: Unit, at: datetime, ended_at=None, status=None
) -> Assignment:
    return Assignment.objects.create(
        unit=unit,
        incident=incident,
        assigned_at=at,
        ended_at=ended_at,
        status=status or (AssignmentStatus.DIVERTED if ended_at else AssignmentStatus.ASSIGNED),
    )


def divert(
    *,
    from_incident: Incident,
    at: datetime,
    status: str = DivertStatus.APPROVED,
    assigned_minutes_before: int = 3,
    requested_by=None,
) -> Divert:
    """A unit assigned to `from_incident` and diverted at `at` to a new incident."""
    moved = unit()
    original = assignment(
        incident=from_incident,
        unit=moved,
        at=at - timedelta(minutes=assigned_minutes_before),
        ended_at=at,
        status=AssignmentStatus.DIVERTED,
    )
    target = incident(received_at=at - timedelta(minutes=1), grade="IMMEDIATE", arrived_after=5)
    new = Assignment.objects.create(
        unit=moved,
        incident=target,
        assigned_at=at,
        status=AssignmentStatus.ASSIGNED if status != DivertStatus.OVERRIDDEN else "RECALLED",
        ended_at=None,
    )
    return Divert.objects.create(
        unit=moved,
        from_incident=from_incident,
        to_incident=target,
        from_assignment=original,
        to_assignment=new,
        from_grade=from_incident.grade,
        to_grade=target.grade,
        from_domestic_abuse=from_incident.domestic_abuse,
        to_domestic_abuse=False,
        unit_status_before="EN_ROUTE",
        reason="Unit needed at a fight in progress",
        requested_by=requested_by,
        requested_at=at,
        status=status,
    )


def contact(
    *,
    received_at: datetime,
    channel: str = "999",
    phone: str = "",
    address: str = "",
    incident=None,
) -> Contact:
    made = Contact.objects.create(
        channel=channel,
        received_at=received_at,
        caller_phone=phone,
        address=address,
        address_normalised=address.upper(),
        incident=incident,
    )
    # Counted as the contact service counts it (the reports read the pre-aggregated days).
    contact_rollup_add(made)
    return made


def grade_change(
    *,
    incident: Incident,
    at: datetime,
    to_grade: str,
    from_grade: str = "",
    by=None,
    approved_by=None,
    reason: str = "",
) -> GradeChange:
    return GradeChange.objects.create(
        incident=incident,
        at=at,
        by=by,
        from_grade=from_grade,
        to_grade=to_grade,
        recommended_grade=incident.recommended_grade,
        minimum_grade=incident.minimum_grade,
        reason=reason,
        approved_by=approved_by,
    )


def grade_request(
    *,
    incident: Incident,
    at: datetime,
    to_grade: str,
    status: str,
    by,
    decided_by=None,
    note: str = "",
) -> GradeRequest:
    return GradeRequest.objects.create(
        incident=incident,
        from_grade=incident.grade,
        requested_grade=to_grade,
        reason="Caller says the suspect has left",
        why_supervisor="below the floor",
        status=status,
        requested_by=by,
        requested_at=at,
        decided_by=decided_by,
        decided_at=at + timedelta(minutes=5) if decided_by else None,
        decision_note=note,
    )


def breached_alert(*, incident: Incident, acknowledged_by=None, acknowledged_at=None) -> Alert:
    return Alert.objects.create(
        kind=AlertKind.BREACHED,
        subject=f"incident:{incident.pk}",
        incident=incident,
        threshold_at=incident.target_response_at,
        raised_at=incident.target_response_at,
        status=AlertStatus.ACKNOWLEDGED if acknowledged_by else AlertStatus.OPEN,
        acknowledged_by=acknowledged_by,
        acknowledged_at=acknowledged_at,
    )


def marker(
    *,
    starts_at: datetime,
    expires_at: datetime | None = None,
    status: str = "ACTIVE",
    grade_floor: str = "IMMEDIATE",
    victim_name: str = "Anne Example",
    **extra,
) -> Marker:
    return Marker.objects.create(
        address=f"{next(_seq)} Acacia Avenue, Leeds",
        address_normalised="ACACIA AVENUE",
        victim_name=victim_name,
        reason="Ex-partner threatened to kill her",
        grade_floor=grade_floor,
        oic=staff("OIC"),
        starts_at=starts_at,
        expires_at=expires_at or starts_at + timedelta(days=90),
        status=status,
        created_at=starts_at,
        updated_at=starts_at,
        **extra,
    )


def victim_contact(
    *, marker: Marker, purpose: str, at: datetime, outcome: str = "CONTACTED"
) -> VictimContact:
    return VictimContact.objects.create(
        marker=marker,
        purpose=purpose,
        method="PHONE",
        outcome=outcome,
        contacted_at=at,
        recorded_at=at,
    )


def marker_extended_event(*, marker: Marker, at: datetime, to: datetime) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at,
        action="marker.extended",
        object_type="riskflags.marker",
        object_id=str(marker.pk),
        summary="Marker extended",
        data={
            "reason": "Perpetrator released on bail",
            "from": marker.expires_at.isoformat(),
            "to": to.isoformat(),
        },
    )


def shift(*, starts_at: datetime, hours: int = 12, requirements: dict[str, int]) -> Shift:
    made = Shift.objects.create(
        name="Day",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        created_at=starts_at,
    )
    for role, minimum in requirements.items():
        ShiftRequirement.objects.create(shift=made, role=role, minimum=minimum)
    return made


def sign_on(*, shift: Shift, role: str, on: datetime, off: datetime | None = None) -> SignOn:
    return SignOn.objects.create(
        shift=shift,
        user=staff(role),
        role=role,
        position=f"desk-{next(_seq)}",
        signed_on_at=on,
        signed_off_at=off,
    )
