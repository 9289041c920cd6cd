"""The outstanding list: open incidents no unit has reached, most urgent first, in a constant
number of queries."""

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.models import GradePolicy, IncidentStatus
from dispatch import selectors, services
from dispatch.models import UnitStatus
from tests.dispatch import unit_factories as f

pytestmark = pytest.mark.django_db


def _ids(qs):
    return [i.pk for i in qs]


def test_only_incidents_no_unit_has_reached_are_outstanding():
    now = timezone.now()
    open_ = f.incident(received_at=now)
    resourced = f.incident(received_at=now)
    reached = f.incident(received_at=now)
    f.incident(received_at=now, status=IncidentStatus.CLOSED)
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=f.unit(), incident=resourced)
    services.unit_set_status(
        actor=actor, unit=f.unit(), status=UnitStatus.AT_SCENE, incident=reached
    )

    assert set(_ids(selectors.incidents_outstanding())) == {open_.pk, resourced.pk}
    assert _ids(selectors.incidents_outstanding(unresourced=True)) == [open_.pk]


def test_most_urgent_grade_first_then_soonest_target_then_oldest():
    now = timezone.now()
    priority = f.incident(grade="PRIORITY", received_at=now - timedelta(minutes=50))
    immediate_new = f.incident(grade="IMMEDIATE", received_at=now)
    immediate_old = f.incident(grade="IMMEDIATE", received_at=now - timedelta(minutes=5))
    scheduled = f.incident(grade="SCHEDULED", received_at=now - timedelta(hours=5))

    assert _ids(selectors.incidents_outstanding()) == [
        immediate_old.pk,
        immediate_new.pk,
        priority.pk,
        scheduled.pk,
    ]


def test_a_diverted_incident_tops_its_grade_but_not_a_more_urgent_grade():
    now = timezone.now()
    immediate = f.incident(grade="IMMEDIATE", received_at=now)
    priority_old = f.incident(grade="PRIORITY", received_at=now - timedelta(minutes=30))
    priority_diverted = f.incident(grade="PRIORITY", received_at=now)
    unit, elsewhere = f.unit(), f.incident(grade="SCHEDULED", received_at=now)
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=priority_diverted)
    services.unit_divert(actor=actor, unit=unit, to_incident=elsewhere, reason="x")

    ordered = _ids(selectors.incidents_outstanding())

    assert ordered[:3] == [immediate.pk, priority_diverted.pk, priority_old.pk]


def test_the_founding_case_the_diverted_da_call_sits_above_the_newer_knife_call(api):
    da_call = f.incident(domestic_abuse=True, received_at=timezone.now() - timedelta(minutes=3))
    knife_call = f.incident()
    unit = f.unit()
    actor = f.dispatcher()
    services.unit_assign(actor=actor, unit=unit, incident=da_call)
    services.unit_divert(actor=actor, unit=unit, to_incident=knife_call, reason="knife")

    rows = api("DISPATCHER").get("/api/v1/incidents/outstanding/").json()["results"]

    assert [r["id"] for r in rows] == [da_call.pk, knife_call.pk]
    top = rows[0]
    assert top["divert"] is True and top["domestic_abuse"] is True
    assert top["units"] == []
    assert rows[1]["units"][0]["call_sign"] == unit.call_sign


def test_filters_by_grade_and_area():
    urban = f.incident(grade="PRIORITY", area="URBAN")
    rural = f.incident(grade="PRIORITY", area="RURAL")
    f.incident(grade="IMMEDIATE", area="RURAL")

    assert _ids(selectors.incidents_outstanding(grade="PRIORITY", area="RURAL")) == [rural.pk]
    assert _ids(selectors.incidents_outstanding(grade="PRIORITY", area="URBAN")) == [urban.pk]


def test_a_row_carries_flags_preview_and_countdown_times(api):
    incident = f.incident(
        grade="IMMEDIATE", marker=True, domestic_abuse=True, narrative="word " * 100
    )

    row = api("DISPATCHER").get("/api/v1/incidents/outstanding/").json()["results"][0]

    assert row["id"] == incident.pk
    assert row["marker"] is True and row["domestic_abuse"] is True and row["divert"] is False
    assert len(row["narrative_start"]) <= 141 and row["narrative_start"].endswith("…")
    assert row["target_response_at"] is not None
    assert row["due_soon_at"] is None or row["due_soon_at"] < row["target_response_at"]


def _due_soon_attributes(html: str) -> list[datetime]:
    return [datetime.fromisoformat(v) for v in re.findall(r'data-due-soon-at="([^"]+)"', html)]


def _clock_as_shown(client, api, incident) -> dict:
    """When the countdown turns amber, as the incident page, the outstanding screen and the
    outstanding API each say it."""
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    rows = client.get(f"/dispatch/outstanding/rows/?grade={incident.grade}").content.decode()
    results = api("DISPATCHER").get("/api/v1/incidents/outstanding/").json()["results"]
    row = next(r for r in results if r["id"] == incident.pk)
    return {
        "incident page": _due_soon_attributes(page),
        "outstanding screen": _due_soon_attributes(rows),
        "outstanding api": [datetime.fromisoformat(row["due_soon_at"])]
        if row["due_soon_at"]
        else [],
    }


def test_the_incident_page_and_the_outstanding_list_agree_for_a_grade_with_no_due_soon_lead(
    client, api
):
    GradePolicy.objects.filter(grade="PRIORITY").update(due_soon_minutes=None)
    incident = f.incident(grade="PRIORITY")
    client.force_login(f.dispatcher())

    shown = _clock_as_shown(client, api, incident)

    assert incident.target_response_at is not None
    assert shown == {"incident page": [], "outstanding screen": [], "outstanding api": []}


