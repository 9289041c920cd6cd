"""Benchmark: what live pushes cost the request that commits an incident create (issue 14).

Before: each payload was sent from the request thread after commit, one synchronous
`async_to_sync(group_send)` each (created, updated with the check, the check, ...). Now: the
commit hands one batch per group to the sender thread. This measures, over CREATES creates
through the real service on PostgreSQL and the real Redis channel layer, the time the
committing thread spends running the commit hooks (p50/p95), and the same payloads sent the old
way, then how long the sender takes to empty. Prints its numbers; asserts nothing about time.

    make bench ARGS="tests/perf/test_live_push_cost.py" TEST_DB_NAME=... TEST_REDIS_DB=...
"""

import os
import statistics
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

from cad import services
from core.live import ALL, wait_sent
from tests.cad.factories import call_handler

pytestmark = pytest.mark.bench
CREATES = int(os.environ.get("BENCH_CREATES", 200))


def _hooks_time(run) -> tuple[float, list]:
    """Run `run` in a transaction; return the seconds its commit hooks took (run by us, timed,
    as Django would run them) and the live entries the flush sent."""
    from django.db import transaction

    with transaction.atomic():
        run()
        hooks = list(connection.run_on_commit)
        connection.run_on_commit = []
    entries, spent = [], 0.0
    for _, hook, _ in hooks:
        outbox = getattr(hook, "__self__", None)
        if outbox is not None and hasattr(outbox, "staged"):
            entries = list(outbox.staged)
        started = time.perf_counter()
        hook()
        spent += time.perf_counter() - started
    return spent, entries


def _ms(values) -> str:
    values = sorted(values)
    p95 = values[int(len(values) * 0.95) - 1]
    return f"p50 {statistics.median(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


@pytest.mark.django_db(transaction=True)
def test_live_push_cost_on_the_committing_thread():
    handler = call_handler()
    layer = get_channel_layer()
    now_cost, old_cost, payload_counts = [], [], []
    for n in range(CREATES):

        def create(n=n):
            services.incident_create(
                actor=handler,
                channel="999",
                narrative=f"Two men fighting outside the pub, one has a knife ({n})",
                caller_phone=f"07700 9{n:05d}",
                address=f"{n % 90 + 1} High Street, Leeds LS1 1AA",
            )

        seconds, entries = _hooks_time(create)
        now_cost.append(seconds)
        # The same transaction's payloads, sent as before: one synchronous send each.
        payloads = [e.payload for e in entries if e.payload is not None]
        payload_counts.append(len(payloads))
        started = time.perf_counter()
        for payload in payloads:
            async_to_sync(layer.group_send)(ALL, {"type": "live.message", "payload": payload})
        old_cost.append(time.perf_counter() - started)
    started = time.perf_counter()
    assert wait_sent(60)
    drained = time.perf_counter() - started
    print(
        f"\n{CREATES} creates; payloads per create {statistics.median(payload_counts):.0f}\n"
        f"commit hooks now (outbox handed to the sender): {_ms(now_cost)}\n"
        f"the same payloads sent the old way, one sync send each: {_ms(old_cost)}\n"
        f"sender queue emptied {drained * 1000:.0f} ms after the last commit"
    )
