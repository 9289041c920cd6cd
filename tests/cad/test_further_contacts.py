"""A further call about an incident changes the incident it is about: it is on the log, it is
read again with everything said before, and it can only make the incident safer."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cad import services
from cad.models import GradeRequest, IncidentLogEntry
from core.audit import audit_trail
from core.live import role_group
from monitoring.models import Alert, AlertKind
from tests.cad.factories import call_handler
from tests.factories import staff
from tests.live import listen, payloads

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
NEIGHBOUR = "Neighbour can hear shouting next door"
VICTIM = "Caller says her ex-partner has a knife and is strangling her"


def _neighbour_call(handler=None):
    return services.incident_create(
        actor=handler or call_handler(),
        channel="101",
        narrative=NEIGHBOUR,
        caller_phone="0113 496 0001",
        caller_name="Pat Neighbour",
        address="14 Acacia Avenue, Leeds LS6 2AB",
        now=T0,
    )


def test_a_999_call_about_a_scheduled_incident_makes_it_da_and_immediate_with_a_log_line(api):
    client = api("CALL_HANDLER")
    incident = _neighbour_call(client.user)
    assert (incident.grade, incident.domestic_abuse, incident.target_response_at) == (
        "SCHEDULED",
        False,
        None,
    )

    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        response = client.post(
            "/api/v1/contacts/",
            {
                "channel": "999",
                "incident": incident.pk,
                "caller_phone": "07700 900456",
                "summary": VICTIM,
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    incident.refresh_from_db()
    assert incident.domestic_abuse is True
    assert (incident.grade, incident.minimum_grade) == ("IMMEDIATE", "IMMEDIATE")
    # The one clock: IMMEDIATE urban is 15 minutes from when the incident was received.
    assert incident.target_response_at == T0 + timedelta(minutes=15)
    contact_line = incident.log_entries.get(kind=IncidentLogEntry.Kind.CONTACT)
    assert contact_line.text == VICTIM
    assert contact_line.contact_id == response.json()["id"]
    assert contact_line.author == client.user
    system = " | ".join(
        incident.log_entries.filter(kind=IncidentLogEntry.Kind.SYSTEM).values_list(
            "text", flat=True
        )
    )
    assert "Reassessed after a further 999 contact" in system
    assert "Grade changed SCHEDULED -> IMMEDIATE" in system
    actions = [e.action for e in audit_trail(incident)]
    assert "incident.reassessed" in actions and "incident.graded" in actions


def test_the_same_words_raise_a_further_contact_as_they_would_a_new_call():
    incident = _neighbour_call()
    alone = services.call_assess(narrative=VICTIM, channel="999")[0]

    services.contact_create(
        actor=call_handler(),
        channel="999",
        incident=incident,
        summary=VICTIM,
        now=T0 + timedelta(minutes=5),
    )

    incident.refresh_from_db()
    assert (alone.domestic_abuse, alone.minimum_grade) == (True, "IMMEDIATE")
    assert (incident.domestic_abuse, incident.minimum_grade) == (True, alone.minimum_grade)


def test_a_further_contact_never_lowers_the_grade_the_minimum_or_the_da_qualifier():
    incident = services.incident_create(
        actor=call_handler(),
        channel="999",
        narrative="My ex-partner has a knife and is strangling me",
        caller_phone="07700 900456",
        address="14 Acacia Avenue, Leeds LS6 2AB",
        now=T0,
    )
    assert (incident.grade, incident.domestic_abuse) == ("IMMEDIATE", True)
    target = incident.target_response_at

    services.contact_create(
        actor=call_handler(),
        channel="101",
        incident=incident,
        summary="Neighbour rang back: all quiet now, she does not want police",
        now=T0 + timedelta(minutes=3),
    )

    incident.refresh_from_db()
    assert (incident.grade, incident.minimum_grade) == ("IMMEDIATE", "IMMEDIATE")
    assert incident.domestic_abuse is True
    assert incident.target_response_at == target
    assert incident.log_entries.filter(kind=IncidentLogEntry.Kind.CONTACT).count() == 1


def test_lowering_after_a_further_contact_follows_the_usual_reason_and_sign_off():
    handler = call_handler()
    incident = _neighbour_call(handler)
    services.contact_create(actor=handler, channel="999", incident=incident, summary=VICTIM, now=T0)

    result = services.incident_grade(
        actor=handler,
        incident=incident,
        grade="SCHEDULED",
        reason="Caller withdrew",
        now=T0 + timedelta(minutes=1),
    )

    assert isinstance(result, GradeRequest)
    incident.refresh_from_db()
    assert incident.grade == "IMMEDIATE"


def test_a_raise_that_puts_the_target_in_the_past_is_seen_by_the_monitoring_at_once():
    incident = _neighbour_call()

    services.contact_create(
        actor=call_handler(),
        channel="999",
        incident=incident,
        summary=VICTIM,
        now=T0 + timedelta(minutes=20),
    )

    breached = Alert.objects.filter(incident=incident, kind=AlertKind.BREACHED)
    assert [a.threshold_at for a in breached] == [T0 + timedelta(minutes=15)]


def test_a_further_contact_pushes_incident_updated_after_commit(
    channel_layer_flush, django_capture_on_commit_callbacks
):
    incident = _neighbour_call()
    channel = listen(role_group("DISPATCHER"))

    with django_capture_on_commit_callbacks(execute=True):
        services.contact_create(
            actor=call_handler(), channel="999", incident=incident, summary=VICTIM, now=T0
        )

    updated = [p for p in payloads(channel) if p["type"] == "incident.updated"]
    assert any("contact" in (p.get("changes") or [p.get("change")]) for p in updated)
    assert updated[-1]["grade"] == "IMMEDIATE"


def test_a_contact_on_a_closed_incident_is_recorded_and_logged_but_regrades_nothing():
    handler = call_handler()
    incident = _neighbour_call(handler)
    services.incident_close(
        actor=call_handler(),
        incident=incident,
        closing_code="RESOLVED_BY_PHONE",
        resolution_note="Advice given",
        now=T0 + timedelta(minutes=1),
    )

    contact = services.contact_create(
        actor=handler, channel="999", incident=incident, summary=VICTIM, now=T0 + timedelta(hours=1)
    )

    incident.refresh_from_db()
    assert contact.incident_id == incident.pk
    assert incident.log_entries.filter(kind=IncidentLogEntry.Kind.CONTACT).exists()
    assert (incident.status, incident.grade) == ("CLOSED", "SCHEDULED")


def test_the_incident_page_the_dispatch_panel_and_the_briefing_show_the_further_contact(
    client, api
):
    from dispatch import services as dispatch_services
    from tests.dispatch import unit_factories

    handler = call_handler()
    incident = _neighbour_call(handler)
    services.contact_create(
        actor=handler,
        channel="999",
        caller_phone="07700 900456",
        incident=incident,
        summary=VICTIM,
    )
    unit = unit_factories.unit(call_sign="BX31")
    dispatch_services.unit_assign(actor=unit_factories.dispatcher(), unit=unit, incident=incident)

    client.force_login(handler)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    client.force_login(staff("DISPATCHER"))
    panel = client.get(f"/dispatch/incidents/{incident.pk}/actions/").content.decode()
    briefing = client.get(f"/dispatch/units/{unit.pk}/briefing/").content.decode()

    for html in (page, panel, briefing):
        assert "ex-partner has a knife" in html
        assert "+447700900456" in html
    officer = api("OFFICER")
    unit.officers.add(officer.user)
    body = officer.get(f"/api/v1/units/{unit.pk}/briefing/").json()["incident"]
    assert [c["summary"] for c in body["contacts"]][-1] == VICTIM
    assert any(line["kind"] == "CONTACT" for line in body["log"])


def test_the_switchboard_screen_records_a_contact_about_an_incident_by_its_reference(client):
    handler = call_handler()
    incident = _neighbour_call(handler)
    client.force_login(handler)

    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        response = client.post(
            "/contacts/new/",
            {"channel": "999", "summary": VICTIM, "incident": incident.reference.lower()},
        )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.grade, incident.domestic_abuse) == ("IMMEDIATE", True)
    assert incident.contacts.count() == 2