def test_the_incident_page_and_the_outstanding_list_agree_when_the_grade_has_a_lead(client, api):
    GradePolicy.objects.filter(grade="PRIORITY").update(due_soon_minutes=7)
    incident = f.incident(grade="PRIORITY")
    client.force_login(f.dispatcher())

    shown = _clock_as_shown(client, api, incident)

    amber = incident.target_response_at - timedelta(minutes=7)
    assert shown == {
        "incident page": [amber],
        "outstanding screen": [amber],
        "outstanding api": [amber],
    }


def test_bad_filters_are_a_400(api):
    r = api("DISPATCHER").get("/api/v1/incidents/outstanding/?grade=URGENT")

    assert r.status_code == 400


def test_the_list_is_paginated_by_cursor_and_counts_only_on_request(api):
    for _ in range(3):
        f.incident()
    client = api("DISPATCHER")

    first = client.get("/api/v1/incidents/outstanding/?page_size=2").json()
    counted = client.get("/api/v1/incidents/outstanding/?page_size=2&count=true").json()
    second = client.get(first["next"]).json()

    assert "count" not in first and counted["count"] == 3
    assert len(first["results"]) == 2 and first["previous"] is None and "cursor=" in first["next"]
    assert len(second["results"]) == 1 and second["next"] is None and second["previous"]


def _queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/incidents/outstanding/").status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_list(api):
    client = api("DISPATCHER")
    actor = f.dispatcher()
    for _ in range(2):
        incident = f.incident()
        services.unit_assign(actor=actor, unit=f.unit(), incident=incident)
    small = _queries_for_page(client)
    for _ in range(20):
        incident = f.incident(marker=True)
        services.unit_assign(actor=actor, unit=f.unit(), incident=incident)

    large = _queries_for_page(client)

    assert large == small


def test_the_outstanding_screen_renders_rows_with_countdowns(client, make_staff):
    incident = f.incident(domestic_abuse=True)
    client.force_login(make_staff("DISPATCHER"))

    page = client.get("/dispatch/outstanding/")
    rows = client.get("/dispatch/outstanding/rows/?grade=IMMEDIATE")

    assert page.status_code == 200 and rows.status_code == 200
    html = rows.content.decode()
    assert incident.reference in html
    assert 'class="countdown" data-target-at="' in html
    assert "NO UNIT" in html


def test_assign_from_the_screen_returns_the_refreshed_panel(client, make_staff):
    incident, unit = f.incident(), f.unit(call_sign="BX99")
    client.force_login(make_staff("DISPATCHER"))

    r = client.post(
        f"/dispatch/incidents/{incident.pk}/assign/", {"unit": unit.pk}, HTTP_HX_REQUEST="true"
    )

    assert r.status_code == 200
    assert "BX99" in r.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOURCED


def test_a_refused_assignment_on_the_screen_shows_why(client, make_staff):
    incident, unit = f.incident(), f.unit(call_sign="BX98")
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=f.incident())
    client.force_login(make_staff("DISPATCHER"))

    r = client.post(
        f"/dispatch/incidents/{incident.pk}/assign/", {"unit": unit.pk}, HTTP_HX_REQUEST="true"
    )

    assert r.status_code == 200
    assert "is a divert" in r.content.decode()


def test_a_row_built_by_hand_is_what_the_declared_fields_give(api):
    """The list's serializer builds each row by hand, for speed; the fields it declares (which
    are also the schema) must still describe it exactly: DRF's generic walk over them gives the
    same row for every kind of row (tags, units, flags, no target, no coordinates)."""
    from cad.models import IncidentTag
    from dispatch.serializers import OutstandingIncidentSerializer

    actor = f.dispatcher()
    plain = f.incident(grade="SCHEDULED", narrative="")
    flagged = f.incident(
        marker=True, domestic_abuse=True, latitude=53.8, longitude=-1.55, narrative="x " * 200
    )
    two_units = f.incident(grade="PRIORITY")
    for unit in (f.unit(), f.unit()):
        services.unit_assign(actor=actor, unit=unit, incident=two_units)
    IncidentTag.objects.create(incident=two_units, tag="MARKER", added_at=timezone.now())
    diverted, elsewhere, unit = f.incident(grade="PRIORITY"), f.incident(), f.unit()
    services.unit_assign(actor=actor, unit=unit, incident=diverted)
    services.unit_divert(actor=actor, unit=unit, to_incident=elsewhere, reason="knife")
    no_target = f.incident(grade="RESOLUTION")
    no_target.target_response_at = None
    no_target.save(update_fields=["target_response_at"])

    rows = selectors.outstanding_rows(list(selectors.incidents_outstanding()))
    serializer = OutstandingIncidentSerializer(context={"due_soon_leads": None})
    from rest_framework.serializers import ModelSerializer

    assert {r.pk for r in rows} >= {plain.pk, flagged.pk, two_units.pk, diverted.pk, no_target.pk}
    for incident in rows:
        by_hand = serializer.to_representation(incident)
        assert by_hand == ModelSerializer.to_representation(serializer, incident)
    by_id = {
        row["id"]: row
        for row in api("DISPATCHER").get("/api/v1/incidents/outstanding/").json()["results"]
    }
    assert [u["status"] for u in by_id[two_units.pk]["units"]] == ["ASSIGNED", "ASSIGNED"]
    assert by_id[two_units.pk]["tags"] == ["MARKER"] and by_id[two_units.pk]["marker"] is True
    assert by_id[diverted.pk]["tags"] == ["DIVERT"] and by_id[diverted.pk]["divert"] is True
    assert by_id[no_target.pk]["target_response_at"] is None
