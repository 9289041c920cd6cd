"""An ASGI server (daphne) for browser tests that need the live websocket: pytest-django's
`live_server` is WSGI only. It runs against the test database (use
`@pytest.mark.django_db(transaction=True)` so it sees the test's rows) and the test's Redis, so
a push published by the test process reaches the browsers through daphne."""

import os
import socket
import subprocess
import sys
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


@contextmanager
def asgi_server():
    """Start daphne on a free port; yields its base URL; stops it afterwards."""
    db = connection.settings_dict
    port = _free_port()
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
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "daphne did not start: " + process.stderr.read().decode()[-2000:]
                    ) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
