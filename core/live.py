"""Live updates: services publish a small payload; after commit it reaches the sockets allowed
to read it. The payload carries a `type` and ids; screens re-fetch what they show from the REST
API. The database is the truth; a push is only a notification.

Groups (channel-layer groups a socket joins, `core.consumers.LiveConsumer`):

- `live.role.<ROLE>`: every socket of a user holding that role (a superuser: every role).
- `live.user.<id>`: every socket of that user (notifications, `live.close`).
- `live.unit.<id>` and `live.incident.<id>`: the sockets of the officers crewing that unit, and
  of the officers whose unit is committed to that incident. Which units and incidents a user's
  socket follows is told by the providers registered with `register_scope_provider` (the
  dispatch app knows crews and assignments; core must not import it).

Routing (`ROUTES`): an event published with `publish_event` goes to the role groups of the
roles allowed to read it, by its type's family (`alert.raised` -> `alert`, `intel.request.*` ->
`intel.request`), plus the unit and incident groups its `unit` / `incident` ids name when the
family is one an attending officer reads (their unit and their incident). An event type with no
route is refused (`ValueError`), so a new family cannot leak to everyone by default.

One message per transaction, off the request path: every payload published inside one
transaction is collected (an outbox on the database connection) and, after commit, each group
gets ONE channel-layer message (`live.batch`) carrying that transaction's payloads for it, in
order; a socket forwards each payload as its own websocket frame (clients see the same JSON as
before). Several `incident.updated` of one incident in one transaction are folded into the first
payload about it (`changes` lists every change, `status` and `grade` are the latest). The sends
run on a background thread with its own event loop (`wait_sent` lets tests and shutdown wait);
a rolled-back savepoint's payloads are dropped with it. Outside a transaction a publish is sent
at once (still off the calling thread). A failed send is logged once per outage and counted;
screens re-sync from the API on reconnect, so a lost push loses no data.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from core import roles as R
from core.roles import Role

logger = logging.getLogger(__name__)

# Not a group any socket joins (it was once "everyone"): `publish(ALL, payload)` routes the
# payload by its type, exactly as `publish_event(payload)` does.
ALL = "live.all"

BATCH = "live.batch"  # the channel-layer message type a transaction's flush sends to a group


def role_group(role: str) -> str:
    return f"live.role.{role}"


def user_group(user_id: int) -> str:
    return f"live.user.{user_id}"


def unit_group(unit_id: int) -> str:
    return f"live.unit.{unit_id}"


def incident_group(incident_id: int) -> str:
    return f"live.incident.{incident_id}"


def groups_for(roles, user_id: int | None = None, *, superuser: bool = False) -> list[str]:
    """The user's own group and a group per control-room role held (a superuser: every role)."""
    held = set(Role.values) if superuser else {r for r in roles if r in Role.values}
    groups = [role_group(r) for r in sorted(held)]
    if user_id is not None:
        groups.insert(0, user_group(user_id))
    return groups


