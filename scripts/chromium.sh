#!/usr/bin/env bash
# Make sure the Chromium the browser tests drive is installed (tests/e2e launch it through
# Playwright from $CHROMIUM_PATH, default /usr/bin/chromium). When it is missing, install
# Debian's package; when that is not possible, say exactly why and stop, so `make test` never
# ends in a wall of browser-test failures that hide the cause.
set -u
. "$(dirname "$0")/debian_package.sh"
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0

cannot() {
  echo "Chromium is missing at $chromium and cannot be installed here: $1." >&2
  echo "Install it yourself (Debian: sudo apt-get install chromium), or point CHROMIUM_PATH at" >&2
  echo "a Chromium binary, then run make test again." >&2
  exit 1
}

if [ "$chromium" != /usr/bin/chromium ]; then
  cannot "CHROMIUM_PATH points somewhere Debian's package does not install"
fi
debian_package_install chromium "for the browser tests"
[ -x "$chromium" ] || cannot "the chromium package installed no $chromium"
echo "Chromium installed at $chromium."
