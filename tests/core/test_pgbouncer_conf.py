"""`make stack`'s PgBouncer configuration (scripts/pgbouncer_conf.py): transaction pooling with a
hard bound on PostgreSQL connections, and the app's URL rewritten to reach it."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import environ

ROOT = Path(__file__).resolve().parents[2]


def _configure(tmp_path, **env):
    done = subprocess.run(
        [sys.executable, "scripts/pgbouncer_conf.py", str(tmp_path), "/tmp/cad-pgbouncer-8123"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": "postgres://cad_app:s%40cret@127.0.0.1:5433/cad_db",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip(), (tmp_path / "pgbouncer.ini").read_text()


def test_the_pool_is_transaction_pooled_and_bounded_for_every_role_together(tmp_path):
    url, ini = _configure(tmp_path, CAD_DB_POOL_SIZE="7")

    assert "pool_mode = transaction" in ini
    assert "max_db_connections = 7" in ini
    assert "default_pool_size = 7" in ini
    assert "reserve_pool_size = 0" in ini
    assert "cad_db = host=127.0.0.1 port=5433 dbname=cad_db" in ini
    assert "listen_addr = \n" in ini  # the unix socket only
    userlist = tmp_path / "userlist.txt"
    assert userlist.read_text() == '"cad_app" "s@cret"\n'
    assert stat.S_IMODE(userlist.stat().st_mode) == 0o600


def test_the_app_url_reaches_pgbouncer_through_its_socket_and_settings_read_it(tmp_path):
    url, _ = _configure(tmp_path)

    config = environ.Env.db_url_config(url)
    assert config["USER"] == "cad_app"
    assert config["PASSWORD"] == "s@cret"
    assert config["PORT"] == 6432
    assert config["NAME"] == "cad_db"
    # settings.py unquotes the socket directory django-environ passes on encoded.
    from urllib.parse import unquote

    assert unquote(config["HOST"]) == "/tmp/cad-pgbouncer-8123"


def test_docker_compose_listens_on_tcp_as_well(tmp_path):
    _, ini = _configure(tmp_path, PGBOUNCER_LISTEN_ADDR="0.0.0.0")

    assert "listen_addr = 0.0.0.0" in ini
