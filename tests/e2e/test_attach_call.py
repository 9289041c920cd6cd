"""In the browser: a second call from the same number is offered the open incident on the
call-taking screen; one key attaches it, and the dispatcher's outstanding row turns IMMEDIATE
without a reload."""

import os

import pytest

from cad import services
from cad.models import Incident, IncidentLogEntry
from tests.e2e.asgi_server import asgi_server
from tests.e2e.test_breach_live import _login
from tests.factories import staff

SCREENSHOTS = os.environ.get("CAD_SCREENSHOTS", "")
VICTIM = "Caller says her ex-partner has a knife and is strangling her"


@pytest.mark.django_db(transaction=True)
def test_a_second_call_attached_from_call_taking_turns_the_dispatch_row_immediate_live(
    browser, channel_layer_flush
):
    handler = staff("CALL_HANDLER")
    incident = services.incident_create(
        actor=handler,
        channel="101",
        narrative="Neighbour can hear shouting next door",
        caller_phone="0113 496 0001",
        address="14 Acacia Avenue, Leeds LS6 2AB",
    )
    assert incident.grade == "SCHEDULED"

    with asgi_server() as base_url:
        desk_context, desk = _login(
            browser, base_url, staff("DISPATCHER"), "/dispatch/outstanding/"
        )
        row = desk.locator(f'tr[data-id="{incident.pk}"]')
        row.locator(".badge.grade-SCHEDULED").wait_for()
        desk.evaluate("window.__notReloaded = true")

        call_context, call = _login(browser, base_url, handler, "/calls/new/")
        call.fill("#id_caller_phone", "0113 496 0001")
        offer = call.locator("#possible-duplicates")
        offer.locator(f'text="{incident.reference}"').wait_for()
        assert "Possibly the same incident" in offer.inner_text()
        call.fill("#id_narrative", VICTIM)
        if SCREENSHOTS:
            call.screenshot(path=f"{SCREENSHOTS}/call_taking_offer.png", full_page=True)
        call.locator("#id_narrative").press("Alt+1")
        call.wait_for_url(f"{base_url}/incidents/{incident.pk}/")

        row.locator(".badge.grade-IMMEDIATE").wait_for()
        assert row.locator(".badge.da").is_visible()
        assert desk.evaluate("window.__notReloaded") is True
        if SCREENSHOTS:
            desk.screenshot(path=f"{SCREENSHOTS}/outstanding_after_attach.png", full_page=True)
            call.screenshot(path=f"{SCREENSHOTS}/incident_after_attach.png", full_page=True)
        assert Incident.objects.count() == 1
        assert incident.log_entries.filter(kind=IncidentLogEntry.Kind.CONTACT, text=VICTIM).exists()
        call_context.close()
        desk_context.close()
