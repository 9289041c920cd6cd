"""Benchmark (PostgreSQL): every report page over a year of synthetic data.

    make bench ARGS="tests/perf/test_reports.py" TEST_DB_NAME=h_reports_bench TEST_REDIS_DB=8

REPORTS_BENCH_INCIDENTS sets the size (default 500,000 incidents, with ~600,000 contacts,
~540,000 grade changes, breach alerts, diverts, markers and two shifts a day). Each report page
(HTML: selectors, chart and first page of rows) is requested REPORTS_BENCH_RUNS times for the
default 30-day range and for the whole year; p50/p95 are printed. The test database is dropped
at the end of the run (pytest-django, no --reuse-db)."""

import os
import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from reports.registry import REPORTS
from reports.synthetic import generate
from tests.factories import staff

INCIDENTS = int(os.environ.get("REPORTS_BENCH_INCIDENTS", "500000"))
RUNS = int(os.environ.get("REPORTS_BENCH_RUNS", "12"))
TARGET_P95_SECONDS = 1.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@pytest.mark.bench
@pytest.mark.django_db
def test_report_pages_over_a_year_of_data():
    assert connection.vendor == "postgresql", "the report benchmark runs on PostgreSQL"
    now = timezone.now()
    started = time.perf_counter()
    counts = generate(incidents=INCIDENTS, end=now)
    generated_in = time.perf_counter() - started
    print(
        f"\nGenerated in {generated_in:.0f} s: {counts.incidents:,} incidents, "
        f"{counts.contacts:,} contacts, {counts.grade_changes:,} grade changes, "
        f"{counts.grade_requests:,} refused sign-offs, {counts.alerts:,} breach alerts, "
        f"{counts.diverts:,} diverts, {counts.markers:,} markers, {counts.shifts:,} shifts"
    )
    client = Client()
    client.force_login(staff("QA_REVIEWER", "SUPERVISOR", username="bench_reviewer"))
    today = timezone.localdate(now)
    ranges = {
        "30 days": {},
        "1 year": {"date_from": (today.replace(year=today.year - 1)).isoformat()},
    }
    print(f"\n{'report':<16}{'range':<9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  rows")
    worst = 0.0
    for name in REPORTS:
        url = f"/reports/{name}/"
        for label, params in ranges.items():
            timings = []
            for _ in range(RUNS):
                begin = time.perf_counter()
                response = client.get(url, params)
                timings.append(time.perf_counter() - begin)
                assert response.status_code == 200, response.content[:500]
            api = client.get(f"/api/v1/reports/{name}/", params).json()
            rows = max(table["total"] for table in api["tables"])
            p95 = _p95(timings)
            worst = max(worst, p95)
            print(
                f"{name:<16}{label:<9}{statistics.median(timings) * 1000:>9.0f}"
                f"{p95 * 1000:>9.0f}{max(timings) * 1000:>9.0f}  {rows:,}"
            )
    print(
        f"\nWorst p95: {worst * 1000:.0f} ms (target {TARGET_P95_SECONDS * 1000:.0f} ms) at "
        f"{INCIDENTS:,} incidents, {RUNS} runs per report and range."
    )
