"""Live sockets follow the account: deactivation, a change of roles and logout close the user's
sockets at once, and refusals are close codes a browser can see (sent after the handshake)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from controlroom.asgi import application
from core import services
from core.live import (
    CLOSE_ACCOUNT_CHANGED,
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    publish,
    role_group,
)
from core.staff import staff_deactivate, staff_roles_set
from tests.factories import staff

pytestmark = [
    pytest.mark.usefixtures("channel_layer_flush"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
]


async def _ticket_socket(user) -> WebsocketCommunicator:
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    communicator = WebsocketCommunicator(application, f"/ws/live/?ticket={ticket.key}")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


async def _closed_with(communicator) -> int:
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close", message
    return message.get("code")


def _logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def _session_socket(client: Client) -> WebsocketCommunicator:
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    communicator = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


async def test_deactivating_a_supervisor_closes_their_socket_at_once():
    supervisor = await sync_to_async(staff)("SUPERVISOR")
    socket = await _ticket_socket(supervisor)

    await sync_to_async(staff_deactivate)(actor=None, user=supervisor, reason="left the force")

    assert await _closed_with(socket) == CLOSE_UNAUTHENTICATED


async def test_a_deactivated_supervisor_hears_no_supervisor_only_message():
    supervisor = await sync_to_async(staff)("SUPERVISOR")
    socket = await _ticket_socket(supervisor)
    await sync_to_async(staff_deactivate)(actor=None, user=supervisor)
    assert await _closed_with(socket) == CLOSE_UNAUTHENTICATED

    await sync_to_async(publish)(
        role_group("SUPERVISOR"), {"type": "grade_request.requested", "id": 1}
    )

    assert await socket.receive_nothing(timeout=0.5)


async def test_stripping_a_users_roles_closes_the_socket_and_the_reconnect_is_refused():
    supervisor = await sync_to_async(staff)("SUPERVISOR")
    socket = await _ticket_socket(supervisor)

    await sync_to_async(staff_roles_set)(actor=None, user=supervisor, roles=[])

    assert await _closed_with(socket) == CLOSE_ACCOUNT_CHANGED
    ticket = await sync_to_async(services.live_ticket_issue)(actor=supervisor)
    again = WebsocketCommunicator(application, f"/ws/live/?ticket={ticket.key}")
    connected, _ = await again.connect()
    assert connected, "accepted first, so the browser can read the code"
    assert await _closed_with(again) == CLOSE_FORBIDDEN


async def test_a_role_removed_in_the_admin_closes_the_socket_too():
    dispatcher = await sync_to_async(staff)("DISPATCHER")
    socket = await _ticket_socket(dispatcher)

    def remove_role():
        dispatcher.groups.remove(Group.objects.get(name="DISPATCHER"))

    await sync_to_async(remove_role)()

    assert await _closed_with(socket) == CLOSE_ACCOUNT_CHANGED


async def test_logout_closes_the_sockets_of_that_session_only():
    dispatcher = await sync_to_async(staff)("DISPATCHER")
    desk = await sync_to_async(_logged_in_client)(dispatcher)
    other_desk = await sync_to_async(_logged_in_client)(dispatcher)
    leaving = await _session_socket(desk)
    staying = await _session_socket(other_desk)

    response = await sync_to_async(desk.post)("/logout/")

    assert response.status_code == 302
    assert await _closed_with(leaving) == CLOSE_UNAUTHENTICATED
    assert await staying.receive_nothing(timeout=0.5)
    await staying.disconnect()


async def test_an_anonymous_socket_is_accepted_then_closed_with_4401():
    anonymous = WebsocketCommunicator(application, "/ws/live/")

    connected, _ = await anonymous.connect()

    assert connected
    assert await _closed_with(anonymous) == CLOSE_UNAUTHENTICATED


async def test_a_password_change_closes_the_sockets_and_other_sessions_cannot_reconnect():
    """A stolen session's socket must not outlive a password change: it is closed, and its
    reconnect (the old session's auth hash no longer matches) is refused."""
    supervisor = await sync_to_async(staff)("SUPERVISOR")
    other_session = await sync_to_async(_logged_in_client)(supervisor)
    socket = await _session_socket(other_session)

    def change_password():
        supervisor.set_password("A-new-long-passphrase-2026")
        supervisor.save()

    await sync_to_async(change_password)()

    assert await _closed_with(socket) == CLOSE_ACCOUNT_CHANGED
    cookie = other_session.cookies[settings.SESSION_COOKIE_NAME].value
    again = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())],
    )
    await again.connect()
    assert await _closed_with(again) == CLOSE_UNAUTHENTICATED


async def test_a_last_login_update_does_not_close_sockets():
    supervisor = await sync_to_async(staff)("SUPERVISOR")
    socket = await _ticket_socket(supervisor)

    def log_in_elsewhere():
        from django.contrib.auth.models import update_last_login

        update_last_login(None, supervisor)

    await sync_to_async(log_in_elsewhere)()
    assert await socket.receive_nothing(timeout=0.5)
