"""PostgreSQL unavailable (exhausted, restarting, refusing): a request answers 503 with
Retry-After, never a 500, and the next request after it is back works; the monitoring scan skips
a run and recovers on the next. Real faults on the test's own connections, never the shared
server: its backend terminated (what a restart does to every connection), a throwaway role with
CONNECTION LIMIT 0 ("too many connections"), a closed port ("connection refused")."""

import logging
import uuid

import psycopg2
import pytest
from django.db import connection
from django.test import Client

from core.dbhealth import is_database_unavailable, survives_database_outage
from monitoring.models import MonitorCursor
from monitoring.services import CURSOR_NAME
from monitoring.tasks import scan_response_times
from tests.factories import staff

pytestmark = pytest.mark.django_db(transaction=True)


def _owner_connection():
    """A second connection of the test's own role, to act on the test's backend."""
    s = connection.settings_dict
    return psycopg2.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
    )


def _terminate_my_backend():
    """pg_terminate_backend on this test's own database connection: the same FATAL
    ("terminating connection due to administrator command") a restart sends every client."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = _owner_connection()
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0]
    finally:
        other.close()


@pytest.fixture
def api_client():
    from core.services import token_for

    user = staff("DISPATCHER")
    client = Client(HTTP_AUTHORIZATION="Token " + token_for(user=user))
    return client


def test_api_answers_503_with_retry_after_when_the_connection_was_terminated(api_client):
    assert api_client.get("/api/v1/incidents/outstanding/").status_code == 200
    _terminate_my_backend()

    answer = api_client.get("/api/v1/incidents/outstanding/")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer.json() == {
        "detail": "The database is busy or restarting: nothing was saved. Try again in a few "
        "seconds.",
        "code": "database_unavailable",
    }
    # The broken connection was closed: the next request connects afresh and works.
    assert api_client.get("/api/v1/incidents/outstanding/").status_code == 200


def test_a_screen_answers_a_short_503_page_when_the_session_read_fails():
    user = staff("DISPATCHER")
    # As a server would: the test client re-raises a request's exception by default.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert client.get("/").status_code in (200, 302)
    _terminate_my_backend()

    # The session and the login are read by middleware before any view: handler500's path.
    answer = client.get("/")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer["Content-Type"].startswith("text/html")
    assert b"busy (503)" in answer.content
    assert client.get("/").status_code in (200, 302)


@pytest.fixture
def refused(request):
    """Point the default connection at a refusal: a throwaway role limited to 0 connections, or
    a closed port. Yields a function that puts the real settings back (also done afterwards)."""
    saved = dict(connection.settings_dict)
    role = f"cad_t_limit_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    connection.close()
    if request.param == "too_many_connections":
        connection.settings_dict["USER"] = role
        connection.settings_dict["PASSWORD"] = ""
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = 1  # nothing listens: "connection refused"

    def restore():
        connection.close()
        connection.settings_dict.update(saved)

    try:
        yield restore
    finally:
        restore()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP ROLE "{role}"')


@pytest.mark.parametrize("refused", ["too_many_connections", "connection_refused"], indirect=True)
def test_a_refused_connection_is_a_503_and_the_next_request_after_it_works(api_client, refused):
    answer = api_client.get("/api/v1/incidents/outstanding/")

    assert answer.status_code == 503, answer.content
    assert answer.json()["code"] == "database_unavailable"
    assert answer["Retry-After"] == "5"
    refused()  # the database is back
    assert api_client.get("/api/v1/incidents/outstanding/").status_code == 200


def test_the_scan_skips_a_run_while_the_database_is_gone_and_recovers_on_the_next(caplog):
    assert scan_response_times() is not None
    before = MonitorCursor.objects.get(name=CURSOR_NAME).scanned_through_at
    _terminate_my_backend()

    with caplog.at_level(logging.WARNING, logger="core.dbhealth"):
        assert scan_response_times() is None  # skipped, not raised

    assert "database unavailable" in caplog.text
    assert scan_response_times() == 0  # reconnected: scanned again
    assert MonitorCursor.objects.get(name=CURSOR_NAME).scanned_through_at > before


def test_other_errors_still_fail_the_task_and_are_not_called_unavailable():
    @survives_database_outage
    def broken():
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError):
        broken()
    assert not is_database_unavailable(ValueError("x"))
