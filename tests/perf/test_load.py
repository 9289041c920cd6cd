"""Benchmarks through the real `make stack` (scripts/stack.sh: PgBouncer, nginx, gunicorn, daphne,
Celery worker and beat under supervisord), 16 clients each alternating a create (POST
/api/v1/incidents/) and the outstanding list's first page, on keep-alive connections.

1. Load: for BENCH_LOAD_SECONDS (default 60) against the test database. Targets: zero 5xx; the
   app role's PostgreSQL connections (pg_stat_activity, sampled every 0.1 s) never above the
   configured bound (CAD_DB_POOL_SIZE, 10). Prints throughput and p50/p95 per operation.
2. Restart: the stack on a throwaway PostgreSQL cluster (another port, a temporary directory;
   never the shared server), which is stopped a third of the way into the run and started again
   BENCH_DOWN_SECONDS (default 5) later. Targets: while it is down only 503s (with Retry-After),
   never a 500 or a dropped connection; full recovery (every answer in the last third is 2xx);
   no lost writes: every 201's incident is in the database (rows beyond the 201s are writes
   whose answer was a 503, counted and printed); the monitoring scan runs again.

    make bench ARGS="tests/perf/test_load.py" TEST_DB_NAME=cad_mine TEST_REDIS_DB=3
    BENCH_LOAD_SECONDS=20 make bench ARGS="tests/perf/test_load.py -k restart" ...
"""

import os
import subprocess
import threading
import time

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.factories import staff
from tests.perf.load import (
    CREATE,
    ConnectionSampler,
    percentile,
    run_load,
    summary,
)
from tests.perf.stack import ROOT, ThrowawayCluster, running_stack, wait_for

pytestmark = pytest.mark.bench
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 60))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 16))
DOWN_SECONDS = float(os.environ.get("BENCH_DOWN_SECONDS", 5))
POOL_SIZE = int(os.environ.get("CAD_DB_POOL_SIZE", 10))


def _owner_url(settings_dict) -> str:
    s = settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _drop_role(cursor, role):
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone():
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


@pytest.mark.django_db(transaction=True)
def test_sixteen_clients_for_a_minute_no_5xx_and_connections_within_the_bound(tmp_path):
    from core.services import token_for

    db = connection.settings_dict
    app_user = f"cad_app_{db['NAME']}"[:63]
    token = token_for(user=staff("CALL_HANDLER", "DISPATCHER"))
    owner_dsn = (
        f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} "
        f"dbname={db['NAME']}"
    )
    try:
        with running_stack(
            tmp_path,
            owner_url=_owner_url(db),
            app_user=app_user,
            redis_url=settings.REDIS_URL,
            CAD_DB_POOL_SIZE=POOL_SIZE,
        ) as port:
            run_load(f"http://127.0.0.1:{port}", token, clients=2, seconds=3)  # warm up
            with ConnectionSampler(owner_dsn, app_user, db["NAME"]) as sampler:
                samples = run_load(
                    f"http://127.0.0.1:{port}", token, clients=CLIENTS, seconds=SECONDS
                )
    finally:
        with connection.cursor() as cursor:
            _drop_role(cursor, app_user)

    print(f"\n{CLIENTS} clients for {SECONDS:.0f} s through make stack (PgBouncer pool "
          f"{POOL_SIZE}, load average {os.getloadavg()[0]:.1f}):\n{summary(samples, SECONDS)}\n"
          f"PostgreSQL connections of {app_user}: peak {sampler.peak} (bound {POOL_SIZE}), "
          f"median {percentile(sampler.counts, 0.5)} over {len(sampler.counts)} samples")  # fmt: skip
    assert not [s for s in samples if s.status >= 500 or s.status == 0]
    assert sampler.peak <= POOL_SIZE
    assert any(s.status == 201 for s in samples)


def _token_on(cluster: ThrowawayCluster, database: str) -> str:
    """A user with the call handler's and dispatcher's roles, and its API token, made in the
    cluster's database by the project's own code."""
    code = (
        "from tests.factories import staff; from core.services import token_for; "
        "print(token_for(user=staff('CALL_HANDLER', 'DISPATCHER')))"
    )
    env = {**os.environ, "DATABASE_URL": cluster.url(database)}
    env.pop("MIGRATE_DATABASE_URL", None)
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def _scan_cursor(dsn: str):
    from monitoring.models import MonitorCursor

    with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
        table = MonitorCursor._meta.db_table
        cursor.execute(f'SELECT max(scanned_through_at) FROM "{table}"')  # noqa: S608
        return cursor.fetchone()[0]


