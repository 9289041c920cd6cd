"""Benchmark: POST /api/v1/incidents/ over 500 creates with 10,000 existing incidents and
contacts on PostgreSQL (target p95 < 150 ms on the 2-core machine). Prints its numbers.

    make bench ARGS="tests/perf/test_incident_create.py" TEST_DB_NAME=... TEST_REDIS_DB=...
"""

import cProfile
import os
import pstats
import random
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.models import Contact, Grade, Incident
from cad.normalise import normalise_address

EXISTING = int(os.environ.get("BENCH_EXISTING", 10_000))
CREATES = int(os.environ.get("BENCH_CREATES", 500))
PROFILE = os.environ.get("BENCH_PROFILE")  # print the queries and a profile of one create
NARRATIVES = [
    "Someone's buzzing at my door, don't know who it is. Caller says she and her ex-husband went "
    "through a bit of a domestic violence case last year. Loud banging at the door now.",
    "Two men fighting outside the pub, one has a knife",
    "Shed broken into overnight, lawnmower and tools taken. No suspects seen.",
    "My neighbour's partner is beating her, I can hear her screaming through the wall.",
    "Car parked across my driveway again, third time this week.",
    "Elderly man wandering in the road in his pyjamas, seems confused.",
]
STREETS = ["Acacia Avenue", "High Street", "Church Road", "Mill Lane", "Park View", "Station Road"]


def _phone(n: int) -> str:
    return f"+447700{n % 1_000_000:06d}"


def _address(n: int) -> str:
    return f"{n % 300 + 1} {STREETS[n % len(STREETS)]}, Leeds LS{n % 28 + 1} {n % 9}AB"


def _seed(handler):
    now = timezone.now()
    incidents = [
        Incident(
            reference=f"BENCH-{n:06d}",
            channel="999" if n % 3 else "101",
            received_at=now - timedelta(minutes=n),
            created_by=handler,
            caller_phone=_phone(n),
            address=_address(n),
            address_normalised=normalise_address(_address(n)).normalised,
            narrative=NARRATIVES[n % len(NARRATIVES)],
            grade=Grade.PRIORITY,
            recommended_grade=Grade.PRIORITY,
            minimum_grade=Grade.SCHEDULED,
            domestic_abuse=n % 4 == 0,
            status="OPEN" if n % 10 == 0 else "RESOURCED",
        )
        for n in range(EXISTING)
    ]
    Incident.objects.bulk_create(incidents, batch_size=2000)
    created = list(Incident.objects.filter(reference__startswith="BENCH-").only("id"))
    contacts = [
        Contact(
            channel="SWITCHBOARD" if n % 5 == 0 else "999",
            received_at=now - timedelta(minutes=n),
            handler=handler,
            caller_phone=_phone(n),
            caller_phone_raw=_phone(n),
            address=_address(n),
            address_normalised=normalise_address(_address(n)).normalised,
            summary=NARRATIVES[n % len(NARRATIVES)],
            incident=created[n] if n % 5 else None,
        )
        for n in range(EXISTING)
    ]
    Contact.objects.bulk_create(contacts, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cad_incident; ANALYZE cad_contact;")


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_incident_create_latency(api, make_staff):
    client = api("CALL_HANDLER")
    _seed(client.user)
    rng = random.Random(7)
    timings, queries = [], []
    for i in range(CREATES):
        # One call in four comes from a number and address already on record.
        n = rng.randrange(EXISTING) if i % 4 == 0 else EXISTING + i
        body = {
            "channel": "999",
            "caller_phone": _phone(n).replace("+44", "0"),
            "caller_name": "Bench Caller",
            "address": _address(n),
            "narrative": NARRATIVES[i % len(NARRATIVES)],
        }
        connection.queries_log.clear()  # a full log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post("/api/v1/incidents/", body, format="json")
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
        if PROFILE and i == CREATES - 1:
            for query in captured.captured_queries:
                print(query["time"], query["sql"][:110])
            profiler = cProfile.Profile()
            profiler.runcall(client.post, "/api/v1/incidents/", body, format="json")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        assert response.status_code == 201, response.content
    print(
        f"\nPOST /api/v1/incidents/ x{CREATES} with {EXISTING} incidents and {EXISTING} contacts: "
        f"p50 {statistics.median(timings):.1f} ms, p95 {_percentile(timings, 0.95):.1f} ms, "
        f"p99 {_percentile(timings, 0.99):.1f} ms, max {max(timings):.1f} ms; "
        f"queries per create: median {statistics.median(queries):.0f}, max {max(queries)}"
    )


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_incident_create_latency_through_the_server(make_staff):
    """The same calls through the real server (`tests/perf/server.py`: what `make stack` runs,
    one keep-alive connection): what a call handler's screen waits for."""
    from core.services import token_for
    from tests.perf.server import running_server, server_label, summary

    handler = make_staff("CALL_HANDLER")
    _seed(handler)
    rng = random.Random(7)
    with running_server() as server:
        client = server.client(token_for(user=handler))
        timings, cpu_before = [], None
        for i in range(CREATES + 20):
            if i == 20:
                cpu_before = server.cpu_ms()
            n = rng.randrange(EXISTING) if i % 4 == 0 else EXISTING + i
            body = {
                "channel": "999",
                "caller_phone": _phone(n).replace("+44", "0"),
                "caller_name": "Bench Caller",
                "address": _address(n),
                "narrative": NARRATIVES[i % len(NARRATIVES)],
            }
            status, data, millis = client.post_json("/api/v1/incidents/", body)
            assert status == 201, data[:500]
            if i >= 20:  # the first 20 warm the worker up
                timings.append(millis)
        cpu = (server.cpu_ms() - cpu_before) / CREATES
        client.close()
    print(
        "\n"
        + summary(
            f"POST /api/v1/incidents/ through {server_label()}, {EXISTING} incidents", timings
        )
    )
    print(f"server CPU per create: {cpu:.1f} ms")
