"""Live groups per role and per unit (issue 15, finding 4) and one message per transaction
(issue 14), on the real Redis channel layer through real sockets (the ASGI application).

An officer hears only the unit they crew and the incident it is committed to; alerts reach only
the roles that read the alert board; a crew change moves an officer's socket to the new unit's
group; a transaction's pushes reach each group as one channel-layer message.
"""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections, transaction
from django.utils import timezone

from cad import services as cad_services
from controlroom.asgi import application
from core import services
from core.live import publish_event, role_group, wait_sent
from core.roles import ALERT_READERS, Role
from dispatch import services as dispatch_services
from monitoring.models import AlertKind
from monitoring.services import alert_raise, incident_subject
from tests.cad.factories import call_handler
from tests.cad.factories import incident as cad_incident
from tests.dispatch.unit_factories import dispatcher, unit
from tests.factories import staff
from tests.live import listen, received

pytestmark = pytest.mark.usefixtures("channel_layer_flush")


async def _socket(user) -> WebsocketCommunicator:
    ticket = await sync_to_async(services.live_ticket_issue)(actor=user)
    communicator = WebsocketCommunicator(application, f"/ws/live/?ticket={ticket.key}")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def _heard(communicator, quiet: float = 0.7) -> list[dict]:
    """Everything the socket forwards until it has been quiet for `quiet` seconds (after every
    committed push has been handed to the channel layer)."""
    assert await sync_to_async(wait_sent)(10)
    heard = []
    while not await communicator.receive_nothing(timeout=quiet):
        heard.append(await communicator.receive_json_from())
    return heard


