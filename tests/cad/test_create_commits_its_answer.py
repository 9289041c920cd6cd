"""The API's 201 for a new call is built inside the create's transaction: the reads it audits
(the intelligence check and the markers the caller is shown) commit with the call, so nothing is
written after the commit. Before, the body's audit was a statement of its own after it: with
PostgreSQL stopping between the two (tests/perf/test_load.py, restart), a saved call was
answered 503, and a client retrying without an Idempotency-Key would record it twice."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditEvent
from riskflags import services as marker_services
from tests.factories import staff
from tests.intelligence.factories import ADDRESS, PHONE, record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def marked_address():
    oic = staff("OIC")
    record("MARAC", summary="MARAC: threatened with a knife", phones=[PHONE], addresses=[ADDRESS])
    marker_services.marker_create(
        actor=oic,
        address=ADDRESS,
        victim_name="Anne Example",
        reason="Ex-partner threatened to kill her",
        expires_at=timezone.now() + timedelta(days=30),
        oic=oic,
        now=timezone.now(),
    )


def _statements_after_the_last_commit(send) -> tuple[object, list[str]]:
    log: list[str] = []
    real_commit = connection.commit

    def commit():
        log.append("COMMIT")
        return real_commit()

    def wrapper(execute, sql, params, many, context):
        log.append(sql)
        return execute(sql, params, many, context)

    connection.commit = commit
    try:
        with connection.execute_wrapper(wrapper):
            answer = send()
    finally:
        connection.commit = real_commit
    last = max(i for i, entry in enumerate(log) if entry == "COMMIT")
    return answer, log[last + 1 :]


def test_nothing_is_written_after_the_create_commits(api, marked_address):
    handler = api("CALL_HANDLER")
    call = {"channel": "999", "caller_phone": PHONE, "address": ADDRESS, "narrative": "Banging"}

    answer, after = _statements_after_the_last_commit(
        lambda: handler.post("/api/v1/incidents/", call, format="json")
    )

    assert answer.status_code == 201, answer.content[:300]
    assert answer.json()["intel_check"]["records"]
    assert answer.json()["markers"]
    assert [sql for sql in after if not sql.lstrip().upper().startswith("SELECT")] == []
    # The reads the body shows are still audited, by the caller, in the create's commit.
    viewed = AuditEvent.objects.filter(actor=handler.user, action="intel.check_viewed")
    assert viewed.get().data["via"] == "incident api"
    assert AuditEvent.objects.filter(actor=handler.user, action="marker.viewed").exists()


def test_a_body_that_fails_to_build_in_the_transaction_keeps_the_call(api, monkeypatch):
    """Anything but a database outage while building the body inside the transaction keeps the
    call (logged) and builds the body after the commit, as before."""
    from cad import api as cad_api
    from cad.models import Incident

    real = cad_api._incident_data
    calls = []

    def flaky(request, incident):
        calls.append(incident.pk)
        if len(calls) == 1:
            raise RuntimeError("a bug in the body")
        return real(request, incident)

    monkeypatch.setattr(cad_api, "_incident_data", flaky)
    answer = api("CALL_HANDLER").post(
        "/api/v1/incidents/", {"channel": "999", "narrative": "my ex is at the door"}, format="json"
    )

    assert answer.status_code == 201
    assert Incident.objects.filter(pk=answer.json()["id"]).exists()
    assert len(calls) == 2


def test_a_database_error_while_building_the_body_saves_nothing(api, monkeypatch):
    """A failed statement aborts the transaction (PostgreSQL accepts nothing more in it): the
    call is rolled back and the error raised, never a call saved behind a failed answer."""
    from django.db import DatabaseError

    from cad import api as cad_api
    from cad.models import Incident

    def failing_query(request, incident):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    monkeypatch.setattr(cad_api, "_incident_data", failing_query)
    before = Incident.objects.count()
    with pytest.raises(DatabaseError):
        api("CALL_HANDLER").post(
            "/api/v1/incidents/", {"channel": "999", "narrative": "my ex is here"}, format="json"
        )

    assert Incident.objects.count() == before
