#!/usr/bin/env bash
# `make stack`'s proxy program (scripts/stack.sh): nginx in the foreground on PORT.
#
#   scripts/nginx_start.sh PORT CONF
#
# An nginx whose master was killed with SIGKILL leaves its workers behind, still holding the
# port: a new nginx could then never bind it, and supervisord would restart it for ever while
# the orphans answered. So any nginx process listening on PORT is killed first.
set -u
port=$1 conf=$2
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if command -v ss >/dev/null 2>&1; then
  for pid in $(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'nginx",pid=[0-9]*' | cut -d= -f2 | sort -u); do
    echo "nginx_start: killing nginx process $pid left holding port $port" >&2
    kill -9 "$pid" 2>/dev/null || true
  done
fi
exec "$nginx" -e stderr -c "$conf"
