"""GET /api/v1/premises/search/ and the address box's htmx list."""

import pytest

pytestmark = pytest.mark.usefixtures("gazetteer")

URL = "/api/v1/premises/search/"


def test_a_call_handler_finds_the_premises_with_uprn_address_and_coordinates(api):
    response = api("CALL_HANDLER").get(URL, {"q": "21a acacia ho mill la"})

    assert response.status_code == 200
    best = response.json()["results"][0]
    assert best["address"] == "Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"
    assert best["uprn"] > 0
    assert best["latitude"] == pytest.approx(53.8196)
    assert best["longitude"] == pytest.approx(-1.5765)
    assert best["sub_building"] == "Flat 21A"
    assert best["postcode"] == "LS6 2AB"


@pytest.mark.parametrize("role", ["DISPATCHER", "SUPERVISOR", "SUPPORT_OPERATOR", "OIC"])
def test_other_operational_roles_search_too(api, role):
    assert api(role).get(URL, {"q": "red lion"}).status_code == 200


@pytest.mark.parametrize("role", ["OFFICER", "QA_REVIEWER"])
def test_roles_off_the_floor_may_not_search(api, role):
    response = api(role).get(URL, {"q": "red lion"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_anonymous_request_is_refused(anon_api):
    assert anon_api.get(URL, {"q": "red lion"}).status_code == 401


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 301}, "q"),
        ({"q": "a", "limit": "0"}, "limit"),
        ({"q": "a", "limit": "lots"}, "limit"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_input_is_a_400_in_the_api_error_shape(api, params, field):
    response = api("CALL_HANDLER").get(URL, params)

    assert response.status_code == 400
    body = response.json()
    # Control characters are refused for every endpoint in one place (core.middleware).
    assert body["code"] == ("control_character" if "\x00" in params.get("q", "") else "invalid")
    assert body["detail"].startswith(f"{field}:")


@pytest.mark.parametrize("q", ["🙂 Siobhán’s 北京", "5 " * 99, "' & | !", "%%%", "LS6"])
def test_any_text_within_the_limit_is_answered(api, q):
    response = api("CALL_HANDLER").get(URL, {"q": q})

    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_limit_bounds_the_results(api):
    response = api("CALL_HANDLER").get(URL, {"q": "acacia house", "limit": 3})

    assert len(response.json()["results"]) == 3


def test_one_premises_is_read_by_its_uprn(api):
    client = api("CALL_HANDLER")
    uprn = client.get(URL, {"q": "red lion"}).json()["results"][0]["uprn"]

    response = client.get(f"/api/v1/premises/{uprn}/")

    assert response.status_code == 200
    assert response.json()["address"] == "Red Lion, 1 High Street, Leeds LS1 1AA"
    missing = client.get("/api/v1/premises/123/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_the_address_box_lists_premises_to_pick_with_their_uprn_and_coordinates(client, make_staff):
    client.force_login(make_staff("CALL_HANDLER"))

    response = client.get("/premises/search/", {"address": "21a acacia ho mill la"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="option"' in html
    assert 'data-address="Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"' in html
    assert 'data-latitude="53.8196"' in html
    assert 'data-longitude="-1.5765"' in html


def test_the_address_box_says_when_nothing_matches_or_the_text_is_too_long(client, make_staff):
    client.force_login(make_staff("CALL_HANDLER"))

    nothing = client.get("/premises/search/", {"address": "zzzz qqqq"}).content.decode()
    too_long = client.get("/premises/search/", {"address": "x" * 400}).content.decode()
    short = client.get("/premises/search/", {"address": "ab"}).content.decode()

    assert "No premises in the register match" in nothing
    assert "Too long to search" in too_long
    assert short.strip() == ""


def test_the_call_taking_form_has_the_address_search(client, make_staff):
    client.force_login(make_staff("CALL_HANDLER"))

    html = client.get("/calls/new/").content.decode()

    assert 'hx-get="/premises/search/"' in html
    assert 'name="uprn"' in html
    assert "js/premises_search.js" in html
