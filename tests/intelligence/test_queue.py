"""The support operators' queue: who asked, priority from the incident's grade, the outcome."""

import pytest

from cad.services import incident_create
from core.models import AuditEvent
from intelligence.models import CheckRequest

pytestmark = pytest.mark.django_db


def _incident(make_staff, grade_narrative="help"):
    return incident_create(actor=make_staff("CALL_HANDLER"), channel="999", narrative="x")


def test_a_call_handler_asks_for_a_deeper_check_and_it_is_logged_on_the_incident(api, make_staff):
    incident = _incident(make_staff)
    client = api("CALL_HANDLER")

    response = client.post(
        "/api/v1/intel/requests/",
        {"incident": incident.pk, "systems": "PNC", "reason": "Check the ex-partner"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "OPEN" and body["requested_by"] == client.user.username
    assert body["incident_grade"] == incident.grade
    assert incident.log_entries.filter(text__contains="Deeper intelligence check requested")


def test_the_queue_puts_the_most_urgent_grade_first(api, make_staff):
    from cad.models import Incident

    handler = make_staff("CALL_HANDLER")
    low = incident_create(actor=handler, channel="101", narrative="noise")
    high = incident_create(actor=handler, channel="999", narrative="help")
    Incident.objects.filter(pk=low.pk).update(grade="SCHEDULED")
    Incident.objects.filter(pk=high.pk).update(grade="IMMEDIATE")
    client = api("CALL_HANDLER")
    for incident in (low, high):
        client.post("/api/v1/intel/requests/", {"incident": incident.pk, "reason": "check"})
    client.post("/api/v1/intel/requests/", {"subject": "Brian Example", "reason": "check"})

    rows = api("SUPPORT_OPERATOR").get("/api/v1/intel/requests/?status=OPEN").json()["results"]

    assert [r["incident_grade"] for r in rows] == ["IMMEDIATE", "SCHEDULED", ""]


def test_a_support_operator_takes_a_request_and_records_the_outcome(api, make_staff):
    incident = _incident(make_staff)
    created = (
        api("CALL_HANDLER")
        .post("/api/v1/intel/requests/", {"incident": incident.pk, "reason": "PNC please"})
        .json()
    )
    operator = api("SUPPORT_OPERATOR")

    claimed = operator.post(f"/api/v1/intel/requests/{created['id']}/claim/")
    done = operator.post(
        f"/api/v1/intel/requests/{created['id']}/complete/",
        {"outcome": "INFORMATION_FOUND", "note": "PNC: warning for weapons"},
    )

    assert claimed.json()["status"] == "IN_PROGRESS"
    assert done.status_code == 200 and done.json()["status"] == "DONE"
    assert done.json()["completed_by"] == operator.user.username
    assert incident.log_entries.filter(text__contains="PNC: warning for weapons")
    assert AuditEvent.objects.filter(action="intel.request_completed", actor=operator.user)


def test_information_found_without_saying_what_is_refused(api):
    created = api("CALL_HANDLER").post(
        "/api/v1/intel/requests/", {"subject": "Brian", "reason": "x"}
    )
    response = api("SUPPORT_OPERATOR").post(
        f"/api/v1/intel/requests/{created.json()['id']}/complete/",
        {"outcome": "INFORMATION_FOUND"},
    )

    assert response.status_code == 400 and response.json()["code"] == "note_required"


def test_another_operators_request_cannot_be_taken_or_completed(api):
    created = api("CALL_HANDLER").post(
        "/api/v1/intel/requests/", {"subject": "Brian", "reason": "x"}
    )
    url = f"/api/v1/intel/requests/{created.json()['id']}"
    api("SUPPORT_OPERATOR").post(f"{url}/claim/")
    other = api("SUPPORT_OPERATOR")

    assert other.post(f"{url}/claim/").status_code == 409
    assert (
        other.post(f"{url}/complete/", {"outcome": "NOTHING_FOUND", "note": "PNC"}).status_code
        == 409
    )


def test_a_finished_request_cannot_be_reopened(api):
    created = api("CALL_HANDLER").post(
        "/api/v1/intel/requests/", {"subject": "Brian", "reason": "x"}
    )
    url = f"/api/v1/intel/requests/{created.json()['id']}"
    operator = api("SUPPORT_OPERATOR")
    operator.post(f"{url}/claim/")
    operator.post(f"{url}/complete/", {"outcome": "NOTHING_FOUND", "note": "PNC, PND: nothing"})

    assert operator.post(f"{url}/claim/").status_code == 409
    assert CheckRequest.objects.get().status == "DONE"


def test_only_support_operators_work_the_queue(api):
    created = api("CALL_HANDLER").post(
        "/api/v1/intel/requests/", {"subject": "Brian", "reason": "x"}
    )

    response = api("DISPATCHER").post(f"/api/v1/intel/requests/{created.json()['id']}/claim/")

    assert response.status_code == 403


def test_an_unclaimed_request_cannot_be_completed(api):
    created = api("CALL_HANDLER").post(
        "/api/v1/intel/requests/", {"subject": "Brian", "reason": "x"}
    )
    url = f"/api/v1/intel/requests/{created.json()['id']}"

    response = api("SUPPORT_OPERATOR").post(
        f"{url}/complete/", {"outcome": "NOTHING_FOUND", "note": "PNC: nothing"}
    )

    assert response.status_code == 409 and response.json()["code"] == "not_claimed"
    assert CheckRequest.objects.get().status == "OPEN"


def test_nothing_found_without_saying_which_systems_were_searched_is_refused(api):
    created = api("CALL_HANDLER").post(
        "/api/v1/intel/requests/", {"subject": "Brian", "reason": "x"}
    )
    url = f"/api/v1/intel/requests/{created.json()['id']}"
    operator = api("SUPPORT_OPERATOR")
    operator.post(f"{url}/claim/")

    response = operator.post(f"{url}/complete/", {"outcome": "NOTHING_FOUND"})

    assert response.status_code == 400 and response.json()["code"] == "note_required"
    assert CheckRequest.objects.get().status == "IN_PROGRESS"
