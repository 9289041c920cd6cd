"""The intelligence API: records, checks, bad input, privacy by role and the audit of views."""

import pytest

from core.models import AuditEvent
from intelligence.models import IntelCheck, IntelRecord
from tests.intelligence.factories import record

pytestmark = pytest.mark.django_db

RECORD = {
    "kind": "MARAC",
    "summary": "Anne Example discussed at MARAC as high-risk victim",
    "occurred_at": "2026-01-10T10:00:00+00:00",
    "names": ["Anne Example", "Brian Example"],
    "phones": ["07700 900123"],
    "addresses": ["12 Acacia Avenue, Leeds LS6 2AB"],
}


def test_an_administrator_records_intel_linked_to_names_numbers_and_addresses(api):
    response = api("ADMIN").post("/api/v1/intel/records/", RECORD, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phones"] == ["+447700900123"]
    assert sorted(body["names"]) == ["Anne Example", "Brian Example"]
    assert AuditEvent.objects.filter(action="intel.record_created", object_id=str(body["id"]))


def test_the_same_name_on_two_records_is_one_person(api):
    client = api("SUPPORT_OPERATOR")
    first = client.post("/api/v1/intel/records/", RECORD, format="json").json()
    second = client.post("/api/v1/intel/records/", {**RECORD, "kind": "DVDS"}, format="json").json()

    assert {p["id"] for p in first["people"]} == {p["id"] for p in second["people"]}


@pytest.mark.parametrize(
    "change, code",
    [
        ({"phones": ["0770"]}, "invalid_phone"),
        ({"kind": "GOSSIP"}, "invalid"),
        ({"names": [], "phones": [], "addresses": []}, "unlinked_record"),
        ({"summary": "x" * 5001}, "invalid"),
        ({"occurred_at": "yesterday"}, "invalid"),
        ({"kind": "COURT_ORDER"}, "protected_person_required"),
    ],
)
def test_a_bad_record_is_refused_with_a_clear_400(api, change, code):
    response = api("ADMIN").post("/api/v1/intel/records/", {**RECORD, **change}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    assert not IntelRecord.objects.exists()


def test_an_officer_cannot_record_or_search_intel(api):
    client = api("OFFICER")

    assert client.post("/api/v1/intel/records/", RECORD, format="json").status_code == 403
    assert client.post("/api/v1/intel/checks/", {"phone": "07700900123"}).status_code == 403


def test_a_check_returns_what_matched_and_is_audited_with_the_user(api):
    client = api("CALL_HANDLER")
    saved = record("DA_CRIME", phones=["07700 900123"])

    response = client.post("/api/v1/intel/checks/", {"phone": "07700 900123"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert [r["id"] for r in body["records"]] == [saved.pk]
    assert body["ran_by"] == client.user.username
    assert {"previous_contacts", "previous_incidents", "markers", "ran_at"} <= set(body)
    event = AuditEvent.objects.get(action="intel.check_ran")
    assert event.actor == client.user and event.data["records"] == [saved.pk]


@pytest.mark.parametrize(
    "body, code",
    [
        ({}, "empty_query"),
        ({"phone": "", "address": " ", "name": ""}, "empty_query"),
        ({"phone": "not a number"}, "invalid_phone"),
        ({"phone": "0770"}, "invalid_phone"),
        ({"address": "x" * 301}, "invalid"),
        ({"name": "y" * 201}, "invalid"),
        ({"name": "A"}, "name_too_short"),
    ],
)
def test_a_bad_or_empty_search_is_refused_with_a_clear_400(api, body, code):
    response = api("CALL_HANDLER").post("/api/v1/intel/checks/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not IntelCheck.objects.exists()


def test_a_further_check_from_an_incident_uses_its_details_and_names_the_person(api, make_staff):
    from cad.services import incident_create

    incident = incident_create(
        actor=make_staff("CALL_HANDLER"),
        channel="999",
        caller_phone="07700 900123",
        narrative="help",
    )
    record("DA_CRIME", phones=["07700 900123"])
    client = api("SUPPORT_OPERATOR")

    body = client.post("/api/v1/intel/checks/", {"incident": incident.pk}, format="json").json()

    assert body["incident"] == incident.pk and body["trigger"] == "MANUAL"
    assert body["ran_by"] == client.user.username and len(body["records"]) == 1


def test_a_check_for_a_missing_incident_is_404(api):
    response = api("CALL_HANDLER").post("/api/v1/intel/checks/", {"incident": 999999})

    assert response.status_code == 404


def test_every_view_of_a_check_is_audited_with_the_viewer(api):
    check = api("CALL_HANDLER").post("/api/v1/intel/checks/", {"phone": "07700900123"}).json()
    viewer = api("DISPATCHER")

    response = viewer.get(f"/api/v1/intel/checks/{check['id']}/")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="intel.check_viewed")
    assert event.actor == viewer.user and event.data == {"check": check["id"], "via": "api"}


def test_listing_an_incidents_checks_is_audited(api, make_staff):
    from cad.services import incident_create

    incident = incident_create(
        actor=make_staff("CALL_HANDLER"),
        channel="999",
        narrative="x",
        address="12 Acacia Avenue, Leeds LS6 2AB",
    )
    viewer = api("SUPERVISOR")

    response = viewer.get(f"/api/v1/intel/checks/?incident={incident.pk}")

    assert response.status_code == 200 and len(response.json()) == 1
    assert AuditEvent.objects.filter(action="intel.check_viewed", actor=viewer.user).count() == 1


def test_there_is_no_way_to_write_a_check_by_hand(api):
    client = api("SUPERVISOR")

    response = client.post(
        "/api/v1/intel/checks/", {"records": [], "ran_by": "system", "done": True}, format="json"
    )

    assert response.status_code == 400
    assert client.patch("/api/v1/intel/checks/1/", {"done": True}).status_code == 405