# --- Routing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Who reads an event family: `roles` (their role groups), and whether the crews of the
    unit / the officers on the incident the payload names read it too."""

    roles: tuple[str, ...]
    unit: bool = False
    incident: bool = False


# By the type's family (its leading dot-separated parts; the longest family that matches wins).
# The role sets are core.roles': who may read the thing on its screens is who hears it change.
ROUTES: dict[str, Route] = {
    # The alert board's readers (the banner then picks the alert's own audience by role).
    "alert": Route(R.ALERT_READERS),
    # The operational picture; an officer hears only the incident their unit is committed to.
    "incident": Route(R.INCIDENT_READERS, incident=True),
    "contact": Route(R.INCIDENT_READERS, incident=True),
    "grade_policy": Route(R.OPERATIONS_READERS),
    "grade_request": Route(R.DOWNGRADE_QUEUE_READERS),
    # Intelligence: never officers (they read it only through their unit's briefing).
    "intel": Route(R.INTEL_READERS),
    "intel.request": Route(R.INTEL_QUEUE_READERS),
    "marker": Route(R.MARKER_READERS),
    # Units: the control room, the unit's crew, and the officers on the incident it is sent to.
    "unit": Route(R.OPERATIONS_READERS, unit=True, incident=True),
    "divert": Route(R.DIVERT_READERS),
    "inspector_task": Route(tuple(dict.fromkeys(R.DIVERT_READERS + R.INSPECTOR_QUEUE_READERS))),
    "divert_qa": Route(R.QA_REVIEWERS),
    # The alert board shows staffing gaps; managers keep the minimums.
    "staffing": Route(tuple(dict.fromkeys(R.ALERT_READERS + R.STAFFING_MANAGERS))),
}


def route_for(event_type: str) -> Route:
    """The route of an event type. Raises ValueError for a type with no route."""
    parts = event_type.split(".")
    for n in range(len(parts), 0, -1):
        found = ROUTES.get(".".join(parts[:n]))
        if found is not None:
            return found
    raise ValueError(f"no live route for event type {event_type!r}: add one to core.live.ROUTES")


def groups_of(payload: dict) -> list[str]:
    """The groups a routed payload goes to (see `ROUTES`)."""
    route = route_for(payload["type"])
    groups = [role_group(r) for r in route.roles]
    if route.unit and payload.get("unit"):
        groups.append(unit_group(payload["unit"]))
    if route.incident and payload.get("incident"):
        groups.append(incident_group(payload["incident"]))
    return groups


# --- Scope: which units and incidents a user's socket follows -------------------------------

ScopeProvider = Callable[[object], Iterable[str]]
_scope_providers: list[ScopeProvider] = []


def register_scope_provider(provider: ScopeProvider) -> None:
    """Register `provider(user) -> group names` (`unit_group`, `incident_group`): the units and
    incidents the user follows now. Called from an app's `ready()`; the consumer asks every
    provider when an officer's socket opens, on `rescope`, and on its heartbeat."""
    if provider not in _scope_providers:
        _scope_providers.append(provider)


def scope_groups(user) -> list[str]:
    """The unit and incident groups `user` follows now (database reads; call from sync code)."""
    found: set[str] = set()
    for provider in _scope_providers:
        found.update(provider(user))
    return sorted(found)


# --- Publishing: the per-transaction outbox -------------------------------------------------


@dataclass
class _Entry:
    payload: dict | None  # None: only a rescope
    groups: tuple[str, ...] = ()
    rescope: tuple[str, ...] = ()
    routed: bool = False  # routed by its type (`publish_event`), not sent to a named group


@dataclass
class _Outbox:
    staged: list[_Entry] = field(default_factory=list)
    done: bool = False

    def flush(self) -> None:
        self.done = True
        entries, self.staged = self.staged, []
        try:
            sends = build_sends(entries)
        except Exception:  # never break the caller's commit hooks
            logger.exception("live: could not build the pushes of a transaction")
            return
        _deliver(sends)


def publish(group: str, payload: dict, *, using: str | None = None) -> None:
    """Send `payload` to `group` once the current transaction commits (at once outside one).
    `group` ALL routes the payload by its type (`publish_event`)."""
    if "type" not in payload:
        raise ValueError("a live payload needs a 'type'")
    if group == ALL:
        publish_event(payload, using=using)
        return
    _stage(_Entry(dict(payload), groups=(group,)), using)


def publish_event(payload: dict, *, users: Iterable[int] = (), using: str | None = None) -> None:
    """Send `payload` after commit to the groups its type is routed to (`ROUTES`), and to the
    sockets of `users` too (once each, whatever groups they are in). Raises ValueError when it
    has no `type` or the type has no route."""
    if "type" not in payload:
        raise ValueError("a live payload needs a 'type'")
    groups = groups_of(payload)  # refuses an unrouted type now, in the caller's stack
    if users:
        groups += [user_group(u) for u in users]
    _stage(_Entry(dict(payload), groups=tuple(groups), routed=True), using)


def publish_to_roles(roles, payload: dict) -> None:
    for role in roles:
        publish(role_group(role), payload)


def rescope(*, users: Iterable[int] = (), units: Iterable[int] = (), using=None) -> None:
    """After commit, tell the sockets of these users and of these units' crews to ask the scope
    providers again which unit and incident groups they follow (a crew or an assignment
    changed). Sent with the transaction's pushes, before them, in the same message."""
    groups = tuple(user_group(u) for u in users) + tuple(unit_group(u) for u in units)
    if groups:
        _stage(_Entry(None, rescope=groups), using)


