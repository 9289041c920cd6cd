"""Silent and abandoned 999 calls from a number or premises with DA history are IMMEDIATE.

The recommended grade and the floor are IMMEDIATE (going below needs a supervisor) when the
number or premises has live high-risk DA intelligence (MARAC, a DVDS disclosure, a live order or
bail, a DA crime in the last 12 months) or a marker that ended in the last 12 months; a second
silent call from one number within 24 hours is IMMEDIATE whatever is on record, and says so.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

T0 = datetime(2025, 6, 2, 21, 0, tzinfo=UTC)
PHONE = "07700 900456"
ADDRESS = "7 Mill Lane, Leeds LS6 2AB"
PARTIES = {"protected_person": "Anne Example", "restricted_person": "Brian Example"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler(api):
    return api("CALL_HANDLER")


@pytest.fixture
def support(api):
    return api("SUPPORT_OPERATOR")


def _record(support, kind, *, days_ago=30, **fields):
    body = {
        "kind": kind,
        "summary": f"{kind}: Anne Example and her ex-partner",
        "occurred_at": (T0 - timedelta(days=days_ago)).isoformat(),
        **fields,
    }
    body.setdefault("phones", [PHONE])
    with time_machine.travel(T0 - timedelta(minutes=30), tick=False):
        response = support.post("/api/v1/intel/records/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def _silent_call(handler, *, at=T0, phone=PHONE, address=""):
    with time_machine.travel(at, tick=False):
        response = handler.post(
            "/api/v1/incidents/",
            {"channel": "999", "caller_phone": phone, "address": address, "silent": True},
            format="json",
        )
    assert response.status_code == 201, response.json()
    return response.json()


def _reasons(incident) -> str:
    return " ".join(incident["assessment"]["reasons"]).lower()


def test_a_silent_call_from_a_number_with_a_marac_record_is_immediate_both_times(handler, support):
    _record(support, "MARAC", risk_level="HIGH")

    first = _silent_call(handler)
    second = _silent_call(handler, at=T0 + timedelta(minutes=20))

    for incident in (first, second):
        assert incident["recommended_grade"] == "IMMEDIATE"
        assert incident["minimum_grade"] == "IMMEDIATE"
        assert incident["grade"] == "IMMEDIATE"
        assert "marac" in _reasons(incident)


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("DVDS", {}),
        ("COURT_ORDER", {"expires_at": (T0 + timedelta(days=90)).isoformat(), **PARTIES}),
        ("BAIL_CONDITIONS", {"expires_at": (T0 + timedelta(days=10)).isoformat()}),
        ("DA_CRIME", {}),
    ],
)
def test_a_silent_call_from_a_number_with_high_risk_da_intelligence_is_immediate(
    handler, support, kind, fields
):
    _record(support, kind, **fields)

    incident = _silent_call(handler)

    assert incident["recommended_grade"] == "IMMEDIATE"
    assert incident["minimum_grade"] == "IMMEDIATE"


def test_a_silent_call_from_premises_with_a_marac_record_is_immediate(handler, support):
    _record(support, "MARAC", phones=[], addresses=[ADDRESS])

    incident = _silent_call(handler, phone="07700 900999", address="7 Mill Lane, Leeds LS6 2AB")

    assert incident["minimum_grade"] == "IMMEDIATE"


def test_a_da_crime_over_a_year_old_does_not_make_a_silent_call_immediate(handler, support):
    _record(support, "DA_CRIME", days_ago=500)

    incident = _silent_call(handler)

    assert incident["recommended_grade"] == "PRIORITY"


def test_an_ended_court_order_does_not_make_a_silent_call_immediate(handler, support):
    _record(
        support,
        "COURT_ORDER",
        days_ago=900,
        expires_at=(T0 - timedelta(days=400)).isoformat(),
        **PARTIES,
    )

    incident = _silent_call(handler)

    assert incident["recommended_grade"] == "PRIORITY"


def test_the_floor_from_da_intelligence_needs_a_supervisor_to_go_below(handler, support):
    _record(support, "MARAC")
    incident = _silent_call(handler)

    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        response = handler.post(
            f"/api/v1/incidents/{incident['id']}/grade/",
            {"grade": "PRIORITY", "reason": "Called back, child pressed the buttons"},
            format="json",
        )

    assert response.status_code == 202
    assert response.json()["grade_request"]["status"] == "PENDING"


def test_a_second_silent_call_within_24_hours_is_immediate_with_nothing_on_record(handler):
    first = _silent_call(handler, phone="07700 900777")
    second = _silent_call(handler, phone="07700 900777", at=T0 + timedelta(hours=23))

    assert first["recommended_grade"] == "PRIORITY"
    assert second["recommended_grade"] == "IMMEDIATE"
    assert second["minimum_grade"] == "IMMEDIATE"
    assert "second silent" in _reasons(second)
    assert first["reference"] in " ".join(second["assessment"]["reasons"])


def test_a_silent_call_more_than_24_hours_after_the_last_is_not_raised_for_it(handler):
    _silent_call(handler, phone="07700 900777")
    later = _silent_call(handler, phone="07700 900777", at=T0 + timedelta(hours=25))

    assert later["recommended_grade"] == "PRIORITY"


def test_an_empty_999_call_counts_as_silent(handler, support):
    _record(support, "MARAC")
    with time_machine.travel(T0, tick=False):
        response = handler.post(
            "/api/v1/incidents/", {"channel": "999", "caller_phone": PHONE}, format="json"
        )

    assert response.json()["minimum_grade"] == "IMMEDIATE"


def test_a_spoken_call_from_a_marac_number_is_not_raised_by_the_silent_rule(handler, support):
    _record(support, "MARAC")
    with time_machine.travel(T0, tick=False):
        response = handler.post(
            "/api/v1/incidents/",
            {
                "channel": "101",
                "caller_phone": PHONE,
                "narrative": "My bike was stolen from the shed",
            },
            format="json",
        )

    assert "silent" not in _reasons(response.json())


@pytest.fixture
def withdrawn_marker(api):
    oic = api("OIC")
    with time_machine.travel(T0 - timedelta(days=40), tick=False):
        marker = oic.post(
            "/api/v1/markers/",
            {
                "address": ADDRESS,
                "phone": PHONE,
                "victim_name": "Anne Example",
                "reason": "Ex-partner threatened to kill her",
                "grade_floor": "IMMEDIATE",
                "expires_at": (T0 + timedelta(days=100)).isoformat(),
                "oic": oic.user.username,
            },
            format="json",
        ).json()
    with time_machine.travel(T0 - timedelta(minutes=10), tick=False):
        oic.post(
            f"/api/v1/markers/{marker['id']}/contacts/",
            {"purpose": "WITHDRAWAL", "method": "PHONE", "outcome": "NO_ANSWER", "notes": ""},
            format="json",
        )
        response = oic.post(
            f"/api/v1/markers/{marker['id']}/withdraw/", {"reason": "No incidents"}, format="json"
        )
    assert response.status_code == 200, response.json()
    return marker


def test_a_silent_call_minutes_after_the_numbers_marker_was_withdrawn_is_immediate(
    handler, withdrawn_marker
):
    incident = _silent_call(handler)

    assert incident["recommended_grade"] == "IMMEDIATE"
    assert incident["minimum_grade"] == "IMMEDIATE"
    assert "withdrawn" in _reasons(incident)


def test_a_silent_call_from_the_premises_of_a_withdrawn_marker_is_immediate(
    handler, withdrawn_marker
):
    incident = _silent_call(handler, phone="", address="7 Mill Lane, Leeds LS6 2AB")

    assert incident["minimum_grade"] == "IMMEDIATE"
