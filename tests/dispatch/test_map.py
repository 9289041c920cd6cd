"""The live map's page and data: who may open it, and what it is given to draw."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cad.models import IncidentStatus
from dispatch import selectors, services
from tests.dispatch import unit_factories as f
from tests.factories import staff

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("role", "status"),
    [("DISPATCHER", 200), ("SUPERVISOR", 200), ("CALL_HANDLER", 403), ("OFFICER", 403)],
)
def test_the_map_is_for_the_dispatch_desks(client, role, status):
    client.force_login(staff(role))

    assert client.get("/dispatch/map/").status_code == status
    assert client.get("/dispatch/map/data/").status_code == status


def test_the_map_page_says_it_draws_a_plain_grid_without_a_tile_server(client, settings):
    settings.MAP_TILE_URL = ""
    client.force_login(staff("DISPATCHER"))

    html = client.get("/dispatch/map/").content.decode()

    assert 'data-tile-url=""' in html and "plain grid" in html
    assert "leaflet/leaflet.js" in html and "<script>" not in html


def test_the_map_page_uses_the_configured_tile_server(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example.police.uk/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Force mapping"
    client.force_login(staff("DISPATCHER"))

    html = client.get("/dispatch/map/").content.decode()

    assert 'data-tile-url="https://tiles.example.police.uk/{z}/{x}/{y}.png"' in html
    assert "Force mapping" in html


@time_machine.travel(NOW, tick=False)
def test_the_snapshot_has_open_incidents_with_their_clock_and_every_unit():
    breached = f.incident(received_at=NOW - timedelta(hours=1), latitude=53.8, longitude=-1.5)
    fresh = f.incident(grade="PRIORITY")
    closed = f.incident(status=IncidentStatus.CLOSED)
    unit = f.unit(call_sign="BX21")
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=fresh)

    snapshot = selectors.map_snapshot(now=NOW)

    by_id = {i["id"]: i for i in snapshot["incidents"]}
    assert closed.pk not in by_id
    assert by_id[breached.pk]["clock"] == "BREACHED"
    assert (by_id[breached.pk]["latitude"], by_id[breached.pk]["longitude"]) == (53.8, -1.5)
    assert by_id[fresh.pk]["latitude"] is None and by_id[fresh.pk]["grade"] == "PRIORITY"
    assert by_id[fresh.pk]["target_at"].endswith("+00:00")
    [drawn] = snapshot["units"]
    assert drawn["call_sign"] == "BX21" and drawn["incident"] == fresh.pk
    assert drawn["status"] == "ASSIGNED" and drawn["latitude"] == 53.8