def _stage(entry: _Entry, using: str | None) -> None:
    alias = using or DEFAULT_DB_ALIAS
    conn = connections[alias]
    hooks = getattr(conn, "run_on_commit", None)
    if not conn.in_atomic_block or not isinstance(hooks, list):
        # Outside a transaction (or a backend without the hook list): one flush per publish.
        transaction.on_commit(lambda: _Outbox([entry]).flush(), using=alias)
        return
    outbox: _Outbox | None = getattr(conn, "_live_outbox", None)
    if outbox is not None and not outbox.done:
        for i in range(len(hooks) - 1, -1, -1):
            sids, func, robust = hooks[i]
            if getattr(func, "__self__", None) is outbox:
                # Keep the flush the last hook: blank it here (indices stay put), add it below.
                hooks[i] = (sids, _nothing, robust)
                break
        else:
            outbox = None  # its transaction ended (rolled back: Django cleared the hooks)
    else:
        outbox = None
    if outbox is None:
        outbox = conn._live_outbox = _Outbox()
    # Staged by an on_commit hook of its own, so a savepoint rolled back drops it (Django drops
    # the hooks registered inside it); the flush is kept the last hook and in no savepoint.
    transaction.on_commit(lambda: outbox.staged.append(entry), using=alias)
    hooks.append((set(), outbox.flush, False))


def _nothing() -> None:
    pass


def _fold(entries: list[_Entry]) -> list[_Entry]:
    """Fold the routed `incident.*` payloads of one incident in one transaction into the first
    of them: it becomes `incident.created` if the incident was created in the transaction
    (creation attaches the intelligence check, an update, before it says created), gains
    `changes` (every `change` folded into it, in order), and takes the latest `status`,
    `grade` and ids. A payload nothing was folded into is sent as published."""
    first: dict[int, dict] = {}
    kept: list[_Entry] = []
    for entry in entries:
        p = entry.payload
        about = p.get("incident") if p is not None and entry.routed else None
        if about is None or not p["type"].startswith("incident."):
            kept.append(entry)
            continue
        earlier = first.get(about)
        if earlier is None:
            first[about] = p
            kept.append(entry)
            continue
        changes = earlier.get("changes")
        if changes is None:
            changes = [earlier["change"]] if earlier.get("change") else []
        if p.get("change"):
            changes.append(p["change"])
        for key, value in p.items():
            if key not in ("type", "change", "changes"):
                earlier[key] = value
        earlier["changes"] = changes
        if p["type"] == "incident.created":
            earlier["type"] = "incident.created"
            earlier.pop("change", None)
    return kept


def build_sends(entries: list[_Entry]) -> list[tuple[str, dict]]:
    """(group, channel-layer message) pairs: one `live.batch` per group, payloads numbered in
    publish order (`seq`, so a socket in two groups forwards each payload once), groups to
    rescope flagged. Rescopes are sent first."""
    batch = uuid.uuid4().hex
    by_group: dict[str, dict] = {}

    def message(group):
        if group not in by_group:
            by_group[group] = {"type": BATCH, "batch": batch, "messages": []}
        return by_group[group]

    seq = 0
    for entry in _fold(entries):
        for group in entry.rescope:
            message(group)["rescope"] = True
        if entry.payload is None:
            continue
        for group in dict.fromkeys(entry.groups):
            message(group)["messages"].append([seq, entry.payload])
        seq += 1
    return sorted(by_group.items(), key=lambda item: not item[1].get("rescope"))


# --- Sending off the request path -----------------------------------------------------------

MAX_PENDING = 1000  # transactions waiting to be sent; beyond it pushes are dropped (and logged)


