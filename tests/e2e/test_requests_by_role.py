"""In the browser: a screen asks only for what the role may read. Every role opens the home
page and each screen of its navigation; no request the page makes is refused (4xx). Before,
every page polled the open alerts, which only ALERT_READERS may read: a 403 for call handlers,
OICs, support operators and officers on every page."""

import pytest

from core.navigation import screens_for
from core.roles import ALERT_READERS, Role
from tests.factories import staff


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", Role.values)
def test_no_page_of_a_role_makes_a_refused_request(role, login, page, live_server):
    refused = []
    page.on(
        "response",
        lambda r: (
            refused.append(f"{r.status} {r.request.method} {r.url}")
            if 400 <= r.status < 500 and "/ws/" not in r.url
            else None
        ),
    )
    login(staff(role))
    page.wait_for_load_state("networkidle")
    # The server decides: the alert banner (and its polling) only for the roles that read alerts.
    assert page.locator("#alert-banner").count() == (1 if role in ALERT_READERS else 0)
    for screen in screens_for({role}):
        if not screen.url:
            continue
        page.goto(f"{live_server.url}{screen.url}")
        page.wait_for_load_state("networkidle")
    assert refused == []
