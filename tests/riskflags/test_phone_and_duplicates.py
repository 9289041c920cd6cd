"""A marker's numbers are telephone numbers (validated and stored in E.164 with `phonenumbers`,
GB by default: "abcdefg" and "999" are refused with a field error), and a marker repeating an
in-force one (same premises/address, victim or number) is refused with the duplicates listed
until the creator confirms. The service decides, so the API and the screen agree."""

from datetime import UTC, datetime, timedelta

import pytest

from cad.exceptions import ValidationFailed
from core.audit import audit_trail
from riskflags import services
from riskflags.models import Marker
from tests.riskflags.conftest import ADDRESS, T0

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ["abcdefg", "999", "12", "0770090012345678"])
def test_a_number_that_is_not_a_phone_number_is_refused_on_its_field(create_marker, raw):
    with pytest.raises(ValidationFailed) as refused:
        create_marker(phone=raw)
    assert refused.value.code == "phone_invalid"
    assert "phones" in refused.value.fields
    assert not Marker.objects.exists()


@pytest.mark.parametrize("raw", ["07700 900123", "+44 7700 900123", "0044 7700 900123"])
def test_a_uk_number_is_stored_in_e164(create_marker, raw):
    marker = create_marker(phone=raw)
    assert [p.phone for p in marker.phone_numbers.all()] == ["+447700900123"]


def test_a_second_marker_at_the_same_address_lists_the_first_and_needs_confirming(create_marker):
    first = create_marker()
    with pytest.raises(services.DuplicateMarkers) as refused:
        create_marker(phone="", victim_name="Someone Else")
    assert refused.value.status == 409
    (duplicate,) = refused.value.duplicates
    assert duplicate.marker == first
    assert "address" in duplicate.matched_on
    assert Marker.objects.count() == 1

    second = create_marker(phone="", victim_name="Someone Else", confirm_duplicate=True)
    created = [e for e in audit_trail(second) if e.action == "marker.created"]
    assert [d["id"] for d in created[0].data["confirmed_duplicates"]] == [first.pk]


def test_the_same_victim_or_number_elsewhere_is_a_duplicate(create_marker):
    create_marker()
    with pytest.raises(services.DuplicateMarkers) as refused:
        create_marker(address="1 Other Road, Leeds LS1 1AA", phone="")
    assert refused.value.duplicates[0].matched_on == ("victim",)
    with pytest.raises(services.DuplicateMarkers) as refused:
        create_marker(address="1 Other Road, Leeds LS1 1AA", victim_name="Bea Other")
    assert refused.value.duplicates[0].matched_on == ("phone",)


def test_a_withdrawn_marker_is_not_a_duplicate(create_marker, oic):
    first = create_marker()
    Marker.objects.filter(pk=first.pk).update(status="WITHDRAWN")
    assert create_marker(now=T0 + timedelta(minutes=5)).pk != first.pk


def _api_body(**overrides):
    now = datetime.now(UTC)
    body = {
        "address": ADDRESS,
        "phone": "07700 900123",
        "victim_name": "Anne Example",
        "reason": "Ex-husband threatened to kill her",
        "expires_at": (now + timedelta(days=60)).isoformat(),
        "oic": "oic_api_user",
    }
    body.update(overrides)
    return body


@pytest.fixture
def oic_api(api, make_staff):
    return api(user=make_staff("OIC", username="oic_api_user"))


def test_the_api_answers_a_bad_number_with_400_and_the_field(oic_api):
    response = oic_api.post("/api/v1/markers/", _api_body(phone="abcdefg"), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "phone_invalid" and "abcdefg" in body["detail"]
    assert "phones" in body["errors"]


def test_the_api_answers_a_duplicate_with_409_until_confirmed(oic_api):
    first = oic_api.post("/api/v1/markers/", _api_body(), format="json").json()["id"]

    refused = oic_api.post("/api/v1/markers/", _api_body(), format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "duplicate_marker" and body["detail"]
    assert [d["id"] for d in body["duplicates"]] == [first]
    assert set(body["duplicates"][0]["matched_on"]) >= {"address", "victim", "phone"}

    confirmed = oic_api.post("/api/v1/markers/", _api_body(confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201
    assert Marker.objects.count() == 2


def _form(**overrides):
    now = datetime.now(UTC)
    form = {
        "address": ADDRESS,
        "phones": "07700 900123",
        "victim_name": "Anne Example",
        "reason": "Ex-husband threatened to kill her",
        "risk_level": "HIGH",
        "grade_floor": "IMMEDIATE",
        "oic": "oic_smith",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "expires_at": (now + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M"),
    }
    form.update(overrides)
    return form


def test_the_screen_shows_a_bad_number_on_its_field(client, oic):
    client.force_login(oic)
    response = client.post("/markers/new/", _form(phones="abcdefg"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a phone number" in page and 'value="abcdefg"' in page


def test_the_screen_warns_of_a_duplicate_and_creates_it_on_confirm(client, oic):
    client.force_login(oic)
    assert client.post("/markers/new/", _form()).status_code == 302

    warned = client.post("/markers/new/", _form(reason="Second report"))
    assert warned.status_code == 409
    page = warned.content.decode()
    assert 'id="duplicate-markers"' in page and 'name="confirm_duplicate"' in page
    assert "Second report" in page  # what was typed is kept
    assert Marker.objects.count() == 1

    confirmed = client.post("/markers/new/", _form(reason="Second report", confirm_duplicate="1"))
    assert confirmed.status_code == 302
    assert Marker.objects.count() == 2
