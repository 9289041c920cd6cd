"""In the browser: one live-state model per page. A banner says "changed" only when the data the
page shows changed after it was rendered (its version token differs), never because the live
socket connected; and a socket that never opened says NOT LIVE, not RECONNECTING."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cad.services import incident_log_add
from tests.e2e.asgi_server import asgi_server
from tests.e2e.test_breach_live import _login
from tests.factories import staff
from tests.monitoring.factories import make_incident
from tests.reports import factories as rf


def _in_thread(fn):
    """Run a service as another desk would (its own thread and connection): Playwright's event
    loop holds this thread, so a push cannot be published from here."""
    errors = []

    def run():
        try:
            fn()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=30)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_incident_page_says_changed_only_after_a_real_change(browser, channel_layer_flush):
    dispatcher = staff("DISPATCHER")
    other = staff("CALL_HANDLER")
    incident = make_incident(received_at=timezone.now() - timedelta(minutes=2))

    with asgi_server() as base_url:
        context, page = _login(browser, base_url, dispatcher, f"/incidents/{incident.pk}/")
        # The socket is open and the page has re-synced: nothing changed, so nothing is said.
        page.wait_for_timeout(1500)
        assert page.locator("#live-changed").count() == 0
        assert "has changed" not in page.locator("main").inner_text()
        page.screenshot(path="/tmp/live_state_incident_quiet.png")

        _in_thread(
            lambda: incident_log_add(actor=other, incident=incident, text="Caller rang back")
        )
        page.locator("#live-changed").wait_for(state="visible")
        assert "changed" in page.locator("#live-changed").inner_text()
        context.close()


@pytest.mark.django_db(transaction=True)
def test_divert_list_and_timeline_say_nothing_on_first_connect(browser, channel_layer_flush):
    reviewer = staff("QA_REVIEWER")
    now = timezone.now()
    incident = rf.incident(received_at=now - timedelta(hours=3), domestic_abuse=True)
    rf.divert(from_incident=incident, at=now - timedelta(hours=3) + timedelta(minutes=4))

    with asgi_server() as base_url:
        context, page = _login(browser, base_url, reviewer, "/reports/diverts/")
        page.wait_for_timeout(1500)
        assert page.locator("#live-changed").count() == 0
        assert "reconnected" not in page.locator("main").inner_text()
        assert "have changed" not in page.locator("main").inner_text()

        page.goto(f"{base_url}/reports/incidents/{incident.pk}/timeline/")
        page.wait_for_selector('#live-status[data-state="open"]')
        page.wait_for_timeout(1500)
        assert page.locator("#live-changed").count() == 0
        assert "reconnected" not in page.locator("main").inner_text()
        assert "have changed" not in page.locator("main").inner_text()
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_socket_that_never_opened_is_not_live_rather_than_reconnecting(login, page):
    # pytest-django's live_server is a WSGI server: it has no /ws/live/, so the socket never
    # opens. That is what browser-test screenshots showed as "RECONNECTING".
    login(staff("DISPATCHER"))
    status = page.locator("#live-status")
    page.wait_for_function(
        "() => document.getElementById('live-status').dataset.state === 'offline'"
    )
    assert "NOT LIVE" in status.inner_text()
    assert "RECONNECTING" not in status.inner_text()
