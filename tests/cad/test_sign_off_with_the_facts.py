"""A supervisor signs off a downgrade with the facts in front of them, and says why."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

T0 = datetime(2025, 6, 2, 21, 0, tzinfo=UTC)
PHONE = "07700 900456"
ADDRESS = "7 Mill Lane, Leeds LS6 2AB"

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(api):
    """A DA call from a number with a MARAC record and a live order, at an address whose marker
    was withdrawn last week; the handler asks to downgrade it to PRIORITY."""
    support, oic, handler = api("SUPPORT_OPERATOR"), api("OIC"), api("CALL_HANDLER")
    with time_machine.travel(T0 - timedelta(days=20), tick=False):
        for body in (
            {
                "kind": "MARAC",
                "summary": "MARAC heard: Anne Example, high risk",
                "risk_level": "HIGH",
            },
            {
                "kind": "COURT_ORDER",
                "summary": "Non-molestation order: Brian Example not to contact Anne Example",
                "protected_person": "Anne Example",
                "restricted_person": "Brian Example",
                "expires_at": (T0 + timedelta(days=100)).isoformat(),
            },
        ):
            r = support.post(
                "/api/v1/intel/records/",
                {**body, "phones": [PHONE], "occurred_at": (T0 - timedelta(days=30)).isoformat()},
                format="json",
            )
            assert r.status_code == 201, r.json()
        marker = oic.post(
            "/api/v1/markers/",
            {
                "address": ADDRESS,
                "victim_name": "Anne Example",
                "reason": "Ex-partner threatened to kill her",
                "grade_floor": "IMMEDIATE",
                "expires_at": (T0 + timedelta(days=60)).isoformat(),
                "oic": oic.user.username,
            },
            format="json",
        ).json()
    with time_machine.travel(T0 - timedelta(days=7), tick=False):
        oic.post(
            f"/api/v1/markers/{marker['id']}/contacts/",
            {"purpose": "WITHDRAWAL", "method": "PHONE", "outcome": "CONTACTED", "notes": ""},
            format="json",
        )
        oic.post(f"/api/v1/markers/{marker['id']}/withdraw/", {"reason": "Moved"}, format="json")
    with time_machine.travel(T0, tick=False):
        incident = handler.post(
            "/api/v1/incidents/",
            {
                "channel": "999",
                "caller_phone": PHONE,
                "address": ADDRESS,
                "narrative": "My ex-partner Brian keeps texting me, he hit me last week",
            },
            format="json",
        ).json()
        r = handler.post(
            f"/api/v1/incidents/{incident['id']}/grade/",
            {"grade": "SCHEDULED", "reason": "Caller safe at her mother's"},
            format="json",
        )
    assert r.status_code == 202, r.json()
    return incident, r.json()["grade_request"]


def test_approving_a_downgrade_without_a_note_is_refused(api, pending):
    incident, request = pending

    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        r = api("SUPERVISOR").post(f"/api/v1/grade-requests/{request['id']}/approve/", {})

    assert r.status_code == 400
    assert "note" in r.json()["detail"].lower()
    after = api("SUPERVISOR").get(f"/api/v1/incidents/{incident['id']}/").json()
    assert after["grade"] == incident["grade"]


def test_refusing_a_downgrade_without_a_note_is_refused(api, pending):
    _, request = pending

    r = api("SUPERVISOR").post(f"/api/v1/grade-requests/{request['id']}/refuse/", {"note": "  "})

    assert r.status_code == 400


def test_a_downgrade_request_carries_the_risk_summary_and_the_evidence(api, pending):
    _, request = pending

    rows = api("SUPERVISOR").get("/api/v1/grade-requests/?status=PENDING").json()
    rows = rows.get("results", rows)
    row = next(r for r in rows if r["id"] == request["id"])

    summary = row["risk_summary"]
    text = " ".join(w["text"] for w in summary["warnings"]).lower()
    assert "marac" in text
    assert "order" in text
    assert "withdrawn" in text
    assert set(summary["flags"]) == {"DA", "MARKER"}
    evidence = " ".join(e["evidence"] for e in summary["evidence"]).lower()
    assert "hit me" in evidence
    assert summary["minimum_grade"] and summary["recommended_grade"]


def test_approval_with_a_note_applies_the_grade_and_the_flags_stay_on_every_list(
    api, client, pending
):
    incident, request = pending
    supervisor = api("SUPERVISOR")

    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        r = supervisor.post(
            f"/api/v1/grade-requests/{request['id']}/approve/",
            {"note": "Spoke to caller: at her mother's, officers to attend tomorrow"},
            format="json",
        )

    assert r.status_code == 200
    row = next(
        x
        for x in api("DISPATCHER").get("/api/v1/incidents/outstanding/").json()["results"]
        if x["id"] == incident["id"]
    )
    assert row["grade"] == "SCHEDULED"
    assert set(row["risk_flags"]) == {"DA", "MARKER"}
    client.force_login(supervisor.user)
    listing = client.get("/incidents/").content.decode()
    assert ">DA<" in listing and ">MARKER<" in listing


def test_the_sign_off_page_shows_the_risk_summary_and_asks_for_a_note(client, make_staff, pending):
    client.force_login(make_staff("SUPERVISOR"))

    html = client.get("/grade-requests/").content.decode()

    assert "MARAC" in html
    assert "withdrawn" in html.lower()
    assert "hit me last week" in html
    assert 'name="note"' in html and "required" in html.split('name="note"')[1].split(">")[0]
