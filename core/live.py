"""Live updates: services publish a small payload to a channel-layer group after commit.

The payload carries a `type` and ids; screens re-fetch what they show from the REST API.
The database is the truth; a push is only a notification.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from core.roles import Role

logger = logging.getLogger(__name__)

# Groups a consumer may join: one per role, plus everyone on the operations floor.
ALL = "live.all"


def role_group(role: str) -> str:
    return f"live.role.{role}"


def user_group(user_id: int) -> str:
    return f"live.user.{user_id}"


def groups_for(roles, user_id: int | None = None) -> list[str]:
    groups = [ALL] + [role_group(r) for r in sorted(roles) if r in Role.values]
    if user_id is not None:
        groups.append(user_group(user_id))
    return groups


def send_now(group: str, payload: dict) -> None:
    """Send to a group immediately. Services use `publish`, which waits for the commit."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.message", "payload": payload})
    except Exception:  # a lost push loses nothing: screens re-sync from the API
        logger.exception("live push to %s failed", group)


def publish(group: str, payload: dict, *, using: str | None = None) -> None:
    """Send `payload` to `group` once the current transaction commits (at once outside one)."""
    if "type" not in payload:
        raise ValueError("a live payload needs a 'type'")
    transaction.on_commit(lambda: send_now(group, payload), using=using)


def publish_to_roles(roles, payload: dict) -> None:
    for role in roles:
        publish(role_group(role), payload)


# --- Closing a user's sockets ---------------------------------------------------------------
# A socket is closed with one of these codes, always after its handshake was accepted: a
# browser sees a code sent during the handshake only as 1006, and would reconnect for ever.
CLOSE_ACCOUNT_CHANGED = 4000  # roles changed: reconnect, to be given the new ones
CLOSE_UNAUTHENTICATED = 4401  # not (or no longer) logged in: log in again
CLOSE_FORBIDDEN = 4403  # logged in, but without a control-room role


def user_sockets_close(
    user_id: int, *, code: int, reason: str, session_key: str | None = None
) -> None:
    """Close the user's open live sockets once the current transaction commits (at once outside
    one): every socket joins its user's group (`user_group`), and this sends that group a
    close. With `session_key`, only the sockets opened with that browser session close (a
    logout ends one session; the user's other sessions and ticket sockets stay open).

    Deactivation and role changes (`core.receivers`) and logout call this, so a person who may
    no longer read the operational picture stops receiving it at once."""
    message = {"type": "live.close", "code": code, "reason": reason[:120]}
    if session_key:
        message["session_key"] = session_key

    def send():
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(user_group(user_id), message)
        except Exception:  # the socket's next reconnect is refused anyway
            logger.exception("closing the live sockets of user %s failed", user_id)

    transaction.on_commit(send)