class _Sender:
    """One daemon thread per process with its own event loop (so the channel layer keeps its
    Redis connections open), sending each transaction's messages in order. Started lazily and
    again after a fork (Celery's prefork workers)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._pid = None
        self._queue: queue.SimpleQueue | None = None
        self._pending = 0
        self._failing = False
        self._lost = 0

    def submit(self, sends: list[tuple[str, dict]]) -> None:
        with self._cond:
            if self._pid != os.getpid():
                self._pid, self._queue, self._pending = os.getpid(), queue.SimpleQueue(), 0
                threading.Thread(
                    target=self._run, args=(self._queue,), name="live-sender", daemon=True
                ).start()
            if self._pending >= MAX_PENDING:
                self._lose(len(sends), "the live sender is %d transactions behind", MAX_PENDING)
                return
            self._pending += 1
            self._queue.put(sends)

    def wait(self, timeout: float | None = 5.0) -> bool:
        """Block until everything submitted so far is sent (or given up); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def _run(self, inbox: queue.SimpleQueue) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        while True:
            sends = inbox.get()
            try:
                loop.run_until_complete(self._send(sends))
            except Exception:  # pragma: no cover - _send handles its own errors
                logger.exception("live sender failed")
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    async def _send(self, sends) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for done, (group, message) in enumerate(sends):
            try:
                try:
                    await layer.group_send(group, message)
                except Exception:
                    # Once more: after Redis restarts, a pooled connection fails once.
                    await asyncio.sleep(0.2)
                    await layer.group_send(group, message)
            except Exception as exc:
                # The rest of this transaction's sends would fail the same way, each after a
                # timeout: count them lost together.
                with self._cond:
                    self._lose(len(sends) - done, "live push to %s failed: %r", group, exc)
                return
        if self._failing:
            with self._cond:
                self._failing = False
                logger.warning(
                    "live pushes are being sent again; %d group message(s) were lost (screens "
                    "re-sync from the API when their socket reconnects)",
                    self._lost,
                )
                self._lost = 0

    def _lose(self, count: int, why: str, *args) -> None:
        """Count `count` lost group messages; log the first loss of an outage (call locked)."""
        self._lost += count
        if not self._failing:
            self._failing = True
            logger.error(why + "; live pushes are lost until it recovers", *args)


_sender = _Sender()


def wait_sent(timeout: float | None = 5.0) -> bool:
    """Wait until every push published (and committed) so far in this process has been handed
    to the channel layer. Tests call it before reading a channel; `atexit` gives it 2 s."""
    return _sender.wait(timeout)


atexit.register(wait_sent, 2.0)


def _deliver(sends: list[tuple[str, dict]]) -> None:
    if not sends:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        # The embedded mode's in-process layer lives on the server's event loop: send there.
        async def send_all():
            for group, message in sends:
                await layer.group_send(group, message)

        try:
            async_to_sync(send_all)()
        except Exception:
            logger.exception("live push failed")
        return
    _sender.submit(sends)


def send_now(group: str, payload: dict) -> None:
    """Send one payload to a group now (off this thread). Services use `publish`."""
    _deliver(build_sends([_Entry(dict(payload), groups=(group,))]))


# --- Closing a user's sockets ---------------------------------------------------------------
# A socket is closed with one of these codes, always after its handshake was accepted: a
# browser sees a code sent during the handshake only as 1006, and would reconnect for ever.
CLOSE_ACCOUNT_CHANGED = 4000  # roles changed: reconnect, to be given the new ones
CLOSE_UNAUTHENTICATED = 4401  # not (or no longer) logged in: log in again
CLOSE_FORBIDDEN = 4403  # logged in, but without a control-room role
# The live service is unavailable (Redis, the channel layer, cannot be reached): reconnect with
# backoff. RFC 6455's 1013 "Try Again Later" in the application range: daphne (autobahn) lets an
# application close only with 1000 or 3000-4999, as 4401/4403 mirror HTTP 401/403.
CLOSE_TRY_AGAIN = 4013


def user_sockets_close(
    user_id: int, *, code: int, reason: str, session_key: str | None = None
) -> None:
    """Close the user's open live sockets once the current transaction commits (at once outside
    one): every socket joins its user's group (`user_group`), and this sends that group a
    close (off the calling thread, like every push). With `session_key`, only the sockets opened with that browser session close (a
    logout ends one session; the user's other sessions and ticket sockets stay open).

    Deactivation and role changes (`core.receivers`) and logout call this, so a person who may
    no longer read the operational picture stops receiving it at once."""
    message = {"type": "live.close", "code": code, "reason": reason[:120]}
    if session_key:
        message["session_key"] = session_key
    # Sent like the pushes (off this thread; a failure logged once): the socket's next
    # reconnect is refused anyway.
    transaction.on_commit(lambda: _deliver([(user_group(user_id), message)]))
