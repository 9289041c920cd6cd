"""In the browser: an alert raised while nobody had the page open is on the banner as soon as
the page loads (the banner does not depend on having received the live push)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.services import scan_response_times
from tests.e2e.asgi_server import asgi_server
from tests.e2e.test_breach_live import _login
from tests.factories import staff
from tests.monitoring.factories import make_incident


@pytest.mark.django_db(transaction=True)
def test_an_alert_raised_before_the_page_opened_shows_on_the_banner(browser, channel_layer_flush):
    supervisor = staff("SUPERVISOR")
    make_incident(received_at=timezone.now() - timedelta(minutes=20))
    scan_response_times()  # BREACHED, raised before any page is open

    with asgi_server() as base_url:
        context, page = _login(browser, base_url, supervisor, "/")
        banner = page.locator("#alert-banner")
        banner.wait_for(state="visible")

        assert "BREACHED" in banner.inner_text()
        page.screenshot(path="/tmp/alert_banner_on_load.png")
        context.close()
