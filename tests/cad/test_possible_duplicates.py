"""At call taking, open incidents at the same address, from the same number or naming the same
people in the last 24 hours are offered as possibly the same incident; attaching the call to one
or recording a new incident anyway is on the record."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cad import selectors, services
from cad.models import Contact, Incident, IncidentLogEntry
from core.audit import audit_trail
from tests.cad.factories import call_handler

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


def _first_call(**kwargs):
    kwargs.setdefault("channel", "101")
    kwargs.setdefault("narrative", "Neighbour can hear shouting next door")
    kwargs.setdefault("caller_phone", "0113 496 0001")
    kwargs.setdefault("address", "14 Acacia Avenue, Leeds LS6 2AB")
    kwargs.setdefault("named_people", ["Dean Example"])
    return services.incident_create(actor=call_handler(), now=kwargs.pop("now", T0), **kwargs)


def _offered(**kwargs) -> dict[int, list[str]]:
    kwargs.setdefault("now", T0 + timedelta(hours=3))
    return {d.incident.pk: d.matched_on for d in selectors.possible_duplicates(**kwargs)}


def test_a_second_call_from_the_same_number_within_hours_is_offered_the_open_incident(api):
    incident = _first_call()

    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        response = api("CALL_HANDLER").get(
            "/api/v1/incidents/possible-duplicates/", {"phone": "+44 113 496 0001"}
        )

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(r["id"], r["reference"], r["matched_on"]) for r in rows] == [
        (incident.pk, incident.reference, ["phone"])
    ]
    assert rows[0]["grade"] == "SCHEDULED" and rows[0]["why"]


def test_the_same_address_typed_differently_or_a_named_person_is_offered():
    incident = _first_call()

    assert _offered(address="14 acacia ave leeds ls62ab") == {incident.pk: ["address"]}
    assert _offered(names=["dean  EXAMPLE"]) == {incident.pk: ["name"]}
    assert _offered(phone="0113 496 0001", address="14 Acacia Avenue, Leeds LS6 2AB") == {
        incident.pk: ["phone", "address"]
    }


def test_a_number_that_only_called_about_the_incident_later_also_matches():
    incident = _first_call()
    services.contact_create(
        actor=call_handler(),
        channel="999",
        incident=incident,
        caller_phone="07700 900456",
        summary="He is still shouting",
        now=T0 + timedelta(minutes=10),
    )

    assert _offered(phone="07700900456") == {incident.pk: ["phone"]}


def test_closed_older_than_a_day_other_houses_and_a_lone_first_name_are_not_offered():
    closed = _first_call(caller_phone="0113 496 0002")
    services.incident_close(
        actor=call_handler(),
        incident=closed,
        closing_code="RESOLVED_BY_PHONE",
        resolution_note="Advice",
        now=T0 + timedelta(minutes=5),
    )
    _first_call(caller_phone="0113 496 0003", now=T0 - timedelta(hours=22))
    _first_call(caller_phone="0113 496 0004", address="16 Acacia Avenue, Leeds LS6 2AB")

    assert _offered(phone="0113 496 0002") == {}
    assert _offered(phone="0113 496 0003") == {}
    assert _offered(address="18 Acacia Avenue, Leeds LS6 2AB") == {}
    assert _offered(names=["Dean"]) == {}
    assert _offered() == {}


def test_attaching_a_call_records_the_contact_on_the_incident_and_the_choice(api):
    incident = _first_call()
    other = _first_call(caller_phone="0113 496 0009", address="2 Elm Road, Leeds")
    client = api("CALL_HANDLER")

    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        response = client.post(
            f"/api/v1/incidents/{incident.pk}/attach-call/",
            {
                "channel": "999",
                "caller_phone": "0113 496 0001",
                "summary": "Caller says her ex-partner has a knife and is strangling her",
                "offered": [incident.pk, other.pk],
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    assert Incident.objects.count() == 2
    incident.refresh_from_db()
    assert (incident.grade, incident.domestic_abuse) == ("IMMEDIATE", True)
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.incident_id == incident.pk
    assert incident.log_entries.filter(kind=IncidentLogEntry.Kind.CONTACT).exists()
    attached = [e for e in audit_trail(incident) if e.action == "incident.call_attached"]
    assert len(attached) == 1 and attached[0].actor == client.user
    assert attached[0].data["contact"] == contact.pk
    declined = [e for e in audit_trail(other) if e.action == "incident.duplicate_declined"]
    assert declined and declined[0].data["attached_to"] == incident.pk


def test_recording_a_new_incident_after_the_offer_records_the_decline(api):
    offered = _first_call()
    client = api("CALL_HANDLER")

    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        response = client.post(
            "/api/v1/incidents/",
            {
                "channel": "101",
                "narrative": "Bins left on the pavement",
                "caller_phone": "0113 496 0001",
                "declined_duplicates": [offered.pk],
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    new = Incident.objects.get(pk=response.json()["id"])
    on_offered = [e for e in audit_trail(offered) if e.action == "incident.duplicate_declined"]
    assert on_offered and on_offered[0].data["new_incident"] == new.pk
    on_new = [e for e in audit_trail(new) if e.action == "incident.duplicates_declined"]
    assert on_new and on_new[0].data["offered"] == [offered.pk]
    assert offered.reference in " ".join(new.log_entries.values_list("text", flat=True))


def test_an_unknown_offered_incident_is_a_clear_400(api):
    response = api("CALL_HANDLER").post(
        "/api/v1/incidents/",
        {"channel": "101", "narrative": "Bins", "declined_duplicates": [999999]},
        format="json",
    )
    assert response.status_code == 400
    assert "999999" in response.json()["detail"]


def test_the_call_taking_screen_offers_the_open_incident_as_the_handler_types(client):
    incident = _first_call()
    handler = call_handler()
    client.force_login(handler)

    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        html = client.post(
            "/calls/possible-duplicates/",
            {"caller_phone": "01134960001", "address": "", "narrative": "He is back"},
        ).content.decode()

    assert incident.reference in html
    assert "Possibly the same incident" in html
    assert f'formaction="/calls/attach/{incident.pk}/"' in html
    assert f'name="offered_duplicates" value="{incident.pk}"' in html


def test_attaching_from_the_call_taking_screen_goes_to_the_incident(client):
    incident = _first_call()
    handler = call_handler()
    client.force_login(handler)

    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = client.post(
            f"/calls/attach/{incident.pk}/",
            {
                "channel": "999",
                "caller_phone": "01134960001",
                "area": "URBAN",
                "narrative": "Caller says her ex-partner has a knife and is strangling her",
                "idempotency_key": "k1",
                "offered_duplicates": [str(incident.pk)],
            },
        )

    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.grade == "IMMEDIATE"
