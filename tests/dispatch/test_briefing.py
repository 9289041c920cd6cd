"""The attending officer's briefing: the whole incident, never only its first line."""

import pytest

from cad.services import incident_log_add
from dispatch import services
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed():
    unit = f.unit(call_sign="BX22")
    incident = f.incident(
        domestic_abuse=True,
        marker=True,
        narrative="Someone's buzzing at my door, don't know who it is.",
        address="12 Acacia Avenue, Leeds LS6 2AB",
    )
    incident.assessment = {
        "context_floor": "IMMEDIATE",
        "risk_factors": [
            {"code": "THREAT_TO_KILL", "label": "Threat to kill", "evidence": "threatened to kill"}
        ],
    }
    incident.caller_name = "Anne Example"
    incident.save()
    incident_log_add(
        actor=staff("CALL_HANDLER"),
        incident=incident,
        text="Caller says he has threatened to kill her before",
    )
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    return unit, incident


def test_the_briefing_holds_every_log_line_and_the_warnings(api, committed):
    unit, incident = committed
    client = api("OFFICER")
    unit.officers.add(client.user)

    r = client.get(f"/api/v1/units/{unit.pk}/briefing/")

    assert r.status_code == 200
    body = r.json()
    texts = [line["text"] for line in body["incident"]["log"]]
    assert "Someone's buzzing at my door, don't know who it is." in texts
    assert "Caller says he has threatened to kill her before" in texts
    assert body["incident"]["domestic_abuse"] is True
    assert body["incident"]["caller_name"] == "Anne Example"
    assert body["incident"]["address"] == "12 Acacia Avenue, Leeds LS6 2AB"
    codes = {w["code"] for w in body["warnings"]}
    assert {"DA", "THREAT_TO_KILL"} <= codes
    assert body["assignment"]["status"] == "ASSIGNED"
    assert body["intel_summary"]


def test_a_unit_with_no_commitment_has_an_empty_briefing(api):
    unit = f.unit()

    r = api("DISPATCHER").get(f"/api/v1/units/{unit.pk}/briefing/")

    assert r.status_code == 200
    assert r.json()["incident"] is None


def test_the_briefing_of_a_missing_unit_is_a_404(api):
    assert api("OFFICER").get("/api/v1/units/999999/briefing/").status_code == 404


def test_the_briefing_page_shows_the_whole_log_to_the_crew(client, committed):
    unit, incident = committed
    officer = staff("OFFICER")
    unit.officers.add(officer)
    client.force_login(officer)

    mine = client.get("/dispatch/briefing/")
    page = client.get(f"/dispatch/units/{unit.pk}/briefing/")

    assert mine.status_code == 302 and mine.url.endswith(f"/units/{unit.pk}/briefing/")
    html = page.content.decode()
    assert "Someone&#x27;s buzzing at my door" in html
    assert "threatened to kill her before" in html
    assert "Threat to kill" in html
    assert "At scene" in html


def test_the_crew_reports_at_scene_from_the_briefing_page(client, committed):
    unit, incident = committed
    officer = staff("OFFICER")
    unit.officers.add(officer)
    client.force_login(officer)

    client.post(f"/dispatch/units/{unit.pk}/status/", {"status": "AT_SCENE", "next": "/"})

    incident.refresh_from_db()
    assert incident.first_arrived_at is not None


def test_an_officer_cannot_read_the_briefing_of_a_unit_they_do_not_crew(api, client, committed):
    unit, _ = committed
    outsider = api("OFFICER")
    client.force_login(outsider.user)

    r = outsider.get(f"/api/v1/units/{unit.pk}/briefing/")
    page = client.get(f"/dispatch/units/{unit.pk}/briefing/")

    assert r.status_code == 403 and r.json()["code"] == "not_crew"
    assert page.status_code == 403


def test_the_control_room_reads_any_briefing(api, committed):
    unit, _ = committed

    assert api("DISPATCHER").get(f"/api/v1/units/{unit.pk}/briefing/").status_code == 200


def test_the_briefing_page_of_a_missing_unit_is_a_404(client):
    client.force_login(staff("DISPATCHER"))

    assert client.get("/dispatch/units/999999/briefing/").status_code == 404


def test_the_dispatch_page_of_a_missing_incident_is_a_404(client):
    client.force_login(staff("DISPATCHER"))

    assert client.get("/dispatch/incidents/999999/").status_code == 404


def test_assigning_to_a_missing_incident_is_a_404_not_a_500(client):
    client.force_login(staff("DISPATCHER"))

    r = client.post(
        "/dispatch/incidents/999999/assign/", {"unit": f.unit().pk}, HTTP_HX_REQUEST="true"
    )

    assert r.status_code == 404


def test_the_status_form_never_redirects_off_site(client, committed):
    unit, _ = committed
    officer = staff("OFFICER")
    unit.officers.add(officer)
    client.force_login(officer)

    r = client.post(
        f"/dispatch/units/{unit.pk}/status/",
        {"status": "EN_ROUTE", "next": "https://evil.example/phish"},
    )

    assert r.status_code == 302
    assert "evil.example" not in r.url


def test_a_crew_is_not_offered_available_before_arrival(client, committed):
    unit, _ = committed
    officer = staff("OFFICER")
    unit.officers.add(officer)
    client.force_login(officer)

    html = client.get(f"/dispatch/units/{unit.pk}/briefing/").content.decode()

    assert 'value="AVAILABLE"' not in html
