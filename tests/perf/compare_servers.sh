#!/usr/bin/env bash
# How docs/architecture.md (Deployment) compared the ways to serve HTTP, interleaved on one
# database so the machine's load drifts alike for all: A one daphne straight to PostgreSQL,
# B `make stack` with CAD_WEB_SERVER=daphne (daphne through PgBouncer, WEB_PROCESSES of them; the
# stack before 2026-11-30), D gunicorn (gthread, 2 x 4, persistent connections) straight to
# PostgreSQL. (Today's `make stack`, nginx + gunicorn: tests/perf/server.py, BENCH_SERVER.) Prints, per round and server, create and list
# p50/p95, statuses, the servers' CPU per request, PostgreSQL sessions opened and backend time
# per request (pg_stat_database), and the app role's peak connections.
#
#   tests/perf/compare_servers.sh CLIENTS SECONDS ROUNDS     e.g. 1 10 2, then WEB_PROCESSES=2 ... 16 15 1
#
# Needs: a database DB (default cad_db_stack) on the local PostgreSQL (trust auth, as postgres),
# Redis db REDIS_DB (default 3) and ports 8100 to 8102 free. GUNICORN (default the project's
# own, .venv/bin/gunicorn) may name another.
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=$1 secs=$2 rounds=$3
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
DB=${DB:-cad_db_stack} WP=${WEB_PROCESSES:-1}
work=$(mktemp -d)
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 ALLOWED_HOSTS='*' \
  PY=.venv/bin/python PORT=8100 REDIS_URL=redis://127.0.0.1:6379/${REDIS_DB:-3} \
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB \
  SECRET_KEY=compare-servers-only-0123456789abcdefghijklmnopqrstuvwxyz
psql -h 127.0.0.1 -U postgres -lqt | cut -d'|' -f1 | grep -qw "$DB" || createdb -h 127.0.0.1 -U postgres "$DB"
CAD_WEB_SERVER=daphne WEB_PROCESSES=$WP STACK_DIR=$work/stack scripts/stack.sh > "$work/stack.log" 2>&1 &
pid=$!
for _ in $(seq 300); do curl -sf -o /dev/null http://127.0.0.1:8100/readyz && break; sleep 1; done
.venv/bin/python manage.py shell -c "from tests.factories import staff; from core.services import token_for; print(token_for(user=staff('CALL_HANDLER', 'DISPATCHER')))" | tail -1 > "$work/token"
APP=postgres://cad_app:cad_app_local_only@127.0.0.1:5432/$DB
DATABASE_URL=$APP CONN_MAX_AGE=0 .venv/bin/python -m daphne -b 127.0.0.1 -p 8102 controlroom.asgi:application > "$work/daphne.log" 2>&1 &
dpid=$!
DATABASE_URL=$APP CONN_MAX_AGE=60 GRADING_TRAIN_AT_START=0 "$GUNICORN" -b 127.0.0.1:8101 --workers 2 --worker-class gthread --threads 4 --keep-alive 30 controlroom.wsgi:application > "$work/gunicorn.log" 2>&1 &
gpid=$!
for p in 8101 8102; do for _ in $(seq 60); do curl -sf -o /dev/null http://127.0.0.1:$p/readyz && break; sleep 1; done; done
run() { DB=$DB .venv/bin/python tests/perf/compare_servers.py "http://127.0.0.1:$1" "$work/token" "$2" "$3" "$4"; }
for t in 8100:$pid 8102:$dpid 8101:$gpid; do run "${t%%:*}" 2 4 "${t##*:}" > /dev/null; done  # warm up
for r in $(seq "$rounds"); do
  for t in "8102:$dpid:A-daphne1-direct" "8100:$pid:B-daphne$WP-pgbouncer" "8101:$gpid:D-gunicorn2x4-direct"; do
    IFS=: read -r port root name <<< "$t"
    echo "== round $r $name clients=$clients seconds=$secs $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    run "$port" "$clients" "$secs" "$root"
  done
done
kill -TERM "$gpid" "$dpid" "$pid"; wait "$gpid" "$dpid" "$pid" 2>/dev/null || true
rm -rf "$work" "/tmp/cad-pgbouncer-8100"
