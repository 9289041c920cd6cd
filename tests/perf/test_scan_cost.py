"""Benchmark (a): the response-time scan's cost at 1,000 / 10,000 / 100,000 open incidents
(target p95 <= 15 ms at 100,000), on PostgreSQL with the Redis channel layer.

Open incidents are received uniformly over the last 24 hours (30% IMMEDIATE, 50% PRIORITY, 20%
SCHEDULED with no target; 70% OPEN, 20% RESOURCED, 10% AT_SCENE), so most are a breached backlog
that is already alerted (bulk-loaded as the earlier scans would have left it) and about one
incident per second crosses each threshold at 100,000. The scan then runs once per simulated
second, as beat runs it, each in its own committed transaction, publishing what it raises.

    make bench ARGS="tests/perf/test_scan_cost.py" TEST_DB_NAME=h_alerts_bench TEST_REDIS_DB=7

Sizes and ticks: SCAN_BENCH_SIZES (default 1000,10000,100000), SCAN_BENCH_TICKS (default 300).
"""

import os
import random
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cad.clock import target_for
from cad.models import Grade, Incident, IncidentStatus
from monitoring.models import Alert, AlertKind, AlertStatus, MonitorCursor
from monitoring.services import CURSOR_NAME, candidates_query, scan_response_times

SIZES = [int(x) for x in os.environ.get("SCAN_BENCH_SIZES", "1000,10000,100000").split(",")]
TICKS = int(os.environ.get("SCAN_BENCH_TICKS", 300))


def _grow_to(total: int, now, rng: random.Random) -> None:
    """Add open incidents (and the alerts earlier scans left) until there are `total`."""
    existing = Incident.objects.count()
    rows = []
    for n in range(existing, total):
        grade = rng.choices([Grade.IMMEDIATE, Grade.PRIORITY, Grade.SCHEDULED], weights=[3, 5, 2])[
            0
        ]
        status = rng.choices(
            [IncidentStatus.OPEN, IncidentStatus.RESOURCED, IncidentStatus.AT_SCENE],
            weights=[7, 2, 1],
        )[0]
        received_at = now - timedelta(seconds=rng.uniform(0, 24 * 3600))
        rows.append(
            Incident(
                reference=f"BENCH-{n:07d}",
                channel="999",
                received_at=received_at,
                narrative="bench",
                grade=grade,
                recommended_grade=grade,
                minimum_grade=grade,
                target_response_at=target_for(grade, "URBAN", received_at, policies=POLICIES),
                status=status,
                first_arrived_at=received_at + timedelta(minutes=5)
                if status == IncidentStatus.AT_SCENE
                else None,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=5000)
    backlog = Incident.objects.filter(
        status__in=[IncidentStatus.OPEN, IncidentStatus.RESOURCED],
        target_response_at__lte=now,
        alerts__isnull=True,
    ).values_list("id", "target_response_at")
    Alert.objects.bulk_create(
        [
            Alert(
                kind=AlertKind.BREACHED,
                subject=f"incident:{pk}",
                incident_id=pk,
                threshold_at=target,
                raised_at=target,
                status=AlertStatus.ACKNOWLEDGED,
                acknowledged_at=target + timedelta(minutes=1),
            )
            for pk, target in backlog
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cad_incident; ANALYZE dispatch_alert;")


POLICIES: dict = {}


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_scan_cost_by_open_incidents():
    from cad.models import GradePolicy

    POLICIES.update({p.grade: p for p in GradePolicy.objects.all()})
    rng = random.Random(7)
    now = timezone.now().replace(microsecond=0)
    report = []
    counted = [0]  # SQL statements of the scan being timed

    def count(execute, sql, params, many, context):
        counted[0] += 1
        return execute(sql, params, many, context)

    for size in SIZES:
        started = time.perf_counter()
        _grow_to(size, now, rng)
        load_s = time.perf_counter() - started
        MonitorCursor.objects.update_or_create(
            name=CURSOR_NAME, defaults={"scanned_through_at": now}
        )
        durations, raised, statements = [], [], []
        for tick in range(1, TICKS + 1):
            counted[0] = 0
            with connection.execute_wrapper(count):
                t0 = time.perf_counter()
                result = scan_response_times(now=now + timedelta(seconds=tick))
                durations.append((time.perf_counter() - t0) * 1000)
            raised.append(len(result.raised))
            statements.append(counted[0])
        # A worker that was down for ten minutes catches up in one scan.
        MonitorCursor.objects.filter(name=CURSOR_NAME).update(
            scanned_through_at=now + timedelta(seconds=TICKS)
        )
        t0 = time.perf_counter()
        catch_up = scan_response_times(now=now + timedelta(seconds=TICKS + 600))
        catch_up_ms = (time.perf_counter() - t0) * 1000
        with connection.cursor() as cursor:
            since = now + timedelta(seconds=TICKS + 600)
            qs_sql, qs_params = candidates_query(
                since=since, now=since + timedelta(seconds=1), policies=POLICIES
            ).query.sql_with_params()
            cursor.execute("EXPLAIN " + qs_sql, qs_params)
            plan = " | ".join(row[0].strip() for row in cursor.fetchall())
        open_count = Incident.objects.exclude(status=IncidentStatus.CLOSED).count()
        report.append(
            {
                "open": open_count,
                "load_s": load_s,
                "p50": statistics.median(durations),
                "p95": _pct(durations, 95),
                "p99": _pct(durations, 99),
                "max": max(durations),
                "raised_per_scan": sum(raised) / len(raised),
                "quiet_p95": _pct(
                    [d for d, r in zip(durations, raised, strict=True) if not r] or [0], 95
                ),
                "quiet_n": sum(1 for r in raised if not r),
                # SQL statements per scan (load-independent): mean over the scans that raised
                # something, and the most in one scan.
                "statements": statistics.mean(
                    [n for n, r in zip(statements, raised, strict=True) if r] or [0]
                ),
                "statements_max": max(statements),
                "catch_up_ms": catch_up_ms,
                "catch_up_raised": len(catch_up.raised),
                "plan": plan,
            }
        )

    print("\nresponse-time scan cost (PostgreSQL, Redis channel layer), one scan per second")
    print(
        f"{'open':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'raised/scan':>11} {'quiet p95':>9} {'catch-up 10 min':>16} {'SQL/raising scan':>16}"
    )
    for r in report:
        print(
            f"{r['open']:>8} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['p99']:>8.2f} {r['max']:>8.2f} "
            f"{r['raised_per_scan']:>11.2f} {r['quiet_p95']:>9.2f} "
            f"{r['catch_up_ms']:>9.0f} ms ({r['catch_up_raised']}) "
            f"{r['statements']:>8.1f} (max {r['statements_max']})"
        )
    print("(quiet p95: scans that recorded nothing; catch-up: one scan after ten minutes down)")
    print(f"load average during the run: {os.getloadavg()}")
    for r in report:
        print(f"plan at {r['open']}: {r['plan']}")
    verdict = "met" if report[-1]["p95"] <= 15 else "NOT met (see the load average above)"
    print(f"target p95 <= 15 ms at {report[-1]['open']} open incidents: {verdict}")
