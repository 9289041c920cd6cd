"""An OIC tries to withdraw a marker without telling the victim, is refused, records the attempt
and then withdraws it."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from riskflags import services
from riskflags.models import Marker, MarkerStatus

SCREENSHOTS = os.environ.get("MARKER_SCREENSHOTS", "")


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_oic_is_refused_withdrawal_until_a_contact_attempt_is_recorded(
    login, page, make_staff, live_server
):
    oic = make_staff("OIC", username="olive_oic")
    now = timezone.now()
    marker = services.marker_create(
        actor=oic,
        address="12 Acacia Avenue, Leeds LS6 2AB",
        phone="07700 900123",
        victim_name="Anne Example",
        perpetrator_name="Brian Example",
        reason="Ex-husband threatened to kill her",
        expires_at=now + timedelta(days=60),
        starts_at=now - timedelta(days=100),
        oic=oic,
        now=now,
    )

    login(oic, target="/markers/mine/")
    _shot(page, "markers_mine")
    page.click(f"#my-markers a[href='/markers/{marker.pk}/'] >> nth=0")
    page.wait_for_url(f"{live_server.url}/markers/{marker.pk}/")
    assert page.locator(".banner.danger", has_text="ACTIVE SPECIAL SCHEME").is_visible()

    # Withdraw without a contact attempt: refused, nothing changed.
    page.fill("#withdraw-form textarea[name=reason]", "No further incidents")
    page.click("#withdraw-form button[type=submit]")
    error = page.locator("[data-testid=page-error]")
    error.wait_for()
    assert "no attempt to contact the victim" in error.inner_text()
    _shot(page, "marker_withdraw_refused")
    marker.refresh_from_db()
    assert marker.status == MarkerStatus.ACTIVE

    # Record the attempt (it failed: the attempt is the record).
    page.select_option("#contact-form select[name=purpose]", "WITHDRAWAL")
    page.select_option("#contact-form select[name=method]", "PHONE")
    page.select_option("#contact-form select[name=outcome]", "NO_ANSWER")
    page.fill("#contact-form textarea[name=notes]", "Rang twice, no answer")
    page.click("#contact-form button[type=submit]")
    page.locator(".msg.success", has_text="Contact attempt recorded").wait_for()
    assert page.locator("#contact-log", has_text="WITHDRAWAL").is_visible()

    # Now the withdrawal goes through, and the marker stays as history.
    page.fill("#withdraw-form textarea[name=reason]", "No further incidents")
    page.click("#withdraw-form button[type=submit]")
    page.locator(".banner.warning", has_text="WITHDRAWN").wait_for()
    _shot(page, "marker_withdrawn")
    assert Marker.objects.get(pk=marker.pk).status == MarkerStatus.WITHDRAWN
    assert page.locator("#marker-history", has_text="marker.withdrawn").is_visible()

    page.goto(f"{live_server.url}/markers/?show=withdrawn")
    assert page.locator("#marker-table", has_text="12 Acacia Avenue").is_visible()
    _shot(page, "markers_list_withdrawn")
