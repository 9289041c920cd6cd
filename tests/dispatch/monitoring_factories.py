"""Factories for response-time monitoring and staffing tests (issue 7)."""

import itertools
from datetime import timedelta

from cad.models import Incident, IncidentStatus, target_for
from dispatch.models import Shift, ShiftRequirement

_seq = itertools.count(1)


def make_incident(
    *,
    received_at,
    grade="IMMEDIATE",
    area="URBAN",
    domestic_abuse=False,
    marker=False,
    status=IncidentStatus.OPEN,
):
    """An incident as a call handler leaves it: graded, with the policy's target."""
    n = next(_seq)
    return Incident.objects.create(
        reference=f"TEST-{n:06d}",
        channel="999",
        received_at=received_at,
        area=area,
        narrative="Test incident",
        grade=grade,
        recommended_grade=grade,
        minimum_grade=grade,
        domestic_abuse=domestic_abuse,
        assessment={"context_floor": "IMMEDIATE"} if marker else {},
        target_response_at=target_for(grade, area, received_at),
        status=status,
    )


def make_shift(*, starts_at, hours=12, name="Day", requirements=None):
    shift = Shift.objects.create(
        name=name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        created_at=starts_at,
    )
    for role, minimum in (requirements or {}).items():
        ShiftRequirement.objects.create(shift=shift, role=role, minimum=minimum)
    return shift
