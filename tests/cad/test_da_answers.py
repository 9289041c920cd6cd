"""The handler's answers to the DA questions: recorded on the incident, audited, fed to the
assessment, and a call they confirm as DA cannot be graded down without reason and sign-off."""

import pytest

from cad import services
from cad.exceptions import InvalidTransition, ReasonRequired, ValidationFailed
from cad.models import GradeRequest
from core.audit import audit_trail
from tests.cad.factories import call_handler, incident, supervisor

pytestmark = pytest.mark.django_db

# A personal connection with no abusive behaviour in the words: the engine asks.
UNSURE = "My ex-husband hasn't brought the kids back from school and isn't answering his phone"
CONFIRMS = {"connection": "yes", "violence": "yes", "present": "no"}
PRESENT = {"connection": "yes", "present": "yes"}


def _create(client, narrative=UNSURE, **extra):
    body = {"channel": "999", "narrative": narrative, "caller_phone": "07700 900123", **extra}
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- stored and audited ---


def test_answers_given_when_the_call_is_taken_are_stored_and_shown_in_the_incident(api):
    body = _create(api("CALL_HANDLER"), da_answers=CONFIRMS)

    assert body["da_answers"] == CONFIRMS
    assert body["domestic_abuse"] is True
    assert body["minimum_grade"] == "PRIORITY"
    assert body["assessment"]["da_questions"]["needed"] is False


def test_a_call_that_needs_the_questions_says_so_in_its_assessment(api):
    body = _create(api("CALL_HANDLER"))

    assert body["da_answers"] == {}
    assert body["assessment"]["da_questions"]["needed"] is True
    assert [q["code"] for q in body["assessment"]["da_questions"]["questions"]][0] == ("connection")


def test_recording_answers_later_stores_them_and_audits_who_and_when():
    handler = call_handler("dora")
    taken = incident(narrative=UNSURE, actor=handler)

    services.incident_da_answers_record(
        actor=handler, incident=taken, da_answers={"connection": "yes", "afraid": "unknown"}
    )
    services.incident_da_answers_record(actor=handler, incident=taken, da_answers={"afraid": "yes"})

    taken.refresh_from_db()
    assert taken.da_answers == {"connection": "yes", "afraid": "yes"}
    events = [e for e in audit_trail(taken) if e.action == "incident.da_answers_recorded"]
    assert len(events) == 2
    assert events[-1].actor == handler
    assert events[-1].data["changed"] == {"afraid": ["unknown", "yes"]}
    assert any("DA questions" in line.text for line in taken.log_entries.all())


def test_answers_that_confirm_da_make_the_incident_da_and_raise_its_grade():
    handler = call_handler()
    taken = incident(narrative=UNSURE, channel="101", actor=handler)
    assert (taken.domestic_abuse, taken.grade) == (False, "SCHEDULED")

    services.incident_da_answers_record(actor=handler, incident=taken, da_answers=CONFIRMS)

    taken.refresh_from_db()
    assert taken.domestic_abuse is True
    assert taken.minimum_grade == "PRIORITY"
    assert taken.grade == "PRIORITY"
    assert taken.assessment["context_floor"] == "PRIORITY"
    assert taken.assessment["da_questions"]["needed"] is False


def test_answering_the_same_again_records_nothing_new():
    handler = call_handler()
    taken = incident(narrative=UNSURE, actor=handler, da_answers={"connection": "no"})

    services.incident_da_answers_record(
        actor=handler, incident=taken, da_answers={"connection": "no"}
    )

    assert not [e for e in audit_trail(taken) if e.action == "incident.da_answers_recorded"]


@pytest.mark.parametrize("answers", [{"weather": "yes"}, {"connection": "maybe"}, {}])
def test_an_unknown_question_answer_or_no_answer_is_refused(answers):
    taken = incident(narrative=UNSURE)

    with pytest.raises(ValidationFailed):
        services.incident_da_answers_record(
            actor=call_handler(), incident=taken, da_answers=answers
        )


def test_answers_on_a_closed_incident_are_refused():
    taken = incident(narrative="Shed broken into overnight", channel="101")
    services.incident_close(
        actor=call_handler(),
        incident=taken,
        closing_code="RESOLVED_BY_PHONE",
        resolution_note="advice given",
    )

    with pytest.raises(InvalidTransition):
        services.incident_da_answers_record(
            actor=call_handler(), incident=taken, da_answers={"connection": "no"}
        )


# --- the API ---


