"""Listening to the live channel layer in tests: join groups with a channel of our own, then
read what arrived, unpacking `core.live`'s per-transaction `live.batch` messages."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.live import wait_sent


def listen(*groups: str) -> str:
    """A new channel that is a member of `groups`."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    for group in groups:
        async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str, timeout: float = 0.3) -> list[dict]:
    """The raw channel-layer messages that reached `channel` (after the sender has sent
    everything committed so far), waiting `timeout` seconds for the last."""
    assert wait_sent(10), "the live sender did not finish"
    layer = get_channel_layer()

    async def drain():
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), timeout))
            except TimeoutError:
                return messages

    return async_to_sync(drain)()


def payloads(channel: str, timeout: float = 0.3) -> list[dict]:
    """The payloads that reached `channel`, each once, in order, as a socket forwards them."""
    found, seen = [], set()
    for message in received(channel, timeout):
        if message["type"] == "live.message":
            found.append(message["payload"])
            continue
        for seq, payload in message["messages"]:
            if (message["batch"], seq) not in seen:
                seen.add((message["batch"], seq))
                found.append(payload)
    return found
