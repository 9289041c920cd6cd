"""Every read of intelligence or a marker is audited whatever shows it (incident, briefing,
marker screens and API), and what a role may not read on `/intel/` it reads nowhere."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cad.services import incident_create
from core.models import AuditEvent
from dispatch import services as dispatch_services
from riskflags import services as marker_services
from tests.dispatch import unit_factories as f
from tests.factories import staff
from tests.intelligence.factories import ADDRESS, PHONE, record

pytestmark = pytest.mark.django_db

MARAC_SUMMARY = "MARAC: Brian Example threatened Anne Example with a knife"


@pytest.fixture
def oic():
    return staff("OIC")


@pytest.fixture
def marked_incident(oic):
    """An incident whose check found a MARAC record, at an address with a live marker."""
    now = timezone.now()
    record("MARAC", summary=MARAC_SUMMARY, phones=[PHONE], addresses=[ADDRESS])
    marker = marker_services.marker_create(
        actor=oic,
        address=ADDRESS,
        victim_name="Anne Example",
        reason="Ex-partner threatened to kill her",
        expires_at=now + timedelta(days=30),
        oic=oic,
        now=now,
    )
    incident = incident_create(
        actor=staff("CALL_HANDLER"),
        channel="999",
        caller_phone=PHONE,
        address=ADDRESS,
        narrative="Someone banging at the door",
    )
    return incident, marker


def _reads(user, action):
    return AuditEvent.objects.filter(actor=user, action=action)


def test_reading_an_incident_audits_the_intelligence_check_and_markers_it_shows(
    api, marked_incident
):
    incident, marker = marked_incident
    handler = api("CALL_HANDLER")

    body = handler.get(f"/api/v1/incidents/{incident.pk}/").json()

    assert body["intel_check"]["records"]
    check_read = _reads(handler.user, "intel.check_viewed").get()
    assert check_read.data["via"] == "incident api"
    marker_read = _reads(handler.user, "marker.viewed").get()
    assert marker_read.object_id == str(marker.pk)
    assert marker_read.data == {"via": "incident api", "incident": incident.pk}


@pytest.mark.parametrize("via", ["api", "page"])
def test_the_crew_reading_its_briefing_is_audited(client, api, marked_incident, via):
    incident, marker = marked_incident
    officer = staff("OFFICER")
    unit = f.unit(officers=[officer.username])
    dispatch_services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    if via == "api":
        response = api(user=officer).get(f"/api/v1/units/{unit.pk}/briefing/")
    else:
        client.force_login(officer)
        response = client.get(f"/dispatch/units/{unit.pk}/briefing/")

    assert response.status_code == 200
    assert MARAC_SUMMARY in response.content.decode()
    assert _reads(officer, "intel.check_viewed").get().data["via"] == f"briefing {via}"
    assert _reads(officer, "marker.viewed").get().object_id == str(marker.pk)


def test_marker_reads_through_the_api_and_the_page_are_audited(client, api, marked_incident):
    _, marker = marked_incident
    handler = api("CALL_HANDLER")

    handler.get(f"/api/v1/markers/{marker.pk}/")
    handler.get(f"/api/v1/markers/match/?address={ADDRESS}")
    handler.get(f"/api/v1/markers/{marker.pk}/contacts/")
    client.force_login(handler.user)
    client.get(f"/markers/{marker.pk}/")

    vias = sorted(e.data["via"] for e in _reads(handler.user, "marker.viewed"))
    assert vias == ["api", "contacts api", "match api", "page"]
    handler.get("/api/v1/markers/")
    client.get("/markers/?show=all")
    lists = _reads(handler.user, "marker.list_viewed")
    assert sorted(e.data["via"] for e in lists) == ["list api", "list page"]
    assert all(e.data["markers"] == [marker.pk] for e in lists)


def test_a_qa_reviewer_reads_an_incident_without_its_intelligence(client, api, marked_incident):
    incident, _ = marked_incident
    qa = api("QA_REVIEWER")
    assert qa.get(f"/api/v1/intel/checks/?incident={incident.pk}").status_code == 403

    body = qa.get(f"/api/v1/incidents/{incident.pk}/").json()
    client.force_login(qa.user)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()

    assert body["intel_check"] is None
    assert "intelligence" in body["withheld"]
    assert "intelligence" not in body["assessment"]["context"]
    assert MARAC_SUMMARY not in str(body)
    marac = [f for f in body["assessment"]["risk_factors"] if f["source"] == "intel"]
    assert marac and all(f["evidence"].startswith("Withheld") for f in marac)
    assert MARAC_SUMMARY not in page
    assert "Not shown to your role" in page
    assert not _reads(qa.user, "intel.check_viewed").exists()


def test_a_qa_reviewer_reads_a_briefing_without_its_intelligence(api, marked_incident):
    incident, _ = marked_incident
    unit = f.unit()
    dispatch_services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)

    body = api("QA_REVIEWER").get(f"/api/v1/units/{unit.pk}/briefing/").json()

    assert body["incident"]["intel_check"] is None
    assert MARAC_SUMMARY not in str(body)
    assert "Intelligence is not shown to your role" in body["intel_summary"]
