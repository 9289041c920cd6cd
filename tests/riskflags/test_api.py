"""The markers API as API.md specifies it."""

from datetime import UTC, datetime, timedelta

import pytest

from riskflags.models import Marker, MarkerStatus

pytestmark = pytest.mark.django_db


def iso(value):
    return value.isoformat()


@pytest.fixture
def oic_api(api, make_staff):
    return api(user=make_staff("OIC", username="oic"))


def _payload(**overrides):
    now = datetime.now(UTC)
    body = {
        "address": "12 Acacia Avenue, Leeds LS6 2AB",
        "phone": "+447700900123",
        "victim_name": "Anne Example",
        "reason": "Ex-husband threatened to kill her",
        "grade_floor": "IMMEDIATE",
        "starts_at": iso(now - timedelta(days=100)),
        "expires_at": iso(now + timedelta(days=60)),
        "oic": "oic",
    }
    body.update(overrides)
    return body


def test_creating_a_marker_returns_201_and_an_active_marker(oic_api):
    response = oic_api.post("/api/v1/markers/", _payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "ACTIVE"
    assert body["oic"] == "oic"
    assert body["phones"] == ["+447700900123"]
    assert body["start_contact_recorded"] is False


def test_a_marker_lasting_220_days_is_a_400_and_nothing_is_created(oic_api):
    now = datetime.now(UTC)

    response = oic_api.post(
        "/api/v1/markers/", _payload(expires_at=iso(now + timedelta(days=120))), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "marker_too_long"
    assert "183 days" in response.json()["detail"]
    assert not Marker.objects.exists()


def test_an_unknown_oic_is_a_400(oic_api):
    response = oic_api.post("/api/v1/markers/", _payload(oic="ghost"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_oic"


def test_a_call_handler_reads_markers_but_cannot_create_one(oic_api, api):
    oic_api.post("/api/v1/markers/", _payload(), format="json")
    handler = api("CALL_HANDLER")

    assert handler.get("/api/v1/markers/").status_code == 200
    assert handler.post("/api/v1/markers/", _payload(), format="json").status_code == 403


def test_a_dispatcher_can_read_a_marker(oic_api, api):
    marker_id = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]

    response = api("DISPATCHER").get(f"/api/v1/markers/{marker_id}/")

    assert response.status_code == 200
    assert response.json()["victim_name"] == "Anne Example"


def test_withdraw_is_409_until_a_withdrawal_contact_is_recorded_then_200(oic_api):
    marker_id = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]
    url = f"/api/v1/markers/{marker_id}/"

    refused = oic_api.post(url + "withdraw/", {"reason": "No further incidents"}, format="json")
    contact = oic_api.post(
        url + "contacts/",
        {"purpose": "WITHDRAWAL", "method": "PHONE", "outcome": "NO_ANSWER", "notes": "Rang"},
        format="json",
    )
    done = oic_api.post(url + "withdraw/", {"reason": "No further incidents"}, format="json")

    assert refused.status_code == 409
    assert refused.json()["code"] == "victim_contact_required"
    assert contact.status_code == 201 and contact.json()["outcome"] == "NO_ANSWER"
    assert done.status_code == 200 and done.json()["status"] == "WITHDRAWN"


def test_extend_is_409_without_an_extension_contact_and_200_with_one(oic_api):
    marker_id = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]
    url = f"/api/v1/markers/{marker_id}/"
    new_expiry_at = datetime.now(UTC) + timedelta(days=150)
    new_expiry = iso(new_expiry_at)

    refused = oic_api.post(
        url + "extend/", {"expires_at": new_expiry, "reason": "Risk remains"}, format="json"
    )
    oic_api.post(
        url + "contacts/",
        {"purpose": "EXTENSION", "method": "VISIT", "outcome": "CONTACTED", "notes": ""},
        format="json",
    )
    done = oic_api.post(
        url + "extend/", {"expires_at": new_expiry, "reason": "Risk remains"}, format="json"
    )

    assert refused.status_code == 409
    assert done.status_code == 200
    assert datetime.fromisoformat(done.json()["expires_at"]) == new_expiry_at


def test_a_contact_with_an_unknown_purpose_is_a_400(oic_api):
    marker_id = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]

    response = oic_api.post(
        f"/api/v1/markers/{marker_id}/contacts/",
        {"purpose": "GOSSIP", "method": "PHONE", "outcome": "CONTACTED"},
        format="json",
    )

    assert response.status_code == 400


def test_editing_a_withdrawn_marker_is_a_409_and_nothing_changes(oic_api):
    marker_id = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]
    url = f"/api/v1/markers/{marker_id}/"
    oic_api.post(
        url + "contacts/",
        {"purpose": "WITHDRAWAL", "method": "PHONE", "outcome": "CONTACTED"},
        format="json",
    )
    oic_api.post(url + "withdraw/", {"reason": "No further incidents"}, format="json")

    response = oic_api.patch(url, {"reason": "Something else"}, format="json")

    assert response.status_code == 409
    marker = Marker.objects.get(pk=marker_id)
    assert marker.reason == "Ex-husband threatened to kill her"
    assert marker.status == MarkerStatus.WITHDRAWN


