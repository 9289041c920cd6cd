"""The one live socket a screen holds: `/ws/live/`.

Authenticates (session cookie, or a single-use `?ticket=` for integrations), checks the user
holds a control-room role, joins the groups for those roles and forwards what is published.
It never writes business data.

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
from core.live import groups_for
from core.roles import user_roles

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _user_from_ticket(key):
    return services.live_ticket_redeem(key=key)


@database_sync_to_async
def _roles(user):
    return user_roles(user)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    rejoining: asyncio.Task | None = None

    async def connect(self):
        self.groups_joined = []
        user = self.scope.get("user")
        ticket = parse_qs(self.scope.get("query_string", b"").decode()).get("ticket", [""])[0]
        if ticket:
            user = await _user_from_ticket(ticket)
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        roles = await _roles(user)
        if not roles and not user.is_superuser:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.groups_joined = groups_for(roles, user.pk)
        await self.join_groups()
        self.rejoining = asyncio.create_task(self._keep_joining())
        await self.accept()
        await self.send_json({"type": "hello", "roles": sorted(roles)})

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

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_message(self, event):
        await self.send_json(event["payload"])
