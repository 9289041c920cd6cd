#!/usr/bin/env bash
# Production-like stack on one machine, in the foreground: migrate as the tables' owner, grant
# the app's least-privilege database role, collect static, then under supervisord, which
# restarts any of them that dies (a crashed worker costs seconds, not the stack):
#   - pgbouncer: the connection pool in front of PostgreSQL (transaction pooling, at most
#     CAD_DB_POOL_SIZE server connections, default 10, for web, worker and beat together);
#   - proxy: nginx on PORT (scripts/nginx_conf.py), the one address clients use: the live
#     socket /ws/ goes to `live`, everything else to `web`;
#   - web: gunicorn (WSGI) with WEB_PROCESSES processes (default 2, one a core) of WEB_THREADS
#     threads (default 4) on a unix socket: each thread keeps its database connection
#     (CONN_MAX_AGE), where daphne opened one per request;
#   - live: daphne (ASGI) on a unix socket, for the live socket only;
#   - worker: a Celery worker; beat: Celery beat.
# Ctrl-C or SIGTERM stops them all. Why PgBouncer and gunicorn beside daphne, with the numbers:
# docs/architecture.md (Deployment). CAD_WEB_SERVER=daphne serves HTTP and /ws/ from
# WEB_PROCESSES daphne processes on PORT instead (no nginx: for comparison only).
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
WEB_THREADS=${WEB_THREADS:-4}
WEB_SERVER=${CAD_WEB_SERVER:-gunicorn}
case "$WEB_SERVER" in
  gunicorn)
    scripts/nginx.sh
    # Unix sockets between nginx and the servers: no ports to collide with another stack. nginx
    # drops to `nobody` when run as root, so their directory (and nginx's own) is under /tmp,
    # open to all, as PgBouncer's socket directory is.
    SOCKETS=${WEB_SOCKET_DIR:-/tmp/cad-web-$PORT}
    rm -rf "$SOCKETS" && mkdir -p "$SOCKETS" && chmod 755 "$SOCKETS"
    "$PY" scripts/nginx_conf.py "$SOCKETS" "${BIND:-127.0.0.1}:$PORT" \
      "unix:$SOCKETS/web.sock" "unix:$SOCKETS/live.sock"
    ;;
  daphne) ;;
  *) echo "CAD_WEB_SERVER is gunicorn or daphne, not $WEB_SERVER" >&2; exit 2 ;;
esac
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
  if [ "$WEB_SERVER" = gunicorn ]; then
    # X-Forwarded-For is nginx's own (scripts/nginx_conf.py), so the app may trust it.
    program program web "$PY -m gunicorn --bind unix:$SOCKETS/web.sock --workers $WEB_PROCESSES \
--worker-class gthread --threads $WEB_THREADS --keep-alive 60 --timeout 60 --graceful-timeout 15 \
--control-socket $SOCKETS/gunicorn.ctl controlroom.wsgi:application" \
      "environment=CONN_MAX_AGE=\"${WEB_CONN_MAX_AGE:-60}\",TRUST_X_FORWARDED_FOR=\"1\""
    # The live socket needs no grading models. A socket file left by a killed daphne would stop
    # the next one binding, so it goes first.
    program program live "/bin/sh -c 'rm -f $SOCKETS/live.sock; exec $PY -m daphne \
-u $SOCKETS/live.sock --proxy-headers controlroom.asgi:application'" \
      "environment=CONN_MAX_AGE=\"0\",TRUST_X_FORWARDED_FOR=\"1\",GRADING_TRAIN_AT_START=\"0\""
    program program proxy "scripts/nginx_start.sh $PORT $SOCKETS/nginx.conf" "priority=900"
  else
    # Each daphne process opens a database connection per request (CONN_MAX_AGE does not
    # outlive an ASGI request, Django ticket #33497): CONN_MAX_AGE=0 closes it at the request's
    # end. The processes share one listening socket that supervisord opens on PORT
    # (`[fcgi-program]`, `daphne --fd 0`: the Channels docs' pattern).
    program fcgi-program web "$PY -m daphne --fd 0 controlroom.asgi:application" \
      "socket=tcp://${BIND:-127.0.0.1}:$PORT
numprocs=$WEB_PROCESSES
process_name=web-%(process_num)d
environment=CONN_MAX_AGE=\"${WEB_CONN_MAX_AGE:-0}\""
  fi
  program program worker "$PY -m celery -A controlroom worker --loglevel=INFO --concurrency=${CELERY_CONCURRENCY:-2}"
  program program beat "$PY -m celery -A controlroom beat --loglevel=INFO --max-interval 1 --schedule $STACK_DIR/celerybeat-schedule"
} > "$STACK_DIR/supervisord.conf"

echo "Supervised by supervisord: $BIN/supervisorctl -c $STACK_DIR/supervisord.conf status" >&2
exec "$BIN/supervisord" -c "$STACK_DIR/supervisord.conf"
