"""Intelligence screens in a real browser: a search shows court orders and MARAC first, with why
each item matched; the support operator takes a request from the queue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intelligence.services import check_request_create, intel_record_create
from tests.factories import staff

ADDRESS = "12 Acacia Avenue, Leeds LS6 2AB"


@pytest.mark.django_db(transaction=True)
def test_a_call_handler_searches_a_number_and_sees_the_court_order_first(page, login):
    now = timezone.now()
    for kind, days in (("DA_CRIME", 200), ("MARAC", 150), ("DVDS", 190)):
        intel_record_create(
            actor=None,
            kind=kind,
            summary=f"{kind}: Brian Example and Anne Example",
            occurred_at=now - timedelta(days=days),
            names=["Anne Example", "Brian Example"],
            phones=["07700 900123"],
            addresses=[ADDRESS],
        )
    intel_record_create(
        actor=None,
        kind="COURT_ORDER",
        summary="Non-molestation order: Brian Example must not contact Anne Example",
        occurred_at=now - timedelta(days=100),
        expires_at=now + timedelta(days=200),
        protected_person="Anne Example",
        restricted_person="Brian Example",
        addresses=[ADDRESS],
    )
    login(staff("CALL_HANDLER"), target="/intel/")

    page.fill("#id_phone", "07700 900123")
    page.fill("#id_address", "12 acacia ave leeds ls6 2ab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".intel-result")

    banners = page.locator(".intel-result .banner.danger").all_inner_texts()
    assert banners[0].startswith("LIVE COURT ORDER")
    assert any(b.startswith("MARAC") for b in banners)
    kinds = page.locator(".intel-table tr[data-kind]").evaluate_all(
        "rows => rows.map(r => r.dataset.kind)"
    )
    assert kinds[:2] == ["COURT_ORDER", "MARAC"]
    assert "phone +447700900123" in page.inner_text(".intel-result")
    page.screenshot(path="/tmp/intel_search.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_support_operator_takes_a_request_and_records_the_outcome(page, login):
    request = check_request_create(
        actor=staff("CALL_HANDLER"), subject="Brian Example", systems="PNC", reason="Bail?"
    )
    login(staff("SUPPORT_OPERATOR"), target="/intel/queue/")

    page.click(f"tr[data-request='{request.pk}'] button:has-text('Take')")
    page.screenshot(path="/tmp/intel_queue_open.png", full_page=True)
    page.wait_for_selector(f"tr[data-request='{request.pk}'] :text('In progress')")
    page.select_option(f"#outcome-{request.pk}", "INFORMATION_FOUND")
    page.fill(f"#note-{request.pk}", "PNC: on bail, not to contact Anne Example")
    page.click(f"tr[data-request='{request.pk}'] button:has-text('Record outcome')")
    page.wait_for_selector(f"tr[data-request='{request.pk}']", state="detached")

    page.goto(page.url.split("?")[0] + "?show=all")
    assert "Done" in page.inner_text(f"tr[data-request='{request.pk}']")
    page.screenshot(path="/tmp/intel_queue.png", full_page=True)
    request.refresh_from_db()
    assert request.status == "DONE" and "on bail" in request.outcome_note
