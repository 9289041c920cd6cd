"""A marker is found at its premises however the address is written (the one matcher), through
the API: on every call from there, with its floor; never for the flat next door. A probable
match says so and holds its floor until a handler dismisses it with a reason."""

from datetime import UTC, datetime, timedelta

import pytest

from core.models import AuditEvent
from premises.demo import seed_premises

pytestmark = pytest.mark.django_db

MARKED = "Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB"
VARIANTS = [
    MARKED,
    "21A Acacia House, 5 Mill Lane, Leeds LS6 2AB",
    "Flat 21A, Acacia House, 5 Mill Lane, Leeds",
    "Flat 21A Acacia House, 5 Mill Lane, LS6 2AB",
    "flat 21a acacia ho 5 mill la leeds",
]
NEIGHBOURS = [
    "Flat 21B, Acacia House, 5 Mill Lane, Leeds LS6 2AB",
    "21B Acacia House, 5 Mill Lane, Leeds",
    "Flat 21A, Acacia House, 7 Mill Lane, Leeds LS6 2AB",
]


@pytest.fixture(params=["with the register", "free text only"])
def register(request):
    """Each test runs with the demo gazetteer (addresses resolve to premises) and without it
    (the matcher works on the parsed parts alone)."""
    if request.param == "with the register":
        seed_premises()
    return request.param


@pytest.fixture
def marker(api, make_staff, register):
    oic = make_staff("OIC", username="oic_21a")
    now = datetime.now(UTC)
    response = api(user=oic).post(
        "/api/v1/markers/",
        {
            "address": MARKED,
            "victim_name": "Anne Example",
            "reason": "Ex-partner threatened to kill her",
            "grade_floor": "IMMEDIATE",
            "starts_at": (now - timedelta(days=5)).isoformat(),
            "expires_at": (now + timedelta(days=60)).isoformat(),
            "oic": "oic_21a",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def call_101(client, address):
    response = client.post(
        "/api/v1/incidents/",
        {"channel": "101", "address": address, "narrative": "Music very loud next door again"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize("address", VARIANTS)
def test_a_101_call_from_any_way_of_writing_the_flat_shows_the_marker_and_its_floor(
    api, marker, address
):
    incident = call_101(api("CALL_HANDLER"), address)

    assert [m["id"] for m in incident["markers"]] == [marker]
    assert incident["markers"][0]["address_match"]["verdict"] == "EXACT"
    assert incident["minimum_grade"] == "IMMEDIATE"
    assert incident["grade"] == "IMMEDIATE"
    assert "MARKER" in incident["tags"]


@pytest.mark.parametrize("address", NEIGHBOURS)
def test_a_call_from_the_flat_next_door_or_another_number_shows_no_marker(api, marker, address):
    incident = call_101(api("CALL_HANDLER"), address)

    assert incident["markers"] == []
    assert incident["minimum_grade"] != "IMMEDIATE"


@pytest.mark.parametrize("address", VARIANTS)
def test_markers_match_finds_the_marker_for_each_variant(api, marker, address):
    response = api("CALL_HANDLER").get("/api/v1/markers/match/", {"address": address})

    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == [marker]


@pytest.mark.parametrize("address", NEIGHBOURS)
def test_markers_match_finds_nothing_for_the_neighbours(api, marker, address):
    response = api("CALL_HANDLER").get("/api/v1/markers/match/", {"address": address})

    assert response.json() == []


def test_markers_match_refuses_bad_input_with_a_400(api):
    client = api("CALL_HANDLER")

    assert client.get("/api/v1/markers/match/", {"address": "x" * 301}).status_code == 400
    assert client.get("/api/v1/markers/match/", {"uprn": "12ab"}).status_code == 400
    assert client.get("/api/v1/markers/match/", {"address": "🙂 Siobhán"}).status_code == 200


def test_a_probable_match_is_shown_as_such_with_its_floor(api, marker):
    incident = call_101(api("CALL_HANDLER"), "5 Mill Lane, Leeds LS6 2AB")

    found = incident["markers"][0]
    assert found["id"] == marker
    assert found["address_match"] == {
        "verdict": "PROBABLE",
        "reason": "flat 21a given on one side only",
    }
    assert incident["minimum_grade"] == "IMMEDIATE"
    banners = [b["text"] for b in incident["assessment"]["banners"]]
    assert any(text.startswith("PROBABLE MATCH: SPECIAL SCHEME MARKER at") for text in banners)


def test_a_dismissed_probable_match_no_longer_sets_the_floor_and_is_audited(api, marker):
    handler = api("CALL_HANDLER")
    incident = call_101(handler, "5 Mill Lane, Leeds LS6 2AB")

    response = handler.post(
        f"/api/v1/markers/{marker}/dismiss-match/",
        {"incident": incident["id"], "reason": "Caller lives in the ground-floor shop, not 21A"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["match_reason"] == "flat 21a given on one side only"
    after = handler.get(f"/api/v1/incidents/{incident['id']}/").json()
    assert after["markers"] == []
    assert after["minimum_grade"] != "IMMEDIATE"
    assert any("probable match with marker" in line["text"].lower() for line in after["log"])
    event = AuditEvent.objects.get(action="marker.match_dismissed")
    assert event.actor == handler.user
    assert event.data["reason"] == "Caller lives in the ground-floor shop, not 21A"


def test_an_exact_match_cannot_be_dismissed(api, marker):
    handler = api("CALL_HANDLER")
    incident = call_101(handler, MARKED)

    response = handler.post(
        f"/api/v1/markers/{marker}/dismiss-match/",
        {"incident": incident["id"], "reason": "Not her"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_probable"


def test_dismissing_needs_a_reason_and_a_grading_role(api, marker):
    incident = call_101(api("CALL_HANDLER"), "5 Mill Lane, Leeds LS6 2AB")
    url = f"/api/v1/markers/{marker}/dismiss-match/"

    no_reason = api("CALL_HANDLER").post(url, {"incident": incident["id"]}, format="json")
    blank = api("CALL_HANDLER").post(
        url, {"incident": incident["id"], "reason": " "}, format="json"
    )
    officer = api("OFFICER").post(url, {"incident": incident["id"], "reason": "x"}, format="json")

    assert no_reason.status_code == 400
    assert blank.status_code == 400
    assert officer.status_code == 403


def test_the_incident_page_shows_a_probable_match_and_its_dismiss_button(
    api, marker, client, make_staff
):
    handler = make_staff("CALL_HANDLER")
    incident = call_101(api(user=handler), "5 Mill Lane, Leeds LS6 2AB")
    client.force_login(handler)
    page = f"/incidents/{incident['id']}/"

    html = client.get(page).content.decode()
    assert "Probable match:" in html and "flat 21a given on one side only" in html
    assert f'action="/markers/{marker}/dismiss-match/"' in html

    response = client.post(
        f"/markers/{marker}/dismiss-match/",
        {"incident": incident["id"], "reason": "Caller is in the shop downstairs"},
    )

    assert response.status_code == 302 and response.url == page
    html = client.get(page).content.decode()
    assert "probable match dismissed" in html
    assert f'action="/markers/{marker}/dismiss-match/"' not in html
