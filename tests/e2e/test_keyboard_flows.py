"""The three busy roles' flows with the keyboard only, in Chromium: a dispatcher assigns a unit
from the outstanding list, a dispatcher acknowledges an alert on the board, a call handler
creates a call; and the `?` overlay lists the shortcuts and closes with Escape. After logging
in (the login form), not one click."""

import pytest
from playwright.sync_api import expect

from cad.models import Incident
from dispatch.models import Assignment
from monitoring.models import Alert, AlertStatus
from monitoring.services import scan_response_times
from tests.dispatch import unit_factories as f
from tests.factories import staff


def _active(page, expression="document.activeElement.outerHTML"):
    return page.evaluate(expression)


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_assigns_a_unit_from_the_list_with_keys_only(page, login):
    dispatcher = staff("DISPATCHER")
    incident = f.incident(latitude=53.80, longitude=-1.55)
    f.unit(call_sign="BX21", latitude=53.801, longitude=-1.55)
    f.unit(call_sign="BX22", latitude=53.81, longitude=-1.55)
    f.unit(call_sign="BX23", latitude=53.83, longitude=-1.55)
    login(dispatcher, target="/dispatch/outstanding/")

    page.keyboard.press("j")
    page.keyboard.press("Enter")
    panel = page.locator(f"#actions-side .actions-panel[data-incident='{incident.pk}']")
    panel.wait_for()
    expect(panel.locator("button[data-call-sign=BX21]")).to_be_focused()
    page.keyboard.press("3")
    expect(panel.locator("button[data-call-sign=BX23]")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(panel.locator("button[data-call-sign=BX22]")).to_be_focused()
    page.keyboard.press("Enter")

    page.locator("#actions-side .units-on").get_by_text("BX22").wait_for()
    assignment = Assignment.objects.get(incident=incident)
    assert assignment.unit.call_sign == "BX22"
    page.keyboard.press("Escape")
    expect(page.locator("#actions-side .actions-panel")).to_have_count(0)
    expect(page.locator(f"#outstanding tr[data-id='{incident.pk}']")).to_be_focused()


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_acknowledges_an_alert_with_keys_only(page, login):
    from datetime import timedelta

    from django.utils import timezone

    from tests.monitoring.factories import make_incident

    make_incident(received_at=timezone.now() - timedelta(minutes=20))
    scan_response_times()
    alert = Alert.objects.get(status=AlertStatus.OPEN)
    login(staff("DISPATCHER"), target="/monitoring/alerts/")

    page.keyboard.press("j")
    row = page.locator(f"tr.alert-row[data-alert-id='{alert.pk}']")
    expect(row).to_be_focused()
    page.keyboard.press("a")

    page.locator(f".alert-table.acknowledged tr[data-alert-id='{alert.pk}']").wait_for()
    alert.refresh_from_db()
    assert alert.status != AlertStatus.OPEN and alert.acknowledged_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_call_handler_creates_a_call_with_keys_only(page, login, live_server):
    handler = staff("CALL_HANDLER")
    login(handler, target="/calls/new/")

    expect(page.locator("#id_caller_phone")).to_be_focused()
    page.keyboard.type("0113 496 0000")
    page.keyboard.press("Alt+c")
    expect(page.locator("#id_caller_name")).to_be_focused()
    page.keyboard.type("Sam Example")
    page.keyboard.press("Alt+a")
    expect(page.locator("#id_address")).to_be_focused()
    page.keyboard.type("27 Church Road, Ilkley LS29 9AA")
    page.keyboard.press("Escape")
    page.keyboard.press("Alt+n")
    expect(page.locator("#id_narrative")).to_be_focused()
    page.keyboard.type("Shed broken into overnight, lawnmower and tools taken.")
    page.keyboard.press("Control+Enter")

    # Saving runs the grading and the intelligence checks: slow on a loaded machine.
    page.wait_for_url(f"{live_server.url}/incidents/*/", timeout=60000)
    created = Incident.objects.get()
    assert "lawnmower" in created.narrative and created.graded_by == handler


@pytest.mark.django_db(transaction=True)
def test_question_mark_lists_the_shortcuts_of_the_screen_and_escape_closes_it(page, login):
    login(staff("DISPATCHER", "CALL_HANDLER"), target="/dispatch/outstanding/")

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    assert "Assignment panel" in dialog.inner_text() and "Pick the unit" in dialog.inner_text()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.goto(page.url.replace("/dispatch/outstanding/", "/calls/new/"))
    page.locator("#id_narrative").focus()
    page.keyboard.press("?")  # typed into the narrative, not a shortcut there
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.keyboard.press("Escape")
