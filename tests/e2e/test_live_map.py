"""The live map in Chromium: markers for the open incidents and the units, a unit's reported
position moving its marker over the live socket, and a click on an incident opening the same
assignment panel as the outstanding list."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from core.services import token_for
from tests.dispatch import unit_factories as f
from tests.e2e.asgi_server import asgi_server
from tests.e2e.test_breach_live import _login
from tests.factories import staff


def _report_position(base_url: str, user, unit_id: int, body: dict) -> dict:
    """What the crew's device does: POST /api/v1/units/{id}/position/ with its token."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/units/{unit_id}/position/",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": "Token " + token_for(user=user),
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _marker(page, kind: str, pk: int):
    return page.locator(f"path[data-{kind}='{pk}']")


@pytest.mark.django_db(transaction=True)
def test_the_map_draws_incidents_and_units_moves_a_unit_live_and_opens_the_panel(
    browser, channel_layer_flush
):
    dispatcher = staff("DISPATCHER")
    placed = f.incident(
        address="12 Acacia Avenue, Leeds LS6 2AB", latitude=53.821, longitude=-1.581
    )
    nowhere = f.incident(address="")
    low = f.incident(grade="SCHEDULED", latitude=53.79, longitude=-1.54)
    near = f.unit(call_sign="BX21", latitude=53.82, longitude=-1.58)
    crew = staff("OFFICER")
    far = f.unit(call_sign="BX22", latitude=53.85, longitude=-1.60, officers=[crew.username])

    with asgi_server() as base_url:
        context, page = _login(browser, base_url, dispatcher, "/dispatch/map/")
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.wait_for_selector("#live-map[data-loaded='1']")

        assert _marker(page, "incident", placed.pk).count() == 1
        assert "g-IMMEDIATE" in _marker(page, "incident", placed.pk).get_attribute("class")
        assert "g-SCHEDULED" in _marker(page, "incident", low.pk).get_attribute("class")
        assert _marker(page, "incident", nowhere.pk).count() == 0
        row = page.locator(f"#map-incidents tr[data-id='{nowhere.pk}']")
        assert "no position" in row.inner_text()
        assert "u-AVAILABLE" in _marker(page, "unit", near.pk).get_attribute("class")
        assert _marker(page, "unit", far.pk).count() == 1
        assert "plain grid" in page.locator("#map-note").inner_text()
        before = _marker(page, "unit", far.pk).get_attribute("d")

        # The crew's device reports a new position through the API: the marker moves without
        # a reload (pushed over the socket by the server that took the report).
        response = _report_position(base_url, crew, far.pk, {"lat": 53.80, "lon": -1.56})
        assert response["latitude"] == 53.8
        expect(_marker(page, "unit", far.pk)).to_have_attribute("data-lat", "53.8")
        assert _marker(page, "unit", far.pk).get_attribute("d") != before

        # Clicking the incident opens the outstanding list's assignment panel, nearest first.
        _marker(page, "incident", placed.pk).click(force=True)
        panel = page.locator(f"#actions-side .actions-panel[data-incident='{placed.pk}']")
        panel.wait_for()
        assert "nearest first" in panel.inner_text()
        assert page.evaluate("document.activeElement.dataset.callSign") == "BX21"
        page.keyboard.press("Enter")
        panel.locator(".units-on").get_by_text("BX21").wait_for()
        expect(_marker(page, "unit", near.pk)).to_have_class(re.compile(r"\bu-committed\b"))
        page.screenshot(path="/tmp/live_map.png")
        assert errors == [] or all("favicon" in e or "404" in e for e in errors), errors
        context.close()
