"""Benchmark: the intelligence check at force scale (PostgreSQL).

1,000,000 intel records, 500,000 people and 200,000 previous contacts generated with
`seed_synthetic` (timed), then check latency over 1,000 mixed lookups (target p95 < 50 ms),
`POST /api/v1/incidents/` with the automatic check (target p95 < 150 ms), and EXPLAIN ANALYZE of
every query one full check makes.

    make bench ARGS="tests/perf/test_intel_check.py" TEST_DB_NAME=h_intel_bench TEST_REDIS_DB=4

Sizes can be lowered for a quick run: INTEL_BENCH_RECORDS, INTEL_BENCH_PEOPLE,
INTEL_BENCH_CONTACTS, INTEL_BENCH_LOOKUPS, INTEL_BENCH_INCIDENTS.
"""

import os
import random
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad.normalise import normalise_address, normalise_name
from intelligence.check import CheckQuery, check_compute

RECORDS = int(os.environ.get("INTEL_BENCH_RECORDS", 1_000_000))
PEOPLE = int(os.environ.get("INTEL_BENCH_PEOPLE", 500_000))
CONTACTS = int(os.environ.get("INTEL_BENCH_CONTACTS", 200_000))
LOOKUPS = int(os.environ.get("INTEL_BENCH_LOOKUPS", 1_000))
INCIDENTS = int(os.environ.get("INTEL_BENCH_INCIDENTS", 300))
BIG_TABLES = (
    "intelligence_intelrecord",
    "intelligence_intelrecordphone",
    "intelligence_intelrecordaddress",
    "intelligence_intelrecordperson",
    "intelligence_personname",
    "intelligence_person",
    "cad_contact",
)


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def summary(label, millis):
    print(
        f"{label}: n={len(millis)} p50={percentile(millis, 50):.1f} ms "
        f"p95={percentile(millis, 95):.1f} ms p99={percentile(millis, 99):.1f} ms "
        f"max={max(millis):.1f} ms mean={statistics.mean(millis):.1f} ms"
    )


