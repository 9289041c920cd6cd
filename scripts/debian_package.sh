#!/usr/bin/env bash
# Sourced by scripts/chromium.sh and scripts/pgbouncer.sh: install one Debian package the project
# needs, or say exactly why it cannot and stop.
#
# The caller defines `cannot REASON` (prints what to do instead and exits 1), then calls
# `debian_package_install PACKAGE PURPOSE`.

debian_package_install() {  # package, what it is for (for the message)
  local package=$1 purpose=$2
  if ! command -v apt-get >/dev/null 2>&1; then
    cannot "this is not a Debian-like system (no apt-get)"
  fi
  local as_root
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    cannot "installing a package needs root, and this user is not root and has no password-less sudo"
  fi
  echo "Installing Debian's $package $purpose..."
  if ! "${as_root[@]}" apt-get update -qq \
    || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq "$package" >/dev/null; then
    cannot "apt-get could not install the $package package (see its output above)"
  fi
}
