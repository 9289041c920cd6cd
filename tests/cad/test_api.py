"""Every cad endpoint: success shapes, error shapes {"detail", "code"} and role 403s."""

import pytest

from cad.models import Contact, Grade, GradeRequest, Incident
from tests.cad.factories import incident

pytestmark = pytest.mark.django_db

CALL = {
    "channel": "999",
    "caller_phone": "07700 900123",
    "caller_name": "Anne Example",
    "address": "12 Acacia Avenue, Leeds LS6 2AB",
    "narrative": "Loud banging at the door",
}


def post(client, url, data, **extra):
    return client.post(url, data, format="json", **extra)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str)
    if code:
        assert body["code"] == code


# --- assess ---


def test_assess_returns_the_assessment_and_records_nothing(api):
    response = post(api("CALL_HANDLER"), "/api/v1/grading/assess/", {"narrative": "Hello"})
    assert response.status_code == 200
    body = response.json()
    for key in (
        "domestic_abuse",
        "indicators",
        "risk_factors",
        "recommended_grade",
        "minimum_grade",
        "reasons",
    ):
        assert key in body
    assert not Incident.objects.exists()
    assert not Contact.objects.exists()


def test_assess_with_an_unknown_channel_is_a_400_naming_it(api):
    response = post(api("CALL_HANDLER"), "/api/v1/grading/assess/", {"channel": "TELEX"})
    assert_error(response, 400)
    assert "TELEX" in response.json()["detail"]


def test_assess_is_refused_to_an_officer(api):
    assert_error(post(api("OFFICER"), "/api/v1/grading/assess/", {}), 403)


# --- contacts ---


