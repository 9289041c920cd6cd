"""Every screen works in Chromium under the Content-Security-Policy: the header is there and the
browser refuses nothing (an inline script or style it refused would be a broken page)."""

import pytest

from core.navigation import screens_for
from tests.dispatch import unit_factories as f
from tests.factories import staff


@pytest.mark.django_db(transaction=True)
def test_every_screen_loads_under_the_policy_without_a_violation(page, login, live_server):
    from dispatch import services

    unit = f.unit(call_sign="CSP1")
    incident = f.incident(domestic_abuse=True, marker=True, address="3 Elm Road, Leeds LS6 1AA")
    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    admin = staff("ADMIN", "SUPERVISOR", is_superuser=True, is_staff=True)
    login(admin)
    urls = [s.url for s in screens_for(set(), superuser=True) if s.url]
    urls += [
        f"/incidents/{incident.pk}/",
        f"/dispatch/units/{unit.pk}/briefing/",
        "/contacts/new/",
        "/api/docs/",
        "/django-admin/",
        f"/django-admin/auth/user/{admin.pk}/change/",
    ]
    assert len(urls) > 15
    assert "/dispatch/map/" in urls  # Leaflet, its grid and markers: no inline style
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        assert page.csp_violations() == [], url
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
