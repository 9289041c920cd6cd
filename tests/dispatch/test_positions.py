"""Unit positions: `POST /api/v1/units/{id}/position/`, who may report one, what is refused,
the live push, and "nearest first" said only when it is true."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cad.exceptions import Forbidden
from core.live import role_group
from core.models import AuditEvent
from dispatch import selectors, services
from tests.dispatch import unit_factories as f
from tests.factories import staff
from tests.live import listen, payloads

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def _post(client, unit, body):
    return client.post(f"/api/v1/units/{unit.pk}/position/", body, format="json")


@time_machine.travel(NOW, tick=False)
def test_a_dispatcher_reports_a_position_which_is_stored_with_its_time_and_audited(api):
    unit = f.unit(call_sign="BX21", latitude=None, longitude=None)

    r = _post(api("DISPATCHER"), unit, {"lat": 53.8, "lon": -1.55, "accuracy_m": 12})

    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["latitude"], body["longitude"], body["position_accuracy_m"]) == (53.8, -1.55, 12)
    unit.refresh_from_db()
    assert unit.position_at == NOW
    event = AuditEvent.objects.get(action="unit.position")
    assert event.data["latitude"] == 53.8 and "BX21" in event.summary


@time_machine.travel(NOW, tick=False)
def test_the_crew_reports_its_own_position_with_the_device_time_but_another_officer_cannot(api):
    crew = staff("OFFICER")
    unit = f.unit(officers=[crew.username], latitude=None, longitude=None)
    other = staff("OFFICER")
    at = NOW - timedelta(seconds=40)

    services.unit_position_report(
        actor=crew, unit=unit, latitude=53.81, longitude=-1.56, recorded_at=at
    )
    unit.refresh_from_db()
    assert (unit.latitude, unit.position_at) == (53.81, at)

    with pytest.raises(Forbidden) as exc:
        services.unit_position_report(actor=other, unit=unit, latitude=1, longitude=1)
    assert exc.value.code == "not_crew"


def test_a_call_handler_may_not_report_a_position(api):
    unit = f.unit()
    assert _post(api("CALL_HANDLER"), unit, {"lat": 53.8, "lon": -1.5}).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"lat": 91, "lon": 0},
        {"lat": 0, "lon": -181},
        {"lat": 53.8},
        {"lat": "north", "lon": 0},
        {"lat": 53.8, "lon": -1.5, "accuracy_m": -1},
        {"lat": 53.8, "lon": -1.5, "recorded_at": "2026-11-28T14:00:00"},
        {"lat": 53.8, "lon": -1.5, "recorded_at": "2026-11-28T14:05:00+00:00"},
        {"lat": 53.8, "lon": -1.5, "recorded_at": "2026-11-28T10:00:00+00:00"},
        {"lat": 53.8, "lon": -1.5, "speed": 3},
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_position_that_cannot_be_true_is_a_400_and_changes_nothing(api, body):
    unit = f.unit(latitude=None, longitude=None)

    r = _post(api("DISPATCHER"), unit, body)

    assert r.status_code == 400, r.content
    assert {"detail", "code"} <= set(r.json())
    unit.refresh_from_db()
    assert unit.latitude is None


@time_machine.travel(NOW, tick=False)
def test_an_older_fix_arriving_late_does_not_move_the_unit_back():
    unit = f.unit(latitude=None, longitude=None)
    actor = f.dispatcher()
    services.unit_position_report(actor=actor, unit=unit, latitude=53.9, longitude=-1.5)

    _, stored = services.unit_position_report(
        actor=actor,
        unit=unit,
        latitude=53.1,
        longitude=-1.5,
        recorded_at=NOW - timedelta(minutes=2),
    )

    unit.refresh_from_db()
    assert not stored and unit.latitude == 53.9


@pytest.mark.django_db(transaction=True)
def test_a_stored_position_is_pushed_live_as_a_unit_event():
    """Dispatchers' screens (and the unit's own crew) hear where the unit is now."""
    unit = f.unit(call_sign="BX22")
    channel = listen(role_group("DISPATCHER"))

    services.unit_position_report(
        actor=f.dispatcher(), unit=unit, latitude=53.7, longitude=-1.4, accuracy_m=5
    )
    payload = next(p for p in payloads(channel) if p["type"] == "unit.position")

    assert payload["unit"] == unit.pk and payload["call_sign"] == "BX22"
    assert (payload["latitude"], payload["longitude"], payload["accuracy_m"]) == (53.7, -1.4, 5)


def test_nearest_first_is_claimed_only_when_distances_are_known():
    placed = f.incident(latitude=53.80, longitude=-1.55)
    nowhere = f.incident()
    f.unit(call_sign="FAR1", latitude=53.90, longitude=-1.55)
    f.unit(call_sign="NEAR1", latitude=53.801, longitude=-1.55)
    f.unit(call_sign="ANON1", latitude=None, longitude=None)

    ranked = selectors.units_recommended_for(placed)
    unranked = selectors.units_recommended_for(nowhere)

    assert [o.unit.call_sign for o in ranked] == ["NEAR1", "FAR1", "ANON1"]
    assert selectors.units_order_note(ranked) == (
        "nearest first; 1 without a position last, alphabetical"
    )
    assert [o.unit.call_sign for o in unranked] == ["ANON1", "FAR1", "NEAR1"]
    assert selectors.units_order_note(unranked) == "alphabetical (no positions)"


def test_the_assign_panel_says_alphabetical_when_the_incident_has_no_position(client):
    incident = f.incident()
    f.unit(call_sign="BX21")
    client.force_login(f.dispatcher())

    html = client.get(f"/dispatch/incidents/{incident.pk}/actions/").content.decode()

    assert "alphabetical (no positions)" in html
    assert "nearest first" not in html
