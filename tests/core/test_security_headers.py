"""Answers that show intelligence, markers, incidents or briefings are never cached, and every
page runs under a strict Content-Security-Policy with no inline script."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.dispatch import unit_factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def committed():
    unit = f.unit(call_sign="CC11")
    incident = f.incident(domestic_abuse=True, marker=True, address="3 Elm Road, Leeds LS6 1AA")
    from dispatch import services

    services.unit_assign(actor=f.dispatcher(), unit=unit, incident=incident)
    return unit, incident


def test_pages_and_api_answers_with_intelligence_are_never_stored(client, api, committed):
    unit, incident = committed
    supervisor = api("SUPERVISOR")
    client.force_login(supervisor.user)
    answers = [
        supervisor.get(f"/api/v1/units/{unit.pk}/briefing/"),
        supervisor.get(f"/api/v1/incidents/{incident.pk}/"),
        supervisor.get("/api/v1/markers/"),
        supervisor.get("/api/v1/no-such-thing/"),
        client.get(f"/incidents/{incident.pk}/"),
        client.get(f"/dispatch/units/{unit.pk}/briefing/"),
        client.get("/markers/"),
        client.get("/intel/"),
    ]
    for response in answers:
        assert response.status_code in (200, 404), response.wsgi_request.path
        assert "no-store" in response["Cache-Control"], response.wsgi_request.path
    # Static files are served before the rule and stay cacheable.
    static = client.get("/static/css/controlroom.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_every_page_carries_a_strict_content_security_policy(client, make_staff):
    client.force_login(make_staff("SUPERVISOR"))
    for url in ("/", "/login/", "/incidents/", "/api/docs/"):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert "unsafe" not in policy
        assert directives["frame-ancestors"] == "'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def test_no_template_holds_an_inline_script_handler_or_style():
    offenders = []
    folders = [p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")]
    templates = [t for folder in folders for t in folder.glob("**/templates/**/*.html")]
    assert len(templates) > 40
    for template in templates:
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            if pattern.search(text):
                offenders.append(f"{template.relative_to(ROOT)}: {pattern.pattern}")
    assert offenders == []
