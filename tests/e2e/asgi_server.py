"""Servers for browser tests that need the live websocket (pytest-django's `live_server` is
WSGI only): `asgi_server`, one daphne serving everything (as `make run` does), and
`proxied_server`, what `make stack` runs (nginx in front of gunicorn for HTTP and daphne for
/ws/). Both run against the test database (use `@pytest.mark.django_db(transaction=True)` so
they see the test's rows) and the test's Redis, so a push published by the test process reaches
the browsers."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env() -> dict[str, str]:
    db = connection.settings_dict
    # The server is not an xdist worker: it is given this worker's Redis database and channel
    # prefix as they are (settings would otherwise derive them again from the worker's name).
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env |= {
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "CONN_MAX_AGE": "0",
        # A server per test: training the grading models in each (4 s of a core) would slow the
        # suite; the screens these tests drive do not need them.
        "GRADING_TRAIN_AT_START": "0",
    }
    if settings.REDIS_URL:
        env["CHANNEL_PREFIX"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    return env


def _wait_healthy(url: str, processes: list[subprocess.Popen], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            raise RuntimeError(f"the server at {url} did not start")
        time.sleep(0.2)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def asgi_server():
    """Start daphne on a free port; yields its base URL; stops it afterwards."""
    port = _free_port()
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
        cwd=ROOT,
        env=_server_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_healthy(url, [process])
        except RuntimeError as error:
            _stop([process])
            raise RuntimeError(f"{error}: {process.stderr.read().decode()[-2000:]}") from None
        yield url
    finally:
        _stop([process])


class Proxied:
    """A running `proxied_server`: its base URL, and its processes to stop one (`web`)."""

    def __init__(self, url: str, processes: dict[str, subprocess.Popen]):
        self.url, self.processes = url, processes


@contextmanager
def proxied_server():
    """What `make stack` serves (scripts/stack.sh): nginx on a free port, from the configuration
    scripts/nginx_conf.py writes, in front of gunicorn (HTTP, one process of two threads) and
    daphne (/ws/), each on a unix socket. Yields a `Proxied`; stops all three.

    Its files are in a directory of its own under /tmp, open to all: nginx's worker runs as
    `nobody` when nginx is started as root, and pytest's tmp_path is the user's alone."""
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="cad-proxied-"))
    workdir.chmod(0o755)
    web, live = workdir / "web.sock", workdir / "live.sock"
    env = _server_env() | {"TRUST_X_FORWARDED_FOR": "1", "CONN_MAX_AGE": "60"}
    subprocess.run(
        [sys.executable, "scripts/nginx_conf.py", str(workdir), f"127.0.0.1:{port}",
         f"unix:{web}", f"unix:{live}"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "--bind", f"unix:{web}", "--workers", "1",
                "--worker-class", "gthread", "--threads", "2", "--no-control-socket",
                "controlroom.wsgi:application"],
        "live": [sys.executable, "-m", "daphne", "-u", str(live), "--proxy-headers",
                 "controlroom.asgi:application"],
        "proxy": [shutil.which("nginx") or "/usr/sbin/nginx", "-e", "stderr", "-c",
                  str(workdir / "nginx.conf")],
    }  # fmt: skip
    processes: dict[str, subprocess.Popen] = {}
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "servers.log"
    try:
        with open(log_path, "w") as log:
            for name, command in commands.items():
                processes[name] = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                )
        try:
            _wait_healthy(url, list(processes.values()))
        except RuntimeError as error:
            _stop(list(processes.values()))
            raise RuntimeError(f"{error}: {log_path.read_text()[-2000:]}") from None
        yield Proxied(url, processes)
    finally:
        _stop(list(processes.values()))
        shutil.rmtree(workdir, ignore_errors=True)
