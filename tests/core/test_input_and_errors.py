"""Bad input and errors answer in one shape: 400 for control characters and bad page sizes,
`{detail, code}` for every API error (404 and 500 included), one log line per refused page."""

import logging

import pytest

NUL_API_URLS = [
    "/api/v1/markers/match/?phone=%00",
    "/api/v1/contacts/?phone=%00",
    "/api/v1/incidents/?q=%00",
    "/api/v1/incidents/?tag=%00",
    "/api/v1/markers/?q=%00",
    "/api/v1/markers/?oic=%00",
    "/api/v1/reports/response-times/?opening_code=%00",
    "/api/v1/incidents/?q=a%1Bb",
    "/api/v1/incidents/?%00=1",
]

NUL_PAGE_URLS = [
    "/incidents/?q=%00",
    "/markers/?q=%00",
    "/reports/response-times/?opening_code=%00",
    "/reports/response-times/export.csv?opening_code=%00",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", NUL_API_URLS)
def test_a_control_character_in_a_query_parameter_is_a_json_400(api, url):
    client = api("SUPERVISOR", "QA_REVIEWER")
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "control_character"
    assert response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", NUL_PAGE_URLS)
def test_a_control_character_in_a_page_parameter_is_a_400_page(client, make_staff, url):
    client.force_login(make_staff("SUPERVISOR", "QA_REVIEWER"))
    response = client.get(url)
    assert response.status_code == 400
    assert b"control character" in response.content


@pytest.mark.django_db
def test_a_control_character_in_a_json_body_field_is_a_400_and_nothing_is_written(api):
    from cad.models import Contact

    client = api("CALL_HANDLER")
    response = client.post(
        "/api/v1/contacts/",
        {"channel": "101", "summary": "noise\u0000 next door"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "control_character"
    assert not Contact.objects.filter(summary__startswith="noise").exists()
    # Line breaks and tabs are how free text is typed: they pass.
    kept = client.post(
        "/api/v1/contacts/", {"channel": "101", "summary": "one\r\n\ttwo"}, format="json"
    )
    assert kept.status_code == 201


@pytest.mark.django_db
def test_a_control_character_in_a_form_field_is_a_400_page(client, make_staff):
    client.force_login(make_staff("CALL_HANDLER"))
    response = client.post("/contacts/new/", {"channel": "101", "summary": "a\x00b"})
    assert response.status_code == 400
    assert b"control character" in response.content


@pytest.mark.django_db
def test_an_unknown_api_url_answers_json_404(api):
    response = api("DISPATCHER").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_a_crash_in_the_api_answers_json_500(api, monkeypatch):
    from core import api as core_api

    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(core_api.MeView, "get", crash)
    client = api("DISPATCHER")
    client.raise_request_exception = False
    response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", ["abc", "0", "-3", "1.5", ""])
def test_a_page_size_that_is_not_a_positive_whole_number_is_a_400(api, page_size):
    response = api("DISPATCHER").get(f"/api/v1/units/?page_size={page_size}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_page_size"
    assert api("DISPATCHER").get("/api/v1/units/?page_size=5").status_code == 200


@pytest.mark.django_db
def test_a_refused_page_logs_one_line_without_a_traceback(client, make_staff, caplog):
    client.force_login(make_staff("OFFICER"))
    with caplog.at_level(logging.WARNING):
        response = client.get("/reports/")
    assert response.status_code == 403
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1
    assert lines[0].exc_info is None
    assert "Forbidden" in lines[0].getMessage()


@pytest.mark.django_db
@pytest.mark.parametrize("count", ["-3", "maybe", "2"])
def test_a_count_that_is_not_true_or_false_is_a_400(api, count):
    response = api("DISPATCHER").get(f"/api/v1/units/?count={count}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_count"
    assert "count" in api("DISPATCHER").get("/api/v1/units/?count=true").json()
    assert "count" not in api("DISPATCHER").get("/api/v1/units/?count=false").json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type, body",
    [
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="narrative"\r\n\r\nhe hit me\r\n--xyz--\r\n',
        ),
        ("application/x-www-form-urlencoded", b"narrative=he+hit+me"),
    ],
)
def test_an_api_body_that_is_not_json_is_a_415_not_an_empty_request(api, content_type, body):
    """A form body was read by the control-character guard and then given to the API as an
    empty request, which the assessment accepted as a silent call."""
    response = api("CALL_HANDLER").generic(
        "POST", "/api/v1/grading/assess/", body, content_type=content_type
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_unknown_da_question_codes_are_a_400(api):
    response = api("CALL_HANDLER").post(
        "/api/v1/grading/assess/",
        {"narrative": "my ex is at the door", "da_answers": {"connection": "yes", "zz": "yes"}},
        format="json",
    )
    assert response.status_code == 400
    assert "da_answers" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"channel": "101", "summary": 12}, "summary"),
        ({"channel": "101", "summary": "lost dog", "caller_name": ["a"]}, "caller_name"),
    ],
)
def test_a_json_value_of_the_wrong_type_is_a_400_not_coerced(api, body, field):
    response = api("CALL_HANDLER").post("/api/v1/contacts/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_request_bodies_read_with_fields_built_once_share_nothing():
    """Input serializers build their fields once per class (`core.serializers.FieldsBuiltOnce`):
    each body is read with fields of its own, defaults included, and one body's errors do not
    reach the next."""
    from rest_framework.exceptions import ValidationError

    from cad.serializers import IncidentInput
    from core.api import parse_input

    first = parse_input(IncidentInput, {"channel": "999", "narrative": "Help"})
    second = parse_input(IncidentInput, {"channel": "101", "narrative": "Shed"})
    assert first["named_people"] == [] and first["named_people"] is not second["named_people"]
    assert first["da_answers"] == {} and first["da_answers"] is not second["da_answers"]
    with pytest.raises(ValidationError) as refused:
        parse_input(IncidentInput, {"channel": "999", "named_people": ["x" * 201]})
    assert "named_people" in refused.value.detail
    third = parse_input(
        IncidentInput, {"channel": "999", "named_people": ["Ann"], "da_answers": {"afraid": "no"}}
    )
    assert third["named_people"] == ["Ann"] and third["da_answers"] == {"afraid": "no"}
    one, two = IncidentInput(data={}), IncidentInput(data={})
    for name, field in one.fields.items():
        assert field is not two.fields[name] and field.parent is one
