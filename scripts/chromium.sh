#!/usr/bin/env bash
# Make sure the Chromium the browser tests drive is installed (tests/e2e launch it through
# Playwright from $CHROMIUM_PATH, default /usr/bin/chromium). When it is missing, install
# Debian's package; when that is not possible, say exactly why and stop, so `make test` never
# ends in a wall of browser-test failures that hide the cause.
set -u
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

echo "Installing Debian's chromium for the browser tests..."
if ! "${as_root[@]}" apt-get update -qq \
  || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq chromium >/dev/null; then
  cannot "apt-get could not install the chromium package (see its output above)"
fi
[ -x "$chromium" ] || cannot "the chromium package installed no $chromium"
echo "Chromium installed at $chromium."
