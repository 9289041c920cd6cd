"""A real HTTP server for the benchmarks: the project's ASGI application under daphne in a child
process, on the test database, so a timing includes what a client really waits for (the server,
its database connection, the live push), not the Django test client.

`BENCH_SERVER_SRC` runs the server from another checkout (e.g. an export of main, for a
before/after comparison against the same data); by default this one.

    with running_server() as server:
        client = server.client(token)
        status, body, millis = client.post_json("/api/v1/incidents/", {...})
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Client:
    """One keep-alive HTTP connection with a token, timing each request in milliseconds."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: dict | None = None):
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        self.conn.request(method, path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        millis = (time.perf_counter() - started) * 1000
        return response.status, data, millis

    def post_json(self, path: str, body: dict):
        return self.request("POST", path, body)

    def get(self, path: str):
        return self.request("GET", path)

    def close(self):
        self.conn.close()


class Server:
    def __init__(self, port: int, process: subprocess.Popen, log_path: str):
        self.port, self.process, self.log_path = port, process, log_path

    def client(self, token: str) -> Client:
        return Client(self.port, token)

    def cpu_ms(self) -> float:
        """CPU time the server process has used so far (user + system), in milliseconds: on a
        shared, busy machine a steadier measure of the work per request than the wall clock."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks * 1000 / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_server():
    """The ASGI application under daphne (what `make run` and the Dockerfile serve) on a free
    port, connected to the test database; stopped afterwards."""
    src = Path(os.environ.get("BENCH_SERVER_SRC") or REPO)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
        # Not while requests are timed: the grading models train on the first create instead
        # (the create benchmark's warm-up), as a server that has been up a while has them.
        "GRADING_TRAIN_AT_START": "0",
    }
    log = tempfile.NamedTemporaryFile("w", prefix="bench-server-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "controlroom.asgi:application",
        ],
        cwd=src,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(port, process, log.name)
        yield Server(port, process, log.name)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_ready(port: int, process: subprocess.Popen, log_path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {Path(log_path).read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start in 60 s")


def percentile(values, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(label: str, millis) -> str:
    return (
        f"{label}: n={len(millis)} p50 {percentile(millis, 0.5):.1f} ms, "
        f"p95 {percentile(millis, 0.95):.1f} ms, p99 {percentile(millis, 0.99):.1f} ms, "
        f"max {max(millis):.1f} ms"
    )
