"""In the browser: a breached countdown is emphasised without ever vanishing (it used to blink
to `visibility: hidden` half of every second, so the cell was blank in screenshots), and with
prefers-reduced-motion it does not move at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import staff
from tests.monitoring.factories import make_incident

STYLE = """() => { const el = document.querySelector('.countdown.breached');
  const s = getComputedStyle(el);
  return [s.visibility, s.opacity, s.animationName, el.textContent.trim()]; }"""


@pytest.mark.django_db(transaction=True)
def test_a_breached_countdown_never_vanishes_and_keeps_still_on_request(login, page):
    incident = make_incident(received_at=timezone.now() - timedelta(minutes=30))
    login(staff("DISPATCHER"), target=f"/incidents/{incident.pk}/")
    page.wait_for_selector(".countdown.breached")

    seen = []
    for _ in range(8):  # across two flash periods, at uneven moments
        seen.append(page.evaluate(STYLE))
        page.wait_for_timeout(170)
    assert all(visibility == "visible" and opacity == "1" for visibility, opacity, _, _ in seen)
    assert all(text.startswith("BREACHED") for *_, text in seen)

    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(STYLE)[2] == "none"
