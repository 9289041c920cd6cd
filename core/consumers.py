"""The one live socket a screen holds: `/ws/live/`.

Authenticates (session cookie, or a single-use `?ticket=` for integrations), checks the user
holds a control-room role, joins the groups for those roles and its user's own group, and
forwards what is published. It never writes business data.

A refused socket is accepted and then closed with 4401 (not logged in) or 4403 (no role): a
browser sees a close code only after the handshake (a refusal during it arrives as 1006), and
the page needs the code to stop reconnecting and ask the person to log in again. The user's own
group carries `live.close` (deactivation, role change, logout: `core.live.user_sockets_close`),
which closes the socket at once.

Group membership lapses: the channel layer forgets a member `group_expiry` seconds after it
last joined (CHANNEL_LAYERS, a minute and a half), and a live socket joins its groups again
every LIVE_GROUP_REJOIN_SECONDS. So a web process that dies without saying goodbye (killed, or
its host lost) stops receiving pushes in its dead inboxes within the expiry, while every live
socket stays a member however long it is open.
"""

import asyncio
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from core import services
from core.live import (
    CLOSE_FORBIDDEN,
    CLOSE_UNAUTHENTICATED,
    groups_for,
    user_group,
)
from core.roles import user_roles

__all__ = ["CLOSE_FORBIDDEN", "CLOSE_UNAUTHENTICATED", "LiveConsumer"]

logger = logging.getLogger(__name__)


@database_sync_to_async
def _user_from_ticket(key):
    return services.live_ticket_redeem(key=key)


@database_sync_to_async
def _roles(user):
    return user_roles(user)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    session_key: str | None
    rejoining: asyncio.Task | None = None

    async def connect(self):
        self.groups_joined, self.session_key = [], None
        user = self.scope.get("user")
        ticket = parse_qs(self.scope.get("query_string", b"").decode()).get("ticket", [""])[0]
        if ticket:
            user = await _user_from_ticket(ticket)
        elif self.scope.get("session") is not None:
            self.session_key = self.scope["session"].session_key
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        # The user's own group first: a close sent while the rest is set up still arrives.
        self.groups_joined = [user_group(user.pk)]
        await self.join_groups()
        roles = await _roles(user)
        if not roles and not user.is_superuser:
            await self._refuse(CLOSE_FORBIDDEN)
            return
        self.groups_joined = groups_for(roles, user.pk)
        await self.join_groups()
        self.rejoining = asyncio.create_task(self._keep_joining())
        await self.accept()
        await self.send_json({"type": "hello", "roles": sorted(roles)})

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    async def join_groups(self):
        """Join (or join again, which renews the membership) every group of this socket."""
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def _keep_joining(self):
        interval = float(getattr(settings, "LIVE_GROUP_REJOIN_SECONDS", 30))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.join_groups()
            except Exception:  # the next beat tries again; a lapse costs pushes, not data
                logger.exception("live socket could not renew its groups")

    async def disconnect(self, code):
        if self.rejoining is not None:
            self.rejoining.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_message(self, event):
        await self.send_json(event["payload"])

    async def live_close(self, event):
        """`core.live.user_sockets_close`: leave every group now (nothing more is forwarded,
        even before the client's close handshake ends) and close with the code given."""
        wanted = event.get("session_key")
        if wanted and wanted != self.session_key:
            return
        await self.disconnect(event["code"])
        await self.close(code=event["code"], reason=event.get("reason") or None)
