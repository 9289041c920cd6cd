"""Benchmarks (PostgreSQL): the outstanding list with 5,000 open incidents and 1,000 units, and
assignment throughput under 20 concurrent clients. Run with
`make bench ARGS="tests/perf/test_outstanding.py" TEST_DB_NAME=h_dispatch TEST_REDIS_DB=6`."""

import os
import statistics
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.clock import target_for
from cad.models import Grade, Incident, IncidentStatus, IncidentTag
from dispatch import services
from dispatch.models import Assignment, Unit, UnitStatus
from tests.factories import staff

INCIDENTS = 5_000
# Timed pages through the server (BENCH_PAGES): more for a steadier p50, or to attach a profiler.
PAGES = int(os.environ.get("BENCH_PAGES", 200))
UNITS = 1_000
REQUESTS = 60
CLIENTS = 20
ASSIGNMENTS_PER_CLIENT = 25


def _seed(now):
    grades = Grade.values
    incidents = [
        Incident(
            reference=f"BENCH-{n:06d}",
            channel="999",
            received_at=now - timedelta(seconds=n * 7),
            area="RURAL" if n % 9 == 0 else "URBAN",
            address=f"{n} Bench Street, Leeds",
            narrative=f"Bench incident {n}: " + "words " * 60,
            grade=grades[n % len(grades)],
            recommended_grade=grades[n % len(grades)],
            minimum_grade=grades[-1],
            domestic_abuse=n % 5 == 0,
            assessment={"context_floor": "IMMEDIATE"} if n % 11 == 0 else {},
            target_response_at=target_for(
                grades[n % len(grades)], "URBAN", now - timedelta(seconds=n * 7)
            ),
            status=IncidentStatus.OPEN,
        )
        for n in range(INCIDENTS)
    ]
    Incident.objects.bulk_create(incidents, batch_size=1000)
    created = list(Incident.objects.filter(reference__startswith="BENCH-").order_by("id"))
    IncidentTag.objects.bulk_create(
        [IncidentTag(incident=i, tag="DIVERT", added_at=now) for i in created[::13]]
    )
    # The tag service keeps this flag; a bulk insert sets it itself.
    Incident.objects.filter(pk__in=[i.pk for i in created[::13]]).update(divert_tagged=True)
    Unit.objects.bulk_create(
        [
            Unit(
                call_sign=f"BU{n:04d}",
                latitude=53.7 + (n % 100) / 500,
                longitude=-1.6 + (n // 100) / 200,
                status=UnitStatus.AVAILABLE,
                status_changed_at=now,
                created_at=now,
            )
            for n in range(UNITS)
        ],
        batch_size=1000,
    )
    return created


def _p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_outstanding_first_page_and_assignment_throughput(api):
    now = timezone.now()
    incidents = _seed(now)
    actor = staff("DISPATCHER")
    # A few hundred incidents already have a unit on the way (RESOURCED rows with units).
    units = list(Unit.objects.order_by("id"))
    for unit, incident in zip(units[:300], incidents[:300], strict=False):
        services.unit_assign(actor=actor, unit=unit, incident=incident)
    client = api("DISPATCHER")
    client.get("/api/v1/incidents/outstanding/")  # warm up

    timings, queries = [], set()
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get("/api/v1/incidents/outstanding/")
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        queries.add(len(ctx.captured_queries))
    filtered = []
    for _ in range(20):
        start = time.perf_counter()
        client.get("/api/v1/incidents/outstanding/?grade=PRIORITY&area=URBAN")
        filtered.append((time.perf_counter() - start) * 1000)

    print(
        f"\noutstanding list, {INCIDENTS} open incidents, {UNITS} units, first page of 50: "
        f"p50 {statistics.median(timings):.1f} ms, p95 {_p(timings, 0.95):.1f} ms, "
        f"max {max(timings):.1f} ms; queries per request {sorted(queries)}; "
        f"filtered p95 {_p(filtered, 0.95):.1f} ms"
    )
    assert len(queries) == 1

    # Assignment throughput: 20 concurrent clients, each assigning its own free units to
    # incidents, plus contention on shared units.
    free_units = units[300 : 300 + CLIENTS * ASSIGNMENTS_PER_CLIENT]
    open_incidents = incidents[300 : 300 + CLIENTS * ASSIGNMENTS_PER_CLIENT]
    latencies, conflicts, errors = [], [0], []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def worker(index):
        mine = range(index, len(free_units), CLIENTS)
        try:
            barrier.wait()
            for k in mine:
                start = time.perf_counter()
                try:
                    services.unit_assign(
                        actor=actor, unit=free_units[k], incident=open_incidents[k]
                    )
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        errors.append(repr(exc))
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                # and one contended attempt on a unit everyone wants
                try:
                    services.unit_assign(actor=actor, unit=units[0], incident=open_incidents[k])
                except Exception:  # noqa: BLE001
                    with lock:
                        conflicts[0] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    done = len(latencies) - len(errors)
    print(
        f"assignment throughput, {CLIENTS} concurrent clients: {done} assignments in "
        f"{wall:.2f} s = {done / wall:.0f}/s (plus {conflicts[0]} refused contended attempts); "
        f"latency p50 {statistics.median(latencies):.1f} ms, p95 {_p(latencies, 0.95):.1f} ms"
    )
    assert not errors
    assert conflicts[0] == CLIENTS * ASSIGNMENTS_PER_CLIENT
    assert Assignment.objects.filter(unit=units[0], status="ASSIGNED").count() == 1


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_outstanding_first_page_through_the_server():
    """The first page (50) of the outstanding list at 5,000 open incidents through the real
    server (`tests/perf/server.py`: what `make stack` runs, one keep-alive connection), and the
    plan of its query."""
    from core.services import token_for
    from tests.perf.server import running_server, server_label, summary

    now = timezone.now()
    incidents = _seed(now)
    actor = staff("DISPATCHER")
    units = list(Unit.objects.order_by("id"))
    for unit, incident in zip(units[:300], incidents[:300], strict=False):
        services.unit_assign(actor=actor, unit=unit, incident=incident)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cad_incident; ANALYZE dispatch_assignment; ANALYZE cad_incidenttag")
    from dispatch import selectors

    sql, params = selectors.incidents_outstanding()[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    print("\nEXPLAIN ANALYZE, first page of the outstanding list:")
    for line in plan:
        print("   " + line)
    with running_server() as server:
        client = server.client(token_for(user=actor))
        for _ in range(20):
            client.get("/api/v1/incidents/outstanding/")
        timings, cpu_before = [], server.cpu_ms()
        for _ in range(PAGES):
            status, data, millis = client.get("/api/v1/incidents/outstanding/")
            assert status == 200, data[:300]
            timings.append(millis)
        cpu = (server.cpu_ms() - cpu_before) / PAGES
        client.close()
    print(f"server CPU per page: {cpu:.1f} ms")
    print(
        summary(
            f"GET /api/v1/incidents/outstanding/ through {server_label()}, {INCIDENTS} open",
            timings,
        )
    )
    assert any("Index Scan" in line for line in plan) and not any("Sort" in line for line in plan)
