#!/usr/bin/env bash
# Production-like stack on one machine, in the foreground: migrate as the tables' owner, grant
# the app's least-privilege database role, collect static, then the ASGI server (daphne), a
# Celery worker and Celery beat under supervisord, which restarts any of them that dies (a
# crashed worker costs seconds, not the stack). Ctrl-C or SIGTERM stops them all.
#
# DATABASE_URL: the app's role. MIGRATE_DATABASE_URL: the owner that migrates. Without
# MIGRATE_DATABASE_URL, DATABASE_URL is taken as the owner's and the app connects as
# CAD_APP_DB_USER (default cad_app) with CAD_APP_DB_PASSWORD, created and granted here.
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
program() {  # name, command
  cat <<CONF
[program:$1]
command=$2
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
  program web "$PY -m daphne -b ${BIND:-127.0.0.1} -p $PORT controlroom.asgi:application"
  program worker "$PY -m celery -A controlroom worker --loglevel=INFO --concurrency=${CELERY_CONCURRENCY:-2}"
  program beat "$PY -m celery -A controlroom beat --loglevel=INFO --max-interval 1 --schedule $STACK_DIR/celerybeat-schedule"
} > "$STACK_DIR/supervisord.conf"

echo "Supervised by supervisord: $BIN/supervisorctl -c $STACK_DIR/supervisord.conf status" >&2
exec "$BIN/supervisord" -c "$STACK_DIR/supervisord.conf"
