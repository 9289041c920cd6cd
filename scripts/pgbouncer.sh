#!/usr/bin/env bash
# Make sure PgBouncer, the connection pooler `make stack` puts in front of PostgreSQL, is
# installed. When it is missing, install Debian's package; when that is not possible, say
# exactly why and stop (the same way scripts/chromium.sh installs Chromium).
set -u
. "$(dirname "$0")/debian_package.sh"
command -v pgbouncer >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/pgbouncer ] && exit 0

cannot() {
  echo "PgBouncer is missing and cannot be installed here: $1." >&2
  echo "Install it yourself (Debian: sudo apt-get install pgbouncer), or run make stack with" >&2
  echo "CAD_DB_POOLER=none (no pooler: PostgreSQL connections are then not bounded)." >&2
  exit 1
}

debian_package_install pgbouncer "for make stack"
# Debian's package enables a system-wide service on port 6432; make stack runs its own.
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] \
  || cannot "the pgbouncer package installed no pgbouncer"
echo "PgBouncer installed."
