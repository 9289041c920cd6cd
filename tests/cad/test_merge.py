"""Merging two incidents about one event: the survivor keeps both logs, the more urgent grade,
the DA qualifier if either had it and every contact; the merged one is closed pointing at it."""

from datetime import UTC, datetime, timedelta

import pytest

from cad import services
from cad.exceptions import Conflict
from cad.models import Contact, IncidentLogEntry, IncidentStatus
from core.audit import audit_trail
from tests.cad.factories import call_handler
from tests.factories import staff

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


@pytest.fixture
def pair():
    handler = call_handler()
    first = services.incident_create(
        actor=handler,
        channel="101",
        narrative="Neighbour can hear shouting next door",
        caller_phone="0113 496 0001",
        address="14 Acacia Avenue, Leeds LS6 2AB",
        now=T0,
    )
    second = services.incident_create(
        actor=handler,
        channel="999",
        narrative="My ex-partner has a knife and is strangling me",
        caller_phone="07700 900456",
        address="14 Acacia Avenue, Leeds LS6 2AB",
        now=T0 + timedelta(minutes=4),
    )
    assert (first.grade, second.grade, second.domestic_abuse) == ("SCHEDULED", "IMMEDIATE", True)
    return first, second


def test_merging_keeps_both_logs_and_the_more_urgent_grade(pair):
    first, second = pair
    dispatcher = staff("DISPATCHER")
    second_lines = list(second.log_entries.values_list("text", flat=True))

    survivor = services.incident_merge(
        actor=dispatcher,
        incident=second,
        into=first,
        reason="Same address, same event",
        now=T0 + timedelta(minutes=6),
    )

    assert survivor.pk == first.pk
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.grade, first.minimum_grade, first.domestic_abuse) == (
        "IMMEDIATE",
        "IMMEDIATE",
        True,
    )
    assert first.target_response_at == T0 + timedelta(minutes=15)
    texts = list(first.log_entries.values_list("text", flat=True))
    for line in second_lines:
        assert line in texts
    assert "Neighbour can hear shouting next door" in texts
    copied = first.log_entries.exclude(copied_from=None)
    assert copied.count() == len(second_lines)
    assert all(line.copied_from.incident_id == second.pk for line in copied)
    assert any(second.reference in t for t in texts)
    assert any(first.reference in t for t in second.log_entries.values_list("text", flat=True))
    assert set(Contact.objects.filter(incident=first).values_list("caller_phone", flat=True)) == {
        "+441134960001",
        "+447700900456",
    }
    assert second.status == IncidentStatus.CLOSED
    assert second.merged_into_id == first.pk
    assert second.closing_code_id == "DUPLICATE"
    assert first.reference in second.resolution_note
    assert "incident.merged" in [e.action for e in audit_trail(first)]
    assert "incident.merged_into" in [e.action for e in audit_trail(second)]


def test_the_survivor_keeps_its_own_more_urgent_grade_and_da(pair):
    first, second = pair

    services.incident_merge(
        actor=staff("DISPATCHER"), incident=first, into=second, now=T0 + timedelta(minutes=6)
    )

    second.refresh_from_db()
    assert (second.grade, second.domestic_abuse) == ("IMMEDIATE", True)
    assert second.log_entries.filter(
        copied_from__incident=first, kind=IncidentLogEntry.Kind.NOTE
    ).exists()


def test_merging_an_incident_into_itself_a_closed_one_or_twice_is_refused(pair):
    first, second = pair
    dispatcher = staff("DISPATCHER")

    with pytest.raises(Conflict):
        services.incident_merge(actor=dispatcher, incident=first, into=first)
    services.incident_merge(actor=dispatcher, incident=second, into=first)
    with pytest.raises(Conflict):
        services.incident_merge(actor=dispatcher, incident=second, into=first)
    with pytest.raises(Conflict):
        services.incident_merge(actor=dispatcher, incident=first, into=second)


def test_a_contact_on_a_merged_incident_lands_on_the_survivor(pair):
    first, second = pair
    services.incident_merge(actor=staff("DISPATCHER"), incident=second, into=first)

    contact = services.contact_create(
        actor=call_handler(), channel="101", incident=second, summary="Any update?"
    )

    assert contact.incident_id == first.pk


def test_merge_api_is_for_the_dispatch_desks(api, pair):
    first, second = pair

    refused = api("CALL_HANDLER").post(
        f"/api/v1/incidents/{second.pk}/merge/", {"into": first.pk}, format="json"
    )
    response = api("DISPATCHER").post(
        f"/api/v1/incidents/{second.pk}/merge/",
        {"into": first.pk, "reason": "Same event"},
        format="json",
    )
    missing = api("DISPATCHER").post(
        f"/api/v1/incidents/{first.pk}/merge/", {"into": 999999}, format="json"
    )

    assert refused.status_code == 403
    assert response.status_code == 200, response.content
    assert response.json()["id"] == first.pk
    assert response.json()["grade"] == "IMMEDIATE"
    assert missing.status_code == 404


def test_the_merge_button_on_the_incident_page(client, pair):
    first, second = pair
    client.force_login(staff("DISPATCHER"))

    page = client.get(f"/incidents/{second.pk}/").content.decode()
    response = client.post(
        f"/incidents/{second.pk}/merge/", {"into": first.reference, "reason": "Same event"}
    )

    assert f'action="/incidents/{second.pk}/merge/"' in page
    assert first.reference in page  # offered as possibly the same incident
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.merged_into_id == first.pk
