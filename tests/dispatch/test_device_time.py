"""A status sent late keeps the crew's device time: the arrival, the response clock and the
response figures use it, the receipt time is kept beside it, and impossible times are refused."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from cad.exceptions import ValidationFailed
from dispatch import services
from dispatch.models import UnitStatus, UnitStatusChange
from monitoring.models import Alert, AlertKind, AlertStatus
from monitoring.services import scan_response_times
from reports.filters import ReportFilters
from reports.queries.response_times import response_time_compliance
from tests.dispatch import unit_factories as f

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def committed():
    """An IMMEDIATE urban incident (target T0+15) with a unit assigned at T0+2."""
    incident = f.incident(received_at=T0)
    unit = f.unit(now=T0)
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident, now=T0 + minutes(2))
    return unit, incident


def _at_scene(unit, *, at, now):
    return services.unit_set_status(
        actor=f.dispatcher(), unit=unit, status=UnitStatus.AT_SCENE, at=at, now=now
    )


def test_a_late_at_scene_is_dated_by_the_device_and_keeps_its_receipt_time(committed):
    unit, incident = committed

    _at_scene(unit, at=T0 + minutes(12), now=T0 + minutes(21))

    incident.refresh_from_db()
    change = UnitStatusChange.objects.filter(unit=unit, to_status=UnitStatus.AT_SCENE).get()
    assert incident.first_arrived_at == T0 + minutes(12)
    assert unit.assignments.get().arrived_at == T0 + minutes(12)
    assert (change.at, change.device_at, change.received_at) == (
        T0 + minutes(12),
        T0 + minutes(12),
        T0 + minutes(21),
    )
    assert "device time" in incident.log_entries.order_by("-id").first().text


def test_a_breach_the_unit_had_beaten_is_settled_as_reported_late(committed):
    unit, incident = committed
    scan_response_times(now=T0 + minutes(16))

    _at_scene(unit, at=T0 + minutes(12), now=T0 + minutes(21))

    breach = Alert.objects.get(incident=incident, kind=AlertKind.BREACHED)
    assert breach.status == AlertStatus.SETTLED
    assert "reported late" in breach.settled_reason
    assert breach.settled_at >= breach.raised_at


def test_the_response_time_report_counts_the_device_time(committed):
    unit, incident = committed

    _at_scene(unit, at=T0 + minutes(12), now=T0 + minutes(21))

    day = date(2026, 11, 28)
    total = response_time_compliance(
        ReportFilters(date_from=day, date_to=day), now=T0 + minutes(60)
    ).total
    assert total["attended_within_target"] == 1 and total["attended_late"] == 0
    assert total["median_minutes"] == 12.0


def test_without_a_device_time_the_status_is_dated_on_receipt(committed):
    unit, incident = committed

    _at_scene(unit, at=None, now=T0 + minutes(21))

    change = UnitStatusChange.objects.filter(unit=unit, to_status=UnitStatus.AT_SCENE).get()
    assert (change.at, change.device_at, change.received_at) == (
        T0 + minutes(21),
        None,
        T0 + minutes(21),
    )


def test_a_device_clock_a_few_seconds_fast_counts_as_receipt(committed):
    unit, incident = committed

    _at_scene(unit, at=T0 + minutes(5) + timedelta(seconds=10), now=T0 + minutes(5))

    incident.refresh_from_db()
    assert incident.first_arrived_at == T0 + minutes(5)


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (T0 + minutes(6), "device_time_in_future"),
        (T0 + minutes(1), "device_time_before_assignment"),
        (datetime(2026, 11, 28, 14, 4), "device_time_naive"),
    ],
)
def test_an_impossible_device_time_is_refused_and_changes_nothing(committed, at, code):
    unit, incident = committed

    with pytest.raises(ValidationFailed) as refused:
        _at_scene(unit, at=at, now=T0 + minutes(5))

    assert refused.value.code == code
    unit.refresh_from_db()
    assert unit.status == UnitStatus.ASSIGNED


def test_a_device_time_older_than_the_window_is_refused(committed, settings):
    settings.UNIT_STATUS_DEVICE_TIME_WINDOW_MINUTES = 10
    unit, incident = committed

    with pytest.raises(ValidationFailed) as refused:
        _at_scene(unit, at=T0 + minutes(3), now=T0 + minutes(14))

    assert refused.value.code == "device_time_too_old"


def test_a_unit_committing_itself_cannot_arrive_before_the_call(settings):
    incident = f.incident(received_at=T0)
    unit = f.unit(now=T0 - minutes(30))

    with pytest.raises(ValidationFailed) as refused:
        services.unit_set_status(
            actor=f.dispatcher(),
            unit=unit,
            status=UnitStatus.AT_SCENE,
            incident=incident,
            at=T0 - minutes(1),
            now=T0 + minutes(3),
        )

    assert refused.value.code == "device_time_before_incident"


def test_a_unit_committing_itself_with_a_device_time_is_assigned_at_it():
    incident = f.incident(received_at=T0)
    unit = f.unit(now=T0 - minutes(30))

    services.unit_set_status(
        actor=f.dispatcher(),
        unit=unit,
        status=UnitStatus.AT_SCENE,
        incident=incident,
        at=T0 + minutes(4),
        now=T0 + minutes(9),
    )

    assignment = unit.assignments.get()
    assert assignment.assigned_at == assignment.arrived_at == T0 + minutes(4)


# --- API -------------------------------------------------------------------------------------


def test_the_status_api_takes_the_device_time_with_its_offset(api, committed):
    unit, incident = committed

    with time_machine.travel(T0 + minutes(21), tick=False):
        response = api("DISPATCHER").post(
            f"/api/v1/units/{unit.pk}/status/",
            {"status": "AT_SCENE", "at": "2026-11-28T14:12:00+00:00"},
            format="json",
        )

    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.first_arrived_at == T0 + minutes(12)


def test_the_status_api_refuses_a_device_time_without_an_offset(api, committed):
    unit, _ = committed

    with time_machine.travel(T0 + minutes(21), tick=False):
        response = api("DISPATCHER").post(
            f"/api/v1/units/{unit.pk}/status/",
            {"status": "AT_SCENE", "at": "2026-11-28T14:12:00"},
            format="json",
        )

    assert response.status_code == 400
    assert set(response.json()) >= {"detail", "code"}


def test_the_status_api_refuses_an_unknown_field(api, committed):
    unit, _ = committed

    response = api("DISPATCHER").post(
        f"/api/v1/units/{unit.pk}/status/",
        {"status": "AT_SCENE", "device_time": "2026-11-28T14:12:00+00:00"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"
    assert "device_time" in response.json()["detail"]
    unit.refresh_from_db()
    assert unit.status == UnitStatus.ASSIGNED
