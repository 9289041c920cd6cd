"""A call handler takes the founding case's 999 call in Chromium."""

import os

import pytest
from playwright.sync_api import expect

from cad.models import Incident

FOUNDING_NARRATIVE = (
    "Someone's buzzing at my door, don't know who it is. Caller says she and her ex-husband "
    "went through a bit of a domestic violence case last year. Loud banging at the door now."
)
SCREENSHOTS = os.environ.get("CAD_SCREENSHOTS", "")


@pytest.mark.django_db(transaction=True)
def test_a_handler_typing_the_founding_narrative_sees_da_and_immediate_before_saving(
    login, page, make_staff, live_server
):
    handler = make_staff("CALL_HANDLER", username="ann_handler")
    login(handler, target="/calls/new/")

    page.fill("#id_caller_phone", "+44 7700 900123")
    page.fill("#id_caller_name", "Anne Example")
    page.fill("#id_address", "12 Acacia Avenue, Leeds, LS6 2AB")
    page.locator("#id_narrative").press_sequentially(FOUNDING_NARRATIVE, delay=2)

    expect(page.locator("#assess-da")).to_have_text("DA: YES", timeout=10000)
    expect(page.locator("#assess-recommended")).to_have_text("IMMEDIATE")
    expect(page.locator("#id_domestic_abuse")).to_be_checked()
    assert page.locator("#assessment mark").count() >= 1
    assert not Incident.objects.exists()  # nothing recorded while typing
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/call_taking.png", full_page=True)

    page.locator("#id_narrative").press("Control+Enter")
    page.wait_for_url(f"{live_server.url}/incidents/*/")
    created = Incident.objects.get()
    assert (created.grade, created.domestic_abuse) == ("IMMEDIATE", True)
    assert created.graded_by == handler
    expect(page.locator(".incident-head .badge.da")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/incident.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_saving_a_call_then_one_keystroke_grades_it(login, page, make_staff, live_server):
    handler = make_staff("CALL_HANDLER", username="bo_handler")
    login(handler, target="/calls/new/")
    page.fill("#id_caller_phone", "0113 496 0000")
    page.fill("#id_narrative", "Shed broken into overnight, tools taken")
    page.select_option("#id_channel", "101")
    page.click("#save-call")
    page.wait_for_url(f"{live_server.url}/incidents/*/")
    created = Incident.objects.get()
    assert created.graded_by is None

    expect(page.locator("#id_grade")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".msg.success")).to_contain_text("Graded")
    created.refresh_from_db()
    assert created.graded_by == handler
