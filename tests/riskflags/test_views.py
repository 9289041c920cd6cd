"""The marker screens: list with filters, marker page, my markers, forms."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.demo import demo_users, seed
from riskflags import services
from riskflags.demo import seed_markers
from riskflags.models import Marker, MarkerStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def marker(oic):
    now = timezone.now()
    return services.marker_create(
        actor=oic,
        address="12 Acacia Avenue, Leeds LS6 2AB",
        victim_name="Anne Example",
        reason="Ex-husband threatened to kill her",
        expires_at=now + timedelta(days=10),
        oic=oic,
        now=now,
    )


def test_a_call_handler_sees_the_marker_list(client, make_staff, marker):
    client.force_login(make_staff("CALL_HANDLER"))

    response = client.get("/markers/")

    assert response.status_code == 200
    assert b"12 Acacia Avenue" in response.content
    assert b"New marker" not in response.content


def test_the_list_filters_markers_due_for_review(client, oic, marker):
    client.force_login(oic)

    due = client.get("/markers/?show=review_due")
    withdrawn = client.get("/markers/?show=withdrawn", headers={"HX-Request": "true"})

    assert b"12 Acacia Avenue" in due.content
    assert b"12 Acacia Avenue" not in withdrawn.content
    assert b"<html" not in withdrawn.content  # htmx gets the panel only


def test_an_officer_without_a_marker_role_cannot_see_markers(client, make_staff):
    client.force_login(make_staff("OFFICER"))

    assert client.get("/markers/").status_code == 403


def test_the_marker_page_shows_the_contact_log_and_history(client, oic, marker):
    client.force_login(oic)

    response = client.get(f"/markers/{marker.pk}/")

    assert response.status_code == 200
    assert b"No contact with the victim recorded" in response.content
    assert b"marker.created" in response.content
    assert b"ACTIVE SPECIAL SCHEME" in response.content


def test_my_markers_shows_what_is_due(client, oic, marker):
    client.force_login(oic)

    response = client.get("/markers/mine/")

    assert b"START contact due" in response.content
    assert b"Review with the victim" in response.content


def test_creating_a_marker_through_the_form(client, oic):
    client.force_login(oic)
    now = timezone.localtime()

    response = client.post(
        "/markers/new/",
        {
            "address": "5 Birch Close, Leeds LS8 1AA",
            "phones": "07700 900777, 0113 496 0001",
            "victim_name": "Cara Test",
            "reason": "Strangulation last month",
            "risk_level": "HIGH",
            "grade_floor": "IMMEDIATE",
            "oic": oic.username,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "expires_at": (now + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    marker = Marker.objects.get(victim_name="Cara Test")
    assert response.status_code == 302 and response.url == f"/markers/{marker.pk}/"
    assert marker.phones == ["+447700900777", "+441134960001"]


def test_a_form_with_a_marker_too_long_is_shown_again_with_the_reason(client, oic):
    client.force_login(oic)
    now = timezone.localtime()

    response = client.post(
        "/markers/new/",
        {
            "address": "5 Birch Close, Leeds LS8 1AA",
            "victim_name": "Cara Test",
            "reason": "Strangulation last month",
            "risk_level": "HIGH",
            "grade_floor": "IMMEDIATE",
            "oic": oic.username,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "expires_at": (now + timedelta(days=200)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 400
    assert b"at most 183 days" in response.content
    assert not Marker.objects.exists()


def test_withdrawing_through_the_page_without_a_contact_is_refused_with_409(client, oic, marker):
    client.force_login(oic)

    response = client.post(f"/markers/{marker.pk}/withdraw/", {"reason": "No incidents"})

    assert response.status_code == 409
    assert b"no attempt to contact the victim" in response.content
    marker.refresh_from_db()
    assert marker.status == MarkerStatus.ACTIVE


def test_a_dispatcher_cannot_post_a_contact(client, make_staff, marker):
    client.force_login(make_staff("DISPATCHER"))

    response = client.post(
        f"/markers/{marker.pk}/contacts/",
        {"purpose": "START", "method": "PHONE", "outcome": "CONTACTED"},
    )

    assert response.status_code == 403


def test_the_demo_seeder_is_idempotent():
    demo_users()

    seed_markers()
    seed_markers()

    statuses = sorted(Marker.objects.values_list("status", flat=True))
    assert statuses == ["ACTIVE", "ACTIVE", "ACTIVE", "WITHDRAWN"]
    due = Marker.objects.filter(expires_at__lte=timezone.now() + timedelta(days=14))
    assert due.count() == 1


def test_the_whole_demo_seed_includes_markers():
    seed()

    assert Marker.objects.filter(status=MarkerStatus.WITHDRAWN).exists()
