"""Deployment: every long-running process is restarted when it dies and has a health check;
the app connects as its least-privilege role and only migrations as the owner."""

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone

from monitoring.models import MonitorCursor
from monitoring.services import CURSOR_NAME

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
LONG_RUNNING = ("db", "pgbouncer", "redis", "proxy", "web", "live", "worker", "beat")
APP = ("web", "live", "worker", "beat")


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_compose_service_restarts_and_has_a_health_check(name):
    service = COMPOSE[name]
    assert service["restart"] in ("always", "unless-stopped")
    assert service["healthcheck"]["test"]


@pytest.mark.parametrize("name", APP)
def test_the_app_processes_connect_as_the_app_role_and_never_see_the_owner(name):
    environment = COMPOSE[name]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://cad_app:")
    assert "MIGRATE_DATABASE_URL" not in environment


@pytest.mark.parametrize("name", APP)
def test_the_app_processes_reach_postgresql_only_through_pgbouncer(name):
    environment = COMPOSE[name]["environment"]
    assert "@pgbouncer:6432/" in environment["DATABASE_URL"]
    assert environment["DATABASE_POOL_MODE"] == "transaction"
    assert COMPOSE[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"


def test_pgbouncer_bounds_the_server_connections_and_reaches_postgresql_as_the_app_role():
    pgbouncer = COMPOSE["pgbouncer"]
    assert pgbouncer["environment"]["DATABASE_URL"].startswith("postgres://cad_app:")
    assert "@db:5432/" in pgbouncer["environment"]["DATABASE_URL"]
    assert "CAD_DB_POOL_SIZE" in pgbouncer["environment"]


def test_migrations_run_as_the_owner_and_then_grant_the_app_role():
    migrate = COMPOSE["migrate"]
    assert migrate["environment"]["MIGRATE_DATABASE_URL"].startswith("postgres://cad:")
    command = " ".join(migrate["command"])
    assert command.index("migrate --noinput") < command.index("db_app_role")


def test_make_stack_runs_its_processes_under_supervisord_which_restarts_them():
    script = (ROOT / "scripts/stack.sh").read_text()
    assert "autorestart=true" in script
    assert 'exec "$BIN/supervisord"' in script
    for program in (
        "program pgbouncer",
        "program proxy",
        "program web",
        "program live",
        "program worker",
        "program beat",
    ):
        assert program in script


def test_only_nginx_is_published_http_goes_to_gunicorn_and_the_live_socket_to_daphne():
    assert [name for name, service in COMPOSE.items() if service.get("ports")] == ["proxy"]
    assert "scripts/nginx_conf.py /tmp/nginx 0.0.0.0:8000 web:8000 live:8001" in " ".join(
        COMPOSE["proxy"]["command"]
    )
    web, live = " ".join(COMPOSE["web"]["command"]), " ".join(COMPOSE["live"]["command"])
    assert web.startswith("gunicorn --bind 0.0.0.0:8000") and "controlroom.wsgi:application" in web
    assert live.startswith("daphne -b 0.0.0.0 -p 8001") and "controlroom.asgi:application" in live
    # gunicorn's threads keep their connections; daphne's close at each request's end.
    assert COMPOSE["web"]["environment"]["CONN_MAX_AGE"] == "60"
    assert COMPOSE["live"]["environment"]["CONN_MAX_AGE"] == "0"
    # The app trusts X-Forwarded-For only where nginx, which writes it, is the only way in.
    for name in ("web", "live"):
        assert COMPOSE[name]["environment"]["TRUST_X_FORWARDED_FOR"] == "1"
    for name in ("worker", "beat"):
        assert "TRUST_X_FORWARDED_FOR" not in COMPOSE[name]["environment"]


@pytest.mark.django_db
def test_the_scan_health_check_fails_when_the_scan_has_stopped():
    now = timezone.now()
    MonitorCursor.objects.update_or_create(
        name=CURSOR_NAME, defaults={"scanned_through_at": now - timedelta(seconds=5)}
    )
    call_command("scan_alive", "--max-age", "30")

    MonitorCursor.objects.filter(name=CURSOR_NAME).update(
        scanned_through_at=now - timedelta(minutes=2)
    )
    with pytest.raises(CommandError):
        call_command("scan_alive", "--max-age", "30")
