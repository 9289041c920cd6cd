"""An officer crews one unit at a time: a second unit is refused, naming the first, unless the
request says to move them, which is logged and audited."""

import pytest

from cad.models import IncidentLogEntry
from core.audit import audit_trail
from core.exceptions import Conflict
from dispatch import selectors, services
from dispatch.models import UnitStatus
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_crewing_an_officer_already_on_another_unit_is_refused_naming_that_unit():
    officer = staff("OFFICER")
    first = f.unit(call_sign="BX21", officers=[officer.username])
    second = f.unit(call_sign="BX22")

    with pytest.raises(Conflict) as refused:
        services.unit_crew_set(actor=f.dispatcher(), unit=second, officers=[officer.username])

    assert refused.value.code == "officer_on_another_unit"
    assert "BX21" in refused.value.message
    assert list(first.officers.all()) == [officer] and not second.officers.exists()


def test_a_new_unit_cannot_take_an_officer_crewing_another():
    officer = staff("OFFICER")
    f.unit(call_sign="BX21", officers=[officer.username])

    with pytest.raises(Conflict) as refused:
        f.unit(call_sign="BX23", officers=[officer.username])

    assert refused.value.code == "officer_on_another_unit"


def test_an_explicit_move_takes_the_officer_off_the_other_unit_and_logs_it_on_its_incident():
    officer, partner = staff("OFFICER"), staff("OFFICER")
    first = f.unit(call_sign="BX21", officers=[officer.username, partner.username])
    incident = f.incident()
    services.unit_set_status(
        actor=f.dispatcher(), unit=first, status=UnitStatus.AT_SCENE, incident=incident
    )
    second = f.unit(call_sign="BX22")

    services.unit_crew_set(
        actor=f.dispatcher(), unit=second, officers=[officer.username], move=True
    )

    assert list(first.officers.all()) == [partner]
    assert list(second.officers.all()) == [officer]
    assert [e.action for e in audit_trail(first)][-1] == "unit.crew_moved_off"
    log = IncidentLogEntry.objects.filter(incident=incident).values_list("text", flat=True)
    assert any(f"{officer.username} moved off BX21" in line for line in log)


def test_the_briefing_lists_the_one_unit_the_officer_crews():
    officer = staff("OFFICER")
    f.unit(call_sign="BX21", officers=[officer.username])
    for call_sign in ("BX22", "BX23"):
        with pytest.raises(Conflict):
            f.unit(call_sign=call_sign, officers=[officer.username])

    assert [u.call_sign for u in selectors.units_for_officer(officer)] == ["BX21"]


def test_setting_the_same_crew_again_is_not_a_move():
    officer = staff("OFFICER")
    unit = f.unit(call_sign="BX21", officers=[officer.username])

    services.unit_crew_set(actor=f.dispatcher(), unit=unit, officers=[officer.username])

    assert list(unit.officers.all()) == [officer]


def test_the_crew_api_answers_409_naming_the_unit_and_moves_on_request(api):
    officer = staff("OFFICER")
    f.unit(call_sign="BX21", officers=[officer.username])
    second = f.unit(call_sign="BX22")
    client = api("DISPATCHER")

    refused = client.post(
        f"/api/v1/units/{second.pk}/crew/", {"officers": [officer.username]}, format="json"
    )
    moved = client.post(
        f"/api/v1/units/{second.pk}/crew/",
        {"officers": [officer.username], "move": True},
        format="json",
    )

    assert refused.status_code == 409
    assert refused.json()["code"] == "officer_on_another_unit"
    assert "BX21" in refused.json()["detail"]
    assert moved.status_code == 200 and moved.json()["officers"] == [officer.username]


@pytest.mark.django_db(transaction=True)
def test_two_desks_crewing_one_officer_onto_two_units_at_once_cannot_both_succeed():
    import threading

    from django.db import connections

    officer = staff("OFFICER")
    units = [f.unit(call_sign="BX31"), f.unit(call_sign="BX32")]
    desk = f.dispatcher()
    start = threading.Barrier(2)
    outcomes = []

    def crew(unit):
        try:
            start.wait(5)
            services.unit_crew_set(actor=desk, unit=unit, officers=[officer.username])
            outcomes.append("crewed")
        except Conflict as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=crew, args=(unit,)) for unit in units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert sorted(outcomes) == ["crewed", "officer_on_another_unit"]
    assert officer.units.count() == 1
