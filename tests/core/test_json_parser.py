"""A JSON body nested too deeply for Python's json (RecursionError, not ValueError) is a 400
parse error like any malformed body, before and after logging in: never a 500."""

import pytest
from rest_framework.test import APIClient

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.django_db
def test_a_deeply_nested_body_is_a_parse_error_not_a_500_before_logging_in():
    answer = APIClient().post("/api/v1/auth/token/", DEEP, content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_a_deeply_nested_body_is_a_parse_error_for_a_logged_in_client(api):
    answer = api("CALL_HANDLER").post("/api/v1/incidents/", DEEP, content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_nested_objects_too():
    deep = '{"a": ' * 5000 + "1" + "}" * 5000
    answer = APIClient().post("/api/v1/auth/token/", deep, content_type="application/json")

    assert answer.status_code == 400
