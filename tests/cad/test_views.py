"""The call-taking screens, driven through Django's test client."""

import pytest
from django.urls import reverse

from cad.models import Contact, Grade, GradeRequest, Incident
from core.navigation import screens_for
from tests.cad.factories import call_handler, incident, supervisor
from tests.factories import staff

pytestmark = pytest.mark.django_db

FORM = {
    "channel": "999",
    "caller_phone": "07700 900123",
    "caller_name": "Anne Example",
    "address": "12 Acacia Avenue, Leeds LS6 2AB",
    "area": "URBAN",
    "narrative": "Loud banging at the door",
    "named_people": "Brian Example",
    "opening_code": "SUSPICIOUS",
    "idempotency_key": "form-key-1",
}


@pytest.fixture
def handler_client(client):
    client.force_login(call_handler())
    return client


def test_the_cad_screens_link_to_their_pages():
    keys = {s.key: s for s in screens_for({"CALL_HANDLER", "SUPERVISOR"})}
    for key in ("call_taking", "switchboard", "incidents", "grade_requests"):
        assert keys[key].url, key


def test_the_call_taking_page_carries_a_fresh_idempotency_key(handler_client):
    page = handler_client.get(reverse("call-taking"))
    assert page.status_code == 200
    assert b'name="idempotency_key"' in page.content
    assert b'hx-post="/calls/assess/"' in page.content


def test_the_call_taking_page_is_for_call_handlers(client):
    client.force_login(staff("DISPATCHER"))
    assert client.get(reverse("call-taking")).status_code == 403


def test_saving_the_form_creates_the_incident_and_opens_it(handler_client):
    response = handler_client.post(reverse("call-taking"), FORM)
    created = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incident-detail", args=[created.pk])
    assert created.named_people == ["Brian Example"]
    assert created.opening_code_id == "SUSPICIOUS"
    assert created.graded_by is None


def test_a_double_submitted_form_creates_one_incident(handler_client):
    handler_client.post(reverse("call-taking"), FORM)
    handler_client.post(reverse("call-taking"), FORM)
    assert Incident.objects.count() == 1


def test_ctrl_enter_saves_at_the_recommended_grade(handler_client):
    handler_client.post(reverse("call-taking"), {**FORM, "confirm_grade": "True"})
    assert Incident.objects.get().graded_by is not None


def test_a_bad_form_is_shown_again_with_the_error(handler_client):
    response = handler_client.post(
        reverse("call-taking"), {**FORM, "channel": "101", "narrative": ""}
    )
    assert response.status_code == 400
    assert b"narrative" in response.content
    assert not Incident.objects.exists()


def test_unticking_da_on_a_da_call_without_a_reason_is_refused(handler_client, engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    response = handler_client.post(reverse("call-taking"), {**FORM, "da_touched": "True"})
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_the_assessment_partial_shows_grades_indicators_and_evidence(handler_client, engine):
    engine(
        domestic_abuse=True,
        recommended=Grade.IMMEDIATE,
        minimum=Grade.IMMEDIATE,
        indicators=[("ex_partner", "ex-husband")],
        risk_factors=[("at_door", "banging at the door")],
    )
    response = handler_client.post(
        reverse("call-assess"), {"narrative": "My ex-husband is banging at the door"}
    )
    html = response.content.decode()
    assert 'data-domestic-abuse="true"' in html
    assert 'id="assess-recommended">IMMEDIATE' in html
    assert '<mark class="evidence" title="ex partner">ex-husband</mark>' in html
    assert '<mark class="risk" title="at door">banging at the door</mark>' in html
    assert not Incident.objects.exists()


def test_the_narrative_is_escaped_in_the_assessment(handler_client):
    response = handler_client.post(reverse("call-assess"), {"narrative": "<script>x</script>"})
    assert b"<script>x</script>" not in response.content


def test_a_switchboard_message_is_recorded_in_one_post(client):
    client.force_login(call_handler())
    response = client.post(
        reverse("switchboard"),
        {"channel": "SWITCHBOARD", "caller_phone": "07700 900123", "summary": "Wants order"},
    )
    assert response.status_code == 302
    assert Contact.objects.get().caller_phone == "+447700900123"


def test_the_incident_page_shows_the_record_log_history_and_timeline(client, engine):
    engine(
        domestic_abuse=True,
        recommended=Grade.IMMEDIATE,
        minimum=Grade.IMMEDIATE,
        indicators=[("ex_partner", "ex-husband")],
    )
    created = incident(narrative="My ex-husband is outside")
    client.force_login(call_handler())
    html = client.get(reverse("incident-detail", args=[created.pk])).content.decode()
    assert created.reference in html
    assert '<span class="badge da">DA</span>' in html
    assert "Grade history" in html and "Timeline" in html and "incident.created" in html
    assert "autofocus" in html  # not yet graded by a person: the grade select has the focus


def test_grading_from_the_incident_page(client):
    created = incident()
    client.force_login(call_handler())
    response = client.post(reverse("incident-grade", args=[created.pk]), {"grade": "IMMEDIATE"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.grade == Grade.IMMEDIATE


def test_a_refused_action_is_shown_and_changes_nothing(client, engine):
    engine(recommended=Grade.PRIORITY, minimum=Grade.PRIORITY)
    created = incident()
    client.force_login(call_handler())
    response = client.post(
        reverse("incident-grade", args=[created.pk]), {"grade": "SCHEDULED"}, follow=True
    )
    assert b"give a written reason" in response.content
    created.refresh_from_db()
    assert created.grade == Grade.PRIORITY


def test_log_close_and_details_forms(client):
    created = incident()
    client.force_login(call_handler())
    client.post(reverse("incident-log", args=[created.pk]), {"text": "Caller rang back"})
    client.post(
        reverse("incident-details", args=[created.pk]),
        {
            "caller_name": "Anne",
            "caller_phone": "",
            "address": "2 New Road",
            "named_people": "",
            "area": "RURAL",
            "opening_code": "DOMESTIC",
        },
    )
    client.post(
        reverse("incident-close", args=[created.pk]),
        {"closing_code": "RESOLVED_BY_PHONE", "resolution_note": "Advice given"},
    )
    created.refresh_from_db()
    assert created.log_entries.filter(text="Caller rang back").exists()
    assert (created.address, created.area, created.opening_code_id) == (
        "2 New Road",
        "RURAL",
        "DOMESTIC",
    )
    assert created.status == "CLOSED"


def test_the_supervisor_queue_lists_and_approves_pending_downgrades(client, engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    from cad import services

    handler = call_handler()
    created = incident(actor=handler)
    request = services.incident_grade(
        actor=handler, incident=created, grade="PRIORITY", reason="Caller unsure"
    )
    client.force_login(supervisor())
    assert created.reference in client.get(reverse("grade-request-queue")).content.decode()
    client.post(reverse("grade-request-decide", args=[request.pk]), {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == GradeRequest.Status.APPROVED


def test_the_incident_list_filters(client):
    bike = incident(channel="101", narrative="Bike stolen")
    fight = incident(channel="999", narrative="Fight")
    client.force_login(call_handler())
    html = client.get(reverse("incident-list"), {"channel": "101"}).content.decode()
    assert bike.reference in html
    assert fight.reference not in html


def test_an_officer_cannot_open_incident_pages_in_cad(client):
    created = incident()
    client.force_login(staff("OFFICER"))

    assert client.get(reverse("incident-list")).status_code == 403
    assert client.get(reverse("incident-detail", args=[created.pk])).status_code == 403
    assert client.post(reverse("incident-log", args=[created.pk]), {"text": "x"}).status_code == 403