def test_the_da_answers_endpoint_records_them_and_returns_the_incident(api):
    client = api("CALL_HANDLER")
    created = _create(client)

    response = client.post(
        f"/api/v1/incidents/{created['id']}/da-answers/",
        {"da_answers": PRESENT},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["da_answers"] == PRESENT
    assert body["domestic_abuse"] is True
    assert body["grade"] == "IMMEDIATE"


def test_the_da_answers_endpoint_refuses_a_bad_answer_with_a_400(api):
    client = api("CALL_HANDLER")
    created = _create(client)

    response = client.post(
        f"/api/v1/incidents/{created['id']}/da-answers/",
        {"da_answers": {"connection": "perhaps"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("role", ["OFFICER", "DISPATCHER", "QA_REVIEWER"])
def test_only_call_handlers_and_supervisors_record_answers(api, role):
    created = _create(api("CALL_HANDLER"))

    response = api(role).post(
        f"/api/v1/incidents/{created['id']}/da-answers/",
        {"da_answers": {"connection": "no"}},
        format="json",
    )

    assert response.status_code == 403


def test_a_supervisor_records_answers(api):
    created = _create(api("CALL_HANDLER"))

    response = api("SUPERVISOR").post(
        f"/api/v1/incidents/{created['id']}/da-answers/",
        {"da_answers": {"connection": "no"}},
        format="json",
    )

    assert response.status_code == 200


def test_a_bad_answer_when_the_call_is_taken_is_a_400_and_records_nothing(api):
    response = api("CALL_HANDLER").post(
        "/api/v1/incidents/",
        {"channel": "999", "narrative": UNSURE, "da_answers": {"connection": "sometimes"}},
        format="json",
    )

    assert response.status_code == 400


# --- grading below the floor the answers set ---


def test_a_da_confirmed_call_graded_scheduled_without_a_reason_is_a_400(api):
    client = api("CALL_HANDLER")
    created = _create(client, da_answers=CONFIRMS)

    response = client.post(
        f"/api/v1/incidents/{created['id']}/grade/", {"grade": "SCHEDULED"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"


def test_a_da_confirmed_call_graded_scheduled_with_a_reason_waits_for_a_supervisor(api):
    client = api("CALL_HANDLER")
    created = _create(client, da_answers=CONFIRMS)

    response = client.post(
        f"/api/v1/incidents/{created['id']}/grade/",
        {"grade": "SCHEDULED", "reason": "Caller wants an appointment tomorrow"},
        format="json",
    )

    assert response.status_code == 202, response.content
    request = response.json()["grade_request"]
    assert request["requested_grade"] == "SCHEDULED"
    assert "DA questions" in request["why_supervisor"]
    assert client.get(f"/api/v1/incidents/{created['id']}/").json()["grade"] == "PRIORITY"


def test_present_danger_confirmed_needs_immediate_or_a_supervisor(api):
    client = api("CALL_HANDLER")
    created = _create(client, da_answers=PRESENT)
    assert created["grade"] == "IMMEDIATE"
    url = f"/api/v1/incidents/{created['id']}/grade/"

    no_reason = client.post(url, {"grade": "PRIORITY"}, format="json")
    with_reason = client.post(url, {"grade": "PRIORITY", "reason": "Unit busy"}, format="json")

    assert no_reason.status_code == 400
    assert with_reason.status_code == 202
    assert GradeRequest.objects.get(incident_id=created["id"]).requested_grade == "PRIORITY"


def test_answers_given_after_the_call_set_the_same_floor():
    handler = call_handler()
    taken = incident(narrative=UNSURE, actor=handler)
    services.incident_da_answers_record(actor=handler, incident=taken, da_answers=CONFIRMS)

    with pytest.raises(ReasonRequired):
        services.incident_grade(actor=handler, incident=taken, grade="SCHEDULED")
    result = services.incident_grade(
        actor=handler, incident=taken, grade="SCHEDULED", reason="Appointment agreed"
    )

    assert isinstance(result, GradeRequest)


def test_a_supervisors_own_grading_below_the_floor_is_its_sign_off():
    boss = supervisor()
    taken = incident(narrative=UNSURE, actor=call_handler(), da_answers=CONFIRMS)

    graded = services.incident_grade(
        actor=boss, incident=taken, grade="SCHEDULED", reason="Victim at a refuge, safe"
    )

    assert graded.grade == "SCHEDULED"
    assert graded.grade_changes.last().approved_by == boss


def test_answers_that_do_not_confirm_da_set_no_floor():
    handler = call_handler()
    taken = incident(narrative=UNSURE, actor=handler, da_answers={"connection": "no"})

    graded = services.incident_grade(
        actor=handler, incident=taken, grade="SCHEDULED", reason="Caller wants advice"
    )

    assert graded.grade == "SCHEDULED"
    assert taken.assessment["context_floor"] == ""
