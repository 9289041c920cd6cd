"""Units: creation, the status transition table and history, crew rights, arrival."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cad.exceptions import Conflict, Forbidden, InvalidTransition, ValidationFailed
from cad.models import IncidentStatus
from dispatch import services
from dispatch.models import AssignmentStatus, UnitStatus, UnitStatusChange
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_a_new_unit_starts_available_and_setting_available_again_changes_nothing():
    unit = f.unit(call_sign="bx21")

    services.unit_set_status(actor=f.dispatcher(), unit=unit, status=UnitStatus.AVAILABLE)

    unit.refresh_from_db()
    assert unit.call_sign == "BX21"
    assert unit.status == UnitStatus.AVAILABLE
    assert not UnitStatusChange.objects.filter(unit=unit).exists()


def test_a_call_sign_in_use_is_refused():
    f.unit(call_sign="BX21")

    with pytest.raises(Conflict) as exc:
        f.unit(call_sign="bx21")

    assert exc.value.code == "call_sign_taken"


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"call_sign": "x"}, "invalid_call_sign"),
        ({"call_sign": "BX 21"}, "invalid_call_sign"),
        ({"call_sign": "BX21", "latitude": 91, "longitude": 0}, "invalid_position"),
        ({"call_sign": "BX21", "latitude": 53.8, "longitude": None}, "incomplete_position"),
        ({"call_sign": "BX21", "unit_type": "TANK"}, "unknown_unit_type"),
        ({"call_sign": "BX21", "capabilities": ["not ok"]}, "invalid_capability"),
        ({"call_sign": "BX21", "officers": ["nobody"]}, "unknown_officer"),
    ],
)
def test_bad_unit_details_are_refused(kwargs, code):
    kwargs.setdefault("latitude", None)
    kwargs.setdefault("longitude", None)
    with pytest.raises(ValidationFailed) as exc:
        services.unit_create(actor=None, **kwargs)

    assert exc.value.code == code


def test_a_unit_moves_forward_through_its_commitment_and_each_change_is_history():
    unit, incident = f.unit(), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=incident)

    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.EN_ROUTE)
    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.AT_SCENE)
    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.AVAILABLE)

    moves = list(UnitStatusChange.objects.filter(unit=unit).values_list("from_status", "to_status"))
    assert moves == [
        ("AVAILABLE", "ASSIGNED"),
        ("ASSIGNED", "EN_ROUTE"),
        ("EN_ROUTE", "AT_SCENE"),
        ("AT_SCENE", "AVAILABLE"),
    ]
    assert unit.assignments.get().status == AssignmentStatus.CLEARED


def test_the_first_unit_at_scene_stops_the_response_clock():
    unit, incident = f.unit(), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=incident)
    arrived = timezone.now() + timedelta(minutes=7)

    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.AT_SCENE, now=arrived)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.AT_SCENE
    assert incident.first_arrived_at == arrived


def test_a_unit_cannot_go_back_from_at_scene_to_en_route():
    unit, incident = f.unit(), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=incident)
    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.AT_SCENE)

    with pytest.raises(InvalidTransition):
        services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.EN_ROUTE)


def test_an_unavailable_unit_must_become_available_before_anything_else():
    unit = f.unit()
    actor = f.dispatcher()
    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.UNAVAILABLE)

    with pytest.raises(Conflict) as exc:
        services.unit_set_status(
            actor=actor, unit=unit, status=UnitStatus.EN_ROUTE, incident=f.incident()
        )

    assert exc.value.code == "unit_unavailable"


def test_en_route_without_a_commitment_needs_the_incident():
    with pytest.raises(ValidationFailed) as exc:
        services.unit_set_status(actor=f.dispatcher(), unit=f.unit(), status=UnitStatus.EN_ROUTE)

    assert exc.value.code == "incident_required"


def test_a_free_unit_reporting_at_scene_of_an_incident_commits_itself_there():
    unit, incident = f.unit(), f.incident()

    services.unit_set_status(
        actor=f.dispatcher(), unit=unit, status=UnitStatus.AT_SCENE, incident=incident
    )

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.AT_SCENE
    assert unit.assignments.get().status == AssignmentStatus.AT_SCENE


def test_reporting_for_another_incident_while_committed_is_a_divert_not_a_status():
    unit, first, second = f.unit(), f.incident(), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=first)

    with pytest.raises(Conflict) as exc:
        services.unit_set_status(
            actor=actor, unit=unit, status=UnitStatus.AT_SCENE, incident=second
        )

    assert exc.value.code == "unit_committed"


def test_an_officer_updates_only_a_unit_they_crew():
    crew, other = staff("OFFICER"), staff("OFFICER")
    unit = f.unit(officers=[crew.username])
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=f.incident())

    services.unit_set_status(actor=crew, unit=unit, status=UnitStatus.EN_ROUTE)
    with pytest.raises(Forbidden):
        services.unit_set_status(actor=other, unit=unit, status=UnitStatus.AT_SCENE)

    unit.refresh_from_db()
    assert unit.status == UnitStatus.EN_ROUTE


@pytest.mark.parametrize("status", ["ASSIGNED", "EN_ROUTE", "AT_SCENE"])
def test_an_officer_cannot_send_their_unit_to_an_incident_the_control_room_did_not_assign(
    api, status
):
    from dispatch.models import Assignment

    crew = staff("OFFICER")
    unit = f.unit(officers=[crew.username])
    incident = f.incident(domestic_abuse=True, marker=True)
    officer = api(user=crew)

    r = officer.post(
        f"/api/v1/units/{unit.pk}/status/",
        {"status": status, "incident": incident.pk},
        format="json",
    )

    assert r.status_code == 403
    assert r.json()["code"] == "not_assigned"
    unit.refresh_from_db()
    incident.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE
    assert incident.first_arrived_at is None
    assert not Assignment.objects.filter(unit=unit).exists()
    briefing = officer.get(f"/api/v1/units/{unit.pk}/briefing/")
    assert incident.reference not in briefing.content.decode()
    # Once the control room assigns the unit, the same report is the crew's to make.
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    r = officer.post(
        f"/api/v1/units/{unit.pk}/status/",
        {"status": status, "incident": incident.pk},
        format="json",
    )
    assert r.status_code == 200


@pytest.mark.parametrize("role", ["SUPPORT_OPERATOR", "QA_REVIEWER", "DISPATCHER"])
def test_only_officers_are_put_on_a_units_crew(api, role):
    desk = staff(role)
    unit = f.unit()

    r = api("DISPATCHER").post(
        f"/api/v1/units/{unit.pk}/crew/", {"officers": [desk.username]}, format="json"
    )
    with pytest.raises(ValidationFailed) as refused:
        f.unit(officers=[desk.username])

    assert r.status_code == 400
    assert r.json()["code"] == "not_an_officer"
    assert refused.value.code == "not_an_officer"
    assert not unit.officers.exists()


# --- API --------------------------------------------------------------------------------------


def test_admin_creates_a_unit_through_the_api(api):
    admin = api("ADMIN")

    r = admin.post(
        "/api/v1/units/",
        {"call_sign": "BX21", "latitude": 53.82, "longitude": -1.58},
        format="json",
    )

    assert r.status_code == 201
    assert r.json()["status"] == "AVAILABLE"
    assert r.json()["call_sign"] == "BX21"


def test_a_dispatcher_cannot_create_units(api):
    r = api("DISPATCHER").post("/api/v1/units/", {"call_sign": "BX21"}, format="json")

    assert r.status_code == 403


def test_units_list_filters_by_status(api):
    busy, free = f.unit(call_sign="BX21"), f.unit(call_sign="BX22")
    services.unit_assign(actor=f.dispatcher(), unit=busy, incident=f.incident())

    r = api("DISPATCHER").get("/api/v1/units/?status=AVAILABLE")

    assert r.status_code == 200
    assert [u["call_sign"] for u in r.json()["results"]] == [free.call_sign]


def test_an_unknown_status_filter_is_a_400(api):
    r = api("DISPATCHER").get("/api/v1/units/?status=ASLEEP")

    assert r.status_code == 400
    assert r.json()["code"] == "unknown_status"


def test_status_endpoint_at_scene_stops_the_clock(api):
    unit, incident = f.unit(), f.incident()
    client = api("DISPATCHER")
    client.post(f"/api/v1/incidents/{incident.pk}/assign/", {"unit": unit.pk}, format="json")

    r = client.post(
        f"/api/v1/units/{unit.pk}/status/",
        {"status": "AT_SCENE", "incident": incident.pk},
        format="json",
    )

    assert r.status_code == 200
    assert r.json()["status"] == "AT_SCENE"
    incident.refresh_from_db()
    assert incident.first_arrived_at is not None


def test_status_endpoint_with_a_bad_status_is_a_400_and_changes_nothing(api):
    unit = f.unit()

    r = api("ADMIN").post(f"/api/v1/units/{unit.pk}/status/", {"status": "ASLEEP"}, format="json")

    assert r.status_code == 400
    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


def test_status_of_a_missing_unit_is_a_404(api):
    r = api("ADMIN").post("/api/v1/units/999999/status/", {"status": "AVAILABLE"}, format="json")

    assert r.status_code == 404


def test_crew_can_be_set_by_a_dispatcher(api):
    unit, officer = f.unit(), staff("OFFICER")

    r = api("DISPATCHER").post(
        f"/api/v1/units/{unit.pk}/crew/", {"officers": [officer.username]}, format="json"
    )

    assert r.status_code == 200
    assert r.json()["officers"] == [officer.username]


def test_the_demo_seeder_adds_a_dozen_units_once():
    services.units_demo_seed()
    services.units_demo_seed()

    from dispatch.models import Unit

    assert Unit.objects.filter(call_sign__in=[u[0] for u in services.DEMO_UNITS]).count() == 12
