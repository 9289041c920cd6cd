"""The one live socket a screen holds: `/ws/live/`.

Authenticates (session cookie, or a single-use `?ticket=` for integrations), checks the user
holds a control-room role, joins the groups for those roles and its user's own group, and
forwards what is published. It never writes business data.

Groups (`core.live`): the user's own, one per role held and, for an officer, the unit(s) they
crew and the incident(s) those units are committed to (asked of the providers registered with
`core.live.register_scope_provider`, again whenever a `live.batch` says `rescope` and on the
heartbeat): an officer hears only their unit and its incident. A payload that reaches the socket
through two of its groups is forwarded once.

A refused socket is accepted and then closed with 4401 (not logged in) or 4403 (no role): a
browser sees a close code only after the handshake (a refusal during it arrives as 1006), and
the page needs the code to stop reconnecting and ask the person to log in again. The user's own
group carries `live.close` (deactivation, role change, logout: `core.live.user_sockets_close`),
which closes the socket at once. When the channel layer (Redis) cannot be reached, the socket is
accepted and closed with 4013 (try again later) rather than failing the handshake with an HTTP
500, and an open socket whose channel layer is lost is closed the same way: the client
reconnects with backoff and re-syncs from the API.

Group membership lapses: the channel layer forgets a member `group_expiry` seconds after it
last joined (CHANNEL_LAYERS, a minute and a half), and a live socket joins its groups again
every LIVE_GROUP_REJOIN_SECONDS. So a web process that dies without saying goodbye (killed, or
its host lost) stops receiving pushes in its dead inboxes within the expiry, while every live
socket stays a member however long it is open.
"""

import asyncio
import logging
from collections import OrderedDict
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from core import services
from core.live import (
    CLOSE_FORBIDDEN,
    CLOSE_TRY_AGAIN,
    CLOSE_UNAUTHENTICATED,
    groups_for,
    scope_groups,
    user_group,
)
from core.roles import Role, user_roles

__all__ = ["CLOSE_FORBIDDEN", "CLOSE_TRY_AGAIN", "CLOSE_UNAUTHENTICATED", "LiveConsumer"]

logger = logging.getLogger(__name__)
RECENT_BATCHES = 64  # batches remembered per socket to forward a payload once (see live_batch)
UNAVAILABLE_PAUSE = 1.0  # seconds between attempts to read a lost channel layer


@database_sync_to_async
def _user_from_ticket(key):
    return services.live_ticket_redeem(key=key)


@database_sync_to_async
def _roles(user):
    return user_roles(user)


@database_sync_to_async
def _scope_groups(user):
    return scope_groups(user)


class _Outage:
    """Log a lost channel layer once, not once per socket and reconnect."""

    down = False

    @classmethod
    def lost(cls, exc: BaseException) -> None:
        if not cls.down:
            cls.down = True
            logger.error("live sockets cannot be set up or read (the channel layer is lost: "
                         "%r): closing them with %d", exc, CLOSE_TRY_AGAIN)  # fmt: skip

    @classmethod
    def back(cls) -> None:
        if cls.down:
            cls.down = False
            logger.warning("live sockets reach the channel layer again")


class LiveConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    follows: list[str]
    session_key: str | None
    user = None
    officer = False
    closing = False
    accepted = False
    rejoining: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        """AsyncConsumer.__call__ with a channel receive that survives a lost channel layer:
        instead of crashing the socket (an HTTP 500 during the handshake), a failed read closes
        it with CLOSE_TRY_AGAIN (4013) and the client reconnects with backoff."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.base_send = send
        self.seen: OrderedDict[str, set[int]] = OrderedDict()
        try:
            await await_many_dispatch([receive, self._channel_receive], self.dispatch)
        except StopConsumer:
            pass

    async def _channel_receive(self):
        for attempt in (1, 2):
            try:
                return await self.channel_layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Once more first: after Redis restarts, a pooled connection fails once.
                if attempt == 2:
                    _Outage.lost(exc)
                await asyncio.sleep(UNAVAILABLE_PAUSE / 5 if attempt == 1 else UNAVAILABLE_PAUSE)
        return {"type": "live.unavailable"}

    async def connect(self):
        self.groups_joined, self.follows, self.session_key = [], [], None
        if self.closing:
            return
        user = self.scope.get("user")
        ticket = parse_qs(self.scope.get("query_string", b"").decode()).get("ticket", [""])[0]
        if ticket:
            user = await _user_from_ticket(ticket)
        elif self.scope.get("session") is not None:
            self.session_key = self.scope["session"].session_key
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        try:
            # The user's own group first: a close sent while the rest is set up still arrives.
            self.groups_joined = [user_group(user.pk)]
            await self.join_groups()
            roles = await _roles(user)
            if not roles and not user.is_superuser:
                await self._refuse(CLOSE_FORBIDDEN)
                return
            self.groups_joined = groups_for(roles, user.pk, superuser=user.is_superuser)
            self.officer = Role.OFFICER in roles
            if self.officer:
                self.follows = await _scope_groups(user)
            await self.join_groups()
        except Exception as exc:
            _Outage.lost(exc)
            await self._refuse(CLOSE_TRY_AGAIN)
            return
        _Outage.back()
        self.rejoining = asyncio.create_task(self._keep_joining())
        await self.accept()
        await self.send_json({"type": "hello", "roles": sorted(roles)})

    async def accept(self, subprotocol=None, headers=None):
        self.accepted = True
        await super().accept(subprotocol, headers)

    async def _refuse(self, code: int) -> None:
        self.closing = True
        await self.leave_groups()
        if not self.accepted:
            await self.accept()
        await self.close(code=code)

    async def join_groups(self):
        """Join (or join again, which renews the membership) every group of this socket. A
        failed join is tried once more (after Redis restarts, a pooled connection fails once)."""
        for group in self.groups_joined + self.follows:
            try:
                await self.channel_layer.group_add(group, self.channel_name)
            except Exception:
                await asyncio.sleep(UNAVAILABLE_PAUSE / 5)
                await self.channel_layer.group_add(group, self.channel_name)

    async def leave_groups(self):
        groups, self.groups_joined, self.follows = self.groups_joined + self.follows, [], []
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:  # lost with the channel layer: it expires (group_expiry)
                logger.debug("live socket could not leave %s: %r", group, exc)

    async def rescope(self):
        """Follow the units and incidents the scope providers name now: join the new groups,
        leave the old (a crew or an assignment changed)."""
        if not self.officer or self.user is None or self.closing:
            return
        now = await _scope_groups(self.user)
        for group in sorted(set(now) - set(self.follows)):
            await self.channel_layer.group_add(group, self.channel_name)
        for group in sorted(set(self.follows) - set(now)):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.follows = now

    async def _keep_joining(self):
        interval = float(getattr(settings, "LIVE_GROUP_REJOIN_SECONDS", 30))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.rescope()  # a rescope lost with a push is made good here
                await self.join_groups()
            except Exception:  # the next beat tries again; a lapse costs pushes, not data
                logger.exception("live socket could not renew its groups")

    async def disconnect(self, code):
        self.closing = True
        if self.rejoining is not None:
            self.rejoining.cancel()
        await self.leave_groups()

    @classmethod
    async def decode_json(cls, text_data):
        """A frame that is not JSON, or nested too deeply to parse (RecursionError, which json
        raises instead of ValueError), is ignored like any frame that is not a ping: a client's
        bad frame never closes the socket with an internal error."""
        try:
            return await super().decode_json(text_data)
        except (ValueError, RecursionError):
            return None

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_message(self, event):
        if not self.closing:
            await self.send_json(event["payload"])

    async def live_batch(self, event):
        """One transaction's payloads for one of this socket's groups (`core.live`): rescope
        first when asked, then forward each payload as its own frame, once (the same batch
        reaches a socket through each of its groups the payload was routed to)."""
        if self.closing:
            return
        if event.get("rescope"):
            try:
                await self.rescope()
            except Exception:
                logger.exception("live socket could not follow its new units")
        seen = self.seen.get(event["batch"])
        if seen is None:
            seen = self.seen[event["batch"]] = set()
            while len(self.seen) > RECENT_BATCHES:
                self.seen.popitem(last=False)
        for seq, payload in event["messages"]:
            if seq not in seen:
                seen.add(seq)
                await self.send_json(payload)

    async def live_unavailable(self, event):
        """The channel layer cannot be read: close with 4013 (accepting first if the handshake
        is still open) and stop; the client reconnects with backoff."""
        if self.closing:
            return
        await self._refuse(CLOSE_TRY_AGAIN)
        if self.rejoining is not None:
            self.rejoining.cancel()

    async def live_close(self, event):
        """`core.live.user_sockets_close`: leave every group now (nothing more is forwarded,
        even before the client's close handshake ends) and close with the code given."""
        wanted = event.get("session_key")
        if wanted and wanted != self.session_key:
            return
        await self.disconnect(event["code"])
        await self.close(code=event["code"], reason=event.get("reason") or None)
