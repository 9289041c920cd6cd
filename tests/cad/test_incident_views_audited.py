"""Opening an incident shows its intelligence check and markers: every such view is audited,
and other apps' panels (dispatch actions) appear on the page."""

import pytest

from cad import services
from core.models import AuditEvent


@pytest.fixture
def incident(make_staff):
    return services.incident_create(
        actor=make_staff("CALL_HANDLER"),
        channel="999",
        narrative="Shouting next door",
        address="3 High Street, Leeds",
    )


@pytest.mark.django_db
def test_viewing_an_incident_through_the_api_is_audited_with_the_viewer(api, incident):
    client = api("DISPATCHER")
    assert client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="incident.viewed", object_id=str(incident.pk))
    assert event.actor == client.user and event.data == {"via": "api"}


@pytest.mark.django_db
def test_viewing_an_incident_page_is_audited_and_shows_the_dispatch_panel(
    client, make_staff, incident
):
    viewer = make_staff("DISPATCHER")
    client.force_login(viewer)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="incident.viewed", actor=viewer).exists()
    assert f'id="dispatch-actions-{incident.pk}"' in html


@pytest.mark.django_db
def test_the_incident_page_shows_markers_in_their_own_panel(client, make_staff, incident):
    client.force_login(make_staff("DISPATCHER"))
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-panel="markers"' in html
    assert "No marker, live or past, at this address or number." in html
    assert 'data-panel="assignments"' not in html  # dispatch's own panel shows units
