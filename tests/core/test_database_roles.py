"""The app's database role holds only what the app needs: it cannot TRUNCATE, ALTER, disable
the append-only triggers or replicate around them, so the audit and the intelligence checks
cannot be erased through the app's connection."""

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from core.dbroles import grant_app_role

PASSWORD = "app-role-test-password"


@pytest.fixture
def app_role(transactional_db):
    """The app role, granted on the test database by its owner; dropped afterwards."""
    name = f"cad_app_{connection.settings_dict['NAME']}"[:63]
    with connection.cursor() as cursor:
        narrowed = grant_app_role(
            cursor, role=name, password=PASSWORD, database=connection.settings_dict["NAME"]
        )
    settings = connection.settings_dict
    app = psycopg2.connect(
        dbname=settings["NAME"],
        user=name,
        password=PASSWORD,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    app.autocommit = True
    yield app, name, narrowed
    app.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


def _refused(app, statement, params=None):
    with app.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cursor.execute(statement, params)


@pytest.mark.django_db(transaction=True)
def test_the_app_role_cannot_erase_or_unprotect_the_audit_trail(app_role):
    app, name, narrowed = app_role
    assert {"core_auditevent", "intelligence_intelcheck"} <= set(narrowed)
    with app.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s", [name]
        )
        assert cursor.fetchone() == (False, False, False)
        # What the app does: read, and append to the audit.
        cursor.execute(
            "INSERT INTO core_auditevent (at, action, object_type, object_id, summary, data) "
            "VALUES (%s, 'test.appended', 'test', '1', '', '{}') RETURNING id",
            [timezone.now()],
        )
        event_id = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cad_incident")

    for table in ("core_auditevent", "intelligence_intelcheck"):
        _refused(app, f"TRUNCATE {table}")
        _refused(app, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        _refused(app, f"DELETE FROM {table}")
        _refused(app, f"UPDATE {table} SET id = id")
    _refused(app, "SET session_replication_role = replica")
    _refused(app, "CREATE TABLE sneaky (id int)")
    _refused(app, "DROP TABLE cad_incident")
    with app.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_auditevent WHERE id = %s", [event_id])
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_the_app_role_reads_and_writes_the_working_tables(app_role):
    app, _, _ = app_role
    with app.cursor() as cursor:
        cursor.execute("UPDATE cad_incident SET narrative = narrative WHERE id = -1")
        cursor.execute(
            "DELETE FROM django_session WHERE expire_date < now() - interval '100 years'"
        )
        cursor.execute("SELECT nextval(pg_get_serial_sequence('cad_contact', 'id'))")
    _refused(app, "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")


def test_migrate_connects_with_the_owners_url_and_the_app_with_its_own(django_db_blocker):
    """With MIGRATE_DATABASE_URL set, `migrate` uses it; a server or worker never does."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    settings = connection.settings_dict
    owner = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    unusable = "postgres://nobody_at_all:wrong@127.0.0.1:1/nowhere"
    env = {**os.environ, "DATABASE_URL": unusable, "MIGRATE_DATABASE_URL": owner}
    root = Path(__file__).resolve().parents[2]

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    with django_db_blocker.unblock():
        migrate = manage("migrate", "--check")
        other = manage("showmigrations", "core")

    assert migrate.returncode == 0, migrate.stderr
    assert other.returncode != 0
