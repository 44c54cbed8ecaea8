#!/usr/bin/env bash
# What the test suite needs beyond `npm ci` (which compiles nothing and needs none of this; the demo
# needs none of it either):
#  1. Debian packages: a real Secret Service for the keychain tests (gnome-keyring under
#     dbus-run-session), libsecret headers to build keytar (step 2), secret-tool to inspect the keyring,
#     Chromium for the browser sign-in test, tinyproxy as the real forward proxy of the proxy tests, and
#     openssl to make the private CA of the TLS tests. Needs root (or sudo) when one is missing.
#  2. In .cache/ (git-ignored), tools the tests load by path, each in a folder of its own:
#     keytar/       keytar, built with node-gyp against libsecret: the tests write keychain items the
#                   way versions ≤ 0.1 did, to prove they are moved (users install keytar themselves)
#     node/<major>/ prebuilt Node.js 22 and 24 from the npm registry: the packed tarball is run on each
#     claude-code/  the Claude Code CLI: the README's `claude mcp add` lines are run with it
# Each step that is already done is skipped, so running it again is cheap.
set -euo pipefail

KEYTAR_VERSION=7.9.0
NODE_VERSIONS=(22.23.5 24.22.3)
CLAUDE_CODE_VERSION=2.1.337

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache"

install_debian_packages() {
  local packages=(gnome-keyring dbus dbus-x11 libsecret-1-dev libsecret-tools pkg-config chromium tinyproxy openssl)
  local missing=() pkg
  for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "system-deps: all present (${packages[*]})"
    return
  fi
  echo "system-deps: installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "system-deps: need root to install ${missing[*]} (apt-get). Install them, then run the tests again." >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "system-deps: done"
}

# npm install of one package into a folder of its own, allowed to run that package's install script.
install_into() {
  local dir="$1" name="$2" version="$3"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '{ "private": true, "dependencies": { "%s": "%s" }, "allowScripts": { "%s": true } }\n' "$name" "$version" "$name" >"$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
}

install_keytar() {
  local dir="$cache/keytar"
  if node -e 'process.exit(require(process.argv[1] + "/package.json").version === process.argv[2] && require(process.argv[1]) ? 0 : 1)' \
    "$dir/node_modules/keytar" "$KEYTAR_VERSION" 2>/dev/null; then
    echo "keytar: $KEYTAR_VERSION present in .cache/keytar"
    return
  fi
  echo "keytar: installing $KEYTAR_VERSION into .cache/keytar (node-gyp build against libsecret)"
  install_into "$dir" keytar "$KEYTAR_VERSION"
}

install_node() {
  local version="$1" major="${1%%.*}"
  local dir="$cache/node/$major"
  if [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ]; then
    echo "node: v$version present in .cache/node/$major"
    return
  fi
  # The npm registry's node-<platform>-<arch> packages carry the official prebuilt binary.
  local package tmp
  package="node-$(node -p 'process.platform + "-" + process.arch')@$version"
  echo "node: fetching $package into .cache/node/$major"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$package" >/dev/null)
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -xzf "$tmp"/*.tgz --strip-components=1 -C "$dir"
  rm -rf "$tmp"
  [ "$("$dir/bin/node" --version)" = "v$version" ]
}

install_claude_code() {
  local dir="$cache/claude-code"
  if [ "$("$dir/node_modules/.bin/claude" --version 2>/dev/null)" = "$CLAUDE_CODE_VERSION (Claude Code)" ]; then
    echo "claude-code: $CLAUDE_CODE_VERSION present in .cache/claude-code"
    return
  fi
  echo "claude-code: installing @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION into .cache/claude-code"
  # Its postinstall puts the platform's native binary in place; it wants Node 22 or newer.
  PATH="$cache/node/22/bin:$PATH" install_into "$dir" @anthropic-ai/claude-code "$CLAUDE_CODE_VERSION"
}

install_debian_packages
install_keytar
for version in "${NODE_VERSIONS[@]}"; do install_node "$version"; done
install_claude_code
