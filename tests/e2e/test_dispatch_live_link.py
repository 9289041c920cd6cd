"""In the browser: the live link re-syncs on its first open, a half-open socket (pings never
answered) is noticed and reconnected, and a dispatch region whose refresh fails says it is
stale."""

import pytest

from tests.e2e.asgi_server import asgi_server
from tests.e2e.test_breach_live import _login
from tests.factories import staff

RECORD_RESYNCS = """
window.__resyncs = [];
document.addEventListener("cad:resync", (e) => window.__resyncs.push(e.detail.reason));
"""


def _open(browser, base_url, user, path, init_script=""):
    # _login opens the page after logging in; the init script applies to every page load.
    context, page = _login(browser, base_url, user, "/")
    if init_script:
        page.add_init_script(init_script)
    page.goto(f"{base_url}{path}")
    page.wait_for_selector('#live-status[data-state="open"]')
    return context, page


@pytest.mark.django_db(transaction=True)
def test_the_first_open_of_the_live_link_asks_the_page_to_resync(browser, channel_layer_flush):
    with asgi_server() as base_url:
        context, page = _open(
            browser, base_url, staff("CONTROLLER"), "/dispatch/diverts/", RECORD_RESYNCS
        )

        page.wait_for_function("() => window.__resyncs.length >= 1")

        assert page.evaluate("window.__resyncs")[0] == "connected"
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_socket_that_never_answers_a_ping_is_reconnected(browser, channel_layer_flush):
    drop_pings = """
    const realSend = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (String(data).includes('"ping"')) return;  // the server never sees it: no pong
      return realSend.call(this, data);
    };
    """
    with asgi_server() as base_url:
        context, page = _open(
            browser, base_url, staff("CONTROLLER"), "/dispatch/diverts/", drop_pings
        )

        page.evaluate(
            """() => {
              window.__states = [];
              const el = document.getElementById("live-status");
              new MutationObserver(() => window.__states.push(el.dataset.state)).observe(
                el, { attributes: true, attributeFilter: ["data-state"] });
            }"""
        )
        page.evaluate("window.cadLive.ping()")
        page.wait_for_function("() => window.__states.includes('reconnecting')", timeout=15000)
        page.wait_for_selector('#live-status[data-state="open"]', timeout=30000)
        context.close()


@pytest.mark.django_db(transaction=True)
def test_a_region_whose_refresh_fails_is_marked_stale_until_it_succeeds(
    browser, channel_layer_flush
):
    with asgi_server() as base_url:
        context, page = _open(browser, base_url, staff("CONTROLLER"), "/dispatch/diverts/")
        page.route(
            "**/dispatch/diverts/body/**", lambda route: route.fulfill(status=500, body="boom")
        )
        page.route(
            "**/dispatch/diverts/body/", lambda route: route.fulfill(status=500, body="boom")
        )

        page.evaluate('document.dispatchEvent(new CustomEvent("cad:resync"))')
        notice = page.locator(".live-stale-notice")
        notice.wait_for(state="visible")
        assert "NOT UP TO DATE" in notice.inner_text()
        page.screenshot(path="/tmp/dispatch_live_stale.png")

        page.unroute("**/dispatch/diverts/body/**")
        page.unroute("**/dispatch/diverts/body/")
        page.evaluate('document.dispatchEvent(new CustomEvent("cad:resync"))')
        notice.wait_for(state="detached")
        context.close()
