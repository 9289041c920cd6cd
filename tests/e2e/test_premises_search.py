"""A call handler finds the caller's premises in the register from the address box (Chromium)."""

import os

import pytest
from playwright.sync_api import expect

from premises.demo import seed_premises
from premises.models import Premises

SCREENSHOTS = os.environ.get("CAD_SCREENSHOTS", "")
FLAT_21A = "Flat 21A, Acacia House, 5 Mill Lane, Headingley, Leeds LS6 2AB"


@pytest.mark.django_db(transaction=True)
def test_a_handler_types_part_of_the_address_and_picks_the_premises_by_keyboard(
    login, page, make_staff
):
    seed_premises()
    flat = Premises.objects.get(sub_building="Flat 21A")
    login(make_staff("CALL_HANDLER"), target="/calls/new/")

    page.locator("#id_address").press_sequentially("21a acacia ho mill la", delay=20)
    options = page.locator("#premises-results [role=option]")
    expect(options.first).to_contain_text(FLAT_21A)
    expect(page.locator("#id_address")).to_have_attribute("aria-expanded", "true")
    page.locator("#id_address").press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/premises_search.png")
    page.locator("#id_address").press("Enter")

    expect(page.locator("#id_address")).to_have_value(FLAT_21A)
    expect(page.locator("input[name=uprn]")).to_have_value(str(flat.uprn))
    expect(page.locator("input[name=latitude]")).to_have_value("53.8196")
    expect(page.locator("input[name=longitude]")).to_have_value("-1.5765")
    expect(options).to_have_count(0)
    expect(page.locator("[data-premises-picked]")).to_contain_text(f"UPRN {flat.uprn}")


@pytest.mark.django_db(transaction=True)
def test_typing_over_a_picked_premises_clears_its_uprn(login, page, make_staff):
    seed_premises()
    login(make_staff("CALL_HANDLER"), target="/calls/new/")
    page.locator("#id_address").press_sequentially("red lion", delay=20)
    page.locator("#premises-results [role=option]").first.click()
    expect(page.locator("input[name=uprn]")).not_to_have_value("")

    page.locator("#id_address").press("Backspace")

    expect(page.locator("input[name=uprn]")).to_have_value("")
    expect(page.locator("[data-premises-picked]")).to_be_hidden()


@pytest.mark.django_db(transaction=True)
def test_picking_the_marked_flat_shows_the_marker_banner_and_saving_keeps_its_floor(
    login, page, make_staff, live_server
):
    from datetime import timedelta

    from django.utils import timezone

    from cad.models import Incident
    from riskflags.services import marker_create

    seed_premises()
    oic = make_staff("OIC", username="oic_e2e")
    now = timezone.now()
    marker_create(
        actor=oic,
        address="Flat 21A, Acacia House, 5 Mill Lane, Leeds LS6 2AB",
        victim_name="Anne Example",
        reason="Ex-partner threatened to kill her",
        grade_floor="IMMEDIATE",
        expires_at=now + timedelta(days=90),
        oic=oic,
        now=now,
    )
    login(make_staff("CALL_HANDLER"), target="/calls/new/")
    page.select_option("#id_channel", "101")
    page.fill("#id_narrative", "Music very loud next door")

    page.locator("#id_address").press_sequentially("21a acacia ho mill la", delay=20)
    page.locator("#premises-results [role=option]").first.click()

    banner = page.locator("#assessment .banner.danger", has_text="SPECIAL SCHEME MARKER")
    expect(banner).to_be_visible(timeout=10000)
    expect(banner).to_contain_text("Anne Example")
    expect(page.locator("#assess-minimum")).to_have_text("IMMEDIATE")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/premises_marker.png", full_page=True)

    page.click("#save-call")
    page.wait_for_url(f"{live_server.url}/incidents/*/")
    incident = Incident.objects.get()
    assert incident.premises.sub_building == "Flat 21A"
    assert incident.minimum_grade == "IMMEDIATE"
    assert incident.latitude == pytest.approx(53.8196)
