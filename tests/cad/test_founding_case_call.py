"""The call-taking half of the founding case, through the public API with the real grading
engine and the real context providers (intelligence, markers) in the tree."""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

NARRATIVE = (
    "Someone's buzzing at my door, don't know who it is. Caller says she and her ex-husband "
    "went through a bit of a domestic violence case last year. Loud banging at the door now."
)


def test_the_founding_999_call_is_da_immediate_finds_the_switchboard_call_and_holds_its_grade(
    api,
):
    switchboard, handler = api("CALL_HANDLER"), api("CALL_HANDLER")
    contact = switchboard.post(
        "/api/v1/contacts/",
        {
            "channel": "SWITCHBOARD",
            "caller_phone": "07700 900123",
            "caller_name": "Anne Example",
            "summary": "Wants to reactivate court order against ex-husband, he has been in contact",
        },
        format="json",
    )
    assert contact.json()["caller_phone"] == "+447700900123"

    before = timezone.now()
    response = handler.post(
        "/api/v1/incidents/",
        {
            "channel": "999",
            "caller_phone": "+44 7700 900123",
            "caller_name": "Anne Example",
            "address": "12 Acacia Avenue, Leeds, LS6 2AB",
            "narrative": NARRATIVE,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    call = response.json()
    assert call["domestic_abuse"] is True, call["assessment"]
    assert call["recommended_grade"] == call["grade"] == "IMMEDIATE"
    target = timezone.datetime.fromisoformat(call["target_response_at"])
    assert before + timedelta(minutes=14) < target < before + timedelta(minutes=16)
    channels = {c.get("channel") for c in (call["intel_check"] or {}).get("previous_contacts", [])}
    assert "SWITCHBOARD" in channels

    url = f"/api/v1/incidents/{call['id']}/"
    assert handler.post(url + "grade/", {"grade": "PRIORITY"}, format="json").status_code == 400
    pending = handler.post(
        url + "grade/",
        {"grade": "PRIORITY", "reason": "Caller not sure who is at the door"},
        format="json",
    )
    assert pending.status_code == 202
    assert pending.json()["grade_request"]["status"] == "PENDING"
    assert handler.get(url).json()["grade"] == "IMMEDIATE"
    logged = handler.post(
        url + "log/", {"text": "Caller says he has threatened to kill her before"}, format="json"
    )
    assert logged.status_code == 201
    assert handler.get(url).json()["grade"] == "IMMEDIATE"
