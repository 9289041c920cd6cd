import pytest
import time_machine

from reports.registry import REPORTS
from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_report_is_json_with_summary_charts_and_tables(api, name):
    client = api("SUPERVISOR")

    response = client.get(f"/api/v1/reports/{name}/", {"date_from": "2025-03-01"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["report"] == name
    assert body["filters"]["date_from"] == "2025-03-01"
    assert body["filters"]["date_to"] == "2025-03-20"
    assert body["summary"] and body["charts"] and body["tables"]


def test_report_rows_carry_iso_times_with_offset(api):
    f.incident(received_at=at(10, 10), arrived_after=30)

    body = api("QA_REVIEWER").get("/api/v1/reports/breaches/").json()

    (row,) = body["tables"][0]["rows"]
    assert row["received_at"] == "2025-03-10T10:00:00+00:00"
    assert row["minutes_late"] == 15.0
    assert body["tables"][0]["total"] == 1


def test_paging_limits_rows_but_not_the_total(api):
    for hour in (8, 9, 10):
        f.incident(received_at=at(10, hour), arrived_after=30)

    body = api("INSPECTOR").get("/api/v1/reports/breaches/", {"limit": 2, "offset": 1}).json()

    table = body["tables"][0]
    assert (table["total"], len(table["rows"]), table["offset"], table["limit"]) == (3, 2, 1, 2)


@pytest.mark.parametrize(
    "params, code, words",
    [
        ({"date_from": "last tuesday"}, "invalid_date", "YYYY-MM-DD"),
        ({"date_to": "2025-02-30"}, "invalid_date", "date_to"),
        ({"date_from": "2025-03-10", "date_to": "2025-03-01"}, "inverted_range", "inverted"),
        ({"date_from": "2024-01-01", "date_to": "2025-01-01"}, "range_too_long", "367 days"),
        ({"colour": "red"}, "unknown_filter", "colour"),
        ({"grade": "URGENT"}, "invalid_grade", "IMMEDIATE"),
        ({"area": "SUBURBAN"}, "invalid_area", "URBAN"),
        ({"opening_code": "NO_SUCH_CODE"}, "invalid_opening_code", "NO_SUCH_CODE"),
        ({"domestic_abuse": "maybe"}, "invalid_boolean", "true or false"),
        ({"limit": "lots"}, "invalid_paging", "limit"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(api, params, code, words):
    response = api("SUPERVISOR").get("/api/v1/reports/response-times/", params)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert words in response.json()["detail"]


def test_a_filter_that_does_not_apply_to_the_report_is_refused(api):
    response = api("ADMIN").get("/api/v1/reports/staffing/", {"area": "URBAN"})

    assert response.status_code == 400
    assert "area" in response.json()["detail"]
    assert "date_from, date_to, role" in response.json()["detail"]


def test_exactly_366_days_is_allowed(api):
    response = api("SUPERVISOR").get(
        "/api/v1/reports/contacts/", {"date_from": "2024-03-20", "date_to": "2025-03-20"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("role", ["CALL_HANDLER", "DISPATCHER", "OFFICER", "OIC"])
def test_roles_outside_review_cannot_read_reports(api, role):
    assert api(role).get("/api/v1/reports/breaches/").status_code == 403


def test_reports_need_authentication(anon_api):
    assert anon_api.get("/api/v1/reports/breaches/").status_code == 401


def test_qa_reviewer_records_a_finding_through_the_api(api):
    divert = f.divert(from_incident=f.incident(received_at=at(10, 10)), at=at(10, 10, 5))
    client = api("QA_REVIEWER")

    response = client.post(
        f"/api/v1/reports/diverts/{divert.pk}/findings/",
        {"outcome": "LEARNING_IDENTIFIED", "notes": "Inspector task opened late"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["recorded_by"] == client.user.username
    detail = client.get(f"/api/v1/reports/diverts/{divert.pk}/").json()
    assert detail["finding"] == "LEARNING_IDENTIFIED"
    assert len(detail["findings"]) == 1
    report = client.get("/api/v1/reports/diverts/").json()
    reviewed = next(s for s in report["summary"] if s["key"] == "reviewed")
    assert reviewed["value"] == 1


def test_finding_without_required_notes_is_a_400_and_nothing_is_written(api):
    divert = f.divert(from_incident=f.incident(received_at=at(10, 10)), at=at(10, 10, 5))

    response = api("QA_REVIEWER").post(
        f"/api/v1/reports/diverts/{divert.pk}/findings/",
        {"outcome": "NOT_APPROPRIATE"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "notes_required"


def test_only_qa_reviewers_write_findings(api):
    divert = f.divert(from_incident=f.incident(received_at=at(10, 10)), at=at(10, 10, 5))

    response = api("SUPERVISOR").post(
        f"/api/v1/reports/diverts/{divert.pk}/findings/",
        {"outcome": "APPROPRIATE"},
        format="json",
    )

    assert response.status_code == 403


def test_urgent_flag_through_the_api(api):
    divert = f.divert(from_incident=f.incident(received_at=at(10, 10)), at=at(10, 10, 5))

    response = api("QA_REVIEWER").post(
        f"/api/v1/reports/diverts/{divert.pk}/urgent/",
        {"urgent": True, "reason": "Family complaint"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["urgent"] is True


def test_missing_divert_is_404(api):
    assert api("QA_REVIEWER").get("/api/v1/reports/diverts/999999/").status_code == 404


def test_report_index_lists_every_report(api):
    body = api("SUPERVISOR").get("/api/v1/reports/").json()

    assert {r["name"] for r in body} == set(REPORTS)


def test_openapi_schema_documents_each_report_and_its_filters(api):
    response = api("ADMIN").get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    for name in REPORTS:
        assert f"/api/v1/reports/{name}/" in paths
    parameters = {p["name"] for p in paths["/api/v1/reports/contacts/"]["get"]["parameters"]}
    assert {"date_from", "date_to", "grade", "area", "opening_code", "channel"} <= parameters
    assert "/api/v1/reports/diverts/{id}/findings/" in paths
