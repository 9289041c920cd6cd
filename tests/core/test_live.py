"""The live socket: tickets, the consumer, and pushes that happen only after commit."""

import asyncio

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from controlroom.asgi import application
from core import services
from core.live import ALL, publish, role_group
from tests.factories import staff
from tests.live import listen, received

pytestmark = pytest.mark.usefixtures("channel_layer_flush")


@pytest.mark.django_db
def test_a_ticket_can_be_used_once(make_staff):
    user = make_staff("DISPATCHER")
    ticket = services.live_ticket_issue(actor=user)
    assert services.live_ticket_redeem(key=ticket.key) == user
    assert services.live_ticket_redeem(key=ticket.key) is None


@pytest.mark.django_db
def test_a_ticket_expires_after_thirty_seconds(make_staff):
    user = make_staff("DISPATCHER")
    with time_machine.travel("2026-11-28 10:00:00Z", tick=False):
        ticket = services.live_ticket_issue(actor=user)
    with time_machine.travel("2026-11-28 10:00:31Z", tick=False):
        assert services.live_ticket_redeem(key=ticket.key) is None


@pytest.mark.django_db
def test_an_unknown_or_absurd_ticket_is_refused():
    assert services.live_ticket_redeem(key="nope") is None
    assert services.live_ticket_redeem(key="x" * 500) is None
    assert services.live_ticket_redeem(key="") is None


@pytest.mark.django_db
def test_ticket_endpoint_issues_a_ticket_to_an_authenticated_user(api):
    response = api("SUPERVISOR").post("/api/v1/live/ticket/")
    assert response.status_code == 200
    assert len(response.json()["ticket"]) >= 32


def _connect(path):
    return WebsocketCommunicator(application, path)


async def _refused_with(communicator) -> int:
    """A refusal is a close code sent after accepting the handshake (a browser sees a code
    sent during the handshake only as 1006)."""
    connected, _ = await communicator.connect()
    assert connected
    closed = await communicator.receive_output(timeout=3)
    assert closed["type"] == "websocket.close"
    return closed["code"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_consumer_with_a_ticket_receives_what_is_published_to_its_role():
    user = await sync_to_async(staff)("DISPATCHER")
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    communicator = _connect(f"/ws/live/?ticket={ticket.key}")
    connected, _ = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from()
    assert hello == {"type": "hello", "roles": ["DISPATCHER"]}

    await sync_to_async(publish)(
        role_group("DISPATCHER"), {"type": "incident.created", "incident": 7}
    )
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "incident.created",
        "incident": 7,
    }
    await sync_to_async(publish)(role_group("SUPERVISOR"), {"type": "alert.raised", "id": 1})
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_ticket_cannot_open_a_second_socket():
    user = await sync_to_async(staff)("DISPATCHER")
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    first = _connect(f"/ws/live/?ticket={ticket.key}")
    assert (await first.connect())[0]
    second = _connect(f"/ws/live/?ticket={ticket.key}")
    assert await _refused_with(second) == 4401
    await first.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_consumer_refuses_anonymous_sockets_and_users_without_a_role():
    anonymous = _connect("/ws/live/")
    assert await _refused_with(anonymous) == 4401

    nobody = await sync_to_async(staff)()
    ticket = await sync_to_async(services.live_ticket_issue)(actor=nobody)
    roleless = _connect(f"/ws/live/?ticket={ticket.key}")
    assert await _refused_with(roleless) == 4403


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_consumer_refuses_a_cross_site_browser_origin(settings):
    settings.ALLOWED_HOSTS = ["cad.example.police.uk"]
    user = await sync_to_async(staff)("DISPATCHER")
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/live/?ticket={ticket.key}",
        headers=[(b"origin", b"https://evil.example")],
    )
    connected, _ = await communicator.connect()
    assert not connected
    same_site = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"https://cad.example.police.uk")]
    )
    assert await _refused_with(same_site) == 4401  # origin accepted, then refused for no login


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_consumer_receives_a_message_only_after_the_transaction_commits():
    user = await sync_to_async(staff)("SUPERVISOR")
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    communicator = _connect(f"/ws/live/?ticket={ticket.key}")
    assert (await communicator.connect())[0]
    await communicator.receive_json_from()  # hello

    opened, release = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()

    def write_and_publish():
        with transaction.atomic():
            publish(ALL, {"type": "incident.updated", "incident": 42})
            loop.call_soon_threadsafe(opened.set)
            asyncio.run_coroutine_threadsafe(release.wait(), loop).result(5)

    worker = asyncio.ensure_future(sync_to_async(write_and_publish, thread_sensitive=False)())
    await opened.wait()
    assert await communicator.receive_nothing(timeout=0.5), "pushed before commit"
    release.set()
    await worker
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "incident.updated",
        "incident": 42,
    }
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing():
    channel = listen(role_group("SUPERVISOR"))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        publish(ALL, {"type": "incident.updated", "incident": 1})
        raise Boom

    assert received(channel) == []


def test_publish_refuses_a_payload_without_a_type():
    with pytest.raises(ValueError):
        publish(ALL, {"incident": 1})


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_bad_frame_is_ignored_and_the_socket_stays_open():
    """Not JSON, JSON nested too deeply to parse (RecursionError in `json`) and JSON that is not
    an object: each is ignored like any frame that is not a ping; a ping still gets its pong."""
    user = await sync_to_async(staff)("DISPATCHER")
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    communicator = _connect(f"/ws/live/?ticket={ticket.key}")
    assert (await communicator.connect())[0]
    await communicator.receive_json_from()  # hello
    for frame in ("not json", "[" * 5000 + "]" * 5000, "[1, 2]", '"ping"'):
        await communicator.send_to(text_data=frame)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=3) == {"type": "pong"}
    await communicator.disconnect()
