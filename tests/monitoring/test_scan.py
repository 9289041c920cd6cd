"""The response-time scan: each threshold, settling, escalation, idempotency, catching up."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from cad import services as cad_services
from cad.models import Grade, Incident, IncidentLogEntry, IncidentStatus
from core.models import Notification
from monitoring import services as alert_services
from monitoring.models import Alert, AlertKind, AlertStatus, MonitorCursor
from monitoring.services import CURSOR_NAME, scan_response_times
from tests.monitoring.factories import make_incident

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def alerts_for(incident, kind=None):
    qs = Alert.objects.filter(incident=incident)
    return list(qs.filter(kind=kind) if kind else qs)


# --- Thresholds ----------------------------------------------------------------------------------


def test_nothing_is_raised_before_the_due_soon_time():
    incident = make_incident(received_at=T0)  # IMMEDIATE urban: target +15, due soon +10

    result = scan_response_times(now=T0 + minutes(9.9))

    assert result.raised == []
    assert alerts_for(incident) == []


def test_due_soon_is_raised_when_the_target_is_five_minutes_away():
    incident = make_incident(received_at=T0)

    result = scan_response_times(now=T0 + minutes(10))

    (alert,) = alerts_for(incident)
    assert alert.kind == AlertKind.DUE_SOON
    assert alert.threshold_at == T0 + minutes(10)
    assert alert.status == AlertStatus.OPEN
    assert result.raised == [alert]


def test_breach_is_raised_at_the_target_and_settles_the_due_soon_warning():
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(10))

    scan_response_times(now=T0 + minutes(15))

    breach = Alert.objects.get(incident=incident, kind=AlertKind.BREACHED)
    due_soon = Alert.objects.get(incident=incident, kind=AlertKind.DUE_SOON)
    assert breach.threshold_at == incident.target_response_at
    assert breach.status == AlertStatus.OPEN
    assert due_soon.status == AlertStatus.SETTLED
    assert due_soon.settled_reason == "superseded by breach"


def test_an_incident_first_seen_after_its_target_gets_only_the_breach():
    incident = make_incident(received_at=T0, grade=Grade.PRIORITY)  # target +60

    scan_response_times(now=T0 + minutes(75))

    assert [a.kind for a in alerts_for(incident)] == [AlertKind.BREACHED]


def test_rural_incidents_use_the_rural_target():
    incident = make_incident(received_at=T0, area="RURAL")  # IMMEDIATE rural: 20 min

    scan_response_times(now=T0 + minutes(15))

    (alert,) = alerts_for(incident)
    assert alert.kind == AlertKind.DUE_SOON
    assert alert.threshold_at == T0 + minutes(15)


def test_incidents_with_a_unit_at_scene_or_without_a_target_are_not_alerted():
    at_scene = make_incident(received_at=T0, status=IncidentStatus.AT_SCENE)
    scheduled = make_incident(received_at=T0, grade=Grade.SCHEDULED)

    scan_response_times(now=T0 + minutes(500))

    assert alerts_for(at_scene) == []
    assert alerts_for(scheduled) == []


def test_a_resourced_incident_whose_unit_has_not_arrived_still_breaches():
    incident = make_incident(received_at=T0, status=IncidentStatus.RESOURCED)

    scan_response_times(now=T0 + minutes(16))

    assert [a.kind for a in alerts_for(incident)] == [AlertKind.BREACHED]


def test_raising_an_alert_writes_the_incident_log_and_the_audit_trail():
    incident = make_incident(received_at=T0, domestic_abuse=True)

    scan_response_times(now=T0 + minutes(15))

    line = IncidentLogEntry.objects.filter(incident=incident).last()
    assert "BREACHED" in line.text and "[DA]" in line.text
    alert = Alert.objects.get(incident=incident)
    assert alert.data["domestic_abuse"] is True
    assert alert.data["reference"] == incident.reference


# --- Exactly once --------------------------------------------------------------------------------


def test_scanning_again_records_nothing_new():
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(15))

    again = scan_response_times(now=T0 + minutes(15))
    later = scan_response_times(now=T0 + minutes(15) + timedelta(seconds=1))

    assert again.raised == [] and later.raised == []
    assert len(alerts_for(incident)) == 1


def test_a_scan_at_an_earlier_time_than_the_cursor_records_nothing_twice():
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(16))

    scan_response_times(now=T0 + minutes(15))  # a delayed task from the queue

    assert len(alerts_for(incident, AlertKind.BREACHED)) == 1


def test_the_alert_raise_service_records_a_key_once():
    incident = make_incident(received_at=T0)
    kwargs = dict(
        kind=AlertKind.BREACHED,
        subject=f"incident:{incident.pk}",
        threshold_at=incident.target_response_at,
        incident=incident,
    )

    first = alert_services.alert_raise(**kwargs)
    second = alert_services.alert_raise(**kwargs)

    assert first is not None and second is None
    assert Alert.objects.filter(incident=incident).count() == 1


# --- Escalation ----------------------------------------------------------------------------------


def test_a_breach_unacknowledged_for_two_minutes_escalates_to_inspectors_and_supervisors(
    make_staff,
):
    inspector = make_staff("INSPECTOR")
    supervisor = make_staff("SUPERVISOR")
    dispatcher = make_staff("DISPATCHER")
    make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(15))

    before = scan_response_times(now=T0 + minutes(16.9))
    result = scan_response_times(now=T0 + minutes(17))

    assert before.raised == []
    (escalated,) = result.raised
    assert escalated.kind == AlertKind.ESCALATED
    assert escalated.threshold_at == T0 + minutes(17)
    assert set(escalated.audience) == {"INSPECTOR", "SUPERVISOR"}
    notified = set(
        Notification.objects.filter(kind="alert.escalated").values_list("user", flat=True)
    )
    assert {inspector.pk, supervisor.pk} <= notified
    assert dispatcher.pk not in notified


def test_an_acknowledged_breach_does_not_escalate(make_staff):
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(15))
    breach = Alert.objects.get(incident=incident, kind=AlertKind.BREACHED)
    alert_services.alert_acknowledge(
        actor=make_staff("SUPERVISOR"), alert=breach, now=T0 + minutes(16)
    )

    scan_response_times(now=T0 + minutes(30))

    assert alerts_for(incident, AlertKind.ESCALATED) == []


def test_the_escalation_delay_is_configurable(settings):
    settings.CAD_BREACH_ESCALATE_AFTER_MINUTES = 5
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(15))

    scan_response_times(now=T0 + minutes(19))
    assert alerts_for(incident, AlertKind.ESCALATED) == []
    scan_response_times(now=T0 + minutes(20))

    assert len(alerts_for(incident, AlertKind.ESCALATED)) == 1


def test_escalation_is_recorded_once():
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(15))
    scan_response_times(now=T0 + minutes(17))

    scan_response_times(now=T0 + minutes(18))
    scan_response_times(now=T0 + minutes(40))

    assert len(alerts_for(incident, AlertKind.ESCALATED)) == 1


# --- Settling ------------------------------------------------------------------------------------


def test_arrival_at_scene_settles_the_incidents_open_alerts(make_staff):
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(10))
    scan_response_times(now=T0 + minutes(15))
    scan_response_times(now=T0 + minutes(17))

    cad_services.incident_set_status(
        actor=make_staff("DISPATCHER"),
        incident=incident,
        status=IncidentStatus.AT_SCENE,
        now=T0 + minutes(18),
    )

    alerts = alerts_for(incident)
    assert {a.kind for a in alerts} == {AlertKind.DUE_SOON, AlertKind.BREACHED, AlertKind.ESCALATED}
    assert all(a.status == AlertStatus.SETTLED for a in alerts)
    breach = next(a for a in alerts if a.kind == AlertKind.BREACHED)
    assert breach.settled_reason == "unit at scene"
    assert breach.settled_at == T0 + minutes(18)
    assert scan_response_times(now=T0 + minutes(60)).raised == []


def test_closure_settles_the_incidents_open_alerts(make_staff):
    from cad.models import ClosingCode

    code = ClosingCode.objects.filter(active=True).first() or ClosingCode.objects.create(
        code="TEST", label="Test"
    )
    incident = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(15))

    cad_services.incident_close(
        actor=make_staff("DISPATCHER"),
        incident=incident,
        closing_code=code.code,
        resolution_note="Caller rang back: all fine",
        now=T0 + minutes(20),
    )

    (alert,) = alerts_for(incident, AlertKind.BREACHED)
    assert alert.status == AlertStatus.SETTLED
    assert alert.settled_reason == "incident closed"


def test_an_upgrade_past_the_new_target_breaches_at_once(make_staff):
    incident = make_incident(received_at=T0, grade=Grade.PRIORITY)  # target +60
    scan_response_times(now=T0 + minutes(46))  # due soon at +45
    assert [a.kind for a in alerts_for(incident)] == [AlertKind.DUE_SOON]

    with time_machine.travel(T0 + minutes(47), tick=False):
        cad_services.incident_grade(
            actor=make_staff("SUPERVISOR"), incident=incident, grade=Grade.IMMEDIATE
        )

    incident.refresh_from_db()
    assert incident.target_response_at == T0 + minutes(15)
    due_soon = Alert.objects.get(incident=incident, kind=AlertKind.DUE_SOON)
    assert due_soon.status == AlertStatus.SETTLED
    assert due_soon.settled_reason.startswith("regraded PRIORITY -> IMMEDIATE")
    breach = Alert.objects.get(incident=incident, kind=AlertKind.BREACHED)
    assert breach.status == AlertStatus.OPEN
    assert breach.threshold_at == T0 + minutes(15)


def test_an_area_change_past_the_new_target_breaches_at_once(make_staff):
    incident = make_incident(received_at=T0, area="RURAL")  # IMMEDIATE rural: 20 min
    scan_response_times(now=T0 + minutes(15))  # due soon at +15
    assert [a.kind for a in alerts_for(incident)] == [AlertKind.DUE_SOON]

    with time_machine.travel(T0 + minutes(17), tick=False):
        cad_services.incident_update_details(
            actor=make_staff("SUPERVISOR"), incident=incident, area="URBAN"
        )

    incident.refresh_from_db()
    assert incident.target_response_at == T0 + minutes(15)
    due_soon = Alert.objects.get(incident=incident, kind=AlertKind.DUE_SOON)
    assert due_soon.status == AlertStatus.SETTLED
    assert due_soon.settled_reason.startswith("area changed RURAL -> URBAN")
    breach = Alert.objects.get(incident=incident, kind=AlertKind.BREACHED)
    assert breach.status == AlertStatus.OPEN
    assert breach.threshold_at == T0 + minutes(15)


def test_a_regrade_and_back_raises_the_breach_again(make_staff):
    supervisor = make_staff("SUPERVISOR")
    incident = make_incident(received_at=T0, grade=Grade.PRIORITY)
    scan_response_times(now=T0 + minutes(61))
    with time_machine.travel(T0 + minutes(62), tick=False):
        cad_services.incident_grade(actor=supervisor, incident=incident, grade=Grade.IMMEDIATE)
    with time_machine.travel(T0 + minutes(63), tick=False):
        cad_services.incident_grade(
            actor=supervisor, incident=incident, grade=Grade.PRIORITY, reason="Caller safe"
        )

    scan_response_times(now=T0 + minutes(64))

    priority_breach = Alert.objects.get(
        incident=incident, kind=AlertKind.BREACHED, threshold_at=T0 + minutes(60)
    )
    immediate_breach = Alert.objects.get(
        incident=incident, kind=AlertKind.BREACHED, threshold_at=T0 + minutes(15)
    )
    assert priority_breach.status == AlertStatus.OPEN
    assert immediate_breach.status == AlertStatus.SETTLED


# --- Catching up ---------------------------------------------------------------------------------


def test_a_worker_stopped_for_an_hour_catches_up_on_restart():
    scan_response_times(now=T0)
    stale = [make_incident(received_at=T0 + minutes(i)) for i in range(5)]

    result = scan_response_times(now=T0 + minutes(60))

    assert {a.incident_id for a in result.raised if a.kind == AlertKind.BREACHED} == {
        i.pk for i in stale
    }
    assert MonitorCursor.objects.get(name=CURSOR_NAME).scanned_through_at == T0 + minutes(60)


def test_the_scan_looks_only_at_thresholds_since_its_cursor():
    old = make_incident(received_at=T0)
    scan_response_times(now=T0 + minutes(20))
    Alert.objects.filter(incident=old).delete()  # as if an older row slipped the net

    result = scan_response_times(now=T0 + minutes(21))

    assert result.candidates == 0


# --- Concurrency (real threads, separate connections) -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_never_duplicate_an_alert():
    incidents = [make_incident(received_at=T0 + timedelta(seconds=i)) for i in range(30)]
    now = T0 + minutes(16)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            results.append(scan_response_times(now=now))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    raised = [a.pk for r in results for a in r.raised]
    assert len(raised) == len(set(raised)) == len(incidents)
    assert Alert.objects.filter(
        kind=AlertKind.BREACHED, incident__in=[i.pk for i in incidents]
    ).count() == len(incidents)
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_with_no_cursor_yet_both_commit():
    make_incident(received_at=T0)
    barrier = threading.Barrier(2)
    errors = []

    def run(now):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            scan_response_times(now=now)
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=run, args=(T0 + minutes(16),)),
        threading.Thread(target=run, args=(T0 + minutes(17),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert MonitorCursor.objects.get(name=CURSOR_NAME).scanned_through_at == T0 + minutes(17)
    assert Incident.objects.count() == 1