def test_a_switchboard_contact_is_stored_with_an_e164_number(api):
    response = post(
        api("CALL_HANDLER"),
        "/api/v1/contacts/",
        {"channel": "SWITCHBOARD", "caller_phone": "07700 900123", "summary": "Wants order"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["caller_phone"] == "+447700900123"
    assert body["received_at"] and body["id"]


def test_a_contact_with_an_unknown_channel_is_a_400(api):
    response = post(api("CALL_HANDLER"), "/api/v1/contacts/", {"channel": "FAX", "summary": "x"})
    assert_error(response, 400)
    assert "FAX" in response.json()["detail"]


def test_a_contact_without_a_summary_is_a_400(api):
    response = post(api("CALL_HANDLER"), "/api/v1/contacts/", {"channel": "101"})
    assert_error(response, 400, "summary_required")


def test_a_dispatcher_cannot_record_a_contact_but_can_list_them(api):
    dispatcher = api("DISPATCHER")
    assert_error(post(dispatcher, "/api/v1/contacts/", {"channel": "101", "summary": "x"}), 403)
    assert dispatcher.get("/api/v1/contacts/").status_code == 200


def test_contacts_are_found_by_number_in_any_format(api):
    client = api("CALL_HANDLER")
    post(
        client,
        "/api/v1/contacts/",
        {"channel": "101", "caller_phone": "+447700900123", "summary": "x"},
    )
    post(
        client,
        "/api/v1/contacts/",
        {"channel": "101", "caller_phone": "07911 123456", "summary": "y"},
    )
    rows = client.get("/api/v1/contacts/", {"phone": "07700 900123"}).json()["results"]
    assert [r["summary"] for r in rows] == ["x"]


def test_a_contact_about_an_existing_incident_links_to_it(api):
    created = incident()
    response = post(
        api("CALL_HANDLER"),
        "/api/v1/contacts/",
        {"channel": "999", "summary": "Caller rang back", "incident": created.pk},
    )
    assert response.status_code == 201
    assert response.json()["incident"] == created.pk


# --- incidents ---


def test_creating_an_incident_returns_the_whole_incident(api):
    response = post(api("CALL_HANDLER"), "/api/v1/incidents/", CALL)
    assert response.status_code == 201, response.content
    body = response.json()
    for key in (
        "id",
        "reference",
        "status",
        "channel",
        "caller_phone",
        "address",
        "narrative",
        "grade",
        "recommended_grade",
        "minimum_grade",
        "domestic_abuse",
        "assessment",
        "intel_check",
        "markers",
        "target_response_at",
        "tags",
        "log",
        "assignments",
    ):
        assert key in body, key
    assert body["caller_phone"] == "+447700900123"
    assert body["grade"] == body["recommended_grade"]
    assert body["log"][0]["text"] == "Loud banging at the door"
    assert set(body["log"][0]) >= {"at", "author", "text"}


def test_the_same_idempotency_key_header_creates_one_incident(api):
    client = api("CALL_HANDLER")
    first = post(client, "/api/v1/incidents/", CALL, HTTP_IDEMPOTENCY_KEY="abc-1")
    second = post(client, "/api/v1/incidents/", CALL, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1


def test_the_idempotency_key_may_come_in_the_body(api):
    client = api("CALL_HANDLER")
    first = post(client, "/api/v1/incidents/", {**CALL, "idempotency_key": "k2"})
    second = post(client, "/api/v1/incidents/", {**CALL, "idempotency_key": "k2"})
    assert first.json()["id"] == second.json()["id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("channel", "PIGEON"), ("area", "SUBURBAN"), ("opening_code", "NOT_A_CODE")],
)
def test_unknown_channel_area_or_opening_code_is_a_400_naming_the_value(api, field, value):
    response = post(api("CALL_HANDLER"), "/api/v1/incidents/", {**CALL, field: value})
    assert_error(response, 400)
    assert value in response.json()["detail"]
    assert not Incident.objects.exists()


def test_a_silent_999_call_with_no_narrative_or_address_is_accepted_and_flagged(api):
    response = post(
        api("CALL_HANDLER"),
        "/api/v1/incidents/",
        {"channel": "999", "caller_phone": "07700 900123", "silent": True},
    )
    assert response.status_code == 201
    assert [f["code"] for f in response.json()["flags"]] == ["empty_narrative"]


def test_a_101_call_with_no_narrative_is_a_400(api):
    response = post(api("CALL_HANDLER"), "/api/v1/incidents/", {"channel": "101"})
    assert_error(response, 400, "narrative_required")


def test_a_dispatcher_cannot_create_an_incident(api):
    assert_error(post(api("DISPATCHER"), "/api/v1/incidents/", CALL), 403)


def test_incidents_list_filters_and_rejects_unknown_values(api):
    incident(narrative="Dog barking", channel="101")
    incident(narrative="Fight", channel="999")
    client = api("DISPATCHER")
    rows = client.get("/api/v1/incidents/", {"channel": "101"}).json()["results"]
    assert [r["channel"] for r in rows] == ["101"]
    assert_error(client.get("/api/v1/incidents/", {"status": "LOST"}), 400, "unknown_status")


def test_an_unknown_incident_is_a_404_with_the_error_shape(api):
    assert_error(api("DISPATCHER").get("/api/v1/incidents/999999/"), 404, "not_found")


def test_an_officer_cannot_read_incidents_or_their_intelligence_through_cad(api):
    created = incident()
    officer = api("OFFICER")

    for url in (
        "/api/v1/incidents/",
        f"/api/v1/incidents/{created.pk}/",
        f"/api/v1/incidents/{created.pk}/log/",
        f"/api/v1/incidents/{created.pk}/timeline/",
    ):
        assert_error(officer.get(url), 403)
    assert_error(post(officer, f"/api/v1/incidents/{created.pk}/log/", {"text": "x"}), 403)


def test_a_dispatcher_can_read_an_incident_but_a_stranger_cannot(api, anon_api):
    created = incident()
    assert api("DISPATCHER").get(f"/api/v1/incidents/{created.pk}/").status_code == 200
    assert api("OIC").get(f"/api/v1/incidents/{created.pk}/").status_code == 403
    assert anon_api.get(f"/api/v1/incidents/{created.pk}/").status_code in (401, 403)


def test_patching_details_changes_them_and_returns_the_incident(api):
    created = incident(address="1 Wrong Street")
    response = api("CALL_HANDLER").patch(
        f"/api/v1/incidents/{created.pk}/", {"address": "12 Acacia Avenue"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["address"] == "12 Acacia Avenue"


def test_adding_a_log_line_is_201_and_an_empty_one_is_400(api):
    created = incident()
    client = api("DISPATCHER")
    response = post(client, f"/api/v1/incidents/{created.pk}/log/", {"text": "Neighbour rang"})
    assert response.status_code == 201
    assert response.json()["text"] == "Neighbour rang"
    assert_error(post(client, f"/api/v1/incidents/{created.pk}/log/", {"text": ""}), 400)


# --- grading ---


def test_grading_returns_the_incident(api, engine):
    engine(recommended=Grade.PRIORITY, minimum=Grade.SCHEDULED)
    created = incident()
    response = post(
        api("CALL_HANDLER"), f"/api/v1/incidents/{created.pk}/grade/", {"grade": "IMMEDIATE"}
    )
    assert response.status_code == 200
    assert response.json()["grade"] == "IMMEDIATE"


def test_grading_below_the_minimum_without_a_reason_is_a_400(api, engine):
    engine(recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident()
    response = post(
        api("CALL_HANDLER"), f"/api/v1/incidents/{created.pk}/grade/", {"grade": "SCHEDULED"}
    )
    assert_error(response, 400, "reason_required")


def test_an_unknown_grade_is_a_400(api):
    response = post(
        api("CALL_HANDLER"), f"/api/v1/incidents/{incident().pk}/grade/", {"grade": "URGENT"}
    )
    assert_error(response, 400)
    assert "URGENT" in response.json()["detail"]


def test_a_da_downgrade_is_202_pending_and_a_supervisor_approves_it(api, engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    created = incident()
    handler = api("CALL_HANDLER")
    response = post(
        handler,
        f"/api/v1/incidents/{created.pk}/grade/",
        {"grade": "PRIORITY", "reason": "Caller unsure"},
    )
    assert response.status_code == 202
    request = response.json()["grade_request"]
    assert request["status"] == "PENDING"
    assert handler.get(f"/api/v1/incidents/{created.pk}/").json()["grade"] == "IMMEDIATE"
    assert_error(post(handler, f"/api/v1/grade-requests/{request['id']}/approve/", {}), 403)
    listed = api("SUPERVISOR").get("/api/v1/grade-requests/", {"status": "PENDING"}).json()
    assert [r["id"] for r in listed["results"]] == [request["id"]]
    approved = post(
        api("SUPERVISOR"), f"/api/v1/grade-requests/{request['id']}/approve/", {"note": "OK"}
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "APPROVED"
    assert handler.get(f"/api/v1/incidents/{created.pk}/").json()["grade"] == "PRIORITY"


def test_a_supervisor_refuses_and_a_second_decision_is_a_409(api, engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    created = incident()
    request = post(
        api("CALL_HANDLER"),
        f"/api/v1/incidents/{created.pk}/grade/",
        {"grade": "PRIORITY", "reason": "x"},
    ).json()["grade_request"]
    boss = api("SUPERVISOR")
    refused = post(boss, f"/api/v1/grade-requests/{request['id']}/refuse/", {"note": "No"})
    assert refused.json()["status"] == GradeRequest.Status.REFUSED
    again = post(boss, f"/api/v1/grade-requests/{request['id']}/approve/", {"note": "Yes"})
    assert_error(again, 409, "already_decided")


def test_an_unknown_grade_request_is_a_404(api):
    assert_error(post(api("SUPERVISOR"), "/api/v1/grade-requests/424242/approve/", {}), 404)


def test_the_da_qualifier_cannot_be_removed_without_a_reason(api, engine):
    engine(domestic_abuse=True, recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident()
    client = api("CALL_HANDLER")
    url = f"/api/v1/incidents/{created.pk}/domestic-abuse/"
    assert_error(post(client, url, {"domestic_abuse": False}), 400, "reason_required")
    response = post(client, url, {"domestic_abuse": False, "reason": "Flatmates, not family"})
    assert response.status_code == 200
    assert response.json()["domestic_abuse"] is False


# --- closing, timeline, reference data ---


def test_closing_needs_a_code_and_note_and_a_second_close_is_409(api):
    created = incident()
    client = api("DISPATCHER")
    url = f"/api/v1/incidents/{created.pk}/close/"
    assert_error(post(client, url, {"closing_code": "ARREST"}), 400)
    assert_error(
        post(client, url, {"closing_code": "NOPE", "resolution_note": "x"}),
        400,
        "unknown_closing_code",
    )
    response = post(client, url, {"closing_code": "ARREST", "resolution_note": "Arrested"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["closing_code"]) == ("CLOSED", "ARREST")
    assert_error(post(client, url, {"closing_code": "ARREST", "resolution_note": "x"}), 409)


def test_an_officer_cannot_close_an_incident(api):
    response = post(
        api("OFFICER"),
        f"/api/v1/incidents/{incident().pk}/close/",
        {"closing_code": "ARREST", "resolution_note": "x"},
    )
    assert_error(response, 403)


def test_the_timeline_is_the_audit_trail(api):
    created = incident()
    events = api("QA_REVIEWER").get(f"/api/v1/incidents/{created.pk}/timeline/").json()
    assert "incident.created" in [e["action"] for e in events]


def test_opening_and_closing_codes_are_listed(api):
    client = api("CALL_HANDLER")
    opening = {c["code"] for c in client.get("/api/v1/opening-codes/").json()}
    closing = {c["code"] for c in client.get("/api/v1/closing-codes/").json()}
    assert {"DOMESTIC", "SUSPICIOUS", "BURGLARY", "RTC", "MISSING_PERSON"} <= opening
    assert "ARREST" in closing


# --- unparseable numbers are kept as typed (PostgreSQL enforces the column width) ---

LONG_RAW_PHONE = "withheld - caller refused to give a number, twice."  # 50 chars, unparseable


def test_a_999_call_with_a_long_unparseable_number_is_recorded_not_lost(api):
    assert len(LONG_RAW_PHONE) == 50

    response = post(
        api("CALL_HANDLER"), "/api/v1/incidents/", {**CALL, "caller_phone": LONG_RAW_PHONE}
    )

    assert response.status_code == 201, response.content
    assert Incident.objects.get(pk=response.json()["id"]).caller_phone == LONG_RAW_PHONE


def test_a_contact_with_a_long_unparseable_number_is_recorded(api):
    response = post(
        api("CALL_HANDLER"),
        "/api/v1/contacts/",
        {"channel": "SWITCHBOARD", "caller_phone": LONG_RAW_PHONE, "summary": "Wants order"},
    )

    assert response.status_code == 201, response.content
    assert Contact.objects.get().caller_phone == LONG_RAW_PHONE


def test_an_inspector_may_correct_details_through_the_api_and_the_page(api, client, make_staff):
    from cad.api import IncidentDetailView
    from cad.views import IncidentDetailsFormView

    assert IncidentDetailView.write_roles == IncidentDetailsFormView.allowed_roles
    created = incident()
    response = api("INSPECTOR").patch(
        f"/api/v1/incidents/{created.pk}/", {"caller_name": "Anne Example"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_invisible_characters_inside_words_do_not_hide_the_words_from_grading(api):
    """A narrative pasted with zero-width characters inside words reads the same on screen; it
    is assessed (and stored) without them."""
    narrative = "my hus\u200bband is hit\u200dting me now, he\u00ads still here"
    response = post(api("CALL_HANDLER"), "/api/v1/grading/assess/", {"narrative": narrative})

    assert response.status_code == 200
    body = response.json()
    assert body["domestic_abuse"] is True
    assert body["minimum_grade"] == "IMMEDIATE"

    created = post(api("CALL_HANDLER"), "/api/v1/incidents/", {**CALL, "narrative": narrative})
    assert created.status_code == 201, created.content
    assert Incident.objects.get().narrative == "my husband is hitting me now, hes still here"
