#!/usr/bin/env bash
# Make sure nginx, the reverse proxy `make stack` puts in front of the web processes (HTTP to
# gunicorn, the live socket /ws/ to daphne), is installed. When it is missing, install Debian's
# package; when that is not possible, say exactly why and stop (as scripts/pgbouncer.sh does).
set -u
. "$(dirname "$0")/debian_package.sh"
command -v nginx >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/nginx ] && exit 0

cannot() {
  echo "nginx is missing and cannot be installed here: $1." >&2
  echo "Install it yourself (Debian: sudo apt-get install nginx-light), or run make stack with" >&2
  echo "CAD_WEB_SERVER=daphne (daphne alone serves HTTP and /ws/: slower, see docs/architecture.md)." >&2
  exit 1
}

debian_package_install nginx-light "for make stack"
# Debian's package may start a system-wide nginx on port 80; make stack runs its own.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] \
  || cannot "the nginx-light package installed no nginx"
echo "nginx installed."
