"""Assignment: one open commitment per unit, the incident's status follows its units, and of
many dispatchers racing for one unit exactly one wins."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from cad.exceptions import Conflict, ValidationFailed
from cad.models import Incident, IncidentStatus
from dispatch import services
from dispatch.models import Assignment, AssignmentStatus, UnitStatus
from monitoring.models import Alert, AlertKind
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_assigning_an_available_unit_resources_the_incident_and_logs_it():
    unit, incident = f.unit(call_sign="BX21"), f.incident()

    assignment = services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    unit.refresh_from_db()
    incident.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    assert unit.status == UnitStatus.ASSIGNED
    assert incident.status == IncidentStatus.RESOURCED
    assert incident.log_entries.filter(text__startswith="BX21 assigned").exists()


def test_assigning_a_unit_committed_elsewhere_is_a_conflict_that_names_the_divert():
    unit, first, second = f.unit(), f.incident(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=first)

    with pytest.raises(Conflict) as exc:
        services.unit_assign(actor=f.dispatcher(), unit=unit, incident=second)

    assert exc.value.code == "unit_committed"
    assert "divert" in exc.value.message
    second.refresh_from_db()
    assert second.status == IncidentStatus.OPEN


def test_assigning_the_same_unit_twice_to_one_incident_is_refused():
    unit, incident = f.unit(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    with pytest.raises(Conflict) as exc:
        services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    assert exc.value.code == "already_assigned"


def test_assigning_an_unavailable_unit_is_refused_and_nothing_changes():
    unit, incident = f.unit(), f.incident()
    services.unit_set_status(actor=f.dispatcher(), unit=unit, status=UnitStatus.UNAVAILABLE)

    with pytest.raises(Conflict) as exc:
        services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    assert exc.value.code == "unit_unavailable"
    assert not Assignment.objects.filter(unit=unit).exists()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN


def test_the_database_refuses_a_second_open_assignment_for_a_unit():
    unit, first, second = f.unit(), f.incident(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(unit=unit, incident=second, assigned_at=first.received_at)


def test_releasing_the_last_unit_before_arrival_puts_the_incident_back_on_the_list():
    unit, incident = f.unit(call_sign="BX21"), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    services.unit_release(actor=f.dispatcher(), unit=unit, reason="needed for a crash")

    unit.refresh_from_db()
    incident.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE
    assert incident.status == IncidentStatus.OPEN
    assert unit.assignments.get().status == AssignmentStatus.RELEASED
    assert incident.log_entries.filter(text__contains="back on the outstanding list").exists()
    alert = Alert.objects.get(incident=incident, kind=AlertKind.DIVERT_UNRESOURCED)
    assert "released by" in alert.message and "needed for a crash" in alert.message


def test_a_release_before_arrival_without_a_reason_is_refused_and_nothing_changes():
    unit, incident = f.unit(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    with pytest.raises(ValidationFailed) as exc:
        services.unit_release(actor=f.dispatcher(), unit=unit, reason="")

    assert exc.value.code == "reason_required"
    unit.refresh_from_db()
    assert unit.status == UnitStatus.ASSIGNED


@pytest.mark.parametrize("status", [UnitStatus.AVAILABLE, UnitStatus.UNAVAILABLE])
def test_a_crew_cannot_release_itself_before_arrival(status):
    crew = staff("OFFICER")
    unit, incident = f.unit(officers=[crew.username]), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    services.unit_set_status(actor=crew, unit=unit, status=UnitStatus.EN_ROUTE)

    with pytest.raises(Conflict) as exc:
        services.unit_set_status(actor=crew, unit=unit, status=status, note="going home")

    assert exc.value.code == "release_before_arrival"
    unit.refresh_from_db()
    assert unit.status == UnitStatus.EN_ROUTE


def test_a_crew_may_clear_itself_after_arrival():
    crew = staff("OFFICER")
    unit, incident = f.unit(officers=[crew.username]), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    services.unit_set_status(actor=crew, unit=unit, status=UnitStatus.AT_SCENE)

    services.unit_set_status(actor=crew, unit=unit, status=UnitStatus.AVAILABLE)

    unit.refresh_from_db()
    assert unit.status == UnitStatus.AVAILABLE


def test_releasing_one_of_two_units_keeps_the_incident_resourced():
    first, second, incident = f.unit(), f.unit(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=first, incident=incident)
    services.unit_assign(actor=f.dispatcher(), unit=second, incident=incident)

    services.unit_release(actor=f.dispatcher(), unit=first, reason="needed elsewhere")

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOURCED
    assert not Alert.objects.filter(incident=incident).exists()


def test_clearing_after_arrival_leaves_the_incident_at_scene():
    unit, incident = f.unit(), f.incident()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=incident)
    services.unit_set_status(actor=actor, unit=unit, status=UnitStatus.AT_SCENE)

    services.unit_release(actor=actor, unit=unit)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.AT_SCENE
    assert unit.assignments.get().status == AssignmentStatus.CLEARED


def test_releasing_a_free_unit_is_refused():
    with pytest.raises(Conflict) as exc:
        services.unit_release(actor=f.dispatcher(), unit=f.unit())

    assert exc.value.code == "unit_not_committed"


def test_a_closed_incident_cannot_be_assigned():
    incident = f.incident(status=IncidentStatus.CLOSED)

    with pytest.raises(Conflict) as exc:
        services.unit_assign(actor=f.dispatcher(), unit=f.unit(), incident=incident)

    assert exc.value.code == "incident_closed"


def test_closing_an_incident_with_a_unit_still_committed_is_refused():
    from cad.models import ClosingCode
    from cad.services import incident_close

    unit, incident = f.unit(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    code = ClosingCode.objects.filter(active=True).first()

    with pytest.raises(Conflict) as exc:
        incident_close(
            actor=f.dispatcher(), incident=incident, closing_code=code.code, resolution_note="done"
        )

    assert exc.value.code == "units_committed"
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOURCED


# --- API --------------------------------------------------------------------------------------


def test_assign_endpoint_returns_the_assignment(api):
    unit, incident = f.unit(), f.incident()

    r = api("DISPATCHER").post(
        f"/api/v1/incidents/{incident.pk}/assign/", {"unit": unit.pk}, format="json"
    )

    assert r.status_code == 201
    body = r.json()
    assert (body["unit"], body["incident"], body["status"]) == (unit.pk, incident.pk, "ASSIGNED")


def test_assign_endpoint_409s_for_a_committed_unit(api):
    unit, first, second = f.unit(), f.incident(), f.incident()
    client = api("DISPATCHER")
    client.post(f"/api/v1/incidents/{first.pk}/assign/", {"unit": unit.pk}, format="json")

    r = client.post(f"/api/v1/incidents/{second.pk}/assign/", {"unit": unit.pk}, format="json")

    assert r.status_code == 409
    assert r.json()["code"] == "unit_committed"


def test_assign_endpoint_with_an_unknown_unit_is_a_400(api):
    r = api("DISPATCHER").post(
        f"/api/v1/incidents/{f.incident().pk}/assign/", {"unit": 999999}, format="json"
    )

    assert r.status_code == 400


def test_a_call_handler_cannot_assign(api):
    r = api("CALL_HANDLER").post(
        f"/api/v1/incidents/{f.incident().pk}/assign/", {"unit": f.unit().pk}, format="json"
    )

    assert r.status_code == 403


def test_the_incident_api_lists_its_assignments(api):
    unit, incident = f.unit(call_sign="BX21"), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    r = api("DISPATCHER").get(f"/api/v1/incidents/{incident.pk}/")

    assert r.status_code == 200
    assert [(a["unit"], a["call_sign"], a["status"]) for a in r.json()["assignments"]] == [
        (unit.pk, "BX21", "ASSIGNED")
    ]


def test_release_endpoint_returns_the_unit_available(api):
    unit, incident = f.unit(), f.incident()
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    r = api("DISPATCHER").post(f"/api/v1/units/{unit.pk}/release/", {"reason": "x"}, format="json")

    assert r.status_code == 200
    assert r.json()["status"] == "AVAILABLE"


def test_recommended_units_are_capable_first_then_nearest(api):
    incident = f.incident(latitude=53.80, longitude=-1.55)
    far = f.unit(call_sign="FAR1", latitude=53.90, longitude=-1.55, capabilities=["ARMED"])
    near = f.unit(call_sign="NEAR1", latitude=53.801, longitude=-1.55)
    f.unit(call_sign="NOPOS1", latitude=None, longitude=None)

    plain = api("DISPATCHER").get(f"/api/v1/incidents/{incident.pk}/recommended-units/").json()
    armed = (
        api("DISPATCHER")
        .get(f"/api/v1/incidents/{incident.pk}/recommended-units/?capability=armed")
        .json()
    )

    assert [o["unit"]["call_sign"] for o in plain] == ["NEAR1", "FAR1", "NOPOS1"]
    assert armed[0]["unit"]["call_sign"] == far.call_sign
    assert 10 < armed[0]["distance_km"] < 12
    assert plain[0]["unit"]["id"] == near.pk


# --- The race ---------------------------------------------------------------------------------


# Eight desks at a time is enough to race (a barrier releases them together, each on its own
# connection) without needing dozens of free PostgreSQL connections on a busy server; repeating
# the race with a fresh unit each round makes a lucky ordering very unlikely to hide a bug.
RACERS = 8
ROUNDS = 10


def _race_for(unit, incidents, actor) -> list[str]:
    """Every desk tries to assign `unit` to its own incident at the same moment."""
    barrier = threading.Barrier(len(incidents))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(incident):
        try:
            barrier.wait(timeout=30)
            services.unit_assign(actor=actor, unit=unit, incident=incident)
            result = "won"
        except Conflict as exc:
            result = exc.code
        except Exception as exc:  # anything else is a failure of the test
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in incidents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_dispatchers_racing_for_one_unit_exactly_one_wins_every_time():
    actor = f.dispatcher()
    for round_ in range(ROUNDS):
        unit = f.unit(call_sign=f"RACE{round_}")
        incidents = [f.incident() for _ in range(RACERS)]

        outcomes = _race_for(unit, incidents, actor)

        assert sorted(outcomes) == ["unit_committed"] * (RACERS - 1) + ["won"], outcomes
        assert Assignment.objects.filter(unit=unit).count() == 1
        resourced = Incident.objects.filter(
            pk__in=[i.pk for i in incidents], status=IncidentStatus.RESOURCED
        )
        assert resourced.count() == 1