def _scan_ran_since(dsn: str, wall: float) -> bool:
    at = _scan_cursor(dsn)
    return at is not None and at.timestamp() > wall


def test_postgresql_restarted_mid_run_only_503s_then_full_recovery_and_no_lost_writes(tmp_path):
    cluster = ThrowawayCluster()
    database, app_user = "cad", "cad_app"
    try:
        cluster.start()
        cluster.createdb(database)
        with running_stack(
            tmp_path,
            owner_url=cluster.url(database),
            app_user=app_user,
            redis_url=settings.REDIS_URL,
            CAD_DB_POOL_SIZE=POOL_SIZE,
        ) as port:
            token = _token_on(cluster, database)
            base = f"http://127.0.0.1:{port}"
            run_load(base, token, clients=2, seconds=3)  # warm up
            with psycopg2.connect(cluster.dsn(database)) as conn, conn.cursor() as cursor:
                cursor.execute("SELECT id FROM cad_incident")
                existing = {row[0] for row in cursor.fetchall()}
            started = time.monotonic()
            window = {}

            def restart():
                time.sleep(SECONDS / 3)
                window["stop"] = time.monotonic() - started
                cluster.stop("fast")
                window["stopped"] = time.monotonic() - started
                time.sleep(DOWN_SECONDS)
                window["start"] = time.monotonic() - started
                cluster.start()
                window["up"] = time.monotonic() - started

            restarter = threading.Thread(target=restart)
            restarter.start()
            with ConnectionSampler(cluster.dsn(database), app_user, database) as sampler:
                samples = run_load(base, token, clients=CLIENTS, seconds=SECONDS, started=started)
            restarter.join()
            up_wall = time.time() - (time.monotonic() - started - window["up"])
            try:
                wait_for("the scan", lambda: _scan_ran_since(cluster.dsn(database), up_wall), 30)
                scan_recovered = True
            except AssertionError:
                scan_recovered = False
            created = [s.created_id for s in samples if s.status == 201]
            with psycopg2.connect(cluster.dsn(database)) as conn, conn.cursor() as cursor:
                cursor.execute("SELECT id FROM cad_incident")
                rows = {row[0] for row in cursor.fetchall()} - existing
    finally:
        cluster.remove()

    before = [s for s in samples if s.at < window["stop"]]
    during = [s for s in samples if window["stop"] <= s.at < window["up"]]
    after = [s for s in samples if s.at >= window["up"]]
    last_third = [s for s in samples if s.at >= SECONDS * 2 / 3]
    recovered_at = next(
        (s.at - window["up"] for s in after if 200 <= s.status < 300 and s.op == CREATE), None
    )
    lost = [i for i in created if i not in rows]
    unanswered = len(rows) - len(created)
    print(f"\nPostgreSQL (throwaway cluster) stopped at {window['stop']:.1f} s, down until "
          f"{window['up']:.1f} s of {SECONDS:.0f} s; {CLIENTS} clients; load average "
          f"{os.getloadavg()[0]:.1f}\n{summary(samples, SECONDS)}\n"
          f"before: {_statuses(before)}; while down: {_statuses(during)}; after: {_statuses(after)}\n"
          f"first create after PostgreSQL was up: {recovered_at if recovered_at is None else f'{recovered_at:.1f} s'}; "
          f"last third: {_statuses(last_third)}\n"
          f"writes: {len(created)} answered 201, {len(rows)} new rows; lost {len(lost)}; "
          f"saved but answered 503: {unanswered}\n"
          f"PostgreSQL connections of {app_user}: peak {sampler.peak} (bound {POOL_SIZE}); "
          f"the scan ran after the restart: {scan_recovered}")  # fmt: skip
    assert not [s for s in samples if s.status not in (200, 201, 503)], "only 503s, never a 500"
    assert all(s.retry_after for s in samples if s.status == 503)
    assert any(s.status == 503 for s in during), "the restart was not seen"
    assert all(200 <= s.status < 300 for s in last_third), "full recovery"
    assert not lost
    assert sampler.peak <= POOL_SIZE
    assert scan_recovered, "the monitoring scan did not run after PostgreSQL came back"


def _statuses(samples) -> dict:
    counts = {}
    for s in samples:
        counts[s.status] = counts.get(s.status, 0) + 1
    return dict(sorted(counts.items()))
