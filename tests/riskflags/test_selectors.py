from datetime import timedelta

import pytest
from django.utils import timezone

from riskflags.models import MarkerStatus
from riskflags.selectors import markers_matching
from tests.riskflags.factories import MarkerFactory

pytestmark = pytest.mark.django_db

NORMALISED = "12 acacia avenue leeds ls6 2ab"


def test_markers_matching_finds_a_marker_by_address_however_it_was_typed():
    marker = MarkerFactory(address="12 Acacia Ave, Leeds, LS62AB")

    found = markers_matching(phone="", address_normalised=NORMALISED)

    assert [m["id"] for m in found] == [marker.pk]
    assert found[0]["why_matched"] == "address"
    assert found[0]["status"] == "ACTIVE"


def test_markers_matching_finds_a_marker_by_phone_in_any_format():
    marker = MarkerFactory(address="1 Other Street, York", phones=["+447700900123"])

    found = markers_matching(phone="07700 900123", address_normalised="")

    assert [m["id"] for m in found] == [marker.pk]
    assert found[0]["why_matched"] == "phone"
    assert found[0]["phones"] == ["+447700900123"]


def test_markers_matching_lists_active_first_then_most_recently_ended():
    now = timezone.now()
    old = MarkerFactory(
        status=MarkerStatus.WITHDRAWN,
        starts_at=now - timedelta(days=300),
        withdrawn_at=now - timedelta(days=200),
    )
    recent = MarkerFactory(
        status=MarkerStatus.EXPIRED,
        starts_at=now - timedelta(days=120),
        expires_at=now - timedelta(days=21),
        expired_at=now - timedelta(days=21),
    )
    active = MarkerFactory(phones=["+447700900123"])

    found = markers_matching(phone="+447700900123", address_normalised=NORMALISED, now=now)

    assert [m["id"] for m in found] == [active.pk, recent.pk, old.pk]
    assert found[0]["why_matched"] == "address and phone"
    assert {"oic", "victim_name", "reason", "grade_floor", "withdrawn_at"} <= set(found[0])


def test_a_marker_past_its_expiry_reads_as_expired_before_the_task_runs():
    now = timezone.now()
    MarkerFactory(starts_at=now - timedelta(days=30), expires_at=now - timedelta(minutes=1))

    found = markers_matching(phone="", address_normalised=NORMALISED, now=now)

    assert found[0]["status"] == "EXPIRED"


def test_markers_matching_with_nothing_to_match_returns_nothing():
    MarkerFactory()

    assert markers_matching(phone="", address_normalised="") == []


def test_cad_asks_riskflags_for_markers_and_reads_their_live_status_by_cads_name():
    from cad import context

    MarkerFactory(address="12 Acacia Avenue, Leeds LS6 2AB")

    found = context.markers_at(phone="", address_normalised=NORMALISED, now=timezone.now())

    assert [m["status"] for m in found] == [context.MARKER_ACTIVE] == [MarkerStatus.ACTIVE]
