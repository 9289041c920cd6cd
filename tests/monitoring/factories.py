"""Factories for response-time monitoring tests."""

import itertools

from cad.clock import target_for
from cad.models import Incident, IncidentStatus

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
