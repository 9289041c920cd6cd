"""CSV exports open correctly in a spreadsheet: UTF-8 that Excel recognises, and datetimes that
say which side of a clock change they fall on."""

import codecs
import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.reports import factories as f
from tests.reports.conftest import NOW, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(client, make_staff):
    client.force_login(make_staff("SUPERVISOR"))
    return client


def _export(client, report: str, **params) -> bytes:
    response = client.get(reverse("reports:report_csv", args=[report]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def _rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_csv_starts_with_a_byte_order_mark_so_excel_reads_an_accented_name(supervisor):
    with time_machine.travel(NOW, tick=False):
        f.marker(starts_at=at(1, 9), victim_name="Siobhán Ní Bhriain")

        body = _export(supervisor, "markers", date_from="2025-03-01", date_to="2025-03-20")

    assert body.startswith(codecs.BOM_UTF8)
    assert body.count(codecs.BOM_UTF8) == 1
    assert "Siobhán Ní Bhriain".encode() in body
    assert [row["Victim"] for row in _rows(body)] == ["Siobhán Ní Bhriain"]


def test_the_repeated_autumn_hour_is_told_apart_by_its_utc_offset(supervisor):
    # 26 October 2025: clocks go back at 02:00 BST, so 01:30 in London happens twice.
    with time_machine.travel(datetime(2025, 10, 27, 12, 0, tzinfo=UTC), tick=False):
        before = f.incident(received_at=datetime(2025, 10, 26, 0, 30, tzinfo=UTC), arrived_after=30)
        after = f.incident(received_at=datetime(2025, 10, 26, 1, 30, tzinfo=UTC), arrived_after=30)

        rows = _rows(_export(supervisor, "breaches", date_from="2025-10-26", date_to="2025-10-26"))

    received = {row["Incident"]: row["Received"] for row in rows}
    assert received == {
        before.reference: "2025-10-26T01:30:00+01:00",
        after.reference: "2025-10-26T01:30:00+00:00",
    }
    targets = {row["Incident"]: row["Target"] for row in rows}
    assert targets[before.reference] == "2025-10-26T01:45:00+01:00"


def test_datetimes_in_summer_carry_the_bst_offset(supervisor):
    with time_machine.travel(datetime(2025, 7, 2, 12, 0, tzinfo=UTC), tick=False):
        f.incident(received_at=datetime(2025, 7, 1, 22, 10, tzinfo=UTC), arrived_after=30)

        rows = _rows(_export(supervisor, "breaches", date_from="2025-07-01", date_to="2025-07-02"))

    assert [row["Received"] for row in rows] == ["2025-07-01T23:10:00+01:00"]


def test_formulas_stay_neutralised_with_the_byte_order_mark(supervisor, make_staff):
    with time_machine.travel(NOW, tick=False):
        f.marker(starts_at=at(1, 9), victim_name="=cmd|' /C calc'!A0")
        f.marker(starts_at=at(2, 9), victim_name="@SUM(A1)")

        rows = _rows(_export(supervisor, "markers", date_from="2025-03-01", date_to="2025-03-20"))

    assert sorted(row["Victim"] for row in rows) == ["'=cmd|' /C calc'!A0", "'@SUM(A1)"]
