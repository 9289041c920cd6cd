"""Fault test: Redis (the channel layer) really goes away and comes back (issue 15, finding 2).

A throwaway `redis-server` of this test's own (never the shared one on 6379) carries the channel
layer; it is killed with SIGKILL and started again. While it is down: an open socket is closed
with 4013 (try again later), a new socket is accepted and closed with 4013 (never an HTTP 500),
the API keeps answering (a push is lost and logged once), readiness answers 503 with a retry
hint. When it is back: sockets connect again and the response-time scan catches up, raising
the breach whose threshold passed during the outage and pushing it.
"""

import json
import logging
import os
import signal
import socket
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from controlroom.asgi import application
from core import services
from core.live import CLOSE_TRY_AGAIN, wait_sent
from core.unavailable import outage_response
from monitoring.models import Alert, AlertKind
from monitoring.services import scan_response_times
from tests.factories import staff
from tests.monitoring.factories import make_incident


def _port() -> int:
    """6390 when free, else any free port."""
    for port in (6390, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise AssertionError("no free port")


class ThrowawayRedis:
    def __init__(self, directory):
        self.port = _port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.pidfile = directory / "redis.pid"
        self.directory = directory

    def _ping(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(self.pidfile),
             "--dir", str(self.directory)],
            check=True, capture_output=True,
        )  # fmt: skip
        for _ in range(100):
            if self._ping():
                return
            time.sleep(0.05)
        raise AssertionError("the throwaway redis-server did not start")

    def kill(self) -> None:
        pid = int(self.pidfile.read_text())
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if not self._ping():
                self.pidfile.unlink(missing_ok=True)
                return
            time.sleep(0.05)
        raise AssertionError("the throwaway redis-server did not die")


@pytest.fixture
def throwaway_redis(tmp_path, settings):
    """A redis-server of the test's own; the channel layer and the broker settings point at it."""
    server = ThrowawayRedis(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    settings.CELERY_BROKER_URL = server.url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": server.url, "socket_timeout": 5}],
                "prefix": "outage",
                "group_expiry": settings.LIVE_GROUP_EXPIRY_SECONDS,
            },
        }
    }
    channel_layers.backends.clear()
    try:
        yield server
    finally:
        wait_sent(5)
        if server.pidfile.exists():
            server.kill()
        channel_layers.backends.clear()


async def _open(user) -> WebsocketCommunicator:
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    communicator = WebsocketCommunicator(application, f"/ws/live/?ticket={ticket.key}")
    connected, _ = await communicator.connect(timeout=5)
    assert connected, "the handshake failed (an HTTP 500 for a browser)"
    return communicator


async def _closed_with(communicator, timeout=8) -> int:
    while True:
        message = await communicator.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            return message["code"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_redis_outage_closes_sockets_with_try_again_and_the_scan_catches_up(
    throwaway_redis, caplog
):
    caplog.set_level(logging.WARNING)
    supervisor = await sync_to_async(staff)("SUPERVISOR")
    handler = await sync_to_async(staff)("CALL_HANDLER")
    before = await _open(supervisor)
    assert (await before.receive_json_from(timeout=5))["type"] == "hello"
    # IMMEDIATE urban: breached 15 minutes after the call, which falls during the outage.
    breach_in = timedelta(seconds=3)
    incident = await sync_to_async(make_incident)(
        received_at=timezone.now() - timedelta(minutes=15) + breach_in
    )

    await sync_to_async(throwaway_redis.kill)()
    down_at = timezone.now()

    # The open socket is told to try again later; so is a new one, after its handshake.
    assert await _closed_with(before) == CLOSE_TRY_AGAIN
    await before.disconnect()
    during = await _open(supervisor)
    assert await _closed_with(during) == CLOSE_TRY_AGAIN
    await during.disconnect()

    def http_during_the_outage():
        client = APIClient()
        client.force_authenticate(handler)
        answers = {
            "ticket": client.post("/api/v1/live/ticket/").status_code,
            "readyz": client.get("/readyz"),
        }
        for n in range(2):
            created = client.post(
                "/api/v1/incidents/",
                {
                    "channel": "101",
                    "narrative": f"Bins set alight {n}",
                    "caller_phone": "07700 900123",
                },
                format="json",
            )
            answers[f"create {n}"] = created.status_code
        return answers

    answers = await sync_to_async(http_during_the_outage)()
    assert answers["ticket"] == 200 and answers["create 0"] == answers["create 1"] == 201
    assert answers["readyz"].status_code == 503 and answers["readyz"]["Retry-After"]
    assert await sync_to_async(wait_sent)(15)
    lost = [r for r in caplog.records if "lost until it recovers" in r.getMessage()]
    assert len(lost) == 1, "a push failing during an outage is logged once, not per push"

    # The breach threshold passes while Redis is down.
    while timezone.now() < incident.target_response_at + timedelta(milliseconds=200):
        await sync_to_async(time.sleep)(0.2)
    await sync_to_async(throwaway_redis.start)()
    up_at = timezone.now()

    after = await _open(supervisor)
    assert (await after.receive_json_from(timeout=5))["type"] == "hello"
    await sync_to_async(scan_response_times)()
    message = await after.receive_json_from(timeout=5)
    while not (message["type"] == "alert.raised" and message["kind"] == AlertKind.BREACHED):
        message = await after.receive_json_from(timeout=5)
    assert message["incident"] == incident.pk
    breach = await sync_to_async(Alert.objects.get)(incident=incident, kind=AlertKind.BREACHED)
    assert down_at < breach.threshold_at < up_at <= breach.raised_at
    assert await sync_to_async(wait_sent)(5)
    assert any("being sent again" in r.getMessage() for r in caplog.records)
    await after.disconnect()
    await sync_to_async(connections.close_all)()


def test_an_api_request_that_needs_redis_answers_503_with_a_retry_hint(rf):
    """The guard for any request that reaches Redis while it is down (pushes no longer do)."""
    from core.api import exception_handler
    from core.unavailable import ServiceUnavailableMiddleware

    answer = exception_handler(
        redis.exceptions.ConnectionError("refused"), {"request": rf.get("/api/v1/units/")}
    )
    assert answer.status_code == 503 and answer["Retry-After"] == "5"
    body = json.loads(answer.content)
    assert body["code"] == "service_unavailable" and body["detail"]

    page = ServiceUnavailableMiddleware(lambda r: None).process_exception(
        rf.get("/dispatch/"), redis.exceptions.TimeoutError("timed out")
    )
    assert page.status_code == 503 and page["Retry-After"] == "5"
    api = outage_response(rf.get("/api/v1/units/"))
    assert api.status_code == 503 and b'"service_unavailable"' in api.content
