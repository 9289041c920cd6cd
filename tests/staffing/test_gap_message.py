"""A STAFFING_GAP alert says what the staffing board says: when someone signs on (or off) and
the role is still short, the open alert's count moves with the board's (one function,
staffing.selectors.role_staffing, computes both)."""

from datetime import UTC, datetime, timedelta

import pytest

from monitoring.models import Alert, AlertKind, AlertStatus
from staffing import services as staffing
from staffing.selectors import staffing_state
from tests.staffing.factories import make_shift

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _board_count(role):
    (state,) = staffing_state(now=T0 + timedelta(minutes=5))
    return next(r for r in state.roles if r.role == role).signed_on


def test_the_open_gap_alert_counts_who_signed_on_since_it_was_raised(make_staff):
    shift = make_shift(starts_at=T0, requirements={"CALL_HANDLER": 2})
    staffing.staffing_check(now=T0)
    handler = make_staff("CALL_HANDLER")

    staffing.staff_sign_on(actor=handler, role="CALL_HANDLER", position="Desk 1", now=T0)

    (alert,) = Alert.objects.filter(kind=AlertKind.STAFFING_GAP, subject__contains=shift.pk)
    assert alert.status == AlertStatus.OPEN
    assert _board_count("CALL_HANDLER") == 1
    assert "1 of 2 Call handler signed on (short by 1)" in alert.message
    assert alert.data["signed_on"] == 1


def test_signing_off_again_restates_the_count(make_staff):
    make_shift(starts_at=T0, requirements={"CALL_HANDLER": 2})
    handler = make_staff("CALL_HANDLER")
    sign_on = staffing.staff_sign_on(actor=handler, role="CALL_HANDLER", position="Desk 1", now=T0)
    staffing.staffing_check(now=T0)

    staffing.staff_sign_off(actor=handler, sign_on=sign_on, now=T0 + timedelta(minutes=1))

    open_gaps = Alert.objects.filter(
        kind=AlertKind.STAFFING_GAP, status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]
    )
    assert [a.message.split(": ", 1)[1] for a in open_gaps] == [
        "0 of 2 Call handler signed on (short by 2)"
    ]