def misspell(text, rng):
    """One typo in the street name (never in a number)."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 4]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = w[:j] + w[j + 1 :]
    return " ".join(words)


def mixed_lookups(rng, n):
    from cad.models import Contact
    from intelligence.models import IntelRecordAddress, IntelRecordPhone, PersonName

    phones = list(IntelRecordPhone.objects.order_by("?").values_list("phone", flat=True)[:300])
    addresses = list(
        IntelRecordAddress.objects.order_by("?").values_list("address", flat=True)[:300]
    )
    names = list(PersonName.objects.order_by("?").values_list("name", flat=True)[:300])
    contact_addresses = list(Contact.objects.order_by("?").values_list("address", flat=True)[:100])
    lookups = []
    for i in range(n):
        kind = i % 10
        phone = address = ""
        people = ()
        if kind in (0, 1):  # a number on record
            phone = rng.choice(phones)
        elif kind == 2:  # a number nobody knows
            phone = f"+447{rng.randint(100000000, 399999999)}"
        elif kind in (3, 4):  # an address typed as on record
            address = rng.choice(addresses)
        elif kind == 5:  # a misspelt address without postcode: the fuzzy fallback
            address = misspell(rng.choice(addresses).rsplit(" ", 2)[0], rng)
        elif kind == 6:  # a name
            people = (rng.choice(names),)
        elif kind == 7:  # a misspelt name
            people = (misspell(rng.choice(names), rng) + "e",)
        else:  # a whole call: number, address (of a previous contact) and caller's name
            phone = rng.choice(phones)
            address = rng.choice(contact_addresses)
            people = (rng.choice(names),)
        lookups.append((kind, phone, address, people))
    return lookups


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_intel_check_latency_at_force_scale(api):
    from intelligence.synthetic import run

    assert connection.vendor == "postgresql", "the benchmark needs PostgreSQL"
    rng = random.Random(7)

    # Arrange: generate the data (timed).
    started = time.perf_counter()
    done = run(
        {"people": PEOPLE, "intel_records": RECORDS, "contacts": CONTACTS}, seed=1, batch=50_000
    )
    total = time.perf_counter() - started
    print()
    for dest, (rows, seconds) in done.items():
        print(f"generate {dest}: {rows} rows in {seconds:.1f} s ({rows / seconds:,.0f}/s)")
    print(f"generate total (with ANALYZE): {total:.1f} s")
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            print(f"  {table}: {cursor.fetchone()[0]} rows")

    lookups = mixed_lookups(rng, LOOKUPS)
    for _, phone, address, people in lookups[:20]:  # warm the caches and the connection
        check_compute(
            CheckQuery(
                phone=phone,
                address=normalise_address(address),
                names=tuple(normalise_name(p) for p in people),
                now=timezone.now(),
                counts_current_call=True,
            )
        )

    # Act 1: check latency over mixed lookups.
    millis, by_kind, found = [], {}, 0
    for kind, phone, address, people in lookups:
        query = CheckQuery(
            phone=phone,
            address=normalise_address(address),
            names=tuple(normalise_name(p) for p in people),
            now=timezone.now(),
            counts_current_call=True,
        )
        t0 = time.perf_counter()
        result = check_compute(query)
        elapsed = (time.perf_counter() - t0) * 1000
        millis.append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
        found += bool(result.records or result.previous_contacts)
    summary("check (mixed lookups)", millis)
    labels = {
        0: "phone on record",
        2: "unknown phone",
        3: "exact address",
        5: "misspelt address (fuzzy)",
        6: "name",
        7: "misspelt name (fuzzy)",
        8: "whole call",
    }
    for kind, label in labels.items():
        both = by_kind.get(kind, []) + (by_kind.get(kind + 1, []) if kind in (0, 3, 8) else [])
        if both:
            summary(f"  {label}", both)
    print(f"  lookups that found something: {found}/{len(lookups)}")

    # Act 2: POST /api/v1/incidents/ with the automatic check.
    client = api("CALL_HANDLER")
    calls = [lk for lk in lookups if lk[0] in (0, 3, 8)][:INCIDENTS]
    post_ms = []
    for i, (_, phone, address, people) in enumerate(calls):
        body = {
            "channel": "999",
            "caller_phone": phone,
            "address": address,
            "caller_name": people[0] if people else "",
            "narrative": "Ex-partner banging at the door, she is scared" if i % 2 else "Noise",
        }
        t0 = time.perf_counter()
        response = client.post("/api/v1/incidents/", body, format="json")
        post_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 201, response.content
        assert response.json()["intel_check"] is not None
    summary("POST /api/v1/incidents/ (with automatic check)", post_ms)

    # Act 2b: the same creates through the real server (`tests/perf/server.py`, keep-alive), as
    # a client waits.
    from core.services import token_for
    from tests.perf.server import running_server, server_label
    from tests.perf.server import summary as server_summary

    token = token_for(user=client.user)
    with running_server() as server:
        http = server.client(token)
        for _, phone, address, _people in calls[:20]:  # warm up the worker and its caches
            http.post_json(
                "/api/v1/incidents/",
                {"channel": "999", "caller_phone": phone, "address": address, "narrative": "Noise"},
            )
        served = []
        for i, (_, phone, address, people) in enumerate(calls):
            body = {
                "channel": "999",
                "caller_phone": phone,
                "address": address,
                "caller_name": people[0] if people else "",
                "narrative": "Ex-partner banging at the door, she is scared" if i % 2 else "Noise",
            }
            status, data, millis = http.post_json("/api/v1/incidents/", body)
            assert status == 201, data[:500]
            served.append(millis)
        http.close()
    print(
        server_summary(
            f"POST /api/v1/incidents/ through {server_label()}, {RECORDS:,} records", served
        )
    )

    # Act 3: EXPLAIN ANALYZE every query of one whole-call check (and one fuzzy address).
    _, phone, address, people = next(lk for lk in lookups if lk[0] == 8)
    fuzzy_address = next(lk for lk in lookups if lk[0] == 5)[2]
    seq_scans = []
    for label, query in (
        (
            "whole call",
            CheckQuery(
                phone=phone,
                address=normalise_address(address),
                names=tuple(normalise_name(p) for p in people),
                now=timezone.now(),
                counts_current_call=True,
            ),
        ),
        (
            "fuzzy address",
            CheckQuery(
                phone="",
                address=normalise_address(fuzzy_address),
                names=(),
                now=timezone.now(),
            ),
        ),
    ):
        with CaptureQueriesContext(connection) as captured:
            check_compute(query)
        print(f"\nEXPLAIN ANALYZE, {label} check ({len(captured.captured_queries)} queries):")
        for entry in captured.captured_queries:
            sql = entry["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "set_config" in sql:
                continue
            plan = explain(sql)
            print(f"-- {sql[:160]}")
            for line in plan:
                if any(k in line for k in ("Scan", "Execution Time", "Limit", "Join", "Sort")):
                    print(f"   {line.strip()}")
            for line in plan:
                if "Seq Scan on" in line and any(t in line for t in BIG_TABLES):
                    seq_scans.append(line.strip())

    # Assert: the plans use indexes on the big tables (timings are printed, never asserted).
    assert seq_scans == [], seq_scans
