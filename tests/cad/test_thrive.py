"""THRIVE on incidents: pre-filled from the engine's findings, confirmed or edited by the
handler, stored with its history, audited, and shown on the incident page and in the API."""

import pytest

from cad import services
from cad.exceptions import InvalidTransition, ValidationFailed
from cad.grading.thrive import thrive_suggest
from cad.models import ThriveAssessment
from core.audit import audit_trail
from tests.cad.factories import call_handler, incident, supervisor

pytestmark = pytest.mark.django_db

DA_NARRATIVE = (
    "Caller says her ex-husband is banging on her door. She had a court order against him last "
    "year. She is scared."
)


def _panel(**changes) -> dict:
    panel = {
        "threat": {"text": "Ex-husband at the door", "level": "HIGH"},
        "harm": {"text": "None yet", "level": "MEDIUM"},
        "risk": {"text": "Immediate", "level": "HIGH"},
        "investigation": {"text": "Check the order"},
        "vulnerability": {"text": "Lives alone", "level": "HIGH"},
        "engagement": {"text": "Keep her on the line"},
    }
    panel.update(changes)
    return panel


def _create(client, **extra):
    body = {"channel": "999", "narrative": DA_NARRATIVE, "caller_phone": "07700 900123", **extra}
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- pre-filled, confirmed or edited ---


def test_a_call_taken_without_thrive_has_the_engines_suggestion_marked_as_such(api):
    body = _create(api("CALL_HANDLER"))

    thrive = body["thrive"]
    assert thrive["status"] == "SUGGESTED"
    assert thrive["recorded_by"] == "system"
    assert thrive["version"] == 1
    assert thrive["threat"]["level"] == "HIGH"
    assert '"banging on her door"' in thrive["threat"]["text"]
    assert '"court order"' in thrive["investigation"]["text"]


def test_the_suggestion_confirmed_as_it_stands_is_recorded_as_confirmed_by_the_handler(api):
    client = api("CALL_HANDLER")
    suggested = api("CALL_HANDLER").post(
        "/api/v1/grading/assess/", {"narrative": DA_NARRATIVE}, format="json"
    )
    panel = thrive_suggest(suggested.json())

    body = _create(client, thrive=panel)

    assert body["thrive"]["status"] == "CONFIRMED"
    assert body["thrive"]["recorded_by"] == client.user.username


def test_an_edited_panel_at_call_time_is_recorded_as_edited(api):
    body = _create(api("CALL_HANDLER"), thrive=_panel())

    assert body["thrive"]["status"] == "EDITED"
    assert body["thrive"]["vulnerability"] == {"text": "Lives alone", "level": "HIGH"}


def test_each_change_is_a_new_version_audited_with_who_and_when():
    handler = call_handler("erin")
    taken = incident(narrative=DA_NARRATIVE, actor=handler)

    record = services.incident_thrive_record(
        actor=handler, incident=taken, panel=_panel(harm={"text": "Bruised arm", "level": "HIGH"})
    )

    assert (record.version, record.status, record.recorded_by) == (2, "EDITED", handler)
    assert ThriveAssessment.objects.filter(incident=taken).count() == 2
    event = [e for e in audit_trail(taken) if e.action == "incident.thrive_recorded"][-1]
    assert event.actor == handler
    assert event.data["version"] == 2
    assert "harm" in event.data["changed"]
    assert event.data["changed"]["harm"]["to"] == {"text": "Bruised arm", "level": "HIGH"}
    assert any("THRIVE" in line.text for line in taken.log_entries.all())


def test_the_history_keeps_every_version_oldest_first(api):
    client = api("CALL_HANDLER")
    created = _create(client)
    url = f"/api/v1/incidents/{created['id']}/thrive/"

    client.put(url, _panel(), format="json")
    client.put(url, _panel(risk={"text": "Escalating", "level": "HIGH"}), format="json")
    body = client.get(url).json()

    assert [v["version"] for v in body["history"]] == [1, 2, 3]
    assert [v["status"] for v in body["history"]] == ["SUGGESTED", "EDITED", "EDITED"]
    assert body["current"]["risk"]["text"] == "Escalating"
    assert body["suggested"]["threat"]["level"] == "HIGH"


def test_putting_the_same_panel_again_records_nothing_new(api):
    client = api("CALL_HANDLER")
    created = _create(client, thrive=_panel())

    response = client.put(f"/api/v1/incidents/{created['id']}/thrive/", _panel(), format="json")

    assert response.status_code == 200
    assert response.json()["current"]["version"] == 1


def test_a_suggestion_nobody_has_confirmed_follows_new_evidence():
    handler = call_handler()
    taken = incident(narrative="My ex-husband is outside my house", actor=handler)

    services.incident_log_add(actor=handler, incident=taken, text="He has a knife in his hand")

    current = taken.thrive_assessments.order_by("-version").first()
    assert current.status == "SUGGESTED"
    assert '"has a knife"' in current.harm or '"has a knife"' in current.threat


def test_new_evidence_never_overwrites_what_a_handler_confirmed():
    handler = call_handler()
    taken = incident(narrative="My ex-husband is outside my house", actor=handler)
    services.incident_thrive_record(actor=handler, incident=taken, panel=_panel())

    services.incident_log_add(actor=handler, incident=taken, text="He has a knife in his hand")

    current = taken.thrive_assessments.order_by("-version").first()
    assert (current.version, current.status) == (2, "EDITED")


