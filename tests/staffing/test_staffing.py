"""Staffing: minimums per role, signing on and off, STAFFING_GAP raised once and settled."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cad.exceptions import Conflict, Forbidden
from monitoring.models import Alert, AlertKind, AlertStatus
from staffing import services as staffing
from staffing.models import SignOn, StaffingMinimum
from tests.staffing.factories import make_shift

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def gaps(shift=None):
    qs = Alert.objects.filter(kind=AlertKind.STAFFING_GAP)
    if shift is not None:
        qs = qs.filter(subject__startswith=f"shift:{shift.pk}:")
    return list(qs.order_by("id"))


def test_a_running_shift_short_of_its_minimum_raises_a_gap_for_supervisors():
    shift = make_shift(starts_at=T0, requirements={"SUPPORT_OPERATOR": 2})

    raised = staffing.staffing_check(now=T0 + timedelta(minutes=1))

    (alert,) = raised
    assert alert.subject == f"shift:{shift.pk}:SUPPORT_OPERATOR"
    assert alert.threshold_at == T0
    assert alert.audience == ("SUPERVISOR",)
    assert "0 of 2" in alert.message


def test_checking_again_records_the_gap_once():
    make_shift(starts_at=T0, requirements={"SUPPORT_OPERATOR": 2})
    staffing.staffing_check(now=T0 + timedelta(minutes=1))

    again = staffing.staffing_check(now=T0 + timedelta(minutes=2))

    assert again == [] and len(gaps()) == 1


def test_signing_on_to_the_minimum_settles_the_gap(make_staff):
    shift = make_shift(starts_at=T0, requirements={"SUPPORT_OPERATOR": 2})
    staffing.staffing_check(now=T0)
    first, second = make_staff("SUPPORT_OPERATOR"), make_staff("SUPPORT_OPERATOR")

    staffing.staff_sign_on(actor=first, role="SUPPORT_OPERATOR", position="Intel 1", now=T0)
    assert gaps(shift)[0].status == AlertStatus.OPEN
    staffing.staff_sign_on(actor=second, role="SUPPORT_OPERATOR", position="Intel 2", now=T0)

    (alert,) = gaps(shift)
    assert alert.status == AlertStatus.SETTLED and alert.settled_reason == "filled"


def test_signing_off_below_the_minimum_raises_a_new_gap_at_once(make_staff):
    shift = make_shift(starts_at=T0, requirements={"DISPATCHER": 1})
    user = make_staff("DISPATCHER")
    sign_on = staffing.staff_sign_on(actor=user, role="DISPATCHER", position="Disp 1", now=T0)
    staffing.staffing_check(now=T0)
    assert gaps(shift) == []

    staffing.staff_sign_off(actor=user, sign_on=sign_on, now=T0 + timedelta(hours=2))

    (alert,) = gaps(shift)
    assert alert.status == AlertStatus.OPEN
    assert alert.threshold_at == T0 + timedelta(hours=2)


def test_a_gap_settles_when_its_shift_ends():
    shift = make_shift(starts_at=T0, hours=8, requirements={"INSPECTOR": 1})
    staffing.staffing_check(now=T0)

    staffing.staffing_check(now=T0 + timedelta(hours=8))

    (alert,) = gaps(shift)
    assert alert.status == AlertStatus.SETTLED and alert.settled_reason == "shift ended"


def test_raising_a_shift_minimum_opens_a_gap_at_once(make_staff):
    shift = make_shift(starts_at=T0, requirements={})

    staffing.shift_requirement_set(
        actor=make_staff("SUPERVISOR"), shift=shift, role="CALL_HANDLER", minimum=2, now=T0
    )

    (alert,) = gaps(shift)
    assert alert.subject.endswith(":CALL_HANDLER")


def test_nobody_signs_on_in_a_role_they_do_not_hold(make_staff):
    make_shift(starts_at=T0)

    with pytest.raises(Forbidden):
        staffing.staff_sign_on(
            actor=make_staff("CALL_HANDLER"), role="SUPERVISOR", position="Desk 1", now=T0
        )


def test_a_position_is_held_by_one_person_at_a_time(make_staff):
    make_shift(starts_at=T0)
    staffing.staff_sign_on(
        actor=make_staff("CALL_HANDLER"), role="CALL_HANDLER", position="Desk 1", now=T0
    )

    with pytest.raises(Conflict):
        staffing.staff_sign_on(
            actor=make_staff("CALL_HANDLER"), role="CALL_HANDLER", position="Desk 1", now=T0
        )


def test_a_new_shift_copies_the_default_minimums(make_staff):
    shift = staffing.shift_create(
        actor=make_staff("SUPERVISOR"),
        name="Night",
        starts_at=T0 + timedelta(hours=12),
        ends_at=T0 + timedelta(hours=24),
        now=T0,
    )

    minimums = dict(shift.requirements.values_list("role", "minimum"))
    assert minimums["SUPPORT_OPERATOR"] == 2


def test_staffing_api_signs_on_and_shows_the_gap(api):
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        make_shift(starts_at=T0, requirements={"SUPPORT_OPERATOR": 2})
        operator = api("SUPPORT_OPERATOR")

        created = operator.post(
            "/api/v1/sign-ons/", {"role": "SUPPORT_OPERATOR", "position": "Intel 1"}, format="json"
        )
        state = api("SUPERVISOR").get("/api/v1/staffing/")

    assert created.status_code == 201
    (shift_state,) = state.json()
    (role,) = shift_state["roles"]
    assert (role["signed_on"], role["minimum"], role["short_by"]) == (1, 2, 1)
    assert SignOn.objects.get().user == operator.user


def test_only_supervisors_and_admins_create_shifts(api):
    body = {
        "name": "Day",
        "starts_at": T0.isoformat(),
        "ends_at": (T0 + timedelta(hours=12)).isoformat(),
        "requirements": {"DISPATCHER": 2},
    }

    refused = api("DISPATCHER").post("/api/v1/shifts/", body, format="json")
    created = api("SUPERVISOR").post("/api/v1/shifts/", body, format="json")

    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json()["requirements"] == [{"role": "DISPATCHER", "minimum": 2}]


def test_the_staffing_screen_signs_you_on(client, make_staff):
    user = make_staff("CALL_HANDLER")
    client.force_login(user)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        make_shift(starts_at=T0, requirements={"CALL_HANDLER": 1})
        page = client.get("/monitoring/staffing/")
        client.post("/monitoring/staffing/sign-on/", {"role": "CALL_HANDLER", "position": "D1"})

    assert page.status_code == 200 and "Sign on to Day" in page.content.decode()
    assert SignOn.objects.get(user=user).position == "D1"


@pytest.mark.django_db(transaction=True)
def test_two_people_signing_off_at_once_raise_one_gap(make_staff):
    shift = make_shift(starts_at=T0, requirements={"DISPATCHER": 2})
    people = [make_staff("DISPATCHER"), make_staff("DISPATCHER")]
    sign_ons = [
        staffing.staff_sign_on(actor=user, role="DISPATCHER", position=f"Disp {n}", now=T0)
        for n, user in enumerate(people)
    ]
    barrier = threading.Barrier(2)
    errors = []

    def sign_off(n):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            staffing.staff_sign_off(
                actor=people[n], sign_on=sign_ons[n], now=T0 + timedelta(hours=2, seconds=n)
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=sign_off, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len([a for a in gaps(shift) if a.status == AlertStatus.OPEN]) == 1


def test_signing_off_locks_the_shift_before_the_sign_on(make_staff):
    make_shift(starts_at=T0, requirements={"DISPATCHER": 1})
    user = make_staff("DISPATCHER")
    sign_on = staffing.staff_sign_on(actor=user, role="DISPATCHER", position="Disp 1", now=T0)

    with CaptureQueriesContext(connection) as queries:
        staffing.staff_sign_off(actor=user, sign_on=sign_on, now=T0 + timedelta(hours=1))

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert '"dispatch_shift"' in locks[0]


def test_the_minimums_form_saves_every_role_or_none(client, make_staff):
    client.force_login(make_staff("ADMIN"))
    staffing.staffing_minimum_set(actor=None, role="DISPATCHER", minimum=1)

    client.post(
        "/monitoring/staffing/minimums/",
        {"minimum_DISPATCHER": "3", "minimum_SUPERVISOR": "not a number"},
    )

    assert StaffingMinimum.objects.get(role="DISPATCHER").minimum == 1


def test_setting_several_minimums_is_one_change(make_staff):
    rows = staffing.staffing_minimums_set(
        actor=make_staff("ADMIN"), minimums={"DISPATCHER": 2, "SUPERVISOR": 1}
    )

    assert {r.role: r.minimum for r in rows} == {"DISPATCHER": 2, "SUPERVISOR": 1}
