"""Grade policies: API, audit, validation, and that a change applies to new gradings."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cad import services as cad_services
from cad.models import Grade, GradePolicy
from core.audit import audit_trail
from monitoring.models import Alert, AlertKind
from monitoring.services import scan_response_times
from tests.monitoring.factories import make_incident

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def test_policies_are_listed_most_urgent_first_with_the_defaults(api):
    response = api("DISPATCHER").get("/api/v1/grade-policies/")

    assert response.status_code == 200
    rows = response.json()
    assert [r["grade"] for r in rows] == Grade.values
    immediate = rows[0]
    assert (immediate["urban_target_minutes"], immediate["rural_target_minutes"]) == (15, 20)
    assert immediate["due_soon_minutes"] == 5


def test_an_administrator_changes_a_policy_and_it_is_audited(api):
    client = api("ADMIN")

    response = client.patch(
        "/api/v1/grade-policies/PRIORITY/",
        {"urban_target_minutes": 45, "due_soon_minutes": 10},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["urban_target_minutes"] == 45
    assert response.json()["rural_target_minutes"] == 60
    policy = GradePolicy.objects.get(grade="PRIORITY")
    event = audit_trail(policy).get(action="grade_policy.updated")
    assert event.actor == client.user
    assert event.data["changes"]["urban_target_minutes"] == [60, 45]


def test_only_an_administrator_may_change_a_policy(api):
    response = api("SUPERVISOR").patch(
        "/api/v1/grade-policies/IMMEDIATE/", {"urban_target_minutes": 30}, format="json"
    )

    assert response.status_code == 403
    assert GradePolicy.objects.get(grade="IMMEDIATE").urban_target_minutes == 15


def test_a_due_soon_lead_as_long_as_the_target_is_refused(api):
    response = api("ADMIN").patch(
        "/api/v1/grade-policies/IMMEDIATE/", {"due_soon_minutes": 15}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "due_soon_too_long"


def test_an_unknown_grade_is_not_found(api):
    response = api("ADMIN").patch(
        "/api/v1/grade-policies/URGENT/", {"urban_target_minutes": 5}, format="json"
    )

    assert response.status_code == 404


def test_a_policy_change_applies_to_new_gradings_only(api, make_staff):
    supervisor = make_staff("SUPERVISOR")
    before = make_incident(received_at=T0, grade=Grade.PRIORITY)
    api("ADMIN").patch(
        "/api/v1/grade-policies/IMMEDIATE/", {"urban_target_minutes": 10}, format="json"
    )
    regraded = make_incident(received_at=T0, grade=Grade.PRIORITY)

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        cad_services.incident_grade(actor=supervisor, incident=regraded, grade=Grade.IMMEDIATE)

    before.refresh_from_db()
    regraded.refresh_from_db()
    assert before.target_response_at == T0 + timedelta(minutes=60)
    assert regraded.target_response_at == T0 + timedelta(minutes=10)


def test_a_longer_due_soon_lead_reaches_incidents_the_scan_has_passed(api):
    incident = make_incident(received_at=T0)  # target +15, due soon +10
    scan_response_times(now=T0 + timedelta(minutes=8))
    with time_machine.travel(T0 + timedelta(minutes=8), tick=False):
        api("ADMIN").patch(
            "/api/v1/grade-policies/IMMEDIATE/", {"due_soon_minutes": 8}, format="json"
        )

    scan_response_times(now=T0 + timedelta(minutes=8, seconds=1))

    alert = Alert.objects.get(incident=incident)
    assert alert.kind == AlertKind.DUE_SOON
    assert alert.threshold_at == T0 + timedelta(minutes=7)


def test_the_policy_screen_saves_a_grade(client, make_staff):
    client.force_login(make_staff("ADMIN"))

    page = client.get("/monitoring/policies/")
    response = client.post(
        "/monitoring/policies/SCHEDULED/",
        {"urban_target_minutes": "240", "rural_target_minutes": "300", "due_soon_minutes": "30"},
    )

    assert page.status_code == 200 and "Grade policies" in page.content.decode()
    assert response.status_code == 302
    policy = GradePolicy.objects.get(grade="SCHEDULED")
    assert (policy.urban_target_minutes, policy.rural_target_minutes) == (240, 300)
