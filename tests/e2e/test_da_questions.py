"""The safety net in Chromium: a narrative the words cannot settle brings up the DA questions;
the handler answers them from the keyboard and sees the recommended grade change."""

import os

import pytest
from playwright.sync_api import expect

from cad.models import Incident

# An ex-partner, but nothing in the words says he is doing anything abusive: neither the rules
# nor the text model can settle it.
NARRATIVE = "My ex-husband hasn't brought the kids back from school and isn't answering his phone."
SCREENSHOTS = os.environ.get("CAD_SCREENSHOTS", "")


@pytest.mark.django_db(transaction=True)
def test_a_handler_answers_the_da_questions_by_keyboard_and_the_grade_rises(
    login, page, make_staff, live_server
):
    handler = make_staff("CALL_HANDLER", username="dee_handler")
    login(handler, target="/calls/new/")
    page.fill("#id_caller_phone", "+44 7700 900456")
    page.select_option("#id_channel", "101")
    page.locator("#id_narrative").press_sequentially(NARRATIVE, delay=2)

    questions = page.locator("#da-questions")
    expect(questions).to_be_visible(timeout=10000)
    expect(questions).to_contain_text("Possible domestic abuse: ask")
    expect(questions.locator("[data-da-why]")).to_contain_text("ex-husband")
    expect(page.locator("#assess-da")).to_have_text("DA: no")
    before = page.locator("#assess-recommended").inner_text()
    assert before != "IMMEDIATE"
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/da_questions_asked.png")

    page.keyboard.press("Alt+q")
    expect(page.locator("#id_da_connection_0")).to_be_focused()
    page.keyboard.press("y")  # partner, ex-partner or relative
    page.keyboard.press("y")  # there now, or trying to get in
    page.keyboard.press("u")  # violence before: unknown
    page.keyboard.press("n")  # order or bail: no
    page.keyboard.press("y")  # afraid

    expect(page.locator("#assess-recommended")).to_have_text("IMMEDIATE", timeout=10000)
    expect(page.locator("#assess-da")).to_have_text("DA: YES")
    expect(page.locator("#id_domestic_abuse")).to_be_checked()
    expect(page.locator("#risk-strip")).to_contain_text("PRESENT DANGER")
    expect(questions).to_be_visible()  # answered questions stay on screen
    expect(page.locator("[name=thrive_threat]")).to_have_value(
        "Partner, ex-partner or relative (handler's question): handler's answer: yes\n"
        "There now or trying to get in (handler's question): handler's answer: yes",
        timeout=10000,
    )
    expect(page.locator("[name=thrive_risk_level]")).to_have_value("HIGH")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/da_questions_answered.png")

    page.locator("#id_thrive_vulnerability").fill("Staying at her mum's; her mum is 80.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{live_server.url}/incidents/*/")
    created = Incident.objects.get()
    assert created.da_answers == {
        "connection": "yes",
        "present": "yes",
        "violence": "unknown",
        "order": "no",
        "afraid": "yes",
    }
    assert (created.grade, created.domestic_abuse) == ("IMMEDIATE", True)
    thrive = created.thrive_current
    assert (thrive.status, thrive.recorded_by) == ("EDITED", handler)
    assert thrive.vulnerability == "Staying at her mum's; her mum is 80."
    assert "handler's answer: yes" in thrive.threat
    expect(page.locator("#thrive")).to_contain_text("Staying at her mum's")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/incident_thrive.png", full_page=True)
