"""In the browser: an incident's target passes; the dispatcher's row turns red and the
supervisor's board shows the alert, with the banner, without a reload."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from monitoring.services import scan_response_times
from tests.e2e.asgi_server import asgi_server
from tests.factories import PASSWORD, staff
from tests.monitoring.factories import make_incident

SECONDS_TO_TARGET = 20


def _scan_like_the_worker():
    """Run the scan in its own thread with its own connection, as the Celery worker would
    (Playwright's event loop occupies this thread, so pushes cannot be sent from here)."""
    import threading

    from django.db import connection

    result = {}

    def run():
        try:
            result["scan"] = scan_response_times()
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)
    return result["scan"]


def _login(browser, base_url, user, path):
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000}, locale="en-GB", timezone_id="Europe/London"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    page.goto(f"{base_url}{path}")
    page.wait_for_selector('#live-status[data-state="open"]')
    return context, page


def _outstanding_path():
    try:
        return reverse("dispatch-outstanding")
    except NoReverseMatch:  # the dispatch engineer's page is not there yet
        return None


@pytest.mark.django_db(transaction=True)
def test_a_passing_target_turns_the_row_red_and_reaches_the_board_without_a_reload(
    browser, channel_layer_flush
):
    supervisor = staff("SUPERVISOR")
    dispatcher = staff("DISPATCHER")
    now = timezone.now()
    # IMMEDIATE urban: a 15-minute target that passes a few seconds from now.
    incident = make_incident(
        received_at=now - timedelta(minutes=15) + timedelta(seconds=SECONDS_TO_TARGET),
        domestic_abuse=True,
    )
    _scan_like_the_worker()  # the DUE_SOON warning, already due

    with asgi_server() as base_url:
        board_context, board = _login(browser, base_url, supervisor, "/monitoring/alerts/")
        board.wait_for_selector(f'tr[data-kind="DUE_SOON"]:has-text("{incident.reference}")')
        outstanding = None
        path = _outstanding_path()
        if path:
            desk_context, outstanding = _login(browser, base_url, dispatcher, path)
            row = outstanding.locator(f'tr:has-text("{incident.reference}")').first
            row.wait_for()
            assert "breached" not in (row.get_attribute("class") or "")

        # The target passes: the countdowns turn red on their own, the scan raises the alert.
        remaining = (incident.target_response_at - timezone.now()).total_seconds()
        assert remaining > 0, "the pages took too long to open"
        board.wait_for_timeout((remaining + 1) * 1000)
        result = _scan_like_the_worker()
        assert [a.kind for a in result.raised] == ["BREACHED"]

        board.wait_for_selector(f'tr[data-kind="BREACHED"]:has-text("{incident.reference}")')
        assert board.locator("#alert-banner").is_visible()
        assert "BREACHED" in board.locator("#alert-banner").inner_text()
        assert board.locator(".countdown.breached").count() >= 1
        board.screenshot(path="/tmp/breach_board.png", full_page=True)
        if outstanding is not None:
            outstanding.wait_for_selector(f'tr.breached:has-text("{incident.reference}")')
            outstanding.screenshot(path="/tmp/breach_outstanding.png", full_page=True)
            desk_context.close()

        # Acknowledging on the board moves it out of the open list, still without a reload.
        board.click(f'tr[data-kind="BREACHED"]:has-text("{incident.reference}") button')
        board.wait_for_selector("text=Acknowledged, condition not yet ended")
        board_context.close()