# --- bad input ---


@pytest.mark.parametrize(
    "panel",
    [
        {k: v for k, v in _panel().items() if k != "engagement"},
        _panel(threat={"text": "  ", "level": "HIGH"}),
        _panel(risk={"text": "x", "level": "EXTREME"}),
        _panel(investigation={"text": "x", "level": "HIGH"}),
        _panel(threat="just a string"),
        {**_panel(), "weather": {"text": "rain"}},
    ],
)
def test_a_panel_missing_a_heading_or_with_a_bad_level_is_refused(panel):
    taken = incident(narrative=DA_NARRATIVE)

    with pytest.raises(ValidationFailed):
        services.incident_thrive_record(actor=call_handler(), incident=taken, panel=panel)


def test_a_bad_panel_through_the_api_is_a_400_naming_the_heading(api):
    client = api("CALL_HANDLER")
    created = _create(client)

    response = client.put(
        f"/api/v1/incidents/{created['id']}/thrive/",
        _panel(harm={"text": "", "level": "LOW"}),
        format="json",
    )

    assert response.status_code == 400
    assert "harm" in response.json()["detail"].lower()


def test_thrive_on_a_closed_incident_cannot_change():
    taken = incident(narrative="Shed broken into overnight", channel="101")
    services.incident_close(
        actor=call_handler(),
        incident=taken,
        closing_code="RESOLVED_BY_PHONE",
        resolution_note="advice",
    )

    with pytest.raises(InvalidTransition):
        services.incident_thrive_record(actor=call_handler(), incident=taken, panel=_panel())


# --- who may edit and read ---


@pytest.mark.parametrize("role", ["CALL_HANDLER", "SUPERVISOR"])
def test_call_handlers_and_supervisors_edit_thrive(api, role):
    created = _create(api("CALL_HANDLER"))

    response = api(role).put(f"/api/v1/incidents/{created['id']}/thrive/", _panel(), format="json")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("role", ["DISPATCHER", "OFFICER", "QA_REVIEWER", "SUPPORT_OPERATOR"])
def test_other_roles_cannot_edit_thrive(api, role):
    created = _create(api("CALL_HANDLER"))

    response = api(role).put(f"/api/v1/incidents/{created['id']}/thrive/", _panel(), format="json")

    assert response.status_code == 403


def test_the_control_room_reads_thrive_but_an_officer_only_in_their_briefing(api):
    created = _create(api("CALL_HANDLER"))
    url = f"/api/v1/incidents/{created['id']}/thrive/"

    assert api("DISPATCHER").get(url).status_code == 200
    assert api("OFFICER").get(url).status_code == 403
    assert api("OFFICER").get(f"/api/v1/incidents/{created['id']}/").status_code == 403


# --- shown ---


def test_the_incident_page_shows_thrive_and_the_edit_form_to_a_handler(client):
    handler = call_handler()
    taken = incident(narrative=DA_NARRATIVE, actor=handler)
    client.force_login(handler)

    html = client.get(f"/incidents/{taken.pk}/").content.decode()

    assert 'id="thrive"' in html
    assert "Suggested by the system" in html
    assert "banging on her door" in html
    assert 'name="thrive_threat"' in html


def test_the_incident_page_shows_thrive_read_only_to_a_dispatcher(client, make_staff):
    taken = incident(narrative=DA_NARRATIVE)
    client.force_login(make_staff("DISPATCHER"))

    html = client.get(f"/incidents/{taken.pk}/").content.decode()

    assert 'id="thrive"' in html
    assert 'name="thrive_threat"' not in html


def test_the_thrive_form_on_the_incident_page_records_a_version(client):
    handler = supervisor()
    taken = incident(narrative=DA_NARRATIVE)
    client.force_login(handler)
    form = {f"thrive_{h}": v["text"] for h, v in _panel().items()}
    form.update({f"thrive_{h}_level": v["level"] for h, v in _panel().items() if "level" in v})

    response = client.post(f"/incidents/{taken.pk}/thrive/", form)

    assert response.status_code == 302
    current = taken.thrive_assessments.order_by("-version").first()
    assert (current.version, current.recorded_by, current.engagement) == (
        2,
        handler,
        "Keep her on the line",
    )


def test_confirming_the_suggestion_on_the_incident_page_records_it_as_confirmed(client):
    handler = call_handler()
    taken = incident(narrative=DA_NARRATIVE, actor=handler)
    suggested = taken.thrive_current.as_panel()
    client.force_login(handler)
    # A browser sends a textarea's lines with CRLF.
    form = {f"thrive_{h}": v["text"].replace("\n", "\r\n") for h, v in suggested.items()}
    form.update({f"thrive_{h}_level": v["level"] for h, v in suggested.items() if "level" in v})

    client.post(f"/incidents/{taken.pk}/thrive/", form)

    current = taken.thrive_assessments.order_by("-version").first()
    assert (current.version, current.status, current.recorded_by) == (2, "CONFIRMED", handler)


def test_the_thrive_form_is_refused_to_a_dispatcher(client, make_staff):
    taken = incident(narrative=DA_NARRATIVE)
    client.force_login(make_staff("DISPATCHER"))

    response = client.post(f"/incidents/{taken.pk}/thrive/", {"thrive_threat": "x"})

    assert response.status_code == 403
    assert taken.thrive_assessments.count() == 1
