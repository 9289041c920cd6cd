"""In the browser: a dispatcher assigns a unit and diverts it, the controller approves, the
inspector assigns another unit, and the original incident shows the DIVERT tag and the new unit."""

import pytest
from django.utils import timezone

from tests.dispatch import unit_factories as f
from tests.factories import staff

SHOTS = "/tmp"


def _logout(page, live_server):
    page.click("text=Log out")
    page.wait_for_url(f"{live_server.url}/login/")


@pytest.mark.django_db(transaction=True)
def test_divert_review_and_replacement_in_the_browser(page, login, live_server):
    dispatcher = staff("DISPATCHER", username="dee_dispatcher")
    controller = staff("CONTROLLER", username="cal_controller")
    inspector = staff("INSPECTOR", username="ivy_inspector")
    f.unit(call_sign="BX21", latitude=53.8200, longitude=-1.5800)
    f.unit(call_sign="BX22", latitude=53.8300, longitude=-1.5900)
    now = timezone.now()
    original = f.incident(
        domestic_abuse=True,
        marker=True,
        narrative="Someone's buzzing at my door, don't know who it is.",
        address="12 Acacia Avenue, Leeds LS6 2AB",
        latitude=53.8210,
        longitude=-1.5810,
        received_at=now - timezone.timedelta(minutes=4),
    )
    knife = f.incident(
        narrative="Two men fighting outside the pub, one has a knife",
        address="Red Lion, 1 High Street, Leeds",
        latitude=53.8000,
        longitude=-1.5500,
    )

    # The dispatcher works the outstanding list from the keyboard and assigns the nearest unit.
    login(dispatcher, target="/dispatch/outstanding/")
    rows = page.locator("#outstanding tbody tr[data-id]")
    assert rows.first.get_attribute("data-id") == str(original.pk)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.locator("#actions-side button[data-call-sign=BX21]").click()
    page.locator("#actions-side .units-on").get_by_text("BX21").wait_for()

    # The knife call comes in: BX21 is diverted to it, with a reason.
    page.goto(f"{live_server.url}/dispatch/incidents/{knife.pk}/")
    page.locator("details.divert-box summary").click()
    page.select_option(f"#divert-unit-{knife.pk}", index=0)
    page.fill(f"#divert-reason-{knife.pk}", "Knife incident, higher risk")
    page.click(f"text=Divert to {knife.reference}")
    page.locator(".units-on").get_by_text("BX21").wait_for()
    page.goto(f"{live_server.url}/dispatch/outstanding/")
    assert rows.first.get_attribute("data-id") == str(original.pk)
    assert rows.first.locator(".badge.divert").is_visible()
    page.screenshot(path=f"{SHOTS}/dispatch_outstanding.png", full_page=True)
    _logout(page, live_server)

    # The controller compares the two incidents side by side and approves.
    login(controller, target="/dispatch/diverts/")
    card = page.locator(".review-card").first
    assert original.reference in card.inner_text() and knife.reference in card.inner_text()
    page.screenshot(path=f"{SHOTS}/dispatch_divert_review.png", full_page=True)
    card.locator("input[name=note]").fill("Knife call first")
    card.locator("button[value=APPROVE]").click()
    page.get_by_text("No divert is waiting for review.").wait_for()
    _logout(page, live_server)

    # The inspector sees available units nearest first and assigns BX22.
    login(inspector, target="/dispatch/inspector/")
    task = page.locator(".task-card").first
    assert original.reference in task.inner_text()
    page.screenshot(path=f"{SHOTS}/dispatch_inspector.png", full_page=True)
    task.locator("button[data-call-sign=BX22]").click()
    page.get_by_text("No open inspector task.").wait_for()

    # The original incident shows the DIVERT tag and the new unit.
    page.goto(f"{live_server.url}/dispatch/incidents/{original.pk}/")
    panel = page.locator(".actions-panel")
    assert panel.locator(".badge.divert").is_visible()
    assert "BX22" in panel.locator(".units-on").inner_text()
    page.screenshot(path=f"{SHOTS}/dispatch_incident.png", full_page=True)
