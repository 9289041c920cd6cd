"""Alerts API and the alert board: shape, acknowledge (who and when audited), ordering, roles."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cad.models import Grade, GradePolicy
from core.audit import audit_trail
from dispatch import services
from monitoring import selectors as monitoring_selectors
from monitoring import services as alert_services
from monitoring.models import Alert, AlertKind, AlertStatus
from monitoring.services import scan_response_times
from tests.dispatch import unit_factories as f
from tests.monitoring.factories import make_incident

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def items(body):
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_open_alerts_are_listed_with_the_contract_fields(api):
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + timedelta(minutes=16))

    response = api("SUPERVISOR").get("/api/v1/alerts/?status=OPEN")

    assert response.status_code == 200
    (row,) = items(response.json())
    assert {"id", "kind", "incident", "raised_at", "threshold_at", "acknowledged_at"} <= set(row)
    assert row["kind"] == "BREACHED" and row["incident"] == incident.pk
    assert row["acknowledged_at"] is None
    assert "SUPERVISOR" in row["roles"]  # the banner on page load decides who sees it


def test_acknowledging_records_who_and_when_and_audits_it(api):
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + timedelta(minutes=16))
    alert = Alert.objects.get(incident=incident)
    client = api("SUPERVISOR")

    response = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")

    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == client.user and alert.acknowledged_at is not None
    event = audit_trail(incident).filter(action="alert.acknowledged").get()
    assert event.actor == client.user


def test_acknowledging_twice_is_a_conflict(api):
    make_incident(received_at=T0)
    scan_response_times(now=T0 + timedelta(minutes=16))
    alert = Alert.objects.get()
    client = api("DISPATCHER")
    client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")

    response = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")

    assert response.status_code == 409
    assert response.json()["code"] == "alert_not_open"


def test_a_call_handler_cannot_acknowledge_alerts(api):
    make_incident(received_at=T0)
    scan_response_times(now=T0 + timedelta(minutes=16))

    response = api("CALL_HANDLER").post(f"/api/v1/alerts/{Alert.objects.get().pk}/acknowledge/")

    assert response.status_code == 403


def test_the_board_puts_escalated_then_breached_da_and_marker_incidents_on_top(api):
    plain = make_incident(received_at=T0 - timedelta(minutes=5))
    domestic = make_incident(received_at=T0, domestic_abuse=True)
    marked = make_incident(received_at=T0, marker=True)
    due_soon = make_incident(received_at=T0 + timedelta(minutes=5), grade=Grade.IMMEDIATE)
    escalating = make_incident(received_at=T0 - timedelta(minutes=10))
    scan_response_times(now=T0 - timedelta(minutes=10) + timedelta(minutes=15))
    scan_response_times(now=T0 + timedelta(minutes=15))

    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        response = api("SUPERVISOR").get("/api/v1/alerts/board/")

    assert response.status_code == 200
    body = response.json()
    order = [(a["kind"], a["incident"]) for a in body["alerts"]]
    assert order[0] == (AlertKind.ESCALATED, escalating.pk)
    breached_high_risk = {domestic.pk, marked.pk}
    assert {order[1][1], order[2][1]} == breached_high_risk
    assert order.index((AlertKind.BREACHED, plain.pk)) > 2
    assert order[-1] == (AlertKind.DUE_SOON, due_soon.pk)
    immediate = next(r for r in body["demand"] if r["grade"] == "IMMEDIATE")
    assert immediate["OPEN"] == 5 and immediate["breached"] == 4 and immediate["due_soon"] == 1


def test_the_demand_counts_follow_the_clock_a_grade_with_no_lead_is_never_due_soon():
    GradePolicy.objects.filter(grade="PRIORITY").update(due_soon_minutes=None)
    GradePolicy.objects.filter(grade="IMMEDIATE").update(due_soon_minutes=5)
    make_incident(received_at=T0, grade="PRIORITY")
    make_incident(received_at=T0, grade="IMMEDIATE")
    target = make_incident(received_at=T0, grade="PRIORITY").target_response_at

    counts = monitoring_selectors.demand_counts(now=target - timedelta(seconds=1))

    rows = {r["grade"]: r for r in counts.rows}
    assert rows["PRIORITY"]["due_soon"] == 0 and rows["PRIORITY"]["breached"] == 0
    assert rows["IMMEDIATE"]["breached"] == 1
    assert counts.totals["due_soon"] == 0


def test_the_board_page_renders_the_alerts_with_live_countdowns(client, make_staff):
    incident = make_incident(received_at=T0, domestic_abuse=True)
    scan_response_times(now=T0 + timedelta(minutes=16))
    client.force_login(make_staff("SUPERVISOR"))

    response = client.get("/monitoring/alerts/")

    html = response.content.decode()
    assert response.status_code == 200
    assert incident.reference in html
    assert 'class="countdown"' in html and "data-target-at=" in html
    assert "Acknowledge" in html and 'id="alert-board"' in html


def test_acknowledge_from_the_board_returns_the_refreshed_board(client, make_staff):
    make_incident(received_at=T0)
    scan_response_times(now=T0 + timedelta(minutes=16))
    alert = Alert.objects.get()
    client.force_login(make_staff("SUPERVISOR"))

    response = client.post(f"/monitoring/alerts/{alert.pk}/acknowledge/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Acknowledged, condition not yet ended" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED


def test_the_board_is_refused_to_a_call_handler(client, make_staff):
    client.force_login(make_staff("CALL_HANDLER"))

    assert client.get("/monitoring/alerts/").status_code == 403


def test_acknowledging_locks_the_incident_before_the_alert(make_staff):
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + timedelta(minutes=16))
    alert = Alert.objects.get(incident=incident)

    with CaptureQueriesContext(connection) as queries:
        alert_services.alert_acknowledge(actor=make_staff("SUPERVISOR"), alert=alert)

    locks = [q["sql"] for q in queries if " FOR " in q["sql"] and "UPDATE" in q["sql"]]
    assert 'FROM "cad_incident"' in locks[0] and "FOR NO KEY UPDATE" in locks[0]
    assert 'FROM "dispatch_alert"' in locks[1]


def test_dispatch_locks_incidents_without_blocking_key_share_locks():
    incident = f.incident()

    with CaptureQueriesContext(connection) as queries:
        services.unit_assign(actor=f.dispatcher(), unit=f.unit(), incident=incident)

    incident_locks = [
        q["sql"] for q in queries if 'FROM "cad_incident"' in q["sql"] and " FOR " in q["sql"]
    ]
    assert incident_locks
    assert all("FOR NO KEY UPDATE" in sql for sql in incident_locks)


def test_the_live_board_keeps_a_new_escalation_when_there_are_more_alerts_than_it_shows(
    monkeypatch,
):
    monkeypatch.setattr(monitoring_selectors, "LIVE_LIMIT", 3)
    for n in range(4):
        alert_services.alert_raise(
            kind=AlertKind.DUE_SOON, subject=f"incident:old{n}", threshold_at=T0, now=T0
        )
    escalated = alert_services.alert_raise(
        kind=AlertKind.ESCALATED,
        subject="incident:new",
        threshold_at=T0 + timedelta(minutes=30),
        now=T0 + timedelta(minutes=30),
    )

    shown = monitoring_selectors.alerts_live()

    assert len(shown) == 3
    assert shown[0].pk == escalated.pk


def test_settling_by_subject_is_audited_like_settling_by_incident():
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + timedelta(minutes=16))

    settled = alert_services.alerts_settle(
        subject=f"incident:{incident.pk}", reason="test settles", now=T0 + timedelta(minutes=17)
    )

    assert settled == 1
    assert any(
        entry.action == "alert.settled" and "test settles" in entry.summary
        for entry in audit_trail(incident)
    )
