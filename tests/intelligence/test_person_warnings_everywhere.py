"""A named person's warning is on every screen that concerns the incident, once, with the
record behind it: call taking, the incident, the dispatcher's panel and the officer's briefing.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cad.models import Incident
from dispatch import services as dispatch_services
from tests.dispatch import unit_factories as units

pytestmark = pytest.mark.django_db

NAMED = ["Brian Example (ex-husband)"]


@pytest.fixture
def knife(api):
    r = api("SUPPORT_OPERATOR").post(
        "/api/v1/intel/records/",
        {
            "kind": "INTELLIGENCE",
            "summary": "Known to carry a knife; threatened officers at his last arrest",
            "occurred_at": (timezone.now() - timedelta(days=200)).isoformat(),
            "names": ["EXAMPLE, Brian"],
            "warnings": ["WEAPONS", "OFFICER_SAFETY"],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    return r.json()


@pytest.fixture
def incident(api, knife):
    r = api("CALL_HANDLER").post(
        "/api/v1/incidents/",
        {
            "channel": "999",
            "caller_phone": "07700 900321",
            "caller_name": "Anne Example",
            "address": "3 Quarry Road, Leeds LS6 2AB",
            "narrative": "My ex-husband is outside shouting, I'm scared",
            "named_people": NAMED,
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    return r.json()


def _once(texts, knife):
    ref = f"record #{knife['id']}"
    hits = [t for t in texts if "carry a knife" in t["text"]]
    assert len(hits) == 1, texts
    assert hits[0]["ref"] == ref
    assert hits[0]["level"] == "danger"
    assert "matched on" not in hits[0]["text"]


def _page_warnings(html: str, knife) -> list[str]:
    return re.findall(rf'data-ref="record #{knife["id"]}"', html)


def test_call_taking_shows_the_warning_once_while_the_call_is_typed(api, client, knife):
    handler = api("CALL_HANDLER")
    client.force_login(handler.user)

    assessed = handler.post(
        "/api/v1/grading/assess/",
        {"narrative": "My ex is outside", "named_people": NAMED},
        format="json",
    ).json()
    html = client.post(
        "/calls/assess/",
        {"channel": "999", "narrative": "My ex is outside", "named_people": "\n".join(NAMED)},
    ).content.decode()

    _once(assessed["warnings"], knife)
    assert len(_page_warnings(html, knife)) == 1


def test_the_incident_shows_the_warning_once(api, client, incident, knife):
    dispatcher = api("DISPATCHER")
    client.force_login(dispatcher.user)

    body = dispatcher.get(f"/api/v1/incidents/{incident['id']}/").json()
    html = client.get(f"/incidents/{incident['id']}/").content.decode()

    _once(body["warnings"], knife)
    assert len(_page_warnings(html, knife)) == 1
    assert "Brian Example (ex-husband)" in html


def test_the_dispatchers_panel_and_the_officers_briefing_show_it_once(api, client, incident, knife):
    unit = units.unit(call_sign="BX40")
    dispatch_services.unit_assign(
        actor=units.dispatcher(), unit=unit, incident=Incident.objects.get(pk=incident["id"])
    )
    officer = api("OFFICER")
    unit.officers.add(officer.user)

    briefing = officer.get(f"/api/v1/units/{unit.pk}/briefing/").json()
    client.force_login(officer.user)
    briefing_page = client.get(f"/dispatch/units/{unit.pk}/briefing/").content.decode()
    client.force_login(api("DISPATCHER").user)
    panel = client.get(f"/dispatch/incidents/{incident['id']}/").content.decode()

    _once(briefing["warnings"], knife)
    warnings_section = briefing_page.split('<section class="panel warnings">')[1].split(
        "</section>"
    )[0]
    assert warnings_section.count("carry a knife") == 1
    assert len(_page_warnings(briefing_page, knife)) == 1
    assert "carry a knife" not in " ".join(briefing["intel_summary"])
    assert len(_page_warnings(panel, knife)) == 1
