#!/usr/bin/env bash
# Production-like stack on one machine, in the foreground: migrate, collect static, then the
# ASGI server (daphne), a Celery worker and Celery beat. Ctrl-C or SIGTERM stops them all.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
: "${REDIS_URL:?make stack needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)}"
: "${DATABASE_URL:?make stack needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/controlroom)}"
# Plain http on one machine: the TLS-only protections are for deployments behind TLS.
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0} SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-0} \
  CSRF_COOKIE_SECURE=${CSRF_COOKIE_SECURE:-0}

"$PY" manage.py migrate --noinput
"$PY" manage.py collectstatic --noinput -v0

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$PY" -m daphne -b "${BIND:-127.0.0.1}" -p "$PORT" controlroom.asgi:application & pids+=($!)
"$PY" -m celery -A controlroom worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-2}" & pids+=($!)
"$PY" -m celery -A controlroom beat --loglevel=INFO --max-interval 1 \
  --schedule "${CELERY_BEAT_FILE:-/tmp/celerybeat-schedule-$PORT}" & pids+=($!)

# If any process dies, stop the rest: a half-running stack is worse than a stopped one.
wait -n
echo "a stack process exited; stopping the others" >&2
exit 1
