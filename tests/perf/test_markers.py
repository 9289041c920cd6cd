"""Benchmark: marker look-ups at call time and the lifecycle sweep (PostgreSQL).

MARKERS_BENCH_MARKERS markers (default 50,000; a force has a few thousand live at most), each
with a phone number, a fifth of them ended; then the latency of `markers_matching` (run on every
call) and of the call-time context provider over MARKERS_BENCH_LOOKUPS look-ups, and one
lifecycle sweep with MARKERS_BENCH_DUE markers due (expiry and reminders), run twice.

    make bench ARGS="tests/perf/test_markers.py" TEST_DB_NAME=h_markers TEST_REDIS_DB=5
"""

import os
import random
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cad import services as cad_services
from cad.normalise import normalise_address
from riskflags.models import Marker, MarkerPhone, MarkerStatus, VictimContact
from riskflags.selectors import markers_matching
from riskflags.services import markers_lifecycle_run
from tests.factories import staff

MARKERS = int(os.environ.get("MARKERS_BENCH_MARKERS", 50_000))
LOOKUPS = int(os.environ.get("MARKERS_BENCH_LOOKUPS", 1_000))
DUE = int(os.environ.get("MARKERS_BENCH_DUE", 500))


def _ms(samples):
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    return f"p50 {statistics.median(samples) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def _address(i):
    return f"{i % 300 + 1} Street{i // 300} Road, Leeds LS{i % 28 + 1} {i % 9 + 1}AB"


def _phone(i):
    return f"+4477009{i:05d}"[:13]


@pytest.mark.bench
@pytest.mark.django_db
def test_marker_lookups_and_lifecycle_at_scale():
    oic = staff("OIC", username="bench_oic")
    staff("SUPERVISOR", username="bench_sup")
    now = timezone.now()
    started = time.perf_counter()
    rows = []
    for i in range(MARKERS):
        ended = i % 5 == 0
        due = i < DUE
        review_due = DUE <= i < 2 * DUE
        rows.append(
            Marker(
                address=_address(i),
                address_normalised=normalise_address(_address(i)).normalised,
                victim_name=f"Victim {i}",
                reason="Threats to kill",
                oic=oic,
                starts_at=now - timedelta(days=100),
                expires_at=now - timedelta(minutes=1)
                if due
                else now + timedelta(days=10 if review_due else 60),
                status=MarkerStatus.WITHDRAWN if ended and i >= 2 * DUE else MarkerStatus.ACTIVE,
                withdrawn_at=now - timedelta(days=10) if ended and i >= 2 * DUE else None,
                created_at=now - timedelta(days=100),
                updated_at=now - timedelta(days=100),
            )
        )
    markers = Marker.objects.bulk_create(rows, batch_size=5000)
    MarkerPhone.objects.bulk_create(
        (MarkerPhone(marker=m, phone=_phone(i)) for i, m in enumerate(markers)), batch_size=5000
    )
    # Every victim was told at the start, except the DUE markers that are due for review.
    VictimContact.objects.bulk_create(
        (
            VictimContact(
                marker=m,
                purpose="START",
                method="PHONE",
                outcome="CONTACTED",
                contacted_at=now - timedelta(days=99),
                recorded_at=now - timedelta(days=99),
            )
            for i, m in enumerate(markers)
            if not DUE <= i < 2 * DUE
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE riskflags_marker; ANALYZE riskflags_markerphone;")
    print(f"\nseeded {MARKERS} markers in {time.perf_counter() - started:.1f}s")

    rng = random.Random(7)
    samples, queries = [], 0
    for _ in range(LOOKUPS):
        i = rng.randrange(MARKERS)
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            found = markers_matching(
                phone=_phone(i), address_normalised=normalise_address(_address(i)).normalised
            )
            samples.append(time.perf_counter() - t)
        queries = max(queries, len(ctx.captured_queries))
        assert any(m["why_matched"] == "address and phone" for m in found)
    print(f"markers_matching x{LOOKUPS}: {_ms(samples)}, at most {queries} queries")

    samples = []
    for _ in range(min(LOOKUPS, 300)):
        i = rng.randrange(MARKERS)
        t = time.perf_counter()
        cad_services.call_assess(
            narrative="Someone at the door", caller_phone=_phone(i), address=_address(i)
        )
        samples.append(time.perf_counter() - t)
    print(f"call_assess with every context provider x{len(samples)}: {_ms(samples)}")

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN ANALYZE SELECT id FROM riskflags_marker WHERE address_normalised = %s",
            [normalise_address(_address(4242)).normalised],
        )
        print("\n".join(row[0] for row in cursor.fetchall()))

    t = time.perf_counter()
    first = markers_lifecycle_run()
    first_s = time.perf_counter() - t
    t = time.perf_counter()
    second = markers_lifecycle_run()
    second_s = time.perf_counter() - t
    print(f"lifecycle sweep 1: {first} in {first_s:.2f}s; sweep 2: {second} in {second_s:.2f}s")
    assert first["expired"] == DUE and second["expired"] == 0
    assert first["review_reminders"] == DUE and first["start_contact_overdue"] == DUE
