"""In the browser: a supervisor's account is deactivated while the alert board is open; the
socket closes at once and the page says "log in again" instead of reconnecting for ever."""

import threading

import pytest
from django.db import connection

from core.staff import staff_deactivate
from tests.e2e.asgi_server import asgi_server
from tests.factories import PASSWORD, staff


def _in_a_worker(fn):
    """Run `fn` in its own thread and connection, as another desk's request would (Playwright's
    event loop occupies this thread, so the push cannot be sent from here)."""

    def run():
        try:
            fn()
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_supervisor_is_told_to_log_in_again(browser, channel_layer_flush):
    supervisor = staff("SUPERVISOR")

    with asgi_server() as base_url:
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{base_url}/login/")
        page.fill("#id_username", supervisor.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base_url}/")
        page.goto(f"{base_url}/monitoring/alerts/")
        page.wait_for_selector('#live-status[data-state="open"]')

        _in_a_worker(lambda: staff_deactivate(actor=None, user=supervisor, reason="left"))

        banner = page.locator("#live-login")
        banner.wait_for()
        assert "Log in again" in banner.inner_text()
        assert page.locator("#live-status").get_attribute("data-state") == "closed"
        assert page.locator("#board-reconnecting").is_hidden()
        assert page.locator("#live-login a").get_attribute("href").startswith("/login/?next=")
        page.screenshot(path="/tmp/live_log_in_again.png")
        context.close()
