"""Live pushes on the real Redis channel layer: only new alerts are published, after commit; a
lost push loses no alert (the database is the truth); the websocket delivers `alert.raised`."""

from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from core.live import role_group, wait_sent
from monitoring.models import Alert, AlertKind
from monitoring.services import scan_response_times
from tests.live import listen, payloads
from tests.monitoring.factories import make_incident

T0 = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_only_newly_recorded_alerts_are_published_after_commit(
    channel_layer_flush, django_capture_on_commit_callbacks
):
    channel = listen(role_group("SUPERVISOR"))
    incident = make_incident(received_at=T0)

    with django_capture_on_commit_callbacks(execute=True):
        scan_response_times(now=T0 + timedelta(minutes=16))
    with django_capture_on_commit_callbacks(execute=True):
        scan_response_times(now=T0 + timedelta(minutes=16, seconds=1))

    raised = [p for p in payloads(channel) if p["type"] == "alert.raised"]
    assert len(raised) == 1
    assert raised[0]["kind"] == AlertKind.BREACHED and raised[0]["incident"] == incident.pk
    assert {"id", "kind", "incident", "raised_at", "threshold_at", "acknowledged_at"} <= set(
        raised[0]
    )


@pytest.mark.django_db
def test_a_lost_push_loses_no_alert(settings, api, django_capture_on_commit_callbacks):
    # A channel layer that cannot be reached (nothing listens on this port): the push fails.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    incident = make_incident(received_at=T0)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            scan_response_times(now=T0 + timedelta(minutes=16))
        assert wait_sent(10)
    finally:
        channel_layers.backends.clear()

    response = api("SUPERVISOR").get("/api/v1/alerts/?status=OPEN")
    rows = response.json()["results"] if "results" in response.json() else response.json()
    assert [(r["kind"], r["incident"]) for r in rows] == [("BREACHED", incident.pk)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_websocket_delivers_alert_raised_to_a_supervisor(channel_layer_flush):
    from controlroom.asgi import application
    from core.services import live_ticket_issue
    from tests.factories import staff

    supervisor = await sync_to_async(staff)("SUPERVISOR")
    ticket = await sync_to_async(live_ticket_issue)(actor=supervisor)
    incident = await sync_to_async(make_incident)(received_at=T0)
    communicator = WebsocketCommunicator(application, f"/ws/live/?ticket={ticket.key}")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"

    await sync_to_async(scan_response_times)(now=T0 + timedelta(minutes=16))

    message = await communicator.receive_json_from(timeout=5)
    while message["type"] != "alert.raised":
        message = await communicator.receive_json_from(timeout=5)
    assert message["kind"] == "BREACHED" and message["incident"] == incident.pk
    assert "SUPERVISOR" in message["roles"]
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_after_a_reconnect_the_screen_finds_every_alert_in_the_api(channel_layer_flush):
    """A client offline while alerts were raised misses the pushes; the API has them all."""
    from rest_framework.test import APIClient

    from core.services import token_for
    from tests.factories import staff

    incidents = [
        await sync_to_async(make_incident)(received_at=T0 + timedelta(seconds=i)) for i in range(3)
    ]
    await sync_to_async(scan_response_times)(now=T0 + timedelta(minutes=16))
    supervisor = await sync_to_async(staff)("SUPERVISOR")

    def fetch():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token " + token_for(user=supervisor))
        return client.get("/api/v1/alerts/board/").json()

    board = await sync_to_async(fetch)()

    assert {a["incident"] for a in board["alerts"]} == {i.pk for i in incidents}
    assert await sync_to_async(Alert.objects.count)() == 3
    await sync_to_async(connections.close_all)()
