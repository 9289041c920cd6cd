import csv
import io
import re

import pytest
import time_machine
from django.urls import reverse

from reports.registry import REPORTS
from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def browser_as(client, make_staff):
    def _as(role):
        client.force_login(make_staff(role))
        return client

    return _as


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_report_page_has_a_chart_and_a_table(browser_as, name):
    f.incident(received_at=at(10, 10), arrived_after=30)

    response = browser_as("QA_REVIEWER").get(reverse("reports:report", args=[name]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<figure class="report-chart"' in html
    assert '<table class="report"' in html
    assert "Export CSV" in html


def test_bad_filters_show_the_message_on_the_page(browser_as):
    response = browser_as("SUPERVISOR").get(
        reverse("reports:report", args=["breaches"]),
        {"date_from": "2025-03-10", "date_to": "2025-03-01"},
    )

    assert response.status_code == 400
    assert "inverted" in response.content.decode()


def test_unknown_report_is_404(browser_as):
    response = browser_as("SUPERVISOR").get("/reports/nothing-here/")

    assert response.status_code == 404


def test_call_handler_cannot_open_reports(browser_as):
    assert browser_as("CALL_HANDLER").get(reverse("reports:index")).status_code == 403


def test_csv_export_has_every_row_and_neutralises_formulas(browser_as, make_staff):
    for hour in range(3):
        f.incident(received_at=at(10, hour + 8), arrived_after=30)
    handler = make_staff("CALL_HANDLER")
    downgraded = f.incident(
        received_at=at(11, 9), grade="PRIORITY", recommended_grade="IMMEDIATE", arrived_after=5
    )
    f.grade_change(
        incident=downgraded,
        at=at(11, 9, 1),
        to_grade="PRIORITY",
        by=handler,
        reason='=HYPERLINK("http://evil")',
    )
    client = browser_as("SUPERVISOR")

    breaches = client.get(reverse("reports:report_csv", args=["breaches"]))
    downgrades = client.get(
        reverse("reports:report_csv", args=["downgrades"]), {"table": "downgrades"}
    )

    assert breaches["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(breaches.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Incident" and len(rows) == 1 + 3
    rows = list(csv.reader(io.StringIO(b"".join(downgrades.streaming_content).decode("utf-8-sig"))))
    reason = rows[0].index("Reason")
    assert rows[1][reason].startswith("'=HYPERLINK")


def test_csv_of_an_unknown_table_is_400(browser_as):
    response = browser_as("SUPERVISOR").get(
        reverse("reports:report_csv", args=["breaches"]), {"table": "nope"}
    )

    assert response.status_code == 400


def test_divert_list_rows_open_the_incident_timeline_with_the_finding_form(browser_as):
    incident = f.incident(received_at=at(10, 10), domestic_abuse=True)
    f.divert(from_incident=incident, at=at(10, 10, 5))
    client = browser_as("QA_REVIEWER")

    listing = client.get(reverse("reports:diverts")).content.decode()
    timeline = client.get(reverse("reports:incident_timeline", args=[incident.pk])).content.decode()

    assert reverse("reports:incident_timeline", args=[incident.pk]) in listing
    assert "URGENT" in listing
    assert "Record a finding" in timeline
    assert incident.reference in timeline


def test_finding_posted_from_the_page_without_htmx_redirects_back(browser_as):
    incident = f.incident(received_at=at(10, 10))
    divert = f.divert(from_incident=incident, at=at(10, 10, 5))
    client = browser_as("QA_REVIEWER")

    response = client.post(
        reverse("reports:divert_finding", args=[divert.pk]),
        {"outcome": "APPROPRIATE", "notes": "", "incident": incident.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("reports:incident_timeline", args=[incident.pk])


def test_screens_replace_the_placeholders(browser_as):
    html = browser_as("QA_REVIEWER").get("/").content.decode()

    assert reverse("reports:index") in html
    assert reverse("reports:diverts") in html


def test_a_finding_with_a_non_ascii_digit_incident_redirects_to_the_list(browser_as):
    incident = f.incident(received_at=at(10, 10))
    divert = f.divert(from_incident=incident, at=at(10, 10, 5))
    client = browser_as("QA_REVIEWER")

    response = client.post(
        reverse("reports:divert_finding", args=[divert.pk]),
        {"outcome": "APPROPRIATE", "notes": "", "incident": "²"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("reports:diverts")


def test_a_count_chart_on_the_page_never_shows_a_fraction_of_a_divert(browser_as):
    incident = f.incident(received_at=at(10, 10))
    f.divert(from_incident=incident, at=at(10, 10, 5))

    html = browser_as("QA_REVIEWER").get(reverse("reports:diverts")).content.decode()

    chart = html[html.index('data-chart="outcomes"') :]
    chart = chart[: chart.index("</figure>")]
    y_axis = chart[chart.index('class="axis y') : chart.index('class="axis x')]
    ticks = re.findall(r"<text [^>]*>([^<]*)</text>", y_axis)
    assert ticks == ["0", "1"]
