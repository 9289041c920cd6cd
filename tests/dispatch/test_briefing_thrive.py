"""The officer reads the call's THRIVE and the handler's DA answers in their briefing."""

import pytest

from cad import services as cad_services
from dispatch import services
from tests.cad.factories import call_handler
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db

PANEL = {
    "threat": {"text": "Ex-husband trying the windows", "level": "HIGH"},
    "harm": {"text": "Strangled her last month", "level": "HIGH"},
    "risk": {"text": "Immediate: present danger", "level": "HIGH"},
    "investigation": {"text": "Non-molestation order to check"},
    "vulnerability": {"text": "Two children in the house", "level": "HIGH"},
    "engagement": {"text": "Call back on a safe number only"},
}


@pytest.fixture
def committed():
    handler = call_handler()
    incident = cad_services.incident_create(
        actor=handler,
        channel="999",
        narrative="My ex-husband is outside my house",
        caller_phone="07700 900321",
        da_answers={"connection": "yes", "present": "yes"},
    )
    cad_services.incident_thrive_record(actor=handler, incident=incident, panel=PANEL)
    unit = f.unit(call_sign="BX31")
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    officer = staff("OFFICER")
    unit.officers.add(officer)
    return unit, incident, officer


def test_the_briefing_api_carries_thrive_and_the_da_answers(api, committed):
    unit, _, officer = committed

    body = api(user=officer).get(f"/api/v1/units/{unit.pk}/briefing/").json()

    thrive = body["incident"]["thrive"]
    assert thrive["vulnerability"] == {"text": "Two children in the house", "level": "HIGH"}
    assert thrive["status"] == "EDITED"
    assert body["incident"]["da_answers"] == {"connection": "yes", "present": "yes"}


def test_the_briefing_page_shows_thrive_to_the_crew(client, committed):
    unit, _, officer = committed
    client.force_login(officer)

    html = client.get(f"/dispatch/units/{unit.pk}/briefing/").content.decode()

    assert 'id="thrive"' in html
    assert "Strangled her last month" in html
    assert "Call back on a safe number only" in html
    assert 'name="thrive_threat"' not in html  # read only
