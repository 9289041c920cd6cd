"""A real HTTP server for the benchmarks: the project's application in child processes, as `make
stack` serves it (nginx in front of gunicorn; BENCH_SERVER below for the others), on the test
database, so a timing includes what a client really waits for (the proxy, the server, its
database connection, the live push), not the Django test client.

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
import shutil
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
    def __init__(self, port: int, processes: list[subprocess.Popen], log_path: str):
        self.port, self.processes, self.log_path = port, processes, log_path

    @property
    def process(self) -> subprocess.Popen:
        """The application server (gunicorn or daphne), not the proxy."""
        return self.processes[0]

    def client(self, token: str) -> Client:
        return Client(self.port, token)

    def cpu_ms(self) -> float:
        """CPU time the server's processes (the application server and its workers, and nginx
        and its worker in front) have used so far (user + system), in milliseconds: on a shared,
        busy machine a steadier measure of the work per request than the wall clock."""
        ticks = 0
        for root in self.processes:
            for pid in [root.pid, *_children(root.pid)]:
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


# BENCH_SERVER: what serves the requests.
#   stack (default): what `make stack` and docker-compose run, nginx in front of gunicorn (2
#     processes x 4 threads, persistent database connections), over a unix socket;
#   gunicorn: the same gunicorn without nginx; daphne: one daphne (HTTP under ASGI, `make run`'s
#     server and `make stack`'s before 2026-11-30; a new database connection per request).
# BENCH_GUNICORN: gunicorn's worker options instead of make stack's, for comparisons (e.g.
#   "--workers 5 --worker-class sync").
BENCH_SERVERS = ("stack", "gunicorn", "daphne")


def server_label() -> str:
    """What BENCH_SERVER serves with, for a benchmark's printed line."""
    kind = os.environ.get("BENCH_SERVER") or "stack"
    return {"stack": "nginx + gunicorn"}.get(kind, kind)


def _gunicorn(bind: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        *os.environ.get("BENCH_GUNICORN", "--workers 2 --worker-class gthread --threads 4").split(),
        "--keep-alive",
        "60",
        "--no-control-socket",
        "controlroom.wsgi:application",
    ]


@contextmanager
def running_server():
    """The application on a free port (BENCH_SERVER, above), connected to the test database;
    stopped afterwards. `server.process` is the application server."""
    kind = os.environ.get("BENCH_SERVER") or "stack"
    if kind not in BENCH_SERVERS:
        raise ValueError(f"BENCH_SERVER is one of {BENCH_SERVERS}, not {kind!r}")
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
    workdir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    workdir.chmod(0o755)  # nginx's worker runs as nobody when nginx is started as root
    commands = []
    if kind == "daphne":
        commands.append(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "controlroom.asgi:application"]
        )  # fmt: skip
    elif kind == "gunicorn":
        commands.append(_gunicorn(f"127.0.0.1:{port}"))
    else:
        env["TRUST_X_FORWARDED_FOR"] = "1"
        socket_path = workdir / "web.sock"
        commands.append(_gunicorn(f"unix:{socket_path}"))
        subprocess.run(
            [sys.executable, str(REPO / "scripts/nginx_conf.py"), str(workdir),
             f"127.0.0.1:{port}", f"unix:{socket_path}", "127.0.0.1:9"],
            check=True,
        )  # fmt: skip
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        commands.append([nginx, "-c", str(workdir / "nginx.conf")])
    processes = []
    try:
        for command in commands:
            processes.append(
                subprocess.Popen(command, cwd=src, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
        _wait_ready(port, processes, log.name)
        yield Server(port, processes, log.name)
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(port: int, processes: list[subprocess.Popen], log_path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"server exited: {Path(log_path).read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            answer = conn.getresponse()
            answer.read()
            conn.close()
            if answer.status == 200:  # nginx answers 503 until gunicorn is up
                return
            time.sleep(0.2)
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
