#!/usr/bin/env bash
# Installs the Debian packages the test suite needs: a real Secret Service for the keychain tests
# (gnome-keyring under dbus-run-session), libsecret headers so keytar (a dev dependency: the tests use it to
# write items the way earlier versions did) builds during `npm ci`, secret-tool to inspect the keyring,
# Chromium for the browser sign-in test, tinyproxy as the real forward proxy of the proxy tests, and
# openssl to make the private CA of the TLS tests.
# Does nothing when everything is already there; needs root (or sudo) otherwise.
set -euo pipefail

packages=(gnome-keyring dbus dbus-x11 libsecret-1-dev libsecret-tools pkg-config chromium tinyproxy openssl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system-deps: all present (${packages[*]})"
  exit 0
fi

echo "system-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "system-deps: need root to install ${missing[*]} (apt-get). Install them, then run the tests again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: done"
