"""Further calls and the DA questions together: answers asked on a call attached to an open
incident are recorded on it, a further call is read with the answers already given, and a merge
carries the answers the survivor lacks; further calls resolve their address to the premises
register like any contact."""

from datetime import UTC, datetime, timedelta

import pytest

from cad import services
from cad.exceptions import ValidationFailed
from cad.models import Contact
from core.audit import audit_trail
from premises.demo import FIRST_UPRN, seed_premises
from tests.cad.factories import call_handler
from tests.factories import staff

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
# A personal connection with no abusive behaviour in the words: the engine asks.
UNSURE = "My ex-husband hasn't brought the kids back from school and isn't answering his phone"
CONFIRMS = {"connection": "yes", "violence": "yes", "present": "no"}


def _taken(**kwargs):
    kwargs.setdefault("channel", "101")
    kwargs.setdefault("narrative", UNSURE)
    kwargs.setdefault("caller_phone", "0113 496 0001")
    kwargs.setdefault("address", "14 Acacia Avenue, Leeds LS6 2AB")
    return services.incident_create(actor=call_handler(), now=kwargs.pop("now", T0), **kwargs)


def test_answers_asked_on_an_attached_call_are_recorded_on_the_incident_and_raise_it(api):
    incident = _taken()
    assert (incident.grade, incident.domestic_abuse) == ("SCHEDULED", False)
    client = api("CALL_HANDLER")

    response = client.post(
        f"/api/v1/incidents/{incident.pk}/attach-call/",
        {
            "channel": "101",
            "caller_phone": "0113 496 0002",
            "summary": "His sister calling, worried about her",
            "offered": [incident.pk],
            "da_answers": CONFIRMS,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    incident.refresh_from_db()
    assert incident.da_answers == CONFIRMS
    assert (incident.domestic_abuse, incident.grade) == (True, "PRIORITY")
    assert incident.assessment["context_floor"] == "PRIORITY"
    recorded = [e for e in audit_trail(incident) if e.action == "incident.da_answers_recorded"]
    assert len(recorded) == 1 and recorded[0].actor == client.user


def test_a_bad_answer_on_an_attached_call_is_a_400_and_records_nothing(api):
    incident = _taken()

    response = api("CALL_HANDLER").post(
        f"/api/v1/incidents/{incident.pk}/attach-call/",
        {"channel": "101", "summary": "Again", "da_answers": {"connection": "perhaps"}},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert Contact.objects.filter(incident=incident).count() == 1


def test_an_unknown_question_on_the_attach_service_is_refused_before_anything_is_recorded():
    incident = _taken()

    with pytest.raises(ValidationFailed):
        services.call_attach(
            actor=call_handler(),
            incident=incident,
            channel="101",
            summary="Again",
            da_answers={"shoe_size": "yes"},
        )

    assert Contact.objects.filter(incident=incident).count() == 1


def test_a_further_call_is_read_with_the_answers_already_given_and_does_not_ask_again():
    incident = _taken(da_answers={"connection": "no"})
    assert incident.assessment["da_questions"]["needed"] is False

    services.contact_create(
        actor=call_handler(),
        channel="101",
        summary="Just calling back to say she is still not answering",
        caller_phone="0113 496 0001",
        incident=incident,
        now=T0 + timedelta(minutes=20),
    )

    incident.refresh_from_db()
    assert incident.da_answers == {"connection": "no"}
    assert incident.assessment["da_questions"]["needed"] is False


def test_a_further_call_keeps_the_floor_the_answers_set():
    incident = _taken(da_answers=CONFIRMS)

    services.contact_create(
        actor=call_handler(),
        channel="101",
        summary="Calling back",
        incident=incident,
        now=T0 + timedelta(minutes=20),
    )

    incident.refresh_from_db()
    assert (incident.domestic_abuse, incident.grade) == (True, "PRIORITY")
    assert incident.assessment["context_floor"] == "PRIORITY"


def test_a_merge_carries_the_answers_the_survivor_lacks_and_keeps_its_own():
    survivor = _taken(da_answers={"connection": "no"})
    merged = _taken(
        caller_phone="07700 900456",
        da_answers={"connection": "yes", "violence": "yes"},
        now=T0 + timedelta(minutes=4),
    )

    result = services.incident_merge(
        actor=staff("DISPATCHER"), incident=merged, into=survivor, now=T0 + timedelta(minutes=9)
    )

    assert result.da_answers == {"connection": "no", "violence": "yes"}
    assert result.log_entries.filter(text__startswith=f"From {merged.reference}: DA").exists()


def test_a_further_call_and_an_attached_call_resolve_their_address_to_the_premises(api):
    seed_premises()
    incident = _taken(address="")

    services.contact_create(
        actor=call_handler(),
        channel="101",
        summary="She is at her sister's",
        address="Flat 21A Acacia House, 5 Mill Lane, LS6 2AB",
        incident=incident,
        now=T0 + timedelta(minutes=5),
    )
    response = api("CALL_HANDLER").post(
        f"/api/v1/incidents/{incident.pk}/attach-call/",
        {"channel": "101", "summary": "Neighbour calling", "uprn": str(FIRST_UPRN)},
        format="json",
    )

    assert response.status_code == 201, response.content
    further = Contact.objects.filter(incident=incident).exclude(pk=response.json()["id"])
    assert further.latest("received_at").premises.one_line.startswith("Flat 21A, Acacia House")
    assert Contact.objects.get(pk=response.json()["id"]).premises.uprn == FIRST_UPRN
