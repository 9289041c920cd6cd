"""Benchmark: how long a killed web process's live socket stays in the live group.

A real daphne process serves one websocket; the process is killed (SIGKILL: no disconnect, no
group_discard); then a push goes to the group every second, as services do, until the dead
channel is no longer a member. Run with `pytest -m bench -s tests/perf/test_live_group_expiry.py`;
it prints the seconds for the old channels_redis default expiry (24 hours: it is still a member
when the measurement gives up) and for the configured one.
"""

import copy
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
import websockets
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.conf import settings
from django.db import connection

from core.live import role_group
from core.services import live_ticket_issue
from tests.e2e.asgi_server import _free_port
from tests.factories import staff

pytestmark = pytest.mark.bench
GROUP = role_group("SUPERVISOR")  # a group the supervisor's socket joins
ROOT = Path(__file__).resolve().parents[2]
GIVE_UP = 150  # seconds


def _daphne(port: int, expiry: int) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "LIVE_GROUP_EXPIRY_SECONDS": str(expiry),
        "CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "controlroom.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("daphne did not start")


def _members() -> set[str]:
    key = get_channel_layer()._group_key(GROUP)
    return {m.decode() for m in redis.Redis.from_url(settings.REDIS_URL).zrange(key, 0, -1)}


@pytest.mark.parametrize("expiry", [86400, settings.LIVE_GROUP_EXPIRY_SECONDS])
@pytest.mark.django_db(transaction=True)
def test_how_long_a_killed_processes_socket_stays_in_the_live_group(
    expiry, channel_layer_flush, settings
):
    # Every process, this one (which sends the pushes that sweep the group) included, runs
    # with the same expiry, as in production.
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["group_expiry"] = expiry
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    ticket = live_ticket_issue(actor=staff("SUPERVISOR")).key
    port = _free_port()
    process = _daphne(port, expiry)

    async def open_socket():
        socket = await websockets.connect(f"ws://127.0.0.1:{port}/ws/live/?ticket={ticket}")
        await socket.recv()  # hello: it has joined its groups
        return socket

    socket = async_to_sync(open_socket)()
    (channel,) = _members()
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = time.monotonic()
    layer = get_channel_layer()
    while channel in _members() and time.monotonic() - killed_at < GIVE_UP:
        async_to_sync(layer.group_send)(GROUP, {"type": "live.message", "payload": {"type": "x"}})
        time.sleep(1)
    stayed = time.monotonic() - killed_at
    gone = channel not in _members()
    print(
        f"\ngroup_expiry {expiry} s: the dead channel "
        + (f"left the group {stayed:.0f} s after the kill" if gone else
           f"was still a member {stayed:.0f} s after the kill (it would stay up to {expiry} s)")
    )  # fmt: skip
    del socket
    channel_layers.backends.clear()
    assert gone or expiry > GIVE_UP
