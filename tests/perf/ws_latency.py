"""Benchmark (b) and (c) against the production-like stack (`make stack`: daphne, Celery worker,
Celery beat every second, PostgreSQL, Redis).

(b) latency from an incident's target time to the `alert.raised` (BREACHED) message arriving at
    each of CLIENTS connected websocket clients, over INCIDENTS incidents whose targets fall
    within one minute: p50/p95/p99/max, duplicates and missing deliveries (target p99 < 2 s).
(c) the ASGI (daphne) process's memory with IDLE idle websocket clients.

Start the stack on a database of its own, then run this with the same environment:

    createdb -h 127.0.0.1 -U postgres h_alerts_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_alerts_bench \\
        REDIS_URL=redis://127.0.0.1:6379/7 CHANNEL_PREFIX=bench SECRET_KEY=bench-secret-key-0123456789abcdef0123456789 \\
        ALLOWED_HOSTS=127.0.0.1,localhost DEBUG=0
    make stack PORT=8765 &
    .venv/bin/python tests/perf/ws_latency.py --port 8765 --clients 200 --incidents 120
    .venv/bin/python tests/perf/ws_latency.py --port 8765 --memory --idle 500

Loads stay on 127.0.0.1 and are bounded in count and time.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlroom.settings")

import django  # noqa: E402

django.setup()

import websockets  # noqa: E402
from django.utils import timezone  # noqa: E402

from cad.clock import target_for  # noqa: E402
from cad.models import Grade, Incident  # noqa: E402
from core.services import live_ticket_issue  # noqa: E402
from core.staff import staff_create  # noqa: E402


def _tickets(n: int) -> list[str]:
    """Tickets for `n` dispatcher screens (dispatchers get every breach alert)."""
    user, _ = staff_create(
        username="bench_dispatcher", roles=["DISPATCHER"], password="Bench-password-9"
    )
    return [live_ticket_issue(actor=user).key for _ in range(n)]


def _settle_earlier_runs() -> None:
    """Acknowledge what earlier runs left open, so their escalations do not load this one."""
    from monitoring.models import Alert, AlertStatus
    from monitoring.services import alert_acknowledge

    user, _ = staff_create(
        username="bench_supervisor", roles=["SUPERVISOR"], password="Bench-password-9"
    )
    for alert in Alert.objects.filter(
        status=AlertStatus.OPEN, incident__reference__startswith="WSB-"
    ):
        alert_acknowledge(actor=user, alert=alert)


async def _connect(url: str, tickets: list[str], batch: int = 50):
    sockets = []
    for start in range(0, len(tickets), batch):
        chunk = tickets[start : start + batch]
        sockets += await asyncio.gather(
            *(
                websockets.connect(f"{url}?ticket={t}", max_queue=None, ping_interval=None)
                for t in chunk
            )
        )
    for ws in sockets:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello", hello
    return sockets


async def _listen(ws, arrivals: list, deadline: float):
    while True:
        remaining = deadline - time.time()
        if remaining <= 0:
            return
        try:
            raw = await asyncio.wait_for(ws.recv(), remaining)
        except TimeoutError:
            return
        except websockets.ConnectionClosed as closed:
            CLOSED.append((closed.rcvd.code if closed.rcvd else None, time.time()))
            return
        received = time.time()
        message = json.loads(raw)
        if message.get("type") == "alert.raised" and message.get("kind") == "BREACHED":
            arrivals.append((message["id"], message["incident"], message["threshold_at"], received))


CLOSED: list = []


def _make_incidents(n: int, first_in: float, spread: float) -> list[Incident]:
    """IMMEDIATE urban incidents whose 15-minute targets fall between `first_in` and
    `first_in + spread` seconds from now (their due-soon warnings are already due)."""
    now = timezone.now()
    rows = []
    for i in range(n):
        target = now + timedelta(seconds=first_in + spread * i / max(1, n - 1))
        received = target - timedelta(minutes=15)
        rows.append(
            Incident(
                reference=f"WSB-{int(now.timestamp())}-{i:04d}",
                channel="999",
                received_at=received,
                narrative="websocket latency bench",
                grade=Grade.IMMEDIATE,
                recommended_grade=Grade.IMMEDIATE,
                minimum_grade=Grade.IMMEDIATE,
                target_response_at=target_for(Grade.IMMEDIATE, "URBAN", received),
            )
        )
    return Incident.objects.bulk_create(rows)


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def latency(url: str, clients: int, incidents: int) -> None:
    await asyncio.to_thread(_settle_earlier_runs)
    tickets = await asyncio.to_thread(_tickets, clients)
    sockets = await _connect(url, tickets)
    print(f"{len(sockets)} clients connected")
    made = await asyncio.to_thread(_make_incidents, incidents, 15.0, 55.0)
    targets = {i.pk: i.target_response_at.timestamp() for i in made}
    deadline = max(targets.values()) + 15
    per_client = [[] for _ in sockets]
    await asyncio.gather(*(_listen(ws, per_client[n], deadline) for n, ws in enumerate(sockets)))
    for ws in sockets:
        await ws.close()

    latencies, duplicates, missing = [], 0, 0
    for arrivals in per_client:
        seen = {}
        for alert_id, incident_id, _threshold, received in arrivals:
            if incident_id not in targets:
                continue
            if incident_id in seen:
                duplicates += 1
                continue
            seen[incident_id] = alert_id
            latencies.append(received - targets[incident_id])
        missing += len(set(targets) - set(seen))
    expected = len(targets) * len(sockets)
    counts = sorted(len({a[1] for a in arrivals if a[1] in targets}) for arrivals in per_client)
    short = [c for c in counts if c < len(targets)]
    if short:
        print(f"    clients short of messages: {len(short)}, their counts: {short[:20]}")
    if CLOSED:
        print(f"    sockets closed by the server during the run: {len(CLOSED)} {CLOSED[:5]}")
    print(
        f"\n(b) target time -> alert.raised at the client: {len(sockets)} clients x "
        f"{len(targets)} incidents breaching within {55:.0f} s = {expected} deliveries"
    )
    print(f"    received {len(latencies)}, duplicates {duplicates}, missing {missing}")
    if latencies:
        print(
            f"    latency s: p50 {statistics.median(latencies):.3f}  p95 {_pct(latencies, 95):.3f}  p99 {_pct(latencies, 99):.3f}  max {max(latencies):.3f}  min {min(latencies):.3f}"
        )


def _daphne_pid(port: int) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # `make stack`'s daphne listens on /tmp/cad-web-PORT/live.sock; a lone one on PORT.
        if b"daphne" in b" ".join(cmd) and any(str(port).encode() in arg for arg in cmd):
            return int(entry.name)
    raise SystemExit(f"no daphne process on port {port}")


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def memory(url: str, port: int, idle: int) -> None:
    pid = _daphne_pid(port)
    before = _rss_mib(pid)
    tickets = await asyncio.to_thread(_tickets, idle)
    sockets = await _connect(url, tickets)
    await asyncio.sleep(5)
    during = _rss_mib(pid)
    for ws in sockets:
        await ws.close()
    await asyncio.sleep(5)
    after = _rss_mib(pid)
    print(
        f"\n(c) daphne pid {pid} RSS: {before:.1f} MiB idle, {during:.1f} MiB with {len(sockets)} "
        f"idle websocket clients ({(during - before) * 1024 / max(1, len(sockets)):.1f} KiB per "
        f"client), {after:.1f} MiB after they left"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=120)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--idle", type=int, default=500)
    args = parser.parse_args()
    url = f"ws://127.0.0.1:{args.port}/ws/live/"
    if args.memory:
        asyncio.run(memory(url, args.port, min(args.idle, 1000)))
    else:
        asyncio.run(latency(url, min(args.clients, 1000), min(args.incidents, 1000)))


if __name__ == "__main__":
    main()
