#!/usr/bin/env bash
# Production-like stack on one machine, in the foreground: migrate as the tables' owner, grant
# the app's least-privilege database role, collect static, then under supervisord, which
# restarts any of them that dies (a crashed worker costs seconds, not the stack):
#   - pgbouncer: the connection pool in front of PostgreSQL (transaction pooling, at most
#     CAD_DB_POOL_SIZE server connections, default 10, for web, worker and beat together);
#   - web: WEB_PROCESSES daphne processes (default 2, one a core) sharing one listening socket
#     that supervisord opens on PORT (`[fcgi-program]`, `daphne --fd 0`: the Channels docs'
#     pattern), serving HTTP and the live socket /ws/live/ on the same port;
#   - worker: a Celery worker; beat: Celery beat.
# Ctrl-C or SIGTERM stops them all. Why PgBouncer, with the numbers: docs/architecture.md
# (Deployment).
#
# DATABASE_URL: the app's role. MIGRATE_DATABASE_URL: the owner that migrates. Without
# MIGRATE_DATABASE_URL, DATABASE_URL is taken as the owner's and the app connects as
# CAD_APP_DB_USER (default cad_app) with CAD_APP_DB_PASSWORD, created and granted here.
# CAD_DB_POOLER=none runs without PgBouncer (connections then unbounded: for comparison only).
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
BIN=$(dirname "$PY")
: "${REDIS_URL:?make stack needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)}"
: "${DATABASE_URL:?make stack needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/controlroom)}"
# Plain http on one machine: the TLS-only protections are for deployments behind TLS.
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0} SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-0} \
  CSRF_COOKIE_SECURE=${CSRF_COOKIE_SECURE:-0}

if [ -z "${MIGRATE_DATABASE_URL:-}" ]; then
  export MIGRATE_DATABASE_URL=$DATABASE_URL
  DATABASE_URL=$("$PY" - <<'PYEOF'
import os
from urllib.parse import quote, urlsplit, urlunsplit

url = urlsplit(os.environ["DATABASE_URL"])
user = os.environ.get("CAD_APP_DB_USER", "cad_app")
password = os.environ.get("CAD_APP_DB_PASSWORD", "cad_app_local_only")
host = (url.hostname or "127.0.0.1") + (f":{url.port}" if url.port else "")
print(urlunsplit((url.scheme, f"{quote(user)}:{quote(password)}@{host}", url.path, url.query, "")))
PYEOF
)
  export DATABASE_URL
fi

"$PY" manage.py migrate --noinput          # as MIGRATE_DATABASE_URL (the owner)
"$PY" manage.py db_app_role                # the role in DATABASE_URL: rows only, no DDL
"$PY" manage.py collectstatic --noinput -v0

STACK_DIR=${STACK_DIR:-/tmp/cad-stack-$PORT}
mkdir -p "$STACK_DIR"
# The app processes never see the owner's credentials.
unset MIGRATE_DATABASE_URL
WEB_PROCESSES=${WEB_PROCESSES:-2}
POOLER=${CAD_DB_POOLER:-pgbouncer}
case "$POOLER" in
  pgbouncer)
    scripts/pgbouncer.sh
    PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
    # PgBouncer listens on a unix socket only (no port to collide with another stack). It will
    # not run as root: as root it drops to `nobody`, which must be able to reach the socket.
    PGBOUNCER_SOCKET_DIR=${PGBOUNCER_SOCKET_DIR:-/tmp/cad-pgbouncer-$PORT}
    rm -rf "$PGBOUNCER_SOCKET_DIR" && mkdir -p "$PGBOUNCER_SOCKET_DIR"
    PGBOUNCER_USER=()
    if [ "$(id -u)" -eq 0 ]; then
      chown nobody "$PGBOUNCER_SOCKET_DIR"
      PGBOUNCER_USER=(-u nobody)
    fi
    DATABASE_URL=$("$PY" scripts/pgbouncer_conf.py "$STACK_DIR" "$PGBOUNCER_SOCKET_DIR")
    export DATABASE_URL DATABASE_POOL_MODE=transaction
    ;;
  none) ;;
  *) echo "CAD_DB_POOLER is pgbouncer or none, not $POOLER" >&2; exit 2 ;;
esac

program() {  # kind (program or fcgi-program), name, command, extra lines
  cat <<CONF
[$1:$2]
command=$3
directory=$PWD
autostart=true
autorestart=true
startsecs=2
startretries=1000000
stopasgroup=true
killasgroup=true
stopwaitsecs=15
redirect_stderr=true
stdout_logfile=/dev/fd/1
stdout_logfile_maxbytes=0
${4:-}

CONF
}
{
  cat <<CONF
[supervisord]
nodaemon=true
logfile=$STACK_DIR/supervisord.log
pidfile=$STACK_DIR/supervisord.pid

[unix_http_server]
file=$STACK_DIR/supervisor.sock
chmod=0700

[supervisorctl]
serverurl=unix://$STACK_DIR/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

CONF
  if [ "$POOLER" = pgbouncer ]; then
    program program pgbouncer "$PGBOUNCER ${PGBOUNCER_USER[*]} $STACK_DIR/pgbouncer.ini" \
      "priority=1"
  fi
  # Each daphne process opens a database connection per request (CONN_MAX_AGE does not outlive
  # an ASGI request, Django ticket #33497): CONN_MAX_AGE=0 closes it at the request's end, and
  # behind PgBouncer opening one costs a unix-socket handshake, not a PostgreSQL backend.
  # (WEB_CONN_MAX_AGE overrides it, for comparisons only.)
  program fcgi-program web "$PY -m daphne --fd 0 controlroom.asgi:application" \
    "socket=tcp://${BIND:-127.0.0.1}:$PORT
numprocs=$WEB_PROCESSES
process_name=web-%(process_num)d
environment=CONN_MAX_AGE=\"${WEB_CONN_MAX_AGE:-0}\""
  program program worker "$PY -m celery -A controlroom worker --loglevel=INFO --concurrency=${CELERY_CONCURRENCY:-2}"
  program program beat "$PY -m celery -A controlroom beat --loglevel=INFO --max-interval 1 --schedule $STACK_DIR/celerybeat-schedule"
} > "$STACK_DIR/supervisord.conf"

echo "Supervised by supervisord: $BIN/supervisorctl -c $STACK_DIR/supervisord.conf status" >&2
exec "$BIN/supervisord" -c "$STACK_DIR/supervisord.conf"
