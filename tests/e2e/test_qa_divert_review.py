from datetime import timedelta

import pytest
from django.utils import timezone

from tests.reports import factories as f


@pytest.mark.django_db(transaction=True)
def test_qa_reviewer_records_a_finding_and_sees_it_counted(login, page, make_staff, live_server):
    reviewer = make_staff("QA_REVIEWER", username="quinn_qa")
    now = timezone.now()
    incident = f.incident(received_at=now - timedelta(hours=3), domestic_abuse=True)
    f.divert(from_incident=incident, at=now - timedelta(hours=3) + timedelta(minutes=4))
    covered = f.incident(received_at=now - timedelta(hours=2), grade="PRIORITY", arrived_after=9)
    f.divert(from_incident=covered, at=now - timedelta(hours=2) + timedelta(minutes=2))

    login(reviewer, target="/reports/diverts/")
    assert page.locator('.figure[data-key="unreviewed"] dd').inner_text() == "2"
    assert page.locator('.figure[data-key="reviewed"] dd').inner_text() == "0"
    assert page.locator("tr.urgent").count() == 1
    page.screenshot(path="/tmp/qa_divert_list.png", full_page=True)

    page.click(f"text={incident.reference}")
    page.wait_for_url(f"**/reports/incidents/{incident.pk}/timeline/")
    card = page.locator(".divert-card").first
    assert "UNREVIEWED" in card.inner_text()
    card.get_by_label("Not appropriate").check()
    card.locator("textarea[name=notes]").fill("DA Immediate call left without a unit.")
    card.get_by_role("button", name="Record finding").click()
    page.wait_for_selector(".divert-card .banner.info")
    assert "Not appropriate" in page.locator(".divert-card .finding-current").inner_text()
    page.screenshot(path="/tmp/qa_timeline.png", full_page=True)

    page.goto(f"{live_server.url}/reports/diverts/")
    assert page.locator('.figure[data-key="reviewed"] dd').inner_text() == "1"
    assert page.locator('.figure[data-key="unreviewed"] dd').inner_text() == "1"
    assert page.locator('.figure[data-key="not_appropriate"] dd').inner_text() == "1"
    assert page.locator("tr.urgent").count() == 0


@pytest.mark.django_db(transaction=True)
def test_supervisor_opens_a_report_and_filters_it(login, page, make_staff, live_server):
    supervisor = make_staff("SUPERVISOR", username="sam_supervisor")
    now = timezone.now()
    for hours, arrived in ((30, 10), (28, 25), (26, 5), (5, None)):
        f.incident(received_at=now - timedelta(hours=hours), arrived_after=arrived)
    f.incident(
        received_at=now - timedelta(hours=20), grade="PRIORITY", target_minutes=60, arrived_after=40
    )

    login(supervisor, target="/reports/response-times/")
    assert page.locator(".report-chart svg g.bar rect").count() > 0
    page.screenshot(path="/tmp/report_response_times.png", full_page=True)
    page.select_option("#f-grade", "PRIORITY")
    page.click("text=Apply")
    page.wait_for_url("**grade=PRIORITY**")
    assert page.locator('.figure[data-key="incidents"] dd').inner_text() == "1"