async def _until(communicator, check, timeout: float = 5) -> dict:
    """The first message `check` accepts (others before it are skipped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        assert left > 0, "the awaited message did not arrive"
        message = await communicator.receive_json_from(timeout=left)
        if check(message):
            return message


async def _close(*communicators):
    for communicator in communicators:
        await communicator.disconnect()
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_officer_hears_only_their_unit_and_the_incident_it_is_on():
    def setup():
        desk, handler = dispatcher(), call_handler()
        officer, other = staff("OFFICER"), staff("OFFICER")
        mine, theirs = unit(), unit()
        dispatch_services.unit_crew_set(actor=desk, unit=mine, officers=[officer.username])
        dispatch_services.unit_crew_set(actor=desk, unit=theirs, officers=[other.username])
        ours = cad_incident(actor=handler, narrative="Shouting at number 4")
        elsewhere = cad_incident(actor=handler, narrative="Car alarm going off")
        dispatch_services.unit_assign(actor=desk, unit=mine, incident=ours)
        dispatch_services.unit_assign(actor=desk, unit=theirs, incident=elsewhere)
        return desk, handler, officer, staff("SUPERVISOR"), mine, theirs, ours, elsewhere

    desk, handler, officer, supervisor, mine, theirs, ours, elsewhere = await sync_to_async(setup)()
    await sync_to_async(wait_sent)(10)
    officer_socket, supervisor_socket = await _socket(officer), await _socket(supervisor)

    def elsewhere_and_restricted():
        cad_services.incident_log_add(actor=desk, incident=elsewhere, text="Alarm still going")
        cad_services.contact_create(
            actor=handler, channel="101", incident=elsewhere, summary="Neighbour calls again"
        )
        dispatch_services.unit_set_status(actor=desk, unit=theirs, status="EN_ROUTE")
        # Meant for inspectors and supervisors, about the officer's own incident.
        alert_raise(
            kind=AlertKind.ESCALATED,
            subject=incident_subject(ours),
            threshold_at=timezone.now(),
            incident=ours,
            message="Escalated: no unit at scene",
        )
        publish_event({"type": "intel.check_ran", "check": 1, "incident": ours.pk})
        # The officer's own: these they hear.
        cad_services.incident_log_add(actor=desk, incident=ours, text="Caller is upstairs")
        dispatch_services.unit_set_status(actor=desk, unit=mine, status="EN_ROUTE")

    await sync_to_async(elsewhere_and_restricted)()
    heard = await _heard(officer_socket)

    types = [m["type"] for m in heard]
    assert "incident.updated" in types and "unit.status" in types, heard
    for message in heard:
        assert not message["type"].startswith(("alert.", "intel.", "marker.", "divert")), message
        if message["type"].startswith(("incident.", "contact.")):
            assert message["incident"] == ours.pk, message
        if message["type"].startswith("unit."):
            assert message["unit"] == mine.pk, message
    # The control room hears all of it, the escalation included.
    supervisor_heard = await _heard(supervisor_socket)
    assert {"alert.raised", "intel.check_ran", "contact.recorded"} <= {
        m["type"] for m in supervisor_heard
    }
    await _close(officer_socket, supervisor_socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_alerts_reach_only_the_roles_that_read_the_alert_board():
    users = {role: await sync_to_async(staff)(role) for role in Role.values}
    sockets = {role: await _socket(user) for role, user in users.items()}
    incident = await sync_to_async(cad_incident)(narrative="Shop alarm")

    await sync_to_async(alert_raise)(
        kind=AlertKind.BREACHED,
        subject=incident_subject(incident),
        threshold_at=timezone.now() - timedelta(seconds=1),
        incident=incident,
        message="Breached",
    )

    for role, communicator in sockets.items():
        raised = [m for m in await _heard(communicator, quiet=0.3) if m["type"] == "alert.raised"]
        if role in ALERT_READERS:
            assert [m["incident"] for m in raised] == [incident.pk], role
        else:
            assert raised == [], f"{role} heard an alert"
    await _close(*sockets.values())


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_crew_change_moves_the_officers_socket_to_the_new_unit():
    desk, officer = await sync_to_async(dispatcher)(), await sync_to_async(staff)("OFFICER")
    first, second = await sync_to_async(unit)(), await sync_to_async(unit)()
    socket = await _socket(officer)

    def status(u, value):
        dispatch_services.unit_set_status(actor=desk, unit=u, status=value)

    def crew(u, names, move=False):
        dispatch_services.unit_crew_set(actor=desk, unit=u, officers=names, move=move)

    # On no crew: nothing about either unit.
    await sync_to_async(status)(first, "UNAVAILABLE")
    assert [m for m in await _heard(socket, 0.4) if m["type"].startswith("unit.")] == []

    # Put on the first unit's crew: told so, then hears the unit.
    await sync_to_async(crew)(first, [officer.username])
    told = await _until(socket, lambda m: m["type"] == "unit.crew")
    assert told["unit"] == first.pk
    await sync_to_async(status)(first, "AVAILABLE")
    assert [(m["type"], m["unit"]) for m in await _heard(socket) if "unit" in m] == [
        ("unit.status", first.pk)
    ]

    # Moved to the second unit: hears the second, no longer the first.
    await sync_to_async(crew)(second, [officer.username], True)
    await _until(socket, lambda m: m["type"] == "unit.crew" and m["unit"] == second.pk)
    await _heard(socket, 0.3)
    await sync_to_async(status)(first, "UNAVAILABLE")
    await sync_to_async(status)(second, "UNAVAILABLE")
    assert [(m["type"], m["unit"]) for m in await _heard(socket) if "unit" in m] == [
        ("unit.status", second.pk)
    ]

    # Taken off the crew: hears neither.
    await sync_to_async(crew)(second, [])
    await _heard(socket, 0.3)
    await sync_to_async(status)(second, "AVAILABLE")
    assert [m for m in await _heard(socket) if "unit" in m] == []
    await _close(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_an_officer_follows_the_incident_their_unit_is_sent_to_and_stops_when_released():
    desk, officer = await sync_to_async(dispatcher)(), await sync_to_async(staff)("OFFICER")
    crewed = await sync_to_async(unit)()
    await sync_to_async(dispatch_services.unit_crew_set)(
        actor=desk, unit=crewed, officers=[officer.username]
    )
    incident = await sync_to_async(cad_incident)(narrative="Fight outside the pub")
    socket = await _socket(officer)

    def log(text):
        cad_services.incident_log_add(actor=desk, incident=incident, text=text)

    await sync_to_async(log)("Before any unit")
    assert [m for m in await _heard(socket, 0.4) if m["type"].startswith("incident.")] == []

    await sync_to_async(dispatch_services.unit_assign)(actor=desk, unit=crewed, incident=incident)
    await _until(socket, lambda m: m["type"] == "unit.assigned")
    await _heard(socket, 0.3)
    await sync_to_async(log)("Unit on its way")
    assert [m["incident"] for m in await _heard(socket) if m["type"] == "incident.updated"] == [
        incident.pk
    ]

    await sync_to_async(dispatch_services.unit_release)(
        actor=desk, unit=crewed, reason="Stood down"
    )
    await _until(socket, lambda m: m["type"] == "unit.released")
    await _heard(socket, 0.3)
    await sync_to_async(log)("After the release")
    assert [m for m in await _heard(socket) if m["type"].startswith("incident.")] == []
    await _close(socket)


@pytest.mark.django_db
def test_a_transaction_sends_one_message_per_group(django_capture_on_commit_callbacks):
    """Creating an incident (created, the intelligence check, the incident updated with it)
    reaches each group as one channel-layer message, its payloads in order; several updates of
    one incident in one transaction are folded into one payload."""
    desk, handler = listen(role_group("DISPATCHER")), listen(role_group("CALL_HANDLER"))
    with django_capture_on_commit_callbacks(execute=True):
        incident = cad_incident(narrative="Man with a knife in the street")
        for text in ("First line", "Second line"):
            cad_services.incident_log_add(actor=call_handler(), incident=incident, text=text)

    (message,) = received(desk)
    assert message["type"] == "live.batch"
    payloads = [p for _, p in message["messages"]]
    about = [p for p in payloads if p["type"].startswith("incident.")]
    assert [p["type"] for p in about] == ["incident.created"]
    assert about[0]["incident"] == incident.pk and about[0]["changes"].count("log") == 2
    (to_handler,) = received(handler)
    assert [s for s, _ in to_handler["messages"]] == sorted(s for s, _ in to_handler["messages"])


@pytest.mark.django_db
def test_a_rolled_back_savepoint_takes_its_pushes_with_it(django_capture_on_commit_callbacks):
    channel = listen(role_group("SUPERVISOR"))

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish_event({"type": "incident.updated", "incident": 1, "change": "kept"})
        with pytest.raises(Boom), transaction.atomic():
            publish_event({"type": "incident.updated", "incident": 2, "change": "dropped"})
            raise Boom
        publish_event({"type": "grade_policy.updated", "grade": "PRIORITY"})

    (message,) = received(channel)
    assert [p for _, p in message["messages"]] == [
        {"type": "incident.updated", "incident": 1, "change": "kept"},
        {"type": "grade_policy.updated", "grade": "PRIORITY"},
    ]


def test_an_event_type_with_no_route_is_refused():
    with pytest.raises(ValueError, match="no live route"):
        publish_event({"type": "secret.leaked", "id": 1})
