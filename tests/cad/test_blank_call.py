"""A blank call form is not a call: a call with no narrative, no address or location and no
caller number is refused unless it is marked silent or abandoned (the service, so the screen and
the API share it), and the silent-call reason is given only to a call recorded as silent."""

from datetime import UTC, datetime

import pytest
import time_machine

from cad.exceptions import ValidationFailed
from cad.models import Incident
from cad.services import incident_create
from tests.cad.factories import call_handler

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SILENT_REASON = "Silent or abandoned 999 call"


def _reasons(incident) -> str:
    return " ".join(incident.assessment.get("reasons", []))


def test_a_blank_999_call_is_refused_and_nothing_is_recorded():
    with pytest.raises(ValidationFailed) as refused:
        incident_create(actor=call_handler(), channel="999", now=NOW)
    assert refused.value.code == "call_empty"
    assert "narrative" in refused.value.fields
    assert not Incident.objects.exists()


def test_a_name_alone_is_still_a_blank_call():
    with pytest.raises(ValidationFailed):
        incident_create(actor=call_handler(), channel="999", caller_name="Anne", now=NOW)


def test_a_blank_call_marked_silent_is_taken_with_the_silent_reason():
    created = incident_create(actor=call_handler(), channel="999", silent=True, now=NOW)
    assert created.silent
    assert SILENT_REASON in _reasons(created)


def test_a_999_call_with_only_a_number_is_recorded_as_silent_with_its_reason():
    created = incident_create(
        actor=call_handler(), channel="999", caller_phone="07700 900123", now=NOW
    )
    assert created.silent  # nobody spoke: the record says so, as the reason does
    assert SILENT_REASON in _reasons(created)


def test_a_spoken_call_is_not_given_the_silent_reason():
    created = incident_create(
        actor=call_handler(), channel="999", narrative="Shouting next door", now=NOW
    )
    assert not created.silent
    assert SILENT_REASON not in _reasons(created)


def test_the_api_answers_a_blank_call_with_400_detail_and_code(api):
    handler = api("CALL_HANDLER")
    with time_machine.travel(NOW, tick=False):
        response = handler.post("/api/v1/incidents/", {"channel": "999"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "call_empty"
    assert "narrative" in body["detail"]
    assert not Incident.objects.exists()


def test_the_call_screen_keeps_what_was_typed_and_shows_the_error(client):
    client.force_login(call_handler())
    response = client.post(
        "/calls/new/",
        {"channel": "999", "area": "URBAN", "caller_name": "Anne Example", "idempotency_key": "k1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "no narrative, no address or location and no caller number" in page
    assert 'value="Anne Example"' in page
    assert not Incident.objects.exists()
