"""Live group membership lapses unless renewed: a socket that is alive renews it on a heartbeat,
a web process that died without leaving its groups drops out within the expiry."""

import asyncio
import time

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections

from core.live import role_group

# A group a supervisor's socket joins.
GROUP = role_group("SUPERVISOR")


def _members(layer) -> dict[str, float]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    return {
        m.decode(): s for m, s in client.zrange(layer._group_key(GROUP), 0, -1, withscores=True)
    }


def _age(layer, channel: str, seconds: float) -> None:
    """Make `channel` look as if it last joined `seconds` ago."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.zadd(layer._group_key(GROUP), {channel: time.time() - seconds}, xx=True)


def test_the_channel_layer_forgets_a_member_after_a_minute_and_a_half_not_a_day():
    layer = get_channel_layer()

    assert layer.group_expiry == settings.LIVE_GROUP_EXPIRY_SECONDS == 90
    assert settings.LIVE_GROUP_REJOIN_SECONDS < settings.LIVE_GROUP_EXPIRY_SECONDS / 2


@pytest.mark.asyncio
async def test_a_dead_process_channel_is_dropped_at_the_first_push_after_the_expiry(
    channel_layer_flush,
):
    layer = get_channel_layer()
    expiry = layer.group_expiry
    await layer.group_add(GROUP, "specific.dead-long-ago!1")
    await layer.group_add(GROUP, "specific.died-just-now!1")
    _age(layer, "specific.dead-long-ago!1", expiry + 1)
    _age(layer, "specific.died-just-now!1", expiry - 30)

    await layer.group_send(GROUP, {"type": "live.message", "payload": {"type": "test"}})

    assert set(_members(layer)) == {"specific.died-just-now!1"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_live_socket_renews_its_membership_and_keeps_receiving(
    channel_layer_flush, settings
):
    from controlroom.asgi import application
    from core.services import live_ticket_issue
    from tests.factories import staff

    settings.LIVE_GROUP_REJOIN_SECONDS = 0.05
    supervisor = await sync_to_async(staff)("SUPERVISOR")
    ticket = await sync_to_async(live_ticket_issue)(actor=supervisor)
    communicator = WebsocketCommunicator(application, f"/ws/live/?ticket={ticket.key}")
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    layer = get_channel_layer()
    (channel,) = _members(layer)
    # As if it joined longer ago than the expiry: only a renewal keeps it in the group.
    _age(layer, channel, layer.group_expiry + 1)
    aged = _members(layer)[channel]
    for _ in range(200):
        if _members(layer)[channel] > aged:
            break
        await asyncio.sleep(0.05)

    await layer.group_send(GROUP, {"type": "live.message", "payload": {"type": "test.ping"}})

    assert (await communicator.receive_json_from(timeout=5))["type"] == "test.ping"
    assert channel in _members(layer)
    await communicator.disconnect()
    assert channel not in _members(layer)
    await sync_to_async(connections.close_all)()
