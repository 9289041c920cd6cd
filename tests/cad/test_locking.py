"""Row locks: one lock order (incident, then grade request) and incident locks that do not block
rows being added that reference the incident. Real PostgreSQL, real concurrent connections."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from cad import services
from cad.models import Grade, GradeRequest, Incident, IncidentLogEntry
from core.locks import lock_row
from tests.cad.factories import call_handler, incident, supervisor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL"),
]


class HoldIncidentLock(threading.Thread):
    """Holds cad's lock on an incident, in its own connection, until released."""

    def __init__(self, incident_id: int):
        super().__init__(daemon=True)
        self.incident_id = incident_id
        self.locked = threading.Event()
        self.release = threading.Event()

    def run(self):
        try:
            with transaction.atomic():
                lock_row(Incident, self.incident_id)
                self.locked.set()
                self.release.wait(10)
        finally:
            connections.close_all()


def _with_lock_timeout(fn):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        return fn()


def test_a_locked_incident_still_accepts_new_log_lines():
    created = incident()
    holder = HoldIncidentLock(created.pk)
    holder.start()
    assert holder.locked.wait(5)
    try:
        entry = _with_lock_timeout(
            lambda: services.incident_system_log(incident=created, text="Unit assigned")
        )
    finally:
        holder.release.set()
        holder.join(5)

    assert IncidentLogEntry.objects.filter(pk=entry.pk).exists()


def test_deciding_a_grade_request_locks_the_incident_before_the_request(engine):
    engine(domestic_abuse=True, recommended=Grade.IMMEDIATE, minimum=Grade.IMMEDIATE)
    handler, boss = call_handler(), supervisor()
    created = incident(actor=handler)
    request = services.incident_grade(actor=handler, incident=created, grade="PRIORITY", reason="a")
    holder = HoldIncidentLock(created.pk)
    holder.start()
    assert holder.locked.wait(5)
    errors = []

    def decide():
        try:
            services.grade_request_decide(
                actor=boss, grade_request=request, approve=False, note="No"
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    decider = threading.Thread(target=decide, daemon=True)
    decider.start()
    time.sleep(0.5)  # the decision is now waiting for the incident
    try:
        # The request row must not be held by a decision still waiting for the incident: that
        # is the lock order that deadlocks with incident_grade / incident_close.
        with transaction.atomic():
            try:
                GradeRequest.objects.select_for_update(nowait=True).get(pk=request.pk)
                request_free = True
            except OperationalError:
                request_free = False
    finally:
        holder.release.set()
        holder.join(5)
        decider.join(10)

    assert request_free
    assert errors == []
    request.refresh_from_db()
    assert request.status == GradeRequest.Status.REFUSED


def test_a_create_still_in_its_transaction_does_not_hold_up_the_next_calls_reference():
    """The day's reference counter is taken before the create's transaction: a create whose
    transaction is still open (held here in an `incident_created` receiver) must not make the
    next call wait for its number (it used to, to commit: creates queued behind each other)."""
    from cad.services.creation import _next_reference
    from cad.signals import incident_created

    handler = call_handler()
    inside, release = threading.Event(), threading.Event()

    def hold(sender, **kwargs):
        inside.set()
        release.wait(10)

    incident_created.connect(hold, dispatch_uid="hold-create-open")
    created = []

    def take_call():
        try:
            created.append(incident(actor=handler, narrative="Shed broken into overnight"))
        finally:
            connections.close_all()

    first = threading.Thread(target=take_call, daemon=True)
    first.start()
    try:
        assert inside.wait(10), "the first create never reached its receivers"
        reference = _with_lock_timeout(lambda: _next_reference(timezone.now()))
    finally:
        release.set()
        first.join(10)
        incident_created.disconnect(dispatch_uid="hold-create-open")

    assert created and created[0].reference != reference
    number = int(reference.rsplit("-", 1)[1])
    assert int(created[0].reference.rsplit("-", 1)[1]) == number - 1
