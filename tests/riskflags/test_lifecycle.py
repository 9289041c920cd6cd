"""The marker lifecycle with frozen time: START-contact alerts, review reminders, expiry."""

from datetime import timedelta

import pytest
import time_machine

from core.audit import audit_trail
from core.models import Notification
from riskflags import services
from riskflags.models import MarkerStatus
from riskflags.tasks import markers_lifecycle
from tests.riskflags.conftest import T0

pytestmark = pytest.mark.django_db


def _notes(user, kind):
    return Notification.objects.filter(user=user, kind=kind)


def test_no_alert_before_72_hours_without_a_start_contact(create_marker, oic, supervisor):
    create_marker()

    with time_machine.travel(T0 + timedelta(hours=71, minutes=59), tick=False):
        markers_lifecycle()

    assert not _notes(oic, "marker.start_contact_overdue").exists()
    assert not _notes(supervisor, "marker.start_contact_overdue").exists()


def test_no_start_contact_within_72_hours_alerts_the_oic_and_supervisors_once(
    create_marker, oic, supervisor
):
    marker = create_marker()

    with time_machine.travel(T0 + timedelta(hours=72, minutes=1), tick=False):
        markers_lifecycle()
        markers_lifecycle()

    assert _notes(oic, "marker.start_contact_overdue").count() == 1
    assert _notes(supervisor, "marker.start_contact_overdue").count() == 1
    assert audit_trail(marker).filter(action="marker.start_contact_overdue").count() == 1


def test_a_named_supervisor_is_the_one_alerted(create_marker, oic, supervisor, make_staff):
    named = make_staff("SUPERVISOR", username="sup_named")
    create_marker(supervisor=named.username)

    with time_machine.travel(T0 + timedelta(hours=73), tick=False):
        markers_lifecycle()

    assert _notes(named, "marker.start_contact_overdue").count() == 1
    assert not _notes(supervisor, "marker.start_contact_overdue").exists()


def test_a_recorded_start_attempt_means_no_alert(create_marker, oic, supervisor):
    marker = create_marker()
    services.victim_contact_record(
        actor=oic,
        marker=marker,
        purpose="START",
        method="PHONE",
        outcome="NO_ANSWER",
        now=T0 + timedelta(hours=3),
    )

    with time_machine.travel(T0 + timedelta(hours=80), tick=False):
        markers_lifecycle()

    assert not _notes(oic, "marker.start_contact_overdue").exists()


def test_review_reminders_go_to_the_oic_14_and_3_days_before_expiry_once_each(create_marker, oic):
    marker = create_marker(expires_at=T0 + timedelta(days=90))
    expires = marker.expires_at

    for at in [
        expires - timedelta(days=14, minutes=1),
        expires - timedelta(days=14),
        expires - timedelta(days=13),
        expires - timedelta(days=3),
        expires - timedelta(days=2),
    ]:
        with time_machine.travel(at, tick=False):
            markers_lifecycle()

    reminders = list(_notes(oic, "marker.review_due").order_by("created_at"))
    assert [r.created_at for r in reminders] == [
        expires - timedelta(days=14),
        expires - timedelta(days=3),
    ]
    assert "in 14 days" in reminders[0].text and "in 3 days" in reminders[1].text


def test_an_extended_marker_is_reminded_again_for_its_new_expiry(create_marker, oic):
    marker = create_marker(expires_at=T0 + timedelta(days=30))
    review_at = marker.expires_at - timedelta(days=14)
    with time_machine.travel(review_at, tick=False):
        markers_lifecycle()
        services.victim_contact_record(
            actor=oic, marker=marker, purpose="EXTENSION", method="VISIT", outcome="CONTACTED"
        )
        marker = services.marker_extend(
            actor=oic,
            marker=marker,
            expires_at=review_at + timedelta(days=60),
            reason="Risk remains",
        )

    with time_machine.travel(marker.expires_at - timedelta(days=14), tick=False):
        markers_lifecycle()

    assert _notes(oic, "marker.review_due").count() == 2


def _reviewed(oic, marker):
    """The victim was contacted for the review before the expiry: the marker may end."""
    services.victim_contact_record(
        actor=oic,
        marker=marker,
        purpose="REVIEW",
        method="PHONE",
        outcome="CONTACTED",
        now=marker.expires_at - timedelta(days=2),
    )
    return marker


def test_a_reviewed_marker_expires_by_itself_at_expires_at_and_the_oic_is_told(create_marker, oic):
    marker = _reviewed(oic, create_marker(expires_at=T0 + timedelta(days=30)))

    with time_machine.travel(marker.expires_at - timedelta(seconds=1), tick=False):
        markers_lifecycle()
    marker.refresh_from_db()
    assert marker.status == MarkerStatus.ACTIVE

    with time_machine.travel(marker.expires_at + timedelta(seconds=30), tick=False):
        markers_lifecycle()
    marker.refresh_from_db()
    assert marker.status == MarkerStatus.EXPIRED
    assert marker.expired_at == marker.expires_at
    assert _notes(oic, "marker.expired").count() == 1


def test_the_expiry_task_run_twice_records_no_duplicate_events(create_marker, oic):
    marker = _reviewed(oic, create_marker(expires_at=T0 + timedelta(days=30)))

    with time_machine.travel(marker.expires_at + timedelta(minutes=1), tick=False):
        first = markers_lifecycle()
        second = markers_lifecycle()
    with time_machine.travel(marker.expires_at + timedelta(days=2), tick=False):
        third = markers_lifecycle()

    assert first["expired"] == 1
    assert second["expired"] == 0 and third["expired"] == 0
    assert audit_trail(marker).filter(action="marker.expired").count() == 1
    assert _notes(oic, "marker.expired").count() == 1


def test_a_withdrawn_marker_is_never_expired_or_reminded(create_marker, oic):
    marker = create_marker(expires_at=T0 + timedelta(days=20))
    services.victim_contact_record(
        actor=oic, marker=marker, purpose="WITHDRAWAL", method="PHONE", outcome="REFUSED", now=T0
    )
    services.marker_withdraw(actor=oic, marker=marker, reason="Victim moved away", now=T0)

    with time_machine.travel(T0 + timedelta(days=21), tick=False):
        markers_lifecycle()

    marker.refresh_from_db()
    assert marker.status == MarkerStatus.WITHDRAWN
    assert not audit_trail(marker).filter(action="marker.expired").exists()
    assert not _notes(oic, "marker.review_due").exists()
    assert not _notes(oic, "marker.start_contact_overdue").exists()


def test_the_beat_schedule_runs_the_lifecycle_task(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]

    assert "riskflags.lifecycle" in entries


def test_a_backlog_is_worked_off_over_several_runs(create_marker, oic):
    first = _reviewed(oic, create_marker(expires_at=T0 + timedelta(days=5)))
    second = _reviewed(
        oic,
        create_marker(
            address="1 Other Road, Leeds LS1 1AA",
            expires_at=T0 + timedelta(days=6),
            confirm_duplicate=True,  # the same victim and number at another address
        ),
    )

    with time_machine.travel(T0 + timedelta(days=7), tick=False):
        one = services.markers_lifecycle_run(limit=1)
        two = services.markers_lifecycle_run(limit=1)

    assert one["expired"] == 1 and two["expired"] == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == MarkerStatus.EXPIRED
