"""The demo runs with DEBUG on; an unknown URL still answers the project's 404 page (or JSON
under /api/), never Django's debug page that lists every route. The favicon is served."""

import pytest
from django.test import override_settings

from tests.factories import staff

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_an_unknown_page_with_debug_on_is_the_projects_404(client):
    client.force_login(staff("DISPATCHER"))
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found (404)" in page
    assert "URLconf" not in page and "django-admin/" not in page


@override_settings(DEBUG=True)
def test_a_view_raising_404_with_debug_on_is_the_projects_404(client):
    client.force_login(staff("OIC"))
    response = client.get("/markers/999999/")
    assert response.status_code == 404
    assert "Not found (404)" in response.content.decode()


@override_settings(DEBUG=True)
def test_an_unknown_api_url_with_debug_on_is_json(client):
    client.force_login(staff("DISPATCHER"))
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@override_settings(DEBUG=True)
def test_a_missing_slash_still_redirects_with_debug_on(client):
    client.force_login(staff("DISPATCHER"))
    assert client.get("/incidents").status_code == 301


def test_every_page_links_the_favicon_and_it_is_served(client):
    client.force_login(staff("DISPATCHER"))
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    assert client.get("/static/favicon.svg").status_code == 200
