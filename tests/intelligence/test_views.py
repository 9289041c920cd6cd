"""The intelligence screens: search, a stored check, an incident's checks, the queue."""

import pytest
from django.test import Client

from cad.services import incident_create
from core.models import AuditEvent
from intelligence.models import IntelCheck
from tests.intelligence.factories import record

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_search_runs_a_check_and_shows_it_with_the_court_order_first(make_staff):
    user = make_staff("CALL_HANDLER")
    record("DA_CRIME", names=["Anne Example"], phones=[])
    record("COURT_ORDER", protected_person="Anne Example", restricted_person="Brian Example")

    response = browser(user).post("/intel/", {"name": "Anne Example"}, follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("LIVE COURT ORDER") < html.index("DA_CRIME")
    check = IntelCheck.objects.get()
    assert check.ran_by == user
    assert AuditEvent.objects.filter(action="intel.check_viewed", actor=user)


def test_an_empty_search_is_refused_on_the_page(make_staff):
    response = browser(make_staff("CALL_HANDLER")).post("/intel/", {})

    assert response.status_code == 400
    assert "Give a phone number, an address or a name" in response.content.decode()


def test_officers_do_not_get_the_search_page(make_staff):
    assert browser(make_staff("OFFICER")).get("/intel/").status_code == 403


def test_the_incident_page_shows_the_automatic_check_and_runs_a_further_one(make_staff):
    user = make_staff("CALL_HANDLER")
    incident = incident_create(actor=user, channel="999", narrative="x", caller_phone="07700900123")
    client = browser(user)

    page = client.get(f"/intel/incidents/{incident.pk}/")
    client.post(f"/intel/incidents/{incident.pk}/", {"action": "check"})

    assert "the system (automatic)" in page.content.decode()
    assert list(IntelCheck.objects.filter(incident=incident).values_list("trigger", flat=True)) == [
        "MANUAL",
        "INCIDENT_CREATED",
    ]


def test_the_queue_page_lets_an_operator_take_a_request(make_staff):
    from intelligence.services import check_request_create

    request = check_request_create(
        actor=make_staff("CALL_HANDLER"), subject="Brian Example", reason="PNC"
    )
    operator = make_staff("SUPPORT_OPERATOR")
    client = browser(operator)

    page = client.get("/intel/queue/")
    client.post("/intel/queue/", {"request": request.pk, "action": "claim"}, HTTP_HX_REQUEST="true")

    assert "Brian Example" in page.content.decode()
    request.refresh_from_db()
    assert request.status == "IN_PROGRESS" and request.assigned_to == operator