def test_an_unknown_marker_is_a_404(oic_api):
    assert oic_api.get("/api/v1/markers/999999/").status_code == 404
    response = oic_api.post("/api/v1/markers/999999/withdraw/", {"reason": "x"}, format="json")
    assert response.status_code == 404


def test_the_history_lists_every_step_in_order(oic_api):
    marker_id = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]
    url = f"/api/v1/markers/{marker_id}/"
    oic_api.post(
        url + "contacts/",
        {"purpose": "START", "method": "PHONE", "outcome": "CONTACTED"},
        format="json",
    )

    actions = [e["action"] for e in oic_api.get(url + "history/").json()]

    assert actions == ["marker.created", "marker.contact_recorded"]


def test_the_list_filters_by_awaiting_start_contact(oic_api):
    first = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]
    second = oic_api.post(
        "/api/v1/markers/",
        # The same victim and number elsewhere: a duplicate, confirmed.
        _payload(address="1 Other Road, Leeds LS1 1AA", confirm_duplicate=True),
        format="json",
    ).json()["id"]
    oic_api.post(
        f"/api/v1/markers/{first}/contacts/",
        {"purpose": "START", "method": "PHONE", "outcome": "CONTACTED"},
        format="json",
    )

    response = oic_api.get("/api/v1/markers/?show=awaiting_start")

    assert [m["id"] for m in response.json()["results"]] == [second]


def test_an_unknown_list_filter_is_a_400(oic_api):
    assert oic_api.get("/api/v1/markers/?show=everything").status_code == 400


def test_match_finds_markers_by_number(oic_api):
    marker_id = oic_api.post("/api/v1/markers/", _payload(), format="json").json()["id"]

    response = oic_api.get("/api/v1/markers/match/", {"phone": "07700 900123"})

    assert [m["id"] for m in response.json()] == [marker_id]


def test_the_founding_case_marker_steps_end_with_the_withdrawn_marker_on_the_999_call(oic_api, api):
    now = datetime.now(UTC)
    marker = _payload(starts_at=iso(now - timedelta(days=100)))
    too_long = oic_api.post(
        "/api/v1/markers/", {**marker, "expires_at": iso(now + timedelta(days=120))}, format="json"
    )
    created = oic_api.post(
        "/api/v1/markers/", {**marker, "expires_at": iso(now + timedelta(days=60))}, format="json"
    )
    url = f"/api/v1/markers/{created.json()['id']}/"
    refused = oic_api.post(url + "withdraw/", {"reason": "No further incidents"}, format="json")
    oic_api.post(
        url + "contacts/",
        {
            "purpose": "WITHDRAWAL",
            "method": "PHONE",
            "outcome": "NO_ANSWER",
            "notes": "Rang twice, no answer",
        },
        format="json",
    )
    withdrawn = oic_api.post(url + "withdraw/", {"reason": "No further incidents"}, format="json")

    call = api("CALL_HANDLER").post(
        "/api/v1/incidents/",
        {
            "channel": "999",
            "caller_phone": "+44 7700 900123",
            "caller_name": "Anne Example",
            "address": "12 Acacia Avenue, Leeds, LS6 2AB",
            "narrative": "Someone's buzzing at my door. Loud banging at the door now.",
        },
        format="json",
    )

    assert (too_long.status_code, created.status_code, refused.status_code) == (400, 201, 409)
    assert withdrawn.json()["status"] == "WITHDRAWN"
    assert call.status_code == 201
    assert [m["status"] for m in call.json()["markers"]] == ["WITHDRAWN"]
    assert call.json()["markers"][0]["why_matched"] == "address and phone"


def test_listing_markers_costs_the_same_queries_however_many_there_are(oic_api, make_staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def list_queries():
        with CaptureQueriesContext(connection) as captured:
            response = oic_api.get("/api/v1/markers/")
        assert response.status_code == 200
        return len(captured)

    for n in range(2):
        make_staff("SUPERVISOR", username=f"sup{n}")
        oic_api.post(
            "/api/v1/markers/",
            _payload(
                address=f"{n + 1} Acacia Avenue, Leeds LS6 2AB",
                supervisor=f"sup{n}",
                confirm_duplicate=True,
            ),
            format="json",
        )
    few = list_queries()
    for n in range(2, 6):
        make_staff("SUPERVISOR", username=f"sup{n}")
        oic_api.post(
            "/api/v1/markers/",
            _payload(
                address=f"{n + 1} Acacia Avenue, Leeds LS6 2AB",
                supervisor=f"sup{n}",
                confirm_duplicate=True,
            ),
            format="json",
        )
    assert Marker.objects.filter(supervisor__isnull=False).count() == 6
    assert list_queries() == few


def test_a_marker_refuses_text_that_is_not_a_phone_number(oic_api):
    raw = "ex-partner's work mobile, number not yet confirmed"

    response = oic_api.post("/api/v1/markers/", _payload(phone=raw), format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "phone_invalid"
    assert not Marker.objects.exists()
