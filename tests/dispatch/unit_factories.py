"""Factories for the units, assignments and diverts tests: units through the real service,
incidents as a call handler leaves them."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

from cad.clock import target_for
from cad.models import ClosingCode, Incident, IncidentLogEntry, IncidentStatus
from dispatch import services
from dispatch.models import Unit
from tests.factories import staff

_seq = itertools.count(1)


def unit(
    *, call_sign: str | None = None, latitude=53.80, longitude=-1.55, now=None, **kwargs
) -> Unit:
    """An available unit made through the real service."""
    return services.unit_create(
        actor=None,
        call_sign=call_sign or f"TU{next(_seq):03d}",
        latitude=latitude,
        longitude=longitude,
        now=now,
        **kwargs,
    )


def incident(
    *,
    received_at: datetime | None = None,
    grade: str = "IMMEDIATE",
    area: str = "URBAN",
    domestic_abuse: bool = False,
    marker: bool = False,
    narrative: str = "Test incident narrative",
    address: str = "1 Test Street, Leeds LS1 1AA",
    status: str = IncidentStatus.OPEN,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Incident:
    """An incident as a call handler leaves it (graded, with its target), made directly so the
    dispatch rules are tested apart from the grading engine."""
    received_at = received_at or timezone.now()
    n = next(_seq)
    closed = {}
    if status == IncidentStatus.CLOSED:
        closed = {
            "closed_at": received_at,
            "closing_code": ClosingCode.objects.filter(active=True).first(),
            "resolution_note": "closed by the test",
        }
    incident = Incident.objects.create(
        reference=f"DSP-{n:06d}",
        channel="999",
        received_at=received_at,
        area=area,
        address=address,
        narrative=narrative,
        grade=grade,
        recommended_grade=grade,
        minimum_grade=grade,
        domestic_abuse=domestic_abuse,
        assessment={"context_floor": "IMMEDIATE"} if marker else {},
        target_response_at=target_for(grade, area, received_at),
        status=status,
        latitude=latitude,
        longitude=longitude,
        **closed,
    )
    if narrative:
        IncidentLogEntry.objects.create(incident=incident, at=received_at, text=narrative)
    return incident


def dispatcher(username: str | None = None):
    return staff("DISPATCHER", username=username)


def controller(username: str | None = None):
    return staff("CONTROLLER", username=username)


def inspector(username: str | None = None):
    return staff("INSPECTOR", username=username)
