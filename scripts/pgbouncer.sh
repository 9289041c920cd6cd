#!/usr/bin/env bash
# Make sure PgBouncer, the connection pooler `make stack` puts in front of PostgreSQL, is
# installed. When it is missing, install Debian's package; when that is not possible, say
# exactly why and stop (the same way scripts/chromium.sh installs Chromium).
set -u
command -v pgbouncer >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/pgbouncer ] && exit 0

cannot() {
  echo "PgBouncer is missing and cannot be installed here: $1." >&2
  echo "Install it yourself (Debian: sudo apt-get install pgbouncer), or run make stack with" >&2
  echo "CAD_DB_POOLER=none (no pooler: PostgreSQL connections are then not bounded)." >&2
  exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
  cannot "this is not a Debian-like system (no apt-get)"
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  cannot "installing a package needs root, and this user is not root and has no password-less sudo"
fi

echo "Installing Debian's pgbouncer for make stack..."
if ! "${as_root[@]}" apt-get update -qq \
  || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq pgbouncer >/dev/null; then
  cannot "apt-get could not install the pgbouncer package (see its output above)"
fi
# Debian's package enables a system-wide service on port 6432; make stack runs its own.
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] \
  || cannot "the pgbouncer package installed no pgbouncer"
echo "PgBouncer installed."
