"""Load through a real server: closed-loop HTTP clients with keep-alive, and a sampler of the
app role's PostgreSQL connections. Shared by tests/perf/test_load.py (16 clients for 60 s) and
the PostgreSQL-restart run.

Each client alternates POST /api/v1/incidents/ (a new 999 call) and GET
/api/v1/incidents/outstanding/ (the first page) on one keep-alive connection, as a desk would;
a dropped connection, or no answer within BENCH_CLIENT_TIMEOUT seconds (default 60), is
recorded as status 0 and the connection reopened. Every answer is kept as a `Sample`
(seconds since the start, operation, HTTP status, milliseconds), so a run can be cut into
phases (before, during and after a fault).
"""

import http.client
import json
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import psycopg2

CREATE, LIST = "create", "list"
NARRATIVES = [
    "Two men fighting outside the pub, one has a knife",
    "Shed broken into overnight, lawnmower and tools taken. No suspects seen.",
    "Car parked across my driveway again, third time this week.",
    "Elderly man wandering in the road in his pyjamas, seems confused.",
]
STREETS = ["Acacia Avenue", "High Street", "Church Road", "Mill Lane", "Park View"]
TIMEOUT = float(os.environ.get("BENCH_CLIENT_TIMEOUT", 60))


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the run started (when the answer arrived)
    op: str  # CREATE or LIST
    status: int  # HTTP status; 0: the connection failed
    ms: float  # time to the full answer
    retry_after: str | None = None
    created_id: int | None = None  # a 201's incident id


@dataclass
class ConnectionSampler:
    """Counts the app role's backends in pg_stat_activity every `every` seconds (through its
    own connection, as the owner) while running; `peak` is the most seen at once."""

    dsn: str
    role: str
    database: str
    every: float = 0.1
    peak: int = 0
    counts: list[int] = field(default_factory=list)
    errors: int = 0

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        conn = None
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg2.connect(self.dsn)
                    conn.autocommit = True
                with conn.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = %s",
                        [self.role, self.database],
                    )
                    count = cursor.fetchone()[0]
                self.counts.append(count)
                self.peak = max(self.peak, count)
            except psycopg2.Error:
                self.errors += 1  # PostgreSQL is down (the restart run): try again
                conn = None
            self._stop.wait(self.every)
        if conn is not None and not conn.closed:
            conn.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def create_body(n: int) -> dict:
    return {
        "channel": "999",
        "caller_phone": f"07700{n % 1_000_000:06d}",
        "caller_name": "Load Caller",
        "address": f"{n % 300 + 1} {STREETS[n % len(STREETS)]}, Leeds LS{n % 28 + 1} {n % 9}AB",
        "narrative": NARRATIVES[n % len(NARRATIVES)],
    }


def run_load(
    base_url: str, token: str, *, clients: int, seconds: float, started: float | None = None
) -> list[Sample]:
    """`clients` threads, each alternating a create and a list read for `seconds`. Sample times
    count from `started` (a `time.monotonic()` value; default now)."""
    url = urlsplit(base_url)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    samples: list[Sample] = []
    lock = threading.Lock()
    started = time.monotonic() if started is None else started
    deadline = time.monotonic() + seconds
    counter = iter(range(10**9))

    def client(index: int):
        conn = None
        mine = []
        op = CREATE if index % 2 == 0 else LIST
        while time.monotonic() < deadline:
            if conn is None:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
            begun = time.perf_counter()
            try:
                if op == CREATE:
                    with lock:
                        n = next(counter)
                    body = json.dumps(create_body(n + index * 1_000_003))
                    conn.request("POST", "/api/v1/incidents/", body=body, headers=headers)
                else:
                    conn.request("GET", "/api/v1/incidents/outstanding/", headers=headers)
                response = conn.getresponse()
                content = response.read()
                status, retry = response.status, response.getheader("Retry-After")
                created = json.loads(content).get("id") if status == 201 else None
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status, retry, created = 0, None, None
                conn.close()
                conn = None
                time.sleep(0.05)
            ms = (time.perf_counter() - begun) * 1000
            mine.append(Sample(time.monotonic() - started, op, status, ms, retry, created))
            if status == 503:
                time.sleep(0.05)  # a real client honours Retry-After; keep the loop polite
            op = LIST if op == CREATE else CREATE
        if conn is not None:
            conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(samples, key=lambda s: s.at)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(samples: list[Sample], seconds: float) -> str:
    """One line per operation: count, rate, p50/p95 of the 2xx answers, and the statuses."""
    lines = []
    for op in (CREATE, LIST):
        mine = [s for s in samples if s.op == op]
        ok = [s.ms for s in mine if 200 <= s.status < 300]
        statuses = {}
        for s in mine:
            statuses[s.status] = statuses.get(s.status, 0) + 1
        lines.append(
            f"{op:6} {len(ok):6d} ok ({len(ok) / seconds:6.1f}/s)  p50 {statistics.median(ok) if ok else float('nan'):7.1f} ms"
            f"  p95 {percentile(ok, 0.95):7.1f} ms  statuses {dict(sorted(statuses.items()))}"
        )
    total_ok = sum(1 for s in samples if 200 <= s.status < 300)
    lines.append(
        f"total  {total_ok:6d} ok ({total_ok / seconds:6.1f}/s); "
        f"5xx {sum(1 for s in samples if s.status >= 500)}, "
        f"of which 500: {sum(1 for s in samples if s.status == 500)}; "
        f"no answer (dropped, or none within {TIMEOUT:.0f} s) "
        f"{sum(1 for s in samples if s.status == 0)}; slowest {max((s.ms for s in samples), default=0) / 1000:.1f} s"
    )
    return "\n".join(lines)
