"""What `make stack` and docker-compose serve: nginx in front of gunicorn (the pages and the API,
over persistent database connections) and daphne (the live socket /ws/). Through it, in
Chromium: logging in, a page's live socket, and a push from another desk; a client's own
X-Forwarded-For is never trusted; a web server that is down answers 503 with Retry-After."""

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from cad.services import incident_log_add
from core.services import token_for
from tests.e2e.asgi_server import proxied_server
from tests.e2e.test_breach_live import _login
from tests.e2e.test_live_state import _in_thread
from tests.factories import staff
from tests.monitoring.factories import make_incident


@pytest.mark.django_db(transaction=True)
def test_pages_api_and_the_live_socket_work_through_nginx(browser, channel_layer_flush):
    dispatcher = staff("DISPATCHER")
    other = staff("CALL_HANDLER")
    incident = make_incident(received_at=timezone.now() - timedelta(minutes=2))

    with proxied_server() as server:
        # Logging in (a CSRF-checked form post) and the live socket, upgraded through nginx.
        context, page = _login(browser, server.url, dispatcher, f"/incidents/{incident.pk}/")
        _in_thread(lambda: incident_log_add(actor=other, incident=incident, text="Rang back"))
        page.locator("#live-changed").wait_for(state="visible")
        context.close()

        request = urllib.request.Request(
            f"{server.url}/api/v1/incidents/outstanding/",
            headers={"Authorization": f"Token {token_for(user=dispatcher)}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
            assert [row["id"] for row in json.load(answer)["results"]] == [incident.pk]


@pytest.mark.django_db(transaction=True)
def test_a_failed_login_is_recorded_at_the_address_nginx_saw_not_one_the_client_wrote(browser):
    user = staff("CALL_HANDLER")
    with proxied_server() as server:
        context = browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.9"})
        page = context.new_page()
        page.goto(f"{server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "not-the-password")
        page.click("button[type=submit]")
        page.wait_for_selector("#id_username")
        context.close()

    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [
        (user.username, "127.0.0.1")
    ]


@pytest.mark.django_db(transaction=True)
def test_nginx_refuses_in_the_apis_shape_and_answers_503_when_gunicorn_is_down():
    with proxied_server() as server:
        # First, a body larger than nginx passes on: 413 in the API's shape, not nginx's page.
        too_large = urllib.request.Request(
            f"{server.url}/api/v1/incidents/",
            data=b"x" * (4 * 1024 * 1024),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(too_large, timeout=10)
        assert refused.value.code == 413
        assert json.loads(refused.value.read())["code"] == "too_large"

        # A flood of login attempts from one address: past the burst, 429s in the API's shape.
        statuses = []
        for _ in range(40):
            attempt = urllib.request.Request(
                f"{server.url}/api/v1/auth/token/",
                data=json.dumps({"username": "nobody", "password": "guess"}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(attempt, timeout=10) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as refused:
                statuses.append(refused.code)
                if refused.code == 429:
                    assert json.loads(refused.read())["code"] == "too_many_requests"
                    assert refused.headers["Retry-After"] == "5"
        assert 429 in statuses and 500 not in statuses

        server.processes["web"].terminate()
        server.processes["web"].wait(timeout=10)
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"{server.url}/api/v1/incidents/", timeout=10)

    assert answer.value.code == 503
    assert answer.value.headers["Retry-After"] == "5"
    assert answer.value.headers["Cache-Control"] == "no-store"
    assert json.loads(answer.value.read())["code"] == "service_unavailable"
