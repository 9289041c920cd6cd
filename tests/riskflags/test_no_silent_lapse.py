"""No silent lapse: a marker whose expiry comes with no review contact recorded does not lapse.

It becomes review-overdue, its floor still applies at call time ("expiry reached, victim not
yet told"), and the OIC and their supervisor are alerted daily until a contact attempt and its
outcome are recorded; then it is extended or ends.
"""

from datetime import timedelta

import pytest
import time_machine

from cad import services as cad_services
from core.audit import audit_trail
from core.models import Notification
from riskflags import services
from riskflags.models import MarkerStatus
from riskflags.tasks import markers_lifecycle
from tests.riskflags.conftest import T0

pytestmark = pytest.mark.django_db

OVERDUE = "marker.review_overdue"


def _notes(user, kind=OVERDUE):
    return Notification.objects.filter(user=user, kind=kind)


def _contact(oic, marker, purpose, *, at, outcome="CONTACTED"):
    return services.victim_contact_record(
        actor=oic, marker=marker, purpose=purpose, method="PHONE", outcome=outcome, now=at
    )


def _run(at):
    with time_machine.travel(at, tick=False):
        return markers_lifecycle()


@pytest.fixture
def expiring(create_marker):
    return create_marker(expires_at=T0 + timedelta(days=30))


def test_a_marker_reaching_expiry_with_no_review_contact_becomes_review_overdue(
    expiring, oic, supervisor
):
    counts = _run(expiring.expires_at + timedelta(minutes=1))

    expiring.refresh_from_db()
    assert expiring.status == MarkerStatus.REVIEW_OVERDUE
    assert counts["review_overdue"] == 1
    assert not _notes(oic, "marker.expired").exists()
    assert _notes(oic).count() == 1
    assert _notes(supervisor).count() == 1
    assert "not yet told" in _notes(oic).get().text
    assert audit_trail(expiring).filter(action="marker.review_overdue").exists()


def test_a_review_contact_before_expiry_lets_the_marker_expire(expiring, oic):
    _contact(oic, expiring, "REVIEW", at=expiring.expires_at - timedelta(days=5))

    _run(expiring.expires_at + timedelta(minutes=1))

    expiring.refresh_from_db()
    assert expiring.status == MarkerStatus.EXPIRED
    assert _notes(oic, "marker.expired").count() == 1


def test_a_review_contact_before_the_last_extension_does_not_count(create_marker, oic):
    marker = create_marker(expires_at=T0 + timedelta(days=30))
    _contact(oic, marker, "REVIEW", at=T0 + timedelta(days=20))
    _contact(oic, marker, "EXTENSION", at=T0 + timedelta(days=25))
    extended_at = T0 + timedelta(days=25)
    marker = services.marker_extend(
        actor=oic,
        marker=marker,
        expires_at=extended_at + timedelta(days=60),
        reason="Perpetrator released next month",
        now=extended_at,
    )

    _run(marker.expires_at + timedelta(minutes=1))

    marker.refresh_from_db()
    assert marker.status == MarkerStatus.REVIEW_OVERDUE


def test_the_oic_and_supervisor_are_alerted_once_a_day_while_it_is_overdue(
    expiring, oic, supervisor
):
    expiry = expiring.expires_at

    for hours in (0.1, 1, 5, 23, 24.5, 30, 49):
        _run(expiry + timedelta(hours=hours))

    assert _notes(oic).count() == 3
    assert _notes(supervisor).count() == 3


def test_a_review_overdue_marker_keeps_its_floor_at_call_time(expiring):
    _run(expiring.expires_at + timedelta(minutes=1))

    assessment, _ = cad_services.call_assess(
        narrative="Someone is banging on my door",
        channel="101",
        address="12 Acacia Avenue, Leeds LS6 2AB",
        now=expiring.expires_at + timedelta(days=2),
    )

    assert assessment.minimum_grade == "IMMEDIATE"
    assert assessment.context_floor == "IMMEDIATE"
    text = " ".join(b["text"] for b in assessment.banners)
    assert "expiry reached, victim not yet told" in text


def test_before_the_task_runs_a_marker_past_expiry_still_applies(expiring):
    assessment, _ = cad_services.call_assess(
        narrative="Someone is banging on my door",
        channel="101",
        address="12 Acacia Avenue, Leeds LS6 2AB",
        now=expiring.expires_at + timedelta(seconds=20),
    )

    assert assessment.minimum_grade == "IMMEDIATE"


def test_a_contact_attempt_stops_the_alerts_and_the_marker_then_ends(expiring, oic):
    expiry = expiring.expires_at
    _run(expiry + timedelta(minutes=1))
    _contact(oic, expiring, "REVIEW", at=expiry + timedelta(hours=30), outcome="NO_ANSWER")

    counts = _run(expiry + timedelta(hours=31))
    _run(expiry + timedelta(days=3))

    expiring.refresh_from_db()
    assert expiring.status == MarkerStatus.EXPIRED
    assert counts["expired"] == 1
    assert _notes(oic).count() == 1
    assert audit_trail(expiring).filter(action="marker.expired").exists()


def test_an_overdue_marker_can_be_extended_after_an_extension_contact(expiring, oic):
    expiry = expiring.expires_at
    _run(expiry + timedelta(minutes=1))
    _contact(oic, expiring, "EXTENSION", at=expiry + timedelta(hours=2))

    marker = services.marker_extend(
        actor=oic,
        marker=expiring,
        expires_at=expiry + timedelta(days=90),
        reason="Victim asked for it to continue",
        now=expiry + timedelta(hours=2),
    )

    assert marker.status == MarkerStatus.ACTIVE
    _run(expiry + timedelta(days=2))
    assert not _notes(oic).filter(created_at__gt=expiry + timedelta(hours=2)).exists()


def test_an_overdue_marker_can_be_withdrawn_after_a_withdrawal_contact(expiring, oic):
    expiry = expiring.expires_at
    _run(expiry + timedelta(minutes=1))
    _contact(oic, expiring, "WITHDRAWAL", at=expiry + timedelta(hours=2))

    marker = services.marker_withdraw(
        actor=oic, marker=expiring, reason="Victim moved away", now=expiry + timedelta(hours=2)
    )

    assert marker.status == MarkerStatus.WITHDRAWN


def test_the_api_shows_the_review_overdue_status(api, expiring, oic):
    _run(expiring.expires_at + timedelta(minutes=1))
    client = api(user=oic)

    body = client.get(f"/api/v1/markers/{expiring.pk}/").json()

    assert body["status"] == "REVIEW_OVERDUE"
