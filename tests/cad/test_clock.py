"""The response clock: one rule for due soon, breached and no target, whoever asks."""

from datetime import UTC, datetime, timedelta

import pytest

from cad import clock
from cad.clock import ClockState
from cad.models import GradePolicy, Incident, IncidentStatus

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TARGET = T0 + timedelta(minutes=15)
LEAD = timedelta(minutes=5)


def _incident(**kwargs):
    fields = {
        "target_response_at": TARGET,
        "status": IncidentStatus.OPEN,
        "first_arrived_at": None,
        **kwargs,
    }
    return Incident(**fields)


def test_the_warning_falls_the_lead_before_the_target():
    assert clock.due_soon_at(TARGET, LEAD) == TARGET - LEAD


def test_a_grade_with_no_lead_has_no_warning_at_all():
    assert clock.due_soon_at(TARGET, None) is None
    assert clock.due_soon_lead(GradePolicy(grade="PRIORITY", due_soon_minutes=None)) is None
    assert clock.passed_threshold(target_at=TARGET, lead=None, now=TARGET - LEAD) is None


def test_an_incident_with_no_target_has_no_clock():
    incident = _incident(target_response_at=None)

    assert clock.due_soon_at(None, LEAD) is None
    assert clock.clock_state(incident, lead=LEAD, now=T0) == ClockState.NO_TARGET


def test_the_clock_is_running_then_due_soon_then_breached():
    incident = _incident()

    def state(at):
        return clock.clock_state(incident, lead=LEAD, now=at)

    assert state(TARGET - LEAD - timedelta(seconds=1)) == ClockState.RUNNING
    assert state(TARGET - LEAD) == ClockState.DUE_SOON
    assert state(TARGET) == ClockState.BREACHED


def test_a_breach_makes_the_warning_moot():
    assert clock.passed_threshold(target_at=TARGET, lead=LEAD, now=TARGET) == (
        ClockState.BREACHED,
        TARGET,
    )


def test_the_first_arrival_stops_the_clock_for_good():
    arrived = _incident(status=IncidentStatus.AT_SCENE, first_arrived_at=T0)

    assert not clock.clock_running(arrived)
    assert clock.clock_state(arrived, lead=LEAD, now=TARGET) == ClockState.STOPPED


@pytest.mark.django_db
def test_the_leads_list_only_grades_that_have_one():
    GradePolicy.objects.filter(grade="PRIORITY").update(due_soon_minutes=None)
    GradePolicy.objects.filter(grade="IMMEDIATE").update(due_soon_minutes=4)

    leads = clock.due_soon_leads()

    assert "PRIORITY" not in leads
    assert leads["IMMEDIATE"] == timedelta(minutes=4)
